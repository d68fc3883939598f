/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>

#include "event-queue.h"
#include "test-util.h"

static struct psoas_event event_at(int64_t t_us) {
        return (struct psoas_event){ .type = PSOAS_EVENT_POSTURE_CHANGED, .t_us = t_us };
}

TEST(empty_queue_pops_nothing) {
        EventQueue q;
        struct psoas_event ev = event_at(-1);

        event_queue_init(&q);
        ASSERT_TRUE(!event_queue_pop(&q, &ev));
        ASSERT_EQ(ev.t_us, -1); /* untouched */
        ASSERT_EQ(q.dropped, 0);
}

TEST(events_come_out_in_order) {
        EventQueue q;
        struct psoas_event ev;

        event_queue_init(&q);
        for (int64_t t = 1; t <= 5; t++) {
                struct psoas_event in = event_at(t);
                event_queue_push(&q, &in);
        }
        for (int64_t t = 1; t <= 5; t++) {
                ASSERT_TRUE(event_queue_pop(&q, &ev));
                ASSERT_EQ(ev.t_us, t);
                ASSERT_EQ(ev.type, PSOAS_EVENT_POSTURE_CHANGED);
        }
        ASSERT_TRUE(!event_queue_pop(&q, &ev));
        ASSERT_EQ(q.dropped, 0);
}

/* Pushing and popping by turns wraps the ring around many times without losing or reordering an event. */
TEST(wraps_around) {
        EventQueue q;
        struct psoas_event ev;
        int64_t next_in = 0, next_out = 0;

        event_queue_init(&q);
        for (unsigned round = 0; round < 5 * PSOAS_EVENT_QUEUE_SIZE; round++) {
                for (unsigned k = 0; k < 3; k++) {
                        struct psoas_event in = event_at(next_in++);
                        event_queue_push(&q, &in);
                }
                for (unsigned k = 0; k < 2; k++) {
                        ASSERT_TRUE(event_queue_pop(&q, &ev));
                        ASSERT_EQ(ev.t_us, next_out++);
                }
                if (q.count == PSOAS_EVENT_QUEUE_SIZE - 2) /* keep it from filling: drain */
                        while (event_queue_pop(&q, &ev))
                                ASSERT_EQ(ev.t_us, next_out++);
        }
        while (event_queue_pop(&q, &ev))
                ASSERT_EQ(ev.t_us, next_out++);
        ASSERT_EQ(next_out, next_in);
        ASSERT_EQ(q.dropped, 0);
}

/* A full queue drops its oldest events, counts them, and keeps the newest PSOAS_EVENT_QUEUE_SIZE in order. */
TEST(full_queue_drops_the_oldest) {
        EventQueue q;
        struct psoas_event ev;
        const int64_t n = PSOAS_EVENT_QUEUE_SIZE + 10;

        event_queue_init(&q);
        for (int64_t t = 0; t < n; t++) {
                struct psoas_event in = event_at(t);
                event_queue_push(&q, &in);
        }
        ASSERT_EQ(q.count, PSOAS_EVENT_QUEUE_SIZE);
        ASSERT_EQ(q.dropped, 10);
        for (int64_t t = 10; t < n; t++) {
                ASSERT_TRUE(event_queue_pop(&q, &ev));
                ASSERT_EQ(ev.t_us, t);
        }
        ASSERT_TRUE(!event_queue_pop(&q, &ev));
        ASSERT_EQ(q.dropped, 10); /* popping does not count as dropping */
}

/* The queue keeps a copy: changing the pushed event afterwards does not change what comes out. */
TEST(push_copies) {
        EventQueue q;
        struct psoas_event in = event_at(7), ev;

        event_queue_init(&q);
        event_queue_push(&q, &in);
        in.t_us = 8;
        in.type = PSOAS_EVENT_CALIBRATION_FAILED;
        ASSERT_TRUE(event_queue_pop(&q, &ev));
        ASSERT_EQ(ev.t_us, 7);
        ASSERT_EQ(ev.type, PSOAS_EVENT_POSTURE_CHANGED);
}

TEST_MAIN
