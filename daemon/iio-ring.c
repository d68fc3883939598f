/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>

#include "iio-ring.h"

int sample_ring_init(SampleRing *ring, size_t capacity) {
        ring->items = calloc(capacity, sizeof(*ring->items));
        if (!ring->items)
                return -ENOMEM;
        ring->capacity = capacity;
        ring->head = 0;
        ring->count = 0;
        return 0;
}

void sample_ring_done(SampleRing *ring) {
        free(ring->items);
        *ring = (SampleRing){};
}

void sample_ring_drop_front(SampleRing *ring, size_t n) {
        if (n > ring->count)
                n = ring->count;
        if (ring->capacity > 0)
                ring->head = (ring->head + n) % ring->capacity;
        ring->count -= n;
}

void sample_ring_push(SampleRing *ring, const struct psoas_sample *sample) {
        if (ring->count == ring->capacity)
                sample_ring_drop_front(ring, 1);
        *sample_ring_at(ring, ring->count) = *sample;
        ring->count++;
}

size_t sample_ring_pop(SampleRing *ring, struct psoas_sample *samples, size_t max) {
        size_t n = ring->count < max ? ring->count : max;

        for (size_t i = 0; i < n; i++)
                samples[i] = *sample_ring_at(ring, i);
        sample_ring_drop_front(ring, n);
        return n;
}
