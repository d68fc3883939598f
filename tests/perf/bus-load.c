/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * bus-load: a D-Bus load generator for psoasd's benchmark (BENCHMARKS.md, "D-Bus under load").
 *
 * N client connections share a fixed call rate (open loop: calls go out on schedule whether or not earlier
 * ones were answered, so that a slow daemon cannot slow the load down and hide its own latency). Calls cycle
 * through Properties.Get (a different property each time), Properties.GetAll and GetDay(""). Each call's
 * latency is its reply's arrival minus the moment it was sent, both on CLOCK_MONOTONIC. At the end it prints
 * one line of key=value pairs:
 *
 *   calls=30000 answered=30000 errors=0 unanswered=0 p50_us=212 p99_us=1840 max_us=5230 late_sends=0
 *
 * where late_sends counts calls the generator itself sent more than 1 ms after their slot (its own lag, on
 * a busy machine). It talks to the session bus unless --system is given.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "cli.h"
#include "macro.h"

#define SERVICE "org.psoas.Posture1"
#define OBJECT "/org/psoas/Posture1"
#define INTERFACE "org.psoas.Posture1"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

#define NSEC_PER_USEC UINT64_C(1000)
#define NSEC_PER_SEC UINT64_C(1000000000)
/* A call sent this much after its slot is counted as the generator's own lag. */
#define LATE_SEND_NSEC (1000 * NSEC_PER_USEC)
/* Replies that have not come this long after the last call are counted as unanswered. */
#define DRAIN_NSEC (2 * NSEC_PER_SEC)
#define CALL_TIMEOUT_USEC (5 * UINT64_C(1000000))

static const char *const property_names[] = {
        "Posture",
        "Tilt",
        "Inclination",
        "Calibrated",
        "SittingSince",
        "SittingToday",
        "LastBreak",
        "SensorState",
        "Sensor",
        "SampleRate",
        "SnoozedUntil",
        "Inhibited",
        "Version",
};

typedef enum CallKind {
        CALL_GET,
        CALL_GET_ALL,
        CALL_GET_DAY,
        _CALL_KIND_MAX,
} CallKind;

typedef struct LoadGen LoadGen;

typedef struct CallSlot {
        LoadGen *owner;
        uint64_t sent_ns;
        uint64_t latency_ns; /* 0 until the reply came */
        bool error;
} CallSlot;

struct LoadGen {
        sd_event *event;
        sd_bus **clients;
        unsigned n_clients;
        unsigned rate;
        double duration_s;
        bool system_bus;

        CallSlot *slots;
        size_t n_slots; /* calls to make */
        size_t n_sent;
        size_t n_answered;
        size_t n_errors;
        size_t n_late;
        uint64_t start_ns;
        uint64_t interval_ns;
        sd_event_source *send_timer;
        sd_event_source *drain_timer;
        char first_error[256];
};

static uint64_t now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static LoadGen *loadgen_free(LoadGen *g) {
        if (!g)
                return NULL;
        sd_event_source_disable_unref(g->send_timer);
        sd_event_source_disable_unref(g->drain_timer);
        for (unsigned i = 0; i < g->n_clients && g->clients; i++)
                sd_bus_flush_close_unref(g->clients[i]);
        free(g->clients);
        free(g->slots);
        sd_event_unref(g->event);
        free(g);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(LoadGen *, loadgen_free);

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        CallSlot *slot = userdata;
        LoadGen *g = slot->owner;
        uint64_t now = now_ns();

        slot->latency_ns = now > slot->sent_ns ? now - slot->sent_ns : 1;
        g->n_answered++;
        if (sd_bus_message_is_method_error(reply, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(reply);

                slot->error = true;
                if (g->n_errors++ == 0)
                        snprintf(g->first_error, sizeof(g->first_error), "%s: %s", e ? e->name : "?",
                                e && e->message ? e->message : "");
        }
        return 0;
}

static int send_call(LoadGen *g, size_t index) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus = g->clients[index % g->n_clients];
        CallSlot *slot = &g->slots[index];
        CallKind kind = (CallKind)(index % _CALL_KIND_MAX);
        int r;

        switch (kind) {
        case CALL_GET:
                r = sd_bus_message_new_method_call(bus, &m, SERVICE, OBJECT, PROPERTIES_INTERFACE, "Get");
                if (r >= 0)
                        r = sd_bus_message_append(m, "ss", INTERFACE,
                                property_names[(index / _CALL_KIND_MAX) % ELEMENTSOF(property_names)]);
                break;
        case CALL_GET_ALL:
                r = sd_bus_message_new_method_call(bus, &m, SERVICE, OBJECT, PROPERTIES_INTERFACE, "GetAll");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", INTERFACE);
                break;
        default:
                r = sd_bus_message_new_method_call(bus, &m, SERVICE, OBJECT, INTERFACE, "GetDay");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "");
                break;
        }
        if (r < 0)
                return r;

        slot->owner = g;
        slot->sent_ns = now_ns();
        return sd_bus_call_async(bus, NULL, m, on_reply, slot, CALL_TIMEOUT_USEC);
}

static int on_drained(sd_event_source *s, uint64_t usec, void *userdata) {
        LoadGen *g = userdata;

        return sd_event_exit(g->event, 0);
}

/* Sends every call whose slot has come, then sleeps until the next slot. */
static int on_send(sd_event_source *s, uint64_t usec, void *userdata) {
        LoadGen *g = userdata;
        uint64_t now = now_ns();
        int r;

        while (g->n_sent < g->n_slots && g->start_ns + g->n_sent * g->interval_ns <= now) {
                if (now - (g->start_ns + g->n_sent * g->interval_ns) > LATE_SEND_NSEC)
                        g->n_late++;
                r = send_call(g, g->n_sent);
                if (r < 0) {
                        fprintf(stderr, "bus-load: cannot send call %zu: %s\n", g->n_sent, strerror(-r));
                        return sd_event_exit(g->event, r);
                }
                g->n_sent++;
        }

        if (g->n_sent == g->n_slots) {
                (void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return sd_event_add_time_relative(g->event, &g->drain_timer, CLOCK_MONOTONIC,
                        DRAIN_NSEC / NSEC_PER_USEC, 1, on_drained, g);
        }
        r = sd_event_source_set_time(s, (g->start_ns + g->n_sent * g->interval_ns) / NSEC_PER_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ON);
        return r;
}

static int loadgen_connect(LoadGen *g) {
        int r;

        g->clients = calloc(g->n_clients, sizeof(*g->clients));
        if (!g->clients)
                return -ENOMEM;
        for (unsigned i = 0; i < g->n_clients; i++) {
                r = g->system_bus ? sd_bus_open_system(&g->clients[i]) : sd_bus_open_user(&g->clients[i]);
                if (r < 0) {
                        fprintf(stderr, "bus-load: cannot connect client %u to the %s bus: %s\n", i,
                                g->system_bus ? "system" : "session", strerror(-r));
                        return r;
                }
                r = sd_bus_attach_event(g->clients[i], g->event, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0)
                        return r;
        }
        /* Every client says Hello and is answered before the clock starts. */
        for (unsigned i = 0; i < g->n_clients; i++) {
                const char *unique;

                r = sd_bus_get_unique_name(g->clients[i], &unique);
                if (r < 0) {
                        fprintf(stderr, "bus-load: client %u got no unique name: %s\n", i, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static int uint64_compare(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* The value below which a fraction q of the sorted values lie (nearest rank). */
static uint64_t percentile(const uint64_t *sorted, size_t n, double q) {
        size_t rank;

        if (n == 0)
                return 0;
        rank = (size_t)ceil(q * (double)n);
        return sorted[rank > 0 ? rank - 1 : 0];
}

static int loadgen_report(const LoadGen *g) {
        _cleanup_free_ uint64_t *latencies = NULL;
        size_t n = 0;

        latencies = calloc(g->n_slots ?: 1, sizeof(*latencies));
        if (!latencies)
                return -ENOMEM;
        for (size_t i = 0; i < g->n_sent; i++)
                if (g->slots[i].latency_ns > 0 && !g->slots[i].error)
                        latencies[n++] = g->slots[i].latency_ns;
        qsort(latencies, n, sizeof(*latencies), uint64_compare);

        printf("calls=%zu answered=%zu errors=%zu unanswered=%zu p50_us=%" PRIu64 " p99_us=%" PRIu64
               " max_us=%" PRIu64 " late_sends=%zu clients=%u rate=%u duration_s=%g\n",
                g->n_sent, g->n_answered, g->n_errors, g->n_sent - g->n_answered,
                percentile(latencies, n, 0.50) / NSEC_PER_USEC,
                percentile(latencies, n, 0.99) / NSEC_PER_USEC, n > 0 ? latencies[n - 1] / NSEC_PER_USEC : 0,
                g->n_late, g->n_clients, g->rate, g->duration_s);
        if (g->n_errors > 0)
                fprintf(stderr, "bus-load: %zu calls failed; the first: %s\n", g->n_errors, g->first_error);
        return 0;
}

static void help(void) {
        printf("Usage: bus-load [OPTIONS]\n\n"
               "Calls psoasd from many connections at a fixed total rate and prints the calls' latency.\n\n"
               "  -c, --clients=N     client connections (default 50)\n"
               "  -r, --rate=N        calls per second, all clients together (default 1000)\n"
               "  -d, --duration=S    seconds of load (default 10)\n"
               "      --system        use the system bus (default: the session bus)\n"
               "  -h, --help          show this help\n"
               "      --version       show the version\n");
}

static int parse_number(const char *option, const char *text, double min, double max, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(text, &end);
        if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v < min || v > max) {
                fprintf(stderr, "bus-load: %s: '%s' is not a number from %g to %g\n", option, text, min,
                        max);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char *argv[], LoadGen *g) {
        enum {
                ARG_SYSTEM = 0x100,
                ARG_VERSION,
        };
        static const struct option options[] = {
                { "clients", required_argument, NULL, 'c' },
                { "rate", required_argument, NULL, 'r' },
                { "duration", required_argument, NULL, 'd' },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        double v;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:r:d:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        r = parse_number("--clients", optarg, 1, 1000, &v);
                        if (r < 0)
                                return r;
                        g->n_clients = (unsigned)v;
                        break;
                case 'r':
                        r = parse_number("--rate", optarg, 1, 100000, &v);
                        if (r < 0)
                                return r;
                        g->rate = (unsigned)v;
                        break;
                case 'd':
                        r = parse_number("--duration", optarg, 0.1, 3600, &v);
                        if (r < 0)
                                return r;
                        g->duration_s = v;
                        break;
                case ARG_SYSTEM:
                        g->system_bus = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        cli_print_version("bus-load");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "bus-load: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(loadgen_freep) LoadGen *g = NULL;
        int r;

        g = calloc(1, sizeof(*g));
        if (!g)
                return EXIT_FAILURE;
        *g = (LoadGen){ .n_clients = 50, .rate = 1000, .duration_s = 10 };

        r = parse_argv(argc, argv, g);
        if (r <= 0)
                return r < 0 ? 2 : EXIT_SUCCESS;

        g->n_slots = (size_t)llround(g->rate * g->duration_s);
        g->interval_ns = NSEC_PER_SEC / g->rate;
        g->slots = calloc(g->n_slots ?: 1, sizeof(*g->slots));
        if (!g->slots)
                return EXIT_FAILURE;

        r = sd_event_new(&g->event);
        if (r < 0) {
                fprintf(stderr, "bus-load: cannot create an event loop: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = loadgen_connect(g);
        if (r < 0)
                return EXIT_FAILURE;

        g->start_ns = now_ns();
        /* One microsecond of accuracy: sd-event's default slack (250 ms) would send the calls in bursts. */
        r = sd_event_add_time(
                g->event, &g->send_timer, CLOCK_MONOTONIC, g->start_ns / NSEC_PER_USEC, 1, on_send, g);
        if (r < 0) {
                fprintf(stderr, "bus-load: cannot add a timer: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        (void)sd_event_source_set_enabled(g->send_timer, SD_EVENT_ON);

        r = sd_event_loop(g->event);
        if (r < 0) {
                fprintf(stderr, "bus-load: the event loop failed: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        r = loadgen_report(g);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
