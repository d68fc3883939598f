/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "macro.h"
#include "psoas/psoas.h"
#include "test-util.h"

#define US_PER_DAY (86400LL * US_PER_SEC)
#define US_PER_MINUTE (60LL * US_PER_SEC)
#define LOCAL_DAY 20000LL
#define PERIOD_US 100000 /* 10 Hz */

/* An engine calibrated on a sensor worn with z up and x forward. */
static struct psoas_engine *engine_make(const struct psoas_config *config) {
        const struct psoas_calibration cal = {
                .size = sizeof(cal),
                .up = { 0.0f, 0.0f, 1.0f },
                .forward = { 1.0f, 0.0f, 0.0f },
                .forward_known = true,
        };
        struct psoas_engine *e = NULL;

        ASSERT_EQ(psoas_engine_new(config, &e), 0);
        ASSERT_EQ(psoas_engine_set_calibration(e, &cal), 0);
        return e;
}

/* One still sample at t_us with the pelvis turned back by posterior_deg (sitting turns "up" forwards). */
static void feed_still(struct psoas_engine *e, int64_t t_us, float posterior_deg) {
        float a = posterior_deg * RAD_PER_DEG;
        struct psoas_sample s = {
                .size = sizeof(s),
                .t_us = t_us,
                .accel = { STANDARD_GRAVITY * sinf(a), 0.0f, STANDARD_GRAVITY * cosf(a) },
                .has_gyro = true,
        };
        ASSERT_EQ(psoas_engine_feed(e, &s), 0);
}

/* Pops events up to the first of a type; returns whether there was one. */
static bool pop_until(struct psoas_engine *e, enum psoas_event_type type, struct psoas_event *ret) {
        while (psoas_engine_pop_event(e, PSOAS_SIZED(ret)) > 0)
                if (ret->type == type)
                        return true;
        return false;
}

/* The state is filled when it is read; before the first sample it holds what the setters wrote. */
TEST(state_before_and_after_samples) {
        struct psoas_config config;
        struct psoas_engine *e = NULL;

        psoas_config_init(PSOAS_SIZED(&config));
        ASSERT_EQ(psoas_engine_new(&config, &e), 0);
        const struct psoas_state *st = PSOAS_ENGINE_STATE(e);
        ASSERT_EQ(st->posture, PSOAS_POSTURE_UNKNOWN);
        ASSERT_TRUE(!st->calibrated);
        ASSERT_EQ(st->t_us, 0);
        ASSERT_TRUE(st->quat[0] == 1.0f && st->tilt_deg == 0.0f);
        psoas_engine_free(e);

        e = engine_make(&config);
        st = PSOAS_ENGINE_STATE(e);
        ASSERT_TRUE(st->calibrated && st->forward_known);
        ASSERT_EQ(st->posture, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(st->samples_accepted, 0);

        /* Turned back 30° and still for two seconds: sitting, with the tilt of the last sample. */
        for (int i = 0; i < 20; i++)
                feed_still(e, (int64_t)i * PERIOD_US, 30.0f);
        /* The caller's struct changes only when it asks again. */
        ASSERT_EQ(st->samples_accepted, 0);
        st = PSOAS_ENGINE_STATE(e);
        ASSERT_EQ(st->t_us, 19 * PERIOD_US);
        ASSERT_EQ(st->posture, PSOAS_POSTURE_SITTING);
        ASSERT_EQ(st->samples_accepted, 20);
        ASSERT_NEAR(st->tilt_deg, -30.0, 0.01);
        ASSERT_NEAR(st->inclination_deg, -30.0, 0.01);
        ASSERT_TRUE(st->in_bout);
        ASSERT_NEAR(st->quat[0], cos(15.0 * M_PI / 180.0), 1e-4);
        psoas_engine_free(e);
}

/* The local day rolls over at the first sample at or after midnight, also after the clock is set anew. */
TEST(day_changes_at_local_midnight) {
        struct psoas_config config;
        struct psoas_event ev;

        psoas_config_init(PSOAS_SIZED(&config));
        struct psoas_engine *e = engine_make(&config);
        /* Sample time 0 is 23:59:58. */
        psoas_engine_set_clock(e, 0, LOCAL_DAY * US_PER_DAY + US_PER_DAY - 2 * US_PER_SEC);
        for (int64_t t = 0; t < 2 * US_PER_SEC; t += PERIOD_US) {
                feed_still(e, t, 0.0f);
                ASSERT_TRUE(!pop_until(e, PSOAS_EVENT_DAY_CHANGED, &ev));
        }
        feed_still(e, 2 * US_PER_SEC, 0.0f);
        ASSERT_TRUE(pop_until(e, PSOAS_EVENT_DAY_CHANGED, &ev));
        ASSERT_EQ(ev.t_us, 2 * US_PER_SEC);
        ASSERT_EQ(ev.day.previous, LOCAL_DAY);
        ASSERT_EQ(ev.day.current, LOCAL_DAY + 1);

        /* The clock jumps ahead by two days (a suspend, or the time set by hand). */
        feed_still(e, 3 * US_PER_SEC, 0.0f);
        psoas_engine_set_clock(e, 3 * US_PER_SEC, (LOCAL_DAY + 3) * US_PER_DAY + 10 * US_PER_SEC);
        ASSERT_TRUE(!pop_until(e, PSOAS_EVENT_DAY_CHANGED, &ev));
        feed_still(e, 3 * US_PER_SEC + PERIOD_US, 0.0f);
        ASSERT_TRUE(pop_until(e, PSOAS_EVENT_DAY_CHANGED, &ev));
        ASSERT_EQ(ev.day.previous, LOCAL_DAY + 1);
        ASSERT_EQ(ev.day.current, LOCAL_DAY + 3);
        ASSERT_EQ(PSOAS_ENGINE_DAY_STATS(e)->day, LOCAL_DAY + 3);
        psoas_engine_free(e);
}

/* Sits from the start for up to limit_s; returns when the first sitting alert fired (sample time), or -1.
 * jump_at_us >= 0: just before the sample at that time the local clock is set to jump_local_us. */
static int64_t first_sitting_alert(const struct psoas_config *config, bool has_clock, int64_t local_at_0,
        int64_t jump_at_us, int64_t jump_local_us, double limit_s) {
        struct psoas_engine *e = engine_make(config);
        struct psoas_event ev;
        int64_t fired = -1;

        if (has_clock)
                psoas_engine_set_clock(e, 0, local_at_0);
        for (int64_t t = 0; t <= (int64_t)(limit_s * US_PER_SEC) && fired < 0; t += PERIOD_US) {
                if (t == jump_at_us)
                        psoas_engine_set_clock(e, t, jump_local_us);
                feed_still(e, t, 30.0f);
                if (pop_until(e, PSOAS_EVENT_ALERT, &ev) && ev.alert.kind == PSOAS_ALERT_SITTING)
                        fired = ev.t_us;
        }
        psoas_engine_free(e);
        return fired;
}

/* Quiet hours hold a due alert back to the first sample of the first minute after them: the minute of the day
 * is followed across minute boundaries and clock changes. */
TEST(quiet_hours_follow_the_clock) {
        struct psoas_config config;

        psoas_config_init(PSOAS_SIZED(&config));
        config.sitting_alert_s = 60;
        config.quiet_start_min = 0;
        config.quiet_end_min = 2; /* 00:00 to 00:02 */
        const int64_t midnight = LOCAL_DAY * US_PER_DAY;

        /* No clock: no quiet hours; the alert comes a minute after the bout began, within its first seconds. */
        int64_t unquiet = first_sitting_alert(&config, false, 0, -1, 0, 200);
        fprintf(stderr, "  without a clock: alert at %.1f s\n", (double)unquiet / US_PER_SEC);
        ASSERT_TRUE(unquiet >= 60 * US_PER_SEC && unquiet <= 62 * US_PER_SEC);

        /* From midnight: held back to 00:02:00 exactly. */
        ASSERT_EQ(first_sitting_alert(&config, true, midnight, -1, 0, 200), 120 * US_PER_SEC);

        /* From 23:59:30: the quiet hours begin 30 s later and the alert waits for 00:02:00, 150 s in. */
        ASSERT_EQ(first_sitting_alert(&config, true, midnight - 30 * US_PER_SEC, -1, 0, 200),
                150 * US_PER_SEC);

        /* From midnight, but at 30 s the clock is corrected to 00:05:00: due at once when the bout is a minute
         * old. */
        ASSERT_EQ(first_sitting_alert(
                          &config, true, midnight, 30 * US_PER_SEC, midnight + 5 * US_PER_MINUTE, 200),
                unquiet);

        /* From 23:58:00, and just as the alert falls due the clock is corrected to 00:00:30, in the middle of the
         * minute the engine last looked at: held back for 90 s, to 00:02:00. */
        ASSERT_EQ(first_sitting_alert(&config, true, midnight - 2 * US_PER_MINUTE, unquiet,
                          midnight + 30 * US_PER_SEC, 200),
                unquiet + 90 * US_PER_SEC);
}

TEST_MAIN
