/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * --version and --help, answered the same way by every psoas program, test tools included: the version as
 * "NAME VERSION" on standard output, the usage on standard output, exit status 0.
 */

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
