/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Whether the sensor is on the body. A worn sensor is never perfectly still: breathing rocks the pelvis by tenths of
 * a degree every few seconds, and sitting or standing people sway more than that. A sensor lying on a desk keeps its
 * direction to within its noise, which averaged over a second is a few thousandths of a degree. So: the mean
 * acceleration of every second is compared with the mean direction since the stillness began; within
 * PSOAS_NOT_WORN_DEG of it (or more for a noisy sensor: wear.c) for PSOAS_NOT_WORN_S, the sensor is off the body, from the start of the stillness on; out of it, it is worn
 * again from that second. */

#include <stdbool.h>
#include <stdint.h>

typedef enum WearChange {
        WEAR_UNCHANGED,
        WEAR_TAKEN_OFF, /* not worn since WearDetector.still_since_us */
        WEAR_PUT_ON, /* worn again from the current sample */
        WEAR_STILLNESS_BEGAN, /* a new stillness may begin here: the state at this sample is worth keeping */
} WearChange;

typedef struct WearDetector {
        /* The second being averaged: since block_start_us, the sum of n samples' accelerations. */
        bool has_block;
        int64_t block_start_us;
        double sum[3], sum_sq[3];
        uint32_t n;

        /* The direction the stillness is measured against (the sum of its seconds' unit means), and since
         * when it has held. */
        bool has_reference;
        double reference[3];
        int64_t still_since_us;
        /* The sensor's noise floor: the variance of a second's direction from its own noise, rad² (wear.c). */
        double noise_floor;

        bool worn;
} WearDetector;

void wear_detector_init(WearDetector *w);
/* After a gap in the samples: the stillness starts again (whether the sensor is worn stays as it was). */
void wear_detector_reset(WearDetector *w);
WearChange wear_detector_update(WearDetector *w, int64_t t_us, const float accel[3]);
