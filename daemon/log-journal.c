/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log-journal.h"

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

static void journal_sink(int level, int error, const char *message_id, const char *file, int line,
        const char *func, const char *message) {
        char line_field[32];

        snprintf(line_field, sizeof(line_field), "CODE_LINE=%d", line);
        if (message_id)
                sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", level, "MESSAGE_ID=%s", message_id,
                        "ERRNO=%i", error, "CODE_FILE=%s", file, "%s", line_field, "CODE_FUNC=%s", func,
                        "SYSLOG_IDENTIFIER=psoasd", NULL);
        else
                sd_journal_send("MESSAGE=%s", message, "PRIORITY=%i", level, "ERRNO=%i", error,
                        "CODE_FILE=%s", file, "%s", line_field, "CODE_FUNC=%s", func,
                        "SYSLOG_IDENTIFIER=psoasd", NULL);
}

void log_open(void) {
        static bool opened;

        if (opened)
                return;
        opened = true;
        log_setup("psoasd", true);
        if (stderr_is_journal())
                log_set_sink(journal_sink);
}
