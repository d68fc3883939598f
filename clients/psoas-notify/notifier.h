/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The notifier: follows psoasd (org.psoas.Posture1) on its bus and turns its Alert, StretchPrompt,
 * StretchVerified and BreakTaken signals into desktop notifications on the session bus, and the wearer's
 * choices in them (snooze, stretch done) into calls back to psoasd.
 *
 * Either side may come and go: psoasd is waited for and its state read again whenever it (re)appears; a
 * notification server that goes away takes its notifications with it (see notification-server.h).
 */

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "macro.h"

typedef struct Notifier Notifier;

/* Connects to psoasd's bus (the system bus, or with user_bus the session bus) and to the session bus, and
 * attaches both to event. */
int notifier_new(sd_event *event, bool user_bus, Notifier **ret);
/* Disconnects. The notifications it shows are closed when the event loop exits. */
Notifier *notifier_free(Notifier *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Notifier *, notifier_free);
