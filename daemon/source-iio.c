/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IIO sample source: an accelerometer, and a gyroscope when there is one, through libiio 0.24. The
 * daemon's other files never include <iio.h>; this one and its parts do (source-iio-internal.h lists them).
 *
 * How samples reach the loop depends on what the context offers, and is a reader (IioReaderOps) chosen here
 * when the source opens:
 *  - buffers with a poll fd (the local: backend): the buffers are non-blocking and the loop watches an epoll
 *    fd over them (two buffers when the accelerometer and the gyroscope are separate devices, as st_lsm6dsx
 *    makes them) and over an eventfd that says "decoded samples are still waiting" when a batch did not take
 *    them all (source-iio-stream.c);
 *  - buffers without a poll fd (the ip: backend of libiio 0.24): one reader thread per buffer does blocking
 *    refills and hands the bytes to the loop through a bounded queue and that eventfd (source-iio-thread.c);
 *  - no buffer at all: the *_raw attributes are read once per sampling period, on the loop's timer
 *    (source-iio-attributes.c).
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "source-iio-internal.h"
#include "time-util.h"

#define DEFAULT_RATE_HZ 100.0
#define DEFAULT_WAKEUPS_PER_S 4.0
/* How long a blocking refill waits for data (iiod gives up after about half of it and answers -ETIMEDOUT).
 * A streaming sensor is never silent that long; after a timeout libiio 0.24's ip: buffer is unusable anyway,
 * so the source reports an error and the daemon reopens. */
#define THREAD_REFILL_TIMEOUT_MS 10000

/* Gives *error a sentence for the log, unless it has one. */
void source_iio_error_set(char **error, const char *format, ...) {
        va_list ap;

        if (!error || *error)
                return;
        va_start(ap, format);
        if (vasprintf(error, format, ap) < 0)
                *error = NULL;
        va_end(ap);
}

static int iio_get_fd(Source *s) {
        IioSource *p = s->data;

        if (!p->initialized || !p->reader)
                return -EBADF;
        return p->reader->get_fd(s);
}

static int iio_read_batch(Source *s, struct psoas_sample *samples, size_t max) {
        IioSource *p = s->data;

        if (!p->initialized || !p->reader)
                return -EBADF;
        if (max == 0)
                return 0;
        if (max > INT_MAX)
                max = INT_MAX;
        return p->reader->read_batch(s, samples, max);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Opening and closing */

static void iio_close(Source *s) {
        IioSource *p = s->data;

        if (!p || !p->initialized)
                return;

        if (p->reader && p->reader->stop)
                p->reader->stop(p);
        for (unsigned i = 0; i < p->n_streams; i++) {
                /* Destroying the buffer disables it and its channels. */
                if (p->streams[i].buffer)
                        iio_buffer_destroy(p->streams[i].buffer);
                free(p->streams[i].partial);
        }
        if (p->epoll_fd >= 0)
                close(p->epoll_fd);
        if (p->event_fd >= 0)
                close(p->event_fd);
        sample_ring_done(&p->ready);
        sample_pairing_done(&p->pairing);
        if (p->context)
                iio_context_destroy(p->context);

        memset(p, 0, sizeof(*p));
        free(s->description);
        s->description = NULL;
}

static int open_streaming(Source *s, double wakeups_per_s, const char *uri, char **error) {
        IioSource *p = s->data;
        bool has_poll_fd = true;
        size_t capacity;
        int64_t now;
        int r;

        p->buffer_samples = (size_t)fmax(1.0, round(s->rate_hz / wakeups_per_s));
        capacity = 4 * p->buffer_samples + 64;
        r = sample_ring_init(&p->ready, capacity);
        if (r < 0)
                return r;
        if (p->n_streams > 1) {
                /* How long an accelerometer sample may wait for its gyroscope batch: two batches. */
                r = sample_pairing_init(&p->pairing, capacity,
                        (int64_t)fmax(100e3, 2e6 * (double)p->buffer_samples / s->rate_hz));
                if (r < 0)
                        return r;
        }

        /* Bounds how long a blocking refill (the reader threads') can hang on a dead server; non-blocking
         * buffers ignore it. */
        r = iio_context_set_timeout(p->context,
                (unsigned)fmax(THREAD_REFILL_TIMEOUT_MS, 4e3 * (double)p->buffer_samples / s->rate_hz));
        if (r < 0)
                log_debug_errno(r, "Cannot set the timeout of %s: %m", uri);

        now = (int64_t)time_now_us(CLOCK_MONOTONIC);
        for (unsigned i = 0; i < p->n_streams; i++) {
                IioStream *stream = &p->streams[i];

                stream->owner = p;
                stream->index = i;
                stream->start_us = now;
                stream->last_t_us = INT64_MIN;
                stream->held_leap_t_us = INT64_MIN;
                source_iio_device_assign_trigger(p->context, stream->device);
                source_iio_device_use_monotonic_clock(stream->device);
                r = source_iio_stream_start(stream, p->axes, p->buffer_samples, error);
                if (r < 0)
                        return r;
                if (iio_buffer_get_poll_fd(stream->buffer) < 0)
                        has_poll_fd = false;
        }

        p->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->event_fd < 0)
                return -errno;

        if (!has_poll_fd) {
                /* ip: in libiio 0.24. */
                p->reader = &source_iio_reader_threads;
                r = source_iio_threads_start(p);
                if (r < 0) {
                        source_iio_error_set(error, "Cannot start the IIO reader thread: %s.", strerror(-r));
                        return r;
                }
                return 0;
        }

        p->reader = &source_iio_reader_poll_fd;
        return source_iio_poll_fd_start(s, error);
}

static int open_internal(Source *s, const SourceOptions *options, char **error) {
        IioSource *p = s->data;
        const char *uri = options->uri ?: "local:";
        double wanted = options->rate_hz > 0 ? options->rate_hz : DEFAULT_RATE_HZ;
        double wakeups_per_s = options->wakeups_per_s > 0 ? options->wakeups_per_s : DEFAULT_WAKEUPS_PER_S;
        const struct iio_device *accel = NULL, *gyro = NULL;
        _cleanup_free_ char *uri_copy = NULL;
        const char *name;
        bool buffered = true;
        size_t length;
        int r;

        *p = (IioSource){ .initialized = true, .epoll_fd = -EBADF, .event_fd = -EBADF };

        /* libiio 0.24 cuts the port off the ip: URI it is given, in place: give it a copy. */
        uri_copy = strdup(uri);
        if (!uri_copy)
                return -ENOMEM;
        errno = 0;
        p->context = iio_create_context_from_uri(uri_copy);
        if (!p->context) {
                r = errno > 0 ? -errno : -EIO;
                source_iio_error_set(error, "Cannot open the IIO context %s: %s.", uri, strerror(-r));
                /* No /sys/bus/iio at all: no sensor yet, as far as the daemon is concerned. */
                return r == -ENOENT ? -ENODEV : r;
        }

        r = source_iio_find_accelerometer(p->context, options, uri, &accel, error);
        if (r < 0)
                return r;
        r = source_iio_find_gyroscope(p->context, accel, options, uri, &gyro, error);
        if (r < 0)
                return r;

        r = source_iio_axes_setup(&p->axes[AXES_ACCEL], accel, AXES_ACCEL, options, error);
        if (r < 0)
                return r;
        p->has_gyro = gyro != NULL;
        if (gyro) {
                r = source_iio_axes_setup(&p->axes[AXES_GYRO], gyro, AXES_GYRO, options, error);
                if (r < 0)
                        return r;
        }

        /* One stream per device; a gyroscope on the accelerometer's device shares its stream. */
        p->n_streams = 1;
        p->streams[0] = (IioStream){
                .device = accel, .carries[AXES_ACCEL] = true, .carries[AXES_GYRO] = gyro == accel
        };
        if (gyro && gyro != accel) {
                p->n_streams = 2;
                p->streams[1] = (IioStream){ .device = gyro, .carries[AXES_GYRO] = true };
        }

        for (unsigned kind = 0; kind < _AXES_MAX; kind++)
                for (unsigned axis = 0; axis < 3 && (kind == AXES_ACCEL || p->has_gyro); axis++)
                        if (!iio_channel_is_scan_element(p->axes[kind].channels[axis]))
                                buffered = false;

        /* Each quantity's frequency: a gyroscope on the accelerometer's device may have its own
         * (in_anglvel_sampling_frequency, as bmi160 has it). A stream counts time at its first
         * quantity's. */
        for (unsigned kind = 0; kind < _AXES_MAX; kind++) {
                const IioAxes *axes = &p->axes[kind];
                bool shared_device = kind == AXES_GYRO && p->n_streams == 1;
                double rate;

                if (kind == AXES_GYRO && !p->has_gyro)
                        continue;
                if (shared_device && iio_device_find_attr(axes->device, "sampling_frequency"))
                        continue; /* one frequency for the whole device, set already */
                r = source_iio_device_set_rate(axes->device, axes->channels[0], wanted, &rate);
                if (r == -ENOENT)
                        rate = wanted; /* no sampling_frequency: trust the configuration */
                if (!shared_device)
                        p->streams[kind == AXES_GYRO ? 1 : 0].rate_hz = rate;
        }

        name = source_iio_device_label(accel);
        length = strlen(name);
        if (length > strlen("_accel") && streq_ptr(name + length - strlen("_accel"), "_accel"))
                length -= strlen("_accel");
        if (asprintf(&s->description, "%.*s on %s", (int)length, name, uri) < 0) {
                s->description = NULL;
                return -ENOMEM;
        }
        s->rate_hz = p->streams[0].rate_hz;
        s->has_gyro = p->has_gyro;
        s->poll_interval_us = 0;

        if (!buffered) {
                p->reader = &source_iio_reader_attributes;
                p->n_streams = 0;
                s->hardware_timestamps = false;
                s->poll_interval_us = (uint64_t)llround(1e6 / s->rate_hz);
                log_debug("%s has no buffer: reading its raw attributes at %g Hz.", s->description,
                        s->rate_hz);
                return 0;
        }

        r = open_streaming(s, wakeups_per_s, uri, error);
        if (r < 0)
                return r;

        s->hardware_timestamps = true;
        for (unsigned i = 0; i < p->n_streams; i++)
                if (!p->streams[i].timestamp)
                        s->hardware_timestamps = false;
        log_debug("Streaming %s at %g Hz, %zu samples per batch, %s.", s->description, s->rate_hz,
                p->buffer_samples, p->reader->how);
        return 0;
}

static int iio_open(Source *s, const SourceOptions *options, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        iio_close(s); /* a second open starts afresh */

        r = open_internal(s, options, &error);
        if (r < 0) {
                iio_close(s);
                source_iio_error_set(&error, "Cannot open the IIO sensor: %s.", strerror(-r));
                if (ret_error)
                        *ret_error = TAKE_PTR(error);
                return r;
        }
        return 0;
}

const SourceOps source_iio_ops = {
        .kind = "iio",
        .live = true,
        .object_size = sizeof(IioSource),
        .open = iio_open,
        .close = iio_close,
        .get_fd = iio_get_fd,
        .read_batch = iio_read_batch,
};
