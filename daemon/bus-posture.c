/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the module lands. */
#include "source.h"
