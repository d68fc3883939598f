/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * psoasd's clock, as its clients compute it (org.psoas.Posture1(5), TIME): the wall clock with a sensor, the
 * replay's clock in a replay. psoasd gives it as an anchor, the wall clock's time at that anchor and a speed;
 * every time it gives (SittingSince, LastBreak, SnoozedUntil) is on that clock, and a duration or a "now" shown
 * with them must be on it too.
 */

#include <stdint.h>
#include <time.h>

#include "time-util.h"

typedef struct PsoasClock {
        uint64_t anchor_us; /* ClockAnchor */
        uint64_t anchor_wall_us; /* ClockAnchorWall */
        double speed; /* ClockSpeed */
} PsoasClock;

/* The wall clock itself: what psoasd's clock is with a sensor, and what a psoasd too old to say is assumed. */
#define PSOAS_CLOCK_WALL ((PsoasClock){ .anchor_us = 0, .anchor_wall_us = 0, .speed = 1 })

static inline uint64_t psoas_wall_now_us(void) {
        return time_now_us(CLOCK_REALTIME);
}

/* psoasd's clock when the wall clock reads wall_us (realtime µs). */
static inline uint64_t psoas_clock_at(const PsoasClock *c, uint64_t wall_us) {
        double moved = ((double)wall_us - (double)c->anchor_wall_us) * c->speed;
        double now = (double)c->anchor_us + moved;

        return now > 0 ? (uint64_t)now : 0;
}

/* psoasd's clock now. */
static inline uint64_t psoas_clock_now(const PsoasClock *c) {
        return psoas_clock_at(c, psoas_wall_now_us());
}
