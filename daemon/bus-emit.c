/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What psoasd tells the bus unasked: PropertiesChanged for what the manager marked changed, once per loop
 * iteration, and the signals. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "bus-internal.h"
#include "duration.h"
#include "log-journal.h"
#include "manager.h"

/* The properties each change stands for. */
static const struct {
        unsigned change;
        const char *names[3];
} change_properties[] = {
        { MANAGER_CHANGE_POSTURE, { "Posture" } },
        { MANAGER_CHANGE_TILT, { "Tilt", "Inclination" } },
        { MANAGER_CHANGE_CALIBRATED, { "Calibrated" } },
        { MANAGER_CHANGE_SITTING_SINCE, { "SittingSince" } },
        { MANAGER_CHANGE_LAST_BREAK, { "LastBreak" } },
        { MANAGER_CHANGE_SNOOZED_UNTIL, { "SnoozedUntil" } },
        { MANAGER_CHANGE_INHIBITED, { "Inhibited" } },
        { MANAGER_CHANGE_SENSOR_STATE, { "SensorState" } },
        { MANAGER_CHANGE_SENSOR_ERROR, { "SensorError" } },
        { MANAGER_CHANGE_SENSOR, { "Sensor" } },
        { MANAGER_CHANGE_SAMPLE_RATE, { "SampleRate" } },
        { MANAGER_CHANGE_HAPTICS, { "Haptics" } },
        { MANAGER_CHANGE_CLOCK, { "ClockAnchor", "ClockAnchorWall", "ClockSpeed" } },
};

void bus_emit_marked_changes(Manager *m) {
        const char *names[ELEMENTSOF(change_properties) * 3 + 1];
        size_t n = 0;
        int r;

        if (m->changes == 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(change_properties); i++)
                if (m->changes & change_properties[i].change)
                        for (size_t j = 0;
                                j < ELEMENTSOF(change_properties[i].names) && change_properties[i].names[j];
                                j++)
                                names[n++] = change_properties[i].names[j];
        names[n] = NULL;
        m->changes = 0;
        if (!m->bus)
                return;
        r = sd_bus_emit_properties_changed_strv(m->bus, BUS_PATH, BUS_INTERFACE, (char **)names);
        if (r < 0)
                log_debug_errno(r, "Cannot emit PropertiesChanged: %m");
}

static int on_changes(sd_event_source *s, void *userdata) {
        bus_emit_marked_changes(userdata);
        return 0;
}

int bus_emit_alert(Manager *m, const char *kind, const char *message, uint32_t level) {
        log_info("Alert (%s, level %" PRIu32 "): %s", kind, level, message);
        if (!m->bus)
                return 0;
        return sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "Alert", "ssu", kind, message, level);
}

int bus_emit_stretch_prompt(Manager *m, const struct psoas_stretch *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        int r;

        log_info("Stretch prompt: %s.", s->title);
        if (!m->bus)
                return 0;
        /* The first five arguments are revision 1's, so that readers of those keep working. */
        r = sd_bus_message_new_signal(m->bus, &signal, BUS_PATH, BUS_INTERFACE, "StretchPrompt");
        if (r < 0)
                return r;
        r = sd_bus_message_append(signal, "sssuus", s->id, s->title, s->instructions,
                stretch_hold_seconds(s), stretch_repetitions(s), s->safety);
        if (r < 0)
                return r;
        r = bus_append_stretch_details(signal, s);
        if (r < 0)
                return r;
        return sd_bus_send(m->bus, signal, NULL);
}

int bus_emit_stretch_progress(
        Manager *m, const char *id, uint32_t side, uint32_t seconds, uint32_t repetitions, uint32_t goal) {
        if (!m->bus)
                return 0;
        return sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "StretchProgress", "suuuu", id, side,
                seconds, repetitions, goal);
}

int bus_emit_stretch_missed(Manager *m, const char *id, char **seen, const char *message) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        int r;

        log_info("Stretch '%s' not confirmed: %s", id, message);
        if (!m->bus)
                return 0;
        r = sd_bus_message_new_signal(m->bus, &signal, BUS_PATH, BUS_INTERFACE, "StretchMissed");
        if (r < 0)
                return r;
        r = sd_bus_message_append(signal, "s", id);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(signal, seen);
        if (r < 0)
                return r;
        r = sd_bus_message_append(signal, "s", message);
        if (r < 0)
                return r;
        return sd_bus_send(m->bus, signal, NULL);
}

int bus_emit_stretch_verified(Manager *m, const char *id) {
        log_info("Stretch '%s' verified by the sensor.", id);
        if (!m->bus)
                return 0;
        return sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "StretchVerified", "s", id);
}

int bus_emit_break_taken(Manager *m, uint64_t seconds) {
        char d[DURATION_TEXT_MAX];

        log_info("Break taken after %s of sitting.", duration_format(d, sizeof(d), seconds));
        if (!m->bus)
                return 0;
        return sd_bus_emit_signal(m->bus, BUS_PATH, BUS_INTERFACE, "BreakTaken", "t", seconds);
}

int bus_changes_attach(Manager *m) {
        int r;

        /* Everything marked changed in one loop iteration goes out in one PropertiesChanged. */
        r = sd_event_add_defer(m->event, &m->changes_event, on_changes, m);
        if (r < 0)
                return r;
        /* Before the next batch of samples (SD_EVENT_PRIORITY_IMPORTANT), which would otherwise starve it in a
         * fast replay: what a batch changed is told before the next one is read. */
        (void)sd_event_source_set_priority(m->changes_event, SD_EVENT_PRIORITY_IMPORTANT - 1);
        return sd_event_source_set_enabled(m->changes_event, m->changes ? SD_EVENT_ONESHOT : SD_EVENT_OFF);
}
