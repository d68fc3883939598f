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
#include "manager.h"
#include "record.h"
#include "time-util.h"

#define USEC_PER_DAY (86400ll * 1000000ll)

/* No sample for this long (wall time) and the sensor is stalled. */
#define STALL_USEC (2 * USEC_PER_SEC)
/* Retry delays after a sensor fault: doubling, capped so that a returning device is back within 5 s. */
#define RETRY_MIN_USEC (250 * 1000ull)
#define RETRY_MAX_USEC (2 * USEC_PER_SEC)
/* Tilt emission: at most 1 Hz and only on 1° of change, 10 Hz while a client holds a live claim. */
#define TILT_PERIOD_USEC USEC_PER_SEC
#define TILT_LIVE_PERIOD_USEC (USEC_PER_SEC / 10)
#define TILT_MIN_CHANGE_DEG 1.0
/* Saving: at most every 30 s of sample time (so a crash loses less than a minute of the day), and at most once a
 * second of wall time (so a fast replay does not fsync continuously). */
#define SAVE_SAMPLE_USEC (30 * USEC_PER_SEC)
#define SAVE_WALL_USEC USEC_PER_SEC
/* The periodic saves survive the daemon being killed at any moment; one in this long is also flushed to disk
 * (fsync), to survive a power cut. Each flush wakes the daemon several times: on a wearable every 30 s would cost
 * more wake-ups than reading the sensor. Day changes, calibrations and the exit always flush. */
#define SAVE_DURABLE_USEC (300 * USEC_PER_SEC)
/* Absurd samples are dropped before the engine sees them. */
#define ACCEL_MAX_MS2 (16.0f * 9.80665f)
#define GYRO_MAX_RADS 35.0f
/* A sample this much further ahead of the one before it than the wall clock moved meanwhile is a misread
 * timestamp, not time that passed: fed, it would move the day on by years. */
#define TIME_LEAP_MAX_USEC (3600 * USEC_PER_SEC)
/* A difference between the mapped wall time of the newest sample and the wall clock this large is a clock step. */
#define CLOCK_STEP_MIN_USEC (10 * USEC_PER_SEC)
/* A short press of the button snoozes for this long, as psoasctl snooze does by default. */
#define BUTTON_SNOOZE_S 900u

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

static const char *const haptics_state_table[_HAPTICS_STATE_MAX] = {
        [HAPTICS_ABSENT] = "absent",
        [HAPTICS_READY] = "ready",
        [HAPTICS_ERROR] = "error",
};

const char *haptics_state_to_string(HapticsState s) {
        return s >= 0 && s < _HAPTICS_STATE_MAX ? haptics_state_table[s] : NULL;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000u;
}

static long utc_offset_at(int64_t realtime_us) {
        time_t t = (time_t)(realtime_us / (int64_t)USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return 0;
        return tm.tm_gmtoff;
}

static int64_t floor_div64(int64_t a, int64_t b) {
        int64_t q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

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
        m->sensor_state = SENSOR_ABSENT;
        m->clock_speed = 1;
        m->posture = PSOAS_POSTURE_UNKNOWN;
        m->next_cookie = 1;
        m->current_day = INT32_MIN;

        m->batch = calloc(MANAGER_BATCH, sizeof(*m->batch));
        if (!m->batch)
                return -ENOMEM;

        r = sensor_check_new(&m->sensor_check);
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

static void sensor_stop(Manager *m);

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;

        sensor_stop(m);
        m->stall_timer = sd_event_source_disable_unref(m->stall_timer);
        m->retry_timer = sd_event_source_disable_unref(m->retry_timer);
        m->calibrate_timer = sd_event_source_disable_unref(m->calibrate_timer);
        m->calibrate_call = sd_bus_message_unref(m->calibrate_call);
        while (m->inhibitors) {
                Inhibitor *i = m->inhibitors;
                m->inhibitors = i->next;
                inhibitor_free(i);
        }
        m->live_track = sd_bus_track_unref(m->live_track);
        m->haptics = haptics_free(m->haptics);
        free(m->haptics_error);
        free(m->prompt_stretch);
        if (m->record)
                fclose(m->record);
        m->bus = sd_bus_flush_close_unref(m->bus);
        m->event = sd_event_unref(m->event);
        m->engine = psoas_engine_free(m->engine);
        m->store = state_store_free(m->store);
        m->catalog = catalog_free(m->catalog);
        m->config = config_free(m->config);
        free(m->config_path);
        free(m->sensor_description);
        free(m->sensor_error);
        free(m->batch);
        m->sensor_check = sensor_check_free(m->sensor_check);
        m->throttle = throttle_free(m->throttle);
        free(m);
        return NULL;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Configuration */

static int default_config_path(Manager *m, char **ret) {
        const char *xdg;
        char *p;

        if (!m->options.user_bus)
                p = strdup(CONFIG_DEFAULT_PATH);
        else if ((xdg = getenv("XDG_CONFIG_HOME")) && xdg[0] == '/') {
                if (asprintf(&p, "%s/psoas/psoasd.json", xdg) < 0)
                        p = NULL;
        } else {
                const char *home = getenv("HOME");
                if (!home || home[0] != '/')
                        return -ENXIO;
                if (asprintf(&p, "%s/.config/psoas/psoasd.json", home) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

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
        else if ((e = getenv("XDG_STATE_HOME")) && e[0] == '/') {
                if (asprintf(&p, "%s/psoas", e) < 0)
                        p = NULL;
        } else {
                const char *home = getenv("HOME");
                if (!home || home[0] != '/')
                        return -ENXIO;
                if (asprintf(&p, "%s/.local/state/psoas", home) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

/* Loads everything the configuration names into new objects; nothing in m changes unless all of it is good. */
typedef struct LoadedConfig {
        Config *config;
        Catalog *catalog;
        gid_t gid;
        bool gid_valid;
} LoadedConfig;

static void loaded_config_done(LoadedConfig *l) {
        l->config = config_free(l->config);
        l->catalog = catalog_free(l->catalog);
}

static int load_config(Manager *m, LoadedConfig *ret) {
        _cleanup_free_ char *error = NULL;
        LoadedConfig l = {};
        struct group *g;
        int r;

        r = config_load(m->config_path, !m->config_path_explicit, &l.config, &error);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r, "Configuration rejected: %s",
                        error ?: m->config_path);
                return -EINVAL;
        }

        if (l.config->stretch_catalog) {
                _cleanup_free_ char *cat_error = NULL;

                r = catalog_load(l.config->stretch_catalog, &l.catalog, &cat_error);
                if (r < 0) {
                        log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r, "Configuration rejected: %s: %s",
                                m->config_path, cat_error ?: l.config->stretch_catalog);
                        loaded_config_done(&l);
                        return -EINVAL;
                }
        } else if (access(PKGDATADIR "/stretches.json", F_OK) == 0) {
                _cleanup_free_ char *cat_error = NULL;

                /* The installed catalog may have been edited by the admin; a broken one is reported, and the
                 * built-in catalog keeps the daemon useful. */
                r = catalog_load(PKGDATADIR "/stretches.json", &l.catalog, &cat_error);
                if (r < 0)
                        log_warning_errno(r, "Ignoring the stretch catalog, using the built-in one: %s",
                                cat_error ?: PKGDATADIR "/stretches.json");
        }

        /* Who may change state on the system bus. A group that does not exist leaves only root. The user bus
         * has no access checks: no lookup then, which also spares the NSS modules getgrnam() would load
         * (0.3 MiB resident, BENCHMARKS.md). */
        g = l.config->access_group && !m->options.user_bus ? getgrnam(l.config->access_group) : NULL;
        if (g) {
                l.gid = g->gr_gid;
                l.gid_valid = true;
        } else if (l.config->access_group && !m->options.user_bus)
                log_notice("Group '%s' does not exist: only root may change psoasd's state.",
                        l.config->access_group);

        *ret = l;
        return 0;
}

static void apply_source_options(Manager *m) {
        const Config *c = m->config;

        m->source_options = (SourceOptions){
                .uri = m->options.sensor_uri ?: c->sensor_uri,
                .device = c->sensor_device,
                .gyro_device = c->sensor_gyro_device,
                .rate_hz = c->sensor_rate_hz,
                .has_mount_matrix = c->sensor_has_mount_matrix,
                .wakeups_per_s = c->sensor_wakeups_per_s,
                .replay_path = m->options.replay_path,
                .replay_speed = m->options.replay_speed,
                .replay_units = m->options.replay_units,
        };
        memcpy(m->source_options.mount_matrix, c->sensor_mount_matrix, sizeof(c->sensor_mount_matrix));
}

/* The catalog, and where the wearer may stretch: floor exercises only when the configuration allows them. */
static int catalog_apply(Manager *m, Catalog *catalog, const Config *c) {
        int r;

        r = psoas_engine_set_places(
                m->engine, PSOAS_PLACE_DESK | (c->stretch_floor ? (uint32_t)PSOAS_PLACE_FLOOR : 0u));
        if (r < 0)
                return r;
        if (catalog)
                return psoas_engine_set_catalog(m->engine, catalog->stretches, catalog->n);
        return psoas_engine_set_catalog(m->engine, NULL, 0);
}

static int sensor_start(Manager *m);
static void sensor_schedule_retry(Manager *m);
static void haptics_start(Manager *m);

static bool gpio_line_equal(const GpioLineConfig *a, const GpioLineConfig *b) {
        return a->offset == b->offset && streq_ptr(a->name, b->name) && a->active_low == b->active_low;
}

static bool gpio_config_equal(const Config *a, const Config *b) {
        return a->gpio_enabled == b->gpio_enabled && streq_ptr(a->gpio_chip, b->gpio_chip) &&
                gpio_line_equal(&a->gpio_motor, &b->gpio_motor) &&
                gpio_line_equal(&a->gpio_button, &b->gpio_button) &&
                a->gpio_button_bias == b->gpio_button_bias;
}

static int manager_reload(Manager *m) {
        LoadedConfig l = {};
        bool sensor_changed, gpio_changed;
        int r;

        log_info("Reloading the configuration from %s.", m->config_path);
        r = load_config(m, &l);
        if (r < 0) {
                log_warning("Keeping the previous configuration.");
                return r;
        }

        r = psoas_engine_set_config(m->engine, &l.config->engine);
        if (r >= 0)
                r = catalog_apply(m, l.catalog, l.config);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r,
                        "Configuration rejected: %s: the engine refused it.", m->config_path);
                (void)psoas_engine_set_config(m->engine, &m->config->engine);
                loaded_config_done(&l);
                return r;
        }

        sensor_changed = !m->options.replay_path &&
                (!streq_ptr(l.config->sensor_uri, m->config->sensor_uri) ||
                        !streq_ptr(l.config->sensor_device, m->config->sensor_device) ||
                        !streq_ptr(l.config->sensor_gyro_device, m->config->sensor_gyro_device) ||
                        l.config->sensor_rate_hz != m->config->sensor_rate_hz ||
                        l.config->sensor_wakeups_per_s != m->config->sensor_wakeups_per_s ||
                        l.config->sensor_has_mount_matrix != m->config->sensor_has_mount_matrix ||
                        memcmp(l.config->sensor_mount_matrix, m->config->sensor_mount_matrix,
                                sizeof(l.config->sensor_mount_matrix)) != 0);
        gpio_changed = !gpio_config_equal(l.config, m->config);

        config_free(m->config);
        catalog_free(m->catalog);
        m->config = l.config;
        m->catalog = l.catalog;
        m->access_gid = l.gid;
        m->access_gid_valid = l.gid_valid;
        apply_source_options(m);

        if (sensor_changed) {
                log_info("Sensor settings changed: restarting the sensor.");
                sensor_stop(m);
                if (sensor_start(m) < 0)
                        sensor_schedule_retry(m);
        }
        /* Lines that failed are tried again on every reload: the wiring or the permissions may be fixed. */
        if (gpio_changed || m->haptics_state == HAPTICS_ERROR) {
                if (gpio_changed)
                        log_info("GPIO settings changed: reopening the lines.");
                haptics_start(m);
        }
        (void)sd_notify(false, "RELOADING=0\nREADY=1");
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Time */

/* Today by the wall clock alone, whatever the samples say. */
static int32_t wall_today(void) {
        int64_t now = (int64_t)now_usec(CLOCK_REALTIME);

        return (int32_t)floor_div64(now + (int64_t)utc_offset_at(now) * (int64_t)USEC_PER_SEC, USEC_PER_DAY);
}

int32_t manager_today(Manager *m) {
        if (m->engine && m->clock_synced) {
                const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
                if (st->samples_accepted > 0)
                        return PSOAS_ENGINE_DAY_STATS(m->engine)->day;
        }
        return wall_today();
}

/* The local day of a sample time, with the engine's current mapping. */
static int32_t local_day(Manager *m, int64_t t_us) {
        return (int32_t)floor_div64(psoas_engine_local_time(m->engine, t_us), USEC_PER_DAY);
}

static int64_t to_realtime(Manager *m, int64_t t_us) {
        return t_us + m->realtime_offset_us;
}

/* Maps sample time t_us to wall time realtime_us, local time being gmtoff_s ahead of UTC: here and in the engine,
 * which must always agree. wall_minus_mono_us is CLOCK_REALTIME − CLOCK_MONOTONIC at that moment, against which
 * clock_check() detects the next step. */
static void clock_map(
        Manager *m, int64_t t_us, int64_t realtime_us, int64_t wall_minus_mono_us, long gmtoff_s) {
        m->realtime_offset_us = realtime_us - t_us;
        m->wall_minus_monotonic_us = wall_minus_mono_us;
        m->utc_offset_s = gmtoff_s;
        psoas_engine_set_clock(m->engine, t_us, realtime_us + (int64_t)gmtoff_s * (int64_t)USEC_PER_SEC);
}

/* Tells the engine how sample time maps to local time, at the first sample: a sensor's sample is "now"; a
 * recording's time is the replay's clock, which started when the replay did (its origin) and has run at the
 * replay's speed since, so that the sample maps to its place on that clock, whenever the loop got to it. */
static void clock_sync(Manager *m, int64_t t_us) {
        int64_t realtime = (int64_t)now_usec(CLOCK_REALTIME), mapped = realtime;

        if (m->source && m->source->clock_origin_realtime_us > 0)
                mapped = m->source->clock_origin_realtime_us + (t_us - m->source->clock_origin_t_us);
        clock_map(m, t_us, mapped, realtime - (int64_t)now_usec(CLOCK_MONOTONIC), utc_offset_at(mapped));
        m->clock_synced = true;

        if (m->pending_snooze_realtime_us > realtime)
                psoas_engine_snooze(m->engine, t_us + (m->pending_snooze_realtime_us - realtime));
        m->pending_snooze_realtime_us = 0;
}

static void restore_state(Manager *m, int64_t t_us) {
        struct psoas_day_stats stats;
        CurrentState current = {};
        char d[DURATION_TEXT_MAX];
        int64_t bout_start;
        int32_t today;
        int r;

        m->restored = true;
        if (!m->store)
                return;

        today = local_day(m, t_us);
        r = state_store_load_current(m->store, &current);
        if (r >= 0) {
                if (current.calibrated) {
                        r = psoas_engine_set_calibration(m->engine, &current.calibration);
                        if (r < 0)
                                log_warning_errno(r, "Ignoring the saved calibration: %m");
                        else
                                log_info("Restored the calibration (neutral inclination %.1f°).",
                                        (double)current.calibration.neutral_inclination_deg);
                }
                m->last_break_us =
                        current.last_break_realtime_us > 0 ? (uint64_t)current.last_break_realtime_us : 0;
        }

        r = state_store_load_day(m->store, today, &stats);
        if (r < 0)
                return;
        bout_start = 0;
        if (current.day == today && current.in_bout) {
                /* A bout cannot have begun after now: the wall clock may have stepped back across the restart,
                 * or a fast replay ran ahead of it. */
                int64_t now_realtime = to_realtime(m, t_us);
                bout_start = current.bout_start_realtime_us < now_realtime ? current.bout_start_realtime_us
                                                                           : now_realtime;
                bout_start += (int64_t)m->utc_offset_s * (int64_t)USEC_PER_SEC;
        }
        r = psoas_engine_restore(m->engine, &stats, bout_start);
        if (r < 0)
                log_warning_errno(r, "Could not restore today's statistics: %m");
        else
                log_info("Continuing today: %s sat so far%s.",
                        duration_format(d, sizeof(d), duration_whole_seconds(stats.sitting_s)),
                        current.day == today && current.in_bout ? ", in a sitting bout" : "");
}

/* ------------------------------------------------------------------------------------------------------- */
/* Persistence */

static int save_state_full(Manager *m, bool durable) {
        const struct psoas_state *st;
        CurrentState current = {};
        int r;

        if (!m->store || !m->engine || !m->clock_synced)
                return 0;

        st = PSOAS_ENGINE_STATE(m->engine);
        const struct psoas_day_stats *today = PSOAS_ENGINE_DAY_STATS(m->engine);
        current.day = today->day;
        current.in_bout = st->in_bout;
        current.bout_start_realtime_us = st->in_bout ? to_realtime(m, st->bout_start_us) : 0;
        current.last_break_realtime_us = (int64_t)m->last_break_us;
        current.calibrated = psoas_engine_get_calibration(m->engine, PSOAS_SIZED(&current.calibration)) >= 0;

        state_store_set_durable(m->store, durable);
        r = state_store_save_day(m->store, today);
        if (r >= 0)
                r = state_store_save_current(m->store, &current);
        if (r < 0) {
                if (!m->save_failed_logged)
                        log_id(LOG_ERR, MESSAGE_ID_STATE_SAVE_FAILED, r,
                                "Could not save statistics to %s (will keep trying): %m",
                                state_store_directory(m->store));
                m->save_failed_logged = true;
                return r;
        }
        if (m->save_failed_logged)
                log_notice("Statistics saved to %s again.", state_store_directory(m->store));
        m->save_failed_logged = false;
        m->saved_t_us = st->t_us;
        m->saved_mono_us = now_usec(CLOCK_MONOTONIC);
        if (durable)
                m->durable_mono_us = m->saved_mono_us;
        return 0;
}

static int save_state(Manager *m) {
        return save_state_full(m, true);
}

static void maybe_save(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        if (st->t_us - m->saved_t_us < (int64_t)SAVE_SAMPLE_USEC)
                return;
        if (now_usec(CLOCK_MONOTONIC) - m->saved_mono_us < SAVE_WALL_USEC)
                return;
        (void)save_state_full(m, now_usec(CLOCK_MONOTONIC) - m->durable_mono_us >= SAVE_DURABLE_USEC);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Status and properties */

/* The time of psoasd's clock now (realtime µs): the wall clock, or the replay's clock during a replay. */
static int64_t clock_now(Manager *m) {
        int64_t wall = (int64_t)now_usec(CLOCK_REALTIME);

        return (int64_t)m->clock_anchor_us +
                (int64_t)((double)(wall - (int64_t)m->clock_anchor_wall_us) * m->clock_speed);
}

/* Sets ClockAnchor, ClockAnchorWall and ClockSpeed from the source and announces a change. A paced replay's clock
 * is fixed at its start; an unpaced one's runs as fast as the loop reads the file, so it is shown standing at the
 * newest sample, moved on at most once a second of wall time (or when force); a recording that ended or failed
 * stops the clock at its last sample. */
static void clock_announce(Manager *m, bool force) {
        static const char *const changed[] = { "ClockAnchor", "ClockAnchorWall", "ClockSpeed", NULL };
        uint64_t anchor = 0, anchor_wall = 0, mono = now_usec(CLOCK_MONOTONIC);
        double speed = 1;

        /* A source with a clock of its own (a recording's): the rest follow the wall clock. */
        if (m->source && m->source->clock_origin_realtime_us > 0) {
                bool stopped = m->replay_finished || m->source->clock_speed <= 0;

                if (!stopped) {
                        anchor = anchor_wall = (uint64_t)m->source->clock_origin_realtime_us;
                        speed = m->source->clock_speed;
                } else {
                        if (!force && mono - m->clock_announced_mono_us < USEC_PER_SEC)
                                return;
                        anchor_wall = now_usec(CLOCK_REALTIME);
                        anchor = m->clock_synced && m->have_last_t ? (uint64_t)to_realtime(m, m->last_t_us)
                                                                   : anchor_wall;
                        speed = 0;
                }
        }
        if (anchor == m->clock_anchor_us && anchor_wall == m->clock_anchor_wall_us &&
                speed == m->clock_speed)
                return;
        m->clock_anchor_us = anchor;
        m->clock_anchor_wall_us = anchor_wall;
        m->clock_speed = speed;
        m->clock_announced_mono_us = mono;
        (void)bus_emit_changes(m, changed);
}

/* "14:35:07", local time on psoasd's clock, for STATUS= and the journal. */
static char *format_local_time(char *buf, size_t size, int64_t realtime_us) {
        time_t t = (time_t)(realtime_us / (int64_t)USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%H:%M:%S", &tm) == 0)
                snprintf(buf, size, "?");
        return buf;
}

static void update_status(Manager *m, bool force) {
        const struct psoas_state *st;
        uint64_t now = now_usec(CLOCK_MONOTONIC), dropped;
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

        dropped = m->samples_dropped + (m->source ? m->source->samples_invalid : 0);
        if (dropped > 0) {
                size_t len = strlen(posture);
                snprintf(posture + len, sizeof(posture) - len, "; %" PRIu64 " bad samples dropped", dropped);
        }

        switch (m->sensor_state) {
        case SENSOR_STREAMING:
                snprintf(text, sizeof(text), "Streaming %.0f Hz from %s%s", m->sample_rate,
                        m->sensor_description ?: "the sensor", posture);
                break;
        case SENSOR_REPLAY:
                snprintf(
                        text, sizeof(text), "Playing %s%s", m->sensor_description ?: "a recording", posture);
                break;
        case SENSOR_STARTING:
                snprintf(text, sizeof(text), "Starting %s", m->sensor_description ?: "the sensor");
                break;
        case SENSOR_STALLED:
                snprintf(text, sizeof(text), "Sensor stalled: no samples for 2 s; retrying");
                break;
        case SENSOR_STUCK:
                snprintf(text, sizeof(text),
                        "Sensor stuck: %s repeats the same sample; waiting for it to vary",
                        m->sensor_description ?: "the sensor");
                break;
        case SENSOR_RATE_MISMATCH:
                snprintf(text, sizeof(text), "Streaming %.1f Hz instead of %.0f Hz from %s%s",
                        sensor_check_measured_rate(m->sensor_check), m->sample_rate,
                        m->sensor_description ?: "the sensor", posture);
                break;
        case SENSOR_GARBAGE:
                snprintf(text, sizeof(text), "Sensor sends garbage: most samples from %s are invalid%s",
                        m->sensor_description ?: "the sensor", posture);
                break;
        case SENSOR_ENDED: {
                char end[32];

                snprintf(text, sizeof(text), "The recording ended at %s (%s)%s",
                        format_local_time(end, sizeof(end), clock_now(m)), m->sensor_description ?: "replay",
                        posture);
                break;
        }
        case SENSOR_ABSENT:
                snprintf(text, sizeof(text), "Waiting for the sensor to appear");
                break;
        default:
                if (m->options.replay_path)
                        snprintf(
                                text, sizeof(text), "Replay failed: %s", m->sensor_error ?: "unknown error");
                else
                        snprintf(text, sizeof(text), "Sensor error: %s; retrying",
                                m->sensor_error ?: "unknown error");
                break;
        }

        /* Only a failure is worth the words: without a gpio section there is nothing to say. */
        if (m->haptics_state == HAPTICS_ERROR)
                sd_notifyf(false, "STATUS=%s; no haptics: %s", text,
                        m->haptics_error ?: "the GPIO lines failed");
        else
                sd_notifyf(false, "STATUS=%s", text);
}

/* Sets SensorError: why the sensor (or the recording) failed, in words; NULL clears it. */
static void set_sensor_error(Manager *m, const char *error) {
        static const char *const changed[] = { "SensorError", NULL };
        char *copy = NULL;

        if (streq_ptr(m->sensor_error, error))
                return;
        if (error) {
                copy = strdup(error);
                if (!copy)
                        return;
        }
        free(m->sensor_error);
        m->sensor_error = copy;
        (void)bus_emit_changes(m, changed);
}

static void set_sensor_state(Manager *m, SensorState s) {
        static const char *const changed[] = { "SensorState", NULL };

        /* The error describes the error state only. */
        if (s != SENSOR_ERROR)
                set_sensor_error(m, NULL);
        if (m->sensor_state == s)
                return;
        m->sensor_state = s;
        (void)bus_emit_changes(m, changed);
        update_status(m, true);
}

static void set_sensor_info(Manager *m, const char *description, double rate) {
        const char *changed[3] = {};
        size_t n = 0;

        if (!description)
                description = "";
        if (!m->sensor_description || strcmp(m->sensor_description, description) != 0) {
                free(m->sensor_description);
                m->sensor_description = strdup(description);
                changed[n++] = "Sensor";
        }
        if (rate != m->sample_rate) {
                m->sample_rate = rate;
                changed[n++] = "SampleRate";
        }
        if (n > 0)
                (void)bus_emit_changes(m, changed);
}

/* Brings the bus up to date after a batch or a method call: emits only what changed. */
static void update_properties(Manager *m) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
        const char *changed[10];
        size_t n = 0;
        uint64_t sitting_since = 0, last_break = m->last_break_us, snoozed = 0;
        uint64_t now = now_usec(CLOCK_MONOTONIC);
        bool live = m->live_track && sd_bus_track_count(m->live_track) > 0;

        if (st->posture != m->posture) {
                m->posture = st->posture;
                changed[n++] = "Posture";
        }
        if (st->calibrated != m->calibrated) {
                m->calibrated = st->calibrated;
                changed[n++] = "Calibrated";
        }
        if (m->clock_synced) {
                if (st->in_bout)
                        sitting_since = (uint64_t)to_realtime(m, st->bout_start_us);
                if (st->has_last_break)
                        last_break = (uint64_t)to_realtime(m, st->last_break_us);
                if (st->snoozed_until_us > 0)
                        snoozed = (uint64_t)to_realtime(m, st->snoozed_until_us);
        } else if (m->pending_snooze_realtime_us > 0)
                snoozed = (uint64_t)m->pending_snooze_realtime_us;
        if (sitting_since != m->sitting_since_us) {
                m->sitting_since_us = sitting_since;
                changed[n++] = "SittingSince";
        }
        if (last_break != m->last_break_us) {
                m->last_break_us = last_break;
                changed[n++] = "LastBreak";
        }
        if (snoozed != m->snoozed_until_us) {
                m->snoozed_until_us = snoozed;
                changed[n++] = "SnoozedUntil";
        }
        if (st->inhibited != m->inhibited) {
                m->inhibited = st->inhibited;
                changed[n++] = "Inhibited";
        }

        m->tilt = st->tilt_deg;
        m->inclination = st->inclination_deg;
        if (live ? (now - m->tilt_emitted_mono_us >= TILT_LIVE_PERIOD_USEC && m->tilt != m->tilt_emitted)
                 : (now - m->tilt_emitted_mono_us >= TILT_PERIOD_USEC &&
                           fabs(m->tilt - m->tilt_emitted) >= TILT_MIN_CHANGE_DEG)) {
                m->tilt_emitted = m->tilt;
                m->tilt_emitted_mono_us = now;
                changed[n++] = "Tilt";
                changed[n++] = "Inclination";
        }

        changed[n] = NULL;
        if (n > 0)
                (void)bus_emit_changes(m, changed);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Haptics */

static void set_haptics_state(Manager *m, HapticsState s, const char *error) {
        static const char *const changed[] = { "Haptics", NULL };
        bool state_changed = m->haptics_state != s;

        free(m->haptics_error);
        m->haptics_error = error ? strdup(error) : NULL;
        m->haptics_state = s;
        if (state_changed)
                (void)bus_emit_changes(m, changed);
        update_status(m, true);
}

/* A pattern for the wearer, when there is a motor. */
static void haptics_feedback(Manager *m, HapticPattern pattern, uint32_t level) {
        int r;

        if (!m->haptics || !haptics_has_motor(m->haptics))
                return;
        r = haptics_play(m->haptics, pattern, level, false);
        if (r < 0 && r != -EIO)
                log_debug_errno(r, "Cannot play the %s pattern: %m", haptic_pattern_to_string(pattern));
}

static bool prompt_open(Manager *m) {
        return m->prompt_stretch && PSOAS_ENGINE_STATE(m->engine)->t_us <= m->prompt_until_us;
}

static void prompt_close(Manager *m) {
        free(m->prompt_stretch);
        m->prompt_stretch = NULL;
}

/* What the button does is what the D-Bus method does: the same functions, so it shows on the bus the same way. */
static void on_haptics_press(Haptics *h, ButtonPress press, void *userdata) {
        Manager *m = userdata;
        int r;

        switch (press) {
        case BUTTON_PRESS_SHORT:
                if (prompt_open(m)) {
                        _cleanup_free_ char *id = strdup(m->prompt_stretch);

                        r = id ? manager_complete_stretch(m, id) : -ENOMEM;
                        if (r < 0)
                                log_warning_errno(r,
                                        "Could not report the stretch '%s' done for the button: %m",
                                        m->prompt_stretch);
                        else
                                log_info("Stretch '%s' reported done with the button.", id);
                        break;
                }
                (void)manager_snooze(m, BUTTON_SNOOZE_S);
                log_info("Alerts snoozed for %u min with the button.", BUTTON_SNOOZE_S / 60);
                break;
        case BUTTON_PRESS_DOUBLE:
                (void)manager_snooze(m, 0);
                log_info("Snooze cancelled with the button.");
                break;
        case BUTTON_PRESS_LONG:
                r = manager_calibrate(m, NULL);
                if (r == -EBUSY)
                        log_info("The button asked for a calibration while one is running.");
                else if (r < 0) {
                        log_notice("The button asked for a calibration, but %s.",
                                r == -ENODEV ? "no sensor is streaming" : strerror(-r));
                        haptics_feedback(m, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
                } else
                        log_info("Calibrating at the button's request.");
                break;
        default:
                break;
        }
}

static void on_haptics_failed(Haptics *h, int error, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;

        log_error_errno(error,
                "The GPIO lines stopped working (%s): %m. No haptics until psoasd is reloaded.",
                haptics_description(h) ?: "the motor and button");
        if (asprintf(&why, "the GPIO lines stopped working (%s)", strerror(error < 0 ? -error : error)) < 0)
                why = NULL;
        /* The object stays until the next reload or the exit; it has stopped itself. */
        set_haptics_state(m, HAPTICS_ERROR, why);
}

static bool gpio_line_given(const GpioLineConfig *line) {
        return line->offset >= 0 || line->name;
}

/* (Re)opens the lines of the gpio section. A failure is logged, shown in Haptics and STATUS=, and not fatal. */
static void haptics_start(Manager *m) {
        static const HapticsCallbacks callbacks = {
                .press = on_haptics_press,
                .failed = on_haptics_failed,
        };
        const Config *c = m->config;
        _cleanup_free_ char *error = NULL;
        GpioOptions options;
        int r;

        m->haptics = haptics_free(m->haptics);
        if (!c->gpio_enabled) {
                set_haptics_state(m, HAPTICS_ABSENT, NULL);
                return;
        }

        options = (GpioOptions){
                .chip = c->gpio_chip,
                .motor = gpio_line_given(&c->gpio_motor) ? &c->gpio_motor : NULL,
                .button = gpio_line_given(&c->gpio_button) ? &c->gpio_button : NULL,
                .button_bias = c->gpio_button_bias,
        };
        r = haptics_new(m->event, &gpio_gpiod_ops, &options, &callbacks, m, &m->haptics, &error);
        if (r < 0) {
                if (!error && asprintf(&error, "GPIO chip %s: %s", c->gpio_chip, strerror(-r)) < 0)
                        error = NULL;
                log_error("No haptics: %s. psoasd carries on without the motor and the button.",
                        error ?: c->gpio_chip);
                set_haptics_state(m, HAPTICS_ERROR, error);
                return;
        }
        log_info("Haptics ready: %s.", haptics_description(m->haptics));
        set_haptics_state(m, HAPTICS_READY, NULL);
}

int manager_test_haptics(Manager *m, HapticPattern pattern) {
        if (m->haptics_state == HAPTICS_ABSENT)
                return -ENODEV;
        if (m->haptics_state == HAPTICS_ERROR || !m->haptics)
                return -EIO;
        if (!haptics_has_motor(m->haptics))
                return -ENOENT;
        return haptics_play(m->haptics, pattern, 1, true);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Engine events */

static void calibration_finish(Manager *m, int error, enum psoas_calibration_error reason, double neutral) {
        bool running = m->calibrate_timer || m->calibrate_call;

        /* The engine's own verdicts buzz in handle_event(); this is a calibration abandoned (no samples, the
         * sensor gone), which the wearer standing still needs to know about too. */
        if (running && (error == -ETIMEDOUT || error == -ENODEV))
                haptics_feedback(m, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
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

static void handle_event(Manager *m, const struct psoas_event *ev) {
        const struct psoas_stretch *catalog;
        size_t n_catalog;
        char message[256], d[DURATION_TEXT_MAX];

        switch (ev->type) {
        case PSOAS_EVENT_CALIBRATED:
                log_info("Calibrated: neutral inclination %.1f°.",
                        (double)ev->calibrated.neutral_inclination_deg);
                calibration_finish(m, 0, PSOAS_CALIBRATION_OK, ev->calibrated.neutral_inclination_deg);
                haptics_feedback(m, HAPTIC_PATTERN_CALIBRATION_DONE, 0);
                (void)save_state(m);
                break;
        case PSOAS_EVENT_CALIBRATION_FAILED:
                log_info("Calibration refused: %s.",
                        psoas_calibration_error_to_string(ev->calibration_failed.reason));
                calibration_finish(m, -EAGAIN, ev->calibration_failed.reason, 0);
                haptics_feedback(m, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
                break;
        case PSOAS_EVENT_POSTURE_CHANGED:
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
                (void)save_state(m);
                break;
        case PSOAS_EVENT_BOUT_ENDED:
                if (ev->bout.is_break)
                        (void)bus_emit_break_taken(m, duration_whole_seconds(ev->bout.duration_s));
                break;
        case PSOAS_EVENT_ALERT:
                if (ev->alert.kind == PSOAS_ALERT_SITTING)
                        snprintf(message, sizeof(message), "You have been sitting for %s",
                                duration_format(d, sizeof(d), duration_whole_seconds(ev->alert.duration_s)));
                else
                        snprintf(message, sizeof(message),
                                "Your pelvis has been tilted forward by %.0f° for %s while standing",
                                (double)PSOAS_ENGINE_STATE(m->engine)->tilt_deg,
                                duration_format(d, sizeof(d), duration_whole_seconds(ev->alert.duration_s)));
                (void)bus_emit_alert(
                        m, psoas_alert_kind_to_string(ev->alert.kind), message, ev->alert.level);
                haptics_feedback(m,
                        ev->alert.kind == PSOAS_ALERT_SITTING ? HAPTIC_PATTERN_SITTING : HAPTIC_PATTERN_TILT,
                        ev->alert.level);
                break;
        case PSOAS_EVENT_STRETCH_PROMPT:
                catalog = psoas_engine_get_catalog(m->engine, &n_catalog);
                if (ev->prompt.stretch < n_catalog) {
                        (void)bus_emit_stretch_prompt(m, psoas_stretch_at(catalog, ev->prompt.stretch));
                        prompt_close(m);
                        m->prompt_stretch = strdup(psoas_stretch_at(catalog, ev->prompt.stretch)->id);
                        m->prompt_until_us =
                                ev->t_us + (int64_t)((double)m->config->engine.stretch_window_s * 1e6);
                }
                break;
        case PSOAS_EVENT_STRETCH_DONE:
                catalog = psoas_engine_get_catalog(m->engine, &n_catalog);
                if (ev->stretch.result == PSOAS_STRETCH_VERIFIED && ev->stretch.stretch < n_catalog)
                        (void)bus_emit_stretch_verified(
                                m, psoas_stretch_at(catalog, ev->stretch.stretch)->id);
                if (ev->stretch.stretch < n_catalog &&
                        streq_ptr(m->prompt_stretch, psoas_stretch_at(catalog, ev->stretch.stretch)->id))
                        prompt_close(m);
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
                if (m->store) {
                        /* By the wall clock's date when the samples' runs ahead of it: a timestamp that slipped
                         * through, years ahead, must not take the history with it. */
                        int32_t today = wall_today();
                        int r = state_store_prune(
                                m->store, ev->day.current < today ? ev->day.current : today);
                        if (r < 0)
                                log_warning_errno(r, "Could not remove old statistics: %m");
                }
                break;
        default:
                break;
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Samples */

static bool sample_sane(const struct psoas_sample *s) {
        float a2 = 0, g2 = 0;

        for (size_t i = 0; i < 3; i++) {
                if (!isfinite(s->accel[i]) || (s->has_gyro && !isfinite(s->gyro[i])))
                        return false;
                a2 += s->accel[i] * s->accel[i];
                g2 += s->gyro[i] * s->gyro[i];
        }
        return a2 <= ACCEL_MAX_MS2 * ACCEL_MAX_MS2 && (!s->has_gyro || g2 <= GYRO_MAX_RADS * GYRO_MAX_RADS);
}

static void measure_rate(Manager *m, int64_t t_us) {
        if (m->rate_samples++ == 0) {
                m->rate_t0_us = t_us;
                return;
        }
        /* Two seconds of timestamps give the rate to a tenth of a hertz, whatever the jitter. */
        if (t_us - m->rate_t0_us >= 2 * (int64_t)USEC_PER_SEC) {
                double rate = (double)(m->rate_samples - 1) * 1e6 / (double)(t_us - m->rate_t0_us);
                set_sensor_info(m, m->sensor_description, round(rate * 10) / 10);
        }
}

/* Whether t_us, arriving at wall_us and mono_us, leaps ahead of the previous sample by much more
 * (TIME_LEAP_MAX_USEC) than time passed since. Only for sensors: a recording may have holes of hours, played in
 * no time. Time passed is the larger of what CLOCK_MONOTONIC and the wall clock say: a clock step forward (NTP
 * at boot) moves sample times with it when the IIO timestamps are on CLOCK_REALTIME, and passes; a step back
 * must not make every later sample look ahead. */
static bool sample_time_leaps(Manager *m, int64_t t_us, int64_t wall_us, int64_t mono_us) {
        int64_t wall = wall_us - m->last_t_wall_us, monotonic = mono_us - m->last_t_mono_us;

        if (m->options.replay_path || !m->have_last_t)
                return false;
        return t_us - m->last_t_us > (wall > monotonic ? wall : monotonic) + (int64_t)TIME_LEAP_MAX_USEC;
}

static void process_samples(Manager *m, struct psoas_sample *samples, size_t n) {
        /* The batch came in at one moment: its samples share the arrival time. */
        int64_t wall_us = (int64_t)now_usec(CLOCK_REALTIME), mono_us = (int64_t)now_usec(CLOCK_MONOTONIC);
        struct psoas_event ev;

        for (size_t i = 0; i < n; i++) {
                struct psoas_sample *s = &samples[i];
                int32_t day;

                if (!sample_sane(s) || sample_time_leaps(m, s->t_us, wall_us, mono_us)) {
                        /* Never fed: NaN, infinite, beyond what a body on a belt can do (16 g, 35 rad/s), or
                         * from years ahead. */
                        if (m->samples_dropped++ == 0)
                                log_warning(
                                        "Dropping invalid samples from %s (non-finite or absurd values, or "
                                        "times that leap ahead); STATUS= counts them.",
                                        m->sensor_description ?: "the sensor");
                        continue;
                }
                m->last_t_us = s->t_us;
                m->last_t_wall_us = wall_us;
                m->last_t_mono_us = mono_us;
                m->have_last_t = true;

                if (!m->clock_synced)
                        clock_sync(m, s->t_us);
                if (!m->restored) {
                        restore_state(m, s->t_us);
                        if (m->options.calibrate_first_s > 0)
                                (void)psoas_engine_calibrate_window(m->engine, s->t_us,
                                        s->t_us + (int64_t)(m->options.calibrate_first_s * 1e6));
                }

                /* The day's statistics are saved before the first sample of the next day is fed: after it,
                 * the engine's state already describes the new day. */
                day = local_day(m, s->t_us);
                if (day != m->current_day) {
                        if (m->current_day != INT32_MIN && m->store)
                                (void)save_state(m);
                        m->current_day = day;
                }

                if (psoas_engine_feed(m->engine, s) < 0) {
                        m->samples_dropped++;
                        continue;
                }
                m->samples_fed++;
                if (m->sample_rate == 0)
                        measure_rate(m, s->t_us);
                if (m->record && record_write(m->record, m->record_has_gyro, s) < 0) {
                        log_error("Could not write to %s; recording stopped.", m->options.record_path);
                        fclose(m->record);
                        m->record = NULL;
                }

                while (psoas_engine_pop_event(m->engine, PSOAS_SIZED(&ev)) > 0)
                        handle_event(m, &ev);
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* The sensor */

static void sensor_lost(Manager *m, int error, const char *why);

static void sensor_stop(Manager *m) {
        m->source_event = sd_event_source_disable_unref(m->source_event);
        m->source = source_free(m->source);
        if (m->stall_timer)
                (void)sd_event_source_set_enabled(m->stall_timer, SD_EVENT_OFF);
}

static void stall_timer_rearm(Manager *m) {
        if (!m->stall_timer || m->options.replay_path)
                return;
        (void)sd_event_source_set_time_relative(m->stall_timer, STALL_USEC);
        (void)sd_event_source_set_enabled(m->stall_timer, SD_EVENT_ONESHOT);
}

static void sensor_finished(Manager *m, int error) {
        const char *why = error == -EBADMSG && m->source ? source_replay_error(m->source) : strerror(-error);
        char end[32];

        m->replay_finished = true;
        m->source_event = sd_event_source_disable_unref(m->source_event);
        /* The replay's clock stops at the last sample. */
        clock_announce(m, true);
        if (error == -EPIPE)
                log_info("The recording ended at %s (the replay's clock): %s.",
                        format_local_time(end, sizeof(end), clock_now(m)), m->sensor_description ?: "");
        else
                log_error("The recording is malformed: %s", why);
        (void)save_state(m);
        if (m->record)
                (void)record_flush(m->record);
        if (error != -EPIPE)
                set_sensor_error(m, why);
        set_sensor_state(m, error == -EPIPE ? SENSOR_ENDED : SENSOR_ERROR);
        calibration_finish(m, -ENODEV, PSOAS_CALIBRATION_CANCELLED, 0);
        if (m->options.exit_on_end) {
                m->exit_status = error == -EPIPE ? 0 : 1;
                (void)sd_event_exit(m->event, m->exit_status);
        }
}

/* What SensorState says of a sensor that delivers: streaming, or the worst of the faults in its samples. */
static SensorState streaming_state(Manager *m) {
        switch (sensor_fault_primary(sensor_check_faults(m->sensor_check))) {
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
        unsigned now = sensor_check_faults(m->sensor_check);
        char evidence[256];

        for (size_t i = 0; i < ELEMENTSOF(faults); i++)
                if (changed & now & faults[i].fault)
                        log_id(LOG_WARNING, faults[i].message_id, 0, "%s (%s): %s.", faults[i].what,
                                m->sensor_description ?: "the sensor",
                                sensor_check_describe(
                                        m->sensor_check, faults[i].fault, evidence, sizeof(evidence)));
        if (now == 0 && (changed & ~now))
                log_id(LOG_NOTICE, MESSAGE_ID_SENSOR_BACK, 0, "Sensor back: %s.",
                        m->sensor_description ?: "");
        if (sensor_state_is_streaming(m->sensor_state))
                set_sensor_state(m, streaming_state(m));
}

/* Shows one batch (n samples, and the scans the source dropped since the last one) to the sensor check. A batch
 * of nothing but dropped scans does not rearm the stall timer: reopening the device is what cures a stream that
 * lost its alignment or its clock. */
static void sensor_check_batch(Manager *m, size_t n) {
        uint64_t invalid = m->source->samples_invalid, dropped = invalid - m->source_invalid_seen;
        unsigned changed;

        m->source_invalid_seen = invalid;
        if (m->options.replay_path)
                return;
        changed = sensor_check_feed(m->sensor_check, m->batch, n, dropped, now_usec(CLOCK_MONOTONIC));
        if (changed)
                sensor_faults_changed(m, changed);
}

/* The wall clock was stepped (NTP at boot on a board without a real-time clock, date -s) or the UTC offset changed
 * (daylight saving time): sample time is mapped to wall time again, from the newest sample, as at the first
 * one. Checked after each batch, for sensors only: a replay's sample time is the recording's, mapped once.
 *
 * A step is when both the wall clock moved against CLOCK_MONOTONIC and the newest sample (normally less than a
 * batch, at most 2 s, old) now maps that far from the wall clock. The first alone would also fire for sensors
 * whose timestamps follow CLOCK_REALTIME, which move with the clock and need no new mapping; the second alone
 * for the slow drift of times counted at a nominal rate, which is no step. */
static bool is_clock_step(int64_t difference_us) {
        return difference_us <= -(int64_t)CLOCK_STEP_MIN_USEC ||
                difference_us >= (int64_t)CLOCK_STEP_MIN_USEC;
}

static void clock_check(Manager *m) {
        struct psoas_day_stats stats;
        const struct psoas_state *st;
        int64_t realtime, step, wall_minus_mono;
        int32_t old_day, new_day;
        long gmtoff;
        int r;

        if (!m->clock_synced || !m->have_last_t || m->options.replay_path)
                return;
        realtime = (int64_t)now_usec(CLOCK_REALTIME);
        wall_minus_mono = realtime - (int64_t)now_usec(CLOCK_MONOTONIC);
        step = realtime - to_realtime(m, m->last_t_us);
        if (!is_clock_step(step) || !is_clock_step(wall_minus_mono - m->wall_minus_monotonic_us))
                step = 0;
        gmtoff = utc_offset_at(realtime);
        if (step == 0 && gmtoff == m->utc_offset_s)
                return;

        /* Saved under the old mapping first: the bout's start and the day are written as they were. */
        (void)save_state(m);
        old_day = local_day(m, m->last_t_us);
        if (step != 0)
                log_id(LOG_NOTICE, MESSAGE_ID_CLOCK_CHANGED, 0,
                        "The wall clock moved by %+.0f s: sample times are mapped to the new time.",
                        (double)step / 1e6);
        if (gmtoff != m->utc_offset_s)
                log_id(LOG_NOTICE, MESSAGE_ID_CLOCK_CHANGED, 0,
                        "The UTC offset changed from %+ld to %+ld s: days follow the new local time.",
                        m->utc_offset_s, gmtoff);
        clock_map(m, m->last_t_us, to_realtime(m, m->last_t_us) + step, wall_minus_mono, gmtoff);

        new_day = local_day(m, m->last_t_us);
        /* A day without a file begins at the next sample, as at midnight. A day psoasd has recorded before (the
         * clock went back, or on to a day already counted before a restart) goes on from its file, as after a
         * restart: its totals are never started again from zero. */
        if (new_day != old_day && m->store && state_store_load_day(m->store, new_day, &stats) >= 0) {
                st = PSOAS_ENGINE_STATE(m->engine);
                r = psoas_engine_restore(m->engine, &stats,
                        st->in_bout ? psoas_engine_local_time(m->engine, st->bout_start_us) : 0);
                if (r < 0)
                        log_warning_errno(r, "Could not continue the statistics of the new day: %m");
                else
                        m->current_day = new_day;
        }
        update_properties(m);
}

/* Takes what the source has, a bounded number of batches so that the bus is never starved. */
static int sensor_drain(Manager *m) {
        bool got = false;
        int r = 0;

        for (unsigned i = 0; i < 64; i++) {
                r = m->source->ops->read_batch(m->source, m->batch, MANAGER_BATCH);
                if (r < 0)
                        break;
                sensor_check_batch(m, (size_t)r);
                if (r == 0)
                        break;
                got = true;
                /* A stuck sensor's samples say nothing about the wearer: the engine does not get them. */
                if (!(sensor_check_faults(m->sensor_check) & SENSOR_FAULT_STUCK))
                        process_samples(m, m->batch, (size_t)r);
                /* A short batch means the source is drained: asking again would only cost system calls on
                 * every wake-up (the stall timer still asks when nothing comes). */
                if (r < MANAGER_BATCH) {
                        r = 0;
                        break;
                }
        }

        if (got) {
                clock_check(m);
                if (m->sensor_state == SENSOR_STARTING) {
                        if (m->sensor_lost_logged)
                                log_id(LOG_NOTICE, MESSAGE_ID_SENSOR_BACK, 0, "Sensor back: %s.",
                                        m->sensor_description ?: "");
                        m->sensor_lost_logged = false;
                        m->retry_delay_us = 0;
                        set_sensor_state(m, streaming_state(m));
                } else if (m->sensor_state == SENSOR_STALLED)
                        set_sensor_state(m, streaming_state(m));
                stall_timer_rearm(m);
                clock_announce(m, false);
                update_properties(m);
                maybe_save(m);
                if (m->record)
                        (void)record_flush(m->record);
                update_status(m, false);
        }

        if (r < 0 && r != -EAGAIN) {
                if (m->options.replay_path)
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
        if (m->source_event) {
                (void)sd_event_source_set_time_relative(m->source_event, m->source->poll_interval_us);
                (void)sd_event_source_set_enabled(m->source_event, SD_EVENT_ONESHOT);
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

static void sensor_schedule_retry(Manager *m) {
        m->retry_delay_us = m->retry_delay_us == 0 ? RETRY_MIN_USEC : m->retry_delay_us * 2;
        if (m->retry_delay_us > RETRY_MAX_USEC)
                m->retry_delay_us = RETRY_MAX_USEC;

        if (!m->retry_timer) {
                if (sd_event_add_time_relative(m->event, &m->retry_timer, CLOCK_MONOTONIC, m->retry_delay_us,
                            0, on_retry, m) < 0)
                        log_error("Cannot schedule a sensor retry; the sensor will not come back.");
                return;
        }
        (void)sd_event_source_set_time_relative(m->retry_timer, m->retry_delay_us);
        (void)sd_event_source_set_enabled(m->retry_timer, SD_EVENT_ONESHOT);
}

static void sensor_lost(Manager *m, int error, const char *why) {
        sensor_stop(m);
        if (!m->sensor_lost_logged)
                log_id(LOG_WARNING, MESSAGE_ID_SENSOR_LOST, error, "Sensor lost (%s): %s. Retrying.", why,
                        m->sensor_description ?: "");
        m->sensor_lost_logged = true;
        calibration_finish(m, -ENODEV, PSOAS_CALIBRATION_CANCELLED, 0);
        if (error != -ETIMEDOUT && error != -ENODEV) {
                _cleanup_free_ char *text = NULL;

                if (asprintf(&text, "%s: %s", why, strerror(-error)) >= 0)
                        set_sensor_error(m, text);
        }
        set_sensor_state(m,
                error == -ETIMEDOUT        ? SENSOR_STALLED
                        : error == -ENODEV ? SENSOR_ABSENT
                                           : SENSOR_ERROR);
        sensor_schedule_retry(m);
}

/* Opens the source and hooks it into the loop. On failure the state says why and the caller retries. */
static int sensor_start(Manager *m) {
        _cleanup_free_ char *error = NULL;
        const SourceOps *ops = m->options.replay_path ? &source_replay_ops : &source_iio_ops;
        int fd, r;

        sensor_stop(m);
        r = source_new(ops, &m->source);
        if (r < 0)
                return r;

        r = ops->open(m->source, &m->source_options, &error);
        if (r < 0 && m->options.replay_path) {
                /* Fatal (manager_start()): the recording cannot be read, or is in other units than it says. */
                if (error) /* it names the file */
                        log_error("Cannot replay: %s", error);
                else
                        log_error("Cannot replay %s: %s", m->options.replay_path, strerror(-r));
                m->source = source_free(m->source);
                return r;
        }
        if (r < 0) {
                if (!m->sensor_lost_logged)
                        log_id(LOG_WARNING, MESSAGE_ID_SENSOR_LOST, r, "No sensor: %s",
                                error ?: strerror(-r));
                m->sensor_lost_logged = true;
                m->source = source_free(m->source);
                if (r != -ENODEV && r != -ENOENT)
                        set_sensor_error(m, error ?: strerror(-r));
                set_sensor_state(m, r == -ENODEV || r == -ENOENT ? SENSOR_ABSENT : SENSOR_ERROR);
                return r;
        }

        m->rate_samples = 0;
        m->source_invalid_seen = 0;
        m->have_last_t = false;
        sensor_check_reset(m->sensor_check,
                &(SensorCheckOptions){
                        .expected_rate_hz = m->source->rate_hz,
                        .hardware_timestamps = m->source->hardware_timestamps,
                });
        set_sensor_info(m, m->source->description, m->source->rate_hz);
        clock_announce(m, true);
        if (m->options.record_path && !m->record) {
                m->record_has_gyro = m->source->has_gyro;
                r = record_open(m->options.record_path, m->record_has_gyro, &m->record);
                if (r < 0)
                        log_error_errno(r, "Cannot record to %s: %m", m->options.record_path);
        }

        fd = ops->get_fd(m->source);
        if (fd >= 0)
                r = sd_event_add_io(m->event, &m->source_event, fd, EPOLLIN, on_source_io, m);
        else
                r = sd_event_add_time_relative(m->event, &m->source_event, CLOCK_MONOTONIC,
                        m->source->poll_interval_us, 1000, on_source_timer, m);
        if (r < 0) {
                m->source = source_free(m->source);
                return log_error_errno(r, "Cannot watch the sensor: %m");
        }
        /* Samples before bus calls: a client flooding the bus must not make the sensor's buffer overflow. */
        (void)sd_event_source_set_priority(m->source_event, SD_EVENT_PRIORITY_IMPORTANT);
        if (fd < 0)
                (void)sd_event_source_set_enabled(m->source_event, SD_EVENT_ONESHOT);

        if (m->options.replay_path)
                set_sensor_state(m, SENSOR_REPLAY);
        else {
                set_sensor_state(m, SENSOR_STARTING);
                if (!m->stall_timer) {
                        r = sd_event_add_time_relative(
                                m->event, &m->stall_timer, CLOCK_MONOTONIC, STALL_USEC, 0, on_stall, m);
                        if (r < 0)
                                return log_error_errno(r, "Cannot watch for stalls: %m");
                }
                stall_timer_rearm(m);
        }
        log_info("Reading %s.", m->source->description ?: "the sensor");
        return 0;
}

bool manager_sensor_active(Manager *m) {
        return m->source && !m->replay_finished &&
                (m->sensor_state == SENSOR_STREAMING || m->sensor_state == SENSOR_REPLAY ||
                        m->sensor_state == SENSOR_STARTING || m->sensor_state == SENSOR_RATE_MISMATCH);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Actions behind the bus methods */

int manager_snooze(Manager *m, uint32_t seconds) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);

        m->pending_snooze_realtime_us = 0;
        if (seconds == 0)
                psoas_engine_snooze(m->engine, 0);
        else if (st->samples_accepted > 0)
                /* In sample time, so that a replay snoozes for the recording's minutes. */
                psoas_engine_snooze(m->engine, st->t_us + (int64_t)seconds * (int64_t)USEC_PER_SEC);
        else
                /* No sample time yet: kept in wall time until the first sample maps one onto the other. */
                m->pending_snooze_realtime_us =
                        (int64_t)now_usec(CLOCK_REALTIME) + (int64_t)seconds * (int64_t)USEC_PER_SEC;
        update_properties(m);
        return 0;
}

int manager_set_inhibited(Manager *m, bool inhibited) {
        psoas_engine_set_inhibited(m->engine, inhibited);
        update_properties(m);
        return 0;
}

void manager_update_live(Manager *m) {
        /* A new live claim gets the current tilt right away. */
        m->tilt_emitted_mono_us = 0;
        if (m->engine)
                update_properties(m);
}

static int on_calibrate_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        psoas_engine_calibrate_cancel(m->engine);
        calibration_finish(m, -ETIMEDOUT, PSOAS_CALIBRATION_CANCELLED, 0);
        return 0;
}

int manager_calibrate(Manager *m, sd_bus_message *call) {
        double speed = m->options.replay_path && m->options.replay_speed > 1 ? m->options.replay_speed : 1;
        uint64_t timeout;
        int r;

        /* A calibration the button started has a timer but no call. */
        if (m->calibrate_call || m->calibrate_timer)
                return -EBUSY;
        if (!manager_sensor_active(m))
                return -ENODEV;

        r = psoas_engine_calibrate(m->engine);
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
        log_info("Calibrating: waiting for %.0f s of stillness.",
                (double)m->config->engine.calibration_still_s);
        return 0;
}

int manager_complete_stretch(Manager *m, const char *id) {
        int r;

        r = psoas_engine_report_stretch(m->engine, id);
        if (r < 0)
                return r;
        /* Answered: the next short press of the button snoozes again. */
        if (streq_ptr(m->prompt_stretch, id))
                prompt_close(m);
        return 0;
}

int manager_get_day(Manager *m, int32_t day, struct psoas_day_stats *ret) {
        const struct psoas_state *st = PSOAS_ENGINE_STATE(m->engine);
        int r;

        const struct psoas_day_stats *today = PSOAS_ENGINE_DAY_STATS(m->engine);

        if (st->samples_accepted > 0 && day == today->day) {
                *ret = *today;
                return 0;
        }
        if (m->store) {
                r = state_store_load_day(m->store, day, ret);
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

        if (st->samples_accepted == 0 && m->store) {
                struct psoas_day_stats stats;
                if (state_store_load_day(m->store, manager_today(m), &stats) >= 0)
                        return duration_whole_seconds(stats.sitting_s);
                return 0;
        }
        return duration_whole_seconds(PSOAS_ENGINE_DAY_STATS(m->engine)->sitting_s);
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
        _cleanup_free_ char *state_dir = NULL;
        LoadedConfig l = {};
        int r;

        if (m->options.config_path) {
                m->config_path = strdup(m->options.config_path);
                if (!m->config_path)
                        return log_error_errno(ENOMEM, "Out of memory.");
                m->config_path_explicit = true;
        } else {
                r = default_config_path(m, &m->config_path);
                if (r < 0)
                        return log_error_errno(r, "Cannot find the configuration directory: %m");
        }

        r = load_config(m, &l);
        if (r < 0)
                return r;
        m->config = l.config;
        m->catalog = l.catalog;
        m->access_gid = l.gid;
        m->access_gid_valid = l.gid_valid;
        apply_source_options(m);

        r = psoas_engine_new(&m->config->engine, &m->engine);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r, "Configuration rejected: %s: %m",
                        m->config_path);
                return -EINVAL;
        }
        r = catalog_apply(m, m->catalog, m->config);
        if (r < 0) {
                log_id(LOG_ERR, MESSAGE_ID_CONFIG_REJECTED, r,
                        "Configuration rejected: the stretch catalog: %m");
                return -EINVAL;
        }

        r = state_directory(m, m->config, &state_dir);
        if (r < 0)
                return log_error_errno(r, "Cannot find the state directory: %m");
        r = state_store_open(state_dir, m->config->state_keep_days, &m->store);
        if (r < 0)
                /* Not fatal: postures and alerts still work, only history is lost. */
                log_error_errno(
                        r, "Cannot use the state directory %s, statistics will not be kept: %m", state_dir);
        else {
                /* Also at startup: a daemon that was stopped over a day change never saw DAY_CHANGED. */
                r = state_store_prune(m->store, manager_today(m));
                if (r < 0)
                        log_warning_errno(r, "Could not remove old statistics: %m");
        }

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

        haptics_start(m);

        r = sensor_start(m);
        if (r < 0) {
                if (m->options.replay_path)
                        return r; /* sensor_start() said why */
                sensor_schedule_retry(m);
        }
        return 0;
}

int manager_run(Manager *m) {
        int r;

        (void)sd_notify(false, "READY=1");
        update_status(m, true);

        r = sd_event_loop(m->event);
        (void)sd_notify(false, "STOPPING=1\nSTATUS=Saving statistics and stopping");
        (void)save_state(m);
        sensor_stop(m);
        /* The motor is driven inactive and the lines released, even in the middle of a pattern. */
        m->haptics = haptics_free(m->haptics);
        if (m->record)
                (void)record_flush(m->record);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return m->exit_status;
}
