/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The units of a CSV recording, for psoas-analyze and psoasd --replay alike: what the user says they are
 * (--units), and a check that the first records look like what is expected, so that a recording in g, °/s or
 * milliseconds is refused with a message naming the column and the unit it looks like instead of giving a wrong
 * result. The reader applies both (csv_reader_set_units()).
 */

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"

typedef struct CsvUnits {
        double accel_to_ms2; /* 1 for m/s², 9.80665 for g */
        double gyro_to_rads; /* 1 for rad/s, π/180 for °/s */
        double time_to_s; /* 1 for s, 1e-3 for ms, 1e-6 for µs */
} CsvUnits;

#define CSV_UNITS_SI ((CsvUnits){ .accel_to_ms2 = 1, .gyro_to_rads = 1, .time_to_s = 1 })

/* The records the check looks at: the first minute at 50 Hz. */
#define CSV_UNITS_WINDOW 3000u

/* Parses a --units value: units separated by commas, at most one for each quantity, in any order: m/s2 (m/s²) or g
 * for the accelerometer, rad/s or deg/s (°/s) for the gyroscope, s, ms or us (µs) for the time column; the
 * quantities not named stay in SI units. -EINVAL with a sentence in error naming the bad unit. */
int csv_units_parse(const char *text, CsvUnits *ret, char *error, size_t error_size);

/* Converts a record as read into SI units. */
void csv_units_apply(const CsvUnits *units, CsvRecord *record);

/* Checks that the first n records (SI units after the conversion) look like a body-worn IMU in m/s², rad/s and
 * seconds: the accelerometer's magnitude near 9.81 (not 1: g), the gyroscope near 0 when the accelerometer is
 * still and never spinning faster than a pelvis can (not °/s), samples less than a second apart (not ms or µs).
 * -EBADMSG with a sentence in error ("column t looks like milliseconds: ...") when it clearly does not; 0
 * otherwise, also when there are too few records to tell. */
int csv_units_check(const CsvRecord *records, size_t n, bool has_gyro, char *error, size_t error_size);
