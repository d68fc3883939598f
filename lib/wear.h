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

/* The second over which the acceleration is averaged (wear.c says why). */
#define WEAR_BLOCK_US 1000000LL

typedef enum WearChange {
        WEAR_UNCHANGED,
        WEAR_TAKEN_OFF, /* not worn since WearDetector.still_since_us */
        WEAR_PUT_ON, /* worn again from the current sample */
        WEAR_STILLNESS_BEGAN, /* a new stillness may begin here: the state at this sample is worth keeping */
} WearChange;

typedef struct WearDetector {
        /* The second being averaged: since block_start_us, n samples' accelerations less the first's, summed,
         * and their squares. */
        bool has_block;
        int64_t block_start_us;
        float first[3];
        float sum[3], sum_sq; /* sum_sq: of the squared length of the difference */
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
/* Ends the second being averaged (judging it) and starts the next at this sample: once a second. */
WearChange wear_detector_next_block(WearDetector *w, int64_t t_us, const float accel[3]);

/* Every sample: inline, since it is a few additions but for once a second. */
static inline WearChange wear_detector_update(WearDetector *w, int64_t t_us, const float accel[3]) {
        WearChange change = WEAR_UNCHANGED;

        if (!w->has_block || t_us - w->block_start_us >= WEAR_BLOCK_US)
                change = wear_detector_next_block(w, t_us, accel);
        /* About the block's first sample: small numbers, whose squares a float sums without losing the
         * variance to cancellation. */
        float d[3] = { accel[0] - w->first[0], accel[1] - w->first[1], accel[2] - w->first[2] };
        w->sum[0] += d[0];
        w->sum[1] += d[1];
        w->sum[2] += d[2];
        w->sum_sq += d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
        w->n++;
        return change;
}
