/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Capturing the neutral standing posture: the mean specific force over a few seconds of stillness is the body's
 * vertical in the sensor frame, and the mean gyroscope reading is its bias.
 */

#include <stdbool.h>
#include <stdint.h>

#include "psoas/psoas.h"

typedef enum CalibratorMode {
        CALIBRATOR_IDLE,
        CALIBRATOR_AUTO, /* wait for enough stillness, up to a timeout */
        CALIBRATOR_WINDOW, /* exactly the samples of a window */
} CalibratorMode;

typedef struct Calibrator {
        CalibratorMode mode;
        float still_s;
        float timeout_s;
        int64_t start_us; /* AUTO: when it began (first sample); WINDOW: window start */
        int64_t end_us; /* WINDOW only */
        bool started;

        /* The current run of stillness (AUTO) or the window's still samples (WINDOW). */
        double acc_sum[3];
        double gyro_sum[3];
        uint32_t n;
        uint32_t n_gyro;
        uint32_t n_moving; /* WINDOW: samples with walking-level motion */
        int64_t run_start_us;
        int64_t last_us;
} Calibrator;

typedef enum CalibratorResult {
        CALIBRATOR_PENDING,
        CALIBRATOR_DONE,
        CALIBRATOR_FAILED,
} CalibratorResult;

void calibrator_init(Calibrator *c);
int calibrator_start(Calibrator *c, float still_s, float timeout_s);
int calibrator_start_window(Calibrator *c, int64_t start_us, int64_t end_us);
void calibrator_cancel(Calibrator *c);
bool calibrator_running(const Calibrator *c);

/* One sample; still and energy (the RMS of the dynamic acceleration) come from the motion detector. On CALIBRATOR_DONE ret_up (unit) and ret_gyro_bias (when ret_has_bias) are set; on
 * CALIBRATOR_FAILED *ret_error says why. */
CalibratorResult calibrator_update(Calibrator *c, int64_t t_us, const float acc[3], const float *gyro,
        bool still, float energy, float ret_up[3], float ret_gyro_bias[3], bool *ret_has_bias,
        enum psoas_calibration_error *ret_error);

/* The signed sagittal angle of the sensor axis nearest the vertical, in degrees: see struct psoas_state. */
float calibration_neutral_inclination(const float up[3], bool forward_known, const float forward[3]);
