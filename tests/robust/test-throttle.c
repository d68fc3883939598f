/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* daemon/throttle.c: per-client token buckets in a bounded table. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "test-util.h"
#include "throttle.h"

#define USEC 1000000ull

static Throttle *new_throttle(double rate, double burst, size_t max_clients, uint64_t idle_usec) {
        ThrottleOptions o = {
                .rate_per_s = rate, .burst = burst, .max_clients = max_clients, .idle_usec = idle_usec
        };
        Throttle *t = NULL;

        ASSERT_EQ(throttle_new(&o, &t), 0);
        ASSERT_TRUE(t);
        return t;
}

/* n calls from client at now; returns how many were allowed. */
static unsigned calls(Throttle *t, const char *client, unsigned n, uint64_t now) {
        unsigned allowed = 0;

        for (unsigned i = 0; i < n; i++)
                if (throttle_take(t, client, now) == THROTTLE_ALLOW)
                        allowed++;
        return allowed;
}

static void client_name(unsigned i, char buf[static 32]) {
        snprintf(buf, 32, ":1.%u", i);
}

TEST(burst_then_refusal) {
        Throttle *t = new_throttle(5, 10, 64, 60 * USEC);

        ASSERT_EQ(calls(t, ":1.7", 10, 1000), 10);
        ASSERT_EQ(throttle_take(t, ":1.7", 1000), THROTTLE_DENY_FIRST);
        ASSERT_EQ(throttle_take(t, ":1.7", 1000), THROTTLE_DENY);
        ASSERT_EQ(throttle_take(t, ":1.7", 1000), THROTTLE_DENY);
        throttle_free(t);
}

TEST(refills_at_the_rate) {
        Throttle *t = new_throttle(5, 10, 64, 60 * USEC);

        ASSERT_EQ(calls(t, ":1.7", 20, 0), 10);
        /* 1 s later: five tokens. */
        ASSERT_EQ(calls(t, ":1.7", 20, 1 * USEC), 5);
        /* 0.2 s later: one. */
        ASSERT_EQ(calls(t, ":1.7", 20, 1 * USEC + USEC / 5), 1);
        /* Never more than the burst, however long the pause. */
        ASSERT_EQ(calls(t, ":1.7", 100, 3600 * USEC), 10);
        throttle_free(t);
}

TEST(sustained_rate_is_never_refused_and_twice_it_is_halved) {
        Throttle *t = new_throttle(100, 400, 64, 60 * USEC);
        unsigned allowed = 0;

        /* Exactly 100 calls a second for a minute. */
        for (uint64_t i = 0; i < 6000; i++)
                ASSERT_EQ(throttle_take(t, ":1.1", i * (USEC / 100)), THROTTLE_ALLOW);

        /* 200 a second for 60 s: the burst, then 100 a second. */
        for (uint64_t i = 0; i < 12000; i++)
                if (throttle_take(t, ":1.2", i * (USEC / 200)) == THROTTLE_ALLOW)
                        allowed++;
        ASSERT_NEAR(allowed, 400 + 100 * 60, 5);
        throttle_free(t);
}

TEST(clients_are_independent) {
        Throttle *t = new_throttle(10, 20, 64, 60 * USEC);

        ASSERT_EQ(calls(t, ":1.100", 100000, 5 * USEC), 20);
        ASSERT_EQ(calls(t, ":1.101", 20, 5 * USEC), 20);
        ASSERT_EQ(throttle_take(t, ":1.101", 5 * USEC), THROTTLE_DENY_FIRST);
        throttle_free(t);
}

TEST(first_refusal_is_reported_once_per_flood) {
        Throttle *t = new_throttle(1, 1, 64, 60 * USEC);

        ASSERT_EQ(throttle_take(t, ":1.5", 0), THROTTLE_ALLOW);
        ASSERT_EQ(throttle_take(t, ":1.5", 1), THROTTLE_DENY_FIRST);
        for (unsigned i = 0; i < 100; i++)
                ASSERT_EQ(throttle_take(t, ":1.5", 2 + i), THROTTLE_DENY);
        /* Quiet until the bucket is full again, then flooding again: a new first refusal. */
        ASSERT_EQ(throttle_take(t, ":1.5", 2 * USEC), THROTTLE_ALLOW);
        ASSERT_EQ(throttle_take(t, ":1.5", 2 * USEC), THROTTLE_DENY_FIRST);
        throttle_free(t);
}

TEST(a_sustained_flood_is_one_flood) {
        /* 1000 calls a second for 10 s at 100 a second: the refill lets 100 a second through, and the flood is
         * reported once, not after each of them. */
        Throttle *t = new_throttle(100, 400, 64, 60 * USEC);
        unsigned allowed = 0, first = 0;

        for (uint64_t i = 0; i < 10000; i++)
                switch (throttle_take(t, ":1.8", i * (USEC / 1000))) {
                case THROTTLE_ALLOW:
                        allowed++;
                        break;
                case THROTTLE_DENY_FIRST:
                        first++;
                        break;
                case THROTTLE_DENY:
                        break;
                }
        ASSERT_EQ(first, 1);
        ASSERT_NEAR(allowed, 400 + 100 * 10, 5);
        throttle_free(t);
}

TEST(table_stays_bounded_through_many_clients) {
        Throttle *t = new_throttle(100, 400, 256, 60 * USEC);
        size_t capacity = throttle_capacity(t);
        char name[32];

        ASSERT_EQ(capacity, 256);
        /* 100000 clients come and go, one a millisecond, each making a few calls (and taking 30 ms to be
         * forgettable): each gets its own bucket, in a table that never grows. */
        for (unsigned i = 0; i < 100000; i++) {
                client_name(i, name);
                ASSERT_EQ(calls(t, name, 3, (uint64_t)i * 1000), 3);
                ASSERT_LE(throttle_n_tracked(t, (uint64_t)i * 1000), 40);
        }
        ASSERT_EQ(throttle_capacity(t), capacity);
        ASSERT_EQ(throttle_n_tracked(t, 200 * USEC), 0);
        throttle_free(t);
}

TEST(idle_clients_are_forgotten) {
        Throttle *t = new_throttle(10, 20, 1024, 30 * USEC);
        char name[32];

        for (unsigned i = 0; i < 16; i++) {
                client_name(i, name);
                ASSERT_EQ(calls(t, name, 5, 0), 5);
        }
        ASSERT_EQ(throttle_n_tracked(t, 0), 16);
        /* Half a second later the buckets hold 15 + 5 = 20 tokens again: full, nothing to remember. */
        ASSERT_EQ(throttle_n_tracked(t, USEC / 2), 0);
        /* A client that emptied its bucket at 1 token a minute is forgotten after idle_usec all the same. */
        throttle_free(t);
        t = new_throttle(1.0 / 60, 20, 16, 30 * USEC);
        ASSERT_EQ(calls(t, ":1.1", 20, 0), 20);
        ASSERT_EQ(throttle_n_tracked(t, 29 * USEC), 1);
        ASSERT_EQ(throttle_n_tracked(t, 30 * USEC), 0);
        throttle_free(t);
}

TEST(busy_table_sends_newcomers_to_one_shared_bucket) {
        /* One set of 8 slots, all held by clients that keep calling. */
        Throttle *t = new_throttle(1, 10, 8, 60 * USEC);
        char name[32];

        ASSERT_EQ(throttle_capacity(t), 8);
        for (unsigned i = 0; i < 8; i++) {
                client_name(i, name);
                ASSERT_EQ(calls(t, name, 5, 0), 5);
        }
        /* Newcomers share the overflow bucket: 10 calls between all of them. */
        ASSERT_EQ(calls(t, ":1.1000", 6, 0) + calls(t, ":1.1001", 6, 0) + calls(t, ":1.1002", 6, 0), 10);
        /* The tracked clients kept their own buckets. */
        for (unsigned i = 0; i < 8; i++) {
                client_name(i, name);
                ASSERT_EQ(calls(t, name, 10, 0), 5);
        }
        /* One of them leaves the bus: its slot goes to the next newcomer. */
        throttle_forget(t, ":1.3");
        ASSERT_EQ(calls(t, ":1.1003", 10, 0), 10);
        throttle_free(t);
}

TEST(forget_gives_a_fresh_bucket) {
        Throttle *t = new_throttle(1, 5, 64, 60 * USEC);

        ASSERT_EQ(calls(t, ":1.9", 10, 0), 5);
        throttle_forget(t, ":1.9");
        throttle_forget(t, ":1.unknown");
        throttle_forget(t, "");
        throttle_forget(t, NULL);
        ASSERT_EQ(calls(t, ":1.9", 10, 0), 5);
        throttle_free(t);
}

TEST(nameless_and_overlong_clients_share_the_overflow_bucket) {
        Throttle *t = new_throttle(1, 4, 64, 60 * USEC);
        char long_name[200];

        memset(long_name, 'x', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        ASSERT_EQ(calls(t, NULL, 1, 0) + calls(t, "", 1, 0) + calls(t, long_name, 10, 0), 4);
        ASSERT_EQ(throttle_n_tracked(t, 0), 0);
        throttle_free(t);
}

TEST(time_going_backwards_gives_nothing) {
        Throttle *t = new_throttle(10, 10, 64, 60 * USEC);

        ASSERT_EQ(calls(t, ":1.2", 10, 100 * USEC), 10);
        ASSERT_EQ(calls(t, ":1.2", 10, 50 * USEC), 0);
        /* Refilling counts from the latest time seen. */
        ASSERT_EQ(calls(t, ":1.2", 10, 100 * USEC + USEC / 2), 5);
        throttle_free(t);
}

TEST(defaults_and_bad_options) {
        ThrottleOptions o = { .rate_per_s = 1, .burst = 1, .max_clients = 1, .idle_usec = 1 };
        Throttle *t = NULL;

        ASSERT_EQ(throttle_new(NULL, &t), 0);
        ASSERT_EQ(throttle_capacity(t), THROTTLE_DEFAULT_MAX_CLIENTS);
        ASSERT_EQ(calls(t, ":1.1", 1000, 0), (unsigned)THROTTLE_DEFAULT_BURST);
        t = throttle_free(t);
        ASSERT_TRUE(t == NULL);

        ASSERT_EQ(throttle_new(&o, NULL), -EINVAL);
        o.rate_per_s = 0;
        ASSERT_EQ(throttle_new(&o, &t), -EINVAL);
        o.rate_per_s = 1;
        o.burst = 0.5;
        ASSERT_EQ(throttle_new(&o, &t), -EINVAL);
        o.burst = 1;
        o.max_clients = 0;
        ASSERT_EQ(throttle_new(&o, &t), -EINVAL);
        ASSERT_TRUE(t == NULL);

        /* A NULL table lets everything through and forgets nothing. */
        ASSERT_EQ(throttle_take(NULL, ":1.1", 0), THROTTLE_ALLOW);
        throttle_forget(NULL, ":1.1");
        ASSERT_EQ(throttle_n_tracked(NULL, 0), 0);
        ASSERT_EQ(throttle_capacity(NULL), 0);
}

TEST_MAIN
