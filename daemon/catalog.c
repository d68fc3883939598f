/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "catalog.h"
#include "config.h"
#include "json.h"
#include "macro.h"

/* Bounds on what a replaced catalog file can make the daemon hold; the shipped one has 9 entries of a few
 * hundred bytes each. */
#define CATALOG_STRETCHES_MAX 256
#define CATALOG_STRING_MAX 4096

DEFINE_TRIVIAL_CLEANUP_FUNC(Catalog *, catalog_free);

/* The names of the places and targets, in the order of the enum's bits. */
static const char *const place_names[] = { "desk", "floor" };
static const char *const target_names[] = {
        "hip-flexors",
        "quadriceps",
        "glutes",
        "core",
        "piriformis",
        "hamstrings",
};

/* Where in the file an entry is, for messages: "stretches[3]", and its id once known. */
typedef struct EntryContext {
        const char *name;
        char **ret_error;
        char path[32];
        const char *id;
} EntryContext;

static int entry_error(const EntryContext *e, const char *key, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

static int entry_error(const EntryContext *e, const char *key, const char *format, ...) {
        char reason[512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(reason, sizeof(reason), format, ap);
        va_end(ap);

        /* An id is [a-z0-9-] by the time it is set here; it is cut like any other value shown. */
        if (e->id)
                return json_doc_error(
                        e->ret_error, e->name, e->path, key, "%s (stretch '%.40s')", reason, e->id);
        return json_doc_error(e->ret_error, e->name, e->path, key, "%s", reason);
}

/* The Unicode white space (as Python's str.isspace()): a string of nothing else is empty. */
static bool code_point_is_space(uint32_t cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
                cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
                cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* s is valid UTF-8 (the reader refuses anything else). */
static bool string_is_blank(const char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                uint32_t cp;
                size_t len;

                if (c < 0x80) {
                        cp = c;
                        len = 1;
                } else if (c < 0xE0) {
                        cp = c & 0x1F;
                        len = 2;
                } else if (c < 0xF0) {
                        cp = c & 0x0F;
                        len = 3;
                } else {
                        cp = c & 0x07;
                        len = 4;
                }
                if (len > n - i)
                        return false;
                for (size_t k = 1; k < len; k++)
                        cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
                if (!code_point_is_space(cp))
                        return false;
                i += len;
        }
        return true;
}

/* A catalog string: non-empty, no control characters (NUL included), at most CATALOG_STRING_MAX bytes. Returns
 * the string, owned by v. */
static int check_string(const EntryContext *e, const char *key, struct json_object *v, const char **ret) {
        const char *s;
        size_t n;

        if (!json_object_is_type(v, json_type_string))
                return entry_error(e, key, "must be a string, got %s", json_doc_type_name(v));
        s = json_object_get_string(v);
        n = (size_t)json_object_get_string_len(v);
        if (string_is_blank(s, n))
                return entry_error(e, key, "must not be empty");
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
                        return entry_error(
                                e, key, "must not contain control characters (newlines, tabs, NUL)");
        if (n > CATALOG_STRING_MAX)
                return entry_error(e, key, "must be at most %d bytes long, got %zu", CATALOG_STRING_MAX, n);
        *ret = s;
        return 0;
}

static int copy_string(const EntryContext *e, struct json_object *obj, const char *key, const char **ret) {
        const char *s;
        char *copy;
        int r;

        r = check_string(e, key, json_object_object_get(obj, key), &s);
        if (r < 0)
                return r;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

/* One bound of a [min, max] range: an integer from 1 to 2^32-1. */
static int check_bound(
        const EntryContext *e, const char *key, const char *what, struct json_object *v, uint32_t *ret) {
        char shown[JSON_DOC_DESCRIBE_MAX];
        int64_t i;

        if (!json_object_is_type(v, json_type_int))
                return entry_error(e, key, "%s must be an integer, got %s", what,
                        json_object_is_type(v, json_type_double) ? json_doc_describe(v, shown, sizeof(shown))
                                                                 : json_doc_type_name(v));
        /* Above INT64_MAX json-c gives INT64_MAX, which is out of range as well. */
        i = json_object_get_int64(v);
        if (i < 1 || i > UINT32_MAX)
                return entry_error(e, key, "%s must be between 1 and %" PRIu32 ", got %s", what, UINT32_MAX,
                        json_doc_describe(v, shown, sizeof(shown)));
        *ret = (uint32_t)i;
        return 0;
}

static int check_range(const EntryContext *e, struct json_object *obj, const char *key, uint32_t *ret_min,
        uint32_t *ret_max) {
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v = json_object_object_get(obj, key);
        uint32_t min, max;
        int r;

        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2)
                return entry_error(
                        e, key, "must be [min, max], got %s", json_doc_describe(v, shown, sizeof(shown)));
        r = check_bound(e, key, "min", json_object_array_get_idx(v, 0), &min);
        if (r < 0)
                return r;
        r = check_bound(e, key, "max", json_object_array_get_idx(v, 1), &max);
        if (r < 0)
                return r;
        /* min <= max is the engine's rule (engine_rejected()). */
        *ret_min = min;
        *ret_max = max;
        return 0;
}

/* A non-empty list of distinct names from names[], as flags: names[i] is bit i. */
static int check_flags(const EntryContext *e, struct json_object *obj, const char *key,
        const char *const *names, size_t n_names, uint32_t *ret) {
        char shown[JSON_DOC_DESCRIBE_MAX], known[128] = "";
        struct json_object *v = json_object_object_get(obj, key);
        uint32_t flags = 0;
        size_t n;

        for (size_t k = 0; k < n_names; k++)
                snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s\"%s\"", k > 0 ? ", " : "",
                        names[k]);

        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
                return entry_error(e, key, "must be a non-empty array of %s, got %s", known,
                        json_doc_describe(v, shown, sizeof(shown)));
        n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
                struct json_object *item = json_object_array_get_idx(v, i);
                size_t k = n_names;

                if (json_object_is_type(item, json_type_string))
                        for (k = 0; k < n_names; k++)
                                if (strcmp(json_object_get_string(item), names[k]) == 0 &&
                                        strlen(names[k]) == (size_t)json_object_get_string_len(item))
                                        break;
                if (k == n_names)
                        return entry_error(e, key, "unknown value %s (known: %s)",
                                json_doc_describe(item, shown, sizeof(shown)), known);
                if (flags & (UINT32_C(1) << k))
                        return entry_error(e, key, "\"%s\" is listed twice", names[k]);
                flags |= UINT32_C(1) << k;
        }
        *ret = flags;
        return 0;
}

static void stretch_done(struct psoas_stretch *s) {
        free((char *)s->id);
        free((char *)s->title);
        free((char *)s->muscles);
        free((char *)s->instructions);
        free((char *)s->safety);
        *s = (struct psoas_stretch){};
}

/* What psoas_stretch_validate() found wrong with s (the field it names), said with the file's keys. */
static int engine_rejected(const EntryContext *e, const struct psoas_stretch *s, const char *field) {
        if (streq(field, "hold_max_s"))
                return entry_error(e, "hold_seconds", "min %" PRIu32 " is greater than max %" PRIu32,
                        s->hold_min_s, s->hold_max_s);
        if (streq(field, "reps_max"))
                return entry_error(
                        e, "reps", "min %" PRIu32 " is greater than max %" PRIu32, s->reps_min, s->reps_max);
        /* With a valid check name, only its signature's kind can be wrong: it counts repetitions or times a
         * hold, and the entry gives the other range. */
        if (streq(field, "check"))
                return entry_error(e, "check", "\"%s\" %s", psoas_stretch_check_to_string(s->check),
                        s->reps_min > 0 ? "times a hold: give hold_seconds"
                                        : "counts repetitions: give reps");
        return entry_error(e, NULL, "rejected by the engine (%s)", field);
}

static int parse_entry(
        const char *name, size_t index, struct json_object *obj, struct psoas_stretch *s, char **ret_error) {
        static const char *const required[] = {
                "id",
                "title",
                "muscles",
                "places",
                "targets",
                "check",
                "per_side",
                "instructions",
                "safety",
        };
        static const char *const optional[] = { "$comment", "hold_seconds", "reps" };
        char shown[JSON_DOC_DESCRIBE_MAX];
        EntryContext e = { .name = name, .ret_error = ret_error };
        struct json_object *v;
        bool has_hold, has_reps;
        const char *str;
        size_t k;
        int r;

        snprintf(e.path, sizeof(e.path), "stretches[%zu]", index);
        if (!json_object_is_type(obj, json_type_object))
                return entry_error(&e, NULL, "must be an object, got %s", json_doc_type_name(obj));

        /* The id first, so that every later message can name the entry by it. */
        if (json_object_object_get_ex(obj, "id", &v)) {
                r = check_string(&e, "id", v, &str);
                if (r < 0)
                        return r;
                for (const char *c = str; *c; c++)
                        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
                                return entry_error(&e, "id", "may contain only a-z, 0-9 and '-', got %s",
                                        json_doc_describe(v, shown, sizeof(shown)));
                s->id = strdup(str);
                if (!s->id)
                        return -ENOMEM;
                e.id = s->id;
        }

        for (struct lh_entry *le = lh_table_head(json_object_get_object(obj)); le; le = lh_entry_next(le)) {
                const char *key = lh_entry_k(le);
                bool found = false;

                for (k = 0; k < ELEMENTSOF(required) && !found; k++)
                        found = strcmp(key, required[k]) == 0;
                for (k = 0; k < ELEMENTSOF(optional) && !found; k++)
                        found = strcmp(key, optional[k]) == 0;
                if (!found)
                        return entry_error(&e, key, "unknown key");
        }
        for (k = 0; k < ELEMENTSOF(required); k++)
                if (!json_object_object_get_ex(obj, required[k], NULL))
                        return entry_error(&e, required[k], "missing");

        if (json_object_object_get_ex(obj, "$comment", &v)) {
                r = check_string(&e, "$comment", v, &str);
                if (r < 0)
                        return r;
        }

        has_hold = json_object_object_get_ex(obj, "hold_seconds", NULL);
        has_reps = json_object_object_get_ex(obj, "reps", NULL);
        if (has_hold && has_reps)
                return entry_error(&e, "reps", "give either hold_seconds or reps, not both");
        if (!has_hold && !has_reps)
                return entry_error(&e, "hold_seconds", "missing: give either hold_seconds or reps");
        if (has_hold)
                r = check_range(&e, obj, "hold_seconds", &s->hold_min_s, &s->hold_max_s);
        else
                r = check_range(&e, obj, "reps", &s->reps_min, &s->reps_max);
        if (r < 0)
                return r;

        v = json_object_object_get(obj, "per_side");
        if (!json_object_is_type(v, json_type_boolean))
                return entry_error(&e, "per_side", "must be true or false, got %s",
                        json_doc_describe(v, shown, sizeof(shown)));
        s->per_side = json_object_get_boolean(v);

        /* The engine names the checks (the signatures); a string with a NUL in it names none. */
        v = json_object_object_get(obj, "check");
        r = json_object_is_type(v, json_type_string) &&
                        strlen(json_object_get_string(v)) == (size_t)json_object_get_string_len(v)
                ? psoas_stretch_check_from_string(json_object_get_string(v))
                : -EINVAL;
        if (r < 0) {
                char known[512] = "";

                for (k = 0; k < _PSOAS_CHECK_MAX; k++)
                        snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s\"%s\"",
                                k > 0 ? ", " : "",
                                psoas_stretch_check_to_string((enum psoas_stretch_check)k));
                return entry_error(&e, "check", "unknown value %s (known: %s)",
                        json_doc_describe(v, shown, sizeof(shown)), known);
        }
        s->check = (enum psoas_stretch_check)r;

        const struct {
                const char *key;
                const char **text;
        } texts[] = {
                { "title", &s->title },
                { "muscles", &s->muscles },
                { "instructions", &s->instructions },
                { "safety", &s->safety },
        };
        for (k = 0; k < ELEMENTSOF(texts); k++) {
                r = copy_string(&e, obj, texts[k].key, texts[k].text);
                if (r < 0)
                        return r;
        }

        r = check_flags(&e, obj, "places", place_names, ELEMENTSOF(place_names), &s->places);
        if (r < 0)
                return r;
        r = check_flags(&e, obj, "targets", target_names, ELEMENTSOF(target_names), &s->targets);
        if (r < 0)
                return r;

        /* What an entry means (a range's order, which range a signature uses) is the engine's to say, once, in
         * psoas_stretch_validate(); here it is only said in the file's terms. */
        r = psoas_stretch_validate(s, &str);
        if (r < 0)
                return engine_rejected(&e, s, str);
        return 0;
}

/* A JsonDocReader: ret is a Catalog **. */
static int catalog_from_json(const char *name, struct json_object *root, void *ret, char **ret_error) {
        static const char *const known[] = { "$comment", "version", "stretches" };
        _cleanup_(catalog_freep) Catalog *c = NULL;
        char shown[JSON_DOC_DESCRIBE_MAX];
        struct json_object *v, *list;
        size_t n;
        int r;

        for (struct lh_entry *le = lh_table_head(json_object_get_object(root)); le; le = lh_entry_next(le)) {
                const char *key = lh_entry_k(le);
                bool found = false;

                for (size_t k = 0; k < ELEMENTSOF(known) && !found; k++)
                        found = strcmp(key, known[k]) == 0;
                if (!found)
                        return json_doc_error(ret_error, name, NULL, key, "unknown key");
        }
        if (!json_object_object_get_ex(root, "version", &v))
                return json_doc_error(ret_error, name, NULL, "version", "missing");
        if (!json_object_object_get_ex(root, "stretches", &list))
                return json_doc_error(ret_error, name, NULL, "stretches", "missing");

        if (json_object_object_get_ex(root, "$comment", &v)) {
                const EntryContext top = { .name = name, .ret_error = ret_error };
                const char *comment;

                r = check_string(&top, "$comment", v, &comment);
                if (r < 0)
                        return r;
        }

        v = json_object_object_get(root, "version");
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1)
                return json_doc_error(ret_error, name, NULL, "version", "only version 1 is known, got %s",
                        json_doc_describe(v, shown, sizeof(shown)));

        if (!json_object_is_type(list, json_type_array) || json_object_array_length(list) == 0)
                return json_doc_error(ret_error, name, NULL, "stretches",
                        "must be a non-empty array, got %s", json_doc_describe(list, shown, sizeof(shown)));
        n = json_object_array_length(list);
        if (n > CATALOG_STRETCHES_MAX)
                return json_doc_error(ret_error, name, NULL, "stretches", "at most %d stretches, got %zu",
                        CATALOG_STRETCHES_MAX, n);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->stretches = calloc(n, sizeof(*c->stretches));
        if (!c->stretches)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                /* Counted as it is filled, so that catalog_free() releases what a failure leaves. */
                c->n = i + 1;
                c->stretches[i].size = sizeof(c->stretches[i]);
                r = parse_entry(name, i, json_object_array_get_idx(list, i), &c->stretches[i], ret_error);
                if (r < 0)
                        return r;

                for (size_t j = 0; j < i; j++)
                        if (strcmp(c->stretches[i].id, c->stretches[j].id) == 0) {
                                char path[32];

                                snprintf(path, sizeof(path), "stretches[%zu]", i);
                                return json_doc_error(ret_error, name, path, "id",
                                        "duplicate of stretches[%zu] (stretch '%.40s')", j,
                                        c->stretches[i].id);
                        }
        }

        *(Catalog **)ret = TAKE_PTR(c);
        return 0;
}

int catalog_parse(const char *name, const char *json, size_t size, Catalog **ret, char **ret_error) {
        return json_doc_parse_into(name, json, size, catalog_from_json, ret, ret_error);
}

int catalog_load(const char *path, Catalog **ret, char **ret_error) {
        return json_doc_load_into(path, catalog_from_json, ret, ret_error);
}

Catalog *catalog_free(Catalog *c) {
        if (!c)
                return NULL;

        for (size_t i = 0; c->stretches && i < c->n; i++)
                stretch_done(&c->stretches[i]);
        free(c->stretches);
        free(c);
        return NULL;
}
