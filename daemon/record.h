/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --record: every sample the daemon receives, written in psoas-analyze's CSV format so that psoas-analyze and
 * psoasd --replay read it back bit for bit (floats with 9 significant digits). */

#include <stdbool.h>
#include <stdio.h>

#include <psoas/psoas.h>

/* Opens (truncates) path and writes the header. */
int record_open(const char *path, bool has_gyro, FILE **ret);
/* The "# psoas start:" line (common/csv.h) before the first sample: sample time t_us was local time local_us
 * (µs since 1970-01-01 00:00 local), local time being utc_offset_s ahead of UTC. psoas-analyze reads it, so
 * that a recording's days are the days it was made. */
int record_write_start(FILE *f, int64_t t_us, int64_t local_us, long utc_offset_s);
/* Buffered; returns -errno when the stream has failed. */
int record_write(FILE *f, bool has_gyro, const struct psoas_sample *sample);
/* Flushes; -errno on failure. */
int record_flush(FILE *f);
