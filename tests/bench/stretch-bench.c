/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How soon the engine confirms a stretch, and how often it confirms one that was not done.
 *
 *   stretch-bench [--seeds N] [--days D] [--markdown] [--max-false N] [--max-delay S]
 *   stretch-bench --help | --version
 *
 * Latency: every stretch of the default catalog with a pelvic signature is acted out right
 * (tests/synth/synth-stretch.h) with N seeds (mountings, sway, gyroscope biases up to 4 °/s, hold times): the
 * delay is the time from the moment the stretch was complete in truth (the last side held for its minimum, or the
 * last repetition down) to the engine's verification. A stretch not verified counts as a miss.
 *
 * False verifications: the same stretches done wrong (standing, sitting, walking, the pelvis arched instead of
 * tucked), N seeds each, and D synthetic office days (tests/synth scenario "day", 24 h at 100 Hz: commute, desk
 * work with breaks, an evening, a night in bed) with floor exercises allowed, so that every stretch of the catalog
 * is prompted in turn: every verification there is false, for nobody stretched.
 *
 * --max-false and --max-delay make it a test: exit status 1 when more false verifications, any miss, or a
 * longer worst delay.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "psoas/psoas.h"
#include "synth-stretch.h"
#include "synth.h"

#define RATE_HZ 100
#define WINDOW_S 240

static const char usage[] =
        "Usage: stretch-bench [--seeds N] [--days D] [--markdown] [--max-false N] [--max-delay S]\n"
        "\n"
        "Per stretch with a signature: how long after the stretch was complete the engine verifies it\n"
        "(N acted-out recordings each); and false verifications over the stretches done wrong and D\n"
        "synthetic office days.\n"
        "\n"
        "  --seeds=N       recordings per stretch and variant [10]\n"
        "  --days=D        synthetic days of 24 h [5]\n"
        "  --markdown      tables for BENCHMARKS.md\n"
        "  --max-false=N   exit 1 above N false verifications (and on any miss)\n"
        "  --max-delay=S   exit 1 when a verification comes more than S s after the stretch\n"
        "  -h --help       show this help\n"
        "     --version    show the version\n";

typedef struct Outcome {
        unsigned prompts, verified;
        double verified_s;
} Outcome;

/* Feeds a stretch acted out to an engine whose only stretch is the entry (made to fit a sitting alert). */
static int act(const struct psoas_stretch *entry, SynthStretchVariant variant, uint64_t seed, Outcome *ret,
        double *ret_done_s) {
        struct psoas_stretch cat[1] = { *entry };
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        SynthStretch *g = NULL;
        struct psoas_sample s;
        struct psoas_event ev;
        Outcome o = { .verified_s = -1 };
        int r;

        cat[0].targets |= PSOAS_TARGET_HIP_FLEXORS;
        r = synth_stretch_new(entry->check, variant, entry->hold_min_s, entry->reps_min, entry->per_side,
                RATE_HZ, seed, &g);
        if (r < 0)
                return r;
        psoas_config_init(PSOAS_SIZED(&config));
        config.sitting_alert_s = SYNTH_STRETCH_SITTING_ALERT_S;
        config.stretch_window_s = WINDOW_S;
        config.forward_known = true;
        synth_stretch_forward(g, config.forward);
        r = psoas_engine_new(&config, &e);
        if (r >= 0)
                r = psoas_engine_set_catalog(e, cat, 1);
        if (r >= 0)
                r = psoas_engine_set_places(e, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR);
        if (r >= 0)
                r = psoas_engine_calibrate_window(e, (int64_t)(SYNTH_STRETCH_CALIBRATE_FROM_S * 1e6),
                        (int64_t)(SYNTH_STRETCH_CALIBRATE_TO_S * 1e6));
        while (r >= 0 && synth_stretch_next(g, &s) > 0) {
                r = psoas_engine_feed(e, &s);
                while (r >= 0 && psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0) {
                        if (ev.type == PSOAS_EVENT_STRETCH_PROMPT)
                                o.prompts++;
                        if (ev.type == PSOAS_EVENT_STRETCH_DONE &&
                                ev.stretch.result == PSOAS_STRETCH_VERIFIED) {
                                o.verified++;
                                o.verified_s = (double)ev.t_us / 1e6;
                        }
                }
        }
        if (ret_done_s)
                *ret_done_s = synth_stretch_done_s(g);
        psoas_engine_free(e);
        synth_stretch_free(g);
        if (r < 0)
                return r;
        *ret = o;
        return 0;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

/* A synthetic day with every stretch prompted in turn: counts the prompts, the false verifications, the walking
 * breaks verified after a walk of their length (true), and the prompts that ended "you stood up". */
static int day(uint64_t seed, unsigned *ret_prompts, unsigned *ret_verified, unsigned *ret_walks,
        unsigned *ret_missed_stood) {
        double walked_s = 0; /* in truth, since the last prompt */
        SynthScenario *scenario = NULL;
        struct psoas_config config;
        struct psoas_engine *e = NULL;
        struct psoas_sample s;
        struct psoas_event ev;
        SynthOptions o;
        SynthTruth truth;
        Synth *g = NULL;
        double forward[3];
        size_t n;
        const struct psoas_stretch *catalog = psoas_stretch_default_catalog(&n);
        int r;

        r = synth_scenario_named("day", seed, &scenario);
        if (r < 0)
                return r;
        synth_options_init(&o);
        o.rate_hz = RATE_HZ;
        o.seed = seed;
        r = synth_mount_lookup("random", seed, o.q_sp);
        if (r >= 0)
                r = synth_new(scenario, &o, &g);
        synth_scenario_free(scenario);
        if (r < 0)
                return r;

        psoas_config_init(PSOAS_SIZED(&config));
        config.forward_known = true;
        synth_forward(g, forward);
        for (unsigned i = 0; i < 3; i++)
                config.forward[i] = (float)forward[i];
        r = psoas_engine_new(&config, &e);
        if (r >= 0)
                r = psoas_engine_set_places(e, PSOAS_PLACE_DESK | PSOAS_PLACE_FLOOR);
        if (r >= 0)
                r = psoas_engine_calibrate_window(e, 2000000, 10000000);
        while (r >= 0 && synth_next(g, &s, &truth) > 0) {
                if (truth.posture == PSOAS_POSTURE_WALKING)
                        walked_s += 1.0 / RATE_HZ;
                r = psoas_engine_feed(e, &s);
                while (r >= 0 && psoas_engine_pop_event(e, PSOAS_SIZED(&ev)) > 0) {
                        const struct psoas_stretch *st;

                        if (ev.type == PSOAS_EVENT_STRETCH_PROMPT) {
                                (*ret_prompts)++;
                                walked_s = 0;
                        }
                        if (ev.type == PSOAS_EVENT_STRETCH_MISSED && (ev.missed.seen & PSOAS_SEEN_STOOD_UP))
                                (*ret_missed_stood)++;
                        if (ev.type != PSOAS_EVENT_STRETCH_DONE ||
                                ev.stretch.result != PSOAS_STRETCH_VERIFIED)
                                continue;
                        /* A walking break verified after the wearer walked for its time is true: the day's
                         * walks are walking breaks. Anything else is false: nobody stretches in it. */
                        st = ev.stretch.stretch < n ? &catalog[ev.stretch.stretch] : NULL;
                        if (st && st->check == PSOAS_CHECK_WALKING && walked_s >= st->hold_min_s) {
                                (*ret_walks)++;
                                continue;
                        }
                        (*ret_verified)++;
                        fprintf(stderr, "day %" PRIu64 ": %s verified at %.2f h, in a %s segment\n", seed,
                                st ? st->id : "?", (double)ev.t_us / 3.6e9,
                                synth_segment_type_to_string(truth.type));
                }
        }
        psoas_engine_free(e);
        synth_free(g);
        return r < 0 ? r : 0;
}

int main(int argc, char **argv) {
        enum {
                ARG_SEEDS = 0x100,
                ARG_DAYS,
                ARG_MARKDOWN,
                ARG_MAX_FALSE,
                ARG_MAX_DELAY,
                ARG_VERSION
        };
        static const struct option options[] = {
                { "seeds", required_argument, NULL, ARG_SEEDS },
                { "days", required_argument, NULL, ARG_DAYS },
                { "markdown", no_argument, NULL, ARG_MARKDOWN },
                { "max-false", required_argument, NULL, ARG_MAX_FALSE },
                { "max-delay", required_argument, NULL, ARG_MAX_DELAY },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        static const SynthStretchVariant wrong[] = {
                SYNTH_STRETCH_STANDING,
                SYNTH_STRETCH_SITTING,
                SYNTH_STRETCH_WALKING,
                SYNTH_STRETCH_ARCHED,
        };
        unsigned seeds = 10, days = 5, false_wrong = 0, runs_wrong = 0, misses = 0, n_signatures = 0;
        unsigned day_prompts = 0, day_false = 0, day_walks = 0, day_stood = 0;
        long max_false = -1;
        double max_delay = -1, worst_delay = -INFINITY;
        bool markdown = false;
        size_t n;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_SEEDS:
                        seeds = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case ARG_DAYS:
                        days = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case ARG_MARKDOWN:
                        markdown = true;
                        break;
                case ARG_MAX_FALSE:
                        max_false = strtol(optarg, NULL, 10);
                        break;
                case ARG_MAX_DELAY:
                        max_delay = strtod(optarg, NULL);
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                case ARG_VERSION:
                        cli_print_version("stretch-bench");
                        return 0;
                default:
                        fputs(usage, stderr);
                        return 64;
                }
        if (seeds < 1 || seeds > 1000 || days > 100 || optind < argc) {
                fputs(usage, stderr);
                return 64;
        }

        const struct psoas_stretch *catalog = psoas_stretch_default_catalog(&n);
        double *delays = calloc(seeds, sizeof(double));
        if (!delays)
                return 71;

        printf(markdown ? "| stretch | signature | verified | delay after the stretch, median | worst |\n"
                          "| --- | --- | ---: | ---: | ---: |\n"
                        : "%-22s %-22s %9s %9s %9s\n",
                "stretch", "signature", "verified", "median", "worst");
        for (size_t i = 0; i < n; i++) {
                const struct psoas_stretch *s = &catalog[i];
                unsigned verified = 0;

                if (!psoas_stretch_has_signature(s))
                        continue;
                n_signatures++;
                for (unsigned k = 0; k < seeds; k++) {
                        Outcome o;
                        double done;

                        r = act(s, SYNTH_STRETCH_RIGHT, k + 1, &o, &done);
                        if (r < 0) {
                                fprintf(stderr, "stretch-bench: %s: %s\n", s->id, strerror(-r));
                                return 70;
                        }
                        if (o.verified == 1) {
                                delays[verified++] = o.verified_s - done;
                                worst_delay = fmax(worst_delay, o.verified_s - done);
                        } else
                                misses++;
                }
                qsort(delays, verified, sizeof(double), compare_double);
                double median = verified ? delays[verified / 2] : NAN;
                double worst = verified ? delays[verified - 1] : NAN;
                if (markdown)
                        printf("| %s | %s | %u/%u | %+.1f s | %+.1f s |\n", s->id,
                                psoas_stretch_check_to_string(s->check), verified, seeds, median, worst);
                else
                        printf("%-22s %-22s %5u/%-3u %+8.1fs %+8.1fs\n", s->id,
                                psoas_stretch_check_to_string(s->check), verified, seeds, median, worst);

                for (size_t v = 0; v < sizeof(wrong) / sizeof(wrong[0]); v++) {
                        if (s->check == PSOAS_CHECK_WALKING &&
                                (wrong[v] == SYNTH_STRETCH_WALKING || wrong[v] == SYNTH_STRETCH_ARCHED))
                                continue; /* walking is its signature */
                        for (unsigned k = 0; k < seeds; k++) {
                                Outcome o;

                                r = act(s, wrong[v], k + 1, &o, NULL);
                                if (r < 0) {
                                        fprintf(stderr, "stretch-bench: %s: %s\n", s->id, strerror(-r));
                                        return 70;
                                }
                                runs_wrong++;
                                false_wrong += o.verified;
                        }
                }
        }
        free(delays);

        for (unsigned d = 0; d < days; d++) {
                r = day(d + 1, &day_prompts, &day_false, &day_walks, &day_stood);
                if (r < 0) {
                        fprintf(stderr, "stretch-bench: day %u: %s\n", d + 1, strerror(-r));
                        return 70;
                }
        }

        printf("\n");
        if (markdown)
                printf("| false verifications | recordings | prompts | false verifications | rate |\n"
                       "| --- | ---: | ---: | ---: | ---: |\n"
                       "| stretches done wrong (standing, sitting, walking, arched) | %u | %u | %u | %.3f "
                       "|\n"
                       "| synthetic office days, every stretch prompted in turn | %u | %u | %u | %.3f |\n"
                       "\nIn the days, %u walking breaks were verified after the wearer walked for their "
                       "time "
                       "(true), and %u prompts ended \"you stood up\" (a break, not the stretch).\n",
                        runs_wrong, runs_wrong, false_wrong,
                        runs_wrong ? (double)false_wrong / runs_wrong : 0.0, days, day_prompts, day_false,
                        day_prompts ? (double)day_false / day_prompts : 0.0, day_walks, day_stood);
        else
                printf("done wrong: %u recordings, %u false verifications\n"
                       "days: %u, %u prompts, %u false verifications, %u walking breaks verified after a "
                       "walk, "
                       "%u ended \"you stood up\"\n",
                        runs_wrong, false_wrong, days, day_prompts, day_false, day_walks, day_stood);
        printf("\n%sworst delay %+.1f s, %u not verified of %u done right\n", markdown ? "Summary: " : "",
                worst_delay, misses, seeds * n_signatures);

        if (max_false >= 0 && (long)(false_wrong + day_false) > max_false)
                return 1;
        if (max_false >= 0 && misses > 0)
                return 1;
        if (max_delay >= 0 && worst_delay > max_delay)
                return 1;
        return 0;
}
