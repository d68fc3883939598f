/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The IIO sample source: an accelerometer, and a gyroscope when there is one, through libiio 0.24. This is
 * the only file of psoas that includes <iio.h>.
 *
 * How samples reach the loop depends on what the context offers:
 *  - buffers with a poll fd (the local: backend): the buffers are non-blocking and the loop watches an epoll
 *    fd over them (two buffers when the accelerometer and the gyroscope are separate devices, as st_lsm6dsx
 *    makes them) and over an eventfd that says "decoded samples are still waiting" when a batch did not take
 *    them all;
 *  - buffers without a poll fd (the ip: backend of libiio 0.24): one reader thread per buffer does blocking
 *    refills and hands the bytes to the loop through a bounded queue and that eventfd;
 *  - no buffer at all: the *_raw attributes are read once per sampling period, on the loop's timer.
 * Scans are decoded in the loop's thread in every case, so that decoding, time keeping and the pairing of
 * separate accelerometer and gyroscope devices exist once.
 */

#include <errno.h>
#include <iio.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "scan-decode.h"
#include "source.h"
#include "time-util.h"

#define DEFAULT_RATE_HZ 100.0
#define DEFAULT_WAKEUPS_PER_S 4.0
/* Blocks (one refill each) the reader threads may queue before they drop data: two seconds by default. */
#define THREAD_QUEUE_BLOCKS 8
/* How long a blocking refill waits for data (iiod gives up after about half of it and answers -ETIMEDOUT).
 * A streaming sensor is never silent that long; after a timeout libiio 0.24's ip: buffer is unusable anyway,
 * so the source reports an error and the daemon reopens. */
#define THREAD_REFILL_TIMEOUT_MS 10000
/* A scan stamped further than this after the one before is held, not believed, until the next scan follows on
 * from it: one misread timestamp (years ahead) must not make every later scan look as if it went backwards. A
 * real jump (scans lost while psoasd was stopped, a clock step) costs one scan. */
#define TIMESTAMP_LEAP_MAX_US (10 * 1000000LL)

enum {
        AXES_ACCEL,
        AXES_GYRO,
        _AXES_MAX,
};

static const char *const axes_prefix[_AXES_MAX] = {
        [AXES_ACCEL] = "accel",
        [AXES_GYRO] = "anglvel",
};

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

typedef struct SampleRing {
        struct psoas_sample *items;
        size_t capacity;
        size_t head;
        size_t count;
} SampleRing;

typedef enum IioMode {
        IIO_MODE_POLL_FD,
        IIO_MODE_THREADS,
        IIO_MODE_ATTRIBUTES,
} IioMode;

struct IioSource {
        bool initialized;
        IioMode mode;
        struct iio_context *context;
        IioAxes axes[_AXES_MAX];
        bool has_gyro;
        IioStream streams[_AXES_MAX];
        unsigned n_streams;
        size_t buffer_samples;
        int64_t hold_us;
        int epoll_fd;
        int event_fd;
        SampleRing ready; /* decoded (and paired) samples in time order, for read_batch */
        SampleRing accel_waiting; /* separate devices: accelerometer samples waiting for the gyroscope */
        SampleRing gyro_recent; /* separate devices: the latest gyroscope samples */
        int error; /* sticky: once the device failed, read_batch keeps saying so */
        int64_t last_poll_t_us; /* attribute mode */

        /* Shared with the reader threads. */
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
_printf_(2, 3) static void error_set(char **error, const char *format, ...) {
        va_list ap;

        if (!error || *error)
                return;
        va_start(ap, format);
        if (vasprintf(error, format, ap) < 0)
                *error = NULL;
        va_end(ap);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Sample rings */

static int ring_init(SampleRing *ring, size_t capacity) {
        ring->items = calloc(capacity, sizeof(*ring->items));
        if (!ring->items)
                return -ENOMEM;
        ring->capacity = capacity;
        ring->head = 0;
        ring->count = 0;
        return 0;
}

static void ring_done(SampleRing *ring) {
        free(ring->items);
        *ring = (SampleRing){};
}

static size_t ring_room(const SampleRing *ring) {
        return ring->capacity - ring->count;
}

static struct psoas_sample *ring_at(const SampleRing *ring, size_t i) {
        return &ring->items[(ring->head + i) % ring->capacity];
}

static void ring_drop_front(SampleRing *ring, size_t n) {
        if (n > ring->count)
                n = ring->count;
        ring->head = (ring->head + n) % ring->capacity;
        ring->count -= n;
}

/* Appends; a full ring loses its oldest sample (callers check the room when that must not happen). */
static void ring_push(SampleRing *ring, const struct psoas_sample *sample) {
        if (ring->count == ring->capacity)
                ring_drop_front(ring, 1);
        *ring_at(ring, ring->count) = *sample;
        ring->count++;
}

static size_t ring_pop(SampleRing *ring, struct psoas_sample *samples, size_t max) {
        size_t n = ring->count < max ? ring->count : max;

        for (size_t i = 0; i < n; i++)
                samples[i] = *ring_at(ring, i);
        ring_drop_front(ring, n);
        return n;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Finding the devices */

static const struct iio_channel *device_find_input(const struct iio_device *device, const char *id) {
        return iio_device_find_channel(device, id, false);
}

static bool device_find_axes(
        const struct iio_device *device, unsigned kind, const struct iio_channel *ret[3]) {
        const struct iio_channel *found[3];

        for (unsigned i = 0; i < 3; i++) {
                char id[32];

                snprintf(id, sizeof(id), "%s_%c", axes_prefix[kind], "xyz"[i]);
                found[i] = device_find_input(device, id);
                if (!found[i])
                        return false;
        }
        if (ret)
                memcpy(ret, found, sizeof(found));
        return true;
}

static bool device_matches(const struct iio_device *device, const char *what) {
        return streq_ptr(iio_device_get_id(device), what) || streq_ptr(iio_device_get_name(device), what);
}

static const struct iio_device *context_find_device(struct iio_context *context, const char *what) {
        unsigned n = iio_context_get_devices_count(context);

        for (unsigned i = 0; i < n; i++) {
                const struct iio_device *device = iio_context_get_device(context, i);

                if (device_matches(device, what))
                        return device;
        }
        return NULL;
}

static const struct iio_device *context_find_device_with(struct iio_context *context, unsigned kind) {
        unsigned n = iio_context_get_devices_count(context);

        for (unsigned i = 0; i < n; i++) {
                const struct iio_device *device = iio_context_get_device(context, i);

                if (device_find_axes(device, kind, NULL))
                        return device;
        }
        return NULL;
}

static const char *device_label(const struct iio_device *device) {
        return iio_device_get_name(device) ?: iio_device_get_id(device);
}

static int find_accelerometer(struct iio_context *context, const SourceOptions *options, const char *uri,
        const struct iio_device **ret, char **error) {
        const struct iio_device *device;

        if (options->device) {
                device = context_find_device(context, options->device);
                if (!device) {
                        error_set(error, "There is no IIO device named '%s' in %s.", options->device, uri);
                        return -ENODEV;
                }
                if (!device_find_axes(device, AXES_ACCEL, NULL)) {
                        error_set(error,
                                "The IIO device '%s' in %s is not an accelerometer: it has no accel_x, "
                                "accel_y "
                                "and accel_z input channels.",
                                options->device, uri);
                        return -ENODEV;
                }
        } else {
                device = context_find_device_with(context, AXES_ACCEL);
                if (!device) {
                        error_set(error,
                                "There is no IIO accelerometer in %s (no device has accel_x, accel_y and "
                                "accel_z "
                                "input channels).",
                                uri);
                        return -ENODEV;
                }
        }
        *ret = device;
        return 0;
}

/* The gyroscope: on the accelerometer's device, the configured one, the st_lsm6dsx-style sibling
 * ("<part>_accel" and "<part>_gyro"), or any device with angular rate channels. NULL: accelerometer only. */
static int find_gyroscope(struct iio_context *context, const struct iio_device *accel,
        const SourceOptions *options, const char *uri, const struct iio_device **ret, char **error) {
        const struct iio_device *device = NULL;
        const char *accel_name = iio_device_get_name(accel);
        size_t length;

        if (device_find_axes(accel, AXES_GYRO, NULL)) {
                *ret = accel;
                return 0;
        }

        if (options->gyro_device) {
                device = context_find_device(context, options->gyro_device);
                if (!device) {
                        error_set(error, "There is no IIO device named '%s' in %s.", options->gyro_device,
                                uri);
                        return -ENODEV;
                }
                if (!device_find_axes(device, AXES_GYRO, NULL)) {
                        error_set(error,
                                "The IIO device '%s' in %s is not a gyroscope: it has no anglvel_x, "
                                "anglvel_y "
                                "and anglvel_z input channels.",
                                options->gyro_device, uri);
                        return -ENODEV;
                }
                *ret = device;
                return 0;
        }

        length = accel_name ? strlen(accel_name) : 0;
        if (length > strlen("_accel") && streq_ptr(accel_name + length - strlen("_accel"), "_accel")) {
                _cleanup_free_ char *sibling = NULL;

                if (asprintf(&sibling, "%.*s_gyro", (int)(length - strlen("_accel")), accel_name) < 0)
                        return -ENOMEM;
                device = context_find_device(context, sibling);
                if (device && !device_find_axes(device, AXES_GYRO, NULL))
                        device = NULL;
        }
        if (!device)
                device = context_find_device_with(context, AXES_GYRO);

        *ret = device;
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Scales, offsets, mount matrices */

/* The mount matrix of one quantity: the shared channel attribute (in_accel_mount_matrix,
 * in_anglvel_mount_matrix), else the device's "mount_matrix" (IIO_SHARED_BY_ALL, as st_lsm6dsx has it) or
 * "in_mount_matrix" (shared by direction), else the identity. */
static void axes_read_mount_matrix(IioAxes *axes, unsigned kind) {
        static const float identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        char text[256];
        const char *origin = NULL;

        memcpy(axes->decode.matrix, identity, sizeof(identity));

        if (iio_channel_find_attr(axes->channels[0], "mount_matrix") &&
                iio_channel_attr_read(axes->channels[0], "mount_matrix", text, sizeof(text)) > 0)
                origin = "in_*_mount_matrix";
        else if (iio_device_find_attr(axes->device, "mount_matrix") &&
                iio_device_attr_read(axes->device, "mount_matrix", text, sizeof(text)) > 0)
                origin = "mount_matrix";
        else if (iio_device_find_attr(axes->device, "in_mount_matrix") &&
                iio_device_attr_read(axes->device, "in_mount_matrix", text, sizeof(text)) > 0)
                origin = "in_mount_matrix";
        if (!origin)
                return;

        if (scan_mount_matrix_parse(text, axes->decode.matrix) < 0) {
                memcpy(axes->decode.matrix, identity, sizeof(identity));
                log_warning(
                        "The %s mount matrix of %s is not of the form \"a, b, c; d, e, f; g, h, i\" (%s): "
                        "using the identity.",
                        axes_prefix[kind], device_label(axes->device), text);
        }
}

static int axes_setup(IioAxes *axes, const struct iio_device *device, unsigned kind,
        const SourceOptions *options, char **error) {
        int r;

        axes->device = device;
        if (!device_find_axes(device, kind, axes->channels))
                return -ENODEV;

        for (unsigned i = 0; i < 3; i++) {
                const struct iio_channel *channel = axes->channels[i];

                /* libiio gives each channel its own "scale" and "offset", whether the file is per channel
                 * (in_accel_x_scale) or shared by type (in_accel_scale). */
                axes->decode.scale[i] = 1.0;
                axes->decode.raw_offset[i] = 0.0;
                if (iio_channel_find_attr(channel, "scale")) {
                        r = iio_channel_attr_read_double(channel, "scale", &axes->decode.scale[i]);
                        if (r < 0) {
                                error_set(error, "Cannot read the scale of %s on %s: %s.",
                                        iio_channel_get_id(channel), device_label(device), strerror(-r));
                                return r;
                        }
                } else
                        log_warning("%s on %s has no scale attribute: using its raw values unscaled.",
                                iio_channel_get_id(channel), device_label(device));
                if (iio_channel_find_attr(channel, "offset")) {
                        r = iio_channel_attr_read_double(channel, "offset", &axes->decode.raw_offset[i]);
                        if (r < 0) {
                                error_set(error, "Cannot read the offset of %s on %s: %s.",
                                        iio_channel_get_id(channel), device_label(device), strerror(-r));
                                return r;
                        }
                }
        }

        if (options->has_mount_matrix)
                memcpy(axes->decode.matrix, options->mount_matrix, sizeof(axes->decode.matrix));
        else
                axes_read_mount_matrix(axes, kind);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Device settings */

/* Where a device keeps a frequency attribute: on the device (shared by all) or on the channel (by type). */
static bool rate_attr_read(const struct iio_device *device, const struct iio_channel *channel,
        const char *attr, char *text, size_t size) {
        if (iio_device_find_attr(device, attr))
                return iio_device_attr_read(device, attr, text, size) > 0;
        if (channel && iio_channel_find_attr(channel, attr))
                return iio_channel_attr_read(channel, attr, text, size) > 0;
        return false;
}

/* The entry of sampling_frequency_available nearest to wanted, as the driver spells it ("12.500"), so that
 * writing it back needs no formatting of ours; or, for a "[min step max]" range, the nearest step. */
static int rate_pick(const char *available, double wanted, char *ret, size_t size) {
        double best = NAN;
        const char *p = available;

        if (*p == '[') {
                double range[3];
                char *end;

                p++;
                for (unsigned i = 0; i < 3; i++) {
                        range[i] = sysfs_strtod(p, &end);
                        if (end == p)
                                return -EINVAL;
                        p = end;
                }
                if (!(range[1] > 0) || range[2] < range[0])
                        return -EINVAL;
                best = range[0] + round((wanted - range[0]) / range[1]) * range[1];
                best = fmin(fmax(best, range[0]), range[2]);
                snprintf(ret, size, "%.6f", best);
                /* snprintf follows LC_NUMERIC: the kernel wants a point. */
                for (char *c = ret; *c; c++)
                        if (*c == ',')
                                *c = '.';
                return 0;
        }

        for (;;) {
                char *end;
                double value;
                size_t length;

                p += strspn(p, " \t\n");
                if (*p == '\0')
                        break;
                length = strcspn(p, " \t\n");
                value = sysfs_strtod(p, &end);
                if (end != p && value > 0 &&
                        (isnan(best) || fabs(value - wanted) < fabs(best - wanted) ||
                                (fabs(value - wanted) == fabs(best - wanted) && value > best))) {
                        best = value;
                        snprintf(ret, size, "%.*s", (int)length, p);
                }
                p += length;
        }
        return isnan(best) ? -EINVAL : 0;
}

/* Sets the sampling frequency nearest to wanted and returns the one the driver reports afterwards. -ENOENT:
 * the device has no sampling_frequency attribute. */
static int device_set_rate(const struct iio_device *device, const struct iio_channel *channel, double wanted,
        double *ret_rate) {
        char available[1024], choice[64], current[64];
        bool on_device = iio_device_find_attr(device, "sampling_frequency");
        double rate;
        ssize_t n;
        int r;

        if (!on_device && !iio_channel_find_attr(channel, "sampling_frequency"))
                return -ENOENT;

        if (rate_attr_read(device, channel, "sampling_frequency_available", available, sizeof(available)) &&
                rate_pick(available, wanted, choice, sizeof(choice)) >= 0)
                n = on_device ? iio_device_attr_write(device, "sampling_frequency", choice)
                              : iio_channel_attr_write(channel, "sampling_frequency", choice);
        else
                n = on_device ? iio_device_attr_write_double(device, "sampling_frequency", wanted)
                              : iio_channel_attr_write_double(channel, "sampling_frequency", wanted);
        if (n < 0)
                log_warning_errno((int)n, "Cannot set the sampling frequency of %s to %g Hz: %m",
                        device_label(device), wanted);

        r = on_device ? iio_device_attr_read_double(device, "sampling_frequency", &rate)
                      : iio_channel_attr_read_double(channel, "sampling_frequency", &rate);
        if (r < 0 || !(rate > 0)) {
                if (!rate_attr_read(device, channel, "sampling_frequency", current, sizeof(current)))
                        current[0] = '\0';
                log_warning("Cannot read back the sampling frequency of %s ('%s'): assuming %g Hz.",
                        device_label(device), current, wanted);
                rate = wanted;
        }
        *ret_rate = rate;
        return 0;
}

/* "<name>-dev<N>" (inv_mpu6050, bmi160 …) or "<name>-trigger" (st_sensors …). */
static bool trigger_belongs_to(const char *trigger, const char *device) {
        size_t length = device ? strlen(device) : 0;
        const char *rest;

        if (!trigger || length == 0 || strncmp(trigger, device, length) != 0)
                return false;
        rest = trigger + length;
        if (streq_ptr(rest, "-trigger"))
                return true;
        if (strncmp(rest, "-dev", 4) != 0 || rest[4] == '\0')
                return false;
        return strspn(rest + 4, "0123456789") == strlen(rest + 4);
}

/* A device with a trigger/ directory streams only once a trigger drives it. An assignment made by someone
 * else (udev, the admin) is left alone. */
static void device_assign_trigger(struct iio_context *context, const struct iio_device *device) {
        const struct iio_device *current = NULL, *first = NULL, *chosen = NULL;
        const char *name = iio_device_get_name(device);
        unsigned n;
        int r;

        r = iio_device_get_trigger(device, &current);
        if (r < 0 || current)
                return; /* no trigger support, a trigger outside this context, or already assigned */

        n = iio_context_get_devices_count(context);
        for (unsigned i = 0; i < n && !chosen; i++) {
                const struct iio_device *trigger = iio_context_get_device(context, i);

                if (!iio_device_is_trigger(trigger))
                        continue;
                if (!first)
                        first = trigger;
                if (trigger_belongs_to(iio_device_get_name(trigger), name))
                        chosen = trigger;
        }
        if (!chosen)
                chosen = first;
        if (!chosen) {
                log_debug("%s has no trigger assigned and there is none to assign.", device_label(device));
                return;
        }

        r = iio_device_set_trigger(device, chosen);
        if (r < 0)
                log_warning_errno(r, "Cannot assign the trigger %s to %s: %m", device_label(chosen),
                        device_label(device));
        else
                log_debug("Assigned the trigger %s to %s.", device_label(chosen), device_label(device));
}

/* The kernel stamps scans with CLOCK_REALTIME unless told otherwise; we count time on CLOCK_MONOTONIC. */
static void device_use_monotonic_clock(const struct iio_device *device) {
        ssize_t n;

        if (!iio_device_find_attr(device, "current_timestamp_clock"))
                return;
        n = iio_device_attr_write(device, "current_timestamp_clock", "monotonic");
        if (n < 0)
                log_debug_errno((int)n, "Cannot switch the timestamps of %s to CLOCK_MONOTONIC: %m",
                        device_label(device));
}

/* ------------------------------------------------------------------------------------------------------- */
/* Streams */

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

static int stream_start(IioStream *stream, IioAxes axes[_AXES_MAX], size_t n_samples, char **error) {
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
        timestamp = device_find_input(device, "timestamp");
        if (timestamp && iio_channel_is_scan_element(timestamp)) {
                iio_channel_enable((struct iio_channel *)timestamp);
                stream->timestamp = timestamp;
        }

        /* libiio 0.24 also sets buffer/watermark to n_samples, so the kernel wakes us once per batch. */
        stream->buffer = iio_device_create_buffer(device, n_samples, false);
        if (!stream->buffer) {
                r = errno > 0 ? -errno : -EIO;
                error_set(error, "Cannot start the buffer of %s: %s.", device_label(device), strerror(-r));
                return r;
        }

        r = stream_compute_layout(stream, axes);
        if (r < 0) {
                error_set(error, "Cannot work out the scan layout of %s: a channel has an unusable type.",
                        device_label(device));
                return r;
        }
        step = iio_buffer_step(stream->buffer);
        if (step != (ssize_t)stream->scan_size)
                log_debug("libiio's scan size for %s is %zd bytes, the kernel's rule gives %zu; using the "
                          "latter.",
                        device_label(device), step, stream->scan_size);

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

        *ret = (struct psoas_sample){ .t_us = t_us };
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
                                device_label(stream->device), (double)(t_us - stream->last_t_us) / 1e6);
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

/* ------------------------------------------------------------------------------------------------------- */
/* Pairing separate accelerometer and gyroscope devices */

/*
 * Each accelerometer sample gets the gyroscope's rate at its own time, interpolated linearly between the two
 * gyroscope samples around it. When the gyroscope's batch has not arrived yet (the two buffers wake up
 * independently), the accelerometer sample waits, up to hold_us of sample time; after that it takes the
 * latest gyroscope sample if that is no older than hold_us, else it goes out without a gyroscope reading.
 */
static void pair_samples(IioSource *p) {
        while (p->accel_waiting.count > 0 && ring_room(&p->ready) > 0) {
                struct psoas_sample *accel = ring_at(&p->accel_waiting, 0);
                const struct psoas_sample *newest_accel =
                        ring_at(&p->accel_waiting, p->accel_waiting.count - 1);
                size_t n_gyro = p->gyro_recent.count;
                const struct psoas_sample *newest_gyro =
                        n_gyro > 0 ? ring_at(&p->gyro_recent, n_gyro - 1) : NULL;
                bool must_go = p->accel_waiting.count == p->accel_waiting.capacity ||
                        newest_accel->t_us - accel->t_us >= p->hold_us;

                if (newest_gyro && newest_gyro->t_us >= accel->t_us) {
                        size_t i = 0;
                        const struct psoas_sample *after;

                        while (ring_at(&p->gyro_recent, i)->t_us < accel->t_us)
                                i++;
                        after = ring_at(&p->gyro_recent, i);
                        if (i == 0)
                                memcpy(accel->gyro, after->gyro, sizeof(accel->gyro));
                        else {
                                const struct psoas_sample *before = ring_at(&p->gyro_recent, i - 1);
                                double w = (double)(accel->t_us - before->t_us) /
                                        (double)(after->t_us - before->t_us);

                                for (unsigned axis = 0; axis < 3; axis++)
                                        accel->gyro[axis] = (float)(before->gyro[axis] +
                                                w * (after->gyro[axis] - before->gyro[axis]));
                                /* Keep "before": the next accelerometer sample may fall in the same gap. */
                                ring_drop_front(&p->gyro_recent, i - 1);
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

                ring_push(&p->ready, accel);
                ring_drop_front(&p->accel_waiting, 1);
        }
}

/* The ring a stream's decoded scans go to. */
static SampleRing *stream_target(IioSource *p, const IioStream *stream) {
        if (p->n_streams == 1)
                return &p->ready;
        return stream->carries[AXES_ACCEL] ? &p->accel_waiting : &p->gyro_recent;
}

static void stream_take_scan(Source *s, IioStream *stream, const uint8_t *scan) {
        IioSource *p = s->data;
        struct psoas_sample sample;

        if (stream_decode_scan(stream, p->axes, scan, &sample) < 0) {
                s->samples_invalid++;
                return;
        }
        sample.has_gyro = stream->carries[AXES_GYRO];
        ring_push(stream_target(p, stream), &sample);
}

/* Takes the bytes of one read. A read that ends inside a scan (a pseudo-terminal can do that, the kernel
 * does not) leaves the start of that scan for the next read to complete. */
static void stream_consume(Source *s, IioStream *stream, const uint8_t *bytes, size_t size) {
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
static bool stream_has_room(IioSource *p, const IioStream *stream, size_t n_scans) {
        if (p->n_streams > 1 && stream->carries[AXES_GYRO] && !stream->carries[AXES_ACCEL])
                return true; /* old gyroscope samples may go */
        return ring_room(stream_target(p, stream)) >= n_scans + 1;
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
/* Reader threads, for contexts whose buffers have no poll fd */

static void signal_event(int fd) {
        uint64_t one = 1;

        (void)!write(fd, &one, sizeof(one));
}

static int thread_classify_error(int error) {
        switch (error) {
        case -ENODEV:
        case -ENXIO:
        case -ENOENT:
        case -EPIPE:
        case -ECONNRESET:
        case -ECONNABORTED:
        case -ENOTCONN:
        case -ESHUTDOWN:
        case -EHOSTUNREACH:
        case -EBADF:
                return -ENODEV;
        default:
                return -EIO;
        }
}

static void *stream_reader_thread(void *userdata) {
        IioStream *stream = userdata;
        IioSource *p = stream->owner;

        for (;;) {
                ssize_t n = iio_buffer_refill(stream->buffer);
                IioBlock *block;

                if (atomic_load(&p->stopping))
                        break;
                if (n == -EINTR || n == -EAGAIN || n == 0)
                        continue;
                if (n < 0) {
                        pthread_mutex_lock(&p->lock);
                        if (p->thread_error == 0)
                                p->thread_error = thread_classify_error((int)n);
                        pthread_mutex_unlock(&p->lock);
                        signal_event(p->event_fd);
                        break;
                }

                block = malloc(sizeof(IioBlock) + (size_t)n);
                if (block) {
                        block->next = NULL;
                        block->stream = stream->index;
                        block->size = (size_t)n;
                        memcpy(block->bytes, iio_buffer_start(stream->buffer), (size_t)n);
                }

                pthread_mutex_lock(&p->lock);
                if (block && p->queue_length < THREAD_QUEUE_BLOCKS * p->n_streams) {
                        if (p->queue_tail)
                                p->queue_tail->next = block;
                        else
                                p->queue_head = block;
                        p->queue_tail = block;
                        p->queue_length++;
                        block = NULL;
                } else
                        p->dropped += (uint64_t)n / stream->scan_size;
                pthread_mutex_unlock(&p->lock);
                free(block);

                signal_event(p->event_fd);
        }
        return NULL;
}

static int streams_start_threads(IioSource *p) {
        sigset_t all, saved;
        int r = 0;

        r = pthread_mutex_init(&p->lock, NULL);
        if (r != 0)
                return -r;
        p->lock_initialized = true;

        /* The threads must not take the daemon's signals, whatever its mask is when it opens the source. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        for (unsigned i = 0; i < p->n_streams && r == 0; i++) {
                IioStream *stream = &p->streams[i];

                r = pthread_create(&stream->thread, NULL, stream_reader_thread, stream);
                if (r == 0)
                        stream->thread_running = true;
        }
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return -r;
}

static void streams_stop_threads(IioSource *p) {
        atomic_store(&p->stopping, true);
        for (unsigned i = 0; i < p->n_streams; i++)
                if (p->streams[i].thread_running)
                        iio_buffer_cancel(p->streams[i].buffer);
        for (unsigned i = 0; i < p->n_streams; i++)
                if (p->streams[i].thread_running) {
                        pthread_join(p->streams[i].thread, NULL);
                        p->streams[i].thread_running = false;
                }
}

/* Moves queued blocks into the rings while they fit. */
static int drain_thread_queue(Source *s) {
        IioSource *p = s->data;
        int error;

        for (;;) {
                IioBlock *block;
                IioStream *stream;

                pthread_mutex_lock(&p->lock);
                block = p->queue_head;
                if (block &&
                        !stream_has_room(p, &p->streams[block->stream],
                                block->size / p->streams[block->stream].scan_size))
                        block = NULL;
                if (block) {
                        p->queue_head = block->next;
                        if (!p->queue_head)
                                p->queue_tail = NULL;
                        p->queue_length--;
                }
                pthread_mutex_unlock(&p->lock);
                if (!block)
                        break;

                stream = &p->streams[block->stream];
                stream_consume(s, stream, block->bytes, block->size);
                free(block);
        }

        pthread_mutex_lock(&p->lock);
        if (p->dropped > 0) {
                log_warning("The IIO reader queue overflowed: dropped %" PRIu64 " scans.", p->dropped);
                s->samples_invalid += p->dropped;
                p->dropped = 0;
        }
        /* A thread's error counts once the data it delivered before it is out. */
        error = p->queue_head ? 0 : p->thread_error;
        pthread_mutex_unlock(&p->lock);
        return error;
}

static bool thread_queue_is_empty(IioSource *p) {
        bool empty;

        pthread_mutex_lock(&p->lock);
        empty = !p->queue_head;
        pthread_mutex_unlock(&p->lock);
        return empty;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Reading */

/* Refills every buffer until the kernel has nothing more or our rings are full. Sets *ret_got when anything
 * arrived. */
static int refill_streams(Source *s, bool *ret_got) {
        IioSource *p = s->data;
        bool got = false;

        for (unsigned i = 0; i < p->n_streams; i++) {
                IioStream *stream = &p->streams[i];

                while (stream_has_room(p, stream, p->buffer_samples)) {
                        ssize_t n = iio_buffer_refill(stream->buffer);

                        if (n == -EAGAIN || n == 0)
                                break;
                        if (n < 0) {
                                *ret_got = got;
                                return stream_classify_error(stream, (int)n);
                        }
                        got = true;
                        stream_consume(s, stream, iio_buffer_start(stream->buffer), (size_t)n);
                }
        }
        *ret_got = got;
        return 0;
}

static int read_attributes(Source *s, struct psoas_sample *sample) {
        IioSource *p = s->data;
        int64_t now = (int64_t)time_now_us(CLOCK_MONOTONIC);

        if (now <= p->last_poll_t_us)
                return 0;

        *sample = (struct psoas_sample){ .t_us = now, .has_gyro = p->has_gyro };
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

static int iio_read_batch(Source *s, struct psoas_sample *samples, size_t max) {
        IioSource *p = s->data;
        bool got = false;
        size_t n;
        int r = 0;

        if (!p->initialized)
                return -EBADF;
        if (max == 0)
                return 0;
        if (max > INT_MAX)
                max = INT_MAX;

        if (p->mode == IIO_MODE_ATTRIBUTES) {
                if (p->error < 0)
                        return p->error;
                r = read_attributes(s, samples);
                if (r < 0)
                        p->error = r;
                return r;
        }

        if (p->event_fd >= 0) {
                uint64_t counter;

                (void)!read(p->event_fd, &counter, sizeof(counter));
        }

        n = ring_pop(&p->ready, samples, max);
        if (p->error == 0) {
                if (p->mode == IIO_MODE_THREADS)
                        r = drain_thread_queue(s);
                else {
                        r = refill_streams(s, &got);
                        /* Called with nothing to read: a poll on an unregistered IIO device reports no
                         * event at all, so the daemon's stall timer calls us, and this is how we notice. */
                        if (r == 0 && !got && n == 0 && p->accel_waiting.count == 0)
                                for (unsigned i = 0; i < p->n_streams && r == 0; i++) {
                                        char name[64];

                                        if (iio_device_attr_read(
                                                    p->streams[i].device, "name", name, sizeof(name)) < 0)
                                                r = -ENODEV;
                                }
                }
                if (r < 0)
                        p->error = r;
        }
        if (p->n_streams > 1)
                pair_samples(p);
        n += ring_pop(&p->ready, samples + n, max - n);

        /* Samples or blocks left behind: keep the fd readable so that the loop comes back for them. */
        if (p->ready.count > 0 || (p->mode == IIO_MODE_THREADS && !thread_queue_is_empty(p)))
                signal_event(p->event_fd);

        if (n > 0)
                return (int)n;
        return p->error;
}

static int iio_get_fd(Source *s) {
        IioSource *p = s->data;

        if (!p->initialized)
                return -EBADF;
        switch (p->mode) {
        case IIO_MODE_POLL_FD:
                return p->epoll_fd;
        case IIO_MODE_THREADS:
                return p->event_fd;
        default:
                return -ENOENT;
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Opening and closing */

static void iio_close(Source *s) {
        IioSource *p = s->data;

        if (!p || !p->initialized)
                return;

        if (p->mode == IIO_MODE_THREADS)
                streams_stop_threads(p);
        for (unsigned i = 0; i < p->n_streams; i++) {
                /* Destroying the buffer disables it and its channels. */
                if (p->streams[i].buffer)
                        iio_buffer_destroy(p->streams[i].buffer);
                free(p->streams[i].partial);
        }
        while (p->queue_head) {
                IioBlock *next = p->queue_head->next;

                free(p->queue_head);
                p->queue_head = next;
        }
        if (p->lock_initialized)
                pthread_mutex_destroy(&p->lock);
        if (p->epoll_fd >= 0)
                close(p->epoll_fd);
        if (p->event_fd >= 0)
                close(p->event_fd);
        ring_done(&p->ready);
        ring_done(&p->accel_waiting);
        ring_done(&p->gyro_recent);
        if (p->context)
                iio_context_destroy(p->context);

        memset(p, 0, sizeof(*p));
        free(s->description);
        s->description = NULL;
}

static int epoll_watch(int epoll_fd, int fd) {
        struct epoll_event event = { .events = EPOLLIN, .data.fd = fd };

        if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0)
                return -errno;
        return 0;
}

static int open_streaming(Source *s, double wakeups_per_s, const char *uri, char **error) {
        IioSource *p = s->data;
        bool has_poll_fd = true;
        size_t capacity;
        int64_t now;
        int r;

        p->buffer_samples = (size_t)fmax(1.0, round(s->rate_hz / wakeups_per_s));
        /* How long an accelerometer sample may wait for its gyroscope batch: two batches. */
        p->hold_us = (int64_t)fmax(100e3, 2e6 * (double)p->buffer_samples / s->rate_hz);

        capacity = 4 * p->buffer_samples + 64;
        r = ring_init(&p->ready, capacity);
        if (r < 0)
                return r;
        if (p->n_streams > 1) {
                r = ring_init(&p->accel_waiting, capacity);
                if (r < 0)
                        return r;
                r = ring_init(&p->gyro_recent, capacity);
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
                device_assign_trigger(p->context, stream->device);
                device_use_monotonic_clock(stream->device);
                r = stream_start(stream, p->axes, p->buffer_samples, error);
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
                p->mode = IIO_MODE_THREADS;
                r = streams_start_threads(p);
                if (r < 0) {
                        error_set(error, "Cannot start the IIO reader thread: %s.", strerror(-r));
                        return r;
                }
                return 0;
        }

        p->mode = IIO_MODE_POLL_FD;
        p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (p->epoll_fd < 0)
                return -errno;
        for (unsigned i = 0; i < p->n_streams; i++) {
                IioStream *stream = &p->streams[i];

                r = iio_buffer_set_blocking_mode(stream->buffer, false);
                if (r < 0) {
                        error_set(error, "Cannot make the buffer of %s non-blocking: %s.",
                                device_label(stream->device), strerror(-r));
                        return r;
                }
                r = epoll_watch(p->epoll_fd, iio_buffer_get_poll_fd(stream->buffer));
                if (r < 0)
                        return r;
        }
        return epoll_watch(p->epoll_fd, p->event_fd);
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
                error_set(error, "Cannot open the IIO context %s: %s.", uri, strerror(-r));
                /* No /sys/bus/iio at all: no sensor yet, as far as the daemon is concerned. */
                return r == -ENOENT ? -ENODEV : r;
        }

        r = find_accelerometer(p->context, options, uri, &accel, error);
        if (r < 0)
                return r;
        r = find_gyroscope(p->context, accel, options, uri, &gyro, error);
        if (r < 0)
                return r;

        r = axes_setup(&p->axes[AXES_ACCEL], accel, AXES_ACCEL, options, error);
        if (r < 0)
                return r;
        p->has_gyro = gyro != NULL;
        if (gyro) {
                r = axes_setup(&p->axes[AXES_GYRO], gyro, AXES_GYRO, options, error);
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
                r = device_set_rate(axes->device, axes->channels[0], wanted, &rate);
                if (r == -ENOENT)
                        rate = wanted; /* no sampling_frequency: trust the configuration */
                if (!shared_device)
                        p->streams[kind == AXES_GYRO ? 1 : 0].rate_hz = rate;
        }

        name = device_label(accel);
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
                p->mode = IIO_MODE_ATTRIBUTES;
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
                p->buffer_samples, p->mode == IIO_MODE_THREADS ? "through reader threads" : "polled");
        return 0;
}

static int iio_open(Source *s, const SourceOptions *options, char **ret_error) {
        _cleanup_free_ char *error = NULL;
        int r;

        iio_close(s); /* a second open starts afresh */

        r = open_internal(s, options, &error);
        if (r < 0) {
                iio_close(s);
                error_set(&error, "Cannot open the IIO sensor: %s.", strerror(-r));
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
