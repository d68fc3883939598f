/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* When to nudge the wearer: sitting too long, standing with too much anterior tilt. */

#include <stdbool.h>
#include <stdint.h>

#include "psoas/psoas.h"

typedef struct Alert {
        enum psoas_alert_kind kind;
        uint32_t level; /* 1..3 */
        double duration_s; /* sitting: bout length; tilt: time above the threshold */
} Alert;

typedef struct AlertPolicy {
        float sitting_alert_s;
        float sitting_repeat_s;
        float sitting_heads_up_s; /* 0: none */
        float tilt_alert_deg;
        float tilt_alert_s;
        int32_t quiet_start_min;
        int32_t quiet_end_min;

        int64_t snoozed_until_us; /* 0: not snoozed */
        bool inhibited;

        /* Sitting alerts belong to one bout. */
        bool has_bout;
        int64_t bout_start_us;
        uint32_t sitting_fired; /* alerts fired in this bout */
        int64_t sitting_last_us; /* when the last one fired, valid when sitting_fired > 0 */
        int64_t sitting_next_us; /* when the next one is due */
        bool heads_up_given; /* in this bout */

        /* Tilt episode: standing with tilt above the threshold. */
        bool tilt_high;
        int64_t tilt_high_since_us;
        uint32_t tilt_fired;
        int64_t tilt_last_us; /* valid when tilt_fired > 0 */
        int64_t tilt_next_us;
} AlertPolicy;

void alert_policy_init(AlertPolicy *a, const struct psoas_config *config);
/* Keeps snooze, inhibition and the bout and episode in progress; due times follow the new thresholds. */
void alert_policy_set_config(AlertPolicy *a, const struct psoas_config *config);

/* Suppresses alerts while t_us < until_us; 0 cancels. */
void alert_policy_snooze(AlertPolicy *a, int64_t until_us);
void alert_policy_set_inhibited(AlertPolicy *a, bool inhibited);

/* minute_of_day: local minutes after midnight, or -1 when the clock is unknown (then no quiet hours). */
bool alert_policy_suppressed(const AlertPolicy *a, int64_t t_us, int32_t minute_of_day);

/* Call once per sample. Returns 1 and fills *ret when an alert fires at t_us, else 0 (at most one per call;
 * sitting first, the other stays due). The heads-up (PSOAS_ALERT_SITTING_SOON, level 0) comes once a bout,
 * sitting_heads_up_s before its first sitting alert is due (or as soon after as nothing suppresses it), and never
 * once that alert is due. Nothing fires while lying or walking, while snoozed or inhibited, or in
 * quiet hours; an alert due while suppressed (or, for sitting, while briefly out of the seat) fires at the first
 * sample where it is allowed, and the next one is due a repeat interval after that. Clears snoozed_until_us once
 * the snooze has run out. */
int alert_policy_update(AlertPolicy *a, int64_t t_us, int32_t minute_of_day, enum psoas_posture posture,
        bool in_bout, int64_t bout_start_us, bool calibrated, float tilt_deg, Alert *ret);
