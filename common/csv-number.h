/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The number syntax of CSV recordings, inside common/: csv-number.c scans and converts numbers (and formats
 * times) for csv.c's reader and for the public csv_parse_*() and csv_format_time(). The few pieces the reader
 * calls once per field are inline here, so that splitting the files cost the hot loop nothing.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Decimal {
        bool negative;
        bool exact; /* no nonzero digit beyond the 19 the mantissa holds was dropped */
        uint64_t mantissa; /* at most 19 significant digits */
        int64_t exponent; /* value = ±mantissa × 10^exponent */
} Decimal;

/* 10^0 … 10^22, exact in a double. */
extern const double csv_pow10_double[23];
/* 10^0 … 10^19. */
extern const uint64_t csv_pow10_u64[20];
/* INT64_MAX / 10^k: the largest mantissa that k more zeros leave in range (a table, as a division is slow). */
extern const uint64_t csv_us_limit[19];

static inline bool csv_is_digit(char c) {
        return (unsigned char)(c - '0') < 10;
}

static inline bool csv_is_blank(char c) {
        return c == ' ' || c == '\t';
}

/* Scans [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit. Returns the end of what was
 * scanned, or NULL when p does not start with a number. Digits past the 19th significant one only move the
 * exponent: 19 digits are far more than a float, or a time in microseconds, can use. */
const char *csv_decimal_scan(const char *p, Decimal *ret);

/* The text [start, end) is what csv_decimal_scan() accepted as d. */
double csv_decimal_to_double(const Decimal *d, const char *start, const char *end);

static inline int csv_decimal_to_us(const Decimal *d, int64_t *ret_us) {
        int64_t k = d->exponent + 6;
        uint64_t v;

        if (d->mantissa == 0)
                v = 0;
        else if (k >= 0) {
                if (k > 18 || d->mantissa > csv_us_limit[k])
                        return -ERANGE;
                v = d->mantissa * csv_pow10_u64[k];
        } else if (k < -19)
                v = 0; /* the mantissa has at most 19 digits, so this is below 0.1 µs */
        else {
                uint64_t p = csv_pow10_u64[-k], r = d->mantissa % p;

                v = d->mantissa / p;
                if (r >= p - r) /* round half away from zero; written so that 2r cannot overflow */
                        v++;
        }

        if (v > (uint64_t)INT64_MAX)
                return -ERANGE;

        *ret_us = d->negative ? -(int64_t)v : (int64_t)v;
        return 0;
}

/* The spelling nearly every logger writes, -?digits(.digits)? with at most 15 digits, in one tight loop per part:
 * this is where the time goes. Returns the end, or NULL for anything else (csv_decimal_scan() then decides). A loop
 * per digit beat parsing eight digits at once with SWAR arithmetic here: sensor values are short, and SWAR's
 * chain of multiplications cost more than the few branches it saves. */
static inline const char *csv_fixed_scan(const char *p, Decimal *ret) {
        const char *start;
        uint64_t m = 0;
        unsigned n, f = 0;
        bool negative = *p == '-';

        p += negative;
        start = p;
        while (csv_is_digit(*p))
                m = m * 10 + (uint64_t)(*p++ - '0');
        n = (unsigned)(p - start);
        if (*p == '.') {
                start = ++p;
                while (csv_is_digit(*p))
                        m = m * 10 + (uint64_t)(*p++ - '0');
                f = (unsigned)(p - start);
                n += f;
        }
        /* 1..15 digits: exact in a double (and no overflow); an exponent is for csv_decimal_scan(). */
        if (n - 1 >= 15 || (*p | 0x20) == 'e')
                return NULL;

        *ret = (Decimal){ .negative = negative, .exact = true, .mantissa = m, .exponent = -(int64_t)f };
        return p;
}
