/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* psoas-synth: writes a synthetic pelvis IMU recording as CSV (t,ax,ay,az,gx,gy,gz) to standard output. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "macro.h"
#include "synth.h"

#define EXIT_USAGE 64 /* EX_USAGE */

DEFINE_TRIVIAL_CLEANUP_FUNC(SynthScenario *, synth_scenario_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(Synth *, synth_free);

typedef struct Args {
        const char *scenario;
        const char *mount;
        double rate_hz;
        uint64_t seed;
        double duration_s;
        double jitter;
        bool gyro;
        bool truth;
        bool ideal;
} Args;

static void help(void) {
        printf("Usage: psoas-synth [OPTIONS]\n"
               "\n"
               "Write a synthetic recording of an IMU worn on the pelvis as CSV on standard output:\n"
               "t (s), ax, ay, az (m/s², specific force), gx, gy, gz (rad/s), in the sensor frame.\n"
               "\n"
               "  -s --scenario=NAME   test (~7 min of everything), morning (~2 h), day (24 h),\n"
               "                       daemon (~1 h, 5 min of still standing first),\n"
               "                       seated (3 min: a walk straight into a chair, 60 s\n"
               "                       seated, a squat), slouch (6 min: a minute\n"
               "                       sitting upright, 3 min slumped back by 20°), off\n"
               "                       (~2 h: the sensor off the body for an hour) [test]\n"
               "  -r --rate=HZ         sample rate, 12.5..1000 [100]\n"
               "     --seed=N          seed for motion details, mounting and sensor errors [1]\n"
               "  -m --mount=MOUNT     sensor mounting: random (from the seed) or one of\n"
               "                       ");
        for (size_t i = 0; synth_mount_names[i]; i++)
                printf("%s%s", i > 0 ? ", " : "", synth_mount_names[i]);
        printf(" [belt-front-x-up]\n"
               "     --no-gyro         accelerometer columns only\n"
               "     --truth           append the ground truth: posture,tilt_true,still\n"
               "                       (posture: standing, sitting, walking, lying or transition;\n"
               "                       tilt_true: anterior pelvic tilt from neutral in degrees;\n"
               "                       still: 1 when not walking or changing posture and turning < 20 °/s)\n"
               "  -d --duration=S      stop after S seconds\n"
               "     --jitter[=F]      jitter timestamps by up to ±F periods [0.1]\n"
               "     --ideal           no sensor errors (noise, offsets, scale, bias, drift)\n"
               "  -h --help            show this help\n"
               "     --version         show the version\n");
}

static int parse_double(const char *s, double *ret) {
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (*s == '-' || *s == '\0')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 0);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Returns 0 to go on, 1 to exit successfully, or -EINVAL after printing why. */
static int parse_args(int argc, char **argv, Args *args) {
        enum {
                ARG_SEED = 0x100,
                ARG_NO_GYRO,
                ARG_TRUTH,
                ARG_JITTER,
                ARG_IDEAL,
                ARG_VERSION,
        };
        static const struct option options[] = {
                { "scenario", required_argument, NULL, 's' },
                { "rate", required_argument, NULL, 'r' },
                { "seed", required_argument, NULL, ARG_SEED },
                { "mount", required_argument, NULL, 'm' },
                { "no-gyro", no_argument, NULL, ARG_NO_GYRO },
                { "truth", no_argument, NULL, ARG_TRUTH },
                { "duration", required_argument, NULL, 'd' },
                { "jitter", optional_argument, NULL, ARG_JITTER },
                { "ideal", no_argument, NULL, ARG_IDEAL },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":s:r:m:d:h", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        args->scenario = optarg;
                        break;
                case 'r':
                        if (parse_double(optarg, &args->rate_hz) < 0 || args->rate_hz < 12.5 ||
                                args->rate_hz > 1000.0) {
                                fprintf(stderr,
                                        "psoas-synth: the rate must be a number of Hz from 12.5 to 1000, "
                                        "not '%s'.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_SEED:
                        if (parse_u64(optarg, &args->seed) < 0) {
                                fprintf(stderr,
                                        "psoas-synth: the seed must be a non-negative integer, not '%s'.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case 'm':
                        args->mount = optarg;
                        break;
                case ARG_NO_GYRO:
                        args->gyro = false;
                        break;
                case ARG_TRUTH:
                        args->truth = true;
                        break;
                case 'd':
                        if (parse_double(optarg, &args->duration_s) < 0 || args->duration_s <= 0) {
                                fprintf(stderr,
                                        "psoas-synth: the duration must be a positive number of seconds, "
                                        "not '%s'.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_JITTER:
                        args->jitter = 0.1;
                        if (optarg &&
                                (parse_double(optarg, &args->jitter) < 0 || args->jitter < 0 ||
                                        args->jitter > 0.45)) {
                                fprintf(stderr,
                                        "psoas-synth: the jitter must be a fraction of the period from 0 "
                                        "to 0.45, not '%s'.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_IDEAL:
                        args->ideal = true;
                        break;
                case 'h':
                        help();
                        return 1;
                case ARG_VERSION:
                        cli_print_version("psoas-synth");
                        return 1;
                case ':':
                        fprintf(stderr, "psoas-synth: option '%s' needs a value.\n", argv[optind - 1]);
                        return -EINVAL;
                default:
                        fprintf(stderr, "psoas-synth: unknown option '%s'; see psoas-synth --help.\n",
                                argv[optind - 1]);
                        return -EINVAL;
                }

        if (optind < argc) {
                fprintf(stderr, "psoas-synth: unexpected argument '%s'; see psoas-synth --help.\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* Fixed-point formatting, much faster than printf for millions of lines. Returns the end of the text. */
static char *format_fixed(char *p, double v, unsigned decimals) {
        static const double scale[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
        char digits[32];
        size_t n = 0;
        long long x = llround(fabs(v) * scale[decimals]);

        if (v < 0 && x != 0)
                *p++ = '-';
        for (unsigned i = 0; i < decimals || x > 0 || n <= decimals; i++) {
                digits[n++] = (char)('0' + x % 10);
                x /= 10;
        }
        while (n > 0) {
                *p++ = digits[--n];
                if (n == decimals && decimals > 0)
                        *p++ = '.';
        }
        return p;
}

static char *format_time(char *p, int64_t t_us) {
        char buf[32];
        int n;

        /* exact to the microsecond */
        n = snprintf(buf, sizeof(buf), "%s%" PRId64 ".%06" PRId64, t_us < 0 ? "-" : "",
                (t_us < 0 ? -t_us : t_us) / 1000000, (t_us < 0 ? -t_us : t_us) % 1000000);
        memcpy(p, buf, (size_t)n);
        return p + n;
}

static int write_csv(Synth *g, const Args *args, FILE *f) {
        static char buf[1 << 16];
        struct psoas_sample s;
        SynthTruth truth;
        size_t used = 0;

        fprintf(f, "t,ax,ay,az%s%s\n", args->gyro ? ",gx,gy,gz" : "",
                args->truth ? ",posture,tilt_true,still" : "");
        while (synth_next(g, &s, args->truth ? &truth : NULL) > 0) {
                char *p = buf + used;

                p = format_time(p, s.t_us);
                for (size_t i = 0; i < 3; i++) {
                        *p++ = ',';
                        p = format_fixed(p, s.accel[i], 5);
                }
                if (args->gyro)
                        for (size_t i = 0; i < 3; i++) {
                                *p++ = ',';
                                p = format_fixed(p, s.gyro[i], 5);
                        }
                if (args->truth) {
                        const char *name = synth_truth_posture_name(&truth);
                        size_t l = strlen(name);

                        *p++ = ',';
                        memcpy(p, name, l);
                        p += l;
                        *p++ = ',';
                        p = format_fixed(p, truth.tilt_deg, 3);
                        *p++ = ',';
                        *p++ = truth.still_or_slow ? '1' : '0';
                }
                *p++ = '\n';
                used = (size_t)(p - buf);
                if (used > sizeof(buf) - 512) {
                        if (fwrite(buf, 1, used, f) != used)
                                return -EIO;
                        used = 0;
                }
        }
        if (used > 0 && fwrite(buf, 1, used, f) != used)
                return -EIO;
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}

int main(int argc, char **argv) {
        _cleanup_(synth_scenario_freep) SynthScenario *scenario = NULL;
        _cleanup_(synth_freep) Synth *g = NULL;
        Args args = {
                .scenario = "test",
                .mount = "belt-front-x-up",
                .rate_hz = 100.0,
                .seed = 1,
                .gyro = true,
        };
        SynthOptions options;
        int r;

        r = parse_args(argc, argv, &args);
        if (r < 0)
                return EXIT_USAGE;
        if (r > 0)
                return EXIT_SUCCESS;

        r = synth_scenario_named(args.scenario, args.seed, &scenario);
        if (r == -ENOENT) {
                fprintf(stderr, "psoas-synth: there is no scenario called '%s'; try test, morning or day.\n",
                        args.scenario);
                return EXIT_USAGE;
        }
        if (r < 0) {
                fprintf(stderr, "psoas-synth: could not build the scenario: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }

        synth_options_init(&options);
        options.rate_hz = args.rate_hz;
        options.seed = args.seed;
        options.duration_s = args.duration_s;
        options.jitter = args.jitter;
        if (args.ideal)
                options.errors = 0;
        r = synth_mount_lookup(args.mount, args.seed, options.q_sp);
        if (r == -ENOENT) {
                fprintf(stderr, "psoas-synth: there is no mounting called '%s'; see psoas-synth --help.\n",
                        args.mount);
                return EXIT_USAGE;
        }

        r = synth_new(scenario, &options, &g);
        if (r < 0) {
                fprintf(stderr, "psoas-synth: could not set up the generator: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }

        r = write_csv(g, &args, stdout);
        if (r < 0) {
                fprintf(stderr, "psoas-synth: could not write the recording to standard output.\n");
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
