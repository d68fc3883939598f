/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "prompt-details.h"
#include "macro.h"

int prompt_details_read(sd_bus_message *m, PromptDetails *d) {
        int r;

        r = sd_bus_message_read(m, "s", &d->safety);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                int b;

                r = sd_bus_message_read(m, "s", &key);
                if (r >= 0)
                        r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (streq(key, "hold_min_seconds") && streq(contents, "u"))
                        r = sd_bus_message_read(m, "v", "u", &d->hold_min_s);
                else if (streq(key, "repetitions_min") && streq(contents, "u"))
                        r = sd_bus_message_read(m, "v", "u", &d->repetitions_min);
                else if ((streq(key, "per_side") || streq(key, "verifiable")) && streq(contents, "b")) {
                        r = sd_bus_message_read(m, "v", "b", &b);
                        *(streq(key, "per_side") ? &d->per_side : &d->verifiable) = b;
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}
