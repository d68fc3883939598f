/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * alert-watch: a D-Bus client that stamps psoasd's Alert signals with their arrival time, for the alert
 * latency benchmark (BENCHMARKS.md). A program of its own rather than a thread of the Python harness, so that
 * the harness's feeding (and Python's global lock) never delays the stamp.
 *
 * Prints "ready" once its match is installed, then one line per Alert signal:
 *
 *   alert MONOTONIC_NS KIND LEVEL
 *
 * MONOTONIC_NS is CLOCK_MONOTONIC when the signal was read off the socket, comparable with any other process's
 * CLOCK_MONOTONIC (Python's time.monotonic()). It exits after --count alerts, or on SIGTERM/SIGINT.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "cli.h"
#include "macro.h"

#define ALERT_MATCH                                                                                         \
        "type='signal',sender='org.psoas.Posture1',path='/org/psoas/"                                       \
        "Posture1',interface='org.psoas.Posture1',"                                                         \
        "member='Alert'"

typedef struct Watch {
        sd_event *event;
        unsigned wanted; /* 0: until stopped */
        unsigned seen;
} Watch;

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static int on_alert(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        uint64_t arrived = now_ns();
        Watch *w = userdata;
        const char *kind, *message;
        uint32_t level;
        int r;

        r = sd_bus_message_read(m, "ssu", &kind, &message, &level);
        if (r < 0) {
                fprintf(stderr, "alert-watch: an Alert signal with unexpected arguments: %s\n",
                        strerror(-r));
                return sd_event_exit(w->event, r);
        }
        printf("alert %" PRIu64 " %s %" PRIu32 "\n", arrived, kind, level);
        fflush(stdout);
        if (w->wanted > 0 && ++w->seen >= w->wanted)
                return sd_event_exit(w->event, 0);
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        Watch w = {};
        sigset_t mask;
        char *end;
        int c, r;

        while ((c = getopt_long(argc, argv, "n:h", options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        errno = 0;
                        w.wanted = (unsigned)strtoul(optarg, &end, 10);
                        if (errno != 0 || end == optarg || *end != '\0') {
                                fprintf(stderr, "alert-watch: --count: '%s' is not a number\n", optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        printf("Usage: alert-watch [--count=N] [--help] [--version]\n\n"
                               "Prints psoasd's Alert signals on the session bus with their CLOCK_MONOTONIC "
                               "arrival time.\n");
                        return EXIT_SUCCESS;
                case 'V':
                        cli_print_version("alert-watch");
                        return EXIT_SUCCESS;
                default:
                        return 2;
                }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r < 0) {
                fprintf(stderr, "alert-watch: cannot set up the event loop: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        w.event = event;

        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "alert-watch: cannot connect to the session bus: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                /* Synchronous: once it returns the bus daemon routes the signals to us. */
                r = sd_bus_add_match(bus, NULL, ALERT_MATCH, on_alert, &w);
        if (r < 0) {
                fprintf(stderr, "alert-watch: cannot subscribe to Alert: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        printf("ready\n");
        fflush(stdout);

        r = sd_event_loop(event);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
