/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

static int max_level = LOG_INFO;
static bool opened;
static bool to_journal;
static bool stderr_is_tty;

/* JOURNAL_STREAM is "DEVICE:INODE" of the stream journald gave us; it only counts if it is still our stderr
 * (a child started from a shell under a service inherits the variable but not the stream). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_open(void) {
        if (opened)
                return;
        opened = true;
        to_journal = stderr_is_journal();
        stderr_is_tty = isatty(STDERR_FILENO) > 0;
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
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

        if (!opened)
                log_open();

        if (to_journal) {
                char line_field[32];

                snprintf(line_field, sizeof(line_field), "CODE_LINE=%d", line);
                if (message_id)
                        sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", level, "MESSAGE_ID=%s",
                                message_id, "ERRNO=%i", error, "CODE_FILE=%s", file, "%s", line_field,
                                "CODE_FUNC=%s", func, "SYSLOG_IDENTIFIER=psoasd", NULL);
                else
                        sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", level, "ERRNO=%i", error,
                                "CODE_FILE=%s", file, "%s", line_field, "CODE_FUNC=%s", func,
                                "SYSLOG_IDENTIFIER=psoasd", NULL);
        } else if (stderr_is_tty)
                fprintf(stderr, "psoasd: %s\n", message);
        else
                fprintf(stderr, "<%i>psoasd: %s\n", level, message);

        return -error;
}
