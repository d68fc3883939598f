/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the engine says, as psoas-analyze writes it: events (words or JSON lines) and samples (CSV). */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "calendar.h"
#include "duration.h"
#include "format-number.h"
#include "macro.h"

/* ------------------------------------------------------------------------------------------------------- */
/* Durations */

/* "2 h 05 min", "12 min 30 s", "42 s", "0.4 s": rounded down to the unit shown, as every duration psoas shows
 * (common/duration.h), so that a bout psoasd calls "41 min" is "41 min 59 s" here, never "42 min 00 s". */
const char *format_duration(char *buf, size_t size, double s) {
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

/* ------------------------------------------------------------------------------------------------------- */
/* Events */

static const char *stretch_title(const Context *c, uint32_t index) {
        const struct psoas_stretch *s = index < c->n_catalog ? psoas_stretch_at(c->catalog, index) : NULL;

        return s && s->title ? s->title : "unknown stretch";
}

static const char *stretch_id(const Context *c, uint32_t index) {
        const struct psoas_stretch *s = index < c->n_catalog ? psoas_stretch_at(c->catalog, index) : NULL;

        return s && s->id ? s->id : "unknown";
}

const char *posture_name(enum psoas_posture p) {
        const char *s = psoas_posture_to_string(p);

        return s ? s : "unknown";
}

const char *calibration_error_code(enum psoas_calibration_error e) {
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

const char *calibration_error_words(enum psoas_calibration_error e) {
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
                        calendar_format_local_time(psoas_engine_local_time(c->engine, e->t_us), when));

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
                if (e->alert.kind == PSOAS_ALERT_SITTING_SOON) {
                        writer_printf(w, "sitting-soon heads-up: sitting for %s",
                                format_duration(a, sizeof(a), e->alert.duration_s));
                        break;
                }
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
                        const struct psoas_stretch *st = psoas_stretch_at(c->catalog, e->prompt.stretch);

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
                        calendar_format_date(e->day.current, a), calendar_format_date(e->day.previous, b));
                break;
        default:
                writer_printf(w, "event %u", (unsigned)e->type);
                break;
        }
        writer_put(w, "\n", 1);
}

/* ", \"key\": \"name\"", with "unknown" for a value the library has no name for. */
static void name_write_json(Writer *w, const char *key, const char *name) {
        writer_printf(w, ", \"%s\": ", key);
        writer_json_string(w, name ? name : "unknown");
}

/* The stretch's "stretch" (its id) and "title" members. */
static void stretch_write_json(Context *c, uint32_t index) {
        writer_puts(c->out, ", \"stretch\": ");
        writer_json_string(c->out, stretch_id(c, index));
        writer_puts(c->out, ", \"title\": ");
        writer_json_string(c->out, stretch_title(c, index));
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
                        w, calendar_format_local_time(psoas_engine_local_time(c->engine, e->t_us), buf));
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
                name_write_json(w, "kind", s);
                writer_printf(w, ", \"level\": %u, \"duration_s\": ", (unsigned)e->alert.level);
                writer_json_number(w, e->alert.duration_s, 3);
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                s = psoas_alert_kind_to_string(e->prompt.cause);
                stretch_write_json(c, e->prompt.stretch);
                name_write_json(w, "cause", s);
                if (e->prompt.stretch < c->n_catalog) {
                        const struct psoas_stretch *st = psoas_stretch_at(c->catalog, e->prompt.stretch);

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

                stretch_write_json(c, e->missed.stretch);
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
                stretch_write_json(c, e->stretch.stretch);
                name_write_json(w, "result", s);
                break;
        case PSOAS_EVENT_DAY_CHANGED:
                writer_puts(w, ", \"previous\": ");
                writer_json_string(w, calendar_format_date(e->day.previous, buf));
                writer_puts(w, ", \"current\": ");
                writer_json_string(w, calendar_format_date(e->day.current, buf));
                break;
        default:
                break;
        }
        writer_puts(w, "}");
        c->n_events_written++;
}

void context_drain_events(Context *c) {
        struct psoas_event e;

        while (psoas_engine_pop_event(c->engine, PSOAS_SIZED(&e)) > 0) {
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

void samples_write_header(Context *c) {
        writer_puts(c->out,
                c->quat ? "t,posture,tilt_deg,inclination_deg,sitting_s,qw,qx,qy,qz\n"
                        : "t,posture,tilt_deg,inclination_deg,sitting_s\n");
}

void sample_write(Context *c, int64_t t_us, const struct psoas_state *state) {
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
        p = format_fixed(p, PSOAS_ENGINE_DAY_STATS(c->engine)->sitting_s, 2);
        if (c->quat)
                for (unsigned i = 0; i < 4; i++) {
                        *p++ = ',';
                        p = format_fixed(p, state->quat[i], 6);
                }
        *p++ = '\n';
        writer_commit(c->out, p);
}
