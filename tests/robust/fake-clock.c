/* SPDX-License-Identifier: LGPL-2.1-or-later */

/*
 * An LD_PRELOAD module for tests: shifts the wall clock (CLOCK_REALTIME and what reads it) of the process by the
 * number of microseconds in the file $PSOAS_FAKE_CLOCK_FILE, read at every call, so that a test steps psoasd's
 * clock by rewriting the file, as NTP or `date -s` would step the machine's, without touching the machine's.
 * CLOCK_MONOTONIC is left alone, as a real step leaves it.
 */

#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int clock_gettime(clockid_t id, struct timespec *ts);
int gettimeofday(struct timeval *restrict tv, void *restrict tz);
time_t time(time_t *t);

static int64_t offset_us(void) {
        const char *path = getenv("PSOAS_FAKE_CLOCK_FILE");
        char text[32];
        ssize_t n;
        int fd;

        if (!path)
                return 0;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, text, sizeof(text) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        text[n] = '\0';
        return strtoll(text, NULL, 10);
}

int clock_gettime(clockid_t id, struct timespec *ts) {
        static int (*real_clock_gettime)(clockid_t, struct timespec *);
        int64_t ns;
        int r;

        if (!real_clock_gettime)
                real_clock_gettime =
                        (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
        r = real_clock_gettime(id, ts);
        if (r != 0 || (id != CLOCK_REALTIME && id != CLOCK_REALTIME_COARSE))
                return r;
        ns = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + offset_us() * 1000;
        ts->tv_sec = (time_t)(ns / 1000000000);
        ts->tv_nsec = (long)(ns % 1000000000);
        return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
        struct timespec ts;

        (void)tz;
        if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
                return -1;
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
        return 0;
}

time_t time(time_t *t) {
        struct timespec ts;

        if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
                return (time_t)-1;
        if (t)
                *t = ts.tv_sec;
        return ts.tv_sec;
}
