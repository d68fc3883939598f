/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Sitting bouts, breaks and the per-day totals. */

#include <stdbool.h>
#include <stdint.h>

#include "event-queue.h"
#include "psoas/psoas.h"

#define SITTING_SNAPSHOTS 4
/* The tracker's own posture beyond the public ones: the sensor is off the body. Its time goes to the day's
 * not_worn_s; it ends a bout as any posture but sitting does, without a break. */
#define SITTING_NOT_WORN ((enum psoas_posture)_PSOAS_POSTURE_MAX)

/* The part of the tracker a revision goes back to. */
typedef struct SittingTrackerSnapshot {
        bool valid;
        int64_t t_us; /* taken as the sample at t_us took its posture */
        enum psoas_posture posture; /* the posture before that sample */
        bool in_bout;
        int64_t bout_start_us;
        bool away;
        int64_t away_since_us;
        double away_upright_s;
        bool has_last_break;
        int64_t last_break_us;
        struct psoas_day_stats today;
} SittingTrackerSnapshot;

typedef struct SittingTracker {
        float break_s;
        float tilt_alert_deg; /* for today.high_tilt_s */

        bool has_last;
        int64_t last_t_us;
        enum psoas_posture posture; /* of the last sample */

        bool in_bout;
        int64_t bout_start_us;
        /* Out of the seat during a bout: since when, and how much of that was standing or walking. */
        bool away;
        int64_t away_since_us;
        double away_upright_s;

        bool has_last_break;
        int64_t last_break_us;

        struct psoas_day_stats today;
        bool has_previous;
        struct psoas_day_stats previous; /* the day before today, once the day has rolled over */

        /* Where a revision can go back to: the last few changes of posture (a squat taken for sitting is two
         * changes, down and up, before it is revised), and a point the engine marks. */
        SittingTrackerSnapshot at_change[SITTING_SNAPSHOTS];
        unsigned next_change; /* the slot the next change goes in */
        SittingTrackerSnapshot at_mark;
        SittingTrackerSnapshot at_still; /* where the sensor last began to be still (lib/wear.h) */
} SittingTracker;

void sitting_tracker_init(SittingTracker *s, const struct psoas_config *config);
void sitting_tracker_set_config(SittingTracker *s, const struct psoas_config *config);

/* Accounts the interval since the previous sample (dt_s, already capped by the engine across gaps) to the
 * previous sample's posture, then takes this sample's posture. day is the local day of this sample. tilt_deg
 * counts only when calibrated and standing. Pushes BOUT_STARTED, BOUT_ENDED and DAY_CHANGED. */
void sitting_tracker_update(SittingTracker *s, int64_t t_us, double dt_s, int32_t day,
        enum psoas_posture posture, bool calibrated, float tilt_deg, EventQueue *q);

/* Takes a snapshot at the last sample (its posture, the totals so far), for sitting_tracker_revise(). */
void sitting_tracker_mark(SittingTracker *s);
/* The same, in a slot of its own: where a stillness began, which the test for a sensor taken off goes back to. */
void sitting_tracker_mark_still(SittingTracker *s);

/* The posture was in fact `posture` since since_us: from the latest of the last SITTING_SNAPSHOTS changes of
 * posture and the last mark that is at or before since_us, the time to the last sample is accounted again, the
 * bouts and breaks follow the corrected postures, and the events say so. A bout that turns out never to have been is
 * withdrawn (BOUT_ENDED with bout.withdrawn). Counts the posture does not decide (alerts, stretches) stay.
 * -ESTALE when there is nothing to go back to (since_us before both, or on another day). */
int sitting_tracker_revise(SittingTracker *s, int64_t since_us, enum psoas_posture posture, bool calibrated,
        float tilt_deg, EventQueue *q);

/* Length of the current bout at t_us, 0 when none. */
double sitting_tracker_bout_seconds(const SittingTracker *s, int64_t t_us);

/* Replaces today's totals with *stats (stats->day included). When in_bout, resumes a bout that began at
 * bout_start_us (any break in progress is forgotten); otherwise the tracker's own bout, if any, is kept. */
void sitting_tracker_restore(
        SittingTracker *s, const struct psoas_day_stats *stats, bool in_bout, int64_t bout_start_us);
