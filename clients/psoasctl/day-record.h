/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The record of a day as psoasd gives it (interface revision 4): time per hour from GetDay()'s "hours", the
 * bouts from its "bouts", the minutes from GetTimeline(); and what psoasctl today draws from it: a minute's
 * posture for the chart, and the sitting bouts' lengths. No bus here, so that the chart is tested on a day
 * made up by the test (tests/psoasctl/test-day-chart.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record-format.h"

#define DAY_MINUTES 1440

typedef struct DayHour {
        uint32_t sitting_s, standing_s, walking_s, lying_s, unknown_s, not_worn_s, no_data_s, steps;
} DayHour;

typedef struct DayBout {
        char posture[16]; /* "sitting", "standing" or "lying" */
        char ended_by[16]; /* psoas_bout_end_to_string(), or "ongoing" */
        int64_t start_local_us, end_local_us; /* local wall time, as record-format.h counts it */
        uint32_t walking_s, steps;
} DayBout;

typedef struct DayRecord {
        int32_t day; /* local days since 1970-01-01 */
        DayHour hours[24];
        DayBout *bouts;
        size_t n_bouts;
        RecordMinute *minutes; /* the minutes with data, in order */
        size_t n_minutes;
} DayRecord;

void day_record_done(DayRecord *d);

/* What a minute of the chart shows: the posture (or lack of data) that took most of it. */
typedef enum DayCell {
        DAY_CELL_SITTING,
        DAY_CELL_STANDING,
        DAY_CELL_WALKING,
        DAY_CELL_LYING,
        DAY_CELL_UNKNOWN,
        DAY_CELL_NOT_WORN,
        DAY_CELL_NO_DATA,
        DAY_CELL_TO_COME, /* a minute of today not begun yet */
        _DAY_CELL_MAX,
} DayCell;

/* The letter the plain chart shows ('S', 'T', 'W', 'L', '?', 'x', '.', ' '), and the name ("sitting", …,
 * "not-worn", "no-data", "to-come": also the SVG's class). */
char day_cell_letter(DayCell cell);
const char *day_cell_name(DayCell cell);
DayCell day_cell_of_minute(const RecordMinute *m);

/* The minute of the day the data ends at: 1440 for a day that is over, for today the end of the time the hours
 * account for (the hours to come are zero in every field). */
unsigned day_record_now_minute(const DayRecord *d);

/* The sitting bouts by length: < 30 min, 30 to 60 min, > 60 min; how many and how long in all. */
typedef struct BoutLengths {
        unsigned count[3];
        uint64_t seconds[3];
} BoutLengths;
#define BOUT_LENGTH_SHORT_S 1800
#define BOUT_LENGTH_LONG_S 3600
void day_record_sitting_lengths(const DayRecord *d, BoutLengths *ret);

/* The chart: one row per hour from the first with data to the last (today: to the hour now), sixty minutes a
 * row, with a ruler above and the legend below. color: ANSI background colours with the letters; otherwise
 * letters alone. Nothing but "No data on this day." when there is none. */
void day_chart_print(const DayRecord *d, bool color, FILE *f);
/* The same as an SVG document: a <g class="hour"> per row, a <rect class="minute POSTURE"> per minute with
 * data. */
void day_chart_write_svg(const DayRecord *d, const char *title, FILE *f);
