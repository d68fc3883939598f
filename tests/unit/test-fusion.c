/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fusion.h"
#include "macro.h"
#include "test-util.h"
#include "vec.h"

static const float earth_up[3] = { 0.0f, 0.0f, STANDARD_GRAVITY };
/* Below 1 m/s² the accelerometer is ignored: the filter integrates the gyroscope alone. */
static const float no_accel[3] = { 0.0f, 0.0f, 0.0f };

/* Starts a filter at rest with its z axis up: q is the identity. */
static void fusion_start_upright(Fusion *f, bool use_gyro) {
        const float zero[3] = { 0.0f, 0.0f, 0.0f };

        fusion_init(f, use_gyro);
        fusion_update(f, 0.0f, earth_up, zero, true);
        ASSERT_TRUE(f->initialized);
        ASSERT_NEAR(f->q[0], 1.0, 1e-7);
}

static void assert_up(const Fusion *f, float x, float y, float z, double tolerance) {
        ASSERT_NEAR(f->up[0], x, tolerance);
        ASSERT_NEAR(f->up[1], y, tolerance);
        ASSERT_NEAR(f->up[2], z, tolerance);
}

/* 1 rad/s about x for 1 s at 100 Hz: 0.01 rad a step, the first-order step. Earth's up, seen from the sensor,
 * turns the other way: (0, sin 1, cos 1). */
TEST(gyro_small_steps_integrate) {
        const float omega[3] = { 1.0f, 0.0f, 0.0f };
        Fusion f;

        fusion_start_upright(&f, true);
        for (int i = 0; i < 100; i++)
                fusion_update(&f, 0.01f, no_accel, omega, false);
        assert_up(&f, 0.0f, sinf(1.0f), cosf(1.0f), 2e-5);
        ASSERT_NEAR(f.q[0], cos(0.5), 2e-5);
        ASSERT_NEAR(f.q[1], sin(0.5), 2e-5);
}

/* 5 rad/s about y for 0.2 s at 100 Hz: 0.05 rad a step, past the first-order step's range. */
TEST(gyro_large_steps_integrate) {
        const float omega[3] = { 0.0f, 5.0f, 0.0f };
        Fusion f;

        fusion_start_upright(&f, true);
        for (int i = 0; i < 20; i++)
                fusion_update(&f, 0.01f, no_accel, omega, false);
        assert_up(&f, -sinf(1.0f), 0.0f, cosf(1.0f), 2e-5);
}

/* The renormalisation after each step keeps the quaternion unit however long the filter runs. */
TEST(quaternion_stays_unit) {
        Fusion f;

        fusion_start_upright(&f, true);
        for (int i = 0; i < 1000000; i++) {
                float t = (float)i * 0.01f;
                const float omega[3] = { 2.0f * sinf(0.7f * t), 1.5f * cosf(1.3f * t),
                        3.0f * sinf(0.3f * t) };
                fusion_update(&f, 0.01f, no_accel, omega, false);
        }
        double n = sqrt(f.q[0] * f.q[0] + f.q[1] * f.q[1] + f.q[2] * f.q[2] + f.q[3] * f.q[3]);
        ASSERT_NEAR(n, 1.0, 1e-5);
        ASSERT_NEAR(vec3_norm(f.up), 1.0, 1e-5);
}

/* Still, the gyroscope reads its bias; the estimate converges whatever the sample interval, which may change
 * from one sample to the next. */
TEST(bias_learned_still_at_changing_rates) {
        const float bias[3] = { 0.01f, -0.02f, 0.03f };
        Fusion f;

        fusion_start_upright(&f, true);
        for (int i = 0; i < 12000; i++) {
                float dt = i < 3000 ? 0.02f : i < 6000 ? 0.005f : (i % 2 ? 0.01f : 0.011f);
                fusion_update(&f, dt, earth_up, bias, true);
        }
        for (unsigned i = 0; i < 3; i++)
                ASSERT_NEAR(f.bias[i], bias[i], 1e-4);
        assert_up(&f, 0.0f, 0.0f, 1.0f, 1e-4);
}

/* Accelerometer only: up is the low-passed specific force, and the quaternion follows it when asked. */
TEST(accel_only_quaternion_follows_up) {
        const float tilted[3] = { 0.0f, STANDARD_GRAVITY * sinf(0.5f), STANDARD_GRAVITY * cosf(0.5f) };
        const float zero[3] = { 0.0f, 0.0f, 0.0f }, z[3] = { 0.0f, 0.0f, 1.0f };
        Fusion f;
        float up[3];

        fusion_start_upright(&f, false);
        for (int i = 0; i < 500; i++)
                fusion_update(&f, 0.01f, tilted, zero, true);
        assert_up(&f, 0.0f, sinf(0.5f), cosf(0.5f), 1e-5);

        fusion_sync_quat(&f);
        /* q rotates sensor-frame vectors into the earth frame: earth z, brought back, is up. */
        quat_rotate_inverse(f.q, z, up);
        assert_up(&f, up[0], up[1], up[2], 1e-6);

        /* Back to the gyroscope: it integrates from where the accelerometer left the orientation. */
        f.use_gyro = true;
        const float omega[3] = { -0.5f, 0.0f, 0.0f };
        for (int i = 0; i < 100; i++)
                fusion_update(&f, 0.01f, no_accel, omega, false);
        assert_up(&f, 0.0f, 0.0f, 1.0f, 2e-5);
}

TEST_MAIN
