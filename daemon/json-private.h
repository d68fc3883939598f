/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between json.c (messages, reading) and json-strict.c (the strict scanner): not for json.h's users. */

#include <stddef.h>
#include <stdio.h>

/* Prints a key from a file as a message shows it: as it is when it is a plain word, else quoted, escaped and
 * cut. */
void json_key_print(FILE *f, const char *key);
/* Closes f, a memstream over *text, and hands the text over as *ret_error (when not NULL). */
void json_message_finish(FILE *f, char **text, char **ret_error);
/* Line and column (both from 1, the column in characters) of a byte offset, as editors show them. */
void json_offset_to_position(const char *data, size_t offset, size_t *ret_line, size_t *ret_column);
/* Sets *ret_error to "NAME:LINE:COLUMN: not valid JSON: reason" and returns -EINVAL. */
int json_syntax_error(char **ret_error, const char *name, const char *data, size_t offset,
        const char *format, ...) __attribute__((format(printf, 5, 6)));

/* The strict second pass over data (which json-c parsed): 0, or -EINVAL with *ret_error set. */
int json_strict_scan(const char *name, const char *data, size_t size, char **ret_error);
