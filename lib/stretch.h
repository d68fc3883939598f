/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Choosing a stretch for an alert, and confirming it with the sensor. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psoas/psoas.h"
#include "signature.h"

typedef struct StretchPlanner {
        const struct psoas_stretch *catalog;
        size_t n;
        int32_t last_pick[_PSOAS_ALERT_KIND_MAX]; /* -1: none yet */
        int32_t last_prompt; /* the previous prompt of either cause, -1: none yet */

        /* The last prompt: has_prompt says stretch is meaningful; pending while it is still watched for;
         * verified once the sensor confirmed it (kept after pending ends, so that a self-report is not
         * counted twice). */
        bool has_prompt;
        bool pending;
        uint32_t stretch;
        enum psoas_alert_kind cause;
        int64_t prompted_us;
        int64_t deadline_us;
        bool verified;
        SignatureTracker track;
        uint32_t seen; /* enum psoas_stretch_seen flags so far */
        /* The last progress reported: a new event when one of them changes. */
        uint32_t progress_side, progress_held_s, progress_reps;

        uint32_t places; /* enum psoas_stretch_place flags the wearer allows (PSOAS_PLACE_DESK by default) */
} StretchPlanner;

/* What stretch_planner_update() has to report. */
typedef struct StretchUpdate {
        bool verified;
        bool progress;
        bool missed;
        uint32_t stretch;
        uint32_t side, held_s, reps, goal; /* progress */
        uint32_t seen; /* missed: enum psoas_stretch_seen flags */
} StretchUpdate;

/* catalog must already be valid (see stretch_planner_set_catalog()); NULL or n == 0 selects the default. */
void stretch_planner_init(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n);
/* Validates every entry and the ids' uniqueness; -EINVAL keeps the old catalog. NULL or n == 0 selects the
 * default. A new catalog forgets the rotation and any prompt (their indices belong to the old one). */
int stretch_planner_set_catalog(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n);

/* Where the wearer can stretch: PSOAS_PLACE_DESK is required. -EINVAL otherwise. */
int stretch_planner_set_places(StretchPlanner *p, uint32_t places);

/* The stretch for an alert of this cause, rotated so the same one does not come twice in a row; stretches done
 * standing by the desk come first in the rotation, then seated ones, then floor exercises, and those only when
 * the places allow them. Returns its index, or -ENOENT when the catalog has none that fits (-EINVAL for a cause
 * out of range). SITTING: what sitting shortens or presses (hip flexors, quadriceps, hamstrings, piriformis), or
 * a walk.
 * TILT: what pulls the pelvis back (glutes, abdominals) or lengthens the hip flexors with the pelvis tucked;
 * never a forward hinge or a walk, which would not undo the tilt. */
int stretch_planner_select(StretchPlanner *p, enum psoas_alert_kind cause);

/* Starts watching for stretch idx, prompted at t_us for an alert of this cause, for window_s seconds. Replaces
 * any earlier prompt. */
void stretch_planner_prompted(
        StretchPlanner *p, uint32_t idx, enum psoas_alert_kind cause, int64_t t_us, double window_s);

/* One sample for the pending prompt: the signature's features, the posture, and whether the standing tilt is at
 * or above the alert threshold (after a tilt alert nothing counts while it is). Only the part of dt_s after the prompt counts. Returns 1 with
 * *ret filled when there is something to report (verified, progress or missed), 0 otherwise. */
int stretch_planner_update(StretchPlanner *p, int64_t t_us, double dt_s, const StretchSense *sense,
        enum psoas_posture posture, bool tilt_high, StretchUpdate *ret);

/* Self-report by id. 1 and *ret_idx: counts as self-reported (also for a stretch that was not prompted), and
 * ends the pending prompt. 0: the last prompt was for this stretch and the sensor already verified it (not
 * counted twice). -ENOENT: unknown id. -EINVAL: id is NULL. */
int stretch_planner_report(StretchPlanner *p, const char *id, uint32_t *ret_idx);

/* Index of the stretch with this id, -ENOENT when there is none, -EINVAL when id is NULL. */
int stretch_planner_find(const StretchPlanner *p, const char *id);
