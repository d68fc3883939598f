/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* STATUS= for systemd (systemctl status psoasd): what the sensor does, the posture, and what failed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Manager Manager;

/* Sends STATUS=, at most every 10 s unless force. */
void status_update(Manager *m, bool force);
/* "14:35:07", local time of realtime_us, for STATUS= and the journal. */
char *format_local_time(char *buf, size_t size, int64_t realtime_us);
