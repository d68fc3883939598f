/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The record of a day on disk (daemon/day-record.c) and in the state store (daemon/state.c): the format, its
 * strict parser, merging minutes after a restart, the hours GetDay() gives, and the file's life in the store. */

/* For asprintf(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "day-record.h"
#include "macro.h"
#include "state.h"
#include "test-util.h"

#define DAY_2026_12_08 20795

static struct psoas_minute minute_at(int32_t day, int32_t minute, uint16_t sitting_s, uint16_t standing_s) {
        return (struct psoas_minute){ .size = sizeof(struct psoas_minute),
                .day = day,
                .minute = minute,
                .sitting_s = sitting_s,
                .standing_s = standing_s,
                .tilt_standing_deg = NAN,
                .tilt_sitting_deg = NAN };
}

static DayRecord *new_record(int32_t day) {
        DayRecord *r = NULL;

        ASSERT_EQ(day_record_new(day, &r), 0);
        return r;
}

static char *format_record(const DayRecord *r, size_t *ret_size) {
        char *text = NULL;
        size_t size = 0;

        ASSERT_EQ(day_record_format(r, &text, &size), 0);
        ASSERT_EQ(strlen(text), size);
        if (ret_size)
                *ret_size = size;
        return text;
}

/* Parses text, expecting it refused with a reason that contains expected. */
static void assert_refused(const char *text, const char *expected) {
        _cleanup_(day_record_freep) DayRecord *r = NULL;
        char reason[DAY_RECORD_REASON_MAX] = "";

        ASSERT_EQ(day_record_parse(text, strlen(text), &r, reason), -EINVAL);
        ASSERT_TRUE(r == NULL);
        if (!strstr(reason, expected))
                TEST_FAIL("the reason \"%s\" does not say \"%s\" (text: %s)", reason, expected, text);
}

static DayRecord *parse_ok(const char *text) {
        DayRecord *r = NULL;
        char reason[DAY_RECORD_REASON_MAX] = "";

        if (day_record_parse(text, strlen(text), &r, reason) < 0)
                TEST_FAIL("refused: %s\n%s", reason, text);
        return r;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The format */

TEST(format_round_trip) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08), *back = NULL;
        _cleanup_free_ char *text = NULL, *again = NULL;
        struct psoas_minute m = minute_at(DAY_2026_12_08, 9 * 60 + 41, 40, 12);
        RecordBout b = { .posture = PSOAS_POSTURE_SITTING,
                .ended_by = PSOAS_BOUT_END_STOOD_UP,
                .start_realtime_us = 1765186860000000,
                .end_realtime_us = 1765190460123456 };

        m.walking_s = 3;
        m.lying_s = 1;
        m.unknown_s = 2;
        m.not_worn_s = 1;
        m.steps = 7;
        m.tilt_standing_deg = 4.25f;
        m.tilt_sitting_deg = -12.3f;
        ASSERT_EQ(day_record_add_minute(r, &m), 0);
        ASSERT_EQ(day_record_add_minute(r,
                          &(struct psoas_minute){ .size = sizeof(m),
                                  .day = DAY_2026_12_08,
                                  .minute = 0,
                                  .not_worn_s = 60,
                                  .tilt_standing_deg = NAN,
                                  .tilt_sitting_deg = NAN }),
                0);
        ASSERT_EQ(day_record_add_bout(r, &b), 0);
        b = (RecordBout){ .posture = PSOAS_POSTURE_STANDING,
                .ended_by = PSOAS_BOUT_END_NO_DATA,
                .start_realtime_us = 1765190460123456,
                .end_realtime_us = 1765190900000000,
                .walking_s = 120,
                .steps = 231 };
        ASSERT_EQ(day_record_add_bout(r, &b), 0);

        text = format_record(r, NULL);
        ASSERT_STREQ(text,
                "psoas-record 1 2026-12-08\n"
                "00:00 0 0 0 0 0 60 0 - -\n"
                "09:41 40 12 3 1 2 1 7 4.2 -12.3\n"
                "bout sitting 1765186860000000 1765190460123456 stood-up 0 0\n"
                "bout standing 1765190460123456 1765190900000000 no-data 120 231\n"
                "end 2 2\n");
        back = parse_ok(text);
        ASSERT_EQ(back->day, DAY_2026_12_08);
        ASSERT_EQ(day_record_count_minutes(back), 2);
        ASSERT_EQ(back->minutes[581].sitting_s, 40);
        ASSERT_EQ(back->minutes[581].steps, 7);
        ASSERT_NEAR(back->minutes[581].tilt_sitting_deg, -12.3, 1e-5);
        ASSERT_TRUE(isnan(back->minutes[0].tilt_standing_deg));
        ASSERT_EQ(back->n_bouts, 2);
        ASSERT_EQ(back->bouts[1].posture, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(back->bouts[1].steps, 231);
        ASSERT_EQ(back->bouts[0].end_realtime_us, 1765190460123456);
        again = format_record(back, NULL);
        ASSERT_STREQ(again, text);
}

TEST(format_empty_day) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(0), *back = NULL;
        _cleanup_free_ char *text = format_record(r, NULL);

        ASSERT_STREQ(text, "psoas-record 1 1970-01-01\nend 0 0\n");
        back = parse_ok(text);
        ASSERT_EQ(day_record_count_minutes(back), 0);
        ASSERT_EQ(back->n_bouts, 0);
}

/* The size the issue asks for: a full day of minutes, every one with both tilts and steps, and a bout every 20
 * minutes, well under 100 KiB. */
TEST(full_day_is_compact) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08);
        _cleanup_free_ char *text = NULL;
        size_t size;

        for (int i = 0; i < DAY_MINUTES; i++) {
                struct psoas_minute m = minute_at(DAY_2026_12_08, i, 31, 20);

                m.walking_s = 9;
                m.steps = 112;
                m.tilt_standing_deg = -17.5f;
                m.tilt_sitting_deg = -23.4f;
                ASSERT_EQ(day_record_add_minute(r, &m), 0);
        }
        for (int i = 0; i < 72; i++) {
                RecordBout b = { .posture = PSOAS_POSTURE_SITTING,
                        .ended_by = PSOAS_BOUT_END_STOOD_UP,
                        .start_realtime_us = 1765152000000000 + (int64_t)i * 1200000000,
                        .end_realtime_us = 1765152000000000 + (int64_t)i * 1200000000 + 900000000 };

                ASSERT_EQ(day_record_add_bout(r, &b), 0);
        }
        text = format_record(r, &size);
        fprintf(stderr, "a full day: %zu bytes, %.1f a minute\n", size, (double)size / DAY_MINUTES);
        ASSERT_LE(size, 60 * 1024);
}

TEST(parse_refuses_what_it_did_not_write) {
        static const char header[] = "psoas-record 1 2026-12-08\n";
        static const struct {
                const char *body, *reason;
        } cases[] = {
                { "09:41 60 0 0 0 0 0 0 - -", "the last line is cut off" },
                { "09:41 60 0 0 0 0 0 0 -\n", "line 2: the tilt sitting is missing" },
                { "09:41 60 0 0 0 0 0 0 - - 5\n", "line 2: unexpected text" },
                { "09:41 61 0 0 0 0 0 0 - -\n", "line 2: sitting seconds '61' is above 60" },
                { "09:41 30 31 0 0 0 0 0 - -\n", "line 2: 09:41 has 61 seconds" },
                { "09:41 x 0 0 0 0 0 0 - -\n", "line 2: sitting seconds 'x' is not a whole number" },
                { "09:41 -1 0 0 0 0 0 0 - -\n", "line 2: sitting seconds '-1' is not a whole number" },
                { "09:41 01 0 0 0 0 0 0 - -\n", "leading zero" },
                { "09:41  60 0 0 0 0 0 0 - -\n", "line 2: sitting seconds is missing" },
                { "24:00 60 0 0 0 0 0 0 - -\n", "line 2: 24:00 is not a time of day" },
                { "09:61 60 0 0 0 0 0 0 - -\n", "line 2: expected a minute HH:MM" },
                { "9:41 60 0 0 0 0 0 0 - -\n", "line 2: expected a minute HH:MM" },
                { "09:41 60 0 0 0 0 0 0 - -\n09:41 1 0 0 0 0 0 0 - -\n", "line 3: 09:41 comes after" },
                { "09:42 60 0 0 0 0 0 0 - -\n09:41 1 0 0 0 0 0 0 - -\n", "line 3: 09:41 comes after" },
                { "09:41 60 0 0 0 0 0 70000 - -\n", "steps '70000' is above 65535" },
                { "09:41 60 0 0 0 0 0 0 nan -\n", "the tilt standing 'nan' is not a number" },
                { "09:41 60 0 0 0 0 0 0 - 1e3\n", "the tilt sitting '1e3' is not a number" },
                { "09:41 60 0 0 0 0 0 0 - -400.5\n", "the tilt sitting -400.5 is beyond" },
                { "09:41 60 0 0 0 0 0 0 1.2.3 -\n", "the tilt standing '1.2.3' is not a number" },
                { "09:41 60 0 0 0 0 0 0 4.25 -\n", "'4.25' is not a number of degrees with one decimal" },
                { "09:41 60 0 0 0 0 0 0 04.2 -\n", "'04.2' is not a number of degrees with one decimal" },
                { "09:41 60 0 0 0 0 0 0 4 -\n", "'4' is not a number of degrees with one decimal" },
                { "09:41 60 0 0 0 0 0 0 .5 -\n", "'.5' is not a number of degrees with one decimal" },
                { "bout sitting 1 2 stood-up 0 0\nbout sitting 1 3 stood-up 0 0\n",
                        "line 3: the same bout as line 2" },
                { "bout sitting 2 1 stood-up 0 0\n", "line 2: the bout ends before it starts" },
                { "bout walking 1 2 stood-up 0 0\n", "'walking' is not a bout's posture" },
                { "bout sitting 1 2 ongoing 0 0\n", "'ongoing' is not how a bout ends" },
                { "bout sitting 1 2 stood-up 0\n", "the bout's steps is missing" },
                { "bout sitting 5 6 stood-up 0 0\nbout lying 1 2 no-data 0 0\n",
                        "line 3: the bout starts before the one above it" },
                { "bout sitting 1 2 stood-up 0 0\n09:41 60 0 0 0 0 0 0 - -\n",
                        "line 3: expected 'bout': minutes come before the bouts" },
                { "bout sitting 99999999999999999999 2 stood-up 0 0\n", "is above" },
                { "\n", "line 2: expected a minute HH:MM or 'bout'" },
                { "09:41 60 0 0 0 0 0 0 - -\n", "line 3: the last line, 'end' and the counts, is missing" },
                { "09:41 60 0 0 0 0 0 0 - -\nend 2 0\n",
                        "line 3: the file has 1 minutes and 0 bouts, its last line says 2 and 0" },
                { "end 0 0\n09:41 60 0 0 0 0 0 0 - -\n", "line 3: text after the last line" },
                { "end 0\n", "line 2: the count of bouts is missing" },
        };
        static const struct {
                const char *text, *reason;
        } headers[] = {
                { "", "empty" },
                { "{\"date\": \"2026-12-08\"}\n", "line 1: not a psoas record" },
                { "psoas-record 2 2026-12-08\n", "line 1: version 2 is not known" },
                { "psoas-record 1 2026-02-30\n", "line 1: '2026-02-30' is not a date" },
                { "psoas-record 1\n", "line 1: the date is missing" },
                { "psoas-record 1 2026-12-08 x\n", "line 1: unexpected text" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;

                ASSERT_TRUE(asprintf(&text, "%s%s", header, cases[i].body) > 0);
                assert_refused(text, cases[i].reason);
        }
        for (size_t i = 0; i < ELEMENTSOF(headers); i++)
                assert_refused(headers[i].text, headers[i].reason);
        {
                /* A NUL inside, where strlen() would not see it. */
                static const char nul[] = "psoas-record 1 2026-12-08\n09:41 60\0 0 0 0 0 0 - -\n";
                _cleanup_(day_record_freep) DayRecord *r = NULL;
                char reason[DAY_RECORD_REASON_MAX] = "";

                ASSERT_EQ(day_record_parse(nul, sizeof(nul) - 1, &r, reason), -EINVAL);
                ASSERT_TRUE(strstr(reason, "NUL"));
        }
}

/* Every prefix of a valid file but the whole is refused, none crashes (ASan), and none is taken for less. */
TEST(parse_refuses_every_cut) {
        static const char text[] = "psoas-record 1 2026-12-08\n"
                                   "09:41 40 12 3 1 2 1 7 4.2 -12.3\n"
                                   "bout sitting 1765186860000000 1765190460123456 stood-up 0 0\n"
                                   "end 1 1\n";

        for (size_t n = 0; n < sizeof(text) - 1; n++) {
                _cleanup_(day_record_freep) DayRecord *r = NULL;
                _cleanup_free_ char *copy = malloc(n + 1);
                char reason[DAY_RECORD_REASON_MAX] = "";

                ASSERT_TRUE(copy);
                memcpy(copy, text, n);
                ASSERT_EQ(day_record_parse(copy, n, &r, reason), -EINVAL);
                ASSERT_TRUE(reason[0] != '\0');
        }
        day_record_free(parse_ok(text));
}

/* ------------------------------------------------------------------------------------------------------- */
/* Merging */

TEST(merge_adds_seconds_and_weights_tilts) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08);
        struct psoas_minute a = minute_at(DAY_2026_12_08, 600, 20, 10),
                            b = minute_at(DAY_2026_12_08, 600, 10, 0);

        a.tilt_sitting_deg = -10.0f;
        a.tilt_standing_deg = 5.0f;
        a.steps = 3;
        b.tilt_sitting_deg = -20.0f;
        b.steps = 4;
        ASSERT_EQ(day_record_add_minute(r, &a), 0);
        ASSERT_EQ(day_record_add_minute(r, &b), 0);
        ASSERT_EQ(r->minutes[600].sitting_s, 30);
        ASSERT_EQ(r->minutes[600].standing_s, 10);
        ASSERT_EQ(r->minutes[600].steps, 7);
        /* (20 × −10 + 10 × −20) / 30 */
        ASSERT_NEAR(r->minutes[600].tilt_sitting_deg, -40.0 / 3.0, 1e-5);
        /* No standing in b: a's mean stands. */
        ASSERT_NEAR(r->minutes[600].tilt_standing_deg, 5.0, 1e-6);
        ASSERT_EQ(day_record_count_minutes(r), 1);
}

TEST(merge_caps_at_60_seconds) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08);
        struct psoas_minute a = minute_at(DAY_2026_12_08, 61, 40, 0),
                            b = minute_at(DAY_2026_12_08, 61, 25, 10);
        unsigned total;

        b.unknown_s = 5;
        ASSERT_EQ(day_record_add_minute(r, &a), 0);
        ASSERT_EQ(day_record_add_minute(r, &b), 0);
        total = r->minutes[61].sitting_s + r->minutes[61].standing_s + r->minutes[61].unknown_s;
        ASSERT_EQ(total, 60);
        /* What was saved first is kept whole. */
        ASSERT_GE(r->minutes[61].sitting_s, 40);
}

TEST(merge_refuses_another_day_or_minute) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08);
        struct psoas_minute m = minute_at(DAY_2026_12_08 + 1, 5, 60, 0);

        ASSERT_EQ(day_record_add_minute(r, &m), -EINVAL);
        m = minute_at(DAY_2026_12_08, DAY_MINUTES, 60, 0);
        ASSERT_EQ(day_record_add_minute(r, &m), -EINVAL);
        m = minute_at(DAY_2026_12_08, -1, 60, 0);
        ASSERT_EQ(day_record_add_minute(r, &m), -EINVAL);
        ASSERT_EQ(day_record_count_minutes(r), 0);
}

TEST(bouts_ordered_and_replaced) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08);
        RecordBout b = { .posture = PSOAS_POSTURE_SITTING,
                .ended_by = PSOAS_BOUT_END_NO_DATA,
                .start_realtime_us = 3000,
                .end_realtime_us = 4000 };

        ASSERT_EQ(day_record_add_bout(r, &b), 0);
        b.start_realtime_us = 1000;
        b.end_realtime_us = 2000;
        b.posture = PSOAS_POSTURE_LYING;
        ASSERT_EQ(day_record_add_bout(r, &b), 0);
        ASSERT_EQ(r->n_bouts, 2);
        ASSERT_EQ(r->bouts[0].start_realtime_us, 1000);
        ASSERT_EQ(r->bouts[1].start_realtime_us, 3000);
        /* The bout saved unfinished, seen again finished: the same bout, replaced. */
        b = (RecordBout){ .posture = PSOAS_POSTURE_SITTING,
                .ended_by = PSOAS_BOUT_END_STOOD_UP,
                .start_realtime_us = 3000,
                .end_realtime_us = 9000 };
        ASSERT_EQ(day_record_add_bout(r, &b), 0);
        ASSERT_EQ(r->n_bouts, 2);
        ASSERT_EQ(r->bouts[1].end_realtime_us, 9000);
        ASSERT_EQ(r->bouts[1].ended_by, PSOAS_BOUT_END_STOOD_UP);
        /* Not a bout's posture, or backwards. */
        b.posture = PSOAS_POSTURE_WALKING;
        ASSERT_EQ(day_record_add_bout(r, &b), -EINVAL);
        b.posture = PSOAS_POSTURE_SITTING;
        b.end_realtime_us = 1;
        ASSERT_EQ(day_record_add_bout(r, &b), -EINVAL);
}

TEST(bout_from_engine_in_realtime) {
        struct psoas_bout e = { .size = sizeof(e),
                .posture = PSOAS_POSTURE_STANDING,
                .ended_by = PSOAS_BOUT_END_SAT_DOWN,
                .day = DAY_2026_12_08,
                .start_local_us = 1765195200000000,
                .end_local_us = 1765195260000000,
                .walking_s = 30,
                .steps = 50 };
        RecordBout b = record_bout_from_engine(&e, 3600);

        ASSERT_EQ(b.start_realtime_us, 1765195200000000 - 3600000000ll);
        ASSERT_EQ(b.end_realtime_us, 1765195260000000 - 3600000000ll);
        ASSERT_EQ(b.walking_s, 30);
        ASSERT_EQ(b.steps, 50);
        ASSERT_EQ(b.ended_by, PSOAS_BOUT_END_SAT_DOWN);
        ASSERT_TRUE(!b.ongoing);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Hours */

TEST(hours_sum_minutes_and_count_no_data) {
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08);
        RecordHour hours[DAY_HOURS];
        struct psoas_minute m;

        m = minute_at(DAY_2026_12_08, 0, 60, 0);
        ASSERT_EQ(day_record_add_minute(r, &m), 0);
        m = minute_at(DAY_2026_12_08, 59, 10, 20);
        m.steps = 9;
        m.not_worn_s = 5;
        ASSERT_EQ(day_record_add_minute(r, &m), 0);
        m = minute_at(DAY_2026_12_08, 23 * 60 + 59, 0, 0);
        m.lying_s = 60;
        ASSERT_EQ(day_record_add_minute(r, &m), 0);

        /* A day gone: every hour is all past. */
        day_record_hours(r, 86400, hours);
        ASSERT_EQ(hours[0].sitting_s, 70);
        ASSERT_EQ(hours[0].standing_s, 20);
        ASSERT_EQ(hours[0].not_worn_s, 5);
        ASSERT_EQ(hours[0].steps, 9);
        ASSERT_EQ(hours[0].no_data_s, 3600 - 95);
        ASSERT_EQ(hours[23].lying_s, 60);
        ASSERT_EQ(hours[23].no_data_s, 3540);
        for (int h = 1; h < 23; h++) {
                ASSERT_EQ(hours[h].no_data_s, 3600);
                ASSERT_EQ(hours[h].sitting_s + hours[h].steps, 0);
        }

        /* Today at 01:30: the hours to come are zero in every field, the current one counts what is past. */
        day_record_hours(r, 5400, hours);
        ASSERT_EQ(hours[0].no_data_s, 3600 - 95);
        ASSERT_EQ(hours[1].no_data_s, 1800);
        for (int h = 2; h < 23; h++)
                ASSERT_EQ(hours[h].no_data_s, 0);
}

/* ------------------------------------------------------------------------------------------------------- */
/* In the store */

static char test_directory[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void)st;
        (void)ftw;
        if (type == FTW_DP)
                rmdir(path);
        else
                unlink(path);
        return 0;
}

static void remove_test_directory(void) {
        if (test_directory[0])
                nftw(test_directory, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static StateStore *open_store(uint32_t keep_days) {
        const char *tmp = getenv("TMPDIR");
        StateStore *s = NULL;

        snprintf(test_directory, sizeof(test_directory), "%s/psoas-record-test-XXXXXX",
                tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(test_directory))
                TEST_FAIL("mkdtemp: %s", strerror(errno));
        atexit(remove_test_directory);
        ASSERT_EQ(state_store_open(test_directory, keep_days, &s), 0);
        return s;
}

static unsigned count_names(const char *prefix) {
        _cleanup_free_ char *days = NULL;
        unsigned n = 0;
        DIR *d;

        ASSERT_TRUE(asprintf(&days, "%s/days", test_directory) > 0);
        d = opendir(days);
        ASSERT_TRUE(d);
        for (struct dirent *de; (de = readdir(d));)
                n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
        closedir(d);
        return n;
}

static void write_file(const char *name, const char *text) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        ASSERT_TRUE(asprintf(&path, "%s/days/%s", test_directory, name) > 0);
        f = fopen(path, "w");
        ASSERT_TRUE(f);
        fputs(text, f);
        ASSERT_EQ(fclose(f), 0);
}

TEST(store_round_trip_and_prune) {
        StateStore *s = open_store(2);
        _cleanup_(day_record_freep) DayRecord *r = new_record(DAY_2026_12_08), *back = NULL, *old = NULL;
        struct psoas_minute m = minute_at(DAY_2026_12_08, 700, 60, 0);

        ASSERT_EQ(state_store_load_record(s, DAY_2026_12_08, &back), -ENOENT);
        ASSERT_EQ(day_record_add_minute(r, &m), 0);
        ASSERT_EQ(state_store_save_record(s, r), 0);
        ASSERT_EQ(state_store_load_record(s, DAY_2026_12_08, &back), 0);
        ASSERT_EQ(back->minutes[700].sitting_s, 60);
        ASSERT_EQ(day_record_count_minutes(back), 1);
        ASSERT_EQ(count_names(".#"), 0);

        /* Kept as long as the day files: pruned with them. */
        old = new_record(DAY_2026_12_08 - 5);
        ASSERT_EQ(state_store_save_record(s, old), 0);
        ASSERT_EQ(count_names("2026-12-03.record"), 1);
        ASSERT_EQ(state_store_prune(s, DAY_2026_12_08), 1);
        ASSERT_EQ(count_names("2026-12-03"), 0);
        ASSERT_EQ(count_names("2026-12-08.record"), 1);
        state_store_free(s);
}

/* A record that cannot be parsed is refused, and kept aside for whoever wants it, not lost. */
TEST(store_corrupt_record_moved_aside) {
        StateStore *s = open_store(90);
        DayRecord *r = NULL;

        write_file("2026-12-08.record", "psoas-record 1 2026-12-08\n09:41 60 0 0 0 0 0 0 - -\n09:4");
        ASSERT_EQ(state_store_load_record(s, DAY_2026_12_08, &r), -ENOENT);
        ASSERT_TRUE(r == NULL);
        ASSERT_EQ(count_names("2026-12-08.record.corrupt-"), 1);
        ASSERT_EQ(count_names("2026-12-08.record"), 1);

        /* The date inside must be the file's. */
        write_file("2026-12-08.record", "psoas-record 1 2026-12-07\nend 0 0\n");
        ASSERT_EQ(state_store_load_record(s, DAY_2026_12_08, &r), -ENOENT);
        ASSERT_EQ(count_names("2026-12-08.record.corrupt-"), 2);
        state_store_free(s);
}

TEST(store_removes_leftover_record_temporaries) {
        StateStore *s = open_store(90);

        state_store_free(s);
        write_file(".#2026-12-08.record.0123456789abcdef", "half");
        write_file(".#2026-12-08.record.notours", "someone else's");
        ASSERT_EQ(state_store_open(test_directory, 90, &s), 0);
        ASSERT_EQ(count_names(".#2026-12-08.record.0123456789abcdef"), 0);
        ASSERT_EQ(count_names(".#2026-12-08.record.notours"), 1);
        state_store_free(s);
}

TEST_MAIN
