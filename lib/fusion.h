/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Orientation of the sensor relative to gravity.
 *
 * With a gyroscope the orientation is split in two, after the principle of VQF (Laidig & Seel, Information
 * Fusion 91, 2023):
 *   - q_i, the gyroscope's strapdown integral: the sensor's orientation relative to an "almost inertial" frame I
 *     that drifts only as slowly as the gyroscope's remaining errors;
 *   - up_i, the vertical seen in that frame: the accelerometer rotated into I and low-passed there. In I the
 *     wearer's linear acceleration (a step, a sit-down, a bump) integrates to a change of velocity and position
 *     and averages out within seconds whatever the sensor does meanwhile, while gravity stays put; so the
 *     accelerometer can be trusted on long averages without lagging behind fast rotations, which the gyroscope
 *     carries.
 * The orientation is q_i followed by the shortest rotation taking up_i onto the earth's vertical.
 *
 * Where it goes beyond VQF:
 *   - the low-pass runs twice, and their difference (how far the vertical moved across I over one time constant:
 *     the drift of the gyroscope's errors) makes up most of the low-pass's lag while the sensor turns, when the
 *     gyroscope's scale errors make the vertical drift fastest;
 *   - the same drift, turned back into the sensor's frame, is the bias the gyroscope still has: an integral term
 *     learns it in motion, without any rest;
 *   - the accelerometer's samples are moved forward by the lag of its digital filter behind the gyroscope's;
 *   - until the bias is known (at power-on a cheap gyroscope's may be 10°/s) the time constant is shorter, so that
 *     the vertical keeps up with the drift;
 *   - at rest the low-passes settle on the accelerometer within half a second;
 *   - what changes slowly (both low-passes, the bias, the rotation rate) runs at 25 Hz on the means of the samples
 *     since, which keeps the cost of a sample low; the orientation itself moves with every sample.
 * At rest (the engine's motion detector: the gyroscope's output barely fluctuates and the accelerometer's holds)
 * the bias is the gyroscope's own mean. Still, |g| is the accelerometer's.
 *
 * Without a gyroscope: "up" is the low-passed accelerometer, with a longer time constant while moving.
 */

#include <stdbool.h>

/* What the engine's motion detector says of the sample. */
typedef enum FusionMotion {
        FUSION_MOVING,
        /* The wearer is still: |g| is learned, the low-passes settle on the accelerometer within a second, and the
         * accelerometer-only filter's time constant is the short one. */
        FUSION_STILL,
        FUSION_AT_REST, /* still, and the gyroscope so quiet for long enough that it reads its bias */
} FusionMotion;

typedef struct Fusion {
        bool use_gyro;
        bool initialized;
        float q[4]; /* sensor to earth, w x y z: brought up to date by fusion_sync_quat() */
        bool q_stale; /* q lags behind the filter's state */
        float bias[3]; /* gyroscope bias, rad/s */
        float up[3]; /* earth up in the sensor frame (unit), up to date after every sample */
        float gravity; /* |a| learned while still: absorbs the accelerometer's scale error */

        /* With a gyroscope. */
        float q_i[4]; /* sensor to the almost-inertial frame I */
        /* The two low-passes of the accelerometer in I: second-order Butterworth states. */
        float lp[2][2][3];
        float up_i[3]; /* earth up in I (unit) */
        float lp_norm; /* the low-pass's length, about |g| */
        float trend[3]; /* how far the vertical moved across I in one time constant (m/s²) */
        float rotation2; /* the squared rotation rate, low-passed (rad²/s²) */
        float bias_sigma; /* how well the bias is known (rad/s): sets the low-pass's time constant */
        float rest_seen_s; /* how much rest the bias has been learned from, up to its time constant */
        float acc_prev[3]; /* the last sample: the accelerometer's lag is made up from the change since */
        /* Sums since the slow part of the filter last ran. */
        struct {
                float dt, rate2_dt;
                float acc_dt[3]; /* the accelerometer in I, times the interval */
                float still_dt, rest_dt; /* how long still, at rest */
                float rest_gyro[3]; /* the gyroscope at rest, times the interval */
        } slow;
        float omega[3]; /* the last bias-corrected rate: carries a short run of samples without a reading */
        float omega_age_s; /* how long ago that reading was */
        bool lp_settled; /* the low-passes hold their steady state for the first sample */
        bool accel_only; /* up (and q) come from the accelerometer-only filter: no gyroscope reading lately */

        /* Without a gyroscope: the low-passed specific force. */
        float acc_lp[3];

        /* Factors for the sample interval factors_dt. */
        float factors_dt;
        float lag_factor, acc_still_factor, acc_moving_factor;
} Fusion;

void fusion_init(Fusion *f, bool use_gyro);
/* Forget the orientation (after a gap): the next sample re-initialises from the accelerometer. Keeps the bias. */
void fusion_reset(Fusion *f);
/* gyro may be NULL (no gyroscope in this sample: for up to 0.25 s the last rate carries on, then the
 * accelerometer-only filter takes over until readings come back). A gap longer than a second starts afresh from
 * the accelerometer. */
void fusion_update(Fusion *f, float dt, const float acc[3], const float *gyro, FusionMotion motion);
/* Brings q up to date with the filter's state. */
void fusion_sync_quat(Fusion *f);
/* The same quaternion, into ret, leaving the filter as it is (for a const engine). */
void fusion_quat(const Fusion *f, float ret[4]);
/* Vertical specific force minus gravity in the earth frame (m/s², positive up): the wearer's vertical
 * acceleration, valid with a gyroscope. */
float fusion_vertical_acceleration(const Fusion *f, const float acc[3]);
