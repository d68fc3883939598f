/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Whether the desktop says the user is busy: presenting, in a video call, watching something. Such
 * applications hold an idle inhibitor (they keep the screen from blanking), through org.freedesktop.ScreenSaver,
 * the XDG desktop portal's Inhibit or the session manager directly; each desktop gathers them in one place that
 * other programs can ask:
 *
 *   - GNOME (and desktops running gnome-session): org.gnome.SessionManager's IsInhibited(8), 8 being "idle",
 *     with the InhibitorAdded and InhibitorRemoved signals;
 *   - KDE Plasma and Xfce (its power manager): org.freedesktop.PowerManagement.Inhibit's HasInhibit(), with
 *     the HasInhibitChanged signal.
 *
 * Each is followed on the session bus while its name has an owner; the desktop is busy while any says so.
 * Nothing is started by bus activation: a desktop without either is never busy.
 */

#include <stdbool.h>

#include <systemd/sd-bus.h>

#include "macro.h"

typedef struct DesktopBusy DesktopBusy;

/* The desktop became busy (busy true) or free again; why names the service that says so (NULL when free). */
typedef void (*DesktopBusyHandler)(DesktopBusy *d, bool busy, const char *why, void *userdata);

/* Starts following the session's inhibitors on bus (a session bus connection attached to an event loop). */
int desktop_busy_new(sd_bus *bus, DesktopBusyHandler handler, void *userdata, DesktopBusy **ret);
DesktopBusy *desktop_busy_free(DesktopBusy *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(DesktopBusy *, desktop_busy_free);

bool desktop_busy_get(DesktopBusy *d);
