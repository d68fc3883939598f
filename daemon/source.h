/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where samples come from, behind an ops table: the IIO sensor (source-iio*.c, the only files that include
 * <iio.h>) and a CSV recording (source-replay.c). The manager owns the event loop; a source only hands it an fd
 * to watch (or asks for a timer) and fills sample batches when asked. A source never blocks in read_batch.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <psoas/psoas.h>

typedef struct Source Source;

typedef struct SourceOptions {
        /* IIO */
        const char *uri; /* "local:", "ip:host" … */
        const char *device; /* NULL: automatic */
        const char *gyro_device; /* NULL: automatic */
        double rate_hz; /* wanted sampling rate; the nearest available is used */
        bool has_mount_matrix; /* overrides the device's mount matrix */
        float mount_matrix[9];
        /* How often the daemon wants to wake up to take a batch; sets the buffer size and watermark. */
        double wakeups_per_s; /* default 4 */

        /* Replay */
        const char *replay_path;
        double replay_speed; /* 1 = real time; <= 0 or +inf: as fast as the loop can take it */
        const struct CsvUnits *replay_units; /* the recording's units (csv-units.h); NULL: SI */
} SourceOptions;

typedef struct SourceOps {
        const char *kind; /* "iio", "replay" */
        /* Samples arrive as they are taken (a sensor: stalls, faults and retries apply, sample time follows the
         * wall clock), or from a recording (its own time, played to an end). */
        bool live;
        size_t object_size; /* bytes to allocate for the source's private part */

        /* Finds and starts the device. Fills s->description, s->rate_hz, s->has_gyro, s->hardware_timestamps.
         * -ENODEV when there is no matching device (yet), other -errno for failures; *ret_error may then get a
         * malloc'ed sentence for the log. Must leave nothing open on failure. */
        int (*open)(Source *s, const SourceOptions *options, char **ret_error);
        /* Stops streaming (buffer disabled) and releases everything open() took. Safe after a failed open. */
        void (*close)(Source *s);
        /* The fd to watch for EPOLLIN, or -ENOENT: the source is timer-driven, call read_batch every
         * s->poll_interval_us instead. */
        int (*get_fd)(Source *s);
        /* Moves up to max decoded samples (SI units, sensor frame after the mount matrix, monotonic t_us) into
         * samples. Returns the count (0: nothing ready now), -ENODEV when the device went away, -EPIPE at the
         * end of a recording, other -errno on read errors. Never blocks. */
        int (*read_batch)(Source *s, struct psoas_sample *samples, size_t max);
} SourceOps;

struct Source {
        const SourceOps *ops;
        char *description; /* "lsm6dsox on local:", "replay of day.csv at 60×" */
        double rate_hz;
        bool has_gyro;
        bool hardware_timestamps; /* t_us from the IIO timestamp channel, not counted from the rate */
        uint64_t poll_interval_us; /* for timer-driven sources */
        uint64_t samples_invalid; /* saturated or undecodable scans dropped inside the source */
        /* The source's clock against the wall clock, for a recording: sample time clock_origin_t_us was due
         * at CLOCK_REALTIME clock_origin_realtime_us (the replay starts "now"), and sample time runs
         * clock_speed times as fast as the wall clock from there (0: as fast as it is read). A sensor, whose
         * samples arrive as they are taken, leaves the origin 0 and the speed 1: its first sample is "now". */
        int64_t clock_origin_t_us;
        int64_t clock_origin_realtime_us;
        double clock_speed;
        void *data; /* ops->object_size bytes, zeroed, owned by the source */
};

extern const SourceOps source_iio_ops;
extern const SourceOps source_replay_ops;

/* Allocates the source and its private part; does not open it. */
int source_new(const SourceOps *ops, Source **ret);
/* Closes (when open) and frees; accepts NULL. */
Source *source_free(Source *s);

/* source-replay.c: "FILE:LINE: what is wrong" after read_batch returned -EBADMSG. */
const char *source_replay_error(Source *s);
