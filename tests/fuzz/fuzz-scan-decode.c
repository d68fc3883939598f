/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IIO scan decoder (daemon/scan-decode.c) from arbitrary bytes. The input is a text header, an empty
 * line, then raw scans:
 *
 *   0 le:s16/16>>0          an enabled channel: its scan index and its type (the first three are the axes,
 *   1 be:u12/16>>4          the fourth, when there is one, the timestamp)
 *   m 0, 1, 0; 1, 0, 0; 0, 0, 1   the mount matrix; s 0.0023 and o -2048: the scale and offset of the axes
 *
 *   <scan bytes…>
 *
 * Any other header line is tried as a type and as a mount matrix. Checked besides memory safety: a type
 * formats and parses back to itself; a layout keeps every channel aligned to its size, inside the scan and
 * clear of the others; every value decodes as a bit-by-bit reference decoder says (the kernel's and libiio's
 * rules, written here without shifts or masks); a decoded sample is the matrix times the scaled values; a
 * mount matrix prints and parses back to itself.
 */

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "fuzz.h"
#include "scan-decode.h"

#define ELEMENTS_MAX 64

static bool types_equal(const ScanType *a, const ScanType *b) {
        return a->big_endian == b->big_endian && a->is_signed == b->is_signed &&
                a->fully_defined == b->fully_defined && a->bits == b->bits &&
                a->storage_bits == b->storage_bits && a->repeat == b->repeat && a->shift == b->shift;
}

static void check_type_round_trip(const ScanType *type) {
        char text[SCAN_TYPE_STRING_MAX];
        ScanType again;

        FUZZ_ASSERT(scan_type_is_valid(type));
        FUZZ_ASSERT(scan_type_parse(scan_type_to_string(type, text), &again) == 0);
        FUZZ_ASSERT(types_equal(type, &again));
}

/* Bit i (0 = least significant) of the stored number, whatever its byte order. */
static unsigned stored_bit(const ScanType *type, const uint8_t *src, unsigned i) {
        unsigned n_bytes = type->storage_bits / 8;
        unsigned byte = type->big_endian ? n_bytes - 1 - i / 8 : i / 8;

        return (src[byte] >> (i % 8)) & 1u;
}

/* The raw value, one bit at a time: the stored number moved down by shift, its bits from the significant
 * ones up replaced by the sign (signed) or zero (unsigned) unless the type is fully defined, then read as a
 * number of the storage size (two's complement when signed, and always for 64 bits, as libiio's users do). */
static int64_t reference_decode(const ScanType *type, const uint8_t *src) {
        unsigned n = type->storage_bits;
        unsigned bit[64];
        uint64_t magnitude = 0;
        bool negative;

        for (unsigned j = 0; j < n; j++)
                bit[j] = j + type->shift < n ? stored_bit(type, src, j + type->shift) : 0;
        if (!type->fully_defined)
                for (unsigned j = type->bits; j < n; j++)
                        bit[j] = type->is_signed ? bit[type->bits - 1] : 0;

        negative = (type->is_signed || n == 64) && bit[n - 1];
        /* A negative number is -(2^n - value): add up the complement's bits, plus one. */
        for (unsigned j = 0; j < n; j++)
                if (bit[j] != (unsigned)negative)
                        magnitude |= UINT64_C(1) << j;
        if (!negative)
                return (int64_t)magnitude;
        magnitude += 1;
        return magnitude == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)magnitude;
}

/* At an end of the significant bits' range (a 64-bit value has no end we could tell from a reading). */
static bool reference_saturated(const ScanType *type, int64_t raw) {
        int64_t low, high;

        if (type->bits >= 64)
                return false;
        if (type->is_signed) {
                high = (int64_t)((UINT64_C(1) << (type->bits - 1)) - 1);
                low = -high - 1;
        } else {
                high = (int64_t)((UINT64_C(1) << type->bits) - 1);
                low = 0;
        }
        return raw <= low || raw >= high;
}

static void check_value(const ScanType *type, const uint8_t *src, int64_t *ret_raw, int *ret_r) {
        int64_t expected = reference_decode(type, src), raw = 0;
        int r;

        r = scan_value_decode(type, src, &raw);
        if (reference_saturated(type, expected))
                FUZZ_ASSERT(r == -ERANGE);
        else {
                FUZZ_ASSERT(r == 0);
                FUZZ_ASSERT(raw == expected);
        }
        *ret_raw = expected;
        *ret_r = r;
}

static void check_layout(const ScanElement *elements, size_t n, size_t scan_size) {
        size_t largest = 1;

        for (size_t i = 0; i < n; i++) {
                size_t size = scan_type_size(&elements[i].type);

                FUZZ_ASSERT(elements[i].offset % size == 0);
                FUZZ_ASSERT(elements[i].offset + size <= scan_size);
                if (size > largest)
                        largest = size;
                for (size_t j = 0; j < n; j++) {
                        if (j == i)
                                continue;
                        FUZZ_ASSERT(elements[j].offset >= elements[i].offset + size ||
                                elements[j].offset + scan_type_size(&elements[j].type) <=
                                        elements[i].offset);
                        /* In index order. */
                        FUZZ_ASSERT((elements[i].index < elements[j].index) ==
                                (elements[i].offset < elements[j].offset));
                }
        }
        FUZZ_ASSERT(scan_size % largest == 0);
}

static void check_matrix(const char *text) {
        char printed[9 * 20];
        float matrix[9], again[9];
        size_t used = 0;

        if (scan_mount_matrix_parse(text, matrix) < 0)
                return;
        for (unsigned i = 0; i < 9; i++) {
                FUZZ_ASSERT(isfinite(matrix[i]));
                used += (size_t)snprintf(printed + used, sizeof(printed) - used, "%.9g%s", (double)matrix[i],
                        i == 8               ? "\n"
                                : i % 3 == 2 ? "; "
                                             : ", ");
                FUZZ_ASSERT(used < sizeof(printed));
        }
        FUZZ_ASSERT(scan_mount_matrix_parse(printed, again) == 0);
        FUZZ_ASSERT(memcmp(matrix, again, sizeof(matrix)) == 0);
}

/* Reads "<index> <type>"; -EINVAL when the line is not one. */
static int parse_element(const char *line, ScanElement *ret) {
        char *end;
        long index;

        errno = 0;
        index = strtol(line, &end, 10);
        if (end == line || errno != 0 || *end != ' ')
                return -EINVAL;
        if (scan_type_parse(end + 1, &ret->type) < 0)
                return -EINVAL;
        ret->index = index;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const float identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        _cleanup_free_ char *header = NULL;
        ScanElement elements[ELEMENTS_MAX];
        ScanAxes axes = {};
        const uint8_t *scans;
        size_t header_size, n = 0, scan_size, n_scans;
        double scale = 1, raw_offset = 0;
        const uint8_t *blank;

        blank = memmem(data, size, "\n\n", 2);
        header_size = blank ? (size_t)(blank - data) + 1 : size;
        scans = blank ? blank + 2 : data + size;
        header = strndup((const char *)data, header_size);
        FUZZ_ASSERT(header);
        memcpy(axes.matrix, identity, sizeof(identity));

        for (char *line = header, *next; line && *line; line = next) {
                ScanType type;

                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';

                if (parse_element(line, &elements[n]) == 0) {
                        check_type_round_trip(&elements[n].type);
                        if (n + 1 < ELEMENTS_MAX)
                                n++;
                } else if (line[0] == 'm' && line[1] == ' ') {
                        check_matrix(line + 2);
                        (void)scan_mount_matrix_parse(line + 2, axes.matrix);
                } else if ((line[0] == 's' || line[0] == 'o') && line[1] == ' ') {
                        double value = sysfs_strtod(line + 2, NULL);

                        if (line[0] == 's')
                                scale = value;
                        else
                                raw_offset = value;
                } else {
                        if (scan_type_parse(line, &type) == 0)
                                check_type_round_trip(&type);
                        check_matrix(line);
                }
        }

        if (scan_layout_compute(elements, n, &scan_size) < 0)
                return 0;
        check_layout(elements, n, scan_size);
        if (n < 3)
                return 0;

        for (unsigned axis = 0; axis < 3; axis++) {
                axes.type[axis] = elements[axis].type;
                axes.offset[axis] = elements[axis].offset;
                axes.scale[axis] = scale;
                axes.raw_offset[axis] = raw_offset;
        }

        n_scans = (size_t)(data + size - scans) / scan_size;
        for (size_t s = 0; s < n_scans; s++) {
                const uint8_t *scan = scans + s * scan_size;
                double values[3];
                float expected[3], sample[3];
                int errors = 0;
                int r;

                for (size_t i = 0; i < n; i++) {
                        int64_t raw;

                        check_value(&elements[i].type, scan + elements[i].offset, &raw, &r);
                        if (i < 3) {
                                values[i] = ((double)raw + raw_offset) * scale;
                                if (r < 0)
                                        errors++;
                        }
                }

                r = scan_axes_decode(&axes, scan, scan_size, sample);
                FUZZ_ASSERT((r < 0) == (errors > 0));
                if (r < 0)
                        continue;
                for (unsigned row = 0; row < 3; row++)
                        expected[row] = (float)(axes.matrix[3 * row] * values[0] +
                                axes.matrix[3 * row + 1] * values[1] + axes.matrix[3 * row + 2] * values[2]);
                /* The same operations in the same order: the same bits, NaN included. */
                FUZZ_ASSERT(memcmp(sample, expected, sizeof(sample)) == 0);
        }

        /* A scan cut short must be refused, not read past. */
        {
                float sample[3];

                FUZZ_ASSERT(scan_axes_decode(&axes, scans, 0, sample) == -EINVAL);
        }
        return 0;
}
