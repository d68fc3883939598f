/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* psoas-notify: desktop notifications for psoasd's alerts and stretch prompts. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <systemd/sd-event.h>

#include "build-config.h"
#include "cli.h"
#include "log.h"
#include "notifier.h"

static void help(void) {
        printf("Usage: psoas-notify [OPTIONS]\n"
               "\n"
               "Shows psoasd's sitting and tilt alerts and stretch prompts as desktop notifications, with\n"
               "actions to snooze the alerts and to report a stretch done, and the posture and the sitting\n"
               "bout in a panel indicator (a StatusNotifierItem) with a menu to snooze, calibrate and see "
               "today.\n"
               "\n"
               "  -h, --help       show this help and exit\n"
               "      --version    show the version and exit\n"
               "      --system     follow the psoasd on the system bus (the default)\n"
               "      --user       follow a per-user psoasd (psoasd --user) on the session bus\n"
               "  -H, --host=[USER@]HOST\n"
               "                   follow the psoasd on the system bus of HOST, over SSH (a wearable "
               "board),\n"
               "                   connecting again whenever the link drops\n"
               "      --quiet-during=LIST\n"
               "                   hold alerts and stretch prompts, to summarise them afterwards, while any "
               "of\n"
               "                   LIST holds: do-not-disturb (the notification server's), inhibitors (an\n"
               "                   application keeps the screen on: a call, a presentation); "
               "comma-separated,\n"
               "                   or none (default: do-not-disturb,inhibitors)\n"
               "      --no-indicator\n"
               "                   do not show the panel indicator (a StatusNotifierItem)\n"
               "      --sound      ask the notification server to play a sound with alerts and stretch\n"
               "                   prompts, where it can (off by default)\n"
               "  -v, --verbose    log every signal, notification and action\n"
               "\n"
               "Notifications always go to the session bus. See psoas-notify(1).\n");
}

enum {
        ARG_SOUND = CLI_ARG_OWN,
        ARG_QUIET_DURING,
        ARG_NO_INDICATOR,
};

static const struct {
        const char *name;
        QuietFlags flag;
} quiet_names[] = {
        { "do-not-disturb", QUIET_DO_NOT_DISTURB },
        { "inhibitors", QUIET_INHIBITORS },
};

/* "do-not-disturb,inhibitors", "none" or "" into flags; says what is wrong on failure. */
static int parse_quiet_during(const char *list, QuietFlags *ret) {
        QuietFlags flags = 0;
        const char *word = list;

        if (streq(list, "none")) {
                *ret = 0;
                return 0;
        }
        while (*word) {
                size_t len = strcspn(word, ",");
                bool known = false;

                for (size_t i = 0; i < ELEMENTSOF(quiet_names); i++)
                        if (strlen(quiet_names[i].name) == len &&
                                strncmp(word, quiet_names[i].name, len) == 0) {
                                flags |= quiet_names[i].flag;
                                known = true;
                        }
                if (!known) {
                        fprintf(stderr,
                                "psoas-notify: --quiet-during: unknown condition '%.*s' (expected "
                                "do-not-disturb, "
                                "inhibitors or none, comma-separated).\n",
                                (int)len, word);
                        return -EINVAL;
                }
                word += len + (word[len] == ',');
        }
        *ret = flags;
        return 0;
}

/* Returns 1 to run, 0 to exit successfully (--help, --version), or a negative errno (the message
 * printed). */
static int parse_argv(int argc, char *argv[], NotifierOptions *o) {
        static const struct option options[] = {
                CLI_BUS_OPTIONS,
                { "host", required_argument, NULL, 'H' },
                { "sound", no_argument, NULL, ARG_SOUND },
                { "no-indicator", no_argument, NULL, ARG_NO_INDICATOR },
                { "quiet-during", required_argument, NULL, ARG_QUIET_DURING },
                { "verbose", no_argument, NULL, 'v' },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "hvH:", options, NULL)) >= 0) {
                if (cli_parse_bus_option(c, &o->user_bus))
                        continue;
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case CLI_ARG_VERSION:
                        cli_print_version("psoas-notify");
                        return 0;
                case 'H':
                        /* ssh would take a leading '-' for an option. */
                        if (isempty(optarg) || optarg[0] == '-' ||
                                strchr(optarg, '@') == optarg + strlen(optarg) - 1) {
                                fprintf(stderr,
                                        "psoas-notify: --host needs a host name, as [USER@]HOST; got "
                                        "'%s'.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        o->host = optarg;
                        break;
                case ARG_SOUND:
                        o->sound = true;
                        break;
                case ARG_NO_INDICATOR:
                        o->indicator = false;
                        break;
                case ARG_QUIET_DURING:
                        if (parse_quiet_during(optarg, &o->quiet) < 0)
                                return -EINVAL;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case '?':
                        fprintf(stderr, "Try 'psoas-notify --help'.\n");
                        return -EINVAL;
                default:
                        abort();
                }
        }

        if (o->host && o->user_bus) {
                fprintf(stderr,
                        "psoas-notify: --user with --host is not supported: over SSH, sd-bus reaches only "
                        "the system bus.\n");
                return -EINVAL;
        }
        if (optind < argc) {
                fprintf(stderr, "psoas-notify: unexpected argument '%s'. Try 'psoas-notify --help'.\n",
                        argv[optind]);
                return -EINVAL;
        }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(notifier_freep) Notifier *notifier = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        NotifierOptions options = { .quiet = QUIET_DO_NOT_DISTURB | QUIET_INHIBITORS, .indicator = true };
        int r;

        /* Under systemd or a session manager stderr is collected: a "<N>" prefix keeps each record's priority. */
        log_setup("psoas-notify", true);
        r = parse_argv(argc, argv, &options);
        if (r < 0)
                /* The unit does not restart on this status: the same command line would fail again. */
                return EX_CONFIG;
        if (r == 0)
                return EXIT_SUCCESS;

        /* The indicator's Today runs psoasctl in a child that the loop watches (sd_event_add_child), which needs
         * SIGCHLD blocked. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
                log_error_errno(errno, "Could not block SIGCHLD: %m");
                return EXIT_FAILURE;
        }

        r = sd_event_default(&event);
        if (r < 0) {
                log_error_errno(r, "Could not create the event loop: %m");
                return EXIT_FAILURE;
        }
        /* A NULL handler makes SIGTERM and SIGINT end the loop with status 0; the notifications are closed
         * on the way out. */
        r = sd_event_add_signal(event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, NULL, NULL);
        if (r < 0) {
                log_error_errno(r, "Could not handle SIGTERM and SIGINT: %m");
                return EXIT_FAILURE;
        }

        r = notifier_new(event, &options, &notifier);
        if (r < 0)
                return EXIT_FAILURE;

        /* 0 after SIGTERM or SIGINT, EXIT_FAILURE when a bus connection was lost (already logged). */
        r = sd_event_loop(event);
        if (r < 0)
                log_error_errno(r, "The event loop failed: %m");
        return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
