/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/sensor-check.c: stuck, rate-mismatch and garbage detection, and their clearing, on synthetic streams. */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "sensor-check.h"
#include "test-util.h"

#define USEC 1000000ll

/* What a sensor delivers, second by second. */
typedef enum Signal {
        SIGNAL_NOISY, /* gravity plus a few LSB of noise on every axis, like a MEMS part at rest */
        SIGNAL_CONSTANT, /* the same bits every sample */
        SIGNAL_COARSE, /* one axis of 1 LSB noise at 39 mg/LSB, accelerometer only: repeats itself often */
        SIGNAL_INVALID, /* not finite, or absurd */
} Signal;

/* A stream under test: sample time (t_us), arrival time (now_us), and the faults' history. */
typedef struct Stream {
        SensorCheck *check;
        int64_t t_us;
        uint64_t now_us;
        uint32_t seed;
        uint64_t counter;
        /* The sample time at which each fault was last raised or cleared (-1: never), and how often. */
        int64_t raised_us[3], cleared_us[3];
        unsigned raised[3], cleared[3];
} Stream;

static unsigned fault_index(SensorFault f) {
        return f == SENSOR_FAULT_STUCK ? 0 : f == SENSOR_FAULT_RATE ? 1 : 2;
}

static uint32_t next_random(Stream *s) {
        /* xorshift32: deterministic noise. */
        s->seed ^= s->seed << 13;
        s->seed ^= s->seed >> 17;
        s->seed ^= s->seed << 5;
        return s->seed;
}

static void stream_init(Stream *s, double expected_rate_hz, bool hardware_timestamps) {
        SensorCheckOptions o = { .expected_rate_hz = expected_rate_hz,
                .hardware_timestamps = hardware_timestamps };

        *s = (Stream){ .t_us = 1000 * USEC, .now_us = 50 * USEC, .seed = 12345 };
        ASSERT_EQ(sensor_check_new(&s->check), 0);
        sensor_check_reset(s->check, &o);
        for (unsigned i = 0; i < 3; i++)
                s->raised_us[i] = s->cleared_us[i] = -1;
}

static void stream_done(Stream *s) {
        s->check = sensor_check_free(s->check);
}

static struct psoas_sample make_sample(Stream *s, Signal signal, bool gyro) {
        struct psoas_sample x = { .size = sizeof(x), .t_us = s->t_us, .has_gyro = gyro };
        const float lsb = 0.0024f; /* ±8 g in 16 bits */

        switch (signal) {
        case SIGNAL_NOISY:
                for (unsigned i = 0; i < 3; i++) {
                        x.accel[i] = (i == 2 ? 9.81f : 0.1f) + (float)((int)(next_random(s) % 9) - 4) * lsb;
                        x.gyro[i] = (float)((int)(next_random(s) % 9) - 4) * 0.0011f;
                }
                break;
        case SIGNAL_CONSTANT:
                x.accel[0] = 0.25f;
                x.accel[1] = -0.5f;
                x.accel[2] = 9.75f;
                x.gyro[0] = x.gyro[1] = x.gyro[2] = 0.0125f;
                break;
        case SIGNAL_COARSE:
                /* One sample in three repeats its predecessor's bits on average. */
                x.accel[0] = 0;
                x.accel[1] = 0;
                x.accel[2] = 9.81f + (float)((int)(next_random(s) % 3) - 1) * 0.383f;
                x.has_gyro = false;
                break;
        case SIGNAL_INVALID:
                x.accel[0] = (s->counter & 1) ? NAN : 500.0f;
                x.accel[2] = 9.81f;
                break;
        }
        s->counter++;
        return x;
}

/* Delivers `seconds` of signal at rate_hz (sample time), in batches every batch_s of arrival time; arrival time
 * advances `arrival_speed` times slower than sample time (1: a real-time sensor). invalid_tenths of every ten
 * samples are replaced with invalid ones; dropped_per_batch adds scans the source dropped. */
typedef struct Segment {
        double seconds;
        double rate_hz;
        Signal signal;
        bool gyro;
        double batch_s;
        double arrival_speed;
        unsigned invalid_tenths;
        uint64_t dropped_per_batch;
        double pause_s; /* sample and arrival time that pass before the segment, without samples */
} Segment;

static void stream_feed(Stream *s, Segment seg) {
        struct psoas_sample batch[4096];
        int64_t period_us = llround(1e6 / seg.rate_hz);
        int64_t end_us;
        double batch_s = seg.batch_s > 0 ? seg.batch_s : 0.25;
        double arrival_speed = seg.arrival_speed > 0 ? seg.arrival_speed : 1;

        s->t_us += llround(seg.pause_s * 1e6);
        s->now_us += (uint64_t)llround(seg.pause_s * 1e6);
        end_us = s->t_us + llround(seg.seconds * 1e6);
        while (s->t_us < end_us) {
                int64_t batch_end_us = s->t_us + llround(batch_s * 1e6 / arrival_speed);
                int64_t batch_start_us = s->t_us;
                size_t n = 0;
                unsigned changed;

                while (s->t_us < batch_end_us && s->t_us < end_us && n < ELEMENTSOF(batch)) {
                        bool invalid = s->counter % 10 < seg.invalid_tenths;

                        batch[n++] = make_sample(s, invalid ? SIGNAL_INVALID : seg.signal, seg.gyro);
                        s->t_us += period_us;
                }
                s->now_us += (uint64_t)llround((double)(s->t_us - batch_start_us) * arrival_speed);
                changed = sensor_check_feed(s->check, batch, n, seg.dropped_per_batch, s->now_us);
                for (unsigned f = SENSOR_FAULT_STUCK; f <= SENSOR_FAULT_GARBAGE; f <<= 1) {
                        unsigned i = fault_index(f);

                        if (!(changed & f))
                                continue;
                        if (sensor_check_faults(s->check) & f) {
                                s->raised[i]++;
                                s->raised_us[i] = s->t_us;
                        } else {
                                s->cleared[i]++;
                                s->cleared_us[i] = s->t_us;
                        }
                }
        }
}

static const Segment NOISY_100 = { .seconds = 10, .rate_hz = 100, .signal = SIGNAL_NOISY, .gyro = true };

static Segment with_seconds(Segment seg, double seconds) {
        seg.seconds = seconds;
        return seg;
}

/* ------------------------------------------------------------------------------------------------------- */

TEST(healthy_stream_raises_nothing) {
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, with_seconds(NOISY_100, 60));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(s.raised[0] + s.raised[1] + s.raised[2], 0);
        ASSERT_NEAR(sensor_check_measured_rate(s.check), 100, 0.5);
        stream_done(&s);
}

TEST(stuck_raised_after_two_seconds_of_identical_samples) {
        Segment constant = { .seconds = 1.9, .rate_hz = 100, .signal = SIGNAL_CONSTANT, .gyro = true };
        int64_t frozen_us;
        char text[256];
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, with_seconds(NOISY_100, 5));
        frozen_us = s.t_us;
        /* Under 2 s: not yet. */
        stream_feed(&s, constant);
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        stream_feed(&s, with_seconds(constant, 1));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_STUCK);
        ASSERT_EQ(s.raised[0], 1);
        /* Raised in the batch where the run reached 2 s (batches are 0.25 s). */
        ASSERT_GE(s.raised_us[0] - frozen_us, 2 * USEC);
        ASSERT_LE(s.raised_us[0] - frozen_us, 2 * USEC + USEC / 4 + 10000);
        sensor_check_describe(s.check, SENSOR_FAULT_STUCK, text, sizeof(text));
        ASSERT_TRUE(strstr(text, "the same sample (0.25, -0.5, 9.75 m/s²) for 2.0 s"));

        /* Staying frozen says nothing more. */
        stream_feed(&s, with_seconds(constant, 30));
        ASSERT_EQ(s.raised[0], 1);
        ASSERT_EQ(s.cleared[0], 0);
        stream_done(&s);
}

TEST(stuck_clears_within_a_second_of_noise) {
        Segment constant = { .seconds = 10, .rate_hz = 100, .signal = SIGNAL_CONSTANT, .gyro = true };
        int64_t thawed_us;
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, constant);
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_STUCK);
        thawed_us = s.t_us;
        stream_feed(&s, with_seconds(NOISY_100, 10));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(s.cleared[0], 1);
        ASSERT_LE(s.cleared_us[0] - thawed_us, USEC + USEC / 4);
        stream_done(&s);
}

TEST(stuck_not_raised_by_coarse_accelerometer_at_rest) {
        Segment coarse = { .seconds = 300, .rate_hz = 100, .signal = SIGNAL_COARSE };
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, coarse);
        ASSERT_EQ(s.raised[0], 0);
        stream_done(&s);
}

TEST(stuck_clear_ignores_rare_glitches) {
        /* A frozen register whose driver flips a value once a second: still stuck. */
        Segment constant = { .seconds = 0.99, .rate_hz = 100, .signal = SIGNAL_CONSTANT, .gyro = true };
        Segment glitch = { .seconds = 0.01, .rate_hz = 100, .signal = SIGNAL_NOISY, .gyro = true };
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, with_seconds(constant, 3));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_STUCK);
        for (unsigned i = 0; i < 20; i++) {
                stream_feed(&s, glitch);
                stream_feed(&s, constant);
        }
        ASSERT_EQ(s.raised[0], 1);
        ASSERT_EQ(s.cleared[0], 0);
        stream_done(&s);
}

TEST(stuck_needs_ten_samples_from_a_slow_source) {
        Segment slow = {
                .seconds = 4, .rate_hz = 2, .signal = SIGNAL_CONSTANT, .gyro = true, .batch_s = 0.5
        };
        Stream s;

        stream_init(&s, 2, true);
        /* 8 identical samples over 4 s: too few to call it. */
        stream_feed(&s, slow);
        ASSERT_EQ(sensor_check_faults(s.check) & SENSOR_FAULT_STUCK, 0);
        stream_feed(&s, with_seconds(slow, 2));
        ASSERT_EQ(sensor_check_faults(s.check) & SENSOR_FAULT_STUCK, SENSOR_FAULT_STUCK);
        stream_done(&s);
}

TEST(rate_mismatch_from_timestamps) {
        Segment slow = { .seconds = 1, .rate_hz = 52, .signal = SIGNAL_NOISY, .gyro = true };
        int64_t start_us, fixed_us;
        char text[256];
        Stream s;

        stream_init(&s, 100, true);
        start_us = s.t_us;
        stream_feed(&s, with_seconds(slow, 1.5));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        stream_feed(&s, with_seconds(slow, 3));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_RATE);
        ASSERT_LE(s.raised_us[1] - start_us, 2 * USEC + USEC / 2);
        ASSERT_NEAR(sensor_check_measured_rate(s.check), 52, 0.5);
        sensor_check_describe(s.check, SENSOR_FAULT_RATE, text, sizeof(text));
        ASSERT_TRUE(strstr(text, "52.0 Hz measured over 2.0 s, 100 Hz expected"));

        /* The device is set right: cleared at the end of the first window that is all new rate. */
        fixed_us = s.t_us;
        stream_feed(&s, with_seconds(NOISY_100, 6));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(s.cleared[1], 1);
        ASSERT_LE(s.cleared_us[1] - fixed_us, 4 * USEC + USEC / 4);
        ASSERT_NEAR(sensor_check_measured_rate(s.check), 100, 0.5);
        stream_done(&s);
}

TEST(rate_tolerance_is_twenty_percent) {
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 100, true);
        seg.rate_hz = 84;
        stream_feed(&s, seg);
        seg.rate_hz = 117;
        stream_feed(&s, seg);
        ASSERT_EQ(s.raised[1], 0);
        seg.rate_hz = 125;
        stream_feed(&s, with_seconds(seg, 5));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_RATE);
        stream_done(&s);
}

TEST(rate_clears_only_well_inside_the_tolerance) {
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 100, true);
        seg.rate_hz = 70;
        stream_feed(&s, with_seconds(seg, 5));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_RATE);
        /* 12 % off: no longer raised, not yet cleared. */
        seg.rate_hz = 88;
        stream_feed(&s, with_seconds(seg, 10));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_RATE);
        seg.rate_hz = 95;
        stream_feed(&s, with_seconds(seg, 5));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(s.raised[1], 1);
        ASSERT_EQ(s.cleared[1], 1);
        stream_done(&s);
}

TEST(rate_mismatch_from_arrival_times_without_timestamps) {
        /* Timestamps counted at the expected 100 Hz, but the batches come at half that pace of wall time. */
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 100, false);
        seg.arrival_speed = 2;
        stream_feed(&s, with_seconds(seg, 6));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_RATE);
        ASSERT_NEAR(sensor_check_measured_rate(s.check), 50, 2);
        /* The first window (2 s of arrival time, 1 s of sample time here) is a warm-up: judged at the end of
         * the second one. */
        ASSERT_LE(s.raised_us[1] - (s.t_us - 6 * USEC), 2 * USEC + USEC / 4);

        /* Right again: cleared within two windows, 4 s. */
        seg.arrival_speed = 1;
        stream_feed(&s, with_seconds(seg, 5));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(s.cleared[1], 1);
        ASSERT_LE(s.cleared_us[1] - (s.t_us - 5 * USEC), 4 * USEC + USEC / 4);
        ASSERT_NEAR(sensor_check_measured_rate(s.check), 100, 7);
        stream_done(&s);
}

TEST(rate_arrival_time_healthy_with_batches) {
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 100, false);
        seg.batch_s = 0.25;
        stream_feed(&s, with_seconds(seg, 60));
        ASSERT_EQ(s.raised[1], 0);
        ASSERT_NEAR(sensor_check_measured_rate(s.check), 100, 7);
        stream_done(&s);
}

TEST(rate_not_judged_across_a_gap) {
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 100, true);
        for (unsigned i = 0; i < 10; i++) {
                stream_feed(&s, with_seconds(seg, 1.5));
                seg.pause_s = 1.6;
        }
        ASSERT_EQ(s.raised[1], 0);
        stream_done(&s);
}

TEST(rate_unknown_is_not_checked) {
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 0, true);
        seg.rate_hz = 33;
        stream_feed(&s, with_seconds(seg, 30));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(sensor_check_measured_rate(s.check), 0);
        stream_done(&s);
}

TEST(garbage_raised_and_cleared) {
        Segment bad = NOISY_100;
        uint64_t start_now, fixed_now;
        char text[256];
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, with_seconds(NOISY_100, 3));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        /* Seven samples in ten invalid: raised at the end of the first full window, within 2 s. */
        start_now = s.now_us;
        bad.invalid_tenths = 7;
        stream_feed(&s, with_seconds(bad, 3));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_GARBAGE);
        ASSERT_LE(s.raised_us[2] - (s.t_us - 3 * USEC), 2 * USEC + USEC / 4);
        ASSERT_LE(s.now_us - start_now, 3 * USEC + 1);
        sensor_check_describe(s.check, SENSOR_FAULT_GARBAGE, text, sizeof(text));
        ASSERT_TRUE(strstr(text, "samples in the last second were invalid"));
        /* Invalid samples are not evidence of a stuck sensor or a slow one. */
        ASSERT_EQ(s.raised[0] + s.raised[1], 0);

        /* Good again: cleared within two windows. */
        fixed_now = s.now_us;
        stream_feed(&s, with_seconds(NOISY_100, 5));
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(s.raised[2], 1);
        ASSERT_EQ(s.cleared[2], 1);
        ASSERT_LE(s.cleared_us[2] - (s.t_us - 5 * USEC), 2 * USEC + USEC / 4);
        ASSERT_LE(s.now_us - fixed_now, 5 * USEC + 1);
        stream_done(&s);
}

TEST(garbage_from_scans_the_source_dropped) {
        Segment seg = NOISY_100;
        char text[256];
        Stream s;

        stream_init(&s, 100, true);
        /* 25 good samples and 76 dropped scans per second. */
        seg.rate_hz = 25;
        seg.dropped_per_batch = 19;
        stream_feed(&s, with_seconds(seg, 3));
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_GARBAGE);
        sensor_check_describe(s.check, SENSOR_FAULT_GARBAGE, text, sizeof(text));
        ASSERT_TRUE(strstr(text, "samples in the last second were invalid"));
        stream_done(&s);
}

TEST(garbage_share_below_half_is_tolerated_and_not_a_slow_rate) {
        Segment seg = NOISY_100;
        Stream s;

        stream_init(&s, 100, true);
        /* 100 Hz of scans, a fifth of them dropped by the source: neither garbage nor 80 Hz. */
        seg.rate_hz = 80;
        seg.dropped_per_batch = 5;
        stream_feed(&s, with_seconds(seg, 30));
        /* And four samples in ten invalid in the batch. */
        seg = NOISY_100;
        seg.invalid_tenths = 4;
        stream_feed(&s, with_seconds(seg, 30));
        ASSERT_EQ(s.raised[2], 0);
        ASSERT_EQ(s.raised[1], 0);
        ASSERT_EQ(s.raised[0], 0);
        stream_done(&s);
}

TEST(reset_forgets_faults_silently) {
        Segment constant = { .seconds = 5, .rate_hz = 50, .signal = SIGNAL_CONSTANT, .gyro = true };
        SensorCheckOptions o = { .expected_rate_hz = 100, .hardware_timestamps = true };
        struct psoas_sample x = { .size = sizeof(x), .t_us = 5, .accel = { 0, 0, 9.81f } };
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, constant);
        ASSERT_EQ(sensor_check_faults(s.check), SENSOR_FAULT_STUCK | SENSOR_FAULT_RATE);
        sensor_check_reset(s.check, &o);
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        ASSERT_EQ(sensor_check_measured_rate(s.check), 0);
        ASSERT_EQ(sensor_check_feed(s.check, &x, 1, 0, 1), 0);
        stream_done(&s);
}

TEST(time_going_backwards_starts_over) {
        Segment constant = { .seconds = 1.5, .rate_hz = 100, .signal = SIGNAL_CONSTANT, .gyro = true };
        Stream s;

        stream_init(&s, 100, true);
        stream_feed(&s, constant);
        /* A new recording from an earlier time, the same bits: the old run does not count. */
        s.t_us -= 100 * USEC;
        stream_feed(&s, constant);
        ASSERT_EQ(sensor_check_faults(s.check), 0);
        stream_done(&s);
}

TEST(feeding_nothing_is_harmless) {
        SensorCheck *c = NULL;

        ASSERT_EQ(sensor_check_new(&c), 0);
        /* Never reset: no options, no expected rate. */
        for (uint64_t now = 0; now < 100 * USEC; now += USEC / 10)
                ASSERT_EQ(sensor_check_feed(c, NULL, 0, 0, now), 0);
        ASSERT_EQ(sensor_check_feed(NULL, NULL, 0, 0, 0), 0);
        ASSERT_EQ(sensor_check_faults(NULL), 0);
        ASSERT_EQ(sensor_check_new(NULL), -EINVAL);
        sensor_check_reset(NULL, NULL);
        ASSERT_TRUE(sensor_check_free(c) == NULL);
        ASSERT_TRUE(sensor_check_free(NULL) == NULL);
}

TEST(names_and_priorities) {
        char buf[8] = "x";

        ASSERT_STREQ(sensor_fault_to_string(SENSOR_FAULT_STUCK), "stuck");
        ASSERT_STREQ(sensor_fault_to_string(SENSOR_FAULT_RATE), "rate-mismatch");
        ASSERT_STREQ(sensor_fault_to_string(SENSOR_FAULT_GARBAGE), "garbage");
        ASSERT_TRUE(sensor_fault_to_string(SENSOR_FAULT_STUCK | SENSOR_FAULT_RATE) == NULL);
        ASSERT_TRUE(sensor_fault_to_string(0) == NULL);
        ASSERT_EQ(sensor_fault_primary(SENSOR_FAULTS_ALL), SENSOR_FAULT_GARBAGE);
        ASSERT_EQ(sensor_fault_primary(SENSOR_FAULT_STUCK | SENSOR_FAULT_RATE), SENSOR_FAULT_STUCK);
        ASSERT_EQ(sensor_fault_primary(SENSOR_FAULT_RATE), SENSOR_FAULT_RATE);
        ASSERT_EQ(sensor_fault_primary(0), 0);
        ASSERT_STREQ(sensor_check_describe(NULL, SENSOR_FAULT_STUCK, buf, sizeof(buf)), "");
}

TEST(sample_validity_limits) {
        struct psoas_sample s = {
                .size = sizeof(s), .accel = { 0, 0, 9.81f }, .gyro = { 1, 2, 3 }, .has_gyro = true
        };

        ASSERT_TRUE(sensor_sample_valid(&s));
        s.accel[0] = 156.0f;
        ASSERT_TRUE(sensor_sample_valid(&s));
        s.accel[0] = 157.0f;
        ASSERT_TRUE(!sensor_sample_valid(&s));
        s.accel[0] = INFINITY;
        ASSERT_TRUE(!sensor_sample_valid(&s));
        s.accel[0] = 0;
        s.gyro[2] = 35.0f;
        s.gyro[0] = s.gyro[1] = 0;
        ASSERT_TRUE(sensor_sample_valid(&s));
        s.gyro[2] = 35.5f;
        ASSERT_TRUE(!sensor_sample_valid(&s));
        /* Without a gyroscope its fields do not matter. */
        s.has_gyro = false;
        s.gyro[2] = NAN;
        ASSERT_TRUE(sensor_sample_valid(&s));
}

TEST_MAIN
