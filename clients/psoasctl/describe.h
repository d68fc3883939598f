/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* psoasd's state in words and as JSON, for status, monitor and waybar. */

#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "format.h"

/* psoasd's clock now (realtime µs): the wall clock, or the replay's clock in a replay. Every time and duration
 * shown with psoasd's properties is on it. */
uint64_t describe_now_us(const Properties *p);

/* Seconds into the current sitting bout on psoasd's clock; 0 when not in one. */
uint64_t describe_bout_seconds(const Properties *p);

/* Seconds sat today: SittingToday as last read, counted on with psoasd's clock while sitting. */
uint64_t describe_sitting_today_s(const Properties *p);

/* "streaming at 100 Hz (lsm6dsox on local:)", "no sensor found; psoasd keeps looking", ... */
char *describe_sensor(char *buf, size_t size, const Properties *p);

/* "on", "snoozed until 10:00", "held back by an inhibitor", or both. */
char *describe_alerts(char *buf, size_t size, const Properties *p);

/* "sitting, tilt +7°", or "not calibrated" when it is not. */
char *describe_posture(char *buf, size_t size, const Properties *p);

/* Whether the sensor gives samples (streaming or replaying). */
bool sensor_is_live(const Properties *p);

/* All properties as a JSON object (keys as psoasctl(1) lists them). */
json_object *properties_to_json(const Properties *p);
