/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "time-util.h"

/* 0000-03-01 is 719468 days before 1970-01-01; 400 Gregorian years are 146097 days. */
#define DAYS_0000_03_01_TO_1970 719468
#define DAYS_PER_400_YEARS 146097

int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;

        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool calendar_is_leap_year(int64_t year) {
        return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned calendar_days_in_month(int64_t year, unsigned month) {
        static const unsigned length[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

        if (month == 2 && calendar_is_leap_year(year))
                return 29;
        return length[month - 1];
}

bool calendar_date_valid(int64_t year, unsigned month, unsigned day) {
        return month >= 1 && month <= 12 && day >= 1 && day <= calendar_days_in_month(year, month);
}

/* Counting years from 1 March makes the leap day the last day of a year, so the day of the year depends on the
 * month alone: months March … February last 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28/29 days, and
 * (153 × m + 2) / 5 is the number of days before month m (0 = March). The years are split into 400-year cycles
 * (floor division, so that years before 0 work too), each of which repeats the same pattern of leap years. */
int64_t calendar_days_from_date(int64_t year, unsigned month, unsigned day) {
        int64_t shifted_year = month <= 2 ? year - 1 : year;
        unsigned shifted_month = month <= 2 ? month + 9 : month - 3;
        int64_t cycle = floor_div(shifted_year, 400);
        int64_t year_of_cycle = shifted_year - cycle * 400;
        int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
        int64_t day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;

        return cycle * DAYS_PER_400_YEARS + day_of_cycle - DAYS_0000_03_01_TO_1970;
}

void calendar_date_from_days(int64_t days, int64_t *ret_year, unsigned *ret_month, unsigned *ret_day) {
        /* The inverse: split into 400-year cycles, then into years of the cycle (365 days, plus one every 4th
         * year except every 100th, plus one every 400th: the corrections below remove the leap days before
         * day_of_cycle to find the year). */
        int64_t z = days + DAYS_0000_03_01_TO_1970;
        int64_t cycle = floor_div(z, DAYS_PER_400_YEARS);
        int64_t day_of_cycle = z - cycle * DAYS_PER_400_YEARS;
        int64_t year_of_cycle =
                (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 - day_of_cycle / 146096) / 365;
        int64_t day_of_year = day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
        unsigned shifted_month = (unsigned)((5 * day_of_year + 2) / 153);
        unsigned month = shifted_month < 10 ? shifted_month + 3 : shifted_month - 9;

        *ret_year = year_of_cycle + cycle * 400 + (month <= 2);
        *ret_month = month;
        *ret_day = (unsigned)(day_of_year - (153 * shifted_month + 2) / 5 + 1);
}

static bool parse_digits(const char *s, size_t n, unsigned *ret) {
        unsigned v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *ret = v;
        return true;
}

int day_from_chars(const char *s, size_t n, int32_t *ret_day) {
        unsigned year, month, day;

        if (n != DAY_NAME_LENGTH || s[4] != '-' || s[7] != '-')
                return -EINVAL;
        if (!parse_digits(s, 4, &year) || !parse_digits(s + 5, 2, &month) || !parse_digits(s + 8, 2, &day))
                return -EINVAL;
        if (year < 1970 || !calendar_date_valid(year, month, day))
                return -EINVAL;

        *ret_day = (int32_t)calendar_days_from_date(year, month, day);
        return 0;
}

int day_from_string(const char *s, int32_t *ret_day) {
        if (!s || !ret_day)
                return -EINVAL;
        return day_from_chars(s, strnlen(s, DAY_NAME_LENGTH + 1), ret_day);
}

void day_to_string(int32_t day, char buf[static DAY_NAME_LENGTH + 1]) {
        int64_t year;
        unsigned month, day_of_month;

        if (day < 0 || day > DAY_MAX) {
                memcpy(buf, "0000-00-00", DAY_NAME_LENGTH + 1);
                return;
        }

        calendar_date_from_days(day, &year, &month, &day_of_month);
        /* By hand: the compiler cannot tell that snprintf() of these numbers fits. */
        buf[0] = (char)('0' + year / 1000);
        buf[1] = (char)('0' + year / 100 % 10);
        buf[2] = (char)('0' + year / 10 % 10);
        buf[3] = (char)('0' + year % 10);
        buf[4] = '-';
        buf[5] = (char)('0' + month / 10);
        buf[6] = (char)('0' + month % 10);
        buf[7] = '-';
        buf[8] = (char)('0' + day_of_month / 10);
        buf[9] = (char)('0' + day_of_month % 10);
        buf[10] = '\0';
}

/* Local times are signed: the time before 1970 too. */
#define US_PER_S ((int64_t)USEC_PER_SEC)

const char *calendar_format_date(int64_t days, char buf[static CALENDAR_TEXT_MAX]) {
        int64_t y;
        unsigned m, d;

        calendar_date_from_days(days, &y, &m, &d);
        snprintf(buf, CALENDAR_TEXT_MAX, "%04lld-%02u-%02u", (long long)y, m, d);
        return buf;
}

const char *calendar_format_local_time(int64_t local_us, char buf[static CALENDAR_TEXT_MAX]) {
        int64_t days = calendar_day_of_local_us(local_us), y;
        int64_t s = floor_div(local_us - days * CALENDAR_US_PER_DAY, US_PER_S);
        unsigned m, d;

        calendar_date_from_days(days, &y, &m, &d);
        snprintf(buf, CALENDAR_TEXT_MAX, "%04lld-%02u-%02u %02u:%02u:%02u", (long long)y, m, d,
                (unsigned)(s / 3600), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
        return buf;
}

int calendar_parse_local_time(const char *s, int64_t *ret_us) {
        unsigned y, mo, d, h, mi, sec = 0;
        int n = 0, n2 = 0;
        int64_t days;
        char sep;

        if (!s || !ret_us)
                return -EINVAL;
        if (sscanf(s, "%4u-%2u-%2u%c%2u:%2u%n", &y, &mo, &d, &sep, &h, &mi, &n) != 6)
                return -EINVAL;
        if (s[n] == ':') {
                if (sscanf(s + n, ":%2u%n", &sec, &n2) != 1)
                        return -EINVAL;
                n += n2;
        }
        /* No 2023-02-30. */
        if (s[n] != '\0' || (sep != 'T' && sep != ' ') || !calendar_date_valid(y, mo, d) || h > 23 ||
                mi > 59 || sec > 59)
                return -EINVAL;
        days = calendar_days_from_date(y, mo, d);

        *ret_us = ((days * 24 + h) * 60 + mi) * 60 * US_PER_S + (int64_t)sec * US_PER_S;
        return 0;
}
