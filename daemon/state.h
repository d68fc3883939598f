/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What psoasd keeps across restarts, as JSON files in the state directory:
 *   days/YYYY-MM-DD.json  the day's statistics (struct psoas_day_stats, histogram included), one per local day
 *   current.json          the current sitting bout, the last break and the calibration
 * Every write is atomic: a temporary file in the same directory, fsync(), rename(), fsync() of the directory. A
 * file that cannot be parsed is renamed to NAME.corrupt-<realtime µs>, logged (MESSAGE_ID_STATE_MOVED_ASIDE) and
 * treated as absent; the daemon never stops for one.
 */

#include <stdbool.h>
#include <stdint.h>

#include <psoas/psoas.h>

typedef struct StateStore StateStore;

typedef struct CurrentState {
        int32_t day; /* the local day (days since 1970-01-01) this was written on */
        bool in_bout;
        int64_t bout_start_realtime_us; /* CLOCK_REALTIME µs when the bout began; valid when in_bout */
        int64_t last_break_realtime_us; /* 0: none */
        bool calibrated;
        struct psoas_calibration calibration; /* valid when calibrated */
} CurrentState;

/* Creates the directory (and days/) when missing, mode 0700 … 0755 as umask allows. */
int state_store_open(const char *directory, uint32_t keep_days, StateStore **ret);
StateStore *state_store_free(StateStore *s);
const char *state_store_directory(const StateStore *s);

/* 0 and *ret filled; -ENOENT when there is no file for that day (or it was corrupt and has been moved aside). */
int state_store_load_day(StateStore *s, int32_t day, struct psoas_day_stats *ret);
int state_store_save_day(StateStore *s, const struct psoas_day_stats *stats);

int state_store_load_current(StateStore *s, CurrentState *ret);
int state_store_save_current(StateStore *s, const CurrentState *current);

/* Deletes day files older than keep_days before today. Returns how many were removed. */
int state_store_prune(StateStore *s, int32_t today);

/* "2026-11-21" ⇄ days since 1970-01-01 (proleptic Gregorian). parse returns -EINVAL for anything else,
 * including impossible dates like 2026-02-30. format needs 11 bytes. */
int day_from_string(const char *s, int32_t *ret_day);
void day_to_string(int32_t day, char buf[static 11]);

/* Parse/format one day's statistics as a JSON document (for the fuzzer and the tests). */
int state_parse_day(const char *json, size_t size, struct psoas_day_stats *ret);
int state_parse_current(const char *json, size_t size, CurrentState *ret);
