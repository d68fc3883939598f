/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "macro.h"
#include "psoas/psoas.h"
#include "test-util.h"

/* Sets one field of a default config and checks the verdict and the field reported. */
#define ASSERT_REJECTED(field, value, error)                                                                \
        do {                                                                                                \
                struct psoas_config _c;                                                                     \
                const char *_f = NULL;                                                                      \
                psoas_config_init(PSOAS_SIZED(&_c));                                                        \
                _c.field = (value);                                                                         \
                ASSERT_EQ(psoas_config_validate(&_c, &_f), (error));                                        \
                ASSERT_STREQ(_f, #field);                                                                   \
        } while (0)

#define ASSERT_ACCEPTED(field, value)                                                                       \
        do {                                                                                                \
                struct psoas_config _c;                                                                     \
                const char *_f = "untouched";                                                               \
                psoas_config_init(PSOAS_SIZED(&_c));                                                        \
                _c.field = (value);                                                                         \
                ASSERT_EQ(psoas_config_validate(&_c, &_f), 0);                                              \
                ASSERT_STREQ(_f, "untouched");                                                              \
        } while (0)

/* Both ends inclusive, just outside both ends rejected as out of range, non-finite as invalid. */
#define ASSERT_FLOAT_RANGE(field, min, max)                                                                 \
        do {                                                                                                \
                ASSERT_ACCEPTED(field, (min));                                                              \
                ASSERT_ACCEPTED(field, (max));                                                              \
                ASSERT_REJECTED(field, nextafterf((min), -INFINITY), -ERANGE);                              \
                ASSERT_REJECTED(field, nextafterf((max), INFINITY), -ERANGE);                               \
                ASSERT_REJECTED(field, 0.0f, -ERANGE);                                                      \
                ASSERT_REJECTED(field, -(max), -ERANGE);                                                    \
                ASSERT_REJECTED(field, NAN, -EINVAL);                                                       \
                ASSERT_REJECTED(field, INFINITY, -EINVAL);                                                  \
                ASSERT_REJECTED(field, -INFINITY, -EINVAL);                                                 \
        } while (0)

static struct psoas_day_stats stats_with(double tilt_deg, float seconds) {
        struct psoas_day_stats d = { .size = sizeof(d) };
        int bin = (int)floor((tilt_deg - PSOAS_TILT_HIST_MIN_DEG) / PSOAS_TILT_HIST_BIN_DEG);

        d.tilt_hist_s[bin] = seconds;
        d.tilt_s = seconds;
        d.tilt_sum_deg_s = tilt_deg * seconds;
        return d;
}

TEST(defaults) {
        struct psoas_config c;
        const char *field = "untouched";

        memset(&c, 0xa5, sizeof(c));
        psoas_config_init(PSOAS_SIZED(&c));
        ASSERT_TRUE(c.use_gyro);
        ASSERT_TRUE(!c.forward_known);
        ASSERT_EQ(c.forward[0], 0);
        ASSERT_EQ(c.forward[1], 0);
        ASSERT_EQ(c.forward[2], 0);
        ASSERT_NEAR(c.calibration_still_s, 3, 0);
        ASSERT_NEAR(c.calibration_timeout_s, 15, 0);
        ASSERT_NEAR(c.break_s, 60, 0);
        ASSERT_NEAR(c.sitting_alert_s, 1800, 0);
        ASSERT_NEAR(c.sitting_repeat_s, 600, 0);
        ASSERT_NEAR(c.tilt_alert_deg, 10, 0);
        ASSERT_NEAR(c.tilt_alert_s, 120, 0);
        ASSERT_EQ(c.quiet_start_min, 0);
        ASSERT_EQ(c.quiet_end_min, 0);
        ASSERT_NEAR(c.stretch_window_s, 600, 0);

        ASSERT_EQ(psoas_config_validate(&c, &field), 0);
        ASSERT_STREQ(field, "untouched"); /* written only on failure */
        ASSERT_EQ(psoas_config_validate(&c, NULL), 0);
}

TEST(float_ranges) {
        ASSERT_FLOAT_RANGE(calibration_still_s, 1.0f, 30.0f);
        ASSERT_FLOAT_RANGE(calibration_timeout_s, 2.0f, 600.0f);
        ASSERT_FLOAT_RANGE(break_s, 10.0f, 3600.0f);
        ASSERT_FLOAT_RANGE(sitting_alert_s, 60.0f, 86400.0f);
        ASSERT_FLOAT_RANGE(sitting_repeat_s, 60.0f, 86400.0f);
        ASSERT_FLOAT_RANGE(tilt_alert_deg, 2.0f, 45.0f);
        ASSERT_FLOAT_RANGE(tilt_alert_s, 5.0f, 3600.0f);
        ASSERT_FLOAT_RANGE(stretch_window_s, 60.0f, 7200.0f);
}

/* psoas_config_range() gives the ranges psoas_config_validate() enforces: the edges pass, beyond them fails. */
TEST(ranges_queried) {
        static const char *const fields[] = { "calibration_still_s", "calibration_timeout_s", "break_s",
                "sitting_alert_s", "sitting_repeat_s", "tilt_alert_deg", "tilt_alert_s",
                "stretch_window_s" };
        double min, max;

        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                struct psoas_config c;
                const char *field = NULL;
                float *v;

                ASSERT_EQ(psoas_config_range(fields[i], &min, &max), 0);
                psoas_config_init(PSOAS_SIZED(&c));
                v = i == 0       ? &c.calibration_still_s
                        : i == 1 ? &c.calibration_timeout_s
                        : i == 2 ? &c.break_s
                        : i == 3 ? &c.sitting_alert_s
                        : i == 4 ? &c.sitting_repeat_s
                        : i == 5 ? &c.tilt_alert_deg
                        : i == 6 ? &c.tilt_alert_s
                                 : &c.stretch_window_s;
                *v = (float)min;
                ASSERT_EQ(psoas_config_validate(&c, NULL), 0);
                *v = (float)max;
                ASSERT_EQ(psoas_config_validate(&c, NULL), 0);
                *v = (float)(max * 1.01);
                ASSERT_EQ(psoas_config_validate(&c, &field), -ERANGE);
                ASSERT_STREQ(field, fields[i]);
        }
        ASSERT_EQ(psoas_config_range("sitting_alert_s", &min, &max), 0);
        ASSERT_NEAR(min, 60, 0);
        ASSERT_NEAR(max, 86400, 0);
        ASSERT_EQ(psoas_config_range("quiet_end_min", &min, &max), 0);
        ASSERT_NEAR(max, 1439, 0);
        ASSERT_EQ(psoas_config_range("forward", &min, &max), -ENOENT);
        ASSERT_EQ(psoas_config_range("nonsense", NULL, NULL), -ENOENT);
        ASSERT_EQ(psoas_config_range(NULL, NULL, NULL), -EINVAL);
}

TEST(quiet_hours_range) {
        ASSERT_ACCEPTED(quiet_start_min, 0);
        ASSERT_ACCEPTED(quiet_start_min, 1439);
        ASSERT_ACCEPTED(quiet_end_min, 0);
        ASSERT_ACCEPTED(quiet_end_min, 1439);
        ASSERT_REJECTED(quiet_start_min, -1, -ERANGE);
        ASSERT_REJECTED(quiet_start_min, 1440, -ERANGE);
        ASSERT_REJECTED(quiet_start_min, INT32_MIN, -ERANGE);
        ASSERT_REJECTED(quiet_end_min, -1, -ERANGE);
        ASSERT_REJECTED(quiet_end_min, 1440, -ERANGE);
        ASSERT_REJECTED(quiet_end_min, INT32_MAX, -ERANGE);
}

TEST(forward_vector) {
        struct psoas_config c;
        const char *field = NULL;

        /* Ignored while not known, whatever it holds. */
        psoas_config_init(PSOAS_SIZED(&c));
        c.forward[0] = NAN;
        ASSERT_EQ(psoas_config_validate(&c, &field), 0);

        psoas_config_init(PSOAS_SIZED(&c));
        c.forward_known = true;
        ASSERT_EQ(psoas_config_validate(&c, &field), -EINVAL);
        ASSERT_STREQ(field, "forward");

        for (int i = 0; i < 3; i++) {
                psoas_config_init(PSOAS_SIZED(&c));
                c.forward_known = true;
                c.forward[0] = 1;
                c.forward[i] = i == 1 ? NAN : INFINITY;
                field = NULL;
                ASSERT_EQ(psoas_config_validate(&c, &field), -EINVAL);
                ASSERT_STREQ(field, "forward");
        }

        /* Any direction with a length will do, even a tiny or unnormalised one. */
        psoas_config_init(PSOAS_SIZED(&c));
        c.forward_known = true;
        c.forward[1] = -3;
        ASSERT_EQ(psoas_config_validate(&c, NULL), 0);
        c.forward[1] = 1e-30f;
        ASSERT_EQ(psoas_config_validate(&c, NULL), 0);
}

TEST(first_offending_field_reported) {
        struct psoas_config c;
        const char *field = NULL;

        psoas_config_init(PSOAS_SIZED(&c));
        c.tilt_alert_s = 1;
        c.break_s = NAN;
        ASSERT_EQ(psoas_config_validate(&c, &field), -EINVAL);
        ASSERT_STREQ(field, "break_s");
}

TEST(validate_null) {
        ASSERT_EQ(psoas_config_validate(NULL, NULL), -EINVAL);
}

TEST(tilt_mean) {
        struct psoas_day_stats d = { .size = sizeof(d) };

        ASSERT_EQ(psoas_day_stats_tilt_mean(&d), 0);
        d.tilt_s = 10;
        d.tilt_sum_deg_s = 75;
        ASSERT_NEAR(psoas_day_stats_tilt_mean(&d), 7.5, 1e-12);
        d.tilt_sum_deg_s = -20;
        ASSERT_NEAR(psoas_day_stats_tilt_mean(&d), -2, 1e-12);
}

TEST(tilt_percentile_empty) {
        struct psoas_day_stats d = { .size = sizeof(d) };

        ASSERT_EQ(psoas_day_stats_tilt_percentile(&d, 0), 0);
        ASSERT_EQ(psoas_day_stats_tilt_percentile(&d, 50), 0);
        ASSERT_EQ(psoas_day_stats_tilt_percentile(&d, 100), 0);
}

TEST(tilt_percentile_single_bin) {
        /* 10.2° falls in the bin [10.0, 10.5): the time is spread evenly across it. */
        struct psoas_day_stats d = stats_with(10.2, 100);

        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 0), 10.0, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 10), 10.05, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 50), 10.25, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 100), 10.5, 1e-9);
        /* Outside 0..100 clamps. */
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, -20), 10.0, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 250), 10.5, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, NAN), 10.0, 1e-9);
}

TEST(tilt_percentile_spread) {
        struct psoas_day_stats d = { .size = sizeof(d) };

        /* 30 s at [-2.0, -1.5), 60 s at [5.0, 5.5), 10 s at [20.0, 20.5), empty bins in between. */
        d.tilt_hist_s[86] = 30;
        d.tilt_hist_s[100] = 60;
        d.tilt_hist_s[130] = 10;
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 0), -2.0, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 15), -1.75, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 30), -1.5, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 60), 5.25, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 90), 5.5, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 95), 20.25, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 100), 20.5, 1e-9);

        /* Monotonic. */
        for (double p = 0, prev = -INFINITY; p <= 100; p += 0.5) {
                double v = psoas_day_stats_tilt_percentile(&d, p);
                ASSERT_GE(v, prev);
                prev = v;
        }
}

TEST(tilt_percentile_end_bins) {
        struct psoas_day_stats d = { .size = sizeof(d) };

        d.tilt_hist_s[0] = 1;
        d.tilt_hist_s[PSOAS_TILT_HIST_BINS - 1] = 1;
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 0), PSOAS_TILT_HIST_MIN_DEG, 1e-9);
        ASSERT_NEAR(psoas_day_stats_tilt_percentile(&d, 100), 45.0, 1e-9);
}

TEST_MAIN
