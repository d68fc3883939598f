/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* today and history: GetDay() per day, as a table, a terminal chart and optionally an SVG chart. */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "calendar.h"
#include "chart.h"
#include "day-bus.h"
#include "format.h"

typedef struct DayStats {
        char *date;
        uint64_t sitting_s, standing_s, walking_s, lying_s;
        uint32_t sitting_bouts;
        uint64_t longest_bout_s;
        uint32_t alerts, breaks, stretches_verified, stretches_self_reported;
        double tilt_mean_deg, tilt_p90_deg;
        uint64_t high_tilt_s;
        uint32_t steps; /* 0 from a psoasd older than the interface's revision 3 */
        uint64_t no_data_s; /* likewise */
        uint64_t not_worn_s; /* 0 from a psoasd older than revision 4 */
        DayRecord record; /* hours and bouts (its minutes are GetTimeline()'s), from revision 4 on */
} DayStats;

/* Whether psoasd has samples of the day at all: a day it never saw is no data, not a day of zeros. A day the
 * sensor lay on a desk has data: it was not worn. */
static bool day_has_data(const DayStats *d) {
        return d->sitting_s + d->standing_s + d->walking_s + d->lying_s + d->not_worn_s > 0;
}

/* The keys as GetDay() gives them; psoasctl's JSON uses the same. */
static const DictField day_fields[] = {
        { "date", 's', offsetof(DayStats, date) },
        { "sitting_seconds", 't', offsetof(DayStats, sitting_s) },
        { "standing_seconds", 't', offsetof(DayStats, standing_s) },
        { "walking_seconds", 't', offsetof(DayStats, walking_s) },
        { "lying_seconds", 't', offsetof(DayStats, lying_s) },
        { "sitting_bouts", 'u', offsetof(DayStats, sitting_bouts) },
        { "longest_bout_seconds", 't', offsetof(DayStats, longest_bout_s) },
        { "alerts", 'u', offsetof(DayStats, alerts) },
        { "breaks", 'u', offsetof(DayStats, breaks) },
        { "stretches_verified", 'u', offsetof(DayStats, stretches_verified) },
        { "stretches_self_reported", 'u', offsetof(DayStats, stretches_self_reported) },
        { "tilt_mean", 'd', offsetof(DayStats, tilt_mean_deg) },
        { "tilt_p90", 'd', offsetof(DayStats, tilt_p90_deg) },
        { "high_tilt_seconds", 't', offsetof(DayStats, high_tilt_s) },
        { "steps", 'u', offsetof(DayStats, steps) },
        { "no_data_seconds", 't', offsetof(DayStats, no_data_s) },
        { "not_worn_seconds", 't', offsetof(DayStats, not_worn_s) },
        { "hours", 0, offsetof(DayStats, record.hours), DAY_HOURS_SIGNATURE, day_read_hours },
        { "bouts", 0, offsetof(DayStats, record), DAY_BOUTS_SIGNATURE, day_read_bouts },
};
#define DAY_FIELD_HOURS (UINT64_C(1) << (ELEMENTSOF(day_fields) - 2))

/* Whether psoasd gave the day's record (interface revision 4). */
static bool day_has_record(uint64_t found) {
        return found & DAY_FIELD_HOURS;
}

static void day_stats_done(DayStats *d) {
        free(d->date);
        d->date = NULL;
        day_record_done(&d->record);
}

/* *ret_found (optional) gets the bits of day_fields[] found. */
static int get_day(sd_bus *bus, const Context *c, const char *date, DayStats *ret, uint64_t *ret_found) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char what[64];
        DayStats d = {};
        uint64_t found;
        int r;

        snprintf(what, sizeof(what), "cannot read the statistics of %s", isempty(date) ? "today" : date);
        r = bus_call(bus, c, what, "GetDay", 0, &reply, "s", date);
        if (r < 0)
                return r;
        r = bus_read_dict(reply, day_fields, ELEMENTSOF(day_fields), &d, &found);
        if (r >= 0 && !(found & 1)) /* the date is what the rest of the table hangs on */
                r = -EBADMSG;
        if (r >= 0 && day_from_string(d.date, &d.record.day) < 0)
                r = -EBADMSG;
        if (r < 0) {
                day_stats_done(&d);
                log_error("%s: unexpected reply from psoasd: %s", what, strerror(-r));
                return r;
        }
        *ret = d;
        if (ret_found)
                *ret_found = found;
        return 0;
}

static json_object *hour_to_json(const DayHour *h) {
        _cleanup_(json_object_put_nullp) json_object *o = json_object_new_object();

        if (!o || json_add(o, "sitting_seconds", json_object_new_uint64(h->sitting_s)) < 0 ||
                json_add(o, "standing_seconds", json_object_new_uint64(h->standing_s)) < 0 ||
                json_add(o, "walking_seconds", json_object_new_uint64(h->walking_s)) < 0 ||
                json_add(o, "lying_seconds", json_object_new_uint64(h->lying_s)) < 0 ||
                json_add(o, "unknown_seconds", json_object_new_uint64(h->unknown_s)) < 0 ||
                json_add(o, "not_worn_seconds", json_object_new_uint64(h->not_worn_s)) < 0 ||
                json_add(o, "no_data_seconds", json_object_new_uint64(h->no_data_s)) < 0 ||
                json_add(o, "steps", json_object_new_uint64(h->steps)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

static json_object *bout_to_json(const DayBout *b) {
        _cleanup_(json_object_put_nullp) json_object *o = json_object_new_object();
        char start[CALENDAR_TEXT_MAX], end[CALENDAR_TEXT_MAX];

        calendar_format_local_time(b->start_local_us, start);
        calendar_format_local_time(b->end_local_us, end);
        start[10] = end[10] = 'T';
        if (!o || json_add(o, "posture", json_object_new_string(b->posture)) < 0 ||
                json_add(o, "start", json_object_new_string(start)) < 0 ||
                json_add(o, "end", json_object_new_string(end)) < 0 ||
                json_add(o, "duration_seconds",
                        json_object_new_int64(record_bout_duration_s(&(const RecordBout){
                                .start_local_us = b->start_local_us, .end_local_us = b->end_local_us }))) <
                        0 ||
                json_add(o, "ended_by", json_object_new_string(b->ended_by)) < 0 ||
                json_add(o, "walking_seconds", json_object_new_uint64(b->walking_s)) < 0 ||
                json_add(o, "steps", json_object_new_uint64(b->steps)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* The day's record as JSON: "hours" (24 objects) and "bouts", added to o. */
static int record_to_json(json_object *o, const DayRecord *d) {
        json_object *hours = json_object_new_array(), *bouts = json_object_new_array();

        if (json_add(o, "hours", hours) < 0 || json_add(o, "bouts", bouts) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < 24; i++)
                if (json_object_array_add(hours, hour_to_json(&d->hours[i])) < 0 ||
                        !json_object_array_get_idx(hours, i))
                        return -ENOMEM;
        for (size_t i = 0; i < d->n_bouts; i++)
                if (json_object_array_add(bouts, bout_to_json(&d->bouts[i])) < 0 ||
                        !json_object_array_get_idx(bouts, i))
                        return -ENOMEM;
        return 0;
}

/* with_record: the keys of interface revision 4 too (not_worn_seconds, hours, bouts). */
static json_object *day_to_json(const DayStats *d, bool with_record) {
        _cleanup_(json_object_put_nullp) json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (json_add(o, "date", json_object_new_string(d->date)) < 0 ||
                json_add(o, "sitting_seconds", json_object_new_uint64(d->sitting_s)) < 0 ||
                json_add(o, "standing_seconds", json_object_new_uint64(d->standing_s)) < 0 ||
                json_add(o, "walking_seconds", json_object_new_uint64(d->walking_s)) < 0 ||
                json_add(o, "lying_seconds", json_object_new_uint64(d->lying_s)) < 0 ||
                json_add(o, "sitting_bouts", json_object_new_uint64(d->sitting_bouts)) < 0 ||
                json_add(o, "longest_bout_seconds", json_object_new_uint64(d->longest_bout_s)) < 0 ||
                json_add(o, "alerts", json_object_new_uint64(d->alerts)) < 0 ||
                json_add(o, "breaks", json_object_new_uint64(d->breaks)) < 0 ||
                json_add(o, "stretches_verified", json_object_new_uint64(d->stretches_verified)) < 0 ||
                json_add(o, "stretches_self_reported", json_object_new_uint64(d->stretches_self_reported)) <
                        0 ||
                json_add(o, "tilt_mean", json_new_double(d->tilt_mean_deg)) < 0 ||
                json_add(o, "tilt_p90", json_new_double(d->tilt_p90_deg)) < 0 ||
                json_add(o, "high_tilt_seconds", json_object_new_uint64(d->high_tilt_s)) < 0 ||
                json_add(o, "steps", json_object_new_uint64(d->steps)) < 0 ||
                json_add(o, "no_data_seconds", json_object_new_uint64(d->no_data_s)) < 0)
                return NULL;
        if (with_record &&
                (json_add(o, "not_worn_seconds", json_object_new_uint64(d->not_worn_s)) < 0 ||
                        record_to_json(o, &d->record) < 0))
                return NULL;
        return TAKE_PTR(o);
}

/* ------------------------------------------------------------------------------------------------------- */
/* today */

static void print_day(const DayStats *d) {
        char a[DURATION_MAX], b[DURATION_MAX], t1[DEGREES_MAX], t2[DEGREES_MAX];

        printf("Today, %s\n", d->date);
        printf("  Sitting:    %s in %u bout%s", format_duration(a, sizeof(a), d->sitting_s),
                d->sitting_bouts, d->sitting_bouts == 1 ? "" : "s");
        if (d->sitting_bouts > 0)
                printf("; the longest %s", format_duration(b, sizeof(b), d->longest_bout_s));
        printf("\n");
        printf("  Standing:   %s\n", format_duration(a, sizeof(a), d->standing_s));
        printf("  Walking:    %s, %u step%s\n", format_duration(a, sizeof(a), d->walking_s), d->steps,
                d->steps == 1 ? "" : "s");
        printf("  Lying:      %s\n", format_duration(a, sizeof(a), d->lying_s));
        if (d->not_worn_s > 0)
                printf("  Not worn:   %s (the sensor off the body)\n",
                        format_duration(a, sizeof(a), d->not_worn_s));
        if (d->no_data_s > 0)
                printf("  No data:    %s of the day so far (no sensor, or psoasd not running)\n",
                        format_duration(a, sizeof(a), d->no_data_s));
        printf("  Alerts:     %u; breaks from sitting: %u\n", d->alerts, d->breaks);
        printf("  Stretches:  %u seen done by the sensor, %u reported done\n", d->stretches_verified,
                d->stretches_self_reported);
        if (d->standing_s > 0 && isfinite(d->tilt_mean_deg))
                printf("  Tilt:       %s on average when standing, %s or less 90 %% of the time; %s at or "
                       "above "
                       "the alert threshold\n",
                        format_degrees(t1, sizeof(t1), d->tilt_mean_deg),
                        format_degrees(t2, sizeof(t2), d->tilt_p90_deg),
                        format_duration(a, sizeof(a), d->high_tilt_s));
        else
                printf("  Tilt:       no standing time yet\n");
}

/* "09:12": a bout's start or end, with the date when it is not the record's day. */
static const char *format_bout_time(char buf[static CALENDAR_TEXT_MAX], int64_t local_us, int32_t day) {
        calendar_format_local_time(local_us, buf);
        buf[16] = '\0'; /* "YYYY-MM-DD HH:MM" */
        if (calendar_day_of_local_us(local_us) == day)
                memmove(buf, buf + 11, 6); /* "HH:MM" */
        return buf;
}

static void print_bouts(const DayRecord *d) {
        static const char *const lengths[3] = { "under 30 min", "30 to 60 min", "over 60 min" };
        BoutLengths l;

        if (d->n_bouts == 0) {
                printf("Bouts: none yet\n");
                return;
        }
        printf("Bouts:\n");
        for (size_t i = 0; i < d->n_bouts; i++) {
                const DayBout *b = &d->bouts[i];
                char start[CALENDAR_TEXT_MAX], end[CALENDAR_TEXT_MAX], duration[DURATION_MAX];
                int64_t s = record_bout_duration_s(&(const RecordBout){
                        .start_local_us = b->start_local_us, .end_local_us = b->end_local_us });

                printf("  %s-%-5s  %-12s  %-8s  %s\n", format_bout_time(start, b->start_local_us, d->day),
                        format_bout_time(end, b->end_local_us, d->day),
                        format_duration(duration, sizeof(duration), s > 0 ? (uint64_t)s : 0), b->posture,
                        streq(b->ended_by, "ongoing") ? "going on" : b->ended_by);
        }
        day_record_sitting_lengths(d, &l);
        printf("Sitting bouts by length:\n");
        for (size_t k = 0; k < 3; k++) {
                char duration[DURATION_MAX];

                printf("  %-13s %3u, %s\n", lengths[k], l.count[k],
                        format_duration(duration, sizeof(duration), l.seconds[k]));
        }
}

static void write_day_svg(FILE *f, const void *userdata) {
        const DayStats *d = userdata;
        char title[64];

        snprintf(title, sizeof(title), "Posture minute by minute, %s", d->date);
        day_chart_write_svg(&d->record, title, f);
}

/* The chart's colours on a terminal that wants them (NO_COLOR, https://no-color.org: set and not empty, none). */
static bool use_color(void) {
        const char *no_color = getenv("NO_COLOR");

        return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

/* today from a psoasd before interface revision 4: the time per posture, as bars. */
static int today_without_record(Context *c, DayStats *d) {
        ChartBar bars[4] = {};
        char title[64];
        Chart chart = {
                .title = title,
                .note = "psoasd keeps no per-hour data, so this chart shows today's time in each posture.",
                .bars = bars,
                .n_bars = ELEMENTSOF(bars),
        };
        int r;

        log_info(
                "psoasd is older than interface revision 4 and keeps no per-minute record: showing the time "
                "per posture instead of the timeline");
        snprintf(title, sizeof(title), "Time per posture, %s", d->date);
        bars[0] = (ChartBar){ "sitting", d->sitting_s };
        bars[1] = (ChartBar){ "standing", d->standing_s };
        bars[2] = (ChartBar){ "walking", d->walking_s };
        bars[3] = (ChartBar){ "lying", d->lying_s };
        if (c->svg_path) {
                r = chart_write_svg(&chart, c->svg_path);
                if (r < 0)
                        return r;
        }

        if (c->json)
                return json_print_built(day_to_json(d, false), true);
        print_day(d);
        printf("\n");
        chart_print(&chart, stdout);
        return fflush(stdout) == 0 ? 0 : -errno;
}

int verb_today(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(day_stats_done) DayStats d = {};
        uint64_t found;
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = get_day(bus, c, "", &d, &found);
        if (r < 0)
                return r;
        if (!day_has_record(found))
                return today_without_record(c, &d);
        r = bus_get_timeline(bus, c, d.date, &d.record);
        if (r < 0)
                return r;

        if (c->svg_path) {
                r = chart_write_file(c->svg_path, write_day_svg, &d);
                if (r < 0)
                        return r;
        }
        if (c->json)
                return json_print_built(day_to_json(&d, true), true);
        print_day(&d);
        printf("\n");
        day_chart_print(&d.record, use_color(), stdout);
        printf("\n");
        print_bouts(&d.record);
        return fflush(stdout) == 0 ? 0 : -errno;
}

/* ------------------------------------------------------------------------------------------------------- */
/* history */

/* The date k days before the YYYY-MM-DD date, by the calendar (no time zone involved). */
static int date_minus_days(const char *date, unsigned k, char ret[static 11], char ret_weekday[static 16]) {
        struct tm tm = {};
        time_t t;

        if (sscanf(date, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
                return -EINVAL;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        tm.tm_mday -= (int)k;
        tm.tm_hour = 12;
        t = timegm(&tm);
        if (t == (time_t)-1 || !gmtime_r(&t, &tm))
                return -EINVAL;
        strftime(ret, 11, "%Y-%m-%d", &tm);
        strftime(ret_weekday, 16, "%a", &tm);
        return 0;
}

/* The days of a history, oldest first, each with its chart bar. */
typedef struct History {
        DayStats *days;
        ChartBar *bars;
        size_t n;
} History;

static void history_done(History *h) {
        for (size_t i = 0; h->days && i < h->n; i++)
                day_stats_done(&h->days[i]);
        free(h->days);
        free(h->bars);
        *h = (History){};
}

static int print_history_json(const DayStats *days, size_t n) {
        _cleanup_(json_object_put_nullp) json_object *array = json_object_new_array();

        if (!array)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                json_object *o = day_to_json(&days[i], false);

                if (!o || json_object_array_add(array, o) < 0) {
                        json_object_put(o);
                        return log_oom();
                }
        }
        return json_print(array, true);
}

/* The mean sitting a day over the days with data among days[from, to); false when none has any. */
static bool mean_sitting(const DayStats *days, size_t from, size_t to, uint64_t *ret_s, size_t *ret_n) {
        uint64_t total = 0;
        size_t n = 0;

        for (size_t i = from; i < to; i++)
                if (day_has_data(&days[i])) {
                        total += days[i].sitting_s;
                        n++;
                }
        *ret_n = n;
        *ret_s = n > 0 ? total / n : 0;
        return n > 0;
}

static void print_history_table(const DayStats *days, const ChartBar *bars, size_t n) {
        char sitting[16], longest[16], standing[16], walking[16], tilt[DEGREES_MAX], average[DURATION_MAX];
        uint64_t mean;
        size_t with_data;

        printf("%-14s  %7s  %5s  %7s  %8s  %7s  %6s  %6s  %9s  %7s\n", "Date", "Sitting", "Bouts", "Longest",
                "Standing", "Walking", "Alerts", "Breaks", "Stretches", "Tilt");
        for (size_t i = 0; i < n; i++) {
                const DayStats *d = &days[i];

                if (!day_has_data(d)) {
                        printf("%-14s  no data\n", bars[i].label);
                        continue;
                }
                if (d->standing_s > 0 && isfinite(d->tilt_mean_deg))
                        format_degrees(tilt, sizeof(tilt), d->tilt_mean_deg);
                else
                        snprintf(tilt, sizeof(tilt), "-");
                printf("%-14s  %7s  %5u  %7s  %8s  %7s  %6u  %6u  %9u  %7s\n", bars[i].label,
                        format_hours_minutes(sitting, sizeof(sitting), d->sitting_s), d->sitting_bouts,
                        format_hours_minutes(longest, sizeof(longest), d->longest_bout_s),
                        format_hours_minutes(standing, sizeof(standing), d->standing_s),
                        format_hours_minutes(walking, sizeof(walking), d->walking_s), d->alerts, d->breaks,
                        d->stretches_verified + d->stretches_self_reported, tilt);
        }

        /* Weeks counted back from today, the oldest first; a part week at the start is a week too. */
        if (n > 7)
                for (size_t end = n % 7 ? n % 7 : 7; end <= n; end += 7) {
                        size_t start = end >= 7 ? end - 7 : 0;

                        if (mean_sitting(days, start, end, &mean, &with_data))
                                printf("Week to %s: %s sitting a day on average over %zu day%s with data\n",
                                        days[end - 1].date, format_duration(average, sizeof(average), mean),
                                        with_data, with_data == 1 ? "" : "s");
                        else
                                printf("Week to %s: no data\n", days[end - 1].date);
                }
        if (mean_sitting(days, 0, n, &mean, &with_data))
                printf("Sitting: %s a day on average over %zu day%s with data (of %zu); Tilt is the mean "
                       "standing "
                       "tilt.\n",
                        format_duration(average, sizeof(average), mean), with_data,
                        with_data == 1 ? "" : "s", n);
        else
                printf("Sitting: no data in these %zu day%s.\n", n, n == 1 ? "" : "s");
}

int verb_history(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(history_done) History h = { .n = c->days };
        DayStats *today;
        char title[64];
        Chart chart;
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;

        h.days = calloc(h.n, sizeof(DayStats));
        h.bars = calloc(h.n, sizeof(ChartBar));
        if (!h.days || !h.bars)
                return log_oom();

        /* Today as psoasd counts it (its time zone, over SSH perhaps another), then the days before it. */
        today = &h.days[h.n - 1];
        r = get_day(bus, c, "", today, NULL);
        if (r < 0)
                return r;
        for (size_t i = 0; i < h.n; i++) {
                char date[11], weekday[16];

                r = date_minus_days(today->date, (unsigned)(h.n - 1 - i), date, weekday);
                if (r < 0) {
                        log_error("psoasd gave today's date as '%s', which is not a YYYY-MM-DD date",
                                today->date);
                        return r;
                }
                if (i < h.n - 1) {
                        r = get_day(bus, c, date, &h.days[i], NULL);
                        if (r < 0)
                                return r;
                }
                snprintf(h.bars[i].label, sizeof(h.bars[i].label), "%s %s", date, weekday);
                h.bars[i].seconds = h.days[i].sitting_s;
        }

        snprintf(title, sizeof(title), "Sitting per day, %s to %s", h.days[0].date, today->date);
        chart = (Chart){ .title = title, .bars = h.bars, .n_bars = h.n };
        if (c->svg_path) {
                r = chart_write_svg(&chart, c->svg_path);
                if (r < 0)
                        return r;
        }

        if (c->json)
                return print_history_json(h.days, h.n);
        print_history_table(h.days, h.bars, h.n);
        printf("\n");
        chart_print(&chart, stdout);
        return fflush(stdout) == 0 ? 0 : -errno;
}

/* ------------------------------------------------------------------------------------------------------- */
/* export */

/* One day of the record into w: its minutes (GetTimeline) or its bouts (GetDay). */
static int export_day(sd_bus *bus, const Context *c, const char *date, RecordWriter *w) {
        _cleanup_(day_stats_done) DayStats d = {};
        uint64_t found;
        int r;

        if (w->kind == RECORD_TIMELINE) {
                r = bus_get_timeline(bus, c, date, &d.record);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < d.record.n_minutes; i++)
                        record_write_minute(w, &d.record.minutes[i]);
                return 0;
        }

        r = get_day(bus, c, date, &d, &found);
        if (r < 0)
                return r;
        if (!day_has_record(found)) {
                log_error(
                        "cannot export the bouts of %s: psoasd is older than interface revision 4 and keeps "
                        "no bouts; update psoasd",
                        date);
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < d.record.n_bouts; i++) {
                const DayBout *b = &d.record.bouts[i];

                record_write_bout(w,
                        &(const RecordBout){
                                .start_local_us = b->start_local_us,
                                .end_local_us = b->end_local_us,
                                .posture = b->posture,
                                .ended_by = b->ended_by,
                                .walking_s = b->walking_s,
                                .steps = b->steps,
                        });
        }
        return 0;
}

int verb_export(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(writer_freep) Writer *out = NULL;
        _cleanup_(day_stats_done) DayStats today = {};
        int32_t from, to;
        RecordWriter w;
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        if (!c->from || !c->to) {
                /* Today as psoasd counts it (its time zone, over SSH perhaps another). */
                r = get_day(bus, c, "", &today, NULL);
                if (r < 0)
                        return r;
        }
        if (day_from_string(c->from ?: today.date, &from) < 0 ||
                day_from_string(c->to ?: c->from ?: today.date, &to) < 0)
                return log_error_errno(EBADMSG,
                        "psoasd gave today's date as '%s', which is not a YYYY-MM-DD date", today.date);
        if (from > to) {
                if (c->from)
                        log_error("export: --from %s is after --to %s", c->from, c->to ?: today.date);
                else /* --from is psoasd's today */
                        log_error("export: --to %s is before today, %s; give --from too", c->to, today.date);
                return -EINVAL;
        }
        if (to - from >= EXPORT_DAYS_MAX) {
                log_error("export: %d days; at most %d at a time", to - from + 1, EXPORT_DAYS_MAX);
                return -EINVAL;
        }

        if (writer_new(STDOUT_FILENO, &out) < 0)
                return log_oom();
        w = (RecordWriter){ .out = out, .kind = c->record_kind, .json = c->json };
        record_writer_begin(&w);
        for (int32_t day = from; day <= to; day++) {
                char date[DAY_NAME_LENGTH + 1];

                day_to_string(day, date);
                r = export_day(bus, c, date, &w);
                if (r < 0) {
                        /* What was exported stays written; the JSON array is left open, as a sign. */
                        (void)writer_flush(out);
                        return r;
                }
        }
        record_writer_end(&w);
        r = writer_flush(out);
        if (r < 0)
                return log_error_errno(r, "cannot write the export: %m");
        return 0;
}
