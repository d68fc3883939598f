/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "bus-owner.h"
#include "desktop-busy.h"
#include "indicator.h"
#include "log.h"
#include "notification-server.h"
#include "notifier-private.h"

/* Whether the desktop asks for quiet now: alerts and prompts are held, to be summarised afterwards. */
bool desktop_quiet(Notifier *n) {
        return ((n->quiet & QUIET_DO_NOT_DISTURB) && notification_server_do_not_disturb(n->server)) ||
                ((n->quiet & QUIET_INHIBITORS) && desktop_busy_get(n->desktop));
}

bool may_show(Notifier *n) {
        return !n->inhibited && !desktop_quiet(n);
}

static void close_all(Notifier *n) {
        for (size_t i = 0; i < _ALERT_MAX; i++)
                (void)notification_close(n->alerts[i]);
        (void)notification_close(n->stretch);
        (void)notification_close(n->safety);
        (void)notification_close(n->problem);
        (void)notification_close(n->held_summary);
}

static void set_inhibited(Notifier *n, bool inhibited) {
        if (inhibited == n->inhibited)
                return;
        n->inhibited = inhibited;
        if (inhibited) {
                log_info("psoasd's alerts are inhibited; closing and holding back notifications.");
                close_all(n);
        } else {
                log_info("psoasd's alerts are no longer inhibited.");
                /* What the desktop's quiet held before psoasd's inhibitor came, if that quiet is over. */
                if (!desktop_quiet(n))
                        show_held_summary(n);
        }
}

/* The desktop became quiet (on screen goes too: the quiet was chosen after it appeared) or is no longer. */
static void quiet_changed(Notifier *n) {
        if (desktop_quiet(n))
                close_all(n);
        else if (!n->inhibited)
                show_held_summary(n);
}

/* Tells the indicator what the notifier knows now. */
void indicator_show(Notifier *n) {
        n->shown.daemon_present = n->daemon_present;
        n->shown.posture = n->posture;
        n->shown.sensor_state = n->sensor_state;
        indicator_update(n->indicator, &n->shown);
}

static void on_do_not_disturb(NotificationServer *s, bool do_not_disturb, void *userdata) {
        quiet_changed(userdata);
}

static void on_desktop_busy(DesktopBusy *d, bool busy, const char *why, void *userdata) {
        quiet_changed(userdata);
}

void show_problem(Notifier *n, const char *summary, const sd_bus_error *error) {
        NotificationContent content = {
                .icon = "psoas-sensor-problem",
                .summary = summary,
                .body = error->message ?: error->name,
                .urgency = URGENCY_NORMAL,
                .expire_timeout_ms = -1,
        };

        log_warning("%s: %s", summary, content.body);
        if (may_show(n))
                (void)notification_show(n->problem, &content);
}

/* The open prompt is answered or over: later progress does not bring it back. */
void forget_prompt_text(Notifier *n) {
        n->stretch_body = mfree(n->stretch_body);
        n->stretch_steps = mfree(n->stretch_steps);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The wearer's choices */

int on_snooze_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;

        if (sd_bus_message_is_method_error(m, NULL))
                show_problem(n, "Could not snooze the alerts", sd_bus_message_get_error(m));
        else
                log_debug("Alerts snoozed for %u s.", SNOOZE_SECONDS);
        return 0;
}

/* A call to psoasd that replies through callback. Like every call here it does not start psoasd by bus
 * activation: with no psoasd there is no one to snooze. The reply slot is floating: it belongs to the bus,
 * which the notifier closes before it frees itself. */
static int call_daemon_onv(Notifier *n, const char *interface, const char *member,
        sd_bus_message_handler_t callback, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!n->daemon_bus)
                return -ENOTCONN; /* between two tries to reconnect */
        r = sd_bus_message_new_method_call(n->daemon_bus, &m, DAEMON_NAME, DAEMON_PATH, interface, member);
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_message_appendv(m, types, ap);
        if (r >= 0)
                r = sd_bus_call_async(n->daemon_bus, NULL, m, callback, n, CALL_TIMEOUT_USEC);
        if (r < 0)
                log_warning_errno(r, "Could not call psoasd's %s(): %m", member);
        return r;
}

void call_daemon_on(Notifier *n, const char *interface, const char *member,
        sd_bus_message_handler_t callback, const char *types, ...) {
        va_list ap;

        va_start(ap, types);
        (void)call_daemon_onv(n, interface, member, callback, types, ap);
        va_end(ap);
}

/* A method of psoasd's own interface, for the wearer: a call that cannot even be sent (psoasd's bus is gone,
 * the link to the board is down) is told, as a refused one is. */
void call_daemon(
        Notifier *n, const char *member, sd_bus_message_handler_t callback, const char *types, ...) {
        _cleanup_free_ char *text = NULL;
        sd_bus_error error = { .name = SD_BUS_ERROR_NO_SERVER };
        va_list ap;
        int r;

        va_start(ap, types);
        r = call_daemon_onv(n, DAEMON_INTERFACE, member, callback, types, ap);
        va_end(ap);
        if (r >= 0)
                return;
        if (asprintf(&text, "psoasd on %s cannot be reached now (%s).", n->where, strerror(-r)) < 0)
                text = NULL;
        error.message = text;
        show_problem(n, "Could not reach psoasd", &error);
}

static void on_alert_action(Notification *alert, const char *action, void *userdata) {
        Notifier *n = userdata;

        if (streq(action, "snooze"))
                call_daemon(n, "Snooze", on_snooze_reply, "u", SNOOZE_SECONDS);
        /* "I'm up" and "Got it" only dismiss it: the sensor sees the break or the better posture. Servers
         * may leave a notification open after an action, so it is closed here in every case. */
        (void)notification_close(alert);
}

static int on_daemon_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;

        if (sd_bus_message_is_signal(m, DAEMON_INTERFACE, "Alert"))
                handle_alert(n, m);
        else if (sd_bus_message_is_signal(m, DAEMON_INTERFACE, "StretchPrompt"))
                handle_stretch_prompt(n, m);
        else if (sd_bus_message_is_signal(m, DAEMON_INTERFACE, "StretchVerified"))
                handle_stretch_verified(n, m);
        else if (sd_bus_message_is_signal(m, DAEMON_INTERFACE, "StretchProgress"))
                handle_stretch_progress(n, m);
        else if (sd_bus_message_is_signal(m, DAEMON_INTERFACE, "StretchMissed"))
                handle_stretch_missed(n, m);
        else if (sd_bus_message_is_signal(m, DAEMON_INTERFACE, "BreakTaken")) {
                log_debug("Break taken: closing the sitting alert.");
                forget_held_sitting(n);
                n->shown.sitting_alerted = false;
                indicator_show(n);
                (void)notification_close(n->alerts[ALERT_SITTING]);
        }
        return 0;
}

/* Reads the properties that matter here from an a{sv} (GetAll's reply, PropertiesChanged's changes). */
static int read_daemon_properties(Notifier *n, sd_bus_message *m) {
        const char *name;
        uint64_t sitting_since;
        bool today_read = false;
        int b, r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        break;
                if (streq(name, "Inhibited")) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        if (r >= 0)
                                set_inhibited(n, b);
                } else if (streq(name, "StretchRedFlags")) {
                        const char *text;

                        r = sd_bus_message_read(m, "v", "s", &text);
                        if (r >= 0 && set_string(&n->red_flags, text) < 0)
                                r = -ENOMEM;
                        if (r >= 0 && n->red_flags_wanted && may_show(n))
                                show_red_flags_once(n);
                } else if (streq(name, "SittingSince")) {
                        /* The bout is over (also when psoasd came back without one): nothing to alert
                         * about any more, even if the BreakTaken signal was missed. */
                        r = sd_bus_message_read(m, "v", "t", &sitting_since);
                        if (r >= 0 && sitting_since != n->shown.sitting_since_us)
                                n->shown.sitting_alerted = false; /* another bout, or none */
                        if (r >= 0)
                                n->shown.sitting_since_us = sitting_since;
                        if (r >= 0 && sitting_since == 0) {
                                forget_held_sitting(n);
                                (void)notification_close(n->alerts[ALERT_SITTING]);
                        }
                } else if (streq(name, "Posture") || streq(name, "SensorState")) {
                        const char *text;

                        r = sd_bus_message_read(m, "v", "s", &text);
                        if (r >= 0 &&
                                set_string(streq(name, "Posture") ? &n->posture : &n->sensor_state, text) <
                                        0)
                                r = -ENOMEM;
                } else if (streq(name, "SnoozedUntil"))
                        r = sd_bus_message_read(m, "v", "t", &n->shown.snoozed_until_us);
                else if (streq(name, "SittingToday")) {
                        r = sd_bus_message_read(m, "v", "t", &n->shown.sitting_today_s);
                        today_read = true;
                } else if (streq(name, "ClockAnchor"))
                        r = sd_bus_message_read(m, "v", "t", &n->shown.clock.anchor_us);
                else if (streq(name, "ClockAnchorWall"))
                        r = sd_bus_message_read(m, "v", "t", &n->shown.clock.anchor_wall_us);
                else if (streq(name, "ClockSpeed"))
                        r = sd_bus_message_read(m, "v", "d", &n->shown.clock.speed);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        /* On psoasd's clock, which GetAll gives after SittingToday. */
        if (today_read)
                n->shown.sitting_today_read_us = psoas_clock_now(&n->shown.clock);
        indicator_show(n);
        return r;
}

static int on_daemon_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const char *interface;
        int r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r >= 0 && streq(interface, DAEMON_INTERFACE))
                r = read_daemon_properties(n, m);
        if (r < 0)
                log_warning_errno(r, "Malformed PropertiesChanged signal from psoasd: %m");
        return 0;
}

static int on_get_all_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const sd_bus_error *e;
        int r;

        n->get_all_call = sd_bus_slot_unref(n->get_all_call);
        if (sd_bus_message_is_method_error(m, NULL)) {
                e = sd_bus_message_get_error(m);
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                        log_info("Waiting for psoasd (%s) on %s.", DAEMON_NAME, n->where);
                else
                        log_warning("Could not read psoasd's state: %s", e->message ?: e->name);
                return 0;
        }

        n->daemon_present = true;
        n->reconnect_delay_usec = 0;
        log_info("Following psoasd on %s.", n->where);
        /* A psoasd that does not say (an older one) runs on the wall clock. */
        n->shown.clock = PSOAS_CLOCK_WALL;
        r = read_daemon_properties(n, m);
        if (r < 0)
                log_warning_errno(r, "psoasd's properties could not be read: %m");
        return 0;
}

/* Reads psoasd's state if it is there, without starting it by bus activation: the notifier follows psoasd,
 * it does not run it. */
static int read_daemon_state(Notifier *n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(
                n->daemon_bus, &m, DAEMON_NAME, DAEMON_PATH, "org.freedesktop.DBus.Properties", "GetAll");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", DAEMON_INTERFACE);
        if (r < 0)
                return log_error_errno(r, "Could not build a GetAll call: %m");
        n->get_all_call = sd_bus_slot_unref(n->get_all_call);
        r = sd_bus_call_async(n->daemon_bus, &n->get_all_call, m, on_get_all_reply, n, CALL_TIMEOUT_USEC);
        if (r < 0)
                return log_error_errno(r, "Could not ask psoasd for its state: %m");
        return 0;
}

static void on_daemon_owner_changed(const char *old_owner, const char *new_owner, void *userdata) {
        Notifier *n = userdata;

        if (old_owner && n->daemon_present) {
                log_info("psoasd left %s; waiting for it to come back.", n->where);
                n->daemon_present = false;
                /* Its inhibitors went with it. */
                set_inhibited(n, false);
                indicator_show(n);
        }
        if (new_owner) {
                log_info("psoasd is on %s.", n->where);
                /* Present from now on, even if it goes before answering GetAll: its leaving must still be seen
                 * (and its inhibitors dropped). */
                n->daemon_present = true;
                (void)read_daemon_state(n);
        }
}

/* ------------------------------------------------------------------------------------------------------- */

static void daemon_disconnect(Notifier *n);
static int daemon_connect(Notifier *n);

/* The link to a remote psoasd dropped (the network, the board's battery, ssh): tried again and again, each wait
 * twice the last, up to a minute. */
static void schedule_reconnect(Notifier *n) {
        int r;

        n->reconnect_delay_usec = n->reconnect_delay_usec == 0
                ? RECONNECT_FIRST_USEC
                : MIN(2 * n->reconnect_delay_usec, RECONNECT_MOST_USEC);
        log_info("Connecting to %s again in %llu s.", n->where,
                (unsigned long long)(n->reconnect_delay_usec / (1000 * 1000)));
        r = sd_event_source_set_time_relative(n->reconnect_timer, n->reconnect_delay_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(n->reconnect_timer, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_error_errno(r, "Could not schedule the reconnection: %m");
                (void)sd_event_exit(n->event, EXIT_FAILURE);
        }
}

static int on_reconnect_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        Notifier *n = userdata;

        daemon_disconnect(n);
        if (daemon_connect(n) < 0)
                schedule_reconnect(n);
        return 0;
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        sd_bus *bus = sd_bus_message_get_bus(m);

        if (bus == n->daemon_bus && n->host) {
                log_warning("Lost the connection to %s.", n->where);
                if (n->daemon_present) {
                        n->daemon_present = false;
                        /* Its inhibitors are out of reach: nothing holds the alerts back any more. */
                        set_inhibited(n, false);
                        indicator_show(n);
                }
                schedule_reconnect(n);
                return 0;
        }
        /* A local bus going away is the session or the system ending: the unit or the session starts it anew. */
        log_error(
                "Lost the connection to %s; exiting.", bus == n->session_bus ? "the session bus" : n->where);
        return sd_event_exit(n->event, EXIT_FAILURE);
}

static int open_bus(Notifier *n, sd_bus *bus, const char *description) {
        int r;

        r = sd_bus_attach_event(bus, n->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Could not attach the %s bus to the event loop: %m", description);
        r = sd_bus_match_signal_async(bus, NULL, "org.freedesktop.DBus.Local", "/org/freedesktop/DBus/Local",
                "org.freedesktop.DBus.Local", "Disconnected", on_disconnected, NULL, n);
        if (r < 0)
                return log_error_errno(r, "Could not watch the %s bus connection: %m", description);
        return 0;
}

/* Connects to psoasd's bus, subscribes to psoasd's signals and asks for its state. */
static int daemon_connect(Notifier *n) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (n->host)
                /* ssh -xT HOST systemd-stdio-bridge: the remote system bus on the ssh process's stdio. */
                r = sd_bus_open_system_remote(&bus, n->host);
        else if (n->user_bus)
                r = sd_bus_open_user_with_description(&bus, "psoasd");
        else
                r = sd_bus_open_system_with_description(&bus, "psoasd");
        if (r < 0)
                return log_error_errno(r, "Could not connect to %s: %m", n->where);
        r = open_bus(n, bus, "psoasd");
        if (r < 0)
                return r;
        n->daemon_bus = TAKE_PTR(bus);

        /* Matches first, then the state: the bus answers in order, so no change falls in between. */
        r = bus_follow_owner_async(n->daemon_bus, &n->owner_match, DAEMON_NAME, on_daemon_owner_changed, n);
        if (r >= 0)
                r = sd_bus_match_signal_async(n->daemon_bus, &n->signal_match, DAEMON_NAME, DAEMON_PATH,
                        DAEMON_INTERFACE, NULL, on_daemon_signal, NULL, n);
        if (r >= 0)
                r = sd_bus_match_signal_async(n->daemon_bus, &n->properties_match, DAEMON_NAME, DAEMON_PATH,
                        "org.freedesktop.DBus.Properties", "PropertiesChanged", on_daemon_properties_changed,
                        NULL, n);
        if (r < 0)
                return log_error_errno(r, "Could not subscribe to psoasd's signals: %m");
        return read_daemon_state(n);
}

/* Drops psoasd's bus and what hangs on it; the floating reply slots (userdata n) go with the bus. */
static void daemon_disconnect(Notifier *n) {
        n->owner_match = sd_bus_slot_unref(n->owner_match);
        n->signal_match = sd_bus_slot_unref(n->signal_match);
        n->properties_match = sd_bus_slot_unref(n->properties_match);
        n->get_all_call = sd_bus_slot_unref(n->get_all_call);
        n->daemon_bus = sd_bus_flush_close_unref(n->daemon_bus);
}

/* Notifications left on screen would offer actions nobody answers any more: closed as the loop exits,
 * before the buses' own exit handlers flush and close them. */
static int on_loop_exit(sd_event_source *source, void *userdata) {
        Notifier *n = userdata;

        notification_server_close_all(n->server);
        return 0;
}

Notifier *notifier_free(Notifier *n) {
        if (!n)
                return NULL;

        sd_event_source_disable_unref(n->exit_source);
        n->server = notification_server_free(n->server);
        n->desktop = desktop_busy_free(n->desktop);
        n->indicator = indicator_free(n->indicator);
        sd_event_source_disable_unref(n->today_timer);
        free(n->posture);
        free(n->sensor_state);
        free(n->today_path);
        held_alerts_clear(&n->held);

        sd_event_source_disable_unref(n->reconnect_timer);
        daemon_disconnect(n);
        /* Drops the floating reply slots whose userdata is n. */
        sd_bus_flush_close_unref(n->session_bus);
        sd_event_unref(n->event);
        free(n->host);
        free(n->where);
        free(n->stretch_id);
        free(n->stretch_title);
        free(n->stretch_body);
        free(n->stretch_steps);
        free(n->red_flags);
        free(n);
        return NULL;
}

int notifier_new(sd_event *event, const NotifierOptions *options, Notifier **ret) {
        _cleanup_(notifier_freep) Notifier *n = NULL;
        int r;

        n = calloc(1, sizeof(*n));
        if (!n)
                return log_error_errno(ENOMEM, "Out of memory.");
        n->event = sd_event_ref(event);
        n->user_bus = options->user_bus;
        n->sound = options->sound;
        n->quiet = options->quiet;
        n->shown.clock = PSOAS_CLOCK_WALL;

        r = sd_event_add_exit(event, &n->exit_source, on_loop_exit, n);
        if (r >= 0)
                r = sd_event_source_set_priority(n->exit_source, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0)
                return log_error_errno(r, "Could not add an exit handler: %m");

        if (options->host) {
                n->host = strdup(options->host);
                if (!n->host || asprintf(&n->where, "the system bus of %s", options->host) < 0)
                        return log_error_errno(ENOMEM, "Out of memory.");
        } else {
                n->where = strdup(n->user_bus ? "the session bus" : "the system bus");
                if (!n->where)
                        return log_error_errno(ENOMEM, "Out of memory.");
        }
        r = sd_event_add_time_relative(
                event, &n->reconnect_timer, CLOCK_MONOTONIC, RECONNECT_FIRST_USEC, 0, on_reconnect_timer, n);
        if (r >= 0)
                r = sd_event_source_set_enabled(n->reconnect_timer, SD_EVENT_OFF);
        if (r < 0)
                return log_error_errno(r, "Could not set up the reconnection timer: %m");

        r = sd_bus_open_user_with_description(&n->session_bus, "notifications");
        if (r < 0)
                return log_error_errno(r, "Could not connect to the session bus: %m");
        r = open_bus(n, n->session_bus, "notifications");
        if (r < 0)
                return r;

        r = notification_server_new(n->session_bus, "psoas", on_do_not_disturb, n, &n->server);
        if (r < 0)
                return log_error_errno(r, "Could not watch the notification server: %m");
        for (size_t i = 0; i < _ALERT_MAX; i++) {
                r = notification_new(n->server, alert_kinds[i].tag, on_alert_action, n, &n->alerts[i]);
                if (r < 0)
                        return log_error_errno(r, "Out of memory.");
        }
        /* The notifications shown one at a time besides the alerts, each under its tag. */
        const struct {
                const char *tag;
                NotificationActionHandler on_action;
                Notification **notification;
        } others[] = {
                { "stretch", on_stretch_action, &n->stretch },
                { "safety", on_safety_action, &n->safety },
                { "problem", NULL, &n->problem },
                /* Its actions are the tilt alert's: snooze, or only close it. */
                { "held alerts", on_alert_action, &n->held_summary },
                { "calibration", NULL, &n->calibration },
        };
        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                r = notification_new(
                        n->server, others[i].tag, others[i].on_action, n, others[i].notification);
                if (r < 0)
                        return log_error_errno(r, "Out of memory.");
        }
        if (options->indicator) {
                r = indicator_new(n->session_bus, event, on_indicator_action, n, &n->indicator);
                if (r < 0)
                        return log_error_errno(r, "Could not publish the panel indicator: %m");
                r = sd_event_add_time_relative(
                        event, &n->today_timer, CLOCK_MONOTONIC, TODAY_PERIOD_USEC, 0, on_today_timer, n);
                if (r < 0)
                        return log_error_errno(r, "Could not set up the indicator's timer: %m");
        }
        if (n->quiet & QUIET_INHIBITORS) {
                r = desktop_busy_new(n->session_bus, on_desktop_busy, n, &n->desktop);
                if (r < 0)
                        return log_error_errno(r, "Could not follow the desktop's inhibitors: %m");
        }

        r = daemon_connect(n);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(n);
        return 0;
}
