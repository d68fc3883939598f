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
#include "fileio.h"
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
/* Keys shown in messages are cut to this many bytes. */
#define KEY_SHOWN_MAX 64
/* json-c stops at 32 levels; this only guards the strict scanner's recursion should that ever change. */
#define SCANNER_DEPTH_MAX 64

static inline void json_object_putp(struct json_object **p) {
        if (*p)
                json_object_put(*p);
}

static inline void json_tokener_freep(struct json_tokener **p) {
        if (*p)
                json_tokener_free(*p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

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
static void key_print(FILE *f, const char *key) {
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
static void message_finish(FILE *f, char **text, char **ret_error) {
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

int config_json_error(
        char **ret_error, const char *name, const char *parent, const char *key, const char *format, ...) {
        /* An empty key is still a key: it is shown as "". */
        bool has_parent = parent && *parent, has_key = key;
        char *text = NULL;
        size_t size;
        va_list ap;
        FILE *f;

        if (!ret_error)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -EINVAL;

        fprintf(f, "%s: ", name);
        if (has_parent)
                fputs(parent, f);
        if (has_parent && has_key)
                fputc('.', f);
        if (has_key)
                key_print(f, key);
        if (has_parent || has_key)
                fputs(": ", f);
        va_start(ap, format);
        vfprintf(f, format, ap);
        va_end(ap);

        message_finish(f, &text, ret_error);
        return -EINVAL;
}

const char *config_json_type_name(const struct json_object *v) {
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

const char *config_json_describe(const struct json_object *v, char *buf, size_t size) {
        static const char ellipsis[] = "…";
        const char *text;
        size_t n, cut;

        if (!buf || size < 16)
                return config_json_type_name(v);

        /* json-c prints a number as the file wrote it, and escapes control characters in strings. */
        text = json_object_to_json_string_ext(
                (struct json_object *)v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return config_json_type_name(v);

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
static void offset_to_position(const char *data, size_t offset, size_t *ret_line, size_t *ret_column) {
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

static int syntax_error(char **ret_error, const char *name, const char *data, size_t offset,
        const char *format, ...) __attribute__((format(printf, 5, 6)));

static int syntax_error(
        char **ret_error, const char *name, const char *data, size_t offset, const char *format, ...) {
        size_t line, column, size;
        char *text = NULL;
        va_list ap;
        FILE *f;

        if (!ret_error)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -EINVAL;

        offset_to_position(data, offset, &line, &column);
        fprintf(f, "%s:%zu:%zu: not valid JSON: ", name, line, column);
        va_start(ap, format);
        vfprintf(f, format, ap);
        va_end(ap);

        message_finish(f, &text, ret_error);
        return -EINVAL;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The strict second pass over a document json-c accepted. It checks the whole RFC 8259 grammar itself rather
 * than trusting json-c's, so it stays right should json-c's leniency change. */

typedef struct PathFrame PathFrame;
struct PathFrame {
        const PathFrame *parent;
        const char *key; /* NULL for an array element */
        size_t index;
};

typedef struct Scanner {
        const char *name;
        const char *data;
        size_t size;
        size_t pos;
        unsigned depth;
        char **ret_error;
} Scanner;

static int scan_value(Scanner *s, const PathFrame *frame);

static void path_print(FILE *f, const PathFrame *frame) {
        if (!frame)
                return;
        path_print(f, frame->parent);
        if (frame->key) {
                if (frame->parent)
                        fputc('.', f);
                key_print(f, frame->key);
        } else
                fprintf(f, "[%zu]", frame->index);
}

static int scanner_fail_at(Scanner *s, size_t offset, const char *reason) {
        return syntax_error(s->ret_error, s->name, s->data, offset, "%s", reason);
}

static int scanner_unexpected(Scanner *s) {
        unsigned char c;

        if (s->pos >= s->size)
                return scanner_fail_at(s, s->pos, "unexpected end of data");
        c = (unsigned char)s->data[s->pos];
        if (c == '\0')
                return scanner_fail_at(s, s->pos, "unexpected NUL byte");
        if (c > 0x20 && c < 0x7F)
                return syntax_error(s->ret_error, s->name, s->data, s->pos, "unexpected character '%c'", c);
        return syntax_error(s->ret_error, s->name, s->data, s->pos, "unexpected byte 0x%02x", c);
}

static bool scanner_peek(const Scanner *s, char c) {
        return s->pos < s->size && s->data[s->pos] == c;
}

static void scanner_skip_space(Scanner *s) {
        while (s->pos < s->size && strchr(" \t\n\r", s->data[s->pos]) && s->data[s->pos] != '\0')
                s->pos++;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The four hex digits of a \u escape at p (which must have four bytes), or -1. */
static int32_t hex4(const char *p) {
        int32_t v = 0;

        for (size_t i = 0; i < 4; i++) {
                int d = hex_digit(p[i]);
                if (d < 0)
                        return -1;
                v = v * 16 + d;
        }
        return v;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0. */
static size_t utf8_sequence_length(const unsigned char *p, size_t left) {
        unsigned char lo = 0x80, hi = 0xBF;
        size_t n;

        if (left == 0)
                return 0;
        if (p[0] < 0x80)
                return 1;
        if (p[0] >= 0xC2 && p[0] <= 0xDF)
                n = 2;
        else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                n = 3;
                if (p[0] == 0xE0)
                        lo = 0xA0;
                else if (p[0] == 0xED)
                        hi = 0x9F;
        } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                n = 4;
                if (p[0] == 0xF0)
                        lo = 0x90;
                else if (p[0] == 0xF4)
                        hi = 0x8F;
        } else
                return 0;

        if (left < n || p[1] < lo || p[1] > hi)
                return 0;
        for (size_t i = 2; i < n; i++)
                if (p[i] < 0x80 || p[i] > 0xBF)
                        return 0;
        return n;
}

static size_t utf8_encode(uint32_t cp, char *out) {
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xC0 | (cp >> 6));
                out[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xE0 | (cp >> 12));
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

/* Checks the string at s->pos and moves past it. With ret_decoded, also returns its value (for keys), which
 * must not contain NUL: json-c would cut such a key short and so match another key. */
static int scan_string(Scanner *s, char **ret_decoded) {
        _cleanup_free_ char *decoded = NULL;
        size_t start = s->pos, n = 0;

        if (scanner_peek(s, '\''))
                return scanner_fail_at(s, s->pos, "strings must be in double quotes");
        if (!scanner_peek(s, '"'))
                return scanner_unexpected(s);
        s->pos++;

        for (;;) {
                const unsigned char *p = (const unsigned char *)s->data + s->pos;
                size_t left = s->size - s->pos, len;

                if (left == 0)
                        return scanner_fail_at(s, s->pos, "unterminated string");
                if (p[0] == '"')
                        break;
                if (p[0] < 0x20)
                        return syntax_error(s->ret_error, s->name, s->data, s->pos,
                                "control character U+%04X in a string (write it as an escape such as "
                                "\\n, \\t or \\u%04x)",
                                p[0], p[0]);
                if (p[0] == '\\') {
                        int32_t cp;

                        if (left < 2)
                                return scanner_fail_at(s, s->pos, "unterminated string");
                        if (strchr("\"\\/bfnrt", (char)p[1]) && p[1] != '\0') {
                                s->pos += 2;
                                continue;
                        }
                        if (p[1] != 'u')
                                return scanner_fail_at(s, s->pos, "invalid escape sequence");
                        if (left < 6 || (cp = hex4((const char *)p + 2)) < 0)
                                return scanner_fail_at(s, s->pos, "\\u must be followed by four hex digits");
                        if (cp >= 0xDC00 && cp <= 0xDFFF)
                                return syntax_error(s->ret_error, s->name, s->data, s->pos,
                                        "lone UTF-16 surrogate \\u%04x (not a character)", (unsigned)cp);
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                                int32_t low = left >= 12 && p[6] == '\\' && p[7] == 'u'
                                        ? hex4((const char *)p + 8)
                                        : -1;
                                if (low < 0xDC00 || low > 0xDFFF)
                                        return syntax_error(s->ret_error, s->name, s->data, s->pos,
                                                "lone UTF-16 surrogate \\u%04x (not a character)",
                                                (unsigned)cp);
                                s->pos += 12;
                        } else
                                s->pos += 6;
                        continue;
                }
                len = utf8_sequence_length(p, left);
                if (len == 0)
                        return scanner_fail_at(s, s->pos, "invalid UTF-8");
                s->pos += len;
        }
        s->pos++; /* the closing quote */

        if (!ret_decoded)
                return 0;

        /* Decoding is the shorter string, so the raw length bounds the buffer. */
        decoded = malloc(s->pos - start);
        if (!decoded)
                return -ENOMEM;
        for (size_t i = start + 1; i < s->pos - 1;) {
                const char *p = s->data + i;
                uint32_t cp;

                if (p[0] != '\\') {
                        decoded[n++] = p[0];
                        i++;
                        continue;
                }
                switch (p[1]) {
                case 'b':
                        decoded[n++] = '\b';
                        i += 2;
                        continue;
                case 'f':
                        decoded[n++] = '\f';
                        i += 2;
                        continue;
                case 'n':
                        decoded[n++] = '\n';
                        i += 2;
                        continue;
                case 'r':
                        decoded[n++] = '\r';
                        i += 2;
                        continue;
                case 't':
                        decoded[n++] = '\t';
                        i += 2;
                        continue;
                case 'u':
                        break;
                default:
                        decoded[n++] = p[1];
                        i += 2;
                        continue;
                }
                cp = (uint32_t)hex4(p + 2);
                i += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)hex4(p + 8) - 0xDC00);
                        i += 6;
                }
                if (cp == 0)
                        return syntax_error(
                                s->ret_error, s->name, s->data, start, "a key must not contain \\u0000");
                n += utf8_encode(cp, decoded + n);
        }
        decoded[n] = '\0';
        *ret_decoded = TAKE_PTR(decoded);
        return 0;
}

static size_t scan_digits(Scanner *s) {
        size_t start = s->pos;

        while (s->pos < s->size && s->data[s->pos] >= '0' && s->data[s->pos] <= '9')
                s->pos++;
        return s->pos - start;
}

static int scan_number(Scanner *s) {
        size_t start = s->pos, int_start, int_digits;
        bool negative = false, integer = true;

        if (scanner_peek(s, '-')) {
                negative = true;
                s->pos++;
        }
        int_start = s->pos;
        if (scanner_peek(s, 'I'))
                return scanner_fail_at(s, start, "NaN and Infinity are not JSON numbers");
        int_digits = scan_digits(s);
        if (int_digits == 0)
                return scanner_fail_at(
                        s, start, "a number must start with a digit, or with '-' and a digit");
        if (int_digits > 1 && s->data[int_start] == '0')
                return scanner_fail_at(s, start, "a number must not have leading zeros");
        if (scanner_peek(s, '.')) {
                s->pos++;
                integer = false;
                if (scan_digits(s) == 0)
                        return scanner_fail_at(s, start, "a number needs digits after its decimal point");
        }
        if (scanner_peek(s, 'e') || scanner_peek(s, 'E')) {
                s->pos++;
                integer = false;
                if (scanner_peek(s, '+') || scanner_peek(s, '-'))
                        s->pos++;
                if (scan_digits(s) == 0)
                        return scanner_fail_at(s, start, "a number needs digits in its exponent");
        }

        /* json-c would silently clamp a bigger integer to the nearest 64-bit one, and the value reported in
         * a later message would not be the one in the file. */
        if (integer) {
                const char *limit = negative ? "9223372036854775808" : "18446744073709551615";
                size_t limit_len = strlen(limit);

                if (int_digits > limit_len ||
                        (int_digits == limit_len && memcmp(s->data + int_start, limit, limit_len) > 0))
                        return scanner_fail_at(s, start, "integer out of the 64-bit range");
        }
        return 0;
}

static int scan_literal(Scanner *s) {
        static const char *const literals[] = { "true", "false", "null" };
        size_t left = s->size - s->pos;

        for (size_t i = 0; i < ELEMENTSOF(literals); i++) {
                size_t n = strlen(literals[i]);
                if (left >= n && memcmp(s->data + s->pos, literals[i], n) == 0) {
                        s->pos += n;
                        return 0;
                }
        }
        if (scanner_peek(s, 'N') || scanner_peek(s, 'I'))
                return scanner_fail_at(s, s->pos, "NaN and Infinity are not JSON numbers");
        return scanner_unexpected(s);
}

static int key_given_twice(Scanner *s, const PathFrame *frame, size_t first_offset, size_t offset) {
        size_t first_line, line, column, size;
        char *text = NULL;
        FILE *f;

        if (!s->ret_error)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -EINVAL;

        offset_to_position(s->data, first_offset, &first_line, &column);
        offset_to_position(s->data, offset, &line, &column);
        fprintf(f, "%s: ", s->name);
        path_print(f, frame);
        if (first_line == line)
                fprintf(f, ": given more than once, twice on line %zu", line);
        else
                fprintf(f, ": given more than once, on lines %zu and %zu", first_line, line);

        message_finish(f, &text, s->ret_error);
        return -EINVAL;
}

static int scan_object(Scanner *s, const PathFrame *parent) {
        _cleanup_(json_object_putp) struct json_object *seen = NULL;
        int r;

        s->pos++; /* '{' */
        scanner_skip_space(s);
        if (scanner_peek(s, '}')) {
                s->pos++;
                return 0;
        }

        /* Keys seen so far, each with the offset where it was first given. */
        seen = json_object_new_object();
        if (!seen)
                return -ENOMEM;

        for (;;) {
                _cleanup_free_ char *key = NULL;
                struct json_object *first;
                size_t key_offset = s->pos;
                PathFrame frame;

                if (!scanner_peek(s, '"') && !scanner_peek(s, '\'')) {
                        if (s->pos < s->size && s->data[s->pos] != '\0' && !scanner_peek(s, '}'))
                                return scanner_fail_at(s, s->pos, "quoted object property name expected");
                        return scanner_unexpected(s);
                }
                r = scan_string(s, &key);
                if (r < 0)
                        return r;

                frame = (PathFrame){ .parent = parent, .key = key };
                if (json_object_object_get_ex(seen, key, &first))
                        return key_given_twice(s, &frame, (size_t)json_object_get_int64(first), key_offset);
                if (json_object_object_add(seen, key, json_object_new_int64((int64_t)key_offset)) < 0)
                        return -ENOMEM;

                scanner_skip_space(s);
                if (!scanner_peek(s, ':'))
                        return scanner_fail_at(s, s->pos, "':' expected after an object property name");
                s->pos++;
                scanner_skip_space(s);
                r = scan_value(s, &frame);
                if (r < 0)
                        return r;
                scanner_skip_space(s);
                if (scanner_peek(s, '}')) {
                        s->pos++;
                        return 0;
                }
                if (!scanner_peek(s, ','))
                        return scanner_fail_at(s, s->pos, "',' or '}' expected in an object");
                s->pos++;
                scanner_skip_space(s);
        }
}

static int scan_array(Scanner *s, const PathFrame *parent) {
        int r;

        s->pos++; /* '[' */
        scanner_skip_space(s);
        if (scanner_peek(s, ']')) {
                s->pos++;
                return 0;
        }

        for (size_t index = 0;; index++) {
                PathFrame frame = { .parent = parent, .index = index };

                r = scan_value(s, &frame);
                if (r < 0)
                        return r;
                scanner_skip_space(s);
                if (scanner_peek(s, ']')) {
                        s->pos++;
                        return 0;
                }
                if (!scanner_peek(s, ','))
                        return scanner_fail_at(s, s->pos, "',' or ']' expected in an array");
                s->pos++;
                scanner_skip_space(s);
        }
}

static int scan_value(Scanner *s, const PathFrame *frame) {
        int r;

        if (s->pos >= s->size)
                return scanner_unexpected(s);

        switch (s->data[s->pos]) {
        case '{':
        case '[':
                if (s->depth >= SCANNER_DEPTH_MAX)
                        return scanner_fail_at(s, s->pos, "nesting too deep");
                s->depth++;
                r = s->data[s->pos] == '{' ? scan_object(s, frame) : scan_array(s, frame);
                s->depth--;
                return r;
        case '"':
        case '\'':
                return scan_string(s, NULL);
        case '-':
        case '0' ... '9':
                return scan_number(s);
        default:
                return scan_literal(s);
        }
}

static int scan_document(const char *name, const char *data, size_t size, char **ret_error) {
        Scanner s = {
                .name = name,
                .data = data,
                .size = size,
                .ret_error = ret_error,
        };
        int r;

        scanner_skip_space(&s);
        r = scan_value(&s, NULL);
        if (r < 0)
                return r;
        scanner_skip_space(&s);
        if (s.pos < s.size) {
                if (s.data[s.pos] == '\0')
                        return scanner_fail_at(&s, s.pos, "unexpected NUL byte");
                return scanner_fail_at(&s, s.pos, "trailing characters after the JSON document");
        }
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading a document */

int config_json_parse(
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
        if (size > CONFIG_JSON_SIZE_MAX) {
                config_json_error(
                        ret_error, name, NULL, NULL, "larger than 1 MiB (%zu bytes), refusing it", size);
                return -EFBIG;
        }
        if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
                return syntax_error(ret_error, name, data, 0,
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
                        return syntax_error(ret_error, name, data, offset, "unexpected NUL byte");
                return syntax_error(
                        ret_error, name, data, MIN(offset, size), "%s", json_tokener_error_desc(error));
        }

        r = scan_document(name, data, size, ret_error);
        if (r < 0)
                return r;

        if (!json_object_is_type(root, json_type_object))
                return config_json_error(ret_error, name, "top level", NULL, "must be an object, got %s",
                        config_json_type_name(root));

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

int config_json_load(const char *path, struct json_object **ret, char **ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        int r;

        if (!path)
                return -EINVAL;

        r = read_file(path, CONFIG_JSON_SIZE_MAX, &data, &size);
        if (r == -EFBIG) {
                config_json_error(ret_error, path, NULL, NULL, "larger than 1 MiB, refusing to read it");
                return r;
        }
        if (r < 0) {
                /* %m is thread-safe, unlike strerror(). */
                errno = -r;
                config_json_error(ret_error, path, NULL, NULL, "%m");
                return r;
        }
        return config_json_parse(path, data, size, ret, ret_error);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Typed values */

typedef struct Reader {
        const char *name;
        char **ret_error;
} Reader;

#define reader_error(rd, parent, key, ...)                                                                  \
        config_json_error((rd)->ret_error, (rd)->name, (parent), (key), __VA_ARGS__)

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
                                        rd, path, key, "must be a string, got %s", config_json_type_name(v));
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
        char shown[CONFIG_JSON_DESCRIBE_MAX];
        struct json_object *v;
        double d;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!is_number(v))
                return reader_error(rd, section, key, "must be a number, got %s", config_json_type_name(v));
        d = json_object_get_double(v);
        if (!isfinite(d))
                return reader_error(rd, section, key, "must be a finite number, got %s",
                        config_json_describe(v, shown, sizeof(shown)));
        if (d < min || d > max)
                return reader_error(rd, section, key, "must be between %g and %g, got %s", min, max,
                        config_json_describe(v, shown, sizeof(shown)));
        *ret = d;
        return 1;
}

static int get_integer(const Reader *rd, struct json_object *obj, const char *section, const char *key,
        int64_t min, int64_t max, int64_t *ret) {
        char shown[CONFIG_JSON_DESCRIBE_MAX];
        struct json_object *v;
        int64_t i;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return reader_error(rd, section, key, "must be an integer, got %s",
                        json_object_is_type(v, json_type_double)
                                ? config_json_describe(v, shown, sizeof(shown))
                                : config_json_type_name(v));
        /* Above INT64_MAX json-c gives INT64_MAX, which is out of range as well. */
        i = json_object_get_int64(v);
        if (i < min || i > max)
                return reader_error(rd, section, key, "must be between %" PRId64 " and %" PRId64 ", got %s",
                        min, max, config_json_describe(v, shown, sizeof(shown)));
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
                        rd, section, key, "must be true or false, got %s", config_json_type_name(v));
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
                return reader_error(rd, section, key, "must be a string, got %s", config_json_type_name(v));
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
                char shown[CONFIG_JSON_DESCRIBE_MAX];
                struct json_object *v = json_object_object_get(obj, key);

                free(s);
                return reader_error(rd, section, key, "must be an absolute path, got %s",
                        config_json_describe(v, shown, sizeof(shown)));
        }
        replace_string(p, s);
        return 1;
}

static int get_object(const Reader *rd, struct json_object *obj, const char *key, struct json_object **ret) {
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_object))
                return reader_error(rd, key, NULL, "must be an object, got %s", config_json_type_name(v));
        *ret = v;
        return 1;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Sections */

static int parse_vector(
        const Reader *rd, struct json_object *v, const char *path, size_t n, double limit, double *ret) {
        char shown[CONFIG_JSON_DESCRIBE_MAX];

        for (size_t i = 0; i < n; i++) {
                struct json_object *item = json_object_array_get_idx(v, i);
                char item_path[64];
                double d;

                snprintf(item_path, sizeof(item_path), "%s[%zu]", path, i);
                if (!is_number(item))
                        return reader_error(rd, item_path, NULL, "must be a number, got %s",
                                config_json_type_name(item));
                d = json_object_get_double(item);
                if (!isfinite(d))
                        return reader_error(rd, item_path, NULL, "must be a finite number, got %s",
                                config_json_describe(item, shown, sizeof(shown)));
                if (limit > 0 && fabs(d) > limit)
                        return reader_error(rd, item_path, NULL, "must be between %g and %g, got %s", -limit,
                                limit, config_json_describe(item, shown, sizeof(shown)));
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
                        config_json_type_name(v));
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
        char shown[CONFIG_JSON_DESCRIBE_MAX];
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
                                config_json_describe(v, shown, sizeof(shown)));
                f[i / 2] = i % 2 == 0 ? 1 : -1;
        } else if (json_object_is_type(v, json_type_array)) {
                if (json_object_array_length(v) != 3)
                        return reader_error(rd, "sensor", "forward", "%s, got %zu numbers", expected,
                                json_object_array_length(v));
                r = parse_vector(rd, v, "sensor.forward", 3, 0, f);
                if (r < 0)
                        return r;
        } else
                return reader_error(
                        rd, "sensor", "forward", "%s, got %s", expected, config_json_type_name(v));

        /* Normalized here, scaled by the largest component first, so that no value can overflow in the
         * squares or on the way to float. */
        for (size_t i = 0; i < 3; i++)
                largest = fmax(largest, fabs(f[i]));
        if (!(largest >= FORWARD_LENGTH_MIN))
                return reader_error(rd, "sensor", "forward", "must not be the zero vector, got %s",
                        config_json_describe(v, shown, sizeof(shown)));
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
        char shown[CONFIG_JSON_DESCRIBE_MAX];
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
                config_json_describe(v, shown, sizeof(shown)));
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
                char shown[CONFIG_JSON_DESCRIBE_MAX];

                free(group);
                return reader_error(rd, "access", "group",
                        "must be a group name (up to 32 letters, digits, '.', '_' or '-', not starting with "
                        "'-' and not only digits), got %s",
                        config_json_describe(json_object_object_get(obj, "group"), shown, sizeof(shown)));
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
        char shown[CONFIG_JSON_DESCRIBE_MAX];
        struct json_object *v;

        if (!json_object_object_get_ex(obj, key, &v))
                return 0;

        if (json_object_is_type(v, json_type_int)) {
                int64_t offset = json_object_get_int64(v);
                if (offset < 0 || offset > GPIO_LINE_OFFSET_MAX)
                        return reader_error(rd, "gpio", key, "%s, got %s", expected,
                                config_json_describe(v, shown, sizeof(shown)));
                line->offset = (int)offset;
                return 1;
        }

        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                size_t n = (size_t)json_object_get_string_len(v);

                if (n == 0 || has_control_characters(s, n))
                        return reader_error(rd, "gpio", key, "%s, got %s", expected,
                                config_json_describe(v, shown, sizeof(shown)));
                /* gpioset and friends read "17" as an offset; a line really named so would be a surprise. */
                if (all_digits(s))
                        return reader_error(rd, "gpio", key,
                                "%s, got %s: write an offset as a number, without quotes", expected,
                                config_json_describe(v, shown, sizeof(shown)));
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
                json_object_is_type(v, json_type_double) ? config_json_describe(v, shown, sizeof(shown))
                                                         : config_json_type_name(v));
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
        char shown[CONFIG_JSON_DESCRIBE_MAX];
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
                        config_json_describe(json_object_object_get(obj, "chip"), shown, sizeof(shown)));

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
                                config_json_describe(v, shown, sizeof(shown)));
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

        psoas_config_init(PSOAS_SIZED(&c->engine));
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

        r = config_json_parse(name, json, size, &root, ret_error);
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

        r = config_json_load(path, &root, &error);
        if (r == -ENOENT && allow_missing)
                return config_new(ret);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        return config_from_json(path, root, ret, ret_error);
}
