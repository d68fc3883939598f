/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * rss-floor: the resident memory a program has before it does anything, when it links the libraries psoasd
 * links (Debian's libiio, libsystemd, json-c, libgpiod and libpsoas). It is the floor under psoasd's peak RSS
 * in BENCHMARKS.md: what the dynamic loader maps and relocates for those libraries (and everything they link
 * in turn) before main() runs. Prints one JSON object:
 *
 *   {"vm_hwm_kib": N, "rss_file_kib": N, "rss_anon_kib": N, "libraries": N}
 *
 * with the peak RSS, its file-backed and anonymous parts from /proc/self/status, and the number of shared
 * objects mapped (from /proc/self/maps).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gpiod.h>
#include <iio.h>
#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "cli.h"
#include "psoas/psoas.h"

/* One function of each library, through a volatile table, so that --as-needed keeps every DT_NEEDED entry
 * psoasd has; none is called. */
static void (*volatile const keep_linked[])(void) = {
        (void (*)(void))iio_create_local_context,
        (void (*)(void))sd_event_default,
        (void (*)(void))json_object_new_object,
        (void (*)(void))gpiod_chip_open,
        (void (*)(void))psoas_engine_new,
};

static long status_kib(const char *status, const char *key) {
        const char *p = strstr(status, key);

        return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int main(int argc, char *argv[]) {
        char status[4096], line[4096], last[4096] = "";
        size_t n;
        unsigned libraries = 0;
        FILE *f;

        if (cli_answer_help_version(argc, argv, "rss-floor",
                    "Usage: rss-floor\n"
                    "Prints, as JSON, the resident memory of a program linking psoasd's libraries before it "
                    "does\n"
                    "anything (tests/perf).\n"))
                return EXIT_SUCCESS;

        /* The maps first: reading status must not count their buffers. Each .so is mapped in several
         * segments, one after the other: count a path when it changes. */
        f = fopen("/proc/self/maps", "re");
        if (!f) {
                perror("rss-floor: /proc/self/maps");
                return EXIT_FAILURE;
        }
        while (fgets(line, sizeof(line), f)) {
                const char *path = strchr(line, '/');

                if (path && strstr(path, ".so") && strcmp(path, last) != 0) {
                        libraries++;
                        snprintf(last, sizeof(last), "%s", path);
                }
        }
        fclose(f);

        f = fopen("/proc/self/status", "re");
        if (!f) {
                perror("rss-floor: /proc/self/status");
                return EXIT_FAILURE;
        }
        n = fread(status, 1, sizeof(status) - 1, f);
        fclose(f);
        status[n] = '\0';

        printf("{\"vm_hwm_kib\": %ld, \"rss_file_kib\": %ld, \"rss_anon_kib\": %ld, \"libraries\": %u}\n",
                status_kib(status, "VmHWM:"), status_kib(status, "RssFile:"), status_kib(status, "RssAnon:"),
                libraries);
        return keep_linked[0] ? EXIT_SUCCESS : EXIT_FAILURE;
}
