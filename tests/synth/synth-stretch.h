/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Synthetic recordings of the stretches in the catalog, done right and done wrong, for the pelvic signatures'
 * tests and benchmark. The conventions are synth.h's (earth z up; pelvis x forward, y left, z up; positive
 * pitch anterior; supine pitch -90°, on the right side roll +90°), with one more rotation: spin, about the
 * pelvis's own long axis (z), applied last, which is how a side-lying or all-fours pelvis rocks.
 *
 * Every recording starts the same way, so that psoasd or the engine prompts the stretch: 12 s of standing still
 * (calibrate on 2..10 s), sitting down, 80 s of sitting (a sitting alert after 60 s prompts the stretch), then
 * what the variant says. People sway (more on one leg, less seated or lying); the gyroscope has a bias of up to
 * 4 °/s per axis, plus noise; the accelerometer an offset and noise; sitting down lowers the pelvis 0.45 m in
 * about 1.5 s.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "psoas/psoas.h"

typedef enum SynthStretchVariant {
        SYNTH_STRETCH_RIGHT, /* the stretch done right: every side held, every repetition */
        SYNTH_STRETCH_ARCHED, /* the same movements with the pelvis arched (anterior) instead of tucked; for the
                               * hinges, the back rounded instead (the pelvis rolled back) */
        SYNTH_STRETCH_STANDING, /* stood up after the prompt and stood there, swaying */
        SYNTH_STRETCH_SITTING, /* went on sitting (after standing up for a moment) */
        SYNTH_STRETCH_WALKING, /* stood up and walked */
        _SYNTH_STRETCH_VARIANT_MAX,
} SynthStretchVariant;

/* "right", "arched", "standing", "sitting", "walking" */
const char *synth_stretch_variant_to_string(SynthStretchVariant v);

/* The moment the prompt's alert comes, at the latest, and the calibration window (seconds). */
#define SYNTH_STRETCH_CALIBRATE_FROM_S 2.0
#define SYNTH_STRETCH_CALIBRATE_TO_S 10.0
#define SYNTH_STRETCH_SITTING_ALERT_S 60.0

typedef struct SynthStretch SynthStretch;

/* check: the signature to act out (hold_s seconds per side, or reps per side, sides: 2 or 1). -EINVAL for a
 * check without a signature. */
int synth_stretch_new(enum psoas_stretch_check check, SynthStretchVariant variant, uint32_t hold_s,
        uint32_t reps, bool per_side, double rate_hz, uint64_t seed, SynthStretch **ret);
SynthStretch *synth_stretch_free(SynthStretch *g);

/* The next sample: 1, or 0 at the end. Timestamps start at 0. */
int synth_stretch_next(SynthStretch *g, struct psoas_sample *ret);
double synth_stretch_duration(const SynthStretch *g);
/* When the exercise starts (the wearer gets into position), and when it was complete in truth: the last side's
 * hold reached its time, or the last repetition came down. Negative for the variants that are not the stretch. */
double synth_stretch_start_s(const SynthStretch *g);
double synth_stretch_done_s(const SynthStretch *g);
/* The wearer's forward in the sensor frame, for the engine's configuration. */
void synth_stretch_forward(const SynthStretch *g, float ret[3]);
