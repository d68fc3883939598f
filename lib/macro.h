/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers private to libpsoas. */

#include <stddef.h>
#include <stdint.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))
#define US_PER_SEC 1000000LL
#define DEG_PER_RAD 57.29577951308232f
#define RAD_PER_DEG 0.017453292519943295f
#define STANDARD_GRAVITY 9.80665f

#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))

/* a / b rounded towards minus infinity (b > 0): the day, minute or second a local time before 1970 falls in. */
static inline int64_t floor_div(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
