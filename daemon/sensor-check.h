/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Sensor health judged from the samples alone, for the faults that neither a read error nor the stall timer
 * sees: the device keeps delivering, but what it delivers is wrong.
 *
 *   stuck    every sample bit-identical to the one before for SENSOR_CHECK_STUCK_USEC (2 s) of sample time. A
 *            working MEMS sensor always shows a few LSB of noise, even lying on a table, so this is a frozen
 *            register or a driver that repeats its last scan.
 *   rate     the measured sampling rate is more than 20 % away from the one the device was asked for, over a
 *            window of 2 s of timestamps (of arrival times when the device has no timestamps): a driver that
 *            ignored sampling_frequency, or a bus too slow for it.
 *   garbage  half or more of the samples of a 1 s window are invalid: not finite, beyond what a body can do, or
 *            dropped by the source as saturated or undecodable.
 *
 * Each fault is raised on a full window of evidence and cleared on a full window of good samples, with a gap
 * between the two thresholds, so that a sensor at the edge does not make the caller log at every batch. Once the
 * samples are right again, stuck clears within a second, garbage within two 1 s windows and the rate within two
 * 2 s windows (the one under way mixes the old rate with the new): well within 5 s.
 *
 * Pure: no I/O, no clock, no event loop. The caller feeds every batch the source gave, with the time it arrived,
 * and reads back what changed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <psoas/psoas.h>

/* Journal message ids for the faults (daemon/psoasd.catalog explains them). Their clearing is logged with
 * MESSAGE_ID_SENSOR_BACK. */
#define MESSAGE_ID_SENSOR_STUCK "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b11"
#define MESSAGE_ID_SENSOR_RATE_MISMATCH "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b12"
#define MESSAGE_ID_SENSOR_GARBAGE "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b13"

#define SENSOR_CHECK_STUCK_USEC (2 * 1000000ll)
/* Relative rate error that raises the rate fault, and the one under which it clears. */
#define SENSOR_CHECK_RATE_TOLERANCE 0.20
#define SENSOR_CHECK_RATE_CLEAR_TOLERANCE 0.10
/* Share of invalid samples in a window that raises the garbage fault, and the one under which it clears. */
#define SENSOR_CHECK_GARBAGE_SHARE 0.50
#define SENSOR_CHECK_GARBAGE_CLEAR_SHARE 0.10

/* The same limits as the manager's: a pelvis on a belt never sees 16 g or 35 rad/s. */
#define SENSOR_CHECK_ACCEL_MAX_MS2 (16.0f * 9.80665f)
#define SENSOR_CHECK_GYRO_MAX_RADS 35.0f

typedef enum SensorFault {
        SENSOR_FAULT_STUCK = 1u << 0,
        SENSOR_FAULT_RATE = 1u << 1,
        SENSOR_FAULT_GARBAGE = 1u << 2,
} SensorFault;

#define SENSOR_FAULTS_ALL (SENSOR_FAULT_STUCK | SENSOR_FAULT_RATE | SENSOR_FAULT_GARBAGE)

typedef struct SensorCheckOptions {
        /* The rate the device was set to (the source's rate_hz); 0 when unknown, as for a replay: no rate check. */
        double expected_rate_hz;
        /* Whether sample times come from the device's clock (IIO timestamp channel, a recording). Then the rate
         * is measured from them; otherwise they were counted from the expected rate and say nothing about it,
         * and the rate is measured from when the batches arrive. */
        bool hardware_timestamps;
} SensorCheckOptions;

typedef struct SensorCheck SensorCheck;

int sensor_check_new(SensorCheck **ret);
SensorCheck *sensor_check_free(SensorCheck *c);

/* Forgets everything: for a sensor that was just (re)opened. All faults are cleared, silently. */
void sensor_check_reset(SensorCheck *c, const SensorCheckOptions *options);

/* Takes one batch: samples[0..n) exactly as the source gave them (invalid ones included; the check counts them),
 * n_dropped scans the source itself dropped since the last call (the growth of Source.samples_invalid), and
 * now_us, the monotonic time the batch arrived (µs). Either count may be 0; a call with both 0 only lets time
 * pass. Returns the faults whose state changed with this batch (raised or cleared: compare with
 * sensor_check_faults()), 0 for none. */
unsigned sensor_check_feed(
        SensorCheck *c, const struct psoas_sample *samples, size_t n, uint64_t n_dropped, uint64_t now_us);

/* The faults present now, a SensorFault mask. */
unsigned sensor_check_faults(const SensorCheck *c);

/* The rate measured over the last complete window in Hz, 0 before the first. */
double sensor_check_measured_rate(const SensorCheck *c);

/* A sentence for the journal on fault's evidence, e.g. "52.4 Hz measured over 2.0 s, 100 Hz expected". Returns
 * buf; an unknown fault gives "". */
const char *sensor_check_describe(const SensorCheck *c, SensorFault fault, char *buf, size_t size);

/* "stuck", "rate-mismatch", "garbage": also the SensorState values the manager shows for them. NULL for anything
 * that is not exactly one fault. */
const char *sensor_fault_to_string(SensorFault fault);

/* The most telling of the faults in mask, for a single state to show: garbage, then stuck, then rate. 0 for an
 * empty mask. */
SensorFault sensor_fault_primary(unsigned mask);

/* Whether a sample is one a body can produce: finite, |accel| <= 16 g, |gyro| <= 35 rad/s. */
bool sensor_sample_valid(const struct psoas_sample *s);
