/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The state files' format: what a day file and current.json hold, how each value is checked, read and written.
 * The store (state.c) decides where the files go and how they are replaced. */

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json.h"
#include "macro.h"
#include "state-file.h"

#define STATE_FORMAT_VERSION 1

/* Limits of what a valid file may hold. A local day lasts at most 25 hours (the autumn DST change), so every
 * duration fits in 90000 s; counts beyond ten million a day mean the numbers are garbage. */
#define DURATION_MAX_S 90000.0
#define COUNT_MAX 10000000
/* The tilt is an angle, so its time-weighted sum over a day is bounded by 180° × the longest day. */
#define TILT_SUM_MAX_DEG_S (180.0 * DURATION_MAX_S)
/* Wall-clock times are µs since the epoch, before the year 10000 like every date we accept. */
#define REALTIME_US_MAX INT64_C(253402300800000000)
/* How far a calibration may be from unit length and perpendicularity: what psoas_engine_set_calibration()
 * accepts, so that a calibration that loads is one the engine takes. */
#define CALIBRATION_TOLERANCE 1e-3f

/* ------------------------------------------------------------------------------------------------------- */
/* Numbers */

_printf_(2, 3) static int invalid(char reason[static REASON_MAX], const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(reason, REASON_MAX, format, ap);
        va_end(ap);
        return -EINVAL;
}

/* printf() and strtod() follow LC_NUMERIC; JSON wants a '.', whatever the locale. */
static void fix_decimal_point(char *buf) {
        for (char *p = buf; *p; p++)
                if (*p == ',')
                        *p = '.';
}

/* The shortest decimal that reads back as exactly v (17 significant digits always do), so that the files
 * stay readable and a round trip changes no bit. */
static void format_double(double v, char buf[static 32]) {
        for (int precision = 1; precision <= 17; precision++) {
                snprintf(buf, 32, "%.*g", precision, v);
                if (strtod(buf, NULL) == v)
                        break;
        }
        fix_decimal_point(buf);
}

/* Likewise for a float, read back as a double and then rounded to float, the way the parser does. */
static void format_float(float v, char buf[static 32]) {
        for (int precision = 1; precision <= 9; precision++) {
                snprintf(buf, 32, "%.*g", precision, (double)v);
                if ((float)strtod(buf, NULL) == v)
                        break;
        }
        fix_decimal_point(buf);
}

/* Checks shared by the parser (values read from a file) and the writers (values about to be saved). */
static int check_duration(const char *key, double v, char reason[static REASON_MAX]) {
        if (!isfinite(v) || v < 0 || v > DURATION_MAX_S)
                return invalid(reason, "%s must be a number of seconds between 0 and %g, got %g", key,
                        DURATION_MAX_S, v);
        return 0;
}

static int check_count(const char *key, int64_t v, char reason[static REASON_MAX]) {
        if (v < 0 || v > COUNT_MAX)
                return invalid(
                        reason, "%s must be an integer between 0 and %d, got %" PRIi64, key, COUNT_MAX, v);
        return 0;
}

static int check_tilt_sum(const char *key, double v, char reason[static REASON_MAX]) {
        if (!isfinite(v) || fabs(v) > TILT_SUM_MAX_DEG_S)
                return invalid(reason, "%s must be a number between %g and %g, got %g", key,
                        -TILT_SUM_MAX_DEG_S, TILT_SUM_MAX_DEG_S, v);
        return 0;
}

/* One histogram bin; the key is spelled out only when there is something to report. */
static int check_bin(size_t i, double v, char reason[static REASON_MAX]) {
        char key[64];

        if (isfinite(v) && v >= 0 && v <= DURATION_MAX_S)
                return 0;
        snprintf(key, sizeof(key), "tilt_histogram.seconds[%zu]", i);
        return check_duration(key, v, reason);
}

static int check_realtime(const char *key, int64_t v, char reason[static REASON_MAX]) {
        if (v < 0 || v > REALTIME_US_MAX)
                return invalid(reason,
                        "%s must be microseconds since the epoch between 0 and %" PRIi64 ", got %" PRIi64,
                        key, REALTIME_US_MAX, v);
        return 0;
}

static int check_day(const char *key, int32_t day, char reason[static REASON_MAX]) {
        if (day < 0 || day > DAY_MAX)
                return invalid(reason,
                        "%s must be a day between 1970-01-01 and 9999-12-31, got day %" PRIi32, key, day);
        return 0;
}

static float vector_norm(const float v[3]) {
        return sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static float vector_dot(const float a[3], const float b[3]) {
        return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static int check_calibration(const struct psoas_calibration *c, char reason[static REASON_MAX]) {
        for (unsigned i = 0; i < 3; i++)
                if (!isfinite(c->up[i]) || !isfinite(c->forward[i]))
                        return invalid(reason, "calibration vectors must be finite");
        if (fabsf(vector_norm(c->up) - 1.0f) > CALIBRATION_TOLERANCE)
                return invalid(reason, "calibration.up must be a unit vector, its length is %g",
                        (double)vector_norm(c->up));
        /* Without a known forward the engine ignores the vector (it is usually all zeros). */
        if (c->forward_known) {
                if (fabsf(vector_norm(c->forward) - 1.0f) > CALIBRATION_TOLERANCE)
                        return invalid(reason, "calibration.forward must be a unit vector, its length is %g",
                                (double)vector_norm(c->forward));
                if (fabsf(vector_dot(c->up, c->forward)) > CALIBRATION_TOLERANCE)
                        return invalid(reason,
                                "calibration.forward must be perpendicular to calibration.up, their dot "
                                "product is %g",
                                (double)vector_dot(c->up, c->forward));
        }
        if (!isfinite(c->neutral_inclination_deg) || fabsf(c->neutral_inclination_deg) > 180.0f)
                return invalid(reason,
                        "calibration.neutral_inclination_deg must be an angle between -180 and 180, got %g",
                        (double)c->neutral_inclination_deg);
        /* What psoas_engine_set_calibration() takes: within 90° of the standing neutral. */
        if (c->sitting_reference_known &&
                !(fabsf(c->sitting_reference_inclination_deg - c->neutral_inclination_deg) <= 90.0f))
                return invalid(reason,
                        "calibration.sitting_reference_inclination_deg must be within 90 degrees of "
                        "calibration.neutral_inclination_deg (%g), got %g",
                        (double)c->neutral_inclination_deg, (double)c->sitting_reference_inclination_deg);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The day file's fields */

typedef enum DayFieldKind {
        DAY_FIELD_DURATION, /* double, seconds */
        DAY_FIELD_COUNT, /* uint32_t */
        DAY_FIELD_TILT_SUM, /* double, degree-seconds, may be negative */
} DayFieldKind;

/* The scalar members of a day file, in the order they are written. A member added since the format's first
 * version is optional: a file written before it has none, and reads as 0. */
static const struct {
        const char *key;
        DayFieldKind kind;
        size_t offset;
        bool optional;
} day_fields[] = {
        { "sitting_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, sitting_s) },
        { "standing_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, standing_s) },
        { "walking_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, walking_s) },
        { "lying_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, lying_s) },
        { "unknown_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, unknown_s) },
        { "sitting_bouts", DAY_FIELD_COUNT, offsetof(struct psoas_day_stats, sitting_bouts) },
        { "longest_bout_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, longest_bout_s) },
        { "alerts", DAY_FIELD_COUNT, offsetof(struct psoas_day_stats, alerts) },
        { "breaks", DAY_FIELD_COUNT, offsetof(struct psoas_day_stats, breaks) },
        { "stretches_verified", DAY_FIELD_COUNT, offsetof(struct psoas_day_stats, stretches_verified) },
        { "stretches_self_reported", DAY_FIELD_COUNT,
                offsetof(struct psoas_day_stats, stretches_self_reported) },
        { "tilt_sum_deg_s", DAY_FIELD_TILT_SUM, offsetof(struct psoas_day_stats, tilt_sum_deg_s) },
        { "tilt_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, tilt_s) },
        { "high_tilt_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, high_tilt_s) },
        { "steps", DAY_FIELD_COUNT, offsetof(struct psoas_day_stats, steps), .optional = true },
        { "not_worn_seconds", DAY_FIELD_DURATION, offsetof(struct psoas_day_stats, not_worn_s),
                .optional = true },
};

#define HISTOGRAM_KEY "tilt_histogram"

static void *day_field(struct psoas_day_stats *stats, size_t i) {
        return (uint8_t *)stats + day_fields[i].offset;
}

static const void *day_field_const(const struct psoas_day_stats *stats, size_t i) {
        return (const uint8_t *)stats + day_fields[i].offset;
}

/* One scalar member, as a double for durations and sums or as an integer for counts. */
static int check_day_field(size_t i, double real, int64_t integer, char reason[static REASON_MAX]) {
        switch (day_fields[i].kind) {
        case DAY_FIELD_DURATION:
                return check_duration(day_fields[i].key, real, reason);
        case DAY_FIELD_COUNT:
                return check_count(day_fields[i].key, integer, reason);
        case DAY_FIELD_TILT_SUM:
                return check_tilt_sum(day_fields[i].key, real, reason);
        }
        return -EINVAL;
}

static int check_day_stats(const struct psoas_day_stats *stats, char reason[static REASON_MAX]) {
        int r;

        r = check_day("day", stats->day, reason);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(day_fields); i++) {
                const void *field = day_field_const(stats, i);

                if (day_fields[i].kind == DAY_FIELD_COUNT)
                        r = check_day_field(i, 0, *(const uint32_t *)field, reason);
                else
                        r = check_day_field(i, *(const double *)field, 0, reason);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < PSOAS_TILT_HIST_BINS; i++) {
                r = check_bin(i, stats->tilt_hist_s[i], reason);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Parsing */

#define _cleanup_json_ _cleanup_(json_object_putp)

/* One JSON object in json[0..size) (not necessarily NUL-terminated), read by the strict layer (json.h) that
 * reads the configuration and the catalog too. reason gets its message without the name of the file, which
 * the caller adds. */
static int parse_object(const char *json, size_t size, json_object **ret, char reason[static REASON_MAX]) {
        static const char name[] = "state";
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_object *root = NULL;
        int r;

        if (size == 0)
                return invalid(reason, "the file is empty");
        if (size > STATE_FILE_MAX)
                return invalid(reason, "the file is larger than %d bytes", STATE_FILE_MAX);

        r = json_doc_parse(name, json, size, &root, &error);
        if (r == -EINVAL) {
                /* "state:3:4: not valid JSON: …" or "state: top level: must be an object, got array". */
                const char *text = error ? error + strlen(name) : ": not valid JSON";
                return invalid(reason, "%s", text + strspn(text, ": "));
        }
        if (r < 0)
                return r;

        *ret = TAKE_PTR(root);
        return 0;
}

/* The member key of object, which must exist and have the given type (json_type_double admits integers). */
static int get_member(json_object *object, const char *parent, const char *key, json_type type,
        json_object **ret, char reason[static REASON_MAX]) {
        const char *dot = parent ? "." : "";
        json_object *v;
        json_type t;

        if (!parent)
                parent = "";
        if (!json_object_object_get_ex(object, key, &v))
                return invalid(reason, "%s%s%s is missing", parent, dot, key);

        t = json_object_get_type(v);
        if (t != type && !(type == json_type_double && t == json_type_int)) {
                static const char *const expected[] = {
                        [json_type_null] = "null",
                        [json_type_boolean] = "true or false",
                        [json_type_double] = "a number",
                        [json_type_int] = "an integer",
                        [json_type_object] = "an object",
                        [json_type_array] = "an array",
                        [json_type_string] = "a string",
                };
                return invalid(reason, "%s%s%s must be %s, got %s", parent, dot, key, expected[type],
                        json_doc_type_name(v));
        }

        *ret = v;
        return 0;
}

/* A scalar member: a double for json_type_double (integers admitted), an int64_t for json_type_int (checked
 * further by the caller: json-c clamps what does not fit), a bool for json_type_boolean. */
static int get_scalar(json_object *object, const char *parent, const char *key, json_type type, void *ret,
        char reason[static REASON_MAX]) {
        json_object *v;
        int r;

        r = get_member(object, parent, key, type, &v, reason);
        if (r < 0)
                return r;
        switch (type) {
        case json_type_double:
                *(double *)ret = json_object_get_double(v);
                return 0;
        case json_type_int:
                *(int64_t *)ret = json_object_get_int64(v);
                return 0;
        case json_type_boolean:
                *(bool *)ret = json_object_get_boolean(v);
                return 0;
        default:
                return -EINVAL;
        }
}

static int get_real(json_object *object, const char *parent, const char *key, double *ret,
        char reason[static REASON_MAX]) {
        return get_scalar(object, parent, key, json_type_double, ret, reason);
}

static int get_integer(json_object *object, const char *parent, const char *key, int64_t *ret,
        char reason[static REASON_MAX]) {
        return get_scalar(object, parent, key, json_type_int, ret, reason);
}

static int get_bool(json_object *object, const char *parent, const char *key, bool *ret,
        char reason[static REASON_MAX]) {
        return get_scalar(object, parent, key, json_type_boolean, ret, reason);
}

static int get_version(json_object *root, char reason[static REASON_MAX]) {
        int64_t version;
        int r;

        r = get_integer(root, NULL, "version", &version, reason);
        if (r < 0)
                return r;
        if (version != STATE_FORMAT_VERSION)
                return invalid(reason, "version %" PRIi64 " is not supported (expected %d)", version,
                        STATE_FORMAT_VERSION);
        return 0;
}

static int get_date(json_object *root, int32_t *ret, char reason[static REASON_MAX]) {
        json_object *v;
        const char *s;
        size_t n;
        int r;

        r = get_member(root, NULL, "date", json_type_string, &v, reason);
        if (r < 0)
                return r;
        s = json_object_get_string(v);
        n = (size_t)json_object_get_string_len(v);
        if (day_from_chars(s, n, ret) < 0) {
                char shown[24];
                size_t i;

                /* Show what is there, but only printable ASCII: the log is not the place for raw bytes. */
                for (i = 0; i < n && i < sizeof(shown) - 1; i++)
                        shown[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
                shown[i] = '\0';
                return invalid(reason,
                        "date must be a date from 1970-01-01 to 9999-12-31 as YYYY-MM-DD, got \"%s%s\"",
                        shown, i < n ? "…" : "");
        }
        return 0;
}

/* A number as a float: only finite values within a float's range, so that the conversion is defined. */
static int float_from_json(json_object *o, float *ret) {
        double d = json_object_get_double(o);

        if (!isfinite(d) || fabs(d) > FLT_MAX)
                return -ERANGE;
        *ret = (float)d;
        return 0;
}

static int get_vector(json_object *object, const char *parent, const char *key, float ret[3],
        char reason[static REASON_MAX]) {
        json_object *array;
        float v[3];
        int r;

        r = get_member(object, parent, key, json_type_array, &array, reason);
        if (r < 0)
                return r;
        if (json_object_array_length(array) != 3)
                return invalid(reason, "%s.%s must be an array of 3 numbers, got %zu elements", parent, key,
                        json_object_array_length(array));
        for (size_t i = 0; i < 3; i++) {
                json_object *e = json_object_array_get_idx(array, i);

                if (!json_object_is_type(e, json_type_double) && !json_object_is_type(e, json_type_int))
                        return invalid(reason, "%s.%s[%zu] must be a number, got %s", parent, key, i,
                                json_doc_type_name(e));
                r = float_from_json(e, &v[i]);
                if (r < 0)
                        return invalid(reason, "%s.%s[%zu] must be a finite number, got %g", parent, key, i,
                                json_object_get_double(e));
        }
        memcpy(ret, v, sizeof(v));
        return 0;
}

static int parse_histogram(
        json_object *root, float ret[static PSOAS_TILT_HIST_BINS], char reason[static REASON_MAX]) {
        json_object *histogram, *seconds;
        double min_deg, bin_deg;
        size_t n;
        int r;

        r = get_member(root, NULL, HISTOGRAM_KEY, json_type_object, &histogram, reason);
        if (r < 0)
                return r;

        /* A histogram with other bins cannot be read into ours. */
        r = get_real(histogram, HISTOGRAM_KEY, "min_deg", &min_deg, reason);
        if (r < 0)
                return r;
        r = get_real(histogram, HISTOGRAM_KEY, "bin_deg", &bin_deg, reason);
        if (r < 0)
                return r;
        if (min_deg != (double)PSOAS_TILT_HIST_MIN_DEG || bin_deg != (double)PSOAS_TILT_HIST_BIN_DEG)
                return invalid(reason, HISTOGRAM_KEY " has bins of %g° from %g°, expected %g° from %g°",
                        bin_deg, min_deg, (double)PSOAS_TILT_HIST_BIN_DEG, (double)PSOAS_TILT_HIST_MIN_DEG);

        r = get_member(histogram, HISTOGRAM_KEY, "seconds", json_type_array, &seconds, reason);
        if (r < 0)
                return r;
        n = json_object_array_length(seconds);
        if (n != PSOAS_TILT_HIST_BINS)
                return invalid(reason, HISTOGRAM_KEY ".seconds must have %d values, got %zu",
                        PSOAS_TILT_HIST_BINS, n);

        for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_array_get_idx(seconds, i);
                double v;

                if (!json_object_is_type(e, json_type_double) && !json_object_is_type(e, json_type_int))
                        return invalid(reason, HISTOGRAM_KEY ".seconds[%zu] must be a number, got %s", i,
                                json_doc_type_name(e));
                v = json_object_get_double(e);
                r = check_bin(i, v, reason);
                if (r < 0)
                        return r;
                ret[i] = (float)v;
        }
        return 0;
}

/* What every state file begins with: an object of our version, for a date. */
static int parse_header(const char *json, size_t size, json_object **ret_root, int32_t *ret_day,
        char reason[static REASON_MAX]) {
        _cleanup_json_ json_object *root = NULL;
        int r;

        r = parse_object(json, size, &root, reason);
        if (r < 0)
                return r;
        r = get_version(root, reason);
        if (r < 0)
                return r;
        r = get_date(root, ret_day, reason);
        if (r < 0)
                return r;
        *ret_root = TAKE_PTR(root);
        return 0;
}

int state_file_parse_day(
        const char *json, size_t size, struct psoas_day_stats *ret, char reason[static REASON_MAX]) {
        _cleanup_json_ json_object *root = NULL;
        struct psoas_day_stats stats = { .size = sizeof(stats) };
        int r;

        r = parse_header(json, size, &root, &stats.day, reason);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(day_fields); i++) {
                void *field = day_field(&stats, i);

                if (day_fields[i].optional && !json_object_object_get_ex(root, day_fields[i].key, NULL))
                        continue;
                if (day_fields[i].kind == DAY_FIELD_COUNT) {
                        int64_t v;

                        r = get_integer(root, NULL, day_fields[i].key, &v, reason);
                        if (r < 0)
                                return r;
                        r = check_day_field(i, 0, v, reason);
                        if (r < 0)
                                return r;
                        *(uint32_t *)field = (uint32_t)v;
                } else {
                        r = get_real(root, NULL, day_fields[i].key, field, reason);
                        if (r < 0)
                                return r;
                        r = check_day_field(i, *(double *)field, 0, reason);
                        if (r < 0)
                                return r;
                }
        }

        r = parse_histogram(root, stats.tilt_hist_s, reason);
        if (r < 0)
                return r;

        *ret = stats;
        return 0;
}

/* A realtime member of the top level, checked. */
static int get_realtime(json_object *root, const char *key, int64_t *ret, char reason[static REASON_MAX]) {
        int r = get_integer(root, NULL, key, ret, reason);

        return r < 0 ? r : check_realtime(key, *ret, reason);
}

int state_file_parse_current(
        const char *json, size_t size, CurrentState *ret, char reason[static REASON_MAX]) {
        _cleanup_json_ json_object *root = NULL;
        CurrentState current = { .calibration.size = sizeof(current.calibration) };
        json_object *calibration;
        int r;

        r = parse_header(json, size, &root, &current.day, reason);
        if (r < 0)
                return r;

        r = get_bool(root, NULL, "in_bout", &current.in_bout, reason);
        if (r < 0)
                return r;
        r = get_realtime(root, "bout_start_realtime_us", &current.bout_start_realtime_us, reason);
        if (r < 0)
                return r;
        r = get_realtime(root, "last_break_realtime_us", &current.last_break_realtime_us, reason);
        if (r < 0)
                return r;

        r = get_bool(root, NULL, "calibrated", &current.calibrated, reason);
        if (r < 0)
                return r;
        /* Without a calibration any "calibration" member is left over from an older state: ignored. */
        if (current.calibrated) {
                double neutral;

                r = get_member(root, NULL, "calibration", json_type_object, &calibration, reason);
                if (r < 0)
                        return r;
                r = get_vector(calibration, "calibration", "up", current.calibration.up, reason);
                if (r < 0)
                        return r;
                r = get_vector(calibration, "calibration", "forward", current.calibration.forward, reason);
                if (r < 0)
                        return r;
                r = get_bool(calibration, "calibration", "forward_known", &current.calibration.forward_known,
                        reason);
                if (r < 0)
                        return r;
                r = get_real(calibration, "calibration", "neutral_inclination_deg", &neutral, reason);
                if (r < 0)
                        return r;
                if (!isfinite(neutral) || fabs(neutral) > 180.0)
                        return invalid(reason,
                                "calibration.neutral_inclination_deg must be an angle between -180 and 180, "
                                "got %g",
                                neutral);
                current.calibration.neutral_inclination_deg = (float)neutral;
                /* The upright sitting reference (psoasctl calibrate --sitting): optional, absent until captured
                 * and in files written before it existed. */
                if (json_object_object_get_ex(calibration, "sitting_reference_inclination_deg", NULL)) {
                        double sitting;

                        r = get_real(calibration, "calibration", "sitting_reference_inclination_deg",
                                &sitting, reason);
                        if (r < 0)
                                return r;
                        current.calibration.sitting_reference_known = true;
                        current.calibration.sitting_reference_inclination_deg = (float)sitting;
                }
                r = check_calibration(&current.calibration, reason);
                if (r < 0)
                        return r;
        }

        *ret = current;
        return 0;
}

int state_parse_day(const char *json, size_t size, struct psoas_day_stats *ret) {
        char reason[REASON_MAX];

        if (!json || !ret)
                return -EINVAL;
        return state_file_parse_day(json, size, ret, reason);
}

int state_parse_current(const char *json, size_t size, CurrentState *ret) {
        char reason[REASON_MAX];

        if (!json || !ret)
                return -EINVAL;
        return state_file_parse_current(json, size, ret, reason);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Formatting */

typedef struct Output {
        FILE *f;
        char *buf;
        size_t size;
} Output;

static int output_open(Output *o) {
        *o = (Output){};
        o->f = open_memstream(&o->buf, &o->size);
        return o->f ? 0 : -ENOMEM;
}

static void output_done(Output *o) {
        if (o->f)
                fclose(o->f);
        free(o->buf);
        *o = (Output){};
}

/* Hands the text over: *ret_buf is malloc'ed. */
static int output_finish(Output *o, char **ret_buf, size_t *ret_size) {
        bool failed = ferror(o->f);

        failed = fclose(o->f) != 0 || failed;
        o->f = NULL;
        if (failed) {
                output_done(o);
                return -ENOMEM;
        }
        *ret_buf = TAKE_PTR(o->buf);
        *ret_size = o->size;
        return 0;
}

static void output_double(Output *o, const char *key, double v) {
        char number[32];

        format_double(v, number);
        fprintf(o->f, "  \"%s\": %s,\n", key, number);
}

int state_file_format_day(const struct psoas_day_stats *stats, char **ret_buf, size_t *ret_size,
        char reason[static REASON_MAX]) {
        _cleanup_(output_done) Output o = {};
        char date[11], min_deg[32], bin_deg[32];
        int r;

        /* Never write what the loader would throw away. */
        r = check_day_stats(stats, reason);
        if (r < 0)
                return r;

        r = output_open(&o);
        if (r < 0)
                return r;

        day_to_string(stats->day, date);
        fprintf(o.f, "{\n  \"version\": %d,\n  \"date\": \"%s\",\n", STATE_FORMAT_VERSION, date);
        for (size_t i = 0; i < ELEMENTSOF(day_fields); i++) {
                const void *field = day_field_const(stats, i);

                if (day_fields[i].kind == DAY_FIELD_COUNT)
                        fprintf(o.f, "  \"%s\": %" PRIu32 ",\n", day_fields[i].key,
                                *(const uint32_t *)field);
                else
                        output_double(&o, day_fields[i].key, *(const double *)field);
        }

        format_float(PSOAS_TILT_HIST_MIN_DEG, min_deg);
        format_float(PSOAS_TILT_HIST_BIN_DEG, bin_deg);
        fprintf(o.f, "  \"" HISTOGRAM_KEY "\": {\n    \"min_deg\": %s,\n    \"bin_deg\": %s,\n", min_deg,
                bin_deg);
        fputs("    \"seconds\": [", o.f);
        for (size_t i = 0; i < PSOAS_TILT_HIST_BINS; i++) {
                char number[32];

                format_float(stats->tilt_hist_s[i], number);
                /* Ten bins (5°) a line; two spaces a level, like data/stretches.json. */
                fprintf(o.f, "%s%s%s", i == 0 ? "" : ",", i % 10 == 0 ? "\n      " : " ", number);
        }
        fputs("\n    ]\n  }\n}\n", o.f);

        return output_finish(&o, ret_buf, ret_size);
}

static void output_vector(Output *o, const char *key, const float v[3]) {
        char number[3][32];

        for (unsigned i = 0; i < 3; i++)
                format_float(v[i], number[i]);
        fprintf(o->f, "    \"%s\": [%s, %s, %s],\n", key, number[0], number[1], number[2]);
}

int state_file_format_current(
        const CurrentState *current, char **ret_buf, size_t *ret_size, char reason[static REASON_MAX]) {
        _cleanup_(output_done) Output o = {};
        char date[11];
        int r;

        /* Never write what the loader would throw away. */
        r = check_day("day", current->day, reason);
        if (r < 0)
                return r;
        r = check_realtime("bout_start_realtime_us", current->bout_start_realtime_us, reason);
        if (r < 0)
                return r;
        r = check_realtime("last_break_realtime_us", current->last_break_realtime_us, reason);
        if (r < 0)
                return r;
        if (current->calibrated) {
                r = check_calibration(&current->calibration, reason);
                if (r < 0)
                        return r;
        }

        r = output_open(&o);
        if (r < 0)
                return r;

        day_to_string(current->day, date);
        fprintf(o.f,
                "{\n"
                "  \"version\": %d,\n"
                "  \"date\": \"%s\",\n"
                "  \"in_bout\": %s,\n"
                "  \"bout_start_realtime_us\": %" PRIi64 ",\n"
                "  \"last_break_realtime_us\": %" PRIi64 ",\n"
                "  \"calibrated\": %s",
                STATE_FORMAT_VERSION, date, current->in_bout ? "true" : "false",
                current->bout_start_realtime_us, current->last_break_realtime_us,
                current->calibrated ? "true" : "false");
        if (current->calibrated) {
                char neutral[32];

                format_float(current->calibration.neutral_inclination_deg, neutral);
                fputs(",\n  \"calibration\": {\n", o.f);
                output_vector(&o, "up", current->calibration.up);
                output_vector(&o, "forward", current->calibration.forward);
                fprintf(o.f, "    \"forward_known\": %s,\n    \"neutral_inclination_deg\": %s",
                        current->calibration.forward_known ? "true" : "false", neutral);
                if (current->calibration.sitting_reference_known) {
                        char sitting[32];

                        format_float(current->calibration.sitting_reference_inclination_deg, sitting);
                        fprintf(o.f, ",\n    \"sitting_reference_inclination_deg\": %s", sitting);
                }
                fputs("\n  }", o.f);
        }
        fputs("\n}\n", o.f);

        return output_finish(&o, ret_buf, ret_size);
}
