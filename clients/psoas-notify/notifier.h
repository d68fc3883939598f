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

/* When alerts and stretch prompts are held, to be summarised in one notification afterwards. */
typedef enum QuietFlags {
        QUIET_DO_NOT_DISTURB = 1 << 0, /* the notification server's do-not-disturb mode */
        QUIET_INHIBITORS = 1 << 1, /* an application keeps the screen on (a call, a presentation) */
} QuietFlags;

/* What the command line chose. */
typedef struct NotifierOptions {
        QuietFlags quiet;
        bool user_bus; /* psoasd on the session bus rather than the system bus */
        const char *host; /* psoasd on the system bus of this [USER@]HOST, over SSH; NULL for this machine */
        bool indicator; /* publish the panel indicator (a StatusNotifierItem) */
        bool sound; /* ask the notification server to play a sound with alerts and prompts */
} NotifierOptions;

/* Connects to psoasd's bus and to the session bus, and attaches both to event. A link to another machine's
 * psoasd that drops is connected again, after a wait that grows up to a minute; a local bus that goes away
 * ends the event loop with EXIT_FAILURE. */
int notifier_new(sd_event *event, const NotifierOptions *options, Notifier **ret);
/* Disconnects. The notifications it shows are closed when the event loop exits. */
Notifier *notifier_free(Notifier *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(Notifier *, notifier_free);
