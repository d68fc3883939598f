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

void engine_wear_put_on(struct psoas_engine *e, int64_t t_us) {
        /* What the sensor saw on the desk and while it was handled says nothing of the wearer (lifted from flat
         * to upright, it would look like sitting up from lying). */
        posture_classifier_reset_motion(&e->posture);
        e->wear_settling = WEAR_SETTLING_HANDLED;
        e->wear_put_on_us = t_us;
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

void engine_record_tilt_second(struct psoas_engine *e, int64_t local_us) {
        const PostureClassifier *p = &e->posture;

        e->record_tilt_from_us = floor_div(local_us, US_PER_SEC) * US_PER_SEC;
        e->record_tilt_deg =
                p->calibrated && p->forward_known ? posture_classifier_tilt(p, e->fusion.up) : NAN;
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
