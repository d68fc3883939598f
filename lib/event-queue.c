/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "event-queue.h"

void event_queue_init(EventQueue *q) {
        memset(q, 0, sizeof(*q));
}

void event_queue_push(EventQueue *q, const struct psoas_event *event) {
        if (q->count == PSOAS_EVENT_QUEUE_SIZE) {
                q->head = (q->head + 1) % PSOAS_EVENT_QUEUE_SIZE;
                q->count--;
                q->dropped++;
        }
        q->events[(q->head + q->count) % PSOAS_EVENT_QUEUE_SIZE] = *event;
        q->count++;
}

bool event_queue_pop(EventQueue *q, struct psoas_event *ret) {
        if (q->count == 0)
                return false;
        *ret = q->events[q->head];
        q->head = (q->head + 1) % PSOAS_EVENT_QUEUE_SIZE;
        q->count--;
        return true;
}
