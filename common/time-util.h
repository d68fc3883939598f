/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Time for psoasd and the clients: microseconds, as sd-event and the bus API count them. (libpsoas has its own
 * US_PER_SEC in lib/macro.h: it shares nothing with common/.) */

#include <stdint.h>
#include <time.h>

#define USEC_PER_SEC UINT64_C(1000000)
#define NSEC_PER_USEC UINT64_C(1000)

/* Microseconds on clock (CLOCK_MONOTONIC, CLOCK_REALTIME…) now. */
uint64_t time_now_us(clockid_t clock);
