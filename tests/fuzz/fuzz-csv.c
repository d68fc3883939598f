/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CSV reader of psoas-analyze and psoasd's replay source (common/csv.c), from
 * arbitrary bytes. The input is read twice, from two memfds: with a buffer larger than the whole input and with
 * a small one, which splits lines across reads at every position the input size leads to. Both must return
 * the same records and the same error at the same place, unless the small buffer stops first at a line longer
 * than it ("line too long"). Every record must follow the header's promises (finite values, times strictly
 * increasing), and every time must format with csv_format_time() and parse back to itself.
 */

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/macro.h"
#include "csv.h"
#include "fuzz.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(CsvReader *, csv_reader_free);

static int reader_from_bytes(const uint8_t *data, size_t size, size_t buffer_size, CsvReader **ret) {
        _cleanup_close_ int fd = -EBADF;
        size_t done = 0;
        int r;

        fd = memfd_create("fuzz-csv", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (done < size) {
                ssize_t n = write(fd, data + done, size - done);

                if (n < 0)
                        return -errno;
                done += (size_t)n;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;

        r = csv_reader_new(fd, "fuzz.csv", buffer_size, ret);
        if (r < 0)
                return r;
        TAKE_FD(fd); /* the reader closes it */
        return 0;
}

static void check_record(const CsvRecord *record, bool has_previous, int64_t previous_t_us) {
        char text[CSV_TIME_MAX];
        int64_t t_us;

        for (unsigned i = 0; i < 3; i++)
                FUZZ_ASSERT(isfinite(record->accel[i]) && isfinite(record->gyro[i]));
        FUZZ_ASSERT(!has_previous || record->t_us > previous_t_us);

        FUZZ_ASSERT(csv_format_time(text, record->t_us) < sizeof(text));
        FUZZ_ASSERT(csv_parse_time_us(text, &t_us) == 0);
        FUZZ_ASSERT(t_us == record->t_us);
}

static bool records_equal(const CsvRecord *a, const CsvRecord *b) {
        return a->t_us == b->t_us && a->line == b->line &&
                memcmp(a->accel, b->accel, sizeof(a->accel)) == 0 &&
                memcmp(a->gyro, b->gyro, sizeof(a->gyro)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(csv_reader_freep) CsvReader *whole = NULL, *split = NULL;
        int64_t previous_t_us = 0;
        bool has_previous = false;

        /* The reader needs a byte beyond the longest line for the '\n' it adds to an unterminated last one. */
        FUZZ_ASSERT(reader_from_bytes(data, size, size + 2, &whole) == 0);
        FUZZ_ASSERT(reader_from_bytes(data, size, 32 + size % 97, &split) == 0);

        for (;;) {
                CsvRecord a, b;
                int ra, rb;

                ra = csv_reader_read(whole, &a);
                rb = csv_reader_read(split, &b);
                if (rb == -EBADMSG && strstr(csv_reader_error(split), "line too long"))
                        break;
                FUZZ_ASSERT(ra == rb);
                if (ra == -EBADMSG) {
                        FUZZ_ASSERT(streq(csv_reader_error(whole), csv_reader_error(split)));
                        FUZZ_ASSERT(strncmp(csv_reader_error(whole), "fuzz.csv:", 9) == 0);
                        /* An error is sticky. */
                        FUZZ_ASSERT(csv_reader_read(whole, &a) == -EBADMSG);
                }
                if (ra <= 0)
                        break;

                FUZZ_ASSERT(records_equal(&a, &b));
                FUZZ_ASSERT(csv_reader_has_gyro(whole) == csv_reader_has_gyro(split));
                check_record(&a, has_previous, previous_t_us);
                previous_t_us = a.t_us;
                has_previous = true;
        }
        return 0;
}
