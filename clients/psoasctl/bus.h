/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Talking to psoasd: connecting to the right bus, calling its methods, reading its properties and
 * dictionaries, and saying in words what went wrong. */

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "psoasctl.h"
#include "time-util.h"

#define PSOAS_BUS_NAME "org.psoas.Posture1"
#define PSOAS_OBJECT_PATH "/org/psoas/Posture1"
#define PSOAS_INTERFACE "org.psoas.Posture1"

#define PSOAS_ERROR_NOT_STILL PSOAS_INTERFACE ".Error.NotStill"
#define PSOAS_ERROR_NOT_STANDING PSOAS_INTERFACE ".Error.NotStanding"
#define PSOAS_ERROR_NOT_SITTING PSOAS_INTERFACE ".Error.NotSitting"
#define PSOAS_ERROR_NOT_CALIBRATED PSOAS_INTERFACE ".Error.NotCalibrated"
#define PSOAS_ERROR_NO_SENSOR PSOAS_INTERFACE ".Error.NoSensor"
#define PSOAS_ERROR_BUSY PSOAS_INTERFACE ".Error.Busy"
#define PSOAS_ERROR_NO_HAPTICS PSOAS_INTERFACE ".Error.NoHaptics"

#define USEC_PER_MSEC UINT64_C(1000)

/* One key of an a{sv} dictionary to pick out: its expected type ('s' as a malloc'ed char *, 'b' as bool, 'u'
 * as uint32_t, 't' as uint64_t, 'd' as double), where it goes in the struct, and its bit in the mask of keys
 * found. Keys not listed, or of another type, are skipped: psoasd may add keys. A value of any other type
 * (an array) has type 0, its signature, and a function that reads it from inside the variant into the field. */
typedef struct DictField {
        const char *key;
        char type;
        size_t offset;
        const char *signature;
        int (*read)(sd_bus_message *m, void *field);
} DictField;

/* psoasd's properties, all of them, as GetAll gives them. */
typedef enum PropertyId {
        PROPERTY_POSTURE,
        PROPERTY_TILT,
        PROPERTY_INCLINATION,
        PROPERTY_CALIBRATED,
        PROPERTY_SITTING_SINCE,
        PROPERTY_SITTING_TODAY,
        PROPERTY_LAST_BREAK,
        PROPERTY_SENSOR_STATE,
        PROPERTY_SENSOR,
        PROPERTY_SAMPLE_RATE,
        PROPERTY_SNOOZED_UNTIL,
        PROPERTY_INHIBITED,
        PROPERTY_HAPTICS,
        PROPERTY_VERSION,
        PROPERTY_SENSOR_ERROR,
        PROPERTY_CLOCK_ANCHOR,
        PROPERTY_CLOCK_ANCHOR_WALL,
        PROPERTY_CLOCK_SPEED,
        _PROPERTY_MAX,
} PropertyId;

#define PROPERTY_BIT(p) (UINT64_C(1) << (p))

typedef struct Properties {
        char *posture;
        double tilt_deg;
        double inclination_deg;
        bool calibrated;
        uint64_t sitting_since_us; /* realtime on psoasd's clock; 0 when not in a bout */
        uint64_t sitting_today_s;
        uint64_t
                sitting_today_clock_us; /* psoasd's clock when sitting_today_s was read (it is never signalled) */
        uint64_t last_break_us; /* realtime; 0 when none */
        char *sensor_state;
        char *sensor;
        double sample_rate_hz;
        uint64_t snoozed_until_us; /* realtime; 0 when not snoozed */
        bool inhibited;
        char *haptics; /* "absent", "ready" or "error"; NULL from a psoasd without haptics */
        char *version;
        char *sensor_error; /* why sensor_state is "error"; NULL from a psoasd that does not say */
        PsoasClock
                clock; /* psoasd's clock: every realtime above is on it (PSOAS_CLOCK_WALL from an older psoasd) */
} Properties;

void properties_done(Properties *p);

/* Connects to the bus the options name. Says why on failure. */
int bus_connect(const Context *c, sd_bus **ret_bus);

/* "the system bus", "the user bus" or "the system bus of HOST", for messages. */
const char *bus_where(const Context *c);

/* Says on stderr what went wrong with a call, in words: "psoasd is not running on the user bus", or
 * "WHAT: the daemon's message". Returns a negative errno for it. */
int bus_log_error(const Context *c, const char *what, const sd_bus_error *error, int r);

/* Calls a method of psoasd's interface; on failure says why (WHAT names the action, e.g. "Cannot snooze").
 * timeout_us 0 means sd-bus's default. */
int bus_call(sd_bus *bus, const Context *c, const char *what, const char *member, uint64_t timeout_us,
        sd_bus_message **ret_reply, const char *types, ...);

/* Reads an a{sv} at the message's read position into the struct at base. Sets the bit (1 << index in fields)
 * of each field found in *ret_found, when given. */
int bus_read_dict(
        sd_bus_message *m, const DictField *fields, size_t n_fields, void *base, uint64_t *ret_found);

/* Reads all of psoasd's properties (GetAll); on failure says why. */
int bus_get_properties(sd_bus *bus, const Context *c, Properties *ret);

/* Applies a PropertiesChanged signal to p; *ret_changed gets the PROPERTY_BIT()s of the properties it
 * carried. Returns 0 when the signal is for another interface. */
int properties_apply_changes(Properties *p, sd_bus_message *m, uint64_t *ret_changed);

/* Whether psoasd's name has an owner on the bus now. */
int bus_daemon_is_running(sd_bus *bus, bool *ret);

/* A new event loop with the bus attached, that ends on SIGINT and SIGTERM (sd_event_loop() returns 0) or
 * when the bus disconnects (it returns 1). */
int bus_event_new(sd_bus *bus, sd_event **ret_event);
