/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How many steps the engine counts against how many were taken, on synthetic gait whose heel strikes are known.
 *
 *   step-bench [--seeds N] [--markdown] [--max-error PERCENT]
 *   step-bench --help | --version
 *
 * Each seed draws the named scenarios "test" (every segment, a 30 s and a 20 s walk), "morning" (two hours at a
 * desk, walks of 2 to 5 min) and "seated" (a 20 s walk straight into a chair), worn in a mounting drawn at random,
 * with the sensor's errors (gyroscope biases of several °/s, noise, scale and offset errors), at 50, 100 and
 * 200 Hz in turn, and once with the accelerometer alone. The truth is the synthetic walker's heel strikes in full
 * enough stride (tests/synth/synth.c, STEP_MIN_ENVELOPE); the count is the day's steps (struct
 * psoas_day_stats.steps). The error of a recording is (counted - taken) / taken.
 *
 * --max-error makes it a test: exit status 1 when any recording's error is larger, in either direction.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "macro.h"
#include "psoas/psoas.h"
#include "synth.h"

/* Usage errors, as sysexits.h's EX_USAGE. */
#define EXIT_USAGE_ERROR 64

static const char usage[] =
        "Usage: step-bench [--seeds N] [--markdown] [--max-error PERCENT]\n"
        "\n"
        "Steps counted by the engine against the steps of synthetic walkers (scenarios test, morning and\n"
        "seated, random mountings, sensor errors, 50/100/200 Hz and accelerometer only).\n"
        "\n"
        "  --seeds=N           seeds per scenario [10]\n"
        "  --markdown          tables for BENCHMARKS.md\n"
        "  --max-error=PERCENT exit 1 when a recording's count is off by more than PERCENT\n"
        "  -h --help           show this help\n"
        "     --version        show the version\n";

static const char *const scenarios[] = { "test", "morning", "seated" };

typedef struct Variant {
        const char *name;
        double rate_hz;
        bool gyro;
} Variant;

static const Variant variants[] = {
        { "100 Hz", 100, true },
        { "50 Hz", 50, true },
        { "200 Hz", 200, true },
        { "100 Hz, accelerometer only", 100, false },
};

typedef struct Count {
        unsigned taken, counted;
} Count;

static int run(const char *scenario, const Variant *v, uint64_t seed, Count *ret) {
        SynthScenario *sc = NULL;
        Synth *g = NULL;
        SynthOptions o;
        SynthTruth truth = {};
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_sample s;
        struct psoas_event ev;
        struct psoas_day_stats today = { .size = sizeof(today) };
        int r;

        r = synth_scenario_named(scenario, seed, &sc);
        if (r < 0)
                return r;
        synth_options_init(&o);
        o.rate_hz = v->rate_hz;
        o.seed = seed;
        r = synth_mount_lookup("random", seed, o.q_sp);
        if (r >= 0)
                r = synth_new(sc, &o, &g);
        synth_scenario_free(sc);
        if (r < 0)
                return r;

        psoas_config_init(PSOAS_SIZED(&config));
        config.use_gyro = v->gyro;
        r = psoas_engine_new(&config, &e);
        if (r < 0) {
                synth_free(g);
                return r;
        }
        /* Every scenario begins with still standing: calibrated on its first 5 s, as psoas-analyze would. */
        (void)psoas_engine_calibrate_window(e, o.start_us, o.start_us + 5000000);
        while (synth_next(g, &s, &truth) > 0) {
                s.has_gyro = v->gyro;
                (void)psoas_engine_feed(e, &s);
                while (psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0)
                        ;
        }
        r = psoas_engine_get_day_stats(e, &today);
        psoas_engine_free(e);
        synth_free(g);
        if (r < 0)
                return r;
        *ret = (Count){ .taken = truth.steps, .counted = today.steps };
        return 0;
}

static double error_percent(const Count *c) {
        return c->taken > 0 ? 100.0 * ((double)c->counted - (double)c->taken) / (double)c->taken : 0.0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "seeds", required_argument, NULL, 's' },
                { "markdown", no_argument, NULL, 'm' },
                { "max-error", required_argument, NULL, 'e' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        unsigned seeds = 10;
        bool markdown = false;
        double max_error = -1;
        char *end;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        errno = 0;
                        seeds = (unsigned)strtoul(optarg, &end, 10);
                        if (errno || *end || seeds < 1 || seeds > 1000) {
                                fprintf(stderr, "step-bench: --seeds: '%s' is not a number from 1 to 1000\n",
                                        optarg);
                                return EXIT_USAGE_ERROR;
                        }
                        break;
                case 'm':
                        markdown = true;
                        break;
                case 'e':
                        errno = 0;
                        max_error = strtod(optarg, &end);
                        if (errno || *end || !(max_error >= 0)) {
                                fprintf(stderr, "step-bench: --max-error: '%s' is not a percentage\n",
                                        optarg);
                                return EXIT_USAGE_ERROR;
                        }
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                case 'V':
                        cli_print_version("step-bench");
                        return 0;
                default:
                        return EXIT_USAGE_ERROR;
                }
        if (optind < argc) {
                fprintf(stderr, "step-bench: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE_ERROR;
        }

        if (markdown)
                printf("| sensor | recordings | steps taken | steps counted | error, all steps | mean "
                       "absolute "
                       "error | worst recording |\n|---|---|---|---|---|---|---|\n");
        bool failed = false;
        for (size_t vi = 0; vi < ELEMENTSOF(variants); vi++) {
                const Variant *v = &variants[vi];
                unsigned long taken = 0, counted = 0, n = 0;
                double sum_abs = 0, worst = 0;
                char worst_name[64] = "";

                for (size_t si = 0; si < ELEMENTSOF(scenarios); si++)
                        for (uint64_t seed = 1; seed <= seeds; seed++) {
                                Count count;
                                int r = run(scenarios[si], v, seed, &count);
                                if (r < 0) {
                                        fprintf(stderr, "step-bench: %s, seed %llu: %s\n", scenarios[si],
                                                (unsigned long long)seed, strerror(-r));
                                        return 1;
                                }
                                double err = error_percent(&count);
                                taken += count.taken;
                                counted += count.counted;
                                sum_abs += fabs(err);
                                n++;
                                if (fabs(err) >= fabs(worst)) {
                                        worst = err;
                                        snprintf(worst_name, sizeof(worst_name), "%s seed %llu",
                                                scenarios[si], (unsigned long long)seed);
                                }
                                if (max_error >= 0 && fabs(err) > max_error) {
                                        fprintf(stderr,
                                                "step-bench: %s, %s, seed %llu: %u steps counted of %u "
                                                "taken "
                                                "(%+.1f %%)\n",
                                                v->name, scenarios[si], (unsigned long long)seed,
                                                count.counted, count.taken, err);
                                        failed = true;
                                }
                        }
                double total = taken > 0 ? 100.0 * ((double)counted - (double)taken) / (double)taken : 0;
                if (markdown)
                        printf("| %s | %lu | %lu | %lu | %+.1f %% | %.1f %% | %+.1f %% (%s) |\n", v->name, n,
                                taken, counted, total, sum_abs / (double)n, worst, worst_name);
                else
                        printf("%s: %lu recordings, %lu steps taken, %lu counted (%+.1f %%); mean |error| "
                               "%.1f %%, "
                               "worst %+.1f %% (%s)\n",
                                v->name, n, taken, counted, total, sum_abs / (double)n, worst, worst_name);
        }
        return failed ? 1 : 0;
}
