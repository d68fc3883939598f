/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>

#include "macro.h"
#include "test-util.h"
#include "vec.h"

/* The engine's own arctangent stands in for libm's in every per-sample angle: it must agree with it to about a
 * unit in the last place, in every octant. */
TEST(fast_atan2f_matches_libm) {
        double worst = 0.0, worst_relative = 0.0;
        uint32_t x = 12345;

        for (unsigned i = 0; i < 2000000; i++) {
                /* A small linear congruential generator: reproducible, and no libc rand(). */
                x = x * 1664525u + 1013904223u;
                float a = (float)(int32_t)x / 2147483648.0f;
                x = x * 1664525u + 1013904223u;
                float b = (float)(int32_t)x / 2147483648.0f;
                if (i % 4 == 1)
                        a *= 1e-4f; /* near the axes, where the relative error shows */
                if (i % 4 == 2)
                        b *= 1e-4f;
                double exact = atan2((double)a, (double)b);
                double error = fabs((double)fast_atan2f(a, b) - exact);
                worst = fmax(worst, error);
                if (exact != 0.0)
                        worst_relative = fmax(worst_relative, error / fabs(exact));
        }
        fprintf(stderr, "  worst error %.3g rad, relative %.3g\n", worst, worst_relative);
        ASSERT_LE(worst, 4e-7);
        ASSERT_LE(worst_relative, 4e-7);
}

TEST(fast_atan2f_quadrants_and_axes) {
        ASSERT_NEAR(fast_atan2f(0.0f, 1.0f), 0.0, 0.0);
        ASSERT_NEAR(fast_atan2f(1.0f, 0.0f), M_PI / 2, 2e-7);
        ASSERT_NEAR(fast_atan2f(-1.0f, 0.0f), -M_PI / 2, 2e-7);
        ASSERT_NEAR(fast_atan2f(0.0f, -1.0f), M_PI, 3e-7);
        ASSERT_NEAR(fast_atan2f(1.0f, 1.0f), M_PI / 4, 2e-7);
        ASSERT_NEAR(fast_atan2f(1.0f, -1.0f), 3 * M_PI / 4, 3e-7);
        ASSERT_NEAR(fast_atan2f(-1.0f, -1.0f), -3 * M_PI / 4, 3e-7);
        ASSERT_NEAR(fast_atan2f(-1.0f, 1.0f), -M_PI / 4, 2e-7);
        /* Scale does not matter, and tiny angles keep their relative precision. */
        ASSERT_NEAR(fast_atan2f(3e-30f, 3e-30f), M_PI / 4, 2e-7);
        ASSERT_NEAR(fast_atan2f(1e-6f, 1.0f) / 1e-6, 1.0, 1e-6);
        /* Both zero: 0, not NaN. */
        ASSERT_TRUE(fast_atan2f(0.0f, 0.0f) == 0.0f);
}

TEST(vec3_angle_of_unit_vectors) {
        const float x[3] = { 1, 0, 0 }, y[3] = { 0, 1, 0 }, minus_x[3] = { -1, 0, 0 };
        float d[3] = { cosf(10.0f * RAD_PER_DEG), sinf(10.0f * RAD_PER_DEG), 0 };

        ASSERT_NEAR(vec3_angle(x, x), 0.0, 1e-7);
        ASSERT_NEAR(vec3_angle(x, y), M_PI / 2, 2e-7);
        ASSERT_NEAR(vec3_angle(x, minus_x), M_PI, 3e-7);
        ASSERT_NEAR(vec3_angle(x, d) * DEG_PER_RAD, 10.0, 1e-4);
}

TEST_MAIN
