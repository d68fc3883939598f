/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * peak-rss OUTPUT PROGRAM [ARGUMENT…]: runs PROGRAM and writes its peak RSS and CPU time to OUTPUT, as
 *
 *   {"peak_rss_kib": N, "cpu_s": X}
 *
 * and exits with PROGRAM's status (128 + N for a signal).
 *
 * Why a program of its own: a process's ru_maxrss includes the peak RSS of the image it replaced at exec(), so a
 * child started straight from the benchmark's Python (some 25 MiB resident) reports at least Python's size. Here
 * the child is forked from this small process instead.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

int main(int argc, char *argv[]) {
        struct rusage usage;
        int status;
        pid_t pid;
        FILE *out;

        if (cli_answer_help_version(argc, argv, "peak-rss",
                    "Usage: peak-rss OUTPUT PROGRAM [ARGUMENT…]\n"
                    "Runs PROGRAM and writes its peak RSS and CPU time to OUTPUT as JSON (tests/perf).\n"))
                return 0;
        if (argc < 3) {
                fprintf(stderr, "usage: peak-rss OUTPUT PROGRAM [ARGUMENT…]\n");
                return 2;
        }
        pid = fork();
        if (pid < 0) {
                fprintf(stderr, "peak-rss: fork: %s\n", strerror(errno));
                return 2;
        }
        if (pid == 0) {
                execvp(argv[2], argv + 2);
                fprintf(stderr, "peak-rss: %s: %s\n", argv[2], strerror(errno));
                _exit(127);
        }
        while (wait4(pid, &status, 0, &usage) < 0)
                if (errno != EINTR) {
                        fprintf(stderr, "peak-rss: wait4: %s\n", strerror(errno));
                        return 2;
                }

        out = fopen(argv[1], "we");
        if (!out) {
                fprintf(stderr, "peak-rss: %s: %s\n", argv[1], strerror(errno));
                return 2;
        }
        fprintf(out, "{\"peak_rss_kib\": %ld, \"cpu_s\": %.6f}\n", usage.ru_maxrss,
                (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
                        (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6);
        if (fclose(out) != 0) {
                fprintf(stderr, "peak-rss: %s: %s\n", argv[1], strerror(errno));
                return 2;
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
