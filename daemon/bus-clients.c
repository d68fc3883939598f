/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inhibitors and live claims clients hold: each limited per client, and each ended when its client leaves
 * the bus. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "bus-internal.h"
#include "log-journal.h"
#include "manager.h"

static void inhibitors_changed(Manager *m) {
        (void)manager_set_inhibited(m, m->inhibitors != NULL);
}

static void inhibitor_remove(Manager *m, Inhibitor *target) {
        for (Inhibitor **p = &m->inhibitors; *p; p = &(*p)->next)
                if (*p == target) {
                        *p = target->next;
                        inhibitor_free(target);
                        break;
                }
        inhibitors_changed(m);
}

static int on_inhibitor_owner_gone(sd_bus_track *track, void *userdata) {
        Inhibitor *i = userdata;

        log_info("Inhibitor %" PRIu32 " (%s) dropped: %s left the bus.", i->cookie, i->app_id, i->owner);
        inhibitor_remove(i->manager, i);
        /* Not 0: sd-bus would queue the (now freed) empty track for another dispatch. */
        return 1;
}

bool bus_valid_text(const char *s, size_t max, bool allow_empty) {
        size_t n = strlen(s);

        if (n > max || (!allow_empty && n == 0))
                return false;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
                if (*p < 0x20 && *p != '\t')
                        return false;
        return true;
}

int method_inhibit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *app_id, *reason, *sender;
        Inhibitor *i;
        unsigned total = 0, mine = 0;
        int r;

        r = sd_bus_message_read(msg, "ss", &app_id, &reason);
        if (r < 0)
                return r;
        if (!bus_valid_text(app_id, APP_ID_MAX, false))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                        "app_id must be 1 to %u printable characters.", APP_ID_MAX);
        if (!bus_valid_text(reason, REASON_MAX, true))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                        "reason must be at most %u printable characters.", REASON_MAX);
        CHECK_ACCESS(m, msg, error);

        sender = sd_bus_message_get_sender(msg);
        for (Inhibitor *j = m->inhibitors; j; j = j->next) {
                total++;
                if (sender && streq_ptr(j->owner, sender))
                        mine++;
        }
        if (mine >= INHIBITORS_PER_CLIENT_MAX || total >= INHIBITORS_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                        "Too many inhibitors (at most %u per client).", INHIBITORS_PER_CLIENT_MAX);

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->manager = m;
        i->app_id = strdup(app_id);
        i->reason = strdup(reason);
        i->owner = sender ? strdup(sender) : NULL;
        if (!i->app_id || !i->reason || (sender && !i->owner)) {
                inhibitor_free(i);
                return -ENOMEM;
        }
        r = sd_bus_track_new(m->bus, &i->track, on_inhibitor_owner_gone, i);
        if (r >= 0)
                r = sd_bus_track_add_sender(i->track, msg);
        if (r < 0) {
                inhibitor_free(i);
                return r;
        }
        do
                i->cookie = m->next_cookie++;
        while (i->cookie == 0);

        i->next = m->inhibitors;
        m->inhibitors = i;
        inhibitors_changed(m);
        log_info("Alerts inhibited by %s (%s): %s", app_id, sender ?: "?", reason);
        return sd_bus_reply_method_return(msg, "u", i->cookie);
}

int method_uninhibit(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *sender;
        uint32_t cookie;
        int r;

        r = sd_bus_message_read(msg, "u", &cookie);
        if (r < 0)
                return r;
        CHECK_ACCESS(m, msg, error);

        sender = sd_bus_message_get_sender(msg);
        for (Inhibitor *i = m->inhibitors; i; i = i->next)
                if (i->cookie == cookie && streq_ptr(i->owner, sender)) {
                        log_info("Inhibitor %" PRIu32 " (%s) released.", cookie, i->app_id);
                        inhibitor_remove(m, i);
                        return sd_bus_reply_method_return(msg, NULL);
                }
        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                "No inhibitor with cookie %" PRIu32 " held by %s.", cookie, sender ?: "this connection");
}

static int on_live_track_empty(sd_bus_track *track, void *userdata) {
        Manager *m = userdata;

        /* Keep the (empty) track for the next claim; live updates simply stop. Not 0: sd-bus would dispatch
         * the still-empty track again, forever. */
        manager_update_live(m);
        return 1;
}

int method_claim_live(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        CHECK_ACCESS(m, msg, error);

        if (!m->live_track) {
                r = sd_bus_track_new(m->bus, &m->live_track, on_live_track_empty, m);
                if (r < 0)
                        return r;
                (void)sd_bus_track_set_recursive(m->live_track, true);
        }
        if ((unsigned)sd_bus_track_count_sender(m->live_track, msg) >= LIVE_CLAIMS_PER_CLIENT_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                        "Too many live claims (at most %u per client).", LIVE_CLAIMS_PER_CLIENT_MAX);
        r = sd_bus_track_add_sender(m->live_track, msg);
        if (r < 0)
                return r;
        manager_update_live(m);
        return sd_bus_reply_method_return(msg, NULL);
}

int method_release_live(sd_bus_message *msg, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        int r;

        CHECK_ACCESS(m, msg, error);

        if (!m->live_track || sd_bus_track_count_sender(m->live_track, msg) <= 0)
                return sd_bus_error_set(
                        error, SD_BUS_ERROR_INVALID_ARGS, "This connection holds no live claim.");
        r = sd_bus_track_remove_sender(m->live_track, msg);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(msg, NULL);
}
