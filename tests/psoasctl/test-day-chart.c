/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* psoasctl today's chart of a day, on days made up here: the terminal rows exactly, the colours, the SVG (valid
 * to xmllint, a group per hour shown and a rectangle per minute with data), the sitting bouts by length. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "day-record.h"
#include "macro.h"
#include "test-util.h"

#define MINUTE(h, m) ((uint16_t)((h)*60 + (m)))

/* 2024-05-01: 08:00-08:29 sitting, 08:30-08:39 standing, 08:40-08:44 walking (100 steps a minute), then no data
 * to 09:00; 09:00-09:09 lying, 09:10-09:14 not worn, 09:15 sitting 20 s (the rest no data), 09:16 unknown. */
static RecordMinute known_minutes[62];

/* The next minute of d, HH:MM, with nothing counted yet. */
static RecordMinute *add_minute(DayRecord *d, unsigned hour, unsigned minute) {
        RecordMinute *r;

        ASSERT_TRUE(d->n_minutes < ELEMENTSOF(known_minutes));
        r = &known_minutes[d->n_minutes++];
        *r = (RecordMinute){ .day = d->day,
                .minute = MINUTE(hour, minute),
                .tilt_standing_deg = NAN,
                .tilt_sitting_deg = NAN };
        return r;
}

static void known_day(DayRecord *d, bool today) {
        int32_t day;

        ASSERT_EQ(day_from_string("2024-05-01", &day), 0);
        *d = (DayRecord){ .day = day, .minutes = known_minutes };
        for (unsigned m = 0; m < 30; m++)
                add_minute(d, 8, m)->sitting_s = 60;
        for (unsigned m = 30; m < 40; m++)
                add_minute(d, 8, m)->standing_s = 60;
        for (unsigned m = 40; m < 45; m++) {
                RecordMinute *r = add_minute(d, 8, m);

                r->walking_s = 60;
                r->steps = 100;
        }
        for (unsigned m = 0; m < 10; m++)
                add_minute(d, 9, m)->lying_s = 60;
        for (unsigned m = 10; m < 15; m++)
                add_minute(d, 9, m)->not_worn_s = 60;
        add_minute(d, 9, 15)->sitting_s = 20;
        add_minute(d, 9, 16)->unknown_s = 60;
        ASSERT_EQ(d->n_minutes, ELEMENTSOF(known_minutes));

        for (unsigned h = 0; h < 24; h++)
                d->hours[h].no_data_s = 3600;
        d->hours[8] = (DayHour){
                .sitting_s = 1800, .standing_s = 600, .walking_s = 300, .no_data_s = 900, .steps = 500
        };
        d->hours[9] = (DayHour){
                .lying_s = 600, .not_worn_s = 300, .sitting_s = 20, .unknown_s = 60, .no_data_s = 3600 - 980
        };
        if (today) {
                /* 09:17 now: the hours to come are zero, and the hour now counts only the time past. */
                for (unsigned h = 10; h < 24; h++)
                        d->hours[h] = (DayHour){};
                d->hours[9].no_data_s = 17 * 60 - 980;
        }
}

/* What f holds, from the start. */
static char *read_all(FILE *f) {
        long n;
        char *s;

        ASSERT_EQ(fflush(f), 0);
        n = ftell(f);
        ASSERT_TRUE(n >= 0);
        s = calloc((size_t)n + 1, 1);
        ASSERT_TRUE(s);
        rewind(f);
        ASSERT_EQ(fread(s, 1, (size_t)n, f), (size_t)n);
        return s;
}

static char *chart_text(const DayRecord *d, bool color) {
        FILE *f = tmpfile();
        char *s;

        ASSERT_TRUE(f);
        day_chart_print(d, color, f);
        s = read_all(f);
        fclose(f);
        return s;
}

static const char legend[] =
        "    S sitting  T standing  W walking  L lying  ? unknown  x not-worn  . no-data\n";
static const char ruler[] = "    0         10        20        30        40        50\n";

TEST(chart_rows_past_day) {
        DayRecord d;
        char expected[1024];
        _cleanup_free_ char *text = NULL;

        known_day(&d, false);
        ASSERT_EQ(day_record_now_minute(&d), DAY_MINUTES);
        snprintf(expected, sizeof(expected), "%s%s%s", ruler,
                "08  SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSTTTTTTTTTTWWWWW...............  sitting 30 min\n"
                "09  LLLLLLLLLLxxxxx.?...........................................  sitting  0 min\n",
                legend);
        text = chart_text(&d, false);
        ASSERT_STREQ(text, expected);
}

TEST(chart_rows_today) {
        DayRecord d;
        char expected[1024];
        _cleanup_free_ char *text = NULL;

        known_day(&d, true);
        ASSERT_EQ(day_record_now_minute(&d), MINUTE(9, 17));
        /* From 09:17 on, minutes to come: blank. */
        snprintf(expected, sizeof(expected), "%s%s09  %-60s  sitting  0 min\n%s", ruler,
                "08  SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSTTTTTTTTTTWWWWW...............  sitting 30 min\n",
                "LLLLLLLLLLxxxxx.?", legend);
        text = chart_text(&d, false);
        ASSERT_STREQ(text, expected);
}

TEST(chart_no_data) {
        DayRecord d;
        _cleanup_free_ char *text = NULL;

        known_day(&d, false);
        d.n_minutes = 0;
        text = chart_text(&d, false);
        ASSERT_STREQ(text, "No data on this day.\n");
}

/* With colours, the same letters once the escape sequences are taken out, and a colour for sitting. */
TEST(chart_colors) {
        DayRecord d;
        _cleanup_free_ char *plain = NULL, *color = NULL;
        char *out, *in;

        known_day(&d, false);
        plain = chart_text(&d, false);
        color = chart_text(&d, true);
        ASSERT_TRUE(strstr(color, "\033[30;43mS"));
        for (in = out = color; *in;)
                if (*in == '\033')
                        in += strcspn(in, "m") + 1;
                else
                        *out++ = *in++;
        *out = '\0';
        ASSERT_STREQ(color, plain);
}

/* xmllint's answer to an XPath expression on the file. */
static double xpath_number(const char *path, const char *expression) {
        char command[1024], answer[64] = "";
        FILE *p;

        snprintf(command, sizeof(command), "xmllint --nonet --xpath '%s' %s", expression, path);
        p = popen(command, "r");
        ASSERT_TRUE(p);
        ASSERT_TRUE(fgets(answer, sizeof(answer), p));
        ASSERT_EQ(pclose(p), 0);
        return strtod(answer, NULL);
}

TEST(svg) {
        char path[] = "/tmp/test-day-chart-XXXXXX";
        char command[256];
        DayRecord d;
        FILE *f;
        int fd;

        known_day(&d, true);
        fd = mkstemp(path);
        ASSERT_TRUE(fd >= 0);
        f = fdopen(fd, "w");
        ASSERT_TRUE(f);
        day_chart_write_svg(&d, "Posture <minute> by minute & more", f);
        ASSERT_EQ(fclose(f), 0);

        snprintf(command, sizeof(command), "xmllint --noout --nonet %s", path);
        ASSERT_EQ(system(command), 0);
        ASSERT_EQ(xpath_number(path, "count(//*[local-name()=\"g\"][@class=\"hour\"])"), 2);
        ASSERT_EQ(xpath_number(path, "count(//*[local-name()=\"rect\"][starts-with(@class,\"minute \")])"),
                62);
        ASSERT_EQ(xpath_number(path, "count(//*[local-name()=\"rect\"][@class=\"minute sitting\"])"), 30);
        ASSERT_EQ(xpath_number(path,
                          "count(//*[@id=\"hour-09\"]/*[local-name()=\"rect\"][@class=\"minute lying\"])"),
                10);
        /* The hour now is no data up to 09:17 (17 cells of 10 px), blank after; the hour before all 60. */
        ASSERT_EQ(
                xpath_number(path,
                        "string(//*[@id=\"hour-09\"]/*[local-name()=\"rect\"][@class=\"no-data\"]/@width)"),
                170);
        ASSERT_EQ(
                xpath_number(path,
                        "string(//*[@id=\"hour-08\"]/*[local-name()=\"rect\"][@class=\"no-data\"]/@width)"),
                600);
        /* 09:15 had data, mostly none: a minute of its own, drawn as no data. */
        ASSERT_EQ(xpath_number(path, "count(//*[local-name()=\"rect\"][@class=\"minute no-data\"])"), 1);
        unlink(path);
}

static DayBout bout(const char *posture, unsigned start_min, unsigned minutes) {
        DayBout b = { .start_local_us = (int64_t)start_min * 60 * (int64_t)USEC_PER_SEC };

        b.end_local_us = b.start_local_us + (int64_t)minutes * 60 * (int64_t)USEC_PER_SEC;
        snprintf(b.posture, sizeof(b.posture), "%s", posture);
        snprintf(b.ended_by, sizeof(b.ended_by), "stood-up");
        return b;
}

TEST(sitting_lengths) {
        DayBout bouts[] = {
                bout("sitting", 0, 10),
                bout("standing", 10, 90), /* not sitting: not counted */
                bout("sitting", 100, 30), /* 30 min: 30 to 60 */
                bout("sitting", 130, 60), /* 60 min: still 30 to 60 */
                bout("sitting", 190, 61),
                bout("lying", 251, 120),
        };
        DayRecord d = { .bouts = bouts, .n_bouts = ELEMENTSOF(bouts) };
        BoutLengths l;

        day_record_sitting_lengths(&d, &l);
        ASSERT_EQ(l.count[0], 1);
        ASSERT_EQ(l.seconds[0], 600);
        ASSERT_EQ(l.count[1], 2);
        ASSERT_EQ(l.seconds[1], 5400);
        ASSERT_EQ(l.count[2], 1);
        ASSERT_EQ(l.seconds[2], 3660);
}

TEST(cell_of_minute) {
        RecordMinute m = { .sitting_s = 20, .standing_s = 20, .tilt_standing_deg = NAN };

        /* 20 s each and 20 s of no data: the first posture wins a tie. */
        ASSERT_EQ(day_cell_of_minute(&m), DAY_CELL_SITTING);
        m.standing_s = 21;
        ASSERT_EQ(day_cell_of_minute(&m), DAY_CELL_STANDING);
        m = (RecordMinute){ .walking_s = 10, .not_worn_s = 12 };
        ASSERT_EQ(day_cell_of_minute(&m), DAY_CELL_NO_DATA);
        ASSERT_EQ(record_minute_no_data_s(&m), 38);
}

TEST_MAIN
