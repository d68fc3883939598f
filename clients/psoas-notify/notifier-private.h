/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of psoas-notify's Notifier share (notifier.h is its interface to main.c): notifier.c follows
 * psoasd and owns the notifications, notifier-alerts.c words the alerts and what was held back,
 * notifier-stretch.c the stretch prompts, notifier-menu.c answers the panel indicator's menu. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "desktop-busy.h"
#include "indicator.h"
#include "notification-server.h"
#include "notifier.h"

#define DAEMON_NAME "org.psoas.Posture1"
#define DAEMON_PATH "/org/psoas/Posture1"
#define DAEMON_INTERFACE "org.psoas.Posture1"

#define SNOOZE_SECONDS 900u
/* The indicator's tooltip reads psoasd's SittingToday this often. */
#define TODAY_PERIOD_USEC (60ULL * 1000 * 1000)
/* A call to psoasd that has not replied in this long has failed; the wearer is told. */
#define CALL_TIMEOUT_USEC (10ULL * 1000 * 1000)
/* The sensor's confirmation of a stretch needs no answer: it goes away by itself. */
#define CONFIRMATION_TIMEOUT_MS 10000

/* Alert levels run from 1 to 3 (org.psoas.Posture1(5)); a higher level is shown as level 3. */
#define ALERT_LEVELS 3

/* What one level of an alert says: each level says something new, rather than the first text louder. */
typedef struct AlertWording {
        const char *summary;
        const char *advice; /* added after psoasd's message; NULL for none */
        const char *icon;
} AlertWording;

typedef struct AlertKind {
        const char *kind; /* as in the Alert signal; NULL for kinds this version does not know */
        const char *tag;
        AlertWording levels[ALERT_LEVELS];
        const char *const *actions;
} AlertKind;

extern const char *const sitting_actions[];
extern const char *const tilt_actions[];
extern const char *const stretch_actions[];
extern const char *const stretch_how_actions[];
extern const char *const red_flags_actions[];

enum {
        ALERT_SITTING,
        ALERT_TILT,
        ALERT_SITTING_SOON,
        ALERT_SLOUCH,
        ALERT_OTHER,
        _ALERT_MAX,
};

extern const AlertKind alert_kinds[_ALERT_MAX];

/* The sound of alerts and prompts with --sound, from the freedesktop sound theme. */
#define ALERT_SOUND "bell"

/* What arrived while the desktop was quiet, for the summary afterwards. */
typedef struct HeldAlerts {
        unsigned alerts[_ALERT_MAX];
        uint32_t level[_ALERT_MAX]; /* the highest */
        char *message[_ALERT_MAX]; /* the latest */
        unsigned prompts;
        char *prompt_title; /* the latest */
} HeldAlerts;

/* After the link to a remote psoasd dropped, the first try to reconnect comes after this long; each failure
 * doubles the wait, up to the most. */
#define RECONNECT_FIRST_USEC (1ULL * 1000 * 1000)
#define RECONNECT_MOST_USEC (60ULL * 1000 * 1000)

struct Notifier {
        sd_event *event;
        bool user_bus;
        /* psoasd's machine over SSH ([USER@]HOST), or NULL for this one. */
        char *host;
        /* "the system bus", "the session bus" or "the system bus of HOST", for messages. */
        char *where;
        sd_event_source *reconnect_timer;
        uint64_t reconnect_delay_usec; /* 0 until the link drops, and again once psoasd answered */
        bool sound;
        QuietFlags quiet;
        /* psoasd's bus: the system bus, or the session bus for a per-user psoasd. */
        sd_bus *daemon_bus;
        /* The notification server's: always the session bus. */
        sd_bus *session_bus;

        NotificationServer *server;
        Notification *alerts[_ALERT_MAX];
        Notification *stretch;
        /* The warnings that go with every stretch (psoasd's StretchRedFlags), shown once. */
        Notification *safety;
        char *red_flags;
        bool red_flags_shown, red_flags_wanted;
        /* Tells the wearer that an action could not reach psoasd. */
        Notification *problem;
        /* What was held while the desktop was quiet, once it is no longer. */
        Notification *held_summary;
        HeldAlerts held;
        DesktopBusy *desktop;

        /* The panel indicator (NULL with --no-indicator), what it shows, and the strings that points to. */
        Indicator *indicator;
        IndicatorState shown;
        char *posture, *sensor_state;
        Notification *calibration;
        sd_event_source *today_timer;
        char *today_path; /* where psoasctl writes today's chart */
        /* The stretch the stretch notification is about. */
        char *stretch_id;
        char *stretch_title;
        /* The open prompt's text, which its progress is shown above; NULL once answered or ended. */
        char *stretch_body;
        /* Its whole text (every step, the safety note) while the body shows only the first step and the
         * "How?" action; NULL when the body has it all. */
        char *stretch_steps;

        bool daemon_present;
        bool inhibited;

        sd_bus_slot *owner_match;
        sd_bus_slot *signal_match;
        sd_bus_slot *properties_match;
        sd_bus_slot *get_all_call;
        sd_event_source *exit_source;
};

static inline char *mfree(char *p) {
        free(p);
        return NULL;
}

static inline int set_string(char **s, const char *value) {
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*s);
        *s = copy;
        return 0;
}

static inline bool ends_sentence(const char *s) {
        size_t len = strlen(s);

        return len == 0 || strchr(".!?", s[len - 1]);
}

/* notifier.c */
bool desktop_quiet(Notifier *n);
bool may_show(Notifier *n);
void indicator_show(Notifier *n);
void show_problem(Notifier *n, const char *summary, const sd_bus_error *error);
void forget_prompt_text(Notifier *n);
/* Calls a method of psoasd's own interface for the wearer, the reply to callback (types and arguments as
 * sd_bus_call_method()); a call that cannot be sent is told in a notification. */
void call_daemon(Notifier *n, const char *member, sd_bus_message_handler_t callback, const char *types, ...);
void call_daemon_on(Notifier *n, const char *interface, const char *member,
        sd_bus_message_handler_t callback, const char *types, ...);
int on_snooze_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* notifier-alerts.c */
void handle_alert(Notifier *n, sd_bus_message *m);
void held_alerts_clear(HeldAlerts *h);
void show_held_summary(Notifier *n);
void forget_held_sitting(Notifier *n);

/* notifier-stretch.c */
void on_stretch_action(Notification *stretch, const char *action, void *userdata);
void on_safety_action(Notification *safety, const char *action, void *userdata);
void show_red_flags_once(Notifier *n);
void handle_stretch_prompt(Notifier *n, sd_bus_message *m);
void handle_stretch_progress(Notifier *n, sd_bus_message *m);
void handle_stretch_missed(Notifier *n, sd_bus_message *m);
void handle_stretch_verified(Notifier *n, sd_bus_message *m);

/* notifier-menu.c */
void on_indicator_action(Indicator *indicator, IndicatorAction action, void *userdata);
int on_today_timer(sd_event_source *source, uint64_t usec, void *userdata);
