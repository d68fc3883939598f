/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The alerts: what each kind and level says, and what was held back while the desktop was quiet. */
#include <stdio.h>

#include "log.h"
#include "macro.h"
#include "notifier-private.h"

const char *const sitting_actions[] = { "snooze", "Snooze 15 min", "up", "I'm up", NULL };
const char *const tilt_actions[] = { "snooze", "Snooze 15 min", "ok", "Got it", NULL };
const char *const stretch_actions[] = { "done", "Done", "skip", "Skip", NULL };
/* The prompt while its steps are not yet all on screen. */
const char *const stretch_how_actions[] = { "done", "Done", "how", "How?", "skip", "Skip", NULL };
const char *const red_flags_actions[] = { "ok", "Understood", NULL };

const AlertKind alert_kinds[_ALERT_MAX] = {
        [ALERT_SITTING] = {
                .kind = "sitting",
                .tag = "sitting alert",
                .levels = {
                        { "Time to stand up", "Stand up and move about for a minute or two.", "psoas-sitting" },
                        { "Still sitting: stand up now",
                                "A minute on your feet is enough: fetch some water or walk to the window.",
                                "psoas-sitting" },
                        { "Sitting too long: take a real break",
                                "Two reminders have passed. Stand up and walk for five minutes; snooze only if "
                                "you truly cannot.",
                                "psoas-sitting-long" },
                },
                .actions = sitting_actions,
        },
        [ALERT_TILT] = {
                .kind = "tilt",
                .tag = "tilt alert",
                .levels = {
                        { "Mind your pelvic tilt",
                                "Stand tall: let your tailbone drop and gently draw in your belly.",
                                "psoas-standing" },
                        { "Pelvic tilt still high",
                                "Unlock your knees, squeeze your glutes lightly and tuck your tailbone under.",
                                "psoas-standing" },
                        { "Tilted for a long while",
                                "Give your lower back a rest: shift your weight, walk a few steps or sit down "
                                "for a moment.",
                                "psoas-standing" },
                },
                .actions = tilt_actions,
        },
        /* The heads-up before a bout's first sitting alert (level 0), when psoasd is configured to give one. */
        [ALERT_SITTING_SOON] = {
                .kind = "sitting-soon",
                .tag = "sitting heads-up",
                .levels = {
                        { "A sitting alert is coming", "A good moment to stand up before it does.",
                                "psoas-sitting" },
                        { "A sitting alert is coming", "A good moment to stand up before it does.",
                                "psoas-sitting" },
                        { "A sitting alert is coming", "A good moment to stand up before it does.",
                                "psoas-sitting" },
                },
                .actions = tilt_actions,
        },
        /* Sitting slumped back from the upright sitting reference (psoasctl calibrate --sitting): a cue to sit
         * up, the same cue the physiotherapists give, and then to change position. */
        [ALERT_SLOUCH] = {
                .kind = "slouch",
                .tag = "slouch alert",
                .levels = {
                        { "Sit up on your sit bones",
                                "Roll your pelvis forward until you sit on your sit bones, and let your spine "
                                "grow tall.",
                                "psoas-sitting" },
                        { "Still slumped: sit up on your sit bones",
                                "Slide back in the chair until your lower back meets the backrest, feet flat on "
                                "the floor.",
                                "psoas-sitting" },
                        { "Slumped for a long while",
                                "Change position: stand up for a minute, then sit back down tall on your sit "
                                "bones.",
                                "psoas-sitting" },
                },
                .actions = tilt_actions,
        },
        [ALERT_OTHER] = {
                .tag = "alert",
                .levels = {
                        { "Posture alert", NULL, "psoas" },
                        { "Posture alert", NULL, "psoas" },
                        { "Posture alert", NULL, "psoas" },
                },
                .actions = tilt_actions,
        },
};

void held_alerts_clear(HeldAlerts *h) {
        for (size_t i = 0; i < _ALERT_MAX; i++)
                free(h->message[i]);
        free(h->prompt_title);
        *h = (HeldAlerts){};
}

static bool held_alerts_any(const HeldAlerts *h) {
        for (size_t i = 0; i < _ALERT_MAX; i++)
                if (h->alerts[i] > 0)
                        return true;
        return h->prompts > 0;
}

/* The quiet is over: what it held, in one notification ("While you were busy"), a line per kind with the latest
 * message, how often and the highest level. */
void show_held_summary(Notifier *n) {
        _cleanup_free_ char *body = NULL;
        size_t size = 0;
        FILE *f;

        if (!held_alerts_any(&n->held))
                return;
        f = open_memstream(&body, &size);
        if (!f) {
                log_error("Out of memory.");
                return;
        }
        for (size_t i = 0; i < _ALERT_MAX; i++) {
                const char *message = n->held.message[i];

                if (n->held.alerts[i] == 0)
                        continue;
                fprintf(f, "%s%s%s", ftell(f) > 0 ? "\n" : "", message, ends_sentence(message) ? "" : ".");
                if (n->held.alerts[i] > 1)
                        fprintf(f, " (%u reminders, up to level %u)", n->held.alerts[i], n->held.level[i]);
        }
        if (n->held.prompts > 0)
                fprintf(f, "%sStretch suggested: %s%s", ftell(f) > 0 ? "\n" : "", n->held.prompt_title,
                        n->held.prompts > 1 ? " (and others)" : "");
        if (fclose(f) != 0 || !body) {
                log_error("Out of memory.");
                return;
        }

        log_info("Showing what was held back: %u sitting, %u tilt, %u other alerts, %u stretch prompts.",
                n->held.alerts[ALERT_SITTING], n->held.alerts[ALERT_TILT], n->held.alerts[ALERT_OTHER],
                n->held.prompts);
        NotificationContent content = {
                .icon = n->held.level[ALERT_SITTING] >= ALERT_LEVELS ? "psoas-sitting-long" : "psoas",
                .summary = "While you were busy",
                .body = body,
                .actions =
                        n->held.alerts[ALERT_SITTING] + n->held.alerts[ALERT_TILT] > 0 ? tilt_actions : NULL,
                .urgency = URGENCY_NORMAL,
                .expire_timeout_ms = 0,
        };
        (void)notification_show(n->held_summary, &content);
        held_alerts_clear(&n->held);
}

/* The bout is over: a sitting alert held for later would be about a bout that ended. */
void forget_held_sitting(Notifier *n) {
        n->held.alerts[ALERT_SITTING] = n->held.level[ALERT_SITTING] = 0;
        n->held.message[ALERT_SITTING] = mfree(n->held.message[ALERT_SITTING]);
}

void handle_alert(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *body = NULL;
        const AlertKind *k = &alert_kinds[ALERT_OTHER];
        const AlertWording *w;
        size_t kind_index;
        const char *kind, *message;
        Notification *slot;
        uint32_t level;
        int r;

        r = sd_bus_message_read(m, "ssu", &kind, &message, &level);
        if (r < 0) {
                log_warning_errno(r, "Malformed Alert signal: %m");
                return;
        }
        for (size_t i = 0; i < ALERT_OTHER; i++)
                if (streq(kind, alert_kinds[i].kind))
                        k = &alert_kinds[i];
        kind_index = k - alert_kinds;
        slot = n->alerts[kind_index];
        if (kind_index == ALERT_SITTING && !n->shown.sitting_alerted) {
                n->shown.sitting_alerted = true;
                indicator_show(n);
        }
        if (n->inhibited) {
                log_debug("Dropping the %s alert: psoasd is inhibited.", kind);
                return;
        }
        if (desktop_quiet(n) && kind_index == ALERT_SITTING_SOON) {
                /* A warning of what comes later is worth nothing afterwards: the alert itself is held. */
                log_debug("Dropping the sitting heads-up: the desktop is quiet.");
                return;
        }
        if (desktop_quiet(n) && kind_index == ALERT_SLOUCH) {
                /* A cue to sit up now says nothing about the posture after the quiet. */
                log_debug("Dropping the slouch alert: the desktop is quiet.");
                return;
        }
        if (desktop_quiet(n)) {
                log_debug("Holding the %s alert (level %u) until the desktop is no longer quiet.", kind,
                        level);
                if (set_string(&n->held.message[kind_index], message) < 0) {
                        log_error("Out of memory.");
                        return;
                }
                n->held.alerts[kind_index]++;
                n->held.level[kind_index] = MAX(n->held.level[kind_index], level);
                return;
        }
        w = &k->levels[MIN(MAX(level, 1u), (uint32_t)ALERT_LEVELS) - 1];

        /* psoasd's message is a sentence without a full stop; the advice goes on a line of its own. */
        if (asprintf(&body, "%s%s%s%s", message, ends_sentence(message) ? "" : ".", w->advice ? "\n" : "",
                    w->advice ?: "") < 0) {
                body = NULL;
                log_error("Out of memory.");
                return;
        }

        /* Rising insistence: level 1 goes away by itself after the server's usual time, level 2 stays until
         * the wearer answers, level 3 is critical as well. Level 1 is not "low": some servers (GNOME Shell)
         * show low-urgency notifications only in their list, never as a banner. */
        NotificationContent content = {
                .icon = w->icon,
                .summary = w->summary,
                .body = body,
                .actions = k->actions,
                .urgency = level >= 3 ? URGENCY_CRITICAL : URGENCY_NORMAL,
                .expire_timeout_ms = level >= 2 ? 0 : -1,
                .sound = n->sound ? ALERT_SOUND : NULL,
        };
        (void)notification_show(slot, &content);
}
