/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A day's record (days/YYYY-MM-DD.record, daemon/day-record.c) from arbitrary bytes, through day_record_parse(),
 * what state_store_load_record() uses after reading the file. Besides memory safety: an accepted record holds
 * what GetDay() and GetTimeline() can send (minutes of at most 60 s, tilts NaN or within ±360°, bouts in order
 * that do not end before they start), hours that add up to the day, and a text that the formatter writes back
 * byte for byte and the store saves and loads unchanged.
 */

#include <math.h>
#include <string.h>

#include "daemon/day-record.h"
#include "daemon/state.h"
#include "fuzz-state-store.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(day_record_freep) DayRecord *record = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL;
        char reason[DAY_RECORD_REASON_MAX];
        RecordHour hours[DAY_HOURS];
        size_t text_size;

        if (day_record_parse((const char *)data, size, &record, reason) < 0) {
                FUZZ_ASSERT(reason[0] != '\0');
                return 0;
        }

        for (int i = 0; i < DAY_MINUTES; i++) {
                const struct psoas_minute *m = &record->minutes[i];

                if (!record->has_minute[i])
                        continue;
                FUZZ_ASSERT(m->minute == i && m->day == record->day);
                FUZZ_ASSERT(m->sitting_s + m->standing_s + m->walking_s + m->lying_s + m->unknown_s +
                                m->not_worn_s <=
                        60);
                FUZZ_ASSERT(isnan(m->tilt_standing_deg) || fabsf(m->tilt_standing_deg) < 360.0f);
                FUZZ_ASSERT(isnan(m->tilt_sitting_deg) || fabsf(m->tilt_sitting_deg) < 360.0f);
        }
        for (size_t i = 0; i < record->n_bouts; i++) {
                FUZZ_ASSERT(record->bouts[i].start_realtime_us <= record->bouts[i].end_realtime_us);
                FUZZ_ASSERT(i == 0 ||
                        record->bouts[i - 1].start_realtime_us <= record->bouts[i].start_realtime_us);
                FUZZ_ASSERT(psoas_posture_to_string(record->bouts[i].posture));
                FUZZ_ASSERT(psoas_bout_end_to_string(record->bouts[i].ended_by));
        }
        day_record_hours(record, 86400, hours);
        for (int h = 0; h < DAY_HOURS; h++)
                FUZZ_ASSERT(hours[h].sitting_s + hours[h].standing_s + hours[h].walking_s +
                                hours[h].lying_s + hours[h].unknown_s + hours[h].not_worn_s +
                                hours[h].no_data_s ==
                        3600);

        /* What we read, we write back as it was: the format has one spelling for everything. */
        FUZZ_ASSERT(day_record_format(record, &text, &text_size) == 0);
        FUZZ_ASSERT(text_size == size && memcmp(text, data, size) == 0);

        FUZZ_ASSERT(state_store_save_record(fuzz_store_get(), record) == 0);
        FUZZ_ASSERT(state_store_load_record(fuzz_store_get(), record->day, &again) == 0);
        FUZZ_ASSERT(again->n_bouts == record->n_bouts &&
                day_record_count_minutes(again) == day_record_count_minutes(record));
        return 0;
}
