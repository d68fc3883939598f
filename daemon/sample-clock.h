/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Sample time and wall time. A sample carries its source's time (t_us: CLOCK_MONOTONIC for a sensor, the
 * recording's own for a replay); days, bouts and the bus speak wall time. The SampleClock holds the mapping
 * from one to the other, tells the engine the same mapping (the two must always agree), notices when the wall
 * clock is stepped, and says what psoasd's clock is as the bus shows it (ClockAnchor, ClockAnchorWall,
 * ClockSpeed; common/clock.h computes it on the clients' side).
 */

#include <stdbool.h>
#include <stdint.h>

#include <psoas/psoas.h>

#include "clock.h"
#include "source.h"

#define USEC_PER_DAY (86400ll * 1000000ll)

typedef struct SampleClock {
        /* realtime µs = t_us + realtime_offset_us, once synced (at the first sample). */
        bool synced;
        int64_t realtime_offset_us;
        int64_t wall_minus_monotonic_us; /* CLOCK_REALTIME − CLOCK_MONOTONIC then: moves when the clock is stepped */
        long utc_offset_s;
        /* psoasd's clock as the bus shows it: the wall clock itself with a sensor, the replay's during a replay. */
        PsoasClock shown;
        uint64_t shown_changed_mono_us;
} SampleClock;

/* Today by the wall clock alone, whatever the samples say. */
int32_t wall_today(void);
/* Seconds local time is ahead of UTC at realtime_us. */
long utc_offset_at(int64_t realtime_us);

/* When the local day (days since 1970-01-01) begins, realtime µs: its midnight in the local time zone (the first
 * moment of the day when midnight is skipped). A day is mostly 24 h long, 23 or 25 h across a change of the UTC
 * offset. */
int64_t local_day_start_realtime_us(int32_t day);

void sample_clock_init(SampleClock *c);
int64_t sample_clock_to_realtime(const SampleClock *c, int64_t t_us);
/* The local day of a sample time, with the engine's current mapping. */
int32_t sample_clock_local_day(struct psoas_engine *engine, int64_t t_us);

/* Maps sample time t_us to the time source's clock gives it (a sensor's sample is "now"; a recording's is its
 * place on the replay's clock), in the SampleClock and in the engine. At the first sample. */
void sample_clock_sync(SampleClock *c, struct psoas_engine *engine, const Source *source, int64_t t_us);

/* A change of the wall clock against the mapping: how far it was stepped (0: not), and the UTC offset now. */
typedef struct ClockStep {
        int64_t step_us;
        int64_t wall_minus_monotonic_us;
        long utc_offset_s;
} ClockStep;

/* Whether the wall clock was stepped or the UTC offset changed since the mapping was made, judged from the newest
 * sample last_t_us; *ret says how. */
bool sample_clock_detect_step(const SampleClock *c, int64_t last_t_us, ClockStep *ret);
/* Maps last_t_us anew after a step (in the engine too), as at the first sample. */
void sample_clock_apply_step(
        SampleClock *c, struct psoas_engine *engine, int64_t last_t_us, const ClockStep *step);

/* Sets the shown clock from the source: a paced replay's clock is fixed at its start; an unpaced one runs as fast
 * as the loop reads the file, so it is shown standing at the newest sample (last_t_us, when have_last_t), moved
 * on at most once a second of wall time unless force; a recording that ended (source_finished) stops at its last
 * sample. Returns true when ClockAnchor, ClockAnchorWall or ClockSpeed changed. */
bool sample_clock_update_shown(SampleClock *c, const Source *source, bool source_finished, bool have_last_t,
        int64_t last_t_us, bool force);
