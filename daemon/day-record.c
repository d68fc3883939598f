/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* For open_memstream(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "day-record.h"
#include "macro.h"

#define HEADER_NAME "psoas-record"
#define BOUT_KEYWORD "bout"
#define END_KEYWORD "end"
#define NO_TILT "-"
/* Beyond any tilt a pelvis can have; the formatter writes none rather than a value the parser would refuse. */
#define TILT_LIMIT_DEG 360.0

/* The postures a bout can have, as the file and the bus name them. */
static const enum psoas_posture bout_postures[] = {
        PSOAS_POSTURE_SITTING,
        PSOAS_POSTURE_STANDING,
        PSOAS_POSTURE_LYING,
};

static bool is_bout_posture(enum psoas_posture p) {
        for (size_t i = 0; i < ELEMENTSOF(bout_postures); i++)
                if (bout_postures[i] == p)
                        return true;
        return false;
}

int day_record_new(int32_t day, DayRecord **ret) {
        DayRecord *r;

        if (day < 0 || day > DAY_MAX || !ret)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->day = day;
        *ret = r;
        return 0;
}

DayRecord *day_record_free(DayRecord *r) {
        if (!r)
                return NULL;
        free(r->bouts);
        free(r);
        return NULL;
}

int day_record_copy(const DayRecord *r, DayRecord **ret) {
        _cleanup_(day_record_freep) DayRecord *copy = NULL;

        if (!r || !ret)
                return -EINVAL;
        copy = malloc(sizeof(*copy));
        if (!copy)
                return -ENOMEM;
        *copy = *r;
        copy->bouts = NULL;
        copy->allocated_bouts = 0;
        if (r->n_bouts > 0) {
                copy->bouts = malloc(r->n_bouts * sizeof(*copy->bouts));
                if (!copy->bouts) {
                        copy->n_bouts = 0;
                        return -ENOMEM;
                }
                memcpy(copy->bouts, r->bouts, r->n_bouts * sizeof(*copy->bouts));
                copy->allocated_bouts = r->n_bouts;
        }
        *ret = TAKE_PTR(copy);
        return 0;
}

size_t day_record_count_minutes(const DayRecord *r) {
        size_t n = 0;

        for (size_t i = 0; i < DAY_MINUTES; i++)
                n += r->has_minute[i];
        return n;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Merging */

/* The seconds of a minute, in the order the file writes them. */
#define MINUTE_FIELDS 6
static uint16_t *minute_seconds(struct psoas_minute *m, size_t i) {
        uint16_t *fields[MINUTE_FIELDS] = {
                &m->sitting_s,
                &m->standing_s,
                &m->walking_s,
                &m->lying_s,
                &m->unknown_s,
                &m->not_worn_s,
        };
        return fields[i];
}

static unsigned minute_total_s(struct psoas_minute *m) {
        unsigned total = 0;

        for (size_t i = 0; i < MINUTE_FIELDS; i++)
                total += *minute_seconds(m, i);
        return total;
}

static float weighted_tilt(float a, unsigned weight_a, float b, unsigned weight_b) {
        if (isnan(a) || weight_a == 0)
                return isnan(b) ? a : b;
        if (isnan(b) || weight_b == 0)
                return a;
        return (float)(((double)a * weight_a + (double)b * weight_b) / (double)(weight_a + weight_b));
}

int day_record_add_minute(DayRecord *r, const struct psoas_minute *minute) {
        struct psoas_minute add, *old;
        unsigned total, excess;

        if (!r || !minute || minute->day != r->day || minute->minute < 0 || minute->minute >= DAY_MINUTES)
                return -EINVAL;
        add = *minute;
        add.size = sizeof(add);
        old = &r->minutes[minute->minute];
        if (!r->has_minute[minute->minute]) {
                *old = add;
                r->has_minute[minute->minute] = true;
                return 0;
        }

        /* Two runs of psoasd counted the same minute (a restart within it): together they cannot have had more
         * than 60 s, and what the earlier run saved is kept whole. */
        total = minute_total_s(old) + minute_total_s(&add);
        excess = total > 60 ? total - 60 : 0;
        while (excess > 0) {
                size_t largest = 0;

                for (size_t i = 1; i < MINUTE_FIELDS; i++)
                        if (*minute_seconds(&add, i) > *minute_seconds(&add, largest))
                                largest = i;
                unsigned take = MIN(excess, (unsigned)*minute_seconds(&add, largest));
                *minute_seconds(&add, largest) -= (uint16_t)take;
                excess -= take;
        }

        old->tilt_standing_deg = weighted_tilt(
                old->tilt_standing_deg, old->standing_s, add.tilt_standing_deg, add.standing_s);
        old->tilt_sitting_deg =
                weighted_tilt(old->tilt_sitting_deg, old->sitting_s, add.tilt_sitting_deg, add.sitting_s);
        for (size_t i = 0; i < MINUTE_FIELDS; i++)
                *minute_seconds(old, i) += *minute_seconds(&add, i);
        old->steps = (uint16_t)MIN((unsigned)old->steps + add.steps, (unsigned)UINT16_MAX);
        return 0;
}

int day_record_add_bout(DayRecord *r, const RecordBout *bout) {
        size_t at;

        if (!r || !bout || !is_bout_posture(bout->posture) ||
                bout->start_realtime_us > bout->end_realtime_us)
                return -EINVAL;
        for (at = r->n_bouts; at > 0 && r->bouts[at - 1].start_realtime_us > bout->start_realtime_us; at--)
                ;
        for (size_t i = at; i > 0 && r->bouts[i - 1].start_realtime_us == bout->start_realtime_us; i--)
                if (r->bouts[i - 1].posture == bout->posture) {
                        r->bouts[i - 1] = *bout;
                        return 0;
                }
        if (r->n_bouts >= DAY_RECORD_BOUTS_MAX)
                return -E2BIG;
        if (r->n_bouts == r->allocated_bouts) {
                size_t n = r->allocated_bouts ? 2 * r->allocated_bouts : 32;
                RecordBout *b = reallocarray(r->bouts, n, sizeof(*b));

                if (!b)
                        return -ENOMEM;
                r->bouts = b;
                r->allocated_bouts = n;
        }
        memmove(r->bouts + at + 1, r->bouts + at, (r->n_bouts - at) * sizeof(*r->bouts));
        r->bouts[at] = *bout;
        r->n_bouts++;
        return 0;
}

void day_record_hours(const DayRecord *r, int64_t elapsed_s, RecordHour ret[static DAY_HOURS]) {
        for (int h = 0; h < DAY_HOURS; h++) {
                RecordHour hour = {};
                int64_t past_s = elapsed_s - (int64_t)h * 3600;
                uint32_t accounted;

                past_s = past_s < 0 ? 0 : past_s > 3600 ? 3600 : past_s;
                for (int i = h * 60; i < (h + 1) * 60; i++) {
                        const struct psoas_minute *m = &r->minutes[i];

                        if (!r->has_minute[i])
                                continue;
                        hour.sitting_s += m->sitting_s;
                        hour.standing_s += m->standing_s;
                        hour.walking_s += m->walking_s;
                        hour.lying_s += m->lying_s;
                        hour.unknown_s += m->unknown_s;
                        hour.not_worn_s += m->not_worn_s;
                        hour.steps += m->steps;
                }
                accounted = hour.sitting_s + hour.standing_s + hour.walking_s + hour.lying_s +
                        hour.unknown_s + hour.not_worn_s;
                hour.no_data_s = (int64_t)accounted < past_s ? (uint32_t)(past_s - accounted) : 0;
                ret[h] = hour;
        }
}

RecordBout record_bout_from_engine(const struct psoas_bout *b, long utc_offset_s) {
        int64_t offset_us = (int64_t)utc_offset_s * 1000000;

        return (RecordBout){
                .posture = b->posture,
                .ended_by = b->ended_by,
                .start_realtime_us = b->start_local_us - offset_us,
                .end_realtime_us = b->end_local_us - offset_us,
                .walking_s = b->walking_s,
                .steps = b->steps,
        };
}

/* ------------------------------------------------------------------------------------------------------- */
/* Formatting */

static void format_tilt(FILE *f, float tilt) {
        if (!(fabs((double)tilt) < TILT_LIMIT_DEG))
                fputs(" " NO_TILT, f);
        else
                fprintf(f, " %.1f", (double)tilt);
}

int day_record_format(const DayRecord *r, char **ret_buf, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        char date[DAY_NAME_LENGTH + 1];
        size_t size = 0;
        FILE *f;

        if (!r || !ret_buf || !ret_size)
                return -EINVAL;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        day_to_string(r->day, date);
        fprintf(f, HEADER_NAME " %d %s\n", DAY_RECORD_VERSION, date);
        for (int i = 0; i < DAY_MINUTES; i++) {
                struct psoas_minute m;

                if (!r->has_minute[i])
                        continue;
                m = r->minutes[i];
                fprintf(f, "%02d:%02d", i / 60, i % 60);
                for (size_t k = 0; k < MINUTE_FIELDS; k++)
                        fprintf(f, " %u", (unsigned)*minute_seconds(&m, k));
                fprintf(f, " %u", (unsigned)m.steps);
                format_tilt(f, m.tilt_standing_deg);
                format_tilt(f, m.tilt_sitting_deg);
                fputc('\n', f);
        }
        for (size_t i = 0; i < r->n_bouts; i++) {
                const RecordBout *b = &r->bouts[i];

                fprintf(f, BOUT_KEYWORD " %s %" PRIi64 " %" PRIi64 " %s %" PRIu32 " %" PRIu32 "\n",
                        psoas_posture_to_string(b->posture), b->start_realtime_us, b->end_realtime_us,
                        psoas_bout_end_to_string(b->ended_by), b->walking_s, b->steps);
        }
        /* A file cut at a line's end would read as a day with fewer minutes: the last line counts them. */
        fprintf(f, END_KEYWORD " %zu %zu\n", day_record_count_minutes(r), r->n_bouts);
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        *ret_buf = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Parsing */

typedef struct Parser {
        const char *p, *end;
        unsigned line;
        char *reason;
} Parser;

_printf_(2, 3) static int fail(Parser *ps, const char *format, ...) {
        va_list ap;
        int n;

        n = snprintf(ps->reason, DAY_RECORD_REASON_MAX, "line %u: ", ps->line);
        va_start(ap, format);
        vsnprintf(ps->reason + n, DAY_RECORD_REASON_MAX - (size_t)n, format, ap);
        va_end(ap);
        return -EINVAL;
}

/* The next space-separated word of the current line; false at the end of the line. */
static bool next_word(Parser *ps, const char **ret, size_t *ret_n) {
        const char *s = ps->p;

        if (s >= ps->end || *s == '\n')
                return false;
        if (*s != ' ')
                return false;
        s++;
        const char *w = s;
        while (s < ps->end && *s != ' ' && *s != '\n')
                s++;
        *ret = w;
        *ret_n = (size_t)(s - w);
        ps->p = s;
        return *ret_n > 0;
}

static bool word_is(const char *w, size_t n, const char *s) {
        return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* A decimal number without sign or leading zeros, at most max. */
static int parse_unsigned(Parser *ps, const char *what, uint64_t max, uint64_t *ret) {
        const char *w;
        size_t n;
        uint64_t v = 0;

        if (!next_word(ps, &w, &n))
                return fail(ps, "%s is missing", what);
        if (n > 1 && w[0] == '0')
                return fail(ps, "%s '%.*s' has a leading zero", what, (int)MIN(n, 24u), w);
        for (size_t i = 0; i < n; i++) {
                if (w[i] < '0' || w[i] > '9')
                        return fail(ps, "%s '%.*s' is not a whole number", what, (int)MIN(n, 24u), w);
                if (v > (max - (uint64_t)(w[i] - '0')) / 10)
                        return fail(ps, "%s '%.*s' is above %" PRIu64, what, (int)MIN(n, 24u), w, max);
                v = v * 10 + (uint64_t)(w[i] - '0');
        }
        *ret = v;
        return 0;
}

static int parse_tilt(Parser *ps, const char *what, float *ret) {
        char text[32], *e;
        const char *w;
        size_t n;
        double v;

        if (!next_word(ps, &w, &n))
                return fail(ps, "%s is missing", what);
        if (word_is(w, n, NO_TILT)) {
                *ret = NAN;
                return 0;
        }
        /* One spelling for each value, as "%.1f" writes it: an optional minus, digits without a leading zero,
         * one decimal. */
        size_t sign = w[0] == '-', digits = strspn(w + sign, "0123456789");
        if (n >= sizeof(text) || digits == 0 || digits > 3 || (digits > 1 && w[sign] == '0') ||
                sign + digits + 2 != n || w[sign + digits] != '.' || w[n - 1] < '0' || w[n - 1] > '9')
                return fail(ps, "%s '%.*s' is not a number of degrees with one decimal, or '" NO_TILT "'",
                        what, (int)MIN(n, 24u), w);
        memcpy(text, w, n);
        text[n] = '\0';
        errno = 0;
        v = strtod(text, &e);
        if (errno != 0 || *e != '\0' || !isfinite(v))
                return fail(ps, "%s '%s' is not a number of degrees or '" NO_TILT "'", what, text);
        if (fabs(v) > TILT_LIMIT_DEG)
                return fail(ps, "%s %s is beyond ±%.0f°", what, text, TILT_LIMIT_DEG);
        *ret = (float)v;
        return 0;
}

static int end_of_line(Parser *ps) {
        if (ps->p >= ps->end || *ps->p != '\n')
                return fail(ps, "unexpected text at the end of the line");
        ps->p++;
        ps->line++;
        return 0;
}

static int parse_header(Parser *ps, int32_t *ret_day) {
        const char *w;
        size_t n;
        uint64_t version;
        int r;

        if ((size_t)(ps->end - ps->p) < strlen(HEADER_NAME) ||
                memcmp(ps->p, HEADER_NAME, strlen(HEADER_NAME)) != 0)
                return fail(ps, "not a psoas record (the first line must begin with '" HEADER_NAME "')");
        ps->p += strlen(HEADER_NAME);
        r = parse_unsigned(ps, "the version", UINT32_MAX, &version);
        if (r < 0)
                return r;
        if (version != DAY_RECORD_VERSION)
                return fail(ps, "version %" PRIu64 " is not known (this psoasd reads version %d)", version,
                        DAY_RECORD_VERSION);
        if (!next_word(ps, &w, &n))
                return fail(ps, "the date is missing");
        if (day_from_chars(w, n, ret_day) < 0)
                return fail(ps, "'%.*s' is not a date YYYY-MM-DD", (int)MIN(n, 24u), w);
        return end_of_line(ps);
}

static int parse_minute(Parser *ps, DayRecord *rec, int *last_minute) {
        static const char *const field_names[MINUTE_FIELDS] = {
                "sitting seconds",
                "standing seconds",
                "walking seconds",
                "lying seconds",
                "unknown seconds",
                "not worn seconds",
        };
        struct psoas_minute m = { .size = sizeof(m), .day = rec->day };
        const char *s = ps->p;
        unsigned total = 0;
        uint64_t v;
        int hour, minute, r;

        if (ps->end - s < 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
                s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
                return fail(ps, "expected a minute HH:MM or '" BOUT_KEYWORD "'");
        hour = (s[0] - '0') * 10 + (s[1] - '0');
        minute = (s[3] - '0') * 10 + (s[4] - '0');
        if (hour > 23)
                return fail(ps, "%.5s is not a time of day", s);
        m.minute = hour * 60 + minute;
        if (m.minute <= *last_minute)
                return fail(ps, "%.5s comes after a later or equal minute", s);
        ps->p += 5;
        for (size_t i = 0; i < MINUTE_FIELDS; i++) {
                r = parse_unsigned(ps, field_names[i], 60, &v);
                if (r < 0)
                        return r;
                *minute_seconds(&m, i) = (uint16_t)v;
                total += (unsigned)v;
        }
        if (total > 60)
                return fail(ps, "%.5s has %u seconds", s, total);
        r = parse_unsigned(ps, "steps", UINT16_MAX, &v);
        if (r < 0)
                return r;
        m.steps = (uint16_t)v;
        r = parse_tilt(ps, "the tilt standing", &m.tilt_standing_deg);
        if (r < 0)
                return r;
        r = parse_tilt(ps, "the tilt sitting", &m.tilt_sitting_deg);
        if (r < 0)
                return r;
        r = end_of_line(ps);
        if (r < 0)
                return r;
        rec->minutes[m.minute] = m;
        rec->has_minute[m.minute] = true;
        *last_minute = m.minute;
        return 0;
}

static int parse_bout(Parser *ps, DayRecord *rec) {
        RecordBout b = {};
        const char *w;
        size_t n;
        uint64_t v;
        int p, r;

        ps->p += strlen(BOUT_KEYWORD);
        if (!next_word(ps, &w, &n))
                return fail(ps, "the bout's posture is missing");
        for (p = 0; p < _PSOAS_POSTURE_MAX; p++)
                if (is_bout_posture(p) && word_is(w, n, psoas_posture_to_string(p)))
                        break;
        if (p == _PSOAS_POSTURE_MAX)
                return fail(ps, "'%.*s' is not a bout's posture (sitting, standing or lying)",
                        (int)MIN(n, 24u), w);
        b.posture = p;
        r = parse_unsigned(ps, "the bout's start", INT64_MAX, &v);
        if (r < 0)
                return r;
        b.start_realtime_us = (int64_t)v;
        r = parse_unsigned(ps, "the bout's end", INT64_MAX, &v);
        if (r < 0)
                return r;
        b.end_realtime_us = (int64_t)v;
        if (b.end_realtime_us < b.start_realtime_us)
                return fail(ps, "the bout ends before it starts");
        if (rec->n_bouts > 0 && b.start_realtime_us < rec->bouts[rec->n_bouts - 1].start_realtime_us)
                return fail(ps, "the bout starts before the one above it");
        for (size_t i = rec->n_bouts; i > 0 && rec->bouts[i - 1].start_realtime_us == b.start_realtime_us;
                i--)
                if (rec->bouts[i - 1].posture == b.posture)
                        return fail(
                                ps, "the same bout as line %u", ps->line - (unsigned)(rec->n_bouts - i + 1));
        if (!next_word(ps, &w, &n))
                return fail(ps, "how the bout ended is missing");
        for (p = 0; p < _PSOAS_BOUT_END_MAX; p++)
                if (word_is(w, n, psoas_bout_end_to_string(p)))
                        break;
        if (p == _PSOAS_BOUT_END_MAX)
                return fail(ps, "'%.*s' is not how a bout ends", (int)MIN(n, 24u), w);
        b.ended_by = p;
        r = parse_unsigned(ps, "the bout's walking seconds", UINT32_MAX, &v);
        if (r < 0)
                return r;
        b.walking_s = (uint32_t)v;
        r = parse_unsigned(ps, "the bout's steps", UINT32_MAX, &v);
        if (r < 0)
                return r;
        b.steps = (uint32_t)v;
        r = end_of_line(ps);
        if (r < 0)
                return r;
        if (rec->n_bouts >= DAY_RECORD_BOUTS_MAX)
                return fail(ps, "more than %d bouts", DAY_RECORD_BOUTS_MAX);
        r = day_record_add_bout(rec, &b);
        return r == -EINVAL ? fail(ps, "not a bout") : r;
}

static int parse_end(Parser *ps, const DayRecord *rec) {
        uint64_t minutes, bouts;
        int r;

        ps->p += strlen(END_KEYWORD);
        r = parse_unsigned(ps, "the count of minutes", DAY_MINUTES, &minutes);
        if (r < 0)
                return r;
        r = parse_unsigned(ps, "the count of bouts", DAY_RECORD_BOUTS_MAX, &bouts);
        if (r < 0)
                return r;
        if (minutes != day_record_count_minutes(rec) || bouts != rec->n_bouts)
                return fail(ps,
                        "the file has %zu minutes and %zu bouts, its last line says %" PRIu64
                        " and %" PRIu64,
                        day_record_count_minutes(rec), rec->n_bouts, minutes, bouts);
        r = end_of_line(ps);
        if (r < 0)
                return r;
        if (ps->p != ps->end)
                return fail(ps, "text after the last line");
        return 0;
}

int day_record_parse(
        const char *text, size_t size, DayRecord **ret, char reason[static DAY_RECORD_REASON_MAX]) {
        _cleanup_(day_record_freep) DayRecord *rec = NULL;
        Parser ps = { .p = text, .end = text + size, .line = 1, .reason = reason };
        int last_minute = -1;
        int32_t day;
        int r;

        if (!text || !ret)
                return -EINVAL;
        if (size > DAY_RECORD_FILE_MAX) {
                snprintf(reason, DAY_RECORD_REASON_MAX, "larger than %d bytes", DAY_RECORD_FILE_MAX);
                return -EINVAL;
        }
        if (memchr(text, '\0', size)) {
                snprintf(reason, DAY_RECORD_REASON_MAX, "contains a NUL byte");
                return -EINVAL;
        }
        if (size == 0 || text[size - 1] != '\n') {
                snprintf(reason, DAY_RECORD_REASON_MAX, size == 0 ? "empty" : "the last line is cut off");
                return -EINVAL;
        }
        r = parse_header(&ps, &day);
        if (r < 0)
                return r;
        r = day_record_new(day, &rec);
        if (r < 0)
                return r;
        for (;;) {
                size_t left = (size_t)(ps.end - ps.p);

                if (left == 0)
                        return fail(&ps, "the last line, '" END_KEYWORD "' and the counts, is missing");
                if (left > strlen(END_KEYWORD) &&
                        memcmp(ps.p, END_KEYWORD " ", strlen(END_KEYWORD) + 1) == 0)
                        break;
                if (left > strlen(BOUT_KEYWORD) &&
                        memcmp(ps.p, BOUT_KEYWORD " ", strlen(BOUT_KEYWORD) + 1) == 0)
                        r = parse_bout(&ps, rec);
                else if (rec->n_bouts > 0)
                        r = fail(&ps, "expected '" BOUT_KEYWORD "': minutes come before the bouts");
                else
                        r = parse_minute(&ps, rec, &last_minute);
                if (r < 0)
                        return r;
        }
        r = parse_end(&ps, rec);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rec);
        return 0;
}
