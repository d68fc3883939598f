/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/json.h"
#include "test-util.h"

#define NAME "test.json"

/* Parses json (as a buffer of exactly its length, so that ASan catches a read past the end) and fails the
 * test, with the reader's message, when it is refused. */
static Config *parse_ok(const char *json) {
        size_t n = strlen(json);
        char *copy = malloc(n ? n : 1), *error = NULL;
        Config *c = NULL;
        int r;

        ASSERT_TRUE(copy);
        memcpy(copy, json, n);
        r = config_parse(NAME, copy, n, &c, &error);
        free(copy);
        if (r < 0)
                TEST_FAIL("refused (%d): %s\n%s", r, error ? error : "(no message)", json);
        ASSERT_TRUE(c);
        ASSERT_TRUE(error == NULL);
        return c;
}

/* Parses size bytes of data, expecting -EINVAL (or the given error) and exactly this message. */
static void parse_fails_n(const char *data, size_t size, int expected_r, const char *expected_error) {
        char *copy = malloc(size ? size : 1), *error = NULL;
        Config *c = (Config *)0x1;
        int r;

        ASSERT_TRUE(copy);
        memcpy(copy, data, size);
        r = config_parse(NAME, copy, size, &c, &error);
        free(copy);
        if (r >= 0)
                TEST_FAIL("accepted, expected \"%s\":\n%.*s", expected_error, (int)size, data);
        ASSERT_EQ(r, expected_r);
        /* Output parameters are written only on success. */
        ASSERT_TRUE(c == (Config *)0x1);
        ASSERT_STREQ(error, expected_error);
        free(error);
}

static void parse_fails(const char *json, const char *expected_error) {
        parse_fails_n(json, strlen(json), -EINVAL, expected_error);
}

/* A temporary directory for files the test writes; removed with remove_temp_dir(). */
static char temp_dir[] = "/tmp/psoas-test-config-XXXXXX";

static const char *make_temp_dir(void) {
        ASSERT_TRUE(mkdtemp(temp_dir));
        return temp_dir;
}

static char *temp_path(const char *file) {
        char *p = NULL;
        size_t n = strlen(temp_dir) + strlen(file) + 2;

        p = malloc(n);
        ASSERT_TRUE(p);
        snprintf(p, n, "%s/%s", temp_dir, file);
        return p;
}

static char *write_temp_file(const char *file, const char *data, size_t size) {
        char *path = temp_path(file);
        FILE *f = fopen(path, "wb");

        ASSERT_TRUE(f);
        ASSERT_EQ(fwrite(data, 1, size, f), size);
        ASSERT_EQ(fclose(f), 0);
        return path;
}

static void remove_temp_file(char *path) {
        ASSERT_EQ(unlink(path), 0);
        free(path);
}

static void remove_temp_dir(void) {
        ASSERT_EQ(rmdir(temp_dir), 0);
}

static char *env_path(const char *variable, const char *file) {
        const char *dir = getenv(variable);
        char *p;
        size_t n;

        if (!dir)
                TEST_FAIL("$%s is not set (run the test through meson)", variable);
        if (!file)
                return strdup(dir);
        n = strlen(dir) + strlen(file) + 2;
        p = malloc(n);
        ASSERT_TRUE(p);
        snprintf(p, n, "%s/%s", dir, file);
        return p;
}

static void assert_defaults(const Config *c) {
        struct psoas_config engine;

        psoas_config_init(PSOAS_SIZED(&engine));
        ASSERT_STREQ(c->sensor_uri, "local:");
        ASSERT_TRUE(c->sensor_device == NULL);
        ASSERT_TRUE(c->sensor_gyro_device == NULL);
        ASSERT_NEAR(c->sensor_rate_hz, 100, 0);
        ASSERT_NEAR(c->sensor_wakeups_per_s, 1.5, 0);
        ASSERT_TRUE(!c->sensor_has_mount_matrix);
        ASSERT_TRUE(memcmp(&c->engine, &engine, sizeof(engine)) == 0);
        ASSERT_TRUE(c->state_directory == NULL);
        ASSERT_EQ(c->state_keep_days, 90);
        ASSERT_TRUE(c->stretch_catalog == NULL);
        ASSERT_STREQ(c->access_group, "psoas");
        ASSERT_TRUE(!c->gpio_enabled);
        ASSERT_TRUE(c->gpio_chip == NULL);
        ASSERT_EQ(c->gpio_motor.offset, -1);
        ASSERT_TRUE(c->gpio_motor.name == NULL);
        ASSERT_TRUE(!c->gpio_motor.active_low);
        ASSERT_EQ(c->gpio_button.offset, -1);
        ASSERT_TRUE(c->gpio_button.name == NULL);
        ASSERT_TRUE(c->gpio_button.active_low);
        ASSERT_EQ(c->gpio_button_bias, GPIO_BIAS_PULL_UP);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Defaults and a complete file */

TEST(defaults) {
        Config *c = NULL;

        ASSERT_EQ(config_new(&c), 0);
        assert_defaults(c);
        ASSERT_TRUE(config_free(c) == NULL);
        ASSERT_TRUE(config_free(NULL) == NULL);
}

TEST(empty_object_is_all_defaults) {
        static const char *const docs[] = {
                "{}",
                " \n\t{ } \r\n",
                "{\"$comment\": \"nothing else\"}",
                "{\"sensor\": {}, \"sitting\": {}, \"tilt\": {}, \"calibration\": {}, \"stretches\": {}, "
                "\"state\": {}, \"access\": {}}",
        };

        for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
                Config *c = parse_ok(docs[i]);
                assert_defaults(c);
                config_free(c);
        }
}

TEST(full_file_maps_every_key) {
        static const float matrix[9] = { 0, -1, 0, 1, 0, 0, 0, 0, 1 };
        char *path = env_path("PSOAS_TEST_FIXTURES", "full.json"), *error = NULL;
        Config *c = NULL;

        if (config_load(path, false, &c, &error) < 0)
                TEST_FAIL("%s", error);
        ASSERT_TRUE(error == NULL);

        ASSERT_STREQ(c->sensor_uri, "ip:192.168.1.20");
        ASSERT_STREQ(c->sensor_device, "lsm6dsox_accel");
        ASSERT_STREQ(c->sensor_gyro_device, "lsm6dsox_gyro");
        ASSERT_NEAR(c->sensor_rate_hz, 52, 0);
        ASSERT_NEAR(c->sensor_wakeups_per_s, 1, 0);
        ASSERT_TRUE(!c->engine.use_gyro);
        ASSERT_TRUE(c->sensor_has_mount_matrix);
        for (size_t i = 0; i < 9; i++)
                ASSERT_NEAR(c->sensor_mount_matrix[i], matrix[i], 0);
        ASSERT_TRUE(c->engine.forward_known);
        ASSERT_NEAR(c->engine.forward[0], 0, 0);
        ASSERT_NEAR(c->engine.forward[1], -1, 0);
        ASSERT_NEAR(c->engine.forward[2], 0, 0);

        ASSERT_NEAR(c->engine.sitting_alert_s, 45 * 60, 0);
        ASSERT_NEAR(c->engine.sitting_repeat_s, 7.5 * 60, 0);
        ASSERT_NEAR(c->engine.break_s, 90, 0);
        ASSERT_NEAR(c->engine.tilt_alert_deg, 12.5, 0);
        ASSERT_NEAR(c->engine.tilt_alert_s, 300, 0);
        ASSERT_NEAR(c->engine.slouch_alert_deg, 14, 0);
        ASSERT_NEAR(c->engine.slouch_alert_s, 240, 0);
        ASSERT_EQ(c->engine.quiet_start_min, 22 * 60 + 30);
        ASSERT_EQ(c->engine.quiet_end_min, 6 * 60 + 45);
        ASSERT_NEAR(c->engine.calibration_still_s, 5, 0);
        ASSERT_NEAR(c->engine.calibration_timeout_s, 30, 0);
        ASSERT_STREQ(c->stretch_catalog, "/etc/psoas/stretches.json");
        ASSERT_NEAR(c->engine.stretch_window_s, 900, 0);
        ASSERT_STREQ(c->state_directory, "/srv/psoas/state");
        ASSERT_EQ(c->state_keep_days, 365);
        ASSERT_STREQ(c->access_group, "posture-admins");

        ASSERT_TRUE(c->gpio_enabled);
        ASSERT_STREQ(c->gpio_chip, "/dev/gpiochip1");
        ASSERT_EQ(c->gpio_motor.offset, 17);
        ASSERT_TRUE(c->gpio_motor.name == NULL);
        ASSERT_TRUE(c->gpio_motor.active_low);
        ASSERT_EQ(c->gpio_button.offset, -1);
        ASSERT_STREQ(c->gpio_button.name, "BUTTON");
        ASSERT_TRUE(!c->gpio_button.active_low);
        ASSERT_EQ(c->gpio_button_bias, GPIO_BIAS_PULL_DOWN);

        ASSERT_EQ(psoas_config_validate(&c->engine, NULL), 0);
        config_free(c);
        free(path);
}

TEST(example_file_parses) {
        char *path = env_path("PSOAS_TEST_CONFIG_EXAMPLE", NULL), *error = NULL;
        Config *c = NULL, *defaults = NULL;

        if (config_load(path, false, &c, &error) < 0)
                TEST_FAIL("%s", error);

        /* The example shows the defaults (config_new()'s, from the table), and a GPIO section to copy. */
        ASSERT_EQ(config_new(&defaults), 0);
        ASSERT_STREQ(c->sensor_uri, defaults->sensor_uri);
        ASSERT_NEAR(c->sensor_rate_hz, defaults->sensor_rate_hz, 0);
        ASSERT_NEAR(c->sensor_wakeups_per_s, defaults->sensor_wakeups_per_s, 0);
        ASSERT_EQ(c->engine.use_gyro, defaults->engine.use_gyro);
        ASSERT_NEAR(c->engine.sitting_alert_s, defaults->engine.sitting_alert_s, 0);
        ASSERT_NEAR(c->engine.sitting_repeat_s, defaults->engine.sitting_repeat_s, 0);
        ASSERT_NEAR(c->engine.break_s, defaults->engine.break_s, 0);
        ASSERT_NEAR(c->engine.tilt_alert_deg, defaults->engine.tilt_alert_deg, 0);
        ASSERT_NEAR(c->engine.tilt_alert_s, defaults->engine.tilt_alert_s, 0);
        ASSERT_NEAR(c->engine.calibration_still_s, defaults->engine.calibration_still_s, 0);
        ASSERT_NEAR(c->engine.calibration_timeout_s, defaults->engine.calibration_timeout_s, 0);
        ASSERT_NEAR(c->engine.stretch_window_s, defaults->engine.stretch_window_s, 0);
        ASSERT_EQ(c->stretch_floor, defaults->stretch_floor);
        ASSERT_EQ(c->state_keep_days, defaults->state_keep_days);
        ASSERT_STREQ(c->access_group, defaults->access_group);
        ASSERT_TRUE(c->gpio_enabled);
        ASSERT_EQ(c->gpio_button_bias, defaults->gpio_button_bias);
        ASSERT_EQ(c->gpio_button.active_low, defaults->gpio_button.active_low);
        config_free(defaults);
        config_free(c);
        free(path);
}

TEST(success_leaves_error_untouched) {
        char *error = (char *)"untouched";
        Config *c = NULL;

        ASSERT_EQ(config_parse(NAME, "{}", 2, &c, &error), 0);
        ASSERT_STREQ(error, "untouched");
        config_free(c);

        /* Failing without anywhere to put the message is fine too. */
        c = NULL;
        ASSERT_EQ(config_parse(NAME, "{\"x\": 1}", 8, &c, NULL), -EINVAL);
        ASSERT_TRUE(c == NULL);
        ASSERT_EQ(config_parse(NAME, "{", 1, &c, NULL), -EINVAL);
        ASSERT_EQ(config_load("/nonexistent/psoasd.json", false, &c, NULL), -ENOENT);
        ASSERT_TRUE(c == NULL);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Keys and types */

TEST(comments_allowed_everywhere) {
        Config *c = parse_ok(
                "{\"$comment\": \"a\", \"sensor\": {\"$comment\": \"b\"}, \"sitting\": {\"$comment\": "
                "\"c\"}, \"tilt\": {\"$comment\": \"d\"}, \"quiet_hours\": {\"$comment\": \"e\", "
                "\"start\": \"00:00\", \"end\": \"00:00\"}, \"calibration\": {\"$comment\": \"f\"}, "
                "\"stretches\": {\"$comment\": \"g\"}, \"state\": {\"$comment\": \"h\"}, "
                "\"access\": {\"$comment\": \"i\"}, \"gpio\": {\"$comment\": \"j\", \"chip\": "
                "\"gpiochip0\", \"motor_line\": 0}}");
        ASSERT_TRUE(c->gpio_enabled);
        config_free(c);

        parse_fails("{\"$comment\": 1}", NAME ": $comment: must be a string, got number");
        parse_fails(
                "{\"tilt\": {\"$comment\": [\"x\"]}}", NAME ": tilt.$comment: must be a string, got array");
}

TEST(unknown_key_at_each_level) {
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
        };
        char json[128], expected[128];

        parse_fails("{\"sensors\": {}}", NAME ": sensors: unknown key");
        parse_fails("{\"sensor\": {\"ratehz\": 100}}", NAME ": sensor.ratehz: unknown key");
        for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
                snprintf(json, sizeof(json), "{\"%s\": {\"typo\": 1}}", sections[i]);
                snprintf(expected, sizeof(expected), NAME ": %s.typo: unknown key", sections[i]);
                parse_fails(json, expected);
        }

        /* Keys that are not plain words are quoted, so a message is always one readable line. */
        parse_fails(
                "{\"sitting\": {\"alert minutes\": 1}}", NAME ": sitting.\"alert minutes\": unknown key");
        parse_fails("{\"a\\nb\\\"\": 1}", NAME ": \"a\\u000ab\\\"\": unknown key");
        parse_fails("{\"gpio\": {\"m\\u00f6tor\": 1}}", NAME ": gpio.\"mötor\": unknown key");
        parse_fails("{\"\": 1}", NAME ": \"\": unknown key");
        parse_fails("{\"state\": {\"\": 1}}", NAME ": state.\"\": unknown key");
        /* An unknown key is reported before a bad value of a known one. */
        parse_fails("{\"tilt\": {\"alert_degrees\": 0, \"x\": 1}}", NAME ": tilt.x: unknown key");
}

TEST(sections_must_be_objects) {
        parse_fails("{\"sensor\": []}", NAME ": sensor: must be an object, got array");
        parse_fails("{\"gpio\": null}", NAME ": gpio: must be an object, got null");
        parse_fails(
                "{\"quiet_hours\": \"22:00-07:00\"}", NAME ": quiet_hours: must be an object, got string");
}

TEST(wrong_types) {
        static const struct {
                const char *json, *error;
        } cases[] = {
                { "{\"tilt\": {\"alert_degrees\": \"10\"}}",
                        "tilt.alert_degrees: must be a number, got string" },
                { "{\"sitting\": {\"alert_minutes\": true}}",
                        "sitting.alert_minutes: must be a number, got boolean" },
                { "{\"sitting\": {\"break_seconds\": null}}",
                        "sitting.break_seconds: must be a number, got null" },
                { "{\"sensor\": {\"rate_hz\": [100]}}", "sensor.rate_hz: must be a number, got array" },
                { "{\"sensor\": {\"use_gyro\": 1}}", "sensor.use_gyro: must be true or false, got number" },
                { "{\"sensor\": {\"use_gyro\": \"yes\"}}",
                        "sensor.use_gyro: must be true or false, got string" },
                { "{\"sensor\": {\"uri\": 5}}", "sensor.uri: must be a string, got number" },
                { "{\"sensor\": {\"device\": {}}}", "sensor.device: must be a string, got object" },
                { "{\"sensor\": {\"gyro_device\": false}}",
                        "sensor.gyro_device: must be a string, got boolean" },
                { "{\"state\": {\"keep_days\": \"90\"}}",
                        "state.keep_days: must be an integer, got string" },
                { "{\"state\": {\"keep_days\": 90.0}}", "state.keep_days: must be an integer, got 90.0" },
                { "{\"state\": {\"keep_days\": 9e1}}", "state.keep_days: must be an integer, got 9e1" },
                { "{\"state\": {\"directory\": 1}}", "state.directory: must be a string, got number" },
                { "{\"stretches\": {\"catalog\": null}}", "stretches.catalog: must be a string, got null" },
                { "{\"access\": {\"group\": 100}}", "access.group: must be a string, got number" },
                { "{\"calibration\": {\"still_seconds\": \"3\"}}",
                        "calibration.still_seconds: must be a number, got string" },
                { "{\"gpio\": {\"chip\": 0, \"motor_line\": 1}}",
                        "gpio.chip: must be a string, got number" },
                { "{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": 1, \"motor_active_low\": 0}}",
                        "gpio.motor_active_low: must be true or false, got number" },
        };
        char expected[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(expected, sizeof(expected), NAME ": %s", cases[i].error);
                parse_fails(cases[i].json, expected);
        }
}

/* Every numeric key: its bounds are accepted, and just beyond them refused with the range in the message. */
static const struct {
        const char *section, *key, *min, *max, *below, *above;
} numeric_keys[] = {
        { "sensor", "rate_hz", "12.5", "1000", "12.4", "1000.5" },
        { "sensor", "wakeups_per_s", "0.5", "50", "0.4", "51" },
        { "sitting", "alert_minutes", "1", "1440", "0", "1441" },
        { "sitting", "repeat_minutes", "1", "1440", "0.5", "2000" },
        { "sitting", "break_seconds", "10", "3600", "9", "3601" },
        { "sitting", "heads_up_minutes", "0", "60", "-1", "61" },
        { "tilt", "alert_degrees", "2", "45", "1.99", "45.01" },
        { "tilt", "alert_seconds", "5", "3600", "-5", "1e4" },
        { "slouch", "alert_degrees", "0", "45", "-1", "45.5" },
        { "slouch", "alert_minutes", "1", "60", "0.5", "61" },
        { "calibration", "still_seconds", "1", "30", "0", "31" },
        { "calibration", "timeout_seconds", "2", "600", "1", "601" },
        { "stretches", "window_seconds", "60", "7200", "59", "7201" },
        { "state", "keep_days", "1", "3650", "0", "3651" },
};

TEST(range_bounds_accepted) {
        char json[160];

        for (size_t i = 0; i < sizeof(numeric_keys) / sizeof(numeric_keys[0]); i++) {
                /* The timeout must not be shorter than the stillness: move the other one out of the way. */
                const char *extra = strcmp(numeric_keys[i].key, "still_seconds") == 0
                        ? ", \"timeout_seconds\": 30"
                        : strcmp(numeric_keys[i].key, "timeout_seconds") == 0 ? ", \"still_seconds\": 1"
                        /* and the heads-up must come before the alert. */
                        : strcmp(numeric_keys[i].key, "heads_up_minutes") == 0 ? ", \"alert_minutes\": 61"
                                                                               : "";
                Config *c;

                snprintf(json, sizeof(json), "{\"%s\": {\"%s\": %s%s}}", numeric_keys[i].section,
                        numeric_keys[i].key, numeric_keys[i].min, extra);
                c = parse_ok(json);
                config_free(c);
                snprintf(json, sizeof(json), "{\"%s\": {\"%s\": %s%s}}", numeric_keys[i].section,
                        numeric_keys[i].key, numeric_keys[i].max, extra);
                c = parse_ok(json);
                config_free(c);
        }
}

TEST(range_below_refused) {
        char json[160], expected[256];

        for (size_t i = 0; i < sizeof(numeric_keys) / sizeof(numeric_keys[0]); i++) {
                snprintf(json, sizeof(json), "{\"%s\": {\"%s\": %s}}", numeric_keys[i].section,
                        numeric_keys[i].key, numeric_keys[i].below);
                snprintf(expected, sizeof(expected), NAME ": %s.%s: must be between %s and %s, got %s",
                        numeric_keys[i].section, numeric_keys[i].key, numeric_keys[i].min,
                        numeric_keys[i].max, numeric_keys[i].below);
                parse_fails(json, expected);
        }
        parse_fails("{\"sitting\": {\"alert_minutes\": 0}}",
                NAME ": sitting.alert_minutes: must be between 1 and 1440, got 0");
}

TEST(range_above_refused) {
        char json[160], expected[256];

        for (size_t i = 0; i < sizeof(numeric_keys) / sizeof(numeric_keys[0]); i++) {
                snprintf(json, sizeof(json), "{\"%s\": {\"%s\": %s}}", numeric_keys[i].section,
                        numeric_keys[i].key, numeric_keys[i].above);
                snprintf(expected, sizeof(expected), NAME ": %s.%s: must be between %s and %s, got %s",
                        numeric_keys[i].section, numeric_keys[i].key, numeric_keys[i].min,
                        numeric_keys[i].max, numeric_keys[i].above);
                parse_fails(json, expected);
        }
        /* Overflowing doubles become infinite in json-c; they are refused as such. */
        parse_fails("{\"tilt\": {\"alert_seconds\": 1e400}}",
                NAME ": tilt.alert_seconds: must be a finite number, got 1e400");
        /* Integers beyond 63 bits are reported as written, not as json-c clamps them. */
        parse_fails("{\"state\": {\"keep_days\": 18446744073709551615}}",
                NAME ": state.keep_days: must be between 1 and 3650, got 18446744073709551615");
        parse_fails("{\"state\": {\"keep_days\": -9223372036854775808}}",
                NAME ": state.keep_days: must be between 1 and 3650, got -9223372036854775808");
}

TEST(minutes_and_seconds_mapped) {
        Config *c =
                parse_ok("{\"sitting\": {\"alert_minutes\": 1, \"repeat_minutes\": 1440, \"break_seconds\": "
                         "10.5}, \"tilt\": {\"alert_seconds\": 3600}}");

        ASSERT_NEAR(c->engine.sitting_alert_s, 60, 0);
        ASSERT_NEAR(c->engine.sitting_repeat_s, 86400, 0);
        ASSERT_NEAR(c->engine.break_s, 10.5, 0);
        ASSERT_NEAR(c->engine.tilt_alert_s, 3600, 0);
        config_free(c);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Quiet hours */

TEST(quiet_hours_wrapping_midnight) {
        Config *c = parse_ok("{\"quiet_hours\": {\"start\": \"22:00\", \"end\": \"07:00\"}}");

        ASSERT_EQ(c->engine.quiet_start_min, 22 * 60);
        ASSERT_EQ(c->engine.quiet_end_min, 7 * 60);
        config_free(c);

        c = parse_ok("{\"quiet_hours\": {\"end\": \"23:59\", \"start\": \"00:00\"}}");
        ASSERT_EQ(c->engine.quiet_start_min, 0);
        ASSERT_EQ(c->engine.quiet_end_min, 23 * 60 + 59);
        config_free(c);
}

TEST(quiet_hours_bad) {
        static const char *const bad[] = {
                "\"24:00\"",
                "\"7:00\"",
                "\"07:60\"",
                "\"07-00\"",
                "\"07:00 \"",
                "\"0700\"",
                "\"ab:cd\"",
                "700",
                "null",
                "\"07:0\\u0000\"",
        };
        char json[128], expected[256];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                snprintf(json, sizeof(json), "{\"quiet_hours\": {\"start\": %s, \"end\": \"07:00\"}}",
                        bad[i]);
                snprintf(expected, sizeof(expected),
                        NAME
                        ": quiet_hours.start: must be a time of day \"HH:MM\" from 00:00 to 23:59, got %s",
                        bad[i]);
                parse_fails(json, expected);
        }
        parse_fails("{\"quiet_hours\": {\"start\": \"22:00\"}}",
                NAME ": quiet_hours.end: missing (give both start and end)");
        parse_fails("{\"quiet_hours\": {}}", NAME ": quiet_hours.start: missing (give both start and end)");
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Sensor */

TEST(forward_axes_and_vectors) {
        static const struct {
                const char *json;
                float x, y, z;
        } cases[] = {
                { "\"+x\"", 1, 0, 0 },
                { "\"-x\"", -1, 0, 0 },
                { "\"+y\"", 0, 1, 0 },
                { "\"-y\"", 0, -1, 0 },
                { "\"+z\"", 0, 0, 1 },
                { "\"-z\"", 0, 0, -1 },
                { "[0, 0, 2]", 0, 0, 1 },
                { "[3, 4, 0]", 0.6f, 0.8f, 0 },
                { "[1e-5, 0, 0]", 1, 0, 0 },
                { "[1e300, -1e300, 0]", 0.70710678f, -0.70710678f, 0 },
        };
        char json[128];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Config *c;

                snprintf(json, sizeof(json), "{\"sensor\": {\"forward\": %s}}", cases[i].json);
                c = parse_ok(json);
                ASSERT_TRUE(c->engine.forward_known);
                ASSERT_NEAR(c->engine.forward[0], cases[i].x, 1e-6);
                ASSERT_NEAR(c->engine.forward[1], cases[i].y, 1e-6);
                ASSERT_NEAR(c->engine.forward[2], cases[i].z, 1e-6);
                config_free(c);
        }
}

TEST(forward_bad) {
        static const char *const expected_prefix = NAME
                ": sensor.forward: must be 3 numbers [x, y, z] or one of \"+x\", \"-x\", \"+y\", \"-y\", "
                "\"+z\", \"-z\", got ";
        static const struct {
                const char *json, *got;
        } cases[] = {
                { "\"x\"", "\"x\"" },
                { "\"+X\"", "\"+X\"" },
                { "\"forward\"", "\"forward\"" },
                { "\"+x\\u0000\"", "\"+x\\u0000\"" },
                { "[1, 0]", "2 numbers" },
                { "[1, 0, 0, 0]", "4 numbers" },
                { "[]", "0 numbers" },
                { "1", "number" },
                { "true", "boolean" },
                { "{}", "object" },
        };
        char json[128], expected[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(json, sizeof(json), "{\"sensor\": {\"forward\": %s}}", cases[i].json);
                snprintf(expected, sizeof(expected), "%s%s", expected_prefix, cases[i].got);
                parse_fails(json, expected);
        }
        parse_fails("{\"sensor\": {\"forward\": [0, 0, 0]}}",
                NAME ": sensor.forward: must not be the zero vector, got [0,0,0]");
        parse_fails("{\"sensor\": {\"forward\": [1e-7, 0, -1e-9]}}",
                NAME ": sensor.forward: must not be the zero vector, got [1e-7,0,-1e-9]");
        parse_fails("{\"sensor\": {\"forward\": [1, \"0\", 0]}}",
                NAME ": sensor.forward[1]: must be a number, got string");
        parse_fails("{\"sensor\": {\"forward\": [1, 0, 1e999]}}",
                NAME ": sensor.forward[2]: must be a finite number, got 1e999");
}

TEST(mount_matrix) {
        Config *c = parse_ok("{\"sensor\": {\"mount_matrix\": [-1, 0, 0, 0, 1, 0, 0, 0, -1]}}");

        ASSERT_TRUE(c->sensor_has_mount_matrix);
        ASSERT_NEAR(c->sensor_mount_matrix[0], -1, 0);
        ASSERT_NEAR(c->sensor_mount_matrix[4], 1, 0);
        ASSERT_NEAR(c->sensor_mount_matrix[8], -1, 0);
        config_free(c);

        /* Scaled and not quite orthogonal is fine; the limit is 1000 per entry. */
        c = parse_ok("{\"sensor\": {\"mount_matrix\": [1000, 0, 0, 0, 0.5, 0.01, 0, 0, -1000]}}");
        ASSERT_NEAR(c->sensor_mount_matrix[0], 1000, 0);
        config_free(c);
}

TEST(mount_matrix_bad) {
        parse_fails("{\"sensor\": {\"mount_matrix\": [1, 0, 0, 0, 1, 0, 0, 0]}}",
                NAME
                ": sensor.mount_matrix: must be an array of 9 numbers (a 3×3 matrix, row by row), got 8 "
                "numbers");
        parse_fails("{\"sensor\": {\"mount_matrix\": \"identity\"}}",
                NAME ": sensor.mount_matrix: must be an array of 9 numbers (a 3×3 matrix, row by row), got "
                     "string");
        parse_fails("{\"sensor\": {\"mount_matrix\": [1, 0, 0, 0, 1, 0, 0, 0, 1001]}}",
                NAME ": sensor.mount_matrix[8]: must be between -1000 and 1000, got 1001");
        parse_fails("{\"sensor\": {\"mount_matrix\": [1, 0, 0, 0, 1, 0, 0, null, 1]}}",
                NAME ": sensor.mount_matrix[7]: must be a number, got null");
        /* Singular: a zero row, two equal rows, and rows nearly dependent at a large scale. */
        parse_fails("{\"sensor\": {\"mount_matrix\": [1, 0, 0, 0, 0, 0, 0, 0, 1]}}",
                NAME
                ": sensor.mount_matrix: is singular (determinant 0): its rows must point in independent "
                "directions");
        parse_fails("{\"sensor\": {\"mount_matrix\": [0, 1, 0, 0, 1, 0, 0, 0, 1]}}",
                NAME
                ": sensor.mount_matrix: is singular (determinant 0): its rows must point in independent "
                "directions");
        parse_fails("{\"sensor\": {\"mount_matrix\": [1000, 0, 0, 1000, 0.0001, 0, 0, 0, 1000]}}",
                NAME
                ": sensor.mount_matrix: is singular (determinant 100): its rows must point in independent "
                "directions");
}

TEST(sensor_strings) {
        Config *c = parse_ok("{\"sensor\": {\"uri\": \"ip:sensor.local\", \"device\": \"iio:device3\"}}");

        ASSERT_STREQ(c->sensor_uri, "ip:sensor.local");
        ASSERT_STREQ(c->sensor_device, "iio:device3");
        ASSERT_TRUE(c->sensor_gyro_device == NULL);
        config_free(c);

        parse_fails("{\"sensor\": {\"uri\": \"\"}}", NAME ": sensor.uri: must not be empty");
        parse_fails("{\"sensor\": {\"device\": \"acc\\nel\"}}",
                NAME ": sensor.device: must not contain control characters");
        parse_fails("{\"sensor\": {\"device\": \"accel\\u0000x\"}}",
                NAME ": sensor.device: must not contain control characters");
}

TEST(long_strings) {
        static const char prefix[] = "{\"sensor\": {\"uri\": \"";
        static const char suffix[] = "\"}}";
        size_t n = strlen(prefix) + 4097 + strlen(suffix);
        char *json = malloc(n + 1);
        Config *c;

        ASSERT_TRUE(json);
        /* 4096 bytes are accepted, 4097 are not. */
        snprintf(json, n + 1, "%s%0*d%s", prefix, 4096, 0, suffix);
        c = parse_ok(json);
        ASSERT_EQ(strlen(c->sensor_uri), 4096);
        config_free(c);
        snprintf(json, n + 1, "%s%0*d%s", prefix, 4097, 0, suffix);
        parse_fails(json, NAME ": sensor.uri: must be at most 4096 bytes long, got 4097");
        free(json);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Calibration, paths, access */

TEST(calibration_timeout_below_still) {
        parse_fails("{\"calibration\": {\"still_seconds\": 10, \"timeout_seconds\": 5}}",
                NAME
                ": calibration.timeout_seconds: must be at least calibration.still_seconds (10), got 5");
        parse_fails("{\"calibration\": {\"still_seconds\": 20}}",
                NAME
                ": calibration.still_seconds: must not exceed calibration.timeout_seconds (15 by default), "
                "got 20");
        /* Equal is fine. */
        config_free(parse_ok("{\"calibration\": {\"still_seconds\": 15}}"));
}

TEST(sitting_heads_up_before_the_alert) {
        Config *c = parse_ok("{\"sitting\": {\"alert_minutes\": 45, \"heads_up_minutes\": 5}}");

        ASSERT_NEAR(c->engine.sitting_heads_up_s, 300, 0);
        config_free(c);
        parse_fails("{\"sitting\": {\"heads_up_minutes\": 30}}",
                NAME ": sitting.heads_up_minutes: must be less than sitting.alert_minutes (30), got 30");
        parse_fails("{\"sitting\": {\"alert_minutes\": 10, \"heads_up_minutes\": 15}}",
                NAME ": sitting.heads_up_minutes: must be less than sitting.alert_minutes (10), got 15");
}

/* The slouch alert's keys, in degrees and minutes, and their defaults (10°, 3 min). */
TEST(slouch_keys) {
        Config *c = parse_ok("{}");

        ASSERT_NEAR(c->engine.slouch_alert_deg, 10, 0);
        ASSERT_NEAR(c->engine.slouch_alert_s, 180, 0);
        config_free(c);
        c = parse_ok("{\"slouch\": {\"alert_degrees\": 15, \"alert_minutes\": 2.5}}");
        ASSERT_NEAR(c->engine.slouch_alert_deg, 15, 0);
        ASSERT_NEAR(c->engine.slouch_alert_s, 150, 0);
        config_free(c);
        parse_fails("{\"slouch\": {\"alert_seconds\": 60}}", NAME ": slouch.alert_seconds: unknown key");
}

TEST(paths_must_be_absolute) {
        parse_fails("{\"state\": {\"directory\": \"var/lib/psoas\"}}",
                NAME ": state.directory: must be an absolute path, got \"var/lib/psoas\"");
        parse_fails("{\"stretches\": {\"catalog\": \"./stretches.json\"}}",
                NAME ": stretches.catalog: must be an absolute path, got \"./stretches.json\"");
        parse_fails("{\"state\": {\"directory\": \"\"}}", NAME ": state.directory: must not be empty");
}

TEST(access_group) {
        static const char *const good[] = { "psoas", "wheel", "_psoas", "posture.admins", "a-b", "g1",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef" };
        static const char *const bad[] = { "-psoas", "1000", ".", "..", "a b", "psoas:x", "gr\\u00fcn",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg" };
        char json[128], expected[512];

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                Config *c;

                snprintf(json, sizeof(json), "{\"access\": {\"group\": \"%s\"}}", good[i]);
                c = parse_ok(json);
                ASSERT_STREQ(c->access_group, good[i]);
                config_free(c);
        }
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                snprintf(json, sizeof(json), "{\"access\": {\"group\": \"%s\"}}", bad[i]);
                snprintf(expected, sizeof(expected),
                        NAME
                        ": access.group: must be a group name (up to 32 letters, digits, '.', '_' or '-', "
                        "not starting with '-' and not only digits), got \"%s\"",
                        strcmp(bad[i], "gr\\u00fcn") == 0 ? "grün" : bad[i]);
                parse_fails(json, expected);
        }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* GPIO */

TEST(gpio_offsets_and_names) {
        Config *c = parse_ok("{\"gpio\": {\"chip\": \"gpiochip0\", \"button_line\": 1023}}");

        ASSERT_TRUE(c->gpio_enabled);
        ASSERT_STREQ(c->gpio_chip, "gpiochip0");
        ASSERT_EQ(c->gpio_motor.offset, -1);
        ASSERT_TRUE(c->gpio_motor.name == NULL);
        ASSERT_EQ(c->gpio_button.offset, 1023);
        ASSERT_TRUE(c->gpio_button.active_low);
        ASSERT_EQ(c->gpio_button_bias, GPIO_BIAS_PULL_UP);
        config_free(c);

        c = parse_ok(
                "{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": \"VIBRA_EN\", \"button_line\": 0, "
                "\"button_bias\": \"as-is\"}}");
        ASSERT_EQ(c->gpio_motor.offset, -1);
        ASSERT_STREQ(c->gpio_motor.name, "VIBRA_EN");
        ASSERT_EQ(c->gpio_button.offset, 0);
        ASSERT_TRUE(c->gpio_button.name == NULL);
        ASSERT_EQ(c->gpio_button_bias, GPIO_BIAS_AS_IS);
        config_free(c);

        c = parse_ok(
                "{\"gpio\": {\"chip\": \"gpiochip0\", \"button_line\": 4, \"button_bias\": \"disabled\"}}");
        ASSERT_EQ(c->gpio_button_bias, GPIO_BIAS_DISABLED);
        config_free(c);
}

TEST(gpio_missing_chip) {
        parse_fails("{\"gpio\": {\"motor_line\": 17}}",
                NAME ": gpio.chip: missing (required when the gpio section is present)");
        parse_fails(
                "{\"gpio\": {}}", NAME ": gpio.chip: missing (required when the gpio section is present)");
        parse_fails(
                "{\"gpio\": {\"chip\": \"\", \"motor_line\": 17}}", NAME ": gpio.chip: must not be empty");
        parse_fails("{\"gpio\": {\"chip\": \"dev/gpiochip0\", \"motor_line\": 17}}",
                NAME ": gpio.chip: must be a device path (/dev/gpiochip0) or a chip name (gpiochip0), got "
                     "\"dev/gpiochip0\"");
        parse_fails("{\"gpio\": {\"chip\": \"..\", \"motor_line\": 17}}",
                NAME ": gpio.chip: must be a device path (/dev/gpiochip0) or a chip name (gpiochip0), got "
                     "\"..\"");
}

TEST(gpio_needs_a_line) {
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\"}}",
                NAME ": gpio: give motor_line, button_line or both");
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": 1, \"button_active_low\": true}}",
                NAME ": gpio.button_active_low: given without gpio.button_line");
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": 1, \"button_bias\": \"pull-up\"}}",
                NAME ": gpio.button_bias: given without gpio.button_line");
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"button_line\": 1, \"motor_active_low\": true}}",
                NAME ": gpio.motor_active_low: given without gpio.motor_line");
}

TEST(gpio_bad_lines) {
        static const struct {
                const char *json, *got;
        } cases[] = {
                { "-1", "-1" },
                { "1024", "1024" },
                { "17.0", "17.0" },
                { "\"\"", "\"\"" },
                { "\"BUT\\tTON\"", "\"BUT\\tTON\"" },
                { "true", "boolean" },
                { "null", "null" },
                { "[17]", "array" },
                { "\"17\"", "\"17\": write an offset as a number, without quotes" },
                { "\"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345\"",
                        "a name of 32 bytes: the kernel's line names have at most 31" },
        };
        char json[160], expected[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(json, sizeof(json), "{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": %s}}",
                        cases[i].json);
                snprintf(expected, sizeof(expected),
                        NAME ": gpio.motor_line: must be a line offset (0-1023) or a line name, got %s",
                        cases[i].got);
                parse_fails(json, expected);
        }
}

TEST(gpio_motor_and_button_on_one_line) {
        Config *c;

        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": 17, \"button_line\": 17}}",
                NAME ": gpio.button_line: is the same line as gpio.motor_line");
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": \"GPIO17\", \"button_line\": "
                    "\"GPIO17\"}}",
                NAME ": gpio.button_line: is the same line as gpio.motor_line");
        /* A name and an offset may be the same line or not: only the chip can tell, when psoasd opens it. */
        c = parse_ok(
                "{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": \"GPIO17\", \"button_line\": 17}}");
        ASSERT_STREQ(c->gpio_motor.name, "GPIO17");
        ASSERT_EQ(c->gpio_button.offset, 17);
        config_free(c);
        c = parse_ok("{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": 0, \"button_line\": 1}}");
        ASSERT_EQ(c->gpio_motor.offset, 0);
        ASSERT_EQ(c->gpio_button.offset, 1);
        config_free(c);
}

TEST(gpio_bad_chip_types) {
        parse_fails("{\"gpio\": {\"chip\": [\"gpiochip0\"], \"motor_line\": 17}}",
                NAME ": gpio.chip: must be a string, got array");
        parse_fails(
                "{\"gpio\": {\"chip\": \"gpiochip0\", \"motor_line\": 17, \"motor_active_low\": \"yes\"}}",
                NAME ": gpio.motor_active_low: must be true or false, got string");
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"button_line\": 27, \"button_active_low\": 1}}",
                NAME ": gpio.button_active_low: must be true or false, got number");
        parse_fails("{\"gpio\": {\"chip\": \"gpiochip0\", \"button_line\": 27, \"debounce_ms\": 30}}",
                NAME ": gpio.debounce_ms: unknown key");
        parse_fails("{\"gpio\": [\"gpiochip0\"]}", NAME ": gpio: must be an object, got array");
}

TEST(gpio_bad_bias) {
        static const char *const bad[] = { "\"pullup\"", "\"Pull-Up\"", "\"\"", "1", "null" };
        char json[160], expected[256];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                snprintf(json, sizeof(json),
                        "{\"gpio\": {\"chip\": \"gpiochip0\", \"button_line\": 5, \"button_bias\": %s}}",
                        bad[i]);
                snprintf(expected, sizeof(expected),
                        NAME
                        ": gpio.button_bias: must be \"as-is\", \"disabled\", \"pull-up\" or \"pull-down\", "
                        "got %s",
                        bad[i]);
                parse_fails(json, expected);
        }
}

TEST(gpio_bias_names) {
        ASSERT_STREQ(gpio_bias_to_string(GPIO_BIAS_AS_IS), "as-is");
        ASSERT_STREQ(gpio_bias_to_string(GPIO_BIAS_DISABLED), "disabled");
        ASSERT_STREQ(gpio_bias_to_string(GPIO_BIAS_PULL_UP), "pull-up");
        ASSERT_STREQ(gpio_bias_to_string(GPIO_BIAS_PULL_DOWN), "pull-down");
        ASSERT_TRUE(gpio_bias_to_string(_GPIO_BIAS_MAX) == NULL);
        ASSERT_TRUE(gpio_bias_to_string((GpioBias)-1) == NULL);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* JSON syntax */

TEST(syntax_error_line_and_column) {
        /* A trailing comma: json-c stops at the '}' on line 4, column 3. */
        parse_fails("{\n  \"sitting\": {\n    \"alert_minutes\": 30,\n  }\n}",
                NAME ":4:3: not valid JSON: unexpected character");
        /* Columns count characters, not bytes: "é" is one. */
        parse_fails("{\"$comment\": \"é\", x}",
                NAME ":1:19: not valid JSON: quoted object property name expected");
        parse_fails("{\"tilt\": {\"alert_degrees\" 10}}",
                NAME ":1:27: not valid JSON: object property name separator ':' expected");
        parse_fails("{\"a\": [1 2]}", NAME ":1:10: not valid JSON: array value separator ',' expected");
        parse_fails(
                "{\"tilt\": {\"alert_degrees\": 10}", NAME ":1:31: not valid JSON: unexpected end of data");
        parse_fails("{\"x\": tru}", NAME ":1:10: not valid JSON: boolean expected");
        parse_fails("{\"x\": \"\\q\"}", NAME ":1:9: not valid JSON: invalid string sequence");
        parse_fails("{\"x\": \"\xff\"}", NAME ":1:8: not valid JSON: invalid utf-8 string");
}

TEST(syntax_strictness) {
        static const struct {
                const char *json, *error;
        } cases[] = {
                /* What json-c lets through, and the strict pass catches. */
                { "{\"x\": NaN}", ":1:7: not valid JSON: NaN and Infinity are not JSON numbers" },
                { "{\"x\": Infinity}", ":1:7: not valid JSON: NaN and Infinity are not JSON numbers" },
                { "{\"x\": -Infinity}", ":1:7: not valid JSON: NaN and Infinity are not JSON numbers" },
                { "{'sensor': {}}", ":1:2: not valid JSON: strings must be in double quotes" },
                { "{\"x\": {'y': 1}}", ":1:8: not valid JSON: strings must be in double quotes" },
                { "{\"x\": -01}", ":1:7: not valid JSON: a number must not have leading zeros" },
                { "{\"x\": 1.}", ":1:7: not valid JSON: a number needs digits after its decimal point" },
                { "{\"x\": 1.e5}", ":1:7: not valid JSON: a number needs digits after its decimal point" },
                { "{\"x\": \"a\tb\"}",
                        ":1:9: not valid JSON: control character U+0009 in a string (write it as an escape "
                        "such as "
                        "\\n, \\t or \\u0009)" },
                { "{\"x\": \"\\ud800\"}",
                        ":1:8: not valid JSON: lone UTF-16 surrogate \\ud800 (not a character)" },
                { "{\"x\": \"\\udc00\\ud800\"}",
                        ":1:8: not valid JSON: lone UTF-16 surrogate \\udc00 (not a character)" },
                { "{\"x\": \"\\ud800\\u0041\"}",
                        ":1:8: not valid JSON: lone UTF-16 surrogate \\ud800 (not a character)" },
                { "{\"x\": \"\xed\xa0\x80\"}", ":1:8: not valid JSON: invalid UTF-8" },
                { "{\"x\": \"\xc0\xaf\"}", ":1:8: not valid JSON: invalid UTF-8" },
                { "{\"x\": \"\xf4\x90\x80\x80\"}", ":1:8: not valid JSON: invalid UTF-8" },
                { "{\"x\": 99999999999999999999}", ":1:7: not valid JSON: integer out of the 64-bit range" },
                { "{\"x\": -9223372036854775809}", ":1:7: not valid JSON: integer out of the 64-bit range" },
                { "\xef\xbb\xbf{}",
                        ":1:1: not valid JSON: the file starts with a UTF-8 byte order mark; save it "
                        "without one" },
                { "{\"a\\u0000b\": 1}", ":1:2: not valid JSON: a key must not contain \\u0000" },
        };
        char expected[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                snprintf(expected, sizeof(expected), NAME "%s", cases[i].error);
                parse_fails(cases[i].json, expected);
        }

        /* The strict pass accepts all of valid JSON. */
        config_free(
                parse_ok("{\"$comment\": \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00 é 😀\", "
                         "\"sitting\": {\"alert_minutes\": 1.5e1, \"repeat_minutes\": 150E-1, "
                         "\"break_seconds\": 0.6e+2}, \"tilt\": {\"alert_degrees\": 20E-1, \"$comment\": "
                         "\"\", \"alert_seconds\": 0.5e1}, \"sensor\": {\"forward\": [-0, 1, -0.0]}}"));
}

TEST(duplicate_keys) {
        parse_fails("{\"sitting\": {\"alert_minutes\": 20,\n\"alert_minutes\": 30}}",
                NAME ": sitting.alert_minutes: given more than once, on lines 1 and 2");
        parse_fails("{\"sitting\": {}, \"sitting\": {}}",
                NAME ": sitting: given more than once, twice on line 1");
        /* The same key written two ways is still the same key. */
        parse_fails("{\"tilt\": {\"alert_degrees\": 5, \"alert_\\u0064egrees\": 6}}",
                NAME ": tilt.alert_degrees: given more than once, twice on line 1");
        /* Inside arrays too, with the path to them. */
        parse_fails("{\"x\": [{}, {\"a\": 1, \"a\": 2}]}",
                NAME ": x[1].a: given more than once, twice on line 1");
        /* The same key in different objects is fine (and then unknown here). */
        parse_fails("{\"a\": {\"a\": 1}}", NAME ": a: unknown key");
}

TEST(trailing_garbage) {
        parse_fails("{} x", NAME ":1:4: not valid JSON: unexpected character");
        parse_fails("{}{}", NAME ":1:3: not valid JSON: unexpected character");
        parse_fails("{}\n]", NAME ":2:1: not valid JSON: unexpected character");
        parse_fails_n("{}\0", 3, -EINVAL, NAME ":1:3: not valid JSON: unexpected NUL byte");
        parse_fails_n("{}\n\0{\"x\":1}", 11, -EINVAL, NAME ":2:1: not valid JSON: unexpected NUL byte");
        parse_fails_n("{\"a\"\0: 1}", 9, -EINVAL, NAME ":1:5: not valid JSON: unexpected NUL byte");
        /* Whitespace after the document is fine. */
        config_free(parse_ok("{}\n\n \t\r\n"));
}

TEST(top_level_not_an_object) {
        parse_fails("[]", NAME ": top level: must be an object, got array");
        parse_fails("[{\"sensor\": {}}]", NAME ": top level: must be an object, got array");
        parse_fails("1", NAME ": top level: must be an object, got number");
        parse_fails("\"sensor\"", NAME ": top level: must be an object, got string");
        parse_fails("null", NAME ": top level: must be an object, got null");
        parse_fails("true ", NAME ": top level: must be an object, got boolean");
}

TEST(empty_input) {
        parse_fails("", NAME ":1:1: not valid JSON: unexpected end of data");
        parse_fails("  \n ", NAME ":2:2: not valid JSON: unexpected end of data");
}

TEST(buffer_not_nul_terminated) {
        /* Only size bytes are read: what follows in memory is not part of the document. */
        static const char data[] = "{}garbage";
        char *copy = malloc(2), *error = NULL;
        Config *c = NULL;

        ASSERT_TRUE(copy);
        memcpy(copy, data, 2);
        ASSERT_EQ(config_parse(NAME, copy, 2, &c, &error), 0);
        config_free(c);
        c = NULL;
        ASSERT_EQ(config_parse(NAME, data, 2, &c, &error), 0);
        config_free(c);
        free(copy);

        /* NULL with no bytes is an empty document. */
        ASSERT_EQ(config_parse(NAME, NULL, 0, &c, &error), -EINVAL);
        ASSERT_STREQ(error, NAME ":1:1: not valid JSON: unexpected end of data");
        free(error);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Files */

TEST(missing_file) {
        char *path, *error = NULL;
        char expected[256];
        Config *c = NULL;

        make_temp_dir();
        path = temp_path("psoasd.json");
        snprintf(expected, sizeof(expected), "%s: No such file or directory", path);

        ASSERT_EQ(config_load(path, false, &c, &error), -ENOENT);
        ASSERT_TRUE(c == NULL);
        ASSERT_STREQ(error, expected);
        free(error);
        error = NULL;

        ASSERT_EQ(config_load(path, true, &c, &error), 0);
        ASSERT_TRUE(error == NULL);
        assert_defaults(c);
        config_free(c);
        c = NULL;

        /* allow_missing is about the file alone: a bad file is still refused. */
        free(path);
        path = write_temp_file("psoasd.json", "{\"tilt\": 1}", 11);
        snprintf(expected, sizeof(expected), "%s: tilt: must be an object, got number", path);
        ASSERT_EQ(config_load(path, true, &c, &error), -EINVAL);
        ASSERT_STREQ(error, expected);
        free(error);
        remove_temp_file(path);
        remove_temp_dir();
}

TEST(directory_refused) {
        char *error = NULL;
        char expected[256];
        Config *c = NULL;

        make_temp_dir();
        snprintf(expected, sizeof(expected), "%s: Is a directory", temp_dir);
        ASSERT_EQ(config_load(temp_dir, true, &c, &error), -EISDIR);
        ASSERT_STREQ(error, expected);
        free(error);
        remove_temp_dir();
}

TEST(too_big_file) {
        size_t limit = JSON_DOC_SIZE_MAX;
        char *data = malloc(limit + 1), *path, *error = NULL;
        char expected[256];
        Config *c = NULL;

        ASSERT_TRUE(data);
        ASSERT_EQ(limit, 1024 * 1024);
        make_temp_dir();

        /* Exactly 1 MiB (mostly blanks) is read. */
        memset(data, ' ', limit + 1);
        memcpy(data, "{}", 2);
        path = write_temp_file("big.json", data, limit);
        if (config_load(path, false, &c, &error) < 0)
                TEST_FAIL("%s", error);
        assert_defaults(c);
        config_free(c);
        c = NULL;
        remove_temp_file(path);

        /* One byte more is refused, from a file and from memory. */
        path = write_temp_file("big.json", data, limit + 1);
        snprintf(expected, sizeof(expected), "%s: larger than 1 MiB, refusing to read it", path);
        ASSERT_EQ(config_load(path, false, &c, &error), -EFBIG);
        ASSERT_TRUE(c == NULL);
        ASSERT_STREQ(error, expected);
        free(error);
        error = NULL;
        remove_temp_file(path);

        ASSERT_EQ(config_parse(NAME, data, limit + 1, &c, &error), -EFBIG);
        ASSERT_STREQ(error, NAME ": larger than 1 MiB (1048577 bytes), refusing it");
        free(error);

        free(data);
        remove_temp_dir();
}

TEST(pipe_read_to_the_end) {
        /* Not a regular file, so no size to trust: read until the end, in several reads. */
        int fds[2];
        char path[64], *error = NULL;
        Config *c = NULL;
        int status;
        pid_t pid;

        ASSERT_EQ(pipe(fds), 0);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                static const char head[] = "{\"tilt\": {\"alert_degrees\": 20}, \"$comment\": \"";
                char blanks[1000];

                close(fds[0]);
                memset(blanks, 'x', sizeof(blanks));
                if (write(fds[1], head, strlen(head)) < 0)
                        _exit(1);
                for (int i = 0; i < 100; i++)
                        if (write(fds[1], blanks, sizeof(blanks)) < 0)
                                _exit(1);
                if (write(fds[1], "\"}", 2) < 0)
                        _exit(1);
                _exit(0);
        }
        close(fds[1]);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
        if (config_load(path, false, &c, &error) < 0)
                TEST_FAIL("%s", error);
        ASSERT_NEAR(c->engine.tilt_alert_deg, 20, 0);
        config_free(c);
        close(fds[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Arbitrary bytes: the reader must refuse or accept them without crashing or leaking (ASan and UBSan check
 * the rest in the sanitizer build). A quick, deterministic stand-in for the fuzzer. */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void) {
        /* xorshift64* */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1Du;
}

static char *read_whole(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "rb");
        char *data;
        long n;

        ASSERT_TRUE(f);
        ASSERT_EQ(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        ASSERT_TRUE(n > 0);
        rewind(f);
        data = malloc((size_t)n);
        ASSERT_TRUE(data);
        ASSERT_EQ(fread(data, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        *ret_size = (size_t)n;
        return data;
}

/* One random edit of data (at most size + 20 bytes are written to out). */
static size_t mutate(const char *data, size_t size, char *out) {
        static const char *const tokens[] = { "{", "}", "[", "]", "\"", "\\", ",", ":", "\\u", "\\ud800",
                "NaN", "1e999", "-0", "99999999999999999999", "null", "true", "\"$comment\"", "'", "\t",
                "\xff", "\xed\xa0\x80", "\xc3" };
        size_t at = size ? rng() % size : 0, n = 0;

        switch (rng() % 5) {
        case 0: /* flip a byte */
                memcpy(out, data, size);
                if (size)
                        out[at] = (char)rng();
                return size;
        case 1: /* insert a NUL or a token */ {
                const char *t = rng() % 4 == 0 ? "" : tokens[rng() % (sizeof(tokens) / sizeof(tokens[0]))];
                size_t tn = *t ? strlen(t) : 1;
                memcpy(out, data, at);
                memcpy(out + at, t, tn);
                memcpy(out + at + tn, data + at, size - at);
                return size + tn;
        }
        case 2: /* delete a range */
                n = size - at ? rng() % (size - at) % 64 + 1 : 0;
                memcpy(out, data, at);
                memcpy(out + at, data + at + n, size - at - n);
                return size - n;
        case 3: /* truncate */
                memcpy(out, data, at);
                return at;
        default: /* duplicate a byte */
                memcpy(out, data, size);
                if (size) {
                        memmove(out + at + 1, out + at, size - at);
                        return size + 1;
                }
                return size;
        }
}

TEST(random_mutations_are_safe) {
        char *path = env_path("PSOAS_TEST_CONFIG_EXAMPLE", NULL);
        size_t size, accepted = 0, refused = 0;
        char *seed = read_whole(path, &size);
        /* Five edits add at most 5 × 20 bytes. */
        char *a = malloc(size + 256), *b = malloc(size + 256);

        ASSERT_TRUE(a && b);
        for (int i = 0; i < 3000; i++) {
                size_t n = size;
                char *error = NULL;
                Config *c = NULL;
                int r;

                /* A few edits on top of each other, into an exactly sized buffer for ASan. */
                memcpy(a, seed, size);
                for (int k = (int)(rng() % 4); k >= 0; k--) {
                        n = mutate(a, n, b);
                        memcpy(a, b, n);
                }
                char *exact = malloc(n ? n : 1);
                ASSERT_TRUE(exact);
                memcpy(exact, a, n);
                r = config_parse(NAME, exact, n, &c, &error);
                free(exact);
                if (r >= 0) {
                        ASSERT_TRUE(c);
                        ASSERT_TRUE(error == NULL);
                        ASSERT_EQ(psoas_config_validate(&c->engine, NULL), 0);
                        accepted++;
                } else {
                        ASSERT_TRUE(error);
                        ASSERT_TRUE(strncmp(error, NAME, strlen(NAME)) == 0);
                        ASSERT_TRUE(!strchr(error, '\n'));
                        refused++;
                }
                config_free(c);
                free(error);
        }
        /* Both outcomes must have happened, or the mutations test nothing. */
        ASSERT_TRUE(accepted > 0);
        ASSERT_TRUE(refused > 0);
        free(a);
        free(b);
        free(seed);
        free(path);
}

TEST_MAIN
