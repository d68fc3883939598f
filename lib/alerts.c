/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "alerts.h"
#include "macro.h"

/* A tilt episode ends only this far below the threshold, so a tilt hovering around it is one episode, not a
 * stream of new ones each restarting the clock. */
#define TILT_HYSTERESIS_DEG 2.0f

#define ALERT_LEVEL_MAX 3u

#define MINUTES_PER_DAY 1440

static int64_t seconds_to_us(double s) {
        return (int64_t)llround(s * (double)US_PER_SEC);
}

static double us_to_seconds(int64_t us) {
        return (double)us / (double)US_PER_SEC;
}

/* Due times derive from the thresholds, so that a configuration reload moves them. */
static void alert_policy_update_due(AlertPolicy *a) {
        if (a->has_bout)
                a->sitting_next_us = a->sitting_fired > 0
                        ? a->sitting_last_us + seconds_to_us(a->sitting_repeat_s)
                        : a->bout_start_us + seconds_to_us(a->sitting_alert_s);
        if (a->tilt_high)
                a->tilt_next_us = (a->tilt_fired > 0 ? a->tilt_last_us : a->tilt_high_since_us) +
                        seconds_to_us(a->tilt_alert_s);
}

void alert_policy_set_config(AlertPolicy *a, const struct psoas_config *config) {
        a->sitting_alert_s = config->sitting_alert_s;
        a->sitting_repeat_s = config->sitting_repeat_s;
        a->sitting_heads_up_s = config->sitting_heads_up_s;
        a->tilt_alert_deg = config->tilt_alert_deg;
        a->tilt_alert_s = config->tilt_alert_s;
        a->quiet_start_min = config->quiet_start_min;
        a->quiet_end_min = config->quiet_end_min;
        alert_policy_update_due(a);
}

void alert_policy_init(AlertPolicy *a, const struct psoas_config *config) {
        memset(a, 0, sizeof(*a));
        alert_policy_set_config(a, config);
}

void alert_policy_snooze(AlertPolicy *a, int64_t until_us) {
        a->snoozed_until_us = until_us;
}

void alert_policy_set_inhibited(AlertPolicy *a, bool inhibited) {
        a->inhibited = inhibited;
}

static bool alert_policy_quiet(const AlertPolicy *a, int32_t minute_of_day) {
        int32_t start = a->quiet_start_min, end = a->quiet_end_min;

        if (minute_of_day < 0 || start == end)
                return false;
        minute_of_day %= MINUTES_PER_DAY;
        if (start < end)
                return minute_of_day >= start && minute_of_day < end;
        /* Wraps past midnight, e.g. 22:00..07:00. */
        return minute_of_day >= start || minute_of_day < end;
}

bool alert_policy_suppressed(const AlertPolicy *a, int64_t t_us, int32_t minute_of_day) {
        if (a->inhibited)
                return true;
        if (a->snoozed_until_us != 0 && t_us < a->snoozed_until_us)
                return true;
        return alert_policy_quiet(a, minute_of_day);
}

static void alert_policy_track_bout(AlertPolicy *a, bool in_bout, int64_t bout_start_us) {
        if (!in_bout) {
                a->has_bout = false;
                a->sitting_fired = 0;
                a->heads_up_given = false;
                return;
        }
        if (a->has_bout && a->bout_start_us == bout_start_us)
                return;

        a->has_bout = true;
        a->bout_start_us = bout_start_us;
        a->sitting_fired = 0;
        a->heads_up_given = false;
        alert_policy_update_due(a);
}

static void alert_policy_track_tilt(
        AlertPolicy *a, int64_t t_us, enum psoas_posture posture, bool calibrated, float tilt_deg) {
        bool eligible = posture == PSOAS_POSTURE_STANDING && calibrated && isfinite(tilt_deg);

        if (a->tilt_high) {
                if (!eligible || tilt_deg < a->tilt_alert_deg - TILT_HYSTERESIS_DEG) {
                        a->tilt_high = false;
                        a->tilt_fired = 0;
                }
                return;
        }

        if (eligible && tilt_deg >= a->tilt_alert_deg) {
                a->tilt_high = true;
                a->tilt_high_since_us = t_us;
                a->tilt_fired = 0;
                alert_policy_update_due(a);
        }
}

static uint32_t alert_level(uint32_t fired) {
        return MIN(fired, ALERT_LEVEL_MAX);
}

int alert_policy_update(AlertPolicy *a, int64_t t_us, int32_t minute_of_day, enum psoas_posture posture,
        bool in_bout, int64_t bout_start_us, bool calibrated, float tilt_deg, Alert *ret) {

        if (a->snoozed_until_us != 0 && t_us >= a->snoozed_until_us)
                a->snoozed_until_us = 0;

        alert_policy_track_bout(a, in_bout, bout_start_us);
        alert_policy_track_tilt(a, t_us, posture, calibrated, tilt_deg);

        /* Most samples have nothing due: the suppression (quiet hours included) is looked at only when
         * something is. A due alert that cannot fire now stays due: it is not skipped, and the repeat interval
         * counts from when it actually reaches the wearer. */
        bool sitting_due = a->has_bout && posture == PSOAS_POSTURE_SITTING && t_us >= a->sitting_next_us;
        bool tilt_due = a->tilt_high && t_us >= a->tilt_next_us;
        /* Only before the first alert, and only until it is due: a heads-up that could not come in time is
         * dropped, not given with the alert or after it. */
        bool heads_up_due = a->sitting_heads_up_s > 0 && a->has_bout && !a->heads_up_given &&
                a->sitting_fired == 0 && posture == PSOAS_POSTURE_SITTING && !sitting_due &&
                t_us >= a->sitting_next_us - seconds_to_us(a->sitting_heads_up_s);
        if (!sitting_due && !tilt_due && !heads_up_due)
                return 0;
        if (alert_policy_suppressed(a, t_us, minute_of_day))
                return 0;

        if (sitting_due) {
                a->sitting_fired++;
                a->sitting_last_us = t_us;
                alert_policy_update_due(a);
                *ret = (Alert){
                        .kind = PSOAS_ALERT_SITTING,
                        .level = alert_level(a->sitting_fired),
                        .duration_s = us_to_seconds(t_us - a->bout_start_us),
                };
                return 1;
        }

        if (heads_up_due) {
                a->heads_up_given = true;
                *ret = (Alert){
                        .kind = PSOAS_ALERT_SITTING_SOON,
                        .level = 0,
                        .duration_s = us_to_seconds(t_us - a->bout_start_us),
                };
                return 1;
        }

        /* An episode exists only while standing, so lying and walking never get here. */
        if (tilt_due) {
                a->tilt_fired++;
                a->tilt_last_us = t_us;
                alert_policy_update_due(a);
                *ret = (Alert){
                        .kind = PSOAS_ALERT_TILT,
                        .level = alert_level(a->tilt_fired),
                        .duration_s = us_to_seconds(t_us - a->tilt_high_since_us),
                };
                return 1;
        }

        return 0;
}
