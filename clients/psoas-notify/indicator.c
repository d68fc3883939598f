/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-message.h"
#include "bus-owner.h"
#include "duration.h"
#include "indicator.h"
#include "log.h"

#define ITEM_PATH "/StatusNotifierItem"
#define ITEM_INTERFACE "org.kde.StatusNotifierItem"
#define MENU_PATH "/MenuBar"
#define MENU_INTERFACE "com.canonical.dbusmenu"
#define WATCHER_NAME "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH "/StatusNotifierWatcher"
#define WATCHER_INTERFACE "org.kde.StatusNotifierWatcher"

/* The title, tooltip and label count minutes: updated on each minute of the bout. */
#define TICK_USEC (60ULL * USEC_PER_SEC)
#define CALL_TIMEOUT_USEC (10ULL * USEC_PER_SEC)
#define TEXT_MAX 128

/* Sensor states in which the posture cannot be trusted (org.psoas.Posture1(5), SensorState). */
static const char *const sensor_problems[] = { "absent", "stalled", "stuck", "rate-mismatch", "garbage",
        "error" };

/* The menu, in dbusmenu's ids (0 is the root). */
enum {
        MENU_ROOT,
        MENU_STATUS, /* the state in words; not clickable */
        MENU_SEPARATOR,
        MENU_SNOOZE_15_MIN,
        MENU_SNOOZE_1_H,
        MENU_RESUME,
        MENU_CALIBRATE,
        MENU_TODAY,
        _MENU_MAX,
};

typedef struct MenuEntry {
        const char *label; /* NULL for the status line, whose text changes */
        int action; /* an IndicatorAction, or -1 */
        bool separator;
} MenuEntry;

static const MenuEntry menu_entries[_MENU_MAX] = {
        [MENU_STATUS] = { NULL, -1, false },
        [MENU_SEPARATOR] = { "", -1, true },
        [MENU_SNOOZE_15_MIN] = { "Snooze 15 min", INDICATOR_SNOOZE_15_MIN, false },
        [MENU_SNOOZE_1_H] = { "Snooze 1 h", INDICATOR_SNOOZE_1_H, false },
        [MENU_RESUME] = { "Resume", INDICATOR_RESUME, false },
        [MENU_CALIBRATE] = { "Calibrate…", INDICATOR_CALIBRATE, false },
        [MENU_TODAY] = { "Today", INDICATOR_TODAY, false },
};

/* What is on show: recomputed from the state, compared to tell the tray what changed. */
typedef struct Shown {
        const char *icon;
        const char *status; /* "Active" or "NeedsAttention" */
        char title[TEXT_MAX + sizeof("psoas: ")];
        char label[TEXT_MAX]; /* the bout's length, next to the icon where the tray shows labels */
        char tooltip[TEXT_MAX];
        char status_line[TEXT_MAX];
        bool present, snoozed;
} Shown;

struct Indicator {
        sd_bus *bus;
        sd_event *event;
        char *name; /* the well-known name the item is registered under */
        IndicatorState state;
        Shown shown;
        uint32_t revision; /* the menu layout's, raised on each change */

        sd_bus_slot *item_vtable, *menu_vtable, *watcher_match, *register_call, *name_call;
        sd_event_source *tick;
        IndicatorActionHandler handler;
        void *userdata;
};

/* ------------------------------------------------------------------------------------------------------- */
/* What to show */

static bool sensor_problem(const IndicatorState *s) {
        if (!s->sensor_state)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(sensor_problems); i++)
                if (streq(s->sensor_state, sensor_problems[i]))
                        return true;
        return false;
}

static void shown_compute(const IndicatorState *s, Shown *ret) {
        uint64_t now = psoas_clock_now(&s->clock), today = s->sitting_today_s;
        char bout[DURATION_TEXT_MAX], total[DURATION_TEXT_MAX];
        const char *what;
        Shown w = { .icon = "psoas-standing", .status = "Active", .present = s->daemon_present };

        /* SittingToday is never signalled: what passed of the bout since it was read is added. */
        if (s->sitting_since_us > 0 && now > MAX(s->sitting_today_read_us, s->sitting_since_us))
                today += (now - MAX(s->sitting_today_read_us, s->sitting_since_us)) / USEC_PER_SEC;
        duration_format(total, sizeof(total), today);
        duration_format(bout, sizeof(bout),
                s->sitting_since_us > 0 && now > s->sitting_since_us
                        ? (now - s->sitting_since_us) / USEC_PER_SEC
                        : 0);
        w.snoozed = s->daemon_present && s->snoozed_until_us > now;

        if (!s->daemon_present) {
                w.icon = "psoas-sensor-problem";
                what = "psoasd is not running";
        } else if (sensor_problem(s)) {
                w.icon = "psoas-sensor-problem";
                what = "Sensor problem";
        } else if (s->sitting_since_us > 0) {
                w.icon = s->sitting_alerted ? "psoas-sitting-long" : "psoas-sitting";
                what = s->sitting_alerted ? "Sitting too long" : "Sitting";
                snprintf(w.label, sizeof(w.label), "%s", bout);
        } else
                what = streq_ptr(s->posture, "sitting") ? "Sitting" : "Up";
        if (w.snoozed && s->daemon_present && !sensor_problem(s))
                w.icon = "psoas-snoozed";
        if (s->sitting_alerted && s->sitting_since_us > 0 && !w.snoozed)
                w.status = "NeedsAttention";

        if (w.label[0])
                snprintf(w.status_line, sizeof(w.status_line), "%s for %s", what, bout);
        else
                snprintf(w.status_line, sizeof(w.status_line), "%s", what);
        snprintf(w.title, sizeof(w.title), "psoas: %s", w.status_line);
        snprintf(w.tooltip, sizeof(w.tooltip), "Sitting today: %s%s", total,
                w.snoozed ? "; alerts snoozed" : "");
        *ret = w;
}

static bool menu_enabled(const Indicator *i, int id) {
        switch (id) {
        case MENU_STATUS:
        case MENU_SEPARATOR:
                return false;
        case MENU_RESUME:
                return i->shown.present && i->shown.snoozed;
        case MENU_TODAY:
                return true;
        default:
                return i->shown.present;
        }
}

/* ------------------------------------------------------------------------------------------------------- */
/* org.kde.StatusNotifierItem */

static int property_get_string(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Indicator *i = userdata;
        const char *value = "";

        if (streq(property, "Category"))
                value = "ApplicationStatus";
        else if (streq(property, "Id"))
                value = "psoas";
        else if (streq(property, "Title"))
                value = i->shown.title;
        else if (streq(property, "Status"))
                value = i->shown.status;
        else if (streq(property, "IconName"))
                value = i->shown.icon;
        else if (streq(property, "AttentionIconName"))
                value = "psoas-sitting-long";
        else if (streq(property, "XAyatanaLabel"))
                value = i->shown.label;
        else if (streq(property, "XAyatanaLabelGuide"))
                value = "99 min";
        return sd_bus_message_append(reply, "s", value);
}

static int property_get_true(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", true);
}

static int property_get_tool_tip(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Indicator *i = userdata;

        /* (icon name, icon pixmaps, title, body) */
        return sd_bus_message_append(
                reply, "(sa(iiay)ss)", i->shown.icon, 0, i->shown.title, i->shown.tooltip);
}

static int property_get_pixmaps(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* Icons by name only: the tray loads them from the theme at its own size. */
        return sd_bus_message_append(reply, "a(iiay)", 0);
}

static int property_get_menu_path(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "o", MENU_PATH);
}

/* Clicks go to the menu (ItemIsMenu): the methods only answer, for hosts that call them anyway. */
static int method_ignore(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable item_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Category", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Id", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        /* The item's changes are told by its own New* signals, as the protocol has it, not PropertiesChanged. */
        SD_BUS_PROPERTY("Title", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Status", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("IconName", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("IconPixmap", "a(iiay)", property_get_pixmaps, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("AttentionIconName", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ToolTip", "(sa(iiay)ss)", property_get_tool_tip, 0,
                SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY(
                "XAyatanaLabel", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("XAyatanaLabelGuide", "s", property_get_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ItemIsMenu", "b", property_get_true, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Menu", "o", property_get_menu_path, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("Activate", SD_BUS_ARGS("i", x, "i", y), SD_BUS_NO_RESULT, method_ignore, 0),
        SD_BUS_METHOD_WITH_ARGS(
                "SecondaryActivate", SD_BUS_ARGS("i", x, "i", y), SD_BUS_NO_RESULT, method_ignore, 0),
        SD_BUS_METHOD_WITH_ARGS(
                "ContextMenu", SD_BUS_ARGS("i", x, "i", y), SD_BUS_NO_RESULT, method_ignore, 0),
        SD_BUS_METHOD_WITH_ARGS(
                "Scroll", SD_BUS_ARGS("i", delta, "s", orientation), SD_BUS_NO_RESULT, method_ignore, 0),
        SD_BUS_SIGNAL("NewTitle", NULL, 0),
        SD_BUS_SIGNAL("NewIcon", NULL, 0),
        SD_BUS_SIGNAL("NewToolTip", NULL, 0),
        SD_BUS_SIGNAL_WITH_ARGS("NewStatus", SD_BUS_ARGS("s", status), 0),
        SD_BUS_SIGNAL_WITH_ARGS("XAyatanaNewLabel", SD_BUS_ARGS("s", label, "s", guide), 0),
        SD_BUS_VTABLE_END,
};

/* ------------------------------------------------------------------------------------------------------- */
/* com.canonical.dbusmenu */

static int menu_append_properties(Indicator *i, sd_bus_message *m, int id) {
        const MenuEntry *e = &menu_entries[id];
        int r;

        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        if (id == MENU_ROOT)
                r = sd_bus_message_append(m, "{sv}", "children-display", "s", "submenu");
        else if (e->separator)
                r = sd_bus_message_append(m, "{sv}", "type", "s", "separator");
        else
                r = sd_bus_message_append(m, "{sv}{sv}", "label", "s", e->label ?: i->shown.status_line,
                        "enabled", "b", menu_enabled(i, id));
        if (r < 0)
                return r;
        return sd_bus_message_close_container(m);
}

/* (ia{sv}av): the item, with its children when depth allows (only the root has any). */
static int menu_append_item(Indicator *i, sd_bus_message *m, int id, int32_t depth) {
        int r;

        r = sd_bus_message_open_container(m, 'r', "ia{sv}av");
        if (r >= 0)
                r = sd_bus_message_append(m, "i", id);
        if (r >= 0)
                r = menu_append_properties(i, m, id);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "v");
        for (int child = MENU_ROOT + 1; r >= 0 && id == MENU_ROOT && depth != 0 && child < _MENU_MAX;
                child++) {
                r = sd_bus_message_open_container(m, 'v', "(ia{sv}av)");
                if (r >= 0)
                        r = menu_append_item(i, m, child, depth < 0 ? depth : depth - 1);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r < 0)
                return r;
        /* The array of children and the item. */
        return bus_message_close_containers(m, 2);
}

static bool menu_id_valid(int32_t id) {
        return id >= 0 && id < _MENU_MAX;
}

static int method_get_layout(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Indicator *i = userdata;
        int32_t parent, depth;
        int r;

        r = sd_bus_message_read(m, "ii", &parent, &depth);
        if (r < 0)
                return r;
        if (!menu_id_valid(parent))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No menu item %d.", parent);
        /* The property names asked for are a hint: every item has only a few. */
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "u", i->revision);
        if (r >= 0)
                r = menu_append_item(i, reply, parent, depth);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_group_properties(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Indicator *i = userdata;
        const int32_t *ids;
        size_t size;
        int r;

        r = sd_bus_message_read_array(m, 'i', (const void **)&ids, &size);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ia{sv})");
        /* No ids: every item. Unknown ids are left out. */
        for (int id = 0; r >= 0 && id < _MENU_MAX; id++) {
                bool wanted = size == 0;

                for (size_t k = 0; k < size / sizeof(int32_t); k++)
                        wanted = wanted || ids[k] == id;
                if (!wanted)
                        continue;
                r = sd_bus_message_open_container(reply, 'r', "ia{sv}");
                if (r >= 0)
                        r = sd_bus_message_append(reply, "i", id);
                if (r >= 0)
                        r = menu_append_properties(i, reply, id);
                if (r >= 0)
                        r = sd_bus_message_close_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_property(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Indicator *i = userdata;
        const char *name;
        int32_t id;
        int r;

        r = sd_bus_message_read(m, "is", &id, &name);
        if (r < 0)
                return r;
        if (!menu_id_valid(id))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No menu item %d.", id);
        if (streq(name, "label") && id != MENU_ROOT && !menu_entries[id].separator)
                return sd_bus_reply_method_return(
                        m, "v", "s", menu_entries[id].label ?: i->shown.status_line);
        if (streq(name, "enabled"))
                return sd_bus_reply_method_return(m, "v", "b", menu_enabled(i, id));
        return sd_bus_error_setf(
                error, SD_BUS_ERROR_INVALID_ARGS, "Menu item %d has no property '%s'.", id, name);
}

/* A click on item id; other events (hovered, opened, closed) change nothing. */
static int menu_event(Indicator *i, int32_t id, const char *event_id) {
        if (!menu_id_valid(id))
                return -ENOENT;
        if (!streq(event_id, "clicked") || menu_entries[id].action < 0 || !menu_enabled(i, id))
                return 0;
        log_debug("Indicator menu: '%s' chosen.", menu_entries[id].label);
        if (i->handler)
                i->handler(i, (IndicatorAction)menu_entries[id].action, i->userdata);
        return 0;
}

static int method_event(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *event_id;
        int32_t id;
        int r;

        r = sd_bus_message_read(m, "is", &id, &event_id);
        if (r < 0)
                return r;
        r = menu_event(userdata, id, event_id);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "No menu item %d.", id);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_event_group(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *event_id;
        int32_t id;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "i");
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "(isvu)");
        while (r >= 0 && (r = sd_bus_message_enter_container(m, 'r', "isvu")) > 0) {
                r = sd_bus_message_read(m, "is", &id, &event_id);
                if (r >= 0)
                        r = sd_bus_message_skip(m, "vu");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r >= 0 && menu_event(userdata, id, event_id) == -ENOENT)
                        r = sd_bus_message_append(reply, "i", id);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_about_to_show(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        /* The layout is always up to date: nothing to refresh. */
        return sd_bus_reply_method_return(m, "b", false);
}

static int method_about_to_show_group(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "aiai", 0, 0);
}

static int property_get_menu_string(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", streq(property, "TextDirection") ? "ltr" : "normal");
}

static int property_get_icon_theme_path(sd_bus *bus, const char *path, const char *interface,
        const char *property, sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "as", 0);
}

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* The dbusmenu protocol's version this implements. */
        return sd_bus_message_append(reply, "u", (uint32_t)3);
}

static const sd_bus_vtable menu_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "u", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("TextDirection", "s", property_get_menu_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Status", "s", property_get_menu_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY(
                "IconThemePath", "as", property_get_icon_theme_path, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD_WITH_ARGS("GetLayout",
                SD_BUS_ARGS("i", parent_id, "i", recursion_depth, "as", property_names),
                SD_BUS_RESULT("u", revision, "(ia{sv}av)", layout), method_get_layout, 0),
        SD_BUS_METHOD_WITH_ARGS("GetGroupProperties", SD_BUS_ARGS("ai", ids, "as", property_names),
                SD_BUS_RESULT("a(ia{sv})", properties), method_get_group_properties, 0),
        SD_BUS_METHOD_WITH_ARGS("GetProperty", SD_BUS_ARGS("i", id, "s", name), SD_BUS_RESULT("v", value),
                method_get_property, 0),
        SD_BUS_METHOD_WITH_ARGS("Event", SD_BUS_ARGS("i", id, "s", event_id, "v", data, "u", timestamp),
                SD_BUS_NO_RESULT, method_event, 0),
        SD_BUS_METHOD_WITH_ARGS("EventGroup", SD_BUS_ARGS("a(isvu)", events), SD_BUS_RESULT("ai", id_errors),
                method_event_group, 0),
        SD_BUS_METHOD_WITH_ARGS("AboutToShow", SD_BUS_ARGS("i", id), SD_BUS_RESULT("b", need_update),
                method_about_to_show, 0),
        SD_BUS_METHOD_WITH_ARGS("AboutToShowGroup", SD_BUS_ARGS("ai", ids),
                SD_BUS_RESULT("ai", updates_needed, "ai", id_errors), method_about_to_show_group, 0),
        SD_BUS_SIGNAL_WITH_ARGS("ItemsPropertiesUpdated",
                SD_BUS_ARGS("a(ia{sv})", updated_props, "a(ias)", removed_props), 0),
        SD_BUS_SIGNAL_WITH_ARGS("LayoutUpdated", SD_BUS_ARGS("u", revision, "i", parent), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ItemActivationRequested", SD_BUS_ARGS("i", id, "u", timestamp), 0),
        SD_BUS_VTABLE_END,
};

/* ------------------------------------------------------------------------------------------------------- */
/* Showing changes */

static void emit(
        Indicator *i, const char *path, const char *interface, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_signal(i->bus, &m, path, interface, member);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_send(i->bus, m, NULL);
        if (r < 0)
                log_debug_errno(r, "Could not send the indicator's %s signal: %m", member);
}

static void indicator_refresh(Indicator *i) {
        Shown before = i->shown;

        shown_compute(&i->state, &i->shown);
        if (!streq(before.title, i->shown.title))
                emit(i, ITEM_PATH, ITEM_INTERFACE, "NewTitle", NULL);
        if (!streq_ptr(before.icon, i->shown.icon))
                emit(i, ITEM_PATH, ITEM_INTERFACE, "NewIcon", NULL);
        if (!streq_ptr(before.status, i->shown.status))
                emit(i, ITEM_PATH, ITEM_INTERFACE, "NewStatus", "s", i->shown.status);
        if (!streq(before.label, i->shown.label))
                emit(i, ITEM_PATH, ITEM_INTERFACE, "XAyatanaNewLabel", "ss", i->shown.label, "99 min");
        if (!streq(before.tooltip, i->shown.tooltip) || !streq(before.title, i->shown.title) ||
                !streq_ptr(before.icon, i->shown.icon))
                emit(i, ITEM_PATH, ITEM_INTERFACE, "NewToolTip", NULL);
        if (!streq(before.status_line, i->shown.status_line) || before.present != i->shown.present ||
                before.snoozed != i->shown.snoozed) {
                i->revision++;
                emit(i, MENU_PATH, MENU_INTERFACE, "LayoutUpdated", "ui", i->revision, 0);
        }
        log_debug("Indicator: %s (%s; %s).", i->shown.title, i->shown.icon, i->shown.tooltip);
}

void indicator_update(Indicator *i, const IndicatorState *state) {
        if (!i)
                return;
        i->state = *state;
        indicator_refresh(i);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Indicator *i = userdata;
        int r;

        indicator_refresh(i);
        r = sd_event_source_set_time_relative(s, TICK_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

/* ------------------------------------------------------------------------------------------------------- */
/* The watcher */

static int on_register_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Indicator *i = userdata;
        const sd_bus_error *e;

        i->register_call = sd_bus_slot_unref(i->register_call);
        if (sd_bus_message_is_method_error(m, NULL)) {
                e = sd_bus_message_get_error(m);
                log_warning("The tray (%s) refused the indicator: %s", WATCHER_NAME, e->message ?: e->name);
        } else
                log_info("The indicator is registered with the tray as %s.", i->name);
        return 0;
}

static void indicator_register(Indicator *i) {
        int r;

        i->register_call = sd_bus_slot_unref(i->register_call);
        r = sd_bus_call_method_async(i->bus, &i->register_call, WATCHER_NAME, WATCHER_PATH,
                WATCHER_INTERFACE, "RegisterStatusNotifierItem", on_register_reply, i, "s", i->name);
        if (r < 0)
                log_warning_errno(r, "Could not register the indicator with the tray: %m");
}

static void on_watcher_owner_changed(const char *old_owner, const char *new_owner, void *userdata) {
        Indicator *i = userdata;

        if (!new_owner) {
                log_info("The tray (%s) left the bus; the indicator waits for the next.", WATCHER_NAME);
                return;
        }
        indicator_register(i);
}

static int on_get_watcher_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Indicator *i = userdata;

        i->name_call = sd_bus_slot_unref(i->name_call);
        if (sd_bus_message_is_method_error(m, NULL))
                log_info("No tray (%s) yet; the indicator waits for one.", WATCHER_NAME);
        else
                indicator_register(i);
        return 0;
}

/* ------------------------------------------------------------------------------------------------------- */

Indicator *indicator_free(Indicator *i) {
        if (!i)
                return NULL;
        sd_event_source_disable_unref(i->tick);
        sd_bus_slot_unref(i->item_vtable);
        sd_bus_slot_unref(i->menu_vtable);
        sd_bus_slot_unref(i->watcher_match);
        sd_bus_slot_unref(i->register_call);
        sd_bus_slot_unref(i->name_call);
        if (i->bus && i->name)
                (void)sd_bus_release_name_async(i->bus, NULL, i->name, NULL, NULL);
        sd_bus_unref(i->bus);
        sd_event_unref(i->event);
        free(i->name);
        free(i);
        return NULL;
}

int indicator_new(
        sd_bus *bus, sd_event *event, IndicatorActionHandler handler, void *userdata, Indicator **ret) {
        _cleanup_(indicator_freep) Indicator *i = NULL;
        int r;

        i = calloc(1, sizeof(*i));
        if (!i)
                return -ENOMEM;
        i->bus = sd_bus_ref(bus);
        i->event = sd_event_ref(event);
        i->handler = handler;
        i->userdata = userdata;
        i->revision = 1;
        i->state.clock = PSOAS_CLOCK_WALL;
        shown_compute(&i->state, &i->shown);

        /* The name the protocol suggests: org.kde.StatusNotifierItem-PID-ID. */
        if (asprintf(&i->name, "org.kde.StatusNotifierItem-%d-1", (int)getpid()) < 0) {
                i->name = NULL;
                return -ENOMEM;
        }
        r = sd_bus_add_object_vtable(bus, &i->item_vtable, ITEM_PATH, ITEM_INTERFACE, item_vtable, i);
        if (r < 0)
                return r;
        r = sd_bus_add_object_vtable(bus, &i->menu_vtable, MENU_PATH, MENU_INTERFACE, menu_vtable, i);
        if (r < 0)
                return r;
        r = sd_bus_request_name_async(bus, NULL, i->name, 0, NULL, NULL);
        if (r < 0)
                return r;

        /* Subscribed before asking, so that a watcher arriving in between is not missed. */
        r = bus_follow_owner_async(bus, &i->watcher_match, WATCHER_NAME, on_watcher_owner_changed, i);
        if (r < 0)
                return r;
        r = sd_bus_call_method_async(bus, &i->name_call, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                "org.freedesktop.DBus", "GetNameOwner", on_get_watcher_reply, i, "s", WATCHER_NAME);
        if (r < 0)
                return r;

        r = sd_event_add_time_relative(event, &i->tick, CLOCK_MONOTONIC, TICK_USEC, 0, on_tick, i);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(i);
        return 0;
}
