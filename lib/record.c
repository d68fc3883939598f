/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The record of a day: being written (this placeholder lets the daemon and clients build against psoas.h). */
#include <errno.h>

#include "psoas/psoas.h"

int psoas_engine_pop_minute(struct psoas_engine *engine, struct psoas_minute *ret) {
        return engine && ret ? 0 : -EINVAL;
}

int psoas_engine_pop_bout(struct psoas_engine *engine, struct psoas_bout *ret) {
        return engine && ret ? 0 : -EINVAL;
}

int psoas_engine_peek_minutes(const struct psoas_engine *engine, struct psoas_minute *ret, size_t n) {
        return engine && (ret || n == 0) ? 0 : -EINVAL;
}

int psoas_engine_peek_bout(const struct psoas_engine *engine, struct psoas_bout *ret) {
        return engine && ret ? 0 : -EINVAL;
}

void psoas_engine_finish_record(struct psoas_engine *engine) {
        (void)engine;
}
