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

/* What the command line chose. */
typedef struct NotifierOptions {
        bool user_bus; /* psoasd on the session bus rather than the system bus */
        bool sound; /* ask the notification server to play a sound with alerts and prompts */
} NotifierOptions;

/* Connects to psoasd's bus and to the session bus, and attaches both to event. */
int notifier_new(sd_event *event, const NotifierOptions *options, Notifier **ret);
/* Disconnects. The notifications it shows are closed when the event loop exits. */
Notifier *notifier_free(Notifier *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Notifier *, notifier_free);
