/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoasctl: the verbs and what they share. main.c holds the verb table and parses the command line into a
 * Context; each verb-*.c file implements a group of verbs.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "log.h"
#include "macro.h"
#include "record-format.h"

/* Exit statuses, as psoasctl(1) documents them. inhibit exits with its command's status instead. */
#define EXIT_USAGE 2

typedef struct Context {
        /* Where psoasd is */
        bool user_bus;
        const char *host; /* -H: the system bus of this [USER@]HOST, over SSH */

        /* Output */
        bool json;

        /* Options of some verbs; main.c says which verb takes which */
        bool cancel; /* snooze --cancel */
        const char *why; /* inhibit --why */
        const char *who; /* inhibit --who */
        unsigned days; /* history --days */
        const char *svg_path; /* today, history --svg */
        unsigned count; /* monitor, waybar --count: stop after this many lines; 0 means never */
        uint64_t duration_us; /* monitor, waybar --duration: stop after this long; 0 means never */
        bool plain; /* monitor --plain: lines without terminal codes even on a terminal */
        unsigned delay_s; /* calibrate --delay: a countdown before the capture starts */
        bool sitting; /* calibrate --sitting: the upright sitting reference, not the standing neutral */
        unsigned sitting_limit_min; /* waybar --sitting-limit: the bout length shown as 100 % */
        unsigned snooze_min; /* snooze MINUTES, checked when parsed */
        const char *pattern; /* buzz PATTERN, checked when parsed */
        const char *from, *to; /* export --from, --to: days as YYYY-MM-DD, checked when parsed */
        RecordKind record_kind; /* export --output */
} Context;

/* export: the most days at a time. */
#define EXPORT_DAYS_MAX 366

/* Each verb's work. Returns a negative errno on failure, after saying what failed on stderr, or else the exit
 * status. The arguments are those after the verb's options (the COMMAND for inhibit). */
int verb_status(Context *c, int argc, char **argv);
int verb_monitor(Context *c, int argc, char **argv);
int verb_waybar(Context *c, int argc, char **argv);
int verb_calibrate(Context *c, int argc, char **argv);
int verb_snooze(Context *c, int argc, char **argv);
int verb_inhibit(Context *c, int argc, char **argv);
int verb_stretches(Context *c, int argc, char **argv);
int verb_done(Context *c, int argc, char **argv);
int verb_today(Context *c, int argc, char **argv);
int verb_history(Context *c, int argc, char **argv);
int verb_export(Context *c, int argc, char **argv);
int verb_buzz(Context *c, int argc, char **argv);

/* Messages for the user ("psoasctl: …" on stderr) are common/log.h's log_error() and log_error_errno(). */
