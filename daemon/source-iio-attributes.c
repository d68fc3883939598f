/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader for devices without a buffer: the *_raw attributes of every axis, read once per sampling period
 * when the loop's timer calls read_batch (there is no fd to watch). See source-iio-internal.h.
 */

#include <errno.h>
#include <time.h>

#include "source-iio-internal.h"
#include "time-util.h"

/* One sample from the attributes: 1, or 0 when the clock has not moved since the last. */
static int read_attributes(Source *s, struct psoas_sample *sample) {
        IioSource *p = s->data;
        int64_t now = (int64_t)time_now_us(CLOCK_MONOTONIC);

        if (now <= p->last_poll_t_us)
                return 0;

        *sample = (struct psoas_sample){
                .size = sizeof(struct psoas_sample), .t_us = now, .has_gyro = p->has_gyro
        };
        for (unsigned kind = 0; kind < _AXES_MAX; kind++) {
                const IioAxes *axes = &p->axes[kind];
                double values[3];

                if (kind == AXES_GYRO && !p->has_gyro)
                        continue;
                for (unsigned axis = 0; axis < 3; axis++) {
                        long long raw;
                        int r;

                        r = iio_channel_attr_read_longlong(axes->channels[axis], "raw", &raw);
                        if (r < 0) {
                                char name[64];

                                if (r == -ENODEV ||
                                        iio_device_attr_read(axes->device, "name", name, sizeof(name)) < 0)
                                        return -ENODEV;
                                return -EIO;
                        }
                        values[axis] =
                                ((double)raw + axes->decode.raw_offset[axis]) * axes->decode.scale[axis];
                }
                scan_matrix_apply(
                        axes->decode.matrix, values, kind == AXES_ACCEL ? sample->accel : sample->gyro);
        }
        p->last_poll_t_us = now;
        return 1;
}

static int attributes_read_batch(Source *s, struct psoas_sample *samples, _unused_ size_t max) {
        IioSource *p = s->data;
        int r;

        if (p->error < 0)
                return p->error;
        r = read_attributes(s, samples);
        if (r < 0)
                p->error = r;
        return r;
}

static int attributes_get_fd(_unused_ Source *s) {
        return -ENOENT;
}

const IioReaderOps source_iio_reader_attributes = {
        .how = "from the raw attributes",
        .get_fd = attributes_get_fd,
        .read_batch = attributes_read_batch,
};
