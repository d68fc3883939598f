/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * monitor: psoasd live. On a terminal, a status line (posture, a tilt gauge, the sitting timer) redrawn in
 * place under the events as they arrive; otherwise (or with --plain) one line per event without terminal
 * codes, or with --json one JSON object per line.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "describe.h"
#include "watch.h"

/* The gauge's range: anterior tilt is the concern, so more room on the positive side. */
#define GAUGE_MIN_DEG (-10)
#define GAUGE_MAX_DEG 20
#define GAUGE_CELLS 31
/* SittingToday is not signalled; the live line reads it this often. */
#define SITTING_TODAY_REFRESH_US (10 * USEC_PER_SEC)

typedef enum MonitorMode {
        MONITOR_LIVE,
        MONITOR_PLAIN,
        MONITOR_JSON,
} MonitorMode;

typedef struct Monitor {
        const Context *context;
        MonitorMode mode;
        unsigned printed; /* event lines, for --count */
        bool status_shown; /* the live status line is on the screen */
        uint64_t sitting_since_us; /* as last seen, to tell a bout's start */
        uint64_t sitting_today_read_us; /* psoasd's clock at the last read of SittingToday */
} Monitor;

static void gauge(char *buf, size_t size, double tilt_deg) {
        const int zero =
                (int)lround((0.0 - GAUGE_MIN_DEG) * (GAUGE_CELLS - 1) / (GAUGE_MAX_DEG - GAUGE_MIN_DEG));
        double clamped = fmin(fmax(tilt_deg, GAUGE_MIN_DEG), GAUGE_MAX_DEG);
        int at =
                (int)lround((clamped - GAUGE_MIN_DEG) * (GAUGE_CELLS - 1) / (GAUGE_MAX_DEG - GAUGE_MIN_DEG));
        bool utf8 = output_utf8();
        size_t n = 0;

        n += (size_t)snprintf(buf + n, size - n, "[");
        for (int i = 0; i < GAUGE_CELLS && n < size; i++) {
                bool filled = (i >= zero && i <= at) || (i <= zero && i >= at);
                const char *cell;

                if (i == zero)
                        cell = "|";
                else if (filled)
                        cell = utf8 ? "█" : "#";
                else
                        cell = utf8 ? "·" : "-";
                n += (size_t)snprintf(buf + n, size - n, "%s", cell);
        }
        if (n < size)
                snprintf(buf + n, size - n, "]");
}

static void monitor_clear_status(Monitor *m) {
        if (m->status_shown) {
                fputs("\r\033[K", stdout);
                m->status_shown = false;
        }
}

static void monitor_draw_status(Monitor *m, Watch *w) {
        const Properties *p = &w->props;
        char line[512], bar[GAUGE_CELLS * 4 + 3], tilt[DEGREES_MAX], bout[DURATION_MAX], today[DURATION_MAX];
        uint64_t now = describe_now_us(p);

        if (m->mode != MONITOR_LIVE)
                return;

        /* SittingToday changes every second while sitting and is not signalled: read it now and then. */
        if (now < m->sitting_today_read_us || now - m->sitting_today_read_us >= SITTING_TODAY_REFRESH_US) {
                uint64_t today_s;

                if (sd_bus_get_property_trivial(w->bus, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, PSOAS_INTERFACE,
                            "SittingToday", NULL, 't', &today_s) >= 0) {
                        w->props.sitting_today_s = today_s;
                        w->props.sitting_today_clock_us = now;
                }
                m->sitting_today_read_us = now;
        }

        if (!p->calibrated)
                snprintf(line, sizeof(line), "not calibrated: run 'psoasctl calibrate'");
        else {
                gauge(bar, sizeof(bar), p->tilt_deg);
                snprintf(line, sizeof(line), "%-8s tilt %7s %s", p->posture ?: "unknown",
                        format_degrees(tilt, sizeof(tilt), p->tilt_deg), bar);
        }
        fputs("\r\033[K", stdout);
        fputs(line, stdout);
        if (p->sitting_since_us > 0)
                printf("  sitting %s", format_duration(bout, sizeof(bout), describe_bout_seconds(p)));
        printf("  today %s", format_duration(today, sizeof(today), describe_sitting_today_s(p)));
        if (p->snoozed_until_us > 0 || p->inhibited)
                printf("  (alerts %s)", p->inhibited ? "inhibited" : "snoozed");
        if (!sensor_is_live(p))
                printf("  (sensor %s)", p->sensor_state ?: "?");
        fflush(stdout);
        m->status_shown = true;
}

/* One event: a line (with the time) on a terminal or in plain mode, or a JSON object. Takes fields. */
static int monitor_emit(Monitor *m, Watch *w, const char *event, json_object *fields, const char *text) {
        _cleanup_(json_object_put_nullp) json_object *o = fields;
        /* The time on psoasd's clock, as the times in the text are. */
        time_t now = (time_t)(describe_now_us(&w->props) / USEC_PER_SEC);
        struct tm tm;
        char when[64];
        int r;

        if (!o)
                return log_oom();
        localtime_r(&now, &tm);
        if (m->mode == MONITOR_JSON) {
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
                if (json_add(o, "time", json_object_new_string(when)) < 0 ||
                        json_add(o, "event", json_object_new_string(event)) < 0)
                        return log_oom();
                r = json_print(o, false);
                if (r < 0)
                        return r;
        } else {
                strftime(when, sizeof(when), "%H:%M:%S", &tm);
                monitor_clear_status(m);
                printf("%s  %s\n", when, text);
                monitor_draw_status(m, w);
                if (fflush(stdout) != 0)
                        return -errno;
        }
        return 0;
}

/* An event that counts towards --count. */
static int monitor_event(Monitor *m, Watch *w, const char *event, json_object *fields, const char *text) {
        int r;

        /* One signal may carry several events: none after the last one counted. */
        if (m->context->count > 0 && m->printed >= m->context->count) {
                json_object_put(fields);
                return 0;
        }
        r = monitor_emit(m, w, event, fields, text);
        if (r < 0)
                return r;
        m->printed++;
        if (m->context->count > 0 && m->printed >= m->context->count)
                watch_stop(w, 0);
        return 0;
}

static int monitor_started(Monitor *m, Watch *w) {
        const Properties *p = &w->props;
        char text[1024], posture[128], sensor[256], alerts[128], bout[DURATION_MAX];

        m->sitting_since_us = p->sitting_since_us;
        m->sitting_today_read_us = describe_now_us(p);
        if (p->sitting_since_us > 0)
                snprintf(bout, sizeof(bout), "%s", "in a sitting bout");
        else
                snprintf(bout, sizeof(bout), "%s", "not sitting");
        snprintf(text, sizeof(text), "now %s; %s; sensor %s; alerts %s",
                describe_posture(posture, sizeof(posture), p), bout,
                describe_sensor(sensor, sizeof(sensor), p), describe_alerts(alerts, sizeof(alerts), p));
        return monitor_emit(m, w, "state", properties_to_json(p), text);
}

static int monitor_properties(Monitor *m, Watch *w, uint64_t changed) {
        const Properties *p = &w->props;
        char text[1024], a[256], b[CLOCK_MAX];
        json_object *o;
        int r;

        if (changed & PROPERTY_BIT(PROPERTY_CALIBRATED)) {
                o = json_object_new_object();
                if (o && json_add(o, "calibrated", json_object_new_boolean(p->calibrated)) < 0)
                        o = json_object_put_null(o);
                r = monitor_event(
                        m, w, "calibrated", o, p->calibrated ? "calibrated" : "not calibrated any more");
                if (r < 0)
                        return r;
        }
        if (changed & PROPERTY_BIT(PROPERTY_POSTURE)) {
                o = json_object_new_object();
                if (o &&
                        (json_add(o, "posture", json_object_new_string(p->posture ?: "")) < 0 ||
                                json_add(o, "tilt", json_new_double(p->tilt_deg)) < 0))
                        o = json_object_put_null(o);
                snprintf(text, sizeof(text), "posture: %s (tilt %s)", p->posture ?: "unknown",
                        format_degrees(a, sizeof(a), p->tilt_deg));
                r = monitor_event(m, w, "posture", o, text);
                if (r < 0)
                        return r;
        }
        if (changed & PROPERTY_BIT(PROPERTY_SITTING_SINCE)) {
                /* The bout's end comes as BreakTaken; only its start is told here. */
                if (m->sitting_since_us == 0 && p->sitting_since_us > 0) {
                        o = json_object_new_object();
                        if (o &&
                                json_add(o, "sitting_since_us",
                                        json_object_new_uint64(p->sitting_since_us)) < 0)
                                o = json_object_put_null(o);
                        snprintf(text, sizeof(text), "sitting bout began at %s",
                                format_clock(b, sizeof(b), p->sitting_since_us, describe_now_us(p)));
                        r = monitor_event(m, w, "bout", o, text);
                        if (r < 0)
                                return r;
                }
                m->sitting_since_us = p->sitting_since_us;
        }
        if (changed & (PROPERTY_BIT(PROPERTY_SENSOR_STATE) | PROPERTY_BIT(PROPERTY_SENSOR))) {
                o = json_object_new_object();
                if (o &&
                        (json_add(o, "sensor_state", json_object_new_string(p->sensor_state ?: "")) < 0 ||
                                json_add(o, "sensor", json_object_new_string(p->sensor ?: "")) < 0))
                        o = json_object_put_null(o);
                snprintf(text, sizeof(text), "sensor: %s", describe_sensor(a, sizeof(a), p));
                r = monitor_event(m, w, "sensor", o, text);
                if (r < 0)
                        return r;
        }
        if (changed & (PROPERTY_BIT(PROPERTY_SNOOZED_UNTIL) | PROPERTY_BIT(PROPERTY_INHIBITED))) {
                o = json_object_new_object();
                if (o &&
                        (json_add(o, "snoozed_until_us", json_object_new_uint64(p->snoozed_until_us)) < 0 ||
                                json_add(o, "inhibited", json_object_new_boolean(p->inhibited)) < 0))
                        o = json_object_put_null(o);
                snprintf(text, sizeof(text), "alerts %s", describe_alerts(a, sizeof(a), p));
                r = monitor_event(m, w, "alerts", o, text);
                if (r < 0)
                        return r;
        }
        /* Tilt, and anything else, only moves the live line. */
        monitor_draw_status(m, w);
        return 0;
}

/* "hold 20–30 s per side", "10–12 repetitions": the range from a revision 2 psoasd, the upper end from 1. */
static void describe_prompt_dose(char *buf, size_t size, const WatchEvent *e) {
        bool hold = e->hold_s > 0;
        uint32_t hi = hold ? e->hold_s : e->repetitions,
                 lo = hold ? e->details.hold_min_s : e->details.repetitions_min;
        char range[32];

        if (lo == 0 || lo == hi)
                snprintf(range, sizeof(range), "%u", hi);
        else
                snprintf(range, sizeof(range), "%u–%u", lo, hi);
        snprintf(buf, size, "%s%s%s%s", hold ? "hold " : "", range, hold ? " s" : " repetitions",
                e->details.per_side ? " per side" : "");
}

static int on_watch_event(Watch *w, const WatchEvent *e, void *userdata) {
        Monitor *m = userdata;
        char text[2048], a[64]; /* a duration (DURATION_MAX) or a dose */
        json_object *o;

        switch (e->type) {
        case WATCH_STARTED:
                return monitor_started(m, w);
        case WATCH_PROPERTIES:
                return monitor_properties(m, w, e->changed);
        case WATCH_ALERT:
                o = json_object_new_object();
                if (o &&
                        (json_add(o, "kind", json_object_new_string(e->kind)) < 0 ||
                                json_add(o, "message", json_object_new_string(e->message)) < 0 ||
                                json_add(o, "level", json_object_new_uint64(e->level)) < 0))
                        o = json_object_put_null(o);
                snprintf(text, sizeof(text), "ALERT (%s, level %u): %s", e->kind, e->level, e->message);
                return monitor_event(m, w, "alert", o, text);
        case WATCH_STRETCH_PROMPT:
                o = json_object_new_object();
                if (o &&
                        (json_add(o, "id", json_object_new_string(e->id)) < 0 ||
                                json_add(o, "title", json_object_new_string(e->title)) < 0 ||
                                json_add(o, "instructions", json_object_new_string(e->instructions)) < 0 ||
                                json_add(o, "hold_seconds", json_object_new_uint64(e->hold_s)) < 0 ||
                                json_add(o, "repetitions", json_object_new_uint64(e->repetitions)) < 0))
                        o = json_object_put_null(o);
                if (o && e->details.safety &&
                        (json_add(o, "safety", json_object_new_string(e->details.safety)) < 0 ||
                                json_add(o, "hold_min_seconds",
                                        json_object_new_uint64(e->details.hold_min_s)) < 0 ||
                                json_add(o, "repetitions_min",
                                        json_object_new_uint64(e->details.repetitions_min)) < 0 ||
                                json_add(o, "per_side", json_object_new_boolean(e->details.per_side)) < 0 ||
                                json_add(o, "verifiable", json_object_new_boolean(e->details.verifiable)) <
                                        0))
                        o = json_object_put_null(o);
                describe_prompt_dose(a, sizeof(a), e);
                snprintf(text, sizeof(text), "stretch suggested: %s [%s], %s. %s%s%s%s", e->title, e->id, a,
                        e->instructions, e->details.safety ? " Safety: " : "", e->details.safety ?: "",
                        e->details.safety && !e->details.verifiable
                                ? " The sensor cannot see it: report it done yourself."
                                : "");
                return monitor_event(m, w, "stretch-prompt", o, text);
        case WATCH_STRETCH_VERIFIED:
                o = json_object_new_object();
                if (o && json_add(o, "id", json_object_new_string(e->id)) < 0)
                        o = json_object_put_null(o);
                snprintf(text, sizeof(text), "stretch %s done, as the sensor saw", e->id);
                return monitor_event(m, w, "stretch-verified", o, text);
        case WATCH_STRETCH_PROGRESS:
                o = json_object_new_object();
                if (o &&
                        (json_add(o, "id", json_object_new_string(e->id)) < 0 ||
                                json_add(o, "side", json_object_new_uint64(e->side)) < 0 ||
                                json_add(o, "seconds", json_object_new_uint64(e->seconds_held)) < 0 ||
                                json_add(o, "repetitions", json_object_new_uint64(e->repetitions)) < 0 ||
                                json_add(o, "goal", json_object_new_uint64(e->goal)) < 0))
                        o = json_object_put_null(o);
                snprintf(a, sizeof(a), "side %u, ", e->side);
                if (e->seconds_held > 0 || e->repetitions == 0)
                        snprintf(text, sizeof(text), "stretch %s: %sheld %u of %u s", e->id,
                                e->side ? a : "", e->seconds_held, e->goal);
                else
                        snprintf(text, sizeof(text), "stretch %s: %s%u of %u repetitions", e->id,
                                e->side ? a : "", e->repetitions, e->goal);
                return monitor_event(m, w, "stretch-progress", o, text);
        case WATCH_STRETCH_MISSED: {
                json_object *seen = json_object_new_array();

                o = json_object_new_object();
                for (char **i = e->seen; seen && i && *i; i++)
                        if (json_object_array_add(seen, json_object_new_string(*i)) < 0)
                                seen = json_object_put_null(seen);
                if (o &&
                        (!seen || json_add(o, "id", json_object_new_string(e->id)) < 0 ||
                                json_add(o, "seen", seen) < 0 ||
                                json_add(o, "message", json_object_new_string(e->message)) < 0))
                        o = json_object_put_null(o);
                else if (!o)
                        json_object_put(seen);
                snprintf(text, sizeof(text), "stretch %s not confirmed: %s", e->id, e->message);
                return monitor_event(m, w, "stretch-missed", o, text);
        }
        case WATCH_BREAK_TAKEN:
                o = json_object_new_object();
                if (o && json_add(o, "seconds", json_object_new_uint64(e->seconds)) < 0)
                        o = json_object_put_null(o);
                snprintf(text, sizeof(text), "break taken after sitting for %s",
                        format_duration(a, sizeof(a), e->seconds));
                return monitor_event(m, w, "break", o, text);
        case WATCH_DAEMON_BACK:
                /* Only after psoasd's name passed straight to a new owner: carry on with its state. */
                monitor_draw_status(m, w);
                return 0;
        case WATCH_DAEMON_GONE:
                monitor_clear_status(m);
                fflush(stdout);
                log_error("psoasd left %s", bus_where(m->context));
                return -ESRCH;
        case WATCH_TICK:
                monitor_draw_status(m, w);
                return 0;
        }
        return 0;
}

int verb_monitor(Context *c, int argc, char **argv) {
        _cleanup_(watch_freep) Watch *w = NULL;
        Monitor m = { .context = c };
        int r;

        if (c->json)
                m.mode = MONITOR_JSON;
        else if (c->plain || !isatty(STDOUT_FILENO))
                m.mode = MONITOR_PLAIN;
        else
                m.mode = MONITOR_LIVE;

        r = watch_new(c, WATCH_CLAIM_LIVE, on_watch_event, &m, &w);
        if (r < 0)
                return r;
        r = watch_run(w);
        /* Leave the last status line on the screen. */
        if (m.status_shown)
                putchar('\n');
        fflush(stdout);
        return r;
}
