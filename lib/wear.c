/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <string.h>

#include "macro.h"
#include "psoas/psoas.h"
#include "wear.h"

/* The block over which the acceleration is averaged: long enough for the noise to fall well below the threshold
 * (white noise of 0.02 m/s² at 50 Hz averages to 0.003 m/s², 0.02°), short enough that breathing (a cycle every
 * 3 to 6 s) does not average out, and that putting the sensor on shows at once. */
#define WEAR_BLOCK_US US_PER_SEC
/* A mean under this is no direction (free fall, a broken reading): it restarts the stillness. */
#define WEAR_MIN_NORM 1.0
/* A second's mean direction strays from the true one by the sensor's noise over the root of the samples in it: a
 * noisy sensor, or a low rate, widens the cone to this many of its standard deviations, so that the noise alone
 * never looks like a wearer. Breathing then hides in the noise, and only larger movements say "worn". The noise is
 * the sensor's floor: the quietest second seen (a second with movement in it would take any spread for noise),
 * rising by WEAR_FLOOR_RISE a second (doubling in 12 min) so as to follow a sensor that has become noisier. */
#define WEAR_NOISE_SIGMAS 4.0
#define WEAR_FLOOR_RISE 1.001
/* However noisy the sensor: a cone wider than this would hold a slow walk. */
#define WEAR_CONE_MAX_DEG 1.0
#define RAD (3.14159265358979323846 / 180.0)

void wear_detector_init(WearDetector *w) {
        memset(w, 0, sizeof(*w));
        w->worn = true;
}

void wear_detector_reset(WearDetector *w) {
        w->has_block = false;
        w->has_reference = false;
}

static WearChange wear_detector_block(WearDetector *w, int64_t t_us) {
        double mean[3], norm = 0, spread = 0;

        for (unsigned i = 0; i < 3; i++) {
                mean[i] = w->sum[i] / w->n;
                norm += mean[i] * mean[i];
                /* The samples' variance about the mean, summed over the axes. */
                spread += fmax(w->sum_sq[i] / w->n - mean[i] * mean[i], 0.0);
        }
        norm = sqrt(norm);
        if (norm < WEAR_MIN_NORM) {
                w->has_reference = false;
                return WEAR_UNCHANGED;
        }
        for (unsigned i = 0; i < 3; i++)
                mean[i] /= norm;
        /* The variance of this second's direction from what moved within it, in rad²: the noise floor is the
         * quietest second's, rising slowly to follow a sensor that has become noisier. */
        double noise = spread / (w->n * norm * norm);
        if (w->noise_floor <= 0 || noise < w->noise_floor)
                w->noise_floor = noise;
        else
                w->noise_floor *= WEAR_FLOOR_RISE;

        if (w->has_reference) {
                double ref_norm = sqrt(w->reference[0] * w->reference[0] +
                        w->reference[1] * w->reference[1] + w->reference[2] * w->reference[2]);
                double c =
                        (mean[0] * w->reference[0] + mean[1] * w->reference[1] + mean[2] * w->reference[2]) /
                        ref_norm;
                /* In double: the angle is far below what a float's cosine resolves. */
                double cone = CLAMP(WEAR_NOISE_SIGMAS * sqrt(w->noise_floor),
                        (double)PSOAS_NOT_WORN_DEG * RAD, WEAR_CONE_MAX_DEG * RAD);
                if (c >= cos(cone)) {
                        /* The reference is the stillness's mean direction so far: the second it began with may
                         * hold the end of a movement, and one second's noise should not set the bar. */
                        for (unsigned i = 0; i < 3; i++)
                                w->reference[i] += mean[i];
                        if (w->worn && t_us - w->still_since_us >= (int64_t)PSOAS_NOT_WORN_S * US_PER_SEC) {
                                w->worn = false;
                                return WEAR_TAKEN_OFF;
                        }
                        return WEAR_UNCHANGED;
                }
        }
        /* It moved (or this is the first second): a stillness may begin here. */
        bool was_known = w->has_reference;
        memcpy(w->reference, mean, sizeof(mean));
        w->has_reference = true;
        w->still_since_us = t_us;
        if (!w->worn && was_known) {
                w->worn = true;
                return WEAR_PUT_ON;
        }
        return w->worn ? WEAR_STILLNESS_BEGAN : WEAR_UNCHANGED;
}

WearChange wear_detector_update(WearDetector *w, int64_t t_us, const float accel[3]) {
        WearChange change = WEAR_UNCHANGED;

        if (w->has_block && t_us - w->block_start_us >= WEAR_BLOCK_US) {
                change = wear_detector_block(w, t_us);
                w->has_block = false;
        }
        if (!w->has_block) {
                w->has_block = true;
                w->block_start_us = t_us;
                memset(w->sum, 0, sizeof(w->sum));
                memset(w->sum_sq, 0, sizeof(w->sum_sq));
                w->n = 0;
        }
        for (unsigned i = 0; i < 3; i++) {
                w->sum[i] += accel[i];
                w->sum_sq[i] += (double)accel[i] * accel[i];
        }
        w->n++;
        return change;
}
