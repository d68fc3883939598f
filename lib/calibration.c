/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "calibration.h"
#include "macro.h"
#include "vec.h"

/* A window the wearer names as standing may contain shifted feet and fidgets: over seconds those average out of
 * the mean specific force. Only walking-level motion in a good part of it makes it useless. */
#define WINDOW_MOVING_RMS 1.2f
#define WINDOW_MAX_MOVING_FRACTION 0.2
#define WINDOW_MIN_US 1000000

void calibrator_init(Calibrator *c) {
        memset(c, 0, sizeof(*c));
}

static void calibrator_clear_sums(Calibrator *c) {
        memset(c->acc_sum, 0, sizeof(c->acc_sum));
        memset(c->gyro_sum, 0, sizeof(c->gyro_sum));
        c->n = c->n_gyro = c->n_moving = 0;
}

int calibrator_start(Calibrator *c, float still_s, float timeout_s) {
        if (c->mode != CALIBRATOR_IDLE)
                return -EBUSY;
        calibrator_init(c);
        c->mode = CALIBRATOR_AUTO;
        c->still_s = still_s;
        c->timeout_s = timeout_s;
        return 0;
}

int calibrator_start_window(Calibrator *c, int64_t start_us, int64_t end_us) {
        if (c->mode != CALIBRATOR_IDLE)
                return -EBUSY;
        if (end_us <= start_us)
                return -EINVAL;
        calibrator_init(c);
        c->mode = CALIBRATOR_WINDOW;
        c->start_us = start_us;
        c->end_us = end_us;
        return 0;
}

void calibrator_cancel(Calibrator *c) {
        c->mode = CALIBRATOR_IDLE;
}

bool calibrator_running(const Calibrator *c) {
        return c->mode != CALIBRATOR_IDLE;
}

static void calibrator_add(Calibrator *c, const float acc[3], const float *gyro) {
        for (unsigned i = 0; i < 3; i++)
                c->acc_sum[i] += acc[i];
        c->n++;
        if (gyro) {
                for (unsigned i = 0; i < 3; i++)
                        c->gyro_sum[i] += gyro[i];
                c->n_gyro++;
        }
}

static bool calibrator_finish(Calibrator *c, float ret_up[3], float ret_gyro_bias[3], bool *ret_has_bias) {
        float up[3] = { (float)(c->acc_sum[0] / c->n), (float)(c->acc_sum[1] / c->n),
                (float)(c->acc_sum[2] / c->n) };
        if (vec3_normalize(up) < 1.0f)
                return false;
        vec3_copy(ret_up, up);
        *ret_has_bias = c->n_gyro > 0;
        for (unsigned i = 0; i < 3; i++)
                ret_gyro_bias[i] = c->n_gyro > 0 ? (float)(c->gyro_sum[i] / c->n_gyro) : 0.0f;
        c->mode = CALIBRATOR_IDLE;
        return true;
}

CalibratorResult calibrator_update(Calibrator *c, int64_t t_us, const float acc[3], const float *gyro,
        bool still, float energy, float ret_up[3], float ret_gyro_bias[3], bool *ret_has_bias,
        enum psoas_calibration_error *ret_error) {

        switch (c->mode) {
        case CALIBRATOR_IDLE:
                return CALIBRATOR_PENDING;

        case CALIBRATOR_AUTO:
                if (!c->started) {
                        c->started = true;
                        c->start_us = t_us;
                }
                if (!still) {
                        calibrator_clear_sums(c);
                } else {
                        if (c->n == 0)
                                c->run_start_us = t_us;
                        calibrator_add(c, acc, gyro);
                        if ((double)(t_us - c->run_start_us) >= c->still_s * (double)US_PER_SEC &&
                                calibrator_finish(c, ret_up, ret_gyro_bias, ret_has_bias))
                                return CALIBRATOR_DONE;
                }
                if ((double)(t_us - c->start_us) >= c->timeout_s * (double)US_PER_SEC) {
                        c->mode = CALIBRATOR_IDLE;
                        *ret_error = PSOAS_CALIBRATION_MOVING;
                        return CALIBRATOR_FAILED;
                }
                return CALIBRATOR_PENDING;

        case CALIBRATOR_WINDOW:
                if (t_us < c->start_us)
                        return CALIBRATOR_PENDING;
                if (t_us <= c->end_us) {
                        if (c->n == 0)
                                c->run_start_us = t_us;
                        c->last_us = t_us;
                        calibrator_add(c, acc, gyro);
                        if (energy > WINDOW_MOVING_RMS)
                                c->n_moving++;
                        return CALIBRATOR_PENDING;
                }
                /* The first sample after the window: judge it. */
                c->mode = CALIBRATOR_IDLE;
                if (c->n == 0 || c->last_us - c->run_start_us < WINDOW_MIN_US) {
                        *ret_error = PSOAS_CALIBRATION_WINDOW_SHORT;
                        return CALIBRATOR_FAILED;
                }
                if (c->n_moving > WINDOW_MAX_MOVING_FRACTION * c->n) {
                        *ret_error = PSOAS_CALIBRATION_MOVING;
                        return CALIBRATOR_FAILED;
                }
                c->mode = CALIBRATOR_WINDOW;
                if (!calibrator_finish(c, ret_up, ret_gyro_bias, ret_has_bias)) {
                        c->mode = CALIBRATOR_IDLE;
                        *ret_error = PSOAS_CALIBRATION_MOVING;
                        return CALIBRATOR_FAILED;
                }
                return CALIBRATOR_DONE;
        }
        return CALIBRATOR_PENDING;
}

float calibration_neutral_inclination(const float up[3], bool forward_known, const float forward[3]) {
        /* The sensor axis nearest the body's vertical stands for the pelvis segment. */
        unsigned best = 0;
        for (unsigned i = 1; i < 3; i++)
                if (fabsf(up[i]) > fabsf(up[best]))
                        best = i;
        float axis[3] = { 0.0f, 0.0f, 0.0f };
        axis[best] = up[best] >= 0.0f ? 1.0f : -1.0f;

        if (!forward_known)
                return vec3_angle(axis, up) * DEG_PER_RAD;
        /* An axis at anterior angle α from vertical is cos α·up + sin α·forward. */
        return atan2f(vec3_dot(axis, forward), vec3_dot(axis, up)) * DEG_PER_RAD;
}
