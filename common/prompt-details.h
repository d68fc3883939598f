/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What a revision 2 psoasd appends to its StretchPrompt signal after revision 1's five arguments: the safety
 * note and an a{sv} of details. Read by every client that shows a prompt (psoasctl monitor, psoas-notify).
 * Needs sd-bus: it is in the psoas-common-bus library, which only the clients link.
 */

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>

typedef struct PromptDetails {
        const char *safety; /* points into the message */
        uint32_t hold_min_s, repetitions_min; /* the lower ends of the ranges */
        bool per_side, verifiable;
} PromptDetails;

/* Reads the safety note and the details at m's read position into *d; keys it does not know, or of another
 * type, are skipped (psoasd may add keys), and fields whose key is absent keep their value. */
int prompt_details_read(sd_bus_message *m, PromptDetails *d);
