/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

static const char *program_name; /* NULL: the executable's name */
static bool priority_prefix;
static int max_level = LOG_INFO;
static LogSink sink;
static int stderr_is_tty = -1; /* not asked yet */

void log_setup(const char *program, bool with_priority_prefix) {
        program_name = program;
        priority_prefix = with_priority_prefix;
        stderr_is_tty = -1;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_set_sink(LogSink new_sink) {
        sink = new_sink;
}

int log_internal(int level, int error, const char *message_id, const char *file, int line, const char *func,
        const char *format, ...) {
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

        if (sink) {
                sink(level, error, message_id, file, line, func, message);
                return -error;
        }
        if (stderr_is_tty < 0)
                stderr_is_tty = isatty(STDERR_FILENO) > 0;
        const char *name = program_name ?: program_invocation_short_name;
        if (priority_prefix && !stderr_is_tty)
                fprintf(stderr, "<%i>%s: %s\n", level, name, message);
        else
                fprintf(stderr, "%s: %s\n", name, message);
        return -error;
}
