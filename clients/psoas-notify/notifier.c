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
#include "notifier.h"
#include "prompt-details.h"
#include "xdg.h"

#define DAEMON_NAME "org.psoas.Posture1"
#define DAEMON_PATH "/org/psoas/Posture1"
#define DAEMON_INTERFACE "org.psoas.Posture1"

#define SNOOZE_SECONDS 900u
/* The indicator's tooltip reads psoasd's SittingToday this often. */
#define TODAY_PERIOD_USEC (60ULL * 1000 * 1000)
/* A call to psoasd that has not replied in this long has failed; the wearer is told. */
#define CALL_TIMEOUT_USEC (10ULL * 1000 * 1000)
/* The sensor's confirmation of a stretch needs no answer: it goes away by itself. */
#define CONFIRMATION_TIMEOUT_MS 10000

/* Alert levels run from 1 to 3 (org.psoas.Posture1(5)); a higher level is shown as level 3. */
#define ALERT_LEVELS 3

/* What one level of an alert says: each level says something new, rather than the first text louder. */
typedef struct AlertWording {
        const char *summary;
        const char *advice; /* added after psoasd's message; NULL for none */
        const char *icon;
} AlertWording;

typedef struct AlertKind {
        const char *kind; /* as in the Alert signal; NULL for kinds this version does not know */
        const char *tag;
        AlertWording levels[ALERT_LEVELS];
        const char *const *actions;
} AlertKind;

static const char *const sitting_actions[] = { "snooze", "Snooze 15 min", "up", "I'm up", NULL };
static const char *const tilt_actions[] = { "snooze", "Snooze 15 min", "ok", "Got it", NULL };
static const char *const stretch_actions[] = { "done", "Done", "skip", "Skip", NULL };
/* The prompt while its steps are not yet all on screen. */
static const char *const stretch_how_actions[] = { "done", "Done", "how", "How?", "skip", "Skip", NULL };
static const char *const red_flags_actions[] = { "ok", "Understood", NULL };

enum {
        ALERT_SITTING,
        ALERT_TILT,
        ALERT_SITTING_SOON,
        ALERT_OTHER,
        _ALERT_MAX,
};

static const AlertKind alert_kinds[_ALERT_MAX] = {
        [ALERT_SITTING] = {
                .kind = "sitting",
                .tag = "sitting alert",
                .levels = {
                        { "Time to stand up", "Stand up and move about for a minute or two.", "psoas-sitting" },
                        { "Still sitting: stand up now",
                                "A minute on your feet is enough: fetch some water or walk to the window.",
                                "psoas-sitting" },
                        { "Sitting too long: take a real break",
                                "Two reminders have passed. Stand up and walk for five minutes; snooze only if "
                                "you truly cannot.",
                                "psoas-sitting-long" },
                },
                .actions = sitting_actions,
        },
        [ALERT_TILT] = {
                .kind = "tilt",
                .tag = "tilt alert",
                .levels = {
                        { "Mind your pelvic tilt",
                                "Stand tall: let your tailbone drop and gently draw in your belly.",
                                "psoas-standing" },
                        { "Pelvic tilt still high",
                                "Unlock your knees, squeeze your glutes lightly and tuck your tailbone under.",
                                "psoas-standing" },
                        { "Tilted for a long while",
                                "Give your lower back a rest: shift your weight, walk a few steps or sit down "
                                "for a moment.",
                                "psoas-standing" },
                },
                .actions = tilt_actions,
        },
        /* The heads-up before a bout's first sitting alert (level 0), when psoasd is configured to give one. */
        [ALERT_SITTING_SOON] = {
                .kind = "sitting-soon",
                .tag = "sitting heads-up",
                .levels = {
                        { "A sitting alert is coming", "A good moment to stand up before it does.",
                                "psoas-sitting" },
                        { "A sitting alert is coming", "A good moment to stand up before it does.",
                                "psoas-sitting" },
                        { "A sitting alert is coming", "A good moment to stand up before it does.",
                                "psoas-sitting" },
                },
                .actions = tilt_actions,
        },
        [ALERT_OTHER] = {
                .tag = "alert",
                .levels = {
                        { "Posture alert", NULL, "psoas" },
                        { "Posture alert", NULL, "psoas" },
                        { "Posture alert", NULL, "psoas" },
                },
                .actions = tilt_actions,
        },
};

/* The sound of alerts and prompts with --sound, from the freedesktop sound theme. */
#define ALERT_SOUND "bell"

/* What arrived while the desktop was quiet, for the summary afterwards. */
typedef struct HeldAlerts {
        unsigned alerts[_ALERT_MAX];
        uint32_t level[_ALERT_MAX]; /* the highest */
        char *message[_ALERT_MAX]; /* the latest */
        unsigned prompts;
        char *prompt_title; /* the latest */
} HeldAlerts;

/* After the link to a remote psoasd dropped, the first try to reconnect comes after this long; each failure
 * doubles the wait, up to the most. */
#define RECONNECT_FIRST_USEC (1ULL * 1000 * 1000)
#define RECONNECT_MOST_USEC (60ULL * 1000 * 1000)

struct Notifier {
        sd_event *event;
        bool user_bus;
        /* psoasd's machine over SSH ([USER@]HOST), or NULL for this one. */
        char *host;
        /* "the system bus", "the session bus" or "the system bus of HOST", for messages. */
        char *where;
        sd_event_source *reconnect_timer;
        uint64_t reconnect_delay_usec; /* 0 until the link drops, and again once psoasd answered */
        bool sound;
        QuietFlags quiet;
        /* psoasd's bus: the system bus, or the session bus for a per-user psoasd. */
        sd_bus *daemon_bus;
        /* The notification server's: always the session bus. */
        sd_bus *session_bus;

        NotificationServer *server;
        Notification *alerts[_ALERT_MAX];
        Notification *stretch;
        /* The warnings that go with every stretch (psoasd's StretchRedFlags), shown once. */
        Notification *safety;
        char *red_flags;
        bool red_flags_shown, red_flags_wanted;
        /* Tells the wearer that an action could not reach psoasd. */
        Notification *problem;
        /* What was held while the desktop was quiet, once it is no longer. */
        Notification *held_summary;
        HeldAlerts held;
        DesktopBusy *desktop;

        /* The panel indicator (NULL with --no-indicator), what it shows, and the strings that points to. */
        Indicator *indicator;
        IndicatorState shown;
        char *posture, *sensor_state;
        Notification *calibration;
        sd_event_source *today_timer;
        char *today_path; /* where psoasctl writes today's chart */
        /* The stretch the stretch notification is about. */
        char *stretch_id;
        char *stretch_title;
        /* The open prompt's text, which its progress is shown above; NULL once answered or ended. */
        char *stretch_body;
        /* Its whole text (every step, the safety note) while the body shows only the first step and the
         * "How?" action; NULL when the body has it all. */
        char *stretch_steps;

        bool daemon_present;
        bool inhibited;

        sd_bus_slot *owner_match;
        sd_bus_slot *signal_match;
        sd_bus_slot *properties_match;
        sd_bus_slot *get_all_call;
        sd_event_source *exit_source;
};

static char *mfree(char *p) {
        free(p);
        return NULL;
}

static int set_string(char **s, const char *value) {
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*s);
        *s = copy;
        return 0;
}

static bool ends_sentence(const char *s) {
        size_t len = strlen(s);

        return len == 0 || strchr(".!?", s[len - 1]);
}

/* Whether the desktop asks for quiet now: alerts and prompts are held, to be summarised afterwards. */
static bool desktop_quiet(Notifier *n) {
        return ((n->quiet & QUIET_DO_NOT_DISTURB) && notification_server_do_not_disturb(n->server)) ||
                ((n->quiet & QUIET_INHIBITORS) && desktop_busy_get(n->desktop));
}

static bool may_show(Notifier *n) {
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

static void show_held_summary(Notifier *n);

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

static void held_alerts_clear(HeldAlerts *h) {
        for (size_t i = 0; i < _ALERT_MAX; i++)
                free(h->message[i]);
        free(h->prompt_title);
        *h = (HeldAlerts){};
}

static bool held_alerts_any(const HeldAlerts *h) {
        for (size_t i = 0; i < _ALERT_MAX; i++)
                if (h->alerts[i] > 0)
                        return true;
        return h->prompts > 0;
}

/* The quiet is over: what it held, in one notification ("While you were busy"), a line per kind with the latest
 * message, how often and the highest level. */
static void show_held_summary(Notifier *n) {
        _cleanup_free_ char *body = NULL;
        size_t size = 0;
        FILE *f;

        if (!held_alerts_any(&n->held))
                return;
        f = open_memstream(&body, &size);
        if (!f) {
                log_error("Out of memory.");
                return;
        }
        for (size_t i = 0; i < _ALERT_MAX; i++) {
                const char *message = n->held.message[i];

                if (n->held.alerts[i] == 0)
                        continue;
                fprintf(f, "%s%s%s", ftell(f) > 0 ? "\n" : "", message, ends_sentence(message) ? "" : ".");
                if (n->held.alerts[i] > 1)
                        fprintf(f, " (%u reminders, up to level %u)", n->held.alerts[i], n->held.level[i]);
        }
        if (n->held.prompts > 0)
                fprintf(f, "%sStretch suggested: %s%s", ftell(f) > 0 ? "\n" : "", n->held.prompt_title,
                        n->held.prompts > 1 ? " (and others)" : "");
        if (fclose(f) != 0 || !body) {
                log_error("Out of memory.");
                return;
        }

        log_info("Showing what was held back: %u sitting, %u tilt, %u other alerts, %u stretch prompts.",
                n->held.alerts[ALERT_SITTING], n->held.alerts[ALERT_TILT], n->held.alerts[ALERT_OTHER],
                n->held.prompts);
        NotificationContent content = {
                .icon = n->held.level[ALERT_SITTING] >= ALERT_LEVELS ? "psoas-sitting-long" : "psoas",
                .summary = "While you were busy",
                .body = body,
                .actions =
                        n->held.alerts[ALERT_SITTING] + n->held.alerts[ALERT_TILT] > 0 ? tilt_actions : NULL,
                .urgency = URGENCY_NORMAL,
                .expire_timeout_ms = 0,
        };
        (void)notification_show(n->held_summary, &content);
        held_alerts_clear(&n->held);
}

/* The desktop became quiet (on screen goes too: the quiet was chosen after it appeared) or is no longer. */
static void quiet_changed(Notifier *n) {
        if (desktop_quiet(n))
                close_all(n);
        else if (!n->inhibited)
                show_held_summary(n);
}

/* Tells the indicator what the notifier knows now. */
static void indicator_show(Notifier *n) {
        n->shown.daemon_present = n->daemon_present;
        n->shown.posture = n->posture;
        n->shown.sensor_state = n->sensor_state;
        indicator_update(n->indicator, &n->shown);
}

/* The bout is over: a sitting alert held for later would be about a bout that ended. */
static void forget_held_sitting(Notifier *n) {
        n->held.alerts[ALERT_SITTING] = n->held.level[ALERT_SITTING] = 0;
        n->held.message[ALERT_SITTING] = mfree(n->held.message[ALERT_SITTING]);
}

static void on_do_not_disturb(NotificationServer *s, bool do_not_disturb, void *userdata) {
        quiet_changed(userdata);
}

static void on_desktop_busy(DesktopBusy *d, bool busy, const char *why, void *userdata) {
        quiet_changed(userdata);
}

static void show_problem(Notifier *n, const char *summary, const sd_bus_error *error) {
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
static void forget_prompt_text(Notifier *n) {
        n->stretch_body = mfree(n->stretch_body);
        n->stretch_steps = mfree(n->stretch_steps);
}

static void show_stretch(Notifier *n, const char *summary, const char *body);

/* ------------------------------------------------------------------------------------------------------- */
/* The wearer's choices */

static int on_snooze_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;

        if (sd_bus_message_is_method_error(m, NULL))
                show_problem(n, "Could not snooze the alerts", sd_bus_message_get_error(m));
        else
                log_debug("Alerts snoozed for %u s.", SNOOZE_SECONDS);
        return 0;
}

static int on_complete_stretch_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;

        if (sd_bus_message_is_method_error(m, NULL))
                show_problem(n, "Could not record the stretch", sd_bus_message_get_error(m));
        else
                log_debug("Stretch reported done.");
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

static void call_daemon_on(Notifier *n, const char *interface, const char *member,
        sd_bus_message_handler_t callback, const char *types, ...) {
        va_list ap;

        va_start(ap, types);
        (void)call_daemon_onv(n, interface, member, callback, types, ap);
        va_end(ap);
}

/* A method of psoasd's own interface, for the wearer: a call that cannot even be sent (psoasd's bus is gone,
 * the link to the board is down) is told, as a refused one is. */
static void call_daemon(
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

static void on_stretch_action(Notification *stretch, const char *action, void *userdata) {
        _cleanup_free_ char *summary = NULL;
        Notifier *n = userdata;

        if (streq(action, "how") && n->stretch_steps && n->stretch_body) {
                /* Every step from now on, progress included; the prompt stays open for Done or Skip. */
                free(n->stretch_body);
                n->stretch_body = TAKE_PTR(n->stretch_steps);
                if (asprintf(&summary, "Stretch: %s", n->stretch_title) < 0) {
                        log_error("Out of memory.");
                        return;
                }
                show_stretch(n, summary, n->stretch_body);
                return;
        }

        if (streq(action, "done") && n->stretch_id)
                call_daemon(n, "CompleteStretch", on_complete_stretch_reply, "s", n->stretch_id);
        forget_prompt_text(n);
        (void)notification_close(stretch);
}

static void on_safety_action(Notification *safety, const char *action, void *userdata) {
        (void)notification_close(safety);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The indicator's menu */

static int on_calibrate_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_free_ char *body = NULL;
        Notifier *n = userdata;
        double neutral;

        if (sd_bus_message_is_method_error(m, NULL)) {
                show_problem(n, "Could not calibrate", sd_bus_message_get_error(m));
                return 0;
        }
        if (sd_bus_message_read(m, "d", &neutral) < 0 ||
                asprintf(&body, "Your neutral standing posture is captured: the pelvis at %.1f°.", neutral) <
                        0) {
                body = NULL;
                log_warning("psoasd's reply to Calibrate() is not a number.");
                return 0;
        }
        log_info("Calibrated: neutral inclination %.1f°.", neutral);
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = "Calibrated",
                .body = body,
                .urgency = URGENCY_LOW,
                .expire_timeout_ms = CONFIRMATION_TIMEOUT_MS,
        };
        (void)notification_show(n->calibration, &content);
        return 0;
}

/* Runs argv (NULL-terminated) in a child with the signals unblocked, and calls on_exit from the loop when it
 * ends. */
static int spawn_watched(Notifier *n, char *const argv[], sd_event_child_handler_t on_exit) {
        sigset_t none;
        pid_t pid;
        int r;

        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Could not start %s: %m", argv[0]);
        if (pid == 0) {
                /* The loop's blocked signals are not the child's. */
                sigemptyset(&none);
                (void)sigprocmask(SIG_SETMASK, &none, NULL);
                execvp(argv[0], argv);
                _exit(127);
        }
        log_debug("Started %s (pid %d).", argv[0], (int)pid);
        /* A floating source: the loop owns it. */
        r = sd_event_add_child(n->event, NULL, pid, WEXITED, on_exit, n);
        if (r < 0)
                return log_warning_errno(r, "Could not watch %s: %m", argv[0]);
        return 0;
}

static void today_failed(Notifier *n, const char *why) {
        sd_bus_error error = { .name = SD_BUS_ERROR_FAILED, .message = why };

        show_problem(n, "Could not show today's statistics", &error);
}

static bool child_failed(const siginfo_t *si) {
        return si->si_code != CLD_EXITED || si->si_status != 0;
}

static int on_xdg_open_exit(sd_event_source *source, const siginfo_t *si, void *userdata) {
        if (child_failed(si))
                today_failed(userdata, "xdg-open could not open the chart.");
        return 0;
}

static void open_with_xdg_open(Notifier *n) {
        char *argv[] = { (char *)"xdg-open", n->today_path, NULL };

        if (spawn_watched(n, argv, on_xdg_open_exit) < 0)
                today_failed(n, "xdg-open could not be started.");
}

static int on_open_file_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        const sd_bus_error *e;

        if (!sd_bus_message_is_method_error(m, NULL)) {
                log_debug("The desktop portal opens %s.", n->today_path);
                return 0;
        }
        e = sd_bus_message_get_error(m);
        log_debug("No desktop portal to open the chart (%s); trying xdg-open.", e->message ?: e->name);
        open_with_xdg_open(n);
        return 0;
}

/* The image viewer is started by the desktop portal (OpenURI.OpenFile, which takes the file as a descriptor)
 * where there is one: the viewer then runs outside this program's sandbox (psoas-notify.service forbids W^X
 * mappings and network sockets, which a browser needs). Without a portal, xdg-open here. */
static void open_chart(Notifier *n) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = open(n->today_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                today_failed(n, "psoasctl wrote no chart.");
                return;
        }
        r = sd_bus_call_method_async(n->session_bus, NULL, "org.freedesktop.portal.Desktop",
                "/org/freedesktop/portal/desktop", "org.freedesktop.portal.OpenURI", "OpenFile",
                on_open_file_reply, n, "sha{sv}", "", fd, 0);
        if (r < 0)
                open_with_xdg_open(n);
}

static int on_psoasctl_exit(sd_event_source *source, const siginfo_t *si, void *userdata) {
        if (child_failed(si))
                today_failed(userdata, "psoasctl today failed; see the session's log.");
        else
                open_chart(userdata);
        return 0;
}

/* Today: psoasctl writes today's chart as an SVG image (for the same psoasd: --user, --host), which the
 * desktop's image viewer then shows. */
static void show_today(Notifier *n) {
        const char *runtime = getenv("XDG_RUNTIME_DIR");
        char *argv[8], **a = argv;

        if (!n->today_path &&
                asprintf(&n->today_path, "%s/psoas-today.svg",
                        runtime && *runtime == '/' ? runtime : "/tmp") < 0) {
                n->today_path = NULL;
                log_error("Out of memory.");
                return;
        }
        *a++ = (char *)"psoasctl";
        if (n->host) {
                *a++ = (char *)"--host";
                *a++ = n->host;
        } else
                *a++ = (char *)(n->user_bus ? "--user" : "--system");
        *a++ = (char *)"today";
        *a++ = (char *)"--svg";
        *a++ = n->today_path;
        *a = NULL;
        if (spawn_watched(n, argv, on_psoasctl_exit) < 0)
                today_failed(n, "psoasctl could not be started.");
}

static void on_indicator_action(Indicator *indicator, IndicatorAction action, void *userdata) {
        Notifier *n = userdata;

        switch (action) {
        case INDICATOR_SNOOZE_15_MIN:
                call_daemon(n, "Snooze", on_snooze_reply, "u", SNOOZE_SECONDS);
                break;
        case INDICATOR_SNOOZE_1_H:
                call_daemon(n, "Snooze", on_snooze_reply, "u", 3600u);
                break;
        case INDICATOR_RESUME:
                /* Snooze(0) ends the snooze. */
                call_daemon(n, "Snooze", on_snooze_reply, "u", 0u);
                break;
        case INDICATOR_CALIBRATE:
                call_daemon(n, "Calibrate", on_calibrate_reply, "");
                break;
        case INDICATOR_TODAY:
                show_today(n);
                break;
        default:
                break;
        }
}

/* SittingToday is never signalled (it changes every second while sitting): read once a minute, for the tooltip. */
static int on_sitting_today_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;
        uint64_t seconds;

        if (sd_bus_message_is_method_error(m, NULL) || sd_bus_message_read(m, "v", "t", &seconds) < 0)
                return 0;
        n->shown.sitting_today_s = seconds;
        n->shown.sitting_today_read_us = psoas_clock_now(&n->shown.clock);
        indicator_show(n);
        return 0;
}

static int on_today_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        Notifier *n = userdata;
        int r;

        if (n->daemon_present)
                call_daemon_on(n, "org.freedesktop.DBus.Properties", "Get", on_sitting_today_reply, "ss",
                        DAEMON_INTERFACE, "SittingToday");
        r = sd_event_source_set_time_relative(source, TODAY_PERIOD_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
        return r;
}

/* ------------------------------------------------------------------------------------------------------- */
/* psoasd's signals */

static void handle_alert(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *body = NULL;
        const AlertKind *k = &alert_kinds[ALERT_OTHER];
        const AlertWording *w;
        size_t kind_index;
        const char *kind, *message;
        Notification *slot;
        uint32_t level;
        int r;

        r = sd_bus_message_read(m, "ssu", &kind, &message, &level);
        if (r < 0) {
                log_warning_errno(r, "Malformed Alert signal: %m");
                return;
        }
        for (size_t i = 0; i < ALERT_OTHER; i++)
                if (streq(kind, alert_kinds[i].kind))
                        k = &alert_kinds[i];
        kind_index = k - alert_kinds;
        slot = n->alerts[kind_index];
        if (kind_index == ALERT_SITTING && !n->shown.sitting_alerted) {
                n->shown.sitting_alerted = true;
                indicator_show(n);
        }
        if (n->inhibited) {
                log_debug("Dropping the %s alert: psoasd is inhibited.", kind);
                return;
        }
        if (desktop_quiet(n) && kind_index == ALERT_SITTING_SOON) {
                /* A warning of what comes later is worth nothing afterwards: the alert itself is held. */
                log_debug("Dropping the sitting heads-up: the desktop is quiet.");
                return;
        }
        if (desktop_quiet(n)) {
                log_debug("Holding the %s alert (level %u) until the desktop is no longer quiet.", kind,
                        level);
                if (set_string(&n->held.message[kind_index], message) < 0) {
                        log_error("Out of memory.");
                        return;
                }
                n->held.alerts[kind_index]++;
                n->held.level[kind_index] = MAX(n->held.level[kind_index], level);
                return;
        }
        w = &k->levels[MIN(MAX(level, 1u), (uint32_t)ALERT_LEVELS) - 1];

        /* psoasd's message is a sentence without a full stop; the advice goes on a line of its own. */
        if (asprintf(&body, "%s%s%s%s", message, ends_sentence(message) ? "" : ".", w->advice ? "\n" : "",
                    w->advice ?: "") < 0) {
                body = NULL;
                log_error("Out of memory.");
                return;
        }

        /* Rising insistence: level 1 goes away by itself after the server's usual time, level 2 stays until
         * the wearer answers, level 3 is critical as well. Level 1 is not "low": some servers (GNOME Shell)
         * show low-urgency notifications only in their list, never as a banner. */
        NotificationContent content = {
                .icon = w->icon,
                .summary = w->summary,
                .body = body,
                .actions = k->actions,
                .urgency = level >= 3 ? URGENCY_CRITICAL : URGENCY_NORMAL,
                .expire_timeout_ms = level >= 2 ? 0 : -1,
                .sound = n->sound ? ALERT_SOUND : NULL,
        };
        (void)notification_show(slot, &content);
}

/* "Hold for 20–30 s on each side.", "Repeat 10–12 times.": the range, "each side" only where the catalog says. */
static void describe_amount(char *buf, size_t size, uint32_t lo, uint32_t hi, bool hold, bool per_side) {
        char range[32];

        if (lo == 0 || lo == hi)
                snprintf(range, sizeof(range), "%u", hi);
        else
                snprintf(range, sizeof(range), "%u–%u", lo, hi);
        snprintf(buf, size, hold ? "Hold for %s s%s." : "Repeat %s times%s.", range,
                per_side ? " on each side" : "");
}

/* The warnings that go with every stretch, once: before the first prompt this user sees, remembered in a file
 * under $XDG_STATE_HOME (~/.local/state), or for this run only when there is no such place. */
static void show_red_flags_once(Notifier *n) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        if (n->red_flags_shown)
                return;
        if (!n->red_flags) {
                /* The prompt came before psoasd's properties: shown when they arrive. */
                n->red_flags_wanted = true;
                return;
        }
        n->red_flags_shown = true;
        if (xdg_user_path("XDG_STATE_HOME", ".local/state", "psoas-notify-red-flags-shown", &path) < 0)
                path = NULL;
        if (path && access(path, F_OK) == 0)
                return;

        NotificationContent content = {
                .icon = "psoas",
                .summary = "Before you stretch",
                .body = n->red_flags,
                .actions = red_flags_actions,
                .urgency = URGENCY_NORMAL,
                .expire_timeout_ms = 0,
        };
        if (notification_show(n->safety, &content) < 0)
                return;
        if (path) {
                f = fopen(path, "we");
                if (f)
                        fclose(f);
                else
                        log_debug("Could not remember that the warnings were shown (%s): %m", path);
        }
}

#define SELF_REPORTED "\nThe sensor cannot see this one: press Done when you have done it (self-reported)."

/* The length of text's first sentence, its full stop included: up to the first ". ", or all of it. */
static size_t first_sentence_length(const char *text) {
        const char *end = strstr(text, ". ");

        return end ? (size_t)(end - text) + 1 : strlen(text);
}

/* The open prompt, with body under the title; "How?" offered while its steps are not all shown. */
static void show_stretch(Notifier *n, const char *summary, const char *body) {
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = summary,
                .body = body,
                .actions = n->stretch_steps ? stretch_how_actions : stretch_actions,
                .urgency = URGENCY_NORMAL,
                /* It waits for the wearer's answer, as psoasd waits for the stretch. */
                .expire_timeout_ms = 0,
                .sound = n->sound ? ALERT_SOUND : NULL,
        };

        (void)notification_show(n->stretch, &content);
}

static void handle_stretch_prompt(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL, *body = NULL, *steps = NULL;
        const char *id, *title, *instructions;
        uint32_t hold_seconds, repetitions;
        size_t first;
        PromptDetails d = { .verifiable = true };
        char amount[96] = "";
        int r;

        r = sd_bus_message_read(m, "sssuu", &id, &title, &instructions, &hold_seconds, &repetitions);
        /* Revision 2 appended the safety note and the details; revision 1's five arguments stay first. */
        if (r >= 0 && sd_bus_message_at_end(m, false) == 0)
                r = prompt_details_read(m, &d);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchPrompt signal: %m");
                return;
        }
        /* Remembered even when held back, so that the sensor's confirmation can name it. */
        if (set_string(&n->stretch_id, id) < 0 || set_string(&n->stretch_title, title) < 0) {
                log_error("Out of memory.");
                return;
        }
        forget_prompt_text(n);
        if (!n->inhibited && desktop_quiet(n)) {
                log_debug("Holding the prompt for stretch '%s' until the desktop is no longer quiet.", id);
                if (set_string(&n->held.prompt_title, title) < 0) {
                        log_error("Out of memory.");
                        return;
                }
                n->held.prompts++;
                return;
        }
        if (!may_show(n)) {
                log_debug("Dropping the prompt for stretch '%s': psoasd is inhibited.", id);
                return;
        }

        if (hold_seconds > 0)
                describe_amount(amount, sizeof(amount), d.hold_min_s, hold_seconds, true, d.per_side);
        else if (repetitions > 0)
                describe_amount(amount, sizeof(amount), d.repetitions_min, repetitions, false, d.per_side);
        first = first_sentence_length(instructions);
        /* A catalog stretch takes four or five sentences and a safety note, more than a banner shows: the
         * body gives the first step and the amount, and "How?" brings the rest (into the same notification). */
        if (asprintf(&summary, "Stretch: %s", title) < 0 ||
                asprintf(&steps, "%s\n%s%s%s%s", instructions, amount, d.safety ? "\nSafety: " : "",
                        d.safety ?: "", d.verifiable ? "" : SELF_REPORTED) < 0 ||
                asprintf(&body, "%.*s%s\n%s%s", (int)first, instructions, instructions[first] ? " …" : "",
                        amount, d.verifiable ? "" : SELF_REPORTED) < 0) {
                summary = body = steps = NULL;
                log_error("Out of memory.");
                return;
        }
        if (!instructions[first] && !d.safety)
                steps = mfree(steps); /* the body says it all */

        show_red_flags_once(n);
        free(n->stretch_steps);
        n->stretch_steps = TAKE_PTR(steps);
        n->stretch_body = TAKE_PTR(body);
        show_stretch(n, summary, n->stretch_body);
}

/* The prompt again, with how far the sensor has seen the stretch: "Side 1: 12 of 20 s held". */
static void handle_stretch_progress(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL, *body = NULL;
        uint32_t side, seconds, repetitions, goal;
        char sided[32] = "";
        const char *id;
        int r;

        r = sd_bus_message_read(m, "suuuu", &id, &side, &seconds, &repetitions, &goal);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchProgress signal: %m");
                return;
        }
        /* Only the prompt on screen is updated: one answered or held back stays so. */
        if (!streq_ptr(id, n->stretch_id) || !n->stretch_body || !may_show(n))
                return;
        if (side > 0)
                snprintf(sided, sizeof(sided), "Side %u: ", side);
        if (asprintf(&summary, "Stretch: %s", n->stretch_title) < 0 ||
                (repetitions > 0 ? asprintf(&body, "%s%u of %u repetitions seen\n%s", sided, repetitions,
                                           goal, n->stretch_body)
                                 : asprintf(&body, "%s%u of %u s held\n%s", sided, seconds, goal,
                                           n->stretch_body)) < 0) {
                summary = body = NULL;
                log_error("Out of memory.");
                return;
        }
        show_stretch(n, summary, body);
}

/* The window ended unconfirmed: psoasd's sentence says what the sensor saw instead ("You stood up, which is a
 * break, but ..."). Done still reports it, as the wearer's own word. */
static void handle_stretch_missed(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL, *body = NULL;
        const char *id, *message, *title;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r >= 0)
                r = sd_bus_message_skip(m, "as");
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &message);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchMissed signal: %m");
                return;
        }
        if (!streq_ptr(id, n->stretch_id))
                return; /* a prompt this notifier never saw */
        forget_prompt_text(n);
        if (!may_show(n))
                return;
        title = n->stretch_title;
        if (asprintf(&summary, "Stretch not confirmed: %s", title) < 0 ||
                asprintf(&body, "%s\nIf you did it, press Done: it counts as self-reported.", message) < 0) {
                summary = body = NULL;
                log_error("Out of memory.");
                return;
        }
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = summary,
                .body = body,
                .actions = stretch_actions,
                .urgency = URGENCY_LOW,
                .expire_timeout_ms = -1,
        };
        (void)notification_show(n->stretch, &content);
}

static void handle_stretch_verified(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL;
        const char *id, *title;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchVerified signal: %m");
                return;
        }
        forget_prompt_text(n);
        if (!may_show(n))
                return;

        /* It replaces the prompt when that is still open; after "Done" or "Skip" it is a new notification,
         * which goes away by itself. */
        title = streq_ptr(id, n->stretch_id) ? n->stretch_title : id;
        if (asprintf(&summary, "Stretch done: %s", title) < 0) {
                summary = NULL;
                log_error("Out of memory.");
                return;
        }
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = summary,
                .body = "The sensor confirmed it. Well done!",
                .urgency = URGENCY_LOW,
                .expire_timeout_ms = CONFIRMATION_TIMEOUT_MS,
        };
        (void)notification_show(n->stretch, &content);
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
        r = notification_new(n->server, "stretch", on_stretch_action, n, &n->stretch);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        r = notification_new(n->server, "safety", on_safety_action, n, &n->safety);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        r = notification_new(n->server, "problem", NULL, n, &n->problem);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        /* Its actions are the tilt alert's: snooze, or only close it. */
        r = notification_new(n->server, "held alerts", on_alert_action, n, &n->held_summary);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
        r = notification_new(n->server, "calibration", NULL, n, &n->calibration);
        if (r < 0)
                return log_error_errno(r, "Out of memory.");
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
