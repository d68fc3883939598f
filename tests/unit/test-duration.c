/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one rounding rule for durations (common/duration.h): down, to the unit shown. */

#include "duration.h"
#include "test-util.h"

static const char *fmt(uint64_t seconds) {
        static char buf[DURATION_TEXT_MAX];

        return duration_format(buf, sizeof(buf), seconds);
}

TEST(minute_boundary) {
        /* 41 min 59 s is still 41 min: the break psoasd's journal calls "41 min" is "41 min" everywhere. */
        ASSERT_STREQ(fmt(41 * 60 - 1), "40 min");
        ASSERT_STREQ(fmt(41 * 60), "41 min");
        ASSERT_STREQ(fmt(41 * 60 + 59), "41 min");
        ASSERT_STREQ(fmt(42 * 60), "42 min");
}

TEST(units) {
        ASSERT_STREQ(fmt(0), "0 s");
        ASSERT_STREQ(fmt(59), "59 s");
        ASSERT_STREQ(fmt(60), "1 min");
        ASSERT_STREQ(fmt(3599), "59 min");
        ASSERT_STREQ(fmt(3600), "1 h 00 min");
        ASSERT_STREQ(fmt(3600 + 5 * 60 + 59), "1 h 05 min");
        ASSERT_STREQ(fmt(25 * 3600), "25 h 00 min");
}

TEST(whole_seconds) {
        ASSERT_EQ(duration_whole_seconds(2459.99), 2459);
        ASSERT_EQ(duration_whole_seconds(2460.0), 2460);
        ASSERT_EQ(duration_whole_seconds(0.999), 0);
        ASSERT_EQ(duration_whole_seconds(-3), 0);
        ASSERT_EQ(duration_whole_seconds(NAN), 0);
        ASSERT_EQ(duration_whole_seconds(INFINITY), 0);
}

TEST_MAIN
