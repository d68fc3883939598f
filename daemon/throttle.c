/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"

/* Slots per set: a name may live in any of them. Eight keep collisions rare and the scan short. */
#define WAYS 8
/* Unique names are ":1.N"; a name this long or longer (not something dbus-daemon hands out) shares the overflow
 * bucket. Stored in the slot, so that a new client costs no allocation. */
#define NAME_MAX_LENGTH 63

typedef struct Bucket {
        double tokens;
        uint64_t last_usec;
        /* Refused since the bucket was last full: one flood, however many calls the refill lets through. */
        bool flooding;
} Bucket;

typedef struct Slot {
        bool used;
        uint64_t hash;
        char name[NAME_MAX_LENGTH + 1];
        Bucket bucket;
} Slot;

struct Throttle {
        ThrottleOptions options;
        size_t n_sets; /* a power of two */
        Slot *slots; /* n_sets × WAYS */
        Bucket overflow;
        bool overflow_used;
};

int throttle_new(const ThrottleOptions *options, Throttle **ret) {
        ThrottleOptions o = options ? *options
                                    : (ThrottleOptions){
                                              .rate_per_s = THROTTLE_DEFAULT_RATE_PER_S,
                                              .burst = THROTTLE_DEFAULT_BURST,
                                              .max_clients = THROTTLE_DEFAULT_MAX_CLIENTS,
                                              .idle_usec = THROTTLE_DEFAULT_IDLE_USEC,
                                      };
        Throttle *t;
        size_t n_sets = 1;

        if (!ret || !isfinite(o.rate_per_s) || o.rate_per_s <= 0 || !isfinite(o.burst) || o.burst < 1 ||
                o.max_clients < 1 || o.max_clients > (1u << 20))
                return -EINVAL;
        while (n_sets * WAYS < o.max_clients)
                n_sets *= 2;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->slots = calloc(n_sets * WAYS, sizeof(Slot));
        if (!t->slots) {
                free(t);
                return -ENOMEM;
        }
        t->options = o;
        t->n_sets = n_sets;
        *ret = t;
        return 0;
}

Throttle *throttle_free(Throttle *t) {
        if (!t)
                return NULL;
        free(t->slots);
        free(t);
        return NULL;
}

size_t throttle_capacity(const Throttle *t) {
        return t ? t->n_sets * WAYS : 0;
}

/* FNV-1a, 64 bits. */
static uint64_t hash_name(const char *name, size_t length) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < length; i++) {
                h ^= (unsigned char)name[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

/* The bucket's tokens as of now. A clock that went backwards (it cannot, being monotonic, but the caller may
 * mix sources) adds nothing. */
static double refilled(const Throttle *t, const Bucket *b, uint64_t now_usec) {
        double tokens = b->tokens;

        if (now_usec > b->last_usec)
                tokens += (double)(now_usec - b->last_usec) * t->options.rate_per_s / 1e6;
        return tokens < t->options.burst ? tokens : t->options.burst;
}

/* A slot whose client can be forgotten without changing any decision: its bucket is full again, or it has been
 * silent for idle_usec. */
static bool forgettable(const Throttle *t, const Slot *s, uint64_t now_usec) {
        return !s->used || refilled(t, &s->bucket, now_usec) >= t->options.burst ||
                (now_usec > s->bucket.last_usec && now_usec - s->bucket.last_usec >= t->options.idle_usec);
}

static Slot *set_of(const Throttle *t, uint64_t hash) {
        return &t->slots[(size_t)(hash & (t->n_sets - 1)) * WAYS];
}

static Slot *find(const Throttle *t, const char *name, uint64_t hash) {
        Slot *set = set_of(t, hash);

        for (size_t i = 0; i < WAYS; i++)
                if (set[i].used && set[i].hash == hash && strcmp(set[i].name, name) == 0)
                        return &set[i];
        return NULL;
}

/* A slot for a new client: a free one, else the forgettable one that has been quiet longest; NULL when every
 * slot of the set belongs to a client that is still busy. */
static Slot *claim(Throttle *t, const char *name, size_t length, uint64_t hash, uint64_t now_usec) {
        Slot *set = set_of(t, hash), *best = NULL;

        for (size_t i = 0; i < WAYS; i++) {
                if (!set[i].used) {
                        best = &set[i];
                        break;
                }
                if (forgettable(t, &set[i], now_usec) &&
                        (!best || set[i].bucket.last_usec < best->bucket.last_usec))
                        best = &set[i];
        }
        if (!best)
                return NULL;

        *best = (Slot){
                .used = true,
                .hash = hash,
                .bucket = { .tokens = t->options.burst, .last_usec = now_usec },
        };
        memcpy(best->name, name, length + 1);
        return best;
}

ThrottleVerdict throttle_take(Throttle *t, const char *client, uint64_t now_usec) {
        Bucket *b = NULL;
        ThrottleVerdict verdict;

        if (!t)
                return THROTTLE_ALLOW;

        if (client && client[0]) {
                size_t length = strnlen(client, NAME_MAX_LENGTH + 1);

                if (length <= NAME_MAX_LENGTH) {
                        uint64_t hash = hash_name(client, length);
                        Slot *s = find(t, client, hash) ?: claim(t, client, length, hash, now_usec);

                        if (s)
                                b = &s->bucket;
                }
        }
        if (!b) {
                b = &t->overflow;
                if (!t->overflow_used) {
                        *b = (Bucket){ .tokens = t->options.burst, .last_usec = now_usec };
                        t->overflow_used = true;
                }
        }

        b->tokens = refilled(t, b, now_usec);
        if (now_usec > b->last_usec)
                b->last_usec = now_usec;
        /* Quiet long enough to refill completely: whatever comes next is a new flood. */
        if (b->tokens >= t->options.burst)
                b->flooding = false;
        if (b->tokens >= 1) {
                b->tokens -= 1;
                return THROTTLE_ALLOW;
        }
        verdict = b->flooding ? THROTTLE_DENY : THROTTLE_DENY_FIRST;
        b->flooding = true;
        return verdict;
}

void throttle_forget(Throttle *t, const char *client) {
        size_t length;
        Slot *s;

        if (!t || !client)
                return;
        length = strnlen(client, NAME_MAX_LENGTH + 1);
        if (length == 0 || length > NAME_MAX_LENGTH)
                return;
        s = find(t, client, hash_name(client, length));
        if (s)
                *s = (Slot){};
}

size_t throttle_n_tracked(const Throttle *t, uint64_t now_usec) {
        size_t n = 0;

        if (!t)
                return 0;
        for (size_t i = 0; i < t->n_sets * WAYS; i++)
                if (!forgettable(t, &t->slots[i], now_usec))
                        n++;
        return n;
}
