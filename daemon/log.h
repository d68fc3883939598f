/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoasd's logging. Under journald (JOURNAL_STREAM names our stderr) records go to the journal with their
 * fields, MESSAGE_ID included; otherwise to stderr, with a "<N>" priority prefix when stderr is not a terminal
 * (so a supervisor that understands it, like systemd's stream logging, keeps the priority).
 *
 * Log once, where the failure is understood. The *_errno() forms return -abs(error), so that
 * `return log_error_errno(r, "…: %m")`-style code reads naturally; %m prints strerror(error).
 */

#include <stdarg.h>
#include <syslog.h>

/* Searchable events an administrator may look for (journalctl MESSAGE_ID=…); see daemon/psoasd.catalog. */
#define MESSAGE_ID_SENSOR_LOST "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b01"
#define MESSAGE_ID_SENSOR_BACK "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b02"
#define MESSAGE_ID_CONFIG_REJECTED "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b03"
#define MESSAGE_ID_STATE_MOVED_ASIDE "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b04"
#define MESSAGE_ID_CLOCK_CHANGED "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b16"

/* Decides where records go. Idempotent; logging before it goes to stderr. */
void log_open(void);
/* Records above this priority (LOG_DEBUG … LOG_EMERG) are dropped. Default LOG_INFO. */
void log_set_max_level(int level);
int log_get_max_level(void);

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

/* With a MESSAGE_ID: log_id(LOG_WARNING, MESSAGE_ID_SENSOR_LOST, error, "…"). */
#define log_id(level, message_id, error, ...)                                                               \
        log_internal((level), (error), (message_id), __FILE__, __LINE__, __func__, __VA_ARGS__)
