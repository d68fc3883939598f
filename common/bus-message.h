/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Building sd-bus messages, for psoasd and its clients alike (header only: psoasd links libsystemd itself). */

#include <systemd/sd-bus.h>

/* Closes the n innermost containers opened on m: the end of a nested value, written once instead of a
 * close_container() per level. Returns 0 or the first negative errno. */
static inline int bus_message_close_containers(sd_bus_message *m, unsigned n) {
        int r = 0;

        while (r >= 0 && n-- > 0)
                r = sd_bus_message_close_container(m);
        return r;
}
