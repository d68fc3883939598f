/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Haptic feedback on the wearable: vibration patterns on the motor line and presses of the button, over a GPIO
 * backend (gpio.h). Three layers, the first two pure and testable without an event loop:
 *
 *   - the pattern table: which on and off times make each pattern;
 *   - the button classifier: debounced edges in, short, long and double presses out, all from timestamps;
 *   - Haptics: the sd-event layer that plays patterns with one timer (never by sleeping) and feeds the
 *     classifier from the button's fd.
 *
 * Patterns and their timings (milliseconds; psoasd(8) describes them for the wearer):
 *   sitting               long pulses, 600 on / 400 off: two at alert level 1, one more per level (four at 3)
 *   tilt                  three short pulses, 150 on / 150 off
 *   calibration-done      five short pulses, 150 on / 150 off
 *   calibration-refused   one long pulse, 1500 on
 * Every pattern is followed by 500 ms of rest before another may start, so that two patterns never run together.
 *
 * Priority, lowest first: alerts (sitting, tilt) < calibration results (done, refused) < a test (TestHaptics()).
 * A new pattern of the same or a higher priority cuts the one in progress short: the motor stops, and after a
 * 300 ms pause the new pattern begins. A new pattern of a lower priority waits until the current one (and its
 * rest) is over; only the most important waiting pattern is kept (the newer one among equals).
 *
 * Button: bounces under 30 ms are ignored: edges less than 30 ms apart make one burst, which counts only once
 * 30 ms have passed without an edge, as the level it leaves the line at, from the time of its first edge. A press shorter than 2 s is short; held for 2 s it is long (reported at the 2 s mark, while still
 * held). A second press starting within 500 ms of the end of a short press makes a double press (reported when
 * the second press is recognised); a single short press is therefore reported 500 ms after its release.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "gpio.h"
#include "macro.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Patterns */

typedef enum HapticPattern {
        HAPTIC_PATTERN_SITTING,
        HAPTIC_PATTERN_TILT,
        HAPTIC_PATTERN_CALIBRATION_DONE,
        HAPTIC_PATTERN_CALIBRATION_REFUSED,
        HAPTIC_PATTERN_SLOUCH,
        _HAPTIC_PATTERN_MAX,
} HapticPattern;

typedef enum HapticPriority {
        HAPTIC_PRIORITY_ALERT,
        HAPTIC_PRIORITY_CALIBRATION,
        HAPTIC_PRIORITY_TEST,
        _HAPTIC_PRIORITY_MAX,
} HapticPriority;

#define HAPTIC_SHORT_ON_MS 150u
#define HAPTIC_SHORT_OFF_MS 150u
#define HAPTIC_LONG_ON_MS 600u
#define HAPTIC_LONG_OFF_MS 400u
#define HAPTIC_REFUSED_ON_MS 1500u
#define HAPTIC_REST_MS 500u
#define HAPTIC_CUT_PAUSE_MS 300u
#define HAPTIC_LEVEL_MAX 3u

/* The longest pattern: five short pulses with their four pauses. */
#define HAPTIC_STEPS_MAX 9u

/* "sitting", "tilt", "calibration-done", "calibration-refused", "slouch"; NULL when out of range. */
const char *haptic_pattern_to_string(HapticPattern p);
/* -EINVAL for a name that is not a pattern. */
int haptic_pattern_from_string(const char *s);
/* The priority a pattern plays with when the daemon (not a test) asks for it. */
HapticPriority haptic_pattern_priority(HapticPattern p);

/* The pattern's motor times in ms, alternating on and off and starting with on (so the count is odd); the rest
 * after the pattern is not included. level is the alert's escalation level (1..3; only sitting uses it, and
 * out-of-range levels are clamped). Returns the number of steps. */
size_t haptic_pattern_steps(HapticPattern p, uint32_t level, uint32_t ret_ms[static HAPTIC_STEPS_MAX]);

/* ---------------------------------------------------------------------------------------------------------- */
/* The button */

#define BUTTON_DEBOUNCE_US 30000u
#define BUTTON_LONG_US 2000000u
#define BUTTON_DOUBLE_WINDOW_US 500000u

typedef enum ButtonPress {
        BUTTON_PRESS_NONE,
        BUTTON_PRESS_SHORT,
        BUTTON_PRESS_LONG,
        BUTTON_PRESS_DOUBLE,
        _BUTTON_PRESS_MAX,
} ButtonPress;

/* "none", "short", "long", "double". */
const char *button_press_to_string(ButtonPress p);

typedef enum ButtonState {
        BUTTON_IDLE,
        BUTTON_HELD, /* pressed, not yet long */
        BUTTON_LONG_HELD, /* a long press already reported, waiting for the release */
        BUTTON_RELEASED_ONCE, /* a short press ended; a second may follow */
        BUTTON_SECOND_HELD, /* a double press already reported, waiting for the release */
} ButtonState;

/* All times are CLOCK_MONOTONIC microseconds. */
typedef struct ButtonClassifier {
        bool raw; /* the line's level after the latest edge, bounces included */
        bool stable; /* the debounced level */
        bool settling; /* edges came less than 30 ms ago: a burst is not over yet */
        uint64_t last_edge_us; /* the latest edge */
        uint64_t change_us; /* the first edge of the burst: when the level changed, if it did */
        ButtonState state;
        uint64_t since_us; /* BUTTON_HELD: when the press began; BUTTON_RELEASED_ONCE: when it ended */
        uint64_t now_us; /* how far time has been processed */
} ButtonClassifier;

void button_classifier_init(ButtonClassifier *c);
/* Processes time up to now_us and returns the first press decided on the way, or BUTTON_PRESS_NONE when no more
 * is decided by then. Call it until it returns BUTTON_PRESS_NONE: presses come out one at a time, in order. */
ButtonPress button_classifier_advance(ButtonClassifier *c, uint64_t now_us);
/* Records an edge of the line at t_us (active: pressed). Advance to t_us first, so that what was decided before
 * the edge comes out before it. An edge older than what was processed counts as happening then. */
void button_classifier_edge(ButtonClassifier *c, bool pressed, uint64_t t_us);
/* When advance() may next decide something, or UINT64_MAX when nothing is pending. */
uint64_t button_classifier_next_deadline(const ButtonClassifier *c);

/* ---------------------------------------------------------------------------------------------------------- */
/* The event-loop layer */

typedef struct Haptics Haptics;

typedef struct HapticsCallbacks {
        /* A button press was recognised. May call haptics_play(); must not free the Haptics. */
        void (*press)(Haptics *h, ButtonPress press, void *userdata);
        /* The lines stopped working (set or read failed, the chip went away): the Haptics object has stopped
         * itself and only waits to be freed. Must not free it from here. */
        void (*failed)(Haptics *h, int error, void *userdata);
} HapticsCallbacks;

/* Opens the lines through ops and hooks them into event. On failure returns a negative errno and, when
 * ret_error is not NULL, the backend's sentence naming the chip and the line. */
int haptics_new(sd_event *event, const GpioOps *ops, const GpioOptions *options,
        const HapticsCallbacks *callbacks, void *userdata, Haptics **ret, char **ret_error);
/* Stops the motor, releases the lines; accepts NULL. */
Haptics *haptics_free(Haptics *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(Haptics *, haptics_free);

/* Plays a pattern by the rules above; test gives it the test priority. -ENOENT when there is no motor, -EIO
 * after a failure. */
int haptics_play(Haptics *h, HapticPattern p, uint32_t level, bool test);
/* Whether a pattern (or the rest after one) is in progress. */
bool haptics_playing(const Haptics *h);

bool haptics_has_motor(const Haptics *h);
bool haptics_has_button(const Haptics *h);
/* The backend's description of the lines, e.g. "motor on line 17 and button on line 27 of /dev/gpiochip0". */
const char *haptics_description(const Haptics *h);
