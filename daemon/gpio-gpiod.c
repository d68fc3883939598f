/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The motor and button lines through libgpiod v2 (the only file that includes <gpiod.h>). Both lines are taken
 * in one line request, the motor as an output driven inactive, the button as an input reporting both edges
 * with monotonic timestamps.
 *
 * The chip stays open for as long as the request lives, and is closed right after the request is released.
 * With a kernel this is merely tidy (a request outlives its chip); with the emulated chip of the tests
 * (tests/gpio), whose line request shares the chip's file descriptor, it is what keeps the request working.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpio.h"
#include "macro.h"

#define CONSUMER "psoasd"
#define EDGE_BUFFER_CAPACITY 16

typedef struct GpiodData {
        struct gpiod_chip *chip;
        struct gpiod_line_request *request;
        struct gpiod_edge_event_buffer *events;
        unsigned motor_offset;
        unsigned button_offset;
} GpiodData;

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static void gpiod_chip_closep(struct gpiod_chip **c) {
        if (*c)
                gpiod_chip_close(*c);
}

static void gpiod_chip_info_freep(struct gpiod_chip_info **i) {
        if (*i)
                gpiod_chip_info_free(*i);
}

static void gpiod_line_info_freep(struct gpiod_line_info **i) {
        if (*i)
                gpiod_line_info_free(*i);
}

static void gpiod_line_settings_freep(struct gpiod_line_settings **s) {
        if (*s)
                gpiod_line_settings_free(*s);
}

static void gpiod_line_config_freep(struct gpiod_line_config **c) {
        if (*c)
                gpiod_line_config_free(*c);
}

static void gpiod_request_config_freep(struct gpiod_request_config **c) {
        if (*c)
                gpiod_request_config_free(*c);
}

/* "line 17" or "line \"VIBRA\"", as the configuration names it. */
static const char *line_name(const GpioLineConfig *line, char *buf, size_t size) {
        if (line->name)
                snprintf(buf, size, "line \"%s\"", line->name);
        else
                snprintf(buf, size, "line %d", line->offset);
        return buf;
}

/* "the motor on line 17 and the button on line 27": what the chip was wanted for, for messages. */
static const char *lines_phrase(const GpioOptions *o, char *buf, size_t size) {
        char motor[48], button[48];

        if (o->motor && o->button)
                snprintf(buf, size, "the motor on %s and the button on %s", line_name(o->motor, motor, 48),
                        line_name(o->button, button, 48));
        else if (o->motor)
                snprintf(buf, size, "the motor on %s", line_name(o->motor, motor, 48));
        else
                snprintf(buf, size, "the button on %s", line_name(o->button, button, 48));
        return buf;
}

static int set_error(char **ret_error, int error, const char *format, ...) _printf_(3, 4);
static int set_error(char **ret_error, int error, const char *format, ...) {
        va_list ap;

        if (ret_error) {
                char *s = NULL;

                va_start(ap, format);
                if (vasprintf(&s, format, ap) < 0)
                        s = NULL;
                va_end(ap);
                *ret_error = s;
        }
        return error < 0 ? error : -error;
}

/* Looks a chip named by something other than a path up: /dev/NAME (gpiochip0), else the chip in /dev whose
 * label is NAME (pinctrl-bcm2711). */
static int find_chip(const char *name, char **ret_path) {
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_free_ char *path = NULL;
        struct dirent *de;

        if (asprintf(&path, "/dev/%s", name) < 0)
                return -ENOMEM;
        if (access(path, F_OK) == 0) {
                *ret_path = TAKE_PTR(path);
                return 0;
        }
        free(path);
        path = NULL;

        dir = opendir("/dev");
        if (!dir)
                return -errno;
        while ((de = readdir(dir))) {
                _cleanup_(gpiod_chip_closep) struct gpiod_chip *chip = NULL;
                _cleanup_(gpiod_chip_info_freep) struct gpiod_chip_info *info = NULL;
                _cleanup_free_ char *candidate = NULL;

                if (strncmp(de->d_name, "gpiochip", 8) != 0)
                        continue;
                if (asprintf(&candidate, "/dev/%s", de->d_name) < 0)
                        return -ENOMEM;
                if (!gpiod_is_gpiochip_device(candidate))
                        continue;
                chip = gpiod_chip_open(candidate);
                if (!chip)
                        continue;
                info = gpiod_chip_get_info(chip);
                if (info && streq(gpiod_chip_info_get_label(info), name)) {
                        *ret_path = TAKE_PTR(candidate);
                        return 0;
                }
        }
        return -ENOENT;
}

/* The offset of a configured line on the chip; a sentence naming the line when there is none. */
static int resolve_line(struct gpiod_chip *chip, size_t n_lines, const GpioLineConfig *line,
        const char *role, const char *chip_text, unsigned *ret_offset, char **ret_error) {
        int offset;

        if (line->name) {
                offset = gpiod_chip_get_line_offset_from_name(chip, line->name);
                if (offset < 0) {
                        int error = errno;

                        if (error == ENOENT)
                                return set_error(ret_error, ENOENT,
                                        "GPIO chip %s: no line named \"%s\" for the %s", chip_text,
                                        line->name, role);
                        return set_error(ret_error, error,
                                "GPIO chip %s: cannot look up the %s's line \"%s\": %s", chip_text, role,
                                line->name, strerror(error));
                }
        } else {
                offset = line->offset;
                if (n_lines == 0)
                        return set_error(ret_error, ENOENT,
                                "GPIO chip %s: no line %d for the %s; the chip has none", chip_text, offset,
                                role);
                if ((size_t)offset >= n_lines)
                        return set_error(ret_error, ENOENT,
                                "GPIO chip %s: no line %d for the %s; the chip has lines 0 to %zu",
                                chip_text, offset, role, n_lines - 1);
        }
        *ret_offset = (unsigned)offset;
        return 0;
}

/* Says which of the lines someone else holds, after a request failed with EBUSY. */
static int busy_error(struct gpiod_chip *chip, const GpioOptions *o, const GpiodData *d,
        const char *chip_text, char **ret_error) {
        struct {
                const GpioLineConfig *line;
                unsigned offset;
                const char *role;
        } lines[] = {
                { o->motor, d->motor_offset, "motor" },
                { o->button, d->button_offset, "button" },
        };
        char buf[48];

        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                _cleanup_(gpiod_line_info_freep) struct gpiod_line_info *info = NULL;

                if (!lines[i].line)
                        continue;
                info = gpiod_chip_get_line_info(chip, lines[i].offset);
                if (info && gpiod_line_info_is_used(info))
                        return set_error(ret_error, EBUSY, "GPIO chip %s: the %s's %s is in use by \"%s\"",
                                chip_text, lines[i].role, line_name(lines[i].line, buf, sizeof(buf)),
                                gpiod_line_info_get_consumer(info) ?: "another program");
        }
        return set_error(ret_error, EBUSY, "GPIO chip %s: a line is in use", chip_text);
}

static enum gpiod_line_bias bias_to_gpiod(GpioBias b) {
        switch (b) {
        case GPIO_BIAS_DISABLED:
                return GPIOD_LINE_BIAS_DISABLED;
        case GPIO_BIAS_PULL_UP:
                return GPIOD_LINE_BIAS_PULL_UP;
        case GPIO_BIAS_PULL_DOWN:
                return GPIOD_LINE_BIAS_PULL_DOWN;
        default:
                return GPIOD_LINE_BIAS_AS_IS;
        }
}

static int request_lines(Gpio *g, const GpioOptions *o, const char *chip_text, char **ret_error) {
        _cleanup_(gpiod_line_settings_freep) struct gpiod_line_settings *motor = NULL, *button = NULL;
        _cleanup_(gpiod_line_config_freep) struct gpiod_line_config *config = NULL;
        _cleanup_(gpiod_request_config_freep) struct gpiod_request_config *request_config = NULL;
        GpiodData *d = g->data;
        char phrase[128];
        int flags;

        config = gpiod_line_config_new();
        request_config = gpiod_request_config_new();
        if (!config || !request_config)
                return -ENOMEM;
        gpiod_request_config_set_consumer(request_config, CONSUMER);
        gpiod_request_config_set_event_buffer_size(request_config, EDGE_BUFFER_CAPACITY * 4);

        if (o->motor) {
                motor = gpiod_line_settings_new();
                if (!motor)
                        return -ENOMEM;
                if (gpiod_line_settings_set_direction(motor, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
                        gpiod_line_settings_set_output_value(motor, GPIOD_LINE_VALUE_INACTIVE) < 0)
                        return -errno;
                gpiod_line_settings_set_active_low(motor, o->motor->active_low);
                if (gpiod_line_config_add_line_settings(config, &d->motor_offset, 1, motor) < 0)
                        return -errno;
        }
        if (o->button) {
                button = gpiod_line_settings_new();
                if (!button)
                        return -ENOMEM;
                if (gpiod_line_settings_set_direction(button, GPIOD_LINE_DIRECTION_INPUT) < 0 ||
                        gpiod_line_settings_set_edge_detection(button, GPIOD_LINE_EDGE_BOTH) < 0 ||
                        gpiod_line_settings_set_bias(button, bias_to_gpiod(o->button_bias)) < 0 ||
                        gpiod_line_settings_set_event_clock(button, GPIOD_LINE_CLOCK_MONOTONIC) < 0)
                        return -errno;
                gpiod_line_settings_set_active_low(button, o->button->active_low);
                if (gpiod_line_config_add_line_settings(config, &d->button_offset, 1, button) < 0)
                        return -errno;
        }

        d->request = gpiod_chip_request_lines(d->chip, request_config, config);
        if (!d->request) {
                int error = errno;

                if (error == EBUSY)
                        return busy_error(d->chip, o, d, chip_text, ret_error);
                return set_error(ret_error, error, "GPIO chip %s: cannot request %s: %s", chip_text,
                        lines_phrase(o, phrase, sizeof(phrase)), strerror(error));
        }

        /* Reads are only ever attempted when the loop saw the fd readable, but a read must never block. */
        flags = fcntl(gpiod_line_request_get_fd(d->request), F_GETFL);
        if (flags < 0 || fcntl(gpiod_line_request_get_fd(d->request), F_SETFL, flags | O_NONBLOCK) < 0)
                return set_error(ret_error, errno,
                        "GPIO chip %s: cannot make the line request non-blocking: %s", chip_text,
                        strerror(errno));
        return 0;
}

static void gpiod_close(Gpio *g) {
        GpiodData *d = g->data;

        if (!d)
                return;
        if (d->request) {
                /* Off before letting go: a released output line keeps its last value on most chips. */
                if (g->has_motor)
                        (void)gpiod_line_request_set_value(
                                d->request, d->motor_offset, GPIOD_LINE_VALUE_INACTIVE);
                gpiod_line_request_release(d->request);
                d->request = NULL;
        }
        if (d->chip) {
                gpiod_chip_close(d->chip);
                d->chip = NULL;
        }
        if (d->events) {
                gpiod_edge_event_buffer_free(d->events);
                d->events = NULL;
        }
        g->has_motor = g->has_button = false;
}

static int gpiod_open(Gpio *g, const GpioOptions *o, char **ret_error) {
        _cleanup_(gpiod_chip_info_freep) struct gpiod_chip_info *info = NULL;
        _cleanup_free_ char *path = NULL;
        GpiodData *d = g->data;
        char phrase[128], chip_text[256], motor[48], button[48];
        size_t n_lines;
        int r;

        if (!o->chip || (!o->motor && !o->button))
                return -EINVAL;
        lines_phrase(o, phrase, sizeof(phrase));

        if (o->chip[0] == '/')
                path = strdup(o->chip);
        else {
                r = find_chip(o->chip, &path);
                if (r == -ENOENT)
                        return set_error(ret_error, r,
                                "GPIO chip \"%s\" (for %s): there is no /dev/%s and no chip labelled so",
                                o->chip, phrase, o->chip);
                if (r < 0)
                        return set_error(ret_error, r, "GPIO chip \"%s\" (for %s): %s", o->chip, phrase,
                                strerror(-r));
        }
        if (!path)
                return -ENOMEM;

        d->chip = gpiod_chip_open(path);
        if (!d->chip) {
                r = errno;
                /* libgpiod says ENOENT too when the device exists but sysfs does not call it a GPIO chip. */
                if (r == ENODEV || r == ENOTTY || (r == ENOENT && access(path, F_OK) == 0))
                        return set_error(ret_error, r, "GPIO chip %s (for %s): not a GPIO character device",
                                path, phrase);
                if (r == EACCES || r == EPERM)
                        return set_error(ret_error, r,
                                "GPIO chip %s (for %s): %s; psoasd's user needs read and write access to it "
                                "(see 70-psoas.rules)",
                                path, phrase, strerror(r));
                return set_error(ret_error, r, "GPIO chip %s (for %s): %s", path, phrase, strerror(r));
        }

        info = gpiod_chip_get_info(d->chip);
        if (!info) {
                r = errno;
                gpiod_close(g);
                return set_error(ret_error, r, "GPIO chip %s (for %s): cannot read its information: %s",
                        path, phrase, strerror(r));
        }
        n_lines = gpiod_chip_info_get_num_lines(info);
        if (streq(gpiod_chip_info_get_label(info), ""))
                snprintf(chip_text, sizeof(chip_text), "%s", path);
        else
                snprintf(chip_text, sizeof(chip_text), "%s [%s]", path, gpiod_chip_info_get_label(info));

        if (o->motor) {
                r = resolve_line(
                        d->chip, n_lines, o->motor, "motor", chip_text, &d->motor_offset, ret_error);
                if (r < 0) {
                        gpiod_close(g);
                        return r;
                }
        }
        if (o->button) {
                r = resolve_line(
                        d->chip, n_lines, o->button, "button", chip_text, &d->button_offset, ret_error);
                if (r < 0) {
                        gpiod_close(g);
                        return r;
                }
        }
        if (o->motor && o->button && d->motor_offset == d->button_offset) {
                gpiod_close(g);
                return set_error(ret_error, EINVAL,
                        "GPIO chip %s: the motor (%s) and the button (%s) are the same line, %u", chip_text,
                        line_name(o->motor, motor, sizeof(motor)),
                        line_name(o->button, button, sizeof(button)), d->motor_offset);
        }

        r = request_lines(g, o, chip_text, ret_error);
        if (r < 0) {
                gpiod_close(g);
                return r;
        }
        if (o->button) {
                d->events = gpiod_edge_event_buffer_new(EDGE_BUFFER_CAPACITY);
                if (!d->events) {
                        gpiod_close(g);
                        return -ENOMEM;
                }
        }
        g->has_motor = o->motor;
        g->has_button = o->button;

        if (o->motor && o->button)
                r = asprintf(&g->description, "motor on line %u and button on line %u of %s",
                        d->motor_offset, d->button_offset, chip_text);
        else if (o->motor)
                r = asprintf(&g->description, "motor on line %u of %s", d->motor_offset, chip_text);
        else
                r = asprintf(&g->description, "button on line %u of %s", d->button_offset, chip_text);
        if (r < 0) {
                g->description = NULL;
                gpiod_close(g);
                return -ENOMEM;
        }
        return 0;
}

static int gpiod_get_fd(Gpio *g) {
        GpiodData *d = g->data;

        if (!g->has_button || !d->request)
                return -ENOENT;
        return gpiod_line_request_get_fd(d->request);
}

static int gpiod_set_motor(Gpio *g, bool on) {
        GpiodData *d = g->data;

        if (!g->has_motor || !d->request)
                return -ENOENT;
        if (gpiod_line_request_set_value(d->request, d->motor_offset,
                    on ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
                return errno > 0 ? -errno : -EIO;
        return 0;
}

static int gpiod_read_edges(Gpio *g, GpioEdge *edges, size_t max) {
        GpiodData *d = g->data;
        size_t n = 0;
        int k;

        if (!g->has_button || !d->request)
                return -ENOENT;
        if (max > EDGE_BUFFER_CAPACITY)
                max = EDGE_BUFFER_CAPACITY;

        k = gpiod_line_request_read_edge_events(d->request, d->events, max);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : errno > 0 ? -errno : -EIO;

        for (int i = 0; i < k; i++) {
                struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(d->events, (unsigned long)i);

                if (!e || gpiod_edge_event_get_line_offset(e) != d->button_offset)
                        continue;
                edges[n++] = (GpioEdge){
                        /* Active-low is applied by the kernel: a rising edge is always a press. */
                        .pressed = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE,
                        .t_us = gpiod_edge_event_get_timestamp_ns(e) / 1000,
                };
        }
        return (int)n;
}

const GpioOps gpio_gpiod_ops = {
        .kind = "gpiod",
        .object_size = sizeof(GpiodData),
        .open = gpiod_open,
        .close = gpiod_close,
        .get_fd = gpiod_get_fd,
        .set_motor = gpiod_set_motor,
        .read_edges = gpiod_read_edges,
};
