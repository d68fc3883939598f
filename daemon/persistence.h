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

typedef struct Persistence {
        StateStore *store; /* NULL: no usable state directory, nothing is kept */
        int32_t current_day; /* the local day of the last sample fed */
        uint64_t restored_last_break_us; /* LastBreak from the state file, until the engine sees a break */
        int64_t saved_t_us; /* sample time of the last save */
        uint64_t saved_mono_us;
        uint64_t durable_mono_us; /* when a save was last flushed to disk */
        bool save_failed_logged;
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
