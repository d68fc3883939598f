/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A ring of decoded samples, fixed in size once made: where the IIO source keeps samples between a refill and
 * the loop's next read_batch, and where separate accelerometer and gyroscope samples wait to be paired
 * (iio-pair.h). No allocation after sample_ring_init().
 */

#include <stddef.h>

#include <psoas/psoas.h>

typedef struct SampleRing {
        struct psoas_sample *items;
        size_t capacity;
        size_t head;
        size_t count;
} SampleRing;

/* -ENOMEM, or 0 with an empty ring of capacity samples. */
int sample_ring_init(SampleRing *ring, size_t capacity);
/* Frees the samples; accepts a zeroed ring, and leaves one. */
void sample_ring_done(SampleRing *ring);

static inline size_t sample_ring_room(const SampleRing *ring) {
        return ring->capacity - ring->count;
}

/* The i-th sample from the oldest, i < count. */
static inline struct psoas_sample *sample_ring_at(const SampleRing *ring, size_t i) {
        return &ring->items[(ring->head + i) % ring->capacity];
}

/* Forgets the n oldest samples (all of them when there are fewer). */
void sample_ring_drop_front(SampleRing *ring, size_t n);
/* Appends; a full ring loses its oldest sample (callers check the room when that must not happen). */
void sample_ring_push(SampleRing *ring, const struct psoas_sample *sample);
/* Moves up to max of the oldest samples into samples; returns how many. */
size_t sample_ring_pop(SampleRing *ring, struct psoas_sample *samples, size_t max);
