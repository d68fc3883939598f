/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The CSV reader of psoas-analyze on its own: numbers, layouts, every kind of bad input, block boundaries. */

#include <errno.h>
#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv-units.h"
#include "csv.h"
#include "macro.h"
#include "test-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(CsvReader *, csv_reader_free);

/* A reader over text, with a block size of buffer_size bytes. */
static CsvReader *reader_from_text(const char *text, size_t buffer_size) {
        CsvReader *r = NULL;
        FILE *f = tmpfile();
        int fd;

        ASSERT_TRUE(f);
        ASSERT_EQ(fwrite(text, 1, strlen(text), f), strlen(text));
        ASSERT_EQ(fflush(f), 0);
        fd = dup(fileno(f));
        ASSERT_TRUE(fd >= 0);
        fclose(f);
        ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
        ASSERT_EQ(csv_reader_new(fd, "rec.csv", buffer_size, &r), 0);
        return r;
}

/* Reads everything; returns the number of records, or the error, and the records in ret (up to max). */
static int read_all(
        const char *text, size_t buffer_size, CsvRecord *ret, size_t max, char *message, size_t size) {
        _cleanup_(csv_reader_freep) CsvReader *r = reader_from_text(text, buffer_size);
        CsvRecord rec;
        int n = 0, k;

        while ((k = csv_reader_read(r, &rec)) > 0) {
                if ((size_t)n < max)
                        ret[n] = rec;
                n++;
        }
        if (message)
                snprintf(message, size, "%s", csv_reader_error(r));
        /* Errors are sticky. */
        if (k < 0)
                ASSERT_EQ(csv_reader_read(r, &rec), k);
        return k < 0 ? k : n;
}

/* Expects text to fail with a message containing each of the needles. */
static void expect_error(const char *text, const char *needle1, const char *needle2) {
        char message[512];
        int k;

        k = read_all(text, CSV_READER_BUFFER_SIZE, NULL, 0, message, sizeof(message));
        if (k != -EBADMSG)
                TEST_FAIL("expected an error for \"%s\", got %d", text, k);
        if (!strstr(message, needle1) || (needle2 && !strstr(message, needle2)))
                TEST_FAIL("message \"%s\" lacks \"%s\" / \"%s\"", message, needle1, needle2 ? needle2 : "");
}

TEST(parse_double_exact) {
        static const struct {
                const char *s;
                double v;
        } cases[] = {
                { "0", 0.0 },
                { "-0", -0.0 },
                { "9.81", 9.81 },
                { "-9.80665", -9.80665 },
                { "+1.5", 1.5 },
                { ".5", 0.5 },
                { "5.", 5.0 },
                { "1e3", 1000.0 },
                { "1E-3", 0.001 },
                { "-2.5e+2", -250.0 },
                { "0.000123456789", 0.000123456789 },
                { "123456789012345678901234567890", 123456789012345678901234567890.0 },
                { "0.1000000000000000055511151231257827", 0.1 },
                { "1e-400", 0.0 },
                { "00012.5000", 12.5 },
        };
        double v;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ASSERT_EQ(csv_parse_double(cases[i].s, &v), 0);
                if (v != cases[i].v)
                        TEST_FAIL("%s: %.17g != %.17g", cases[i].s, v, cases[i].v);
        }
}

TEST(parse_double_rejects) {
        static const char *const bad[] = { "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ",
                "nan", "inf", "-inf", "0x10", "1..2", "--1", "1e5x", "١" };
        double v;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (csv_parse_double(bad[i], &v) != -EINVAL)
                        TEST_FAIL("'%s' was accepted", bad[i]);
        ASSERT_EQ(csv_parse_double("1e400", &v), -ERANGE);
        ASSERT_EQ(csv_parse_double("-1e309", &v), -ERANGE);
}

/* The fast paths against strtod() on random spellings: equal, or (past 15 digits) within a few ulps. */
TEST(parse_double_random) {
        uint64_t state = 0x9e3779b97f4a7c15u;
        char s[64];

        for (unsigned i = 0; i < 200000; i++) {
                unsigned n_int, n_frac, len = 0;
                double v, want;

                state = state * 6364136223846793005u + 1442695040888963407u;
                n_int = (unsigned)(state >> 60) % 9;
                n_frac = (unsigned)(state >> 56) % 12;
                if (n_int + n_frac == 0)
                        n_int = 1;
                if (state & 1)
                        s[len++] = '-';
                for (unsigned j = 0; j < n_int; j++) {
                        state = state * 6364136223846793005u + 1442695040888963407u;
                        s[len++] = (char)('0' + (state >> 33) % 10);
                }
                if (n_frac > 0) {
                        s[len++] = '.';
                        for (unsigned j = 0; j < n_frac; j++) {
                                state = state * 6364136223846793005u + 1442695040888963407u;
                                s[len++] = (char)('0' + (state >> 33) % 10);
                        }
                }
                if ((state >> 20) % 8 == 0)
                        len += (unsigned)snprintf(
                                s + len, sizeof(s) - len, "e%d", (int)((state >> 24) % 61) - 30);
                s[len] = '\0';

                ASSERT_EQ(csv_parse_double(s, &v), 0);
                want = strtod(s, NULL);
                if (!(v == want || fabs(v - want) <= 4 * DBL_EPSILON * fabs(want)))
                        TEST_FAIL("%s: %.17g, strtod says %.17g", s, v, want);
                /* What the engine gets is a float: that must be the nearest float, or next to it. */
                if (fabs((double)(float)v - (double)(float)want) > FLT_EPSILON * fabs(want))
                        TEST_FAIL("%s: as a float %.9g, strtod says %.9g", s, (double)(float)v,
                                (double)(float)want);
        }
}

TEST(parse_time) {
        static const struct {
                const char *s;
                int64_t us;
        } cases[] = {
                { "0", 0 },
                { "12.345678", 12345678 },
                { "12.3456784", 12345678 },
                { "12.3456785", 12345679 },
                { "1e-6", 1 },
                { "0.0000005", 1 },
                { "0.0000004999", 0 },
                { "-1.5", -1500000 },
                { "1700000000.123456", INT64_C(1700000000123456) },
                { "9223372036854.775807", INT64_MAX },
                { "1.5e3", 1500000000 },
        };
        int64_t us;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ASSERT_EQ(csv_parse_time_us(cases[i].s, &us), 0);
                if (us != cases[i].us)
                        TEST_FAIL("%s: %lld != %lld", cases[i].s, (long long)us, (long long)cases[i].us);
        }
        ASSERT_EQ(csv_parse_time_us("9223372036854.775808", &us), -ERANGE);
        ASSERT_EQ(csv_parse_time_us("1e20", &us), -ERANGE);
        ASSERT_EQ(csv_parse_time_us("x", &us), -EINVAL);
}

TEST(format_time) {
        char buf[CSV_TIME_MAX];

        csv_format_time(buf, 0);
        ASSERT_STREQ(buf, "0");
        csv_format_time(buf, 12340000);
        ASSERT_STREQ(buf, "12.34");
        csv_format_time(buf, -500000);
        ASSERT_STREQ(buf, "-0.5");
        csv_format_time(buf, 1);
        ASSERT_STREQ(buf, "0.000001");
        csv_format_time(buf, INT64_MIN);
        ASSERT_STREQ(buf, "-9223372036854.775808");
}

TEST(layouts) {
        CsvRecord recs[4];
        _cleanup_(csv_reader_freep) CsvReader *r = NULL;
        CsvRecord rec;

        /* Seven columns, no header. */
        ASSERT_EQ(read_all("0,1,2,3,4,5,6\n0.01,1.5,-2,3e0,0.1,0.2,0.3\n", 64, recs, 4, NULL, 0), 2);
        ASSERT_EQ(recs[1].t_us, 10000);
        ASSERT_EQ(recs[1].line, 2);
        ASSERT_NEAR(recs[1].accel[0], 1.5, 0);
        ASSERT_NEAR(recs[1].accel[1], -2, 0);
        ASSERT_NEAR(recs[1].gyro[2], 0.3f, 0);

        /* Four columns, a header: no gyro. */
        r = reader_from_text("t,ax,ay,az\n1,0,0,9.81\n", 4096);
        ASSERT_EQ(csv_reader_read(r, &rec), 1);
        ASSERT_TRUE(!csv_reader_has_gyro(r));
        ASSERT_EQ(rec.line, 2);
        ASSERT_NEAR(rec.accel[2], 9.81f, 0);
        ASSERT_EQ(rec.gyro[0], 0);
        ASSERT_EQ(csv_reader_read(r, &rec), 0);
        r = csv_reader_free(r);

        /* Columns in any order when the header says so; names case-insensitive, blanks and quotes allowed. */
        ASSERT_EQ(
                read_all("AZ, \"t\" ,gz,gy,gx,ay,ax\n9.8,2,0.3,0.2,0.1,-1,1\n", 4096, recs, 4, NULL, 0), 1);
        ASSERT_EQ(recs[0].t_us, 2000000);
        ASSERT_NEAR(recs[0].accel[0], 1, 0);
        ASSERT_NEAR(recs[0].accel[1], -1, 0);
        ASSERT_NEAR(recs[0].accel[2], 9.8f, 0);
        ASSERT_NEAR(recs[0].gyro[0], 0.1f, 0);
        ASSERT_NEAR(recs[0].gyro[2], 0.3f, 0);

        /* Blanks around numbers. */
        ASSERT_EQ(read_all(" 1 ,\t2, 3 ,4\t\n", 4096, recs, 4, NULL, 0), 1);
        ASSERT_EQ(recs[0].t_us, 1000000);
        ASSERT_NEAR(recs[0].accel[2], 4, 0);
}

TEST(line_endings) {
        CsvRecord recs[4];

        /* CRLF, a byte order mark, no final newline, trailing blank lines. */
        ASSERT_EQ(read_all("\xef\xbb\xbft,ax,ay,az\r\n1,0,0,9.8\r\n2,0,0,9.8", 64, recs, 4, NULL, 0), 2);
        ASSERT_NEAR(recs[1].accel[2], 9.8f, 0);
        ASSERT_EQ(read_all("1,0,0,9.8\n2,0,0,9.8\r\n\n \r\n\n", 64, recs, 4, NULL, 0), 2);
        ASSERT_EQ(read_all("", 64, recs, 4, NULL, 0), 0);
        ASSERT_EQ(read_all("t,ax,ay,az\n", 64, recs, 4, NULL, 0), 0);
        ASSERT_EQ(read_all("\n\n", 64, recs, 4, NULL, 0), 0);
}

/* Lines split across blocks anywhere give the same records as one big block. */
TEST(block_boundaries) {
        char text[8192];
        size_t len = 0;
        CsvRecord want[64], got[64];
        int n;

        len += (size_t)snprintf(text + len, sizeof(text) - len, "t,ax,ay,az,gx,gy,gz\r\n");
        for (int i = 0; i < 64; i++)
                len += (size_t)snprintf(text + len, sizeof(text) - len,
                        "%d.%02d,%d.5,-%d.25,9.%d,0.00%d,-0.1,1e-%d\r\n", i / 100, i % 100, i, i, i, i % 10,
                        i % 7);

        n = read_all(text, CSV_READER_BUFFER_SIZE, want, 64, NULL, 0);
        ASSERT_EQ(n, 64);
        for (size_t size = 70; size < 200; size++) {
                ASSERT_EQ(read_all(text, size, got, 64, NULL, 0), 64);
                for (int i = 0; i < 64; i++)
                        if (memcmp(&want[i], &got[i], sizeof(want[i])) != 0)
                                TEST_FAIL("block size %zu: record %d differs", size, i);
        }
}

TEST(bad_numbers) {
        expect_error(
                "t,ax,ay,az\n1,0,0,9.8\n2,0,abc,9.8\n", "rec.csv:3: ", "column ay: 'abc' is not a number");
        expect_error("1,0,0,9.8\n2,0,1.5x,9.8\n", "rec.csv:2: ", "column ay: '1.5x' is not a number");
        expect_error("1,0,0,9.8\n2,0,,9.8\n", "rec.csv:2: ", "column ay is empty");
        expect_error("1,0,0,9.8\n2,0,0,\n", "rec.csv:2: ", "column az is empty");
        expect_error("1,0,0,9.8\n2,1 2,0,9.8\n", "rec.csv:2: ", "column ax: '1 2' is not a number");
        expect_error("1,0,0,9.8\nx,0,0,9.8\n", "rec.csv:2: ", "column t: 'x' is not a number");
        expect_error(
                "1,0,0,9.8,0,0,0\n2,0,0,9.8,0,0,0x1\n", "rec.csv:2: ", "column gz: '0x1' is not a number");
        expect_error("1,0,0,9.8\n2,1e39,0,9.8\n", "rec.csv:2: ", "column ax: '1e39' is out of range");
        expect_error("1e300,0,0,9.8\n", "rec.csv:1: ", "column t: '1e300' is out of range");
}

TEST(nonfinite) {
        expect_error("1,0,0,9.8\n2,nan,0,9.8\n", "rec.csv:2: ", "column ax: 'nan' is not a finite number");
        expect_error("1,0,0,9.8\n2,0,-inf,9.8\n", "rec.csv:2: ", "column ay: '-inf' is not a finite number");
        expect_error("1,0,0,9.8,0,0,0\n2,0,0,9.8,0,0,Infinity\n",
                "rec.csv:2: ", "column gz: 'Infinity' is not a finite number");
        expect_error("NaN,0,0,9.8\n", "rec.csv:1: ", "column t: 'NaN' is not a finite number");
}

TEST(time_order) {
        expect_error("1,0,0,9.8\n2,0,0,9.8\n1.5,0,0,9.8\n",
                "rec.csv:3: ", "column t: time goes backwards (1.5 s after 2 s)");
        expect_error("1,0,0,9.8\n1.0000001,0,0,9.8\n", "rec.csv:2: ", "column t: time does not advance");
        expect_error("t,ax,ay,az\n1,0,0,9.8\n1,0,0,9.8\n", "rec.csv:3: ", "column t: time does not advance");
}

TEST(column_count) {
        expect_error("1,0,0,9.8\n2,0,0\n", "rec.csv:2: ", "expected 4 columns, found 3");
        expect_error("1,0,0,9.8\n2,0,0,9.8,1\n", "rec.csv:2: ", "expected 4 columns, found 5");
        expect_error("t,ax,ay,az,gx,gy,gz\n2,0,0,9.8\n", "rec.csv:2: ", "expected 7 columns, found 4");
        expect_error("1,0,0,9.8,1\n", "rec.csv:1: ", "expected 4 columns (t,ax,ay,az) or 7");
        expect_error("1,0,0,9.8\n2,0,0,9.8,\n", "rec.csv:2: ", "expected 4 columns, found 5");
}

TEST(header) {
        expect_error("1,0,0,9.8\nt,ax,ay,az\n", "rec.csv:2: ", "header in the wrong place");
        expect_error("t,ax,ay,az\n1,0,0,9.8\nt,ax,ay,az\n", "rec.csv:3: ", "header in the wrong place");
        expect_error("time,ax,ay,az\n", "rec.csv:1: ", "unknown column 'time'");
        expect_error("t,ax,ay,ax\n", "rec.csv:1: ", "column ax appears twice");
        expect_error("t,ax,ay\n", "rec.csv:1: ", "the header lacks column az");
        expect_error("t,ax,ay,az,gx,gy\n", "rec.csv:1: ", "the header lacks column gz");
}

TEST(blank_lines) {
        expect_error("1,0,0,9.8\n\n2,0,0,9.8\n", "rec.csv:2: ", "empty line");
        expect_error("\n1,0,0,9.8\n", "rec.csv:1: ", "empty line");
}

TEST(line_too_long) {
        char message[512];

        ASSERT_EQ(read_all("1,0,0,9.8\n2,0,0,9."
                           "80000000000000000000000000000000000000000000000000000000000000\n",
                          32, NULL, 0, message, sizeof(message)),
                -EBADMSG);
        ASSERT_TRUE(strstr(message, "rec.csv:2: line too long"));
}

TEST(open_errors) {
        CsvReader *r = NULL;

        ASSERT_EQ(csv_reader_open("/nonexistent/rec.csv", &r), -ENOENT);
        ASSERT_EQ(csv_reader_open("/", &r), -EISDIR);
        ASSERT_TRUE(r == NULL);
}

/* n records at 100 Hz of a still sensor, z up, its gyroscope biased by bias rad/s on each axis; then in units. */
static void still_records(
        CsvRecord *r, size_t n, double bias, double accel_per_ms2, double gyro_per_rads, double time_per_s) {
        for (size_t i = 0; i < n; i++) {
                r[i] = (CsvRecord){ .t_us = (int64_t)((double)i * 10000 * time_per_s) };
                r[i].accel[2] = (float)(9.80665 * accel_per_ms2);
                r[i].accel[0] = (float)(0.01 * (double)(i % 3) * accel_per_ms2);
                for (size_t k = 0; k < 3; k++)
                        r[i].gyro[k] = (float)(bias * gyro_per_rads);
        }
}

TEST(units_parse) {
        CsvUnits u;
        char why[256];

        ASSERT_EQ(csv_units_parse("g,deg/s,ms", &u, why, sizeof(why)), 0);
        ASSERT_NEAR(u.accel_to_ms2, 9.80665, 1e-9);
        ASSERT_NEAR(u.gyro_to_rads, M_PI / 180, 1e-12);
        ASSERT_NEAR(u.time_to_s, 1e-3, 1e-15);
        ASSERT_EQ(csv_units_parse("us", &u, why, sizeof(why)), 0);
        ASSERT_NEAR(u.time_to_s, 1e-6, 1e-18);
        ASSERT_NEAR(u.accel_to_ms2, 1, 0);
        ASSERT_EQ(csv_units_parse("°/s,m/s²,s", &u, why, sizeof(why)), 0);
        ASSERT_NEAR(u.gyro_to_rads, M_PI / 180, 1e-12);
        ASSERT_EQ(csv_units_parse("g,", &u, why, sizeof(why)), -EINVAL);
        ASSERT_TRUE(strstr(why, "unknown unit ''"));
        ASSERT_EQ(csv_units_parse("mg", &u, why, sizeof(why)), -EINVAL);
        ASSERT_TRUE(strstr(why, "unknown unit 'mg'"));
        ASSERT_EQ(csv_units_parse("ms,s", &u, why, sizeof(why)), -EINVAL);
        ASSERT_TRUE(strstr(why, "'s': a second unit for the time"));
}

TEST(units_check) {
        static CsvRecord r[CSV_UNITS_WINDOW];
        const size_t n = CSV_UNITS_WINDOW;
        char why[900];

        still_records(r, n, 0.03, 1, 1, 1);
        ASSERT_EQ(csv_units_check(r, n, true, why, sizeof(why)), 0);
        /* g */
        still_records(r, n, 0.03, 1 / 9.80665, 1, 1);
        ASSERT_EQ(csv_units_check(r, n, true, why, sizeof(why)), -EBADMSG);
        ASSERT_TRUE(strstr(why, "columns ax, ay, az look like g"));
        ASSERT_TRUE(strstr(why, "(give --units g to convert)"));
        /* °/s: a gyroscope at rest reads 1.7 */
        still_records(r, n, 0.03, 1, 180 / M_PI, 1);
        ASSERT_EQ(csv_units_check(r, n, true, why, sizeof(why)), -EBADMSG);
        ASSERT_TRUE(strstr(why, "columns gx, gy, gz look like degrees per second"));
        /* ... not judged without a gyroscope */
        ASSERT_EQ(csv_units_check(r, n, false, why, sizeof(why)), 0);
        /* ms and µs */
        still_records(r, n, 0.03, 1, 1, 1000);
        ASSERT_EQ(csv_units_check(r, n, true, why, sizeof(why)), -EBADMSG);
        ASSERT_TRUE(strstr(why, "column t looks like milliseconds, not seconds: its samples are 10 apart"));
        still_records(r, n, 0.03, 1, 1, 1e6);
        ASSERT_EQ(csv_units_check(r, n, true, why, sizeof(why)), -EBADMSG);
        ASSERT_TRUE(strstr(why, "column t looks like microseconds"));
        /* Too few records to tell: no judgement. */
        still_records(r, n, 0.03, 1 / 9.80665, 180 / M_PI, 1000);
        ASSERT_EQ(csv_units_check(r, 10, true, why, sizeof(why)), 0);
        /* A spinning gyroscope in °/s: 30 rad/s for 2 % of the window. */
        still_records(r, n, 0.03, 1, 1, 1);
        for (size_t i = 0; i < n / 50; i++)
                r[i * 50].gyro[0] = 30;
        ASSERT_EQ(csv_units_check(r, n, true, why, sizeof(why)), -EBADMSG);
        ASSERT_TRUE(strstr(why, "they reach 30"));
}

TEST(units_reader) {
        /* The reader converts, and refuses before handing out any record. */
        char text[64 * 40 + 32] = "t,ax,ay,az\n", line[64];
        _cleanup_(csv_reader_freep) CsvReader *r = NULL;
        CsvUnits g = { .accel_to_ms2 = 9.80665, .gyro_to_rads = 1, .time_to_s = 1 };
        CsvRecord rec;

        for (int i = 0; i < 40; i++) {
                snprintf(line, sizeof(line), "%.2f,0,0.001,1\n", i * 0.01);
                strcat(text, line);
        }
        r = reader_from_text(text, 4096);
        ASSERT_EQ(csv_reader_set_units(r, NULL, true), 0);
        ASSERT_EQ(csv_reader_read(r, &rec), -EBADMSG);
        ASSERT_TRUE(strstr(csv_reader_error(r), "rec.csv: columns ax, ay, az look like g"));
        r = csv_reader_free(r);

        r = reader_from_text(text, 4096);
        ASSERT_EQ(csv_reader_set_units(r, &g, true), 0);
        for (int i = 0; i < 40; i++) {
                ASSERT_EQ(csv_reader_read(r, &rec), 1);
                ASSERT_NEAR(rec.accel[2], 9.80665, 1e-5);
                ASSERT_EQ(rec.t_us, i * 10000);
        }
        ASSERT_EQ(csv_reader_read(r, &rec), 0);
        /* Too late once reading began. */
        ASSERT_EQ(csv_reader_set_units(r, &g, true), -EBUSY);
}

TEST_MAIN
