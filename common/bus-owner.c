/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-owner.h"
#include "macro.h"

typedef struct OwnerFollower {
        BusOwnerHandler handler;
        void *userdata;
} OwnerFollower;

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        OwnerFollower *f = userdata;
        const char *name, *old_owner, *new_owner;

        /* The match names the name (arg0): only a malformed signal is left to skip. */
        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        f->handler(
                isempty(old_owner) ? NULL : old_owner, isempty(new_owner) ? NULL : new_owner, f->userdata);
        return 0;
}

int bus_follow_owner_async(
        sd_bus *bus, sd_bus_slot **ret_slot, const char *name, BusOwnerHandler handler, void *userdata) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_free_ char *match = NULL;
        OwnerFollower *f;
        int r;

        if (asprintf(&match,
                    "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                    "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'",
                    name) < 0)
                return -ENOMEM;
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        *f = (OwnerFollower){ .handler = handler, .userdata = userdata };
        r = sd_bus_add_match_async(bus, &slot, match, on_name_owner_changed, NULL, f);
        if (r < 0) {
                free(f);
                return r;
        }
        /* f lives as long as the subscription. */
        r = sd_bus_slot_set_destroy_callback(slot, free);
        if (r < 0) {
                free(f);
                return r;
        }
        *ret_slot = TAKE_PTR(slot);
        return 0;
}
