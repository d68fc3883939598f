/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Number formatting for output that has a line per sample: snprintf() there would cost as much as the engine. */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char digit_pairs[200] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";

static inline char *format_u64(char *p, uint64_t v) {
        char tmp[20];
        size_t n = 0;

        if (v < 10) {
                *p = (char)('0' + v);
                return p + 1;
        }
        if (v < 100) {
                memcpy(p, digit_pairs + 2 * v, 2);
                return p + 2;
        }
        do {
                tmp[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v > 0);
        while (n > 0)
                *p++ = tmp[--n];
        return p;
}

/* Writes exactly n (2, 4 or 6) digits of v < 10^n, two at a time, in 32-bit arithmetic: unrolled with constant
 * divisors, this is a few multiplications. */
static inline __attribute__((always_inline)) char *format_digits(char *p, uint32_t v, unsigned n) {
        if (n >= 6) {
                memcpy(p, digit_pairs + 2 * (v / 10000), 2);
                v %= 10000;
                p += 2;
        }
        if (n >= 4) {
                memcpy(p, digit_pairs + 2 * (v / 100), 2);
                v %= 100;
                p += 2;
        }
        memcpy(p, digit_pairs + 2 * v, 2);
        return p + 2;
}

/* v rounded to 2 or 6 decimals. Always inlined with a constant `decimals`, so that the divisions below become
 * multiplications: this runs five to nine times per sample, and snprintf() would cost as much as the engine. */
static inline __attribute__((always_inline)) char *format_fixed(char *p, double v, unsigned decimals) {
        const double scale = decimals == 2 ? 1e2 : decimals == 3 ? 1e3 : 1e6;
        const uint64_t scale_u = decimals == 2 ? 100 : decimals == 3 ? 1000 : 1000000;
        double x = v * scale;
        uint64_t q;

        if (!(fabs(x) < 9e18)) /* NaN, infinite or huge: no engine value should be, but say what it is */
                return p + sprintf(p, "%.*f", (int)decimals, v);

        q = (uint64_t)(fabs(x) + 0.5);
        if (q != 0 && x < 0)
                *p++ = '-';
        p = format_u64(p, q / scale_u);
        *p++ = '.';
        if (decimals == 3) {
                uint32_t frac = (uint32_t)(q % scale_u);

                *p++ = (char)('0' + frac / 100);
                return format_digits(p, frac % 100, 2);
        }
        return format_digits(p, (uint32_t)(q % scale_u), decimals);
}
