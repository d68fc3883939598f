/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Calendar arithmetic for psoasd and the clients: days since 1970-01-01 ⇄ dates of the proleptic Gregorian
 * calendar, and the "YYYY-MM-DD" names psoas gives days (state files, the bus, psoas-analyze's output).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time-util.h"

/* a / b rounded towards minus infinity (b > 0): the day of a time before 1970 too. */
int64_t floor_div(int64_t a, int64_t b);

bool calendar_is_leap_year(int64_t year);
/* month 1 … 12. */
unsigned calendar_days_in_month(int64_t year, unsigned month);
/* Whether year-month-day is a date: month 1 … 12, day 1 … the month's length (no 2023-02-29). */
bool calendar_date_valid(int64_t year, unsigned month, unsigned day);

/* Days since 1970-01-01 of a valid date, and back; any day, before 1970 included. */
int64_t calendar_days_from_date(int64_t year, unsigned month, unsigned day);
void calendar_date_from_days(int64_t days, int64_t *ret_year, unsigned *ret_month, unsigned *ret_day);

/* Day names: exactly "YYYY-MM-DD", years 1970 … 9999, days 0 … DAY_MAX. */
#define DAY_NAME_LENGTH 10
#define DAY_MAX 2932896 /* 9999-12-31 */

/* "2026-11-21" ⇄ days since 1970-01-01. The parsers return -EINVAL for anything else, including impossible
 * dates like 2026-02-30; day_from_chars() reads s[0..n), which need not be NUL-terminated. day_to_string() needs
 * 11 bytes and writes "0000-00-00", which no parser accepts, for a day outside 0 … DAY_MAX. */
int day_from_chars(const char *s, size_t n, int32_t *ret_day);
int day_from_string(const char *s, int32_t *ret_day);
void day_to_string(int32_t day, char buf[static DAY_NAME_LENGTH + 1]);

/* Local wall time counted as µs since 1970-01-01 00:00 as if it were UTC (what psoas_engine_set_clock() and
 * psoas_engine_local_time() give): its day, and text for it. */
#define CALENDAR_US_PER_DAY (INT64_C(86400) * (int64_t)USEC_PER_SEC)
#define CALENDAR_TEXT_MAX 32

static inline int64_t calendar_day_of_local_us(int64_t local_us) {
        return floor_div(local_us, CALENDAR_US_PER_DAY);
}

/* "2024-05-01" for any day, before 1970 or after 9999 too (unlike day_to_string()). Returns buf. */
const char *calendar_format_date(int64_t days, char buf[static CALENDAR_TEXT_MAX]);
/* "2024-05-01 09:12:33", rounded down to the second. Returns buf. */
const char *calendar_format_local_time(int64_t local_us, char buf[static CALENDAR_TEXT_MAX]);
/* "YYYY-MM-DDTHH:MM[:SS]" or with a space for the T, a valid date and time (no 2023-02-30, no 24:00) → local
 * µs. -EINVAL for anything else. */
int calendar_parse_local_time(const char *s, int64_t *ret_us);
