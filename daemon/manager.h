/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager holds all of psoasd's state: the event loop, the bus connection, the engine, the sample source, the
 * configuration and the state store. main.c builds it, bus-posture.c exposes it, nothing else keeps state.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <psoas/psoas.h>

#include "catalog.h"
#include "config.h"
#include "haptics.h"
#include "macro.h"
#include "sample-clock.h"
#include "sensor-check.h"
#include "source.h"
#include "state.h"
#include "throttle.h"

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

/* The Haptics property: no gpio section, the lines in use, or a gpio section whose lines cannot be used (the
 * journal and STATUS= say why). */
typedef enum HapticsState {
        HAPTICS_ABSENT,
        HAPTICS_READY,
        HAPTICS_ERROR,
        _HAPTICS_STATE_MAX,
} HapticsState;

const char *haptics_state_to_string(HapticsState s);

typedef struct Inhibitor Inhibitor;
struct Inhibitor {
        struct Manager *manager;
        uint32_t cookie;
        char *app_id;
        char *reason;
        char *owner; /* unique bus name of the caller */
        sd_bus_track *track; /* drops the inhibitor when the caller leaves the bus */
        Inhibitor *next;
};

/* What changed of what the bus shows. The manager marks it (manager_mark_changed()); bus-posture.c alone knows
 * the property names, and emits them together once per loop iteration. */
typedef enum ManagerChange {
        MANAGER_CHANGE_POSTURE = 1u << 0,
        MANAGER_CHANGE_TILT = 1u << 1, /* Tilt and Inclination */
        MANAGER_CHANGE_CALIBRATED = 1u << 2,
        MANAGER_CHANGE_SITTING_SINCE = 1u << 3,
        MANAGER_CHANGE_LAST_BREAK = 1u << 4,
        MANAGER_CHANGE_SNOOZED_UNTIL = 1u << 5,
        MANAGER_CHANGE_INHIBITED = 1u << 6,
        MANAGER_CHANGE_SENSOR_STATE = 1u << 7,
        MANAGER_CHANGE_SENSOR_ERROR = 1u << 8,
        MANAGER_CHANGE_SENSOR = 1u << 9,
        MANAGER_CHANGE_SAMPLE_RATE = 1u << 10,
        MANAGER_CHANGE_HAPTICS = 1u << 11,
        MANAGER_CHANGE_CLOCK = 1u << 12, /* ClockAnchor, ClockAnchorWall and ClockSpeed */
} ManagerChange;

/* What the command line asked for; the configuration file fills in the rest. */
typedef struct ManagerOptions {
        bool user_bus;
        const char *config_path; /* NULL: the default for the bus */
        const char *sensor_uri; /* overrides sensor.uri */
        const char *replay_path;
        double replay_speed;
        const struct CsvUnits *replay_units; /* what the recording's columns are in (--units); NULL: SI */
        bool exit_on_end;
        double calibrate_first_s; /* replay: calibrate on the recording's first seconds */
        const char *record_path;
        const char *state_directory; /* overrides state.directory */
} ManagerOptions;

/* Samples taken from the source per read_batch() call. */
#define MANAGER_BATCH 512

typedef struct Manager {
        sd_event *event;
        sd_bus *bus;
        ManagerOptions options;
        char *config_path;
        bool config_path_explicit;
        Config *config;
        Catalog *catalog; /* NULL: the catalog compiled into libpsoas */
        gid_t access_gid;
        bool access_gid_valid;
        struct psoas_engine *engine;
        StateStore *store;

        /* The sample source and its faults. */
        SourceOptions source_options;
        Source *source;
        sd_event_source *source_event; /* io or timer */
        sd_event_source *stall_timer;
        sd_event_source *retry_timer;
        uint64_t retry_delay_us;
        SensorState sensor_state;
        char *sensor_description;
        char *sensor_error; /* why sensor_state is SENSOR_ERROR, in words ("day.csv:12: …"); NULL otherwise */
        double sample_rate;
        int64_t rate_t0_us; /* measuring the rate of a source that does not know it (a replay) */
        uint64_t rate_samples;
        bool sensor_lost_logged;
        bool replay_finished;
        SensorCheck *sensor_check; /* stuck, wrong rate, garbage: judged from every batch */
        uint64_t source_invalid_seen; /* the source's samples_invalid at the last batch */
        int64_t last_t_us; /* the last sample fed from this source session, to spot timestamps that leap */
        int64_t last_t_wall_us; /* CLOCK_REALTIME when it came */
        int64_t last_t_mono_us; /* CLOCK_MONOTONIC when it came */
        bool have_last_t;
        uint64_t samples_dropped; /* invalid samples from the source, counted but never fed */
        uint64_t samples_fed;
        struct psoas_sample *batch;
        FILE *record;
        bool record_has_gyro;

        SampleClock clock;
        int32_t current_day;
        bool restored;

        /* What the bus shows: marked changed here, emitted by bus-posture.c once per loop iteration. */
        unsigned changes; /* ManagerChange */
        sd_event_source *changes_event;
        uint64_t restored_last_break_us; /* LastBreak from the state file, until the engine sees a break */
        int64_t pending_snooze_realtime_us; /* a Snooze() before the first sample, applied at the clock sync */
        int64_t snooze_end_us; /* sample time; the engine ends a snooze silently, SnoozedUntil must say so */
        uint64_t tilt_emitted_mono_us;
        double tilt_emitted;

        /* Clients. */
        Throttle *throttle; /* per-client call rates (bus-posture.c) */
        Inhibitor *inhibitors;
        uint32_t next_cookie;
        sd_bus_track *live_track;
        sd_bus_message *calibrate_call; /* a Calibrate() awaiting its reply */
        sd_event_source *calibrate_timer;

        /* The wearable's motor and button (the gpio section). */
        Haptics *haptics;
        HapticsState haptics_state;
        char *haptics_error; /* why haptics_state is HAPTICS_ERROR, for STATUS= */
        /* The stretch of the latest prompt, until it is done or its window closes (sample time): a short press
         * of the button answers it. */
        char *prompt_stretch;
        int64_t prompt_until_us;

        /* Persistence. */
        int64_t saved_t_us; /* sample time of the last save */
        uint64_t saved_mono_us;
        uint64_t durable_mono_us; /* when a save was last flushed to disk */
        bool save_failed_logged;

        /* Status. */
        uint64_t status_mono_us;
        int exit_status;
} Manager;

int manager_new(const ManagerOptions *options, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Loads the configuration, the catalog and the saved state, opens the bus and starts the sensor. Returns 78-worthy
 * -EINVAL (the message already logged) for a bad configuration. */
int manager_start(Manager *m);
/* Runs the loop until SIGTERM/SIGINT (or the end of a replay with --exit-on-end); returns the exit status. */
int manager_run(Manager *m);

void manager_mark_changed(Manager *m, unsigned changes);
/* The times the bus shows (realtime µs on psoasd's clock, 0: none). */
uint64_t manager_sitting_since(Manager *m);
uint64_t manager_last_break(Manager *m);
uint64_t manager_snoozed_until(Manager *m);

/* Used by the bus methods. */
int manager_snooze(Manager *m, uint32_t seconds);
int manager_set_inhibited(Manager *m, bool inhibited);
void manager_update_live(Manager *m);
/* call is the Calibrate() message to reply to, or NULL when the button asked. */
int manager_calibrate(Manager *m, sd_bus_message *call);
/* The wearer did the stretch id (CompleteStretch(), or the button answering a prompt). -ENOENT for an unknown
 * id. */
int manager_complete_stretch(Manager *m, const char *id);
/* Plays a pattern on the motor with the test priority. -ENODEV without a gpio section, -EIO when the lines
 * failed, -ENOENT when the gpio section has a button but no motor. */
int manager_test_haptics(Manager *m, HapticPattern pattern);
int manager_get_day(Manager *m, int32_t day, struct psoas_day_stats *ret);
int32_t manager_today(Manager *m);
bool manager_sensor_active(Manager *m);
uint64_t manager_sitting_today_s(Manager *m);
uint32_t stretch_hold_seconds(const struct psoas_stretch *s);
uint32_t stretch_repetitions(const struct psoas_stretch *s);

/* bus-posture.c */
int bus_posture_register(Manager *m);
/* Emits the properties marked changed now, rather than at the loop's next iteration (before the exit). */
void bus_emit_marked_changes(Manager *m);
int bus_emit_alert(Manager *m, const char *kind, const char *message, uint32_t level);
int bus_emit_stretch_prompt(Manager *m, const struct psoas_stretch *s);
int bus_emit_stretch_verified(Manager *m, const char *id);
int bus_emit_stretch_progress(
        Manager *m, const char *id, uint32_t side, uint32_t seconds, uint32_t repetitions, uint32_t goal);
int bus_emit_stretch_missed(Manager *m, const char *id, char **seen, const char *message);
int bus_emit_break_taken(Manager *m, uint64_t seconds);
void bus_calibrate_reply(
        Manager *m, int error, enum psoas_calibration_error reason, double neutral_inclination);
Inhibitor *inhibitor_free(Inhibitor *i);
