/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The record of a day from psoasd (interface revision 4): GetDay()'s "hours" and "bouts", read with its other
 * keys through DictField readers, and GetTimeline(). */

#include <systemd/sd-bus.h>

#include "bus.h"
#include "day-record.h"

/* DictField readers: "hours" (a(uuuuuuuu)) into a DayHour[24], "bouts" (a(sxxsuu)) into a DayRecord's bouts. */
#define DAY_HOURS_SIGNATURE "a(uuuuuuuu)"
#define DAY_BOUTS_SIGNATURE "a(sxxsuu)"
int day_read_hours(sd_bus_message *m, void *field);
int day_read_bouts(sd_bus_message *m, void *field);

/* A realtime (µs since the epoch, UTC) as local wall time in the time zone of this process. */
int64_t realtime_to_local_us(int64_t realtime_us);

/* GetTimeline(date) into d's minutes, its day set from date ("YYYY-MM-DD"). Says why on failure; a psoasd
 * without GetTimeline (before revision 4) is -EOPNOTSUPP, said as such. */
int bus_get_timeline(sd_bus *bus, const Context *c, const char *date, DayRecord *d);
