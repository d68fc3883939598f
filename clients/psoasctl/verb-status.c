/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* status: psoasd's state, read once, in words. */

#include <stdio.h>

#include "describe.h"

int verb_status(Context *c, int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(properties_done) Properties p = {};
        char line[512], tilt[DEGREES_MAX], inclination[DEGREES_MAX], when[CLOCK_MAX], duration[DURATION_MAX];
        int r;

        r = bus_connect(c, &bus);
        if (r < 0)
                return r;
        r = bus_get_properties(bus, c, &p);
        if (r < 0)
                return r;

        if (c->json)
                return json_print_built(properties_to_json(&p), true);

        if (!p.calibrated)
                printf("Posture:    unknown: not calibrated yet; stand tall and run 'psoasctl calibrate'\n");
        else
                printf("Posture:    %s, pelvic tilt %s (inclination %s)\n", p.posture ?: "unknown",
                        format_degrees(tilt, sizeof(tilt), p.tilt_deg),
                        format_degrees(inclination, sizeof(inclination), p.inclination_deg));

        if (p.sitting_since_us > 0)
                printf("Sitting:    for %s, since %s\n",
                        format_duration(duration, sizeof(duration), describe_bout_seconds(&p)),
                        format_clock(when, sizeof(when), p.sitting_since_us, describe_now_us(&p)));
        else
                printf("Sitting:    not in a sitting bout\n");

        printf("Today:      %s sitting",
                format_duration(duration, sizeof(duration), describe_sitting_today_s(&p)));
        if (p.last_break_us > 0)
                printf("; last break at %s",
                        format_clock(when, sizeof(when), p.last_break_us, describe_now_us(&p)));
        printf("\n");

        printf("Sensor:     %s\n", describe_sensor(line, sizeof(line), &p));
        printf("Alerts:     %s\n", describe_alerts(line, sizeof(line), &p));
        /* Only for a wearable with a gpio section: elsewhere there is nothing to say. */
        if (streq_ptr(p.haptics, "ready"))
                printf("Haptics:    vibration motor and button ready ('psoasctl buzz tilt' to feel one)\n");
        else if (streq_ptr(p.haptics, "error"))
                printf("Haptics:    not working; psoasd's log says why\n");
        printf("psoasd:     %s, on %s\n", p.version ?: "?", bus_where(c));
        return fflush(stdout) == 0 ? 0 : -errno;
}
