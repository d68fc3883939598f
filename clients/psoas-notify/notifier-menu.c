/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The panel indicator's menu: Snooze, Resume, Calibrate… and Today, each an action on psoasd or a chart. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "notifier-private.h"

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

void on_indicator_action(Indicator *indicator, IndicatorAction action, void *userdata) {
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

int on_today_timer(sd_event_source *source, uint64_t usec, void *userdata) {
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
