/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "duration.h"
#include "manager.h"
#include "status.h"
#include "time-util.h"

/* "14:35:07", local time on psoasd's clock, for STATUS= and the journal. */
char *format_local_time(char *buf, size_t size, int64_t realtime_us) {
        time_t t = (time_t)(realtime_us / (int64_t)USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%H:%M:%S", &tm) == 0)
                snprintf(buf, size, "?");
        return buf;
}

void status_update(Manager *m, bool force) {
        const struct psoas_state *st;
        uint64_t now = time_now_us(CLOCK_MONOTONIC), dropped;
        char posture[128] = "", text[512], d[DURATION_TEXT_MAX];

        if (!force && now - m->status_mono_us < 10 * USEC_PER_SEC)
                return;
        m->status_mono_us = now;

        st = m->engine ? PSOAS_ENGINE_STATE(m->engine) : NULL;
        if (st && st->samples_accepted > 0) {
                if (st->in_bout)
                        snprintf(posture, sizeof(posture), "; %s, sitting bout %s",
                                psoas_posture_to_string(st->posture),
                                duration_format(d, sizeof(d),
                                        duration_whole_seconds(
                                                (double)(st->t_us - st->bout_start_us) / 1e6)));
                else
                        snprintf(posture, sizeof(posture), "; %s", psoas_posture_to_string(st->posture));
        }

        dropped = m->sensor.samples_dropped + (m->sensor.source ? m->sensor.source->samples_invalid : 0);
        if (dropped > 0) {
                size_t len = strlen(posture);
                snprintf(posture + len, sizeof(posture) - len, "; %" PRIu64 " bad samples dropped", dropped);
        }

        switch (m->sensor.state) {
        case SENSOR_STREAMING:
                snprintf(text, sizeof(text), "Streaming %.0f Hz from %s%s", m->sensor.sample_rate,
                        m->sensor.description ?: "the sensor", posture);
                break;
        case SENSOR_REPLAY:
                snprintf(
                        text, sizeof(text), "Playing %s%s", m->sensor.description ?: "a recording", posture);
                break;
        case SENSOR_STARTING:
                snprintf(text, sizeof(text), "Starting %s", m->sensor.description ?: "the sensor");
                break;
        case SENSOR_STALLED:
                snprintf(text, sizeof(text), "Sensor stalled: no samples for 2 s; retrying");
                break;
        case SENSOR_STUCK:
                snprintf(text, sizeof(text),
                        "Sensor stuck: %s repeats the same sample; waiting for it to vary",
                        m->sensor.description ?: "the sensor");
                break;
        case SENSOR_RATE_MISMATCH:
                snprintf(text, sizeof(text), "Streaming %.1f Hz instead of %.0f Hz from %s%s",
                        sensor_check_measured_rate(m->sensor.check), m->sensor.sample_rate,
                        m->sensor.description ?: "the sensor", posture);
                break;
        case SENSOR_GARBAGE:
                snprintf(text, sizeof(text), "Sensor sends garbage: most samples from %s are invalid%s",
                        m->sensor.description ?: "the sensor", posture);
                break;
        case SENSOR_ENDED: {
                char end[32];

                snprintf(text, sizeof(text), "The recording ended at %s (%s)%s",
                        format_local_time(end, sizeof(end), (int64_t)psoas_clock_now(&m->clock.shown)),
                        m->sensor.description ?: "replay", posture);
                break;
        }
        case SENSOR_ABSENT:
                snprintf(text, sizeof(text), "Waiting for the sensor to appear");
                break;
        default:
                if (!sensor_live(&m->sensor))
                        snprintf(
                                text, sizeof(text), "Replay failed: %s", m->sensor.error ?: "unknown error");
                else
                        snprintf(text, sizeof(text), "Sensor error: %s; retrying",
                                m->sensor.error ?: "unknown error");
                break;
        }

        /* Only a failure is worth the words: without a gpio section there is nothing to say. */
        if (m->wearable.state == HAPTICS_ERROR)
                sd_notifyf(false, "STATUS=%s; no haptics: %s", text,
                        m->wearable.error ?: "the GPIO lines failed");
        else
                sd_notifyf(false, "STATUS=%s", text);
}
