/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test-util.h"
#include "writer.h"

/* What was written to fd, from its start, as a string (the caller frees it). */
static char *written(int fd) {
        off_t size = lseek(fd, 0, SEEK_END);
        char *s;

        ASSERT_TRUE(size >= 0);
        s = malloc((size_t)size + 1);
        ASSERT_TRUE(s != NULL);
        ASSERT_EQ(pread(fd, s, (size_t)size, 0), size);
        s[size] = '\0';
        return s;
}

static int memfd(void) {
        int fd = memfd_create("test-writer", MFD_CLOEXEC);

        ASSERT_TRUE(fd >= 0);
        return fd;
}

TEST(json_strings_are_escaped) {
        int fd = memfd();
        Writer *w;

        ASSERT_EQ(writer_new(fd, &w), 0);
        writer_json_string(w, "plain");
        writer_puts(w, " ");
        writer_json_string(w, "a\"b\\c\nd\x01\x1f é");
        writer_puts(w, " ");
        writer_json_string(w, NULL);
        ASSERT_EQ(writer_flush(w), 0);
        char *s = written(fd);
        ASSERT_STREQ(s, "\"plain\" \"a\\\"b\\\\c\\u000ad\\u0001\\u001f é\" \"\"");
        free(s);
        writer_free(w);
        close(fd);
}

TEST(json_numbers) {
        int fd = memfd();
        Writer *w;

        ASSERT_EQ(writer_new(fd, &w), 0);
        writer_json_number(w, 1.5, 2);
        writer_puts(w, ",");
        writer_json_number(w, -0.0004, 3);
        writer_puts(w, ",");
        writer_json_number(w, NAN, 2);
        writer_puts(w, ",");
        writer_json_number(w, INFINITY, 0);
        ASSERT_EQ(writer_flush(w), 0);
        char *s = written(fd);
        ASSERT_STREQ(s, "1.50,-0.000,null,null");
        free(s);
        writer_free(w);
        close(fd);
}

/* Nothing is written before a flush or a full buffer; more than a buffer's worth comes out whole and in order,
 * through writer_put() and through lines formatted in place. */
TEST(buffering_keeps_everything_in_order) {
        int fd = memfd();
        Writer *w;
        size_t expected = 0;

        ASSERT_EQ(writer_new(fd, &w), 0);
        writer_puts(w, "head\n");
        ASSERT_EQ(lseek(fd, 0, SEEK_END), 0);
        for (unsigned i = 0; i < 3 * WRITER_SIZE / 16; i++) {
                char *p = writer_reserve(w);
                int k = snprintf(p, WRITER_LINE_MAX, "%014u\n", i);
                writer_commit(w, p + k);
                expected += (size_t)k;
        }
        ASSERT_EQ(writer_flush(w), 0);
        ASSERT_EQ(writer_error(w), 0);
        char *s = written(fd);
        ASSERT_EQ(strlen(s), 5 + expected);
        ASSERT_TRUE(strncmp(s, "head\n00000000000000\n00000000000001\n", 35) == 0);
        char last[32];
        snprintf(last, sizeof(last), "%014u\n", 3 * WRITER_SIZE / 16 - 1);
        ASSERT_STREQ(s + strlen(s) - strlen(last), last);
        free(s);
        writer_free(w);
        close(fd);
}

/* The first write error sticks. */
TEST(write_error_sticks) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        Writer *w;

        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(writer_new(fd, &w), 0);
        writer_puts(w, "lost");
        ASSERT_EQ(writer_flush(w), -EBADF);
        writer_puts(w, "lost too");
        ASSERT_EQ(writer_error(w), -EBADF);
        ASSERT_EQ(writer_flush(w), -EBADF);
        writer_free(w);
        close(fd);
        ASSERT_EQ(writer_new(-1, &w), -EINVAL);
}

TEST_MAIN
