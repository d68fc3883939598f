/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Per-client rate limits for bus calls: a token bucket per sender, keyed by its unique bus name (":1.42"). A
 * client gains rate_per_s tokens a second up to burst, and each call takes one; a call that finds no token is
 * refused, so that a client which floods the daemon gets errors back quickly, for almost no work, while everyone
 * else is served and the samples keep flowing.
 *
 * The table is bounded and set-associative: a name hashes to a set of a few slots, so each call costs the same
 * whatever the number of clients. A client that has been quiet long enough for its bucket to fill up again is
 * indistinguishable from a new one, so its slot is simply reused ("forgetting" it costs nothing). When a set has
 * no free or forgettable slot (more busy clients than max_clients), the newcomer shares one overflow bucket with
 * the other newcomers: memory stays bounded, and the clients already tracked keep their own buckets.
 *
 * Pure: no clock, no I/O; the caller passes the monotonic time. Unique names are assigned by the bus, not chosen by
 * clients, so a plain hash is enough.
 */

#include <stddef.h>
#include <stdint.h>

/* Journal message id: a client was throttled (daemon/psoasd.catalog explains it). */
#define MESSAGE_ID_CLIENT_THROTTLED "5f0b6a4c2e8d4c1f9a3b7d6e1c2a9b15"

/* The daemon's limits: psoasctl makes a handful of calls, psoas-notify a few a minute, a test polling a property
 * 50 a second; 100 a second with bursts of 400 leaves all of them alone. */
#define THROTTLE_DEFAULT_RATE_PER_S 100.0
#define THROTTLE_DEFAULT_BURST 400.0
#define THROTTLE_DEFAULT_MAX_CLIENTS 1024u
#define THROTTLE_DEFAULT_IDLE_USEC (60 * 1000000ull)

typedef struct ThrottleOptions {
        double rate_per_s; /* tokens a client gains per second: its sustained call rate (> 0) */
        double burst; /* the bucket's size: calls a quiet client may make at once (>= 1) */
        size_t max_clients; /* clients with a bucket of their own (>= 1) */
        uint64_t idle_usec; /* a client silent this long is forgotten even if its bucket is not yet full */
} ThrottleOptions;

typedef enum ThrottleVerdict {
        THROTTLE_ALLOW,
        THROTTLE_DENY_FIRST, /* refused, for the first time since its bucket was last full: a new flood, worth
                              * one log line */
        THROTTLE_DENY, /* refused again in the same flood (the calls the refill lets through do not end it) */
} ThrottleVerdict;

typedef struct Throttle Throttle;

/* options NULL: the defaults above. -EINVAL for options out of range. */
int throttle_new(const ThrottleOptions *options, Throttle **ret);
Throttle *throttle_free(Throttle *t);

/* One call from client at now_usec (monotonic). A NULL or empty client (a peer-to-peer connection has no
 * unique name) uses the overflow bucket. */
ThrottleVerdict throttle_take(Throttle *t, const char *client, uint64_t now_usec);

/* The client left the bus: its slot is free at once. Unknown clients are ignored. */
void throttle_forget(Throttle *t, const char *client);

/* How many clients have a bucket of their own that is not yet forgettable at now_usec (for tests and STATUS=). */
size_t throttle_n_tracked(const Throttle *t, uint64_t now_usec);

/* How many slots the table has: max_clients rounded up to whole sets. Never grows. */
size_t throttle_capacity(const Throttle *t);
