/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "json.h"
#include "macro.h"

/* Every string in the file is a name, a path or a URI: PATH_MAX is a generous bound for all of them. */
#define CONFIG_STRING_MAX 4096
/* The kernel's GPIO uAPI carries line names in 32 bytes, NUL included: a longer name can never match. */
#define GPIO_LINE_NAME_MAX 31
#define GPIO_LINE_OFFSET_MAX 1023
/* Mount matrix entries are small (rotation matrices, perhaps scaled); bigger values are typos. */
#define MOUNT_MATRIX_ENTRY_MAX 1000.0
/* A vector whose components are all below this has no reliable direction. */
#define FORWARD_LENGTH_MIN 1e-6
/* |det| divided by the product of the row lengths is 1 for a rotation and 0 for a singular matrix. */
#define MOUNT_MATRIX_INDEPENDENCE_MIN 1e-3

DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/* ---------------------------------------------------------------------------------------------------------- */
/* Typed values */

typedef struct Reader {
        const char *name;
        char **ret_error;
} Reader;

#define reader_error(rd, parent, key, ...)                                                                  \
        json_doc_error((rd)->ret_error, (rd)->name, (parent), (key), __VA_ARGS__)

/* Fails on any key other than "$comment" (which must be a string) and those in known (NULL-terminated). */
static int check_keys(
        const Reader *rd, const char *path, struct json_object *obj, const char *const *known) {
        for (struct lh_entry *e = lh_table_head(json_object_get_object(obj)); e; e = lh_entry_next(e)) {
                const char *key = lh_entry_k(e);
                struct json_object *v = lh_entry_v(e);
                bool found = false;

                if (strcmp(key, "$comment") == 0) {
                        if (!json_object_is_type(v, json_type_string))
                                return reader_error(
                                        rd, path, key, "must be a string, got %s", json_doc_type_name(v));
                        continue;
                }
                for (const char *const *k = known; *k; k++)
                        if (strcmp(key, *k) == 0) {
                                found = true;
                                break;
                        }
                if (!found)
                        return reader_error(rd, path, key, "unknown key");
        }
        return 0;
}

static bool is_number(const struct json_object *v) {
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* A number between min and max. Returns 1 and sets *ret when the key is present, 0 when it is not. */
static int get_number(const Reader *rd, struct json_object *obj, const char *section, const char *key,
        double min, double max, double *ret) {
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;
        double d;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!is_number(v))
                return reader_error(rd, section, key, "must be a number, got %s", json_doc_type_name(v));
        d = json_object_get_double(v);
        if (!isfinite(d))
                return reader_error(rd, section, key, "must be a finite number, got %s",
                        json_doc_describe(v, shown, sizeof(shown)));
        if (d < min || d > max)
                return reader_error(rd, section, key, "must be between %g and %g, got %s", min, max,
                        json_doc_describe(v, shown, sizeof(shown)));
        *ret = d;
        return 1;
}

static int get_integer(const Reader *rd, struct json_object *obj, const char *section, const char *key,
        int64_t min, int64_t max, int64_t *ret) {
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;
        int64_t i;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return reader_error(rd, section, key, "must be an integer, got %s",
                        json_object_is_type(v, json_type_double) ? json_doc_describe(v, shown, sizeof(shown))
                                                                 : json_doc_type_name(v));
        /* Above INT64_MAX json-c gives INT64_MAX, which is out of range as well. */
        i = json_object_get_int64(v);
        if (i < min || i > max)
                return reader_error(rd, section, key, "must be between %" PRId64 " and %" PRId64 ", got %s",
                        min, max, json_doc_describe(v, shown, sizeof(shown)));
        *ret = i;
        return 1;
}

static int get_bool(
        const Reader *rd, struct json_object *obj, const char *section, const char *key, bool *ret) {
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_boolean))
                return reader_error(
                        rd, section, key, "must be true or false, got %s", json_doc_type_name(v));
        *ret = json_object_get_boolean(v);
        return 1;
}

static bool has_control_characters(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
                        return true;
        return false;
}

/* A non-empty string of at most max bytes without control characters, returned as a copy. */
static int get_string(const Reader *rd, struct json_object *obj, const char *section, const char *key,
        size_t max, char **ret) {
        struct json_object *v;
        const char *s;
        char *copy;
        size_t n;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return reader_error(rd, section, key, "must be a string, got %s", json_doc_type_name(v));
        s = json_object_get_string(v);
        n = (size_t)json_object_get_string_len(v);
        if (n == 0)
                return reader_error(rd, section, key, "must not be empty");
        if (has_control_characters(s, n))
                return reader_error(rd, section, key, "must not contain control characters");
        if (n > max)
                return reader_error(rd, section, key, "must be at most %zu bytes long, got %zu", max, n);

        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 1;
}

static void replace_string(char **p, char *s) {
        free(*p);
        *p = s;
}

static int get_absolute_path(
        const Reader *rd, struct json_object *obj, const char *section, const char *key, char **p) {
        char *s = NULL;
        int r;

        r = get_string(rd, obj, section, key, CONFIG_STRING_MAX, &s);
        if (r <= 0)
                return r;
        if (s[0] != '/') {
                char shown[JSON_DOC_DESCRIBE_MAX];
                struct json_object *v = json_object_object_get(obj, key);

                free(s);
                return reader_error(rd, section, key, "must be an absolute path, got %s",
                        json_doc_describe(v, shown, sizeof(shown)));
        }
        replace_string(p, s);
        return 1;
}

static int get_object(const Reader *rd, struct json_object *obj, const char *key, struct json_object **ret) {
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return reader_error(rd, key, NULL, "must be an object, got %s", json_doc_type_name(v));
        *ret = v;
        return 1;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Sections */

static int parse_vector(
        const Reader *rd, struct json_object *v, const char *path, size_t n, double limit, double *ret) {
        char shown[JSON_DOC_DESCRIBE_MAX];

        for (size_t i = 0; i < n; i++) {
                struct json_object *item = json_object_array_get_idx(v, i);
                char item_path[64];
                double d;

                snprintf(item_path, sizeof(item_path), "%s[%zu]", path, i);
                if (!is_number(item))
                        return reader_error(
                                rd, item_path, NULL, "must be a number, got %s", json_doc_type_name(item));
                d = json_object_get_double(item);
                if (!isfinite(d))
                        return reader_error(rd, item_path, NULL, "must be a finite number, got %s",
                                json_doc_describe(item, shown, sizeof(shown)));
                if (limit > 0 && fabs(d) > limit)
                        return reader_error(rd, item_path, NULL, "must be between %g and %g, got %s", -limit,
                                limit, json_doc_describe(item, shown, sizeof(shown)));
                ret[i] = d;
        }
        return 0;
}

static int parse_mount_matrix(const Reader *rd, struct json_object *sensor, Config *c) {
        double m[9], det, scale = 1;
        struct json_object *v;
        int r;

        if (!json_object_object_get_ex(sensor, "mount_matrix", &v))
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return reader_error(rd, "sensor", "mount_matrix",
                        "must be an array of 9 numbers (a 3×3 matrix, row by row), got %s",
                        json_doc_type_name(v));
        if (json_object_array_length(v) != 9)
                return reader_error(rd, "sensor", "mount_matrix",
                        "must be an array of 9 numbers (a 3×3 matrix, row by row), got %zu numbers",
                        json_object_array_length(v));
        r = parse_vector(rd, v, "sensor.mount_matrix", 9, MOUNT_MATRIX_ENTRY_MAX, m);
        if (r < 0)
                return r;

        /* The determinant alone depends on the scale; compared with the product of the row lengths (its
         * largest possible magnitude) it measures how independent the rows are, whatever the scale. */
        det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
                m[2] * (m[3] * m[7] - m[4] * m[6]);
        for (size_t row = 0; row < 3; row++)
                scale *= sqrt(m[3 * row] * m[3 * row] + m[3 * row + 1] * m[3 * row + 1] +
                        m[3 * row + 2] * m[3 * row + 2]);
        if (!(scale > 0) || !(fabs(det) >= MOUNT_MATRIX_INDEPENDENCE_MIN * scale))
                return reader_error(rd, "sensor", "mount_matrix",
                        "is singular (determinant %g): its rows must point in independent directions", det);

        for (size_t i = 0; i < 9; i++)
                c->sensor_mount_matrix[i] = (float)m[i];
        c->sensor_has_mount_matrix = true;
        return 1;
}

static int parse_forward(const Reader *rd, struct json_object *sensor, Config *c) {
        static const char *const axes[] = { "+x", "-x", "+y", "-y", "+z", "-z" };
        static const char *const expected =
                "must be 3 numbers [x, y, z] or one of \"+x\", \"-x\", \"+y\", \"-y\", \"+z\", \"-z\"";
        char shown[JSON_DOC_DESCRIBE_MAX];
        double f[3] = {}, largest = 0, length = 0;
        struct json_object *v;
        int r;

        if (!json_object_object_get_ex(sensor, "forward", &v))
                return 0;

        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                size_t i;

                for (i = 0; i < ELEMENTSOF(axes); i++)
                        if (strcmp(s, axes[i]) == 0 && strlen(s) == (size_t)json_object_get_string_len(v))
                                break;
                if (i == ELEMENTSOF(axes))
                        return reader_error(rd, "sensor", "forward", "%s, got %s", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                f[i / 2] = i % 2 == 0 ? 1 : -1;
        } else if (json_object_is_type(v, json_type_array)) {
                if (json_object_array_length(v) != 3)
                        return reader_error(rd, "sensor", "forward", "%s, got %zu numbers", expected,
                                json_object_array_length(v));
                r = parse_vector(rd, v, "sensor.forward", 3, 0, f);
                if (r < 0)
                        return r;
        } else
                return reader_error(rd, "sensor", "forward", "%s, got %s", expected, json_doc_type_name(v));

        /* Normalized here, scaled by the largest component first, so that no value can overflow in the
         * squares or on the way to float. */
        for (size_t i = 0; i < 3; i++)
                largest = fmax(largest, fabs(f[i]));
        if (!(largest >= FORWARD_LENGTH_MIN))
                return reader_error(rd, "sensor", "forward", "must not be the zero vector, got %s",
                        json_doc_describe(v, shown, sizeof(shown)));
        for (size_t i = 0; i < 3; i++) {
                f[i] /= largest;
                length += f[i] * f[i];
        }
        length = sqrt(length);
        for (size_t i = 0; i < 3; i++)
                c->engine.forward[i] = (float)(f[i] / length);
        c->engine.forward_known = true;
        return 1;
}

static int parse_sensor(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = {
                "uri",
                "device",
                "gyro_device",
                "rate_hz",
                "wakeups_per_s",
                "use_gyro",
                "mount_matrix",
                "forward",
                NULL,
        };
        char *s = NULL;
        int r;

        r = check_keys(rd, "sensor", obj, known);
        if (r < 0)
                return r;

        r = get_string(rd, obj, "sensor", "uri", CONFIG_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (r > 0)
                replace_string(&c->sensor_uri, TAKE_PTR(s));
        r = get_string(rd, obj, "sensor", "device", CONFIG_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (r > 0)
                replace_string(&c->sensor_device, TAKE_PTR(s));
        r = get_string(rd, obj, "sensor", "gyro_device", CONFIG_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (r > 0)
                replace_string(&c->sensor_gyro_device, TAKE_PTR(s));

        r = get_number(rd, obj, "sensor", "rate_hz", 12.5, 1000, &c->sensor_rate_hz);
        if (r < 0)
                return r;
        r = get_number(rd, obj, "sensor", "wakeups_per_s", 0.5, 50, &c->sensor_wakeups_per_s);
        if (r < 0)
                return r;
        r = get_bool(rd, obj, "sensor", "use_gyro", &c->engine.use_gyro);
        if (r < 0)
                return r;
        r = parse_mount_matrix(rd, obj, c);
        if (r < 0)
                return r;
        return parse_forward(rd, obj, c);
}

static int parse_sitting(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "alert_minutes", "repeat_minutes", "break_seconds", NULL };
        double d;
        int r;

        r = check_keys(rd, "sitting", obj, known);
        if (r < 0)
                return r;

        r = get_number(rd, obj, "sitting", "alert_minutes", 1, 1440, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.sitting_alert_s = (float)(d * 60);
        r = get_number(rd, obj, "sitting", "repeat_minutes", 1, 1440, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.sitting_repeat_s = (float)(d * 60);
        r = get_number(rd, obj, "sitting", "break_seconds", 10, 3600, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.break_s = (float)d;
        return 0;
}

static int parse_tilt(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "alert_degrees", "alert_seconds", NULL };
        double d;
        int r;

        r = check_keys(rd, "tilt", obj, known);
        if (r < 0)
                return r;

        r = get_number(rd, obj, "tilt", "alert_degrees", 2, 45, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.tilt_alert_deg = (float)d;
        r = get_number(rd, obj, "tilt", "alert_seconds", 5, 3600, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.tilt_alert_s = (float)d;
        return 0;
}

/* "HH:MM", 00:00 to 23:59, as minutes after midnight. */
static int get_time_of_day(const Reader *rd, struct json_object *obj, const char *key, int32_t *ret) {
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;
        const char *s;

        if (!json_object_object_get_ex(obj, key, &v))
                return reader_error(rd, "quiet_hours", key, "missing (give both start and end)");
        if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 5) {
                s = json_object_get_string(v);
                if (s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' && s[3] >= '0' &&
                        s[3] <= '5' && s[4] >= '0' && s[4] <= '9') {
                        int32_t hours = (s[0] - '0') * 10 + (s[1] - '0');
                        int32_t minutes = (s[3] - '0') * 10 + (s[4] - '0');
                        if (hours <= 23) {
                                *ret = hours * 60 + minutes;
                                return 1;
                        }
                }
        }
        return reader_error(rd, "quiet_hours", key,
                "must be a time of day \"HH:MM\" from 00:00 to 23:59, got %s",
                json_doc_describe(v, shown, sizeof(shown)));
}

static int parse_quiet_hours(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "start", "end", NULL };
        int32_t start, end;
        int r;

        r = check_keys(rd, "quiet_hours", obj, known);
        if (r < 0)
                return r;

        r = get_time_of_day(rd, obj, "start", &start);
        if (r < 0)
                return r;
        r = get_time_of_day(rd, obj, "end", &end);
        if (r < 0)
                return r;
        c->engine.quiet_start_min = start;
        c->engine.quiet_end_min = end;
        return 0;
}

static int parse_calibration(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "still_seconds", "timeout_seconds", NULL };
        double d;
        int r;

        r = check_keys(rd, "calibration", obj, known);
        if (r < 0)
                return r;

        r = get_number(rd, obj, "calibration", "still_seconds", 1, 30, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.calibration_still_s = (float)d;
        r = get_number(rd, obj, "calibration", "timeout_seconds", 2, 600, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.calibration_timeout_s = (float)d;

        /* Either may have kept its default: blame the one the admin wrote. */
        if (c->engine.calibration_timeout_s < c->engine.calibration_still_s) {
                if (json_object_object_get_ex(obj, "timeout_seconds", NULL))
                        return reader_error(rd, "calibration", "timeout_seconds",
                                "must be at least calibration.still_seconds (%g), got %g",
                                c->engine.calibration_still_s, c->engine.calibration_timeout_s);
                return reader_error(rd, "calibration", "still_seconds",
                        "must not exceed calibration.timeout_seconds (%g by default), got %g",
                        c->engine.calibration_timeout_s, c->engine.calibration_still_s);
        }
        return 0;
}

static int parse_stretches(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "catalog", "window_seconds", "floor_exercises", NULL };
        double d;
        int r;

        r = check_keys(rd, "stretches", obj, known);
        if (r < 0)
                return r;

        r = get_absolute_path(rd, obj, "stretches", "catalog", &c->stretch_catalog);
        if (r < 0)
                return r;
        r = get_number(rd, obj, "stretches", "window_seconds", 60, 7200, &d);
        if (r < 0)
                return r;
        if (r > 0)
                c->engine.stretch_window_s = (float)d;
        r = get_bool(rd, obj, "stretches", "floor_exercises", &c->stretch_floor);
        if (r < 0)
                return r;
        return 0;
}

static int parse_state(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "directory", "keep_days", NULL };
        int64_t days = 0;
        int r;

        r = check_keys(rd, "state", obj, known);
        if (r < 0)
                return r;

        r = get_absolute_path(rd, obj, "state", "directory", &c->state_directory);
        if (r < 0)
                return r;
        r = get_integer(rd, obj, "state", "keep_days", 1, 3650, &days);
        if (r < 0)
                return r;
        if (r > 0)
                c->state_keep_days = (uint32_t)days;
        return 0;
}

/* POSIX's portable user and group names: letters, digits, '.', '_' and '-', not starting with '-'. All
 * digits would read as a numeric GID, "." and ".." as directories; 32 bytes is what useradd and groupadd
 * accept. */
static bool group_name_is_valid(const char *s) {
        size_t n = strlen(s);
        bool all_digits = true;

        if (n == 0 || n > 32 || s[0] == '-' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (const char *p = s; *p; p++) {
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                            *p == '.' || *p == '_' || *p == '-'))
                        return false;
                if (*p < '0' || *p > '9')
                        all_digits = false;
        }
        return !all_digits;
}

static int parse_access(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = { "group", NULL };
        char *group = NULL;
        int r;

        r = check_keys(rd, "access", obj, known);
        if (r < 0)
                return r;

        r = get_string(rd, obj, "access", "group", CONFIG_STRING_MAX, &group);
        if (r <= 0)
                return r;
        if (!group_name_is_valid(group)) {
                char shown[JSON_DOC_DESCRIBE_MAX];

                free(group);
                return reader_error(rd, "access", "group",
                        "must be a group name (up to 32 letters, digits, '.', '_' or '-', not starting with "
                        "'-' and not only digits), got %s",
                        json_doc_describe(json_object_object_get(obj, "group"), shown, sizeof(shown)));
        }
        replace_string(&c->access_group, group);
        return 0;
}

static bool all_digits(const char *s) {
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static int parse_gpio_line(
        const Reader *rd, struct json_object *obj, const char *key, GpioLineConfig *line) {
        static const char *const expected = "must be a line offset (0-1023) or a line name";
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;

        if (json_object_is_type(v, json_type_int)) {
                int64_t offset = json_object_get_int64(v);
                if (offset < 0 || offset > GPIO_LINE_OFFSET_MAX)
                        return reader_error(rd, "gpio", key, "%s, got %s", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                line->offset = (int)offset;
                return 1;
        }

        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                size_t n = (size_t)json_object_get_string_len(v);

                if (n == 0 || has_control_characters(s, n))
                        return reader_error(rd, "gpio", key, "%s, got %s", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                /* gpioset and friends read "17" as an offset; a line really named so would be a surprise. */
                if (all_digits(s))
                        return reader_error(rd, "gpio", key,
                                "%s, got %s: write an offset as a number, without quotes", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                if (n > GPIO_LINE_NAME_MAX)
                        return reader_error(rd, "gpio", key,
                                "%s, got a name of %zu bytes: the kernel's line names have at most %d",
                                expected, n, GPIO_LINE_NAME_MAX);
                line->name = strdup(s);
                if (!line->name)
                        return -ENOMEM;
                line->offset = -1;
                return 1;
        }

        return reader_error(rd, "gpio", key, "%s, got %s", expected,
                json_object_is_type(v, json_type_double) ? json_doc_describe(v, shown, sizeof(shown))
                                                         : json_doc_type_name(v));
}

static int parse_gpio(const Reader *rd, struct json_object *obj, Config *c) {
        static const char *const known[] = {
                "chip",
                "motor_line",
                "motor_active_low",
                "button_line",
                "button_active_low",
                "button_bias",
                NULL,
        };
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;
        int has_motor, has_button, r;

        r = check_keys(rd, "gpio", obj, known);
        if (r < 0)
                return r;
        c->gpio_enabled = true;

        r = get_string(rd, obj, "gpio", "chip", CONFIG_STRING_MAX, &c->gpio_chip);
        if (r < 0)
                return r;
        if (r == 0)
                return reader_error(
                        rd, "gpio", "chip", "missing (required when the gpio section is present)");
        /* A path, or a name looked up in /dev. */
        if (c->gpio_chip[0] != '/' &&
                (strchr(c->gpio_chip, '/') || strcmp(c->gpio_chip, ".") == 0 ||
                        strcmp(c->gpio_chip, "..") == 0))
                return reader_error(rd, "gpio", "chip",
                        "must be a device path (/dev/gpiochip0) or a chip name (gpiochip0), got %s",
                        json_doc_describe(json_object_object_get(obj, "chip"), shown, sizeof(shown)));

        has_motor = parse_gpio_line(rd, obj, "motor_line", &c->gpio_motor);
        if (has_motor < 0)
                return has_motor;
        has_button = parse_gpio_line(rd, obj, "button_line", &c->gpio_button);
        if (has_button < 0)
                return has_button;
        if (!has_motor && !has_button)
                return reader_error(rd, "gpio", NULL, "give motor_line, button_line or both");
        /* Names against offsets can only be compared on the chip itself, when psoasd opens it. */
        if (has_motor && has_button &&
                (c->gpio_motor.name ? streq_ptr(c->gpio_motor.name, c->gpio_button.name)
                                    : c->gpio_motor.offset == c->gpio_button.offset))
                return reader_error(rd, "gpio", "button_line", "is the same line as gpio.motor_line");

        r = get_bool(rd, obj, "gpio", "motor_active_low", &c->gpio_motor.active_low);
        if (r < 0)
                return r;
        if (r > 0 && !has_motor)
                return reader_error(rd, "gpio", "motor_active_low", "given without gpio.motor_line");
        r = get_bool(rd, obj, "gpio", "button_active_low", &c->gpio_button.active_low);
        if (r < 0)
                return r;
        if (r > 0 && !has_button)
                return reader_error(rd, "gpio", "button_active_low", "given without gpio.button_line");

        if (json_object_object_get_ex(obj, "button_bias", &v)) {
                GpioBias b = _GPIO_BIAS_MAX;

                if (json_object_is_type(v, json_type_string))
                        for (b = 0; b < _GPIO_BIAS_MAX; b++)
                                if (strcmp(json_object_get_string(v), gpio_bias_to_string(b)) == 0 &&
                                        strlen(gpio_bias_to_string(b)) ==
                                                (size_t)json_object_get_string_len(v))
                                        break;
                if (b == _GPIO_BIAS_MAX)
                        return reader_error(rd, "gpio", "button_bias",
                                "must be \"as-is\", \"disabled\", \"pull-up\" or \"pull-down\", got %s",
                                json_doc_describe(v, shown, sizeof(shown)));
                if (!has_button)
                        return reader_error(rd, "gpio", "button_bias", "given without gpio.button_line");
                c->gpio_button_bias = b;
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */

const char *gpio_bias_to_string(GpioBias b) {
        static const char *const names[_GPIO_BIAS_MAX] = {
                [GPIO_BIAS_AS_IS] = "as-is",
                [GPIO_BIAS_DISABLED] = "disabled",
                [GPIO_BIAS_PULL_UP] = "pull-up",
                [GPIO_BIAS_PULL_DOWN] = "pull-down",
        };

        if ((unsigned)b >= (unsigned)_GPIO_BIAS_MAX)
                return NULL;
        return names[b];
}

int config_new(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;

        if (!ret)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;

        psoas_config_init(&c->engine);
        c->sensor_rate_hz = 100;
        c->sensor_wakeups_per_s = 1.5;
        c->state_keep_days = 90;
        c->gpio_motor = (GpioLineConfig){ .offset = -1 };
        /* A button to ground with a pull-up, the usual wiring, reads low when pressed. */
        c->gpio_button = (GpioLineConfig){ .offset = -1, .active_low = true };
        c->gpio_button_bias = GPIO_BIAS_PULL_UP;

        c->sensor_uri = strdup("local:");
        c->access_group = strdup("psoas");
        if (!c->sensor_uri || !c->access_group)
                return -ENOMEM;

        *ret = TAKE_PTR(c);
        return 0;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;

        free(c->sensor_uri);
        free(c->sensor_device);
        free(c->sensor_gyro_device);
        free(c->state_directory);
        free(c->stretch_catalog);
        free(c->access_group);
        free(c->gpio_chip);
        free(c->gpio_motor.name);
        free(c->gpio_button.name);
        free(c);
        return NULL;
}

/* The configuration key behind each field psoas_config_validate() may name. */
static const char *engine_field_to_key(const char *field) {
        static const char *const map[][2] = {
                { "forward", "sensor.forward" },
                { "calibration_still_s", "calibration.still_seconds" },
                { "calibration_timeout_s", "calibration.timeout_seconds" },
                { "break_s", "sitting.break_seconds" },
                { "sitting_alert_s", "sitting.alert_minutes" },
                { "sitting_repeat_s", "sitting.repeat_minutes" },
                { "tilt_alert_deg", "tilt.alert_degrees" },
                { "tilt_alert_s", "tilt.alert_seconds" },
                { "quiet_start_min", "quiet_hours.start" },
                { "quiet_end_min", "quiet_hours.end" },
                { "stretch_window_s", "stretches.window_seconds" },
        };

        for (size_t i = 0; field && i < ELEMENTSOF(map); i++)
                if (strcmp(field, map[i][0]) == 0)
                        return map[i][1];
        return field;
}

static int config_from_json(const char *name, struct json_object *root, Config **ret, char **ret_error) {
        static const char *const sections[] = {
                "sensor",
                "sitting",
                "tilt",
                "quiet_hours",
                "calibration",
                "stretches",
                "state",
                "access",
                "gpio",
                NULL,
        };
        static int (*const parsers[])(const Reader *, struct json_object *, Config *) = {
                parse_sensor,
                parse_sitting,
                parse_tilt,
                parse_quiet_hours,
                parse_calibration,
                parse_stretches,
                parse_state,
                parse_access,
                parse_gpio,
        };
        _cleanup_(config_freep) Config *c = NULL;
        const Reader rd = { .name = name, .ret_error = ret_error };
        const char *field = NULL;
        int r;

        r = config_new(&c);
        if (r < 0)
                return r;

        r = check_keys(&rd, NULL, root, sections);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(parsers); i++) {
                struct json_object *section = NULL;

                r = get_object(&rd, root, sections[i], &section);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = parsers[i](&rd, section, c);
                if (r < 0)
                        return r;
        }

        /* The checks above are meant to be the engine's own; this guards against the two drifting apart. */
        r = psoas_config_validate(&c->engine, &field);
        if (r < 0)
                return reader_error(&rd, engine_field_to_key(field), NULL, "rejected by the engine (%s)",
                        field ? field : "?");

        *ret = TAKE_PTR(c);
        return 0;
}

int config_parse(const char *name, const char *json, size_t size, Config **ret, char **ret_error) {
        _cleanup_(json_object_putp) struct json_object *root = NULL;
        int r;

        if (!ret)
                return -EINVAL;
        if (!name)
                name = "(input)";

        r = json_doc_parse(name, json, size, &root, ret_error);
        if (r < 0)
                return r;
        return config_from_json(name, root, ret, ret_error);
}

int config_load(const char *path, bool allow_missing, Config **ret, char **ret_error) {
        _cleanup_(json_object_putp) struct json_object *root = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (!path || !ret)
                return -EINVAL;

        r = json_doc_load(path, &root, &error);
        if (r == -ENOENT && allow_missing)
                return config_new(ret);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        return config_from_json(path, root, ret, ret_error);
}
