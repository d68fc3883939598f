/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>

#include "calibration.h"
#include "macro.h"
#include "test-util.h"

#define PERIOD_US 10000 /* 100 Hz */

/* What one call of calibrator_update() gave. */
typedef struct Outcome {
        CalibratorResult result;
        float up[3], bias[3];
        bool has_bias;
        enum psoas_calibration_error error;
} Outcome;

static Outcome feed(
        Calibrator *c, int64_t t_us, const float acc[3], const float *gyro, bool still, float energy) {
        Outcome o = { .error = PSOAS_CALIBRATION_OK };

        o.result = calibrator_update(c, t_us, acc, gyro, still, energy, o.up, o.bias, &o.has_bias, &o.error);
        return o;
}

/* Feeds samples from *t_us on, one period apart, until a result other than PENDING or until end_us; returns
 * that result, and leaves *t_us at the time of its sample. */
static Outcome feed_until(Calibrator *c, int64_t *t_us, int64_t end_us, const float acc[3],
        const float *gyro, bool still, float energy) {
        Outcome o = { .result = CALIBRATOR_PENDING };

        for (; *t_us <= end_us; *t_us += PERIOD_US) {
                o = feed(c, *t_us, acc, gyro, still, energy);
                if (o.result != CALIBRATOR_PENDING)
                        return o;
        }
        return o;
}

static const float upright[3] = { 0.0f, 0.0f, 9.81f };

TEST(idle_does_nothing) {
        Calibrator c;

        calibrator_init(&c);
        ASSERT_TRUE(!calibrator_running(&c));
        ASSERT_EQ(feed(&c, 0, upright, NULL, true, 0.0f).result, CALIBRATOR_PENDING);
        ASSERT_TRUE(!calibrator_running(&c));
}

TEST(start_refuses_while_running) {
        Calibrator c;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start(&c, 2.0f, 10.0f), 0);
        ASSERT_TRUE(calibrator_running(&c));
        ASSERT_EQ(calibrator_start(&c, 2.0f, 10.0f), -EBUSY);
        ASSERT_EQ(calibrator_start_window(&c, 0, 2 * US_PER_SEC), -EBUSY);
        calibrator_cancel(&c);
        ASSERT_TRUE(!calibrator_running(&c));
        ASSERT_EQ(calibrator_start_window(&c, 0, 2 * US_PER_SEC), 0);
        ASSERT_TRUE(calibrator_running(&c));
}

TEST(window_must_end_after_it_starts) {
        Calibrator c;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start_window(&c, 5, 5), -EINVAL);
        ASSERT_EQ(calibrator_start_window(&c, 5, 4), -EINVAL);
        ASSERT_TRUE(!calibrator_running(&c));
}

/* Enough stillness: the mean specific force, normalised, is the vertical; the mean gyroscope is its bias. */
TEST(auto_still_gives_up_and_bias) {
        Calibrator c;
        const float acc[3] = { 3.0f, 0.0f, 4.0f }; /* |a| = 5: up is (0.6, 0, 0.8) */
        const float gyro[3] = { 0.01f, -0.02f, 0.03f };
        int64_t t = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start(&c, 2.0f, 10.0f), 0);
        Outcome o = feed_until(&c, &t, 20 * US_PER_SEC, acc, gyro, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_DONE);
        ASSERT_EQ(t, 2 * US_PER_SEC); /* done at the first sample 2 s after the first still one */
        ASSERT_NEAR(o.up[0], 0.6, 1e-6);
        ASSERT_NEAR(o.up[1], 0.0, 1e-6);
        ASSERT_NEAR(o.up[2], 0.8, 1e-6);
        ASSERT_TRUE(o.has_bias);
        ASSERT_NEAR(o.bias[0], 0.01, 1e-6);
        ASSERT_NEAR(o.bias[1], -0.02, 1e-6);
        ASSERT_NEAR(o.bias[2], 0.03, 1e-6);
        ASSERT_TRUE(!calibrator_running(&c));
}

TEST(auto_without_gyro_has_no_bias) {
        Calibrator c;
        int64_t t = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start(&c, 1.0f, 10.0f), 0);
        Outcome o = feed_until(&c, &t, 20 * US_PER_SEC, upright, NULL, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_DONE);
        ASSERT_TRUE(!o.has_bias);
        ASSERT_NEAR(o.bias[0], 0.0, 0.0);
        ASSERT_NEAR(o.up[2], 1.0, 1e-6);
}

/* A movement starts the run of stillness again, and what was summed before it is forgotten. */
TEST(auto_movement_restarts_the_run) {
        Calibrator c;
        const float tilted[3] = { 9.81f, 0.0f, 0.0f };
        int64_t t = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start(&c, 2.0f, 30.0f), 0);
        /* 1.5 s still while tilted, then a movement, then upright. */
        ASSERT_EQ(feed_until(&c, &t, 1500000 - PERIOD_US, tilted, NULL, true, 0.0f).result,
                CALIBRATOR_PENDING);
        ASSERT_EQ(feed(&c, t, tilted, NULL, false, 3.0f).result, CALIBRATOR_PENDING);
        t += PERIOD_US;
        int64_t run_start = t;
        Outcome o = feed_until(&c, &t, 30 * US_PER_SEC, upright, NULL, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_DONE);
        ASSERT_EQ(t - run_start, 2 * US_PER_SEC);
        ASSERT_NEAR(o.up[0], 0.0, 1e-6); /* nothing of the tilted run left */
        ASSERT_NEAR(o.up[2], 1.0, 1e-6);
}

/* No stillness long enough before the timeout: it fails, saying the wearer moved, and stops. */
TEST(auto_times_out) {
        Calibrator c;
        int64_t t = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start(&c, 2.0f, 5.0f), 0);
        Outcome o = feed_until(&c, &t, 20 * US_PER_SEC, upright, NULL, false, 2.0f);
        ASSERT_EQ(o.result, CALIBRATOR_FAILED);
        ASSERT_EQ(o.error, PSOAS_CALIBRATION_MOVING);
        ASSERT_EQ(t, 5 * US_PER_SEC); /* the timeout counts from the first sample */
        ASSERT_TRUE(!calibrator_running(&c));
}

/* A window takes exactly its samples (movement inside it or not) and answers at the first sample after it. */
TEST(window_averages_its_samples) {
        Calibrator c;
        const float before[3] = { 9.81f, 0.0f, 0.0f };
        const float in_a[3] = { 0.0f, 1.0f, 9.0f }, in_b[3] = { 0.0f, -1.0f, 11.0f }; /* mean (0, 0, 10) */
        const float gyro[3] = { 0.5f, 0.0f, 0.0f };
        int64_t t = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start_window(&c, 1 * US_PER_SEC, 3 * US_PER_SEC), 0);
        for (; t < 1 * US_PER_SEC; t += PERIOD_US)
                ASSERT_EQ(feed(&c, t, before, gyro, true, 0.0f).result, CALIBRATOR_PENDING);
        unsigned k = 0;
        for (; t <= 3 * US_PER_SEC; t += PERIOD_US, k++)
                ASSERT_EQ(
                        feed(&c, t, k % 2 ? in_b : in_a, NULL, k % 3 == 0, 0.1f).result, CALIBRATOR_PENDING);
        ASSERT_EQ(k % 2, 1); /* an odd count: the last in_a is one more; the mean is (0, 1/k, 10 - 1/k) */
        Outcome o = feed(&c, t, before, NULL, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_DONE);
        ASSERT_NEAR(o.up[0], 0.0, 1e-6);
        ASSERT_NEAR(o.up[1], (1.0 / k) / 10.0, 1e-4);
        ASSERT_NEAR(o.up[2], 1.0, 1e-4);
        ASSERT_TRUE(!o.has_bias); /* the gyroscope came only before the window */
        ASSERT_TRUE(!calibrator_running(&c));
}

TEST(window_too_short) {
        Calibrator c;
        int64_t t = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start_window(&c, 0, 2 * US_PER_SEC), 0);
        /* Samples over 0.9 s of the window only (a gap in the data). */
        ASSERT_EQ(feed_until(&c, &t, 900000, upright, NULL, true, 0.0f).result, CALIBRATOR_PENDING);
        Outcome o = feed(&c, 2 * US_PER_SEC + PERIOD_US, upright, NULL, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_FAILED);
        ASSERT_EQ(o.error, PSOAS_CALIBRATION_WINDOW_SHORT);
        ASSERT_TRUE(!calibrator_running(&c));

        /* No sample in the window at all. */
        ASSERT_EQ(calibrator_start_window(&c, 0, 2 * US_PER_SEC), 0);
        o = feed(&c, 3 * US_PER_SEC, upright, NULL, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_FAILED);
        ASSERT_EQ(o.error, PSOAS_CALIBRATION_WINDOW_SHORT);
}

/* Walking-level motion in more than a fifth of the window makes it useless; in less, it is averaged out. */
TEST(window_with_walking_fails) {
        for (unsigned moving_percent = 10; moving_percent <= 30; moving_percent += 20) {
                Calibrator c;
                int64_t t = 0;
                unsigned k = 0;

                calibrator_init(&c);
                ASSERT_EQ(calibrator_start_window(&c, 0, 2 * US_PER_SEC), 0);
                for (; t <= 2 * US_PER_SEC; t += PERIOD_US, k++)
                        ASSERT_EQ(feed(&c, t, upright, NULL, true, k % 100 < moving_percent ? 2.0f : 0.0f)
                                          .result,
                                CALIBRATOR_PENDING);
                Outcome o = feed(&c, t, upright, NULL, true, 0.0f);
                if (moving_percent < 20) {
                        ASSERT_EQ(o.result, CALIBRATOR_DONE);
                } else {
                        ASSERT_EQ(o.result, CALIBRATOR_FAILED);
                        ASSERT_EQ(o.error, PSOAS_CALIBRATION_MOVING);
                }
        }
}

/* A mean specific force under 1 m/s² (free fall, or readings that cancel out) is no vertical. */
TEST(window_without_gravity_fails) {
        Calibrator c;
        const float up[3] = { 0.0f, 0.0f, 9.81f }, down[3] = { 0.0f, 0.0f, -9.81f };
        int64_t t = 0;
        unsigned k = 0;

        calibrator_init(&c);
        ASSERT_EQ(calibrator_start_window(&c, 0, 2 * US_PER_SEC - PERIOD_US), 0);
        for (; t < 2 * US_PER_SEC; t += PERIOD_US, k++)
                ASSERT_EQ(feed(&c, t, k % 2 ? down : up, NULL, true, 0.0f).result, CALIBRATOR_PENDING);
        Outcome o = feed(&c, t, up, NULL, true, 0.0f);
        ASSERT_EQ(o.result, CALIBRATOR_FAILED);
        ASSERT_EQ(o.error, PSOAS_CALIBRATION_MOVING);
        ASSERT_TRUE(!calibrator_running(&c));
}

/* The angle between the body's vertical and the sensor axis nearest it, signed forward when forward is known. */
TEST(neutral_inclination) {
        const float a = 10.0f * 0.017453292519943295f;
        const float up[3] = { sinf(a), 0.0f, cosf(a) };
        const float forward[3] = { cosf(a), 0.0f, -sinf(a) };
        const float backward[3] = { -cosf(a), 0.0f, sinf(a) };
        const float upside_down[3] = { 0.0f, -sinf(a), -cosf(a) };
        const float straight[3] = { 0.0f, 1.0f, 0.0f };

        ASSERT_NEAR(calibration_neutral_inclination(straight, false, NULL), 0.0, 1e-4);
        ASSERT_NEAR(calibration_neutral_inclination(up, false, NULL), 10.0, 1e-3);
        ASSERT_NEAR(calibration_neutral_inclination(upside_down, false, NULL), 10.0, 1e-3);
        /* The z axis leans back from the vertical by 10° when forward is +x. */
        ASSERT_NEAR(calibration_neutral_inclination(up, true, forward), -10.0, 1e-3);
        ASSERT_NEAR(calibration_neutral_inclination(up, true, backward), 10.0, 1e-3);
}

TEST_MAIN
