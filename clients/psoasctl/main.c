/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * psoasctl: shows and steers psoasd over D-Bus. The command line is a table of verbs: each entry names the
 * verb's arguments and options, and the help texts are built from it, so they cannot drift apart.
 *
 * Exit statuses: 0 on success, 1 when something failed (psoasd refused, is not running, ...), 2 on a usage
 * error; inhibit exits with its command's status.
 */

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "calendar.h"
#include "cli.h"
#include "format.h"
#include "psoasctl.h"

enum {
        ARG_VERSION = CLI_ARG_VERSION,
        ARG_SYSTEM = CLI_ARG_SYSTEM,
        ARG_USER = CLI_ARG_USER,
        ARG_JSON = CLI_ARG_OWN,
        ARG_CANCEL,
        ARG_WHY,
        ARG_WHO,
        ARG_DAYS,
        ARG_SVG,
        ARG_COUNT,
        ARG_DURATION,
        ARG_PLAIN,
        ARG_DELAY,
        ARG_SITTING_LIMIT,
        ARG_SITTING,
        ARG_FROM,
        ARG_TO,
        ARG_OUTPUT,
};

typedef struct VerbOption {
        const char *name;
        int id; /* the short option's letter, or an ARG_* */
        const char *argument; /* the argument's name for the help, or NULL for a flag */
        const char *help;
} VerbOption;

#define VERB_JSON (1u << 0) /* prints data, so it takes --json */
#define VERB_COMMAND (1u << 1) /* its options end at the first argument: the rest is a command line */

typedef struct Verb {
        const char *name;
        const char *arguments; /* after "[OPTIONS]" in the synopsis, or NULL */
        const char *summary; /* for psoasctl --help */
        const char *description; /* for psoasctl VERB --help */
        const VerbOption *options; /* ends with a NULL name; may be NULL */
        unsigned flags;
        int min_args, max_args; /* max_args -1: any number */
        /* Checks the arguments (not the bus): a usage error returns -EINVAL after saying why. */
        int (*parse_args)(Context *c, int argc, char **argv);
        int (*run)(Context *c, int argc, char **argv);
} Verb;

static int parse_snooze_args(Context *c, int argc, char **argv);
static int parse_buzz_args(Context *c, int argc, char **argv);
static int parse_export_args(Context *c, int argc, char **argv);

/* The patterns of TestHaptics(), checked here so that a typing mistake is a usage error. */
static const char *const buzz_patterns[] = { "sitting", "tilt", "slouch", "calibration-done",
        "calibration-refused" };

static const VerbOption monitor_options[] = {
        { "count", ARG_COUNT, "N", "stop after N event lines" },
        { "duration", ARG_DURATION, "SECONDS", "stop after this long" },
        { "plain", ARG_PLAIN, NULL, "one line per event, no live display, even on a terminal" },
        {},
};

static const VerbOption waybar_options[] = {
        { "count", ARG_COUNT, "N", "stop after N lines" },
        { "duration", ARG_DURATION, "SECONDS", "stop after this long" },
        { "sitting-limit", ARG_SITTING_LIMIT, "MINUTES", "the sitting bout shown as 100 % (default 30)" },
        {},
};

static const VerbOption calibrate_options[] = {
        { "delay", ARG_DELAY, "SECONDS",
                "count down this long before the capture starts (0 to 60, default 3)" },
        { "sitting", ARG_SITTING, NULL,
                "capture your upright sitting posture instead, for the slouch alert" },
        {},
};

static const VerbOption snooze_options[] = {
        { "cancel", ARG_CANCEL, NULL, "end the snooze now" },
        {},
};

static const VerbOption inhibit_options[] = {
        { "why", ARG_WHY, "REASON", "why, in words, shown to the wearer (default: the command's name)" },
        { "who", ARG_WHO, "APP", "who holds the inhibitor (default: psoasctl)" },
        {},
};

static const VerbOption today_options[] = {
        { "svg", ARG_SVG, "FILE", "also write the chart as an SVG image" },
        {},
};

static const VerbOption export_options[] = {
        { "from", ARG_FROM, "DAY", "the first day, YYYY-MM-DD (default: today)" },
        { "to", ARG_TO, "DAY", "the last day, YYYY-MM-DD (default: the first)" },
        { "output", 'o', "KIND", "timeline: a row per minute with data (default); bouts: per bout" },
        {},
};

static const VerbOption history_options[] = {
        { "days", ARG_DAYS, "N", "this many days, today included (1 to 366; default 7)" },
        { "svg", ARG_SVG, "FILE", "also write the chart as an SVG image" },
        {},
};

static const Verb verbs[] = {
        {
                .name = "status",
                .summary = "posture, tilt, sitting time, sensor and alerts, in words (the default verb)",
                .description =
                        "Shows the wearer's posture and pelvic tilt, the sitting bout and today's "
                        "sitting time, the sensor's state and whether alerts are snoozed or inhibited.",
                .flags = VERB_JSON,
                .run = verb_status,
        },
        {
                .name = "monitor",
                .summary = "a live view of posture, tilt and sitting time, with events, until Ctrl-C",
                .description =
                        "Shows the posture, a tilt gauge and the sitting timer live, with alerts, "
                        "stretch prompts and breaks as they arrive, until Ctrl-C. It holds a live "
                        "claim, so tilt is updated up to 10 times a second. When standard output is "
                        "not a terminal (or with --plain), it prints one line per event instead; with "
                        "--json, one JSON object per line.",
                .options = monitor_options,
                .flags = VERB_JSON,
                .run = verb_monitor,
        },
        {
                .name = "waybar",
                .summary = "one JSON line per change, for a waybar or i3blocks custom module",
                .description = "Prints a JSON object with the keys text, tooltip, class and percentage on a "
                               "line of its own whenever what it shows changes, until Ctrl-C. While psoasd "
                               "is not running it says so (class \"off\") and waits for it.",
                .options = waybar_options,
                .run = verb_waybar,
        },
        {
                .name = "calibrate",
                .summary = "capture your neutral standing posture (or, with --sitting, your upright "
                           "sitting posture)",
                .description = "Captures the neutral standing posture that tilt is measured from. Stand "
                               "tall in your usual good posture and hold still: psoasd needs 3 seconds "
                               "without movement, within 15 seconds. With --sitting, once calibrated "
                               "standing: sit upright on your sit bones and hold still, and psoasd "
                               "captures the upright sitting posture that the slouch alert measures a "
                               "slump from; there is no slouch alert until it has one.",
                .options = calibrate_options,
                .flags = VERB_JSON,
                .run = verb_calibrate,
        },
        {
                .name = "snooze",
                .arguments = "[MINUTES]",
                .summary = "hold back alerts for a while (15 min unless told)",
                .description = "Holds back alerts and stretch prompts for MINUTES minutes, 1 to 240 (15 "
                               "when not given). A new snooze replaces the previous one.",
                .options = snooze_options,
                .max_args = 1,
                .parse_args = parse_snooze_args,
                .run = verb_snooze,
        },
        {
                .name = "inhibit",
                .arguments = "[--] COMMAND...",
                .summary = "hold back alerts while a command runs",
                .description = "Holds back alerts and stretch prompts while COMMAND runs, so that a "
                               "meeting or a film is not interrupted, and exits with COMMAND's exit status. "
                               "The inhibitor ends when COMMAND ends, or when psoasctl is killed.",
                .options = inhibit_options,
                .flags = VERB_COMMAND,
                .min_args = 1,
                .max_args = -1,
                .run = verb_inhibit,
        },
        {
                .name = "stretches",
                .summary = "the stretch catalog",
                .description = "Lists the stretches psoasd suggests, with instructions.",
                .flags = VERB_JSON,
                .run = verb_stretches,
        },
        {
                .name = "done",
                .arguments = "ID",
                .summary = "report a stretch as done",
                .description = "Reports that you did the stretch ID (see psoasctl stretches); it counts as "
                               "self-reported in today's statistics.",
                .min_args = 1,
                .max_args = 1,
                .run = verb_done,
        },
        {
                .name = "today",
                .summary = "today's statistics, a minute-by-minute chart of the day, and its bouts",
                .description = "Shows today's statistics, a chart of the day with one row per hour and a "
                               "letter (or colour) per minute for the posture that took most of it, the "
                               "bouts of sitting, standing and lying with how each ended, and the sitting "
                               "bouts by length. From a psoasd older than interface revision 4, which keeps "
                               "no per-minute record, a chart of the time per posture instead.",
                .options = today_options,
                .flags = VERB_JSON,
                .run = verb_today,
        },
        {
                .name = "export",
                .summary = "psoasd's record of some days as CSV or JSON: the timeline or the bouts",
                .description = "Writes psoasd's record of the days from --from to --to (at most 366) on "
                               "standard output: with --output timeline a CSV row per minute with data, "
                               "with --output bouts a row per bout; with --json an array of objects with "
                               "the same keys. The columns are psoas-analyze --output's (see psoasctl(1)). "
                               "Needs a psoasd of interface revision 4 or later.",
                .options = export_options,
                .flags = VERB_JSON,
                .parse_args = parse_export_args,
                .run = verb_export,
        },
        {
                .name = "history",
                .summary = "the statistics of the last days, with a chart of sitting per day",
                .description = "Shows a table of the last days' statistics and a chart of the time sat per "
                               "day.",
                .options = history_options,
                .flags = VERB_JSON,
                .run = verb_history,
        },
        {
                .name = "buzz",
                .arguments = "PATTERN",
                .summary = "feel a vibration pattern on the wearable's motor",
                .description =
                        "Plays PATTERN on the vibration motor of the wearable psoasd runs on, so that "
                        "you can learn to tell the patterns apart: sitting (the sitting alert: two long "
                        "pulses), tilt (the tilt alert: three short pulses), slouch (the slouch alert: "
                        "two short pulses, spaced), calibration-done (five short pulses) or "
                        "calibration-refused (one long pulse).",
                .min_args = 1,
                .max_args = 1,
                .parse_args = parse_buzz_args,
                .run = verb_buzz,
        },
};

/* The options every verb takes. */
static const VerbOption common_options[] = {
        { "help", 'h', NULL, "show this help" },
        { "system", ARG_SYSTEM, NULL, "psoasd on the system bus (the default)" },
        { "user", ARG_USER, NULL, "psoasd on your session bus (psoasd --user)" },
        { "host", 'H', "[USER@]HOST", "psoasd on the system bus of HOST, over SSH" },
        {},
};

static const VerbOption json_option = { "json", ARG_JSON, NULL, "print the data as JSON" };

/* ------------------------------------------------------------------------------------------------------- */
/* Help */

static void print_option(const VerbOption *o) {
        char left[64];

        if (o->id < 0x100)
                snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->name, o->argument ? "=" : "",
                        o->argument ?: "");
        else
                snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->argument ? "=" : "",
                        o->argument ?: "");
        printf("  %-26s %s\n", left, o->help);
}

static void help(void) {
        printf("psoasctl [OPTIONS] [VERB] [ARGUMENTS]\n\n"
               "Shows and steers psoasd, the posture monitor, over D-Bus.\n\n"
               "Verbs:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char left[64];

                snprintf(left, sizeof(left), "%s%s%s", verbs[i].name, verbs[i].arguments ? " " : "",
                        verbs[i].arguments ?: "");
                printf("  %-26s %s\n", left, verbs[i].summary);
        }
        printf("\nOptions:\n");
        for (const VerbOption *o = common_options; o->name; o++)
                print_option(o);
        print_option(&(const VerbOption){ "version", ARG_VERSION, NULL, "show the version" });
        print_option(
                &(const VerbOption){ "json", ARG_JSON, NULL, "print data as JSON (verbs that print data)" });
        printf("\nEach verb has its own options: psoasctl VERB --help.\n"
               "Exit status: 0 on success, 1 on a failure, 2 on a usage error; inhibit exits with its "
               "command's status.\n"
               "See psoasctl(1).\n");
}

static void verb_help(const Verb *verb) {
        printf("psoasctl %s [OPTIONS]%s%s\n\n", verb->name, verb->arguments ? " " : "",
                verb->arguments ?: "");
        print_wrapped(stdout, verb->description, 0, 100);
        printf("\nOptions:\n");
        for (const VerbOption *o = verb->options; o && o->name; o++)
                print_option(o);
        if (verb->flags & VERB_JSON)
                print_option(&json_option);
        for (const VerbOption *o = common_options; o->name; o++)
                print_option(o);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Parsing */

static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret) {
        unsigned long v;
        char *end;

        if (!s[0] || s[0] < '0' || s[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end || v < min || v > max)
                return -ERANGE;
        *ret = (unsigned)v;
        return 0;
}

static int parse_snooze_args(Context *c, int argc, char **argv) {
        c->snooze_min = 15;
        if (c->cancel && argc > 0) {
                log_error("snooze: --cancel takes no MINUTES");
                return -EINVAL;
        }
        if (argc > 0 && parse_unsigned(argv[0], 1, 240, &c->snooze_min) < 0) {
                log_error("snooze: '%s' is not a number of minutes from 1 to 240", argv[0]);
                return -EINVAL;
        }
        return 0;
}

static int parse_buzz_args(Context *c, int argc, char **argv) {
        for (size_t i = 0; i < ELEMENTSOF(buzz_patterns); i++)
                if (streq(argv[0], buzz_patterns[i])) {
                        c->pattern = buzz_patterns[i];
                        return 0;
                }
        log_error(
                "buzz: '%s' is not a pattern; the patterns are sitting, tilt, slouch, calibration-done and "
                "calibration-refused",
                argv[0]);
        return -EINVAL;
}

static int parse_export_args(Context *c, int argc, char **argv) {
        int32_t from, to;

        if (c->from && c->to && day_from_string(c->from, &from) >= 0 && day_from_string(c->to, &to) >= 0) {
                if (from > to) {
                        log_error("export: --from %s is after --to %s", c->from, c->to);
                        return -EINVAL;
                }
                if (to - from >= EXPORT_DAYS_MAX) {
                        log_error("export: %s to %s is %d days; at most %d at a time", c->from, c->to,
                                to - from + 1, EXPORT_DAYS_MAX);
                        return -EINVAL;
                }
        }
        return 0;
}

/* An option that every verb takes; returns 0 when it is not one. */
static int parse_common_option(Context *c, int id, const char *arg) {
        if (cli_parse_bus_option(id, &c->user_bus))
                return 1;
        switch (id) {
        case 'H':
                if (isempty(arg)) {
                        log_error("--host needs a host name, as [USER@]HOST");
                        return -EINVAL;
                }
                c->host = arg;
                return 1;
        case ARG_JSON:
                c->json = true;
                return 1;
        }
        return 0;
}

/* A verb's option that takes words: they must not be empty. what says what was expected ("a reason, in
 * words"). */
static int option_text(
        const char *verb, const char *option, const char *what, const char *arg, const char **ret) {
        if (isempty(arg)) {
                log_error("%s: %s needs %s", verb, option, what);
                return -EINVAL;
        }
        *ret = arg;
        return 0;
}

/* A verb's option that takes a whole number from min to max; unit names what it counts ("seconds"). */
static int option_unsigned(const char *verb, const char *option, const char *unit, unsigned min,
        unsigned max, const char *arg, unsigned *ret) {
        if (parse_unsigned(arg, min, max, ret) < 0) {
                log_error("%s: %s: '%s' is not a number of %s from %u to %u", verb, option, arg, unit, min,
                        max);
                return -EINVAL;
        }
        return 0;
}

/* A day's name, YYYY-MM-DD, as psoasd's GetDay() takes it. */
static int option_day(const char *verb, const char *option, const char *arg, const char **ret) {
        int32_t day;

        if (day_from_string(arg, &day) < 0) {
                log_error("%s: %s: '%s' is not a date as YYYY-MM-DD", verb, option, arg);
                return -EINVAL;
        }
        *ret = arg;
        return 0;
}

static int parse_verb_option(Context *c, const char *verb, int id, const char *arg) {
        double d;
        char *end;

        switch (id) {
        case ARG_FROM:
                return option_day(verb, "--from", arg, &c->from);
        case ARG_TO:
                return option_day(verb, "--to", arg, &c->to);
        case 'o':
                if (record_kind_from_string(arg, &c->record_kind) < 0) {
                        log_error("%s: --output: '%s' is neither timeline nor bouts", verb, arg);
                        return -EINVAL;
                }
                return 0;
        case ARG_CANCEL:
                c->cancel = true;
                return 0;
        case ARG_WHY:
                return option_text(verb, "--why", "a reason, in words", arg, &c->why);
        case ARG_WHO:
                return option_text(verb, "--who", "a name", arg, &c->who);
        case ARG_DAYS:
                return option_unsigned(verb, "--days", "days", 1, 366, arg, &c->days);
        case ARG_SVG:
                return option_text(verb, "--svg", "a file name", arg, &c->svg_path);
        case ARG_COUNT:
                return option_unsigned(verb, "--count", "lines", 1, 1000000, arg, &c->count);
        case ARG_DURATION:
                errno = 0;
                d = strtod(arg, &end);
                if (errno != 0 || end == arg || *end || !isfinite(d) || d <= 0 || d > 1e6) {
                        log_error("%s: --duration: '%s' is not a number of seconds from 0 to 1000000", verb,
                                arg);
                        return -EINVAL;
                }
                c->duration_us = (uint64_t)(d * 1e6);
                return 0;
        case ARG_PLAIN:
                c->plain = true;
                return 0;
        case ARG_DELAY:
                return option_unsigned(verb, "--delay", "seconds", 0, 60, arg, &c->delay_s);
        case ARG_SITTING_LIMIT:
                return option_unsigned(
                        verb, "--sitting-limit", "minutes", 1, 1440, arg, &c->sitting_limit_min);
        case ARG_SITTING:
                c->sitting = true;
                return 0;
        }
        abort();
}

static size_t add_options(struct option *longs, size_t n, char *shorts, const VerbOption *options) {
        for (const VerbOption *o = options; o && o->name; o++) {
                longs[n++] = (struct option){ o->name, o->argument ? required_argument : no_argument, NULL,
                        o->id };
                if (o->id < 0x100) {
                        size_t k = strlen(shorts);

                        shorts[k++] = (char)o->id;
                        if (o->argument)
                                shorts[k++] = ':';
                        shorts[k] = 0;
                }
        }
        return n;
}

/* Parses VERB [OPTIONS] [ARGUMENTS] (argv[0] is the verb) into c. Returns 1 to run the verb with the
 * arguments from *ret_first_arg on, 0 when it printed its help, or -EINVAL on a usage error. */
static int parse_verb_argv(const Verb *verb, Context *c, int argc, char **argv, int *ret_first_arg) {
        struct option longs[16] = {};
        char shorts[16] = "";
        char program[64];
        size_t n = 0;
        int opt, r;

        /* getopt's own messages name argv[0]: make it "psoasctl VERB". */
        snprintf(program, sizeof(program), "psoasctl %s", verb->name);
        argv[0] = program;
        if (verb->flags & VERB_COMMAND)
                strcat(shorts, "+");
        n = add_options(longs, n, shorts, common_options);
        if (verb->flags & VERB_JSON)
                n = add_options(longs, n, shorts, (const VerbOption[]){ json_option, {} });
        n = add_options(longs, n, shorts, verb->options);

        optind = 0;
        while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) >= 0) {
                if (opt == 'h') {
                        verb_help(verb);
                        return 0;
                }
                if (opt == '?') {
                        fprintf(stderr, "Try 'psoasctl %s --help'.\n", verb->name);
                        return -EINVAL;
                }
                r = parse_common_option(c, opt, optarg);
                if (r == 0)
                        r = parse_verb_option(c, verb->name, opt, optarg);
                if (r < 0)
                        return r;
        }

        argc -= optind;
        if (argc < verb->min_args) {
                /* Named as in the synopsis, without its decorations: "[--] COMMAND..." is COMMAND. */
                const char *what = verb->arguments;
                size_t length;

                if (strncmp(what, "[--] ", 5) == 0)
                        what += 5;
                length = strcspn(what, ".");
                log_error("%s: missing %.*s. Try 'psoasctl %s --help'.", verb->name, (int)length, what,
                        verb->name);
                return -EINVAL;
        }
        if (verb->max_args >= 0 && argc > verb->max_args) {
                log_error("%s: unexpected argument '%s'. Try 'psoasctl %s --help'.", verb->name,
                        argv[optind + verb->max_args], verb->name);
                return -EINVAL;
        }
        if (c->json && !(verb->flags & VERB_JSON)) {
                log_error("%s prints no data: --json does not apply to it", verb->name);
                return -EINVAL;
        }
        if (c->host && c->user_bus) {
                log_error(
                        "--user with --host is not supported: over SSH, sd-bus reaches only the system bus");
                return -EINVAL;
        }
        if (verb->parse_args) {
                r = verb->parse_args(c, argc, argv + optind);
                if (r < 0)
                        return r;
        }
        *ret_first_arg = optind;
        return 1;
}

static const Verb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                CLI_BUS_OPTIONS,
                { "host", required_argument, NULL, 'H' },
                { "json", no_argument, NULL, ARG_JSON },
                {},
        };
        /* calibrate counts down 3 s by default: typed at the desk, the command would otherwise capture a
         * wearer who has not stood up yet. */
        Context context = { .days = 7, .sitting_limit_min = 30, .delay_s = 3 };
        char *default_argv[] = { (char *)"status", NULL };
        _cleanup_free_ char **verb_argv = NULL;
        const Verb *verb;
        int opt, first_arg, r;

        log_setup("psoasctl", false);
        /* Characters and dates from the environment; numbers stay in the C locale for JSON. */
        setlocale(LC_CTYPE, "");
        setlocale(LC_TIME, "");
        json_c_set_serialization_double_format("%.10g", JSON_C_OPTION_GLOBAL);

        /* Options before the verb: those every verb takes. */
        while ((opt = getopt_long(argc, argv, "+hH:", options, NULL)) >= 0) {
                if (opt == 'h') {
                        help();
                        return EXIT_SUCCESS;
                }
                if (opt == ARG_VERSION) {
                        cli_print_version("psoasctl");
                        return EXIT_SUCCESS;
                }
                if (opt == '?') {
                        fprintf(stderr, "Try 'psoasctl --help'.\n");
                        return EXIT_USAGE;
                }
                if (parse_common_option(&context, opt, optarg) < 0)
                        return EXIT_USAGE;
        }

        if (optind >= argc) {
                argc = 1;
                argv = default_argv;
        } else {
                argc -= optind;
                argv += optind;
        }
        verb = find_verb(argv[0]);
        if (!verb) {
                log_error("unknown verb '%s'. Try 'psoasctl --help'.", argv[0]);
                return EXIT_USAGE;
        }

        /* A copy, so that getopt may reorder it and argv[0] can name the verb. */
        verb_argv = calloc((size_t)argc + 1, sizeof(char *));
        if (!verb_argv) {
                log_oom();
                return EXIT_FAILURE;
        }
        memcpy(verb_argv, argv, (size_t)argc * sizeof(char *));

        r = parse_verb_argv(verb, &context, argc, verb_argv, &first_arg);
        if (r < 0)
                return EXIT_USAGE;
        if (r == 0)
                return EXIT_SUCCESS;

        r = verb->run(&context, argc - first_arg, verb_argv + first_arg);
        if (r < 0)
                return EXIT_FAILURE;
        return r;
}
