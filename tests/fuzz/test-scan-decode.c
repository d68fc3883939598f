/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daemon/scan-decode.c, the IIO scan decoder source-iio.c uses, against known layouts and values, and against
 * libiio 0.24 itself: channels of many types in a libiio XML context, decoded by iio_channel_convert() the way
 * source-iio.c did before the decoder was its own module, must give the same raw values and the same
 * saturation verdicts as scan_value_decode().
 */

#include <errno.h>
#include <iio.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macro.h"
#include "scan-decode.h"
#include "test-util.h"

static ScanType parse_ok(const char *text) {
        ScanType type;

        if (scan_type_parse(text, &type) < 0)
                TEST_FAIL("scan_type_parse(\"%s\") failed", text);
        return type;
}

TEST(parse_kernel_types) {
        ScanType t;

        t = parse_ok("le:s16/16>>0");
        ASSERT_TRUE(!t.big_endian && t.is_signed && t.fully_defined);
        ASSERT_EQ(t.bits, 16);
        ASSERT_EQ(t.storage_bits, 16);
        ASSERT_EQ(t.repeat, 1);
        ASSERT_EQ(t.shift, 0);

        t = parse_ok("be:u12/16>>4\n");
        ASSERT_TRUE(t.big_endian && !t.is_signed && !t.fully_defined);
        ASSERT_EQ(t.bits, 12);
        ASSERT_EQ(t.shift, 4);

        t = parse_ok("le:s13/16>>0");
        ASSERT_TRUE(t.is_signed && !t.fully_defined);
        ASSERT_EQ(t.bits, 13);

        t = parse_ok("le:s64/64>>0");
        ASSERT_EQ(t.storage_bits, 64);
        ASSERT_EQ(scan_type_size(&t), 8);

        t = parse_ok("be:S10/16X4>>2");
        ASSERT_TRUE(t.is_signed && t.fully_defined && t.big_endian);
        ASSERT_EQ(t.repeat, 4);
        ASSERT_EQ(scan_type_size(&t), 8);
}

TEST(parse_rejects) {
        static const char *const bad[] = {
                "",
                "le:s16/16",
                "me:s16/16>>0",
                "le:x16/16>>0",
                "le:s16/24>>0", /* no such storage size */
                "le:s0/16>>0",
                "le:s17/16>>0",
                "le:s12/16>>5", /* bits and shift do not fit */
                "le:s16/16>>16",
                "le:s16/16X0>>0",
                "le:s16/16X257>>0",
                "le:s16/16>>0 ",
                "le:s16/16>>0\n\n",
                "le:s+16/16>>0",
                "le:s16/016>>0x",
                "le:s99999/16>>0",
                "LE:s16/16>>0",
        };
        ScanType t;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (scan_type_parse(bad[i], &t) != -EINVAL)
                        TEST_FAIL("scan_type_parse(\"%s\") accepted it", bad[i]);
}

TEST(to_string_round_trip) {
        static const char *const types[] = { "le:s16/16>>0", "be:u12/16>>4", "le:s13/16>>0",
                "be:S10/16X4>>2", "le:U7/8>>1", "be:s64/64>>0", "le:u1/64>>63" };
        char buf[SCAN_TYPE_STRING_MAX];

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                ScanType t = parse_ok(types[i]);

                ASSERT_STREQ(scan_type_to_string(&t, buf), types[i]);
        }
}

TEST(layout_kernel_examples) {
        /* accel x, y, z (s16) and the timestamp (s64): 16 bytes, the timestamp 8-byte aligned. */
        ScanElement accel[] = {
                { 0, parse_ok("le:s16/16>>0"), 0 },
                { 1, parse_ok("le:s16/16>>0"), 0 },
                { 2, parse_ok("le:s16/16>>0"), 0 },
                { 3, parse_ok("le:s64/64>>0"), 0 },
        };
        /* bmi160's order is gyro (0-2) before accel (3-5): given in any order, placed by index. */
        ScanElement unsorted[] = {
                { 6, parse_ok("le:s64/64>>0"), 0 },
                { 3, parse_ok("le:s16/16>>0"), 0 },
                { 0, parse_ok("le:s16/16>>0"), 0 },
                { 4, parse_ok("le:s16/16>>0"), 0 },
        };
        /* One byte, then a 4-byte channel repeated twice (aligned to 8), then one byte: padded to 24. */
        ScanElement odd[] = {
                { 0, parse_ok("le:u8/8>>0"), 0 },
                { 1, parse_ok("le:s32/32X2>>0"), 0 },
                { 2, parse_ok("le:u8/8>>0"), 0 },
        };
        ScanElement duplicate[] = {
                { 1, parse_ok("le:s16/16>>0"), 0 },
                { 1, parse_ok("le:s16/16>>0"), 0 },
        };
        ScanElement invalid[] = {
                { 0, { .bits = 12, .storage_bits = 24, .repeat = 1 }, 0 },
        };
        size_t size = 0;

        ASSERT_EQ(scan_layout_compute(accel, ELEMENTSOF(accel), &size), 0);
        ASSERT_EQ(size, 16);
        ASSERT_EQ(accel[1].offset, 2);
        ASSERT_EQ(accel[2].offset, 4);
        ASSERT_EQ(accel[3].offset, 8);

        ASSERT_EQ(scan_layout_compute(unsorted, ELEMENTSOF(unsorted), &size), 0);
        ASSERT_EQ(size, 16);
        ASSERT_EQ(unsorted[2].offset, 0);
        ASSERT_EQ(unsorted[1].offset, 2);
        ASSERT_EQ(unsorted[3].offset, 4);
        ASSERT_EQ(unsorted[0].offset, 8);

        ASSERT_EQ(scan_layout_compute(odd, ELEMENTSOF(odd), &size), 0);
        ASSERT_EQ(odd[1].offset, 8);
        ASSERT_EQ(odd[2].offset, 16);
        ASSERT_EQ(size, 24);

        size = 77;
        ASSERT_EQ(scan_layout_compute(duplicate, ELEMENTSOF(duplicate), &size), -EINVAL);
        ASSERT_EQ(scan_layout_compute(invalid, ELEMENTSOF(invalid), &size), -EINVAL);
        ASSERT_EQ(scan_layout_compute(accel, 0, &size), -EINVAL);
        ASSERT_EQ(size, 77);
}

TEST(values_and_saturation) {
        ScanType s16 = parse_ok("le:s16/16>>0"), u12 = parse_ok("be:u12/16>>4"),
                 s13 = parse_ok("le:s13/16>>0");
        const uint8_t minus_two[] = { 0xfe, 0xff }, max_s16[] = { 0xff, 0x7f };
        /* kxsd9: 0x800 left-aligned in 16 bits, big-endian; the low nibble is noise. */
        const uint8_t mid_u12[] = { 0x80, 0x0f }, zero_u12[] = { 0x00, 0x0f }, top_u12[] = { 0xff, 0xf0 };
        /* adxl345: 13 bits; bit 12 set is negative, bits 13-15 are noise. */
        const uint8_t minus_one_s13[] = { 0xff, 0x1f }, noisy_s13[] = { 0x05, 0xe0 };
        int64_t raw = 12345;

        ASSERT_EQ(scan_value_decode(&s16, minus_two, &raw), 0);
        ASSERT_EQ(raw, -2);
        ASSERT_EQ(scan_value_decode(&s16, max_s16, &raw), -ERANGE);
        ASSERT_EQ(raw, -2);
        ASSERT_EQ(scan_value_decode(&u12, mid_u12, &raw), 0);
        ASSERT_EQ(raw, 0x800);
        ASSERT_EQ(scan_value_decode(&u12, zero_u12, &raw), -ERANGE);
        ASSERT_EQ(scan_value_decode(&u12, top_u12, &raw), -ERANGE);
        ASSERT_EQ(scan_value_decode(&s13, minus_one_s13, &raw), 0);
        ASSERT_EQ(raw, -1);
        ASSERT_EQ(scan_value_decode(&s13, noisy_s13, &raw), 0);
        ASSERT_EQ(raw, 5);
}

/* libiio converts every repeat of a value (16 bytes for "le:s16/16X8"); source-iio.c once converted into an
 * 8-byte buffer. The decoder reads the first value only, whatever the repeat. */
TEST(repeat_decodes_first_value) {
        ScanType t = parse_ok("le:s16/16X8>>0");
        const uint8_t src[16] = { 0x34, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff };
        int64_t raw = 0;

        ASSERT_EQ(scan_type_size(&t), 16);
        ASSERT_EQ(scan_value_decode(&t, src, &raw), 0);
        ASSERT_EQ(raw, 0x1234);
}

/* Types libiio would convert out of bounds (no significant bits: its sign extension writes before the value),
 * or that do not fit their storage: refused, whether given as text or as fields. */
TEST(unconvertible_types_refused) {
        static const ScanType bad[] = {
                { .is_signed = true, .bits = 0, .storage_bits = 16, .repeat = 1 },
                { .is_signed = true, .bits = 17, .storage_bits = 16, .repeat = 1 },
                { .bits = 12, .storage_bits = 16, .repeat = 1, .shift = 5 },
                { .bits = 8, .storage_bits = 24, .repeat = 1 },
                { .bits = 8, .storage_bits = 8, .repeat = 0 },
        };
        const uint8_t src[8] = {};
        int64_t raw = 7;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ScanElement element = { 0, bad[i], 0 };
                size_t size = 0;

                ASSERT_TRUE(!scan_type_is_valid(&bad[i]));
                ASSERT_EQ(scan_value_decode(&bad[i], src, &raw), -EINVAL);
                ASSERT_EQ(scan_layout_compute(&element, 1, &size), -EINVAL);
        }
        ASSERT_EQ(raw, 7);
}

TEST(axes_to_si) {
        /* lsm6dsox-like: 180° about z, scale 0.000598 m/s² per count. */
        ScanAxes axes = {
                .scale = { 0.000598, 0.000598, 0.000598 },
                .matrix = { -1, 0, 0, 0, -1, 0, 0, 0, 1 },
        };
        const uint8_t scan[8] = { 0x10, 0x00, 0xf0, 0xff, 0x00, 0x40, 0, 0 };
        float out[3] = { 7, 7, 7 };

        for (unsigned axis = 0; axis < 3; axis++) {
                axes.type[axis] = parse_ok("le:s16/16>>0");
                axes.offset[axis] = 2 * axis;
        }
        ASSERT_EQ(scan_axes_decode(&axes, scan, sizeof(scan), out), 0);
        ASSERT_NEAR(out[0], -16 * 0.000598, 1e-7);
        ASSERT_NEAR(out[1], 16 * 0.000598, 1e-7);
        ASSERT_NEAR(out[2], 16384 * 0.000598, 1e-5);

        /* A channel beyond the scan is refused, not read. */
        axes.offset[2] = 7;
        ASSERT_EQ(scan_axes_decode(&axes, scan, sizeof(scan), out), -EINVAL);
        ASSERT_NEAR(out[2], 16384 * 0.000598, 1e-5);
}

TEST(mount_matrix) {
        float m[9] = {};

        ASSERT_EQ(scan_mount_matrix_parse("0, -1, 0; 1, 0, 0; 0, 0, 1\n", m), 0);
        ASSERT_EQ(m[1], -1);
        ASSERT_EQ(m[3], 1);
        ASSERT_EQ(m[8], 1);
        ASSERT_EQ(scan_mount_matrix_parse("1,0,0;0,1,0;0,0,1", m), 0);
        ASSERT_EQ(m[1], 0);
        ASSERT_EQ(scan_mount_matrix_parse("1, 0, 0; 0, 1, 0", m), -EINVAL);
        ASSERT_EQ(scan_mount_matrix_parse("1, 0, 0, 0, 1, 0, 0, 0, 1", m), -EINVAL);
        ASSERT_EQ(scan_mount_matrix_parse("1, 0, 0; 0, 1, 0; 0, 0, 1; 0", m), -EINVAL);
        ASSERT_EQ(scan_mount_matrix_parse("nan, 0, 0; 0, 1, 0; 0, 0, 1", m), -EINVAL);
        /* Finite as a double, infinite as a float. */
        ASSERT_EQ(scan_mount_matrix_parse("1e39, 0, 0; 0, 1, 0; 0, 0, 1", m), -EINVAL);
        ASSERT_EQ(m[0], 1);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Against libiio */

/* What source-iio.c did before scan-decode.c: libiio's conversion, read as a number of the storage size, and the
 * same saturation rule. */
static int libiio_decode(const struct iio_channel *channel, const uint8_t *src, int64_t *ret) {
        const struct iio_data_format *format = iio_channel_get_data_format(channel);
        /* Room for every repeat, in case libiio converts them all. */
        union {
                uint8_t bytes[8 * SCAN_REPEAT_MAX];
                int8_t s8;
                uint8_t u8;
                int16_t s16;
                uint16_t u16;
                int32_t s32;
                uint32_t u32;
                int64_t s64;
        } value = {};
        unsigned bits = format->bits;
        int64_t raw;

        iio_channel_convert(channel, &value, src);
        switch (format->length) {
        case 8:
                raw = format->is_signed ? (int64_t)value.s8 : (int64_t)value.u8;
                break;
        case 16:
                raw = format->is_signed ? (int64_t)value.s16 : (int64_t)value.u16;
                break;
        case 32:
                raw = format->is_signed ? (int64_t)value.s32 : (int64_t)value.u32;
                break;
        default:
                raw = value.s64;
                break;
        }
        *ret = raw;
        if (bits == 0 || bits >= 64)
                return 0;
        if (format->is_signed) {
                int64_t max = ((int64_t)1 << (bits - 1)) - 1;

                if (raw >= max || raw <= -max - 1)
                        return -ERANGE;
        } else {
                int64_t max = (int64_t)(((uint64_t)1 << bits) - 1);

                if (raw >= max || raw <= 0)
                        return -ERANGE;
        }
        return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng_next(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

/* Every byte order, sign, storage size and number of bits, each with the smallest, the largest and a middle
 * shift, and a few repeats. */
static size_t all_types(ScanType *types, size_t max) {
        static const unsigned storages[] = { 8, 16, 32, 64 };
        size_t n = 0;

        for (unsigned e = 0; e < 2; e++)
                for (unsigned sign = 0; sign < 4; sign++)
                        for (size_t s = 0; s < ELEMENTSOF(storages); s++)
                                for (unsigned bits = 1; bits <= storages[s]; bits++)
                                        for (unsigned shift = 0; bits + shift <= storages[s]; shift++) {
                                                unsigned max_shift = storages[s] - bits;

                                                if (shift != 0 && shift != max_shift &&
                                                        shift != max_shift / 2)
                                                        continue;
                                                ScanType t = {
                                                        .big_endian = e,
                                                        .is_signed = sign % 2,
                                                        .fully_defined = sign >= 2 || bits == storages[s],
                                                        .bits = bits,
                                                        .storage_bits = storages[s],
                                                        .repeat = (bits + shift) % 5 == 0 ? 3 : 1,
                                                        .shift = shift,
                                                };

                                                if (n < max)
                                                        types[n] = t;
                                                n++;
                                        }
        return n;
}

static void compare_batch(const ScanType *types, size_t n) {
        _cleanup_free_ char *xml = NULL;
        size_t size = 0;
        FILE *f;
        struct iio_context *context;
        const struct iio_device *device;

        f = open_memstream(&xml, &size);
        ASSERT_TRUE(f);
        fputs("<?xml version=\"1.0\" encoding=\"utf-8\"?><context name=\"xml\">"
              "<device id=\"iio:device0\" name=\"fuzz\">",
                f);
        for (size_t i = 0; i < n; i++) {
                char text[SCAN_TYPE_STRING_MAX];
                ScanType again;

                /* Spelled in upper case only where it matters, as the kernel would. */
                scan_type_to_string(&types[i], text);
                ASSERT_EQ(scan_type_parse(text, &again), 0);
                ASSERT_TRUE(memcmp(&again, &types[i], sizeof(again)) == 0);
                fprintf(f,
                        "<channel id=\"voltage%zu\" type=\"input\"><scan-element index=\"%zu\" "
                        "format=\"%.*s&gt;&gt;%u\" /></channel>",
                        i, i, (int)(strstr(text, ">>") - text), text, types[i].shift);
        }
        fputs("</device></context>", f);
        ASSERT_EQ(fclose(f), 0);

        context = iio_create_xml_context_mem(xml, size);
        ASSERT_TRUE(context);
        device = iio_context_get_device(context, 0);
        ASSERT_EQ(iio_device_get_channels_count(device), n);

        for (size_t i = 0; i < n; i++) {
                const struct iio_channel *channel;
                char id[32];

                snprintf(id, sizeof(id), "voltage%zu", i);
                channel = iio_device_find_channel(device, id, false);
                ASSERT_TRUE(channel);
                {
                        const struct iio_data_format *format = iio_channel_get_data_format(channel);

                        /* libiio reads the type as we do. */
                        ASSERT_EQ(format->length, types[i].storage_bits);
                        ASSERT_EQ(format->bits, types[i].bits);
                        ASSERT_EQ(format->shift, types[i].shift);
                        ASSERT_EQ(format->is_signed, types[i].is_signed);
                        ASSERT_EQ(format->is_be, types[i].big_endian);
                        ASSERT_EQ(format->is_fully_defined, types[i].fully_defined);
                        ASSERT_EQ(format->repeat, types[i].repeat);
                }

                for (unsigned k = 0; k < 20; k++) {
                        uint8_t src[8 * SCAN_REPEAT_MAX] = {};
                        int64_t expected = 0, raw = 0;
                        int r_expected, r;

                        /* Random bytes, and the patterns at the ends of the range. */
                        for (size_t b = 0; b < sizeof(src); b++)
                                src[b] = k < 14 ? (uint8_t)rng_next() : k < 16 ? 0x00 : k < 18 ? 0xff : 0x80;
                        if (k == 18 || k == 19)
                                for (size_t b = 0; b < 8; b++)
                                        src[b] = (uint8_t)(k == 18 ? 0x7f : 0x01);

                        r_expected = libiio_decode(channel, src, &expected);
                        r = scan_value_decode(&types[i], src, &raw);
                        if (r != r_expected || (r == 0 && raw != expected)) {
                                char text[SCAN_TYPE_STRING_MAX];

                                TEST_FAIL("%s on %02x %02x %02x %02x %02x %02x %02x %02x: libiio %d/%lld, "
                                          "scan-decode %d/%lld",
                                        scan_type_to_string(&types[i], text), src[0], src[1], src[2], src[3],
                                        src[4], src[5], src[6], src[7], r_expected, (long long)expected, r,
                                        (long long)raw);
                        }
                }
        }
        iio_context_destroy(context);
}

TEST(decode_matches_libiio) {
        _cleanup_free_ ScanType *types = NULL;
        size_t n = all_types(NULL, 0);

        types = calloc(n, sizeof(*types));
        ASSERT_TRUE(types);
        ASSERT_EQ(all_types(types, n), n);
        fprintf(stderr, "%zu types\n", n);
        for (size_t i = 0; i < n; i += 512)
                compare_batch(types + i, n - i < 512 ? n - i : 512);
}

TEST_MAIN
