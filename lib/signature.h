/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Pelvic signatures: what a pelvis-worn IMU sees of a stretch or an exercise, so that a prompted stretch is
 * confirmed only when its own signature was seen, never for plain standing.
 *
 * StretchSense turns each sample into a few features relative to the wearer's calibrated standing posture:
 *   - the earth's vertical in the body frame (U: the body's up at neutral standing, F: forward, L = U x F:
 *     left), low-passed; from it the pitch (positive anterior, as the tilt), the roll, and the rotations
 *     that the floor exercises rock about (bridge, clamshell, bird-dog);
 *   - the sway: the RMS of the high-passed angular rate. Balancing on the feet or the knees sways; a seated or
 *     lying pelvis rests on its support. High-passed, a gyroscope bias of several °/s drops out;
 *   - the pelvis's height relative to standing, from the earth-frame vertical acceleration integrated twice over
 *     each movement (see sense_height()), and set back to 0 after two seconds of walking (one is on one's feet).
 *     A better estimator can supply it through stretch_sense_set_height(); without a gyroscope there is no
 *     vertical acceleration and no height;
 *   - walking, from the posture classifier's step detector.
 *
 * SignatureTracker follows one prompted stretch: a hold timer per side that runs only while the signature
 * holds, or a repetition counter per side; see signature_tracker_update().
 */

#include <stdbool.h>
#include <stdint.h>

#include "psoas/psoas.h"

typedef struct StretchSense {
        bool valid; /* calibrated with a known forward direction: the body frame is known */
        bool has_gyro;
        float body[3]; /* earth up in the body frame (U, F, L), low-passed, unit length */
        float pitch_deg; /* anterior tilt relative to neutral standing (posterior negative) */
        float roll_deg; /* to the left (the right hip drops) positive, upright postures */

        float rate_fast[3]; /* angular rate without the noise */
        float rate_lp[3]; /* and low-passed: the high-pass subtracts it */
        float sway_var; /* low-passed squared high-passed rate, rad²/s² */

        bool height_external; /* the height is set by stretch_sense_set_height() */
        bool height_valid;
        float height_m; /* pelvis height relative to standing, negative lower, as of the last episode */
        float height_now_m; /* and now, with the episode in progress */
        bool episode; /* in a movement episode */
        float velocity_mps, episode_m, episode_s, quiet_s;
        float walk_s; /* walking for this long */

        bool walking;
        bool on_feet_seen; /* standing height seen since stretch_sense_mark() */
} StretchSense;

void stretch_sense_init(StretchSense *s);
/* up: earth's up in the sensor frame; up0, forward: the calibration (NULL when not calibrated or the forward
 * direction is unknown); rate: bias-corrected angular rate (NULL without a gyroscope); vertical_acc: earth-frame
 * vertical acceleration (m/s², up); walking: steps. */
void stretch_sense_update(StretchSense *s, float dt, const float up[3], const float *up0,
        const float *forward, const float *rate, float vertical_acc, bool walking);
/* A height estimate from elsewhere (metres relative to standing): replaces the built-in integration. */
void stretch_sense_set_height(StretchSense *s, bool valid, float height_m);
/* Forget on_feet_seen (at a prompt). */
void stretch_sense_mark(StretchSense *s);
float stretch_sense_sway_dps(const StretchSense *s);

/* Whether check has a signature at all: NONE and the legacy UPRIGHT and FLOOR (a posture alone) do not. */
bool signature_exists(enum psoas_stretch_check check);
/* Whether the signature counts repetitions (otherwise it is a hold). */
bool signature_counts_reps(enum psoas_stretch_check check);

typedef struct SignatureTracker {
        enum psoas_stretch_check check;
        bool per_side;
        uint32_t hold_s; /* seconds to hold per side, 0 for reps */
        uint32_t reps; /* repetitions per side, 0 for holds */

        uint32_t side; /* 0 or 1: the side being held (holds: in order; reps: which way the pelvis faces) */
        double held_s[2];
        uint32_t count[2];
        double lost_s; /* how long the signature has been lost */
        bool side_done[2];
        double seen_s; /* total time the signature held, for "partial" */

        /* Repetitions: in the position; the rocking angle's slow baseline; up in a repetition. */
        bool in_position;
        bool baseline_set;
        float baseline_deg;
        int phase; /* 0 down, +1 or -1: up (to the side of its sign) */
        bool spoiled; /* this repetition went too far: it does not count */
        double phase_s;
        double position_s; /* in the position for this long (the baseline settles first) */
} SignatureTracker;

void signature_tracker_init(SignatureTracker *t, const struct psoas_stretch *stretch);
/* One sample: blocked means the signature must not count now (the tilt that caused the prompt persists).
 * Returns true when the stretch is complete (every side held, or every repetition counted). */
bool signature_tracker_update(SignatureTracker *t, const StretchSense *s, double dt, bool blocked);
/* Whether the signature holds in this sample (for the holds; for repetitions: in the starting position). */
bool signature_holds(enum psoas_stretch_check check, const StretchSense *s);
/* The side being worked on, 1 or 2 (0 when the stretch is not per side). */
uint32_t signature_tracker_side(const SignatureTracker *t);
