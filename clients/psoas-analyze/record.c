/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --output timeline and --output bouts: the engine's record of the day, in common/record-format's columns, the
 * same as psoasctl export gives from psoasd. */

#include "analyze.h"

static RecordMinute minute_from_engine(const struct psoas_minute *m) {
        return (RecordMinute){
                .day = m->day,
                .minute = (uint16_t)m->minute,
                .sitting_s = m->sitting_s,
                .standing_s = m->standing_s,
                .walking_s = m->walking_s,
                .lying_s = m->lying_s,
                .unknown_s = m->unknown_s,
                .not_worn_s = m->not_worn_s,
                .steps = m->steps,
                .tilt_standing_deg = m->tilt_standing_deg,
                .tilt_sitting_deg = m->tilt_sitting_deg,
        };
}

static RecordBout bout_from_engine(const struct psoas_bout *b) {
        const char *ended_by = psoas_bout_end_to_string(b->ended_by);

        return (RecordBout){
                .start_local_us = b->start_local_us,
                .end_local_us = b->end_local_us,
                /* An upright bout is "standing", as psoasd names it on the bus. */
                .posture = psoas_posture_to_string(b->posture) ?: "unknown",
                .ended_by = ended_by ?: "unknown",
                .walking_s = b->walking_s,
                .steps = b->steps,
        };
}

void record_output_begin(Context *c) {
        c->record = (RecordWriter){
                .out = c->out,
                .kind = c->output == OUTPUT_BOUTS ? RECORD_BOUTS : RECORD_TIMELINE,
                .json = c->json,
        };
        record_writer_begin(&c->record);
}

void context_drain_record(Context *c) {
        if (c->output == OUTPUT_TIMELINE) {
                struct psoas_minute m = { .size = sizeof(m) };

                while (psoas_engine_pop_minute(c->engine, &m) > 0) {
                        RecordMinute row = minute_from_engine(&m);

                        record_write_minute(&c->record, &row);
                }
        } else if (c->output == OUTPUT_BOUTS) {
                struct psoas_bout b = { .size = sizeof(b) };

                while (psoas_engine_pop_bout(c->engine, &b) > 0) {
                        RecordBout row = bout_from_engine(&b);

                        record_write_bout(&c->record, &row);
                }
        }
}

void record_output_finish(Context *c) {
        psoas_engine_finish_record(c->engine);
        context_drain_record(c);
        record_writer_end(&c->record);
}
