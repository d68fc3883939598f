/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

static const DictField property_fields[_PROPERTY_MAX] = {
        [PROPERTY_POSTURE] = { "Posture", 's', offsetof(Properties, posture) },
        [PROPERTY_TILT] = { "Tilt", 'd', offsetof(Properties, tilt_deg) },
        [PROPERTY_INCLINATION] = { "Inclination", 'd', offsetof(Properties, inclination_deg) },
        [PROPERTY_CALIBRATED] = { "Calibrated", 'b', offsetof(Properties, calibrated) },
        [PROPERTY_SITTING_SINCE] = { "SittingSince", 't', offsetof(Properties, sitting_since_us) },
        [PROPERTY_SITTING_TODAY] = { "SittingToday", 't', offsetof(Properties, sitting_today_s) },
        [PROPERTY_LAST_BREAK] = { "LastBreak", 't', offsetof(Properties, last_break_us) },
        [PROPERTY_SENSOR_STATE] = { "SensorState", 's', offsetof(Properties, sensor_state) },
        [PROPERTY_SENSOR] = { "Sensor", 's', offsetof(Properties, sensor) },
        [PROPERTY_SAMPLE_RATE] = { "SampleRate", 'd', offsetof(Properties, sample_rate_hz) },
        [PROPERTY_SNOOZED_UNTIL] = { "SnoozedUntil", 't', offsetof(Properties, snoozed_until_us) },
        [PROPERTY_INHIBITED] = { "Inhibited", 'b', offsetof(Properties, inhibited) },
        [PROPERTY_HAPTICS] = { "Haptics", 's', offsetof(Properties, haptics) },
        [PROPERTY_VERSION] = { "Version", 's', offsetof(Properties, version) },
        [PROPERTY_SENSOR_ERROR] = { "SensorError", 's', offsetof(Properties, sensor_error) },
        [PROPERTY_CLOCK_ANCHOR] = { "ClockAnchor", 't', offsetof(Properties, clock.anchor_us) },
        [PROPERTY_CLOCK_ANCHOR_WALL] = { "ClockAnchorWall", 't',
                offsetof(Properties, clock.anchor_wall_us) },
        [PROPERTY_CLOCK_SPEED] = { "ClockSpeed", 'd', offsetof(Properties, clock.speed) },
};

void properties_done(Properties *p) {
        if (!p)
                return;
        free(p->posture);
        free(p->sensor_state);
        free(p->sensor);
        free(p->haptics);
        free(p->version);
        free(p->sensor_error);
        *p = (Properties){ .clock = PSOAS_CLOCK_WALL };
}

const char *bus_where(const Context *c) {
        /* Only ever one host per run: the text is built once. */
        static char where[320];

        if (c->host)
                snprintf(where, sizeof(where), "the system bus of %s", c->host);
        else
                snprintf(where, sizeof(where), "the %s bus", c->user_bus ? "user" : "system");
        return where;
}

int bus_connect(const Context *c, sd_bus **ret_bus) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (c->host)
                /* Runs "ssh HOST systemd-stdio-bridge", as busctl -H does. */
                r = sd_bus_open_system_remote(&bus, c->host);
        else if (c->user_bus)
                r = sd_bus_open_user(&bus);
        else
                r = sd_bus_open_system(&bus);
        if (r == -ENOMEDIUM && c->user_bus) {
                log_error("cannot connect to the user bus: neither DBUS_SESSION_BUS_ADDRESS nor "
                          "XDG_RUNTIME_DIR "
                          "is set");
                return r;
        }
        if (r < 0) {
                log_error("cannot connect to %s (%s), so psoasd cannot be reached", bus_where(c),
                        strerror(-r));
                return r;
        }
        *ret_bus = TAKE_PTR(bus);
        return 0;
}

static bool error_is_disconnect(const sd_bus_error *error, int r) {
        return sd_bus_error_has_name(error, SD_BUS_ERROR_DISCONNECTED) || r == -ECONNRESET ||
                r == -ENOTCONN || r == -EPIPE || r == -ECONNREFUSED;
}

int bus_log_error(const Context *c, const char *what, const sd_bus_error *error, int r) {
        const char *message = error && error->message ? error->message : NULL;

        if (sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                if (c->host)
                        log_error("psoasd is not running on %s", bus_where(c));
                else
                        log_error("psoasd is not running on %s (start it with 'systemctl%s start %s')",
                                bus_where(c), c->user_bus ? " --user" : "",
                                c->user_bus ? "psoasd-user" : "psoasd");
                return -ESRCH;
        }
        if (sd_bus_error_has_names(error, SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT) || r == -ETIMEDOUT) {
                log_error("%s: psoasd did not answer in time", what);
                return -ETIMEDOUT;
        }
        if (sd_bus_error_has_name(error, SD_BUS_ERROR_ACCESS_DENIED)) {
                log_error(
                        "%s: permission denied: %s", what, message ?: "psoasd or the bus refused the call");
                return -EACCES;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_NOT_STILL)) {
                log_error("%s: you did not hold still long enough; calibration needs 3 seconds "
                          "without moving, within 15 seconds (psoasd says: %s)",
                        what, message ?: "not still");
                return -EAGAIN;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_NOT_STANDING)) {
                log_error("%s: %s; stand up, then calibrate again", what,
                        message ?: "psoasd says you are not standing");
                return -EAGAIN;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_NOT_SITTING)) {
                log_error("%s: %s; sit down, then try again", what,
                        message ?: "psoasd says you are not sitting");
                return -EAGAIN;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_NOT_CALIBRATED)) {
                log_error(
                        "%s: psoas is not calibrated standing yet, and the sitting posture is measured from "
                        "that: stand tall and run 'psoasctl calibrate' first",
                        what);
                return -ENODATA;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_NO_SENSOR)) {
                log_error("%s: no sensor is streaming, so there is nothing to measure (psoasd says: %s)",
                        what, message ?: "no sensor");
                return -ENODEV;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_NO_HAPTICS)) {
                log_error("%s: psoasd has no vibration motor it can use (psoasd says: %s)", what,
                        message ?: "no haptics");
                return -ENXIO;
        }
        if (sd_bus_error_has_name(error, PSOAS_ERROR_BUSY)) {
                log_error("%s: another calibration is already running; wait for it to finish", what);
                return -EBUSY;
        }
        if (error_is_disconnect(error, r)) {
                if (c->host)
                        log_error("%s: lost the connection to %s (can 'ssh %s' log in, and does it have "
                                  "systemd-stdio-bridge?)",
                                what, bus_where(c), c->host);
                else
                        log_error("%s: lost the connection to %s", what, bus_where(c));
                return -ECONNRESET;
        }
        if (sd_bus_error_is_set(error)) {
                log_error("%s: %s", what, message ?: error->name);
                r = sd_bus_error_get_errno(error);
                return r > 0 ? -r : -EIO;
        }
        log_error("%s: %s", what, strerror(r < 0 ? -r : EIO));
        return r < 0 ? r : -EIO;
}

static int bus_callv(sd_bus *bus, const Context *c, const char *what, const char *interface,
        const char *member, uint64_t timeout_us, sd_bus_message **ret_reply, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &call, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, interface, member);
        if (r < 0)
                return bus_log_error(c, what, NULL, r);
        if (types) {
                r = sd_bus_message_appendv(call, types, ap);
                if (r < 0)
                        return bus_log_error(c, what, NULL, r);
        }
        r = sd_bus_call(bus, call, timeout_us, &error, &reply);
        if (r < 0)
                return bus_log_error(c, what, &error, r);
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return 0;
}

int bus_call(sd_bus *bus, const Context *c, const char *what, const char *member, uint64_t timeout_us,
        sd_bus_message **ret_reply, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = bus_callv(bus, c, what, PSOAS_INTERFACE, member, timeout_us, ret_reply, types, ap);
        va_end(ap);
        return r;
}

static int bus_call_interface(sd_bus *bus, const Context *c, const char *what, const char *interface,
        const char *member, uint64_t timeout_us, sd_bus_message **ret_reply, const char *types, ...) {
        va_list ap;
        int r;

        va_start(ap, types);
        r = bus_callv(bus, c, what, interface, member, timeout_us, ret_reply, types, ap);
        va_end(ap);
        return r;
}

static int read_variant(sd_bus_message *m, const DictField *f, void *field) {
        const char type[2] = { f->type, 0 };
        int r;

        r = sd_bus_message_enter_container(m, 'v', f->read ? f->signature : type);
        if (r < 0)
                return r;
        if (f->read) {
                r = f->read(m, field);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }
        switch (f->type) {
        case 's': {
                const char *s;
                char *copy;

                r = sd_bus_message_read(m, "s", &s);
                if (r < 0)
                        return r;
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
                free(*(char **)field);
                *(char **)field = copy;
                break;
        }
        case 'b': {
                int b;

                r = sd_bus_message_read(m, "b", &b);
                if (r < 0)
                        return r;
                *(bool *)field = b;
                break;
        }
        case 'u':
        case 't':
        case 'd':
                /* sd-bus writes uint32_t, uint64_t and double as such. */
                r = sd_bus_message_read_basic(m, f->type, field);
                if (r < 0)
                        return r;
                break;
        default:
                return -EINVAL;
        }
        return sd_bus_message_exit_container(m);
}

int bus_read_dict(
        sd_bus_message *m, const DictField *fields, size_t n_fields, void *base, uint64_t *ret_found) {
        uint64_t found = 0;
        int r;

        if (n_fields > 64)
                return -E2BIG;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        for (;;) {
                const char *key, *contents;
                size_t i;

                r = sd_bus_message_enter_container(m, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                for (i = 0; i < n_fields; i++)
                        if (streq(fields[i].key, key) &&
                                (fields[i].read ? streq(contents, fields[i].signature)
                                                : contents[0] == fields[i].type && contents[1] == 0))
                                break;
                if (i < n_fields) {
                        r = read_variant(m, &fields[i], (char *)base + fields[i].offset);
                        found |= UINT64_C(1) << i;
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        if (ret_found)
                *ret_found = found;
        return 0;
}

int bus_get_properties(sd_bus *bus, const Context *c, Properties *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Properties p = { .clock = PSOAS_CLOCK_WALL };
        int r;

        r = bus_call_interface(bus, c, "cannot read psoasd's state", "org.freedesktop.DBus.Properties",
                "GetAll", 0, &reply, "s", PSOAS_INTERFACE);
        if (r < 0)
                return r;
        r = bus_read_dict(reply, property_fields, _PROPERTY_MAX, &p, NULL);
        if (r < 0) {
                properties_done(&p);
                log_error("cannot read psoasd's state: unexpected reply: %s", strerror(-r));
                return r;
        }
        p.sitting_today_clock_us = psoas_clock_now(&p.clock);
        *ret = p;
        return 0;
}

int properties_apply_changes(Properties *p, sd_bus_message *m, uint64_t *ret_changed) {
        const char *interface;
        uint64_t changed;
        int r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0)
                return r;
        if (!streq(interface, PSOAS_INTERFACE))
                return 0;
        r = bus_read_dict(m, property_fields, _PROPERTY_MAX, p, &changed);
        if (r < 0)
                return r;
        /* The invalidated list stays unread: psoasd announces every change with its value. */
        *ret_changed = changed;
        return 1;
}

int bus_daemon_is_running(sd_bus *bus, bool *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int has_owner, r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "NameHasOwner", NULL, &reply, "s", PSOAS_BUS_NAME);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "b", &has_owner);
        if (r < 0)
                return r;
        *ret = has_owner;
        return 0;
}

int bus_event_new(sd_bus *bus, sd_event **ret_event) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        int r;

        r = sd_event_new(&event);
        if (r < 0)
                return r;
        /* No handler: sd-event's own ends the loop with the userdata (0) as its result. */
        r = sd_event_add_signal(event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        if (r < 0)
                return r;
        r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        if (r < 0)
                return r;
        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return r;
        /* A lost connection ends the loop with EXIT_FAILURE (1). */
        r = sd_bus_set_exit_on_disconnect(bus, true);
        if (r < 0)
                return r;
        *ret_event = TAKE_PTR(event);
        return 0;
}
