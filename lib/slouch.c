/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The slouch alert and the upright sitting reference: see slouch.h for the rule. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "slouch.h"

#define SLOUCH_LEVEL_MAX 3u

static int64_t seconds_to_us(double s) {
        return (int64_t)llround(s * (double)US_PER_SEC);
}

void slouch_tracker_set_config(SlouchTracker *s, const struct psoas_config *config) {
        s->alert_deg = config->slouch_alert_deg;
        s->alert_s = config->slouch_alert_s;
        /* Off (0°): no slump goes on, as none would be followed. */
        if (s->alert_deg <= 0)
                s->slumped = false;
        if (s->slumped)
                s->next_due_us =
                        (s->fired > 0 ? s->last_fired_us : s->slumped_since_us) + seconds_to_us(s->alert_s);
}

void slouch_tracker_init(SlouchTracker *s, const struct psoas_config *config) {
        memset(s, 0, sizeof(*s));
        slouch_tracker_set_config(s, config);
}

static bool slouch_measurable(const PostureClassifier *p) {
        return p->calibrated && p->forward_known;
}

int slouch_capture_start(SlouchTracker *s, const PostureClassifier *p, float still_s, float timeout_s) {
        if (!p->calibrated)
                return -ENODATA;
        if (s->capturing)
                return -EBUSY;
        s->capturing = true;
        s->still_s = still_s;
        s->timeout_s = timeout_s;
        s->capture_start_us = INT64_MIN;
        s->run_n = 0;
        return 0;
}

bool slouch_capture_cancel(SlouchTracker *s) {
        bool was = s->capturing;

        s->capturing = false;
        return was;
}

void slouch_reference_get(
        const SlouchTracker *s, float neutral_inclination_deg, bool *ret_known, float *ret_inclination_deg) {
        *ret_known = s->reference_known;
        *ret_inclination_deg = s->reference_known ? neutral_inclination_deg + s->reference_tilt_deg : 0.0f;
}

int slouch_reference_set(
        SlouchTracker *s, bool known, float inclination_deg, float neutral_inclination_deg) {
        float tilt = inclination_deg - neutral_inclination_deg;

        if (known && !(fabsf(tilt) <= 90.0f))
                return -EINVAL;
        s->reference_known = known;
        s->reference_tilt_deg = known ? tilt : 0.0f;
        s->slumped = false;
        return 0;
}

float slouch_degrees(
        const SlouchTracker *s, const PostureClassifier *p, enum psoas_posture posture, const float up[3]) {
        if (!s->reference_known || posture != PSOAS_POSTURE_SITTING || !slouch_measurable(p))
                return 0.0f;
        return s->reference_tilt_deg - posture_classifier_tilt(p, up);
}

static void slouch_capture_failed(
        SlouchTracker *s, int64_t t_us, enum psoas_calibration_error reason, EventQueue *q) {
        struct psoas_event ev = { .type = PSOAS_EVENT_CALIBRATION_FAILED, .t_us = t_us };

        s->capturing = false;
        ev.calibration_failed.reason = reason;
        event_queue_push(q, &ev);
}

/* The mean tilt over still_s of stillness while sitting: what the wearer calls sitting upright. Fails
 * NOT_SITTING at the first sample not sitting, MOVING when no such stillness came within timeout_s. */
static void slouch_capture_update(SlouchTracker *s, int64_t t_us, const PostureClassifier *p,
        enum psoas_posture posture, const float up[3], bool still, float neutral_inclination_deg,
        EventQueue *q) {
        if (s->capture_start_us == INT64_MIN)
                s->capture_start_us = t_us;
        if (posture != PSOAS_POSTURE_SITTING) {
                slouch_capture_failed(s, t_us, PSOAS_CALIBRATION_NOT_SITTING, q);
                return;
        }
        /* Without the forward direction the tilt has no sign. Sitting still is when it is learned (posture.c,
         * within seconds): until then the wearer is asked for more of the same stillness. */
        if (!still || !slouch_measurable(p)) {
                s->run_n = 0;
        } else {
                if (s->run_n == 0) {
                        s->run_start_us = t_us;
                        s->run_sum_deg = 0.0;
                }
                s->run_sum_deg += posture_classifier_tilt(p, up);
                s->run_n++;
                if (t_us - s->run_start_us >= seconds_to_us(s->still_s)) {
                        s->capturing = false;
                        s->reference_known = true;
                        s->reference_tilt_deg = (float)(s->run_sum_deg / s->run_n);
                        s->slumped = false;

                        struct psoas_event ev = { .type = PSOAS_EVENT_CALIBRATED, .t_us = t_us };
                        ev.calibrated.neutral_inclination_deg =
                                neutral_inclination_deg + s->reference_tilt_deg;
                        ev.calibrated.sitting = true;
                        event_queue_push(q, &ev);
                        return;
                }
        }
        if (t_us - s->capture_start_us >= seconds_to_us(s->timeout_s))
                slouch_capture_failed(s, t_us, PSOAS_CALIBRATION_MOVING, q);
}

/* Follows the slump; true when the pelvis is slumped now (not in a spell of sitting up or out of the seat). */
static bool slouch_follow(SlouchTracker *s, int64_t t_us, bool sitting, float deg) {
        if (!s->slumped) {
                if (!sitting || deg < s->alert_deg)
                        return false;
                s->slumped = true;
                s->slumped_since_us = t_us;
                s->sitting_up = false;
                s->fired = 0;
                s->next_due_us = t_us + seconds_to_us(s->alert_s);
                return true;
        }
        if (!sitting || deg < s->alert_deg - SLOUCH_HYSTERESIS_DEG) {
                if (!s->sitting_up) {
                        s->sitting_up = true;
                        s->upright_since_us = t_us;
                } else if (t_us - s->upright_since_us >= seconds_to_us(SLOUCH_UPRIGHT_S))
                        s->slumped = false;
        } else if (deg >= s->alert_deg)
                s->sitting_up = false;
        return s->slumped && !s->sitting_up;
}

int slouch_tracker_update(SlouchTracker *s, int64_t t_us, const PostureClassifier *p,
        enum psoas_posture posture, const float up[3], bool still, float neutral_inclination_deg,
        const AlertPolicy *policy, int32_t minute_of_day, bool may_fire, EventQueue *q, Alert *ret) {

        if (s->capturing)
                slouch_capture_update(s, t_us, p, posture, up, still, neutral_inclination_deg, q);

        if (s->alert_deg <= 0 || !s->reference_known) {
                s->slumped = false;
                return 0;
        }
        /* Out of the seat counts as sitting up: a reach forward the classifier takes for standing for a
         * moment does not end the slump, a break does. */
        bool sitting = posture == PSOAS_POSTURE_SITTING && slouch_measurable(p);
        float deg = sitting ? slouch_degrees(s, p, posture, up) : 0.0f;
        if (!slouch_follow(s, t_us, sitting, deg) || t_us < s->next_due_us || !may_fire)
                return 0;
        if (alert_policy_suppressed(policy, t_us, minute_of_day))
                return 0;

        s->fired++;
        s->last_fired_us = t_us;
        s->next_due_us = t_us + seconds_to_us(s->alert_s);
        *ret = (Alert){
                .kind = PSOAS_ALERT_SLOUCH,
                .level = MIN(s->fired, SLOUCH_LEVEL_MAX),
                .duration_s = (double)(t_us - s->slumped_since_us) / (double)US_PER_SEC,
        };
        return 1;
}
