/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bus-owner.h"
#include "log.h"
#include "notification-server.h"

#define NOTIFICATIONS_NAME "org.freedesktop.Notifications"
#define NOTIFICATIONS_PATH "/org/freedesktop/Notifications"
#define NOTIFICATIONS_INTERFACE "org.freedesktop.Notifications"
#define DUNST_INTERFACE "org.dunstproject.cmd0"
#define PROPERTIES_INTERFACE "org.freedesktop.DBus.Properties"

/* A server that has not answered in this long is not going to; the next notification tries again. */
#define CALL_TIMEOUT_USEC (10ULL * 1000 * 1000)

/* What a slot is to show once its Notify call in flight has replied: a copy (the caller's strings are gone by
 * then), which content points into. */
typedef struct QueuedContent {
        NotificationContent content;
        char *icon;
        char *summary;
        char *body;
        char **actions;
        char *sound;
} QueuedContent;

struct Notification {
        NotificationServer *server;
        char *tag;
        /* The current server's id for what this slot shows; 0 when it shows nothing. */
        uint32_t id;
        /* A Notify call in flight: until it replies the slot's id is not known, so a newer content or a
         * close waits for it rather than stacking a second notification next to the first. */
        sd_bus_slot *notify_call;
        QueuedContent *queued;
        bool close_queued;
        NotificationActionHandler on_action;
        void *userdata;
};

struct NotificationServer {
        sd_bus *bus;
        char *app_name;
        /* The unique name of the server owning org.freedesktop.Notifications; NULL when there is none. */
        char *owner;
        bool body_markup;
        bool sound;
        bool dunst_paused;
        bool inhibited;

        sd_bus_slot *owner_match;
        sd_bus_slot *signal_match;
        sd_bus_slot *properties_match;
        sd_bus_slot *owner_call;
        sd_bus_slot *capabilities_call;
        sd_bus_slot *paused_call;
        sd_bus_slot *inhibited_call;

        Notification **notifications;
        size_t n_notifications;

        DoNotDisturbHandler on_do_not_disturb;
        void *userdata;
};

static void strv_free(char **l) {
        if (!l)
                return;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
}

static QueuedContent *queued_content_free(QueuedContent *q) {
        if (!q)
                return NULL;
        free(q->icon);
        free(q->summary);
        free(q->body);
        strv_free(q->actions);
        free(q->sound);
        free(q);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(QueuedContent *, queued_content_free);

/* A copy of s in *ret (NULL stays NULL); false when out of memory. */
static bool copy_string(const char *s, char **ret) {
        *ret = s ? strdup(s) : NULL;
        return !s || *ret;
}

static int queued_content_new(const NotificationContent *c, QueuedContent **ret) {
        _cleanup_(queued_content_freep) QueuedContent *q = NULL;
        size_t n = 0;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        if (!copy_string(c->icon, &q->icon) || !copy_string(c->summary, &q->summary) ||
                !copy_string(c->body, &q->body) || !copy_string(c->sound, &q->sound))
                return -ENOMEM;
        if (c->actions)
                while (c->actions[n])
                        n++;
        q->actions = calloc(n + 1, sizeof(char *));
        if (!q->actions)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!copy_string(c->actions[i], &q->actions[i]))
                        return -ENOMEM;
        q->content = (NotificationContent){
                .icon = q->icon,
                .summary = q->summary,
                .body = q->body,
                .actions = (const char *const *)q->actions,
                .urgency = c->urgency,
                .expire_timeout_ms = c->expire_timeout_ms,
                .sound = q->sound,
        };
        *ret = TAKE_PTR(q);
        return 0;
}

/* The body in Pango's markup subset, which servers advertising "body-markup" parse: a stretch's "<" or "&"
 * must reach the wearer as text. */
static char *markup_escape(const char *text) {
        size_t len = 0;
        char *escaped, *p;

        for (const char *s = text; *s; s++)
                len += *s == '&' ? 5 : (*s == '<' || *s == '>') ? 4 : 1;
        escaped = malloc(len + 1);
        if (!escaped)
                return NULL;
        p = escaped;
        for (const char *s = text; *s; s++)
                switch (*s) {
                case '&':
                        p = stpcpy(p, "&amp;");
                        break;
                case '<':
                        p = stpcpy(p, "&lt;");
                        break;
                case '>':
                        p = stpcpy(p, "&gt;");
                        break;
                default:
                        *p++ = *s;
                }
        *p = '\0';
        return escaped;
}

bool notification_server_do_not_disturb(NotificationServer *s) {
        return s && (s->dunst_paused || s->inhibited);
}

static void do_not_disturb_update(NotificationServer *s, bool before) {
        bool now = notification_server_do_not_disturb(s);

        if (now == before)
                return;
        log_info("The notification server %s do-not-disturb mode.", now ? "entered" : "left");
        if (s->on_do_not_disturb)
                s->on_do_not_disturb(s, now, s->userdata);
}

/* ------------------------------------------------------------------------------------------------------- */
/* Notifications */

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

static int notification_send(Notification *n, const NotificationContent *c) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *escaped = NULL;
        NotificationServer *s = n->server;
        const char *body = c->body ?: "";
        int r;

        if (s->body_markup) {
                escaped = markup_escape(body);
                if (!escaped)
                        return log_error_errno(ENOMEM, "Out of memory.");
                body = escaped;
        }

        r = sd_bus_message_new_method_call(
                s->bus, &m, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, NOTIFICATIONS_INTERFACE, "Notify");
        if (r >= 0)
                r = sd_bus_message_append(
                        m, "susss", s->app_name, n->id, c->icon ?: "", c->summary ?: "", body);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && c->actions && c->actions[i]; i++)
                r = sd_bus_message_append(m, "s", c->actions[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        /* The sound: the one asked for where the server can play it; otherwise silence, also from a server
         * that would play a sound of its own. */
        if (r >= 0 && c->sound && s->sound)
                r = sd_bus_message_append(
                        m, "a{sv}", 2, "urgency", "y", c->urgency, "sound-name", "s", c->sound);
        else if (r >= 0)
                r = sd_bus_message_append(
                        m, "a{sv}", 2, "urgency", "y", c->urgency, "suppress-sound", "b", true);
        if (r >= 0)
                r = sd_bus_message_append(m, "i", c->expire_timeout_ms);
        if (r < 0)
                return log_error_errno(r, "Could not build the %s notification: %m", n->tag);

        r = sd_bus_call_async(s->bus, &n->notify_call, m, on_notify_reply, n, CALL_TIMEOUT_USEC);
        if (r < 0)
                return log_warning_errno(r, "Could not send the %s notification: %m", n->tag);
        log_debug("Showing the %s notification (replacing id %u): %s", n->tag, n->id, c->summary ?: "");
        return 0;
}

static int on_notify_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        _cleanup_(queued_content_freep) QueuedContent *q = NULL;
        Notification *n = userdata;
        uint32_t id;
        int r;

        n->notify_call = sd_bus_slot_unref(n->notify_call);

        if (sd_bus_message_is_method_error(m, NULL)) {
                const sd_bus_error *e = sd_bus_message_get_error(m);
                log_warning("The notification server did not show the %s notification: %s", n->tag,
                        e->message ?: e->name);
        } else {
                r = sd_bus_message_read(m, "u", &id);
                if (r < 0)
                        log_warning_errno(
                                r, "The notification server's reply to Notify is not a uint32: %m");
                else {
                        n->id = id;
                        log_debug("The %s notification has id %u.", n->tag, id);
                }
        }

        q = TAKE_PTR(n->queued);
        if (n->close_queued) {
                n->close_queued = false;
                (void)notification_close(n);
        } else if (q)
                (void)notification_send(n, &q->content);
        return 0;
}

int notification_show(Notification *n, const NotificationContent *content) {
        int r;

        if (n->notify_call) {
                n->queued = queued_content_free(n->queued);
                r = queued_content_new(content, &n->queued);
                if (r < 0)
                        return log_error_errno(r, "Out of memory.");
                n->close_queued = false;
                return 0;
        }
        return notification_send(n, content);
}

static void send_close(NotificationServer *s, uint32_t id) {
        int r;

        /* No callback: the call goes out without expecting a reply. A server that already closed it has
         * nothing to add. */
        r = sd_bus_call_method_async(s->bus, NULL, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                NOTIFICATIONS_INTERFACE, "CloseNotification", NULL, NULL, "u", id);
        if (r < 0)
                log_debug_errno(r, "Could not close notification %u: %m", id);
}

int notification_close(Notification *n) {
        n->queued = queued_content_free(n->queued);
        if (n->notify_call) {
                n->close_queued = true;
                return 0;
        }
        if (n->id == 0)
                return 0;
        log_debug("Closing the %s notification (id %u).", n->tag, n->id);
        send_close(n->server, n->id);
        n->id = 0;
        return 0;
}

/* The server went away: its ids mean nothing to the next one, and calls in flight will not be answered. */
static void notification_forget(Notification *n) {
        n->id = 0;
        n->notify_call = sd_bus_slot_unref(n->notify_call);
        n->queued = queued_content_free(n->queued);
        n->close_queued = false;
}

static Notification *notification_free(Notification *n) {
        if (!n)
                return NULL;
        sd_bus_slot_unref(n->notify_call);
        queued_content_free(n->queued);
        free(n->tag);
        free(n);
        return NULL;
}

int notification_new(NotificationServer *s, const char *tag, NotificationActionHandler on_action,
        void *userdata, Notification **ret) {
        Notification *n, **list;

        list = reallocarray(s->notifications, s->n_notifications + 1, sizeof(Notification *));
        if (!list)
                return -ENOMEM;
        s->notifications = list;

        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        n->tag = strdup(tag);
        if (!n->tag) {
                free(n);
                return -ENOMEM;
        }
        n->server = s;
        n->on_action = on_action;
        n->userdata = userdata;
        s->notifications[s->n_notifications++] = n;
        *ret = n;
        return 0;
}

static Notification *notification_by_id(NotificationServer *s, uint32_t id) {
        if (id == 0)
                return NULL;
        for (size_t i = 0; i < s->n_notifications; i++)
                if (s->notifications[i]->id == id)
                        return s->notifications[i];
        return NULL;
}

void notification_server_close_all(NotificationServer *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->n_notifications; i++) {
                Notification *n = s->notifications[i];

                if (n->id != 0)
                        send_close(s, n->id);
                notification_forget(n);
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* The server's state */

static bool reply_is_error(sd_bus_message *m, const char *what) {
        const sd_bus_error *e;

        if (!sd_bus_message_is_method_error(m, NULL))
                return false;
        e = sd_bus_message_get_error(m);
        log_debug("%s: %s", what, e->message ?: e->name);
        return true;
}

static int on_capabilities_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotificationServer *s = userdata;
        const char *capability;
        int r;

        s->capabilities_call = sd_bus_slot_unref(s->capabilities_call);
        if (reply_is_error(m, "GetCapabilities failed"))
                return 0;

        r = sd_bus_message_enter_container(m, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(m, "s", &capability)) > 0)
                if (streq(capability, "body-markup"))
                        s->body_markup = true;
                else if (streq(capability, "sound"))
                        s->sound = true;
        if (r < 0)
                log_warning_errno(r, "The notification server's capabilities are not a list of strings: %m");
        return 0;
}

static int read_boolean_property_reply(sd_bus_message *m, const char *what, bool *ret) {
        int b, r;

        if (reply_is_error(m, what))
                return -ENOENT;
        r = sd_bus_message_read(m, "v", "b", &b);
        if (r < 0)
                return log_warning_errno(r, "%s: the value is not a boolean: %m", what);
        *ret = b;
        return 0;
}

static int on_paused_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotificationServer *s = userdata;
        bool before = notification_server_do_not_disturb(s);

        s->paused_call = sd_bus_slot_unref(s->paused_call);
        (void)read_boolean_property_reply(m, "No dunst pause state", &s->dunst_paused);
        do_not_disturb_update(s, before);
        return 0;
}

static int on_inhibited_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotificationServer *s = userdata;
        bool before = notification_server_do_not_disturb(s);

        s->inhibited_call = sd_bus_slot_unref(s->inhibited_call);
        (void)read_boolean_property_reply(m, "No Inhibited property", &s->inhibited);
        do_not_disturb_update(s, before);
        return 0;
}

/* Calls the server without starting one by bus activation: these only ask about a server already there. */
static int call_server(NotificationServer *s, sd_bus_slot **slot, const char *interface, const char *member,
        sd_bus_message_handler_t callback, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(
                s->bus, &m, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH, interface, member);
        if (r < 0)
                return r;
        r = sd_bus_message_set_auto_start(m, false);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        *slot = sd_bus_slot_unref(*slot);
        return sd_bus_call_async(s->bus, slot, m, callback, s, CALL_TIMEOUT_USEC);
}

static void read_paused(NotificationServer *s) {
        int r = call_server(s, &s->paused_call, PROPERTIES_INTERFACE, "Get", on_paused_reply, "ss",
                DUNST_INTERFACE, "paused");
        if (r < 0)
                log_warning_errno(r, "Could not ask the notification server whether it is paused: %m");
}

static void read_inhibited(NotificationServer *s) {
        int r = call_server(s, &s->inhibited_call, PROPERTIES_INTERFACE, "Get", on_inhibited_reply, "ss",
                NOTIFICATIONS_INTERFACE, "Inhibited");
        if (r < 0)
                log_warning_errno(r, "Could not ask the notification server whether it is inhibited: %m");
}

static void read_server_state(NotificationServer *s) {
        int r;

        r = call_server(s, &s->capabilities_call, NOTIFICATIONS_INTERFACE, "GetCapabilities",
                on_capabilities_reply, NULL);
        if (r < 0)
                log_warning_errno(r, "Could not ask the notification server for its capabilities: %m");
        read_paused(s);
        read_inhibited(s);
}

static int server_set_owner(NotificationServer *s, const char *owner) {
        bool before = notification_server_do_not_disturb(s);
        char *copy = NULL;

        if (isempty(owner))
                owner = NULL;
        if (streq_ptr(s->owner, owner))
                return 0;
        if (owner) {
                copy = strdup(owner);
                if (!copy)
                        return log_error_errno(ENOMEM, "Out of memory.");
        }

        if (s->owner) {
                log_info("The notification server %s left the bus; forgetting its notifications.", s->owner);
                for (size_t i = 0; i < s->n_notifications; i++)
                        notification_forget(s->notifications[i]);
        }
        free(s->owner);
        s->owner = copy;

        s->body_markup = s->sound = s->dunst_paused = s->inhibited = false;
        s->capabilities_call = sd_bus_slot_unref(s->capabilities_call);
        s->paused_call = sd_bus_slot_unref(s->paused_call);
        s->inhibited_call = sd_bus_slot_unref(s->inhibited_call);
        if (s->owner) {
                log_info("Notification server %s is on the bus.", s->owner);
                read_server_state(s);
        }
        do_not_disturb_update(s, before);
        return 0;
}

/* A server that replaced the old one at once (no free name in between) still invalidates its ids:
 * server_set_owner() forgets them whenever the owner differs. */
static void on_owner_changed(const char *old_owner, const char *new_owner, void *userdata) {
        (void)server_set_owner(userdata, new_owner);
}

static int on_get_name_owner_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotificationServer *s = userdata;
        const char *owner = NULL;

        s->owner_call = sd_bus_slot_unref(s->owner_call);
        if (!reply_is_error(m, "No notification server yet") && sd_bus_message_read(m, "s", &owner) < 0)
                owner = NULL;
        (void)server_set_owner(s, owner);
        return 0;
}

/* ActionInvoked and NotificationClosed, from the current server only: a dying server's last words are about
 * ids that are already forgotten. */
static int on_server_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotificationServer *s = userdata;
        Notification *n;
        const char *action;
        uint32_t id, reason;
        int r;

        if (!s->owner || !streq_ptr(sd_bus_message_get_sender(m), s->owner))
                return 0;

        if (sd_bus_message_is_signal(m, NOTIFICATIONS_INTERFACE, "ActionInvoked")) {
                r = sd_bus_message_read(m, "us", &id, &action);
                if (r < 0) {
                        log_warning_errno(r, "Malformed ActionInvoked signal: %m");
                        return 0;
                }
                n = notification_by_id(s, id);
                if (!n)
                        return 0;
                log_debug("Action '%s' chosen on the %s notification.", action, n->tag);
                if (n->on_action)
                        n->on_action(n, action, n->userdata);
        } else if (sd_bus_message_is_signal(m, NOTIFICATIONS_INTERFACE, "NotificationClosed")) {
                r = sd_bus_message_read(m, "uu", &id, &reason);
                if (r < 0) {
                        log_warning_errno(r, "Malformed NotificationClosed signal: %m");
                        return 0;
                }
                n = notification_by_id(s, id);
                if (!n)
                        return 0;
                log_debug("The %s notification was closed (reason %u).", n->tag, reason);
                n->id = 0;
        }
        return 0;
}

/* Reads a PropertiesChanged signal of the server's object into s; returns a negative errno when it is
 * malformed. */
static int read_properties_changed(NotificationServer *s, sd_bus_message *m) {
        const char *interface, *name, *wanted;
        bool *target;
        int b, r;

        r = sd_bus_message_read(m, "s", &interface);
        if (r < 0)
                return r;
        if (streq(interface, DUNST_INTERFACE)) {
                target = &s->dunst_paused;
                wanted = "paused";
        } else if (streq(interface, NOTIFICATIONS_INTERFACE)) {
                target = &s->inhibited;
                wanted = "Inhibited";
        } else
                return 0;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &name);
                if (r >= 0 && streq(name, wanted)) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        if (r >= 0)
                                *target = b;
                } else if (r >= 0)
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        /* A property only invalidated is read again. */
        r = sd_bus_message_enter_container(m, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(m, "s", &name)) > 0)
                if (streq(name, wanted)) {
                        if (target == &s->dunst_paused)
                                read_paused(s);
                        else
                                read_inhibited(s);
                }
        return r;
}

static int on_properties_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        NotificationServer *s = userdata;
        bool before = notification_server_do_not_disturb(s);
        int r;

        if (!s->owner || !streq_ptr(sd_bus_message_get_sender(m), s->owner))
                return 0;
        r = read_properties_changed(s, m);
        if (r < 0)
                log_warning_errno(r, "Malformed PropertiesChanged signal from the notification server: %m");
        do_not_disturb_update(s, before);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */

NotificationServer *notification_server_free(NotificationServer *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_notifications; i++)
                notification_free(s->notifications[i]);
        free(s->notifications);
        sd_bus_slot_unref(s->owner_match);
        sd_bus_slot_unref(s->signal_match);
        sd_bus_slot_unref(s->properties_match);
        sd_bus_slot_unref(s->owner_call);
        sd_bus_slot_unref(s->capabilities_call);
        sd_bus_slot_unref(s->paused_call);
        sd_bus_slot_unref(s->inhibited_call);
        sd_bus_unref(s->bus);
        free(s->owner);
        free(s->app_name);
        free(s);
        return NULL;
}

int notification_server_new(sd_bus *bus, const char *app_name, DoNotDisturbHandler on_do_not_disturb,
        void *userdata, NotificationServer **ret) {
        _cleanup_(notification_server_freep) NotificationServer *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->bus = sd_bus_ref(bus);
        s->app_name = strdup(app_name);
        if (!s->app_name)
                return -ENOMEM;
        s->on_do_not_disturb = on_do_not_disturb;
        s->userdata = userdata;

        /* The matches go out before GetNameOwner: the bus handles them in order, so no change of owner can
         * fall between the answer and the first signal. */
        r = bus_follow_owner_async(bus, &s->owner_match, NOTIFICATIONS_NAME, on_owner_changed, s);
        if (r < 0)
                return r;
        r = sd_bus_match_signal_async(bus, &s->signal_match, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                NOTIFICATIONS_INTERFACE, NULL, on_server_signal, NULL, s);
        if (r < 0)
                return r;
        r = sd_bus_match_signal_async(bus, &s->properties_match, NOTIFICATIONS_NAME, NOTIFICATIONS_PATH,
                PROPERTIES_INTERFACE, "PropertiesChanged", on_properties_changed, NULL, s);
        if (r < 0)
                return r;
        r = sd_bus_call_method_async(bus, &s->owner_call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                "org.freedesktop.DBus", "GetNameOwner", on_get_name_owner_reply, s, "s", NOTIFICATIONS_NAME);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}
