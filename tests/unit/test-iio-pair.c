/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/iio-pair.c: each accelerometer sample gets the gyroscope's rate at its own time. */
#include "iio-pair.h"
#include "test-util.h"

#define HOLD_US 100000

static void push_accel(SamplePairing *pairing, int64_t t_us) {
        struct psoas_sample s = { .size = sizeof(s), .t_us = t_us, .accel = { 0.0f, 0.0f, 9.81f } };

        sample_ring_push(&pairing->accel_waiting, &s);
}

static void push_gyro(SamplePairing *pairing, int64_t t_us, float z) {
        struct psoas_sample s = {
                .size = sizeof(s), .t_us = t_us, .gyro = { 0.0f, 0.0f, z }, .has_gyro = true
        };

        sample_ring_push(&pairing->gyro_recent, &s);
}

TEST(waits_for_the_gyroscope_then_interpolates) {
        SamplePairing pairing = {};
        SampleRing ready = {};

        ASSERT_EQ(sample_pairing_init(&pairing, 16, HOLD_US), 0);
        ASSERT_EQ(sample_ring_init(&ready, 16), 0);

        push_gyro(&pairing, 0, 1.0f);
        push_accel(&pairing, 2500);
        push_accel(&pairing, 7500);
        /* The gyroscope's next batch has not come: within the hold, the accelerometer samples wait. */
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 0);
        ASSERT_EQ(pairing.accel_waiting.count, 2);

        push_gyro(&pairing, 10000, 3.0f);
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 2);
        ASSERT_EQ(pairing.accel_waiting.count, 0);
        ASSERT_TRUE(sample_ring_at(&ready, 0)->has_gyro);
        /* A quarter and three quarters of the way from 1 to 3 rad/s. */
        ASSERT_NEAR(sample_ring_at(&ready, 0)->gyro[2], 1.5, 1e-6);
        ASSERT_NEAR(sample_ring_at(&ready, 1)->gyro[2], 2.5, 1e-6);
        ASSERT_NEAR(sample_ring_at(&ready, 1)->accel[2], 9.81, 1e-6);
        /* The gyroscope sample before the gap is kept for the next accelerometer sample in it. */
        ASSERT_EQ(pairing.gyro_recent.count, 2);

        sample_ring_done(&ready);
        sample_pairing_done(&pairing);
}

TEST(a_gyroscope_sample_at_or_after_the_first_is_taken_as_it_is) {
        SamplePairing pairing = {};
        SampleRing ready = {};

        ASSERT_EQ(sample_pairing_init(&pairing, 16, HOLD_US), 0);
        ASSERT_EQ(sample_ring_init(&ready, 16), 0);
        push_gyro(&pairing, 5000, 2.0f);
        push_accel(&pairing, 5000);
        push_accel(&pairing, 1000); /* before every gyroscope sample: takes the first */
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 2);
        ASSERT_NEAR(sample_ring_at(&ready, 0)->gyro[2], 2.0, 0.0);
        ASSERT_NEAR(sample_ring_at(&ready, 1)->gyro[2], 2.0, 0.0);
        sample_ring_done(&ready);
        sample_pairing_done(&pairing);
}

TEST(after_the_hold_a_recent_gyroscope_sample_or_none) {
        SamplePairing pairing = {};
        SampleRing ready = {};

        ASSERT_EQ(sample_pairing_init(&pairing, 16, HOLD_US), 0);
        ASSERT_EQ(sample_ring_init(&ready, 16), 0);

        /* The gyroscope stopped at 0: the sample at 50 ms takes its last reading once 100 ms of accelerometer
         * samples wait behind it; the one at 200 ms is too far from it and goes out without one. */
        push_gyro(&pairing, 0, 4.0f);
        push_accel(&pairing, 50000);
        push_accel(&pairing, 200000);
        push_accel(&pairing, 300000);
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 2);
        ASSERT_TRUE(sample_ring_at(&ready, 0)->has_gyro);
        ASSERT_NEAR(sample_ring_at(&ready, 0)->gyro[2], 4.0, 0.0);
        ASSERT_TRUE(!sample_ring_at(&ready, 1)->has_gyro);
        ASSERT_NEAR(sample_ring_at(&ready, 1)->gyro[2], 0.0, 0.0);
        /* 300 ms is not yet held for 100 ms. */
        ASSERT_EQ(pairing.accel_waiting.count, 1);
        sample_ring_done(&ready);
        sample_pairing_done(&pairing);
}

TEST(a_full_waiting_ring_lets_its_oldest_go) {
        SamplePairing pairing = {};
        SampleRing ready = {};

        ASSERT_EQ(sample_pairing_init(&pairing, 4, HOLD_US), 0);
        ASSERT_EQ(sample_ring_init(&ready, 2), 0);
        for (int64_t t = 1; t <= 4; t++)
                push_accel(&pairing, t * 1000);
        /* No gyroscope at all and well within the hold, but the waiting ring is full: the oldest goes, as far as
         * the hold allows. */
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 1);
        ASSERT_EQ(sample_ring_at(&ready, 0)->t_us, 1000);
        ASSERT_TRUE(!sample_ring_at(&ready, 0)->has_gyro);
        ASSERT_EQ(pairing.accel_waiting.count, 3);
        sample_ring_done(&ready);
        sample_pairing_done(&pairing);
}

TEST(stops_when_ready_is_full) {
        SamplePairing pairing = {};
        SampleRing ready = {};

        ASSERT_EQ(sample_pairing_init(&pairing, 8, HOLD_US), 0);
        ASSERT_EQ(sample_ring_init(&ready, 2), 0);
        push_gyro(&pairing, 1000000, 1.0f);
        for (int64_t t = 1; t <= 5; t++)
                push_accel(&pairing, t * 1000);
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 2);
        ASSERT_EQ(pairing.accel_waiting.count, 3);
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 2);
        ASSERT_EQ(sample_ring_pop(&ready, (struct psoas_sample[2]){}, 2), 2);
        sample_pairing_run(&pairing, &ready);
        ASSERT_EQ(ready.count, 2);
        ASSERT_EQ(sample_ring_at(&ready, 0)->t_us, 3000);
        sample_ring_done(&ready);
        sample_pairing_done(&pairing);
}

TEST_MAIN
