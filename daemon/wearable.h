/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The wearable's motor and button (the gpio section, daemon/haptics.h): opening the lines, the patterns that tell
 * the wearer what happened, and what a press does (the same as the D-Bus methods, so that it shows on the bus the
 * same way).
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "haptics.h"

typedef struct Manager Manager;

/* The Haptics property: no gpio section, the lines in use, or a gpio section whose lines cannot be used (the
 * journal and STATUS= say why). */
typedef enum HapticsState {
        HAPTICS_ABSENT,
        HAPTICS_READY,
        HAPTICS_ERROR,
        _HAPTICS_STATE_MAX,
} HapticsState;

const char *haptics_state_to_string(HapticsState s);

typedef struct Wearable {
        Haptics *haptics;
        HapticsState state;
        char *error; /* why state is HAPTICS_ERROR, for STATUS= */
        /* The stretch of the latest prompt, until it is done or its window closes (sample time): a short press
         * of the button answers it. */
        char *prompt_stretch;
        int64_t prompt_until_us;
} Wearable;

/* Stops the motor (driven inactive, even in the middle of a pattern) and releases the lines. */
void wearable_done(Wearable *w);

/* (Re)opens the lines of the gpio section. A failure is logged, shown in Haptics and STATUS=, and not fatal. */
void wearable_start(Manager *m);
/* Whether two configurations' gpio sections are the same (a reload then keeps the lines open). */
bool wearable_config_equal(const Config *a, const Config *b);
/* A pattern for the wearer, when there is a motor. */
void wearable_feedback(Manager *m, HapticPattern pattern, uint32_t level);
/* A stretch was prompted: until until_us (sample time), a short press reports it done. */
void wearable_prompt_open(Manager *m, const char *stretch_id, int64_t until_us);
void wearable_prompt_close(Manager *m);
