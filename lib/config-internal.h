/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The configuration inside the library: always a whole struct of this psoas.h, whatever size the caller's had. */

#include "psoas/psoas.h"

/* Every field at its default, size set. */
void config_defaults(struct psoas_config *config);
/* The caller's configuration as a whole struct: its fields, and the defaults of those beyond its size.
 * -EINVAL/-E2BIG as sized_copy_in(). Does not validate. */
int config_read(const struct psoas_config *config, struct psoas_config *ret);
