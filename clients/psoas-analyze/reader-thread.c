/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "reader-thread.h"

/* Big enough that the lock is taken once every few hundred microseconds; small enough to stay in cache. */
#define BATCH_RECORDS 4096
#define N_BATCHES 4

typedef struct Batch {
        size_t n;
        int status; /* 1: more follow; 0: the input ended; < 0: the reader failed after these records */
        CsvRecord records[BATCH_RECORDS];
} Batch;

struct ReaderThread {
        CsvReader *reader;
        pthread_t thread;
        bool running;

        pthread_mutex_t lock;
        pthread_cond_t filled, emptied;
        /* batches[head] onwards, count of them, are filled; the consumer reads batches[head] in place while
         * holding is set, so the producer, which fills batches[(head + count) % N_BATCHES], never touches it. */
        unsigned head, count;
        bool holding;
        bool stop; /* the consumer quit early */
        Batch batches[N_BATCHES];
};

static void *reader_thread_run(void *userdata) {
        ReaderThread *t = userdata;

        for (;;) {
                Batch *b;
                int k = 1;

                pthread_mutex_lock(&t->lock);
                while (t->count == N_BATCHES && !t->stop)
                        pthread_cond_wait(&t->emptied, &t->lock);
                if (t->stop) {
                        pthread_mutex_unlock(&t->lock);
                        return NULL;
                }
                b = &t->batches[(t->head + t->count) % N_BATCHES];
                pthread_mutex_unlock(&t->lock);

                b->n = 0;
                while (b->n < BATCH_RECORDS) {
                        k = csv_reader_read(t->reader, &b->records[b->n]);
                        if (k <= 0)
                                break;
                        b->n++;
                }
                b->status = k;

                pthread_mutex_lock(&t->lock);
                t->count++;
                pthread_cond_signal(&t->filled);
                pthread_mutex_unlock(&t->lock);

                if (k <= 0)
                        return NULL;
        }
}

int reader_thread_start(CsvReader *reader, ReaderThread **ret) {
        ReaderThread *t;
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->reader = reader;
        pthread_mutex_init(&t->lock, NULL);
        pthread_cond_init(&t->filled, NULL);
        pthread_cond_init(&t->emptied, NULL);

        r = pthread_create(&t->thread, NULL, reader_thread_run, t);
        if (r != 0) {
                reader_thread_free(t);
                return -r;
        }
        t->running = true;

        *ret = t;
        return 0;
}

int reader_thread_next(ReaderThread *t, const CsvRecord **ret_records, size_t *ret_n) {
        Batch *b;

        pthread_mutex_lock(&t->lock);
        if (t->holding && t->batches[t->head].status <= 0) {
                /* Called again after the end: nothing more. */
                int status = t->batches[t->head].status;

                pthread_mutex_unlock(&t->lock);
                *ret_records = NULL;
                *ret_n = 0;
                return status;
        }
        if (t->holding) {
                t->head = (t->head + 1) % N_BATCHES;
                t->count--;
                t->holding = false;
                pthread_cond_signal(&t->emptied);
        }
        /* The producer always publishes a last batch (status <= 0), so this cannot wait forever. */
        while (t->count == 0)
                pthread_cond_wait(&t->filled, &t->lock);
        b = &t->batches[t->head];
        t->holding = true;
        pthread_mutex_unlock(&t->lock);

        *ret_records = b->records;
        *ret_n = b->n;
        return b->status;
}

ReaderThread *reader_thread_free(ReaderThread *t) {
        if (!t)
                return NULL;
        if (t->running) {
                pthread_mutex_lock(&t->lock);
                t->stop = true;
                pthread_cond_signal(&t->emptied);
                pthread_mutex_unlock(&t->lock);
                pthread_join(t->thread, NULL);
        }
        pthread_cond_destroy(&t->emptied);
        pthread_cond_destroy(&t->filled);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
}
