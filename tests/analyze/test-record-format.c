/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* common/record-format: the record of a day as psoas-analyze --output timeline|bouts and psoasctl export write
 * it: the headers, a row's every column, no value for a missing tilt, JSON of the same, the bout's day and
 * length. */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "macro.h"
#include "record-format.h"
#include "test-util.h"

/* What write(w) writes, through a RecordWriter of that kind, as a string. */
static char *written(RecordKind kind, bool json, void (*write)(RecordWriter *w)) {
        _cleanup_(writer_freep) Writer *out = NULL;
        FILE *f = tmpfile();
        RecordWriter w;
        char *s;
        long n;

        ASSERT_TRUE(f);
        ASSERT_EQ(writer_new(fileno(f), &out), 0);
        w = (RecordWriter){ .out = out, .kind = kind, .json = json };
        record_writer_begin(&w);
        write(&w);
        record_writer_end(&w);
        ASSERT_EQ(writer_flush(out), 0);
        n = lseek(fileno(f), 0, SEEK_CUR);
        ASSERT_TRUE(n >= 0);
        s = calloc((size_t)n + 1, 1);
        ASSERT_TRUE(s);
        ASSERT_EQ(pread(fileno(f), s, (size_t)n, 0), n);
        fclose(f);
        return s;
}

static int32_t day_of(const char *date) {
        int32_t day;

        ASSERT_EQ(day_from_string(date, &day), 0);
        return day;
}

static void two_minutes(RecordWriter *w) {
        RecordMinute a = { .day = day_of("2024-05-01"),
                .minute = 9 * 60 + 5,
                .sitting_s = 40,
                .standing_s = 12,
                .walking_s = 3,
                .unknown_s = 1,
                .steps = 4,
                .tilt_standing_deg = 4.256,
                .tilt_sitting_deg = NAN };
        RecordMinute b = { .day = day_of("2024-05-01"),
                .minute = 23 * 60 + 59,
                .lying_s = 30,
                .not_worn_s = 30,
                .tilt_standing_deg = NAN,
                .tilt_sitting_deg = -12.5 };

        record_write_minute(w, &a);
        record_write_minute(w, &b);
}

TEST(timeline_csv) {
        _cleanup_free_ char *s = written(RECORD_TIMELINE, false, two_minutes);

        ASSERT_STREQ(s,
                "date,minute,sitting_s,standing_s,walking_s,lying_s,unknown_s,not_worn_s,no_data_s,steps,"
                "tilt_standing_deg,tilt_sitting_deg\n"
                "2024-05-01,09:05,40,12,3,0,1,0,4,4,4.26,\n"
                "2024-05-01,23:59,0,0,0,30,0,30,0,0,,-12.50\n");
}

TEST(timeline_json) {
        _cleanup_free_ char *s = written(RECORD_TIMELINE, true, two_minutes);

        ASSERT_STREQ(s,
                "[\n"
                "{\"date\":\"2024-05-01\",\"minute\":\"09:05\",\"sitting_s\":40,\"standing_s\":12,\"walking_"
                "s\":3,"
                "\"lying_s\":0,\"unknown_s\":1,\"not_worn_s\":0,\"no_data_s\":4,\"steps\":4,"
                "\"tilt_standing_deg\":4.26,\"tilt_sitting_deg\":null},\n"
                "{\"date\":\"2024-05-01\",\"minute\":\"23:59\",\"sitting_s\":0,\"standing_s\":0,\"walking_"
                "s\":0,"
                "\"lying_s\":30,\"unknown_s\":0,\"not_worn_s\":30,\"no_data_s\":0,\"steps\":0,"
                "\"tilt_standing_deg\":null,\"tilt_sitting_deg\":-12.50}\n"
                "]\n");
}

static void nothing(RecordWriter *w) {
        (void)w;
}

TEST(empty) {
        _cleanup_free_ char *csv = written(RECORD_BOUTS, false, nothing);
        _cleanup_free_ char *json = written(RECORD_BOUTS, true, nothing);

        ASSERT_STREQ(csv, "date,start,end,duration_s,posture,ended_by,walking_s,steps\n");
        ASSERT_STREQ(json, "[]\n");
}

#define AT(date, h, m, s, us)                                                                               \
        ((int64_t)day_of(date) * CALENDAR_US_PER_DAY + ((int64_t)(h)*3600 + (m)*60 + (s)) * 1000000 + (us))

/* A bout across midnight is the day's it began on; its length rounds to the nearest second, its times down. */
static void two_bouts(RecordWriter *w) {
        RecordBout a = { .start_local_us = AT("2024-05-01", 23, 40, 0, 600000),
                .end_local_us = AT("2024-05-02", 0, 20, 1, 200000),
                .posture = "sitting",
                .ended_by = "stood-up" };
        RecordBout b = { .start_local_us = AT("2024-05-02", 0, 20, 1, 200000),
                .end_local_us = AT("2024-05-02", 0, 25, 0, 0),
                .posture = "standing",
                .ended_by = "no-data",
                .walking_s = 120,
                .steps = 230 };

        record_write_bout(w, &a);
        record_write_bout(w, &b);
}

TEST(bouts_csv) {
        _cleanup_free_ char *s = written(RECORD_BOUTS, false, two_bouts);

        ASSERT_STREQ(s,
                "date,start,end,duration_s,posture,ended_by,walking_s,steps\n"
                "2024-05-01,2024-05-01T23:40:00,2024-05-02T00:20:01,2401,sitting,stood-up,0,0\n"
                "2024-05-02,2024-05-02T00:20:01,2024-05-02T00:25:00,299,standing,no-data,120,230\n");
}

TEST(bouts_json) {
        _cleanup_free_ char *s = written(RECORD_BOUTS, true, two_bouts);

        ASSERT_STREQ(s,
                "[\n"
                "{\"date\":\"2024-05-01\",\"start\":\"2024-05-01T23:40:00\",\"end\":\"2024-05-02T00:20:01\","
                "\"duration_s\":2401,\"posture\":\"sitting\",\"ended_by\":\"stood-up\",\"walking_s\":0,"
                "\"steps\":0},\n"
                "{\"date\":\"2024-05-02\",\"start\":\"2024-05-02T00:20:01\",\"end\":\"2024-05-02T00:25:00\","
                "\"duration_s\":299,\"posture\":\"standing\",\"ended_by\":\"no-data\",\"walking_s\":120,"
                "\"steps\":230}\n"
                "]\n");
}

/* Without a wall clock, a recording's own seconds are local time from 1970-01-01: before it too. */
TEST(before_1970) {
        RecordBout b = {
                .start_local_us = -1500000, .end_local_us = 0, .posture = "lying", .ended_by = "lay-down"
        };
        RecordMinute m = { .day = -1, .minute = 1439, .tilt_standing_deg = NAN, .tilt_sitting_deg = NAN };

        ASSERT_EQ(record_bout_duration_s(&b), 2);
        ASSERT_EQ(record_minute_no_data_s(&m), 60);
        m.sitting_s = 61; /* more than a minute counted: none left without data, not a negative */
        ASSERT_EQ(record_minute_no_data_s(&m), 0);
}

TEST(kinds) {
        RecordKind k;

        ASSERT_EQ(record_kind_from_string("timeline", &k), 0);
        ASSERT_EQ(k, RECORD_TIMELINE);
        ASSERT_EQ(record_kind_from_string("bouts", &k), 0);
        ASSERT_EQ(k, RECORD_BOUTS);
        ASSERT_EQ(record_kind_from_string("bout", &k), -EINVAL);
        ASSERT_EQ(record_kind_from_string(NULL, &k), -EINVAL);
        ASSERT_STREQ(record_kind_to_string(RECORD_BOUTS), "bouts");
        ASSERT_TRUE(record_kind_to_string(_RECORD_KIND_MAX) == NULL);
}

TEST_MAIN
