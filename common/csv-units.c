/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv-units.h"
#include "macro.h"

#define STANDARD_GRAVITY 9.80665
/* The fewest records, and intervals, worth a judgement. */
#define MIN_RECORDS 20u
/* Stillness: a chunk of this many records whose accelerometer magnitude varies by less than this fraction. */
#define STILL_CHUNK 25u
#define STILL_MAX_VARIATION 0.01
/* A gyroscope at rest reads its bias: a few °/s at worst, never 0.35 rad/s (20 °/s). */
#define GYRO_REST_MAX_RADS 0.35
/* No pelvis turns at 20 rad/s (3 turns a second) for 1 % of a minute. */
#define GYRO_P99_MAX_RADS 20.0
/* psoas reads sensors at up to 1000 Hz; twice that is no sensor's rate in seconds. */
#define MIN_INTERVAL_S 0.0005
/* Gravity plus a wearer's motion: a median three times gravity is no body-worn sensor in m/s². */
#define ACCEL_MEDIAN_MAX_MS2 30.0

typedef struct UnitName {
        const char *name;
        char quantity; /* 'a', 'g', 't' */
        double to_si;
} UnitName;

static const UnitName unit_names[] = {
        { "m/s2", 'a', 1 },
        { "m/s²", 'a', 1 },
        { "g", 'a', STANDARD_GRAVITY },
        { "rad/s", 'g', 1 },
        { "deg/s", 'g', M_PI / 180 },
        { "°/s", 'g', M_PI / 180 },
        { "s", 't', 1 },
        { "ms", 't', 1e-3 },
        { "us", 't', 1e-6 },
        { "µs", 't', 1e-6 },
};

int csv_units_parse(const char *text, CsvUnits *ret, char *error, size_t error_size) {
        CsvUnits u = CSV_UNITS_SI;
        bool seen[3] = {};
        const char *p = text;

        if (!text || !*text) {
                snprintf(error, error_size, "no units given; expected e.g. g,deg/s,ms");
                return -EINVAL;
        }
        for (;;) {
                size_t len = strcspn(p, ","), i;
                int q;

                for (i = 0; i < sizeof(unit_names) / sizeof(unit_names[0]); i++)
                        if (strlen(unit_names[i].name) == len && strncmp(unit_names[i].name, p, len) == 0)
                                break;
                if (i == sizeof(unit_names) / sizeof(unit_names[0])) {
                        snprintf(error, error_size,
                                "unknown unit '%.*s'; the accelerometer is in m/s2 or g, the gyroscope in "
                                "rad/s or "
                                "deg/s, the time in s, ms or us",
                                (int)len, p);
                        return -EINVAL;
                }
                q = unit_names[i].quantity == 'a' ? 0 : unit_names[i].quantity == 'g' ? 1 : 2;
                if (seen[q]) {
                        snprintf(error, error_size, "'%.*s': a second unit for the %s", (int)len, p,
                                q == 0           ? "accelerometer"
                                        : q == 1 ? "gyroscope"
                                                 : "time");
                        return -EINVAL;
                }
                seen[q] = true;
                if (q == 0)
                        u.accel_to_ms2 = unit_names[i].to_si;
                else if (q == 1)
                        u.gyro_to_rads = unit_names[i].to_si;
                else
                        u.time_to_s = unit_names[i].to_si;
                if (p[len] == 0)
                        break;
                p += len + 1;
        }
        *ret = u;
        return 0;
}

void csv_units_apply(const CsvUnits *u, CsvRecord *r) {
        if (u->time_to_s != 1)
                r->t_us = (int64_t)llround((double)r->t_us * u->time_to_s);
        for (size_t i = 0; i < 3; i++) {
                r->accel[i] = (float)(r->accel[i] * u->accel_to_ms2);
                r->gyro[i] = (float)(r->gyro[i] * u->gyro_to_rads);
        }
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

static double norm3(const float v[3]) {
        return sqrt((double)v[0] * v[0] + (double)v[1] * v[1] + (double)v[2] * v[2]);
}

/* The q-quantile (0..1) of values[0..n), which it sorts. */
static double quantile(double *values, size_t n, double q) {
        qsort(values, n, sizeof(*values), compare_double);
        return values[(size_t)(q * (double)(n - 1))];
}

/* Appends a sentence to error, after a "; " when it holds one already. */
_printf_(3, 4) static void add_problem(char *error, size_t error_size, const char *format, ...) {
        size_t len = strlen(error);
        va_list ap;

        if (len > 0 && len + 2 < error_size) {
                memcpy(error + len, "; ", 3);
                len += 2;
        }
        va_start(ap, format);
        vsnprintf(error + len, error_size - len, format, ap);
        va_end(ap);
}

/* Appends a unit to a --units suggestion. */
static void add_unit(char *list, size_t size, const char *unit) {
        size_t len = strlen(list);

        snprintf(list + len, size - len, "%s%s", len > 0 ? "," : "", unit);
}

int csv_units_check(const CsvRecord *records, size_t n, bool has_gyro, char *error, size_t error_size) {
        char suggest[32] = "";
        double *v, accel_median, interval_median, gyro_p99 = 0, rest_gyro = -1, best_variation = INFINITY;

        if (error_size > 0)
                error[0] = 0;
        if (n < MIN_RECORDS)
                return 0;
        v = malloc(n * sizeof(*v));
        if (!v)
                return -ENOMEM;

        /* The time column: a sensor samples tens to hundreds of times a second. */
        for (size_t i = 1; i < n; i++)
                v[i - 1] = (double)(records[i].t_us - records[i - 1].t_us) / 1e6;
        interval_median = quantile(v, n - 1, 0.5);

        /* The accelerometer: gravity, plus the wearer's motion, which averages out. */
        for (size_t i = 0; i < n; i++)
                v[i] = norm3(records[i].accel);
        accel_median = quantile(v, n, 0.5);

        if (has_gyro) {
                for (size_t i = 0; i < n; i++)
                        v[i] = norm3(records[i].gyro);
                gyro_p99 = quantile(v, n, 0.99);
                /* The stillest stretch of the accelerometer, and what the gyroscope read meanwhile. */
                for (size_t start = 0; start + STILL_CHUNK <= n; start += STILL_CHUNK) {
                        double lo = INFINITY, hi = 0, gyro = 0;

                        for (size_t i = start; i < start + STILL_CHUNK; i++) {
                                double a = norm3(records[i].accel);

                                lo = fmin(lo, a);
                                hi = fmax(hi, a);
                                gyro += norm3(records[i].gyro);
                        }
                        if (hi > 0 && (hi - lo) / hi < best_variation) {
                                best_variation = (hi - lo) / hi;
                                rest_gyro = gyro / STILL_CHUNK;
                        }
                }
        }
        free(v);

        /* Every problem found, in one sentence: a recording may be wrong in several columns at once. */
        if (interval_median >= 0.5 && interval_median < 500) {
                add_problem(error, error_size,
                        "column t looks like milliseconds, not seconds: its samples are %g apart (%.3g Hz)",
                        interval_median, 1 / interval_median);
                add_unit(suggest, sizeof(suggest), "ms");
        } else if (interval_median >= 500) {
                add_problem(error, error_size,
                        "column t looks like microseconds, not seconds: its samples are %g apart",
                        interval_median);
                add_unit(suggest, sizeof(suggest), "us");
        } else if (interval_median > 0 && interval_median < MIN_INTERVAL_S)
                add_problem(error, error_size,
                        "column t: samples %g s apart (%.0f Hz) are faster than any sensor psoas reads; is "
                        "it in "
                        "seconds already?",
                        interval_median, 1 / interval_median);
        if (accel_median >= 0.5 && accel_median <= 2) {
                add_problem(error, error_size,
                        "columns ax, ay, az look like g, not m/s²: their magnitude is %.2f where gravity "
                        "alone "
                        "is %.2f m/s²",
                        accel_median, STANDARD_GRAVITY);
                add_unit(suggest, sizeof(suggest), "g");
        } else if (accel_median > ACCEL_MEDIAN_MAX_MS2)
                add_problem(error, error_size,
                        "columns ax, ay, az: their magnitude is %.1f m/s² where gravity alone is %.2f; are "
                        "they "
                        "in m/s² already?",
                        accel_median, STANDARD_GRAVITY);
        if (has_gyro && gyro_p99 > GYRO_P99_MAX_RADS) {
                add_problem(error, error_size,
                        "columns gx, gy, gz look like degrees per second, not rad/s: they reach %.0f, "
                        "faster "
                        "than a pelvis turns in rad/s",
                        gyro_p99);
                add_unit(suggest, sizeof(suggest), "deg/s");
        } else if (has_gyro && best_variation < STILL_MAX_VARIATION && rest_gyro > GYRO_REST_MAX_RADS) {
                add_problem(error, error_size,
                        "columns gx, gy, gz look like degrees per second, not rad/s: they read %.2f while "
                        "the "
                        "accelerometer is still, where a gyroscope at rest reads below %.2f rad/s",
                        rest_gyro, GYRO_REST_MAX_RADS);
                add_unit(suggest, sizeof(suggest), "deg/s");
        }
        if (*error) {
                size_t len = strlen(error);

                if (*suggest)
                        snprintf(error + len, error_size - len, " (give --units %s to convert)", suggest);
                else
                        snprintf(error + len, error_size - len, " (see --units)");
                return -EBADMSG;
        }
        return 0;
}
