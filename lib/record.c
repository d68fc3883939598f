/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "macro.h"
#include "record.h"

#define CELL_CLASS_MASK 0x7u
#define CELL_STEPS_SHIFT 3
#define CELL_STEPS_MAX 31u
#define SECONDS_PER_DAY 86400

static RecordClass cell_class(uint8_t cell) {
        return (RecordClass)(cell & CELL_CLASS_MASK);
}

static uint32_t cell_steps(uint8_t cell) {
        return cell >> CELL_STEPS_SHIFT;
}

static uint8_t cell_make(RecordClass class, uint32_t steps) {
        return (uint8_t)((unsigned)class | (MIN(steps, CELL_STEPS_MAX) << CELL_STEPS_SHIFT));
}

static uint8_t cell_at(const Record *r, int64_t s) {
        return r->cells[(uint64_t)s % RECORD_CELLS];
}

static int16_t tilt_at(const Record *r, int64_t s) {
        return r->tilt_centideg[(uint64_t)s % RECORD_TILT_CELLS];
}

void record_set_break(Record *r, float break_s) {
        r->break_s = (uint32_t)lroundf(break_s);
}

void record_init(Record *r, float break_s) {
        memset(r, 0, sizeof(*r));
        record_set_break(r, break_s);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Minutes */

static void minute_add(RecordMinute *m, int64_t s, uint8_t cell, int16_t tilt) {
        int64_t minute = floor_div(s, 60);
        RecordClass class = cell_class(cell);

        if (!m->valid || m->minute != minute)
                *m = (RecordMinute){ .valid = true, .minute = minute };
        if (class != RECORD_NO_DATA)
                m->seconds[class]++;
        m->steps = (uint16_t)MIN(m->steps + cell_steps(cell), UINT16_MAX);
        if ((class == RECORD_STANDING || class == RECORD_SITTING) && tilt != RECORD_TILT_NONE) {
                unsigned i = class == RECORD_STANDING ? 0 : 1;
                m->tilt_sum[i] += tilt / 100.0;
                m->tilt_n[i]++;
        }
}

static bool minute_has_data(const RecordMinute *m) {
        if (!m->valid)
                return false;
        for (unsigned i = 0; i < ELEMENTSOF(m->seconds); i++)
                if (m->seconds[i] > 0)
                        return true;
        return false;
}

static void minute_to_public(const RecordMinute *m, struct psoas_minute *ret) {
        int64_t day = floor_div(m->minute, 1440);

        *ret = (struct psoas_minute){
                .size = sizeof(*ret),
                .day = (int32_t)day,
                .minute = (int32_t)(m->minute - day * 1440),
                .sitting_s = m->seconds[RECORD_SITTING],
                .standing_s = m->seconds[RECORD_STANDING],
                .walking_s = m->seconds[RECORD_WALKING],
                .lying_s = m->seconds[RECORD_LYING],
                .unknown_s = m->seconds[RECORD_UNKNOWN],
                .not_worn_s = m->seconds[RECORD_NOT_WORN],
                .steps = m->steps,
                .tilt_standing_deg = m->tilt_n[0] ? (float)(m->tilt_sum[0] / m->tilt_n[0]) : NAN,
                .tilt_sitting_deg = m->tilt_n[1] ? (float)(m->tilt_sum[1] / m->tilt_n[1]) : NAN,
        };
}

static void record_emit_minute(Record *r) {
        if (minute_has_data(&r->minute)) {
                if (r->minutes_count == PSOAS_RECORD_QUEUE_SIZE) {
                        r->minutes_head = (r->minutes_head + 1) % PSOAS_RECORD_QUEUE_SIZE;
                        r->minutes_count--;
                        r->dropped++;
                }
                minute_to_public(&r->minute,
                        &r->minutes[(r->minutes_head + r->minutes_count) % PSOAS_RECORD_QUEUE_SIZE]);
                r->minutes_count++;
        }
        r->minute.valid = false;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Bouts */

/* The posture a bout of this class is of: upright for standing and walking; none for the rest. */
static RecordClass bout_posture(RecordClass class) {
        switch (class) {
        case RECORD_SITTING:
        case RECORD_LYING:
                return class;
        case RECORD_STANDING:
        case RECORD_WALKING:
                return RECORD_STANDING;
        default:
                return RECORD_NO_DATA;
        }
}

/* What most of the seconds [from, to] were, as a bout's end. */
static enum psoas_bout_end record_end_of(const Record *r, int64_t from, int64_t to) {
        static const enum psoas_bout_end ends[] = {
                [RECORD_UNKNOWN] = PSOAS_BOUT_END_UNCLEAR,
                [RECORD_STANDING] = PSOAS_BOUT_END_STOOD_UP,
                [RECORD_SITTING] = PSOAS_BOUT_END_SAT_DOWN,
                [RECORD_WALKING] = PSOAS_BOUT_END_STOOD_UP,
                [RECORD_LYING] = PSOAS_BOUT_END_LAY_DOWN,
                [RECORD_NOT_WORN] = PSOAS_BOUT_END_NOT_WORN,
                [RECORD_NO_DATA] = PSOAS_BOUT_END_NO_DATA,
        };
        uint32_t count[_PSOAS_BOUT_END_MAX] = { 0 };
        unsigned best = PSOAS_BOUT_END_NO_DATA;

        for (int64_t s = from; s <= to; s++)
                count[ends[cell_class(cell_at(r, s))]]++;
        for (unsigned i = 0; i < _PSOAS_BOUT_END_MAX; i++)
                if (count[i] > count[best])
                        best = i;
        return (enum psoas_bout_end)best;
}

static void builder_start(RecordBuilder *b, RecordClass posture, int64_t s, uint8_t cell) {
        *b = (RecordBuilder){
                .active = true,
                .posture = posture,
                .start_s = s,
                .last_own_s = s,
                .walking_s = cell_class(cell) == RECORD_WALKING,
                .steps = cell_steps(cell),
        };
}

static void builder_bout(
        const RecordBuilder *b, int64_t end_s, enum psoas_bout_end end, struct psoas_bout *ret) {
        *ret = (struct psoas_bout){
                .size = sizeof(*ret),
                .posture = (enum psoas_posture)b->posture,
                .ended_by = end,
                .day = (int32_t)floor_div(b->start_s, SECONDS_PER_DAY),
                .start_local_us = b->start_s * US_PER_SEC,
                .end_local_us = end_s * US_PER_SEC,
                .walking_s = b->walking_s,
                .steps = b->steps,
        };
}

/* Takes the settled second s into the bout in progress. Returns true with *ret when that ended a bout: the
 * seconds since it ended are then taken again, and may start the next (which cannot end within them). */
static bool builder_take(const Record *r, RecordBuilder *b, int64_t s, struct psoas_bout *ret) {
        uint8_t cell = cell_at(r, s);
        RecordClass posture = bout_posture(cell_class(cell));

        if (!b->active) {
                if (posture != RECORD_NO_DATA)
                        builder_start(b, posture, s, cell);
                return false;
        }
        uint32_t walking = cell_class(cell) == RECORD_WALKING;
        if (posture == b->posture) {
                b->walking_s += b->pending_walking_s + walking;
                b->steps += b->pending_steps + cell_steps(cell);
                b->pending_walking_s = b->pending_steps = 0;
                b->last_own_s = s;
                return false;
        }
        b->pending_walking_s += walking;
        b->pending_steps += cell_steps(cell);
        if (s - b->last_own_s < (int64_t)MAX(r->break_s, 1u))
                return false;

        int64_t end_s = b->last_own_s + 1;
        builder_bout(b, end_s, record_end_of(r, end_s, s), ret);
        b->active = false;
        for (int64_t t = end_s; t <= s; t++) {
                struct psoas_bout unused;
                (void)builder_take(r, b, t, &unused);
        }
        return true;
}

static void record_push_bout(Record *r, const struct psoas_bout *bout) {
        if (r->bouts_count == PSOAS_RECORD_QUEUE_SIZE) {
                r->bouts_head = (r->bouts_head + 1) % PSOAS_RECORD_QUEUE_SIZE;
                r->bouts_count--;
                r->dropped++;
        }
        r->bouts[(r->bouts_head + r->bouts_count) % PSOAS_RECORD_QUEUE_SIZE] = *bout;
        r->bouts_count++;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Cells */

static void record_settle_to(Record *r, int64_t to_s) {
        for (int64_t s = r->settled_to_s; s < to_s; s++) {
                struct psoas_bout ended;

                minute_add(&r->minute, s, cell_at(r, s), tilt_at(r, s));
                if (floor_div(s + 1, 60) != r->minute.minute)
                        record_emit_minute(r);
                if (builder_take(r, &r->builder, s, &ended))
                        record_push_bout(r, &ended);
                r->settled_to_s = s + 1;
        }
}

static int16_t tilt_to_centideg(float tilt_deg) {
        if (!isfinite(tilt_deg))
                return RECORD_TILT_NONE;
        return (int16_t)lroundf(CLAMP(tilt_deg, -180.0f, 180.0f) * 100.0f);
}

static void record_write_to(Record *r, int64_t to_s, RecordClass class) {
        int16_t tilt = tilt_to_centideg(r->current_tilt_deg);

        for (int64_t s = r->written_to_s; s < to_s; s++) {
                record_settle_to(r, s + 1 - RECORD_OPEN_S);
                /* The steps seen in the previous sample's second go to that second, the first written. */
                r->cells[(uint64_t)s % RECORD_CELLS] = cell_make(class, r->current_steps);
                r->tilt_centideg[(uint64_t)s % RECORD_TILT_CELLS] = tilt;
                r->current_steps = 0;
        }
        r->written_to_s = MAX(r->written_to_s, to_s);
}

void record_sample_new_second(Record *r, int64_t local_us, int64_t accounted_us, RecordClass class,
        float tilt_deg, uint32_t new_steps) {
        int64_t s = floor_div(local_us, US_PER_SEC);

        if (!r->started) {
                r->started = true;
                r->written_to_s = r->settled_to_s = s;
                r->current_steps = 0;
        } else if (s > r->written_to_s) {
                /* The seconds the accounted time after the previous sample reaches into, then no data. */
                int64_t reach_s = accounted_us > 0
                        ? floor_div(r->last_local_us + accounted_us - 1, US_PER_SEC) + 1
                        : r->written_to_s;
                record_write_to(r, MIN(s, reach_s), r->current);
                record_write_to(r, s, RECORD_NO_DATA);
        }
        r->last_local_us = local_us;
        r->second_start_us = s * US_PER_SEC;
        /* A clock set back (s before written_to_s) leaves the written seconds alone: this sample's time goes to
         * the second after them. */
        r->current = class;
        r->current_tilt_deg = tilt_deg;
        r->current_steps += new_steps;
}

void record_revise(Record *r, int64_t since_local_us, RecordClass class) {
        int64_t from = MAX(floor_div(since_local_us, US_PER_SEC), r->settled_to_s);

        for (int64_t s = from; s < r->written_to_s; s++) {
                uint8_t *cell = &r->cells[(uint64_t)s % RECORD_CELLS];
                if (cell_class(*cell) != RECORD_NO_DATA)
                        *cell = cell_make(class, cell_steps(*cell));
        }
        r->current = class;
}

void record_finish(Record *r) {
        if (!r->started)
                return;
        /* The last sample's second counts, as far as that sample goes. */
        record_write_to(r, r->written_to_s + 1, r->current);
        record_settle_to(r, r->written_to_s);
        record_emit_minute(r);
        if (r->builder.active) {
                struct psoas_bout bout;
                builder_bout(&r->builder, r->written_to_s, PSOAS_BOUT_END_NO_DATA, &bout);
                bout.walking_s += r->builder.pending_walking_s;
                bout.steps += r->builder.pending_steps;
                record_push_bout(r, &bout);
        }
        r->builder.active = false;
        r->started = false;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Reading */

bool record_pop_minute(Record *r, struct psoas_minute *ret) {
        if (r->minutes_count == 0)
                return false;
        *ret = r->minutes[r->minutes_head];
        r->minutes_head = (r->minutes_head + 1) % PSOAS_RECORD_QUEUE_SIZE;
        r->minutes_count--;
        return true;
}

bool record_pop_bout(Record *r, struct psoas_bout *ret) {
        if (r->bouts_count == 0)
                return false;
        *ret = r->bouts[r->bouts_head];
        r->bouts_head = (r->bouts_head + 1) % PSOAS_RECORD_QUEUE_SIZE;
        r->bouts_count--;
        return true;
}

unsigned record_peek_minutes(const Record *r, struct psoas_minute *ret, unsigned n) {
        RecordMinute m = r->minute;
        unsigned written = 0;

        if (!r->started)
                return 0;
        for (int64_t s = r->settled_to_s; s < r->written_to_s && written < n; s++) {
                minute_add(&m, s, cell_at(r, s), tilt_at(r, s));
                if (floor_div(s + 1, 60) != m.minute || s + 1 == r->written_to_s) {
                        if (minute_has_data(&m))
                                minute_to_public(&m, &ret[written++]);
                        m.valid = false;
                }
        }
        return written;
}

bool record_peek_bout(const Record *r, struct psoas_bout *ret) {
        RecordBuilder b = r->builder;

        if (!r->started)
                return false;
        for (int64_t s = r->settled_to_s; s < r->written_to_s; s++) {
                struct psoas_bout unused;
                (void)builder_take(r, &b, s, &unused);
        }
        if (!b.active)
                return false;
        builder_bout(&b, r->written_to_s, PSOAS_BOUT_END_NO_DATA, ret);
        ret->walking_s += b.pending_walking_s;
        ret->steps += b.pending_steps;
        return true;
}
