/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "test-util.h"

/* A memfd holding size bytes of a pattern, at offset 0. */
static int file_of(size_t size) {
        int fd = memfd_create("test-fileio", MFD_CLOEXEC);

        ASSERT_TRUE(fd >= 0);
        for (size_t i = 0; i < size; i++) {
                char c = (char)('a' + i % 26);
                ASSERT_EQ(write(fd, &c, 1), 1);
        }
        ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
        return fd;
}

static void check_pattern(const char *data, size_t size) {
        for (size_t i = 0; i < size; i++)
                ASSERT_EQ(data[i], 'a' + i % 26);
        ASSERT_EQ(data[size], '\0');
}

/* Sizes around the first buffer (4096), and up to the limit: all of it, NUL-terminated. */
TEST(reads_whole_files) {
        static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 100000 };

        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                int fd = file_of(sizes[i]);
                char *data = NULL;
                size_t size = 0;

                ASSERT_EQ(read_full_fd(fd, 100000, &data, &size), 0);
                ASSERT_EQ(size, sizes[i]);
                check_pattern(data, size);
                free(data);
                close(fd);
        }
}

/* A larger file: one byte more than the limit is read, no more. */
TEST(stops_one_past_the_limit) {
        int fd = file_of(20000);
        char *data = NULL;
        size_t size = 0;

        ASSERT_EQ(read_full_fd(fd, 5000, &data, &size), 0);
        ASSERT_EQ(size, 5001);
        check_pattern(data, size);
        free(data);
        ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 5001);
        close(fd);
}

/* A pipe has no size to go by. */
TEST(reads_pipes) {
        int p[2];
        char *data = NULL;
        size_t size = 0;
        static char text[10000];

        for (size_t i = 0; i < sizeof(text); i++)
                text[i] = (char)('a' + i % 26);
        ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
        ASSERT_EQ(write(p[1], text, sizeof(text)), (ssize_t)sizeof(text));
        close(p[1]);
        ASSERT_EQ(read_full_fd(p[0], 1 << 20, &data, &size), 0);
        ASSERT_EQ(size, sizeof(text));
        check_pattern(data, size);
        free(data);
        close(p[0]);
}

TEST(read_errors) {
        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        char *data = NULL;
        size_t size = 0;

        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(read_full_fd(fd, 100, &data, &size), -EBADF);
        ASSERT_TRUE(data == NULL);
        close(fd);
}

TEST_MAIN
