/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Orientation of the sensor relative to gravity.
 *
 * With a gyroscope: a complementary filter on the unit quaternion (Mahony's explicit complementary filter). The
 * gyroscope is integrated; the accelerometer pulls the estimated "up" towards the measured specific force with
 * a gain that is high when the wearer is still and low, weighted by how far |a| is from 1 g, while moving, so
 * walking, sitting down and bumps do not drag the estimate. The gyroscope bias is learned directly while still
 * and through the integral term while moving.
 *
 * Without a gyroscope: "up" is the low-passed accelerometer, with a longer time constant while moving.
 */

#include <stdbool.h>

typedef struct Fusion {
        bool use_gyro;
        bool initialized;
        float q[4]; /* sensor to earth, w x y z */
        float bias[3]; /* gyroscope bias, rad/s */
        float up[3]; /* earth up in the sensor frame (unit), kept in step with q */
        float acc_lp[3]; /* accelerometer-only mode: low-passed specific force */
        float gravity; /* |a| learned while still: absorbs the accelerometer's scale error */
        bool q_from_up; /* accelerometer-only: q is out of date, fusion_sync_quat() derives it from up */
        /* Smoothing factors for the sample interval factors_dt. */
        float factors_dt;
        float bias_factor, acc_still_factor, acc_moving_factor;
} Fusion;

void fusion_init(Fusion *f, bool use_gyro);
/* Forget the orientation (after a gap): the next sample re-initialises from the accelerometer. Keeps the bias. */
void fusion_reset(Fusion *f);
/* gyro may be NULL (no gyroscope in this sample). still: the wearer is at rest (from the motion detector). */
void fusion_update(Fusion *f, float dt, const float acc[3], const float *gyro, bool still);
/* Brings q up to date with up when the accelerometer-only filter left it behind. */
void fusion_sync_quat(Fusion *f);
/* Vertical specific force minus gravity in the earth frame (m/s², positive up): the wearer's vertical
 * acceleration, valid with a gyroscope. */
float fusion_vertical_acceleration(const Fusion *f, const float acc[3]);
