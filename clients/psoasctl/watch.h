/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Following psoasd live, for monitor and waybar: its properties kept up to date from PropertiesChanged, its
 * signals, its coming and going on the bus, and a tick once a second (for the sitting timer, which psoasd does
 * not signal), all handed to one handler from an sd-event loop that ends on Ctrl-C, SIGTERM or --duration.
 */

#include "bus.h"
#include "prompt-details.h"

typedef enum WatchEventType {
        WATCH_STARTED, /* the first state, read when psoasd is there */
        WATCH_PROPERTIES, /* .changed says which */
        WATCH_ALERT,
        WATCH_STRETCH_PROMPT,
        WATCH_STRETCH_VERIFIED,
        WATCH_STRETCH_PROGRESS,
        WATCH_STRETCH_MISSED,
        WATCH_BREAK_TAKEN,
        WATCH_DAEMON_GONE, /* psoasd left the bus */
        WATCH_DAEMON_BACK, /* psoasd is (again) on the bus: the properties are read afresh */
        WATCH_TICK,
} WatchEventType;

typedef struct WatchEvent {
        WatchEventType type;
        uint64_t changed; /* WATCH_PROPERTIES: PROPERTY_BIT()s */
        const char *kind, *message; /* WATCH_ALERT */
        uint32_t level; /* WATCH_ALERT */
        const char *id, *title,
                *instructions; /* WATCH_STRETCH_PROMPT, and id for the other stretch events */
        uint32_t hold_s, repetitions; /* WATCH_STRETCH_PROMPT: the upper ends of the ranges */
        /* WATCH_STRETCH_PROMPT from a revision 2 psoasd (details.safety NULL from revision 1): the safety note,
         * the lower ends of the ranges, per side, whether the sensor can confirm it. */
        PromptDetails details;
        uint32_t side, goal; /* WATCH_STRETCH_PROGRESS, with seconds_held and repetitions */
        uint32_t seconds_held;
        char **seen; /* WATCH_STRETCH_MISSED, with message */
        uint64_t seconds; /* WATCH_BREAK_TAKEN: the bout's length */
} WatchEvent;

typedef struct Watch Watch;

/* Returns < 0 to end the watch with that error (after saying why), else 0. */
typedef int (*WatchHandler)(Watch *w, const WatchEvent *e, void *userdata);

typedef enum WatchFlags {
        WATCH_CLAIM_LIVE = 1 << 0, /* hold a live claim, for fast tilt updates */
        WATCH_WAIT_FOR_DAEMON = 1 << 1, /* psoasd absent is a state, not an error */
} WatchFlags;

struct Watch {
        const Context *context;
        WatchFlags flags;
        sd_bus *bus;
        sd_event *event;
        sd_event_source *tick, *deadline;
        sd_bus_slot *signals, *owner_changes;
        WatchHandler handler;
        void *userdata;

        bool running; /* psoasd is on the bus, and props is its state */
        bool live_claimed;
        Properties props;
        int error; /* the first error a handler returned */
};

/* Connects, subscribes, and reads psoasd's state. Says why on failure (psoasd not running is a failure unless
 * WATCH_WAIT_FOR_DAEMON). */
int watch_new(const Context *c, WatchFlags flags, WatchHandler handler, void *userdata, Watch **ret);
Watch *watch_free(Watch *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(Watch *, watch_free);

/* Hands WATCH_STARTED (or WATCH_DAEMON_GONE when psoasd is absent) to the handler, then everything else until
 * Ctrl-C, SIGTERM, --duration or watch_stop(). Returns 0, or the error that ended it. */
int watch_run(Watch *w);

/* Ends watch_run() with this result. */
void watch_stop(Watch *w, int result);
