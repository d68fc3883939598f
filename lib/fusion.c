/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "fusion.h"
#include "macro.h"
#include "vec.h"

/* Accelerometer gain (rad/s per unit of error): still, converge within a fraction of a second so a posture
 * change is tracked as soon as the wearer settles; moving, a time constant of several seconds, so linear
 * acceleration averages out. */
#define KP_STILL 2.5f
#define KP_MOVING 0.25f
/* Integral gain for the bias while moving: slow, because walking makes the error noisy. */
#define KI_MOVING 0.01f
/* Time constant of the direct bias estimate while still: long enough that the slow sway of someone sitting
 * or standing "still" averages out of it. */
#define BIAS_TAU_S 8.0f
/* |a| off 1 g by this much halves the accelerometer's weight. */
#define ACC_MAGNITUDE_SCALE 1.0f
/* Accelerometer-only low-pass time constants. */
#define ACC_LP_TAU_STILL_S 0.15f
#define ACC_LP_TAU_MOVING_S 0.8f
/* Rotations per sample above this use the exact exponential; below, the first-order step is exact to
 * well under a microradian. */
#define SMALL_ANGLE_RAD 0.02f

static void quat_from_up(const float up[3], float ret[4]) {
        /* The shortest rotation taking the sensor-frame up vector onto earth z; yaw is arbitrary anyway. */
        float c = up[2];
        if (c < -0.999999f) {
                ret[0] = 0.0f;
                ret[1] = 1.0f;
                ret[2] = 0.0f;
                ret[3] = 0.0f;
                return;
        }
        /* axis = up × z = (up_y, -up_x, 0) */
        ret[0] = 1.0f + c;
        ret[1] = up[1];
        ret[2] = -up[0];
        ret[3] = 0.0f;
        quat_normalize(ret);
}

static void up_from_quat(const float q[4], float ret[3]) {
        /* Third row of the rotation matrix: earth z in sensor coordinates. */
        ret[0] = 2.0f * (q[1] * q[3] - q[0] * q[2]);
        ret[1] = 2.0f * (q[2] * q[3] + q[0] * q[1]);
        ret[2] = q[0] * q[0] - q[1] * q[1] - q[2] * q[2] + q[3] * q[3];
}

void fusion_init(Fusion *f, bool use_gyro) {
        memset(f, 0, sizeof(*f));
        f->use_gyro = use_gyro;
        f->q[0] = 1.0f;
        f->up[2] = 1.0f;
        f->gravity = STANDARD_GRAVITY;
}

void fusion_reset(Fusion *f) {
        f->initialized = false;
}

static void fusion_start(Fusion *f, const float acc[3]) {
        float n = vec3_norm(acc);
        if (n < 1.0f)
                return; /* free fall or a dead sensor: wait for a usable sample */
        vec3_copy(f->acc_lp, acc);
        vec3_copy(f->up, acc);
        vec3_scale(f->up, 1.0f / n);
        quat_from_up(f->up, f->q);
        f->q_from_up = false;
        f->initialized = true;
}

/* The smoothing factors depend on the sample interval only, which is mostly the same from sample to sample:
 * they are computed again when it changes. */
static void fusion_update_factors(Fusion *f, float dt) {
        f->factors_dt = dt;
        f->bias_factor = dt / (BIAS_TAU_S + dt);
        f->acc_still_factor = dt / (ACC_LP_TAU_STILL_S + dt);
        f->acc_moving_factor = dt / (ACC_LP_TAU_MOVING_S + dt);
}

static void fusion_update_accel_only(Fusion *f, const float acc[3], bool still) {
        float alpha = still ? f->acc_still_factor : f->acc_moving_factor;

        for (unsigned i = 0; i < 3; i++)
                f->acc_lp[i] += alpha * (acc[i] - f->acc_lp[i]);
        float up[3];
        vec3_copy(up, f->acc_lp);
        if (vec3_normalize(up) < 1.0f)
                return;
        vec3_copy(f->up, up);
        /* The quaternion is wanted only when the state is read: it follows "up" then. */
        f->q_from_up = true;
}

/* Renormalises a quaternion that a step left within rounding of unit length (both factors are unit): one
 * Newton step for 1/√n² from 1 is then exact to float precision, and keeps a square root and a division off the
 * filter's chain of dependent operations. Anything further off is normalised exactly. */
static void quat_renormalize(float q[4]) {
        float n2 = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3];
        if (!(fabsf(n2 - 1.0f) < 1e-4f)) {
                quat_normalize(q);
                return;
        }
        float s = 1.5f - 0.5f * n2;
        for (unsigned i = 0; i < 4; i++)
                q[i] *= s;
}

void fusion_update(Fusion *f, float dt, const float acc[3], const float *gyro, bool still) {
        if (!f->initialized) {
                fusion_start(f, acc);
                return;
        }
        if (dt != f->factors_dt)
                fusion_update_factors(f, dt);
        if (!f->use_gyro || !gyro) {
                fusion_update_accel_only(f, acc, still);
                return;
        }
        if (f->q_from_up)
                fusion_sync_quat(f);

        float omega[3] = { gyro[0] - f->bias[0], gyro[1] - f->bias[1], gyro[2] - f->bias[2] };
        float a_norm2 = vec3_dot(acc, acc);

        if (a_norm2 > 1.0f) {
                float a_norm = sqrtf(a_norm2);
                float error[3];
                /* The rotation rate that turns the estimate towards the measurement: a/|a| × up. */
                vec3_cross(acc, f->up, error);
                vec3_scale(error, 1.0f / a_norm);

                float kp;
                if (still) {
                        kp = KP_STILL;
                        /* At rest the gyroscope reads its bias: learn it directly. */
                        float beta = f->bias_factor;
                        for (unsigned i = 0; i < 3; i++)
                                f->bias[i] += beta * (gyro[i] - f->bias[i]);
                        f->gravity += beta * (a_norm - f->gravity);
                } else {
                        float d = (a_norm - f->gravity) / ACC_MAGNITUDE_SCALE;
                        float weight = 1.0f / (1.0f + d * d);
                        kp = KP_MOVING * weight;
                        for (unsigned i = 0; i < 3; i++)
                                f->bias[i] -= KI_MOVING * weight * error[i] * dt;
                }
                vec3_axpy(omega, kp, error);
        }

        /* q ← q ⊗ exp(ω dt / 2). The first-order step needs the angle's square only. */
        float rate2 = vec3_dot(omega, omega);
        float angle2 = rate2 * dt * dt;
        float dq[4];
        if (angle2 < SMALL_ANGLE_RAD * SMALL_ANGLE_RAD) {
                float h = 0.5f * dt;
                dq[0] = 1.0f - angle2 * 0.125f;
                dq[1] = omega[0] * h;
                dq[2] = omega[1] * h;
                dq[3] = omega[2] * h;
        } else {
                float rate = sqrtf(rate2);
                float s = sinf(0.5f * rate * dt) / rate;
                dq[0] = cosf(0.5f * rate * dt);
                dq[1] = omega[0] * s;
                dq[2] = omega[1] * s;
                dq[3] = omega[2] * s;
        }
        float q[4];
        quat_multiply(f->q, dq, q);
        quat_renormalize(q);
        memcpy(f->q, q, sizeof(q));
        up_from_quat(f->q, f->up);
}

void fusion_sync_quat(Fusion *f) {
        if (!f->q_from_up)
                return;
        quat_from_up(f->up, f->q);
        f->q_from_up = false;
}

float fusion_vertical_acceleration(const Fusion *f, const float acc[3]) {
        return vec3_dot(acc, f->up) - f->gravity;
}
