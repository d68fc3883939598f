/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The record of a day as CSV or JSON: the timeline (one row per minute with data) and the bouts. psoas-analyze
 * --output timeline|bouts and psoasctl export write it, from the engine and from psoasd's bus respectively, so
 * that both give the same columns with the same definitions; the column names are spelled once, in
 * record-format.c. psoas-analyze(1) and psoasctl(1) say what each column means.
 */

#include <stdbool.h>
#include <stdint.h>

#include "writer.h"

typedef enum RecordKind {
        RECORD_TIMELINE,
        RECORD_BOUTS,
        _RECORD_KIND_MAX,
} RecordKind;

/* "timeline", "bouts". */
const char *record_kind_to_string(RecordKind kind);
/* The kind, or -EINVAL for any other name. */
int record_kind_from_string(const char *s, RecordKind *ret);

/* A minute with data, as struct psoas_minute and psoasd's GetTimeline() give it. The seconds no field counts
 * (60 minus their sum) had no data. */
typedef struct RecordMinute {
        int32_t day; /* local days since 1970-01-01 */
        uint16_t minute; /* of the local day, 0..1439 */
        uint16_t sitting_s, standing_s, walking_s, lying_s, unknown_s, not_worn_s;
        uint32_t steps;
        double tilt_standing_deg, tilt_sitting_deg; /* NaN when none */
} RecordMinute;

/* The seconds of the minute with no data. */
unsigned record_minute_no_data_s(const RecordMinute *m);

/* A bout, as struct psoas_bout and psoasd's GetDay() give it; it belongs to the local day of its start. */
typedef struct RecordBout {
        int64_t start_local_us,
                end_local_us; /* local wall time, µs since the epoch shifted by the UTC offset */
        const char *posture; /* "sitting", "standing" (upright: standing or walking) or "lying" */
        const char *ended_by; /* psoas_bout_end_to_string(), or "ongoing" for today's last bout on the bus */
        uint32_t walking_s, steps;
} RecordBout;

/* Whole seconds from start to end, rounded to the nearest. */
int64_t record_bout_duration_s(const RecordBout *b);

typedef struct RecordWriter {
        Writer *out; /* the caller's */
        RecordKind kind;
        bool json; /* an array of objects, one a line, instead of CSV with a header */
        uint64_t n_rows;
} RecordWriter;

/* The CSV header, or the JSON array's start. */
void record_writer_begin(RecordWriter *w);
/* A row of the kind the writer has: a minute for RECORD_TIMELINE, a bout for RECORD_BOUTS. */
void record_write_minute(RecordWriter *w, const RecordMinute *m);
void record_write_bout(RecordWriter *w, const RecordBout *b);
/* The JSON array's end; nothing for CSV. Does not flush. */
void record_writer_end(RecordWriter *w);
