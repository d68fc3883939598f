/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The client side of the freedesktop.org Desktop Notifications protocol (org.freedesktop.Notifications on
 * the session bus), for a program that keeps at most one notification per purpose on screen.
 *
 * A Notification is such a purpose (a "slot"): showing it again replaces what it shows (replaces_id),
 * closing it closes it on the server. The server may be replaced at any time (it crashed, the session
 * restarted it, the wearer switched servers): when the name's owner goes away every id it gave is forgotten,
 * so that a later notification is new on the new server and never replaces someone else's notification by
 * accident.
 *
 * The server's own do-not-disturb state is followed where it is visible on the bus: dunst's
 * org.dunstproject.cmd0 "paused" property and the "Inhibited" property that KDE Plasma's server adds to
 * org.freedesktop.Notifications. Other servers show no such state; they apply their do-not-disturb
 * themselves.
 */

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct NotificationServer NotificationServer;
typedef struct Notification Notification;

enum {
        URGENCY_LOW = 0,
        URGENCY_NORMAL = 1,
        URGENCY_CRITICAL = 2,
};

typedef struct NotificationContent {
        /* An icon name from the icon theme (psoas installs its own in hicolor); NULL for none. */
        const char *icon;
        const char *summary;
        const char *body; /* plain text; escaped when the server interprets markup */
        /* Pairs of action key and label, NULL-terminated; NULL for none. */
        const char *const *actions;
        uint8_t urgency;
        /* Milliseconds; -1 leaves it to the server, 0 keeps it until closed. */
        int32_t expire_timeout_ms;
        /* A sound from the freedesktop sound theme ("bell"), played where the server says it can play sounds
         * (the "sound" capability); NULL asks the server to stay silent (the "suppress-sound" hint). */
        const char *sound;
} NotificationContent;

/* The wearer chose an action of notification n. */
typedef void (*NotificationActionHandler)(Notification *n, const char *action, void *userdata);
/* The server's do-not-disturb state changed (or the server changed). */
typedef void (*DoNotDisturbHandler)(NotificationServer *s, bool do_not_disturb, void *userdata);

/* Starts following the notification server on bus (a session bus connection attached to an event loop). */
int notification_server_new(sd_bus *bus, const char *app_name, DoNotDisturbHandler on_do_not_disturb,
        void *userdata, NotificationServer **ret);
/* Frees its notifications too; does not close them on the server (see notification_server_close_all()). */
NotificationServer *notification_server_free(NotificationServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(NotificationServer *, notification_server_free);

/* Whether the server says it is in do-not-disturb mode. */
bool notification_server_do_not_disturb(NotificationServer *s);
/* Closes every notification shown, without waiting for replies (for exiting: flush the bus after). */
void notification_server_close_all(NotificationServer *s);

/* A new slot, owned by the server object; tag names it in log messages. */
int notification_new(NotificationServer *s, const char *tag, NotificationActionHandler on_action,
        void *userdata, Notification **ret);
/* Shows content, replacing what the slot shows. The call is asynchronous; a failure is logged. */
int notification_show(Notification *n, const NotificationContent *content);
/* Closes what the slot shows, if anything. */
int notification_close(Notification *n);
