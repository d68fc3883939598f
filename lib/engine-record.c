/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The engine's record of the day (lib/record.c) and whether the sensor is worn (lib/wear.c): what the engine
 * feeds them, and the public functions that read the record. */
#include <errno.h>
#include <math.h>

#include "engine-private.h"
#include "macro.h"
#include "sized.h"

/* Put back on without any handling to see (the desk bumped): judged after this long. */
#define WEAR_SETTLING_QUIET_US (10 * US_PER_SEC)

/* Unsettled minutes: the open seconds span at most this many (a partial one at each end). */
#define RECORD_PEEK_MAX (RECORD_OPEN_S / 60 + 2)

int64_t engine_record_local_time(const struct psoas_engine *e, int64_t t_us) {
        return e->has_clock ? psoas_engine_local_time(e, t_us) : t_us;
}

enum psoas_posture engine_tracked_posture(const struct psoas_engine *e) {
        if (!e->wear.worn)
                return SITTING_NOT_WORN;
        return e->wear_settling ? PSOAS_POSTURE_UNKNOWN : e->posture.posture;
}

enum psoas_posture engine_public_posture(const struct psoas_engine *e) {
        return e->wear.worn && !e->wear_settling ? e->posture.posture : PSOAS_POSTURE_UNKNOWN;
}

WearChange engine_wear_update(struct psoas_engine *e, int64_t t_us, const float accel[3]) {
        WearChange change = wear_detector_update(&e->wear, t_us, accel);

        /* Back on the body: what the sensor saw on the desk and while it was handled says nothing of the
         * wearer (lifted from flat to upright, it would look like sitting up from lying). */
        if (change == WEAR_PUT_ON) {
                posture_classifier_reset_motion(&e->posture);
                e->wear_settling = WEAR_SETTLING_HANDLED;
                e->wear_put_on_us = t_us;
        }
        return change;
}

void engine_wear_settle(struct psoas_engine *e, int64_t t_us) {
        const MotionDetector *m = &e->posture.motion;
        bool moving = m->initialized && m->still_s <= 0.0f;
        /* Still for a second: the handling is over, not merely slow at its start. */
        bool still = m->initialized && m->still_s >= 1.0f;

        switch (e->wear_settling) {
        case WEAR_SETTLING_HANDLED:
                /* The motion detector starts out still: wait for the handling to show, unless there is none
                 * (the desk was bumped). */
                if (moving)
                        e->wear_settling = WEAR_SETTLING_MOVING;
                else if (t_us - e->wear_put_on_us >= WEAR_SETTLING_QUIET_US)
                        e->wear_settling = WEAR_SETTLING_JUDGING;
                break;
        case WEAR_SETTLING_MOVING:
                /* Still on the body: from here the classifier judges the posture from the orientation. */
                if (still) {
                        posture_classifier_reset_motion(&e->posture);
                        e->wear_settling = WEAR_SETTLING_JUDGING;
                }
                break;
        case WEAR_SETTLING_JUDGING:
                if (!e->posture.after_gap)
                        e->wear_settling = WEAR_SETTLING_NONE;
                break;
        default:
                break;
        }
}

static int64_t floor_seconds(int64_t us) {
        int64_t q = us / US_PER_SEC;
        return us % US_PER_SEC < 0 ? q - 1 : q;
}

void engine_record_sample(struct psoas_engine *e, int64_t t_us, int64_t accounted_us, uint32_t new_steps) {
        const PostureClassifier *p = &e->posture;
        int64_t local = engine_record_local_time(e, t_us);
        int64_t second = floor_seconds(local);

        /* The tilt takes an arctangent: once a second is plenty for a per-minute mean. */
        if (second != e->record_tilt_second) {
                e->record_tilt_second = second;
                e->record_tilt_deg =
                        p->calibrated && p->forward_known ? posture_classifier_tilt(p, e->fusion.up) : NAN;
        }
        enum psoas_posture tracked = engine_tracked_posture(e);
        RecordClass class = tracked == SITTING_NOT_WORN ? RECORD_NOT_WORN : (RecordClass)tracked;
        record_sample(&e->record, local, accounted_us, class, e->record_tilt_deg, new_steps);
}

int psoas_engine_pop_minute(struct psoas_engine *e, struct psoas_minute *ret) {
        struct psoas_minute m;

        if (!e || !ret || ret->size < sizeof(uint32_t))
                return -EINVAL;
        if (!record_pop_minute(&e->record, &m))
                return 0;
        int r = sized_copy_out(ret, &m, sizeof(m));
        return r < 0 ? r : 1;
}

int psoas_engine_pop_bout(struct psoas_engine *e, struct psoas_bout *ret) {
        struct psoas_bout b;

        if (!e || !ret || ret->size < sizeof(uint32_t))
                return -EINVAL;
        if (!record_pop_bout(&e->record, &b))
                return 0;
        int r = sized_copy_out(ret, &b, sizeof(b));
        return r < 0 ? r : 1;
}

int psoas_engine_peek_minutes(const struct psoas_engine *e, struct psoas_minute *ret, size_t n) {
        struct psoas_minute open[RECORD_PEEK_MAX];

        if (!e || (!ret && n > 0))
                return -EINVAL;
        if (n == 0)
                return 0;
        uint32_t size = ret[0].size;
        if (size < sizeof(uint32_t))
                return -EINVAL;
        unsigned k = record_peek_minutes(&e->record, open, (unsigned)MIN(n, (size_t)RECORD_PEEK_MAX));
        for (unsigned i = 0; i < k; i++) {
                struct psoas_minute *theirs =
                        (struct psoas_minute *)(void *)((char *)ret + (size_t)i * size);
                theirs->size = size;
                (void)sized_copy_out(theirs, &open[i], sizeof(open[i]));
        }
        return (int)k;
}

int psoas_engine_peek_bout(const struct psoas_engine *e, struct psoas_bout *ret) {
        struct psoas_bout b;

        if (!e || !ret || ret->size < sizeof(uint32_t))
                return -EINVAL;
        if (!record_peek_bout(&e->record, &b))
                return 0;
        int r = sized_copy_out(ret, &b, sizeof(b));
        return r < 0 ? r : 1;
}

void psoas_engine_finish_record(struct psoas_engine *e) {
        if (e)
                record_finish(&e->record);
}
