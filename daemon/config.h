/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoasd's configuration: /etc/psoas/psoasd.json (or --config FILE), JSON read with json-c. Every key is
 * optional and documented in psoasd.json(5); an unknown key, a wrong type or an out-of-range value is an error
 * that names the file, the key (as a dotted path, e.g. "sitting.alert_minutes") and the reason.
 */

#include <stdbool.h>
#include <stdint.h>

#include <psoas/psoas.h>

#define CONFIG_DEFAULT_PATH "/etc/psoas/psoasd.json"

typedef enum GpioBias {
        GPIO_BIAS_AS_IS,
        GPIO_BIAS_DISABLED,
        GPIO_BIAS_PULL_UP,
        GPIO_BIAS_PULL_DOWN,
        _GPIO_BIAS_MAX,
} GpioBias;

/* A GPIO line named either by offset or by line name (exactly one is set: offset >= 0 or name != NULL). */
typedef struct GpioLineConfig {
        int offset; /* -1 when named */
        char *name;
        bool active_low;
} GpioLineConfig;

/* Each member is named after its key; its type, range, unit and default are written once, in the key's row of
 * config-keys.c. */
typedef struct Config {
        /* "sensor" */
        char *sensor_uri; /* "uri": IIO context URI */
        char *sensor_device; /* "device": IIO device name or id ("iio:device0"); NULL: found automatically */
        char *sensor_gyro_device; /* "gyro_device": NULL: same device or a sibling, found automatically */
        double sensor_rate_hz; /* "rate_hz" */
        double sensor_wakeups_per_s; /* "wakeups_per_s": batches taken per second */
        bool sensor_has_mount_matrix; /* "mount_matrix": 9 numbers, row-major, overrides the device's */
        float sensor_mount_matrix[9];
        /* "use_gyro" → engine.use_gyro; "forward" (3 numbers, or "+x" … "-z") → engine.forward(_known) */

        /* The engine's settings, mapped from "sitting", "tilt", "quiet_hours", "calibration", "stretches". */
        struct psoas_config engine;

        /* "state" */
        char *state_directory; /* "directory": NULL: the default for the bus (/var/lib/psoas, or
                                * $XDG_STATE_HOME/psoas with --user), or $STATE_DIRECTORY under systemd */
        uint32_t state_keep_days; /* "keep_days" */

        /* "stretches" */
        char *stretch_catalog; /* "catalog": NULL: PKGDATADIR/stretches.json */
        bool stretch_floor; /* "floor_exercises": prompt floor exercises too */

        /* "access" */
        char *access_group; /* "group": who may change state on the system bus besides root */

        /* "gpio": absent means no GPIO at all */
        bool gpio_enabled;
        char *gpio_chip; /* "chip": a path (/dev/gpiochip0) or a chip name (gpiochip0) */
        GpioLineConfig gpio_motor; /* "motor_line" + "motor_active_low" */
        GpioLineConfig gpio_button; /* "button_line" + "button_active_low" */
        GpioBias gpio_button_bias; /* "button_bias" */
} Config;

/* All defaults. */
int config_new(Config **ret);
Config *config_free(Config *c);

/* Reads and validates path. On success *ret is the new configuration. On failure returns a negative errno
 * (-ENOENT, -EACCES … for the file, -EINVAL for its contents) and *ret_error (if not NULL) is a malloc'ed
 * sentence naming the file, the key and the reason: "/etc/psoas/psoasd.json: sitting.alert_minutes: must be
 * between 1 and 1440, got 0". When allow_missing and the file does not exist, the defaults are returned. */
int config_load(const char *path, bool allow_missing, Config **ret, char **ret_error);

/* Parses a JSON document held in memory (for the fuzzer and the tests); name is used in messages. */
int config_parse(const char *name, const char *json, size_t size, Config **ret, char **ret_error);

const char *gpio_bias_to_string(GpioBias b);

/* Calls f for each key of the file, in the file's order, with its dotted name and the synopsis psoasd.json(5)
 * gives it ("number, in minutes, default *30*, from *1* to *1440*"), taken from the one table that also reads
 * the file: tests/config/test-config-man.c checks the man page with it. Returns the first negative value f
 * returns, or 0. */
int config_keys_foreach(int (*f)(const char *key, const char *synopsis, void *userdata), void *userdata);
