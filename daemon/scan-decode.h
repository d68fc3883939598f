/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The pure part of reading an IIO buffer: what a scan looks like and how its bytes become samples in SI units.
 * No libiio here (only source-iio*.c include <iio.h>), so that this part is unit-tested and
 * fuzzed on its own.
 *
 * The kernel describes each channel of a scan in scan_elements/in_<channel>_type, e.g. "le:s12/16>>4":
 * little-endian, signed, 12 significant bits stored in 16, shifted left by 4 ("be:u16/16X4>>0" repeats the
 * value 4 times). A scan holds the enabled channels in index order, each aligned to its own storage size, and
 * is padded to a multiple of the largest (Documentation/iio/iio_devbuf.rst; iio_compute_scan_bytes()).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ScanType {
        bool big_endian;
        bool is_signed;
        bool fully_defined; /* 'S' or 'U', or as many bits as storage: no sign extension or masking */
        unsigned bits; /* significant bits */
        unsigned storage_bits; /* 8, 16, 32 or 64 */
        unsigned repeat; /* 1 unless "X<n>" */
        unsigned shift;
} ScanType;

/* "le:s16/16>>0" and its kin, as the kernel prints them (source-iio.c takes libiio's reading of the same text
 * instead, in channel_scan_type()). A trailing newline is allowed. -EINVAL for anything else or for a type this
 * decoder cannot read (see scan_type_is_valid()). */
int scan_type_parse(const char *text, ScanType *ret);
/* The same text back; "le:s12/16>>4" needs SCAN_TYPE_STRING_MAX bytes at most. */
#define SCAN_TYPE_STRING_MAX 48
const char *scan_type_to_string(const ScanType *type, char buf[static SCAN_TYPE_STRING_MAX]);
/* A storage size this decoder reads (8, 16, 32, 64 bits), 1 to storage_bits significant bits that fit with
 * their shift, and a repeat count from 1 to SCAN_REPEAT_MAX. */
#define SCAN_REPEAT_MAX 256u
bool scan_type_is_valid(const ScanType *type);
/* Bytes of one channel in a scan: storage × repeat. */
size_t scan_type_size(const ScanType *type);

/* One enabled channel of a scan. */
typedef struct ScanElement {
        long index; /* scan_elements/in_<channel>_index */
        ScanType type;
        size_t offset; /* set by scan_layout_compute() */
} ScanElement;

/* At most this many elements in a scan (the kernel's devices have a few dozen channels at most). */
#define SCAN_ELEMENTS_MAX 1024u

/* Places the elements, in any order, by the kernel's rule, and sets each one's offset and *ret_scan_size.
 * -EINVAL (and nothing written): no element, too many, an invalid type, or two elements with one index. */
int scan_layout_compute(ScanElement *elements, size_t n, size_t *ret_scan_size);

/* The raw value of one channel from its storage bytes at src (the first one when it repeats): byte order,
 * shift, then sign extension or masking to the significant bits. -ERANGE when the value sits at an end of its
 * range, i.e. the sensor saturated (for an unsigned type, 0 counts as an end), and -EINVAL for an invalid type;
 * *ret is written only on success. */
int scan_value_decode(const ScanType *type, const uint8_t *src, int64_t *ret);

/* Three channels of one quantity (accel_x, _y, _z) and how they become SI units in the wanted frame. */
typedef struct ScanAxes {
        ScanType type[3];
        size_t offset[3]; /* in the scan */
        double scale[3]; /* in_<channel>_scale */
        double raw_offset[3]; /* in_<channel>_offset: added to the raw value before scaling */
        float matrix[9]; /* row-major, out = matrix · in */
} ScanAxes;

/* out = matrix · ((raw + raw_offset) × scale) for the three channels of one scan of scan_size bytes. Errors as
 * scan_value_decode(), and -EINVAL when a channel lies outside the scan; ret is written only on success. */
int scan_axes_decode(const ScanAxes *axes, const uint8_t *scan, size_t scan_size, float ret[3]);
/* out = matrix · in, the convention of the kernel's mount matrix (see scan-decode.c). */
void scan_matrix_apply(const float matrix[9], const double in[3], float out[3]);

/* The IIO core prints a mount matrix row by row: "a, b, c; d, e, f; g, h, i" (a trailing newline allowed).
 * -EINVAL for anything else or a number that is not finite as a float. */
int scan_mount_matrix_parse(const char *text, float ret[9]);

/* strtod() in the C locale: sysfs numbers use '.', whatever LC_NUMERIC the daemon runs with. */
double sysfs_strtod(const char *text, char **end);
