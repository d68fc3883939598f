/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The sensor's life cycle: opening the source (IIO or a recording, daemon/source.h), watching it in the loop,
 * taking its batches, judging its health (stalls, stuck values, wrong rate, garbage), and reopening it after a
 * fault, with what SensorState, Sensor, SensorError and SampleRate say of it. The samples themselves go to the
 * manager (manager_on_samples()), which feeds the engine.
 */

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include <psoas/psoas.h>

#include "sensor-check.h"
#include "source.h"

typedef struct Manager Manager;

typedef enum SensorState {
        SENSOR_ABSENT,
        SENSOR_STARTING,
        SENSOR_STREAMING,
        SENSOR_STALLED,
        SENSOR_REPLAY,
        SENSOR_ENDED, /* the recording was played to its end */
        SENSOR_ERROR,
        /* Streaming, but the samples are wrong (daemon/sensor-check.h). */
        SENSOR_STUCK,
        SENSOR_RATE_MISMATCH,
        SENSOR_GARBAGE,
        _SENSOR_STATE_MAX,
} SensorState;

const char *sensor_state_to_string(SensorState s);

/* Samples taken from the source per read_batch() call. */
#define SENSOR_BATCH 512

typedef struct Sensor {
        const SourceOps *ops; /* which kind of source: chosen once, at the start */
        SourceOptions options;
        Source *source; /* NULL while closed */
        sd_event_source *source_event; /* io or timer */
        sd_event_source *stall_timer;
        sd_event_source *retry_timer;
        uint64_t retry_delay_us;

        SensorState state;
        char *description;
        char *error; /* why state is SENSOR_ERROR, in words ("day.csv:12: …"); NULL otherwise */
        double sample_rate;
        int64_t rate_t0_us; /* measuring the rate of a source that does not know it (a replay) */
        uint64_t rate_samples;
        bool lost_logged;
        bool finished; /* a recording played to its end, or broken */

        SensorCheck *check; /* stuck, wrong rate, garbage: judged from every batch */
        uint64_t invalid_seen; /* the source's samples_invalid at the last batch */
        int64_t last_t_us; /* the last sample fed from this source session, to spot timestamps that leap */
        int64_t last_t_wall_us; /* CLOCK_REALTIME when it came */
        int64_t last_t_mono_us; /* CLOCK_MONOTONIC when it came */
        bool have_last_t;
        uint64_t samples_dropped; /* invalid samples from the source, counted but never fed */
        uint64_t samples_fed;
        struct psoas_sample *batch; /* SENSOR_BATCH samples */
} Sensor;

int sensor_init(Sensor *s, const SourceOps *ops);
void sensor_done(Manager *m);

/* Opens the source and hooks it into the loop. On failure the state says why and the caller retries (or, for
 * a recording, gives up: the error is logged). */
int sensor_start(Manager *m);
void sensor_stop(Manager *m);
void sensor_schedule_retry(Manager *m);
/* Whether a calibration can run: samples are coming. */
bool sensor_active(const Sensor *s);
/* Whether the source delivers samples as they are taken (a sensor), not from a recording. */
static inline bool sensor_live(const Sensor *s) {
        return s->ops->live;
}
void sensor_set_error(Manager *m, const char *error);
/* Whether a sample's time is believable (see sensor.c); it then becomes the newest. */
bool sensor_sample_in_time(Sensor *s, int64_t t_us, int64_t wall_us, int64_t mono_us);
/* For a source that does not know its rate (a recording): measured from the first two seconds of samples. */
void sensor_measure_rate(Manager *m, int64_t t_us);
void sensor_set_description(Manager *m, const char *description, double rate);

/* What the sensor asks of the manager (manager.c). */
/* n samples to feed the engine, in order. */
void manager_on_samples(Manager *m, struct psoas_sample *samples, size_t n);
/* After the batches of one wake-up: the clock, the bus, saving, STATUS=. */
void manager_on_samples_taken(Manager *m);
/* The sensor opened (again). */
void manager_on_sensor_opened(Manager *m);
/* The sensor went away, or the recording ended (error -EPIPE) or is malformed (other errors). */
void manager_on_sensor_gone(Manager *m, int error);
/* SensorState changed: STATUS= says it at once. */
void manager_on_sensor_state(Manager *m);
