/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Vibration patterns and button presses; haptics.h describes the rules and the timings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "haptics.h"
#include "log.h"
#include "time-util.h"

/* Edges taken from the backend per read, and reads per wake-up (so that a chattering line cannot starve the
 * loop). */
#define EDGES_PER_READ 16u
#define READS_PER_WAKEUP 8u
/* sd-event's default accuracy is 250 ms; patterns are timed to the millisecond. */
#define TIMER_ACCURACY_US 1000u

/* ---------------------------------------------------------------------------------------------------------- */
/* Patterns */

static const char *const pattern_names[_HAPTIC_PATTERN_MAX] = {
        [HAPTIC_PATTERN_SITTING] = "sitting",
        [HAPTIC_PATTERN_TILT] = "tilt",
        [HAPTIC_PATTERN_CALIBRATION_DONE] = "calibration-done",
        [HAPTIC_PATTERN_CALIBRATION_REFUSED] = "calibration-refused",
        [HAPTIC_PATTERN_SLOUCH] = "slouch",
};

const char *haptic_pattern_to_string(HapticPattern p) {
        return (unsigned)p < _HAPTIC_PATTERN_MAX ? pattern_names[p] : NULL;
}

int haptic_pattern_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (HapticPattern p = 0; p < _HAPTIC_PATTERN_MAX; p++)
                if (streq(s, pattern_names[p]))
                        return (int)p;
        return -EINVAL;
}

HapticPriority haptic_pattern_priority(HapticPattern p) {
        return p == HAPTIC_PATTERN_CALIBRATION_DONE || p == HAPTIC_PATTERN_CALIBRATION_REFUSED
                ? HAPTIC_PRIORITY_CALIBRATION
                : HAPTIC_PRIORITY_ALERT;
}

static size_t pulses(uint32_t *ms, unsigned count, uint32_t on, uint32_t off) {
        size_t n = 0;

        for (unsigned i = 0; i < count; i++) {
                if (i > 0)
                        ms[n++] = off;
                ms[n++] = on;
        }
        return n;
}

size_t haptic_pattern_steps(HapticPattern p, uint32_t level, uint32_t ret_ms[static HAPTIC_STEPS_MAX]) {
        switch (p) {
        case HAPTIC_PATTERN_SITTING:
                if (level < 1)
                        level = 1;
                if (level > HAPTIC_LEVEL_MAX)
                        level = HAPTIC_LEVEL_MAX;
                return pulses(ret_ms, 1 + level, HAPTIC_LONG_ON_MS, HAPTIC_LONG_OFF_MS);
        case HAPTIC_PATTERN_TILT:
                return pulses(ret_ms, 3, HAPTIC_SHORT_ON_MS, HAPTIC_SHORT_OFF_MS);
        case HAPTIC_PATTERN_CALIBRATION_DONE:
                return pulses(ret_ms, 5, HAPTIC_SHORT_ON_MS, HAPTIC_SHORT_OFF_MS);
        case HAPTIC_PATTERN_CALIBRATION_REFUSED:
                return pulses(ret_ms, 1, HAPTIC_REFUSED_ON_MS, 0);
        case HAPTIC_PATTERN_SLOUCH:
                /* A nudge to sit up: softer than tilt's three pulses, and unlike any other pattern. */
                return pulses(ret_ms, 2, HAPTIC_SHORT_ON_MS, HAPTIC_LONG_OFF_MS);
        default:
                return 0;
        }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The button classifier */

static const char *const press_names[_BUTTON_PRESS_MAX] = {
        [BUTTON_PRESS_NONE] = "none",
        [BUTTON_PRESS_SHORT] = "short",
        [BUTTON_PRESS_LONG] = "long",
        [BUTTON_PRESS_DOUBLE] = "double",
};

const char *button_press_to_string(ButtonPress p) {
        return (unsigned)p < _BUTTON_PRESS_MAX ? press_names[p] : NULL;
}

void button_classifier_init(ButtonClassifier *c) {
        *c = (ButtonClassifier){ .state = BUTTON_IDLE };
}

/* When the state's own decision falls due (a long press, a lone short press), UINT64_MAX for none. */
static uint64_t state_deadline(const ButtonClassifier *c) {
        switch (c->state) {
        case BUTTON_HELD:
                return c->since_us + BUTTON_LONG_US;
        case BUTTON_RELEASED_ONCE:
                return c->since_us + BUTTON_DOUBLE_WINDOW_US;
        default:
                return UINT64_MAX;
        }
}

/* The next thing to happen: the end of a burst of edges (*ret_settle true) or the state's deadline. A burst that
 * began before the deadline is settled first even when it ends after it: it may be the release that ends a press
 * short of 2 s, or the second press begun inside the window. */
static uint64_t next_event(const ButtonClassifier *c, bool *ret_settle) {
        uint64_t deadline = state_deadline(c);

        if (c->settling && c->change_us < deadline) {
                *ret_settle = true;
                return c->last_edge_us + BUTTON_DEBOUNCE_US;
        }
        *ret_settle = false;
        return deadline;
}

uint64_t button_classifier_next_deadline(const ButtonClassifier *c) {
        bool settle;

        return next_event(c, &settle);
}

/* The debounced level changed at t. */
static ButtonPress level_changed(ButtonClassifier *c, bool pressed, uint64_t t) {
        if (pressed)
                switch (c->state) {
                case BUTTON_IDLE:
                        c->state = BUTTON_HELD;
                        c->since_us = t;
                        return BUTTON_PRESS_NONE;
                case BUTTON_RELEASED_ONCE:
                        c->state = BUTTON_SECOND_HELD;
                        return BUTTON_PRESS_DOUBLE;
                default:
                        /* Pressed while held: an edge was lost. Nothing to decide. */
                        return BUTTON_PRESS_NONE;
                }

        switch (c->state) {
        case BUTTON_HELD:
                c->state = BUTTON_RELEASED_ONCE;
                c->since_us = t;
                break;
        case BUTTON_LONG_HELD:
        case BUTTON_SECOND_HELD:
                c->state = BUTTON_IDLE;
                break;
        default:
                break;
        }
        return BUTTON_PRESS_NONE;
}

ButtonPress button_classifier_advance(ButtonClassifier *c, uint64_t now_us) {
        if (now_us > c->now_us)
                c->now_us = now_us;

        for (;;) {
                bool settle;
                uint64_t t = next_event(c, &settle);
                ButtonPress p;

                if (t == UINT64_MAX || t > c->now_us)
                        return BUTTON_PRESS_NONE;

                if (!settle) {
                        if (c->state == BUTTON_HELD) {
                                c->state = BUTTON_LONG_HELD;
                                return BUTTON_PRESS_LONG;
                        }
                        /* BUTTON_RELEASED_ONCE: no second press came. */
                        c->state = BUTTON_IDLE;
                        return BUTTON_PRESS_SHORT;
                }

                /* 30 ms without an edge: the burst is over. Back where it began, it was only bounces. */
                c->settling = false;
                if (c->raw == c->stable)
                        continue;
                c->stable = c->raw;
                p = level_changed(c, c->stable, c->change_us);
                if (p != BUTTON_PRESS_NONE)
                        return p;
        }
}

void button_classifier_edge(ButtonClassifier *c, bool pressed, uint64_t t_us) {
        if (t_us < c->now_us)
                t_us = c->now_us;
        c->now_us = t_us;

        /* A burst runs from its first edge until 30 ms pass without one; it changes the level from its first
         * edge on. (The same level twice means an edge in between was lost: the level is what counts.) */
        if (!c->settling) {
                c->settling = true;
                c->change_us = t_us;
        }
        c->raw = pressed;
        c->last_edge_us = t_us;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The event-loop layer */

typedef struct HapticStep {
        bool on;
        uint32_t ms;
} HapticStep;

/* A pause, the pattern, the rest. */
#define PLAY_STEPS_MAX (HAPTIC_STEPS_MAX + 2)

struct Haptics {
        sd_event *event;
        Gpio *gpio;
        HapticsCallbacks callbacks;
        void *userdata;
        bool failed;

        /* The motor */
        sd_event_source *motor_timer;
        bool motor_on;
        bool playing;
        HapticPriority priority;
        HapticStep steps[PLAY_STEPS_MAX];
        size_t n_steps, step;
        bool has_pending;
        HapticPattern pending_pattern;
        uint32_t pending_level;
        HapticPriority pending_priority;

        /* The button */
        sd_event_source *button_io;
        sd_event_source *button_timer;
        ButtonClassifier classifier;
};

/* Stops everything after the lines failed, and says so once. */
static void haptics_fail(Haptics *h, int error) {
        if (h->failed)
                return;
        h->failed = true;
        h->playing = false;
        h->has_pending = false;
        if (h->motor_timer)
                (void)sd_event_source_set_enabled(h->motor_timer, SD_EVENT_OFF);
        if (h->button_timer)
                (void)sd_event_source_set_enabled(h->button_timer, SD_EVENT_OFF);
        if (h->button_io)
                (void)sd_event_source_set_enabled(h->button_io, SD_EVENT_OFF);
        if (h->gpio->has_motor)
                (void)h->gpio->ops->set_motor(h->gpio, false);
        h->motor_on = false;
        if (h->callbacks.failed)
                h->callbacks.failed(h, error, h->userdata);
}

static int motor_set(Haptics *h, bool on) {
        int r;

        if (on == h->motor_on)
                return 0;
        r = h->gpio->ops->set_motor(h->gpio, on);
        if (r < 0) {
                log_debug_errno(r, "Cannot switch the motor %s: %m", on ? "on" : "off");
                haptics_fail(h, r);
                return r;
        }
        h->motor_on = on;
        return 0;
}

static void pattern_start(
        Haptics *h, HapticPattern p, uint32_t level, HapticPriority priority, bool pause_first);

/* Enters h->step, or ends the pattern (and starts the waiting one) after the last step. */
static void step_enter(Haptics *h) {
        if (h->step >= h->n_steps) {
                h->playing = false;
                if (motor_set(h, false) < 0)
                        return;
                if (h->has_pending) {
                        h->has_pending = false;
                        pattern_start(h, h->pending_pattern, h->pending_level, h->pending_priority, false);
                        return;
                }
                (void)sd_event_source_set_enabled(h->motor_timer, SD_EVENT_OFF);
                return;
        }

        if (motor_set(h, h->steps[h->step].on) < 0)
                return;
        /* Timed from when the line has switched, not from when the timer fired: a late wake-up or a slow line
         * must not shorten the step, which is what the wearer feels. */
        (void)sd_event_source_set_time(
                h->motor_timer, time_now_us(CLOCK_MONOTONIC) + (uint64_t)h->steps[h->step].ms * 1000u);
        (void)sd_event_source_set_enabled(h->motor_timer, SD_EVENT_ONESHOT);
}

static void pattern_start(
        Haptics *h, HapticPattern p, uint32_t level, HapticPriority priority, bool pause_first) {
        uint32_t ms[HAPTIC_STEPS_MAX];
        size_t n;

        h->n_steps = 0;
        if (pause_first)
                h->steps[h->n_steps++] = (HapticStep){ false, HAPTIC_CUT_PAUSE_MS };
        n = haptic_pattern_steps(p, level, ms);
        for (size_t i = 0; i < n; i++)
                h->steps[h->n_steps++] = (HapticStep){ i % 2 == 0, ms[i] };
        h->steps[h->n_steps++] = (HapticStep){ false, HAPTIC_REST_MS };

        h->playing = true;
        h->priority = priority;
        h->step = 0;
        log_debug("Haptics: playing %s (level %u).", haptic_pattern_to_string(p), (unsigned)level);
        step_enter(h);
}

static int on_motor_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Haptics *h = userdata;

        h->step++;
        step_enter(h);
        return 0;
}

int haptics_play(Haptics *h, HapticPattern p, uint32_t level, bool test) {
        HapticPriority priority;

        if ((unsigned)p >= _HAPTIC_PATTERN_MAX)
                return -EINVAL;
        if (h->failed)
                return -EIO;
        if (!h->gpio->has_motor)
                return -ENOENT;

        priority = test ? HAPTIC_PRIORITY_TEST : haptic_pattern_priority(p);
        if (!h->playing)
                pattern_start(h, p, level, priority, false);
        else if (priority >= h->priority) {
                /* Cut short: stop now, pause, then the new pattern. */
                if (motor_set(h, false) < 0)
                        return -EIO;
                pattern_start(h, p, level, priority, true);
        } else if (!h->has_pending || priority >= h->pending_priority) {
                h->has_pending = true;
                h->pending_pattern = p;
                h->pending_level = level;
                h->pending_priority = priority;
        }
        return h->failed ? -EIO : 0;
}

bool haptics_playing(const Haptics *h) {
        return h->playing;
}

/* Hands the presses decided by t to the callback, in order. */
static void button_deliver(Haptics *h, uint64_t t) {
        ButtonPress p;

        while (!h->failed && (p = button_classifier_advance(&h->classifier, t)) != BUTTON_PRESS_NONE) {
                log_debug("Haptics: %s press.", button_press_to_string(p));
                if (h->callbacks.press)
                        h->callbacks.press(h, p, h->userdata);
        }
}

static void button_rearm(Haptics *h) {
        uint64_t deadline;

        if (h->failed)
                return;
        deadline = button_classifier_next_deadline(&h->classifier);
        if (deadline == UINT64_MAX) {
                (void)sd_event_source_set_enabled(h->button_timer, SD_EVENT_OFF);
                return;
        }
        (void)sd_event_source_set_time(h->button_timer, deadline);
        (void)sd_event_source_set_enabled(h->button_timer, SD_EVENT_ONESHOT);
}

static int on_button_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Haptics *h = userdata;
        GpioEdge edges[EDGES_PER_READ];

        if ((revents & (EPOLLERR | EPOLLHUP)) && !(revents & EPOLLIN)) {
                haptics_fail(h, -ENODEV);
                return 0;
        }

        for (unsigned i = 0; i < READS_PER_WAKEUP; i++) {
                int n = h->gpio->ops->read_edges(h->gpio, edges, EDGES_PER_READ);

                if (n < 0) {
                        log_debug_errno(n, "Cannot read the button's edges: %m");
                        haptics_fail(h, n);
                        return 0;
                }
                for (int k = 0; k < n; k++) {
                        button_deliver(h, edges[k].t_us);
                        if (h->failed)
                                return 0;
                        button_classifier_edge(&h->classifier, edges[k].pressed, edges[k].t_us);
                }
                if (n == 0)
                        break;
        }

        button_deliver(h, time_now_us(CLOCK_MONOTONIC));
        button_rearm(h);
        return 0;
}

static int on_button_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Haptics *h = userdata;

        button_deliver(h, time_now_us(CLOCK_MONOTONIC));
        button_rearm(h);
        return 0;
}

static int add_timer(Haptics *h, sd_event_source **ret, sd_event_time_handler_t callback, int64_t priority) {
        int r;

        r = sd_event_add_time(h->event, ret, CLOCK_MONOTONIC, 0, TIMER_ACCURACY_US, callback, h);
        if (r < 0)
                return r;
        (void)sd_event_source_set_priority(*ret, priority);
        return sd_event_source_set_enabled(*ret, SD_EVENT_OFF);
}

int haptics_new(sd_event *event, const GpioOps *ops, const GpioOptions *options,
        const HapticsCallbacks *callbacks, void *userdata, Haptics **ret, char **ret_error) {
        _cleanup_(haptics_freep) Haptics *h = NULL;
        int fd, r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(event);
        if (callbacks)
                h->callbacks = *callbacks;
        h->userdata = userdata;
        button_classifier_init(&h->classifier);

        r = gpio_new(ops, &h->gpio);
        if (r < 0)
                return r;
        r = ops->open(h->gpio, options, ret_error);
        if (r < 0)
                return r;

        if (h->gpio->has_motor) {
                /* Before the bus and the sensor: a pulse runs late by as much as they make the timer wait. */
                r = add_timer(h, &h->motor_timer, on_motor_timer, SD_EVENT_PRIORITY_IMPORTANT);
                if (r < 0)
                        return r;
        }
        if (h->gpio->has_button) {
                fd = ops->get_fd(h->gpio);
                if (fd < 0)
                        return fd;
                r = sd_event_add_io(event, &h->button_io, fd, EPOLLIN, on_button_io, h);
                if (r < 0)
                        return r;
                r = add_timer(h, &h->button_timer, on_button_timer, SD_EVENT_PRIORITY_NORMAL);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(h);
        return 0;
}

Haptics *haptics_free(Haptics *h) {
        if (!h)
                return NULL;
        h->motor_timer = sd_event_source_disable_unref(h->motor_timer);
        h->button_timer = sd_event_source_disable_unref(h->button_timer);
        h->button_io = sd_event_source_disable_unref(h->button_io);
        /* Off now, even in the middle of a pattern; the backend drives the line inactive once more before it
         * lets it go, in case it was never switched through us. */
        if (h->gpio && h->motor_on && !h->failed)
                (void)h->gpio->ops->set_motor(h->gpio, false);
        h->gpio = gpio_free(h->gpio);
        h->event = sd_event_unref(h->event);
        free(h);
        return NULL;
}

bool haptics_has_motor(const Haptics *h) {
        return h->gpio->has_motor;
}

bool haptics_has_button(const Haptics *h) {
        return h->gpio->has_button;
}

const char *haptics_description(const Haptics *h) {
        return h->gpio->description;
}
