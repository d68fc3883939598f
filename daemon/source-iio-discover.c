/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the IIO accelerometer and gyroscope, and setting them up: scales, offsets, mount matrices, sampling
 * frequency, trigger, timestamp clock. See source-iio-internal.h.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source-iio-internal.h"

const char *const source_iio_axes_prefix[_AXES_MAX] = {
        [AXES_ACCEL] = "accel",
        [AXES_GYRO] = "anglvel",
};

const struct iio_channel *source_iio_device_find_input(const struct iio_device *device, const char *id) {
        return iio_device_find_channel(device, id, false);
}

static bool device_find_axes(
        const struct iio_device *device, unsigned kind, const struct iio_channel *ret[3]) {
        const struct iio_channel *found[3];

        for (unsigned i = 0; i < 3; i++) {
                char id[32];

                snprintf(id, sizeof(id), "%s_%c", source_iio_axes_prefix[kind], "xyz"[i]);
                found[i] = source_iio_device_find_input(device, id);
                if (!found[i])
                        return false;
        }
        if (ret)
                memcpy(ret, found, sizeof(found));
        return true;
}

static bool device_matches(const struct iio_device *device, const char *what) {
        return streq_ptr(iio_device_get_id(device), what) || streq_ptr(iio_device_get_name(device), what);
}

static const struct iio_device *context_find_device(struct iio_context *context, const char *what) {
        unsigned n = iio_context_get_devices_count(context);

        for (unsigned i = 0; i < n; i++) {
                const struct iio_device *device = iio_context_get_device(context, i);

                if (device_matches(device, what))
                        return device;
        }
        return NULL;
}

static const struct iio_device *context_find_device_with(struct iio_context *context, unsigned kind) {
        unsigned n = iio_context_get_devices_count(context);

        for (unsigned i = 0; i < n; i++) {
                const struct iio_device *device = iio_context_get_device(context, i);

                if (device_find_axes(device, kind, NULL))
                        return device;
        }
        return NULL;
}

const char *source_iio_device_label(const struct iio_device *device) {
        return iio_device_get_name(device) ?: iio_device_get_id(device);
}

/* How messages call a device of each quantity. */
static const char *const axes_device_noun[_AXES_MAX] = {
        [AXES_ACCEL] = "an accelerometer",
        [AXES_GYRO] = "a gyroscope",
};

/* The device the configuration names, which must have the channels of kind. */
static int find_configured_device(struct iio_context *context, const char *name, unsigned kind,
        const char *uri, const struct iio_device **ret, char **error) {
        const struct iio_device *device = context_find_device(context, name);
        const char *prefix = source_iio_axes_prefix[kind];

        if (!device) {
                source_iio_error_set(error, "There is no IIO device named '%s' in %s.", name, uri);
                return -ENODEV;
        }
        if (!device_find_axes(device, kind, NULL)) {
                source_iio_error_set(error,
                        "The IIO device '%s' in %s is not %s: it has no %s_x, %s_y and %s_z input channels.",
                        name, uri, axes_device_noun[kind], prefix, prefix, prefix);
                return -ENODEV;
        }
        *ret = device;
        return 0;
}

int source_iio_find_accelerometer(struct iio_context *context, const SourceOptions *options, const char *uri,
        const struct iio_device **ret, char **error) {
        const struct iio_device *device;

        if (options->device)
                return find_configured_device(context, options->device, AXES_ACCEL, uri, ret, error);

        device = context_find_device_with(context, AXES_ACCEL);
        if (!device) {
                source_iio_error_set(error,
                        "There is no IIO accelerometer in %s (no device has accel_x, accel_y and accel_z "
                        "input "
                        "channels).",
                        uri);
                return -ENODEV;
        }
        *ret = device;
        return 0;
}

/* The gyroscope: on the accelerometer's device, the configured one, the st_lsm6dsx-style sibling
 * ("<part>_accel" and "<part>_gyro"), or any device with angular rate channels. NULL: accelerometer only. */
int source_iio_find_gyroscope(struct iio_context *context, const struct iio_device *accel,
        const SourceOptions *options, const char *uri, const struct iio_device **ret, char **error) {
        const struct iio_device *device = NULL;
        const char *accel_name = iio_device_get_name(accel);
        size_t length;

        if (device_find_axes(accel, AXES_GYRO, NULL)) {
                *ret = accel;
                return 0;
        }

        if (options->gyro_device)
                return find_configured_device(context, options->gyro_device, AXES_GYRO, uri, ret, error);

        length = accel_name ? strlen(accel_name) : 0;
        if (length > strlen("_accel") && streq_ptr(accel_name + length - strlen("_accel"), "_accel")) {
                _cleanup_free_ char *sibling = NULL;

                if (asprintf(&sibling, "%.*s_gyro", (int)(length - strlen("_accel")), accel_name) < 0)
                        return -ENOMEM;
                device = context_find_device(context, sibling);
                if (device && !device_find_axes(device, AXES_GYRO, NULL))
                        device = NULL;
        }
        if (!device)
                device = context_find_device_with(context, AXES_GYRO);

        *ret = device;
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Scales, offsets, mount matrices */

/* The mount matrix of one quantity: the shared channel attribute (in_accel_mount_matrix,
 * in_anglvel_mount_matrix), else the device's "mount_matrix" (IIO_SHARED_BY_ALL, as st_lsm6dsx has it) or
 * "in_mount_matrix" (shared by direction), else the identity. */
static void axes_read_mount_matrix(IioAxes *axes, unsigned kind) {
        static const float identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
        char text[256];
        const char *origin = NULL;

        memcpy(axes->decode.matrix, identity, sizeof(identity));

        if (iio_channel_find_attr(axes->channels[0], "mount_matrix") &&
                iio_channel_attr_read(axes->channels[0], "mount_matrix", text, sizeof(text)) > 0)
                origin = "in_*_mount_matrix";
        else if (iio_device_find_attr(axes->device, "mount_matrix") &&
                iio_device_attr_read(axes->device, "mount_matrix", text, sizeof(text)) > 0)
                origin = "mount_matrix";
        else if (iio_device_find_attr(axes->device, "in_mount_matrix") &&
                iio_device_attr_read(axes->device, "in_mount_matrix", text, sizeof(text)) > 0)
                origin = "in_mount_matrix";
        if (!origin)
                return;

        if (scan_mount_matrix_parse(text, axes->decode.matrix) < 0) {
                memcpy(axes->decode.matrix, identity, sizeof(identity));
                log_warning(
                        "The %s mount matrix of %s is not of the form \"a, b, c; d, e, f; g, h, i\" (%s): "
                        "using the identity.",
                        source_iio_axes_prefix[kind], source_iio_device_label(axes->device), text);
        }
}

/* A channel's numeric attribute ("scale", "offset"): 1 when read into *value, 0 when the channel has none
 * (*value is left alone), -errno with *error when it cannot be read. */
static int channel_read_number(const struct iio_channel *channel, const struct iio_device *device,
        const char *attr, double *value, char **error) {
        int r;

        if (!iio_channel_find_attr(channel, attr))
                return 0;
        r = iio_channel_attr_read_double(channel, attr, value);
        if (r < 0) {
                source_iio_error_set(error, "Cannot read the %s of %s on %s: %s.", attr,
                        iio_channel_get_id(channel), source_iio_device_label(device), strerror(-r));
                return r;
        }
        return 1;
}

int source_iio_axes_setup(IioAxes *axes, const struct iio_device *device, unsigned kind,
        const SourceOptions *options, char **error) {
        int r;

        axes->device = device;
        if (!device_find_axes(device, kind, axes->channels))
                return -ENODEV;

        for (unsigned i = 0; i < 3; i++) {
                const struct iio_channel *channel = axes->channels[i];

                /* libiio gives each channel its own "scale" and "offset", whether the file is per channel
                 * (in_accel_x_scale) or shared by type (in_accel_scale). */
                axes->decode.scale[i] = 1.0;
                axes->decode.raw_offset[i] = 0.0;
                r = channel_read_number(channel, device, "scale", &axes->decode.scale[i], error);
                if (r < 0)
                        return r;
                if (r == 0)
                        log_warning("%s on %s has no scale attribute: using its raw values unscaled.",
                                iio_channel_get_id(channel), source_iio_device_label(device));
                r = channel_read_number(channel, device, "offset", &axes->decode.raw_offset[i], error);
                if (r < 0)
                        return r;
        }

        if (options->has_mount_matrix)
                memcpy(axes->decode.matrix, options->mount_matrix, sizeof(axes->decode.matrix));
        else
                axes_read_mount_matrix(axes, kind);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Device settings */

/* Where a device keeps a frequency attribute: on the device (shared by all) or on the channel (by type). */
static bool rate_attr_read(const struct iio_device *device, const struct iio_channel *channel,
        const char *attr, char *text, size_t size) {
        if (iio_device_find_attr(device, attr))
                return iio_device_attr_read(device, attr, text, size) > 0;
        if (channel && iio_channel_find_attr(channel, attr))
                return iio_channel_attr_read(channel, attr, text, size) > 0;
        return false;
}

/* The entry of sampling_frequency_available nearest to wanted, as the driver spells it ("12.500"), so that
 * writing it back needs no formatting of ours; or, for a "[min step max]" range, the nearest step. */
static int rate_pick(const char *available, double wanted, char *ret, size_t size) {
        double best = NAN;
        const char *p = available;

        if (*p == '[') {
                double range[3];
                char *end;

                p++;
                for (unsigned i = 0; i < 3; i++) {
                        range[i] = sysfs_strtod(p, &end);
                        if (end == p)
                                return -EINVAL;
                        p = end;
                }
                if (!(range[1] > 0) || range[2] < range[0])
                        return -EINVAL;
                best = range[0] + round((wanted - range[0]) / range[1]) * range[1];
                best = fmin(fmax(best, range[0]), range[2]);
                snprintf(ret, size, "%.6f", best);
                /* snprintf follows LC_NUMERIC: the kernel wants a point. */
                for (char *c = ret; *c; c++)
                        if (*c == ',')
                                *c = '.';
                return 0;
        }

        for (;;) {
                char *end;
                double value;
                size_t length;

                p += strspn(p, " \t\n");
                if (*p == '\0')
                        break;
                length = strcspn(p, " \t\n");
                value = sysfs_strtod(p, &end);
                if (end != p && value > 0 &&
                        (isnan(best) || fabs(value - wanted) < fabs(best - wanted) ||
                                (fabs(value - wanted) == fabs(best - wanted) && value > best))) {
                        best = value;
                        snprintf(ret, size, "%.*s", (int)length, p);
                }
                p += length;
        }
        return isnan(best) ? -EINVAL : 0;
}

/* Sets the sampling frequency nearest to wanted and returns the one the driver reports afterwards. -ENOENT:
 * the device has no sampling_frequency attribute. */
int source_iio_device_set_rate(const struct iio_device *device, const struct iio_channel *channel,
        double wanted, double *ret_rate) {
        char available[1024], choice[64], current[64];
        bool on_device = iio_device_find_attr(device, "sampling_frequency");
        double rate;
        ssize_t n;
        int r;

        if (!on_device && !iio_channel_find_attr(channel, "sampling_frequency"))
                return -ENOENT;

        if (rate_attr_read(device, channel, "sampling_frequency_available", available, sizeof(available)) &&
                rate_pick(available, wanted, choice, sizeof(choice)) >= 0)
                n = on_device ? iio_device_attr_write(device, "sampling_frequency", choice)
                              : iio_channel_attr_write(channel, "sampling_frequency", choice);
        else
                n = on_device ? iio_device_attr_write_double(device, "sampling_frequency", wanted)
                              : iio_channel_attr_write_double(channel, "sampling_frequency", wanted);
        if (n < 0)
                log_warning_errno((int)n, "Cannot set the sampling frequency of %s to %g Hz: %m",
                        source_iio_device_label(device), wanted);

        r = on_device ? iio_device_attr_read_double(device, "sampling_frequency", &rate)
                      : iio_channel_attr_read_double(channel, "sampling_frequency", &rate);
        if (r < 0 || !(rate > 0)) {
                if (!rate_attr_read(device, channel, "sampling_frequency", current, sizeof(current)))
                        current[0] = '\0';
                log_warning("Cannot read back the sampling frequency of %s ('%s'): assuming %g Hz.",
                        source_iio_device_label(device), current, wanted);
                rate = wanted;
        }
        *ret_rate = rate;
        return 0;
}

/* "<name>-dev<N>" (inv_mpu6050, bmi160 …) or "<name>-trigger" (st_sensors …). */
static bool trigger_belongs_to(const char *trigger, const char *device) {
        size_t length = device ? strlen(device) : 0;
        const char *rest;

        if (!trigger || length == 0 || strncmp(trigger, device, length) != 0)
                return false;
        rest = trigger + length;
        if (streq_ptr(rest, "-trigger"))
                return true;
        if (strncmp(rest, "-dev", 4) != 0 || rest[4] == '\0')
                return false;
        return strspn(rest + 4, "0123456789") == strlen(rest + 4);
}

/* A device with a trigger/ directory streams only once a trigger drives it. An assignment made by someone
 * else (udev, the admin) is left alone. */
void source_iio_device_assign_trigger(struct iio_context *context, const struct iio_device *device) {
        const struct iio_device *current = NULL, *first = NULL, *chosen = NULL;
        const char *name = iio_device_get_name(device);
        unsigned n;
        int r;

        r = iio_device_get_trigger(device, &current);
        if (r < 0 || current)
                return; /* no trigger support, a trigger outside this context, or already assigned */

        n = iio_context_get_devices_count(context);
        for (unsigned i = 0; i < n && !chosen; i++) {
                const struct iio_device *trigger = iio_context_get_device(context, i);

                if (!iio_device_is_trigger(trigger))
                        continue;
                if (!first)
                        first = trigger;
                if (trigger_belongs_to(iio_device_get_name(trigger), name))
                        chosen = trigger;
        }
        if (!chosen)
                chosen = first;
        if (!chosen) {
                log_debug("%s has no trigger assigned and there is none to assign.",
                        source_iio_device_label(device));
                return;
        }

        r = iio_device_set_trigger(device, chosen);
        if (r < 0)
                log_warning_errno(r, "Cannot assign the trigger %s to %s: %m",
                        source_iio_device_label(chosen), source_iio_device_label(device));
        else
                log_debug("Assigned the trigger %s to %s.", source_iio_device_label(chosen),
                        source_iio_device_label(device));
}

/* The kernel stamps scans with CLOCK_REALTIME unless told otherwise; we count time on CLOCK_MONOTONIC. */
void source_iio_device_use_monotonic_clock(const struct iio_device *device) {
        ssize_t n;

        if (!iio_device_find_attr(device, "current_timestamp_clock"))
                return;
        n = iio_device_attr_write(device, "current_timestamp_clock", "monotonic");
        if (n < 0)
                log_debug_errno((int)n, "Cannot switch the timestamps of %s to CLOCK_MONOTONIC: %m",
                        source_iio_device_label(device));
}
