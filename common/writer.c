/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writer.h"

int writer_new(int fd, Writer **ret) {
        Writer *w;

        if (fd < 0 || !ret)
                return -EINVAL;
        w = malloc(sizeof(Writer));
        if (!w)
                return -ENOMEM;
        w->fd = fd;
        w->error = 0;
        w->n = 0;
        *ret = w;
        return 0;
}

Writer *writer_free(Writer *w) {
        free(w);
        return NULL;
}

int writer_flush(Writer *w) {
        size_t done = 0;

        while (done < w->n && w->error == 0) {
                ssize_t k = write(w->fd, w->buf + done, w->n - done);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        w->error = -errno;
                        break;
                }
                done += (size_t)k;
        }
        w->n = 0;
        return w->error;
}

void writer_put(Writer *w, const char *s, size_t n) {
        while (n > 0) {
                size_t k;

                if (w->n == sizeof(w->buf))
                        (void)writer_flush(w);
                k = MIN(n, sizeof(w->buf) - w->n);
                memcpy(w->buf + w->n, s, k);
                w->n += k;
                s += k;
                n -= k;
        }
}

void writer_puts(Writer *w, const char *s) {
        writer_put(w, s, strlen(s));
}

void writer_printf(Writer *w, const char *format, ...) {
        char line[1024];
        va_list ap;
        int k;

        va_start(ap, format);
        k = vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);
        if (k < 0)
                return;
        writer_put(w, line, MIN((size_t)k, sizeof(line) - 1));
}

void writer_json_string(Writer *w, const char *s) {
        writer_put(w, "\"", 1);
        for (; s && *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch == '"' || ch == '\\') {
                        char esc[2] = { '\\', (char)ch };
                        writer_put(w, esc, 2);
                } else if (ch < 0x20)
                        writer_printf(w, "\\u%04x", ch);
                else
                        writer_put(w, s, 1);
        }
        writer_put(w, "\"", 1);
}

void writer_json_number(Writer *w, double v, unsigned decimals) {
        if (isfinite(v))
                writer_printf(w, "%.*f", (int)decimals, v);
        else
                writer_puts(w, "null");
}
