/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading the configuration file through its table (config-table.h, config-keys.c): every key is read, checked,
 * defaulted and documented the same way, by its type. */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "config-table.h"
#include "config.h"
#include "engine-keys.h"
#include "json.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

static void *config_field(Config *c, const ConfigKey *k) {
        return (char *)c + k->offset;
}

static const void *config_field_const(const Config *c, const ConfigKey *k) {
        return (const char *)c + k->offset;
}

/* The engine's description of a CONFIG_ENGINE_NUMBER key: unit, scale and field. */
static const EngineKey *config_engine_key(const ConfigSection *section, const ConfigKey *k) {
        char name[128];

        snprintf(name, sizeof(name), "%s.%s", section->name, k->key);
        return engine_key_by_name(name);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Typed values */

/* Fails on any key other than "$comment" (which must be a string) and those in known (NULL-terminated). */
static int check_keys(
        const ConfigReader *rd, const char *path, struct json_object *obj, const char *const *known) {
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
static int get_number(const ConfigReader *rd, struct json_object *obj, const char *section, const char *key,
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

static int get_integer(const ConfigReader *rd, struct json_object *obj, const char *section, const char *key,
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
        const ConfigReader *rd, struct json_object *obj, const char *section, const char *key, bool *ret) {
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_boolean))
                return reader_error(
                        rd, section, key, "must be true or false, got %s", json_doc_type_name(v));
        *ret = json_object_get_boolean(v);
        return 1;
}

bool config_has_control_characters(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
                        return true;
        return false;
}

/* A non-empty string of at most max bytes without control characters, returned as a copy. */
static int get_string(const ConfigReader *rd, struct json_object *obj, const char *section, const char *key,
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
        if (config_has_control_characters(s, n))
                return reader_error(rd, section, key, "must not contain control characters");
        if (n > max)
                return reader_error(rd, section, key, "must be at most %zu bytes long, got %zu", max, n);

        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 1;
}

static int get_object(
        const ConfigReader *rd, struct json_object *obj, const char *key, struct json_object **ret) {
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return reader_error(rd, key, NULL, "must be an object, got %s", json_doc_type_name(v));
        *ret = v;
        return 1;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Keys by type */

static int read_string(const ConfigReader *rd, struct json_object *obj, const char *section,
        const ConfigKey *k, Config *c) {
        char **field = config_field(c, k);
        _cleanup_free_ char *s = NULL;
        int r;

        r = get_string(rd, obj, section, k->key, CONFIG_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (r == 0)
                return k->required ? reader_error(rd, section, k->key,
                                             "missing (required when the %s section is present)", section)
                                   : 0;
        if (k->valid && !k->valid(s)) {
                char shown[JSON_DOC_DESCRIBE_MAX];

                return reader_error(rd, section, k->key, "must be %s, got %s", k->expected,
                        json_doc_describe(json_object_object_get(obj, k->key), shown, sizeof(shown)));
        }
        free(*field);
        *field = TAKE_PTR(s);
        return 1;
}

static int read_choice(const ConfigReader *rd, struct json_object *obj, const char *section,
        const ConfigKey *k, Config *c) {
        char shown[JSON_DOC_DESCRIBE_MAX], expected[256] = "";
        struct json_object *v;
        size_t n = 0;

        if (!json_object_object_get_ex(obj, k->key, &v))
                return 0;
        if (json_object_is_type(v, json_type_string))
                for (size_t i = 0; k->choices[i]; i++)
                        if (strcmp(json_object_get_string(v), k->choices[i]) == 0 &&
                                strlen(k->choices[i]) == (size_t)json_object_get_string_len(v)) {
                                *(int *)config_field(c, k) = (int)i;
                                return 1;
                        }

        /* "\"a\", \"b\" or \"c\"" */
        while (k->choices[n])
                n++;
        for (size_t i = 0; i < n; i++) {
                size_t used = strlen(expected);

                snprintf(expected + used, sizeof(expected) - used, "%s\"%s\"",
                        i == 0              ? ""
                                : i + 1 < n ? ", "
                                            : " or ",
                        k->choices[i]);
        }
        return reader_error(rd, section, k->key, "must be %s, got %s", expected,
                json_doc_describe(v, shown, sizeof(shown)));
}

static int read_key(const ConfigReader *rd, struct json_object *obj, const ConfigSection *section,
        const ConfigKey *k, Config *c) {
        const EngineKey *ek;
        int64_t integer = 0;
        double d = 0, min, max;
        int r;

        switch (k->type) {
        case CONFIG_STRING:
                return read_string(rd, obj, section->name, k, c);
        case CONFIG_NUMBER:
                return get_number(rd, obj, section->name, k->key, k->min, k->max, config_field(c, k));
        case CONFIG_INTEGER:
                r = get_integer(rd, obj, section->name, k->key, (int64_t)k->min, (int64_t)k->max, &integer);
                if (r > 0)
                        *(uint32_t *)config_field(c, k) = (uint32_t)integer;
                return r;
        case CONFIG_BOOLEAN:
                return get_bool(rd, obj, section->name, k->key, config_field(c, k));
        case CONFIG_ENGINE_NUMBER:
                ek = config_engine_key(section, k);
                if (!ek || engine_key_range(ek, &min, &max) < 0)
                        return -EINVAL; /* the tables disagree: tests/config catches it */
                r = get_number(rd, obj, section->name, k->key, min, max, &d);
                if (r > 0)
                        engine_key_set(ek, &c->engine, d);
                return r;
        case CONFIG_CHOICE:
                return read_choice(rd, obj, section->name, k, c);
        case CONFIG_SPECIAL:
                return k->parse(rd, obj, k, c);
        }
        return -EINVAL;
}

static int read_section(
        const ConfigReader *rd, struct json_object *obj, const ConfigSection *section, Config *c) {
        const char *known[32];
        int r;

        if (section->n_keys >= ELEMENTSOF(known))
                return -E2BIG;
        for (size_t i = 0; i < section->n_keys; i++)
                known[i] = section->keys[i].key;
        known[section->n_keys] = NULL;
        r = check_keys(rd, section->name, obj, known);
        if (r < 0)
                return r;

        for (size_t i = 0; i < section->n_keys; i++) {
                r = read_key(rd, obj, section, &section->keys[i], c);
                if (r < 0)
                        return r;
        }
        return section->check ? section->check(rd, obj, c) : 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Defaults */

/* Whether the key's value lives in Config.engine, whose defaults are libpsoas's (psoas_config_init()). */
static bool key_is_engine(const ConfigKey *k) {
        return k->type == CONFIG_ENGINE_NUMBER ||
                (k->offset >= offsetof(Config, engine) &&
                        k->offset < offsetof(Config, engine) + sizeof(struct psoas_config));
}

int config_new(Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;

        if (!ret)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;

        psoas_config_init(PSOAS_SIZED(&c->engine));
        /* No line: offsets are 0 and up. */
        c->gpio_motor.offset = -1;
        c->gpio_button.offset = -1;

        for (size_t s = 0; s < config_sections_count; s++)
                for (size_t i = 0; i < config_sections[s].n_keys; i++) {
                        const ConfigKey *k = &config_sections[s].keys[i];

                        if (key_is_engine(k))
                                continue;
                        switch (k->type) {
                        case CONFIG_STRING:
                                if (k->default_string) {
                                        char **field = config_field(c, k);

                                        *field = strdup(k->default_string);
                                        if (!*field)
                                                return -ENOMEM;
                                }
                                break;
                        case CONFIG_NUMBER:
                                *(double *)config_field(c, k) = k->default_number;
                                break;
                        case CONFIG_INTEGER:
                                *(uint32_t *)config_field(c, k) = (uint32_t)k->default_number;
                                break;
                        case CONFIG_BOOLEAN:
                                *(bool *)config_field(c, k) = k->default_boolean;
                                break;
                        case CONFIG_CHOICE:
                                *(int *)config_field(c, k) = (int)k->default_number;
                                break;
                        case CONFIG_ENGINE_NUMBER:
                        case CONFIG_SPECIAL:
                                break;
                        }
                }

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

/* ---------------------------------------------------------------------------------------------------------- */
/* The documentation */

/* The synopsis psoasd.json(5) gives key k, with the defaults in defaults. */
static int key_synopsis(const ConfigSection *section, const ConfigKey *k, const Config *defaults, FILE *f) {
        const EngineKey *ek;
        double min, max;

        switch (k->type) {
        case CONFIG_STRING:
                fputs("string, ", f);
                if (k->required)
                        fputs("required", f);
                else if (k->default_string)
                        fprintf(f, "default *\"%s\"*", k->default_string);
                else
                        fprintf(f, "default: %s", k->default_words);
                return 0;
        case CONFIG_NUMBER:
                fprintf(f, "number, in %s, default *%g*, from *%g* to *%g*", k->unit,
                        *(const double *)config_field_const(defaults, k), k->min, k->max);
                return 0;
        case CONFIG_INTEGER:
                fprintf(f, "integer, in %s, default *%" PRIu32 "*, from *%g* to *%g*", k->unit,
                        *(const uint32_t *)config_field_const(defaults, k), k->min, k->max);
                return 0;
        case CONFIG_BOOLEAN:
                fprintf(f, "boolean, default *%s*",
                        *(const bool *)config_field_const(defaults, k) ? "true" : "false");
                return 0;
        case CONFIG_ENGINE_NUMBER:
                ek = config_engine_key(section, k);
                if (!ek || engine_key_range(ek, &min, &max) < 0)
                        return -EINVAL;
                fprintf(f, "number, in %s, default *%g*, from *%g* to *%g*", ek->unit,
                        engine_key_get(ek, &defaults->engine), min, max);
                return 0;
        case CONFIG_CHOICE:
                fputs("string: ", f);
                for (size_t i = 0; k->choices[i]; i++)
                        fprintf(f, "%s*\"%s\"*",
                                i == 0                      ? ""
                                        : k->choices[i + 1] ? ", "
                                                            : " or ",
                                k->choices[i]);
                fprintf(f, "; default *\"%s\"*", k->choices[*(const int *)config_field_const(defaults, k)]);
                return 0;
        case CONFIG_SPECIAL:
                fputs(k->synopsis, f);
                return 0;
        }
        return -EINVAL;
}

int config_keys_foreach(int (*f)(const char *key, const char *synopsis, void *userdata), void *userdata) {
        _cleanup_(config_freep) Config *defaults = NULL;
        int r;

        if (!f)
                return -EINVAL;
        r = config_new(&defaults);
        if (r < 0)
                return r;

        for (size_t s = 0; s < config_sections_count; s++)
                for (size_t i = 0; i < config_sections[s].n_keys; i++) {
                        const ConfigKey *k = &config_sections[s].keys[i];
                        _cleanup_free_ char *synopsis = NULL;
                        char key[128];
                        size_t size;
                        FILE *m;

                        m = open_memstream(&synopsis, &size);
                        if (!m)
                                return -ENOMEM;
                        r = key_synopsis(&config_sections[s], k, defaults, m);
                        if (fclose(m) != 0 && r >= 0)
                                r = -ENOMEM;
                        if (r < 0)
                                return r;
                        snprintf(key, sizeof(key), "%s.%s", config_sections[s].name, k->key);
                        r = f(key, synopsis, userdata);
                        if (r < 0)
                                return r;
                }
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The file */

/* The configuration key behind a field psoas_config_validate() names. */
static const char *engine_field_to_key(const char *field) {
        static const char *const special[][2] = {
                { "forward", "sensor.forward" },
                { "quiet_start_min", "quiet_hours.start" },
                { "quiet_end_min", "quiet_hours.end" },
        };
        const EngineKey *ek = engine_key_by_field(field);

        if (ek)
                return ek->key;
        for (size_t i = 0; field && i < ELEMENTSOF(special); i++)
                if (strcmp(field, special[i][0]) == 0)
                        return special[i][1];
        return field;
}

/* A JsonDocReader: ret is a Config **. */
static int config_from_json(const char *name, struct json_object *root, void *ret, char **ret_error) {
        _cleanup_(config_freep) Config *c = NULL;
        const ConfigReader rd = { .name = name, .ret_error = ret_error };
        const char *sections[32], *field = NULL;
        int r;

        r = config_new(&c);
        if (r < 0)
                return r;

        if (config_sections_count >= ELEMENTSOF(sections))
                return -E2BIG;
        for (size_t i = 0; i < config_sections_count; i++)
                sections[i] = config_sections[i].name;
        sections[config_sections_count] = NULL;
        r = check_keys(&rd, NULL, root, sections);
        if (r < 0)
                return r;
        for (size_t i = 0; i < config_sections_count; i++) {
                struct json_object *section = NULL;

                r = get_object(&rd, root, config_sections[i].name, &section);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = read_section(&rd, section, &config_sections[i], c);
                if (r < 0)
                        return r;
        }

        /* The ranges above are the engine's own; this guards what the special readers set. */
        r = psoas_config_validate(&c->engine, &field);
        if (r < 0 && field && strcmp(field, "sitting_heads_up_s") == 0)
                /* Its own range was checked with the key: what is left is the rule between the two. */
                return reader_error(&rd, engine_field_to_key(field), NULL,
                        "must be less than sitting.alert_minutes (%g), got %g",
                        (double)c->engine.sitting_alert_s / 60, (double)c->engine.sitting_heads_up_s / 60);
        if (r < 0)
                return reader_error(&rd, engine_field_to_key(field), NULL, "rejected by the engine (%s)",
                        field ? field : "?");

        *(Config **)ret = TAKE_PTR(c);
        return 0;
}

int config_parse(const char *name, const char *json, size_t size, Config **ret, char **ret_error) {
        return json_doc_parse_into(name, json, size, config_from_json, ret, ret_error);
}

int config_load(const char *path, bool allow_missing, Config **ret, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        if (!ret)
                return -EINVAL;

        r = json_doc_load_into(path, config_from_json, ret, &error);
        if (r == -ENOENT && allow_missing)
                return config_new(ret);
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(error);
        return r;
}
