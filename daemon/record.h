/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* --record: every sample the daemon receives, written in psoas-analyze's CSV format so that psoas-analyze and
 * psoasd --replay read it back bit for bit (floats with 9 significant digits). */

#include <stdbool.h>
#include <stdio.h>

#include <psoas/psoas.h>

/* Opens (truncates) path and writes the header. */
int record_open(const char *path, bool has_gyro, FILE **ret);
/* Buffered; returns -errno when the stream has failed. */
int record_write(FILE *f, bool has_gyro, const struct psoas_sample *sample);
/* Flushes; -errno on failure. */
int record_flush(FILE *f);
