/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * IIO buffers and their scans: which channels a stream enables, where they sit in a scan, decoding and time
 * keeping; and the reader for buffers with a poll fd (the local: backend), which the loop watches through an
 * epoll fd over them and the eventfd. See source-iio-internal.h.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "source-iio-internal.h"

/* A scan stamped further than this after the one before is held, not believed, until the next scan follows on
 * from it: one misread timestamp (years ahead) must not make every later scan look as if it went backwards. A
 * real jump (scans lost while psoasd was stopped, a clock step) costs one scan. */
#define TIMESTAMP_LEAP_MAX_US (10 * 1000000LL)

void source_iio_signal_event(int fd) {
        uint64_t one = 1;

        (void)!write(fd, &one, sizeof(one));
}

/* libiio's reading of a channel's scan_elements/in_*_type, for the decoder. -EINVAL: a type it cannot
 * decode. */
static int channel_scan_type(const struct iio_channel *channel, ScanType *ret) {
        const struct iio_data_format *format = iio_channel_get_data_format(channel);
        ScanType type = {
                .big_endian = format->is_be,
                .is_signed = format->is_signed,
                .fully_defined = format->is_fully_defined,
                .bits = format->bits,
                .storage_bits = format->length,
                .repeat = format->repeat > 1 ? format->repeat : 1,
                .shift = format->shift,
        };

        if (!scan_type_is_valid(&type))
                return -EINVAL;
        *ret = type;
        return 0;
}

/* Where each enabled channel sits in a scan (scan_layout_compute() has the kernel's rule), and the types our
 * channels are decoded with. */
static int stream_compute_layout(IioStream *stream, IioAxes axes[_AXES_MAX]) {
        const struct iio_device *device = stream->device;
        unsigned n = iio_device_get_channels_count(device), n_enabled = 0;
        _cleanup_free_ const struct iio_channel **channels = NULL;
        _cleanup_free_ ScanElement *elements = NULL;
        size_t scan_size;
        int r;

        channels = calloc(n ?: 1, sizeof(*channels));
        elements = calloc(n ?: 1, sizeof(*elements));
        if (!channels || !elements)
                return -ENOMEM;
        for (unsigned i = 0; i < n; i++) {
                const struct iio_channel *channel = iio_device_get_channel(device, i);

                if (!iio_channel_is_scan_element(channel) || !iio_channel_is_enabled(channel))
                        continue;
                r = channel_scan_type(channel, &elements[n_enabled].type);
                if (r < 0)
                        return r;
                elements[n_enabled].index = iio_channel_get_index(channel);
                channels[n_enabled++] = channel;
        }

        r = scan_layout_compute(elements, n_enabled, &scan_size);
        if (r < 0)
                return r;

        for (unsigned i = 0; i < n_enabled; i++) {
                for (unsigned kind = 0; kind < _AXES_MAX; kind++)
                        for (unsigned axis = 0; axis < 3 && stream->carries[kind]; axis++)
                                if (axes[kind].channels[axis] == channels[i]) {
                                        axes[kind].decode.type[axis] = elements[i].type;
                                        axes[kind].decode.offset[axis] = elements[i].offset;
                                }
                if (channels[i] == stream->timestamp) {
                        stream->timestamp_type = elements[i].type;
                        stream->timestamp_offset = elements[i].offset;
                }
        }

        stream->scan_size = scan_size;
        return 0;
}

int source_iio_stream_start(IioStream *stream, IioAxes axes[_AXES_MAX], size_t n_samples, char **error) {
        const struct iio_device *device = stream->device;
        unsigned n = iio_device_get_channels_count(device);
        const struct iio_channel *timestamp;
        ssize_t step;
        int r;

        /* Exactly our channels: the driver fills each scan with the enabled ones only. */
        for (unsigned i = 0; i < n; i++) {
                const struct iio_channel *channel = iio_device_get_channel(device, i);

                if (iio_channel_is_scan_element(channel))
                        iio_channel_disable((struct iio_channel *)channel);
        }
        for (unsigned kind = 0; kind < _AXES_MAX; kind++)
                for (unsigned axis = 0; axis < 3 && stream->carries[kind]; axis++)
                        iio_channel_enable((struct iio_channel *)axes[kind].channels[axis]);
        timestamp = source_iio_device_find_input(device, "timestamp");
        if (timestamp && iio_channel_is_scan_element(timestamp)) {
                iio_channel_enable((struct iio_channel *)timestamp);
                stream->timestamp = timestamp;
        }

        /* libiio 0.24 also sets buffer/watermark to n_samples, so the kernel wakes us once per batch. */
        stream->buffer = iio_device_create_buffer(device, n_samples, false);
        if (!stream->buffer) {
                r = errno > 0 ? -errno : -EIO;
                source_iio_error_set(error, "Cannot start the buffer of %s: %s.",
                        source_iio_device_label(device), strerror(-r));
                return r;
        }

        r = stream_compute_layout(stream, axes);
        if (r < 0) {
                source_iio_error_set(error,
                        "Cannot work out the scan layout of %s: a channel has an unusable type.",
                        source_iio_device_label(device));
                return r;
        }
        step = iio_buffer_step(stream->buffer);
        if (step != (ssize_t)stream->scan_size)
                log_debug("libiio's scan size for %s is %zd bytes, the kernel's rule gives %zu; using the "
                          "latter.",
                        source_iio_device_label(device), step, stream->scan_size);

        stream->partial = malloc(stream->scan_size);
        if (!stream->partial)
                return -ENOMEM;
        return 0;
}

/* Decodes one scan into *ret. Negative when the scan must be dropped: saturated, undecodable, or a time that
 * does not advance. */
static int stream_decode_scan(
        IioStream *stream, const IioAxes axes[_AXES_MAX], const uint8_t *scan, struct psoas_sample *ret) {
        int64_t t_us;
        int r;

        if (stream->timestamp) {
                int64_t t_ns;

                r = scan_value_decode(&stream->timestamp_type, scan + stream->timestamp_offset, &t_ns);
                if (r < 0)
                        return r;
                t_us = t_ns / 1000;
        } else {
                /* Counted for every scan, dropped ones included, so that a drop leaves no shift. */
                t_us = stream->start_us + llround((double)stream->n_counted * 1e6 / stream->rate_hz);
                stream->n_counted++;
        }

        *ret = (struct psoas_sample){ .size = sizeof(struct psoas_sample), .t_us = t_us };
        for (unsigned kind = 0; kind < _AXES_MAX; kind++) {
                if (!stream->carries[kind])
                        continue;
                r = scan_axes_decode(&axes[kind].decode, scan, stream->scan_size,
                        kind == AXES_ACCEL ? ret->accel : ret->gyro);
                if (r < 0)
                        return r;
        }

        if (stream->last_t_us != INT64_MIN && t_us - stream->last_t_us > TIMESTAMP_LEAP_MAX_US) {
                bool confirmed = stream->held_leap_t_us != INT64_MIN && t_us > stream->held_leap_t_us &&
                        t_us - stream->held_leap_t_us <= TIMESTAMP_LEAP_MAX_US;

                if (!confirmed) {
                        log_debug("%s: a scan stamped %.3f s after the one before; held until the next "
                                  "follows on from it.",
                                source_iio_device_label(stream->device),
                                (double)(t_us - stream->last_t_us) / 1e6);
                        stream->held_leap_t_us = t_us;
                        return -ERANGE;
                }
        }
        stream->held_leap_t_us = INT64_MIN;
        if (t_us <= stream->last_t_us)
                return -ESTALE;
        stream->last_t_us = t_us;
        return 0;
}

/* The ring a stream's decoded scans go to. */
static SampleRing *stream_target(IioSource *p, const IioStream *stream) {
        if (p->n_streams == 1)
                return &p->ready;
        return stream->carries[AXES_ACCEL] ? &p->pairing.accel_waiting : &p->pairing.gyro_recent;
}

static void stream_take_scan(Source *s, IioStream *stream, const uint8_t *scan) {
        IioSource *p = s->data;
        struct psoas_sample sample;

        if (stream_decode_scan(stream, p->axes, scan, &sample) < 0) {
                s->samples_invalid++;
                return;
        }
        sample.has_gyro = stream->carries[AXES_GYRO];
        sample_ring_push(stream_target(p, stream), &sample);
}

/* Takes the bytes of one read. A read that ends inside a scan (a pseudo-terminal can do that, the kernel
 * does not) leaves the start of that scan for the next read to complete. */
void source_iio_stream_consume(Source *s, IioStream *stream, const uint8_t *bytes, size_t size) {
        if (stream->n_partial > 0) {
                size_t take = stream->scan_size - stream->n_partial;

                if (take > size)
                        take = size;
                memcpy(stream->partial + stream->n_partial, bytes, take);
                stream->n_partial += take;
                bytes += take;
                size -= take;
                if (stream->n_partial < stream->scan_size)
                        return;
                stream_take_scan(s, stream, stream->partial);
                stream->n_partial = 0;
        }
        for (; size >= stream->scan_size; bytes += stream->scan_size, size -= stream->scan_size)
                stream_take_scan(s, stream, bytes);
        memcpy(stream->partial, bytes, size);
        stream->n_partial = size;
}

/* Room for one more refill: a whole buffer, plus the scan a cut-off read may complete. */
bool source_iio_stream_has_room(IioSource *p, const IioStream *stream, size_t n_scans) {
        if (p->n_streams > 1 && stream->carries[AXES_GYRO] && !stream->carries[AXES_ACCEL])
                return true; /* old gyroscope samples may go */
        return sample_ring_room(stream_target(p, stream)) >= n_scans + 1;
}

/* A read failed: -ENODEV when the device is gone, -EIO when it is there but does not deliver. */
static int stream_classify_error(const IioStream *stream, int error) {
        char name[64];

        if (error == -ENODEV || error == -ENXIO)
                return -ENODEV;
        if (iio_device_attr_read(stream->device, "name", name, sizeof(name)) < 0)
                return -ENODEV;
        return -EIO;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The reader for buffers with a poll fd */

/* Refills every buffer until the kernel has nothing more or our rings are full. Sets *ret_got when anything
 * arrived. */
static int refill_streams(Source *s, bool *ret_got) {
        IioSource *p = s->data;
        bool got = false;

        for (unsigned i = 0; i < p->n_streams; i++) {
                IioStream *stream = &p->streams[i];

                while (source_iio_stream_has_room(p, stream, p->buffer_samples)) {
                        ssize_t n = iio_buffer_refill(stream->buffer);

                        if (n == -EAGAIN || n == 0)
                                break;
                        if (n < 0) {
                                *ret_got = got;
                                return stream_classify_error(stream, (int)n);
                        }
                        got = true;
                        source_iio_stream_consume(s, stream, iio_buffer_start(stream->buffer), (size_t)n);
                }
        }
        *ret_got = got;
        return 0;
}

/* The buffered readers' read_batch: what the rings hold, then what the reader's fill brings. */
int source_iio_streams_read_batch(Source *s, struct psoas_sample *samples, size_t max) {
        IioSource *p = s->data;
        size_t n;
        int r;

        if (p->event_fd >= 0) {
                uint64_t counter;

                (void)!read(p->event_fd, &counter, sizeof(counter));
        }

        n = sample_ring_pop(&p->ready, samples, max);
        if (p->error == 0) {
                r = p->reader->fill(s, n > 0);
                if (r < 0)
                        p->error = r;
        }
        if (p->n_streams > 1)
                sample_pairing_run(&p->pairing, &p->ready);
        n += sample_ring_pop(&p->ready, samples + n, max - n);

        /* Samples or blocks left behind: keep the fd readable so that the loop comes back for them. */
        if (p->ready.count > 0 || (p->reader->has_pending && p->reader->has_pending(p)))
                source_iio_signal_event(p->event_fd);

        if (n > 0)
                return (int)n;
        return p->error;
}

static int poll_fd_fill(Source *s, bool got_samples) {
        IioSource *p = s->data;
        bool got;
        int r;

        r = refill_streams(s, &got);
        /* Called with nothing to read: a poll on an unregistered IIO device reports no event at all, so the
         * daemon's stall timer calls us, and this is how we notice. */
        if (r == 0 && !got && !got_samples && p->pairing.accel_waiting.count == 0)
                for (unsigned i = 0; i < p->n_streams && r == 0; i++) {
                        char name[64];

                        if (iio_device_attr_read(p->streams[i].device, "name", name, sizeof(name)) < 0)
                                r = -ENODEV;
                }
        return r;
}

static int poll_fd_get_fd(Source *s) {
        IioSource *p = s->data;

        return p->epoll_fd;
}

static int epoll_watch(int epoll_fd, int fd) {
        struct epoll_event event = { .events = EPOLLIN, .data.fd = fd };

        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0)
                return -errno;
        return 0;
}

int source_iio_poll_fd_start(Source *s, char **error) {
        IioSource *p = s->data;
        int r;

        p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (p->epoll_fd < 0)
                return -errno;
        for (unsigned i = 0; i < p->n_streams; i++) {
                IioStream *stream = &p->streams[i];

                r = iio_buffer_set_blocking_mode(stream->buffer, false);
                if (r < 0) {
                        source_iio_error_set(error, "Cannot make the buffer of %s non-blocking: %s.",
                                source_iio_device_label(stream->device), strerror(-r));
                        return r;
                }
                r = epoll_watch(p->epoll_fd, iio_buffer_get_poll_fd(stream->buffer));
                if (r < 0)
                        return r;
        }
        return epoll_watch(p->epoll_fd, p->event_fd);
}

const IioReaderOps source_iio_reader_poll_fd = {
        .how = "polled",
        .get_fd = poll_fd_get_fd,
        .read_batch = source_iio_streams_read_batch,
        .fill = poll_fd_fill,
};
