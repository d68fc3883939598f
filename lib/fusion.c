/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "fusion.h"
#include "macro.h"
#include "vec.h"

/* The parameters. BENCHMARKS.md ("Orientation on BROAD") says what each was chosen on: the first four were
 * fitted on BROAD's development trials, the rest are physical choices or VQF's. */

/* Time constant of the low-pass of the accelerometer in I: long enough that the linear acceleration of handling
 * and walking averages out, short enough that the gyroscope's errors have no time to grow. VQF's is 3 s. */
#define LP_TAU_S 4.0f
/* The share of the low-pass's lag behind a drifting vertical that the trend makes up, reached while turning
 * faster than TREND_RATE_RAD_S (the rotation rate low-passed over ROTATION_TAU_S): the gyroscope's scale errors
 * make the vertical drift across I in proportion to the rotation, while a slow or still sensor's vertical barely
 * drifts and its trend is mostly the noise of linear acceleration. */
#define TREND_SHARE 0.75f
#define TREND_RATE_RAD_S 1.0f
#define ROTATION_TAU_S 1.0f
/* How far the accelerometer's samples lag the gyroscope's (the two sensors' digital low-passes differ): each is
 * moved forward by that much, extrapolated from the last two. Fitted on BROAD's sensor, where it is about 2/3 of
 * a sample at 286 Hz; at a pelvis's rotation rates the error it mends is a fraction of a degree, and a sensor
 * without the lag loses as little by it. */
#define ACC_LAG_S 0.0025f
/* Time constant of learning the bias from the drift in motion, once the bias is known (shorter before). */
#define MOTION_BIAS_TAU_S 30.0f
/* At rest (FUSION_AT_REST) the bias is the mean of the gyroscope over the rest seen, up to this much of it: long
 * enough that the slow sway of a wearer sitting or standing "at rest" averages out of it. Still (FUSION_STILL
 * or at rest), |g| (the accelerometer's own scale) is learned with the same time constant. */
#define REST_BIAS_TAU_S 8.0f
#define GRAVITY_TAU_S 8.0f
/* A whole slow step at rest (still) draws the low-passes to their steady state for the accelerometer within this
 * time: there is no (little) linear acceleration to average out. */
#define REST_SETTLE_S 0.5f
#define STILL_SETTLE_S 1.0f
/* How well the bias is known (rad/s): at power-on (a cheap gyroscope's bias may be 10°/s), after a rest, and
 * after MOTION_BIAS_LEARN_S of learning in motion. While it is worse than BIAS_SIGMA_KNOWN_RAD_S the low-pass's
 * time constant shortens in proportion, down to LP_TAU_MIN_S, so that the vertical keeps up with the drift. */
#define BIAS_SIGMA_START_RAD_S (10.0f * RAD_PER_DEG)
#define BIAS_SIGMA_REST_RAD_S (0.1f * RAD_PER_DEG)
#define BIAS_SIGMA_KNOWN_RAD_S (0.5f * RAD_PER_DEG)
#define MOTION_BIAS_LEARN_S 20.0f
#define LP_TAU_MIN_S 0.5f
/* Samples without a gyroscope reading carry the last rate on for this long, then the accelerometer alone. */
#define MAX_CARRY_S 0.25f
/* A longer gap than this says nothing about the rotation in between: start afresh. */
#define MAX_DT_S 1.0f
/* Accelerometer-only low-pass time constants. */
#define ACC_LP_TAU_STILL_S 0.15f
#define ACC_LP_TAU_MOVING_S 0.8f
/* Rotations per sample above this use the exact exponential; below, the first-order step is exact to
 * well under a microradian. */
#define SMALL_ANGLE_RAD 0.02f
/* I is turned back onto the earth's vertical when its vertical has wandered this far (cosine, about 25°). */
#define REBASE_COS 0.9f
/* The sample interval may jitter by this fraction before the coefficients are made again. */
#define DT_TOLERANCE 0.02f
/* The slow part of the filter runs at about 25 Hz. */
#define SLOW_STEP_S 0.04f
#define SQRT2 1.41421356f

/* The shortest rotation taking the unit vector up onto z; yaw is arbitrary anyway. */
static void quat_from_up(const float up[3], float ret[4]) {
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

void fusion_init(Fusion *f, bool use_gyro) {
        memset(f, 0, sizeof(*f));
        f->use_gyro = use_gyro;
        f->q[0] = 1.0f;
        f->q_i[0] = 1.0f;
        f->up[2] = 1.0f;
        f->up_i[2] = 1.0f;
        f->gravity = STANDARD_GRAVITY;
}

void fusion_reset(Fusion *f) {
        f->initialized = false;
}

/* Second-order Butterworth low-pass with the time constant LP_TAU_S (cut-off √2/(2π τ), as VQF defines it; its lag
 * behind a ramp is then τ), by the bilinear transform: b1 = 2 b0, b2 = b0. */
static void lowpass_coefficients(float dt, float *ret_b0, float *ret_a1, float *ret_a2) {
        float x = dt / (SQRT2 * LP_TAU_S);
        float k = x +
                x * x * x * (1.0f / 3.0f); /* tan x: x < 0.1 at every interval used, within 1e-5 relative */
        float k2 = k * k;
        float norm = 1.0f / (1.0f + SQRT2 * k + k2);
        *ret_b0 = k2 * norm;
        *ret_a1 = 2.0f * (k2 - 1.0f) * norm;
        *ret_a2 = (1.0f - SQRT2 * k + k2) * norm;
}

static void fusion_update_factors(Fusion *f, float dt) {
        f->factors_dt = dt;
        f->lag_factor = ACC_LAG_S / dt;
        f->acc_still_factor = dt / (ACC_LP_TAU_STILL_S + dt);
        f->acc_moving_factor = dt / (ACC_LP_TAU_MOVING_S + dt);
}

/* How well the bias is known sets the time constant: an unknown bias makes the vertical drift across I faster
 * than a long low-pass could follow. */
static float fusion_time_constant(const Fusion *f) {
        return LP_TAU_S * CLAMP(BIAS_SIGMA_KNOWN_RAD_S / f->bias_sigma, LP_TAU_MIN_S / LP_TAU_S, 1.0f);
}

/* The low-passes' coefficients for a slow step of dt, with the time constant tau. */
static void fusion_step_coefficients(float dt, float tau, float *ret_b0, float *ret_a1, float *ret_a2) {
        lowpass_coefficients(dt * (LP_TAU_S / tau), ret_b0, ret_a1, ret_a2);
}

/* Both low-passes' state for a constant input x (transposed direct form II) at the coefficients of a typical
 * slow step: their output is x from the start. */
static void fusion_lowpass_settle(Fusion *f, const float x[3]) {
        float b0, a1, a2;
        fusion_step_coefficients(MAX(SLOW_STEP_S, f->factors_dt), fusion_time_constant(f), &b0, &a1, &a2);
        for (unsigned s = 0; s < 2; s++)
                for (unsigned i = 0; i < 3; i++) {
                        f->lp[s][0][i] = (1.0f - b0) * x[i];
                        f->lp[s][1][i] = (b0 - a2) * x[i];
                }
        memset(f->trend, 0, sizeof(f->trend));
        memset(&f->slow, 0, sizeof(f->slow));
        f->lp_settled = true;
}

/* One step of one low-pass on one axis. */
static inline float lowpass_step(float state[2][3], unsigned i, float x, float b0, float a1, float a2) {
        float y = b0 * x + state[0][i];
        state[0][i] = 2.0f * b0 * x - a1 * y + state[1][i];
        state[1][i] = b0 * x - a2 * y;
        return y;
}

static void fusion_start(Fusion *f, const float acc[3]) {
        float n = vec3_norm(acc);
        if (n < 1.0f)
                return; /* free fall or a dead sensor: wait for a usable sample */
        vec3_copy(f->acc_lp, acc);
        vec3_copy(f->up, acc);
        vec3_scale(f->up, 1.0f / n);
        quat_from_up(f->up, f->q);
        f->q_stale = false;

        /* I starts as the earth frame: the accelerometer seen in it points up. */
        memcpy(f->q_i, f->q, sizeof(f->q_i));
        f->up_i[0] = f->up_i[1] = 0.0f;
        f->up_i[2] = 1.0f;
        f->lp_norm = n;
        f->lp_settled = false; /* settled at the first step, once the coefficients are known */
        f->rotation2 = 0.0f;
        if (!(f->bias_sigma > 0.0f))
                f->bias_sigma = BIAS_SIGMA_START_RAD_S;
        memset(f->omega, 0, sizeof(f->omega));
        f->omega_age_s = 0.0f;
        f->accel_only = !f->use_gyro;
        f->initialized = true;
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
        f->q_stale = true;
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

/* q_i ← q_i ⊗ exp(ω dt / 2). The first-order step needs the angle's square only. */
static void fusion_integrate(Fusion *f, float dt, const float omega[3], float rate2) {
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
        quat_multiply(f->q_i, dq, q);
        memcpy(f->q_i, q, sizeof(q)); /* renormalised in the slow step: each step leaves it within 1e-7 */
}

/* Turns I back so that its vertical is the earth's again, and the low-passes' state with it: keeps up_i near z,
 * far from the one direction the shortest rotation onto z is undefined for. Rare: I drifts only as fast as the
 * gyroscope's errors. */
static void fusion_rebase(Fusion *f) {
        float r[4], q[4];
        quat_from_up(f->up_i, r);
        quat_multiply(r, f->q_i, q);
        quat_renormalize(q);
        memcpy(f->q_i, q, sizeof(q));
        for (unsigned s = 0; s < 2; s++)
                for (unsigned k = 0; k < 2; k++) {
                        float v[3];
                        quat_rotate(r, f->lp[s][k], v);
                        vec3_copy(f->lp[s][k], v);
                }
        float v[3];
        quat_rotate(r, f->trend, v);
        vec3_copy(f->trend, v);
        quat_rotate(r, f->slow.acc_dt, v);
        vec3_copy(f->slow.acc_dt, v);
        f->up_i[0] = f->up_i[1] = 0.0f;
        f->up_i[2] = 1.0f;
}

/* What changes slowly runs at about 1/SLOW_STEP_S from the sums of the samples since the last time: both
 * low-passes (the mean of the accelerometer in I over the step is their input: a moving average, whose zeros at
 * the step's harmonics keep vibration from aliasing onto the vertical), the rotation rate, the bias and the
 * quaternion's renormalisation. The orientation itself moves on every sample with the gyroscope. */
static void fusion_slow_step(Fusion *f) {
        float dt = f->slow.dt, rest_dt = f->slow.rest_dt, motion_dt = dt - rest_dt;
        bool still = f->slow.still_dt >= dt;
        /* The mean of the accelerometer in I over the step. A mean under 1 m/s² (free fall, a dead
         * accelerometer) carries no direction: the low-passes then hold where they were. */
        float x[3];
        for (unsigned i = 0; i < 3; i++)
                x[i] = f->slow.acc_dt[i] / dt;
        float x_norm = vec3_norm(x);
        bool usable = x_norm >= 1.0f;

        float tau = fusion_time_constant(f), b0, a1, a2;
        fusion_step_coefficients(dt, tau, &b0, &a1, &a2);
        if (usable && still) {
                /* A whole step still: the accelerometer has little linear acceleration to average out, so both
                 * low-passes are drawn towards their steady state for it within REST_SETTLE_S (at rest) or
                 * STILL_SETTLE_S (still: quiet sway may be left). */
                float alpha = dt / ((motion_dt <= 0.0f ? REST_SETTLE_S : STILL_SETTLE_S) + dt);
                for (unsigned k = 0; k < 2; k++)
                        for (unsigned i = 0; i < 3; i++) {
                                f->lp[k][0][i] += alpha * ((1.0f - b0) * x[i] - f->lp[k][0][i]);
                                f->lp[k][1][i] += alpha * ((b0 - a2) * x[i] - f->lp[k][1][i]);
                        }
        }
        if (usable) {
                /* The share of the trend made up follows the rotation rate as of the last step. */
                float share =
                        TREND_SHARE * f->rotation2 / (f->rotation2 + TREND_RATE_RAD_S * TREND_RATE_RAD_S);
                float v[3];
                for (unsigned i = 0; i < 3; i++) {
                        float y1 = lowpass_step(f->lp[0], i, x[i], b0, a1, a2);
                        float y2 = lowpass_step(f->lp[1], i, y1, b0, a1, a2);
                        f->trend[i] = y1 - y2;
                        v[i] = y1 + share * f->trend[i];
                }
                float n = vec3_norm(v);
                if (n > 1.0f) {
                        f->lp_norm = n;
                        vec3_scale(v, 1.0f / n);
                        vec3_copy(f->up_i, v);
                }
                if (f->up_i[2] < REBASE_COS)
                        fusion_rebase(f);
        }

        float mean_rate2 = f->slow.rate2_dt / dt;
        f->rotation2 += dt / (ROTATION_TAU_S + dt) * (mean_rate2 - f->rotation2);

        quat_renormalize(f->q_i);

        if (rest_dt > 0.0f) {
                /* At rest the gyroscope reads its bias: the mean of all the rest seen until there is
                 * REST_BIAS_TAU_S of it, then a moving mean. */
                f->rest_seen_s = MIN(f->rest_seen_s + rest_dt, REST_BIAS_TAU_S);
                float beta = rest_dt / f->rest_seen_s;
                for (unsigned i = 0; i < 3; i++)
                        f->bias[i] += beta * (f->slow.rest_gyro[i] / rest_dt - f->bias[i]);
                f->bias_sigma -= beta * (f->bias_sigma - BIAS_SIGMA_REST_RAD_S);
        }
        if (usable && still) {
                /* Still, the accelerometer reads |g| in its own scale (no need for the gyroscope to be quiet). */
                float beta = dt / (GRAVITY_TAU_S + dt);
                f->gravity += beta * (x_norm - f->gravity);
        }
        if (motion_dt > 0.0f) {
                /* In motion the vertical drifting across I at the rate trend/τ is the bias's remaining error seen
                 * through the accelerometer: up × drift is the part of that error about the horizontal axes (the
                 * part about the vertical turns nothing that matters). */
                float e_i[3], e[3];
                vec3_cross(f->up_i, f->trend, e_i);
                quat_rotate_inverse(f->q_i, e_i, e);
                vec3_axpy(f->bias, motion_dt / (MOTION_BIAS_TAU_S * (tau / LP_TAU_S) * tau * f->lp_norm), e);
                f->bias_sigma -= motion_dt / (MOTION_BIAS_LEARN_S + motion_dt) *
                        (f->bias_sigma - BIAS_SIGMA_KNOWN_RAD_S);
        }
        memset(&f->slow, 0, sizeof(f->slow));
}

static void fusion_update_gyro(
        Fusion *f, float dt, const float acc[3], const float gyro[3], FusionMotion motion) {
        if (!f->lp_settled) {
                const float a_i0[3] = { 0.0f, 0.0f, f->lp_norm };
                fusion_lowpass_settle(f, a_i0);
        }

        float omega[3] = { gyro[0] - f->bias[0], gyro[1] - f->bias[1], gyro[2] - f->bias[2] };
        float rate2 = vec3_dot(omega, omega);
        vec3_copy(f->omega, omega);
        fusion_integrate(f, dt, omega, rate2);

        /* The accelerometer, moved forward by its lag behind the gyroscope (extrapolated from the last two
         * samples), in I, summed for the slow step. */
        const float lag = f->lag_factor;
        const float x0 = acc[0], x1 = acc[1], x2 = acc[2];
        const float lead[3] = { x0 + lag * (x0 - f->acc_prev[0]), x1 + lag * (x1 - f->acc_prev[1]),
                x2 + lag * (x2 - f->acc_prev[2]) };
        float a_i[3];
        f->acc_prev[0] = x0;
        f->acc_prev[1] = x1;
        f->acc_prev[2] = x2;
        quat_rotate(f->q_i, lead, a_i);
        vec3_axpy(f->slow.acc_dt, dt, a_i);

        quat_rotate_inverse(f->q_i, f->up_i, f->up);
        f->q_stale = true;

        f->slow.dt += dt;
        f->slow.rate2_dt += rate2 * dt;
        if (motion != FUSION_MOVING) {
                f->slow.still_dt += dt;
                if (motion == FUSION_AT_REST) {
                        f->slow.rest_dt += dt;
                        vec3_axpy(f->slow.rest_gyro, dt, gyro);
                }
        }
        if (f->slow.dt >= SLOW_STEP_S)
                fusion_slow_step(f);
}

/* From the gyroscope's filter to the accelerometer's: it goes on from the last vertical. */
static void fusion_enter_accel_only(Fusion *f) {
        if (f->accel_only)
                return;
        vec3_copy(f->acc_lp, f->up);
        vec3_scale(f->acc_lp, f->lp_norm);
        f->accel_only = true;
}

void fusion_update(Fusion *f, float dt, const float acc[3], const float *gyro, FusionMotion motion) {
        if (dt > MAX_DT_S)
                f->initialized = false;
        if (dt != f->factors_dt && dt > 0.0f && fabsf(dt - f->factors_dt) > DT_TOLERANCE * f->factors_dt)
                fusion_update_factors(f, dt);
        if (!f->initialized) {
                fusion_start(f, acc);
                return;
        }
        if (!(dt > 0.0f))
                return;

        if (f->use_gyro && gyro) {
                if (f->accel_only) {
                        /* Readings are back: the gyroscope's filter starts from where the accelerometer's got. */
                        fusion_start(f, f->acc_lp);
                }
                f->omega_age_s = 0.0f;
                fusion_update_gyro(f, dt, acc, gyro, motion);
                return;
        }
        if (f->use_gyro) {
                /* No reading in this sample: a short run carries the last rate on; after a longer one the
                 * accelerometer alone goes on from the last vertical, until readings come back. */
                f->omega_age_s += dt;
                if (!f->accel_only && f->omega_age_s <= MAX_CARRY_S) {
                        float carried[3];
                        for (unsigned i = 0; i < 3; i++)
                                carried[i] = f->omega[i] + f->bias[i];
                        fusion_update_gyro(f, dt, acc, carried, FUSION_MOVING);
                        return;
                }
        }
        fusion_enter_accel_only(f);
        fusion_update_accel_only(f, acc, motion != FUSION_MOVING);
}

/* The quaternion the filter's state gives, whether q lags behind it or not. */
static void fusion_compute_quat(const Fusion *f, float ret[4]) {
        if (f->accel_only) {
                quat_from_up(f->up, ret);
        } else {
                float r[4];
                quat_from_up(f->up_i, r);
                quat_multiply(r, f->q_i, ret);
        }
}

void fusion_sync_quat(Fusion *f) {
        if (!f->q_stale)
                return;
        fusion_compute_quat(f, f->q);
        f->q_stale = false;
}

void fusion_quat(const Fusion *f, float ret[4]) {
        if (f->q_stale)
                fusion_compute_quat(f, ret);
        else
                memcpy(ret, f->q, sizeof(f->q));
}

float fusion_vertical_acceleration(const Fusion *f, const float acc[3]) {
        return vec3_dot(acc, f->up) - f->gravity;
}
