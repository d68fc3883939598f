/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>

#include "macro.h"
#include "psoas/psoas.h"

PSOAS_API void psoas_config_init(struct psoas_config *config) {
        if (!config)
                return;

        *config = (struct psoas_config){
                .use_gyro = true,
                .forward_known = false,
                .calibration_still_s = 3.0f,
                .calibration_timeout_s = 15.0f,
                .break_s = 60.0f,
                .sitting_alert_s = 1800.0f,
                .sitting_repeat_s = 600.0f,
                .tilt_alert_deg = 10.0f,
                .tilt_alert_s = 120.0f,
                .quiet_start_min = 0,
                .quiet_end_min = 0,
                .stretch_window_s = 600.0f,
        };
}

static int check_float(float v, float min, float max) {
        if (!isfinite(v))
                return -EINVAL;
        return v >= min && v <= max ? 0 : -ERANGE;
}

static int check_int(int32_t v, int32_t min, int32_t max) {
        return v >= min && v <= max ? 0 : -ERANGE;
}

static int check_forward(const struct psoas_config *config) {
        double n2 = 0;

        if (!config->forward_known)
                return 0;
        for (size_t i = 0; i < 3; i++) {
                if (!isfinite(config->forward[i]))
                        return -EINVAL;
                /* In double: a tiny but non-zero float vector must not square to zero. */
                n2 += (double)config->forward[i] * (double)config->forward[i];
        }
        /* Zero has no direction at all: that is malformed, not merely out of range. */
        return n2 > 0 ? 0 : -EINVAL;
}

/* Fields are checked in struct order, so the field reported is the first offending one. */
#define CHECK(expr, field)                                                                                  \
        do {                                                                                                \
                r = (expr);                                                                                 \
                if (r < 0) {                                                                                \
                        if (ret_field)                                                                      \
                                *ret_field = #field;                                                        \
                        return r;                                                                           \
                }                                                                                           \
        } while (0)
#define CHECK_FLOAT(field, min, max) CHECK(check_float(config->field, min, max), field)
#define CHECK_INT(field, min, max) CHECK(check_int(config->field, min, max), field)

PSOAS_API int psoas_config_validate(const struct psoas_config *config, const char **ret_field) {
        int r;

        if (!config)
                return -EINVAL;

        CHECK(check_forward(config), forward);
        CHECK_FLOAT(calibration_still_s, 1.0f, 30.0f);
        CHECK_FLOAT(calibration_timeout_s, 2.0f, 600.0f);
        CHECK_FLOAT(break_s, 10.0f, 3600.0f);
        CHECK_FLOAT(sitting_alert_s, 60.0f, 86400.0f);
        CHECK_FLOAT(sitting_repeat_s, 60.0f, 86400.0f);
        CHECK_FLOAT(tilt_alert_deg, 2.0f, 45.0f);
        CHECK_FLOAT(tilt_alert_s, 5.0f, 3600.0f);
        CHECK_INT(quiet_start_min, 0, 1439);
        CHECK_INT(quiet_end_min, 0, 1439);
        CHECK_FLOAT(stretch_window_s, 60.0f, 7200.0f);

        return 0;
}

#undef CHECK_INT
#undef CHECK_FLOAT
#undef CHECK

PSOAS_API double psoas_day_stats_tilt_mean(const struct psoas_day_stats *stats) {
        if (!stats || !(stats->tilt_s > 0))
                return 0;
        return stats->tilt_sum_deg_s / stats->tilt_s;
}

PSOAS_API double psoas_day_stats_tilt_percentile(const struct psoas_day_stats *stats, double percentile) {
        double total = 0, target, cum = 0;
        int last = -1;

        if (!stats)
                return 0;

        for (int i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                if (stats->tilt_hist_s[i] > 0)
                        total += stats->tilt_hist_s[i];
        if (!(total > 0))
                return 0;

        /* NaN lands on 0 too: !(NaN >= 0). */
        if (!(percentile >= 0))
                percentile = 0;
        if (percentile > 100)
                percentile = 100;
        target = percentile / 100.0 * total;

        /* Walk the cumulative distribution and interpolate linearly inside the bin where it reaches the
         * target, as if each bin's time were spread evenly across its width. Empty bins are skipped so that
         * the 0th percentile is the lower edge of the first occupied bin, not of the histogram. */
        for (int i = 0; i < PSOAS_TILT_HIST_BINS; i++) {
                double h = stats->tilt_hist_s[i];

                if (!(h > 0))
                        continue;
                if (cum + h >= target) {
                        double frac = CLAMP((target - cum) / h, 0.0, 1.0);
                        return PSOAS_TILT_HIST_MIN_DEG + ((double)i + frac) * PSOAS_TILT_HIST_BIN_DEG;
                }
                cum += h;
                last = i;
        }

        /* Only reachable through rounding at the 100th percentile: the upper edge of the last occupied bin. */
        return PSOAS_TILT_HIST_MIN_DEG + (double)(last + 1) * PSOAS_TILT_HIST_BIN_DEG;
}
