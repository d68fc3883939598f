/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * current.json of psoasd's state directory (daemon/state-file.c) from arbitrary bytes, through
 * state_parse_current(), what state_store_load_current() uses after reading the file. Besides memory safety:
 * an accepted file has a day that formats and parses back, the store writes it and reads it back unchanged
 * (state-file.c: "never write what the loader would throw away", "a round trip changes no bit"), and when it says
 * it is calibrated, the calibration is one the engine takes (state-file.c promises that a calibration that loads is
 * one psoas_engine_set_calibration() accepts; the daemon otherwise drops it with a warning at every start).
 */

#include <math.h>

#include "daemon/state.h"
#include "fuzz-state-store.h"
#include "fuzz.h"

/* One engine for every input: each calibration replaces the previous one. */
static struct psoas_engine *engine;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CurrentState current, again;
        char date[11];
        int32_t day;
        int r;

        r = state_parse_current((const char *)data, size, &current);
        if (r < 0)
                return 0;

        day_to_string(current.day, date);
        FUZZ_ASSERT(day_from_string(date, &day) == 0);
        FUZZ_ASSERT(day == current.day);

        FUZZ_ASSERT(state_store_save_current(fuzz_store_get(), &current) == 0);
        FUZZ_ASSERT(state_store_load_current(fuzz_store_get(), &again) == 0);
        FUZZ_ASSERT(again.day == current.day && again.in_bout == current.in_bout &&
                again.bout_start_realtime_us == current.bout_start_realtime_us &&
                again.last_break_realtime_us == current.last_break_realtime_us &&
                again.calibrated == current.calibrated);
        if (current.calibrated) {
                const struct psoas_calibration *a = &again.calibration, *b = &current.calibration;

                for (unsigned i = 0; i < 3; i++)
                        FUZZ_ASSERT(a->up[i] == b->up[i] && a->forward[i] == b->forward[i]);
                FUZZ_ASSERT(a->forward_known == b->forward_known &&
                        a->neutral_inclination_deg == b->neutral_inclination_deg);
        }

        if (!current.calibrated)
                return 0;

        for (unsigned i = 0; i < 3; i++)
                FUZZ_ASSERT(isfinite(current.calibration.up[i]) && isfinite(current.calibration.forward[i]));
        if (!engine) {
                struct psoas_config config;

                psoas_config_init(PSOAS_SIZED(&config));
                FUZZ_ASSERT(psoas_engine_new(&config, &engine) == 0);
        }
        FUZZ_ASSERT(psoas_engine_set_calibration(engine, &current.calibration) == 0);
        return 0;
}
