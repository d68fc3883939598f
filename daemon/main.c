/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* psoasd: the posture monitor daemon. Parses the command line, builds the Manager, runs its loop. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "cli.h"
#include "config.h"
#include "csv-units.h"
#include "log-journal.h"
#include "manager.h"

static void help(void) {
        printf("Usage: psoasd [OPTIONS]\n"
               "\n"
               "The psoas posture monitor: reads a pelvis-worn IMU through IIO and publishes posture, "
               "pelvic\n"
               "tilt, sitting time, alerts and stretch prompts on D-Bus as org.psoas.Posture1.\n"
               "\n"
               "  -h, --help              show this help and exit\n"
               "      --version           show the version and exit\n"
               "      --system            serve on the system bus (the default)\n"
               "      --user              serve on the user's session bus; state in $XDG_STATE_HOME/psoas\n"
               "  -c, --config=FILE       configuration file (default " CONFIG_DEFAULT_PATH ";\n"
               "                          with --user, $XDG_CONFIG_HOME/psoas/psoasd.json)\n"
               "  -s, --sensor=URI        IIO context to read, e.g. local: or ip:192.0.2.7 (overrides "
               "sensor.uri)\n"
               "      --replay=FILE.csv   read a recording in psoas-analyze's CSV format instead of the "
               "sensor\n"
               "      --speed=X           replay speed factor (default 1; 0 means as fast as possible)\n"
               "      --exit-on-end       exit when the replay ends\n"
               "      --calibrate-first=S calibrate on the first S seconds of the replay (the wearer "
               "standing still)\n"
               "      --units=LIST        the recording's units, e.g. g,deg/s,ms (default m/s2,rad/s,s);\n"
               "                          one that looks like other units than these is refused\n"
               "      --record=FILE.csv   write every sample received to FILE, in the same CSV format\n"
               "      --state-directory=DIR\n"
               "                          keep statistics in DIR (overrides state.directory)\n"
               "      --log-level=LEVEL   debug, info, notice, warning or err (default info)\n"
               "\n"
               "Signals: SIGTERM and SIGINT stop (statistics are saved), SIGHUP reloads the configuration.\n"
               "Exit status: 0 stopped, 1 failure, 78 bad configuration. See psoasd(8), psoasd.json(5).\n");
}

/* A whole-string number in [min, max]; -EINVAL for anything else (NaN included). */
static int parse_double(const char *s, double min, double max, double *ret) {
        char *end;
        double d;

        errno = 0;
        d = strtod(s, &end);
        if (errno != 0 || end == s || *end || !(d >= min && d <= max))
                return -EINVAL;
        *ret = d;
        return 0;
}

static int parse_log_level(const char *s) {
        static const struct {
                const char *name;
                int level;
        } levels[] = {
                { "debug", LOG_DEBUG },
                { "info", LOG_INFO },
                { "notice", LOG_NOTICE },
                { "warning", LOG_WARNING },
                { "err", LOG_ERR },
                { "error", LOG_ERR },
        };

        for (size_t i = 0; i < ELEMENTSOF(levels); i++)
                if (streq(s, levels[i].name))
                        return levels[i].level;
        return -EINVAL;
}

enum {
        ARG_REPLAY = CLI_ARG_OWN,
        ARG_SPEED,
        ARG_EXIT_ON_END,
        ARG_CALIBRATE_FIRST,
        ARG_UNITS,
        ARG_RECORD,
        ARG_STATE_DIRECTORY,
        ARG_LOG_LEVEL,
};

/* Returns 1 to run, 0 to exit successfully (--help), or a negative errno (the message printed). */
static int parse_argv(int argc, char *argv[], ManagerOptions *o, CsvUnits *units) {
        static const struct option options[] = {
                CLI_BUS_OPTIONS,
                { "config", required_argument, NULL, 'c' },
                { "sensor", required_argument, NULL, 's' },
                { "replay", required_argument, NULL, ARG_REPLAY },
                { "speed", required_argument, NULL, ARG_SPEED },
                { "exit-on-end", no_argument, NULL, ARG_EXIT_ON_END },
                { "calibrate-first", required_argument, NULL, ARG_CALIBRATE_FIRST },
                { "units", required_argument, NULL, ARG_UNITS },
                { "record", required_argument, NULL, ARG_RECORD },
                { "state-directory", required_argument, NULL, ARG_STATE_DIRECTORY },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {},
        };
        bool speed_set = false, units_set = false;
        char why[256];
        int c, level;

        while ((c = getopt_long(argc, argv, "hc:s:", options, NULL)) >= 0) {
                if (cli_parse_bus_option(c, &o->user_bus))
                        continue;
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case CLI_ARG_VERSION:
                        printf("psoasd %s (libpsoas %s)\n", PACKAGE_VERSION, psoas_version());
                        return 0;
                case 'c':
                        o->config_path = optarg;
                        break;
                case 's':
                        if (isempty(optarg)) {
                                fprintf(stderr, "psoasd: --sensor needs an IIO context URI, e.g. local:\n");
                                return -EINVAL;
                        }
                        o->sensor_uri = optarg;
                        break;
                case ARG_REPLAY:
                        o->replay_path = optarg;
                        break;
                case ARG_SPEED:
                        if (parse_double(optarg, 0, 1e6, &o->replay_speed) < 0) {
                                fprintf(stderr, "psoasd: --speed: '%s' is not a factor from 0 to 1000000\n",
                                        optarg);
                                return -EINVAL;
                        }
                        speed_set = true;
                        break;
                case ARG_EXIT_ON_END:
                        o->exit_on_end = true;
                        break;
                case ARG_CALIBRATE_FIRST:
                        if (parse_double(optarg, 1, 600, &o->calibrate_first_s) < 0) {
                                fprintf(stderr, "psoasd: --calibrate-first: '%s' is not 1 to 600 seconds\n",
                                        optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_UNITS:
                        if (csv_units_parse(optarg, units, why, sizeof(why)) < 0) {
                                fprintf(stderr, "psoasd: --units '%s': %s\n", optarg, why);
                                return -EINVAL;
                        }
                        o->replay_units = units;
                        units_set = true;
                        break;
                case ARG_RECORD:
                        o->record_path = optarg;
                        break;
                case ARG_STATE_DIRECTORY:
                        if (optarg[0] != '/') {
                                fprintf(stderr, "psoasd: --state-directory: '%s' is not an absolute path\n",
                                        optarg);
                                return -EINVAL;
                        }
                        o->state_directory = optarg;
                        break;
                case ARG_LOG_LEVEL:
                        level = parse_log_level(optarg);
                        if (level < 0) {
                                fprintf(stderr,
                                        "psoasd: --log-level: '%s' is not one of debug, info, notice, "
                                        "warning, "
                                        "err\n",
                                        optarg);
                                return -EINVAL;
                        }
                        log_set_max_level(level);
                        break;
                case '?':
                        fprintf(stderr, "Try 'psoasd --help'.\n");
                        return -EINVAL;
                default:
                        abort();
                }
        }

        if (optind < argc) {
                fprintf(stderr, "psoasd: unexpected argument '%s'. Try 'psoasd --help'.\n", argv[optind]);
                return -EINVAL;
        }
        if ((speed_set || o->exit_on_end || o->calibrate_first_s > 0 || units_set) && !o->replay_path) {
                fprintf(stderr,
                        "psoasd: --speed, --exit-on-end, --calibrate-first and --units need --replay\n");
                return -EINVAL;
        }
        if (o->replay_path && o->sensor_uri) {
                fprintf(stderr, "psoasd: --replay and --sensor exclude each other\n");
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerOptions options = { .replay_speed = 1 };
        CsvUnits units = CSV_UNITS_SI; /* options.replay_units, for as long as psoasd runs */
        int r;

        log_open();
        r = parse_argv(argc, argv, &options, &units);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

        r = manager_new(&options, &m);
        if (r < 0) {
                log_error_errno(r, "Cannot start: %m");
                return EXIT_FAILURE;
        }

        r = manager_start(m);
        if (r == -EINVAL) {
                (void)sd_notify(false, "STATUS=Configuration rejected; see the journal");
                return EX_CONFIG;
        }
        if (r < 0)
                return EXIT_FAILURE;

        return manager_run(m);
}
