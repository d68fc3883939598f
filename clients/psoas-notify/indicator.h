/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The panel indicator: a StatusNotifierItem (org.kde.StatusNotifierItem, the tray protocol of KDE Plasma,
 * waybar's tray, Xfce's and LXQt's panels, and GNOME Shell with the AppIndicator extension) on the session bus,
 * with its menu over com.canonical.dbusmenu.
 *
 * The icon shows the posture (psoas-standing, psoas-sitting, psoas-sitting-long once psoasd has alerted about
 * the bout, psoas-snoozed, psoas-sensor-problem; the hicolor theme); the title, the tooltip and the Ayatana label
 * say how long the bout has lasted, the tooltip how long the wearer has sat today. The menu: the same in words,
 * Snooze 15 min, Snooze 1 h, Resume, Calibrate…, Today. The item registers with the session's
 * StatusNotifierWatcher whenever one (re)appears; without one it waits, invisible.
 */

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "macro.h"

typedef struct Indicator Indicator;

typedef enum IndicatorAction {
        INDICATOR_SNOOZE_15_MIN,
        INDICATOR_SNOOZE_1_H,
        INDICATOR_RESUME,
        INDICATOR_CALIBRATE,
        INDICATOR_TODAY,
        _INDICATOR_ACTION_MAX,
} IndicatorAction;

/* What the indicator shows, as the notifier knows it from psoasd. */
typedef struct IndicatorState {
        bool daemon_present;
        const char *posture; /* psoasd's Posture; NULL when unknown */
        const char *sensor_state; /* psoasd's SensorState; NULL when unknown */
        uint64_t sitting_since_us; /* on psoasd's clock; 0 when not in a bout */
        bool sitting_alerted; /* psoasd sent a sitting Alert during this bout */
        uint64_t snoozed_until_us; /* on psoasd's clock; 0 when not snoozed */
        uint64_t sitting_today_s; /* psoasd's SittingToday ... */
        uint64_t sitting_today_read_us; /* ... read at this time of psoasd's clock */
        PsoasClock clock;
} IndicatorState;

typedef void (*IndicatorActionHandler)(Indicator *i, IndicatorAction action, void *userdata);

/* Publishes the item on bus (a session bus connection attached to event) and registers it with the watcher. */
int indicator_new(
        sd_bus *bus, sd_event *event, IndicatorActionHandler handler, void *userdata, Indicator **ret);
Indicator *indicator_free(Indicator *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(Indicator *, indicator_free);

/* Shows state (copied); signals what changed to the tray. */
void indicator_update(Indicator *i, const IndicatorState *state);
