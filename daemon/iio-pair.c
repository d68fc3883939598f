/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <string.h>

#include "iio-pair.h"

int sample_pairing_init(SamplePairing *pairing, size_t capacity, int64_t hold_us) {
        int r;

        pairing->hold_us = hold_us;
        r = sample_ring_init(&pairing->accel_waiting, capacity);
        if (r < 0)
                return r;
        return sample_ring_init(&pairing->gyro_recent, capacity);
}

void sample_pairing_done(SamplePairing *pairing) {
        sample_ring_done(&pairing->accel_waiting);
        sample_ring_done(&pairing->gyro_recent);
}

/*
 * Each accelerometer sample gets the gyroscope's rate at its own time, interpolated linearly between the two
 * gyroscope samples around it. When the gyroscope's batch has not arrived yet (the two buffers wake up
 * independently), the accelerometer sample waits, up to hold_us of sample time; after that it takes the
 * latest gyroscope sample if that is no older than hold_us, else it goes out without a gyroscope reading.
 */
void sample_pairing_run(SamplePairing *p, SampleRing *ready) {
        while (p->accel_waiting.count > 0 && sample_ring_room(ready) > 0) {
                struct psoas_sample *accel = sample_ring_at(&p->accel_waiting, 0);
                const struct psoas_sample *newest_accel =
                        sample_ring_at(&p->accel_waiting, p->accel_waiting.count - 1);
                size_t n_gyro = p->gyro_recent.count;
                const struct psoas_sample *newest_gyro =
                        n_gyro > 0 ? sample_ring_at(&p->gyro_recent, n_gyro - 1) : NULL;
                bool must_go = p->accel_waiting.count == p->accel_waiting.capacity ||
                        newest_accel->t_us - accel->t_us >= p->hold_us;

                if (newest_gyro && newest_gyro->t_us >= accel->t_us) {
                        size_t i = 0;
                        const struct psoas_sample *after;

                        while (sample_ring_at(&p->gyro_recent, i)->t_us < accel->t_us)
                                i++;
                        after = sample_ring_at(&p->gyro_recent, i);
                        if (i == 0)
                                memcpy(accel->gyro, after->gyro, sizeof(accel->gyro));
                        else {
                                const struct psoas_sample *before = sample_ring_at(&p->gyro_recent, i - 1);
                                double w = (double)(accel->t_us - before->t_us) /
                                        (double)(after->t_us - before->t_us);

                                for (unsigned axis = 0; axis < 3; axis++)
                                        accel->gyro[axis] = (float)(before->gyro[axis] +
                                                w * (after->gyro[axis] - before->gyro[axis]));
                                /* Keep "before": the next accelerometer sample may fall in the same gap. */
                                sample_ring_drop_front(&p->gyro_recent, i - 1);
                        }
                        accel->has_gyro = true;
                } else if (!must_go)
                        break; /* the gyroscope has not caught up yet */
                else if (newest_gyro && accel->t_us - newest_gyro->t_us <= p->hold_us) {
                        memcpy(accel->gyro, newest_gyro->gyro, sizeof(accel->gyro));
                        accel->has_gyro = true;
                } else {
                        memset(accel->gyro, 0, sizeof(accel->gyro));
                        accel->has_gyro = false;
                }

                sample_ring_push(ready, accel);
                sample_ring_drop_front(&p->accel_waiting, 1);
        }
}
