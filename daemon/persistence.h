/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The day's statistics and the current state (calibration, the bout under way) on disk: where they live, when they
 * are saved, and how they come back at the first sample. daemon/state.c writes and reads the files.
 */

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

typedef struct Manager Manager;

/* The record of the newest days fed: today, and the day before while its last minutes settle. */
#define RECORD_BOOK_DAYS 2

typedef struct RecordBookEntry {
        DayRecord *record; /* the settled minutes and finished bouts; NULL: an empty slot */
        bool dirty; /* changed since it was saved */
        bool unreadable; /* its file could not be read (not corrupt: EIO, EACCES): never replaced */
} RecordBookEntry;

typedef struct Persistence {
        StateStore *store; /* NULL: no usable state directory, nothing is kept */
        int32_t current_day; /* the local day of the last sample fed */
        uint64_t restored_last_break_us; /* LastBreak from the state file, until the engine sees a break */
        int64_t saved_t_us; /* sample time of the last save */
        uint64_t saved_mono_us;
        uint64_t durable_mono_us; /* when a save was last flushed to disk */
        bool save_failed_logged;
        RecordBookEntry record_book[RECORD_BOOK_DAYS];
} Persistence;

/* Opens the state directory and removes days older than state.keep_days. Not fatal when the directory cannot be
 * used: only history is lost (logged). -errno only when there is no directory to name at all. */
int persistence_open(Manager *m);
/* At the first sample t_us: the calibration and today's totals and bout, as saved. */
void persistence_restore(Manager *m, int64_t t_us);
/* Saves now; durable also flushes to disk. */
int persistence_save(Manager *m, bool durable);
/* Saves when enough sample time and wall time passed since the last save. */
void persistence_maybe_save(Manager *m);
/* Removes the days the configuration no longer keeps, counted back from today. */
void persistence_prune(Manager *m, int32_t today);

/* daemon/persistence-record.c: the record of each day (daemon/day-record.h). */
/* Takes the settled minutes and finished bouts from the engine, into the record of their day. After each batch
 * of samples. */
void persistence_collect_record(Manager *m);
/* The data ended (psoasd stopping, a recording's end): everything the engine holds is settled and taken. */
void persistence_finish_record(Manager *m);
/* Writes the records of the days in the book, with the engine's unsettled minutes and the bout in progress
 * (which the next save replaces). */
int persistence_save_records(Manager *m);
void persistence_free_records(Manager *m);
/* The record of a day as it stands (a day's file, what psoasd holds of it and, for the newest days, the engine's
 * unsettled minutes and the bout in progress, ongoing); an empty record for a day without data. */
int manager_get_record(Manager *m, int32_t day, DayRecord **ret);
/* How much of the local day is past on psoasd's clock, in seconds: 0 … 86400. */
int64_t manager_day_elapsed_s(Manager *m, int32_t day);
