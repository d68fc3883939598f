/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A day file of psoasd's state directory (days/YYYY-MM-DD.json, daemon/state-file.c) from arbitrary bytes, through
 * state_parse_day(), what state_store_load_day() uses after reading the file. Besides memory safety: an
 * accepted file gives statistics that GetDay() can send (finite, non-negative times; a tilt mean and
 * percentile the engine computes from them without trouble), a day that formats and parses back,
 * statistics the engine takes back on that day (psoas_engine_restore(), as the daemon does at start), and
 * statistics the store writes and reads back unchanged (state-file.c: "never write what the loader would throw
 * away", "a round trip changes no bit").
 */

#include <math.h>

#include "daemon/state.h"
#include "fuzz-state-store.h"
#include "fuzz.h"

#define USEC_PER_DAY INT64_C(86400000000)

/* One engine for every input: restoring replaces what the previous input restored. */
static struct psoas_engine *engine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct psoas_day_stats stats, again;
        char date[11];
        int32_t day;
        int r;

        r = state_parse_day((const char *)data, size, &stats);
        if (r < 0)
                return 0;

        FUZZ_ASSERT(isfinite(stats.sitting_s) && stats.sitting_s >= 0);
        FUZZ_ASSERT(isfinite(stats.standing_s) && stats.standing_s >= 0);
        FUZZ_ASSERT(isfinite(stats.walking_s) && stats.walking_s >= 0);
        FUZZ_ASSERT(isfinite(stats.lying_s) && stats.lying_s >= 0);
        FUZZ_ASSERT(isfinite(stats.longest_bout_s) && stats.longest_bout_s >= 0);
        FUZZ_ASSERT(isfinite(stats.high_tilt_s) && stats.high_tilt_s >= 0);
        FUZZ_ASSERT(isfinite(psoas_day_stats_tilt_mean(&stats)));
        FUZZ_ASSERT(isfinite(psoas_day_stats_tilt_percentile(&stats, 90)));

        day_to_string(stats.day, date);
        FUZZ_ASSERT(day_from_string(date, &day) == 0);
        FUZZ_ASSERT(day == stats.day);

        if (!engine) {
                struct psoas_config config;

                psoas_config_init(PSOAS_SIZED(&config));
                FUZZ_ASSERT(psoas_engine_new(&config, &engine) == 0);
        }
        /* Noon of that day at sample time 0; nothing has been fed, so "now" is that day. */
        psoas_engine_set_clock(engine, 0, (int64_t)stats.day * USEC_PER_DAY + USEC_PER_DAY / 2);
        FUZZ_ASSERT(psoas_engine_restore(engine, &stats, 0) == 0);
        FUZZ_ASSERT(PSOAS_ENGINE_STATE(engine));

        FUZZ_ASSERT(state_store_save_day(fuzz_store_get(), &stats) == 0);
        FUZZ_ASSERT(state_store_load_day(fuzz_store_get(), stats.day, &again) == 0);
        FUZZ_ASSERT(again.day == stats.day);
        FUZZ_ASSERT(again.sitting_s == stats.sitting_s && again.standing_s == stats.standing_s &&
                again.walking_s == stats.walking_s && again.lying_s == stats.lying_s &&
                again.unknown_s == stats.unknown_s && again.longest_bout_s == stats.longest_bout_s);
        FUZZ_ASSERT(again.sitting_bouts == stats.sitting_bouts && again.alerts == stats.alerts &&
                again.breaks == stats.breaks && again.stretches_verified == stats.stretches_verified &&
                again.stretches_self_reported == stats.stretches_self_reported);
        FUZZ_ASSERT(again.tilt_sum_deg_s == stats.tilt_sum_deg_s && again.tilt_s == stats.tilt_s &&
                again.high_tilt_s == stats.high_tilt_s);
        for (size_t i = 0; i < PSOAS_TILT_HIST_BINS; i++)
                FUZZ_ASSERT(again.tilt_hist_s[i] == stats.tilt_hist_s[i]);
        return 0;
}
