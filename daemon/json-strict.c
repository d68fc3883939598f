/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The strict pass over a document json-c has parsed (json.h says what it refuses, and why). */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "json-private.h"
#include "json.h"
#include "macro.h"

/* json-c stops at 32 levels; this only guards the scanner's recursion should that ever change. */
#define SCANNER_DEPTH_MAX 64

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
                json_key_print(f, frame->key);
        } else
                fprintf(f, "[%zu]", frame->index);
}

static int scanner_fail_at(Scanner *s, size_t offset, const char *reason) {
        return json_syntax_error(s->ret_error, s->name, s->data, offset, "%s", reason);
}

static int scanner_unexpected(Scanner *s) {
        unsigned char c;

        if (s->pos >= s->size)
                return scanner_fail_at(s, s->pos, "unexpected end of data");
        c = (unsigned char)s->data[s->pos];
        if (c == '\0')
                return scanner_fail_at(s, s->pos, "unexpected NUL byte");
        if (c > 0x20 && c < 0x7F)
                return json_syntax_error(
                        s->ret_error, s->name, s->data, s->pos, "unexpected character '%c'", c);
        return json_syntax_error(s->ret_error, s->name, s->data, s->pos, "unexpected byte 0x%02x", c);
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
                        return json_syntax_error(s->ret_error, s->name, s->data, s->pos,
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
                                return json_syntax_error(s->ret_error, s->name, s->data, s->pos,
                                        "lone UTF-16 surrogate \\u%04x (not a character)", (unsigned)cp);
                        if (cp >= 0xD800 && cp <= 0xDBFF) {
                                int32_t low = left >= 12 && p[6] == '\\' && p[7] == 'u'
                                        ? hex4((const char *)p + 8)
                                        : -1;
                                if (low < 0xDC00 || low > 0xDFFF)
                                        return json_syntax_error(s->ret_error, s->name, s->data, s->pos,
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
                if (p[1] != 'u') {
                        static const char from[] = "bfnrt", to[] = "\b\f\n\r\t";
                        const char *k = strchr(from, p[1]);

                        /* The scan let only \", \\, \/, \b, \f, \n, \r, \t and \u through. */
                        decoded[n++] = k ? to[k - from] : p[1];
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
                        return json_syntax_error(
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

        json_offset_to_position(s->data, first_offset, &first_line, &column);
        json_offset_to_position(s->data, offset, &line, &column);
        fprintf(f, "%s: ", s->name);
        path_print(f, frame);
        if (first_line == line)
                fprintf(f, ": given more than once, twice on line %zu", line);
        else
                fprintf(f, ": given more than once, on lines %zu and %zu", first_line, line);

        json_message_finish(f, &text, s->ret_error);
        return -EINVAL;
}

/* Past the opening character of an object or an array; true when it is empty and so also past its closing
 * character. */
static bool scan_opening(Scanner *s, char close) {
        s->pos++;
        scanner_skip_space(s);
        if (!scanner_peek(s, close))
                return false;
        s->pos++;
        return true;
}

/* After a member of an object or an array: 1 past its closing character, 0 past a ',' (another member
 * follows), or an error. */
static int scan_after_member(Scanner *s, char close, const char *expected) {
        scanner_skip_space(s);
        if (scanner_peek(s, close)) {
                s->pos++;
                return 1;
        }
        if (!scanner_peek(s, ','))
                return scanner_fail_at(s, s->pos, expected);
        s->pos++;
        scanner_skip_space(s);
        return 0;
}

static int scan_object(Scanner *s, const PathFrame *parent) {
        _cleanup_(json_object_putp) struct json_object *seen = NULL;
        int r;

        if (scan_opening(s, '}'))
                return 0;

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
                r = scan_after_member(s, '}', "',' or '}' expected in an object");
                if (r != 0)
                        return r < 0 ? r : 0;
        }
}

static int scan_array(Scanner *s, const PathFrame *parent) {
        int r;

        if (scan_opening(s, ']'))
                return 0;

        for (size_t index = 0;; index++) {
                PathFrame frame = { .parent = parent, .index = index };

                r = scan_value(s, &frame);
                if (r < 0)
                        return r;
                r = scan_after_member(s, ']', "',' or ']' expected in an array");
                if (r != 0)
                        return r < 0 ? r : 0;
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

int json_strict_scan(const char *name, const char *data, size_t size, char **ret_error) {
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
