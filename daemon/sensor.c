/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log-journal.h"
#include "manager.h"
#include "sensor.h"
#include "time-util.h"

/* No sample for this long (wall time) and the sensor is stalled. */
#define STALL_USEC (2 * USEC_PER_SEC)
/* Retry delays after a sensor fault: doubling, capped so that a returning device is back within 5 s. */
#define RETRY_MIN_USEC (250 * 1000ull)
#define RETRY_MAX_USEC (2 * USEC_PER_SEC)
/* A sample this much further ahead of the one before it than the wall clock moved meanwhile is a misread
 * timestamp, not time that passed: fed, it would move the day on by years. */
#define TIME_LEAP_MAX_USEC (3600 * USEC_PER_SEC)

static void sensor_lost(Manager *m, int error, const char *why);

/* Whether t_us, arriving at wall_us and mono_us, is in time, and not ahead of the previous sample by much more
 * (TIME_LEAP_MAX_USEC) than time passed since. Only for sensors: a recording may have holes of hours, played in
 * no time. Time passed is the larger of what CLOCK_MONOTONIC and the wall clock say: a clock step forward (NTP
 * at boot) moves sample times with it when the IIO timestamps are on CLOCK_REALTIME, and passes; a step back
 * must not make every later sample look ahead. A sample in time becomes the previous one. */
bool sensor_sample_in_time(Sensor *s, int64_t t_us, int64_t wall_us, int64_t mono_us) {
        int64_t wall = wall_us - s->last_t_wall_us, monotonic = mono_us - s->last_t_mono_us;

        if (sensor_live(s) && s->have_last_t &&
                t_us - s->last_t_us > (wall > monotonic ? wall : monotonic) + (int64_t)TIME_LEAP_MAX_USEC)
                return false;
        s->last_t_us = t_us;
        s->last_t_wall_us = wall_us;
        s->last_t_mono_us = mono_us;
        s->have_last_t = true;
        return true;
}

int sensor_init(Sensor *s, const SourceOps *ops) {
        int r;

        *s = (Sensor){ .ops = ops, .state = SENSOR_ABSENT };
        s->batch = calloc(SENSOR_BATCH, sizeof(*s->batch));
        if (!s->batch)
                return -ENOMEM;
        r = sensor_check_new(&s->check);
        if (r < 0)
                return r;
        return 0;
}

void sensor_done(Manager *m) {
        sensor_stop(m);
        m->sensor.stall_timer = sd_event_source_disable_unref(m->sensor.stall_timer);
        m->sensor.retry_timer = sd_event_source_disable_unref(m->sensor.retry_timer);
        free(m->sensor.description);
        free(m->sensor.error);
        free(m->sensor.batch);
        m->sensor.check = sensor_check_free(m->sensor.check);
}

static const char *const sensor_state_table[_SENSOR_STATE_MAX] = {
        [SENSOR_ABSENT] = "absent",
        [SENSOR_STARTING] = "starting",
        [SENSOR_STREAMING] = "streaming",
        [SENSOR_STALLED] = "stalled",
        [SENSOR_REPLAY] = "replay",
        [SENSOR_ENDED] = "ended",
        [SENSOR_ERROR] = "error",
        [SENSOR_STUCK] = "stuck",
        [SENSOR_RATE_MISMATCH] = "rate-mismatch",
        [SENSOR_GARBAGE] = "garbage",
};

const char *sensor_state_to_string(SensorState s) {
        return s >= 0 && s < _SENSOR_STATE_MAX ? sensor_state_table[s] : NULL;
}

/* Sets SensorError: why the sensor (or the recording) failed, in words; NULL clears it. */
void sensor_set_error(Manager *m, const char *error) {
        char *copy = NULL;

        if (streq_ptr(m->sensor.error, error))
                return;
        if (error) {
                copy = strdup(error);
                if (!copy)
                        return;
        }
        free(m->sensor.error);
        m->sensor.error = copy;
        manager_mark_changed(m, MANAGER_CHANGE_SENSOR_ERROR);
}

static void set_sensor_state(Manager *m, SensorState s) {
        /* The error describes the error state only. */
        if (s != SENSOR_ERROR)
                sensor_set_error(m, NULL);
        if (m->sensor.state == s)
                return;
        m->sensor.state = s;
        manager_mark_changed(m, MANAGER_CHANGE_SENSOR_STATE);
        manager_on_sensor_state(m);
}

void sensor_set_description(Manager *m, const char *description, double rate) {
        if (!description)
                description = "";
        if (!m->sensor.description || strcmp(m->sensor.description, description) != 0) {
                free(m->sensor.description);
                m->sensor.description = strdup(description);
                manager_mark_changed(m, MANAGER_CHANGE_SENSOR);
        }
        if (rate != m->sensor.sample_rate) {
                m->sensor.sample_rate = rate;
                manager_mark_changed(m, MANAGER_CHANGE_SAMPLE_RATE);
        }
}

void sensor_measure_rate(Manager *m, int64_t t_us) {
        if (m->sensor.rate_samples++ == 0) {
                m->sensor.rate_t0_us = t_us;
                return;
        }
        /* Two seconds of timestamps give the rate to a tenth of a hertz, whatever the jitter. */
        if (t_us - m->sensor.rate_t0_us >= 2 * (int64_t)USEC_PER_SEC) {
                double rate =
                        (double)(m->sensor.rate_samples - 1) * 1e6 / (double)(t_us - m->sensor.rate_t0_us);
                sensor_set_description(m, m->sensor.description, round(rate * 10) / 10);
        }
}

void sensor_stop(Manager *m) {
        m->sensor.source_event = sd_event_source_disable_unref(m->sensor.source_event);
        m->sensor.source = source_free(m->sensor.source);
        if (m->sensor.stall_timer)
                (void)sd_event_source_set_enabled(m->sensor.stall_timer, SD_EVENT_OFF);
}

static void stall_timer_rearm(Manager *m) {
        if (!m->sensor.stall_timer || !m->sensor.ops->live)
                return;
        (void)sd_event_source_set_time_relative(m->sensor.stall_timer, STALL_USEC);
        (void)sd_event_source_set_enabled(m->sensor.stall_timer, SD_EVENT_ONESHOT);
}

static void sensor_finished(Manager *m, int error) {
        const char *why = error == -EBADMSG && m->sensor.source ? source_replay_error(m->sensor.source)
                                                                : strerror(-error);

        m->sensor.finished = true;
        m->sensor.source_event = sd_event_source_disable_unref(m->sensor.source_event);
        if (error != -EPIPE) {
                log_error("The recording is malformed: %s", why);
                sensor_set_error(m, why);
        }
        manager_on_sensor_gone(m, error);
        set_sensor_state(m, error == -EPIPE ? SENSOR_ENDED : SENSOR_ERROR);
}

/* What SensorState says of a sensor that delivers: streaming, or the worst of the faults in its samples. */
/* What SensorState says of a sensor that delivers: streaming, or the worst of the faults in its samples. */
static SensorState streaming_state(Manager *m) {
        switch (sensor_fault_primary(sensor_check_faults(m->sensor.check))) {
        case SENSOR_FAULT_GARBAGE:
                return SENSOR_GARBAGE;
        case SENSOR_FAULT_STUCK:
                return SENSOR_STUCK;
        case SENSOR_FAULT_RATE:
                return SENSOR_RATE_MISMATCH;
        default:
                return SENSOR_STREAMING;
        }
}

static bool sensor_state_is_streaming(SensorState s) {
        return s == SENSOR_STREAMING || s == SENSOR_STUCK || s == SENSOR_RATE_MISMATCH ||
                s == SENSOR_GARBAGE;
}

/* Logs each fault as it is raised, and "Sensor back" when the last one clears. */
static void sensor_faults_changed(Manager *m, unsigned changed) {
        static const struct {
                SensorFault fault;
                const char *message_id;
                const char *what;
        } faults[] = {
                { SENSOR_FAULT_STUCK, MESSAGE_ID_SENSOR_STUCK, "Sensor stuck" },
                { SENSOR_FAULT_RATE, MESSAGE_ID_SENSOR_RATE_MISMATCH, "Sensor sampling at the wrong rate" },
                { SENSOR_FAULT_GARBAGE, MESSAGE_ID_SENSOR_GARBAGE, "Sensor sends garbage" },
        };
        unsigned now = sensor_check_faults(m->sensor.check);
        char evidence[256];

        for (size_t i = 0; i < ELEMENTSOF(faults); i++)
                if (changed & now & faults[i].fault)
                        log_id(LOG_WARNING, faults[i].message_id, 0, "%s (%s): %s.", faults[i].what,
                                m->sensor.description ?: "the sensor",
                                sensor_check_describe(
                                        m->sensor.check, faults[i].fault, evidence, sizeof(evidence)));
        if (now == 0 && (changed & ~now))
                log_id(LOG_NOTICE, MESSAGE_ID_SENSOR_BACK, 0, "Sensor back: %s.",
                        m->sensor.description ?: "");
        if (sensor_state_is_streaming(m->sensor.state))
                set_sensor_state(m, streaming_state(m));
}

/* Shows one batch (n samples, and the scans the source dropped since the last one) to the sensor check. A batch
 * of nothing but dropped scans does not rearm the stall timer: reopening the device is what cures a stream that
 * lost its alignment or its clock. */
static void sensor_check_batch(Manager *m, size_t n) {
        uint64_t invalid = m->sensor.source->samples_invalid, dropped = invalid - m->sensor.invalid_seen;
        unsigned changed;

        m->sensor.invalid_seen = invalid;
        if (!m->sensor.ops->live)
                return;
        changed = sensor_check_feed(
                m->sensor.check, m->sensor.batch, n, dropped, time_now_us(CLOCK_MONOTONIC));
        if (changed)
                sensor_faults_changed(m, changed);
}

/* Takes what the source has, a bounded number of batches so that the bus is never starved. */
static int sensor_drain(Manager *m) {
        bool got = false;
        int r = 0;

        for (unsigned i = 0; i < 64; i++) {
                r = m->sensor.source->ops->read_batch(m->sensor.source, m->sensor.batch, SENSOR_BATCH);
                if (r < 0)
                        break;
                sensor_check_batch(m, (size_t)r);
                if (r == 0)
                        break;
                got = true;
                /* A stuck sensor's samples say nothing about the wearer: the engine does not get them. */
                if (!(sensor_check_faults(m->sensor.check) & SENSOR_FAULT_STUCK))
                        manager_on_samples(m, m->sensor.batch, (size_t)r);
                /* A short batch means the source is drained: asking again would only cost system calls on
                 * every wake-up (the stall timer still asks when nothing comes). */
                if (r < SENSOR_BATCH) {
                        r = 0;
                        break;
                }
        }

        if (got) {
                if (m->sensor.state == SENSOR_STARTING) {
                        if (m->sensor.lost_logged)
                                log_id(LOG_NOTICE, MESSAGE_ID_SENSOR_BACK, 0, "Sensor back: %s.",
                                        m->sensor.description ?: "");
                        m->sensor.lost_logged = false;
                        m->sensor.retry_delay_us = 0;
                        set_sensor_state(m, streaming_state(m));
                } else if (m->sensor.state == SENSOR_STALLED)
                        set_sensor_state(m, streaming_state(m));
                stall_timer_rearm(m);
                manager_on_samples_taken(m);
        }

        if (r < 0 && r != -EAGAIN) {
                if (!m->sensor.ops->live)
                        sensor_finished(m, r);
                else
                        sensor_lost(m, r, r == -ENODEV ? "the device went away" : "read error");
                return r;
        }
        return 0;
}

static int on_source_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;

        if (revents & (EPOLLERR | EPOLLHUP) && !(revents & EPOLLIN)) {
                sensor_lost(m, -ENODEV, "the device went away");
                return 0;
        }
        (void)sensor_drain(m);
        return 0;
}

static int on_source_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        /* Timer-driven sources want their own pace, not sd-event's default 250 ms slack. */
        (void)sd_event_source_set_time_accuracy(s, 1000);

        if (sensor_drain(m) < 0)
                return 0;
        if (m->sensor.source_event) {
                (void)sd_event_source_set_time_relative(
                        m->sensor.source_event, m->sensor.source->poll_interval_us);
                (void)sd_event_source_set_enabled(m->sensor.source_event, SD_EVENT_ONESHOT);
        }
        return 0;
}

static int on_stall(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        sensor_lost(m, -ETIMEDOUT, "no samples for 2 s");
        return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (sensor_start(m) < 0)
                sensor_schedule_retry(m);
        return 0;
}

void sensor_schedule_retry(Manager *m) {
        m->sensor.retry_delay_us =
                m->sensor.retry_delay_us == 0 ? RETRY_MIN_USEC : m->sensor.retry_delay_us * 2;
        if (m->sensor.retry_delay_us > RETRY_MAX_USEC)
                m->sensor.retry_delay_us = RETRY_MAX_USEC;

        if (!m->sensor.retry_timer) {
                if (sd_event_add_time_relative(m->event, &m->sensor.retry_timer, CLOCK_MONOTONIC,
                            m->sensor.retry_delay_us, 0, on_retry, m) < 0)
                        log_error("Cannot schedule a sensor retry; the sensor will not come back.");
                return;
        }
        (void)sd_event_source_set_time_relative(m->sensor.retry_timer, m->sensor.retry_delay_us);
        (void)sd_event_source_set_enabled(m->sensor.retry_timer, SD_EVENT_ONESHOT);
}

static void sensor_lost(Manager *m, int error, const char *why) {
        sensor_stop(m);
        if (!m->sensor.lost_logged)
                log_id(LOG_WARNING, MESSAGE_ID_SENSOR_LOST, error, "Sensor lost (%s): %s. Retrying.", why,
                        m->sensor.description ?: "");
        m->sensor.lost_logged = true;
        manager_on_sensor_gone(m, error);
        if (error != -ETIMEDOUT && error != -ENODEV) {
                _cleanup_free_ char *text = NULL;

                if (asprintf(&text, "%s: %s", why, strerror(-error)) >= 0)
                        sensor_set_error(m, text);
        }
        set_sensor_state(m,
                error == -ETIMEDOUT        ? SENSOR_STALLED
                        : error == -ENODEV ? SENSOR_ABSENT
                                           : SENSOR_ERROR);
        sensor_schedule_retry(m);
}

/* Opens the source and hooks it into the loop. On failure the state says why and the caller retries. */
int sensor_start(Manager *m) {
        _cleanup_free_ char *error = NULL;
        const SourceOps *ops = m->sensor.ops;
        int fd, r;

        sensor_stop(m);
        r = source_new(ops, &m->sensor.source);
        if (r < 0)
                return r;

        r = ops->open(m->sensor.source, &m->sensor.options, &error);
        if (r < 0 && !m->sensor.ops->live) {
                /* Fatal (manager_start()): the recording cannot be read, or is in other units than it says. */
                if (error) /* it names the file */
                        log_error("Cannot replay: %s", error);
                else
                        log_error("Cannot replay %s: %s", m->sensor.options.replay_path, strerror(-r));
                m->sensor.source = source_free(m->sensor.source);
                return r;
        }
        if (r < 0) {
                if (!m->sensor.lost_logged)
                        log_id(LOG_WARNING, MESSAGE_ID_SENSOR_LOST, r, "No sensor: %s",
                                error ?: strerror(-r));
                m->sensor.lost_logged = true;
                m->sensor.source = source_free(m->sensor.source);
                if (r != -ENODEV && r != -ENOENT)
                        sensor_set_error(m, error ?: strerror(-r));
                set_sensor_state(m, r == -ENODEV || r == -ENOENT ? SENSOR_ABSENT : SENSOR_ERROR);
                return r;
        }

        m->sensor.rate_samples = 0;
        m->sensor.invalid_seen = 0;
        m->sensor.have_last_t = false;
        sensor_check_reset(m->sensor.check,
                &(SensorCheckOptions){
                        .expected_rate_hz = m->sensor.source->rate_hz,
                        .hardware_timestamps = m->sensor.source->hardware_timestamps,
                });
        sensor_set_description(m, m->sensor.source->description, m->sensor.source->rate_hz);
        manager_on_sensor_opened(m);

        fd = ops->get_fd(m->sensor.source);
        if (fd >= 0)
                r = sd_event_add_io(m->event, &m->sensor.source_event, fd, EPOLLIN, on_source_io, m);
        else
                r = sd_event_add_time_relative(m->event, &m->sensor.source_event, CLOCK_MONOTONIC,
                        m->sensor.source->poll_interval_us, 1000, on_source_timer, m);
        if (r < 0) {
                m->sensor.source = source_free(m->sensor.source);
                return log_error_errno(r, "Cannot watch the sensor: %m");
        }
        /* Samples before bus calls: a client flooding the bus must not make the sensor's buffer overflow. */
        (void)sd_event_source_set_priority(m->sensor.source_event, SD_EVENT_PRIORITY_IMPORTANT);
        if (fd < 0)
                (void)sd_event_source_set_enabled(m->sensor.source_event, SD_EVENT_ONESHOT);

        if (!m->sensor.ops->live)
                set_sensor_state(m, SENSOR_REPLAY);
        else {
                set_sensor_state(m, SENSOR_STARTING);
                if (!m->sensor.stall_timer) {
                        r = sd_event_add_time_relative(m->event, &m->sensor.stall_timer, CLOCK_MONOTONIC,
                                STALL_USEC, 0, on_stall, m);
                        if (r < 0)
                                return log_error_errno(r, "Cannot watch for stalls: %m");
                }
                stall_timer_rearm(m);
        }
        log_info("Reading %s.", m->sensor.source->description ?: "the sensor");
        return 0;
}

bool sensor_active(const Sensor *s) {
        return s->source && !s->finished &&
                (s->state == SENSOR_STREAMING || s->state == SENSOR_REPLAY || s->state == SENSOR_STARTING ||
                        s->state == SENSOR_RATE_MISMATCH);
}
