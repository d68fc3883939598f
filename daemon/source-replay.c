/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A recording in psoas-analyze's CSV format played back as if it were the sensor: the samples are handed out when
 * their time comes, scaled by the speed (speed <= 0: as fast as the loop takes them). Timer-driven: the manager
 * calls read_batch every poll_interval_us.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csv-units.h"
#include "csv.h"
#include "source.h"
#include "time-util.h"

typedef struct Replay {
        CsvReader *reader;
        double speed; /* 0: unpaced */
        bool pending_valid; /* a record read ahead whose time has not come */
        CsvRecord pending;
        bool ended;
        int error;
        int64_t first_t_us;
        uint64_t start_mono_us;
} Replay;

static void replay_close(Source *s) {
        Replay *r = s->data;

        r->reader = csv_reader_free(r->reader);
        r->pending_valid = false;
}

static int replay_open(Source *s, const SourceOptions *o, char **ret_error) {
        Replay *r = s->data;
        int n;

        if (!o->replay_path)
                return -EINVAL;

        n = csv_reader_open(o->replay_path, &r->reader);
        if (n < 0) {
                if (ret_error && asprintf(ret_error, "%s: %s", o->replay_path, strerror(-n)) < 0)
                        *ret_error = NULL;
                return n;
        }
        /* A recording that looks like g, °/s or milliseconds is refused at the first read, as psoas-analyze
         * refuses it, unless --units said so and it is converted. */
        n = csv_reader_set_units(r->reader, o->replay_units, true);
        if (n < 0) {
                replay_close(s);
                return n;
        }
        /* The first record says whether the recording has a gyroscope and where its time starts. */
        n = csv_reader_read(r->reader, &r->pending);
        if (n <= 0) {
                if (ret_error &&
                        asprintf(ret_error, "%s",
                                n == 0 ? "the recording has no samples" : csv_reader_error(r->reader)) < 0)
                        *ret_error = NULL;
                replay_close(s);
                return n == 0 ? -ENODATA : n;
        }
        r->pending_valid = true;
        r->first_t_us = r->pending.t_us;
        r->start_mono_us = time_now_us(CLOCK_MONOTONIC);
        r->speed = isfinite(o->replay_speed) && o->replay_speed > 0 ? o->replay_speed : 0;
        /* The replay's clock: its first sample is due now, and its time runs at the speed from there. */
        s->clock_origin_t_us = r->first_t_us;
        s->clock_origin_realtime_us = (int64_t)time_now_us(CLOCK_REALTIME);
        s->clock_speed = r->speed;
        r->ended = false;
        r->error = 0;

        s->has_gyro = csv_reader_has_gyro(r->reader);
        s->hardware_timestamps = true;
        /* Paced: wake 20 times a second, like a sensor buffer would; unpaced: as often as the loop allows. */
        s->poll_interval_us = r->speed > 0 ? 50000 : 0;
        s->rate_hz = 0; /* the manager measures it from the timestamps */
        free(s->description);
        if (r->speed > 0) {
                if (asprintf(&s->description, "replay of %s at %g×", o->replay_path, r->speed) < 0)
                        s->description = NULL;
        } else if (asprintf(&s->description, "replay of %s", o->replay_path) < 0)
                s->description = NULL;
        return 0;
}

static int replay_get_fd(Source *s) {
        return -ENOENT;
}

static int replay_read_batch(Source *s, struct psoas_sample *samples, size_t max) {
        Replay *r = s->data;
        int64_t due_us = INT64_MAX;
        size_t n = 0;

        if (!r->reader)
                return -EBADF;
        if (r->error < 0)
                return r->error;

        if (r->speed > 0)
                due_us = r->first_t_us +
                        (int64_t)((double)(time_now_us(CLOCK_MONOTONIC) - r->start_mono_us) * r->speed);

        while (n < max) {
                if (!r->pending_valid) {
                        int k = csv_reader_read(r->reader, &r->pending);
                        if (k < 0) {
                                r->error = k;
                                break;
                        }
                        if (k == 0) {
                                r->error = -EPIPE;
                                break;
                        }
                        r->pending_valid = true;
                }
                if (r->pending.t_us > due_us)
                        break;

                samples[n] = (struct psoas_sample){
                        .size = sizeof(struct psoas_sample),
                        .t_us = r->pending.t_us,
                        .has_gyro = s->has_gyro,
                };
                memcpy(samples[n].accel, r->pending.accel, sizeof(samples[n].accel));
                memcpy(samples[n].gyro, r->pending.gyro, sizeof(samples[n].gyro));
                r->pending_valid = false;
                n++;
        }

        /* Hand out what was read before reporting the end or the error on the next call. */
        if (n > 0)
                return (int)n;
        return r->error;
}

/* "FILE:LINE: what is wrong" after read_batch returned -EBADMSG. */
const char *source_replay_error(Source *s) {
        Replay *r = s->data;

        return r->reader ? csv_reader_error(r->reader) : "";
}

const SourceOps source_replay_ops = {
        .kind = "replay",
        .live = false,
        .object_size = sizeof(Replay),
        .open = replay_open,
        .close = replay_close,
        .get_fd = replay_get_fd,
        .read_batch = replay_read_batch,
};
