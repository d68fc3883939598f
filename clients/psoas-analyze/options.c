/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line: options, --help, and what each option sets. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "build-config.h"
#include "calendar.h"
#include "log.h"
#include "macro.h"

/* ------------------------------------------------------------------------------------------------------- */
/* Options */

static void help(void) {
        printf("Usage: %s [OPTIONS] FILE\n"
               "       %s [OPTIONS] [--jobs=N] FILE FILE...\n"
               "\n"
               "Runs the psoas posture engine over a recording: CSV t,ax,ay,az[,gx,gy,gz]\n"
               "(seconds, m/s², rad/s), header optional. FILE may be - for standard input.\n"
               "Several FILEs are a cohort: each is analysed alone, N at a time, and the summary\n"
               "is one CSV row per file (--json: an array of the summaries).\n"
               "A recording that looks like g, °/s or milliseconds is refused; --units converts it.\n"
               "\n"
               "Input:\n"
               "      --units=LIST           the file's units, e.g. g,deg/s,ms: m/s2 or g, rad/s or\n"
               "                             deg/s, s, ms or us (those not given are m/s2, rad/s, s)\n"
               "\n"
               "Output:\n"
               "  -o, --output=WHAT          what to print: summary (the default), samples,\n"
               "                             events, timeline (a CSV row per minute with data)\n"
               "                             or bouts (a row per sitting, upright or lying bout)\n"
               "  -j, --json                 JSON instead of words or CSV (all but samples)\n"
               "      --quat                 add qw,qx,qy,qz to the samples output\n"
               "      --jobs=N               a cohort's files analysed at once (default: the CPUs)\n"
               "\n"
               "Calibration (the neutral standing posture), in the file's seconds:\n"
               "      --calibrate=START,END  on the samples from START to END\n"
               "      --calibrate-first=SECONDS  on the first SECONDS of the recording\n"
               "      --calibrate-auto       on the first stillness, as psoasd does\n"
               "\n"
               "Engine:\n"
               "      --no-gyro              ignore the gyroscope columns\n"
               "      --forward=X,Y,Z        the wearer's forward direction in the sensor's frame\n",
                "psoas-analyze", "psoas-analyze");
        for (size_t i = 0; i < engine_keys_count; i++) {
                char option[64];

                if (!engine_keys[i].option)
                        continue;
                snprintf(option, sizeof(option), "--%s=%s", engine_keys[i].option, engine_keys[i].metavar);
                printf("      %-23s%s\n", option, engine_keys[i].help);
        }
        printf("      --start=YYYY-MM-DDTHH:MM[:SS]  local time of the first sample:\n"
               "                             days and quiet hours then follow the wall clock\n"
               "      --quiet-hours=HH:MM-HH:MM  no alerts then (needs --start)\n"
               "      --floor-exercises      prompt floor exercises too (by default only stretches\n"
               "                             done by the desk)\n"
               "      --stretch=ID           prompt only this stretch of the catalog, after any alert\n"
               "\n"
               "  -h, --help                 show this help\n"
               "      --version              show the version\n"
               "\n"
               "Exit status: 0 done, 64 usage error, 65 bad data, 66 cannot open the input,\n"
               "70 internal error, 71 out of memory, 74 I/O error. See psoas-analyze(1).\n");
}

/* Remembers that option (without its dashes, given arg; key: one of engine_keys[], or NULL) set field. */
static void context_bind(
        Context *c, const char *field, const char *option, const char *arg, const EngineKey *key) {
        for (size_t i = 0; i < c->n_bindings; i++)
                if (strcmp(c->bindings[i].field, field) == 0) {
                        c->bindings[i].option = option;
                        c->bindings[i].arg = arg;
                        c->bindings[i].key = key;
                        return;
                }
        if (c->n_bindings < ELEMENTSOF(c->bindings))
                c->bindings[c->n_bindings++] = (typeof(c->bindings[0])){ field, option, arg, key };
}

/* An engine setting's option, in the data's number syntax and the key's unit. Its range is checked when the
 * whole configuration is, and then said in that unit. */
static int parse_engine_key(Context *c, const EngineKey *key, const char *arg) {
        double v;

        if (csv_parse_double(arg, &v) < 0) {
                log_error("--%s '%s': not a number of %s", key->option, arg, key->unit);
                return -EINVAL;
        }
        engine_key_set(key, &c->config, v);
        context_bind(c, key->field, key->option, arg, key);
        return 0;
}

/* "X,Y,Z": three numbers separated by commas. */
static int parse_vector(const char *arg, double ret[3]) {
        _cleanup_free_ char *copy = strdup(arg);
        double v[3];
        char *p;

        if (!copy)
                return -ENOMEM;
        p = copy;
        for (size_t i = 0; i < 3; i++) {
                char *comma = strchr(p, ',');

                if ((comma != NULL) != (i < 2))
                        return -EINVAL;
                if (comma)
                        *comma = '\0';
                if (csv_parse_double(p, &v[i]) < 0)
                        return -EINVAL;
                if (comma)
                        p = comma + 1;
        }

        memcpy(ret, v, sizeof(v));
        return 0;
}

static int parse_calibrate_window(const char *arg, int64_t *ret_start, int64_t *ret_end) {
        _cleanup_free_ char *copy = strdup(arg);
        int64_t start, end;
        char *comma;

        if (!copy)
                return -ENOMEM;
        comma = strchr(copy, ',');
        if (!comma)
                return -EINVAL;
        *comma = '\0';
        if (csv_parse_time_us(copy, &start) < 0 || csv_parse_time_us(comma + 1, &end) < 0)
                return -EINVAL;
        if (start >= end)
                return -ERANGE;

        *ret_start = start;
        *ret_end = end;
        return 0;
}

static int parse_quiet_hours(const char *s, int32_t *ret_start, int32_t *ret_end) {
        unsigned h1, m1, h2, m2;
        int n = 0;

        if (sscanf(s, "%2u:%2u-%2u:%2u%n", &h1, &m1, &h2, &m2, &n) != 4 || s[n] != '\0' || h1 > 23 ||
                h2 > 23 || m1 > 59 || m2 > 59)
                return -EINVAL;
        *ret_start = (int32_t)(h1 * 60 + m1);
        *ret_end = (int32_t)(h2 * 60 + m2);
        return 0;
}

/* --output's names; OUTPUT_ROW is a cohort's, not chosen. */
static const char *const output_names[] = {
        [OUTPUT_SUMMARY] = "summary",
        [OUTPUT_SAMPLES] = "samples",
        [OUTPUT_EVENTS] = "events",
        [OUTPUT_TIMELINE] = "timeline",
        [OUTPUT_BOUTS] = "bouts",
};

static const char *output_name(OutputMode mode) {
        return (size_t)mode < ELEMENTSOF(output_names) ? output_names[mode] : "row";
}

static int parse_output(const char *s, OutputMode *ret) {
        for (size_t i = 0; i < ELEMENTSOF(output_names); i++)
                if (output_names[i] && strcmp(s, output_names[i]) == 0) {
                        *ret = (OutputMode)i;
                        return 0;
                }
        return -EINVAL;
}

/* Returns 1 to run, 0 to exit successfully (--help, --version), or -EINVAL after saying what is wrong. */
int parse_argv(Context *c, int argc, char **argv) {
        enum {
                ARG_VERSION = 0x100,
                ARG_QUAT,
                ARG_NO_GYRO,
                ARG_CALIBRATE,
                ARG_CALIBRATE_FIRST,
                ARG_CALIBRATE_AUTO,
                ARG_FORWARD,
                ARG_START,
                ARG_QUIET_HOURS,
                ARG_UNITS,
                ARG_FLOOR_EXERCISES,
                ARG_STRETCH,
                ARG_JOBS,
                /* ARG_ENGINE_KEY + i: engine_keys[i].option */
                ARG_ENGINE_KEY,
        };
        static const struct option fixed_options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "output", required_argument, NULL, 'o' },
                { "json", no_argument, NULL, 'j' },
                { "quat", no_argument, NULL, ARG_QUAT },
                { "no-gyro", no_argument, NULL, ARG_NO_GYRO },
                { "calibrate", required_argument, NULL, ARG_CALIBRATE },
                { "calibrate-first", required_argument, NULL, ARG_CALIBRATE_FIRST },
                { "calibrate-auto", no_argument, NULL, ARG_CALIBRATE_AUTO },
                { "forward", required_argument, NULL, ARG_FORWARD },
                { "start", required_argument, NULL, ARG_START },
                { "jobs", required_argument, NULL, ARG_JOBS },
                { "quiet-hours", required_argument, NULL, ARG_QUIET_HOURS },
                { "units", required_argument, NULL, ARG_UNITS },
                { "floor-exercises", no_argument, NULL, ARG_FLOOR_EXERCISES },
                { "stretch", required_argument, NULL, ARG_STRETCH },
        };
        struct option options[ELEMENTSOF(fixed_options) + 16 + 1] = {};
        size_t n_options = ELEMENTSOF(fixed_options);
        unsigned n_calibrate = 0;
        const char *quiet_hours = NULL;
        double v[3];
        int opt, r;

        memcpy(options, fixed_options, sizeof(fixed_options));
        for (size_t i = 0; i < engine_keys_count; i++)
                if (engine_keys[i].option && n_options < ELEMENTSOF(options) - 1)
                        options[n_options++] = (struct option){ engine_keys[i].option, required_argument,
                                NULL, ARG_ENGINE_KEY + (int)i };

        while ((opt = getopt_long(argc, argv, "ho:j", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("psoas-analyze %s (libpsoas %s)\n", PACKAGE_VERSION, psoas_version());
                        return 0;
                case 'o':
                        if (parse_output(optarg, &c->output) < 0) {
                                log_error("--output '%s': expected summary, samples, events, timeline or "
                                          "bouts",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case 'j':
                        c->json = true;
                        break;
                case ARG_QUAT:
                        c->quat = true;
                        break;
                case ARG_NO_GYRO:
                        c->no_gyro = true;
                        c->config.use_gyro = false;
                        break;
                case ARG_CALIBRATE:
                        r = parse_calibrate_window(optarg, &c->calibrate_start_us, &c->calibrate_end_us);
                        if (r < 0) {
                                log_error(
                                        "--calibrate '%s': expected START,END in seconds, START before END, "
                                        "e.g. --calibrate 10,15",
                                        optarg);
                                return -EINVAL;
                        }
                        c->calibrate = CALIBRATE_WINDOW;
                        n_calibrate++;
                        break;
                case ARG_CALIBRATE_FIRST:
                        if (csv_parse_time_us(optarg, &c->calibrate_first_us) < 0 ||
                                c->calibrate_first_us <= 0) {
                                log_error("--calibrate-first '%s': expected a positive number of seconds, "
                                          "e.g. --calibrate-first 5",
                                        optarg);
                                return -EINVAL;
                        }
                        c->calibrate = CALIBRATE_FIRST;
                        n_calibrate++;
                        break;
                case ARG_CALIBRATE_AUTO:
                        c->calibrate = CALIBRATE_AUTO;
                        n_calibrate++;
                        break;
                case ARG_FORWARD:
                        if (parse_vector(optarg, v) < 0 || (v[0] == 0 && v[1] == 0 && v[2] == 0)) {
                                log_error(
                                        "--forward '%s': expected X,Y,Z, a direction in the sensor's frame, "
                                        "e.g. --forward 1,0,0",
                                        optarg);
                                return -EINVAL;
                        }
                        c->config.forward_known = true;
                        for (size_t i = 0; i < 3; i++)
                                c->config.forward[i] = (float)v[i];
                        context_bind(c, "forward", "forward", optarg, NULL);
                        break;
                case ARG_FLOOR_EXERCISES:
                        c->floor_exercises = true;
                        break;
                case ARG_STRETCH: {
                        size_t n;
                        const struct psoas_stretch *def = psoas_stretch_default_catalog(&n);

                        c->only_stretch = NULL;
                        for (size_t i = 0; i < n && !c->only_stretch; i++)
                                if (streq(psoas_stretch_at(def, i)->id, optarg)) {
                                        c->only_stretch = psoas_stretch_at(def, i)->id;
                                        c->only_catalog[0] = *psoas_stretch_at(def, i);
                                        /* Our copy is of our psoas.h's size, whatever the library's is. */
                                        c->only_catalog[0].size = sizeof(c->only_catalog[0]);
                                }
                        if (!c->only_stretch) {
                                log_error("--stretch '%s': no such stretch in the catalog", optarg);
                                return -EINVAL;
                        }
                        /* Prompted after any alert, wherever it is done. */
                        c->only_catalog[0].targets |= PSOAS_TARGET_HIP_FLEXORS | PSOAS_TARGET_GLUTES;
                        c->floor_exercises = true;
                        break;
                }
                case ARG_START:
                        if (calendar_parse_local_time(optarg, &c->start_local_us) < 0) {
                                log_error("--start '%s': expected a local date and time, e.g. "
                                          "--start 2024-05-01T08:30:00",
                                        optarg);
                                return -EINVAL;
                        }
                        c->has_start = true;
                        break;
                case ARG_QUIET_HOURS:
                        if (parse_quiet_hours(optarg, &c->config.quiet_start_min, &c->config.quiet_end_min) <
                                0) {
                                log_error("--quiet-hours '%s': expected HH:MM-HH:MM, e.g. --quiet-hours "
                                          "22:00-07:00",
                                        optarg);
                                return -EINVAL;
                        }
                        quiet_hours = optarg;
                        context_bind(c, "quiet_start_min", "quiet-hours", optarg, NULL);
                        context_bind(c, "quiet_end_min", "quiet-hours", optarg, NULL);
                        break;
                case ARG_UNITS: {
                        char why[256];

                        if (csv_units_parse(optarg, &c->units, why, sizeof(why)) < 0) {
                                log_error("--units '%s': %s", optarg, why);
                                return -EINVAL;
                        }
                        break;
                }
                case ARG_JOBS: {
                        char *end;
                        unsigned long n;

                        errno = 0;
                        n = strtoul(optarg, &end, 10);
                        if (errno || end == optarg || *end || n < 1 || n > COHORT_JOBS_MAX) {
                                log_error("--jobs '%s': expected a number from 1 to %d", optarg,
                                        COHORT_JOBS_MAX);
                                return -EINVAL;
                        }
                        c->jobs = (unsigned)n;
                        break;
                }
                case '?':
                        return -EINVAL; /* getopt_long() said what */
                default:
                        if (opt >= ARG_ENGINE_KEY && (size_t)(opt - ARG_ENGINE_KEY) < engine_keys_count) {
                                if (parse_engine_key(c, &engine_keys[opt - ARG_ENGINE_KEY], optarg) < 0)
                                        return -EINVAL;
                                break;
                        }
                        return -EINVAL;
                }

        if (optind >= argc) {
                log_error("no input: give a FILE, or - for standard input (see --help)");
                return -EINVAL;
        }
        c->input = argv[optind];
        if (optind + 1 < argc) {
                /* A cohort: summaries only, of files (standard input cannot be read twice). */
                if (c->output != OUTPUT_SUMMARY) {
                        log_error("several inputs give one summary each; --output %s takes one input",
                                output_name(c->output));
                        return -EINVAL;
                }
                for (int i = optind; i < argc; i++)
                        if (strcmp(argv[i], "-") == 0) {
                                log_error("standard input (-) cannot be one of several inputs");
                                return -EINVAL;
                        }
                c->inputs = argv + optind;
                c->n_inputs = (size_t)(argc - optind);
                if (c->jobs == 0) {
                        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
                        c->jobs = cpus < 1 ? 1 : cpus > COHORT_JOBS_MAX ? COHORT_JOBS_MAX : (unsigned)cpus;
                }
        } else if (c->jobs > 0) {
                log_error("--jobs is for several inputs");
                return -EINVAL;
        }

        if (n_calibrate > 1) {
                log_error("--calibrate, --calibrate-first and --calibrate-auto exclude one another");
                return -EINVAL;
        }
        if (c->json && c->output == OUTPUT_SAMPLES) {
                log_error("--json is for the summary, events, timeline and bouts outputs; samples are CSV");
                return -EINVAL;
        }
        if (c->quat && c->output != OUTPUT_SAMPLES) {
                log_error("--quat adds columns to --output samples only");
                return -EINVAL;
        }
        if (quiet_hours && !c->has_start) {
                log_error("--quiet-hours needs --start: without a wall clock there are no hours");
                return -EINVAL;
        }
        return 1;
}
