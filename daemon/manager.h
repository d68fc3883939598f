/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager holds psoasd's state: the event loop, the bus connection, the engine, and one part per concern, each
 * with its own file: the sensor's life cycle (sensor.c), sample time ↔ wall time (sample-clock.c), the files on
 * disk (persistence.c), the configuration (manager-config.c), the motor and button (wearable.c) and STATUS=
 * (status.c). manager.c feeds the engine and turns its events into what the daemon does; the bus files
 * (bus-posture.c, bus-clients.c, bus-emit.c) expose it. main.c builds it.
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
#include "macro.h"
#include "persistence.h"
#include "sample-clock.h"
#include "sensor.h"
#include "source.h"
#include "throttle.h"
#include "wearable.h"

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

/* What changed of what the bus shows. The manager marks it (manager_mark_changed()); bus-emit.c alone knows the
 * property names, and emits them together once per loop iteration. */
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

        /* The sensor, or the recording replayed, and its faults. */
        Sensor sensor;
        FILE *record;
        bool record_has_gyro;
        bool record_started; /* its "# psoas start:" line is written */

        SampleClock clock;
        bool restored; /* the first sample was taken: the clock synced and the saved state back */

        /* What the bus shows: marked changed here, emitted by bus-emit.c once per loop iteration. */
        unsigned changes; /* ManagerChange */
        sd_event_source *changes_event;
        int64_t pending_snooze_realtime_us; /* a Snooze() before the first sample, applied at the clock sync */
        int64_t snooze_end_us; /* sample time; the engine ends a snooze silently, SnoozedUntil must say so */
        uint64_t tilt_emitted_mono_us;
        double tilt_emitted;

        /* Clients. */
        Throttle *throttle; /* per-client call rates (bus-posture.c) */
        Inhibitor *inhibitors;
        uint32_t next_cookie;
        sd_bus_track *live_track;
        sd_bus_message *calibrate_call; /* a Calibrate() or CalibrateSitting() awaiting its reply */
        sd_event_source *calibrate_timer;
        bool calibrate_sitting; /* the one running captures the upright sitting reference */

        Wearable wearable;
        Persistence persistence;

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
/* The upright sitting reference, as manager_calibrate(); call is the CalibrateSitting() message. -ENODATA
 * before the standing calibration. */
int manager_calibrate_sitting(Manager *m, sd_bus_message *call);
/* The wearer did the stretch id (CompleteStretch(), or the button answering a prompt). -ENOENT for an unknown
 * id. */
int manager_complete_stretch(Manager *m, const char *id);
/* Plays a pattern on the motor with the test priority. -ENODEV without a gpio section, -EIO when the lines
 * failed, -ENOENT when the gpio section has a button but no motor. */
int manager_test_haptics(Manager *m, HapticPattern pattern);
int manager_get_day(Manager *m, int32_t day, struct psoas_day_stats *ret);
/* The seconds of a day (today: of the day so far, on psoasd's clock) that no posture accounts for: the sensor
 * was off, unplugged or missing, or psoasd was not running. A day psoasd never saw is all of it. */
uint64_t manager_day_no_data_s(Manager *m, const struct psoas_day_stats *stats);
int32_t manager_today(Manager *m);
uint64_t manager_sitting_today_s(Manager *m);
uint32_t stretch_hold_seconds(const struct psoas_stretch *s);
uint32_t stretch_repetitions(const struct psoas_stretch *s);

/* bus-posture.c, bus-emit.c */
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
