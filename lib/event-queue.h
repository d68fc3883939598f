/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "psoas/psoas.h"

/* A fixed ring of events: modules push, the caller pops. When full the oldest event is dropped and counted. */
typedef struct EventQueue {
        struct psoas_event events[PSOAS_EVENT_QUEUE_SIZE];
        unsigned head; /* index of the oldest event */
        unsigned count;
        uint64_t dropped;
} EventQueue;

void event_queue_init(EventQueue *q);
/* Copies *event into the queue. */
void event_queue_push(EventQueue *q, const struct psoas_event *event);
/* Returns true and fills *ret when an event was waiting. */
bool event_queue_pop(EventQueue *q, struct psoas_event *ret);
