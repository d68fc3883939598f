/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reader for contexts whose buffers have no poll fd (the ip: backend of libiio 0.24): one thread per
 * buffer does blocking refills and hands the bytes to the loop through a bounded queue and the eventfd; the
 * loop decodes them (source-iio-stream.c). See source-iio-internal.h.
 */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source-iio-internal.h"

/* Blocks (one refill each) the reader threads may queue before they drop data: two seconds by default. */
#define THREAD_QUEUE_BLOCKS 8

static int thread_classify_error(int error) {
        switch (error) {
        case -ENODEV:
        case -ENXIO:
        case -ENOENT:
        case -EPIPE:
        case -ECONNRESET:
        case -ECONNABORTED:
        case -ENOTCONN:
        case -ESHUTDOWN:
        case -EHOSTUNREACH:
        case -EBADF:
                return -ENODEV;
        default:
                return -EIO;
        }
}

static void *stream_reader_thread(void *userdata) {
        IioStream *stream = userdata;
        IioSource *p = stream->owner;

        for (;;) {
                ssize_t n = iio_buffer_refill(stream->buffer);
                IioBlock *block;

                if (atomic_load(&p->stopping))
                        break;
                if (n == -EINTR || n == -EAGAIN || n == 0)
                        continue;
                if (n < 0) {
                        pthread_mutex_lock(&p->lock);
                        if (p->thread_error == 0)
                                p->thread_error = thread_classify_error((int)n);
                        pthread_mutex_unlock(&p->lock);
                        source_iio_signal_event(p->event_fd);
                        break;
                }

                block = malloc(sizeof(IioBlock) + (size_t)n);
                if (block) {
                        block->next = NULL;
                        block->stream = stream->index;
                        block->size = (size_t)n;
                        memcpy(block->bytes, iio_buffer_start(stream->buffer), (size_t)n);
                }

                pthread_mutex_lock(&p->lock);
                if (block && p->queue_length < THREAD_QUEUE_BLOCKS * p->n_streams) {
                        if (p->queue_tail)
                                p->queue_tail->next = block;
                        else
                                p->queue_head = block;
                        p->queue_tail = block;
                        p->queue_length++;
                        block = NULL;
                } else
                        p->dropped += (uint64_t)n / stream->scan_size;
                pthread_mutex_unlock(&p->lock);
                free(block);

                source_iio_signal_event(p->event_fd);
        }
        return NULL;
}

int source_iio_threads_start(IioSource *p) {
        sigset_t all, saved;
        int r = 0;

        r = pthread_mutex_init(&p->lock, NULL);
        if (r != 0)
                return -r;
        p->lock_initialized = true;

        /* The threads must not take the daemon's signals, whatever its mask is when it opens the source. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        for (unsigned i = 0; i < p->n_streams && r == 0; i++) {
                IioStream *stream = &p->streams[i];

                r = pthread_create(&stream->thread, NULL, stream_reader_thread, stream);
                if (r == 0)
                        stream->thread_running = true;
        }
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return -r;
}

static void threads_stop(IioSource *p) {
        atomic_store(&p->stopping, true);
        for (unsigned i = 0; i < p->n_streams; i++)
                if (p->streams[i].thread_running)
                        iio_buffer_cancel(p->streams[i].buffer);
        for (unsigned i = 0; i < p->n_streams; i++)
                if (p->streams[i].thread_running) {
                        pthread_join(p->streams[i].thread, NULL);
                        p->streams[i].thread_running = false;
                }

        while (p->queue_head) {
                IioBlock *next = p->queue_head->next;

                free(p->queue_head);
                p->queue_head = next;
        }
        if (p->lock_initialized)
                pthread_mutex_destroy(&p->lock);
        p->lock_initialized = false;
}

/* Moves queued blocks into the rings while they fit. */
static int threads_fill(Source *s, _unused_ bool got_samples) {
        IioSource *p = s->data;
        int error;

        for (;;) {
                IioBlock *block;
                IioStream *stream;

                pthread_mutex_lock(&p->lock);
                block = p->queue_head;
                if (block &&
                        !source_iio_stream_has_room(p, &p->streams[block->stream],
                                block->size / p->streams[block->stream].scan_size))
                        block = NULL;
                if (block) {
                        p->queue_head = block->next;
                        if (!p->queue_head)
                                p->queue_tail = NULL;
                        p->queue_length--;
                }
                pthread_mutex_unlock(&p->lock);
                if (!block)
                        break;

                stream = &p->streams[block->stream];
                source_iio_stream_consume(s, stream, block->bytes, block->size);
                free(block);
        }

        pthread_mutex_lock(&p->lock);
        if (p->dropped > 0) {
                log_warning("The IIO reader queue overflowed: dropped %" PRIu64 " scans.", p->dropped);
                s->samples_invalid += p->dropped;
                p->dropped = 0;
        }
        /* A thread's error counts once the data it delivered before it is out. */
        error = p->queue_head ? 0 : p->thread_error;
        pthread_mutex_unlock(&p->lock);
        return error;
}

static bool thread_queue_has_blocks(IioSource *p) {
        bool any;

        pthread_mutex_lock(&p->lock);
        any = p->queue_head;
        pthread_mutex_unlock(&p->lock);
        return any;
}

static int threads_get_fd(Source *s) {
        IioSource *p = s->data;

        return p->event_fd;
}

const IioReaderOps source_iio_reader_threads = {
        .how = "through reader threads",
        .get_fd = threads_get_fd,
        .read_batch = source_iio_streams_read_batch,
        .fill = threads_fill,
        .has_pending = thread_queue_has_blocks,
        .stop = threads_stop,
};
