/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "alerts.h"
#include "macro.h"
#include "test-util.h"

#define T0_US (5000 * US_PER_SEC)

/* One policy fed once a second, with the inputs the engine would pass. */
typedef struct Sim {
        struct psoas_config config;
        AlertPolicy a;
        int64_t t_us;
        int32_t minute; /* -1: clock unknown */
        enum psoas_posture posture;
        bool in_bout;
        int64_t bout_start_us;
        bool calibrated;
        float tilt_deg;
} Sim;

static void sim_init(Sim *m) {
        memset(m, 0, sizeof(*m));
        psoas_config_init(PSOAS_SIZED(&m->config));
        alert_policy_init(&m->a, &m->config);
        m->t_us = T0_US;
        m->minute = -1;
        m->posture = PSOAS_POSTURE_SITTING;
        m->calibrated = true;
}

static int sim_sample(Sim *m, Alert *ret) {
        return alert_policy_update(&m->a, m->t_us, m->minute, m->posture, m->in_bout, m->bout_start_us,
                m->calibrated, m->tilt_deg, ret);
}

/* A bout starting now, with its first sample. */
static void sim_sit_down(Sim *m) {
        Alert alert;

        m->posture = PSOAS_POSTURE_SITTING;
        m->in_bout = true;
        m->bout_start_us = m->t_us;
        ASSERT_EQ(sim_sample(m, &alert), 0);
}

/* Advances one second at a time up to n seconds, stopping at the first alert. Returns the seconds advanced
 * when one fired (with *ret filled), or -1 when none did. */
static int sim_run_until_alert(Sim *m, int n, Alert *ret) {
        for (int i = 1; i <= n; i++) {
                m->t_us += US_PER_SEC;
                if (sim_sample(m, ret) > 0)
                        return i;
        }
        return -1;
}

static double sim_bout_seconds(const Sim *m) {
        return (double)(m->t_us - m->bout_start_us) / US_PER_SEC;
}

TEST(sitting_alert_at_exactly_30_min) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 1799, &alert), -1);
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_EQ(m.t_us - m.bout_start_us, 1800 * US_PER_SEC);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 1800, 1e-9);
        /* Not again on the next sample. */
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), -1);
}

TEST(sitting_alert_repeats_with_levels) {
        Sim m;
        Alert alert = {};
        static const struct {
                int at_s;
                uint32_t level;
        } expected[] = { { 1800, 1 }, { 2400, 2 }, { 3000, 3 }, { 3600, 3 }, { 4200, 3 } };

        sim_init(&m);
        sim_sit_down(&m);
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                ASSERT_TRUE(sim_run_until_alert(&m, 5000, &alert) > 0);
                ASSERT_NEAR(sim_bout_seconds(&m), expected[i].at_s, 1e-9);
                ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
                ASSERT_EQ(alert.level, expected[i].level);
                ASSERT_NEAR(alert.duration_s, expected[i].at_s, 1e-9);
        }
}

TEST(sitting_alert_custom_thresholds) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.config.sitting_alert_s = 120;
        m.config.sitting_repeat_s = 60;
        alert_policy_set_config(&m.a, &m.config);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 120);
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 60);
        ASSERT_EQ(alert.level, 2);

        /* A reload mid-bout moves the next due time. */
        m.config.sitting_repeat_s = 300;
        alert_policy_set_config(&m.a, &m.config);
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 300);
        ASSERT_EQ(alert.level, 3);
}

TEST(new_bout_resets_sitting_alerts) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1800);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 600);
        ASSERT_EQ(alert.level, 2);

        /* The bout ends (a break) and a new one starts. */
        m.t_us += US_PER_SEC;
        m.posture = PSOAS_POSTURE_STANDING;
        m.in_bout = false;
        ASSERT_EQ(sim_sample(&m, &alert), 0);
        m.t_us += US_PER_SEC;
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1800);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 1800, 1e-9);

        /* A new bout start without an in_bout == false sample in between resets too. */
        m.t_us += US_PER_SEC;
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1800);
        ASSERT_EQ(alert.level, 1);
}

TEST(restored_long_bout_alerts_at_once) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.in_bout = true;
        m.bout_start_us = m.t_us - 2000 * US_PER_SEC;
        ASSERT_EQ(sim_sample(&m, &alert), 1);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 2000, 1e-9);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 600);
}

TEST(snooze_defers_then_fires) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        alert_policy_snooze(&m.a, m.bout_start_us + 2000 * US_PER_SEC);
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, -1));
        ASSERT_EQ(sim_run_until_alert(&m, 1999, &alert), -1);
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_NEAR(sim_bout_seconds(&m), 2000, 1e-9);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 2000, 1e-9);
        /* A spent snooze reads as none. */
        ASSERT_EQ(m.a.snoozed_until_us, 0);
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, -1));

        /* The repeat counts from when the alert actually fired. */
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 600);
        ASSERT_EQ(alert.level, 2);
}

TEST(snooze_zero_cancels) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        alert_policy_snooze(&m.a, m.t_us + 10000 * US_PER_SEC);
        ASSERT_EQ(sim_run_until_alert(&m, 1900, &alert), -1);
        alert_policy_snooze(&m.a, 0);
        ASSERT_EQ(m.a.snoozed_until_us, 0);
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_NEAR(alert.duration_s, 1901, 1e-9);
        ASSERT_EQ(alert.level, 1);
}

TEST(snooze_in_the_past_changes_nothing) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), -1);
        alert_policy_snooze(&m.a, m.t_us - US_PER_SEC);
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, -1));
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 800);
}

TEST(inhibit_defers_then_fires) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        alert_policy_set_inhibited(&m.a, true);
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, -1));
        ASSERT_EQ(sim_run_until_alert(&m, 3600, &alert), -1);
        alert_policy_set_inhibited(&m.a, false);
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        /* Held back, not skipped: still the first alert of the bout. */
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 3601, 1e-9);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 600);
        ASSERT_EQ(alert.level, 2);
}

TEST(quiet_hours_plain) {
        Sim m;

        sim_init(&m);
        m.config.quiet_start_min = 12 * 60;
        m.config.quiet_end_min = 13 * 60;
        alert_policy_set_config(&m.a, &m.config);

        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 0));
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 719));
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, 720));
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, 779));
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 780));
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 1439));
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, -1));
}

TEST(quiet_hours_wrap_past_midnight) {
        Sim m;

        sim_init(&m);
        m.config.quiet_start_min = 22 * 60;
        m.config.quiet_end_min = 7 * 60;
        alert_policy_set_config(&m.a, &m.config);

        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 1319));
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, 1320));
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, 1439));
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, 0));
        ASSERT_TRUE(alert_policy_suppressed(&m.a, m.t_us, 419));
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 420));
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, 720));
        /* Clock unknown: no quiet hours. */
        ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, -1));
}

TEST(quiet_hours_none_when_equal) {
        Sim m;

        sim_init(&m);
        m.config.quiet_start_min = 600;
        m.config.quiet_end_min = 600;
        alert_policy_set_config(&m.a, &m.config);
        for (int32_t minute = 0; minute < 1440; minute++)
                ASSERT_TRUE(!alert_policy_suppressed(&m.a, m.t_us, minute));
}

TEST(quiet_hours_defer_sitting_alert) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.config.quiet_start_min = 22 * 60;
        m.config.quiet_end_min = 7 * 60;
        alert_policy_set_config(&m.a, &m.config);

        /* Sitting from 23:30; the alert falls due at midnight, deep in the quiet hours. */
        m.minute = 23 * 60 + 30;
        sim_sit_down(&m);
        for (int i = 0; i < 7 * 60 + 29; i++) {
                m.t_us += 60 * US_PER_SEC;
                m.minute = (m.minute + 1) % 1440;
                ASSERT_EQ(sim_sample(&m, &alert), 0);
        }
        ASSERT_EQ(m.minute, 7 * 60 - 1);
        m.t_us += 60 * US_PER_SEC;
        m.minute++;
        ASSERT_EQ(sim_sample(&m, &alert), 1);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 450 * 60, 1e-9);
}

TEST(nothing_while_lying_or_walking) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 1790, &alert), -1);

        /* Briefly out of the seat when the alert falls due: it waits. */
        m.posture = PSOAS_POSTURE_WALKING;
        ASSERT_EQ(sim_run_until_alert(&m, 20, &alert), -1);
        m.posture = PSOAS_POSTURE_LYING;
        m.tilt_deg = 30;
        ASSERT_EQ(sim_run_until_alert(&m, 20, &alert), -1);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 0;
        ASSERT_EQ(sim_run_until_alert(&m, 20, &alert), -1);
        m.posture = PSOAS_POSTURE_UNKNOWN;
        ASSERT_EQ(sim_run_until_alert(&m, 5, &alert), -1);

        /* Back in the seat, same bout: it fires now. */
        m.posture = PSOAS_POSTURE_SITTING;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 1856, 1e-9);
}

TEST(tilt_alert_after_120_s) {
        Sim m;
        Alert alert = {};
        static const uint32_t levels[] = { 1, 2, 3, 3 };

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 5;
        ASSERT_EQ(sim_run_until_alert(&m, 600, &alert), -1);

        m.tilt_deg = 12;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), -1); /* the episode starts here */
        ASSERT_EQ(sim_run_until_alert(&m, 119, &alert), -1);
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_TILT);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 120, 1e-9);

        for (size_t i = 1; i < ELEMENTSOF(levels); i++) {
                ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 120);
                ASSERT_EQ(alert.kind, PSOAS_ALERT_TILT);
                ASSERT_EQ(alert.level, levels[i]);
                ASSERT_NEAR(alert.duration_s, 120.0 * (double)(i + 1), 1e-9);
        }
}

TEST(tilt_at_threshold_counts) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = m.config.tilt_alert_deg;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 121);

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = nextafterf(m.config.tilt_alert_deg, 0);
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), -1);
}

TEST(tilt_hysteresis) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 12;
        ASSERT_EQ(sim_run_until_alert(&m, 60, &alert), -1); /* episode from the first of these */

        /* Below the threshold but within 2°: the episode goes on. */
        m.tilt_deg = 8.5f;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 61);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 120, 1e-9);

        /* More than 2° below ends it; coming back starts a new one from scratch. */
        m.tilt_deg = 7.9f;
        ASSERT_EQ(sim_run_until_alert(&m, 300, &alert), -1);
        ASSERT_TRUE(!m.a.tilt_high);
        m.tilt_deg = 12;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 121);
        ASSERT_EQ(alert.level, 1);

        /* Hovering between 8 and 10 never starts one. */
        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 9;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), -1);
}

TEST(tilt_reset_on_sitting) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 15;
        ASSERT_EQ(sim_run_until_alert(&m, 100, &alert), -1);
        m.posture = PSOAS_POSTURE_SITTING;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), -1);
        ASSERT_TRUE(!m.a.tilt_high);
        m.posture = PSOAS_POSTURE_STANDING;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 121);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_TILT);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 120, 1e-9);
}

TEST(tilt_reset_on_walking_and_uncalibrated) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 15;
        ASSERT_EQ(sim_run_until_alert(&m, 100, &alert), -1);
        m.posture = PSOAS_POSTURE_WALKING;
        ASSERT_EQ(sim_run_until_alert(&m, 100, &alert), -1);
        m.posture = PSOAS_POSTURE_STANDING;
        ASSERT_EQ(sim_run_until_alert(&m, 100, &alert), -1);
        m.calibrated = false;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), -1);
        m.calibrated = true;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 121);
}

TEST(tilt_alert_suppressed_then_fires) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 15;
        alert_policy_snooze(&m.a, m.t_us + 300 * US_PER_SEC);
        ASSERT_EQ(sim_run_until_alert(&m, 299, &alert), -1);
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_TILT);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, 299, 1e-9);

        m.minute = 100;
        m.config.quiet_start_min = 100;
        m.config.quiet_end_min = 200;
        alert_policy_set_config(&m.a, &m.config);
        ASSERT_EQ(sim_run_until_alert(&m, 500, &alert), -1);
        m.minute = 200;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_EQ(alert.level, 2);
}

TEST(sitting_alert_while_standing_in_bout_lets_tilt_fire) {
        Sim m;
        Alert alert = {};

        /* Out of the seat with a sitting alert due: the tilt alert is not blocked by it, and the sitting one
         * waits for the seat. */
        sim_init(&m);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 1799, &alert), -1);
        m.posture = PSOAS_POSTURE_STANDING;
        m.tilt_deg = 20;
        ASSERT_EQ(sim_run_until_alert(&m, 1000, &alert), 121);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_TILT);
        m.posture = PSOAS_POSTURE_SITTING;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), 1);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
        ASSERT_EQ(alert.level, 1);
}

/* The heads-up: once a bout, that long before the first sitting alert, at level 0; none by default; a new bout
 * gets its own; one that cannot come before the alert (snoozed until then) does not come at all. */
TEST(sitting_heads_up) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1800);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING); /* none by default */

        sim_init(&m);
        m.config.sitting_heads_up_s = 300;
        ASSERT_EQ(psoas_config_validate(&m.config, NULL), 0);
        alert_policy_set_config(&m.a, &m.config);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1500);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING_SOON);
        ASSERT_EQ(alert.level, 0);
        ASSERT_NEAR(alert.duration_s, 1500, 1e-9);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 300);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
        ASSERT_EQ(alert.level, 1);
        /* Once a bout: the repeats come unannounced. */
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 600);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
        ASSERT_EQ(alert.level, 2);

        /* A new bout, its own heads-up. */
        m.in_bout = false;
        m.posture = PSOAS_POSTURE_STANDING;
        ASSERT_EQ(sim_run_until_alert(&m, 100, &alert), -1);
        sim_sit_down(&m);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1500);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING_SOON);

        /* Snoozed past the heads-up but not the alert: the heads-up comes as soon as the snooze ends. */
        m.in_bout = false;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), -1);
        sim_sit_down(&m);
        alert_policy_snooze(&m.a, m.bout_start_us + 1600 * US_PER_SEC);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1600);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING_SOON);

        /* Snoozed until the alert is due: no heads-up, the alert itself. */
        m.in_bout = false;
        ASSERT_EQ(sim_run_until_alert(&m, 1, &alert), -1);
        sim_sit_down(&m);
        alert_policy_snooze(&m.a, m.bout_start_us + 1900 * US_PER_SEC);
        ASSERT_EQ(sim_run_until_alert(&m, 5000, &alert), 1900);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SITTING);
}

/* A heads-up as long as the alert's own delay, or longer, announces nothing: refused. */
TEST(sitting_heads_up_shorter_than_the_alert) {
        struct psoas_config c;
        const char *field = NULL;

        psoas_config_init(PSOAS_SIZED(&c));
        c.sitting_heads_up_s = c.sitting_alert_s;
        ASSERT_EQ(psoas_config_validate(&c, &field), -ERANGE);
        ASSERT_STREQ(field, "sitting_heads_up_s");
        c.sitting_heads_up_s = c.sitting_alert_s - 60;
        ASSERT_EQ(psoas_config_validate(&c, NULL), 0);
        c.sitting_heads_up_s = -1;
        ASSERT_EQ(psoas_config_validate(&c, &field), -ERANGE);
}

TEST_MAIN
