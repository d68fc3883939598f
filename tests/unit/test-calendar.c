/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "calendar.h"
#include "test-util.h"

TEST(floor_div_rounds_down) {
        ASSERT_EQ(floor_div(7, 2), 3);
        ASSERT_EQ(floor_div(-7, 2), -4);
        ASSERT_EQ(floor_div(-8, 2), -4);
        ASSERT_EQ(floor_div(0, 5), 0);
        ASSERT_EQ(floor_div(-1, 86400), -1);
}

TEST(known_dates) {
        static const struct {
                int64_t year;
                unsigned month, day;
                int64_t days;
        } known[] = {
                { 1970, 1, 1, 0 },
                { 1969, 12, 31, -1 },
                { 2000, 2, 29, 11016 },
                { 2000, 3, 1, 11017 },
                { 2024, 2, 29, 19782 },
                { 2026, 11, 21, 20778 },
                { 1900, 3, 1, -25508 },
                { 9999, 12, 31, DAY_MAX },
                { 1, 1, 1, -719162 },
        };

        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
                int64_t y;
                unsigned m, d;

                ASSERT_EQ(
                        calendar_days_from_date(known[i].year, known[i].month, known[i].day), known[i].days);
                calendar_date_from_days(known[i].days, &y, &m, &d);
                ASSERT_EQ(y, known[i].year);
                ASSERT_EQ(m, known[i].month);
                ASSERT_EQ(d, known[i].day);
        }
}

/* Every day from year -1000 to 12000 comes back as itself, one after another, and agrees with libc's UTC
 * calendar where time_t reaches. */
TEST(round_trip_and_libc) {
        int64_t y, prev_y;
        unsigned m, d, prev_m, prev_d;
        int64_t first = calendar_days_from_date(-1000, 1, 1), last = calendar_days_from_date(12000, 12, 31);

        calendar_date_from_days(first - 1, &prev_y, &prev_m, &prev_d);
        ASSERT_EQ(prev_y, -1001);
        for (int64_t days = first; days <= last; days++) {
                calendar_date_from_days(days, &y, &m, &d);
                ASSERT_TRUE(calendar_date_valid(y, m, d));
                ASSERT_EQ(calendar_days_from_date(y, m, d), days);
                /* The next day of the previous one. */
                if (d == 1)
                        ASSERT_TRUE(prev_d == calendar_days_in_month(prev_y, prev_m) &&
                                (m == prev_m + 1 || (m == 1 && prev_m == 12 && y == prev_y + 1)));
                else
                        ASSERT_TRUE(d == prev_d + 1 && m == prev_m && y == prev_y);
                if (days % 97 == 0 && y >= 1902 && y <= 2037) {
                        time_t t = (time_t)(days * 86400);
                        struct tm tm;

                        ASSERT_TRUE(gmtime_r(&t, &tm) != NULL);
                        ASSERT_EQ(tm.tm_year + 1900, y);
                        ASSERT_EQ(tm.tm_mon + 1, m);
                        ASSERT_EQ(tm.tm_mday, d);
                }
                prev_y = y;
                prev_m = m;
                prev_d = d;
        }
}

TEST(date_valid) {
        ASSERT_TRUE(calendar_date_valid(2024, 2, 29));
        ASSERT_TRUE(!calendar_date_valid(2023, 2, 29));
        ASSERT_TRUE(!calendar_date_valid(1900, 2, 29));
        ASSERT_TRUE(calendar_date_valid(2000, 2, 29));
        ASSERT_TRUE(!calendar_date_valid(2026, 4, 31));
        ASSERT_TRUE(!calendar_date_valid(2026, 0, 1));
        ASSERT_TRUE(!calendar_date_valid(2026, 13, 1));
        ASSERT_TRUE(!calendar_date_valid(2026, 1, 0));
}

TEST(day_names) {
        char buf[DAY_NAME_LENGTH + 1];
        int32_t day;

        ASSERT_EQ(day_from_string("2026-11-21", &day), 0);
        ASSERT_EQ(day, 20778);
        day_to_string(day, buf);
        ASSERT_STREQ(buf, "2026-11-21");
        day_to_string(0, buf);
        ASSERT_STREQ(buf, "1970-01-01");
        day_to_string(DAY_MAX, buf);
        ASSERT_STREQ(buf, "9999-12-31");
        day_to_string(-1, buf);
        ASSERT_STREQ(buf, "0000-00-00");
        day_to_string(DAY_MAX + 1, buf);
        ASSERT_STREQ(buf, "0000-00-00");

        static const char *const bad[] = { "2026-02-29", "1969-12-31", "2026-1-01", "2026-01-01x",
                "2026/01/01", "20260101", "", "2026-00-10", "2026-01-32", "+026-01-01" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ASSERT_EQ(day_from_string(bad[i], &day), -EINVAL);
        ASSERT_EQ(day_from_string(NULL, &day), -EINVAL);
        /* Not NUL-terminated: only the n characters count. */
        ASSERT_EQ(day_from_chars("2026-11-21.json", DAY_NAME_LENGTH, &day), 0);
        ASSERT_EQ(day, 20778);
}

TEST(local_times) {
        char buf[CALENDAR_TEXT_MAX];
        int64_t us;

        ASSERT_EQ(calendar_parse_local_time("2024-05-01T08:30", &us), 0);
        ASSERT_STREQ(calendar_format_local_time(us, buf), "2024-05-01 08:30:00");
        ASSERT_EQ(calendar_day_of_local_us(us), calendar_days_from_date(2024, 5, 1));
        ASSERT_STREQ(calendar_format_date(calendar_day_of_local_us(us), buf), "2024-05-01");
        ASSERT_EQ(calendar_parse_local_time("2024-02-29 23:59:59", &us), 0);
        ASSERT_STREQ(calendar_format_local_time(us + 999999, buf), "2024-02-29 23:59:59");
        ASSERT_STREQ(calendar_format_local_time(us + 1000000, buf), "2024-03-01 00:00:00");
        /* Before 1970: rounded down, to the previous day and second. */
        ASSERT_STREQ(calendar_format_local_time(-1, buf), "1969-12-31 23:59:59");
        ASSERT_STREQ(calendar_format_date(-1, buf), "1969-12-31");

        static const char *const bad[] = { "2023-02-29T10:00", "2024-05-01T24:00", "2024-05-01T08:60",
                "2024-05-01T08:30:60", "2024-05-01X08:30", "2024-05-01T08:30:00Z", "2024-05-01", "" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ASSERT_EQ(calendar_parse_local_time(bad[i], &us), -EINVAL);
}

TEST_MAIN
