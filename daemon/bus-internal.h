/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of the org.psoas.Posture1 object share: bus-posture.c (properties, methods, the vtable),
 * bus-clients.c (the inhibitors and live claims clients hold), bus-emit.c (PropertiesChanged and the signals). */

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include <psoas/psoas.h>

typedef struct Manager Manager;

#define BUS_NAME "org.psoas.Posture1"
#define BUS_PATH "/org/psoas/Posture1"
#define BUS_INTERFACE "org.psoas.Posture1"

#define ERROR_NOT_STILL BUS_INTERFACE ".Error.NotStill"
#define ERROR_NOT_STANDING BUS_INTERFACE ".Error.NotStanding"
#define ERROR_NOT_SITTING BUS_INTERFACE ".Error.NotSitting"
#define ERROR_NOT_CALIBRATED BUS_INTERFACE ".Error.NotCalibrated"
#define ERROR_NO_SENSOR BUS_INTERFACE ".Error.NoSensor"
#define ERROR_BUSY BUS_INTERFACE ".Error.Busy"
#define ERROR_NO_HAPTICS BUS_INTERFACE ".Error.NoHaptics"

#define SNOOZE_MAX_S 14400u
/* Per-client limits, so that one client cannot grow the daemon's memory without bound. */
#define INHIBITORS_PER_CLIENT_MAX 16u
#define INHIBITORS_MAX 256u
#define LIVE_CLAIMS_PER_CLIENT_MAX 16u
#define APP_ID_MAX 255u
#define REASON_MAX 1024u

/* On the system bus, changing state is for root and the access group. Returns 1 when allowed, 0 with *error
 * set. */
int bus_check_access(Manager *m, sd_bus_message *msg, sd_bus_error *error);

#define CHECK_ACCESS(m, msg, error)                                                                         \
        do {                                                                                                \
                int _r = bus_check_access((m), (msg), (error));                                             \
                if (_r <= 0)                                                                                \
                        return _r < 0 ? _r : -EACCES;                                                       \
        } while (0)

/* Whether s is printable text of at most max bytes (and not empty unless allow_empty). */
bool bus_valid_text(const char *s, size_t max, bool allow_empty);
/* One stretch as a dictionary: what GetStretches() returns, and the details StretchPrompt carries. */
int bus_append_stretch_details(sd_bus_message *m, const struct psoas_stretch *s);
/* The defer source that emits what the manager marked changed. */
int bus_changes_attach(Manager *m);

int method_inhibit(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_uninhibit(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_claim_live(sd_bus_message *msg, void *userdata, sd_bus_error *error);
int method_release_live(sd_bus_message *msg, void *userdata, sd_bus_error *error);
