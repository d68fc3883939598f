/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pairing an accelerometer and a gyroscope that are separate IIO devices (st_lsm6dsx makes them so): their
 * buffers wake up independently, so each accelerometer sample waits here for the gyroscope samples around
 * it. No libiio: the IIO source pushes decoded samples in and takes paired ones out.
 */

#include <stdint.h>

#include "iio-ring.h"

typedef struct SamplePairing {
        SampleRing accel_waiting; /* accelerometer samples waiting for the gyroscope, oldest first */
        SampleRing gyro_recent; /* the latest gyroscope samples */
        int64_t hold_us; /* how long (in sample time) an accelerometer sample may wait */
} SamplePairing;

/* Both rings of capacity samples. -ENOMEM; sample_pairing_done() then frees what was made. */
int sample_pairing_init(SamplePairing *pairing, size_t capacity, int64_t hold_us);
void sample_pairing_done(SamplePairing *pairing);

/* Moves the accelerometer samples that can go, with the gyroscope's rate at their time, into ready, while it
 * has room. */
void sample_pairing_run(SamplePairing *pairing, SampleRing *ready);
