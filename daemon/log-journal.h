/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoasd's logging is common/log.h's; this adds where it goes. Under journald (JOURNAL_STREAM names our stderr)
 * records go to the journal with their fields, MESSAGE_ID included; otherwise to stderr as "psoasd: message",
 * with a "<N>" priority prefix when stderr is not a terminal.
 */

#include "log.h"

/* Searchable events an administrator may look for (journalctl MESSAGE_ID=…); see daemon/psoasd.catalog. */
#define MESSAGE_ID_SENSOR_LOST "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b01"
#define MESSAGE_ID_SENSOR_BACK "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b02"
#define MESSAGE_ID_CONFIG_REJECTED "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b03"
#define MESSAGE_ID_STATE_MOVED_ASIDE "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b04"
#define MESSAGE_ID_CLOCK_CHANGED "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b16"

/* Decides where records go. Idempotent; call it before logging. */
void log_open(void);
