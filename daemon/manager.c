/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "config.h"
#include "duration.h"
#include "log-journal.h"
#include "manager-config.h"
#include "manager.h"
#include "persistence.h"
#include "record.h"
#include "sample-clock.h"
#include "status.h"
#include "time-util.h"
#include "wearable.h"

/* Tilt emission: at most 1 Hz and only on 1° of change, 10 Hz while a client holds a live claim. */
#define TILT_PERIOD_USEC USEC_PER_SEC
#define TILT_LIVE_PERIOD_USEC (USEC_PER_SEC / 10)
#define TILT_MIN_CHANGE_DEG 1.0

uint32_t stretch_hold_seconds(const struct psoas_stretch *s) {
        /* The upper end of the range: "hold 30 s" is what a wearer is told, the lower end is what verification
         * accepts. */
        return s->hold_max_s;
}

uint32_t stretch_repetitions(const struct psoas_stretch *s) {
        return s->reps_max;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Construction */

Inhibitor *inhibitor_free(Inhibitor *i) {
        if (!i)
                return NULL;
        sd_bus_track_unref(i->track);
        free(i->app_id);
        free(i->reason);
        free(i->owner);
        free(i);
        return NULL;
}

int manager_new(const ManagerOptions *options, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->options = *options;
        sample_clock_init(&m->clock);
        m->next_cookie = 1;
        m->persistence.current_day = INT32_MIN;

        r = sensor_init(&m->sensor, options->replay_path ? &source_replay_ops : &source_iio_ops);
        if (r < 0)
                return r;
        r = throttle_new(NULL, &m->throttle);
        if (r < 0)
                return r;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        sensor_done(m);
        m->calibrate_timer = sd_event_source_disable_unref(m->calibrate_timer);
        m->changes_event = sd_event_source_disable_unref(m->changes_event);
        m->calibrate_call = sd_bus_message_unref(m->calibrate_call);
        while (m->inhibitors) {
                Inhibitor *i = m->inhibitors;
                m->inhibitors = i->next;
                inhibitor_free(i);
        }
        m->live_track = sd_bus_track_unref(m->live_track);
        wearable_done(&m->wearable);
        if (m->record)
                fclose(m->record);
        m->bus = sd_bus_flush_close_unref(m->bus);
        m->event = sd_event_unref(m->event);
        m->engine = psoas_engine_free(m->engine);
        persistence_free_records(m);
        m->persistence.store = state_store_free(m->persistence.store);
        m->catalog = catalog_free(m->catalog);
        m->config = config_free(m->config);
        free(m->config_path);
        m->throttle = throttle_free(m->throttle);
        free(m);
        return NULL;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Time */

int32_t manager_today(Manager *m) {
        if (m->engine && m->clock.synced) {
                const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
                if (st->samples_accepted > 0)
                        return PSOAS_ENGINE_DAY_STATS(m->engine)->day;
        }
        return wall_today();
}

static int32_t local_day(Manager *m, int64_t t_us) {
        return sample_clock_local_day(m->engine, t_us);
}

static int64_t to_realtime(Manager *m, int64_t t_us) {
        return sample_clock_to_realtime(&m->clock, t_us);
}

/* At the first sample: the mapping, and a Snooze() that came before it. */
static void clock_sync(Manager *m, int64_t t_us) {
        int64_t realtime = (int64_t)time_now_us(CLOCK_REALTIME);

        sample_clock_sync(&m->clock, m->engine, m->sensor.source, t_us);
        if (m->pending_snooze_realtime_us > realtime) {
                m->snooze_end_us = t_us + (m->pending_snooze_realtime_us - realtime);
                psoas_engine_snooze(m->engine, m->snooze_end_us);
        }
        m->pending_snooze_realtime_us = 0;
}

/* ------------------------------------------------------------------------------------------------------- */
//* ------------------------------------------------------------------------------------------------------- */
/* Status and properties */

static int64_t clock_now(Manager *m) {
        return (int64_t)psoas_clock_now(&m->clock.shown);
}

static void clock_announce(Manager *m, bool force) {
        if (sample_clock_update_shown(&m->clock, m->sensor.source, m->sensor.finished, m->sensor.have_last_t,
                    m->sensor.last_t_us, force))
                manager_mark_changed(m, MANAGER_CHANGE_CLOCK);
}

/* ------------------------------------------------------------------------------------------------------- */
/* What the bus shows */

void manager_mark_changed(Manager *m, unsigned changes) {
        m->changes |= changes;
        if (m->changes && m->changes_event)
                (void)sd_event_source_set_enabled(m->changes_event, SD_EVENT_ONESHOT);
}

uint64_t manager_sitting_since(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        return m->clock.synced && st->in_bout ? (uint64_t)to_realtime(m, st->bout_start_us) : 0;
}

uint64_t manager_last_break(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        /* The saved one until the engine has seen a break of its own. */
        return m->clock.synced && st->has_last_break ? (uint64_t)to_realtime(m, st->last_break_us)
                                                     : m->persistence.restored_last_break_us;
}

uint64_t manager_snoozed_until(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        if (!m->clock.synced)
                return m->pending_snooze_realtime_us > 0 ? (uint64_t)m->pending_snooze_realtime_us : 0;
        return st->snoozed_until_us > 0 ? (uint64_t)to_realtime(m, st->snoozed_until_us) : 0;
}

/* What the bus shows that a remapping of the clock or a restored state can change, to mark what did. */
typedef struct ShownValues {
        uint64_t sitting_since, last_break, snoozed_until;
        bool calibrated;
        enum psoas_posture posture;
} ShownValues;

static ShownValues shown_values(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        return (ShownValues){
                .sitting_since = manager_sitting_since(m),
                .last_break = manager_last_break(m),
                .snoozed_until = manager_snoozed_until(m),
                .calibrated = st->calibrated,
                .posture = st->posture,
        };
}

static void mark_shown_changes(Manager *m, const ShownValues *before) {
        ShownValues now = shown_values(m);

        manager_mark_changed(m,
                (now.sitting_since != before->sitting_since ? MANAGER_CHANGE_SITTING_SINCE : 0u) |
                        (now.last_break != before->last_break ? MANAGER_CHANGE_LAST_BREAK : 0u) |
                        (now.snoozed_until != before->snoozed_until ? MANAGER_CHANGE_SNOOZED_UNTIL : 0u) |
                        (now.calibrated != before->calibrated ? MANAGER_CHANGE_CALIBRATED : 0u) |
                        (now.posture != before->posture ? MANAGER_CHANGE_POSTURE : 0u));
}

/* After a batch: the tilt at most once a second and on a degree of change (ten times a second and on any change
 * while a client holds a live claim), and the end of a snooze, which the engine passes silently. */
static void update_after_batch(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
        uint64_t now = time_now_us(CLOCK_MONOTONIC);
        bool live = m->live_track && sd_bus_track_count(m->live_track) > 0;
        double tilt = st->tilt_deg;

        if (live ? (now - m->tilt_emitted_mono_us >= TILT_LIVE_PERIOD_USEC && tilt != m->tilt_emitted)
                 : (now - m->tilt_emitted_mono_us >= TILT_PERIOD_USEC &&
                           fabs(tilt - m->tilt_emitted) >= TILT_MIN_CHANGE_DEG)) {
                m->tilt_emitted = tilt;
                m->tilt_emitted_mono_us = now;
                manager_mark_changed(m, MANAGER_CHANGE_TILT);
        }
        if (m->snooze_end_us > 0 && st->t_us >= m->snooze_end_us) {
                m->snooze_end_us = 0;
                manager_mark_changed(m, MANAGER_CHANGE_SNOOZED_UNTIL);
        }
}

/* ------------------------------------------------------------------------------------------------------- */
//* ------------------------------------------------------------------------------------------------------- */
/* Engine events */

static void calibration_finish(Manager *m, int error, enum psoas_calibration_error reason, double neutral) {
        bool running = m->calibrate_timer || m->calibrate_call;

        /* The engine's own verdicts buzz in handle_event(); this is a calibration abandoned (no samples, the
         * sensor gone), which the wearer standing still needs to know about too. */
        if (running && (error == -ETIMEDOUT || error == -ENODEV))
                wearable_feedback(m, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
        m->calibrate_timer = sd_event_source_disable_unref(m->calibrate_timer);
        if (m->calibrate_call)
                bus_calibrate_reply(m, error, reason, neutral);
        m->calibrate_call = sd_bus_message_unref(m->calibrate_call);
}

/* A prompt's window ended unconfirmed: say what the sensor saw instead, as it was. Standing up is a break, and
 * is called one, never the stretch. */
static void stretch_missed(Manager *m, const struct psoas_stretch *s, uint32_t seen) {
        static const struct {
                uint32_t flag;
                const char *name;
        } names[] = {
                { PSOAS_SEEN_NO_SIGNATURE, "no-signature" },
                { PSOAS_SEEN_TILT_PERSISTED, "tilt-persisted" },
                { PSOAS_SEEN_PARTIAL, "partial" },
                { PSOAS_SEEN_STOOD_UP, "stood-up" },
        };
        const char *strv[ELEMENTSOF(names) + 1] = {};
        char message[512];
        size_t n = 0;

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (seen & names[i].flag)
                        strv[n++] = names[i].name;

        if (seen & PSOAS_SEEN_NO_SIGNATURE)
                snprintf(message, sizeof(message),
                        "The sensor cannot see the %s: if you did it, mark it done (it counts as "
                        "self-reported).",
                        s->title);
        else if (seen & PSOAS_SEEN_TILT_PERSISTED)
                snprintf(message, sizeof(message),
                        "Your pelvis stayed tilted forward, so the %s was not confirmed.", s->title);
        else if ((seen & PSOAS_SEEN_PARTIAL) && (seen & PSOAS_SEEN_STOOD_UP))
                snprintf(message, sizeof(message),
                        "You stood up, which is a break; the sensor saw only part of the %s.", s->title);
        else if (seen & PSOAS_SEEN_PARTIAL)
                snprintf(message, sizeof(message),
                        "The sensor saw only part of the %s, not the whole hold or every repetition.",
                        s->title);
        else if (seen & PSOAS_SEEN_STOOD_UP)
                snprintf(message, sizeof(message),
                        "You stood up, which is a break, but the sensor did not see the %s.", s->title);
        else
                snprintf(message, sizeof(message), "The sensor did not see the %s.", s->title);
        (void)bus_emit_stretch_missed(m, s->id, (char **)strv, message);
}

/* Each alert buzzes its own pattern, so that the wearer can tell them apart without a screen. */
static HapticPattern haptic_pattern_for_alert(enum psoas_alert_kind kind) {
        switch (kind) {
        case PSOAS_ALERT_SITTING:
                return HAPTIC_PATTERN_SITTING;
        case PSOAS_ALERT_SLOUCH:
                return HAPTIC_PATTERN_SLOUCH;
        default:
                return HAPTIC_PATTERN_TILT;
        }
}

static void handle_event(Manager *m, const struct psoas_event *ev) {
        const struct psoas_stretch *catalog;
        size_t n_catalog;
        char message[256], d[DURATION_TEXT_MAX];

        switch (ev->type) {
        case PSOAS_EVENT_CALIBRATED:
                if (ev->calibrated.sitting)
                        log_info("Captured the upright sitting reference: inclination %.1f°.",
                                (double)ev->calibrated.neutral_inclination_deg);
                else
                        log_info("Calibrated: neutral inclination %.1f°.",
                                (double)ev->calibrated.neutral_inclination_deg);
                manager_mark_changed(m, MANAGER_CHANGE_CALIBRATED);
                calibration_finish(m, 0, PSOAS_CALIBRATION_OK, ev->calibrated.neutral_inclination_deg);
                wearable_feedback(m, HAPTIC_PATTERN_CALIBRATION_DONE, 0);
                (void)persistence_save(m, true);
                break;
        case PSOAS_EVENT_CALIBRATION_FAILED:
                log_info("Calibration refused: %s.",
                        psoas_calibration_error_to_string(ev->calibration_failed.reason));
                calibration_finish(m, -EAGAIN, ev->calibration_failed.reason, 0);
                wearable_feedback(m, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
                break;
        case PSOAS_EVENT_POSTURE_CHANGED:
                if (ev->posture.posture != ev->posture.previous)
                        manager_mark_changed(m, MANAGER_CHANGE_POSTURE);
                /* A revision may take a bout or a break back with it. */
                if (ev->posture.revised)
                        manager_mark_changed(m, MANAGER_CHANGE_SITTING_SINCE | MANAGER_CHANGE_LAST_BREAK);
                /* Revisions are rare and change what was recorded: worth a line in the journal. */
                if (ev->posture.revised)
                        log_info("Posture revised: %s for the last %s, not %s (what the pelvis did since "
                                 "contradicted the decision).",
                                psoas_posture_to_string(ev->posture.posture),
                                duration_format(d, sizeof(d),
                                        duration_whole_seconds(
                                                (double)(ev->t_us - ev->posture.since_us) / 1e6)),
                                psoas_posture_to_string(ev->posture.previous));
                break;
        case PSOAS_EVENT_FORWARD_LEARNED:
                log_info("Learned which way is forward from the wearer's motion.");
                (void)persistence_save(m, true);
                break;
        case PSOAS_EVENT_BOUT_STARTED:
                manager_mark_changed(m, MANAGER_CHANGE_SITTING_SINCE);
                break;
        case PSOAS_EVENT_BOUT_ENDED:
                manager_mark_changed(m,
                        MANAGER_CHANGE_SITTING_SINCE | (ev->bout.is_break ? MANAGER_CHANGE_LAST_BREAK : 0u));
                if (ev->bout.is_break)
                        (void)bus_emit_break_taken(m, duration_whole_seconds(ev->bout.duration_s));
                break;
        case PSOAS_EVENT_ALERT:
                if (ev->alert.kind == PSOAS_ALERT_SITTING_SOON) {
                        char left[DURATION_TEXT_MAX];

                        /* A warning for the screen only: the motor is for the alert itself. */
                        snprintf(message, sizeof(message),
                                "You have been sitting for %s: a sitting alert comes in %s",
                                duration_format(d, sizeof(d), duration_whole_seconds(ev->alert.duration_s)),
                                duration_format(left, sizeof(left),
                                        duration_whole_seconds(
                                                m->config->engine.sitting_alert_s - ev->alert.duration_s)));
                        (void)bus_emit_alert(m, psoas_alert_kind_to_string(ev->alert.kind), message, 0);
                        break;
                }
                if (ev->alert.kind == PSOAS_ALERT_SITTING)
                        snprintf(message, sizeof(message), "You have been sitting for %s",
                                duration_format(d, sizeof(d), duration_whole_seconds(ev->alert.duration_s)));
                else if (ev->alert.kind == PSOAS_ALERT_SLOUCH)
                        snprintf(message, sizeof(message),
                                "You have been sitting slumped back by %.0f° from your upright posture for "
                                "%s",
                                (double)PSOAS_ENGINE_STATE(m->engine)->slouch_deg,
                                duration_format(d, sizeof(d), duration_whole_seconds(ev->alert.duration_s)));
                else
                        snprintf(message, sizeof(message),
                                "Your pelvis has been tilted forward by %.0f° for %s while standing",
                                (double)PSOAS_ENGINE_STATE(m->engine)->tilt_deg,
                                duration_format(d, sizeof(d), duration_whole_seconds(ev->alert.duration_s)));
                (void)bus_emit_alert(
                        m, psoas_alert_kind_to_string(ev->alert.kind), message, ev->alert.level);
                wearable_feedback(m, haptic_pattern_for_alert(ev->alert.kind), ev->alert.level);
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                catalog = psoas_engine_get_catalog(m->engine, &n_catalog);
                if (ev->prompt.stretch < n_catalog) {
                        (void)bus_emit_stretch_prompt(m, psoas_stretch_at(catalog, ev->prompt.stretch));
                        wearable_prompt_open(m, psoas_stretch_at(catalog, ev->prompt.stretch)->id,
                                ev->t_us + (int64_t)((double)m->config->engine.stretch_window_s * 1e6));
                }
                break;
        case PSOAS_EVENT_STRETCH_DONE:
                catalog = psoas_engine_get_catalog(m->engine, &n_catalog);
                if (ev->stretch.result == PSOAS_STRETCH_VERIFIED && ev->stretch.stretch < n_catalog)
                        (void)bus_emit_stretch_verified(
                                m, psoas_stretch_at(catalog, ev->stretch.stretch)->id);
                if (ev->stretch.stretch < n_catalog &&
                        streq_ptr(m->wearable.prompt_stretch,
                                psoas_stretch_at(catalog, ev->stretch.stretch)->id))
                        wearable_prompt_close(m);
                break;
        case PSOAS_EVENT_STRETCH_PROGRESS:
                catalog = psoas_engine_get_catalog(m->engine, &n_catalog);
                if (ev->progress.stretch < n_catalog)
                        (void)bus_emit_stretch_progress(m,
                                psoas_stretch_at(catalog, ev->progress.stretch)->id, ev->progress.side,
                                ev->progress.held_s, ev->progress.reps, ev->progress.goal);
                break;
        case PSOAS_EVENT_STRETCH_MISSED:
                catalog = psoas_engine_get_catalog(m->engine, &n_catalog);
                if (ev->missed.stretch < n_catalog)
                        stretch_missed(m, psoas_stretch_at(catalog, ev->missed.stretch), ev->missed.seen);
                break;
        case PSOAS_EVENT_DAY_CHANGED:
                /* By the wall clock's date when the samples' runs ahead of it: a timestamp that slipped through,
                 * years ahead, must not take the history with it. */
                persistence_prune(m, ev->day.current < wall_today() ? ev->day.current : wall_today());
                break;
        default:
                break;
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Samples */

/* A sample never fed: the engine refused its values (NaN, infinite, beyond what a body on a belt can do: the one
 * place that judges them is psoas_engine_feed()), or its time leaps years ahead. */
static void drop_sample(Manager *m) {
        if (m->sensor.samples_dropped++ == 0)
                log_warning(
                        "Dropping invalid samples from %s (non-finite or absurd values, or times that leap "
                        "ahead); STATUS= counts them.",
                        m->sensor.description ?: "the sensor");
}

void manager_on_samples(Manager *m, struct psoas_sample *samples, size_t n) {
        /* The batch came in at one moment: its samples share the arrival time. */
        int64_t wall_us = (int64_t)time_now_us(CLOCK_REALTIME),
                mono_us = (int64_t)time_now_us(CLOCK_MONOTONIC);
        struct psoas_event ev;

        for (size_t i = 0; i < n; i++) {
                struct psoas_sample *s = &samples[i];
                int32_t day;

                if (!sensor_sample_in_time(&m->sensor, s->t_us, wall_us, mono_us)) {
                        drop_sample(m);
                        continue;
                }

                if (!m->restored) {
                        /* The first sample: the times the bus shows are sample times mapped from now on, and
                         * the saved state comes back. */
                        ShownValues before = shown_values(m);

                        clock_sync(m, s->t_us);
                        persistence_restore(m, s->t_us);
                        mark_shown_changes(m, &before);
                        if (m->options.calibrate_first_s > 0)
                                (void)psoas_engine_calibrate_window(m->engine, s->t_us,
                                        s->t_us + (int64_t)(m->options.calibrate_first_s * 1e6));
                }

                /* The day's statistics are saved before the first sample of the next day is fed: after it,
                 * the engine's state already describes the new day. */
                day = local_day(m, s->t_us);
                if (day != m->persistence.current_day) {
                        if (m->persistence.current_day != INT32_MIN && m->persistence.store)
                                (void)persistence_save(m, true);
                        m->persistence.current_day = day;
                }

                if (psoas_engine_feed(m->engine, s) < 0) {
                        drop_sample(m);
                        continue;
                }
                m->sensor.samples_fed++;
                if (m->sensor.sample_rate == 0)
                        sensor_measure_rate(m, s->t_us);
                if (m->record && !m->record_started) {
                        /* At the first sample recorded: the clock is mapped by then. */
                        (void)record_write_start(m->record, s->t_us,
                                psoas_engine_local_time(m->engine, s->t_us), m->clock.utc_offset_s);
                        m->record_started = true;
                }
                if (m->record && record_write(m->record, m->record_has_gyro, s) < 0) {
                        log_error("Could not write to %s; recording stopped.", m->options.record_path);
                        fclose(m->record);
                        m->record = NULL;
                }

                while (psoas_engine_pop_event(m->engine, PSOAS_SIZED(&ev)) > 0)
                        handle_event(m, &ev);
        }
        /* A batch spans far less than the engine's queues of minutes and bouts hold. */
        persistence_collect_record(m);
}

/* ------------------------------------------------------------------------------------------------------- */
/* The sensor */

/* The wall clock was stepped (NTP at boot on a board without a real-time clock, date -s) or the UTC offset changed
 * (daylight saving time): sample time is mapped to wall time again, from the newest sample, as at the first
 * one. Checked after each batch, for sensors only: a replay's sample time is the recording's, mapped once. */
static void clock_check(Manager *m) {
        ShownValues before;
        struct psoas_day_stats stats;
        const struct psoas_state *st;
        ClockStep step;
        int32_t old_day, new_day;
        int r;

        if (!m->sensor.have_last_t || !sensor_live(&m->sensor) ||
                !sample_clock_detect_step(&m->clock, m->sensor.last_t_us, &step))
                return;

        /* Saved under the old mapping first: the bout's start and the day are written as they were. */
        (void)persistence_save(m, true);
        before = shown_values(m);
        old_day = local_day(m, m->sensor.last_t_us);
        if (step.step_us != 0)
                log_id(LOG_NOTICE, MESSAGE_ID_CLOCK_CHANGED, 0,
                        "The wall clock moved by %+.0f s: sample times are mapped to the new time.",
                        (double)step.step_us / 1e6);
        if (step.utc_offset_s != m->clock.utc_offset_s)
                log_id(LOG_NOTICE, MESSAGE_ID_CLOCK_CHANGED, 0,
                        "The UTC offset changed from %+ld to %+ld s: days follow the new local time.",
                        m->clock.utc_offset_s, step.utc_offset_s);
        sample_clock_apply_step(&m->clock, m->engine, m->sensor.last_t_us, &step);

        new_day = local_day(m, m->sensor.last_t_us);
        /* A day without a file begins at the next sample, as at midnight. A day psoasd has recorded before (the
         * clock went back, or on to a day already counted before a restart) goes on from its file, as after a
         * restart: its totals are never started again from zero. */
        if (new_day != old_day && m->persistence.store &&
                state_store_load_day(m->persistence.store, new_day, &stats) >= 0) {
                st = PSOAS_ENGINE_STATE(m->engine);
                r = psoas_engine_restore(m->engine, &stats,
                        st->in_bout ? psoas_engine_local_time(m->engine, st->bout_start_us) : 0);
                if (r < 0)
                        log_warning_errno(r, "Could not continue the statistics of the new day: %m");
                else
                        m->persistence.current_day = new_day;
        }
        mark_shown_changes(m, &before);
}

/* ------------------------------------------------------------------------------------------------------- */
/* What the sensor asks of the manager (daemon/sensor.h) */

void manager_on_samples_taken(Manager *m) {
        clock_check(m);
        clock_announce(m, false);
        update_after_batch(m);
        persistence_maybe_save(m);
        if (m->record)
                (void)record_flush(m->record);
        status_update(m, false);
}

void manager_on_sensor_opened(Manager *m) {
        int r;

        clock_announce(m, true);
        if (m->options.record_path && !m->record) {
                m->record_has_gyro = m->sensor.source->has_gyro;
                r = record_open(m->options.record_path, m->record_has_gyro, &m->record);
                if (r < 0)
                        log_error_errno(r, "Cannot record to %s: %m", m->options.record_path);
        }
}

void manager_on_sensor_gone(Manager *m, int error) {
        char end[32];

        calibration_finish(m, -ENODEV, PSOAS_CALIBRATION_CANCELLED, 0);
        if (sensor_live(&m->sensor))
                return;

        /* The recording ended or broke: the replay's clock stops at the last sample. */
        clock_announce(m, true);
        if (error == -EPIPE)
                log_info("The recording ended at %s (the replay's clock): %s.",
                        format_local_time(end, sizeof(end), clock_now(m)), m->sensor.description ?: "");
        persistence_finish_record(m);
        (void)persistence_save(m, true);
        if (m->record)
                (void)record_flush(m->record);
        if (m->options.exit_on_end) {
                m->exit_status = error == -EPIPE ? 0 : 1;
                (void)sd_event_exit(m->event, m->exit_status);
        }
}

void manager_on_sensor_state(Manager *m) {
        status_update(m, true);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Actions behind the bus methods */

int manager_snooze(Manager *m, uint32_t seconds) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
        uint64_t before = manager_snoozed_until(m);

        m->pending_snooze_realtime_us = 0;
        m->snooze_end_us = 0;
        if (seconds == 0)
                psoas_engine_snooze(m->engine, 0);
        else if (st->samples_accepted > 0) {
                /* In sample time, so that a replay snoozes for the recording's minutes. */
                m->snooze_end_us = st->t_us + (int64_t)seconds * (int64_t)USEC_PER_SEC;
                psoas_engine_snooze(m->engine, m->snooze_end_us);
        } else
                /* No sample time yet: kept in wall time until the first sample maps one onto the other. */
                m->pending_snooze_realtime_us =
                        (int64_t)time_now_us(CLOCK_REALTIME) + (int64_t)seconds * (int64_t)USEC_PER_SEC;
        if (manager_snoozed_until(m) != before)
                manager_mark_changed(m, MANAGER_CHANGE_SNOOZED_UNTIL);
        return 0;
}

int manager_set_inhibited(Manager *m, bool inhibited) {
        if (PSOAS_ENGINE_STATE(m->engine)->inhibited == inhibited)
                return 0;
        psoas_engine_set_inhibited(m->engine, inhibited);
        manager_mark_changed(m, MANAGER_CHANGE_INHIBITED);
        return 0;
}

void manager_update_live(Manager *m) {
        /* A new live claim gets the current tilt right away. */
        m->tilt_emitted_mono_us = 0;
        if (m->engine)
                update_after_batch(m);
}

static int on_calibrate_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        psoas_engine_calibrate_cancel(m->engine);
        calibration_finish(m, -ETIMEDOUT, PSOAS_CALIBRATION_CANCELLED, 0);
        return 0;
}

static int calibration_start(Manager *m, sd_bus_message *call, bool sitting) {
        double speed = !sensor_live(&m->sensor) && m->options.replay_speed > 1 ? m->options.replay_speed : 1;
        uint64_t timeout;
        int r;

        /* A calibration the button started has a timer but no call. */
        if (m->calibrate_call || m->calibrate_timer)
                return -EBUSY;
        if (!sensor_active(&m->sensor))
                return -ENODEV;

        r = sitting ? psoas_engine_calibrate_sitting(m->engine) : psoas_engine_calibrate(m->engine);
        if (r < 0)
                return r;

        /* The engine times out in sample time; this wall-clock guard catches samples that stop coming. */
        timeout =
                (uint64_t)((double)m->config->engine.calibration_timeout_s / speed * 1e6) + 5 * USEC_PER_SEC;
        r = sd_event_add_time_relative(
                m->event, &m->calibrate_timer, CLOCK_MONOTONIC, timeout, 0, on_calibrate_timeout, m);
        if (r < 0) {
                psoas_engine_calibrate_cancel(m->engine);
                return r;
        }
        m->calibrate_call = call ? sd_bus_message_ref(call) : NULL;
        m->calibrate_sitting = sitting;
        if (sitting)
                log_info("Capturing the upright sitting reference: waiting for %.0f s of sitting still.",
                        (double)m->config->engine.calibration_still_s);
        else
                log_info("Calibrating: waiting for %.0f s of stillness.",
                        (double)m->config->engine.calibration_still_s);
        return 0;
}

int manager_calibrate(Manager *m, sd_bus_message *call) {
        return calibration_start(m, call, false);
}

int manager_calibrate_sitting(Manager *m, sd_bus_message *call) {
        return calibration_start(m, call, true);
}

int manager_complete_stretch(Manager *m, const char *id) {
        int r;

        r = psoas_engine_report_stretch(m->engine, id);
        if (r < 0)
                return r;
        /* Answered: the next short press of the button snoozes again. */
        if (streq_ptr(m->wearable.prompt_stretch, id))
                wearable_prompt_close(m);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Start and run */

static int on_signal_exit(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        log_info("Received SIG%s: stopping.", sigabbrev_np((int)si->ssi_signo));
        (void)sd_event_exit(m->event, 0);
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        (void)sd_notify(false, "RELOADING=1");
        if (manager_reload(m) < 0)
                (void)sd_notify(false, "READY=1\nSTATUS=Configuration rejected; keeping the previous one");
        return 0;
}

int manager_start(Manager *m) {
        int r;

        r = manager_config_load(m);
        if (r < 0)
                return r;

        r = psoas_engine_new(&m->config->engine, &m->engine);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r, "Configuration rejected: %s: %m",
                        m->config_path);
                return -EINVAL;
        }
        r = manager_config_apply_catalog(m, m->catalog, m->config);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r,
                        "Configuration rejected: the stretch catalog: %m");
                return -EINVAL;
        }

        r = persistence_open(m);
        if (r < 0)
                return r;

        r = sd_event_add_signal(m->event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_signal_exit, m);
        if (r >= 0)
                r = sd_event_add_signal(
                        m->event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_signal_exit, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP | SD_EVENT_SIGNAL_PROCMASK, on_sighup, m);
        if (r < 0)
                return log_error_errno(r, "Cannot set up signal handling: %m");
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Cannot enable the watchdog: %m");

        r = bus_posture_register(m);
        if (r < 0)
                return r;

        wearable_start(m);

        r = sensor_start(m);
        if (r < 0) {
                if (!sensor_live(&m->sensor))
                        return r; /* sensor_start() said why */
                sensor_schedule_retry(m);
        }
        return 0;
}

int manager_run(Manager *m) {
        int r;

        (void)sd_notify(false, "READY=1");
        status_update(m, true);

        r = sd_event_loop(m->event);
        /* What changed in the last iteration (a replay's end) is still told. */
        bus_emit_marked_changes(m);
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Saving statistics and stopping");
        persistence_finish_record(m);
        (void)persistence_save(m, true);
        sensor_stop(m);
        wearable_done(&m->wearable);
        if (m->record)
                (void)record_flush(m->record);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return m->exit_status;
}
