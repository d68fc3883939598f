/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* calibrate, snooze, inhibit and buzz: the verbs that change what psoasd does. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "format.h"

/* Calibrate() replies within 15 s (3 s of stillness within 15); give it room. */
#define CALIBRATE_TIMEOUT_US (30 * USEC_PER_SEC)
#define CALIBRATE_WINDOW_S 15u

/* ------------------------------------------------------------------------------------------------------- */
/* calibrate */

typedef struct Calibration {
        const Context *context;
        FILE *talk; /* where the guidance goes: stdout, or stderr when stdout carries JSON */
        bool progress; /* a progress line, redrawn in place on a terminal */
        bool replied;
        int result;
        double neutral_deg;
        uint64_t started_us; /* CLOCK_MONOTONIC */
} Calibration;

static void calibration_clear_progress(Calibration *cal) {
        if (cal->progress) {
                fputs("\r\033[K", cal->talk);
                fflush(cal->talk);
        }
}

static int on_calibrate_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Calibration *cal = userdata;
        const sd_bus_error *error = sd_bus_message_get_error(reply);
        int r;

        cal->replied = true;
        calibration_clear_progress(cal);
        if (error)
                cal->result = bus_log_error(
                        cal->context, "calibration failed", error, -sd_bus_message_get_errno(reply));
        else {
                r = sd_bus_message_read(reply, "d", &cal->neutral_deg);
                cal->result = r < 0
                        ? log_error_errno(r, "calibration failed: unexpected reply from psoasd: %m")
                        : 0;
        }
        return sd_event_exit(sd_bus_get_event(sd_bus_message_get_bus(reply)), 0);
}

static int on_calibrate_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Calibration *cal = userdata;
        uint64_t elapsed_s = (time_now_us(CLOCK_MONOTONIC) - cal->started_us) / USEC_PER_SEC;
        int r;

        if (cal->progress) {
                fprintf(cal->talk, "\r\033[KHolding still... %2u s of at most %u", (unsigned)elapsed_s,
                        CALIBRATE_WINDOW_S);
                fflush(cal->talk);
        }
        r = sd_event_source_set_time_relative(s, USEC_PER_SEC / 2);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

int verb_calibrate(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *tick = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        _cleanup_(properties_done) Properties props = {};
        Calibration cal = { .context = c, .talk = c->json ? stderr : stdout };
        char neutral[DEGREES_MAX];
        int r;

        cal.progress = isatty(fileno(cal.talk));

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        /* psoasd must be there before the wearer is asked to stand still for it. */
        r = bus_get_properties(bus, c, &props);
        if (r < 0)
                return r;

        if (c->sitting)
                fprintf(cal.talk, "Sit upright on your sit bones, as you mean to sit, and hold still.\n");
        else
                fprintf(cal.talk, "Stand tall in your usual good posture and hold still.\n");
        if (c->delay_s > 0) {
                fprintf(cal.talk, "Starting in");
                for (unsigned k = c->delay_s; k > 0; k--) {
                        fprintf(cal.talk, " %u...", k);
                        fflush(cal.talk);
                        sleep(1);
                }
                fprintf(cal.talk, "\n");
        }
        fprintf(cal.talk, "%s: psoasd needs 3 seconds of stillness within %u seconds.\n",
                c->sitting ? "Capturing your upright sitting posture" : "Calibrating", CALIBRATE_WINDOW_S);
        fflush(cal.talk);

        /* Created only now: it blocks SIGINT, and Ctrl-C during the countdown should end psoasctl at once. */
        r = bus_event_new(bus, &event);
        if (r < 0)
                return log_error_errno(r, "calibration failed: %m");
        r = sd_bus_message_new_method_call(bus, &call, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, PSOAS_INTERFACE,
                c->sitting ? "CalibrateSitting" : "Calibrate");
        if (r < 0)
                return log_error_errno(r, "calibration failed: %m");
        r = sd_bus_call_async(bus, &slot, call, on_calibrate_reply, &cal, CALIBRATE_TIMEOUT_US);
        if (r < 0)
                return bus_log_error(c, "calibration failed", NULL, r);
        cal.started_us = time_now_us(CLOCK_MONOTONIC);
        r = sd_event_add_time_relative(event, &tick, CLOCK_MONOTONIC, 0, 0, on_calibrate_tick, &cal);
        if (r < 0)
                return log_error_errno(r, "calibration failed: %m");

        r = sd_event_loop(event);
        if (r < 0)
                return log_error_errno(r, "calibration failed: %m");
        if (!cal.replied) {
                calibration_clear_progress(&cal);
                if (r == 0)
                        log_error("calibration cancelled; psoasd finishes the capture it started");
                else
                        log_error("calibration failed: lost the connection to %s", bus_where(c));
                return -ECANCELED;
        }
        if (cal.result < 0)
                return cal.result;

        if (c->json) {
                _cleanup_(json_object_put_nullp) json_object *o = json_object_new_object();

                if (!o ||
                        json_add(o, c->sitting ? "sitting_reference_inclination" : "neutral_inclination",
                                json_new_double(cal.neutral_deg)) < 0)
                        return log_oom();
                return json_print(o, true);
        }
        if (c->sitting) {
                printf("Captured: your upright sitting inclination is %s",
                        format_degrees(neutral, sizeof(neutral), cal.neutral_deg));
                printf(" (relative to gravity, positive anterior).\n");
                printf("Sitting slumped back from this posture for a while raises a slouch alert from now "
                       "on.\n");
                return 0;
        }
        printf("Calibrated: your neutral pelvic inclination is %s",
                format_degrees(neutral, sizeof(neutral), cal.neutral_deg));
        printf(" (relative to gravity, positive anterior).\n");
        printf("Tilt is measured from this posture from now on.\n");
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* snooze */

int verb_snooze(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        uint32_t seconds = c->cancel ? 0 : c->snooze_min * 60;
        uint64_t until = 0;
        char when[CLOCK_MAX];
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = bus_call(bus, c, c->cancel ? "cannot cancel the snooze" : "cannot snooze", "Snooze", 0, NULL,
                "u", seconds);
        if (r < 0)
                return r;

        if (c->cancel) {
                printf("Snooze cancelled: alerts are on again.\n");
                return 0;
        }
        r = sd_bus_get_property_trivial(bus, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, PSOAS_INTERFACE,
                "SnoozedUntil", &error, 't', &until);
        if (r < 0 || until == 0)
                /* Snoozed all the same; only the time to show is missing. */
                printf("Alerts snoozed for %u min.\n", c->snooze_min);
        else
                printf("Alerts snoozed for %u min, until %s.\n", c->snooze_min,
                        /* Until is now + seconds on psoasd's clock: so is "now". */
                        format_clock(when, sizeof(when), until, until - (uint64_t)seconds * USEC_PER_SEC));
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* inhibit */

static int exit_status_of(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                /* As shells report it. */
                return 128 + WTERMSIG(status);
        return EXIT_FAILURE;
}

int verb_inhibit(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *default_reason = NULL;
        struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
        const char *command = argv[0], *name = strrchr(command, '/') ? strrchr(command, '/') + 1 : command;
        uint32_t cookie;
        int status, r;
        pid_t pid;

        if (!c->why) {
                if (asprintf(&default_reason, "running %s", name) < 0)
                        return log_oom();
        }

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = bus_call(bus, c, "cannot inhibit alerts", "Inhibit", 0, &reply, "ss", c->who ?: "psoasctl",
                c->why ?: default_reason);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "u", &cookie);
        if (r < 0)
                return log_error_errno(r, "cannot inhibit alerts: unexpected reply from psoasd: %m");

        /* Like system(): Ctrl-C is for the command; we wait for it to end and then release the inhibitor. */
        sigaction(SIGINT, &ignore, &old_int);
        sigaction(SIGQUIT, &ignore, &old_quit);
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                return log_error_errno(-errno, "cannot run %s: %m", command);
        if (pid == 0) {
                sigaction(SIGINT, &old_int, NULL);
                sigaction(SIGQUIT, &old_quit, NULL);
                execvp(command, argv);
                r = errno;
                log_error("cannot run %s: %s", command, strerror(r));
                _exit(r == ENOENT ? 127 : 126);
        }

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return log_error_errno(-errno, "cannot wait for %s: %m", command);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);

        /* The inhibitor also ends when we leave the bus; releasing it explicitly says it went as planned. */
        r = bus_call(bus, c, "cannot release the inhibitor", "Uninhibit", 0, NULL, "u", cookie);
        if (r < 0 && r != -ESRCH && r != -ECONNRESET)
                log_error("the inhibitor ends when psoasctl exits");
        return exit_status_of(status);
}

/* ------------------------------------------------------------------------------------------------------- */
/* buzz */

int verb_buzz(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = bus_call(bus, c, "cannot buzz", "TestHaptics", 0, NULL, "s", c->pattern);
        if (r < 0)
                return r;
        printf("Playing the %s pattern on the vibration motor.\n", c->pattern);
        return 0;
}
