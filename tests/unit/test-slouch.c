/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>

#include "macro.h"
#include "slouch.h"
#include "test-util.h"

#define T0_US (5000 * US_PER_SEC)
#define SAMPLES_PER_S 10

/* A tracker fed ten samples a second by a classifier placed by hand: calibrated standing with the sensor's z
 * up and x forward, the posture and the tilt set by the test. */
typedef struct Sim {
        struct psoas_config config;
        SlouchTracker s;
        AlertPolicy policy;
        PostureClassifier p;
        EventQueue q;
        int64_t t_us;
        float tilt_deg;
        bool still;
        int32_t minute;
} Sim;

static void sim_init(Sim *m) {
        static const float up0[3] = { 0, 0, 1 }, forward[3] = { 1, 0, 0 };

        memset(m, 0, sizeof(*m));
        psoas_config_init(PSOAS_SIZED(&m->config));
        slouch_tracker_init(&m->s, &m->config);
        alert_policy_init(&m->policy, &m->config);
        posture_classifier_init(&m->p);
        posture_classifier_set_calibration(&m->p, up0, true, forward);
        m->p.posture = PSOAS_POSTURE_SITTING;
        event_queue_init(&m->q);
        m->t_us = T0_US;
        m->still = true;
        m->minute = -1;
}

static int sim_sample(Sim *m, Alert *ret) {
        float t = m->tilt_deg * RAD_PER_DEG;
        /* tilt = atan2(-up·forward, up·up0) */
        float up[3] = { -sinf(t), 0, cosf(t) };

        m->t_us += US_PER_SEC / SAMPLES_PER_S;
        return slouch_tracker_update(&m->s, m->t_us, &m->p, m->p.posture, up, m->still, 0.0f, &m->policy,
                m->minute, true, &m->q, ret);
}

/* Runs up to seconds, stopping at the first alert: the seconds run when one fired, else -1. */
static double sim_run(Sim *m, double seconds, Alert *ret) {
        int n = (int)lround(seconds * SAMPLES_PER_S);

        for (int i = 1; i <= n; i++)
                if (sim_sample(m, ret) > 0)
                        return (double)i / SAMPLES_PER_S;
        return -1;
}

/* Captures the reference sitting upright at tilt_deg; the event it queues. */
static void sim_capture(Sim *m, float tilt_deg, struct psoas_event *ret) {
        Alert alert;

        m->tilt_deg = tilt_deg;
        ASSERT_EQ(slouch_capture_start(&m->s, &m->p, 3, 15), 0);
        ASSERT_EQ(sim_run(m, 4, &alert), -1);
        ASSERT_TRUE(event_queue_pop(&m->q, ret));
}

static void sim_reference(Sim *m, float tilt_deg) {
        struct psoas_event ev;

        sim_capture(m, tilt_deg, &ev);
        ASSERT_EQ(ev.type, PSOAS_EVENT_CALIBRATED);
        ASSERT_TRUE(ev.calibrated.sitting);
}

TEST(capture_reference_sitting_still) {
        Sim m;
        struct psoas_event ev;
        bool known;
        float inclination;

        sim_init(&m);
        ASSERT_TRUE(!m.s.reference_known);
        sim_capture(&m, -20, &ev);
        ASSERT_EQ(ev.type, PSOAS_EVENT_CALIBRATED);
        ASSERT_TRUE(ev.calibrated.sitting);
        /* The event's inclination is the neutral's (0 here) plus the sitting tilt. */
        ASSERT_NEAR(ev.calibrated.neutral_inclination_deg, -20, 0.1);
        ASSERT_TRUE(!m.s.capturing);
        slouch_reference_get(&m.s, 5.0f, &known, &inclination);
        ASSERT_TRUE(known);
        ASSERT_NEAR(inclination, -15, 0.1);
        /* Only one capture at a time. */
        ASSERT_EQ(slouch_capture_start(&m.s, &m.p, 3, 15), 0);
        ASSERT_EQ(slouch_capture_start(&m.s, &m.p, 3, 15), -EBUSY);
        ASSERT_TRUE(slouch_capture_cancel(&m.s));
        ASSERT_TRUE(!slouch_capture_cancel(&m.s));
}

TEST(capture_refused_unless_sitting) {
        Sim m;
        struct psoas_event ev;

        sim_init(&m);
        m.p.posture = PSOAS_POSTURE_STANDING;
        sim_capture(&m, 0, &ev);
        ASSERT_EQ(ev.type, PSOAS_EVENT_CALIBRATION_FAILED);
        ASSERT_EQ(ev.calibration_failed.reason, PSOAS_CALIBRATION_NOT_SITTING);
        ASSERT_TRUE(!m.s.reference_known);
        ASSERT_TRUE(!m.s.capturing);
}

TEST(capture_needs_standing_calibration) {
        Sim m;

        sim_init(&m);
        m.p.calibrated = false;
        ASSERT_EQ(slouch_capture_start(&m.s, &m.p, 3, 15), -ENODATA);
}

/* Without the forward direction the capture waits for it: stillness before it does not count. */
TEST(capture_waits_for_forward_direction) {
        Sim m;
        Alert alert;
        struct psoas_event ev;

        sim_init(&m);
        m.p.forward_known = false;
        m.tilt_deg = -20;
        ASSERT_EQ(slouch_capture_start(&m.s, &m.p, 3, 15), 0);
        ASSERT_EQ(sim_run(&m, 10, &alert), -1);
        ASSERT_TRUE(!event_queue_pop(&m.q, &ev));
        m.p.forward_known = true;
        ASSERT_EQ(sim_run(&m, 2.9, &alert), -1);
        ASSERT_TRUE(!event_queue_pop(&m.q, &ev));
        ASSERT_EQ(sim_run(&m, 0.2, &alert), -1);
        ASSERT_TRUE(event_queue_pop(&m.q, &ev));
        ASSERT_EQ(ev.type, PSOAS_EVENT_CALIBRATED);
        ASSERT_NEAR(ev.calibrated.neutral_inclination_deg, -20, 0.1);

        /* Never known: MOVING at the timeout, as for a wearer who never held still. */
        sim_init(&m);
        m.p.forward_known = false;
        ASSERT_EQ(slouch_capture_start(&m.s, &m.p, 3, 15), 0);
        ASSERT_EQ(sim_run(&m, 15.1, &alert), -1);
        ASSERT_TRUE(event_queue_pop(&m.q, &ev));
        ASSERT_EQ(ev.type, PSOAS_EVENT_CALIBRATION_FAILED);
        ASSERT_EQ(ev.calibration_failed.reason, PSOAS_CALIBRATION_MOVING);
}

TEST(capture_times_out_moving) {
        Sim m;
        Alert alert;
        struct psoas_event ev;

        sim_init(&m);
        m.still = false;
        ASSERT_EQ(slouch_capture_start(&m.s, &m.p, 3, 15), 0);
        ASSERT_EQ(sim_run(&m, 14.8, &alert), -1);
        ASSERT_TRUE(!event_queue_pop(&m.q, &ev));
        ASSERT_EQ(sim_run(&m, 0.3, &alert), -1);
        ASSERT_TRUE(event_queue_pop(&m.q, &ev));
        ASSERT_EQ(ev.type, PSOAS_EVENT_CALIBRATION_FAILED);
        ASSERT_EQ(ev.calibration_failed.reason, PSOAS_CALIBRATION_MOVING);
}

TEST(slump_fires_after_configured_time) {
        Sim m;
        Alert alert = {};

        sim_init(&m);
        sim_reference(&m, -20);
        /* 12° behind the reference: slumped from the first sample. */
        m.tilt_deg = -32;
        ASSERT_NEAR(sim_run(&m, 300, &alert), m.config.slouch_alert_s, 0.11);
        ASSERT_EQ(alert.kind, PSOAS_ALERT_SLOUCH);
        ASSERT_EQ(alert.level, 1);
        ASSERT_NEAR(alert.duration_s, m.config.slouch_alert_s - 0.1, 0.11);
        /* Again every slouch_alert_s while it lasts, a level higher. */
        ASSERT_NEAR(sim_run(&m, 300, &alert), m.config.slouch_alert_s, 0.11);
        ASSERT_EQ(alert.level, 2);
}

TEST(upright_or_shallow_never_fires) {
        Sim m;
        Alert alert;

        sim_init(&m);
        sim_reference(&m, -20);
        m.tilt_deg = -20;
        ASSERT_EQ(sim_run(&m, 3600, &alert), -1);
        /* Just under the threshold, and leaning forward. */
        m.tilt_deg = -29.5f;
        ASSERT_EQ(sim_run(&m, 3600, &alert), -1);
        m.tilt_deg = 10;
        ASSERT_EQ(sim_run(&m, 3600, &alert), -1);
}

TEST(brief_sitting_up_does_not_reset) {
        Sim m;
        Alert alert;

        sim_init(&m);
        sim_reference(&m, -20);
        m.tilt_deg = -35;
        ASSERT_EQ(sim_run(&m, 160, &alert), -1);
        /* A reach forward, then 20 s upright: both shorter than SLOUCH_UPRIGHT_S. */
        m.tilt_deg = 15;
        ASSERT_EQ(sim_run(&m, 5, &alert), -1);
        m.tilt_deg = -35;
        ASSERT_EQ(sim_run(&m, 5, &alert), -1);
        m.tilt_deg = -20;
        ASSERT_EQ(sim_run(&m, SLOUCH_UPRIGHT_S - 10, &alert), -1);
        /* Slumped again: the slump began 160 + 5 + 5 + 20 s ago, past slouch_alert_s (180 s), and it was not
         * due while sitting up: it fires now. */
        m.tilt_deg = -35;
        ASSERT_NEAR(sim_run(&m, 300, &alert), 0.1, 1e-6);
        ASSERT_NEAR(alert.duration_s, 190, 0.2);
}

TEST(sitting_up_ends_the_slump) {
        Sim m;
        Alert alert;

        sim_init(&m);
        sim_reference(&m, -20);
        m.tilt_deg = -35;
        ASSERT_EQ(sim_run(&m, 100, &alert), -1);
        m.tilt_deg = -22;
        ASSERT_EQ(sim_run(&m, SLOUCH_UPRIGHT_S + 1, &alert), -1);
        m.tilt_deg = -35;
        ASSERT_NEAR(sim_run(&m, 300, &alert), m.config.slouch_alert_s, 0.11);
}

TEST(sway_about_the_threshold_stays_one_slump) {
        Sim m;
        Alert alert;
        double t = 0;

        sim_init(&m);
        sim_reference(&m, -20);
        /* ±2° around the threshold every few seconds: within the hysteresis band on its way down. */
        for (int i = 0; i < 300; i++) {
                m.tilt_deg = -30.0f + 2.0f * sinf((float)i * 0.7f);
                double r = sim_run(&m, 1, &alert);
                if (r > 0) {
                        t = i + r;
                        break;
                }
        }
        ASSERT_TRUE(t > 0);
        ASSERT_LE(t, m.config.slouch_alert_s + 10);
}

TEST(never_standing_walking_lying) {
        static const enum psoas_posture postures[] = { PSOAS_POSTURE_STANDING, PSOAS_POSTURE_WALKING,
                PSOAS_POSTURE_LYING, PSOAS_POSTURE_UNKNOWN };
        Sim m;
        Alert alert;

        for (size_t i = 0; i < ELEMENTSOF(postures); i++) {
                sim_init(&m);
                sim_reference(&m, -20);
                m.p.posture = postures[i];
                m.tilt_deg = -40;
                ASSERT_EQ(sim_run(&m, 3600, &alert), -1);
                ASSERT_TRUE(!m.s.slumped);
        }
        /* Out of the seat for a moment (a reach taken for standing) the slump goes on, and is not alerted
         * there; out of it for SLOUCH_UPRIGHT_S, it ends. */
        sim_init(&m);
        sim_reference(&m, -20);
        m.tilt_deg = -40;
        ASSERT_EQ(sim_run(&m, 170, &alert), -1);
        m.p.posture = PSOAS_POSTURE_STANDING;
        ASSERT_EQ(sim_run(&m, 20, &alert), -1);
        m.p.posture = PSOAS_POSTURE_SITTING;
        ASSERT_NEAR(sim_run(&m, 300, &alert), 0.1, 1e-6);
        ASSERT_NEAR(alert.duration_s, 190, 0.2);
        m.p.posture = PSOAS_POSTURE_WALKING;
        ASSERT_EQ(sim_run(&m, SLOUCH_UPRIGHT_S + 0.2, &alert), -1);
        ASSERT_TRUE(!m.s.slumped);
        m.p.posture = PSOAS_POSTURE_SITTING;
        ASSERT_NEAR(sim_run(&m, 300, &alert), m.config.slouch_alert_s, 0.11);
}

TEST(no_alert_without_reference_or_threshold) {
        Sim m;
        Alert alert;

        sim_init(&m);
        m.tilt_deg = -40;
        ASSERT_EQ(sim_run(&m, 3600, &alert), -1);
        ASSERT_NEAR(slouch_degrees(&m.s, &m.p, m.p.posture, (const float[3]){ 0, 0, 1 }), 0, 1e-6);

        sim_reference(&m, -20);
        m.config.slouch_alert_deg = 0;
        slouch_tracker_set_config(&m.s, &m.config);
        m.tilt_deg = -40;
        ASSERT_EQ(sim_run(&m, 3600, &alert), -1);
}

TEST(snooze_inhibit_quiet_hours_defer) {
        Sim m;
        Alert alert;

        sim_init(&m);
        sim_reference(&m, -20);
        m.tilt_deg = -35;
        alert_policy_snooze(&m.policy, m.t_us + 400 * US_PER_SEC);
        ASSERT_NEAR(sim_run(&m, 1000, &alert), 400, 0.11);
        ASSERT_EQ(alert.level, 1);

        sim_init(&m);
        sim_reference(&m, -20);
        m.tilt_deg = -35;
        alert_policy_set_inhibited(&m.policy, true);
        ASSERT_EQ(sim_run(&m, 1000, &alert), -1);
        alert_policy_set_inhibited(&m.policy, false);
        ASSERT_NEAR(sim_run(&m, 1, &alert), 0.1, 1e-6);

        sim_init(&m);
        m.config.quiet_start_min = 600;
        m.config.quiet_end_min = 660;
        alert_policy_set_config(&m.policy, &m.config);
        m.minute = 610;
        sim_reference(&m, -20);
        m.tilt_deg = -35;
        ASSERT_EQ(sim_run(&m, 1000, &alert), -1);
        m.minute = 670;
        ASSERT_NEAR(sim_run(&m, 1, &alert), 0.1, 1e-6);
}

TEST(reference_kept_relative_to_standing_neutral) {
        SlouchTracker s;
        struct psoas_config c;
        bool known;
        float inclination;

        psoas_config_init(PSOAS_SIZED(&c));
        slouch_tracker_init(&s, &c);
        ASSERT_EQ(slouch_reference_set(&s, true, -12.0f, 8.0f), 0);
        slouch_reference_get(&s, 8.0f, &known, &inclination);
        ASSERT_TRUE(known);
        ASSERT_NEAR(inclination, -12, 1e-5);
        /* A new standing neutral moves the inclination with it: the tilt from standing is what is kept. */
        slouch_reference_get(&s, 10.0f, &known, &inclination);
        ASSERT_NEAR(inclination, -10, 1e-5);
        ASSERT_EQ(slouch_reference_set(&s, true, NAN, 0.0f), -EINVAL);
        ASSERT_EQ(slouch_reference_set(&s, true, 100.0f, 0.0f), -EINVAL);
        ASSERT_TRUE(s.reference_known);
        ASSERT_EQ(slouch_reference_set(&s, false, 0.0f, 0.0f), 0);
        slouch_reference_get(&s, 10.0f, &known, &inclination);
        ASSERT_TRUE(!known);
}

TEST(config_ranges) {
        struct psoas_config c;
        const char *field = NULL;
        double min, max;

        psoas_config_init(PSOAS_SIZED(&c));
        ASSERT_NEAR(c.slouch_alert_deg, 10, 1e-6);
        ASSERT_NEAR(c.slouch_alert_s, 180, 1e-6);
        ASSERT_EQ(psoas_config_range("slouch_alert_deg", &min, &max), 0);
        ASSERT_NEAR(min, 0, 1e-9);
        ASSERT_NEAR(max, 45, 1e-9);
        c.slouch_alert_deg = 46;
        ASSERT_EQ(psoas_config_validate(&c, &field), -ERANGE);
        ASSERT_STREQ(field, "slouch_alert_deg");
        c.slouch_alert_deg = 0;
        c.slouch_alert_s = 30;
        ASSERT_EQ(psoas_config_validate(&c, &field), -ERANGE);
        ASSERT_STREQ(field, "slouch_alert_s");
}

TEST_MAIN
