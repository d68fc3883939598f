/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one rounding rule for durations, wherever psoas shows or sends one (psoasd's journal, status and bus,
 * psoasctl, psoas-notify, psoas-analyze; org.psoas.Posture1(5), TIME): down, to the unit shown. A bout shown as
 * "41 min" lasted at least 41 minutes and less than 42, everywhere, and seconds sent on the bus are whole
 * seconds already passed.
 */

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Whole seconds of a duration in seconds: rounded down, 0 for a negative or non-finite one. */
static inline uint64_t duration_whole_seconds(double seconds) {
        return seconds > 0 && isfinite(seconds) ? (uint64_t)floor(seconds) : 0;
}

#define DURATION_TEXT_MAX 32

/* "45 s" under a minute, "12 min" under an hour, else "3 h 05 min": each rounded down. */
static inline char *duration_format(char *buf, size_t size, uint64_t seconds) {
        uint64_t minutes = seconds / 60;

        if (seconds < 60)
                snprintf(buf, size, "%u s", (unsigned)seconds);
        else if (minutes < 60)
                snprintf(buf, size, "%u min", (unsigned)minutes);
        else
                snprintf(buf, size, "%llu h %02u min", (unsigned long long)(minutes / 60),
                        (unsigned)(minutes % 60));
        return buf;
}
