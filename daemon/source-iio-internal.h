/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The IIO sample source's parts, shared by its files only (every one of them includes <iio.h>; nothing
 * outside daemon/source-iio*.c does):
 *  - source-iio.c: the SourceOps table, opening (which reader fits the context) and closing;
 *  - source-iio-discover.c: finding the accelerometer and gyroscope, their scales, mount matrices, sampling
 *    frequency, trigger and timestamp clock;
 *  - source-iio-stream.c: buffers and scans: layout, decoding, time keeping, and the reader for buffers with
 *    a poll fd (the local: backend);
 *  - source-iio-thread.c: the reader for buffers without one (the ip: backend of libiio 0.24): a thread per
 *    buffer doing blocking refills, handing blocks to the loop through a bounded queue and an eventfd;
 *  - source-iio-attributes.c: the reader for devices without a buffer: the *_raw attributes on the loop's
 *    timer;
 *  - iio-ring.c and iio-pair.c (no libiio): the sample rings, and the pairing of separate accelerometer and
 *    gyroscope devices.
 * Scans are decoded in the loop's thread whatever the reader, so that decoding, time keeping and the pairing
 * exist once.
 */

#include <iio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iio-pair.h"
#include "iio-ring.h"
#include "macro.h"
#include "scan-decode.h"
#include "source.h"

enum {
        AXES_ACCEL,
        AXES_GYRO,
        _AXES_MAX,
};

/* "accel", "anglvel": the prefix of the quantity's channels. */
extern const char *const source_iio_axes_prefix[_AXES_MAX];

/* Three channels of one quantity, and how to turn their raw values into SI units in the wanted frame. */
typedef struct IioAxes {
        const struct iio_device *device;
        const struct iio_channel *channels[3];
        ScanAxes decode; /* types and offsets set when a stream starts */
} IioAxes;

typedef struct IioSource IioSource;

/* One device whose buffer we read. It carries the accelerometer, the gyroscope or both. */
typedef struct IioStream {
        IioSource *owner;
        unsigned index;
        const struct iio_device *device;
        struct iio_buffer *buffer;
        bool carries[_AXES_MAX];
        const struct iio_channel *timestamp; /* NULL: times are counted from the rate */
        ScanType timestamp_type;
        size_t timestamp_offset;
        size_t scan_size;
        uint8_t *partial; /* the start of a scan that a read cut off, completed by the next read */
        size_t n_partial;
        double rate_hz;
        int64_t start_us;
        uint64_t n_counted;
        int64_t last_t_us;
        int64_t held_leap_t_us; /* a scan's time that leapt ahead, waiting for the next to confirm it */
        pthread_t thread;
        bool thread_running;
} IioStream;

/* What a reader thread hands to the loop: the bytes of one refill. */
typedef struct IioBlock {
        struct IioBlock *next;
        unsigned stream;
        size_t size;
        uint8_t bytes[];
} IioBlock;

/*
 * How samples reach the loop, chosen when the source opens from what the context offers: the source's
 * get_fd and read_batch are the reader's.
 */
typedef struct IioReaderOps {
        const char *how; /* for the log: "polled", "through reader threads", "from the raw attributes" */
        int (*get_fd)(Source *s);
        int (*read_batch)(Source *s, struct psoas_sample *samples, size_t max);
        /* Buffered readers: moves what arrived into the rings while they have room (read_batch is then
         * source_iio_streams_read_batch()). got_samples: read_batch already has samples for the caller. */
        int (*fill)(Source *s, bool got_samples);
        /* Buffered readers: whether data is still waiting outside the rings; NULL: never. */
        bool (*has_pending)(IioSource *p);
        /* Stops what the reader started (its threads); safe after a failed start. NULL: nothing to stop. */
        void (*stop)(IioSource *p);
} IioReaderOps;

extern const IioReaderOps source_iio_reader_poll_fd;
extern const IioReaderOps source_iio_reader_threads;
extern const IioReaderOps source_iio_reader_attributes;

struct IioSource {
        bool initialized;
        const IioReaderOps *reader; /* NULL until open chose one */
        struct iio_context *context;
        IioAxes axes[_AXES_MAX];
        bool has_gyro;
        IioStream streams[_AXES_MAX];
        unsigned n_streams;
        size_t buffer_samples;
        int epoll_fd;
        int event_fd;
        SampleRing ready; /* decoded (and paired) samples in time order, for read_batch */
        SamplePairing pairing; /* separate devices (n_streams > 1) */
        int error; /* sticky: once the device failed, read_batch keeps saying so */
        int64_t last_poll_t_us; /* attribute reader */

        /* The reader threads' queue, shared with them. */
        pthread_mutex_t lock;
        bool lock_initialized;
        IioBlock *queue_head; /* under lock */
        IioBlock *queue_tail; /* under lock */
        size_t queue_length; /* under lock */
        uint64_t dropped; /* under lock: scans thrown away because the queue was full */
        int thread_error; /* under lock */
        atomic_bool stopping;
};

/* Gives *error a sentence for the log, unless it has one. */
_printf_(2, 3) void source_iio_error_set(char **error, const char *format, ...);

/* source-iio-discover.c */
const char *source_iio_device_label(const struct iio_device *device);
const struct iio_channel *source_iio_device_find_input(const struct iio_device *device, const char *id);
/* The accelerometer: the configured device, or the first with accel_[xyz] channels. -ENODEV with *error. */
int source_iio_find_accelerometer(struct iio_context *context, const SourceOptions *options, const char *uri,
        const struct iio_device **ret, char **error);
/* The gyroscope that goes with accel; *ret NULL when there is none. -ENODEV for a configured one missing. */
int source_iio_find_gyroscope(struct iio_context *context, const struct iio_device *accel,
        const SourceOptions *options, const char *uri, const struct iio_device **ret, char **error);
/* The channels of one quantity on device, their scales and offsets, and its mount matrix. */
int source_iio_axes_setup(IioAxes *axes, const struct iio_device *device, unsigned kind,
        const SourceOptions *options, char **error);
/* Sets the sampling frequency nearest to wanted and returns the one the driver reports afterwards. -ENOENT:
 * the device has no sampling_frequency attribute. */
int source_iio_device_set_rate(
        const struct iio_device *device, const struct iio_channel *channel, double wanted, double *ret_rate);
void source_iio_device_assign_trigger(struct iio_context *context, const struct iio_device *device);
void source_iio_device_use_monotonic_clock(const struct iio_device *device);

/* source-iio-stream.c */
int source_iio_stream_start(IioStream *stream, IioAxes axes[_AXES_MAX], size_t n_samples, char **error);
/* Takes the bytes of one read into the stream's ring. */
void source_iio_stream_consume(Source *s, IioStream *stream, const uint8_t *bytes, size_t size);
/* Room for one more refill of n_scans. */
bool source_iio_stream_has_room(IioSource *p, const IioStream *stream, size_t n_scans);
/* The buffered readers' read_batch. */
int source_iio_streams_read_batch(Source *s, struct psoas_sample *samples, size_t max);
/* Makes the buffers non-blocking and watches their poll fds and the eventfd with an epoll fd. */
int source_iio_poll_fd_start(Source *s, char **error);
/* Makes the eventfd readable, so that the loop comes back. */
void source_iio_signal_event(int fd);

/* source-iio-thread.c */
int source_iio_threads_start(IioSource *p);
