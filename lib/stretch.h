/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Choosing a stretch for an alert, and confirming it with the sensor. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psoas/psoas.h"

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
        int64_t prompted_us;
        int64_t deadline_us;
        double seen_s;
        bool verified;
} StretchPlanner;

/* catalog must already be valid (see stretch_planner_set_catalog()); NULL or n == 0 selects the default. */
void stretch_planner_init(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n);
/* Validates every entry and the ids' uniqueness; -EINVAL keeps the old catalog. NULL or n == 0 selects the
 * default. A new catalog forgets the rotation and any prompt (their indices belong to the old one). */
int stretch_planner_set_catalog(StretchPlanner *p, const struct psoas_stretch *catalog, size_t n);

/* The stretch for an alert of this cause, rotated so the same one does not come twice in a row.
 * Returns its index, or -ENOENT when the catalog has none that fits (-EINVAL for a cause out of range).
 * SITTING: hip-flexor stretches doable by the desk. TILT: glute or core work, or an upright hip-flexor
 * stretch doable by the desk. */
int stretch_planner_select(StretchPlanner *p, enum psoas_alert_kind cause);

/* Starts watching for stretch idx, prompted at t_us, for window_s seconds. Replaces any earlier prompt. */
void stretch_planner_prompted(StretchPlanner *p, uint32_t idx, int64_t t_us, double window_s);

/* Accounts dt_s in this posture to the pending prompt (only the part after the prompt). Returns 1 and
 * *ret_idx when it becomes verified now. */
int stretch_planner_update(
        StretchPlanner *p, int64_t t_us, double dt_s, enum psoas_posture posture, uint32_t *ret_idx);

/* Self-report by id. 1 and *ret_idx: counts as self-reported (also for a stretch that was not prompted), and
 * ends the pending prompt. 0: the last prompt was for this stretch and the sensor already verified it (not
 * counted twice). -ENOENT: unknown id. -EINVAL: id is NULL. */
int stretch_planner_report(StretchPlanner *p, const char *id, uint32_t *ret_idx);

/* Index of the stretch with this id, -ENOENT when there is none, -EINVAL when id is NULL. */
int stretch_planner_find(const StretchPlanner *p, const char *id);
