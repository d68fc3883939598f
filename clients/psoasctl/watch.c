/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prompt-details.h"
#include "watch.h"

#define TICK_US USEC_PER_SEC

static void watch_dispatch(Watch *w, const WatchEvent *e) {
        int r;

        r = w->handler(w, e, w->userdata);
        if (r < 0)
                watch_stop(w, r);
}

void watch_stop(Watch *w, int result) {
        if (result < 0 && w->error == 0)
                w->error = result;
        (void)sd_event_exit(w->event, 0);
}

static void watch_claim_live(Watch *w) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (!(w->flags & WATCH_CLAIM_LIVE))
                return;
        r = sd_bus_call_method(
                w->bus, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, PSOAS_INTERFACE, "ClaimLive", &error, NULL, NULL);
        if (r < 0) {
                /* Not fatal: the view still works, with tilt updated once a second. */
                fprintf(stderr, "psoasctl: no live claim, so tilt is updated at most once a second: %s\n",
                        error.message ?: strerror(-r));
                return;
        }
        w->live_claimed = true;
}

/* psoasd is there: read its state afresh. */
static int watch_attach_daemon(Watch *w) {
        Properties p = {};
        int r;

        r = bus_get_properties(w->bus, w->context, &p);
        if (r < 0)
                return r;
        properties_done(&w->props);
        w->props = p;
        w->running = true;
        watch_claim_live(w);
        return 0;
}

static char **strv_free(char **l) {
        for (char **i = l; i && *i; i++)
                free(*i);
        free(l);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);

static int on_daemon_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(strv_freep) char **seen = NULL;
        Watch *w = userdata;
        WatchEvent e = {};
        int r;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties", "PropertiesChanged")) {
                r = properties_apply_changes(&w->props, m, &e.changed);
                if (r <= 0 || e.changed == 0)
                        return 0;
                e.type = WATCH_PROPERTIES;
        } else if (sd_bus_message_is_signal(m, PSOAS_INTERFACE, "Alert")) {
                e.type = WATCH_ALERT;
                r = sd_bus_message_read(m, "ssu", &e.kind, &e.message, &e.level);
        } else if (sd_bus_message_is_signal(m, PSOAS_INTERFACE, "StretchPrompt")) {
                e.type = WATCH_STRETCH_PROMPT;
                r = sd_bus_message_read(
                        m, "sssuu", &e.id, &e.title, &e.instructions, &e.hold_s, &e.repetitions);
                /* Revision 2 appended the safety note and the details. */
                if (r >= 0 && sd_bus_message_at_end(m, false) == 0)
                        r = prompt_details_read(m, &e.details);
        } else if (sd_bus_message_is_signal(m, PSOAS_INTERFACE, "StretchVerified")) {
                e.type = WATCH_STRETCH_VERIFIED;
                r = sd_bus_message_read(m, "s", &e.id);
        } else if (sd_bus_message_is_signal(m, PSOAS_INTERFACE, "StretchProgress")) {
                e.type = WATCH_STRETCH_PROGRESS;
                r = sd_bus_message_read(
                        m, "suuuu", &e.id, &e.side, &e.seconds_held, &e.repetitions, &e.goal);
        } else if (sd_bus_message_is_signal(m, PSOAS_INTERFACE, "StretchMissed")) {
                e.type = WATCH_STRETCH_MISSED;
                r = sd_bus_message_read(m, "s", &e.id);
                if (r >= 0)
                        r = sd_bus_message_read_strv(m, &seen);
                if (r >= 0)
                        r = sd_bus_message_read(m, "s", &e.message);
                e.seen = seen;
        } else if (sd_bus_message_is_signal(m, PSOAS_INTERFACE, "BreakTaken")) {
                e.type = WATCH_BREAK_TAKEN;
                r = sd_bus_message_read(m, "t", &e.seconds);
        } else
                return 0;
        if (r < 0) {
                fprintf(stderr, "psoasctl: ignored a malformed %s signal from psoasd: %s\n",
                        sd_bus_message_get_member(m), strerror(-r));
                return 0;
        }
        watch_dispatch(w, &e);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watch *w = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        r = sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner);
        if (r < 0 || !streq(name, PSOAS_BUS_NAME))
                return 0;
        if (isempty(new_owner)) {
                if (w->running) {
                        w->running = false;
                        w->live_claimed = false;
                        watch_dispatch(w, &(WatchEvent){ .type = WATCH_DAEMON_GONE });
                }
                return 0;
        }
        /* The name taken between our subscription and our first read: that read has the state already. */
        if (w->running && isempty(old_owner))
                return 0;
        r = watch_attach_daemon(w);
        if (r < 0) {
                watch_stop(w, r);
                return 0;
        }
        watch_dispatch(w, &(WatchEvent){ .type = WATCH_DAEMON_BACK });
        return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Watch *w = userdata;
        int r;

        watch_dispatch(w, &(WatchEvent){ .type = WATCH_TICK });
        r = sd_event_source_set_time_relative(s, TICK_US);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        watch_stop(userdata, 0);
        return 0;
}

Watch *watch_free(Watch *w) {
        if (!w)
                return NULL;
        sd_event_source_unref(w->tick);
        sd_event_source_unref(w->deadline);
        sd_bus_slot_unref(w->signals);
        sd_bus_slot_unref(w->owner_changes);
        sd_bus_flush_close_unref(w->bus);
        sd_event_unref(w->event);
        properties_done(&w->props);
        free(w);
        return NULL;
}

int watch_new(const Context *c, WatchFlags flags, WatchHandler handler, void *userdata, Watch **ret) {
        _cleanup_(watch_freep) Watch *w = NULL;
        bool running = true;
        int r;

        w = calloc(1, sizeof(Watch));
        if (!w)
                return log_oom();
        *w = (Watch){ .context = c, .flags = flags, .handler = handler, .userdata = userdata };

        r = bus_connect(c, &w->bus);
        if (r < 0)
                return r;
        r = bus_event_new(w->bus, &w->event);
        if (r < 0)
                return log_error_errno(r, "cannot set up the event loop: %m");

        /* Subscribed before the state is read, so that no change falls between the two. */
        r = sd_bus_match_signal(
                w->bus, &w->signals, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, NULL, NULL, on_daemon_signal, w);
        if (r < 0)
                return bus_log_error(c, "cannot follow psoasd's signals", NULL, r);
        r = sd_bus_add_match(w->bus, &w->owner_changes,
                "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                "interface='org.freedesktop.DBus',member='NameOwnerChanged',"
                "arg0='" PSOAS_BUS_NAME "'",
                on_owner_changed, w);
        if (r < 0)
                return bus_log_error(c, "cannot follow psoasd's signals", NULL, r);

        if (flags & WATCH_WAIT_FOR_DAEMON) {
                r = bus_daemon_is_running(w->bus, &running);
                if (r < 0)
                        return bus_log_error(c, "cannot ask the bus about psoasd", NULL, r);
        }
        if (running) {
                r = watch_attach_daemon(w);
                if (r < 0)
                        return r;
        }

        r = sd_event_add_time_relative(w->event, &w->tick, CLOCK_MONOTONIC, TICK_US, 0, on_tick, w);
        if (r < 0)
                return log_error_errno(r, "cannot set up the event loop: %m");
        if (c->duration_us > 0) {
                r = sd_event_add_time_relative(
                        w->event, &w->deadline, CLOCK_MONOTONIC, c->duration_us, 0, on_deadline, w);
                if (r < 0)
                        return log_error_errno(r, "cannot set up the event loop: %m");
        }
        *ret = TAKE_PTR(w);
        return 0;
}

int watch_run(Watch *w) {
        int r;

        watch_dispatch(w, &(WatchEvent){ .type = w->running ? WATCH_STARTED : WATCH_DAEMON_GONE });
        if (w->error < 0)
                return w->error;
        r = sd_event_loop(w->event);
        if (r < 0)
                return log_error_errno(r, "the event loop failed: %m");
        if (w->error < 0)
                return w->error;
        if (r == EXIT_FAILURE) {
                log_error("lost the connection to %s", bus_where(w->context));
                return -ECONNRESET;
        }
        return 0;
}
