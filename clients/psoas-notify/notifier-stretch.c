/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The stretch prompts: the first step and the amount, the rest behind "How?", progress, and what the sensor saw. */
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "notifier-private.h"
#include "prompt-details.h"
#include "xdg.h"

static void show_stretch(Notifier *n, const char *summary, const char *body);

static int on_complete_stretch_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Notifier *n = userdata;

        if (sd_bus_message_is_method_error(m, NULL))
                show_problem(n, "Could not record the stretch", sd_bus_message_get_error(m));
        else
                log_debug("Stretch reported done.");
        return 0;
}

void on_stretch_action(Notification *stretch, const char *action, void *userdata) {
        _cleanup_free_ char *summary = NULL;
        Notifier *n = userdata;

        if (streq(action, "how") && n->stretch_steps && n->stretch_body) {
                /* Every step from now on, progress included; the prompt stays open for Done or Skip. */
                free(n->stretch_body);
                n->stretch_body = TAKE_PTR(n->stretch_steps);
                if (asprintf(&summary, "Stretch: %s", n->stretch_title) < 0) {
                        log_error("Out of memory.");
                        return;
                }
                show_stretch(n, summary, n->stretch_body);
                return;
        }

        if (streq(action, "done") && n->stretch_id)
                call_daemon(n, "CompleteStretch", on_complete_stretch_reply, "s", n->stretch_id);
        forget_prompt_text(n);
        (void)notification_close(stretch);
}

void on_safety_action(Notification *safety, const char *action, void *userdata) {
        (void)notification_close(safety);
}

/* "Hold for 20–30 s on each side.", "Repeat 10–12 times.": the range, "each side" only where the catalog says. */
static void describe_amount(char *buf, size_t size, uint32_t lo, uint32_t hi, bool hold, bool per_side) {
        char range[32];

        if (lo == 0 || lo == hi)
                snprintf(range, sizeof(range), "%u", hi);
        else
                snprintf(range, sizeof(range), "%u–%u", lo, hi);
        snprintf(buf, size, hold ? "Hold for %s s%s." : "Repeat %s times%s.", range,
                per_side ? " on each side" : "");
}

/* The warnings that go with every stretch, once: before the first prompt this user sees, remembered in a file
 * under $XDG_STATE_HOME (~/.local/state), or for this run only when there is no such place. */
void show_red_flags_once(Notifier *n) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        if (n->red_flags_shown)
                return;
        if (!n->red_flags) {
                /* The prompt came before psoasd's properties: shown when they arrive. */
                n->red_flags_wanted = true;
                return;
        }
        n->red_flags_shown = true;
        if (xdg_user_path("XDG_STATE_HOME", ".local/state", "psoas-notify-red-flags-shown", &path) < 0)
                path = NULL;
        if (path && access(path, F_OK) == 0)
                return;

        NotificationContent content = {
                .icon = "psoas",
                .summary = "Before you stretch",
                .body = n->red_flags,
                .actions = red_flags_actions,
                .urgency = URGENCY_NORMAL,
                .expire_timeout_ms = 0,
        };
        if (notification_show(n->safety, &content) < 0)
                return;
        if (path) {
                f = fopen(path, "we");
                if (f)
                        fclose(f);
                else
                        log_debug("Could not remember that the warnings were shown (%s): %m", path);
        }
}

#define SELF_REPORTED "\nThe sensor cannot see this one: press Done when you have done it (self-reported)."

/* The length of text's first sentence, its full stop included: up to the first ". ", or all of it. */
static size_t first_sentence_length(const char *text) {
        const char *end = strstr(text, ". ");

        return end ? (size_t)(end - text) + 1 : strlen(text);
}

/* The open prompt, with body under the title; "How?" offered while its steps are not all shown. */
static void show_stretch(Notifier *n, const char *summary, const char *body) {
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = summary,
                .body = body,
                .actions = n->stretch_steps ? stretch_how_actions : stretch_actions,
                .urgency = URGENCY_NORMAL,
                /* It waits for the wearer's answer, as psoasd waits for the stretch. */
                .expire_timeout_ms = 0,
                .sound = n->sound ? ALERT_SOUND : NULL,
        };

        (void)notification_show(n->stretch, &content);
}

void handle_stretch_prompt(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL, *body = NULL, *steps = NULL;
        const char *id, *title, *instructions;
        uint32_t hold_seconds, repetitions;
        size_t first;
        PromptDetails d = { .verifiable = true };
        char amount[96] = "";
        int r;

        r = sd_bus_message_read(m, "sssuu", &id, &title, &instructions, &hold_seconds, &repetitions);
        /* Revision 2 appended the safety note and the details; revision 1's five arguments stay first. */
        if (r >= 0 && sd_bus_message_at_end(m, false) == 0)
                r = prompt_details_read(m, &d);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchPrompt signal: %m");
                return;
        }
        /* Remembered even when held back, so that the sensor's confirmation can name it. */
        if (set_string(&n->stretch_id, id) < 0 || set_string(&n->stretch_title, title) < 0) {
                log_error("Out of memory.");
                return;
        }
        forget_prompt_text(n);
        if (!n->inhibited && desktop_quiet(n)) {
                log_debug("Holding the prompt for stretch '%s' until the desktop is no longer quiet.", id);
                if (set_string(&n->held.prompt_title, title) < 0) {
                        log_error("Out of memory.");
                        return;
                }
                n->held.prompts++;
                return;
        }
        if (!may_show(n)) {
                log_debug("Dropping the prompt for stretch '%s': psoasd is inhibited.", id);
                return;
        }

        if (hold_seconds > 0)
                describe_amount(amount, sizeof(amount), d.hold_min_s, hold_seconds, true, d.per_side);
        else if (repetitions > 0)
                describe_amount(amount, sizeof(amount), d.repetitions_min, repetitions, false, d.per_side);
        first = first_sentence_length(instructions);
        /* A catalog stretch takes four or five sentences and a safety note, more than a banner shows: the
         * body gives the first step and the amount, and "How?" brings the rest (into the same notification). */
        if (asprintf(&summary, "Stretch: %s", title) < 0 ||
                asprintf(&steps, "%s\n%s%s%s%s", instructions, amount, d.safety ? "\nSafety: " : "",
                        d.safety ?: "", d.verifiable ? "" : SELF_REPORTED) < 0 ||
                asprintf(&body, "%.*s%s\n%s%s", (int)first, instructions, instructions[first] ? " …" : "",
                        amount, d.verifiable ? "" : SELF_REPORTED) < 0) {
                summary = body = steps = NULL;
                log_error("Out of memory.");
                return;
        }
        if (!instructions[first] && !d.safety)
                steps = mfree(steps); /* the body says it all */

        show_red_flags_once(n);
        free(n->stretch_steps);
        n->stretch_steps = TAKE_PTR(steps);
        n->stretch_body = TAKE_PTR(body);
        show_stretch(n, summary, n->stretch_body);
}

/* The prompt again, with how far the sensor has seen the stretch: "Side 1: 12 of 20 s held". */
void handle_stretch_progress(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL, *body = NULL;
        uint32_t side, seconds, repetitions, goal;
        char sided[32] = "";
        const char *id;
        int r;

        r = sd_bus_message_read(m, "suuuu", &id, &side, &seconds, &repetitions, &goal);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchProgress signal: %m");
                return;
        }
        /* Only the prompt on screen is updated: one answered or held back stays so. */
        if (!streq_ptr(id, n->stretch_id) || !n->stretch_body || !may_show(n))
                return;
        if (side > 0)
                snprintf(sided, sizeof(sided), "Side %u: ", side);
        if (asprintf(&summary, "Stretch: %s", n->stretch_title) < 0 ||
                (repetitions > 0 ? asprintf(&body, "%s%u of %u repetitions seen\n%s", sided, repetitions,
                                           goal, n->stretch_body)
                                 : asprintf(&body, "%s%u of %u s held\n%s", sided, seconds, goal,
                                           n->stretch_body)) < 0) {
                summary = body = NULL;
                log_error("Out of memory.");
                return;
        }
        show_stretch(n, summary, body);
}

/* The window ended unconfirmed: psoasd's sentence says what the sensor saw instead ("You stood up, which is a
 * break, but ..."). Done still reports it, as the wearer's own word. */
void handle_stretch_missed(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL, *body = NULL;
        const char *id, *message, *title;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r >= 0)
                r = sd_bus_message_skip(m, "as");
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &message);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchMissed signal: %m");
                return;
        }
        if (!streq_ptr(id, n->stretch_id))
                return; /* a prompt this notifier never saw */
        forget_prompt_text(n);
        if (!may_show(n))
                return;
        title = n->stretch_title;
        if (asprintf(&summary, "Stretch not confirmed: %s", title) < 0 ||
                asprintf(&body, "%s\nIf you did it, press Done: it counts as self-reported.", message) < 0) {
                summary = body = NULL;
                log_error("Out of memory.");
                return;
        }
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = summary,
                .body = body,
                .actions = stretch_actions,
                .urgency = URGENCY_LOW,
                .expire_timeout_ms = -1,
        };
        (void)notification_show(n->stretch, &content);
}

void handle_stretch_verified(Notifier *n, sd_bus_message *m) {
        _cleanup_free_ char *summary = NULL;
        const char *id, *title;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0) {
                log_warning_errno(r, "Malformed StretchVerified signal: %m");
                return;
        }
        forget_prompt_text(n);
        if (!may_show(n))
                return;

        /* It replaces the prompt when that is still open; after "Done" or "Skip" it is a new notification,
         * which goes away by itself. */
        title = streq_ptr(id, n->stretch_id) ? n->stretch_title : id;
        if (asprintf(&summary, "Stretch done: %s", title) < 0) {
                summary = NULL;
                log_error("Out of memory.");
                return;
        }
        NotificationContent content = {
                .icon = "psoas-standing",
                .summary = summary,
                .body = "The sensor confirmed it. Well done!",
                .urgency = URGENCY_LOW,
                .expire_timeout_ms = CONFIRMATION_TIMEOUT_MS,
        };
        (void)notification_show(n->stretch, &content);
}
