/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the module lands. */
#include <errno.h>
#include "source.h"
static int iio_open(Source *s, const SourceOptions *o, char **ret_error) {
        return -EOPNOTSUPP;
}
static void iio_close(Source *s) {
}
static int iio_get_fd(Source *s) {
        return -EOPNOTSUPP;
}
static int iio_read_batch(Source *s, struct psoas_sample *samples, size_t max) {
        return -EOPNOTSUPP;
}
const SourceOps source_iio_ops = {
        .kind = "iio", .open = iio_open, .close = iio_close, .get_fd = iio_get_fd, .read_batch = iio_read_batch,
};
