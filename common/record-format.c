/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "macro.h"
#include "record-format.h"

/* A row is a list of values, written after the kind's column names: as CSV fields in that order, or as the
 * members of a JSON object named by them. */
typedef enum ValueType {
        VALUE_TEXT, /* CSV: as is (never a comma or quote: dates, times, posture names); JSON: a string */
        VALUE_UNSIGNED,
        VALUE_SIGNED,
        VALUE_DEGREES, /* two decimals; CSV: empty, JSON: null when not finite */
} ValueType;

typedef struct Value {
        ValueType type;
        union {
                const char *text;
                uint64_t u;
                int64_t i;
                double d;
        };
} Value;

#define TEXT(s) ((Value){ .type = VALUE_TEXT, .text = (s) })
#define UNSIGNED(v) ((Value){ .type = VALUE_UNSIGNED, .u = (v) })
#define SIGNED(v) ((Value){ .type = VALUE_SIGNED, .i = (v) })
#define DEGREES(v) ((Value){ .type = VALUE_DEGREES, .d = (v) })

/* The columns, in order: the one place their names are spelled (the man pages document them). */
static const char *const timeline_columns[] = {
        "date",
        "minute",
        "sitting_s",
        "standing_s",
        "walking_s",
        "lying_s",
        "unknown_s",
        "not_worn_s",
        "no_data_s",
        "steps",
        "tilt_standing_deg",
        "tilt_sitting_deg",
};

static const char *const bout_columns[] = {
        "date",
        "start",
        "end",
        "duration_s",
        "posture",
        "ended_by",
        "walking_s",
        "steps",
};

static const struct {
        const char *name;
        const char *const *columns;
        size_t n_columns;
} kinds[_RECORD_KIND_MAX] = {
        [RECORD_TIMELINE] = { "timeline", timeline_columns, ELEMENTSOF(timeline_columns) },
        [RECORD_BOUTS] = { "bouts", bout_columns, ELEMENTSOF(bout_columns) },
};

const char *record_kind_to_string(RecordKind kind) {
        return kind >= 0 && kind < _RECORD_KIND_MAX ? kinds[kind].name : NULL;
}

int record_kind_from_string(const char *s, RecordKind *ret) {
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (s && strcmp(s, kinds[i].name) == 0) {
                        *ret = (RecordKind)i;
                        return 0;
                }
        return -EINVAL;
}

unsigned record_minute_no_data_s(const RecordMinute *m) {
        unsigned counted = (unsigned)m->sitting_s + m->standing_s + m->walking_s + m->lying_s +
                m->unknown_s + m->not_worn_s;

        return counted < 60 ? 60 - counted : 0;
}

int64_t record_bout_duration_s(const RecordBout *b) {
        return floor_div(
                b->end_local_us - b->start_local_us + (int64_t)USEC_PER_SEC / 2, (int64_t)USEC_PER_SEC);
}

void record_writer_begin(RecordWriter *w) {
        w->n_rows = 0;
        if (w->json) {
                writer_puts(w->out, "[");
                return;
        }
        for (size_t i = 0; i < kinds[w->kind].n_columns; i++) {
                if (i > 0)
                        writer_puts(w->out, ",");
                writer_puts(w->out, kinds[w->kind].columns[i]);
        }
        writer_puts(w->out, "\n");
}

static void write_value(RecordWriter *w, const Value *v) {
        switch (v->type) {
        case VALUE_TEXT:
                if (w->json)
                        writer_json_string(w->out, v->text);
                else
                        writer_puts(w->out, v->text);
                break;
        case VALUE_UNSIGNED:
                writer_printf(w->out, "%" PRIu64, v->u);
                break;
        case VALUE_SIGNED:
                writer_printf(w->out, "%" PRIi64, v->i);
                break;
        case VALUE_DEGREES:
                if (isfinite(v->d))
                        writer_printf(w->out, "%.2f", v->d);
                else if (w->json)
                        writer_puts(w->out, "null");
                break;
        }
}

static void write_row(RecordWriter *w, const Value *values, size_t n) {
        const char *const *columns = kinds[w->kind].columns;

        if (w->json)
                writer_puts(w->out, w->n_rows > 0 ? ",\n{" : "\n{");
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        writer_puts(w->out, ",");
                if (w->json) {
                        writer_json_string(w->out, columns[i]);
                        writer_puts(w->out, ":");
                }
                write_value(w, &values[i]);
        }
        writer_puts(w->out, w->json ? "}" : "\n");
        w->n_rows++;
}

void record_write_minute(RecordWriter *w, const RecordMinute *m) {
        char date[CALENDAR_TEXT_MAX], minute[8];

        snprintf(minute, sizeof(minute), "%02u:%02u", (unsigned)(m->minute / 60 % 24),
                (unsigned)(m->minute % 60));
        const Value values[] = {
                TEXT(calendar_format_date(m->day, date)),
                TEXT(minute),
                UNSIGNED(m->sitting_s),
                UNSIGNED(m->standing_s),
                UNSIGNED(m->walking_s),
                UNSIGNED(m->lying_s),
                UNSIGNED(m->unknown_s),
                UNSIGNED(m->not_worn_s),
                UNSIGNED(record_minute_no_data_s(m)),
                UNSIGNED(m->steps),
                DEGREES(m->tilt_standing_deg),
                DEGREES(m->tilt_sitting_deg),
        };
        static_assert(ELEMENTSOF(values) == ELEMENTSOF(timeline_columns), "a value for each column");

        write_row(w, values, ELEMENTSOF(values));
}

/* "2024-05-01T09:12:33": the local time rounded down to the second. */
static const char *format_iso(int64_t local_us, char buf[static CALENDAR_TEXT_MAX]) {
        calendar_format_local_time(local_us, buf);
        buf[10] = 'T';
        return buf;
}

void record_write_bout(RecordWriter *w, const RecordBout *b) {
        char date[CALENDAR_TEXT_MAX], start[CALENDAR_TEXT_MAX], end[CALENDAR_TEXT_MAX];
        const Value values[] = {
                TEXT(calendar_format_date(calendar_day_of_local_us(b->start_local_us), date)),
                TEXT(format_iso(b->start_local_us, start)),
                TEXT(format_iso(b->end_local_us, end)),
                SIGNED(record_bout_duration_s(b)),
                TEXT(b->posture),
                TEXT(b->ended_by),
                UNSIGNED(b->walking_s),
                UNSIGNED(b->steps),
        };
        static_assert(ELEMENTSOF(values) == ELEMENTSOF(bout_columns), "a value for each column");

        write_row(w, values, ELEMENTSOF(values));
}

void record_writer_end(RecordWriter *w) {
        if (w->json)
                writer_puts(w->out, w->n_rows > 0 ? "\n]\n" : "]\n");
}
