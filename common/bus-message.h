/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Building sd-bus messages, for psoasd and its clients alike (header only: psoasd links libsystemd itself). */

#include <errno.h>
#include <stdio.h>

#include <systemd/sd-bus.h>

/* Closes the n innermost containers opened on m: the end of a nested value, written once instead of a
 * close_container() per level. Returns 0 or the first negative errno. */
static inline int bus_message_close_containers(sd_bus_message *m, unsigned n) {
        int r = 0;

        while (r >= 0 && n-- > 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* Opens, in a dictionary a{sv} being written on m, the entry key whose value is an array of contents ("(uu)"):
 * the entry, the variant and the array, for bus_message_close_containers(m, 3) to close. Returns 0 or a negative
 * errno. */
static inline int bus_message_open_dict_array(sd_bus_message *m, const char *key, const char *contents) {
        char signature[64];
        int r;

        if ((size_t)snprintf(signature, sizeof(signature), "a%s", contents) >= sizeof(signature))
                return -EINVAL;
        r = sd_bus_message_open_container(m, 'e', "sv");
        if (r < 0)
                return r;
        r = sd_bus_message_append(m, "s", key);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(m, 'v', signature);
        if (r < 0)
                return r;
        return sd_bus_message_open_container(m, 'a', contents);
}
