/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Following who owns a well-known bus name (psoasd's, the notification server's, a desktop service's): the
 * bus's NameOwnerChanged signal for that name alone, read once here for every client that follows one.
 */

#include <systemd/sd-bus.h>

/* The name changed hands: old_owner and new_owner are unique names, NULL for none (the name was free, or is
 * free now). */
typedef void (*BusOwnerHandler)(const char *old_owner, const char *new_owner, void *userdata);

/* Subscribes to name's changes of owner on bus, asynchronously: the AddMatch call goes out before any call made
 * after this, so a question asked next about the name cannot miss a change. The subscription ends with
 * *ret_slot. */
int bus_follow_owner_async(
        sd_bus *bus, sd_bus_slot **ret_slot, const char *name, BusOwnerHandler handler, void *userdata);
