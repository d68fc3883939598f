/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What psoasd keeps across restarts, as JSON files in the state directory:
 *   days/YYYY-MM-DD.json  the day's statistics (struct psoas_day_stats, histogram included), one per local day
 *   days/YYYY-MM-DD.record  the day's record: its minutes and bouts, in text (daemon/day-record.h)
 *   current.json          the current sitting bout, the last break and the calibration
 * Every write is atomic: a temporary file in the same directory, fsync(), rename(), fsync() of the directory. A
 * file that cannot be parsed is renamed to NAME.corrupt-<realtime µs>, logged (MESSAGE_ID_STATE_MOVED_ASIDE) and
 * treated as absent; the daemon never stops for one.
 *
 * A save that fails, for lack of space (ENOSPC, EDQUOT, EFBIG) or any other reason, returns the negative errno
 * and leaves the previous file as it was, whole, with no temporary file behind; a first save of a file leaves
 * nothing. Nothing is kept half-done between calls: the next save writes everything again, so a caller catches up
 * when space returns by saving as usual. The store itself never logs a failed save: the caller says it once (with
 * MESSAGE_ID_STATE_SAVE_FAILED) and once more when a save works again.
 */

#include <stdbool.h>
#include <stdint.h>

#include <psoas/psoas.h>

#include "calendar.h"

/* The state files could not be written (disk full, read-only, I/O error); see daemon/psoasd.catalog. */
#define MESSAGE_ID_STATE_SAVE_FAILED "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b14"

typedef struct StateStore StateStore;
typedef struct DayRecord DayRecord; /* daemon/day-record.h */

typedef struct CurrentState {
        int32_t day; /* the local day (days since 1970-01-01) this was written on */
        bool in_bout;
        int64_t bout_start_realtime_us; /* CLOCK_REALTIME µs when the bout began; valid when in_bout */
        int64_t last_break_realtime_us; /* 0: none */
        bool calibrated;
        struct psoas_calibration calibration; /* valid when calibrated */
} CurrentState;

/* Creates the directory (and days/) when missing, mode 0700 … 0755 as umask allows. When there is no room to
 * create them (ENOSPC, EDQUOT) the store opens all the same and creates them at the first call that finds room;
 * until then loads find no file and saves fail with the error. */
int state_store_open(const char *directory, uint32_t keep_days, StateStore **ret);
StateStore *state_store_free(StateStore *s);
const char *state_store_directory(const StateStore *s);
/* Whether the next saves fsync() what they write (the default). Without it a save still replaces each file
 * atomically, which survives the daemon being killed, but not a power cut. */
void state_store_set_durable(StateStore *s, bool durable);

/* 0 and *ret filled; -ENOENT when there is no file for that day (or it was corrupt and has been moved aside). */
int state_store_load_day(StateStore *s, int32_t day, struct psoas_day_stats *ret);
int state_store_save_day(StateStore *s, const struct psoas_day_stats *stats);

/* 0 and *ret (the caller frees it); -ENOENT when there is no record of that day (or it was corrupt and has been
 * moved aside). */
int state_store_load_record(StateStore *s, int32_t day, DayRecord **ret);
int state_store_save_record(StateStore *s, const DayRecord *record);

int state_store_load_current(StateStore *s, CurrentState *ret);
int state_store_save_current(StateStore *s, const CurrentState *current);

/* Whether error (negative errno, as the save functions return it) means that there was no room for the file: a
 * full file system, an exhausted quota or a file size limit. Such failures end when space is freed, unlike a
 * read-only file system, a permission problem or an I/O error, so a caller may word its message accordingly. */
bool state_error_is_no_space(int error);

/* Deletes day files (statistics and records) older than keep_days before today. Returns how many were removed. */
int state_store_prune(StateStore *s, int32_t today);

/* Days are named by day_from_string() and day_to_string() (common/calendar.h). */

/* Parse/format one day's statistics as a JSON document (for the fuzzer and the tests). */
int state_parse_day(const char *json, size_t size, struct psoas_day_stats *ret);
int state_parse_current(const char *json, size_t size, CurrentState *ret);
