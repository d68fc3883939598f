/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* stretches and done: the stretch catalog, and reporting a stretch done. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "format.h"

typedef struct Stretch {
        /* Point into the reply they were read from. */
        const char *id, *title, *muscles, *instructions;
        uint32_t hold_s, repetitions;
} Stretch;

/* Calls ListStretches(); the stretches point into *ret_reply, which the caller keeps. */
static int list_stretches(
        sd_bus *bus, const Context *c, sd_bus_message **ret_reply, Stretch **ret_stretches, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Stretch *stretches = NULL;
        size_t n = 0, allocated = 0;
        int r;

        r = bus_call(bus, c, "cannot read the stretch catalog", "ListStretches", 0, &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssuu)");
        if (r < 0)
                return log_error_errno(
                        r, "cannot read the stretch catalog: unexpected reply from psoasd: %m");
        for (;;) {
                Stretch s;

                r = sd_bus_message_read(reply, "(ssssuu)", &s.id, &s.title, &s.muscles, &s.instructions,
                        &s.hold_s, &s.repetitions);
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
        *ret_reply = TAKE_PTR(reply);
        *ret_stretches = TAKE_PTR(stretches);
        *ret_n = n;
        return 0;
}

static char *describe_dose(char *buf, size_t size, const Stretch *s) {
        if (s->hold_s > 0)
                snprintf(buf, size, "hold %u s per side", s->hold_s);
        else
                snprintf(buf, size, "%u repetitions", s->repetitions);
        return buf;
}

static int print_stretches_json(const Stretch *stretches, size_t n) {
        _cleanup_(json_object_put_nullp) json_object *array = json_object_new_array();

        if (!array)
                return log_oom();
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(array, o) < 0) {
                        json_object_put(o);
                        return log_oom();
                }
                if (json_add(o, "id", json_object_new_string(stretches[i].id)) < 0 ||
                        json_add(o, "title", json_object_new_string(stretches[i].title)) < 0 ||
                        json_add(o, "muscles", json_object_new_string(stretches[i].muscles)) < 0 ||
                        json_add(o, "instructions", json_object_new_string(stretches[i].instructions)) < 0 ||
                        json_add(o, "hold_seconds", json_object_new_uint64(stretches[i].hold_s)) < 0 ||
                        json_add(o, "repetitions", json_object_new_uint64(stretches[i].repetitions)) < 0)
                        return log_oom();
        }
        return json_print(array, true);
}

int verb_stretches(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Stretch *stretches = NULL;
        size_t n;
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = list_stretches(bus, c, &reply, &stretches, &n);
        if (r < 0)
                return r;
        if (c->json)
                return print_stretches_json(stretches, n);

        for (size_t i = 0; i < n; i++) {
                char dose[64];

                printf("%s%s: %s\n", i > 0 ? "\n" : "", stretches[i].id, stretches[i].title);
                printf("    For the %s; %s.\n", stretches[i].muscles,
                        describe_dose(dose, sizeof(dose), &stretches[i]));
                print_wrapped(stdout, stretches[i].instructions, 4, 100);
        }
        if (n == 0)
                printf("psoasd's stretch catalog is empty.\n");
        printf("\nReport one as done with: psoasctl done ID\n");
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

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        /* The catalog first: an unknown id is then told apart from other refusals, with the ids to choose. */
        r = list_stretches(bus, c, &reply, &stretches, &n);
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
