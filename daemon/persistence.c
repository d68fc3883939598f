/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "log-journal.h"
#include "manager.h"
#include "persistence.h"
#include "time-util.h"
#include "xdg.h"

/* Saving: at most every 30 s of sample time (so a crash loses less than a minute of the day), and at most once a
 * second of wall time (so a fast replay does not fsync continuously). */
#define SAVE_SAMPLE_USEC (30 * USEC_PER_SEC)
#define SAVE_WALL_USEC USEC_PER_SEC
/* The periodic saves survive the daemon being killed at any moment; one in this long is also flushed to disk
 * (fsync), to survive a power cut. Each flush wakes the daemon several times: on a wearable every 30 s would cost
 * more wake-ups than reading the sensor. Day changes, calibrations and the exit always flush. */
#define SAVE_DURABLE_USEC (300 * USEC_PER_SEC)

static int state_directory(Manager *m, const Config *c, char **ret) {
        const char *e;
        char *p = NULL;

        if (m->options.state_directory)
                p = strdup(m->options.state_directory);
        else if (c->state_directory)
                p = strdup(c->state_directory);
        else if ((e = getenv("STATE_DIRECTORY")) && e[0] == '/')
                /* systemd's StateDirectory=: the first of a colon-separated list. */
                p = strndup(e, strcspn(e, ":"));
        else if (!m->options.user_bus)
                p = strdup("/var/lib/psoas");
        else
                return xdg_user_path("XDG_STATE_HOME", ".local/state", "psoas", ret);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

void persistence_restore(Manager *m, int64_t t_us) {
        struct psoas_day_stats stats;
        CurrentState current = {};
        char d[DURATION_TEXT_MAX];
        int64_t bout_start;
        int32_t today;
        int r;

        m->restored = true;
        if (!m->persistence.store)
                return;

        today = sample_clock_local_day(m->engine, t_us);
        r = state_store_load_current(m->persistence.store, &current);
        if (r >= 0) {
                if (current.calibrated) {
                        r = psoas_engine_set_calibration(m->engine, &current.calibration);
                        if (r < 0)
                                log_warning_errno(r, "Ignoring the saved calibration: %m");
                        else if (current.calibration.sitting_reference_known)
                                log_info("Restored the calibration (neutral inclination %.1f°) and the "
                                         "upright "
                                         "sitting reference (%.1f°).",
                                        (double)current.calibration.neutral_inclination_deg,
                                        (double)current.calibration.sitting_reference_inclination_deg);
                        else
                                log_info("Restored the calibration (neutral inclination %.1f°).",
                                        (double)current.calibration.neutral_inclination_deg);
                }
                m->persistence.restored_last_break_us =
                        current.last_break_realtime_us > 0 ? (uint64_t)current.last_break_realtime_us : 0;
        }

        r = state_store_load_day(m->persistence.store, today, &stats);
        if (r < 0)
                return;
        bout_start = 0;
        if (current.day == today && current.in_bout) {
                /* A bout cannot have begun after now: the wall clock may have stepped back across the restart,
                 * or a fast replay ran ahead of it. */
                int64_t now_realtime = sample_clock_to_realtime(&m->clock, t_us);
                bout_start = current.bout_start_realtime_us < now_realtime ? current.bout_start_realtime_us
                                                                           : now_realtime;
                bout_start += (int64_t)m->clock.utc_offset_s * (int64_t)USEC_PER_SEC;
        }
        r = psoas_engine_restore(m->engine, &stats, bout_start);
        if (r < 0)
                log_warning_errno(r, "Could not restore today's statistics: %m");
        else
                log_info("Continuing today: %s sat so far%s.",
                        duration_format(d, sizeof(d), duration_whole_seconds(stats.sitting_s)),
                        current.day == today && current.in_bout ? ", in a sitting bout" : "");
}

int persistence_save(Manager *m, bool durable) {
        const struct psoas_state *st;
        CurrentState current = {};
        int r;

        if (!m->persistence.store || !m->engine || !m->clock.synced)
                return 0;

        st = PSOAS_ENGINE_STATE(m->engine);
        const struct psoas_day_stats *today = PSOAS_ENGINE_DAY_STATS(m->engine);
        current.day = today->day;
        current.in_bout = st->in_bout;
        current.bout_start_realtime_us =
                st->in_bout ? sample_clock_to_realtime(&m->clock, st->bout_start_us) : 0;
        current.last_break_realtime_us = (int64_t)manager_last_break(m);
        current.calibrated = psoas_engine_get_calibration(m->engine, PSOAS_SIZED(&current.calibration)) >= 0;

        state_store_set_durable(m->persistence.store, durable);
        r = state_store_save_day(m->persistence.store, today);
        if (r >= 0)
                r = state_store_save_current(m->persistence.store, &current);
        if (r >= 0)
                r = persistence_save_records(m);
        if (r < 0) {
                if (!m->persistence.save_failed_logged)
                        log_id(LOG_ERR, MESSAGE_ID_STATE_SAVE_FAILED, r,
                                "Could not save statistics to %s (will keep trying): %m",
                                state_store_directory(m->persistence.store));
                m->persistence.save_failed_logged = true;
                return r;
        }
        if (m->persistence.save_failed_logged)
                log_notice("Statistics saved to %s again.", state_store_directory(m->persistence.store));
        m->persistence.save_failed_logged = false;
        m->persistence.saved_t_us = st->t_us;
        m->persistence.saved_mono_us = time_now_us(CLOCK_MONOTONIC);
        if (durable)
                m->persistence.durable_mono_us = m->persistence.saved_mono_us;
        return 0;
}

void persistence_maybe_save(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        if (st->t_us - m->persistence.saved_t_us < (int64_t)SAVE_SAMPLE_USEC)
                return;
        if (time_now_us(CLOCK_MONOTONIC) - m->persistence.saved_mono_us < SAVE_WALL_USEC)
                return;
        (void)persistence_save(
                m, time_now_us(CLOCK_MONOTONIC) - m->persistence.durable_mono_us >= SAVE_DURABLE_USEC);
}

uint64_t manager_day_no_data_s(Manager *m, const struct psoas_day_stats *stats) {
        int64_t start = local_day_start_realtime_us(stats->day),
                end = local_day_start_realtime_us(stats->day + 1);
        int64_t now = (int64_t)psoas_clock_now(&m->clock.shown);
        double span_s, accounted_s;

        if (now < end)
                end = now;
        span_s = end > start ? (double)(end - start) / 1e6 : 0.0;
        accounted_s =
                stats->sitting_s + stats->standing_s + stats->walking_s + stats->lying_s + stats->unknown_s;
        return span_s > accounted_s ? duration_whole_seconds(span_s - accounted_s) : 0;
}

int manager_get_day(Manager *m, int32_t day, struct psoas_day_stats *ret) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
        int r;

        const struct psoas_day_stats *today = PSOAS_ENGINE_DAY_STATS(m->engine);

        if (st->samples_accepted > 0 && day == today->day) {
                *ret = *today;
                return 0;
        }
        if (m->persistence.store) {
                r = state_store_load_day(m->persistence.store, day, ret);
                if (r >= 0)
                        return 0;
                if (r != -ENOENT)
                        return r;
        }
        /* A day without data is a day of zeros. */
        *ret = (struct psoas_day_stats){ .size = sizeof(*ret), .day = day };
        return 0;
}

uint64_t manager_sitting_today_s(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        if (st->samples_accepted == 0 && m->persistence.store) {
                struct psoas_day_stats stats;
                if (state_store_load_day(m->persistence.store, manager_today(m), &stats) >= 0)
                        return duration_whole_seconds(stats.sitting_s);
                return 0;
        }
        return duration_whole_seconds(PSOAS_ENGINE_DAY_STATS(m->engine)->sitting_s);
}

int persistence_open(Manager *m) {
        _cleanup_free_ char *state_dir = NULL;
        int r;

        r = state_directory(m, m->config, &state_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot find the state directory: %m");
        r = state_store_open(state_dir, m->config->state_keep_days, &m->persistence.store);
        if (r < 0) {
                /* Not fatal: postures and alerts still work, only history is lost. */
                log_error_errno(
                        r, "Cannot use the state directory %s, statistics will not be kept: %m", state_dir);
                return 0;
        }
        /* Also at startup: a daemon that was stopped over a day change never saw DAY_CHANGED. */
        persistence_prune(m, manager_today(m));
        return 0;
}

void persistence_prune(Manager *m, int32_t today) {
        int r;

        if (!m->persistence.store)
                return;
        r = state_store_prune(m->persistence.store, today);
        if (r < 0)
                log_warning_errno(r, "Could not remove old statistics: %m");
}
