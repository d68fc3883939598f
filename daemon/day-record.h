/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The record of one local day as psoasd keeps it: every minute with data and every bout (libpsoas's struct
 * psoas_minute and struct psoas_bout), in days/YYYY-MM-DD.record beside the day's statistics. The file is text,
 * about 28 bytes a minute (a synthetic day 40 KiB, and no day
 * over 62 KiB: BENCHMARKS.md, "The record of a day"):
 *
 *   psoas-record 1 2026-12-08
 *   09:41 52 0 0 0 8 0 0 - -4.2
 *   bout sitting 1765186860000000 1765190460000000 stood-up 0 0
 *   end 1 1
 *
 * The first line names the format, its version and the day. A minute line is the local minute HH:MM, then the
 * seconds sitting, standing, walking, lying, unknown and not worn, the steps, and the mean tilt standing and
 * sitting in degrees ("-": none). A bout line is the posture (sitting, standing, lying), its start and end in
 * CLOCK_REALTIME µs, how it ended (psoas_bout_end_to_string()), and its seconds walking and steps. Minutes
 * come in order, one line each, then bouts in order of start; the last line counts both, so that a file cut at
 * the end of a line is not taken for a shorter day.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <psoas/psoas.h>

#include "macro.h"

#define DAY_MINUTES 1440
#define DAY_RECORD_VERSION 1
/* A full day of minutes is about 45 KB and a day has some dozens of bouts; a file much larger was not written
 * by us. */
#define DAY_RECORD_FILE_MAX (1024 * 1024)
#define DAY_RECORD_BOUTS_MAX 8192
/* The size of the reason day_record_parse() writes: that of the state files (REASON_MAX in state-file.h). */
#define DAY_RECORD_REASON_MAX 256

typedef struct RecordBout {
        enum psoas_posture posture; /* SITTING, STANDING or LYING */
        enum psoas_bout_end ended_by;
        bool ongoing; /* the bout in progress (never in a file) */
        int64_t start_realtime_us, end_realtime_us;
        uint32_t walking_s, steps;
} RecordBout;

typedef struct DayRecord {
        int32_t day;
        bool has_minute[DAY_MINUTES];
        struct psoas_minute minutes[DAY_MINUTES];
        RecordBout *bouts; /* in order of start */
        size_t n_bouts, allocated_bouts;
} DayRecord;

int day_record_new(int32_t day, DayRecord **ret);
DayRecord *day_record_free(DayRecord *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(DayRecord *, day_record_free);
int day_record_copy(const DayRecord *r, DayRecord **ret);

/* Adds a minute of this day: a minute already there gets the new one's seconds and steps added, the seconds
 * capped at 60 in all (the new one's trimmed), the tilts averaged by their seconds. -EINVAL for another day or
 * a minute out of range. */
int day_record_add_minute(DayRecord *r, const struct psoas_minute *minute);
/* Adds a bout, in order of start; one with the same posture and start replaces it (the same bout, saved unfinished
 * before a crash or seen again). */
int day_record_add_bout(DayRecord *r, const RecordBout *bout);
size_t day_record_count_minutes(const DayRecord *r);

/* The text of the file (ongoing bouts are written like the others), malloc'ed. */
int day_record_format(const DayRecord *r, char **ret_buf, size_t *ret_size);
/* Parses a file; -EINVAL with reason ("line 3: ...") for anything that is not exactly what
 * day_record_format() writes. */
int day_record_parse(
        const char *text, size_t size, DayRecord **ret, char reason[static DAY_RECORD_REASON_MAX]);

/* An hour of the record, as GetDay() gives it. */
typedef struct RecordHour {
        uint32_t sitting_s, standing_s, walking_s, lying_s, unknown_s, not_worn_s;
        uint32_t no_data_s; /* of the hour's time already past, what no minute accounts for */
        uint32_t steps;
} RecordHour;
#define DAY_HOURS 24

/* The 24 local hours; elapsed_s is how much of the day is past (a whole day for a day gone, less for today): the
 * hours after it are zero in every field. */
void day_record_hours(const DayRecord *r, int64_t elapsed_s, RecordHour ret[static DAY_HOURS]);

/* Engine bouts in realtime: local µs minus the UTC offset the engine's clock mapping uses. */
RecordBout record_bout_from_engine(const struct psoas_bout *b, long utc_offset_s);
