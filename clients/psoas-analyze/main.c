/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * psoas-analyze: runs the psoas engine over a recording and says what it would have seen and done.
 *
 * The engine takes all its timing from the samples, so this gives exactly what psoasd would have given live.
 * Output is streamed: on bad input, whatever was written before the bad line stays written, the message goes to
 * stderr, and the exit status says the run failed. Exit statuses follow sysexits.h.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "build-config.h"
#include "calendar.h"
#include "csv-units.h"
#include "csv.h"
#include "duration.h"
#include "engine-keys.h"
#include "format-number.h"
#include "log.h"
#include "macro.h"
#include "psoas/psoas.h"
#include "reader-thread.h"
#include "writer.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(ReaderThread *, reader_thread_free);

#define US_PER_S INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_S)
/* Warnings about samples the engine rejects, before we stop repeating them. */
#define REJECT_WARNINGS_MAX 5

typedef enum OutputMode {
        OUTPUT_SUMMARY,
        OUTPUT_SAMPLES,
        OUTPUT_EVENTS,
} OutputMode;

typedef enum CalibrateMode {
        CALIBRATE_NONE,
        CALIBRATE_WINDOW, /* --calibrate START,END */
        CALIBRATE_FIRST, /* --calibrate-first SECONDS */
        CALIBRATE_AUTO, /* --calibrate-auto: wait for stillness, as the daemon does */
} CalibrateMode;

typedef enum CalibrationStatus {
        CALIBRATION_NOT_REQUESTED,
        CALIBRATION_PENDING,
        CALIBRATION_OK,
        CALIBRATION_FAILED,
} CalibrationStatus;

typedef struct Context {
        /* Options */
        const char *input;
        OutputMode output;
        bool json;
        bool quat;
        bool no_gyro;
        CsvUnits units; /* --units: what the file's columns are in */
        CalibrateMode calibrate;
        int64_t calibrate_start_us, calibrate_end_us; /* CALIBRATE_WINDOW */
        int64_t calibrate_first_us; /* CALIBRATE_FIRST */
        bool has_start;
        int64_t start_local_us; /* --start: local wall time of the first sample, as µs since the epoch */
        struct psoas_config config;
        /* Which option set which engine field, to say what is wrong in the option's terms when
         * psoas_config_validate() names the field: in its unit when it is one of engine_keys[]. */
        struct {
                const char *field, *option, *arg;
                const EngineKey *key;
        } bindings[16];
        size_t n_bindings;

        /* Run */
        struct psoas_engine *engine;
        CsvReader *reader;
        Writer *out;
        const struct psoas_stretch *catalog;
        size_t n_catalog;
        /* --stretch: the one stretch prompted, a copy of the default catalog's entry. */
        const char *only_stretch;
        struct psoas_stretch only_catalog[1];
        bool floor_exercises; /* --floor-exercises */
        /* Posture names for the samples output, zero-padded so that a fixed-size copy inlines. */
        char posture_names[_PSOAS_POSTURE_MAX][16];
        size_t posture_name_lengths[_PSOAS_POSTURE_MAX];

        uint64_t n_samples;
        int64_t first_t_us, last_t_us;
        bool has_gyro;
        unsigned rejected_warnings;
        unsigned n_events_written;

        /* Days finished before the current one (only with --start, when there are day boundaries). */
        bool has_day;
        int32_t day;
        unsigned n_days;
        struct psoas_day_stats finished;

        /* Counted from the events */
        uint64_t n_posture_changes;
        uint64_t n_alerts[_PSOAS_ALERT_KIND_MAX];
        uint64_t n_prompts;
        bool forward_learned;
        CalibrationStatus calibration;
        enum psoas_calibration_error calibration_error;
        int64_t calibration_t_us;
        float neutral_inclination_deg;
} Context;

static Context *context_free(Context *c) {
        if (!c)
                return NULL;
        psoas_engine_free(c->engine);
        csv_reader_free(c->reader);
        writer_free(c->out);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Context *, context_free);

/* ------------------------------------------------------------------------------------------------------- */
/* Output */

/* "2 h 05 min", "12 min 30 s", "42 s", "0.4 s": rounded down to the unit shown, as every duration psoas shows
 * (common/duration.h), so that a bout psoasd calls "41 min" is "41 min 59 s" here, never "42 min 00 s". */
static const char *format_duration(char *buf, size_t size, double s) {
        uint64_t t;

        if (!(s >= 0) || !isfinite(s))
                s = 0;
        if (s < 10 && s != floor(s)) {
                snprintf(buf, size, "%.1f s", floor(s * 10) / 10);
                return buf;
        }
        t = duration_whole_seconds(s);
        if (t < 60)
                snprintf(buf, size, "%u s", (unsigned)t);
        else if (t < 3600)
                snprintf(buf, size, "%u min %02u s", (unsigned)(t / 60), (unsigned)(t % 60));
        else
                snprintf(buf, size, "%u h %02u min", (unsigned)(t / 3600), (unsigned)(t / 60 % 60));
        return buf;
}

/* Local wall time (µs since the epoch, shifted by the UTC offset) as "2024-05-01 09:12:33". */
static const char *format_local(char *buf, size_t size, int64_t local_us) {
        int64_t days = floor_div(local_us, US_PER_DAY), y;
        int64_t s = floor_div(local_us - days * US_PER_DAY, US_PER_S);
        unsigned m, d;

        calendar_date_from_days(days, &y, &m, &d);
        snprintf(buf, size, "%04lld-%02u-%02u %02u:%02u:%02u", (long long)y, m, d, (unsigned)(s / 3600),
                (unsigned)(s / 60 % 60), (unsigned)(s % 60));
        return buf;
}

static const char *format_day(char *buf, size_t size, int32_t day) {
        int64_t y;
        unsigned m, d;

        calendar_date_from_days(day, &y, &m, &d);
        snprintf(buf, size, "%04lld-%02u-%02u", (long long)y, m, d);
        return buf;
}

static double us_to_s(int64_t us) {
        return (double)us / (double)US_PER_S;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Events */

static const char *stretch_title(const Context *c, uint32_t index) {
        return index < c->n_catalog && c->catalog[index].title ? c->catalog[index].title : "unknown stretch";
}

static const char *stretch_id(const Context *c, uint32_t index) {
        return index < c->n_catalog && c->catalog[index].id ? c->catalog[index].id : "unknown";
}

static const char *posture_name(enum psoas_posture p) {
        const char *s = psoas_posture_to_string(p);

        return s ? s : "unknown";
}

static const char *calibration_error_code(enum psoas_calibration_error e) {
        static const char *const codes[_PSOAS_CALIBRATION_ERROR_MAX] = {
                [PSOAS_CALIBRATION_OK] = "ok",
                [PSOAS_CALIBRATION_MOVING] = "moving",
                [PSOAS_CALIBRATION_NOT_UPRIGHT] = "not-upright",
                [PSOAS_CALIBRATION_WINDOW_SHORT] = "window-short",
                [PSOAS_CALIBRATION_CANCELLED] = "cancelled",
                [PSOAS_CALIBRATION_NOT_STANDING] = "not-standing",
        };

        return (unsigned)e < ELEMENTSOF(codes) ? codes[e] : "unknown";
}

static const char *calibration_error_words(enum psoas_calibration_error e) {
        const char *s = psoas_calibration_error_to_string(e);

        return s ? s : "unknown reason";
}

static void event_count(Context *c, const struct psoas_event *e) {
        switch (e->type) {
        case PSOAS_EVENT_POSTURE_CHANGED:
                c->n_posture_changes++;
                break;
        case PSOAS_EVENT_CALIBRATED:
                c->calibration = CALIBRATION_OK;
                c->calibration_t_us = e->t_us;
                c->neutral_inclination_deg = e->calibrated.neutral_inclination_deg;
                break;
        case PSOAS_EVENT_CALIBRATION_FAILED:
                c->calibration = CALIBRATION_FAILED;
                c->calibration_t_us = e->t_us;
                c->calibration_error = e->calibration_failed.reason;
                break;
        case PSOAS_EVENT_FORWARD_LEARNED:
                c->forward_learned = true;
                break;
        case PSOAS_EVENT_ALERT:
                if ((unsigned)e->alert.kind < _PSOAS_ALERT_KIND_MAX)
                        c->n_alerts[e->alert.kind]++;
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                c->n_prompts++;
                break;
        default:
                break;
        }
}

/* What the sensor saw instead of a prompted stretch: the names of psoasd's StretchMissed, and words. */
static const struct {
        uint32_t flag;
        const char *name, *words;
} seen_words[] = {
        { PSOAS_SEEN_STOOD_UP, "stood-up", "stood up (a break, not the stretch)" },
        { PSOAS_SEEN_PARTIAL, "partial", "part of its signature, not the whole hold or every repetition" },
        { PSOAS_SEEN_TILT_PERSISTED, "tilt-persisted", "the tilt that caused the prompt went on" },
        { PSOAS_SEEN_NO_SIGNATURE, "no-signature", "nothing it could see: it has no signature" },
};

static void event_write_text(Context *c, const struct psoas_event *e) {
        Writer *w = c->out;
        char t[32], when[64], a[64], b[64];
        const char *s;

        format_fixed(t, us_to_s(e->t_us), 3)[0] = '\0';
        writer_printf(w, "%12s  ", t);
        if (c->has_start)
                writer_printf(w, "%s  ",
                        format_local(when, sizeof(when), psoas_engine_local_time(c->engine, e->t_us)));

        switch (e->type) {
        case PSOAS_EVENT_POSTURE_CHANGED:
                if (e->posture.revised) {
                        format_fixed(a, us_to_s(e->posture.since_us), 3)[0] = '\0';
                        writer_printf(w, "posture revised: %s since %s s (was %s)",
                                posture_name(e->posture.posture), a, posture_name(e->posture.previous));
                } else
                        writer_printf(w, "posture changed from %s to %s", posture_name(e->posture.previous),
                                posture_name(e->posture.posture));
                break;
        case PSOAS_EVENT_CALIBRATED:
                writer_printf(w, "calibrated: neutral inclination %.1f°",
                        (double)e->calibrated.neutral_inclination_deg);
                break;
        case PSOAS_EVENT_CALIBRATION_FAILED:
                writer_printf(
                        w, "calibration failed: %s", calibration_error_words(e->calibration_failed.reason));
                break;
        case PSOAS_EVENT_FORWARD_LEARNED:
                writer_puts(w, "learned the wearer's forward direction from motion");
                break;
        case PSOAS_EVENT_BOUT_STARTED:
                writer_puts(w, "sitting bout started");
                break;
        case PSOAS_EVENT_BOUT_ENDED:
                if (e->bout.withdrawn) {
                        format_fixed(a, us_to_s(e->bout.start_us), 3)[0] = '\0';
                        writer_printf(w, "sitting bout from %s s withdrawn: the posture was revised", a);
                        break;
                }
                writer_printf(w, "sitting bout ended after %s%s",
                        format_duration(a, sizeof(a), e->bout.duration_s),
                        e->bout.is_break ? ", by a break" : "");
                break;
        case PSOAS_EVENT_ALERT:
                s = psoas_alert_kind_to_string(e->alert.kind);
                writer_printf(w, "%s alert, level %u: %s for %s", s ? s : "unknown",
                        (unsigned)e->alert.level,
                        e->alert.kind == PSOAS_ALERT_TILT ? "tilted forward" : "sitting",
                        format_duration(a, sizeof(a), e->alert.duration_s));
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                s = psoas_alert_kind_to_string(e->prompt.cause);
                writer_printf(w, "stretch prompt after a %s alert: %s (%s)", s ? s : "unknown",
                        stretch_title(c, e->prompt.stretch), stretch_id(c, e->prompt.stretch));
                if (e->prompt.stretch < c->n_catalog) {
                        const struct psoas_stretch *st = &c->catalog[e->prompt.stretch];

                        writer_puts(w,
                                psoas_stretch_has_signature(st)
                                        ? "; the sensor confirms it by its signature"
                                        : "; the sensor cannot see it: self-report only");
                        writer_puts(w, "; safety: ");
                        writer_puts(w, st->safety);
                }
                break;
        case PSOAS_EVENT_STRETCH_PROGRESS:
                writer_printf(w, "stretch progress: %s (%s)", stretch_title(c, e->progress.stretch),
                        stretch_id(c, e->progress.stretch));
                if (e->progress.side > 0)
                        writer_printf(w, ", side %u", (unsigned)e->progress.side);
                if (e->progress.reps > 0)
                        writer_printf(w, ": %u of %u repetitions", (unsigned)e->progress.reps,
                                (unsigned)e->progress.goal);
                else
                        writer_printf(w, ": held %u of %u s", (unsigned)e->progress.held_s,
                                (unsigned)e->progress.goal);
                break;
        case PSOAS_EVENT_STRETCH_MISSED:
                writer_printf(w,
                        "stretch not confirmed: %s (%s); seen instead:", stretch_title(c, e->missed.stretch),
                        stretch_id(c, e->missed.stretch));
                for (size_t i = 0; i < ELEMENTSOF(seen_words); i++)
                        if (e->missed.seen & seen_words[i].flag)
                                writer_printf(w, " %s;", seen_words[i].words);
                if (e->missed.seen == 0)
                        writer_puts(w, " nothing of it;");
                break;
        case PSOAS_EVENT_STRETCH_DONE:
                s = psoas_stretch_result_to_string(e->stretch.result);
                writer_printf(w, "stretch done (%s): %s (%s)", s ? s : "unknown",
                        stretch_title(c, e->stretch.stretch), stretch_id(c, e->stretch.stretch));
                break;
        case PSOAS_EVENT_DAY_CHANGED:
                writer_printf(w, "new day %s (the day before was %s)",
                        format_day(a, sizeof(a), e->day.current), format_day(b, sizeof(b), e->day.previous));
                break;
        default:
                writer_printf(w, "event %u", (unsigned)e->type);
                break;
        }
        writer_put(w, "\n", 1);
}

static void event_write_json(Context *c, const struct psoas_event *e) {
        Writer *w = c->out;
        char buf[64];
        const char *s;

        writer_puts(w, c->n_events_written == 0 ? "\n  {\"t\": " : ",\n  {\"t\": ");
        writer_json_number(w, us_to_s(e->t_us), 6);
        if (c->has_start) {
                writer_puts(w, ", \"time\": ");
                writer_json_string(
                        w, format_local(buf, sizeof(buf), psoas_engine_local_time(c->engine, e->t_us)));
        }
        writer_puts(w, ", \"type\": ");
        s = psoas_event_type_to_string(e->type);
        writer_json_string(w, s ? s : "unknown");

        switch (e->type) {
        case PSOAS_EVENT_POSTURE_CHANGED:
                writer_puts(w, ", \"posture\": ");
                writer_json_string(w, posture_name(e->posture.posture));
                writer_puts(w, ", \"previous\": ");
                writer_json_string(w, posture_name(e->posture.previous));
                if (e->posture.revised) {
                        writer_puts(w, ", \"revised\": true, \"since\": ");
                        writer_json_number(w, us_to_s(e->posture.since_us), 6);
                }
                break;
        case PSOAS_EVENT_CALIBRATED:
                writer_puts(w, ", \"neutral_inclination_deg\": ");
                writer_json_number(w, e->calibrated.neutral_inclination_deg, 2);
                break;
        case PSOAS_EVENT_CALIBRATION_FAILED:
                writer_puts(w, ", \"reason\": ");
                writer_json_string(w, calibration_error_code(e->calibration_failed.reason));
                writer_puts(w, ", \"message\": ");
                writer_json_string(w, calibration_error_words(e->calibration_failed.reason));
                break;
        case PSOAS_EVENT_BOUT_STARTED:
                writer_puts(w, ", \"start\": ");
                writer_json_number(w, us_to_s(e->bout.start_us), 6);
                break;
        case PSOAS_EVENT_BOUT_ENDED:
                writer_puts(w, ", \"start\": ");
                writer_json_number(w, us_to_s(e->bout.start_us), 6);
                writer_puts(w, ", \"duration_s\": ");
                writer_json_number(w, e->bout.duration_s, 3);
                writer_printf(w, ", \"is_break\": %s", e->bout.is_break ? "true" : "false");
                if (e->bout.withdrawn)
                        writer_puts(w, ", \"withdrawn\": true");
                break;
        case PSOAS_EVENT_ALERT:
                s = psoas_alert_kind_to_string(e->alert.kind);
                writer_puts(w, ", \"kind\": ");
                writer_json_string(w, s ? s : "unknown");
                writer_printf(w, ", \"level\": %u, \"duration_s\": ", (unsigned)e->alert.level);
                writer_json_number(w, e->alert.duration_s, 3);
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                s = psoas_alert_kind_to_string(e->prompt.cause);
                writer_puts(w, ", \"stretch\": ");
                writer_json_string(w, stretch_id(c, e->prompt.stretch));
                writer_puts(w, ", \"title\": ");
                writer_json_string(w, stretch_title(c, e->prompt.stretch));
                writer_puts(w, ", \"cause\": ");
                writer_json_string(w, s ? s : "unknown");
                if (e->prompt.stretch < c->n_catalog) {
                        const struct psoas_stretch *st = &c->catalog[e->prompt.stretch];

                        writer_puts(w, ", \"safety\": ");
                        writer_json_string(w, st->safety);
                        writer_printf(w, ", \"verifiable\": %s",
                                psoas_stretch_has_signature(st) ? "true" : "false");
                }
                break;
        case PSOAS_EVENT_STRETCH_PROGRESS:
                writer_puts(w, ", \"stretch\": ");
                writer_json_string(w, stretch_id(c, e->progress.stretch));
                writer_printf(w, ", \"side\": %u, \"seconds\": %u, \"repetitions\": %u, \"goal\": %u",
                        (unsigned)e->progress.side, (unsigned)e->progress.held_s, (unsigned)e->progress.reps,
                        (unsigned)e->progress.goal);
                break;
        case PSOAS_EVENT_STRETCH_MISSED: {
                bool first = true;

                writer_puts(w, ", \"stretch\": ");
                writer_json_string(w, stretch_id(c, e->missed.stretch));
                writer_puts(w, ", \"title\": ");
                writer_json_string(w, stretch_title(c, e->missed.stretch));
                writer_puts(w, ", \"seen\": [");
                for (size_t i = 0; i < ELEMENTSOF(seen_words); i++)
                        if (e->missed.seen & seen_words[i].flag) {
                                writer_puts(w, first ? "" : ", ");
                                writer_json_string(w, seen_words[i].name);
                                first = false;
                        }
                writer_puts(w, "]");
                break;
        }
        case PSOAS_EVENT_STRETCH_DONE:
                s = psoas_stretch_result_to_string(e->stretch.result);
                writer_puts(w, ", \"stretch\": ");
                writer_json_string(w, stretch_id(c, e->stretch.stretch));
                writer_puts(w, ", \"title\": ");
                writer_json_string(w, stretch_title(c, e->stretch.stretch));
                writer_puts(w, ", \"result\": ");
                writer_json_string(w, s ? s : "unknown");
                break;
        case PSOAS_EVENT_DAY_CHANGED:
                writer_puts(w, ", \"previous\": ");
                writer_json_string(w, format_day(buf, sizeof(buf), e->day.previous));
                writer_puts(w, ", \"current\": ");
                writer_json_string(w, format_day(buf, sizeof(buf), e->day.current));
                break;
        default:
                break;
        }
        writer_puts(w, "}");
        c->n_events_written++;
}

static void context_drain_events(Context *c) {
        struct psoas_event e;

        while (psoas_engine_pop_event(c->engine, &e) > 0) {
                event_count(c, &e);
                if (c->output != OUTPUT_EVENTS)
                        continue;
                if (c->json)
                        event_write_json(c, &e);
                else
                        event_write_text(c, &e);
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Samples */

static void samples_write_header(Context *c) {
        writer_puts(c->out,
                c->quat ? "t,posture,tilt_deg,inclination_deg,sitting_s,qw,qx,qy,qz\n"
                        : "t,posture,tilt_deg,inclination_deg,sitting_s\n");
}

static void sample_write(Context *c, int64_t t_us, const struct psoas_state *state) {
        char *p = writer_reserve(c->out);
        unsigned posture = (unsigned)state->posture < _PSOAS_POSTURE_MAX ? (unsigned)state->posture : 0;

        /* The input's time, not state->t_us: a sample the engine rejected still gets its row. */
        p += csv_format_time(p, t_us);
        *p++ = ',';
        memcpy(p, c->posture_names[posture], sizeof(c->posture_names[posture]));
        p += c->posture_name_lengths[posture];
        *p++ = ',';
        p = format_fixed(p, state->tilt_deg, 2);
        *p++ = ',';
        p = format_fixed(p, state->inclination_deg, 2);
        *p++ = ',';
        p = format_fixed(p, state->today.sitting_s, 2);
        if (c->quat)
                for (unsigned i = 0; i < 4; i++) {
                        *p++ = ',';
                        p = format_fixed(p, state->quat[i], 6);
                }
        *p++ = '\n';
        writer_commit(c->out, p);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Summary */

static void day_stats_add(struct psoas_day_stats *sum, const struct psoas_day_stats *d) {
        sum->sitting_s += d->sitting_s;
        sum->standing_s += d->standing_s;
        sum->walking_s += d->walking_s;
        sum->lying_s += d->lying_s;
        sum->unknown_s += d->unknown_s;
        sum->sitting_bouts += d->sitting_bouts;
        sum->longest_bout_s = MAX(sum->longest_bout_s, d->longest_bout_s);
        sum->alerts += d->alerts;
        sum->breaks += d->breaks;
        sum->stretches_verified += d->stretches_verified;
        sum->stretches_self_reported += d->stretches_self_reported;
        sum->tilt_sum_deg_s += d->tilt_sum_deg_s;
        sum->tilt_s += d->tilt_s;
        sum->high_tilt_s += d->high_tilt_s;
        for (size_t i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                sum->tilt_hist_s[i] += d->tilt_hist_s[i];
}

static const char *calibration_requested(const Context *c) {
        static const char *const names[] = {
                [CALIBRATE_NONE] = "none",
                [CALIBRATE_WINDOW] = "window",
                [CALIBRATE_FIRST] = "first",
                [CALIBRATE_AUTO] = "auto",
        };

        return names[c->calibrate];
}

static const char *calibration_status(const Context *c) {
        static const char *const names[] = {
                [CALIBRATION_NOT_REQUESTED] = "not-requested",
                [CALIBRATION_PENDING] = "not-finished",
                [CALIBRATION_OK] = "ok",
                [CALIBRATION_FAILED] = "failed",
        };

        return names[c->calibration];
}

static const char *forward_status(const Context *c, const struct psoas_state *state) {
        if (c->config.forward_known)
                return "configured";
        if (c->forward_learned || state->forward_known)
                return "learned";
        return "unknown";
}

static const char *calibration_words(const Context *c, char *buf, size_t size) {
        char t[32];

        switch (c->calibration) {
        case CALIBRATION_NOT_REQUESTED:
                return "not requested";
        case CALIBRATION_PENDING:
                return c->calibrate == CALIBRATE_AUTO
                        ? "not finished: the recording ended while calibrating"
                        : "not finished: the recording ended inside the window";
        case CALIBRATION_OK:
                format_fixed(t, us_to_s(c->calibration_t_us), 3)[0] = '\0';
                snprintf(buf, size, "done at %s s, neutral inclination %.1f°", t,
                        (double)c->neutral_inclination_deg);
                return buf;
        case CALIBRATION_FAILED:
                format_fixed(t, us_to_s(c->calibration_t_us), 3)[0] = '\0';
                snprintf(buf, size, "failed at %s s: %s", t, calibration_error_words(c->calibration_error));
                return buf;
        }
        return "";
}

#define LABEL "%-20s"

static void summary_write_text(
        Context *c, const struct psoas_state *state, const struct psoas_day_stats *total) {
        Writer *w = c->out;
        double posture_total =
                total->standing_s + total->sitting_s + total->walking_s + total->lying_s + total->unknown_s;
        const struct {
                const char *name;
                double s;
        } postures[] = {
                { "Standing", total->standing_s },
                { "Sitting", total->sitting_s },
                { "Walking", total->walking_s },
                { "Lying", total->lying_s },
                { "Unknown", total->unknown_s },
        };
        char a[64], b[64], buf[256];
        double duration = us_to_s(c->last_t_us - c->first_t_us);

        writer_printf(w, LABEL "%s\n", "Input", csv_reader_name(c->reader));
        writer_printf(w, LABEL "%" PRIu64 " samples over %s", "Samples", c->n_samples,
                format_duration(a, sizeof(a), duration));
        if (c->n_samples > 1 && duration > 0)
                writer_printf(w, " (%.1f Hz)", (double)(c->n_samples - 1) / duration);
        writer_puts(w, "\n");
        if (c->has_start)
                writer_printf(w, LABEL "%s to %s (%u day%s)\n", "Time",
                        format_local(a, sizeof(a), psoas_engine_local_time(c->engine, c->first_t_us)),
                        format_local(b, sizeof(b), psoas_engine_local_time(c->engine, c->last_t_us)),
                        c->n_days, c->n_days == 1 ? "" : "s");
        writer_printf(w, LABEL "%s\n", "Gyroscope",
                c->has_gyro                              ? "used"
                        : csv_reader_has_gyro(c->reader) ? "ignored (--no-gyro)"
                                                         : "none in the input");
        writer_printf(w, LABEL "%s\n", "Calibration", calibration_words(c, buf, sizeof(buf)));
        writer_printf(w, LABEL "%s\n", "Forward direction", forward_status(c, state));

        for (size_t i = 0; i < ELEMENTSOF(postures); i++)
                writer_printf(w, LABEL "%-14s %5.1f %%\n", postures[i].name,
                        format_duration(a, sizeof(a), postures[i].s),
                        posture_total > 0 ? 100.0 * postures[i].s / posture_total : 0.0);
        writer_printf(w, LABEL "%" PRIu64 "\n", "Posture changes", c->n_posture_changes);

        writer_printf(w, LABEL "%u", "Sitting bouts", (unsigned)total->sitting_bouts);
        if (total->sitting_bouts > 0)
                writer_printf(w, ", the longest %s", format_duration(a, sizeof(a), total->longest_bout_s));
        writer_puts(w, "\n");
        writer_printf(w, LABEL "%u\n", "Breaks", (unsigned)total->breaks);
        writer_printf(w, LABEL "%" PRIu64 " sitting, %" PRIu64 " tilt\n", "Alerts",
                c->n_alerts[PSOAS_ALERT_SITTING], c->n_alerts[PSOAS_ALERT_TILT]);
        writer_printf(w, LABEL "%" PRIu64 "\n", "Stretch prompts", c->n_prompts);
        writer_printf(w, LABEL "%u verified, %u self-reported\n", "Stretches done",
                (unsigned)total->stretches_verified, (unsigned)total->stretches_self_reported);

        if (total->tilt_s > 0)
                writer_printf(w,
                        LABEL "mean %.1f°, median %.1f°, 90th percentile %.1f°; %s at or above %.0f°\n",
                        "Standing tilt", psoas_day_stats_tilt_mean(total),
                        psoas_day_stats_tilt_percentile(total, 50),
                        psoas_day_stats_tilt_percentile(total, 90),
                        format_duration(a, sizeof(a), total->high_tilt_s), (double)c->config.tilt_alert_deg);
        else
                writer_printf(w, LABEL "%s\n", "Standing tilt",
                        state->calibrated ? "none recorded" : "unknown (not calibrated)");

        writer_printf(w, LABEL "%" PRIu64 "\n", "Samples rejected", state->samples_rejected);
        if (state->events_dropped > 0)
                writer_printf(w, LABEL "%" PRIu64 "\n", "Events dropped", state->events_dropped);
}

static void summary_write_json(
        Context *c, const struct psoas_state *state, const struct psoas_day_stats *total) {
        Writer *w = c->out;

        writer_puts(w, "{\n  \"input\": ");
        writer_json_string(w, csv_reader_name(c->reader));
        writer_printf(w, ",\n  \"samples\": %" PRIu64, c->n_samples);
        writer_puts(w, ",\n  \"first_t\": ");
        writer_json_number(w, us_to_s(c->first_t_us), 6);
        writer_puts(w, ",\n  \"last_t\": ");
        writer_json_number(w, us_to_s(c->last_t_us), 6);
        writer_puts(w, ",\n  \"duration_s\": ");
        writer_json_number(w, us_to_s(c->last_t_us - c->first_t_us), 6);
        writer_printf(w, ",\n  \"days\": %u", c->has_start ? c->n_days : 1);
        writer_printf(w, ",\n  \"gyro\": %s", c->has_gyro ? "true" : "false");

        writer_puts(w, ",\n  \"calibration\": {\"requested\": ");
        writer_json_string(w, calibration_requested(c));
        writer_puts(w, ", \"status\": ");
        writer_json_string(w, calibration_status(c));
        writer_printf(w, ", \"ok\": %s", c->calibration == CALIBRATION_OK ? "true" : "false");
        writer_puts(w, ", \"t\": ");
        if (c->calibration == CALIBRATION_OK || c->calibration == CALIBRATION_FAILED)
                writer_json_number(w, us_to_s(c->calibration_t_us), 6);
        else
                writer_puts(w, "null");
        writer_puts(w, ", \"error\": ");
        if (c->calibration == CALIBRATION_FAILED)
                writer_json_string(w, calibration_error_code(c->calibration_error));
        else
                writer_puts(w, "null");
        writer_puts(w, ", \"message\": ");
        if (c->calibration == CALIBRATION_FAILED)
                writer_json_string(w, calibration_error_words(c->calibration_error));
        else
                writer_puts(w, "null");
        writer_puts(w, ", \"neutral_inclination_deg\": ");
        if (c->calibration == CALIBRATION_OK)
                writer_json_number(w, c->neutral_inclination_deg, 2);
        else
                writer_puts(w, "null");
        writer_puts(w, "}");

        writer_puts(w, ",\n  \"forward\": ");
        writer_json_string(w, forward_status(c, state));

        writer_puts(w, ",\n  \"posture_s\": {\"standing\": ");
        writer_json_number(w, total->standing_s, 3);
        writer_puts(w, ", \"sitting\": ");
        writer_json_number(w, total->sitting_s, 3);
        writer_puts(w, ", \"walking\": ");
        writer_json_number(w, total->walking_s, 3);
        writer_puts(w, ", \"lying\": ");
        writer_json_number(w, total->lying_s, 3);
        writer_puts(w, ", \"unknown\": ");
        writer_json_number(w, total->unknown_s, 3);
        writer_puts(w, "}");
        writer_printf(w, ",\n  \"posture_changes\": %" PRIu64, c->n_posture_changes);

        writer_printf(w,
                ",\n  \"sitting_bouts\": {\"count\": %u, \"longest_s\": ", (unsigned)total->sitting_bouts);
        writer_json_number(w, total->longest_bout_s, 3);
        writer_puts(w, "}");
        writer_printf(w, ",\n  \"breaks\": %u", (unsigned)total->breaks);
        writer_printf(w,
                ",\n  \"alerts\": {\"sitting\": %" PRIu64 ", \"tilt\": %" PRIu64 ", \"total\": %" PRIu64 "}",
                c->n_alerts[PSOAS_ALERT_SITTING], c->n_alerts[PSOAS_ALERT_TILT],
                c->n_alerts[PSOAS_ALERT_SITTING] + c->n_alerts[PSOAS_ALERT_TILT]);
        writer_printf(w, ",\n  \"stretch_prompts\": %" PRIu64, c->n_prompts);
        writer_printf(w, ",\n  \"stretches_verified\": %u", (unsigned)total->stretches_verified);
        writer_printf(w, ",\n  \"stretches_self_reported\": %u", (unsigned)total->stretches_self_reported);

        writer_puts(w, ",\n  \"tilt\": ");
        if (total->tilt_s > 0) {
                writer_puts(w, "{\"mean_deg\": ");
                writer_json_number(w, psoas_day_stats_tilt_mean(total), 2);
                writer_puts(w, ", \"median_deg\": ");
                writer_json_number(w, psoas_day_stats_tilt_percentile(total, 50), 2);
                writer_puts(w, ", \"p90_deg\": ");
                writer_json_number(w, psoas_day_stats_tilt_percentile(total, 90), 2);
                writer_puts(w, ", \"standing_s\": ");
                writer_json_number(w, total->tilt_s, 3);
                writer_puts(w, ", \"high_s\": ");
                writer_json_number(w, total->high_tilt_s, 3);
                writer_puts(w, "}");
        } else
                writer_puts(w, "null");

        writer_printf(w, ",\n  \"samples_rejected\": %" PRIu64, state->samples_rejected);
        writer_printf(w, ",\n  \"events_dropped\": %" PRIu64, state->events_dropped);
        writer_puts(w, "\n}\n");
}

/* ------------------------------------------------------------------------------------------------------- */
/* Running */

static void context_warn_rejected(Context *c, const CsvRecord *rec) {
        c->rejected_warnings++;
        if (c->rejected_warnings <= REJECT_WARNINGS_MAX)
                fprintf(stderr,
                        "%s:%lu: warning: the engine rejected this sample (beyond 16 g or 35 rad/s)%s\n",
                        csv_reader_name(c->reader), rec->line,
                        c->rejected_warnings == REJECT_WARNINGS_MAX ? "; not saying so again" : "");
}

/* What the first sample settles: the gyro, the wall clock, the calibration window. Returns an exit status. */
static int context_start(Context *c, const CsvRecord *first) {
        int r = 0;

        c->first_t_us = first->t_us;
        c->has_gyro = csv_reader_has_gyro(c->reader) && !c->no_gyro;

        if (c->has_start)
                psoas_engine_set_clock(c->engine, first->t_us, c->start_local_us);

        switch (c->calibrate) {
        case CALIBRATE_NONE:
                return EX_OK;
        case CALIBRATE_WINDOW:
                r = psoas_engine_calibrate_window(c->engine, c->calibrate_start_us, c->calibrate_end_us);
                break;
        case CALIBRATE_FIRST:
                r = psoas_engine_calibrate_window(
                        c->engine, first->t_us, first->t_us + c->calibrate_first_us);
                break;
        case CALIBRATE_AUTO:
                r = psoas_engine_calibrate(c->engine);
                break;
        }
        if (r < 0) {
                log_error("the engine refused the calibration: %s", strerror(-r));
                return EX_USAGE;
        }
        c->calibration = CALIBRATION_PENDING;
        return EX_OK;
}

static void context_check_day(Context *c, int64_t t_us) {
        int32_t day = (int32_t)floor_div(psoas_engine_local_time(c->engine, t_us), US_PER_DAY);

        if (c->has_day && day == c->day)
                return;
        /* Feeding this sample will start a new day in the engine and reset its totals: keep the old day's. */
        if (c->has_day)
                day_stats_add(&c->finished, &psoas_engine_get_state(c->engine)->today);
        c->has_day = true;
        c->day = day;
        c->n_days++;
}

static void context_warn_calibration(const Context *c) {
        char buf[256];

        if (c->calibration == CALIBRATION_FAILED || c->calibration == CALIBRATION_PENDING)
                log_error("warning: calibration %s", calibration_words(c, buf, sizeof(buf)));
        else if (c->calibration == CALIBRATION_NOT_REQUESTED)
                /* The engine classifies postures relative to the calibrated neutral: without one, the whole
                 * recording is "unknown", which looks like a broken engine unless we say why. */
                log_error("warning: no calibration requested, and postures and tilt need one "
                          "(--calibrate, --calibrate-first or --calibrate-auto)");
}

static int context_finish_output(Context *c) {
        const struct psoas_state *state = psoas_engine_get_state(c->engine);
        struct psoas_day_stats total = c->finished;

        day_stats_add(&total, &state->today);

        switch (c->output) {
        case OUTPUT_SUMMARY:
                if (c->json)
                        summary_write_json(c, state, &total);
                else
                        summary_write_text(c, state, &total);
                break;
        case OUTPUT_EVENTS:
                if (c->json)
                        writer_puts(c->out, c->n_events_written > 0 ? "\n]\n" : "]\n");
                break;
        case OUTPUT_SAMPLES:
                break;
        }
        return writer_flush(c->out);
}

/* A calibration on a seated wearer would swap sitting and standing for the whole recording: stop, keep what
 * was written, and say which window it was. */
static int context_refuse_calibration(Context *c) {
        char a[32], b[32];

        (void)writer_flush(c->out);
        switch (c->calibrate) {
        case CALIBRATE_WINDOW:
                format_fixed(a, us_to_s(c->calibrate_start_us), 3)[0] = '\0';
                format_fixed(b, us_to_s(c->calibrate_end_us), 3)[0] = '\0';
                log_error("%s: --calibrate %s,%s refused: %s; choose a window in which the wearer stands",
                        csv_reader_name(c->reader), a, b,
                        calibration_error_words(PSOAS_CALIBRATION_NOT_STANDING));
                break;
        case CALIBRATE_FIRST:
                format_fixed(a, us_to_s(c->calibrate_first_us), 3)[0] = '\0';
                log_error("%s: --calibrate-first %s refused: %s; choose a window in which the wearer stands",
                        csv_reader_name(c->reader), a,
                        calibration_error_words(PSOAS_CALIBRATION_NOT_STANDING));
                break;
        default:
                log_error("%s: calibration refused at %.3f s: %s", csv_reader_name(c->reader),
                        us_to_s(c->calibration_t_us),
                        calibration_error_words(PSOAS_CALIBRATION_NOT_STANDING));
                break;
        }
        return EX_DATAERR;
}

/* Feeds one record to the engine and writes what comes of it. Returns an exit status. */
static int context_feed(Context *c, const CsvRecord *rec) {
        struct psoas_sample sample;
        int r;

        if (c->n_samples == 0) {
                r = context_start(c, rec);
                if (r != EX_OK)
                        return r;
        }
        if (c->has_start)
                context_check_day(c, rec->t_us);

        sample = (struct psoas_sample){
                .t_us = rec->t_us,
                .accel = { rec->accel[0], rec->accel[1], rec->accel[2] },
                .gyro = { rec->gyro[0], rec->gyro[1], rec->gyro[2] },
                .has_gyro = c->has_gyro,
        };
        r = psoas_engine_feed(c->engine, &sample);
        if (r == -EINVAL)
                context_warn_rejected(c, rec);
        else if (r < 0) {
                /* The reader already guarantees increasing time and finite values. */
                (void)writer_flush(c->out);
                log_error("%s:%lu: the engine failed on this sample: %s", csv_reader_name(c->reader),
                        rec->line, strerror(-r));
                return EX_SOFTWARE;
        }
        c->n_samples++;
        c->last_t_us = rec->t_us;

        context_drain_events(c);
        if (c->output == OUTPUT_SAMPLES)
                sample_write(c, rec->t_us, psoas_engine_get_state(c->engine));
        if (c->calibration == CALIBRATION_FAILED && c->calibration_error == PSOAS_CALIBRATION_NOT_STANDING)
                return context_refuse_calibration(c);
        return EX_OK;
}

/* Returns an exit status. */
static int context_run(Context *c) {
        _cleanup_(reader_thread_freep) ReaderThread *thread = NULL;
        const char *field = NULL;
        int r, k;

        r = psoas_config_validate(&c->config, &field);
        if (r < 0) {
                for (size_t i = 0; i < c->n_bindings; i++)
                        if (field && strcmp(field, c->bindings[i].field) == 0) {
                                double min, max;

                                if (r == -ERANGE && c->bindings[i].key &&
                                        engine_key_range(c->bindings[i].key, &min, &max) >= 0)
                                        log_error("--%s %s: out of range: %g to %g %s",
                                                c->bindings[i].option, c->bindings[i].arg, min, max,
                                                c->bindings[i].key->unit);
                                else
                                        log_error("--%s '%s': %s", c->bindings[i].option, c->bindings[i].arg,
                                                r == -ERANGE ? "out of range" : "invalid");
                                return EX_USAGE;
                        }
                log_error("invalid configuration: %s", field ? field : strerror(-r));
                return EX_USAGE;
        }

        r = csv_reader_open(c->input, &c->reader);
        if (r < 0) {
                log_error("cannot open %s: %s", c->input, strerror(-r));
                return EX_NOINPUT;
        }
        /* A recording in g, °/s or milliseconds is refused, unless --units says so and it is converted. */
        r = csv_reader_set_units(c->reader, &c->units, true);
        if (r < 0) {
                log_error("cannot read %s: %s", c->input, strerror(-r));
                return EX_SOFTWARE;
        }

        r = psoas_engine_new(&c->config, &c->engine);
        if (r < 0) {
                log_error("cannot create the engine: %s", strerror(-r));
                return r == -ENOMEM ? EX_OSERR : EX_SOFTWARE;
        }
        r = psoas_engine_set_places(
                c->engine, PSOAS_PLACE_DESK | (c->floor_exercises ? (uint32_t)PSOAS_PLACE_FLOOR : 0u));
        if (r >= 0 && c->only_stretch)
                r = psoas_engine_set_catalog(c->engine, c->only_catalog, 1);
        if (r < 0) {
                log_error("cannot set up the stretches: %s", strerror(-r));
                return EX_SOFTWARE;
        }
        c->catalog = psoas_engine_get_catalog(c->engine, &c->n_catalog);
        for (int p = 0; p < _PSOAS_POSTURE_MAX; p++) {
                const char *name = posture_name((enum psoas_posture)p);

                c->posture_name_lengths[p] = MIN(strlen(name), sizeof(c->posture_names[p]) - 1);
                memcpy(c->posture_names[p], name, c->posture_name_lengths[p]);
        }

        if (writer_new(STDOUT_FILENO, &c->out) < 0) {
                log_error("out of memory");
                return EX_OSERR;
        }

        if (c->output == OUTPUT_SAMPLES)
                samples_write_header(c);
        else if (c->output == OUTPUT_EVENTS && c->json)
                writer_puts(c->out, "[");

        r = reader_thread_start(c->reader, &thread);
        if (r < 0) {
                log_error("cannot start the reader thread: %s", strerror(-r));
                return EX_OSERR;
        }

        for (;;) {
                const CsvRecord *records;
                size_t n;

                k = reader_thread_next(thread, &records, &n);
                for (size_t i = 0; i < n; i++) {
                        r = context_feed(c, &records[i]);
                        if (r != EX_OK)
                                return r;
                        if (writer_error(c->out) < 0)
                                break;
                }
                if (k <= 0 || writer_error(c->out) < 0)
                        break;
        }
        if (k < 0) {
                /* What came before the bad line was analysed and written: keep it, stop here. */
                (void)writer_flush(c->out);
                if (k == -EBADMSG) {
                        fprintf(stderr, "%s\n", csv_reader_error(c->reader));
                        return EX_DATAERR;
                }
                log_error("cannot read %s: %s", csv_reader_name(c->reader), strerror(-k));
                return EX_IOERR;
        }

        if (writer_error(c->out) == 0 && c->n_samples == 0) {
                (void)writer_flush(c->out);
                fprintf(stderr, "%s: no samples\n", csv_reader_name(c->reader));
                return EX_DATAERR;
        }

        r = context_finish_output(c);
        if (r < 0) {
                log_error("cannot write the output: %s", strerror(-r));
                return EX_IOERR;
        }
        context_warn_calibration(c);
        return EX_OK;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Options */

static void help(void) {
        printf("Usage: %s [OPTIONS] FILE\n"
               "\n"
               "Runs the psoas posture engine over a recording: CSV t,ax,ay,az[,gx,gy,gz]\n"
               "(seconds, m/s², rad/s), header optional. FILE may be - for standard input.\n"
               "A recording that looks like g, °/s or milliseconds is refused; --units converts it.\n"
               "\n"
               "Input:\n"
               "      --units=LIST           the file's units, e.g. g,deg/s,ms: m/s2 or g, rad/s or\n"
               "                             deg/s, s, ms or us (those not given are m/s2, rad/s, s)\n"
               "\n"
               "Output:\n"
               "  -o, --output=summary|samples|events  what to print (default: summary)\n"
               "  -j, --json                 JSON instead of words (summary, events)\n"
               "      --quat                 add qw,qx,qy,qz to the samples output\n"
               "\n"
               "Calibration (the neutral standing posture), in the file's seconds:\n"
               "      --calibrate=START,END  on the samples from START to END\n"
               "      --calibrate-first=SECONDS  on the first SECONDS of the recording\n"
               "      --calibrate-auto       on the first stillness, as psoasd does\n"
               "\n"
               "Engine:\n"
               "      --no-gyro              ignore the gyroscope columns\n"
               "      --forward=X,Y,Z        the wearer's forward direction in the sensor's frame\n",
                "psoas-analyze");
        for (size_t i = 0; i < engine_keys_count; i++) {
                char option[64];

                if (!engine_keys[i].option)
                        continue;
                snprintf(option, sizeof(option), "--%s=%s", engine_keys[i].option, engine_keys[i].metavar);
                printf("      %-23s%s\n", option, engine_keys[i].help);
        }
        printf("      --start=YYYY-MM-DDTHH:MM[:SS]  local time of the first sample:\n"
               "                             days and quiet hours then follow the wall clock\n"
               "      --quiet-hours=HH:MM-HH:MM  no alerts then (needs --start)\n"
               "      --floor-exercises      prompt floor exercises too (by default only stretches\n"
               "                             done by the desk)\n"
               "      --stretch=ID           prompt only this stretch of the catalog, after any alert\n"
               "\n"
               "  -h, --help                 show this help\n"
               "      --version              show the version\n"
               "\n"
               "Exit status: 0 done, 64 usage error, 65 bad data, 66 cannot open the input,\n"
               "70 internal error, 71 out of memory, 74 I/O error. See psoas-analyze(1).\n");
}

/* Remembers that option (without its dashes, given arg; key: one of engine_keys[], or NULL) set field. */
static void context_bind(
        Context *c, const char *field, const char *option, const char *arg, const EngineKey *key) {
        for (size_t i = 0; i < c->n_bindings; i++)
                if (strcmp(c->bindings[i].field, field) == 0) {
                        c->bindings[i].option = option;
                        c->bindings[i].arg = arg;
                        c->bindings[i].key = key;
                        return;
                }
        if (c->n_bindings < ELEMENTSOF(c->bindings))
                c->bindings[c->n_bindings++] = (typeof(c->bindings[0])){ field, option, arg, key };
}

/* An engine setting's option, in the data's number syntax and the key's unit. Its range is checked when the
 * whole configuration is, and then said in that unit. */
static int parse_engine_key(Context *c, const EngineKey *key, const char *arg) {
        double v;

        if (csv_parse_double(arg, &v) < 0) {
                log_error("--%s '%s': not a number of %s", key->option, arg, key->unit);
                return -EINVAL;
        }
        engine_key_set(key, &c->config, v);
        context_bind(c, key->field, key->option, arg, key);
        return 0;
}

/* "X,Y,Z": three numbers separated by commas. */
static int parse_vector(const char *arg, double ret[3]) {
        _cleanup_free_ char *copy = strdup(arg);
        double v[3];
        char *p;

        if (!copy)
                return -ENOMEM;
        p = copy;
        for (size_t i = 0; i < 3; i++) {
                char *comma = strchr(p, ',');

                if ((comma != NULL) != (i < 2))
                        return -EINVAL;
                if (comma)
                        *comma = '\0';
                if (csv_parse_double(p, &v[i]) < 0)
                        return -EINVAL;
                if (comma)
                        p = comma + 1;
        }

        memcpy(ret, v, sizeof(v));
        return 0;
}

static int parse_calibrate_window(const char *arg, int64_t *ret_start, int64_t *ret_end) {
        _cleanup_free_ char *copy = strdup(arg);
        int64_t start, end;
        char *comma;

        if (!copy)
                return -ENOMEM;
        comma = strchr(copy, ',');
        if (!comma)
                return -EINVAL;
        *comma = '\0';
        if (csv_parse_time_us(copy, &start) < 0 || csv_parse_time_us(comma + 1, &end) < 0)
                return -EINVAL;
        if (start >= end)
                return -ERANGE;

        *ret_start = start;
        *ret_end = end;
        return 0;
}

/* YYYY-MM-DD(T| )HH:MM[:SS] → µs since the epoch, as if the local time were UTC (psoas_engine_set_clock()). */
static int parse_local_time(const char *s, int64_t *ret_us) {
        unsigned y, mo, d, h, mi, sec = 0;
        int n = 0, n2 = 0;
        int64_t days;
        char sep;

        if (sscanf(s, "%4u-%2u-%2u%c%2u:%2u%n", &y, &mo, &d, &sep, &h, &mi, &n) != 6)
                return -EINVAL;
        if (s[n] == ':') {
                if (sscanf(s + n, ":%2u%n", &sec, &n2) != 1)
                        return -EINVAL;
                n += n2;
        }
        /* No 2023-02-30. */
        if (s[n] != '\0' || (sep != 'T' && sep != ' ') || !calendar_date_valid(y, mo, d) || h > 23 ||
                mi > 59 || sec > 59)
                return -EINVAL;
        days = calendar_days_from_date(y, mo, d);

        *ret_us = ((days * 24 + h) * 60 + mi) * 60 * US_PER_S + (int64_t)sec * US_PER_S;
        return 0;
}

static int parse_quiet_hours(const char *s, int32_t *ret_start, int32_t *ret_end) {
        unsigned h1, m1, h2, m2;
        int n = 0;

        if (sscanf(s, "%2u:%2u-%2u:%2u%n", &h1, &m1, &h2, &m2, &n) != 4 || s[n] != '\0' || h1 > 23 ||
                h2 > 23 || m1 > 59 || m2 > 59)
                return -EINVAL;
        *ret_start = (int32_t)(h1 * 60 + m1);
        *ret_end = (int32_t)(h2 * 60 + m2);
        return 0;
}

static int parse_output(const char *s, OutputMode *ret) {
        static const char *const names[] = {
                [OUTPUT_SUMMARY] = "summary",
                [OUTPUT_SAMPLES] = "samples",
                [OUTPUT_EVENTS] = "events",
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(s, names[i]) == 0) {
                        *ret = (OutputMode)i;
                        return 0;
                }
        return -EINVAL;
}

/* Returns 1 to run, 0 to exit successfully (--help, --version), or -EINVAL after saying what is wrong. */
static int parse_argv(Context *c, int argc, char **argv) {
        enum {
                ARG_VERSION = 0x100,
                ARG_QUAT,
                ARG_NO_GYRO,
                ARG_CALIBRATE,
                ARG_CALIBRATE_FIRST,
                ARG_CALIBRATE_AUTO,
                ARG_FORWARD,
                ARG_START,
                ARG_QUIET_HOURS,
                ARG_UNITS,
                ARG_FLOOR_EXERCISES,
                ARG_STRETCH,
                /* ARG_ENGINE_KEY + i: engine_keys[i].option */
                ARG_ENGINE_KEY,
        };
        static const struct option fixed_options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "output", required_argument, NULL, 'o' },
                { "json", no_argument, NULL, 'j' },
                { "quat", no_argument, NULL, ARG_QUAT },
                { "no-gyro", no_argument, NULL, ARG_NO_GYRO },
                { "calibrate", required_argument, NULL, ARG_CALIBRATE },
                { "calibrate-first", required_argument, NULL, ARG_CALIBRATE_FIRST },
                { "calibrate-auto", no_argument, NULL, ARG_CALIBRATE_AUTO },
                { "forward", required_argument, NULL, ARG_FORWARD },
                { "start", required_argument, NULL, ARG_START },
                { "quiet-hours", required_argument, NULL, ARG_QUIET_HOURS },
                { "units", required_argument, NULL, ARG_UNITS },
                { "floor-exercises", no_argument, NULL, ARG_FLOOR_EXERCISES },
                { "stretch", required_argument, NULL, ARG_STRETCH },
        };
        struct option options[ELEMENTSOF(fixed_options) + 16 + 1] = {};
        size_t n_options = ELEMENTSOF(fixed_options);
        unsigned n_calibrate = 0;
        const char *quiet_hours = NULL;
        double v[3];
        int opt, r;

        memcpy(options, fixed_options, sizeof(fixed_options));
        for (size_t i = 0; i < engine_keys_count; i++)
                if (engine_keys[i].option && n_options < ELEMENTSOF(options) - 1)
                        options[n_options++] = (struct option){ engine_keys[i].option, required_argument,
                                NULL, ARG_ENGINE_KEY + (int)i };

        while ((opt = getopt_long(argc, argv, "ho:j", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("psoas-analyze %s (libpsoas %s)\n", PACKAGE_VERSION, psoas_version());
                        return 0;
                case 'o':
                        if (parse_output(optarg, &c->output) < 0) {
                                log_error("--output '%s': expected summary, samples or events", optarg);
                                return -EINVAL;
                        }
                        break;
                case 'j':
                        c->json = true;
                        break;
                case ARG_QUAT:
                        c->quat = true;
                        break;
                case ARG_NO_GYRO:
                        c->no_gyro = true;
                        c->config.use_gyro = false;
                        break;
                case ARG_CALIBRATE:
                        r = parse_calibrate_window(optarg, &c->calibrate_start_us, &c->calibrate_end_us);
                        if (r < 0) {
                                log_error(
                                        "--calibrate '%s': expected START,END in seconds, START before END, "
                                        "e.g. --calibrate 10,15",
                                        optarg);
                                return -EINVAL;
                        }
                        c->calibrate = CALIBRATE_WINDOW;
                        n_calibrate++;
                        break;
                case ARG_CALIBRATE_FIRST:
                        if (csv_parse_time_us(optarg, &c->calibrate_first_us) < 0 ||
                                c->calibrate_first_us <= 0) {
                                log_error("--calibrate-first '%s': expected a positive number of seconds, "
                                          "e.g. --calibrate-first 5",
                                        optarg);
                                return -EINVAL;
                        }
                        c->calibrate = CALIBRATE_FIRST;
                        n_calibrate++;
                        break;
                case ARG_CALIBRATE_AUTO:
                        c->calibrate = CALIBRATE_AUTO;
                        n_calibrate++;
                        break;
                case ARG_FORWARD:
                        if (parse_vector(optarg, v) < 0 || (v[0] == 0 && v[1] == 0 && v[2] == 0)) {
                                log_error(
                                        "--forward '%s': expected X,Y,Z, a direction in the sensor's frame, "
                                        "e.g. --forward 1,0,0",
                                        optarg);
                                return -EINVAL;
                        }
                        c->config.forward_known = true;
                        for (size_t i = 0; i < 3; i++)
                                c->config.forward[i] = (float)v[i];
                        context_bind(c, "forward", "forward", optarg, NULL);
                        break;
                case ARG_FLOOR_EXERCISES:
                        c->floor_exercises = true;
                        break;
                case ARG_STRETCH: {
                        size_t n;
                        const struct psoas_stretch *def = psoas_stretch_default_catalog(&n);

                        c->only_stretch = NULL;
                        for (size_t i = 0; i < n && !c->only_stretch; i++)
                                if (streq(def[i].id, optarg)) {
                                        c->only_stretch = def[i].id;
                                        c->only_catalog[0] = def[i];
                                }
                        if (!c->only_stretch) {
                                log_error("--stretch '%s': no such stretch in the catalog", optarg);
                                return -EINVAL;
                        }
                        /* Prompted after any alert, wherever it is done. */
                        c->only_catalog[0].targets |= PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_GLUTES;
                        c->floor_exercises = true;
                        break;
                }
                case ARG_START:
                        if (parse_local_time(optarg, &c->start_local_us) < 0) {
                                log_error("--start '%s': expected a local date and time, e.g. "
                                          "--start 2024-05-01T08:30:00",
                                        optarg);
                                return -EINVAL;
                        }
                        c->has_start = true;
                        break;
                case ARG_QUIET_HOURS:
                        if (parse_quiet_hours(optarg, &c->config.quiet_start_min, &c->config.quiet_end_min) <
                                0) {
                                log_error("--quiet-hours '%s': expected HH:MM-HH:MM, e.g. --quiet-hours "
                                          "22:00-07:00",
                                        optarg);
                                return -EINVAL;
                        }
                        quiet_hours = optarg;
                        context_bind(c, "quiet_start_min", "quiet-hours", optarg, NULL);
                        context_bind(c, "quiet_end_min", "quiet-hours", optarg, NULL);
                        break;
                case ARG_UNITS: {
                        char why[256];

                        if (csv_units_parse(optarg, &c->units, why, sizeof(why)) < 0) {
                                log_error("--units '%s': %s", optarg, why);
                                return -EINVAL;
                        }
                        break;
                }
                case '?':
                        return -EINVAL; /* getopt_long() said what */
                default:
                        if (opt >= ARG_ENGINE_KEY && (size_t)(opt - ARG_ENGINE_KEY) < engine_keys_count) {
                                if (parse_engine_key(c, &engine_keys[opt - ARG_ENGINE_KEY], optarg) < 0)
                                        return -EINVAL;
                                break;
                        }
                        return -EINVAL;
                }

        if (optind >= argc) {
                log_error("no input: give a FILE, or - for standard input (see --help)");
                return -EINVAL;
        }
        if (optind + 1 < argc) {
                log_error("one input at a time, not '%s' as well", argv[optind + 1]);
                return -EINVAL;
        }
        c->input = argv[optind];

        if (n_calibrate > 1) {
                log_error("--calibrate, --calibrate-first and --calibrate-auto exclude one another");
                return -EINVAL;
        }
        if (c->json && c->output == OUTPUT_SAMPLES) {
                log_error("--json is for the summary and events outputs; samples are CSV");
                return -EINVAL;
        }
        if (c->quat && c->output != OUTPUT_SAMPLES) {
                log_error("--quat adds columns to --output samples only");
                return -EINVAL;
        }
        if (quiet_hours && !c->has_start) {
                log_error("--quiet-hours needs --start: without a wall clock there are no hours");
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char **argv) {
        _cleanup_(context_freep) Context *c = NULL;
        int r;

        log_setup("psoas-analyze", false);
        c = calloc(1, sizeof(*c));
        if (!c) {
                log_error("out of memory");
                return EX_OSERR;
        }
        psoas_config_init(&c->config);
        c->units = CSV_UNITS_SI;

        r = parse_argv(c, argc, argv);
        if (r <= 0)
                return r < 0 ? EX_USAGE : EX_OK;

        return context_run(c);
}
