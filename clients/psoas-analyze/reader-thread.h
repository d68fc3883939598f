/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Runs a CsvReader on a thread of its own and hands its records over in batches. Parsing is about a third of the
 * work and the engine the rest, so on two cores this overlaps them: a day at 100 Hz then takes about as long as
 * the engine alone. The records, and so the results, are the same as reading in line.
 */

#include <stddef.h>

#include "csv.h"

typedef struct ReaderThread ReaderThread;

/* Starts reading. The reader must outlive the thread (reader_thread_free() ends it). */
int reader_thread_start(CsvReader *reader, ReaderThread **ret);

/* Hands back the previous batch and waits for the next: *ret_records and *ret_n (possibly 0 records). Returns 1
 * when more batches follow, 0 when this was the last (the input ended), or the reader's error after this batch
 * (csv_reader_read()'s; csv_reader_error() is then safe to call). */
int reader_thread_next(ReaderThread *t, const CsvRecord **ret_records, size_t *ret_n);

/* Stops the thread (after the batch it is filling, should the consumer quit early) and frees. */
ReaderThread *reader_thread_free(ReaderThread *t);
