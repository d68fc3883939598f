/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The state files' format (state-file.c), for the store (state.c): parsing and formatting, each with the checks
 * that keep a file the daemon writes one that it reads back. On -EINVAL, reason says what is wrong, without the
 * file's name. */

#include <stddef.h>

#include "state.h"

#define REASON_MAX 256

/* A day file is about 3 KB and current.json a few hundred bytes; anything much larger was not written by us,
 * and reading it whole would only waste memory. */
#define STATE_FILE_MAX (1024 * 1024)

int state_file_parse_day(
        const char *json, size_t size, struct psoas_day_stats *ret, char reason[static REASON_MAX]);
int state_file_parse_current(
        const char *json, size_t size, CurrentState *ret, char reason[static REASON_MAX]);

/* The text of the file, malloc'ed; -EINVAL (with reason) for values the parser would refuse. */
int state_file_format_day(const struct psoas_day_stats *stats, char **ret_buf, size_t *ret_size,
        char reason[static REASON_MAX]);
int state_file_format_current(
        const CurrentState *current, char **ret_buf, size_t *ret_size, char reason[static REASON_MAX]);
