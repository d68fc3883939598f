/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration file's keys, section by section (config-table.h says what the columns mean), with the
 * readers of the few keys whose values are more than a string, a number or a boolean. */

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-table.h"
#include "macro.h"

/* The kernel's GPIO uAPI carries line names in 32 bytes, NUL included: a longer name can never match. */
#define GPIO_LINE_NAME_MAX 31
#define GPIO_LINE_OFFSET_MAX 1023
/* Mount matrix entries are small (rotation matrices, perhaps scaled); bigger values are typos. */
#define MOUNT_MATRIX_ENTRY_MAX 1000.0
/* A vector whose components are all below this has no reliable direction. */
#define FORWARD_LENGTH_MIN 1e-6
/* |det| divided by the product of the row lengths is 1 for a rotation and 0 for a singular matrix. */
#define MOUNT_MATRIX_INDEPENDENCE_MIN 1e-3

#define AT(member) offsetof(Config, member)

/* ---------------------------------------------------------------------------------------------------------- */
/* sensor */

static bool is_number(const struct json_object *v) {
        return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static int parse_vector(const ConfigReader *rd, struct json_object *v, const char *path, size_t n,
        double limit, double *ret) {
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

static int parse_mount_matrix(
        const ConfigReader *rd, struct json_object *sensor, const ConfigKey *k _unused_, Config *c) {
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

static int parse_forward(
        const ConfigReader *rd, struct json_object *sensor, const ConfigKey *k _unused_, Config *c) {
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

static const ConfigKey sensor_keys[] = {
        { "uri", CONFIG_STRING, AT(sensor_uri), "the libiio context of the sensor",
                .default_string = "local:" },
        { "device", CONFIG_STRING, AT(sensor_device), "the accelerometer's IIO device, by name or id",
                .default_words = "found automatically" },
        { "gyro_device", CONFIG_STRING, AT(sensor_gyro_device), "the gyroscope's IIO device, by name or id",
                .default_words = "found automatically" },
        { "rate_hz", CONFIG_NUMBER, AT(sensor_rate_hz), "the sampling rate to ask the device for", 12.5,
                1000, "Hz", .default_number = 100 },
        { "wakeups_per_s", CONFIG_NUMBER, AT(sensor_wakeups_per_s), "batches of samples taken a second", 0.5,
                50, "wake-ups per second", .default_number = 1.5 },
        { "use_gyro", CONFIG_BOOLEAN, AT(engine.use_gyro), "fuse the gyroscope with the accelerometer" },
        { "mount_matrix", CONFIG_SPECIAL, AT(sensor_mount_matrix),
                "turns the device's axes into the sensor frame, replacing the driver's matrix",
                .parse = parse_mount_matrix, .synopsis = "array of 9 numbers, default: the device's own" },
        { "forward", CONFIG_SPECIAL, AT(engine.forward),
                "the wearer's forward direction in the sensor frame", .parse = parse_forward,
                .synopsis =
                        "array of 3 numbers, or one of *\"+x\"*, *\"-x\"*, *\"+y\"*, *\"-y\"*, *\"+z\"*, "
                        "*\"-z\"*; default: learned" },
};

/* ---------------------------------------------------------------------------------------------------------- */
/* sitting, tilt, slouch */

static const ConfigKey sitting_keys[] = {
        { "alert_minutes", CONFIG_ENGINE_NUMBER, 0, "the first sitting alert after this long in one bout" },
        { "repeat_minutes", CONFIG_ENGINE_NUMBER, 0, "then again every this long" },
        { "heads_up_minutes", CONFIG_ENGINE_NUMBER, 0, "a heads-up this long before a bout's first alert" },
        { "break_seconds", CONFIG_ENGINE_NUMBER, 0, "standing or walking this long is a break" },
};

static const ConfigKey tilt_keys[] = {
        { "alert_degrees", CONFIG_ENGINE_NUMBER, 0, "anterior tilt above neutral that counts as high" },
        { "alert_seconds", CONFIG_ENGINE_NUMBER, 0, "high tilt this long while standing raises an alert" },
};

static const ConfigKey slouch_keys[] = {
        { "alert_degrees", CONFIG_ENGINE_NUMBER, 0,
                "sitting slumped back this far behind the upright sitting reference is a slump (0: no "
                "alert)" },
        { "alert_minutes", CONFIG_ENGINE_NUMBER, 0,
                "a slump this long raises an alert, and again every this long" },
};

/* ---------------------------------------------------------------------------------------------------------- */
/* quiet_hours */

/* "HH:MM", 00:00 to 23:59, as minutes after midnight, into the int32_t at k->offset. */
static int parse_time_of_day(
        const ConfigReader *rd, struct json_object *obj, const ConfigKey *k, Config *c) {
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;
        const char *s;

        if (!json_object_object_get_ex(obj, k->key, &v))
                return reader_error(rd, "quiet_hours", k->key, "missing (give both start and end)");
        if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) == 5) {
                s = json_object_get_string(v);
                if (s[0] >= '0' && s[0] <= '2' && s[1] >= '0' && s[1] <= '9' && s[2] == ':' && s[3] >= '0' &&
                        s[3] <= '5' && s[4] >= '0' && s[4] <= '9') {
                        int32_t hours = (s[0] - '0') * 10 + (s[1] - '0');
                        int32_t minutes = (s[3] - '0') * 10 + (s[4] - '0');
                        if (hours <= 23) {
                                void *field = (char *)c + k->offset;

                                *(int32_t *)field = hours * 60 + minutes;
                                return 1;
                        }
                }
        }
        return reader_error(rd, "quiet_hours", k->key,
                "must be a time of day \"HH:MM\" from 00:00 to 23:59, got %s",
                json_doc_describe(v, shown, sizeof(shown)));
}

#define TIME_OF_DAY_SYNOPSIS "strings *\"HH:MM\"*, from *\"00:00\"* to *\"23:59\"*; default: no quiet hours"

static const ConfigKey quiet_hours_keys[] = {
        { "start", CONFIG_SPECIAL, AT(engine.quiet_start_min), "no alerts from this time of day",
                .parse = parse_time_of_day, .synopsis = TIME_OF_DAY_SYNOPSIS },
        { "end", CONFIG_SPECIAL, AT(engine.quiet_end_min), "up to (not including) this one",
                .parse = parse_time_of_day, .synopsis = TIME_OF_DAY_SYNOPSIS },
};

/* ---------------------------------------------------------------------------------------------------------- */
/* calibration */

static const ConfigKey calibration_keys[] = {
        { "still_seconds", CONFIG_ENGINE_NUMBER, 0,
                "the neutral posture is captured over this long standing still" },
        { "timeout_seconds", CONFIG_ENGINE_NUMBER, 0, "how long a calibration waits for that stillness" },
};

static int check_calibration(const ConfigReader *rd, struct json_object *obj, Config *c) {
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

/* ---------------------------------------------------------------------------------------------------------- */
/* stretches, state */

static bool is_absolute_path(const char *s) {
        return s[0] == '/';
}

static const ConfigKey stretches_keys[] = {
        { "catalog", CONFIG_STRING, AT(stretch_catalog), "the stretch catalog to suggest stretches from",
                .default_words = "_/usr/share/psoas/stretches.json_", .valid = is_absolute_path,
                .expected = "an absolute path" },
        { "window_seconds", CONFIG_ENGINE_NUMBER, 0,
                "how long after a prompt the sensor watches for the stretch" },
        { "floor_exercises", CONFIG_BOOLEAN, AT(stretch_floor), "prompt floor exercises too" },
};

static const ConfigKey state_keys[] = {
        { "directory", CONFIG_STRING, AT(state_directory), "where the daily statistics and calibration go",
                .default_words = "see psoasd(8)", .valid = is_absolute_path,
                .expected = "an absolute path" },
        { "keep_days", CONFIG_INTEGER, AT(state_keep_days), "daily statistics older than this are deleted",
                1, 3650, "days", .default_number = 90 },
};

/* ---------------------------------------------------------------------------------------------------------- */
/* access */

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

static const ConfigKey access_keys[] = {
        { "group", CONFIG_STRING, AT(access_group), "who may change state on the system bus besides root",
                .default_string = "psoas", .valid = group_name_is_valid,
                .expected =
                        "a group name (up to 32 letters, digits, '.', '_' or '-', not starting with '-' and "
                        "not only digits)" },
};

/* ---------------------------------------------------------------------------------------------------------- */
/* gpio */

/* CONFIG_CHOICE stores the index as an int. */
_Static_assert(sizeof(GpioBias) == sizeof(int), "GpioBias must be int-sized");

static const char *const gpio_bias_names[_GPIO_BIAS_MAX + 1] = {
        [GPIO_BIAS_AS_IS] = "as-is",
        [GPIO_BIAS_DISABLED] = "disabled",
        [GPIO_BIAS_PULL_UP] = "pull-up",
        [GPIO_BIAS_PULL_DOWN] = "pull-down",
        [_GPIO_BIAS_MAX] = NULL,
};

const char *gpio_bias_to_string(GpioBias b) {
        if ((unsigned)b >= (unsigned)_GPIO_BIAS_MAX)
                return NULL;
        return gpio_bias_names[b];
}

/* A path, or a name looked up in /dev. */
static bool gpio_chip_is_valid(const char *s) {
        return s[0] == '/' || (!strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0);
}

static bool all_digits(const char *s) {
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

/* An offset or a line name, into the GpioLineConfig at k->offset. */
static int parse_gpio_line(const ConfigReader *rd, struct json_object *obj, const ConfigKey *k, Config *c) {
        static const char *const expected = "must be a line offset (0-1023) or a line name";
        GpioLineConfig *line = (GpioLineConfig *)(void *)((char *)c + k->offset);
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v;

        if (!json_object_object_get_ex(obj, k->key, &v))
                return 0;

        if (json_object_is_type(v, json_type_int)) {
                int64_t offset = json_object_get_int64(v);
                if (offset < 0 || offset > GPIO_LINE_OFFSET_MAX)
                        return reader_error(rd, "gpio", k->key, "%s, got %s", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                line->offset = (int)offset;
                return 1;
        }

        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                size_t n = (size_t)json_object_get_string_len(v);

                if (n == 0 || config_has_control_characters(s, n))
                        return reader_error(rd, "gpio", k->key, "%s, got %s", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                /* gpioset and friends read "17" as an offset; a line really named so would be a surprise. */
                if (all_digits(s))
                        return reader_error(rd, "gpio", k->key,
                                "%s, got %s: write an offset as a number, without quotes", expected,
                                json_doc_describe(v, shown, sizeof(shown)));
                if (n > GPIO_LINE_NAME_MAX)
                        return reader_error(rd, "gpio", k->key,
                                "%s, got a name of %zu bytes: the kernel's line names have at most %d",
                                expected, n, GPIO_LINE_NAME_MAX);
                line->name = strdup(s);
                if (!line->name)
                        return -ENOMEM;
                line->offset = -1;
                return 1;
        }

        return reader_error(rd, "gpio", k->key, "%s, got %s", expected,
                json_object_is_type(v, json_type_double) ? json_doc_describe(v, shown, sizeof(shown))
                                                         : json_doc_type_name(v));
}

#define GPIO_LINE_SYNOPSIS "integer from *0* to *1023*, or string"

static const ConfigKey gpio_keys[] = {
        { "chip", CONFIG_STRING, AT(gpio_chip), "the GPIO chip, by path or name", .required = true,
                .valid = gpio_chip_is_valid,
                .expected = "a device path (/dev/gpiochip0) or a chip name (gpiochip0)" },
        { "motor_line", CONFIG_SPECIAL, AT(gpio_motor), "the line that drives the vibration motor",
                .parse = parse_gpio_line, .synopsis = GPIO_LINE_SYNOPSIS },
        { "button_line", CONFIG_SPECIAL, AT(gpio_button), "the line of the push button",
                .parse = parse_gpio_line, .synopsis = GPIO_LINE_SYNOPSIS },
        { "motor_active_low", CONFIG_BOOLEAN, AT(gpio_motor.active_low),
                "the motor runs while the line is low" },
        /* A button to ground with a pull-up, the usual wiring, reads low when pressed. */
        { "button_active_low", CONFIG_BOOLEAN, AT(gpio_button.active_low),
                "the line reads low while the button is pressed", .default_boolean = true },
        { "button_bias", CONFIG_CHOICE, AT(gpio_button_bias), "the bias of the button line",
                .default_number = GPIO_BIAS_PULL_UP, .choices = gpio_bias_names },
};

static bool gpio_line_given(const GpioLineConfig *line) {
        return line->offset >= 0 || line->name;
}

static int check_gpio(const ConfigReader *rd, struct json_object *obj, Config *c) {
        bool has_motor = gpio_line_given(&c->gpio_motor), has_button = gpio_line_given(&c->gpio_button);

        c->gpio_enabled = true;
        if (!has_motor && !has_button)
                return reader_error(rd, "gpio", NULL, "give motor_line, button_line or both");
        /* Names against offsets can only be compared on the chip itself, when psoasd opens it. */
        if (has_motor && has_button &&
                (c->gpio_motor.name ? streq_ptr(c->gpio_motor.name, c->gpio_button.name)
                                    : c->gpio_motor.offset == c->gpio_button.offset))
                return reader_error(rd, "gpio", "button_line", "is the same line as gpio.motor_line");
        if (!has_motor && json_object_object_get_ex(obj, "motor_active_low", NULL))
                return reader_error(rd, "gpio", "motor_active_low", "given without gpio.motor_line");
        if (!has_button && json_object_object_get_ex(obj, "button_active_low", NULL))
                return reader_error(rd, "gpio", "button_active_low", "given without gpio.button_line");
        if (!has_button && json_object_object_get_ex(obj, "button_bias", NULL))
                return reader_error(rd, "gpio", "button_bias", "given without gpio.button_line");
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */

#define SECTION(name, check)                                                                                \
        { #name, name##_keys, ELEMENTSOF(name##_keys), check }

const ConfigSection config_sections[] = {
        SECTION(sensor, NULL),
        SECTION(sitting, NULL),
        SECTION(tilt, NULL),
        SECTION(slouch, NULL),
        SECTION(quiet_hours, NULL),
        SECTION(calibration, check_calibration),
        SECTION(stretches, NULL),
        SECTION(state, NULL),
        SECTION(access, NULL),
        SECTION(gpio, check_gpio),
};

const size_t config_sections_count = ELEMENTSOF(config_sections);
