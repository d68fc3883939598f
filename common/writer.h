/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A buffered writer to a file descriptor, with JSON strings and numbers: for output that has a line per sample
 * (psoas-analyze), where stdio's per-call locking and formatting would cost more than the engine. The first
 * write error sticks: later writes are dropped, and writer_flush() and writer_error() return it.
 */

#include <stddef.h>

#include "macro.h"

#define WRITER_SIZE (1u << 20)
#define WRITER_LINE_MAX 512 /* room writer_reserve() makes sure of before a line is formatted in place */

typedef struct Writer {
        int fd;
        int error; /* first write error (negative errno), sticky */
        size_t n;
        char buf[WRITER_SIZE];
} Writer;

/* A writer to fd, which stays the caller's. */
int writer_new(int fd, Writer **ret);
/* Does not flush. */
Writer *writer_free(Writer *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Writer *, writer_free);

/* Writes out what is buffered. Returns 0 or the first write error. */
int writer_flush(Writer *w);

static inline int writer_error(const Writer *w) {
        return w->error;
}

/* Returns where a line of up to WRITER_LINE_MAX bytes can be formatted; writer_commit() then takes it up to
 * end. */
static inline char *writer_reserve(Writer *w) {
        if (w->n + WRITER_LINE_MAX > sizeof(w->buf))
                (void)writer_flush(w);
        return w->buf + w->n;
}

static inline void writer_commit(Writer *w, const char *end) {
        w->n = (size_t)(end - w->buf);
}

void writer_put(Writer *w, const char *s, size_t n);
void writer_puts(Writer *w, const char *s);
/* Up to 1023 bytes. */
_printf_(2, 3) void writer_printf(Writer *w, const char *format, ...);

/* s as a JSON string, quoted and escaped ("" for NULL). */
void writer_json_string(Writer *w, const char *s);
/* v as a JSON number with that many decimals, or null when it is not finite. */
void writer_json_number(Writer *w, double v, unsigned decimals);
