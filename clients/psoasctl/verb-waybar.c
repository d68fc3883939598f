/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * waybar: one JSON object per line, {"text", "tooltip", "class", "percentage"}, whenever what it would show
 * changes: the format of waybar's custom modules ("return-type": "json") and of i3blocks' persistent JSON
 * blocks. A bar starts before psoasd at times: then it says "off" and waits for psoasd to appear.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "watch.h"

/* SittingToday (in the tooltip) is not signalled; it is read this often. */
#define SITTING_TODAY_REFRESH_US (30 * USEC_PER_SEC)

typedef struct Bar {
        const Context *context;
        char *last_line;
        unsigned printed;
        bool alert; /* an Alert came, and nothing since said it was heeded */
        uint64_t sitting_today_read_us;
} Bar;

static int bar_compose(Bar *bar, Watch *w, char **ret_line) {
        const Properties *p = &w->props;
        _cleanup_(json_object_put_nullp) json_object *o = json_object_new_object();
        char text[128], tooltip[2048], a[512], b[CLOCK_MAX], d[DURATION_MAX];
        const char *class;
        uint64_t bout_s = 0;
        unsigned percentage = 0;
        const char *line;
        char *copy;

        if (!o)
                return -ENOMEM;

        if (!w->running) {
                snprintf(text, sizeof(text), "psoas off");
                snprintf(tooltip, sizeof(tooltip), "psoasd is not running on %s", bus_where(bar->context));
                class = "off";
        } else if (!sensor_is_live(p)) {
                snprintf(text, sizeof(text), "%s",
                        streq_ptr(p->sensor_state, "ended") ? "replay ended" : "no sensor");
                snprintf(tooltip, sizeof(tooltip), "Sensor: %s", describe_sensor(a, sizeof(a), p));
                class = "nosensor";
        } else if (!p->calibrated) {
                snprintf(text, sizeof(text), "not calibrated");
                snprintf(tooltip, sizeof(tooltip),
                        "Not calibrated: stand tall and still, and run 'psoasctl calibrate'");
                class = "uncalibrated";
        } else {
                _cleanup_fclose_ FILE *f = NULL;

                /* One byte kept back for the terminating NUL: fmemopen() writes none into a full buffer. */
                tooltip[sizeof(tooltip) - 1] = 0;
                f = fmemopen(tooltip, sizeof(tooltip) - 1, "w");
                if (!f)
                        return -errno;
                bout_s = describe_bout_seconds(p);
                if (p->sitting_since_us > 0)
                        snprintf(text, sizeof(text), "sitting %s", format_duration(d, sizeof(d), bout_s));
                else
                        snprintf(text, sizeof(text), "%s %s", p->posture ?: "unknown",
                                format_degrees(a, sizeof(a), p->tilt_deg));

                /* A tooltip too long for the buffer is cut short. */
                fprintf(f, "Posture: %s\n", describe_posture(a, sizeof(a), p));
                if (p->sitting_since_us > 0)
                        fprintf(f, "Sitting for %s, since %s\n", format_duration(d, sizeof(d), bout_s),
                                format_clock(b, sizeof(b), p->sitting_since_us, describe_now_us(p)));
                fprintf(f, "Today: %s sitting\n",
                        format_duration(d, sizeof(d), describe_sitting_today_s(p)));
                fprintf(f, "Sensor: %s\n", describe_sensor(a, sizeof(a), p));
                fprintf(f, "Alerts: %s", describe_alerts(a, sizeof(a), p));
                if (fclose(TAKE_PTR(f)) != 0 && errno != ENOSPC)
                        return -errno;

                if (bar->alert)
                        class = "alert";
                else if (p->inhibited)
                        class = "inhibited";
                else if (p->snoozed_until_us > 0)
                        class = "snoozed";
                else
                        class = p->posture ?: "unknown";
                percentage = (unsigned)(bout_s >= (uint64_t)bar->context->sitting_limit_min * 60
                                ? 100
                                : bout_s * 100 / ((uint64_t)bar->context->sitting_limit_min * 60));
        }

        if (json_add(o, "text", json_object_new_string(text)) < 0 ||
                json_add(o, "tooltip", json_object_new_string(tooltip)) < 0 ||
                json_add(o, "class", json_object_new_string(class)) < 0 ||
                json_add(o, "percentage", json_object_new_int(percentage)) < 0)
                return -ENOMEM;
        line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!line)
                return -ENOMEM;
        copy = strdup(line);
        if (!copy)
                return -ENOMEM;
        *ret_line = copy;
        return 0;
}

static int bar_update(Bar *bar, Watch *w) {
        _cleanup_free_ char *line = NULL;
        int r;

        r = bar_compose(bar, w, &line);
        if (r < 0) {
                log_error("out of memory");
                return r;
        }
        if (streq_ptr(line, bar->last_line))
                return 0;
        if (puts(line) < 0 || fflush(stdout) != 0)
                /* The bar went away. */
                return -errno;
        free(bar->last_line);
        bar->last_line = TAKE_PTR(line);
        bar->printed++;
        if (bar->context->count > 0 && bar->printed >= bar->context->count)
                watch_stop(w, 0);
        return 0;
}

static int on_watch_event(Watch *w, const WatchEvent *e, void *userdata) {
        Bar *bar = userdata;

        switch (e->type) {
        case WATCH_ALERT:
                bar->alert = true;
                break;
        case WATCH_BREAK_TAKEN:
                bar->alert = false;
                break;
        case WATCH_PROPERTIES:
                /* Heeded or not, a new posture is a new situation. */
                if (e->changed & PROPERTY_BIT(PROPERTY_POSTURE))
                        bar->alert = false;
                break;
        case WATCH_STARTED:
        case WATCH_DAEMON_BACK:
                bar->sitting_today_read_us = describe_now_us(&w->props);
                break;
        case WATCH_DAEMON_GONE:
                bar->alert = false;
                break;
        case WATCH_TICK: {
                /* On psoasd's clock: in a replay at 60x, 30 s of it pass in half a second. */
                uint64_t now = describe_now_us(&w->props);

                if (w->running &&
                        (now < bar->sitting_today_read_us ||
                                now - bar->sitting_today_read_us >= SITTING_TODAY_REFRESH_US)) {
                        uint64_t today_s;

                        if (sd_bus_get_property_trivial(w->bus, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH,
                                    PSOAS_INTERFACE, "SittingToday", NULL, 't', &today_s) >= 0) {
                                w->props.sitting_today_s = today_s;
                                w->props.sitting_today_clock_us = now;
                        }
                        bar->sitting_today_read_us = now;
                }
                break;
        }
        default:
                break;
        }
        return bar_update(bar, w);
}

int verb_waybar(Context *c, int argc, char **argv) {
        _cleanup_(watch_freep) Watch *w = NULL;
        Bar bar = { .context = c };
        int r;

        r = watch_new(c, WATCH_WAIT_FOR_DAEMON, on_watch_event, &bar, &w);
        if (r >= 0)
                r = watch_run(w);
        free(bar.last_line);
        return r;
}
