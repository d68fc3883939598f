/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoas-notify's logging: one line per record on stderr. When stderr is not a terminal (under systemd, or an
 * autostarting session manager that collects it) each line starts with a "<N>" priority prefix, which
 * systemd's stream logging turns into the record's priority.
 */

#include <syslog.h>

#include "macro.h"

/* Records above this priority (LOG_DEBUG … LOG_ERR) are dropped. Default LOG_INFO. */
void log_set_max_level(int level);

/* Returns -abs(error), so that `return log_error_errno(r, "…: %m")` reads naturally; %m prints
 * strerror(error). error may be 0. */
int log_internal(int level, int error, const char *format, ...) _printf_(3, 4);

#define log_debug(...) (void)log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void)log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_warning(...) (void)log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void)log_internal(LOG_ERR, 0, __VA_ARGS__)

#define log_debug_errno(error, ...) log_internal(LOG_DEBUG, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_internal(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_internal(LOG_ERR, (error), __VA_ARGS__)
