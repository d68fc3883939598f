/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * psoasd's haptics (daemon/haptics.c) against an in-process fake behind the GPIO ops table: pattern timing and
 * priorities on a real sd-event loop, and the button's debouncing and press classification from edges with
 * chosen timestamps. Every case is named fake_*: none touches libgpiod or a GPIO chip (test-gpio-umockdev.py
 * does, through the real backend).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "haptics.h"
#include "test-util.h"

#define MS 1000ull
/* Timers never fire early, and a step is timed from when the motor switched: a step may only be longer than
 * planned, by as much as the machine delays the loop. That is a few ms on an idle machine, but hundreds with
 * fuzzers running beside an ASan build. So the floor is tight, and the ceiling is what a probe timer in the same
 * loop (every 10 ms) measured as its own worst lateness, plus a margin. */
#define EARLY_US (2 * MS)
#define LATE_MARGIN_US (30 * MS)
#define PROBE_PERIOD_US (10 * MS)

static uint64_t probe_late_max_us;

/* actual (µs) is planned (µs), give or take the loop's lateness. */
#define ASSERT_TIMED(actual, planned)                                                                       \
        do {                                                                                                \
                ASSERT_GE((double)(actual), (double)(planned) - (double)EARLY_US);                          \
                ASSERT_LE((double)(actual),                                                                 \
                        (double)(planned) + (double)(probe_late_max_us + LATE_MARGIN_US));                  \
        } while (0)

/* ---------------------------------------------------------------------------------------------------------- */
/* The fake: a motor whose switchings are recorded, and a button whose edges the test queues behind a pipe. */

typedef struct MotorSwitch {
        bool on;
        uint64_t t_us;
} MotorSwitch;

static struct {
        int pipe[2];
        GpioEdge edges[64];
        size_t n_edges;
        MotorSwitch switches[256];
        size_t n_switches;
        int set_error; /* set_motor fails with this once non-zero */
        int open_error;
        bool open;
        bool closed;
        uint64_t closed_us;
} fake;

static uint64_t now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int fake_open(Gpio *g, const GpioOptions *o, char **ret_error) {
        if (fake.open_error) {
                if (ret_error)
                        *ret_error = strdup("fake chip: no line 99 for the motor");
                return -fake.open_error;
        }
        g->has_motor = o->motor != NULL;
        g->has_button = o->button != NULL;
        g->description = strdup("fake motor and button");
        fake.open = true;
        return 0;
}

static void fake_close(Gpio *g) {
        if (!fake.open)
                return;
        fake.open = false;
        fake.closed = true;
        fake.closed_us = now_us();
}

static int fake_get_fd(Gpio *g) {
        return g->has_button ? fake.pipe[0] : -ENOENT;
}

static int fake_set_motor(Gpio *g, bool on) {
        if (!g->has_motor)
                return -ENOENT;
        if (fake.set_error)
                return -fake.set_error;
        ASSERT_TRUE(fake.n_switches < ELEMENTSOF(fake.switches));
        fake.switches[fake.n_switches++] = (MotorSwitch){ on, now_us() };
        return 0;
}

static int fake_read_edges(Gpio *g, GpioEdge *edges, size_t max) {
        char buf[64];
        size_t n = 0;

        while (read(fake.pipe[0], buf, sizeof(buf)) > 0)
                ;
        while (n < max && n < fake.n_edges) {
                edges[n] = fake.edges[n];
                n++;
        }
        memmove(fake.edges, fake.edges + n, (fake.n_edges - n) * sizeof(GpioEdge));
        fake.n_edges -= n;
        /* More than max left: the fd must stay readable. */
        if (fake.n_edges > 0)
                ASSERT_EQ(write(fake.pipe[1], "x", 1), 1);
        return (int)n;
}

static const GpioOps fake_ops = {
        .kind = "fake",
        .open = fake_open,
        .close = fake_close,
        .get_fd = fake_get_fd,
        .set_motor = fake_set_motor,
        .read_edges = fake_read_edges,
};

/* Queues an edge at t_us (CLOCK_MONOTONIC) and makes the fd readable. */
static void fake_edge(bool pressed, uint64_t t_us) {
        ASSERT_TRUE(fake.n_edges < ELEMENTSOF(fake.edges));
        fake.edges[fake.n_edges++] = (GpioEdge){ pressed, t_us };
        ASSERT_EQ(write(fake.pipe[1], "x", 1), 1);
}

/* A press (or release) at t_us, then bounces: each entry is the ms to the next edge, flipping the level. */
static uint64_t fake_bouncing(bool pressed, uint64_t t_us, const unsigned *bounces_ms, size_t n) {
        bool level = pressed;

        fake_edge(level, t_us);
        for (size_t i = 0; i < n; i++) {
                t_us += bounces_ms[i] * MS;
                level = !level;
                fake_edge(level, t_us);
        }
        if (level != pressed) {
                t_us += MS;
                fake_edge(pressed, t_us);
        }
        return t_us;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* A Haptics on the fake, with the presses and failures it reports */

typedef struct Recorded {
        ButtonPress presses[16];
        uint64_t press_us[16];
        size_t n_presses;
        int failed;
} Recorded;

static void on_press(Haptics *h, ButtonPress press, void *userdata) {
        Recorded *rec = userdata;

        ASSERT_TRUE(rec->n_presses < ELEMENTSOF(rec->presses));
        rec->press_us[rec->n_presses] = now_us();
        rec->presses[rec->n_presses++] = press;
}

static void on_failed(Haptics *h, int error, void *userdata) {
        Recorded *rec = userdata;

        rec->failed = error;
}

static const HapticsCallbacks callbacks = { .press = on_press, .failed = on_failed };

static const GpioLineConfig motor_line = { .offset = 17 };
static const GpioLineConfig button_line = { .offset = 27, .active_low = true };

static int on_probe(sd_event_source *s, uint64_t usec, void *userdata) {
        uint64_t now = now_us();

        if (now > usec && now - usec > probe_late_max_us)
                probe_late_max_us = now - usec;
        ASSERT_EQ(sd_event_source_set_time(s, now + PROBE_PERIOD_US), 0);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static sd_event *setup(bool motor, bool button, Haptics **ret, Recorded *rec) {
        GpioOptions options = {
                .chip = "fake",
                .motor = motor ? &motor_line : NULL,
                .button = button ? &button_line : NULL,
                .button_bias = GPIO_BIAS_PULL_UP,
        };
        sd_event *e = NULL;

        memset(&fake, 0, sizeof(fake));
        ASSERT_EQ(pipe2(fake.pipe, O_NONBLOCK | O_CLOEXEC), 0);
        memset(rec, 0, sizeof(*rec));
        ASSERT_EQ(sd_event_new(&e), 0);
        /* Floating: freed with the loop. */
        probe_late_max_us = 0;
        ASSERT_EQ(sd_event_add_time(
                          e, NULL, CLOCK_MONOTONIC, now_us() + PROBE_PERIOD_US, 1000, on_probe, NULL),
                0);
        ASSERT_EQ(haptics_new(e, &fake_ops, &options, &callbacks, rec, ret, NULL), 0);
        ASSERT_TRUE(fake.open);
        return e;
}

static void teardown(sd_event *e, Haptics *h) {
        haptics_free(h);
        ASSERT_TRUE(fake.closed);
        sd_event_unref(e);
        close(fake.pipe[0]);
        close(fake.pipe[1]);
}

/* Runs the loop for usec of wall time. */
static void run_for(sd_event *e, uint64_t usec) {
        uint64_t end = now_us() + usec;

        for (uint64_t t; (t = now_us()) < end;)
                ASSERT_GE(sd_event_run(e, end - t), 0);
}

/* Runs the loop until the pattern (and its rest) is over; fails after timeout. */
static void run_until_quiet(sd_event *e, Haptics *h, uint64_t timeout) {
        uint64_t end = now_us() + timeout;

        while (haptics_playing(h)) {
                ASSERT_LE(now_us(), end);
                ASSERT_GE(sd_event_run(e, 10 * MS), 0);
        }
}

/* Checks the recorded switchings from index *i on: on for on_ms[k], then off for off_ms[k] (the last off open
 * ended when off_ms[k] is 0). Advances *i past them. */
static void expect_pulses(size_t *i, size_t n, const uint32_t *on_ms, const uint32_t *off_ms) {
        for (size_t k = 0; k < n; k++) {
                ASSERT_LE(*i + 2, fake.n_switches);
                ASSERT_TRUE(fake.switches[*i].on);
                ASSERT_TRUE(!fake.switches[*i + 1].on);
                ASSERT_TIMED(fake.switches[*i + 1].t_us - fake.switches[*i].t_us, on_ms[k] * MS);
                if (off_ms[k] > 0) {
                        ASSERT_LE(*i + 3, fake.n_switches);
                        ASSERT_TIMED(
                                fake.switches[*i + 2].t_us - fake.switches[*i + 1].t_us, off_ms[k] * MS);
                }
                *i += 2;
        }
}

/* The pattern as the table says, played alone: each pulse and each pause. */
static void expect_pattern(size_t *i, HapticPattern p, uint32_t level) {
        uint32_t ms[HAPTIC_STEPS_MAX], on[HAPTIC_STEPS_MAX], off[HAPTIC_STEPS_MAX];
        size_t n = haptic_pattern_steps(p, level, ms), pulses = 0;

        for (size_t k = 0; k < n; k += 2) {
                on[pulses] = ms[k];
                off[pulses++] = k + 1 < n ? ms[k + 1] : 0;
        }
        expect_pulses(i, pulses, on, off);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Patterns */

TEST(fake_pattern_table) {
        static const struct {
                HapticPattern pattern;
                uint32_t level;
                unsigned pulses;
                uint32_t on_ms, off_ms;
        } expected[] = {
                { HAPTIC_PATTERN_SITTING, 1, 2, 600, 400 },
                { HAPTIC_PATTERN_SITTING, 2, 3, 600, 400 },
                { HAPTIC_PATTERN_SITTING, 3, 4, 600, 400 },
                { HAPTIC_PATTERN_SITTING, 0, 2, 600, 400 }, /* clamped */
                { HAPTIC_PATTERN_SITTING, 9, 4, 600, 400 }, /* clamped */
                { HAPTIC_PATTERN_TILT, 1, 3, 150, 150 },
                { HAPTIC_PATTERN_CALIBRATION_DONE, 0, 5, 150, 150 },
                { HAPTIC_PATTERN_CALIBRATION_REFUSED, 0, 1, 1500, 0 },
                { HAPTIC_PATTERN_SLOUCH, 1, 2, 150, 400 },
        };
        uint32_t ms[HAPTIC_STEPS_MAX];

        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                size_t n = haptic_pattern_steps(expected[i].pattern, expected[i].level, ms);

                ASSERT_EQ(n, 2 * expected[i].pulses - 1);
                for (size_t k = 0; k < n; k++)
                        ASSERT_EQ(ms[k], k % 2 == 0 ? expected[i].on_ms : expected[i].off_ms);
        }
        ASSERT_EQ(haptic_pattern_steps(_HAPTIC_PATTERN_MAX, 1, ms), 0);

        for (HapticPattern p = 0; p < _HAPTIC_PATTERN_MAX; p++)
                ASSERT_EQ(haptic_pattern_from_string(haptic_pattern_to_string(p)), p);
        ASSERT_STREQ(haptic_pattern_to_string(HAPTIC_PATTERN_CALIBRATION_REFUSED), "calibration-refused");
        ASSERT_EQ(haptic_pattern_from_string("buzz"), -EINVAL);
        ASSERT_EQ(haptic_pattern_from_string("Tilt"), -EINVAL);
        ASSERT_EQ(haptic_pattern_from_string(NULL), -EINVAL);
        ASSERT_TRUE(haptic_pattern_to_string(_HAPTIC_PATTERN_MAX) == NULL);

        ASSERT_EQ(haptic_pattern_priority(HAPTIC_PATTERN_SITTING), HAPTIC_PRIORITY_ALERT);
        ASSERT_EQ(haptic_pattern_priority(HAPTIC_PATTERN_TILT), HAPTIC_PRIORITY_ALERT);
        ASSERT_EQ(haptic_pattern_priority(HAPTIC_PATTERN_SLOUCH), HAPTIC_PRIORITY_ALERT);
        ASSERT_STREQ(haptic_pattern_to_string(HAPTIC_PATTERN_SLOUCH), "slouch");
        ASSERT_EQ(haptic_pattern_priority(HAPTIC_PATTERN_CALIBRATION_DONE), HAPTIC_PRIORITY_CALIBRATION);
        ASSERT_EQ(haptic_pattern_priority(HAPTIC_PATTERN_CALIBRATION_REFUSED), HAPTIC_PRIORITY_CALIBRATION);
}

TEST(fake_tilt_timing) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t start = now_us();
        size_t i = 0;

        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, false), 0);
        ASSERT_TRUE(haptics_playing(h));
        /* The first pulse starts at once, not at the next loop iteration. */
        ASSERT_EQ(fake.n_switches, 1);
        ASSERT_LE(fake.switches[0].t_us - start, 5 * MS);
        run_until_quiet(e, h, 3000 * MS);

        expect_pattern(&i, HAPTIC_PATTERN_TILT, 1);
        ASSERT_EQ(fake.n_switches, 6);
        /* The rest after the pattern kept it "playing" for 500 ms more. */
        ASSERT_GE(now_us() - fake.switches[5].t_us, HAPTIC_REST_MS * MS - EARLY_US);
        teardown(e, h);
}

TEST(fake_sitting_timing) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, false, &h, &rec);
        size_t i = 0;

        /* Level 2: three long pulses. */
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_SITTING, 2, false), 0);
        run_until_quiet(e, h, 5000 * MS);
        expect_pattern(&i, HAPTIC_PATTERN_SITTING, 2);
        ASSERT_EQ(fake.n_switches, 6);
        teardown(e, h);
}

TEST(fake_calibration_timing) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        size_t i = 0;

        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_CALIBRATION_DONE, 0, false), 0);
        run_until_quiet(e, h, 3000 * MS);
        expect_pattern(&i, HAPTIC_PATTERN_CALIBRATION_DONE, 0);
        ASSERT_EQ(fake.n_switches, 10);

        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0, false), 0);
        run_until_quiet(e, h, 3000 * MS);
        expect_pattern(&i, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
        ASSERT_EQ(fake.n_switches, 12);
        teardown(e, h);
}

TEST(fake_more_important_cuts_short) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t cut;
        size_t i = 2;

        /* A sitting alert, 100 ms into its first 600 ms pulse the calibration is done. */
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_SITTING, 3, false), 0);
        run_for(e, 100 * MS);
        cut = now_us();
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_CALIBRATION_DONE, 0, false), 0);
        /* Off at once. */
        ASSERT_EQ(fake.n_switches, 2);
        ASSERT_TRUE(!fake.switches[1].on);
        ASSERT_LE(fake.switches[1].t_us - cut, 5 * MS);
        run_until_quiet(e, h, 4000 * MS);

        /* Then the pause, then all of the new pattern and nothing of the old one. */
        ASSERT_TIMED(fake.switches[2].t_us - fake.switches[1].t_us, HAPTIC_CUT_PAUSE_MS * MS);
        expect_pattern(&i, HAPTIC_PATTERN_CALIBRATION_DONE, 0);
        ASSERT_EQ(fake.n_switches, 12);

        /* Equal priority cuts too (the newer alert is the one that matters), and a test cuts a calibration. */
        fake.n_switches = 0;
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, false), 0);
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_SITTING, 1, false), 0);
        run_until_quiet(e, h, 4000 * MS);
        i = 2;
        expect_pattern(&i, HAPTIC_PATTERN_SITTING, 1);
        ASSERT_EQ(fake.n_switches, 6);

        fake.n_switches = 0;
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0, false), 0);
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, true), 0);
        run_until_quiet(e, h, 4000 * MS);
        i = 2;
        expect_pattern(&i, HAPTIC_PATTERN_TILT, 1);
        ASSERT_EQ(fake.n_switches, 8);
        teardown(e, h);
}

TEST(fake_less_important_waits) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        size_t i = 0;

        /* While the refusal plays, a tilt alert and then a sitting alert come: they wait, and only the newer of
         * the two plays, after the refusal and its rest. */
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0, false), 0);
        run_for(e, 100 * MS);
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, false), 0);
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_SITTING, 1, false), 0);
        ASSERT_EQ(fake.n_switches, 1);
        run_until_quiet(e, h, 6000 * MS);

        expect_pattern(&i, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0);
        ASSERT_TIMED(fake.switches[2].t_us - fake.switches[1].t_us, HAPTIC_REST_MS * MS);
        expect_pattern(&i, HAPTIC_PATTERN_SITTING, 1);
        ASSERT_EQ(fake.n_switches, 6);
        teardown(e, h);
}

TEST(fake_free_stops_motor) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);

        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_CALIBRATION_REFUSED, 0, false), 0);
        run_for(e, 100 * MS);
        ASSERT_EQ(fake.n_switches, 1);
        ASSERT_TRUE(fake.switches[0].on);

        /* In the middle of the pulse: off first, then the lines are closed. */
        teardown(e, h);
        ASSERT_EQ(fake.n_switches, 2);
        ASSERT_TRUE(!fake.switches[1].on);
        ASSERT_LE(fake.switches[1].t_us, fake.closed_us);
}

TEST(fake_failure_stops) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);

        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, false), 0);
        fake.set_error = EIO;
        run_for(e, 400 * MS);
        ASSERT_EQ(rec.failed, -EIO);
        ASSERT_TRUE(!haptics_playing(h));
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, false), -EIO);

        /* A failed object ignores the button too. */
        fake_edge(true, now_us());
        run_for(e, 2500 * MS);
        ASSERT_EQ(rec.n_presses, 0);
        teardown(e, h);
}

TEST(fake_button_only_and_open_error) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(false, true, &h, &rec);
        char *error = NULL;
        GpioOptions options = { .chip = "fake", .motor = &motor_line };

        ASSERT_TRUE(!haptics_has_motor(h));
        ASSERT_TRUE(haptics_has_button(h));
        ASSERT_STREQ(haptics_description(h), "fake motor and button");
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, true), -ENOENT);
        teardown(e, h);

        /* A backend that cannot open: its sentence comes through, and nothing is left open. */
        memset(&fake, 0, sizeof(fake));
        fake.open_error = ENOENT;
        h = NULL;
        ASSERT_EQ(sd_event_new(&e), 0);
        ASSERT_EQ(haptics_new(e, &fake_ops, &options, &callbacks, &rec, &h, &error), -ENOENT);
        ASSERT_TRUE(h == NULL);
        ASSERT_STREQ(error, "fake chip: no line 99 for the motor");
        ASSERT_TRUE(!fake.open);
        free(error);
        sd_event_unref(e);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The button */

TEST(fake_short_press_with_bounces) {
        static const unsigned press_bounces[] = { 2, 5, 3, 1 }, release_bounces[] = { 4, 6 };
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t released;

        fake_bouncing(true, now_us(), press_bounces, ELEMENTSOF(press_bounces));
        run_for(e, 200 * MS);
        ASSERT_EQ(rec.n_presses, 0);
        released = now_us();
        fake_bouncing(false, released, release_bounces, ELEMENTSOF(release_bounces));

        /* Decided once the window for a second press has passed, not before. */
        run_for(e, BUTTON_DOUBLE_WINDOW_US + 1000 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_SHORT);
        ASSERT_TIMED(rec.press_us[0] - released, BUTTON_DOUBLE_WINDOW_US);
        teardown(e, h);
}

TEST(fake_bounces_alone_ignored) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t t = now_us() - 3000 * MS;

        /* Glitches: pressed for less than 30 ms each, a few of them, spread out. */
        for (unsigned k = 0; k < 5; k++) {
                fake_edge(true, t);
                fake_edge(false, t + (5 + 5 * k) * MS);
                t += 200 * MS;
        }
        run_for(e, 1000 * MS);
        ASSERT_EQ(rec.n_presses, 0);
        teardown(e, h);
}

TEST(fake_long_press) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t pressed = now_us();

        fake_edge(true, pressed);
        /* At the 2 s mark, while still held. */
        run_for(e, BUTTON_LONG_US + 1000 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_LONG);
        ASSERT_TIMED(rec.press_us[0] - pressed, BUTTON_LONG_US);

        /* The release after it decides nothing more. */
        fake_edge(false, now_us());
        run_for(e, 800 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        teardown(e, h);
}

TEST(fake_press_just_short_of_long) {
        static const unsigned release_bounces[] = { 10, 10 };
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t t = now_us() - 5000 * MS;

        /* Released after 1.99 s, with bounces that settle only after the 2 s mark: short, from timestamps
         * alone. */
        fake_edge(true, t);
        fake_bouncing(false, t + 1990 * MS, release_bounces, ELEMENTSOF(release_bounces));
        run_for(e, 100 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_SHORT);
        teardown(e, h);

        /* 2.0 s exactly is long. (A new classifier: edges older than the time it has processed count as then.) */
        e = setup(true, true, &h, &rec);
        t = now_us() - 5000 * MS;
        fake_edge(true, t);
        fake_edge(false, t + BUTTON_LONG_US);
        run_for(e, 100 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_LONG);
        teardown(e, h);
}

TEST(fake_double_press) {
        static const unsigned bounces[] = { 3, 3 };
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t t = now_us();

        /* Press, release, press again 300 ms later, all bouncing: one double press, at the second press. */
        fake_bouncing(true, t, bounces, ELEMENTSOF(bounces));
        fake_bouncing(false, t + 120 * MS, bounces, ELEMENTSOF(bounces));
        fake_bouncing(true, t + 420 * MS, bounces, ELEMENTSOF(bounces));
        fake_bouncing(false, t + 520 * MS, bounces, ELEMENTSOF(bounces));
        run_for(e, 1500 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_DOUBLE);
        teardown(e, h);

        /* A second press after the window: two short presses. */
        e = setup(true, true, &h, &rec);
        t = now_us() - 3000 * MS;
        fake_edge(true, t);
        fake_edge(false, t + 100 * MS);
        fake_edge(true, t + 100 * MS + BUTTON_DOUBLE_WINDOW_US + 50 * MS);
        fake_edge(false, t + 200 * MS + BUTTON_DOUBLE_WINDOW_US + 50 * MS);
        run_for(e, 100 * MS);
        ASSERT_EQ(rec.n_presses, 2);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_SHORT);
        ASSERT_EQ(rec.presses[1], BUTTON_PRESS_SHORT);
        teardown(e, h);
}

TEST(fake_many_edges_at_once) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        uint64_t t = now_us() - 20000 * MS;

        /* More edges than one read takes, all in the past: short, long, double, short, in this order. */
        for (unsigned k = 0; k < 4; k++) {
                fake_edge(true, t);
                fake_edge(false, t + 1 * MS);
                t += 3 * MS;
        }
        fake_edge(true, t);
        fake_edge(false, t + 100 * MS);
        t += 2000 * MS;
        fake_edge(true, t);
        fake_edge(false, t + 2500 * MS);
        t += 4000 * MS;
        fake_edge(true, t);
        fake_edge(false, t + 100 * MS);
        fake_edge(true, t + 300 * MS);
        fake_edge(false, t + 400 * MS);
        t += 2000 * MS;
        fake_edge(true, t);
        fake_edge(false, t + 100 * MS);
        ASSERT_GE(fake.n_edges, 17);

        run_for(e, 100 * MS);
        ASSERT_EQ(rec.n_presses, 4);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_SHORT);
        ASSERT_EQ(rec.presses[1], BUTTON_PRESS_LONG);
        ASSERT_EQ(rec.presses[2], BUTTON_PRESS_DOUBLE);
        ASSERT_EQ(rec.presses[3], BUTTON_PRESS_SHORT);
        teardown(e, h);
}

TEST(fake_press_plays_while_pattern_runs) {
        Recorded rec;
        Haptics *h;
        sd_event *e = setup(true, true, &h, &rec);
        size_t i = 0;

        /* The button and the motor share the loop: a press during a pattern neither delays nor cuts it. */
        ASSERT_EQ(haptics_play(h, HAPTIC_PATTERN_TILT, 1, false), 0);
        fake_edge(true, now_us());
        run_for(e, 80 * MS);
        fake_edge(false, now_us());
        run_until_quiet(e, h, 3000 * MS);
        run_for(e, 100 * MS);
        ASSERT_EQ(rec.n_presses, 1);
        ASSERT_EQ(rec.presses[0], BUTTON_PRESS_SHORT);
        expect_pattern(&i, HAPTIC_PATTERN_TILT, 1);
        ASSERT_EQ(fake.n_switches, 6);
        teardown(e, h);
}

TEST_MAIN
