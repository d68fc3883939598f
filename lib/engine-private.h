/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The engine's state, for the files that make up the engine (engine.c, engine-record.c). Not part of the public
 * API. */

#include <stdbool.h>
#include <stdint.h>

#include "alerts.h"
#include "calibration.h"
#include "event-queue.h"
#include "fusion.h"
#include "macro.h"
#include "posture.h"
#include "psoas/psoas.h"
#include "record.h"
#include "sitting.h"
#include "slouch.h"
#include "stretch.h"
#include "wear.h"

/* Beyond these a sample is not a measurement of a person: a broken bus read or a saturated part. */
#define MAX_ACCEL (16.0f * STANDARD_GRAVITY)
#define MAX_GYRO 35.0f
/* A gap longer than this restarts the orientation and motion estimates. */
#define GAP_RESET_US 1000000
/* Time across a gap longer than this is not attributed to any posture. */
#define GAP_ACCOUNT_MAX_US 2000000
#define US_PER_DAY (86400LL * US_PER_SEC)
#define US_PER_MINUTE (60LL * US_PER_SEC)

/* The event union grew members in 0.3 without growing the struct; the size member took the padding after the
 * type. Growing it is allowed now (psoas.h's rule for sized structs), but should be a decision. */
_Static_assert(sizeof(struct psoas_event) == 40, "struct psoas_event changed size");

struct psoas_engine {
        struct psoas_config config;
        bool allocated;

        Fusion fusion;
        PostureClassifier posture;
        Calibrator calibrator;
        SittingTracker sitting;
        AlertPolicy alerts;
        SlouchTracker slouch;
        StretchPlanner stretches;
        StretchSense sense; /* the pelvic signatures' features */
        EventQueue events;
        WearDetector wear;
        /* Being put back on (lib/engine-record.c); the posture is unknown meanwhile. */
        enum {
                WEAR_SETTLING_NONE,
                WEAR_SETTLING_HANDLED, /* put on: waiting for the handling to show */
                WEAR_SETTLING_MOVING, /* handled: waiting for the sensor to be still on the body */
                WEAR_SETTLING_JUDGING, /* still: the classifier judges the posture afresh */
        } wear_settling;
        int64_t wear_put_on_us;
        Record record;
        /* The tilt the record's cells take: worked out once a local second, the one from record_tilt_from_us. */
        int64_t record_tilt_from_us;
        float record_tilt_deg;

        bool has_last;
        int64_t last_us;
        uint32_t
                steps_seen; /* posture.motion.steps_walked when the day's steps were last brought up to date */

        bool has_clock;
        int64_t clock_t_us;
        int64_t clock_local_us;
        /* The local minute the last sample fell in, and its bounds in sample time: the day and the minute of the
         * day change only when a sample leaves it. */
        bool minute_valid;
        int64_t minute_start_us;
        int64_t minute_end_us;
        int32_t minute_day;
        int32_t minute_of_day;

        float neutral_inclination_deg;
        /* What the state says that the modules do not know: the counters, and what the setters said before
         * the first sample. The rest is worked out by psoas_engine_get_state(). */
        struct psoas_state state;
};

/* Local time of a sample for the record: the clock's, or without one the sample time itself. */
static inline int64_t engine_record_local_time(const struct psoas_engine *e, int64_t t_us) {
        return e->has_clock ? e->clock_local_us + (t_us - e->clock_t_us) : t_us;
}

/* The sensor is back on the body (lib/engine-record.c): the posture is judged afresh once it is still there. */
void engine_wear_put_on(struct psoas_engine *e, int64_t t_us);
/* After the classifier's update: how far putting the sensor back on has come. */
void engine_wear_settle(struct psoas_engine *e, int64_t t_us);

/* Whether the sensor is on the body, for this sample. */
static inline WearChange engine_wear_update(struct psoas_engine *e, int64_t t_us, const float accel[3]) {
        WearChange change = wear_detector_update(&e->wear, t_us, accel);

        if (change == WEAR_PUT_ON)
                engine_wear_put_on(e, t_us);
        return change;
}

/* The posture the record and the day's totals take for the last sample: not worn, or the classifier's. */
static inline enum psoas_posture engine_tracked_posture(const struct psoas_engine *e) {
        if (!e->wear.worn)
                return SITTING_NOT_WORN;
        return e->wear_settling ? PSOAS_POSTURE_UNKNOWN : e->posture.posture;
}

/* The posture the wearer is told: unknown while the sensor is not worn or being put on. */
static inline enum psoas_posture engine_public_posture(const struct psoas_engine *e) {
        return e->wear.worn && !e->wear_settling ? e->posture.posture : PSOAS_POSTURE_UNKNOWN;
}

/* What the record takes the last sample's time for: the tracked posture, or not worn. */
static inline RecordClass engine_record_class(const struct psoas_engine *e) {
        enum psoas_posture tracked = engine_tracked_posture(e);
        return tracked == SITTING_NOT_WORN ? RECORD_NOT_WORN : (RecordClass)tracked;
}

/* Works out the tilt the record's cells take from the local second of local_us on. */
void engine_record_tilt_second(struct psoas_engine *e, int64_t local_us);

/* The sample at t_us, accounted_us after the previous one is accounted (0: a gap), with new_steps steps: into the
 * record. Inline: most samples only update the second in progress. */
static inline void engine_record_sample(
        struct psoas_engine *e, int64_t t_us, int64_t accounted_us, uint32_t new_steps) {
        int64_t local = engine_record_local_time(e, t_us);

        /* The tilt takes an arctangent: once a local second is plenty for a per-minute mean. */
        if (local < e->record_tilt_from_us || local - e->record_tilt_from_us >= US_PER_SEC)
                engine_record_tilt_second(e, local);
        record_sample(
                &e->record, local, accounted_us, engine_record_class(e), e->record_tilt_deg, new_steps);
}
