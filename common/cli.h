/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --version and --help, answered the same way by every psoas program, test tools included: the version as
 * "NAME VERSION" on standard output, the usage on standard output, exit status 0.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"

static inline void cli_print_version(const char *name) {
        printf("%s %s\n", name, PACKAGE_VERSION);
}

/* For a tool without option parsing of its own: when its only argument is --help or --version, prints usage (for
 * --help) or the version and returns true; the tool then exits with status 0. */
static inline bool cli_answer_help_version(int argc, char **argv, const char *name, const char *usage) {
        if (argc != 2)
                return false;
        if (strcmp(argv[1], "--version") == 0) {
                cli_print_version(name);
                return true;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                fputs(usage, stdout);
                return true;
        }
        return false;
}

/* The options psoasd, psoasctl and psoas-notify spell alike: --help, --version, and which bus psoasd is on
 * (--system, the default, or --user). Each program numbers its own long options from CLI_ARG_OWN. */
enum {
        CLI_ARG_VERSION = 0x100,
        CLI_ARG_SYSTEM,
        CLI_ARG_USER,
        CLI_ARG_OWN,
};

/* The entries of those options, to open a program's struct option table (a macro: C has no other way to put
 * shared entries into a static initializer). Kept one entry per line, as the tables are, which clang-format
 * would not do inside a macro. */
/* clang-format off */
#define CLI_BUS_OPTIONS                                         \
        { "help", no_argument, NULL, 'h' },                     \
        { "version", no_argument, NULL, CLI_ARG_VERSION },      \
        { "system", no_argument, NULL, CLI_ARG_SYSTEM },        \
        { "user", no_argument, NULL, CLI_ARG_USER }
/* clang-format on */

/* When option is --system or --user, sets *user_bus to which and returns true; otherwise returns false. */
static inline bool cli_parse_bus_option(int option, bool *user_bus) {
        if (option != CLI_ARG_SYSTEM && option != CLI_ARG_USER)
                return false;
        *user_bus = option == CLI_ARG_USER;
        return true;
}
