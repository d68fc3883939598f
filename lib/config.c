/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "config-internal.h"
#include "macro.h"
#include "psoas/psoas.h"
#include "sized.h"

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

/* The numeric fields with their ranges and defaults, in struct order, each in the field's own unit: the one place
 * they are written down, for psoas_config_init(), psoas_config_validate() and psoas_config_range() alike. psoasd
 * and psoas-analyze read them through those functions, in the units of common/engine-keys.c; the tests
 * test-config-man and test-analyze-man hold psoasd.json(5) and psoas-analyze(1) to them. */
static const struct {
        const char *name;
        size_t offset;
        bool is_int;
        double min, max, default_value;
} config_fields[] = {
        { "calibration_still_s", offsetof(struct psoas_config, calibration_still_s), false, 1, 30, 3 },
        { "calibration_timeout_s", offsetof(struct psoas_config, calibration_timeout_s), false, 2, 600, 15 },
        { "break_s", offsetof(struct psoas_config, break_s), false, 10, 3600, 60 },
        { "sitting_alert_s", offsetof(struct psoas_config, sitting_alert_s), false, 60, 86400, 1800 },
        { "sitting_repeat_s", offsetof(struct psoas_config, sitting_repeat_s), false, 60, 86400, 600 },
        { "tilt_alert_deg", offsetof(struct psoas_config, tilt_alert_deg), false, 2, 45, 10 },
        { "tilt_alert_s", offsetof(struct psoas_config, tilt_alert_s), false, 5, 3600, 120 },
        /* start == end: no quiet hours. */
        { "quiet_start_min", offsetof(struct psoas_config, quiet_start_min), true, 0, 1439, 0 },
        { "quiet_end_min", offsetof(struct psoas_config, quiet_end_min), true, 0, 1439, 0 },
        { "stretch_window_s", offsetof(struct psoas_config, stretch_window_s), false, 60, 7200, 600 },
        /* 0: no heads-up; and less than sitting_alert_s (checked below). */
        { "sitting_heads_up_s", offsetof(struct psoas_config, sitting_heads_up_s), false, 0, 3600, 0 },
        /* Slouching (slouch.h): 0 degrees for none; nothing fires before psoas_engine_calibrate_sitting() anyway.
         * 10°: the pelvis sways and shifts by a few degrees sitting still and upright (slouch.h's 3° band
         * covers that; an hour of the synthetic upright sitters of tests/synth/test-slouching comes at most
         * 4.1° behind the reference), so that 10°, over twice that, is a slump, not a breath or a shift of
         * weight. 180 s: reaching, reading
         * something close or leaning back to think for a minute is no slump to be told about, and a wearer
         * who settles into one hears of it within a few minutes, not at the end of the bout. */
        { "slouch_alert_deg", offsetof(struct psoas_config, slouch_alert_deg), false, 0, 45, 10 },
        { "slouch_alert_s", offsetof(struct psoas_config, slouch_alert_s), false, 60, 3600, 180 },
};

/* The defaults: the flags', and each number's from config_fields[]. */
void config_defaults(struct psoas_config *config) {
        *config = (struct psoas_config){
                .size = sizeof(struct psoas_config),
                .use_gyro = true,
                .forward_known = false,
        };
        for (size_t i = 0; i < ELEMENTSOF(config_fields); i++) {
                void *p = (char *)config + config_fields[i].offset;

                if (config_fields[i].is_int)
                        *(int32_t *)p = (int32_t)config_fields[i].default_value;
                else
                        *(float *)p = (float)config_fields[i].default_value;
        }
}

PSOAS_API int psoas_config_init(struct psoas_config *config) {
        struct psoas_config defaults;

        if (!config)
                return -EINVAL;
        config_defaults(&defaults);
        return sized_copy_out(config, &defaults, sizeof(defaults));
}

int config_read(const struct psoas_config *config, struct psoas_config *ret) {
        config_defaults(ret);
        return sized_copy_in(ret, sizeof(*ret), config);
}

/* Fields are checked in struct order, so the field reported is the first offending one. */
PSOAS_API int psoas_config_validate(const struct psoas_config *theirs, const char **ret_field) {
        struct psoas_config whole, *config = &whole;
        int r;

        if (!theirs)
                return -EINVAL;
        r = config_read(theirs, &whole);
        if (r < 0) {
                if (ret_field)
                        *ret_field = "size";
                return r;
        }

        r = check_forward(config);
        if (r < 0) {
                if (ret_field)
                        *ret_field = "forward";
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(config_fields); i++) {
                const void *p = (const char *)config + config_fields[i].offset;

                if (config_fields[i].is_int)
                        r = check_int(*(const int32_t *)p, (int32_t)config_fields[i].min,
                                (int32_t)config_fields[i].max);
                else
                        r = check_float(
                                *(const float *)p, (float)config_fields[i].min, (float)config_fields[i].max);
                if (r < 0) {
                        if (ret_field)
                                *ret_field = config_fields[i].name;
                        return r;
                }
        }
        /* A heads-up after the alert it announces would announce nothing. */
        if (config->sitting_heads_up_s > 0 && config->sitting_heads_up_s >= config->sitting_alert_s) {
                if (ret_field)
                        *ret_field = "sitting_heads_up_s";
                return -ERANGE;
        }
        return 0;
}

PSOAS_API int psoas_config_range(const char *field, double *ret_min, double *ret_max) {
        if (!field)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(config_fields); i++)
                if (strcmp(field, config_fields[i].name) == 0) {
                        if (ret_min)
                                *ret_min = config_fields[i].min;
                        if (ret_max)
                                *ret_max = config_fields[i].max;
                        return 0;
                }
        return -ENOENT;
}

/* The caller's statistics as a whole struct; false when they cannot be read (no size). */
static bool day_stats_read(const struct psoas_day_stats *theirs, struct psoas_day_stats *ret) {
        *ret = (struct psoas_day_stats){ .size = sizeof(*ret) };
        return theirs && sized_copy_in(ret, sizeof(*ret), theirs) >= 0;
}

PSOAS_API double psoas_day_stats_tilt_mean(const struct psoas_day_stats *theirs) {
        struct psoas_day_stats stats;

        if (!day_stats_read(theirs, &stats) || !(stats.tilt_s > 0))
                return 0;
        return stats.tilt_sum_deg_s / stats.tilt_s;
}

PSOAS_API double psoas_day_stats_tilt_percentile(const struct psoas_day_stats *theirs, double percentile) {
        struct psoas_day_stats whole, *stats = &whole;
        double total = 0, target, cum = 0;
        int last = -1;

        if (!day_stats_read(theirs, &whole))
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
