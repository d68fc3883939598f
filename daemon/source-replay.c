/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the module lands. */
#include <errno.h>
#include "source.h"
static int replay_open(Source *s, const SourceOptions *o, char **ret_error) {
        return -EOPNOTSUPP;
}
static void replay_close(Source *s) {
}
static int replay_get_fd(Source *s) {
        return -EOPNOTSUPP;
}
static int replay_read_batch(Source *s, struct psoas_sample *samples, size_t max) {
        return -EOPNOTSUPP;
}
const SourceOps source_replay_ops = {
        .kind = "replay", .open = replay_open, .close = replay_close, .get_fd = replay_get_fd,
        .read_batch = replay_read_batch,
};
