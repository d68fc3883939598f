/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Logging for psoasd and the clients, one implementation: a record is "PROGRAM: message" on stderr, with a "<N>"
 * priority prefix when the program asks for one and stderr is not a terminal (so that a supervisor that
 * understands it, like systemd's stream logging, keeps the priority), or goes to a sink the program sets
 * (psoasd: the journal, daemon/log-journal.c).
 *
 * Log once, where the failure is understood. The *_errno() forms return -abs(error), so that
 * `return log_error_errno(r, "…: %m")` reads naturally; %m prints strerror(error), not whatever errno holds.
 */

#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

/* The program's name for each record, and whether stderr records carry a "<N>" prefix when stderr is not a
 * terminal (services: psoasd, psoas-notify) or never (command-line tools). Before it: the executable's name, no
 * prefix. */
void log_setup(const char *program, bool priority_prefix);

/* Records above this priority (LOG_DEBUG … LOG_EMERG) are dropped. Default LOG_INFO. */
void log_set_max_level(int level);
int log_get_max_level(void);

/* Where records go instead of stderr (NULL: back to stderr). message_id may be NULL; error is ≥ 0. */
typedef void (*LogSink)(int level, int error, const char *message_id, const char *file, int line,
        const char *func, const char *message);
void log_set_sink(LogSink sink);

/* message_id may be NULL. Returns -abs(error) (0 when error is 0). */
int log_internal(int level, int error, const char *message_id, const char *file, int line, const char *func,
        const char *format, ...) __attribute__((format(printf, 7, 8)));

#define log_full_errno(level, error, ...)                                                                   \
        log_internal((level), (error), NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void)log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

/* With a MESSAGE_ID an administrator may search for: log_id(LOG_WARNING, MESSAGE_ID_SENSOR_LOST, error, "…"). */
#define log_id(level, message_id, error, ...)                                                               \
        log_internal((level), (error), (message_id), __FILE__, __LINE__, __func__, __VA_ARGS__)

static inline int log_oom(void) {
        return log_error_errno(ENOMEM, "out of memory");
}
