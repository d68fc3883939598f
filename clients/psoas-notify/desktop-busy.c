/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "bus-owner.h"
#include "desktop-busy.h"
#include "log.h"

/* A service that has not answered in this long is taken as not inhibited until its next signal. */
#define CALL_TIMEOUT_USEC (10ULL * 1000 * 1000)

/* gnome-session's inhibitor flags: 1 logging out, 2 switching users, 4 suspending, 8 going idle. Presentation
 * and call applications inhibit idleness (the screen saver); the others say nothing about being busy. */
#define GNOME_INHIBIT_IDLE 8u

/* A place a desktop gathers its inhibitors: asked with query (taking query_flags when it takes an argument) and
 * asked again whenever it sends one of signals. */
typedef struct InhibitorService {
        const char *name, *path, *interface;
        const char *query;
        bool query_takes_flags;
        const char *signals[2];
} InhibitorService;

static const InhibitorService services[] = {
        {
                .name = "org.gnome.SessionManager",
                .path = "/org/gnome/SessionManager",
                .interface = "org.gnome.SessionManager",
                .query = "IsInhibited",
                .query_takes_flags = true,
                .signals = { "InhibitorAdded", "InhibitorRemoved" },
        },
        {
                .name = "org.freedesktop.PowerManagement",
                .path = "/org/freedesktop/PowerManagement/Inhibit",
                .interface = "org.freedesktop.PowerManagement.Inhibit",
                .query = "HasInhibit",
                .signals = { "HasInhibitChanged" },
        },
};

typedef struct Watched {
        DesktopBusy *desktop;
        const InhibitorService *service;
        bool inhibited;
        sd_bus_slot *owner_match, *signal_match, *query_call;
} Watched;

struct DesktopBusy {
        sd_bus *bus;
        Watched watched[ELEMENTSOF(services)];
        bool busy;
        DesktopBusyHandler handler;
        void *userdata;
};

bool desktop_busy_get(DesktopBusy *d) {
        return d && d->busy;
}

static void desktop_busy_update(DesktopBusy *d) {
        const char *why = NULL;

        for (size_t i = 0; i < ELEMENTSOF(d->watched); i++)
                if (d->watched[i].inhibited) {
                        why = d->watched[i].service->name;
                        break;
                }
        if (!!why == d->busy)
                return;
        d->busy = why;
        if (why)
                log_info("The desktop is busy: %s says an application keeps the screen on.", why);
        else
                log_info("The desktop is no longer busy.");
        if (d->handler)
                d->handler(d, d->busy, why, d->userdata);
}

static int on_query_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watched *w = userdata;
        int b = false, r;

        w->query_call = sd_bus_slot_unref(w->query_call);
        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                log_debug(
                        "%s.%s failed: %s", w->service->interface, w->service->query, e->message ?: e->name);
        } else {
                r = sd_bus_message_read(m, "b", &b);
                if (r < 0) {
                        log_warning_errno(r, "%s.%s's reply is not a boolean: %m", w->service->interface,
                                w->service->query);
                        b = false;
                }
        }
        w->inhibited = b;
        desktop_busy_update(w->desktop);
        return 0;
}

/* Asks the service, without starting it: a desktop that does not run it has nothing to say. */
static void watched_query(Watched *w) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        const InhibitorService *s = w->service;
        int r;

        r = sd_bus_message_new_method_call(w->desktop->bus, &m, s->name, s->path, s->interface, s->query);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0 && s->query_takes_flags)
                r = sd_bus_message_append(m, "u", GNOME_INHIBIT_IDLE);
        if (r >= 0) {
                w->query_call = sd_bus_slot_unref(w->query_call);
                r = sd_bus_call_async(
                        w->desktop->bus, &w->query_call, m, on_query_reply, w, CALL_TIMEOUT_USEC);
        }
        if (r < 0)
                log_warning_errno(r, "Could not ask %s about inhibitors: %m", s->name);
}

static int on_service_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Watched *w = userdata;

        for (size_t i = 0; i < ELEMENTSOF(w->service->signals); i++)
                if (w->service->signals[i] &&
                        sd_bus_message_is_signal(m, w->service->interface, w->service->signals[i])) {
                        watched_query(w);
                        break;
                }
        return 0;
}

static void on_owner_changed(const char *old_owner, const char *new_owner, void *userdata) {
        Watched *w = userdata;

        if (new_owner) {
                watched_query(w);
                return;
        }
        /* Its inhibitors went with it. */
        w->query_call = sd_bus_slot_unref(w->query_call);
        w->inhibited = false;
        desktop_busy_update(w->desktop);
}

DesktopBusy *desktop_busy_free(DesktopBusy *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(d->watched); i++) {
                sd_bus_slot_unref(d->watched[i].owner_match);
                sd_bus_slot_unref(d->watched[i].signal_match);
                sd_bus_slot_unref(d->watched[i].query_call);
        }
        sd_bus_unref(d->bus);
        free(d);
        return NULL;
}

int desktop_busy_new(sd_bus *bus, DesktopBusyHandler handler, void *userdata, DesktopBusy **ret) {
        _cleanup_(desktop_busy_freep) DesktopBusy *d = NULL;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->bus = sd_bus_ref(bus);
        d->handler = handler;
        d->userdata = userdata;

        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                Watched *w = &d->watched[i];

                *w = (Watched){ .desktop = d, .service = &services[i] };
                /* The subscriptions go out before the question: the bus handles them in order, so no change
                 * falls between the answer and the first signal. */
                r = bus_follow_owner_async(bus, &w->owner_match, services[i].name, on_owner_changed, w);
                if (r < 0)
                        return r;
                r = sd_bus_match_signal_async(bus, &w->signal_match, services[i].name, services[i].path,
                        services[i].interface, NULL, on_service_signal, NULL, w);
                if (r < 0)
                        return r;
                watched_query(w);
        }
        *ret = TAKE_PTR(d);
        return 0;
}
