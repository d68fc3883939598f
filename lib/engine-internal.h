/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the benchmarks reach inside the engine, linking the internal static library: the posture classifier's
 * numbers, to choose them by leave-one-subject-out, and its state, to measure its evidence. Not part of the
 * public API.
 */

#include "posture.h"
#include "psoas/psoas.h"

void engine_set_posture_tuning(struct psoas_engine *e, const PostureTuning *tuning);
const PostureClassifier *engine_posture(const struct psoas_engine *e);
