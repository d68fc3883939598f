/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The slouch alert and the upright sitting reference: being written (a placeholder so that callers build). */
#include <errno.h>

#include "psoas/psoas.h"

int psoas_engine_calibrate_sitting(struct psoas_engine *engine) {
        return engine ? -EOPNOTSUPP : -EINVAL;
}
