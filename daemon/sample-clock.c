/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <time.h>

#include "calendar.h"
#include "sample-clock.h"

/* A difference between the mapped wall time of the newest sample and the wall clock this large is a clock step. */
#define CLOCK_STEP_MIN_USEC (10 * (int64_t)USEC_PER_SEC)

long utc_offset_at(int64_t realtime_us) {
        time_t t = (time_t)(realtime_us / (int64_t)USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return 0;
        return tm.tm_gmtoff;
}

int32_t wall_today(void) {
        int64_t now = (int64_t)time_now_us(CLOCK_REALTIME);

        return (int32_t)floor_div(now + (int64_t)utc_offset_at(now) * (int64_t)USEC_PER_SEC, USEC_PER_DAY);
}

int64_t local_day_start_realtime_us(int32_t day) {
        int64_t year;
        unsigned month, mday;
        struct tm tm;
        time_t t;

        calendar_date_from_days(day, &year, &month, &mday);
        tm = (struct tm){
                .tm_year = (int)(year - 1900), .tm_mon = (int)month - 1, .tm_mday = (int)mday, .tm_isdst = -1
        };
        t = mktime(&tm);
        if (t == (time_t)-1) /* outside what the C library can represent: as UTC */
                return (int64_t)day * USEC_PER_DAY;
        return (int64_t)t * (int64_t)USEC_PER_SEC;
}

void sample_clock_init(SampleClock *c) {
        *c = (SampleClock){ .shown = PSOAS_CLOCK_WALL };
}

int64_t sample_clock_to_realtime(const SampleClock *c, int64_t t_us) {
        return t_us + c->realtime_offset_us;
}

int32_t sample_clock_local_day(struct psoas_engine *engine, int64_t t_us) {
        return (int32_t)floor_div(psoas_engine_local_time(engine, t_us), USEC_PER_DAY);
}

/* Maps sample time t_us to wall time realtime_us, local time being gmtoff_s ahead of UTC: here and in the engine,
 * which must always agree. wall_minus_mono_us is CLOCK_REALTIME − CLOCK_MONOTONIC at that moment, against which
 * sample_clock_check_step() detects the next step. */
static void sample_clock_map(SampleClock *c, struct psoas_engine *engine, int64_t t_us, int64_t realtime_us,
        int64_t wall_minus_mono_us, long gmtoff_s) {
        c->realtime_offset_us = realtime_us - t_us;
        c->wall_minus_monotonic_us = wall_minus_mono_us;
        c->utc_offset_s = gmtoff_s;
        psoas_engine_set_clock(engine, t_us, realtime_us + (int64_t)gmtoff_s * (int64_t)USEC_PER_SEC);
}

void sample_clock_sync(SampleClock *c, struct psoas_engine *engine, const Source *source, int64_t t_us) {
        int64_t realtime = (int64_t)time_now_us(CLOCK_REALTIME), mapped = realtime;

        /* A recording's time is the replay's clock, which started when the replay did (its origin) and has run
         * at the replay's speed since, so that the sample maps to its place on that clock, whenever the loop got
         * to it. */
        if (source && source->clock_origin_realtime_us > 0)
                mapped = source->clock_origin_realtime_us + (t_us - source->clock_origin_t_us);
        sample_clock_map(c, engine, t_us, mapped, realtime - (int64_t)time_now_us(CLOCK_MONOTONIC),
                utc_offset_at(mapped));
        c->synced = true;
}

/* A step is when both the wall clock moved against CLOCK_MONOTONIC and the newest sample (normally less than a
 * batch, at most 2 s, old) now maps that far from the wall clock. The first alone would also fire for sensors
 * whose timestamps follow CLOCK_REALTIME, which move with the clock and need no new mapping; the second alone
 * for the slow drift of times counted at a nominal rate, which is no step. */
static bool is_clock_step(int64_t difference_us) {
        return difference_us <= -CLOCK_STEP_MIN_USEC || difference_us >= CLOCK_STEP_MIN_USEC;
}

bool sample_clock_detect_step(const SampleClock *c, int64_t last_t_us, ClockStep *ret) {
        int64_t realtime, step, wall_minus_mono;
        long gmtoff;

        if (!c->synced)
                return false;
        realtime = (int64_t)time_now_us(CLOCK_REALTIME);
        wall_minus_mono = realtime - (int64_t)time_now_us(CLOCK_MONOTONIC);
        step = realtime - sample_clock_to_realtime(c, last_t_us);
        if (!is_clock_step(step) || !is_clock_step(wall_minus_mono - c->wall_minus_monotonic_us))
                step = 0;
        gmtoff = utc_offset_at(realtime);
        if (step == 0 && gmtoff == c->utc_offset_s)
                return false;
        *ret = (ClockStep){
                .step_us = step, .wall_minus_monotonic_us = wall_minus_mono, .utc_offset_s = gmtoff
        };
        return true;
}

void sample_clock_apply_step(
        SampleClock *c, struct psoas_engine *engine, int64_t last_t_us, const ClockStep *step) {
        sample_clock_map(c, engine, last_t_us, sample_clock_to_realtime(c, last_t_us) + step->step_us,
                step->wall_minus_monotonic_us, step->utc_offset_s);
}

bool sample_clock_update_shown(SampleClock *c, const Source *source, bool source_finished, bool have_last_t,
        int64_t last_t_us, bool force) {
        PsoasClock shown = PSOAS_CLOCK_WALL;
        uint64_t mono = time_now_us(CLOCK_MONOTONIC);

        /* A source with a clock of its own (a recording's): the rest follow the wall clock. */
        if (source && source->clock_origin_realtime_us > 0) {
                if (!source_finished && source->clock_speed > 0) {
                        shown.anchor_us = shown.anchor_wall_us = (uint64_t)source->clock_origin_realtime_us;
                        shown.speed = source->clock_speed;
                } else {
                        if (!force && mono - c->shown_changed_mono_us < USEC_PER_SEC)
                                return false;
                        shown.anchor_wall_us = time_now_us(CLOCK_REALTIME);
                        shown.anchor_us = c->synced && have_last_t
                                ? (uint64_t)sample_clock_to_realtime(c, last_t_us)
                                : shown.anchor_wall_us;
                        shown.speed = 0;
                }
        }
        if (shown.anchor_us == c->shown.anchor_us && shown.anchor_wall_us == c->shown.anchor_wall_us &&
                shown.speed == c->shown.speed)
                return false;
        c->shown = shown;
        c->shown_changed_mono_us = mono;
        return true;
}
