/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The strict JSON layer under every JSON file psoasd reads: its configuration (config.c), the stretch catalog
 * (catalog.c) and its state files (state-file.c).
 *
 * Documents are strict RFC 8259 JSON: json-c parses them (its error descriptions are what the admin sees for
 * ordinary syntax errors), and a second pass refuses what json-c lets through but JSON does not allow or we
 * cannot represent faithfully: NaN and Infinity, single-quoted strings, raw control characters in strings,
 * malformed numbers, integers beyond 64 bits, invalid UTF-8 or lone surrogates, keys containing NUL and keys
 * given more than once (json-c would silently keep the last one).
 *
 * Every message names the file (or the name given for a buffer), then the place: "NAME:LINE:COLUMN: not valid
 * JSON: …" for syntax, "NAME: PARENT.KEY: …" for content.
 */

#include <stddef.h>

#include <json-c/json.h>

static inline void json_object_putp(struct json_object **p) {
        if (*p)
                json_object_put(*p);
}

/* No file psoasd reads comes near this size; the limit bounds the work a corrupt file can cause. */
#define JSON_DOC_SIZE_MAX ((size_t)1024 * 1024)

/* Parses a buffer in memory (not NUL-terminated; may contain any bytes); the top level must be an object. name
 * is used in messages ("(input)" when NULL). On failure returns a negative errno (-EINVAL for the contents,
 * -EFBIG for more than JSON_DOC_SIZE_MAX bytes) and *ret_error (if not NULL) is a malloc'ed sentence naming
 * the buffer, the place and the reason. */
int json_doc_parse(
        const char *name, const char *data, size_t size, struct json_object **ret, char **ret_error);

/* What a reader of one kind of document (the configuration, the catalog) makes of its top level: its own
 * object, through ret (a pointer to the reader's pointer); or -EINVAL with *ret_error set as by
 * json_doc_error(), name being the file's or the buffer's. */
typedef int (*JsonDocReader)(const char *name, struct json_object *root, void *ret, char **ret_error);

/* json_doc_parse(), then reader over its top level: a document in memory turned into the reader's object. */
int json_doc_parse_into(
        const char *name, const char *data, size_t size, JsonDocReader reader, void *ret, char **ret_error);
/* The same for the file at path, named by its path; besides those of json_doc_parse_into(), a negative errno
 * for the file (-ENOENT, -EACCES …, -EFBIG for a file larger than JSON_DOC_SIZE_MAX). */
int json_doc_load_into(const char *path, JsonDocReader reader, void *ret, char **ret_error);

/* Sets *ret_error (when ret_error is not NULL) to "NAME: PARENT.KEY: reason" and returns -EINVAL. parent is
 * an already formatted path, NULL or "" for none; key is a raw key from the file, quoted and escaped here
 * when it is not a plain word, or NULL for none. */
int json_doc_error(char **ret_error, const char *name, const char *parent, const char *key,
        const char *format, ...) __attribute__((format(printf, 5, 6)));

/* "null", "boolean", "number", "string", "array" or "object". */
const char *json_doc_type_name(const struct json_object *v);

/* v as JSON text for a message, cut to fit in buf (at least 16 bytes) with "…" when it is longer. */
#define JSON_DOC_DESCRIBE_MAX 64
const char *json_doc_describe(const struct json_object *v, char *buf, size_t size);
