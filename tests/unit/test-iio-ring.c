/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/iio-ring.c: the IIO source's fixed-size sample rings. */
#include "iio-ring.h"
#include "test-util.h"

static struct psoas_sample sample_at(int64_t t_us) {
        return (struct psoas_sample){
                .size = sizeof(struct psoas_sample), .t_us = t_us, .accel = { 0.0f, 0.0f, (float)t_us }
        };
}

TEST(first_in_first_out_across_the_wrap) {
        struct psoas_sample out[8];
        SampleRing ring = {};

        ASSERT_EQ(sample_ring_init(&ring, 4), 0);
        ASSERT_EQ(sample_ring_room(&ring), 4);
        /* Three rounds of three in, three out: the head goes round the end of the array twice. */
        for (int64_t round = 0; round < 3; round++) {
                for (int64_t i = 0; i < 3; i++) {
                        struct psoas_sample s = sample_at(round * 10 + i);

                        sample_ring_push(&ring, &s);
                }
                ASSERT_EQ(ring.count, 3);
                ASSERT_EQ(sample_ring_room(&ring), 1);
                ASSERT_EQ(sample_ring_at(&ring, 2)->t_us, round * 10 + 2);
                ASSERT_EQ(sample_ring_pop(&ring, out, 8), 3);
                for (int64_t i = 0; i < 3; i++) {
                        ASSERT_EQ(out[i].t_us, round * 10 + i);
                        ASSERT_NEAR(out[i].accel[2], (double)(round * 10 + i), 0.0);
                }
        }
        ASSERT_EQ(ring.count, 0);
        sample_ring_done(&ring);
        ASSERT_TRUE(ring.items == NULL);
        ASSERT_EQ(ring.capacity, 0);
}

TEST(a_full_ring_loses_its_oldest) {
        struct psoas_sample out[8];
        SampleRing ring = {};

        ASSERT_EQ(sample_ring_init(&ring, 3), 0);
        for (int64_t t = 1; t <= 5; t++) {
                struct psoas_sample s = sample_at(t);

                sample_ring_push(&ring, &s);
        }
        ASSERT_EQ(ring.count, 3);
        ASSERT_EQ(sample_ring_pop(&ring, out, 8), 3);
        ASSERT_EQ(out[0].t_us, 3);
        ASSERT_EQ(out[2].t_us, 5);
        sample_ring_done(&ring);
}

TEST(pop_takes_at_most_max_and_drop_at_most_count) {
        struct psoas_sample out[2];
        SampleRing ring = {};

        ASSERT_EQ(sample_ring_init(&ring, 8), 0);
        for (int64_t t = 1; t <= 5; t++) {
                struct psoas_sample s = sample_at(t);

                sample_ring_push(&ring, &s);
        }
        ASSERT_EQ(sample_ring_pop(&ring, out, 2), 2);
        ASSERT_EQ(out[1].t_us, 2);
        sample_ring_drop_front(&ring, 1);
        ASSERT_EQ(sample_ring_at(&ring, 0)->t_us, 4);
        sample_ring_drop_front(&ring, 100);
        ASSERT_EQ(ring.count, 0);
        ASSERT_EQ(sample_ring_pop(&ring, out, 2), 0);
        sample_ring_done(&ring);
        sample_ring_done(&ring); /* a done ring is a zeroed one */
}

TEST_MAIN
