/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* stretches and done: the stretch catalog, and reporting a stretch done. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "format.h"
#include "psoasctl.h"

typedef struct Stretch {
        /* Point into the reply they were read from. */
        const char *id, *title, *muscles, *instructions, *safety, *check;
        uint32_t hold_min_s, hold_max_s, reps_min, reps_max;
        bool per_side, verifiable, desk, floor;
} Stretch;

static int read_places(sd_bus_message *reply, Stretch *s) {
        const char *place;
        int r;

        r = sd_bus_message_enter_container(reply, 'v', "as");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "s");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "s", &place)) > 0) {
                s->desk = s->desk || streq(place, "desk");
                s->floor = s->floor || streq(place, "floor");
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

/* One a{sv} of GetStretches(); keys it does not know are skipped, as the interface asks. 0 at the end. */
static int read_stretch(sd_bus_message *reply, Stretch *s) {
        int r;

        *s = (Stretch){ .check = "none" };
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r <= 0)
                return r;
        for (;;) {
                const char *key, *contents, **str = NULL;
                uint32_t *u = NULL;
                bool *b = NULL;
                int v;

                r = sd_bus_message_enter_container(reply, 'e', "sv");
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = sd_bus_message_read(reply, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(reply, NULL, &contents);
                if (r < 0)
                        return r;

                if (streq(key, "id"))
                        str = &s->id;
                else if (streq(key, "title"))
                        str = &s->title;
                else if (streq(key, "muscles"))
                        str = &s->muscles;
                else if (streq(key, "instructions"))
                        str = &s->instructions;
                else if (streq(key, "safety"))
                        str = &s->safety;
                else if (streq(key, "check"))
                        str = &s->check;
                else if (streq(key, "hold_min_seconds"))
                        u = &s->hold_min_s;
                else if (streq(key, "hold_max_seconds"))
                        u = &s->hold_max_s;
                else if (streq(key, "repetitions_min"))
                        u = &s->reps_min;
                else if (streq(key, "repetitions_max"))
                        u = &s->reps_max;
                else if (streq(key, "per_side"))
                        b = &s->per_side;
                else if (streq(key, "verifiable"))
                        b = &s->verifiable;

                if (str && streq(contents, "s"))
                        r = sd_bus_message_read(reply, "v", "s", str);
                else if (u && streq(contents, "u"))
                        r = sd_bus_message_read(reply, "v", "u", u);
                else if (b && streq(contents, "b")) {
                        r = sd_bus_message_read(reply, "v", "b", &v);
                        *b = v;
                } else if (streq(key, "places") && streq(contents, "as"))
                        r = read_places(reply, s);
                else
                        r = sd_bus_message_skip(reply, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        if (!s->id || !s->title || !s->muscles || !s->instructions || !s->safety)
                return -EBADMSG;
        return 1;
}

/* Connects to psoasd (*ret_bus) and calls GetStretches(); the stretches point into *ret_reply, which the caller
 * keeps. */
static int list_stretches(const Context *c, sd_bus **ret_bus, sd_bus_message **ret_reply,
        Stretch **ret_stretches, size_t *ret_n) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Stretch *stretches = NULL;
        size_t n = 0, allocated = 0;
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = bus_call(bus, c, "cannot read the stretch catalog", "GetStretches", 0, &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "a{sv}");
        if (r < 0)
                return log_error_errno(
                        r, "cannot read the stretch catalog: unexpected reply from psoasd: %m");
        for (;;) {
                Stretch s;

                r = read_stretch(reply, &s);
                if (r < 0)
                        return log_error_errno(
                                r, "cannot read the stretch catalog: unexpected reply from psoasd: %m");
                if (r == 0)
                        break;
                if (n == allocated) {
                        Stretch *more;

                        allocated = allocated ? allocated * 2 : 16;
                        more = reallocarray(stretches, allocated, sizeof(Stretch));
                        if (!more)
                                return log_oom();
                        stretches = more;
                }
                stretches[n++] = s;
        }
        *ret_bus = TAKE_PTR(bus);
        *ret_reply = TAKE_PTR(reply);
        *ret_stretches = TAKE_PTR(stretches);
        *ret_n = n;
        return 0;
}

/* "hold 20–30 s per side", "10–12 repetitions", "hold 20 s": the catalog's range, and "per side" exactly where
 * the catalog says so. */
static char *describe_dose(char *buf, size_t size, const Stretch *s) {
        bool hold = s->hold_min_s > 0;
        uint32_t lo = hold ? s->hold_min_s : s->reps_min, hi = hold ? s->hold_max_s : s->reps_max;
        char range[32];

        if (lo == hi)
                snprintf(range, sizeof(range), "%u", lo);
        else
                snprintf(range, sizeof(range), "%u–%u", lo, hi);
        snprintf(buf, size, "%s%s%s%s", hold ? "hold " : "", range, hold ? " s" : " repetitions",
                s->per_side ? " per side" : "");
        return buf;
}

static int print_stretches_json(const Stretch *stretches, size_t n) {
        _cleanup_(json_object_put_nullp) json_object *array = json_object_new_array();

        if (!array)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                const Stretch *s = &stretches[i];
                json_object *o = json_object_new_object(), *places;

                if (!o || json_object_array_add(array, o) < 0) {
                        json_object_put(o);
                        return log_oom();
                }
                places = json_object_new_array();
                if (!places || json_add(o, "places", places) < 0)
                        return log_oom();
                if ((s->desk && json_object_array_add(places, json_object_new_string("desk")) < 0) ||
                        (s->floor && json_object_array_add(places, json_object_new_string("floor")) < 0))
                        return log_oom();
                /* hold_seconds and repetitions: the upper ends, as they were before the ranges came. */
                if (json_add(o, "id", json_object_new_string(s->id)) < 0 ||
                        json_add(o, "title", json_object_new_string(s->title)) < 0 ||
                        json_add(o, "muscles", json_object_new_string(s->muscles)) < 0 ||
                        json_add(o, "instructions", json_object_new_string(s->instructions)) < 0 ||
                        json_add(o, "safety", json_object_new_string(s->safety)) < 0 ||
                        json_add(o, "hold_seconds", json_object_new_uint64(s->hold_max_s)) < 0 ||
                        json_add(o, "repetitions", json_object_new_uint64(s->reps_max)) < 0 ||
                        json_add(o, "hold_min_seconds", json_object_new_uint64(s->hold_min_s)) < 0 ||
                        json_add(o, "hold_max_seconds", json_object_new_uint64(s->hold_max_s)) < 0 ||
                        json_add(o, "repetitions_min", json_object_new_uint64(s->reps_min)) < 0 ||
                        json_add(o, "repetitions_max", json_object_new_uint64(s->reps_max)) < 0 ||
                        json_add(o, "per_side", json_object_new_boolean(s->per_side)) < 0 ||
                        json_add(o, "check", json_object_new_string(s->check)) < 0 ||
                        json_add(o, "verifiable", json_object_new_boolean(s->verifiable)) < 0)
                        return log_oom();
        }
        return json_print(array, true);
}

int verb_stretches(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *red_flags = NULL;
        _cleanup_free_ Stretch *stretches = NULL;
        size_t n;
        int r;

        r = list_stretches(c, &bus, &reply, &stretches, &n);
        if (r < 0)
                return r;
        if (c->json)
                return print_stretches_json(stretches, n);

        for (size_t i = 0; i < n; i++) {
                const Stretch *s = &stretches[i];
                char dose[64];

                printf("%s%s: %s\n", i > 0 ? "\n" : "", s->id, s->title);
                _cleanup_free_ char *line = NULL;

                if (asprintf(&line, "For the %s; %s; %s.", s->muscles, describe_dose(dose, sizeof(dose), s),
                            s->desk ? "by the desk" : "on the floor") < 0)
                        return log_oom();
                print_wrapped(stdout, line, 4, 100);
                print_wrapped(stdout, s->instructions, 4, 100);
                print_wrapped(stdout,
                        s->verifiable
                                ? "The sensor confirms it when it sees it done."
                                : "The sensor cannot see this one: report it done yourself (self-reported).",
                        4, 100);
                printf("    Safety:\n");
                print_wrapped(stdout, s->safety, 8, 100);
        }
        if (n == 0)
                printf("psoasd's stretch catalog is empty.\n");

        r = sd_bus_get_property_string(bus, PSOAS_BUS_NAME, PSOAS_OBJECT_PATH, PSOAS_INTERFACE,
                "StretchRedFlags", NULL, &red_flags);
        if (r >= 0) {
                printf("\n");
                print_wrapped(stdout, red_flags, 0, 100);
        }
        printf("\nFloor exercises are suggested only with stretches.floor_exercises in psoasd.json(5).\n"
               "Report one as done with: psoasctl done ID\n");
        return fflush(stdout) == 0 ? 0 : -errno;
}

int verb_done(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Stretch *stretches = NULL;
        const Stretch *found = NULL;
        const char *id = argv[0];
        size_t n;
        int r;

        /* The catalog first: an unknown id is then told apart from other refusals, with the ids to choose. */
        r = list_stretches(c, &bus, &reply, &stretches, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && !found; i++)
                if (streq(stretches[i].id, id))
                        found = &stretches[i];
        if (!found) {
                fprintf(stderr, "psoasctl: unknown stretch '%s'; psoasd knows:", id);
                for (size_t i = 0; i < n; i++)
                        fprintf(stderr, "%s %s", i > 0 ? "," : "", stretches[i].id);
                fprintf(stderr, "\n");
                return -ENOENT;
        }

        r = bus_call(bus, c, "cannot report the stretch", "CompleteStretch", 0, NULL, "s", id);
        if (r < 0)
                return r;
        printf("Noted: '%s' done. Well done.\n", found->title);
        return 0;
}
