/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static int max_level = LOG_INFO;

void log_set_max_level(int level) {
        max_level = level;
}

int log_internal(int level, int error, const char *format, ...) {
        char message[2048];
        va_list ap;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        /* %m means the error we were given, not whatever errno happens to hold. */
        errno = error;
        va_start(ap, format);
        vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);

        if (isatty(STDERR_FILENO) > 0)
                fprintf(stderr, "psoas-notify: %s\n", message);
        else
                fprintf(stderr, "<%d>psoas-notify: %s\n", level, message);
        return -error;
}
