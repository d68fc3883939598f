/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The slouch alert and the upright sitting reference it is measured from (libpsoas(3), SLOUCH).
 *
 * The reference is the pelvis's sagittal tilt while the wearer sits upright and still, kept relative to the
 * standing neutral, so that a new standing calibration (a sensor worn a little differently) leaves it valid.
 * Slouching is sitting with the pelvis rolled back (posterior) from it by slouch_alert_deg or more.
 *
 * The rule, with its two fixed numbers:
 *  - A slump begins at the first sitting sample at least slouch_alert_deg behind the reference.
 *  - It goes on through any spell of sitting up shorter than SLOUCH_UPRIGHT_S: a fidget, a reach forward, a
 *    moment upright do not end it. Sitting up means less than slouch_alert_deg - SLOUCH_HYSTERESIS_DEG behind
 *    the reference (so that sway about the threshold is neither slumped nor upright for long), or any posture
 *    but sitting (a reach forward can pass for standing for a moment).
 *  - It ends after SLOUCH_UPRIGHT_S of sitting up: sitting upright, or standing, walking or lying.
 *  - The alert fires when the slump has lasted slouch_alert_s and the pelvis is slumped at that moment, sitting
 *    (never in a spell of sitting up, so never standing, walking or lying), then again every slouch_alert_s
 *    while it lasts, at levels 1, 2, 3. Like every alert it waits through a snooze, an inhibition and quiet
 *    hours.
 */

#include <stdbool.h>
#include <stdint.h>

#include "alerts.h"
#include "event-queue.h"
#include "posture.h"
#include "psoas/psoas.h"

/* Sitting up for this long ends a slump: a reach forward or a fidget takes a few seconds, sitting up to
 * stay takes longer. */
#define SLOUCH_UPRIGHT_S 30
/* The pelvis sways by a degree or two sitting still (breathing, shifting weight): the band under the
 * threshold where it counts as neither sitting up nor newly slumped. */
#define SLOUCH_HYSTERESIS_DEG 3.0f

typedef enum SlouchCaptureResult {
        SLOUCH_CAPTURE_NONE, /* none running, or still running */
        SLOUCH_CAPTURE_DONE,
        SLOUCH_CAPTURE_FAILED,
} SlouchCaptureResult;

typedef struct SlouchTracker {
        float alert_deg; /* 0: no alert */
        float alert_s;

        bool reference_known;
        float reference_tilt_deg; /* the upright sit's tilt relative to the standing neutral (negative) */

        /* Capturing the reference: the run of still sitting samples so far. */
        bool capturing;
        float still_s, timeout_s;
        int64_t capture_start_us;
        int64_t run_start_us;
        double run_sum_deg;
        uint32_t run_n;

        /* The slump in progress. */
        bool slumped;
        int64_t slumped_since_us;
        bool sitting_up; /* in a spell of sitting up, since upright_since_us */
        int64_t upright_since_us;
        uint32_t fired;
        int64_t last_fired_us; /* valid when fired > 0 */
        int64_t next_due_us;
} SlouchTracker;

void slouch_tracker_init(SlouchTracker *s, const struct psoas_config *config);
/* Keeps the reference and the slump in progress; the next alert follows the new time. */
void slouch_tracker_set_config(SlouchTracker *s, const struct psoas_config *config);

/* Starts capturing the reference: -ENODATA unless the classifier is calibrated standing, -EBUSY when a
 * capture is running. Without a forward direction a slump and a lean forward look alike: the capture counts
 * only the stillness after it is known (configured, or learned in the first seconds of sitting still). */
int slouch_capture_start(SlouchTracker *s, const PostureClassifier *p, float still_s, float timeout_s);
/* Stops a capture; true when one was running. */
bool slouch_capture_cancel(SlouchTracker *s);

/* The reference as struct psoas_calibration holds it: an inclination, neutral_inclination_deg + tilt. */
void slouch_reference_get(
        const SlouchTracker *s, float neutral_inclination_deg, bool *ret_known, float *ret_inclination_deg);
/* -EINVAL for a known reference that is not finite or not within 90° of the neutral. */
int slouch_reference_set(SlouchTracker *s, bool known, float inclination_deg, float neutral_inclination_deg);

/* How far the pelvis is behind the reference (positive: slumped back), when sitting with a reference, else
 * 0. posture: the one the wearer is told (unknown while the sensor is off the body), not the classifier's. */
float slouch_degrees(
        const SlouchTracker *s, const PostureClassifier *p, enum psoas_posture posture, const float up[3]);

/* Whether slouch_tracker_update() has anything to do: most wearers never capture a reference, and the call
 * costs a few dozen instructions a sample. */
static inline bool slouch_tracker_active(const SlouchTracker *s) {
        return s->capturing || (s->reference_known && s->alert_deg > 0);
}

/* Once per sample: runs a capture (queueing CALIBRATED or CALIBRATION_FAILED; neutral_inclination_deg turns
 * the reference into the event's inclination), follows the slump, and returns 1 with *ret filled when the
 * alert fires (may_fire false: another alert took this sample, this one stays due), else 0. */
int slouch_tracker_update(SlouchTracker *s, int64_t t_us, const PostureClassifier *p,
        enum psoas_posture posture, const float up[3], bool still, float neutral_inclination_deg,
        const AlertPolicy *policy, int32_t minute_of_day, bool may_fire, EventQueue *q, Alert *ret);
