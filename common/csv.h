/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A fast reader for IMU recordings in CSV: `t,ax,ay,az[,gx,gy,gz]`, header optional (and, when present, it may
 * put the columns in any order). It reads big blocks with read(2) and parses numbers itself, because a day at
 * 100 Hz is 8.64 M lines and stdio + strtod alone would take longer than the whole analysis may.
 *
 * Every record it returns has finite values and a time strictly after the previous record's, in whole
 * microseconds. Anything else stops the reader with a message of the form "FILE:LINE: what is wrong".
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum CsvColumn {
        CSV_COLUMN_T,
        CSV_COLUMN_AX,
        CSV_COLUMN_AY,
        CSV_COLUMN_AZ,
        CSV_COLUMN_GX,
        CSV_COLUMN_GY,
        CSV_COLUMN_GZ,
        _CSV_COLUMN_MAX,
} CsvColumn;

typedef struct CsvRecord {
        int64_t t_us; /* the t column in microseconds, rounded to the nearest */
        float accel[3]; /* ax, ay, az as written */
        float gyro[3]; /* gx, gy, gz; zero when the file has no gyro columns */
        unsigned long line; /* where it came from, for messages */
} CsvRecord;

typedef struct CsvReader CsvReader;
typedef struct CsvUnits CsvUnits; /* csv-units.h */

/* The default block size: large enough that read(2) calls cost nothing next to parsing. */
#define CSV_READER_BUFFER_SIZE (4u * 1024u * 1024u)

/* Opens path, or standard input for "-". Returns -errno from open(2); -EISDIR for a directory. */
int csv_reader_open(const char *path, CsvReader **ret);
/* Reads from fd, which the reader closes unless it is standard input. name is used in messages (copied).
 * buffer_size bounds the line length; tests pass tiny sizes to exercise lines split across blocks. */
int csv_reader_new(int fd, const char *name, size_t buffer_size, CsvReader **ret);
CsvReader *csv_reader_free(CsvReader *reader);

/* Returns 1 and fills *ret with the next record, 0 at the end of the input, -EBADMSG when the input is bad
 * (csv_reader_error() says where and why) and another -errno when reading fails. After an error every further
 * call returns the same error. */
int csv_reader_read(CsvReader *reader, CsvRecord *ret);

/* Converts every record from these units into SI units (csv-units.h); when check is true, the first read also
 * checks that the first CSV_UNITS_WINDOW records look like SI units after that conversion and, if they clearly do
 * not, fails with -EBADMSG and "FILE: column t looks like milliseconds, ...". Before the first read only. */
int csv_reader_set_units(CsvReader *reader, const CsvUnits *units, bool check);

/* "FILE:LINE: what is wrong" (or "FILE: what is wrong" for the whole file's units) after -EBADMSG; "" otherwise. */
const char *csv_reader_error(const CsvReader *reader);
/* When the recording was made, from its "# psoas start: t=SECONDS local=YYYY-MM-DDTHH:MM:SS[.ffffff]
 * utc_offset_s=N" line (psoasd --record writes one before the first sample): sample time t was that local time,
 * local time being utc_offset_s ahead of UTC. Other lines starting with '#' are comments, skipped anywhere. */
typedef struct CsvStart {
        int64_t t_us;
        int64_t local_us; /* µs since 1970-01-01 00:00 local time, as psoas_engine_set_clock() takes it */
        long utc_offset_s;
} CsvStart;

/* Whether the input had a start line before the first record read so far; then fills *ret. */
bool csv_reader_start(const CsvReader *reader, CsvStart *ret);

/* The name given to csv_reader_new(), "<stdin>" for "-". */
const char *csv_reader_name(const CsvReader *reader);
/* Whether the input has gx, gy, gz. Known after the first record (or a header). */
bool csv_reader_has_gyro(const CsvReader *reader);

/* The number syntax of the data, on a whole NUL-terminated string: [+-]digits[.digits][(e|E)[+-]digits], at least
 * one digit before the exponent. -EINVAL when that is not what s is, -ERANGE when it is not a finite double. */
int csv_parse_double(const char *s, double *ret);
/* The same syntax, seconds converted to microseconds with rounding. -ERANGE past ±292 000 years. */
int csv_parse_time_us(const char *s, int64_t *ret_us);
/* Formats microseconds as seconds, without trailing zeros ("12.34", "-0.5", "7"); returns the length.
 * buf needs CSV_TIME_MAX bytes. */
#define CSV_TIME_MAX 32
size_t csv_format_time(char *buf, int64_t t_us);
