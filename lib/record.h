/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The record of a day (psoas.h, "The record of a day"): one cell per local second, what the wearer was doing in
 * it. The last RECORD_OPEN_S seconds stay open, for a revised posture or a sensor found to have been taken off to
 * rewrite them; then they settle, one by one, into minutes and bouts. Settled cells are kept RECORD_CELLS seconds
 * more, since a bout's end is known only break_s after it: that is where the bout builder looks back to.
 */

#include <stdbool.h>
#include <stdint.h>

#include "psoas/psoas.h"

/* What a second was: the tracker's postures, and two more. */
typedef enum RecordClass {
        RECORD_UNKNOWN = PSOAS_POSTURE_UNKNOWN,
        RECORD_STANDING = PSOAS_POSTURE_STANDING,
        RECORD_SITTING = PSOAS_POSTURE_SITTING,
        RECORD_WALKING = PSOAS_POSTURE_WALKING,
        RECORD_LYING = PSOAS_POSTURE_LYING,
        RECORD_NOT_WORN,
        RECORD_NO_DATA,
} RecordClass;

#define RECORD_OPEN_S PSOAS_RECORD_SETTLE_S
/* break_s is at most an hour; the builder looks back that far from the last settled second. */
#define RECORD_CELLS 4096
#define RECORD_TILT_CELLS 256
#define RECORD_TILT_NONE INT16_MIN

typedef struct RecordMinute {
        bool valid;
        int64_t minute; /* local minutes since the epoch */
        uint16_t seconds[RECORD_NO_DATA]; /* per class, no data not counted */
        uint16_t steps;
        double tilt_sum[2]; /* standing, sitting */
        uint16_t tilt_n[2];
} RecordMinute;

typedef struct RecordBuilder {
        bool active;
        RecordClass posture; /* RECORD_SITTING, RECORD_STANDING (upright) or RECORD_LYING */
        int64_t start_s;
        int64_t last_own_s; /* the last second of the bout's own posture */
        uint32_t walking_s, steps; /* up to last_own_s */
        uint32_t pending_walking_s, pending_steps; /* after it: the bout's if it goes on */
} RecordBuilder;

typedef struct Record {
        uint32_t break_s;

        /* Cells: class in the low 3 bits, steps (up to 31) above. Cell s is at s % RECORD_CELLS. */
        uint8_t cells[RECORD_CELLS];
        int16_t tilt_centideg[RECORD_TILT_CELLS]; /* of the open cells */

        bool started;
        int64_t written_to_s; /* every cell before this is written */
        int64_t settled_to_s; /* every cell before this is settled */

        /* The sample being accounted: its local time, the class and tilt the next cells take, steps seen in the
         * current one. */
        int64_t last_local_us;
        RecordClass current;
        int16_t current_tilt;
        uint32_t current_steps;

        RecordMinute minute; /* being settled */
        RecordBuilder builder;

        struct psoas_minute minutes[PSOAS_RECORD_QUEUE_SIZE];
        unsigned minutes_head, minutes_count;
        struct psoas_bout bouts[PSOAS_RECORD_QUEUE_SIZE];
        unsigned bouts_head, bouts_count;
        uint64_t dropped;
} Record;

void record_init(Record *r, float break_s);
void record_set_break(Record *r, float break_s);

/* A sample at local time local_us, accounted_us after the previous one (0 across a gap): the seconds since the
 * previous one take that sample's class as far as accounted_us reaches (a clock set forward is no time
 * accounted), no data beyond, and cells old enough settle. Then this sample's class, tilt (NaN: none) and steps
 * are what the time after it goes to. A second takes the class of the last sample in it. */
void record_sample(Record *r, int64_t local_us, int64_t accounted_us, RecordClass class, float tilt_deg,
        uint32_t new_steps);
/* The time since since_local_us was in fact class: the open cells from there on that have data say so. */
void record_revise(Record *r, int64_t since_local_us, RecordClass class);
/* The data ends: the last sample's second counts, every cell settles, and the bout in progress ends. */
void record_finish(Record *r);

bool record_pop_minute(Record *r, struct psoas_minute *ret);
bool record_pop_bout(Record *r, struct psoas_bout *ret);
/* The open minutes as they stand, oldest first, up to n: how many. */
unsigned record_peek_minutes(const Record *r, struct psoas_minute *ret, unsigned n);
bool record_peek_bout(const Record *r, struct psoas_bout *ret);
