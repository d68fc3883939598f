/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IIO scan types, layouts and decoding, without libiio (see scan-decode.h). The decoding gives the same raw
 * values as libiio 0.24's iio_channel_convert() for every valid type: tests/fuzz/test-scan-decode.c compares
 * the two on a libiio XML context.
 */

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "scan-decode.h"

/* ------------------------------------------------------------------------------------------------------- */
/* Types */

/* A decimal number of at most 4 digits (no type needs more), at *p; advances *p. */
static int parse_small_number(const char **p, unsigned *ret) {
        unsigned value = 0, digits = 0;

        while (**p >= '0' && **p <= '9') {
                if (++digits > 4)
                        return -EINVAL;
                value = value * 10 + (unsigned)(**p - '0');
                (*p)++;
        }
        if (digits == 0)
                return -EINVAL;
        *ret = value;
        return 0;
}

static bool skip_literal(const char **p, const char *literal) {
        size_t n = strlen(literal);

        if (strncmp(*p, literal, n) != 0)
                return false;
        *p += n;
        return true;
}

bool scan_type_is_valid(const ScanType *type) {
        switch (type->storage_bits) {
        case 8:
        case 16:
        case 32:
        case 64:
                break;
        default:
                return false;
        }
        return type->bits >= 1 && type->bits <= type->storage_bits && type->shift < type->storage_bits &&
                type->bits + type->shift <= type->storage_bits && type->repeat >= 1 &&
                type->repeat <= SCAN_REPEAT_MAX;
}

int scan_type_parse(const char *text, ScanType *ret) {
        ScanType type = { .repeat = 1 };
        const char *p = text;

        if (skip_literal(&p, "be:"))
                type.big_endian = true;
        else if (!skip_literal(&p, "le:"))
                return -EINVAL;

        switch (*p) {
        case 's':
        case 'S':
                type.is_signed = true;
                break;
        case 'u':
        case 'U':
                break;
        default:
                return -EINVAL;
        }
        /* Upper case: the value needs no sign extension or masking (libiio's is_fully_defined). */
        type.fully_defined = *p == 'S' || *p == 'U';
        p++;

        if (parse_small_number(&p, &type.bits) < 0 || !skip_literal(&p, "/") ||
                parse_small_number(&p, &type.storage_bits) < 0)
                return -EINVAL;
        if (skip_literal(&p, "X") && parse_small_number(&p, &type.repeat) < 0)
                return -EINVAL;
        if (!skip_literal(&p, ">>") || parse_small_number(&p, &type.shift) < 0)
                return -EINVAL;
        /* As read from sysfs, with its newline. */
        if (*p == '\n')
                p++;
        if (*p != '\0')
                return -EINVAL;

        if (type.bits == type.storage_bits)
                type.fully_defined = true;
        if (!scan_type_is_valid(&type))
                return -EINVAL;
        *ret = type;
        return 0;
}

const char *scan_type_to_string(const ScanType *type, char buf[static SCAN_TYPE_STRING_MAX]) {
        char repeat[16] = "";
        char sign = type->is_signed ? 's' : 'u';

        /* Upper case only where the lower case would mean something else. */
        if (type->fully_defined && type->bits != type->storage_bits)
                sign = type->is_signed ? 'S' : 'U';
        if (type->repeat > 1)
                snprintf(repeat, sizeof(repeat), "X%u", type->repeat);
        snprintf(buf, SCAN_TYPE_STRING_MAX, "%s:%c%u/%u%s>>%u", type->big_endian ? "be" : "le", sign,
                type->bits, type->storage_bits, repeat, type->shift);
        return buf;
}

size_t scan_type_size(const ScanType *type) {
        return (size_t)type->storage_bits / 8 * (type->repeat > 1 ? type->repeat : 1);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Layout */

static int element_compare(const void *a, const void *b) {
        const ScanElement *x = *(const ScanElement *const *)a, *y = *(const ScanElement *const *)b;

        return (x->index > y->index) - (x->index < y->index);
}

int scan_layout_compute(ScanElement *elements, size_t n, size_t *ret_scan_size) {
        _cleanup_free_ const ScanElement **order = NULL;
        _cleanup_free_ size_t *offsets = NULL;
        size_t offset = 0, largest = 1;

        if (n == 0 || n > SCAN_ELEMENTS_MAX)
                return -EINVAL;

        order = calloc(n, sizeof(*order));
        offsets = calloc(n, sizeof(*offsets));
        if (!order || !offsets)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                order[i] = &elements[i];
        qsort(order, n, sizeof(*order), element_compare);

        for (size_t i = 0; i < n; i++) {
                size_t bytes;

                if (!scan_type_is_valid(&order[i]->type) ||
                        (i > 0 && order[i]->index == order[i - 1]->index))
                        return -EINVAL;
                /* Each channel aligned to its own size, repeats included (the kernel's rule). */
                bytes = scan_type_size(&order[i]->type);
                if (offset % bytes != 0)
                        offset += bytes - offset % bytes;
                offsets[order[i] - elements] = offset;
                offset += bytes;
                if (bytes > largest)
                        largest = bytes;
        }
        if (offset % largest != 0)
                offset += largest - offset % largest;

        for (size_t i = 0; i < n; i++)
                elements[i].offset = offsets[i];
        *ret_scan_size = offset;
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Values */

int scan_value_decode(const ScanType *type, const uint8_t *src, int64_t *ret) {
        unsigned storage = type->storage_bits, bits = type->bits;
        uint64_t v = 0;
        int64_t raw;

        if (!scan_type_is_valid(type))
                return -EINVAL;

        for (unsigned i = 0; i < storage / 8; i++)
                v = v << 8 | src[type->big_endian ? i : storage / 8 - 1 - i];
        v >>= type->shift;
        if (!type->fully_defined && bits < 64) {
                uint64_t mask = (UINT64_C(1) << bits) - 1;

                v &= mask;
                if (type->is_signed && (v >> (bits - 1)) & 1)
                        v |= ~mask;
        }

        /* The value as a number of its storage size; a 64-bit one is read as signed, as libiio's users do. */
        if (storage < 64) {
                uint64_t storage_mask = (UINT64_C(1) << storage) - 1;

                v &= storage_mask;
                if (type->is_signed && (v >> (storage - 1)) & 1)
                        raw = (int64_t)v - ((int64_t)1 << storage);
                else
                        raw = (int64_t)v;
        } else
                memcpy(&raw, &v, sizeof(raw));

        /* An end of the range: the sensor saturated. */
        if (bits < 64) {
                if (type->is_signed) {
                        int64_t max = ((int64_t)1 << (bits - 1)) - 1;

                        if (raw >= max || raw <= -max - 1)
                                return -ERANGE;
                } else {
                        int64_t max = (int64_t)((UINT64_C(1) << bits) - 1);

                        if (raw >= max || raw <= 0)
                                return -ERANGE;
                }
        }

        *ret = raw;
        return 0;
}

/*
 * The convention: out = M · in, with M as the kernel prints it, row by row, and the sample as a column
 * vector. That is how the kernel's ABI (Documentation/ABI/testing/sysfs-bus-iio, in_accel_mount_matrix)
 * and the mount-matrix devicetree binding it points to define the matrix: it takes the chip's frame to the
 * frame of the hardware the chip is mounted on, which is the frame the engine wants (the wearable's, not the
 * chip's). The accelerometer and the gyroscope each get their own matrix, applied the same way.
 */
void scan_matrix_apply(const float m[9], const double in[3], float out[3]) {
        for (unsigned row = 0; row < 3; row++)
                out[row] = (float)(m[3 * row] * in[0] + m[3 * row + 1] * in[1] + m[3 * row + 2] * in[2]);
}

int scan_axes_decode(const ScanAxes *axes, const uint8_t *scan, size_t scan_size, float ret[3]) {
        double values[3];

        for (unsigned axis = 0; axis < 3; axis++) {
                size_t bytes = axes->type[axis].storage_bits / 8;
                int64_t raw;
                int r;

                if (axes->offset[axis] > scan_size || bytes > scan_size - axes->offset[axis])
                        return -EINVAL;
                r = scan_value_decode(&axes->type[axis], scan + axes->offset[axis], &raw);
                if (r < 0)
                        return r;
                values[axis] = ((double)raw + axes->raw_offset[axis]) * axes->scale[axis];
        }
        scan_matrix_apply(axes->matrix, values, ret);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Text */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void) {
        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

double sysfs_strtod(const char *text, char **end) {
        pthread_once(&c_locale_once, c_locale_init);
        if (c_locale == (locale_t)0)
                return strtod(text, end);
        return strtod_l(text, end, c_locale);
}

int scan_mount_matrix_parse(const char *text, float ret[9]) {
        float matrix[9];
        const char *p = text;

        for (unsigned i = 0; i < 9; i++) {
                char *end;
                double value;

                p += strspn(p, " \t");
                errno = 0;
                value = sysfs_strtod(p, &end);
                /* Beyond FLT_MAX the float would be infinite, and every sample with it. */
                if (end == p || errno != 0 || !isfinite(value) || fabs(value) > FLT_MAX)
                        return -EINVAL;
                matrix[i] = (float)value;
                p = end + strspn(end, " \t");
                if (i == 8)
                        break;
                if (*p != (i % 3 == 2 ? ';' : ','))
                        return -EINVAL;
                p++;
        }
        if (p[strspn(p, " \t\n")] != '\0')
                return -EINVAL;

        memcpy(ret, matrix, sizeof(matrix));
        return 0;
}
