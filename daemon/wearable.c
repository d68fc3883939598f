/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log-journal.h"
#include "manager.h"
#include "status.h"
#include "wearable.h"

/* A short press of the button snoozes for this long, as psoasctl snooze does by default. */
#define BUTTON_SNOOZE_S 900u

static const char *const haptics_state_table[_HAPTICS_STATE_MAX] = {
        [HAPTICS_ABSENT] = "absent",
        [HAPTICS_READY] = "ready",
        [HAPTICS_ERROR] = "error",
};

const char *haptics_state_to_string(HapticsState s) {
        return s >= 0 && s < _HAPTICS_STATE_MAX ? haptics_state_table[s] : NULL;
}

static void set_haptics_state(Manager *m, HapticsState s, const char *error) {
        bool state_changed = m->wearable.state != s;

        free(m->wearable.error);
        m->wearable.error = error ? strdup(error) : NULL;
        m->wearable.state = s;
        if (state_changed)
                manager_mark_changed(m, MANAGER_CHANGE_HAPTICS);
        status_update(m, true);
}

/* A pattern for the wearer, when there is a motor. */
void wearable_feedback(Manager *m, HapticPattern pattern, uint32_t level) {
        int r;

        if (!m->wearable.haptics || !haptics_has_motor(m->wearable.haptics))
                return;
        r = haptics_play(m->wearable.haptics, pattern, level, false);
        if (r < 0 && r != -EIO)
                log_debug_errno(r, "Cannot play the %s pattern: %m", haptic_pattern_to_string(pattern));
}

static bool prompt_open(Manager *m) {
        return m->wearable.prompt_stretch &&
                PSOAS_ENGINE_STATE(m->engine)->t_us <= m->wearable.prompt_until_us;
}

void wearable_prompt_close(Manager *m) {
        free(m->wearable.prompt_stretch);
        m->wearable.prompt_stretch = NULL;
}

/* What the button does is what the D-Bus method does: the same functions, so it shows on the bus the same way. */
static void on_haptics_press(Haptics *h, ButtonPress press, void *userdata) {
        Manager *m = userdata;
        int r;

        switch (press) {
        case BUTTON_PRESS_SHORT:
                if (prompt_open(m)) {
                        _cleanup_free_ char *id = strdup(m->wearable.prompt_stretch);

                        r = id ? manager_complete_stretch(m, id) : -ENOMEM;
                        if (r < 0)
                                log_warning_errno(r,
                                        "Could not report the stretch '%s' done for the button: %m",
                                        m->wearable.prompt_stretch);
                        else
                                log_info("Stretch '%s' reported done with the button.", id);
                        break;
                }
                (void)manager_snooze(m, BUTTON_SNOOZE_S);
                log_info("Alerts snoozed for %u min with the button.", BUTTON_SNOOZE_S / 60);
                break;
        case BUTTON_PRESS_DOUBLE:
                (void)manager_snooze(m, 0);
                log_info("Snooze cancelled with the button.");
                break;
        case BUTTON_PRESS_LONG:
                r = manager_calibrate(m, NULL);
                if (r == -EBUSY)
                        log_info("The button asked for a calibration while one is running.");
                else if (r < 0) {
                        log_notice("The button asked for a calibration, but %s.",
                                r == -ENODEV ? "no sensor is streaming" : strerror(-r));
                        wearable_feedback(m, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
                } else
                        log_info("Calibrating at the button's request.");
                break;
        default:
                break;
        }
}

static void on_haptics_failed(Haptics *h, int error, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *why = NULL;

        log_error_errno(error,
                "The GPIO lines stopped working (%s): %m. No haptics until psoasd is reloaded.",
                haptics_description(h) ?: "the motor and button");
        if (asprintf(&why, "the GPIO lines stopped working (%s)", strerror(error < 0 ? -error : error)) < 0)
                why = NULL;
        /* The object stays until the next reload or the exit; it has stopped itself. */
        set_haptics_state(m, HAPTICS_ERROR, why);
}

static bool gpio_line_given(const GpioLineConfig *line) {
        return line->offset >= 0 || line->name;
}

/* (Re)opens the lines of the gpio section. A failure is logged, shown in Haptics and STATUS=, and not fatal. */
void wearable_start(Manager *m) {
        static const HapticsCallbacks callbacks = {
                .press = on_haptics_press,
                .failed = on_haptics_failed,
        };
        const Config *c = m->config;
        _cleanup_free_ char *error = NULL;
        GpioOptions options;
        int r;

        m->wearable.haptics = haptics_free(m->wearable.haptics);
        if (!c->gpio_enabled) {
                set_haptics_state(m, HAPTICS_ABSENT, NULL);
                return;
        }

        options = (GpioOptions){
                .chip = c->gpio_chip,
                .motor = gpio_line_given(&c->gpio_motor) ? &c->gpio_motor : NULL,
                .button = gpio_line_given(&c->gpio_button) ? &c->gpio_button : NULL,
                .button_bias = c->gpio_button_bias,
        };
        r = haptics_new(m->event, &gpio_gpiod_ops, &options, &callbacks, m, &m->wearable.haptics, &error);
        if (r < 0) {
                if (!error && asprintf(&error, "GPIO chip %s: %s", c->gpio_chip, strerror(-r)) < 0)
                        error = NULL;
                log_error("No haptics: %s. psoasd carries on without the motor and the button.",
                        error ?: c->gpio_chip);
                set_haptics_state(m, HAPTICS_ERROR, error);
                return;
        }
        log_info("Haptics ready: %s.", haptics_description(m->wearable.haptics));
        set_haptics_state(m, HAPTICS_READY, NULL);
}

int manager_test_haptics(Manager *m, HapticPattern pattern) {
        if (m->wearable.state == HAPTICS_ABSENT)
                return -ENODEV;
        if (m->wearable.state == HAPTICS_ERROR || !m->wearable.haptics)
                return -EIO;
        if (!haptics_has_motor(m->wearable.haptics))
                return -ENOENT;
        return haptics_play(m->wearable.haptics, pattern, 1, true);
}

static bool gpio_line_equal(const GpioLineConfig *a, const GpioLineConfig *b) {
        return a->offset == b->offset && streq_ptr(a->name, b->name) && a->active_low == b->active_low;
}

bool wearable_config_equal(const Config *a, const Config *b) {
        return a->gpio_enabled == b->gpio_enabled && streq_ptr(a->gpio_chip, b->gpio_chip) &&
                gpio_line_equal(&a->gpio_motor, &b->gpio_motor) &&
                gpio_line_equal(&a->gpio_button, &b->gpio_button) &&
                a->gpio_button_bias == b->gpio_button_bias;
}

void wearable_prompt_open(Manager *m, const char *stretch_id, int64_t until_us) {
        wearable_prompt_close(m);
        m->wearable.prompt_stretch = strdup(stretch_id);
        m->wearable.prompt_until_us = until_us;
}

void wearable_done(Wearable *w) {
        w->haptics = haptics_free(w->haptics);
        free(w->error);
        w->error = NULL;
        free(w->prompt_stretch);
        w->prompt_stretch = NULL;
}
