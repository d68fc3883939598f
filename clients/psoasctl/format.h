/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Times, durations and angles in words, and JSON output. */

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

/* json_object_put() returns an int; the cleanup wants a destructor that returns NULL. */
static inline json_object *json_object_put_null(json_object *o) {
        json_object_put(o);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put_null);

/* Whether the terminal's character set is UTF-8 (then "°" and block characters, else ASCII). Decided once,
 * from the locale main() set. */
bool output_utf8(void);

/* "3 h 12 min", "12 min", "45 s", rounded down (common/duration.h). */
char *format_duration(char *buf, size_t size, uint64_t seconds);
/* "3:12": hours and minutes, rounded down, for tables. */
char *format_hours_minutes(char *buf, size_t size, uint64_t seconds);
/* A realtime in µs as local "14:35", or "2024-05-01 14:35" when not on the day of now_us (psoasd's clock now,
 * describe_now_us()). */
char *format_clock(char *buf, size_t size, uint64_t realtime_us, uint64_t now_us);
/* "+7°", "-3°" (or "+7 deg" without UTF-8). */
char *format_degrees(char *buf, size_t size, double degrees);

#define DURATION_MAX 32
#define CLOCK_MAX 32
#define DEGREES_MAX 24

/* A JSON number, or null for a value that is not finite. */
json_object *json_new_double(double value);
/* A key in an object; returns -ENOMEM when the value is NULL (allocation failed). */
int json_add(json_object *object, const char *key, json_object *value);
/* Prints the value on one line (pretty-printed instead when stdout is a terminal and pretty is true). */
int json_print(json_object *value, bool pretty);
/* json_print() of what a builder (properties_to_json() …) returned, which it takes over and frees; NULL, a
 * builder out of memory, is logged as such. */
int json_print_built(json_object *value, bool pretty);

/* Prints text wrapped at width columns, each line indented by indent spaces. */
void print_wrapped(FILE *f, const char *text, unsigned indent, unsigned width);
