/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The size of a day's record file (days/YYYY-MM-DD.record, daemon/day-record.c) for a generated day.
 *
 *   record-bench [--seeds N] [--rate HZ] [--markdown] [--max-kib KIB]
 *   record-bench --help | --version
 *
 * Each seed's synthetic "day" scenario (24 h: a night lying, a working day at a desk with walks and breaks, an
 * evening; tests/synth) goes through the engine as psoasd feeds it; the minutes and bouts it settles are taken
 * into a day's record as psoasd takes them (persistence-record.c), the engine's record is finished at the end, and
 * the first day's record is formatted as psoasd writes it. Also formatted: a full day of the longest minutes the
 * format has (every field, both tilts, steps), the bound whatever the day.
 *
 * --max-kib makes it a test: exit status 1 when a day's file is larger.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "day-record.h"
#include "macro.h"
#include "psoas/psoas.h"
#include "synth.h"

/* Usage errors, as sysexits.h's EX_USAGE. */
#define EXIT_USAGE_ERROR 64
/* The scenario starts at local midnight of day 0 (sample time is local time without a clock) and lasts about a
 * day: its minutes fall on the first days. */
#define DAYS_KEPT 3

static const char usage[] =
        "Usage: record-bench [--seeds N] [--rate HZ] [--markdown] [--max-kib KIB]\n"
        "\n"
        "The size of psoasd's record file for synthetic days (scenario \"day\") through the engine.\n"
        "\n"
        "  --seeds=N       days to generate [3]\n"
        "  --rate=HZ       sample rate [50]\n"
        "  --markdown      a table for BENCHMARKS.md\n"
        "  --max-kib=KIB   exit 1 when a day's file is larger\n"
        "  -h --help       show this help\n"
        "     --version    show the version\n";

typedef struct DaySize {
        size_t bytes, minutes, bouts;
} DaySize;

static int take(struct psoas_engine *e, DayRecord *days[static DAYS_KEPT]) {
        struct psoas_minute m = { .size = sizeof(m) };
        struct psoas_bout b = { .size = sizeof(b) };
        int r;

        while (psoas_engine_pop_minute(e, &m) > 0)
                if (m.day >= 0 && m.day < DAYS_KEPT) {
                        r = day_record_add_minute(days[m.day], &m);
                        if (r < 0)
                                return r;
                }
        while (psoas_engine_pop_bout(e, &b) > 0)
                if (b.day >= 0 && b.day < DAYS_KEPT) {
                        RecordBout rb = record_bout_from_engine(&b, 0);

                        r = day_record_add_bout(days[b.day], &rb);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int measure(const DayRecord *record, DaySize *ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = day_record_format(record, &text, &size);
        if (r < 0)
                return r;
        *ret = (DaySize){
                .bytes = size, .minutes = day_record_count_minutes(record), .bouts = record->n_bouts
        };
        return 0;
}

static int run_day(uint64_t seed, double rate_hz, DaySize *ret) {
        DayRecord *days[DAYS_KEPT] = {};
        SynthScenario *sc = NULL;
        Synth *g = NULL;
        SynthOptions o;
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_sample s;
        struct psoas_event ev;
        unsigned n = 0;
        int r;

        for (int d = 0; d < DAYS_KEPT; d++) {
                r = day_record_new(d, &days[d]);
                if (r < 0)
                        goto finish;
        }
        r = synth_scenario_named("day", seed, &sc);
        if (r < 0)
                goto finish;
        synth_options_init(&o);
        o.rate_hz = rate_hz;
        o.seed = seed;
        r = synth_mount_lookup("random", seed, o.q_sp);
        if (r >= 0)
                r = synth_new(sc, &o, &g);
        if (r < 0)
                goto finish;
        psoas_config_init(PSOAS_SIZED(&config));
        r = psoas_engine_new(&config, &e);
        if (r < 0)
                goto finish;
        /* The scenario begins with still standing: calibrated on its first 5 s, as psoas-analyze would. */
        (void)psoas_engine_calibrate_window(e, o.start_us, o.start_us + 5000000);
        while (synth_next(g, &s, NULL) > 0) {
                (void)psoas_engine_feed(e, &s);
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                        ;
                /* As psoasd: after each batch of samples (SENSOR_BATCH, 512). */
                if (++n % 512 == 0) {
                        r = take(e, days);
                        if (r < 0)
                                goto finish;
                }
        }
        psoas_engine_finish_record(e);
        r = take(e, days);
        if (r >= 0)
                r = measure(days[0], ret);
finish:
        psoas_engine_free(e);
        synth_free(g);
        synth_scenario_free(sc);
        for (int d = 0; d < DAYS_KEPT; d++)
                day_record_free(days[d]);
        return r;
}

/* Every minute of the day with every field at its widest: the most a day's minutes can take. */
static int run_widest(DaySize *ret) {
        _cleanup_(day_record_freep) DayRecord *r = NULL;
        int k;

        k = day_record_new(0, &r);
        if (k < 0)
                return k;
        for (int i = 0; i < DAY_MINUTES; i++) {
                struct psoas_minute m = {
                        .size = sizeof(m),
                        .day = 0,
                        .minute = i,
                        .sitting_s = 10,
                        .standing_s = 10,
                        .walking_s = 10,
                        .lying_s = 10,
                        .unknown_s = 10,
                        .not_worn_s = 10,
                        .steps = 65535,
                        .tilt_standing_deg = -123.4f,
                        .tilt_sitting_deg = -123.4f,
                };
                k = day_record_add_minute(r, &m);
                if (k < 0)
                        return k;
        }
        return measure(r, ret);
}

static bool parse_number(const char *option, const char *s, double min, double max, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || *end || !(v >= min && v <= max)) {
                fprintf(stderr, "record-bench: %s: '%s' is not a number from %g to %g\n", option, s, min,
                        max);
                return false;
        }
        *ret = v;
        return true;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "seeds", required_argument, NULL, 's' },
                { "rate", required_argument, NULL, 'r' },
                { "markdown", no_argument, NULL, 'm' },
                { "max-kib", required_argument, NULL, 'k' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        double seeds = 3, rate_hz = 50, max_kib = -1;
        bool markdown = false, failed = false;
        DaySize widest = {};
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        if (!parse_number("--seeds", optarg, 1, 100, &seeds))
                                return EXIT_USAGE_ERROR;
                        break;
                case 'r':
                        if (!parse_number("--rate", optarg, 12.5, 1000, &rate_hz))
                                return EXIT_USAGE_ERROR;
                        break;
                case 'm':
                        markdown = true;
                        break;
                case 'k':
                        if (!parse_number("--max-kib", optarg, 0, 1e6, &max_kib))
                                return EXIT_USAGE_ERROR;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                case 'V':
                        cli_print_version("record-bench");
                        return 0;
                default:
                        return EXIT_USAGE_ERROR;
                }
        if (optind < argc) {
                fprintf(stderr, "record-bench: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE_ERROR;
        }

        if (markdown)
                printf("| day | minutes with data | bouts | file | bytes a minute "
                       "|\n|---|---|---|---|---|\n");
        for (uint64_t seed = 1; seed <= (uint64_t)seeds; seed++) {
                DaySize d = {};

                r = run_day(seed, rate_hz, &d);
                if (r < 0) {
                        fprintf(stderr, "record-bench: seed %llu: %s\n", (unsigned long long)seed,
                                strerror(-r));
                        return 1;
                }
                printf(markdown ? "| synthetic \"day\", seed %llu, %g Hz | %zu | %zu | %.1f KiB | %.1f |\n"
                                : "seed %llu at %g Hz: %zu minutes, %zu bouts, %.1f KiB, %.1f bytes a "
                                  "minute\n",
                        (unsigned long long)seed, rate_hz, d.minutes, d.bouts, (double)d.bytes / 1024,
                        d.minutes ? (double)d.bytes / (double)d.minutes : 0.0);
                if (max_kib >= 0 && (double)d.bytes > max_kib * 1024) {
                        fprintf(stderr, "record-bench: seed %llu: %zu bytes, more than %g KiB\n",
                                (unsigned long long)seed, d.bytes, max_kib);
                        failed = true;
                }
        }
        r = run_widest(&widest);
        if (r < 0) {
                fprintf(stderr, "record-bench: %s\n", strerror(-r));
                return 1;
        }
        printf(markdown ? "| every minute at its widest (the bound) | %zu | %zu | %.1f KiB | %.1f |\n"
                        : "the widest day: %zu minutes, %zu bouts, %.1f KiB, %.1f bytes a minute\n",
                widest.minutes, widest.bouts, (double)widest.bytes / 1024,
                (double)widest.bytes / (double)widest.minutes);
        if (max_kib >= 0 && (double)widest.bytes > max_kib * 1024) {
                fprintf(stderr, "record-bench: the widest day: %zu bytes, more than %g KiB\n", widest.bytes,
                        max_kib);
                failed = true;
        }
        return failed ? 1 : 0;
}
