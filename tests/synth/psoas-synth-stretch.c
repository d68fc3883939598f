/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* psoas-synth-stretch: writes a synthetic recording of a stretch (synth-stretch.h) as CSV to standard output, for
 * psoasd's replay in tests/bus and tests/notify, and psoas-analyze in tests/analyze. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "macro.h"
#include "synth-stretch.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(SynthStretch *, synth_stretch_free);

static const char usage[] =
        "Usage: psoas-synth-stretch [OPTIONS]\n"
        "\n"
        "Write a synthetic recording of a stretch as CSV on standard output: t (s), ax, ay, az (m/s²),\n"
        "gx, gy, gz (rad/s). It starts with 12 s of standing still (calibrate on 2..10 s), then 80 s of\n"
        "sitting (a sitting alert after 60 s prompts the stretch), then the stretch.\n"
        "\n"
        "  -c --check=NAME     the signature to act out, as in the catalog (kneeling-tuck, ...)\n"
        "  -v --variant=NAME   right, arched, standing, sitting or walking [right]\n"
        "     --hold=S         seconds to hold per side [20]\n"
        "     --reps=N         repetitions per side [10]\n"
        "     --one-side       not per side\n"
        "     --seed=N         seed [1]\n"
        "     --pad=S          then S seconds more of the last sample (standing or lying still) [0]\n"
        "     --forward        print the wearer's forward direction in the sensor frame (x,y,z) instead\n"
        "     --done           print when the stretch was complete in truth (s; -1: never) instead\n"
        "  -h --help           show this help\n"
        "     --version        show the version\n";

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (*s == '-' || *s == '\0')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int main(int argc, char **argv) {
        enum {
                ARG_HOLD = 0x100,
                ARG_REPS,
                ARG_ONE_SIDE,
                ARG_PAD,
                ARG_SEED,
                ARG_FORWARD,
                ARG_DONE,
                ARG_VERSION
        };
        static const struct option options[] = {
                { "check", required_argument, NULL, 'c' },
                { "variant", required_argument, NULL, 'v' },
                { "hold", required_argument, NULL, ARG_HOLD },
                { "reps", required_argument, NULL, ARG_REPS },
                { "one-side", no_argument, NULL, ARG_ONE_SIDE },
                { "seed", required_argument, NULL, ARG_SEED },
                { "pad", required_argument, NULL, ARG_PAD },
                { "forward", no_argument, NULL, ARG_FORWARD },
                { "done", no_argument, NULL, ARG_DONE },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        _cleanup_(synth_stretch_freep) SynthStretch *g = NULL;
        int check = -1, variant = SYNTH_STRETCH_RIGHT, c, r;
        uint64_t hold = 20, reps = 10, seed = 1, pad = 0;
        bool per_side = true, forward = false, done = false;
        struct psoas_sample s;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:v:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        check = psoas_stretch_check_from_string(optarg);
                        if (check < 0) {
                                fprintf(stderr, "psoas-synth-stretch: unknown check '%s'.\n", optarg);
                                return 64;
                        }
                        break;
                case 'v':
                        for (variant = 0; variant < _SYNTH_STRETCH_VARIANT_MAX; variant++)
                                if (strcmp(optarg, synth_stretch_variant_to_string(variant)) == 0)
                                        break;
                        if (variant == _SYNTH_STRETCH_VARIANT_MAX) {
                                fprintf(stderr, "psoas-synth-stretch: unknown variant '%s'.\n", optarg);
                                return 64;
                        }
                        break;
                case ARG_HOLD:
                case ARG_REPS:
                case ARG_PAD:
                case ARG_SEED: {
                        uint64_t v;
                        if (parse_u64(optarg, &v) < 0 || ((c == ARG_HOLD || c == ARG_REPS) && v < 1) ||
                                (c != ARG_SEED && v > 3600)) {
                                fprintf(stderr, "psoas-synth-stretch: bad value '%s' for --%s.\n", optarg,
                                        c == ARG_HOLD           ? "hold"
                                                : c == ARG_REPS ? "reps"
                                                : c == ARG_PAD  ? "pad"
                                                                : "seed");
                                return 64;
                        }
                        *(c == ARG_HOLD ? &hold : c == ARG_REPS ? &reps : c == ARG_PAD ? &pad : &seed) = v;
                        break;
                }
                case ARG_ONE_SIDE:
                        per_side = false;
                        break;
                case ARG_FORWARD:
                        forward = true;
                        break;
                case ARG_DONE:
                        done = true;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                case ARG_VERSION:
                        cli_print_version("psoas-synth-stretch");
                        return 0;
                default:
                        fprintf(stderr, "psoas-synth-stretch: bad option '%s'; see --help.\n",
                                argv[optind - 1]);
                        return 64;
                }
        if (check < 0 || optind < argc) {
                fprintf(stderr, "psoas-synth-stretch: give --check, and no other arguments; see --help.\n");
                return 64;
        }

        r = synth_stretch_new((enum psoas_stretch_check)check, (SynthStretchVariant)variant, (uint32_t)hold,
                (uint32_t)reps, per_side, 100, seed, &g);
        if (r < 0) {
                fprintf(stderr, "psoas-synth-stretch: cannot act out '%s': %s\n",
                        psoas_stretch_check_to_string((enum psoas_stretch_check)check), strerror(-r));
                return 1;
        }
        if (forward) {
                float f[3];
                synth_stretch_forward(g, f);
                printf("%.6f,%.6f,%.6f\n", (double)f[0], (double)f[1], (double)f[2]);
                return 0;
        }
        if (done) {
                printf("%.3f\n", synth_stretch_done_s(g));
                return 0;
        }

        printf("t,ax,ay,az,gx,gy,gz\n");
        int64_t end_us = -1;
        for (;;) {
                if (synth_stretch_next(g, &s) <= 0) {
                        if (end_us < 0)
                                end_us = s.t_us + (int64_t)pad * 1000000;
                        s.t_us += 10000;
                        if (s.t_us > end_us)
                                break;
                }
                printf("%" PRId64 ".%06" PRId64 ",%.5f,%.5f,%.5f,%.5f,%.5f,%.5f\n", s.t_us / 1000000,
                        s.t_us % 1000000, (double)s.accel[0], (double)s.accel[1], (double)s.accel[2],
                        (double)s.gyro[0], (double)s.gyro[1], (double)s.gyro[2]);
        }
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
