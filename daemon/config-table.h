/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The configuration file described as data, one table per section (config-keys.c), read by config.c. Each key
 * says its type, where its value goes in Config, its range, unit and default, and one line on what it means.
 * That one description drives:
 *   - reading and checking the file (config.c: types, ranges, unknown keys, error messages),
 *   - the defaults (config_new()),
 *   - the synopsis psoasd.json(5) gives each key, which tests/config/test-config-man.c compares with the page.
 * The engine's numbers (CONFIG_ENGINE_NUMBER) take their range and default from libpsoas (lib/config.c) and their
 * unit from common/engine-keys.c, which psoas-analyze's options read as well.
 */

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "config.h"
#include "json.h"

/* Every string in the file is a name, a path or a URI: PATH_MAX is a generous bound for all of them. */
#define CONFIG_STRING_MAX 4096

typedef struct ConfigReader {
        const char *name; /* the file, for messages */
        char **ret_error;
} ConfigReader;

#define reader_error(rd, parent, key, ...)                                                                  \
        json_doc_error((rd)->ret_error, (rd)->name, (parent), (key), __VA_ARGS__)

typedef enum ConfigKeyType {
        CONFIG_STRING, /* char *: not empty, no control characters; valid() may restrict it further */
        CONFIG_NUMBER, /* double, from min to max */
        CONFIG_INTEGER, /* uint32_t, from min to max, written without a fraction or an exponent */
        CONFIG_BOOLEAN, /* bool */
        CONFIG_ENGINE_NUMBER, /* a float of Config.engine: range, default and unit from common/engine-keys.h */
        CONFIG_CHOICE, /* an enum, the index of the string given in choices */
        CONFIG_SPECIAL, /* read by parse(), documented by synopsis */
} ConfigKeyType;

typedef struct ConfigKey ConfigKey;
struct ConfigKey {
        const char *key; /* within its section */
        ConfigKeyType type;
        size_t offset; /* of the value in Config (unused for CONFIG_ENGINE_NUMBER and CONFIG_SPECIAL) */
        const char *description; /* one line */

        /* CONFIG_NUMBER, CONFIG_INTEGER */
        double min, max;
        const char *unit; /* "Hz", "days": how the documentation says it */

        /* The default, set by config_new() (a key inside Config.engine keeps psoas_config_init()'s). */
        double default_number; /* CONFIG_NUMBER, CONFIG_INTEGER, CONFIG_CHOICE (the index) */
        bool default_boolean; /* CONFIG_BOOLEAN */
        const char *default_string; /* CONFIG_STRING: the value, or NULL for none */
        const char *
                default_words; /* CONFIG_STRING without a value: what happens instead, for the documentation */

        /* CONFIG_STRING */
        bool required; /* when the section is present */
        bool (*valid)(const char *s);
        const char *expected; /* what valid() accepts, as in "must be an absolute path" */

        /* CONFIG_CHOICE: NULL-terminated */
        const char *const *choices;

        /* CONFIG_SPECIAL: reads section[key] into c, also when it is absent (returns 0 then, or an error) */
        int (*parse)(const ConfigReader *rd, struct json_object *section, const ConfigKey *k, Config *c);
        const char *synopsis;
};

typedef struct ConfigSection {
        const char *name;
        const ConfigKey *keys;
        size_t n_keys;
        /* Rules between keys, once all of them are read. */
        int (*check)(const ConfigReader *rd, struct json_object *section, Config *c);
} ConfigSection;

/* The file's sections, in the order they are read and documented (config-keys.c). */
extern const ConfigSection config_sections[];
extern const size_t config_sections_count;

/* Shared by config.c's string reader and config-keys.c's line reader. */
bool config_has_control_characters(const char *s, size_t n);
