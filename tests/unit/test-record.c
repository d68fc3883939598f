/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/record.c: seconds into minutes and bouts, on streams of postures with known answers. */
#include <math.h>
#include <string.h>

#include "record.h"
#include "test-util.h"

#define US 1000000LL
#define DAY_US (86400LL * US)
#define SAMPLE_US 100000LL /* 10 Hz is plenty for whole seconds */

typedef struct Feed {
        Record record;
        int64_t t_us;
        struct psoas_minute minutes[64];
        unsigned n_minutes;
        struct psoas_bout bouts[16];
        unsigned n_bouts;
} Feed;

static void feed_pop(Feed *f) {
        struct psoas_minute m;
        struct psoas_bout b;
        while (record_pop_minute(&f->record, &m)) {
                ASSERT_TRUE(f->n_minutes < 64);
                f->minutes[f->n_minutes++] = m;
        }
        while (record_pop_bout(&f->record, &b)) {
                ASSERT_TRUE(f->n_bouts < 16);
                f->bouts[f->n_bouts++] = b;
        }
}

static void feed_init(Feed *f, int64_t start_us) {
        memset(f, 0, sizeof(*f));
        record_init(&f->record, 60.0f);
        f->t_us = start_us;
}

/* seconds of class at 10 Hz, a step every half second when walking. */
static void feed(Feed *f, double seconds, RecordClass class, float tilt) {
        int64_t end = f->t_us + (int64_t)(seconds * US);
        for (; f->t_us < end; f->t_us += SAMPLE_US) {
                uint32_t steps = class == RECORD_WALKING && f->t_us % (US / 2) == 0;
                record_sample(&f->record, f->t_us, SAMPLE_US, class, tilt, steps);
                feed_pop(f);
        }
}

static void feed_finish(Feed *f) {
        record_finish(&f->record);
        feed_pop(f);
}

static unsigned total(const Feed *f, size_t offset) {
        unsigned sum = 0;
        for (unsigned i = 0; i < f->n_minutes; i++)
                sum += *(const uint16_t *)(const void *)((const char *)&f->minutes[i] + offset);
        return sum;
}

#define TOTAL(f, field) total(f, offsetof(struct psoas_minute, field))

TEST(short_interruptions_are_part_of_the_bout) {
        static Feed f;
        feed_init(&f, 10 * DAY_US);
        feed(&f, 600, RECORD_SITTING, -20);
        feed(&f, 30, RECORD_STANDING, 0); /* shorter than break_s: the bout goes on */
        feed(&f, 600, RECORD_SITTING, -20);
        feed(&f, 120, RECORD_WALKING, NAN);
        feed(&f, 300, RECORD_SITTING, -20);
        feed_finish(&f);

        ASSERT_EQ(f.n_bouts, 3);
        ASSERT_EQ(f.bouts[0].posture, PSOAS_POSTURE_SITTING);
        ASSERT_EQ(f.bouts[0].start_local_us, 10 * DAY_US);
        ASSERT_EQ(f.bouts[0].end_local_us, 10 * DAY_US + 1230 * US);
        ASSERT_EQ(f.bouts[0].ended_by, PSOAS_BOUT_END_STOOD_UP);
        ASSERT_EQ(f.bouts[0].day, 10);
        ASSERT_EQ(f.bouts[1].posture, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(f.bouts[1].end_local_us - f.bouts[1].start_local_us, 120 * US);
        ASSERT_EQ(f.bouts[1].walking_s, 120);
        ASSERT_EQ(f.bouts[1].steps, 240);
        ASSERT_EQ(f.bouts[1].ended_by, PSOAS_BOUT_END_SAT_DOWN);
        ASSERT_EQ(f.bouts[2].ended_by, PSOAS_BOUT_END_NO_DATA);
        ASSERT_EQ(f.bouts[2].end_local_us, 10 * DAY_US + 1650 * US);

        /* The minutes count the short stand as standing all the same. */
        ASSERT_EQ(f.n_minutes, 28);
        ASSERT_EQ(TOTAL(&f, sitting_s), 1500);
        ASSERT_EQ(TOTAL(&f, standing_s), 30);
        ASSERT_EQ(TOTAL(&f, walking_s), 120);
        ASSERT_EQ(TOTAL(&f, steps), 240);
        ASSERT_EQ(f.minutes[0].day, 10);
        ASSERT_EQ(f.minutes[0].minute, 0);
        ASSERT_EQ(f.minutes[27].minute, 27);
        ASSERT_TRUE(fabsf(f.minutes[0].tilt_sitting_deg + 20) < 0.01f);
        ASSERT_TRUE(isnan(f.minutes[0].tilt_standing_deg));
        ASSERT_TRUE(fabsf(f.minutes[10].tilt_standing_deg) < 0.01f); /* 10:00..10:30 standing */
}

TEST(minutes_settle_late) {
        static Feed f;
        feed_init(&f, 0);
        feed(&f, 60 + PSOAS_RECORD_SETTLE_S - 1, RECORD_STANDING, 0);
        ASSERT_EQ(f.n_minutes, 0);
        feed(&f, 2, RECORD_STANDING, 0);
        ASSERT_EQ(f.n_minutes, 1);
        ASSERT_EQ(f.minutes[0].standing_s, 60);

        /* The open minutes as they stand: the four written after the settled one (the second in progress is
         * not written yet). */
        struct psoas_minute open[8];
        unsigned n = record_peek_minutes(&f.record, open, 8);
        ASSERT_EQ(n, 4);
        ASSERT_EQ(open[0].minute, 1);
        ASSERT_EQ(open[0].standing_s, 60);
        ASSERT_EQ(open[3].minute, 4);
        struct psoas_bout b;
        ASSERT_TRUE(record_peek_bout(&f.record, &b));
        ASSERT_EQ(b.posture, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(b.start_local_us, 0);

        /* What finishing settles is what the peek said. */
        feed_finish(&f);
        ASSERT_EQ(f.n_minutes, 6);
        for (unsigned i = 0; i < n; i++) {
                ASSERT_EQ(f.minutes[i + 1].minute, open[i].minute);
                ASSERT_EQ(f.minutes[i + 1].standing_s, open[i].standing_s);
                ASSERT_EQ(f.minutes[i + 1].unknown_s, open[i].unknown_s);
                ASSERT_TRUE(f.minutes[i + 1].tilt_standing_deg == open[i].tilt_standing_deg);
        }
        ASSERT_EQ(f.n_bouts, 1);
}

TEST(revisions_rewrite_open_seconds) {
        static Feed f;
        feed_init(&f, 0);
        feed(&f, 100, RECORD_SITTING, -20);
        /* The squat taken for sitting: standing since 40 s. */
        record_revise(&f.record, 40 * US, RECORD_STANDING);
        feed(&f, 50, RECORD_STANDING, 0);
        /* And off the body since 120 s. */
        record_revise(&f.record, 120 * US + 300000, RECORD_NOT_WORN);
        feed(&f, 200, RECORD_NOT_WORN, NAN);
        feed_finish(&f);

        ASSERT_EQ(TOTAL(&f, sitting_s), 40);
        ASSERT_EQ(TOTAL(&f, standing_s), 80);
        ASSERT_EQ(TOTAL(&f, not_worn_s), 230);
        ASSERT_EQ(f.n_bouts, 2);
        /* Sitting 40 s is a bout too (no minimum length), ended when standing went on for break_s. */
        ASSERT_EQ(f.bouts[0].posture, PSOAS_POSTURE_SITTING);
        ASSERT_EQ(f.bouts[0].ended_by, PSOAS_BOUT_END_STOOD_UP);
        ASSERT_EQ(f.bouts[0].end_local_us, 40 * US);
        ASSERT_EQ(f.bouts[1].posture, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(f.bouts[1].ended_by, PSOAS_BOUT_END_NOT_WORN);
        ASSERT_EQ(f.bouts[1].end_local_us, 120 * US);
}

TEST(gaps_are_no_data) {
        static Feed f;
        feed_init(&f, 0);
        feed(&f, 300, RECORD_SITTING, -20);
        /* Ten minutes without a sample, then the data goes on. */
        f.t_us += 600 * US;
        record_sample(&f.record, f.t_us, 0, RECORD_SITTING, -20, 0);
        feed(&f, 300, RECORD_SITTING, -20);
        feed_finish(&f);

        /* The second before the gap is no data too: no sample came to end it. */
        ASSERT_EQ(TOTAL(&f, sitting_s), 599);
        /* No minute of the gap is reported. */
        for (unsigned i = 0; i < f.n_minutes; i++)
                ASSERT_TRUE(f.minutes[i].minute < 5 || f.minutes[i].minute >= 15);
        ASSERT_EQ(f.n_bouts, 2);
        ASSERT_EQ(f.bouts[0].ended_by, PSOAS_BOUT_END_NO_DATA);
        ASSERT_EQ(f.bouts[0].end_local_us, 299 * US);
        ASSERT_EQ(f.bouts[1].start_local_us, 900 * US);
}

TEST(a_clock_set_forward_accounts_no_time) {
        static Feed f;
        feed_init(&f, 0);
        feed(&f, 120, RECORD_STANDING, 0);
        /* The next sample 0.1 s later in sample time, an hour later on the clock. */
        f.t_us += 3600 * US;
        feed(&f, 120, RECORD_STANDING, 0);
        feed_finish(&f);
        ASSERT_EQ(TOTAL(&f, standing_s), 240);
}

TEST(a_bout_belongs_to_the_day_it_began) {
        static Feed f;
        feed_init(&f, 20 * DAY_US - 600 * US);
        feed(&f, 1200, RECORD_SITTING, -20);
        feed(&f, 120, RECORD_STANDING, 0);
        feed_finish(&f);
        ASSERT_EQ(f.bouts[0].day, 19);
        ASSERT_EQ(f.bouts[0].end_local_us, 20 * DAY_US + 600 * US);
        ASSERT_EQ(f.minutes[0].day, 19);
        ASSERT_EQ(f.minutes[0].minute, 1430);
        ASSERT_EQ(f.minutes[10].day, 20);
        ASSERT_EQ(f.minutes[10].minute, 0);
}

TEST(the_end_is_what_most_of_the_interruption_was) {
        static Feed f;
        feed_init(&f, 0);
        feed(&f, 300, RECORD_SITTING, -20);
        feed(&f, 20, RECORD_STANDING, 0);
        feed(&f, 50, RECORD_LYING, NAN);
        feed(&f, 600, RECORD_LYING, NAN);
        feed_finish(&f);
        ASSERT_EQ(f.bouts[0].ended_by, PSOAS_BOUT_END_LAY_DOWN);
        ASSERT_EQ(f.bouts[0].end_local_us, 300 * US);
        /* The 20 s upright are a bout of their own (what came after 300 s), ended by lying down. */
        ASSERT_EQ(f.bouts[1].posture, PSOAS_POSTURE_STANDING);
        ASSERT_EQ(f.bouts[1].ended_by, PSOAS_BOUT_END_LAY_DOWN);
        ASSERT_EQ(f.bouts[2].posture, PSOAS_POSTURE_LYING);
        ASSERT_EQ(f.bouts[2].start_local_us, 320 * US);
}

TEST_MAIN
