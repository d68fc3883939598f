/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/wear.c: a sensor on a desk is off the body; breathing, sitting and standing wearers are not. */
#include <math.h>
#include <string.h>

#include "macro.h"
#include "psoas/psoas.h"
#include "test-util.h"
#include "wear.h"

#define US 1000000LL
#define RATE_HZ 50

static uint64_t rng_state = 88172645463325252ULL;

static double gauss(void) {
        double u[2];
        for (unsigned i = 0; i < 2; i++) {
                rng_state ^= rng_state << 13;
                rng_state ^= rng_state >> 7;
                rng_state ^= rng_state << 17;
                u[i] = ((rng_state >> 11) + 0.5) / 9007199254740992.0;
        }
        return sqrt(-2.0 * log(u[0])) * cos(2.0 * M_PI * u[1]);
}

typedef struct Run {
        WearDetector w;
        int64_t t_us;
        double rate_hz; /* 50 when 0 */
        int64_t taken_off_at_us, still_since_us, put_on_at_us;
} Run;

/* seconds of gravity tilted by pitch(t) degrees about y, plus white noise of noise m/s² per axis. */
static void run_for(Run *r, double seconds, double (*pitch_deg)(double t), double noise) {
        int64_t end = r->t_us + (int64_t)(seconds * US);
        int64_t period = (int64_t)(US / (r->rate_hz > 0 ? r->rate_hz : RATE_HZ));
        for (; r->t_us < end; r->t_us += period) {
                double p = pitch_deg((double)r->t_us / US) * M_PI / 180.0;
                float a[3] = { (float)(-9.81 * sin(p) + noise * gauss()), (float)(noise * gauss()),
                        (float)(9.81 * cos(p) + noise * gauss()) };
                switch (wear_detector_update(&r->w, r->t_us, a)) {
                case WEAR_TAKEN_OFF:
                        if (!r->taken_off_at_us) {
                                r->taken_off_at_us = r->t_us;
                                r->still_since_us = r->w.still_since_us;
                        }
                        break;
                case WEAR_PUT_ON:
                        if (!r->put_on_at_us)
                                r->put_on_at_us = r->t_us;
                        break;
                default:
                        break;
                }
        }
}

static double flat(double t) {
        (void)t;
        return 0.0;
}

/* Breathing rocks the pelvis by a few tenths of a degree (0.2° at 0.25 Hz here: less than the synthetic
 * lying wearer's 0.3°). */
static double breathing(double t) {
        return 0.2 * sin(2.0 * M_PI * 0.25 * t);
}

/* A seated wearer's slow postural sway: 0.5° over half a minute. */
static double sitting_sway(double t) {
        return -20.0 + 0.5 * sin(2.0 * M_PI * t / 30.0);
}

/* Laid down at 1000 s, picked up at 1500 s (the run starts at 1000 s). */
static double picked_up(double t) {
        return t < 1500 ? 0.0 : fmin(30.0, (t - 1500) * 20.0);
}

TEST(on_a_desk_it_is_off_the_body_from_when_it_was_laid_down) {
        Run r = { .t_us = 1000 * US };
        wear_detector_init(&r.w);
        ASSERT_TRUE(r.w.worn);
        run_for(&r, 600, picked_up, 0.02);
        ASSERT_TRUE(r.taken_off_at_us > 0);
        /* After PSOAS_NOT_WORN_S of stillness, dated back to its start (within a second of the first sample). */
        ASSERT_TRUE(r.still_since_us <= 1000 * US + 2 * US);
        ASSERT_TRUE(r.taken_off_at_us - r.still_since_us >= PSOAS_NOT_WORN_S * US);
        ASSERT_TRUE(r.taken_off_at_us - r.still_since_us <= (PSOAS_NOT_WORN_S + 2) * US);
        /* Picked up at 500 s: on again within a second. */
        ASSERT_TRUE(r.put_on_at_us >= 1500 * US && r.put_on_at_us <= 1502 * US);
        ASSERT_TRUE(r.w.worn);
}

TEST(a_noisier_sensor_on_a_desk_too) {
        Run r = { 0 };
        wear_detector_init(&r.w);
        run_for(&r, 400, flat, 0.1); /* five times the synthetic sensor's noise */
        ASSERT_TRUE(r.taken_off_at_us > 0);
        ASSERT_TRUE(!r.w.worn);
}

TEST(a_noisy_sensor_at_a_low_rate_on_a_desk_too) {
        /* An ADXL345's 4 mg at 12.5 Hz: each second's direction wanders by 0.07°. */
        Run r = { .rate_hz = 12.5 };
        wear_detector_init(&r.w);
        run_for(&r, 400, flat, 0.04);
        ASSERT_TRUE(r.taken_off_at_us > 0);
}

/* Walking from the first sample: the pelvis turns by degrees at each step, and shakes. */
static double walking(double t) {
        return 2.0 * sin(2.0 * M_PI * 0.9 * t) + 0.5 * sin(2.0 * M_PI * 1.8 * t + 1.0);
}

TEST(walking_is_worn) {
        Run r = { 0 };
        wear_detector_init(&r.w);
        run_for(&r, 1200, walking, 1.5); /* 1.5 m/s² of jolts on every axis */
        ASSERT_EQ(r.taken_off_at_us, 0);
}

TEST(breathing_is_worn) {
        Run r = { 0 };
        wear_detector_init(&r.w);
        run_for(&r, 3600, breathing, 0.02);
        ASSERT_EQ(r.taken_off_at_us, 0);
        ASSERT_TRUE(r.w.worn);
}

TEST(sitting_still_is_worn) {
        Run r = { 0 };
        wear_detector_init(&r.w);
        run_for(&r, 3600, sitting_sway, 0.02);
        ASSERT_EQ(r.taken_off_at_us, 0);
}

TEST(a_gap_starts_the_stillness_again) {
        Run r = { 0 };
        wear_detector_init(&r.w);
        run_for(&r, 150, flat, 0.02);
        wear_detector_reset(&r.w);
        r.t_us += 60 * US;
        run_for(&r, 150, flat, 0.02);
        ASSERT_EQ(r.taken_off_at_us, 0); /* 150 s and 150 s, never PSOAS_NOT_WORN_S in a row */
        run_for(&r, 60, flat, 0.02);
        ASSERT_TRUE(r.taken_off_at_us > 0);
}

TEST_MAIN
