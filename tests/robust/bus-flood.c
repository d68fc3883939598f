/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-flood: a hostile client for the robustness tests. Sends COUNT calls of an org.psoas.Posture1 method on the
 * session bus as fast as sd-bus can queue them, without waiting for any reply, then collects every reply and
 * prints a tally, one "NAME COUNT" line per outcome ("ok" or the D-Bus error name), and "seconds S".
 *
 *   bus-flood METHOD COUNT [STRING]    METHOD takes no argument, or the one string STRING
 *
 * Python cannot send fast enough to flood psoasd: this can, as a broken or malicious program would.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "cli.h"
#include "macro.h"

#define OUTCOMES_MAX 16

typedef struct Tally {
        char *names[OUTCOMES_MAX];
        uint64_t counts[OUTCOMES_MAX];
        uint64_t pending;
} Tally;

static void tally_add(Tally *t, const char *name) {
        size_t i;

        for (i = 0; i < OUTCOMES_MAX && t->names[i]; i++)
                if (strcmp(t->names[i], name) == 0)
                        break;
        if (i == OUTCOMES_MAX)
                i = OUTCOMES_MAX - 1; /* lump anything beyond into the last */
        else if (!t->names[i])
                t->names[i] = strdup(name);
        t->counts[i]++;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Tally *t = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        tally_add(t, e ? e->name : "ok");
        t->pending--;
        return 0;
}

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Tally tally = {};
        const char *method, *argument;
        unsigned long long count;
        double started;
        char *end;
        int r;

        if (cli_answer_help_version(argc, argv, "bus-flood",
                    "Usage: bus-flood METHOD COUNT [STRING]\n"
                    "Sends COUNT calls of an org.psoas.Posture1 method on the session bus without waiting, "
                    "then\n"
                    "prints a tally of the replies (tests/robust).\n"))
                return 0;
        if (argc < 3 || argc > 4) {
                fprintf(stderr, "usage: %s METHOD COUNT [STRING]\n", argv[0]);
                return 2;
        }
        method = argv[1];
        argument = argc == 4 ? argv[3] : NULL;
        errno = 0;
        count = strtoull(argv[2], &end, 10);
        if (errno != 0 || *end != '\0' || count == 0) {
                fprintf(stderr, "COUNT must be a positive number, not '%s'\n", argv[2]);
                return 2;
        }

        r = sd_bus_open_user(&bus);
        if (r < 0) {
                fprintf(stderr, "Cannot connect to the session bus: %s\n", strerror(-r));
                return 1;
        }

        started = now_s();
        for (unsigned long long i = 0; i < count; i++) {
                if (argument)
                        r = sd_bus_call_method_async(bus, NULL, "org.psoas.Posture1", "/org/psoas/Posture1",
                                "org.psoas.Posture1", method, on_reply, &tally, "s", argument);
                else
                        r = sd_bus_call_method_async(bus, NULL, "org.psoas.Posture1", "/org/psoas/Posture1",
                                "org.psoas.Posture1", method, on_reply, &tally, NULL);
                if (r < 0) {
                        fprintf(stderr, "Queueing call %llu failed: %s\n", i, strerror(-r));
                        return 1;
                }
                tally.pending++;
                /* Write what is queued now and then, so that the queue stays within sd-bus's limits. */
                if (i % 1024 == 1023) {
                        do
                                r = sd_bus_process(bus, NULL);
                        while (r > 0);
                        if (r < 0) {
                                fprintf(stderr, "Processing failed: %s\n", strerror(-r));
                                return 1;
                        }
                }
        }

        while (tally.pending > 0) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        fprintf(stderr, "Processing failed: %s\n", strerror(-r));
                        return 1;
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, 30 * 1000000ull);
                if (r < 0) {
                        fprintf(stderr, "Waiting failed: %s\n", strerror(-r));
                        return 1;
                }
                if (r == 0) {
                        fprintf(stderr, "%" PRIu64 " replies missing after 30 s\n", tally.pending);
                        return 1;
                }
        }

        for (size_t i = 0; i < OUTCOMES_MAX && tally.names[i]; i++) {
                printf("%s %" PRIu64 "\n", tally.names[i], tally.counts[i]);
                free(tally.names[i]);
        }
        printf("seconds %.3f\n", now_s() - started);
        return 0;
}
