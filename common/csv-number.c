/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Numbers as recordings spell them: scanning, converting to doubles and microseconds, formatting times. */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv-number.h"
#include "csv.h"
#include "format-number.h"

const double csv_pow10_double[23] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

const uint64_t csv_pow10_u64[20] = {
        1ull,
        10ull,
        100ull,
        1000ull,
        10000ull,
        100000ull,
        1000000ull,
        10000000ull,
        100000000ull,
        1000000000ull,
        10000000000ull,
        100000000000ull,
        1000000000000ull,
        10000000000000ull,
        100000000000000ull,
        1000000000000000ull,
        10000000000000000ull,
        100000000000000000ull,
        1000000000000000000ull,
        10000000000000000000ull,
};

/* INT64_MAX / 10^k: the largest mantissa that k more zeros leave in range (a table, as a division is slow). */
const uint64_t csv_us_limit[19] = {
        INT64_MAX / 1ull,
        INT64_MAX / 10ull,
        INT64_MAX / 100ull,
        INT64_MAX / 1000ull,
        INT64_MAX / 10000ull,
        INT64_MAX / 100000ull,
        INT64_MAX / 1000000ull,
        INT64_MAX / 10000000ull,
        INT64_MAX / 100000000ull,
        INT64_MAX / 1000000000ull,
        INT64_MAX / 10000000000ull,
        INT64_MAX / 100000000000ull,
        INT64_MAX / 1000000000000ull,
        INT64_MAX / 10000000000000ull,
        INT64_MAX / 100000000000000ull,
        INT64_MAX / 1000000000000000ull,
        INT64_MAX / 10000000000000000ull,
        INT64_MAX / 100000000000000000ull,
        INT64_MAX / 1000000000000000000ull,
};
/* Scans [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit. Returns the end of what was
 * scanned, or NULL when p does not start with a number. Digits past the 19th significant one only move the
 * exponent: 19 digits are far more than a float, or a time in microseconds, can use. */
const char *csv_decimal_scan(const char *p, Decimal *ret) {
        Decimal d = { .exact = true };
        unsigned digits = 0;
        bool any = false;

        if (*p == '-' || *p == '+') {
                d.negative = *p == '-';
                p++;
        }

        for (; csv_is_digit(*p); p++) {
                any = true;
                if (digits < 19) {
                        d.mantissa = d.mantissa * 10 + (uint64_t)(*p - '0');
                        digits += d.mantissa != 0; /* leading zeros are not significant */
                } else {
                        d.exponent++;
                        if (*p != '0')
                                d.exact = false;
                }
        }

        if (*p == '.') {
                p++;
                for (; csv_is_digit(*p); p++) {
                        any = true;
                        if (digits < 19) {
                                d.mantissa = d.mantissa * 10 + (uint64_t)(*p - '0');
                                digits += d.mantissa != 0;
                                d.exponent--;
                        } else if (*p != '0')
                                d.exact = false;
                }
        }

        if (!any)
                return NULL;

        if (*p == 'e' || *p == 'E') {
                const char *q = p + 1;
                bool negative = false;
                int64_t e = 0;

                if (*q == '-' || *q == '+') {
                        negative = *q == '-';
                        q++;
                }
                if (!csv_is_digit(*q))
                        return NULL;
                for (; csv_is_digit(*q); q++)
                        if (e < 1000000) /* saturate: anything this large is out of range anyway */
                                e = e * 10 + (*q - '0');
                d.exponent += negative ? -e : e;
                p = q;
        }

        *ret = d;
        return p;
}
/* The text [start, end) is what csv_decimal_scan() accepted as d. */
double csv_decimal_to_double(const Decimal *d, const char *start, const char *end) {
        double v;

        if (d->mantissa == 0)
                v = 0.0;
        else if (d->exact && d->mantissa <= (UINT64_C(1) << 53) && d->exponent >= -22 && d->exponent <= 22)
                /* Both operands are exact doubles, so the one rounding of × or ÷ gives the correctly rounded
                 * result. This is every number a sensor log holds. */
                v = d->exponent >= 0 ? (double)d->mantissa * csv_pow10_double[d->exponent]
                                     : (double)d->mantissa / csv_pow10_double[-d->exponent];
        else {
                char buf[128];
                size_t n = (size_t)(end - start);

                if (n < sizeof(buf)) {
                        /* Rare: let libc round it. We never call setlocale(), so '.' is the decimal point. */
                        memcpy(buf, start, n);
                        buf[n] = '\0';
                        return strtod(buf, NULL);
                }
                /* An absurdly long spelling: a few ulps of error are still far below float precision. */
                v = (double)d->mantissa * pow(10.0, (double)d->exponent);
        }

        return d->negative ? -v : v;
}
int csv_parse_double(const char *s, double *ret) {
        const char *end;
        Decimal d;
        double v;

        end = csv_decimal_scan(s, &d);
        if (!end || *end != '\0')
                return -EINVAL;
        v = csv_decimal_to_double(&d, s, end);
        if (!isfinite(v))
                return -ERANGE;

        *ret = v;
        return 0;
}

int csv_parse_time_us(const char *s, int64_t *ret_us) {
        const char *end;
        Decimal d;

        end = csv_decimal_scan(s, &d);
        if (!end || *end != '\0')
                return -EINVAL;
        return csv_decimal_to_us(&d, ret_us);
}

size_t csv_format_time(char *buf, int64_t t_us) {
        char *p = buf;
        uint64_t u, frac;

        if (t_us < 0) {
                *p++ = '-';
                u = -(uint64_t)t_us;
        } else
                u = (uint64_t)t_us;

        p = format_u64(p, u / 1000000);
        frac = u % 1000000;
        if (frac != 0) {
                size_t n = 6;

                *p++ = '.';
                format_digits(p, (uint32_t)frac, 6);
                while (p[n - 1] == '0')
                        n--;
                p += n;
        }

        *p = '\0';
        return (size_t)(p - buf);
}
