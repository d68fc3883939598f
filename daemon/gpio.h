/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The wearable's vibration motor and push button, behind an ops table like the sample sources (source.h): the
 * real lines through libgpiod v2 (gpio-gpiod.c, the only file that includes <gpiod.h>) and, in the tests, an
 * in-process fake. The haptics module (haptics.c) owns the timing and the event loop; a backend only switches
 * the motor line and hands over the button's edges. Nothing here blocks or sleeps.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct Gpio Gpio;

/* What to open: the chip and the lines, as the configuration names them. */
typedef struct GpioOptions {
        const char *chip; /* a path (/dev/gpiochip0) or a name (gpiochip0, or the chip's label) */
        const GpioLineConfig *motor; /* NULL: no motor */
        const GpioLineConfig *button; /* NULL: no button */
        GpioBias button_bias;
} GpioOptions;

/* One debounce-free edge of the button line, as the chip saw it. */
typedef struct GpioEdge {
        bool pressed; /* the line became active (pressed), else inactive (released) */
        uint64_t t_us; /* CLOCK_MONOTONIC, from the kernel's event timestamp */
} GpioEdge;

typedef struct GpioOps {
        const char *kind; /* "gpiod", "fake" */
        size_t object_size; /* bytes to allocate for the backend's private part */

        /* Opens the chip and requests the lines the options name, all in one request, with the motor line
         * driven inactive. Fills g->description. On failure returns a negative errno and, when ret_error is
         * not NULL, a malloc'ed sentence naming the chip and the line ("GPIO chip /dev/gpiochip9 (motor line
         * 17, button line 27): no such device"); leaves nothing open. */
        int (*open)(Gpio *g, const GpioOptions *options, char **ret_error);
        /* Drives the motor line inactive, then releases the lines and the chip. Safe after a failed open. */
        void (*close)(Gpio *g);
        /* The fd that becomes readable when the button has edges to read, or -ENOENT without a button. */
        int (*get_fd)(Gpio *g);
        /* Switches the motor. -ENOENT without a motor, other -errno when the line cannot be set. */
        int (*set_motor)(Gpio *g, bool on);
        /* Moves up to max pending edges into edges, oldest first. Returns the count (0: none now), or a negative
         * errno when the line cannot be read. Never blocks. */
        int (*read_edges)(Gpio *g, GpioEdge *edges, size_t max);
} GpioOps;

struct Gpio {
        const GpioOps *ops;
        char *description; /* "motor on line 17 and button on line 27 of gpiochip0 [pinctrl-bcm2711]" */
        bool has_motor;
        bool has_button;
        void *data; /* ops->object_size bytes, zeroed, owned by the backend */
};

extern const GpioOps gpio_gpiod_ops;

/* Allocates the handle and its private part; does not open it. */
int gpio_new(const GpioOps *ops, Gpio **ret);
/* Closes and frees; accepts NULL. */
Gpio *gpio_free(Gpio *g);
