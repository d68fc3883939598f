/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "event-queue.h"
#include "macro.h"
#include "sitting.h"
#include "test-util.h"

#define T0_US (1000 * US_PER_SEC)

/* Drives a tracker the way the engine does: one call per sample, dt from the previous sample. */
typedef struct Sim {
        struct psoas_config config;
        SittingTracker s;
        EventQueue q;
        int64_t t_us; /* time of the next sample */
        int64_t last_us;
        bool has_last;
        int32_t day;
        bool calibrated;
        float tilt_deg;
} Sim;

static void sim_init(Sim *m) {
        memset(m, 0, sizeof(*m));
        psoas_config_init(PSOAS_SIZED(&m->config));
        sitting_tracker_init(&m->s, &m->config);
        event_queue_init(&m->q);
        m->t_us = T0_US;
        m->day = 100;
        m->calibrated = true;
}

/* One sample at m->t_us. */
static void sim_sample(Sim *m, enum psoas_posture posture) {
        double dt_s = m->has_last ? (double)(m->t_us - m->last_us) / US_PER_SEC : 0;

        sitting_tracker_update(&m->s, m->t_us, dt_s, m->day, posture, m->calibrated, m->tilt_deg, &m->q);
        m->last_us = m->t_us;
        m->has_last = true;
}

/* n more samples, one per second, the first a second after the last one. */
static void sim_run(Sim *m, enum psoas_posture posture, int n) {
        for (int i = 0; i < n; i++) {
                m->t_us += US_PER_SEC;
                sim_sample(m, posture);
        }
}

static double sim_seconds(const Sim *m) {
        return (double)(m->last_us - T0_US) / US_PER_SEC;
}

static void assert_next_event(Sim *m, enum psoas_event_type type, struct psoas_event *ret) {
        struct psoas_event e;

        if (!event_queue_pop(&m->q, &e))
                TEST_FAIL("expected event of type %d, queue empty", (int)type);
        ASSERT_EQ(e.type, type);
        if (ret)
                *ret = e;
}

static void assert_no_event(Sim *m) {
        struct psoas_event e;

        if (event_queue_pop(&m->q, &e))
                TEST_FAIL("unexpected event of type %d at %lld us", (int)e.type, (long long)e.t_us);
}

static double day_total(const struct psoas_day_stats *d) {
        return d->sitting_s + d->standing_s + d->walking_s + d->lying_s + d->unknown_s;
}

TEST(first_call_sets_day_without_event) {
        Sim m;

        sim_init(&m);
        m.day = 19000;
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(m.s.now.today.day, 19000);
        ASSERT_TRUE(!m.s.has_previous);
        assert_no_event(&m);
        ASSERT_TRUE(!m.s.now.in_bout);
        ASSERT_EQ(sitting_tracker_bout_seconds(&m.s, m.t_us), 0);
}

TEST(bout_starts_at_first_sitting_sample) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 10);
        sim_run(&m, PSOAS_POSTURE_WALKING, 10);
        ASSERT_TRUE(!m.s.now.in_bout);
        assert_no_event(&m);

        sim_run(&m, PSOAS_POSTURE_SITTING, 1);
        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_EQ(m.s.now.bout_start_us, T0_US + 21 * US_PER_SEC);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, &e);
        ASSERT_EQ(e.t_us, T0_US + 21 * US_PER_SEC);
        ASSERT_EQ(e.bout.start_us, T0_US + 21 * US_PER_SEC);
        assert_no_event(&m);

        sim_run(&m, PSOAS_POSTURE_SITTING, 600);
        ASSERT_NEAR(sitting_tracker_bout_seconds(&m.s, m.t_us), 600, 1e-9);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1);
        assert_no_event(&m);
}

TEST(short_stand_does_not_end_bout) {
        Sim m;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        sim_run(&m, PSOAS_POSTURE_SITTING, 600);
        sim_run(&m, PSOAS_POSTURE_STANDING, 45);
        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_TRUE(m.s.now.away);
        sim_run(&m, PSOAS_POSTURE_SITTING, 600);

        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_TRUE(!m.s.now.away);
        ASSERT_EQ(m.s.now.bout_start_us, T0_US);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1);
        ASSERT_EQ(m.s.now.today.breaks, 0);
        ASSERT_TRUE(!m.s.now.has_last_break);
        ASSERT_NEAR(sitting_tracker_bout_seconds(&m.s, m.t_us), 1245, 1e-9);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 1245, 1e-9);
        assert_no_event(&m);

        /* A second short stand later in the same bout starts its own count: 45 + 45 s is not a break. */
        sim_run(&m, PSOAS_POSTURE_STANDING, 45);
        sim_run(&m, PSOAS_POSTURE_SITTING, 10);
        ASSERT_TRUE(m.s.now.in_bout);
        assert_no_event(&m);
}

TEST(stand_60s_ends_bout_with_break) {
        Sim m;
        struct psoas_event e;
        int64_t away_us;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        sim_run(&m, PSOAS_POSTURE_SITTING, 600);

        /* The first standing sample is a second after the last sitting one; the absence begins there. */
        away_us = m.t_us + US_PER_SEC;
        sim_run(&m, PSOAS_POSTURE_STANDING, 60);
        ASSERT_TRUE(m.s.now.in_bout); /* 59 s since the first standing sample */
        assert_no_event(&m);

        sim_run(&m, PSOAS_POSTURE_STANDING, 1);
        ASSERT_TRUE(!m.s.now.in_bout);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_EQ(e.t_us, away_us + 60 * US_PER_SEC);
        ASSERT_EQ(e.bout.start_us, T0_US);
        ASSERT_NEAR(e.bout.duration_s, 601, 1e-9);
        ASSERT_TRUE(e.bout.is_break);
        assert_no_event(&m);

        ASSERT_EQ(m.s.now.today.breaks, 1);
        ASSERT_TRUE(m.s.now.has_last_break);
        ASSERT_EQ(m.s.now.last_break_us, away_us);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 601, 1e-9);
        ASSERT_EQ(sitting_tracker_bout_seconds(&m.s, m.t_us), 0);

        /* Sitting again is a new bout. */
        sim_run(&m, PSOAS_POSTURE_SITTING, 1);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, &e);
        ASSERT_EQ(e.bout.start_us, m.t_us);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 2);
}

TEST(walking_counts_as_upright) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        sim_run(&m, PSOAS_POSTURE_SITTING, 300);
        sim_run(&m, PSOAS_POSTURE_STANDING, 20);
        sim_run(&m, PSOAS_POSTURE_WALKING, 30);
        sim_run(&m, PSOAS_POSTURE_STANDING, 10);
        ASSERT_TRUE(m.s.now.in_bout);
        sim_run(&m, PSOAS_POSTURE_STANDING, 1);
        ASSERT_TRUE(!m.s.now.in_bout);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(e.bout.is_break);
        ASSERT_NEAR(e.bout.duration_s, 301, 1e-9);
        ASSERT_EQ(m.s.now.today.breaks, 1);
}

TEST(lying_ends_bout_without_break) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        sim_run(&m, PSOAS_POSTURE_SITTING, 1200);
        sim_run(&m, PSOAS_POSTURE_LYING, 60);
        ASSERT_TRUE(m.s.now.in_bout);
        sim_run(&m, PSOAS_POSTURE_LYING, 1);
        ASSERT_TRUE(!m.s.now.in_bout);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(!e.bout.is_break);
        ASSERT_NEAR(e.bout.duration_s, 1201, 1e-9);
        ASSERT_EQ(m.s.now.today.breaks, 0);
        ASSERT_TRUE(!m.s.now.has_last_break);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 1201, 1e-9);
        assert_no_event(&m);

        /* Lying on does not start anything. */
        sim_run(&m, PSOAS_POSTURE_LYING, 600);
        assert_no_event(&m);
}

TEST(mixed_absence_is_not_a_break) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        /* Unknown seconds count toward the absence but not toward the upright time. */
        sim_run(&m, PSOAS_POSTURE_STANDING, 30);
        sim_run(&m, PSOAS_POSTURE_UNKNOWN, 10);
        sim_run(&m, PSOAS_POSTURE_STANDING, 19);
        ASSERT_TRUE(m.s.now.in_bout);
        assert_no_event(&m);
        sim_run(&m, PSOAS_POSTURE_STANDING, 2);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(!e.bout.is_break);
        ASSERT_EQ(e.t_us, T0_US + 161 * US_PER_SEC);
        ASSERT_EQ(m.s.now.today.breaks, 0);
}

TEST(break_counts_when_sitting_down_after_it) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        sim_run(&m, PSOAS_POSTURE_STANDING, 59); /* first standing sample at +101, last at +159 */
        ASSERT_TRUE(m.s.now.in_bout);

        /* No sample at exactly +161: the next one, two seconds on, is already sitting. The 60 s on one's feet
         * were a break all the same, and the new sitting starts a new bout. */
        m.t_us += 2 * US_PER_SEC;
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(e.bout.is_break);
        ASSERT_NEAR(e.bout.duration_s, 101, 1e-9);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, &e);
        ASSERT_EQ(e.bout.start_us, T0_US + 161 * US_PER_SEC);
        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 2);
        ASSERT_EQ(m.s.now.today.breaks, 1);
        ASSERT_EQ(m.s.now.last_break_us, T0_US + 101 * US_PER_SEC);
}

TEST(break_with_fine_samples) {
        Sim m;
        struct psoas_event e;
        int n = 0;

        /* 100 Hz: 6000 steps of 0.01 s add up to 59.99999999999663 in double; that is still a full break. */
        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        for (int i = 0; i < 100; i++) {
                m.t_us += 10000;
                sim_sample(&m, PSOAS_POSTURE_SITTING);
        }
        while (m.s.now.in_bout && n < 7000) {
                m.t_us += 10000;
                sim_sample(&m, PSOAS_POSTURE_STANDING);
                n++;
        }
        ASSERT_EQ(n, 6001);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(e.bout.is_break);
        ASSERT_NEAR(e.bout.duration_s, 1.01, 1e-9);
}

TEST(break_s_from_config) {
        Sim m;

        sim_init(&m);
        m.config.break_s = 20;
        sitting_tracker_set_config(&m.s, &m.config);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        sim_run(&m, PSOAS_POSTURE_STANDING, 20);
        ASSERT_TRUE(m.s.now.in_bout);
        sim_run(&m, PSOAS_POSTURE_STANDING, 1);
        ASSERT_TRUE(!m.s.now.in_bout);
        ASSERT_EQ(m.s.now.today.breaks, 1);
}

TEST(daily_totals_add_up) {
        Sim m;
        const struct psoas_day_stats *d = &m.s.now.today;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_UNKNOWN);
        sim_run(&m, PSOAS_POSTURE_STANDING, 17);
        sim_run(&m, PSOAS_POSTURE_SITTING, 1500);
        sim_run(&m, PSOAS_POSTURE_WALKING, 300);
        sim_run(&m, PSOAS_POSTURE_LYING, 40);
        sim_run(&m, PSOAS_POSTURE_UNKNOWN, 7);
        sim_run(&m, PSOAS_POSTURE_SITTING, 10);

        /* Each second is accounted to the posture of the sample that began it. */
        ASSERT_NEAR(d->unknown_s, 1 + 7, 1e-9);
        ASSERT_NEAR(d->standing_s, 17, 1e-9);
        ASSERT_NEAR(d->sitting_s, 1500 + 9, 1e-9);
        ASSERT_NEAR(d->walking_s, 300, 1e-9);
        ASSERT_NEAR(d->lying_s, 40, 1e-9);
        ASSERT_NEAR(day_total(d), sim_seconds(&m), 1e-9);
        ASSERT_EQ(d->sitting_bouts, 2);
        ASSERT_EQ(d->breaks, 1);
        ASSERT_NEAR(d->longest_bout_s, 1500, 1e-9);
}

TEST(longest_bout_live) {
        Sim m;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        sim_run(&m, PSOAS_POSTURE_SITTING, 900);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 900, 1e-9);

        /* While out of the seat it stops growing at the point the bout would end. */
        sim_run(&m, PSOAS_POSTURE_STANDING, 30);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 901, 1e-9);

        /* Back in the seat the stand belongs to the bout. */
        sim_run(&m, PSOAS_POSTURE_SITTING, 1);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 931, 1e-9);

        /* A shorter later bout leaves it alone. */
        sim_run(&m, PSOAS_POSTURE_STANDING, 61);
        ASSERT_TRUE(!m.s.now.in_bout);
        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 932, 1e-9);
}

TEST(tilt_stats_only_standing_calibrated) {
        Sim m;
        const struct psoas_day_stats *d = &m.s.now.today;
        unsigned bin12 = (unsigned)((12.0f - PSOAS_TILT_HIST_MIN_DEG) / PSOAS_TILT_HIST_BIN_DEG);
        unsigned bin4 = (unsigned)((4.0f - PSOAS_TILT_HIST_MIN_DEG) / PSOAS_TILT_HIST_BIN_DEG);

        sim_init(&m);
        m.tilt_deg = 12;
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 100);
        m.tilt_deg = 4;
        sim_run(&m, PSOAS_POSTURE_STANDING, 100);
        /* The interval ending at the first sitting sample was still standing (at 4°). */
        sim_run(&m, PSOAS_POSTURE_SITTING, 1);
        m.tilt_deg = 30;
        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        sim_run(&m, PSOAS_POSTURE_WALKING, 50);
        sim_run(&m, PSOAS_POSTURE_STANDING, 1);
        m.calibrated = false;
        sim_run(&m, PSOAS_POSTURE_STANDING, 50);

        ASSERT_NEAR(d->tilt_s, 201, 1e-9);
        ASSERT_NEAR(d->tilt_sum_deg_s, 12 * 100 + 4 * 101, 1e-6);
        ASSERT_NEAR(d->high_tilt_s, 100, 1e-9);
        ASSERT_NEAR(d->tilt_hist_s[bin12], 100, 1e-3);
        ASSERT_NEAR(d->tilt_hist_s[bin4], 101, 1e-3);
        ASSERT_NEAR(d->standing_s, 251, 1e-9);

        ASSERT_NEAR(psoas_day_stats_tilt_mean(d), (12.0 * 100 + 4 * 101) / 201, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(d, 0), 4.0, 1e-6);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(d, 25), 4.0 + 0.5 * (0.25 * 201 / 101), 1e-6);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(d, 75), 12.0 + 0.5 * ((0.75 * 201 - 101) / 100), 1e-6);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(d, 100), 12.5, 1e-6);
}

TEST(tilt_at_threshold_is_high) {
        Sim m;

        sim_init(&m);
        m.tilt_deg = m.config.tilt_alert_deg;
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 10);
        m.tilt_deg = nextafterf(m.config.tilt_alert_deg, 0);
        sim_run(&m, PSOAS_POSTURE_STANDING, 10);
        ASSERT_NEAR(m.s.now.today.high_tilt_s, 10, 1e-9);
        ASSERT_NEAR(m.s.now.today.tilt_s, 20, 1e-9);
}

TEST(tilt_histogram_clamps_to_end_bins) {
        Sim m;
        const struct psoas_day_stats *d = &m.s.now.today;

        sim_init(&m);
        m.tilt_deg = 80;
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 5);
        m.tilt_deg = -90;
        sim_run(&m, PSOAS_POSTURE_STANDING, 3);
        m.tilt_deg = 1e30f;
        sim_run(&m, PSOAS_POSTURE_STANDING, 2);
        ASSERT_NEAR(d->tilt_hist_s[PSOAS_TILT_HIST_BINS - 1], 7, 1e-6);
        ASSERT_NEAR(d->tilt_hist_s[0], 3, 1e-6);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(d, 0), PSOAS_TILT_HIST_MIN_DEG, 1e-6);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(d, 100),
                PSOAS_TILT_HIST_MIN_DEG + PSOAS_TILT_HIST_BINS * PSOAS_TILT_HIST_BIN_DEG, 1e-6);

        /* Non-finite tilt is not a number to average. */
        m.tilt_deg = NAN;
        sim_run(&m, PSOAS_POSTURE_STANDING, 2);
        ASSERT_NEAR(d->tilt_s, 10, 1e-9);
        ASSERT_TRUE(isfinite(d->tilt_sum_deg_s));
}

TEST(day_rollover_keeps_bout) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 60);
        sim_run(&m, PSOAS_POSTURE_SITTING, 600);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1);

        m.day = 101;
        sim_run(&m, PSOAS_POSTURE_SITTING, 1);
        assert_next_event(&m, PSOAS_EVENT_DAY_CHANGED, &e);
        ASSERT_EQ(e.day.previous, 100);
        ASSERT_EQ(e.day.current, 101);
        ASSERT_EQ(e.t_us, m.t_us);
        assert_no_event(&m); /* the bout neither ended nor restarted */

        ASSERT_TRUE(m.s.has_previous);
        ASSERT_EQ(m.s.previous.day, 100);
        ASSERT_EQ(m.s.previous.sitting_bouts, 1);
        /* The interval that crossed midnight belongs to the day it began in. */
        ASSERT_NEAR(m.s.previous.standing_s, 61, 1e-9);
        ASSERT_NEAR(m.s.previous.sitting_s, 600, 1e-9);
        ASSERT_NEAR(day_total(&m.s.previous), sim_seconds(&m), 1e-9);

        ASSERT_EQ(m.s.now.today.day, 101);
        ASSERT_NEAR(day_total(&m.s.now.today), 0, 1e-12);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 0);
        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_EQ(m.s.now.bout_start_us, T0_US + 61 * US_PER_SEC);

        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        ASSERT_NEAR(m.s.now.today.sitting_s, 100, 1e-9);
        /* The bout in progress is 700 s long, yesterday's part included. */
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 700, 1e-9);
        ASSERT_NEAR(m.s.previous.sitting_s, 600, 1e-9);

        sim_run(&m, PSOAS_POSTURE_STANDING, 61);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(e.bout.is_break);
        ASSERT_EQ(e.bout.start_us, T0_US + 61 * US_PER_SEC);
        ASSERT_EQ(m.s.now.today.breaks, 1);
        ASSERT_EQ(m.s.previous.breaks, 0);
}

TEST(day_rollover_twice) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_LYING);
        sim_run(&m, PSOAS_POSTURE_LYING, 10);
        m.day = 101;
        sim_run(&m, PSOAS_POSTURE_LYING, 20);
        m.day = 102;
        sim_run(&m, PSOAS_POSTURE_LYING, 5);
        assert_next_event(&m, PSOAS_EVENT_DAY_CHANGED, &e);
        ASSERT_EQ(e.day.current, 101);
        assert_next_event(&m, PSOAS_EVENT_DAY_CHANGED, &e);
        ASSERT_EQ(e.day.previous, 101);
        ASSERT_EQ(e.day.current, 102);
        ASSERT_EQ(m.s.previous.day, 101);
        ASSERT_NEAR(m.s.previous.lying_s, 20, 1e-9);
        ASSERT_NEAR(m.s.now.today.lying_s, 4, 1e-9);
}

TEST(restore_resumes_bout) {
        Sim m;
        struct psoas_day_stats stats = { .day = 100,
                .sitting_s = 1000,
                .standing_s = 50,
                .sitting_bouts = 3,
                .breaks = 2,
                .longest_bout_s = 900,
                .alerts = 1 };

        sim_init(&m);
        sitting_tracker_restore(&m.s, &stats, true, T0_US - 1200 * US_PER_SEC);
        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_NEAR(sitting_tracker_bout_seconds(&m.s, T0_US), 1200, 1e-9);

        sim_sample(&m, PSOAS_POSTURE_SITTING);
        sim_run(&m, PSOAS_POSTURE_SITTING, 100);
        assert_no_event(&m); /* no new bout, no day change */
        ASSERT_EQ(m.s.now.today.day, 100);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 3);
        ASSERT_EQ(m.s.now.today.breaks, 2);
        ASSERT_EQ(m.s.now.today.alerts, 1);
        ASSERT_NEAR(m.s.now.today.sitting_s, 1100, 1e-9);
        ASSERT_NEAR(m.s.now.today.standing_s, 50, 1e-9);
        ASSERT_EQ(m.s.now.bout_start_us, T0_US - 1200 * US_PER_SEC);
        ASSERT_NEAR(m.s.now.today.longest_bout_s, 1300, 1e-9);
}

TEST(restore_without_bout) {
        Sim m;
        struct psoas_day_stats stats = { .day = 99, .walking_s = 321, .sitting_bouts = 4 };
        struct psoas_event e;

        sim_init(&m);
        sitting_tracker_restore(&m.s, &stats, false, 0);
        ASSERT_TRUE(!m.s.now.in_bout);
        ASSERT_NEAR(m.s.now.today.walking_s, 321, 1e-9);

        /* Restored data is a day's worth: moving on to another day reports it even before any sample. */
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        assert_next_event(&m, PSOAS_EVENT_DAY_CHANGED, &e);
        ASSERT_EQ(e.day.previous, 99);
        ASSERT_EQ(e.day.current, 100);
        ASSERT_NEAR(m.s.previous.walking_s, 321, 1e-9);
        ASSERT_EQ(m.s.previous.sitting_bouts, 4);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, NULL);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1);
}

TEST(restore_cancels_absence) {
        Sim m;
        struct psoas_day_stats stats = { .day = 100 };

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_SITTING);
        sim_run(&m, PSOAS_POSTURE_SITTING, 10);
        sim_run(&m, PSOAS_POSTURE_STANDING, 50);
        ASSERT_TRUE(m.s.now.away);
        sitting_tracker_restore(&m.s, &stats, true, T0_US - 60 * US_PER_SEC);
        ASSERT_TRUE(!m.s.now.away);
        /* The absence starts over from the next standing sample. */
        sim_run(&m, PSOAS_POSTURE_STANDING, 60);
        ASSERT_TRUE(m.s.now.in_bout);
        sim_run(&m, PSOAS_POSTURE_STANDING, 1);
        ASSERT_TRUE(!m.s.now.in_bout);
}

/* Revisions: the engine found the posture was in fact another since some earlier time. */

static void drain(Sim *m) {
        struct psoas_event e;
        while (event_queue_pop(&m->q, &e))
                ;
}

TEST(revise_missed_sit_down_starts_bout_back_then) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_WALKING, 10);
        sim_run(&m, PSOAS_POSTURE_STANDING, 30); /* wrongly standing from T0 + 11 s */
        drain(&m);
        int64_t since = T0_US + 11 * US_PER_SEC;

        ASSERT_EQ(sitting_tracker_revise(&m.s, since, PSOAS_POSTURE_SITTING, true, 0.0f, &m.q), 0);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, &e);
        ASSERT_EQ(e.bout.start_us, since);
        assert_no_event(&m);
        ASSERT_TRUE(m.s.now.in_bout);
        ASSERT_EQ(m.s.now.bout_start_us, since);
        ASSERT_NEAR(m.s.now.today.sitting_s, 29.0, 1e-9);
        ASSERT_NEAR(m.s.now.today.standing_s, 1.0, 1e-9);
        ASSERT_NEAR(m.s.now.today.walking_s, 10.0, 1e-9);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1u);
        ASSERT_NEAR(day_total(&m.s.now.today), sim_seconds(&m), 1e-9);

        /* And the tracker goes on from there: the bout continues with the next sitting sample. */
        sim_run(&m, PSOAS_POSTURE_SITTING, 5);
        assert_no_event(&m);
        ASSERT_NEAR(m.s.now.today.sitting_s, 34.0, 1e-9);
}

TEST(revise_squat_withdraws_bout) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 20);
        sim_run(&m, PSOAS_POSTURE_SITTING, 3); /* the squat, taken for sitting at T0 + 21 s */
        sim_run(&m, PSOAS_POSTURE_STANDING, 20);
        drain(&m);
        ASSERT_EQ(m.s.now.today.sitting_bouts, 1u);
        int64_t since = T0_US + 21 * US_PER_SEC;

        ASSERT_EQ(sitting_tracker_revise(&m.s, since, PSOAS_POSTURE_STANDING, true, 0.0f, &m.q), 0);
        assert_next_event(&m, PSOAS_EVENT_BOUT_ENDED, &e);
        ASSERT_TRUE(e.bout.withdrawn);
        ASSERT_EQ(e.bout.start_us, since);
        assert_no_event(&m);
        ASSERT_TRUE(!(m.s.now.in_bout));
        ASSERT_EQ(m.s.now.today.sitting_bouts, 0u);
        ASSERT_NEAR(m.s.now.today.sitting_s, 0.0, 1e-9);
        ASSERT_NEAR(m.s.now.today.standing_s, 43.0, 1e-9);
        ASSERT_EQ(m.s.now.today.breaks, 0u);
}

TEST(revise_keeps_alert_and_stretch_counts) {
        Sim m;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_SITTING, 10);
        m.s.now.today.alerts = 2; /* counted by the engine while the wrong posture held */
        m.s.now.today.stretches_verified = 1;
        ASSERT_EQ(sitting_tracker_revise(&m.s, T0_US + US_PER_SEC, PSOAS_POSTURE_STANDING, true, 0.0f, &m.q),
                0);
        ASSERT_EQ(m.s.now.today.alerts, 2u);
        ASSERT_EQ(m.s.now.today.stretches_verified, 1u);
}

TEST(revise_from_a_mark) {
        Sim m;
        struct psoas_event e;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 100);
        sitting_tracker_mark(&m.s); /* the evidence began to disagree here, at T0 + 100 s */
        sim_run(&m, PSOAS_POSTURE_STANDING, 20);
        drain(&m);

        ASSERT_EQ(sitting_tracker_revise(
                          &m.s, T0_US + 100 * US_PER_SEC, PSOAS_POSTURE_SITTING, true, 0.0f, &m.q),
                0);
        assert_next_event(&m, PSOAS_EVENT_BOUT_STARTED, &e);
        ASSERT_EQ(e.bout.start_us, T0_US + 100 * US_PER_SEC);
        ASSERT_NEAR(m.s.now.today.sitting_s, 20.0, 1e-9);
        ASSERT_NEAR(m.s.now.today.standing_s, 100.0, 1e-9);
}

TEST(revise_without_a_point_to_go_back_to) {
        Sim m;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_STANDING, 10);
        /* no change of posture and no mark since the first sample */
        ASSERT_EQ(sitting_tracker_revise(
                          &m.s, T0_US + 5 * US_PER_SEC, PSOAS_POSTURE_SITTING, true, 0.0f, &m.q),
                -ESTALE);
        ASSERT_NEAR(m.s.now.today.standing_s, 10.0, 1e-9);
        ASSERT_TRUE(!(m.s.now.in_bout));
}

TEST(revise_does_not_cross_midnight) {
        Sim m;

        sim_init(&m);
        sim_sample(&m, PSOAS_POSTURE_STANDING);
        sim_run(&m, PSOAS_POSTURE_SITTING, 10);
        m.day++;
        sim_run(&m, PSOAS_POSTURE_SITTING, 10);
        drain(&m);
        ASSERT_EQ(sitting_tracker_revise(&m.s, T0_US + US_PER_SEC, PSOAS_POSTURE_STANDING, true, 0.0f, &m.q),
                -ESTALE);
        ASSERT_TRUE(m.s.now.in_bout);
}

TEST_MAIN
