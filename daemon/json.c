/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict JSON layer (json.h): messages that name the file and the place in it, and reading a document.
 * json-strict.c holds the strict second pass over what json-c accepted. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fileio.h"
#include "json-private.h"
#include "json.h"
#include "macro.h"

/* Keys shown in messages are cut to this many bytes. */
#define KEY_SHOWN_MAX 64

static inline void json_tokener_freep(struct json_tokener **p) {
        if (*p)
                json_tokener_free(*p);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Messages */

static bool key_is_plain(const char *key) {
        size_t n = 0;

        for (const char *c = key; *c; c++, n++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                            *c == '_' || *c == '-' || *c == '$'))
                        return false;
        return n > 0 && n <= KEY_SHOWN_MAX;
}

/* Keys come from the file: anything unusual is shown quoted and escaped, so that a message stays one line of
 * readable text whatever the file holds. */
void json_key_print(FILE *f, const char *key) {
        size_t n = strlen(key), shown = n;

        if (key_is_plain(key)) {
                fputs(key, f);
                return;
        }
        if (shown > KEY_SHOWN_MAX) {
                shown = KEY_SHOWN_MAX;
                /* Do not cut a UTF-8 sequence in half. */
                while (shown > 0 && ((unsigned char)key[shown] & 0xC0) == 0x80)
                        shown--;
        }
        fputc('"', f);
        for (size_t i = 0; i < shown; i++) {
                unsigned char c = (unsigned char)key[i];
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20 || c == 0x7F)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
        if (shown < n)
                fputs("…", f);
        fputc('"', f);
}

/* Hands the text written to the stream over as *ret_error; a failure to build the message (out of memory)
 * leaves *ret_error untouched. */
void json_message_finish(FILE *f, char **text, char **ret_error) {
        bool ok = !ferror(f);

        /* Only fclose() sets *text for good, NUL-terminated. */
        if (fclose(f) != 0)
                ok = false;
        if (ok && ret_error)
                *ret_error = *text;
        else
                free(*text);
        *text = NULL;
}

/* "NAME: PLACE.KEY: reason" into *ret_error, as json_doc_error() describes it; place is a PARENT path or, for a
 * syntax error, "not valid JSON". Returns -EINVAL. */
static int json_error_va(char **ret_error, const char *name, const char *place, const char *key,
        const char *format, va_list ap) __attribute__((format(printf, 5, 0)));
static int json_error_va(char **ret_error, const char *name, const char *place, const char *key,
        const char *format, va_list ap) {
        /* An empty key is still a key: it is shown as "". */
        bool has_place = place && *place, has_key = key;
        char *text = NULL;
        size_t size;
        FILE *f;

        if (!ret_error)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -EINVAL;

        fprintf(f, "%s: ", name);
        if (has_place)
                fputs(place, f);
        if (has_place && has_key)
                fputc('.', f);
        if (has_key)
                json_key_print(f, key);
        if (has_place || has_key)
                fputs(": ", f);
        vfprintf(f, format, ap);

        json_message_finish(f, &text, ret_error);
        return -EINVAL;
}

int json_doc_error(
        char **ret_error, const char *name, const char *parent, const char *key, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = json_error_va(ret_error, name, parent, key, format, ap);
        va_end(ap);
        return r;
}

const char *json_doc_type_name(const struct json_object *v) {
        switch (json_object_get_type(v)) {
        case json_type_boolean:
                return "boolean";
        case json_type_int:
        case json_type_double:
                return "number";
        case json_type_string:
                return "string";
        case json_type_array:
                return "array";
        case json_type_object:
                return "object";
        case json_type_null:
        default:
                return "null";
        }
}

const char *json_doc_describe(const struct json_object *v, char *buf, size_t size) {
        static const char ellipsis[] = "…";
        const char *text;
        size_t n, cut;

        if (!buf || size < 16)
                return json_doc_type_name(v);

        /* json-c prints a number as the file wrote it, and escapes control characters in strings. */
        text = json_object_to_json_string_ext(
                (struct json_object *)v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return json_doc_type_name(v);

        n = strlen(text);
        if (n < size) {
                memcpy(buf, text, n + 1);
                return buf;
        }
        cut = size - sizeof(ellipsis);
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
                cut--;
        memcpy(buf, text, cut);
        memcpy(buf + cut, ellipsis, sizeof(ellipsis));
        return buf;
}

/* Line and column (both from 1, the column in characters) of a byte offset, as editors show them. */
void json_offset_to_position(const char *data, size_t offset, size_t *ret_line, size_t *ret_column) {
        size_t line = 1, column = 1;

        for (size_t i = 0; i < offset; i++) {
                unsigned char c = (unsigned char)data[i];
                if (c == '\n') {
                        line++;
                        column = 1;
                } else if ((c & 0xC0) != 0x80)
                        column++;
        }
        *ret_line = line;
        *ret_column = column;
}

int json_syntax_error(
        char **ret_error, const char *name, const char *data, size_t offset, const char *format, ...) {
        _cleanup_free_ char *where = NULL;
        size_t line, column;
        va_list ap;
        int r;

        if (!ret_error)
                return -EINVAL;
        json_offset_to_position(data, offset, &line, &column);
        if (asprintf(&where, "%s:%zu:%zu", name, line, column) < 0)
                return -EINVAL;

        va_start(ap, format);
        r = json_error_va(ret_error, where, "not valid JSON", NULL, format, ap);
        va_end(ap);
        return r;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading a document */

int json_doc_parse(
        const char *name, const char *data, size_t size, struct json_object **ret, char **ret_error) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_(json_object_putp) struct json_object *root = NULL;
        enum json_tokener_error error;
        size_t offset;
        int r;

        if (!name)
                name = "(input)";
        if (!data && size > 0)
                return -EINVAL;
        if (!data)
                data = "";
        if (size > JSON_DOC_SIZE_MAX) {
                json_doc_error(
                        ret_error, name, NULL, NULL, "larger than 1 MiB (%zu bytes), refusing it", size);
                return -EFBIG;
        }
        if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
                return json_syntax_error(ret_error, name, data, 0,
                        "the file starts with a UTF-8 byte order mark; save it without one");

        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        root = json_tokener_parse_ex(tok, data, (int)size);
        error = json_tokener_get_error(tok);
        offset = json_tokener_get_parse_end(tok);
        if (error == json_tokener_continue) {
                /* All of the input was consumed and json-c waits for more: tell it there is no more. */
                root = json_tokener_parse_ex(tok, "", 1);
                error = json_tokener_get_error(tok);
                offset = size;
                if (error == json_tokener_continue)
                        error = json_tokener_error_parse_eof;
        }
        if (error != json_tokener_success) {
                if (offset < size && data[offset] == '\0')
                        return json_syntax_error(ret_error, name, data, offset, "unexpected NUL byte");
                return json_syntax_error(
                        ret_error, name, data, MIN(offset, size), "%s", json_tokener_error_desc(error));
        }

        r = json_strict_scan(name, data, size, ret_error);
        if (r < 0)
                return r;

        if (!json_object_is_type(root, json_type_object))
                return json_doc_error(ret_error, name, "top level", NULL, "must be an object, got %s",
                        json_doc_type_name(root));

        *ret = TAKE_PTR(root);
        return 0;
}

/* Reads all of a file of at most max_size bytes. */
static int read_file(const char *path, size_t max_size, char **ret_data, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *data = NULL;
        size_t size;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > max_size)
                return -EFBIG;
        r = read_full_fd(fd, max_size, &data, &size);
        if (r < 0)
                return r;
        if (size > max_size)
                return -EFBIG;

        *ret_data = TAKE_PTR(data);
        *ret_size = size;
        return 0;
}

int json_doc_parse_into(
        const char *name, const char *data, size_t size, JsonDocReader reader, void *ret, char **ret_error) {
        _cleanup_(json_object_putp) struct json_object *root = NULL;
        int r;

        if (!reader || !ret)
                return -EINVAL;
        if (!name)
                name = "(input)";

        r = json_doc_parse(name, data, size, &root, ret_error);
        if (r < 0)
                return r;
        return reader(name, root, ret, ret_error);
}

int json_doc_load_into(const char *path, JsonDocReader reader, void *ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!path || !reader || !ret)
                return -EINVAL;

        r = read_file(path, JSON_DOC_SIZE_MAX, &data, &size);
        if (r == -EFBIG) {
                json_doc_error(ret_error, path, NULL, NULL, "larger than 1 MiB, refusing to read it");
                return r;
        }
        if (r < 0) {
                /* %m is thread-safe, unlike strerror(). */
                errno = -r;
                json_doc_error(ret_error, path, NULL, NULL, "%m");
                return r;
        }
        return json_doc_parse_into(path, data, size, reader, ret, ret_error);
}
