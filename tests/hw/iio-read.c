/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iio-read: opens psoasd's IIO source the way the daemon does and prints what it reads, for the hw tests.
 *
 *   iio-read [--uri URI] [--device NAME] [--gyro-device NAME] [--rate HZ] [--wakeups N]
 *            [--matrix a,b,c,d,e,f,g,h,i] [--count N] [--batch N] [--timeout SECONDS] [--reopen]
 *            [--pause-after N --pause-seconds S]
 *
 * Prints, one per line: "description=…", "rate=…", "has_gyro=0|1", "hardware_timestamps=0|1", then "fd=poll"
 * or "fd=timer poll_interval_us=N", then one CSV line per sample, "t_us,ax,ay,az,gx,gy,gz,has_gyro". When
 * read_batch fails it prints "error=-N NAME"; with --reopen it then closes, opens again until that works
 * (printing "reopened" and the header lines again) and goes on. At the end: "invalid=N" (the source's
 * samples_invalid). A failed open prints "open-error=-N sentence".
 *
 * --pause-after N stops calling read_batch for --pause-seconds once N samples are out, as a daemon that
 * falls behind would.
 *
 * Exit status: 0 after --count samples, 1 when --timeout passed first, 2 when opening failed, 3 when reading
 * failed without --reopen.
 *
 * Like the daemon should, it calls read_batch also when the fd stayed quiet for a while: a poll on an IIO
 * device that went away reports no event at all, and read_batch then finds out.
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "macro.h"
#include "source.h"

#define STALL_MS 300

typedef struct Arguments {
        SourceOptions options;
        unsigned long count;
        size_t batch;
        double timeout_s;
        bool reopen;
        unsigned long pause_after;
        double pause_s;
} Arguments;

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_matrix(const char *text, float ret[9]) {
        const char *p = text;

        for (unsigned i = 0; i < 9; i++) {
                char *end;

                errno = 0;
                ret[i] = strtof(p, &end);
                if (end == p || errno != 0 || (i < 8 && *end != ',') || (i == 8 && *end != '\0'))
                        return -EINVAL;
                p = end + 1;
        }
        return 0;
}

#define USAGE                                                                                               \
        "Usage: iio-read [--uri URI] [--device NAME] [--gyro-device NAME] [--rate HZ] [--wakeups N]\n"      \
        "                [--matrix a,…,i] [--count N] [--batch N] [--timeout S] [--reopen]\n"             \
        "                [--pause-after N --pause-seconds S] [--help] [--version]\n"                        \
        "Reads psoasd's IIO source as the daemon does and prints what it reads (tests/hw).\n"

/* 1 to run, 0 to exit successfully (--help, --version), -EINVAL for a usage error (said). */
static int parse_arguments(int argc, char **argv, Arguments *ret) {
        static const struct option options[] = {
                { "uri", required_argument, NULL, 'u' },
                { "device", required_argument, NULL, 'd' },
                { "gyro-device", required_argument, NULL, 'g' },
                { "rate", required_argument, NULL, 'r' },
                { "wakeups", required_argument, NULL, 'w' },
                { "matrix", required_argument, NULL, 'm' },
                { "count", required_argument, NULL, 'n' },
                { "batch", required_argument, NULL, 'b' },
                { "timeout", required_argument, NULL, 't' },
                { "reopen", no_argument, NULL, 'R' },
                { "pause-after", required_argument, NULL, 'P' },
                { "pause-seconds", required_argument, NULL, 'S' },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {},
        };
        Arguments a = { .count = 100, .batch = 64, .timeout_s = 10 };
        int c;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'u':
                        a.options.uri = optarg;
                        break;
                case 'd':
                        a.options.device = optarg;
                        break;
                case 'g':
                        a.options.gyro_device = optarg;
                        break;
                case 'r':
                        a.options.rate_hz = strtod(optarg, NULL);
                        break;
                case 'w':
                        a.options.wakeups_per_s = strtod(optarg, NULL);
                        break;
                case 'm':
                        if (parse_matrix(optarg, a.options.mount_matrix) < 0) {
                                fprintf(stderr,
                                        "--matrix wants nine numbers separated by commas, not '%s'.\n",
                                        optarg);
                                return -EINVAL;
                        }
                        a.options.has_mount_matrix = true;
                        break;
                case 'n':
                        a.count = strtoul(optarg, NULL, 10);
                        break;
                case 'b':
                        a.batch = strtoul(optarg, NULL, 10);
                        break;
                case 't':
                        a.timeout_s = strtod(optarg, NULL);
                        break;
                case 'R':
                        a.reopen = true;
                        break;
                case 'P':
                        a.pause_after = strtoul(optarg, NULL, 10);
                        break;
                case 'S':
                        a.pause_s = strtod(optarg, NULL);
                        break;
                case 'h':
                        fputs(USAGE, stdout);
                        return 0;
                case 'V':
                        cli_print_version("iio-read");
                        return 0;
                default:
                        return -EINVAL;
                }
        if (optind < argc || a.batch == 0) {
                fputs(USAGE, stderr);
                return -EINVAL;
        }
        *ret = a;
        return 1;
}

static void print_header(const Source *s) {
        printf("description=%s\n", s->description);
        printf("rate=%g\n", s->rate_hz);
        printf("has_gyro=%d\n", s->has_gyro);
        printf("hardware_timestamps=%d\n", s->hardware_timestamps);
        if (s->ops->get_fd((Source *)s) >= 0)
                printf("fd=poll\n");
        else
                printf("fd=timer poll_interval_us=%" PRIu64 "\n", s->poll_interval_us);
}

static int source_open(Source *s, const SourceOptions *options) {
        _cleanup_free_ char *error = NULL;
        int r;

        r = s->ops->open(s, options, &error);
        if (r < 0) {
                printf("open-error=%d %s\n", r, error ?: "(no sentence)");
                return r;
        }
        print_header(s);
        return 0;
}

/* Waits until the source may have something: its fd, or its timer. */
static void source_wait(Source *s) {
        int fd = s->ops->get_fd(s);

        if (fd >= 0) {
                struct pollfd pollfd = { .fd = fd, .events = POLLIN };

                (void)poll(&pollfd, 1, STALL_MS);
        } else
                usleep((useconds_t)s->poll_interval_us);
}

int main(int argc, char **argv) {
        _cleanup_free_ struct psoas_sample *samples = NULL;
        Arguments a;
        Source *s = NULL;
        unsigned long printed = 0;
        bool paused = false;
        double deadline;
        int r, status = 1;

        setvbuf(stdout, NULL, _IOLBF, 0);

        r = parse_arguments(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        deadline = now_s() + a.timeout_s;

        samples = calloc(a.batch, sizeof(*samples));
        if (!samples)
                return EXIT_FAILURE;
        r = source_new(&source_iio_ops, &s);
        if (r < 0)
                return EXIT_FAILURE;

        if (source_open(s, &a.options) < 0) {
                source_free(s);
                return 2;
        }

        while (printed < a.count) {
                if (now_s() > deadline) {
                        printf("timeout after %lu samples\n", printed);
                        goto finish;
                }
                if (a.pause_after > 0 && printed >= a.pause_after && !paused) {
                        usleep((useconds_t)(a.pause_s * 1e6));
                        paused = true;
                }
                source_wait(s);

                r = s->ops->read_batch(s, samples, a.batch);
                if (r < 0) {
                        printf("error=%d %s\n", r,
                                r == -ENODEV        ? "ENODEV"
                                        : r == -EIO ? "EIO"
                                                    : strerror(-r));
                        if (!a.reopen) {
                                status = 3;
                                goto finish;
                        }
                        s->ops->close(s);
                        for (;;) {
                                if (now_s() > deadline) {
                                        printf("timeout while reopening\n");
                                        goto finish;
                                }
                                _cleanup_free_ char *error = NULL;

                                usleep(50 * 1000);
                                if (s->ops->open(s, &a.options, &error) >= 0)
                                        break;
                        }
                        printf("reopened\n");
                        print_header(s);
                        continue;
                }
                for (int i = 0; i < r && printed < a.count; i++, printed++) {
                        const struct psoas_sample *x = &samples[i];

                        printf("%" PRId64 ",%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%d\n", x->t_us, x->accel[0],
                                x->accel[1], x->accel[2], x->gyro[0], x->gyro[1], x->gyro[2], x->has_gyro);
                }
        }
        status = 0;

finish:
        printf("invalid=%" PRIu64 "\n", s->samples_invalid);
        /* Closing twice, then freeing (which closes again), must be harmless. */
        s->ops->close(s);
        s->ops->close(s);
        source_free(s);
        return status;
}
