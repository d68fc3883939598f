/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A cohort: psoas-analyze FILE FILE... analyses each recording exactly as it would alone (the same options, the
 * same code), each in a process of its own, --jobs at a time, and prints one summary row per file in the order
 * given: a study's recordings go through one command, and a broken one spoils only its own row.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "analyze.h"
#include "log.h"
#include "macro.h"

typedef struct Job {
        pid_t pid; /* 0: not started, or reaped */
        int fd; /* its standard output, -1 when read to the end */
        char *out; /* what it wrote */
        size_t size, allocated;
        int status; /* its exit status, once reaped */
} Job;

/* In the child: the input, alone. Never returns. */
_noreturn_ static void job_child(Context *c, const char *input, int out_fd) {
        int status;

        if (dup2(out_fd, STDOUT_FILENO) < 0)
                _exit(EX_OSERR);
        close(out_fd);
        c->input = input;
        c->inputs = NULL;
        c->n_inputs = 0;
        c->output = OUTPUT_ROW;
        status = context_run(c);
        _exit(status);
}

static int job_start(Context *c, Job *job, const char *input) {
        int pipefd[2];
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        /* What is buffered would be written twice, by the child too. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                close(pipefd[0]);
                job_child(c, input, pipefd[1]);
        }
        close(pipefd[1]);
        *job = (Job){ .pid = pid, .fd = pipefd[0] };
        return 0;
}

/* Reads what the job has written; closes its end at the end of it. */
static int job_read(Job *job) {
        if (job->allocated - job->size < 4096) {
                size_t allocated = job->allocated ? job->allocated * 2 : 16384;
                char *out = realloc(job->out, allocated);

                if (!out)
                        return -ENOMEM;
                job->out = out;
                job->allocated = allocated;
        }
        ssize_t n = read(job->fd, job->out + job->size, job->allocated - job->size - 1);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        if (n == 0) {
                close(job->fd);
                job->fd = -1;
                return 0;
        }
        job->size += (size_t)n;
        job->out[job->size] = '\0';
        return 0;
}

static int job_reap(Job *job) {
        int wstatus;

        if (waitpid(job->pid, &wstatus, 0) < 0)
                return -errno;
        job->pid = 0;
        job->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        return 0;
}

/* The input's column: quoted when it holds a comma, a quote or a line end, as CSV wants. */
static void write_input_field(Writer *w, const char *input) {
        if (!strpbrk(input, ",\"\r\n")) {
                writer_puts(w, input);
                return;
        }
        writer_puts(w, "\"");
        for (const char *p = input; *p; p++)
                if (*p == '"')
                        writer_puts(w, "\"\"");
                else
                        writer_put(w, p, 1);
        writer_puts(w, "\"");
}

static void write_result(Context *c, const char *input, const Job *job, bool first) {
        Writer *w = c->out;
        bool ok = job->status == 0 && job->size > 0;

        if (c->json) {
                writer_puts(w, first ? "[\n" : ",\n");
                if (ok) {
                        /* The summary object as the input alone gives it, without its final line end. */
                        size_t n = job->size;
                        while (n > 0 && job->out[n - 1] == '\n')
                                n--;
                        writer_put(w, job->out, n);
                } else {
                        writer_puts(w, "{\"input\": ");
                        writer_json_string(w, input);
                        writer_printf(w, ", \"status\": %d}", job->status);
                }
                return;
        }
        write_input_field(w, input);
        writer_printf(w, ",%d,", ok ? 0 : job->status);
        if (ok)
                writer_put(w, job->out, job->size);
        else {
                /* The summary's columns, empty: as many separators as the header has after input and status. */
                unsigned separators = 0;
                for (const char *p = summary_row_header; *p; p++)
                        separators += *p == ',';
                for (unsigned i = 2; i < separators; i++)
                        writer_puts(w, ",");
                writer_puts(w, "\n");
        }
}

int cohort_run(Context *c) {
        _cleanup_free_ Job *jobs = NULL;
        size_t next = 0, done = 0, running = 0;
        int status = 0, r;

        jobs = calloc(c->n_inputs, sizeof(*jobs));
        if (!jobs || writer_new(STDOUT_FILENO, &c->out) < 0) {
                log_error("out of memory");
                return EX_OSERR;
        }
        for (size_t i = 0; i < c->n_inputs; i++)
                jobs[i].fd = -1;
        if (!c->json)
                writer_printf(c->out, "%s\n", summary_row_header);

        while (done < c->n_inputs) {
                struct pollfd fds[256];
                size_t owner[256], n_fds = 0;

                while (running < c->jobs && next < c->n_inputs) {
                        r = job_start(c, &jobs[next], c->inputs[next]);
                        if (r < 0) {
                                log_error("cannot start the analysis of %s: %s", c->inputs[next],
                                        strerror(-r));
                                return EX_OSERR;
                        }
                        next++;
                        running++;
                }
                for (size_t i = 0; i < next && n_fds < ELEMENTSOF(fds); i++)
                        if (jobs[i].fd >= 0) {
                                fds[n_fds] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
                                owner[n_fds++] = i;
                        }
                if (poll(fds, n_fds, -1) < 0 && errno != EINTR) {
                        log_error("poll: %s", strerror(errno));
                        return EX_OSERR;
                }
                for (size_t k = 0; k < n_fds; k++) {
                        Job *job = &jobs[owner[k]];

                        if (!fds[k].revents)
                                continue;
                        r = job_read(job);
                        if (r < 0) {
                                log_error(
                                        "reading the analysis of %s: %s", c->inputs[owner[k]], strerror(-r));
                                return EX_OSERR;
                        }
                        if (job->fd >= 0)
                                continue;
                        r = job_reap(job);
                        if (r < 0) {
                                log_error("waiting for the analysis of %s: %s", c->inputs[owner[k]],
                                        strerror(-r));
                                return EX_OSERR;
                        }
                        running--;
                }
                /* In order: each input as soon as those before it are written. */
                while (done < next && jobs[done].fd < 0 && jobs[done].pid == 0) {
                        write_result(c, c->inputs[done], &jobs[done], done == 0);
                        if (jobs[done].status != 0 && status == 0)
                                status = jobs[done].status;
                        free(jobs[done].out);
                        jobs[done].out = NULL;
                        done++;
                }
        }
        if (c->json)
                writer_puts(c->out, "\n]\n");
        r = writer_flush(c->out);
        if (r < 0) {
                log_error("cannot write the results: %s", strerror(-r));
                return EX_IOERR;
        }
        return status;
}
