/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "calibration.h"
#include "config-internal.h"
#include "engine-internal.h"
#include "engine-private.h"
#include "event-queue.h"
#include "fusion.h"
#include "macro.h"
#include "posture.h"
#include "psoas/psoas.h"
#include "sitting.h"
#include "sized.h"
#include "slouch.h"
#include "stretch.h"
#include "vec.h"

size_t psoas_engine_size(void) {
        return sizeof(struct psoas_engine);
}

static void engine_setup(struct psoas_engine *e, const struct psoas_config *config, bool allocated) {
        memset(e, 0, sizeof(*e));
        e->config = *config;
        e->allocated = allocated;

        size_t n;
        const struct psoas_stretch *catalog = psoas_stretch_default_catalog(&n);

        fusion_init(&e->fusion, config->use_gyro);
        posture_classifier_init(&e->posture);
        calibrator_init(&e->calibrator);
        sitting_tracker_init(&e->sitting, config);
        alert_policy_init(&e->alerts, config);
        slouch_tracker_init(&e->slouch, config);
        stretch_planner_init(&e->stretches, catalog, n);
        stretch_sense_init(&e->sense);
        event_queue_init(&e->events);
        wear_detector_init(&e->wear);
        record_init(&e->record, config->break_s);
        e->record_tilt_from_us = INT64_MIN / 2;

        e->state.size = sizeof(e->state);
        e->state.posture = PSOAS_POSTURE_UNKNOWN;
        e->state.quat[0] = 1.0f;
}

/* The caller's configuration, whole and valid. */
static int engine_read_config(const struct psoas_config *theirs, struct psoas_config *ret) {
        int r;

        r = config_read(theirs, ret);
        if (r < 0)
                return r;
        return psoas_config_validate(ret, NULL);
}

int psoas_engine_init(
        void *memory, size_t size, const struct psoas_config *theirs, struct psoas_engine **ret) {
        struct psoas_config config;
        int r;

        if (!memory || !theirs || !ret)
                return -EINVAL;
        if (size < sizeof(struct psoas_engine) || ((uintptr_t)memory % 16) != 0)
                return -ENOBUFS;
        r = engine_read_config(theirs, &config);
        if (r < 0)
                return r;

        engine_setup(memory, &config, false);
        *ret = memory;
        return 0;
}

int psoas_engine_new(const struct psoas_config *theirs, struct psoas_engine **ret) {
        struct psoas_config config;
        struct psoas_engine *e;
        int r;

        if (!theirs || !ret)
                return -EINVAL;
        r = engine_read_config(theirs, &config);
        if (r < 0)
                return r;

        e = malloc(sizeof(*e));
        if (!e)
                return -ENOMEM;
        engine_setup(e, &config, true);
        *ret = e;
        return 0;
}

struct psoas_engine *psoas_engine_free(struct psoas_engine *e) {
        if (e && e->allocated)
                free(e);
        return NULL;
}

/* The wearer's forward from the configuration, made perpendicular to the calibrated vertical. */
static bool engine_configured_forward(const struct psoas_engine *e, const float up[3], float ret[3]) {
        if (!e->config.forward_known)
                return false;
        float f[3];
        vec3_copy(f, e->config.forward);
        vec3_axpy(f, -vec3_dot(f, up), up);
        if (vec3_normalize(f) < 1e-3f)
                return false;
        vec3_copy(ret, f);
        return true;
}

int psoas_engine_set_config(struct psoas_engine *e, const struct psoas_config *theirs) {
        struct psoas_config whole, *config = &whole;
        int r;

        if (!e || !theirs)
                return -EINVAL;
        r = engine_read_config(theirs, &whole);
        if (r < 0)
                return r;

        bool forward_changed = config->forward_known != e->config.forward_known ||
                (config->forward_known &&
                        memcmp(config->forward, e->config.forward, sizeof(config->forward)) != 0);
        e->config = *config;
        e->fusion.use_gyro = config->use_gyro;
        sitting_tracker_set_config(&e->sitting, config);
        record_set_break(&e->record, config->break_s);
        alert_policy_set_config(&e->alerts, config);
        slouch_tracker_set_config(&e->slouch, config);

        if (forward_changed && e->posture.calibrated) {
                float f[3];
                if (engine_configured_forward(e, e->posture.up0, f)) {
                        vec3_copy(e->posture.forward, f);
                        e->posture.forward_known = true;
                }
                e->neutral_inclination_deg = calibration_neutral_inclination(
                        e->posture.up0, e->posture.forward_known, e->posture.forward);
        }
        return 0;
}

int psoas_engine_set_catalog(struct psoas_engine *e, const struct psoas_stretch *stretches, size_t n) {
        if (!e)
                return -EINVAL;
        if (!stretches || n == 0)
                stretches = psoas_stretch_default_catalog(&n);
        return stretch_planner_set_catalog(&e->stretches, stretches, n);
}

const struct psoas_stretch *psoas_engine_get_catalog(const struct psoas_engine *e, size_t *ret_n) {
        if (!e)
                return NULL;
        if (ret_n)
                *ret_n = e->stretches.n;
        return e->stretches.catalog;
}

void psoas_engine_set_clock(struct psoas_engine *e, int64_t t_us, int64_t local_us) {
        if (!e)
                return;
        e->has_clock = true;
        e->clock_t_us = t_us;
        e->clock_local_us = local_us;
        e->minute_valid = false;
}

int64_t psoas_engine_local_time(const struct psoas_engine *e, int64_t t_us) {
        if (!e || !e->has_clock)
                return 0;
        return e->clock_local_us + (t_us - e->clock_t_us);
}

static int32_t engine_day(const struct psoas_engine *e, int64_t t_us) {
        if (!e->has_clock)
                return 0;
        return (int32_t)floor_div(psoas_engine_local_time(e, t_us), US_PER_DAY);
}

/* Brings the cached local minute (and day) up to the sample time t_us: a sample out of it computes them again,
 * which happens once a minute rather than on every sample. Without a clock every sample is on day 0 and no
 * minute is known (-1). */
static void engine_clock_advance(struct psoas_engine *e, int64_t t_us) {
        if (e->minute_valid && t_us >= e->minute_start_us && t_us < e->minute_end_us)
                return;
        if (!e->has_clock) {
                e->minute_start_us = INT64_MIN;
                e->minute_end_us = INT64_MAX;
                e->minute_day = 0;
                e->minute_of_day = -1;
        } else {
                int64_t local = psoas_engine_local_time(e, t_us);
                int64_t minute_local = floor_div(local, US_PER_MINUTE) * US_PER_MINUTE;
                int64_t day = floor_div(local, US_PER_DAY);
                e->minute_start_us = t_us - (local - minute_local);
                e->minute_end_us = e->minute_start_us + US_PER_MINUTE;
                e->minute_day = (int32_t)day;
                e->minute_of_day = (int32_t)((minute_local - day * US_PER_DAY) / US_PER_MINUTE);
        }
        e->minute_valid = true;
}

static void engine_push(struct psoas_engine *e, const struct psoas_event *event) {
        event_queue_push(&e->events, event);
}

static bool sample_valid(const struct psoas_sample *s) {
        /* Written so that NaN fails the comparison: one test catches NaN, infinities and absurd values. The
         * comparisons are combined with & rather than && so that the six take no branch each. */
        bool ok = (fabsf(s->accel[0]) <= MAX_ACCEL) & (fabsf(s->accel[1]) <= MAX_ACCEL) &
                (fabsf(s->accel[2]) <= MAX_ACCEL);
        if (s->has_gyro)
                ok &= (fabsf(s->gyro[0]) <= MAX_GYRO) & (fabsf(s->gyro[1]) <= MAX_GYRO) &
                        (fabsf(s->gyro[2]) <= MAX_GYRO);
        return ok;
}

static void engine_calibrated(
        struct psoas_engine *e, int64_t t_us, const float up[3], const float bias[3], bool has_bias) {
        float forward[3] = { 0.0f, 0.0f, 0.0f };
        bool forward_known = engine_configured_forward(e, up, forward);

        enum psoas_posture previous = e->posture.posture;

        if (has_bias && e->fusion.use_gyro)
                vec3_copy(e->fusion.bias, bias);
        posture_classifier_set_calibration(&e->posture, up, forward_known, forward);
        e->neutral_inclination_deg = calibration_neutral_inclination(up, forward_known, forward);

        struct psoas_event ev = { .type = PSOAS_EVENT_CALIBRATED, .t_us = t_us };
        ev.calibrated.neutral_inclination_deg = e->neutral_inclination_deg;
        engine_push(e, &ev);
        /* Calibration happens standing: a wearer the engine had not yet placed is standing from here, and whoever
         * follows the events must hear it. */
        if (e->posture.posture != previous) {
                struct psoas_event changed = { .type = PSOAS_EVENT_POSTURE_CHANGED, .t_us = t_us };
                changed.posture.posture = e->posture.posture;
                changed.posture.previous = previous;
                engine_push(e, &changed);
        }
}

static void engine_run_calibrator(
        struct psoas_engine *e, int64_t t_us, const float acc[3], const float *gyro, bool still) {
        float up[3], bias[3];
        bool has_bias = false;
        enum psoas_calibration_error error = PSOAS_CALIBRATION_OK;

        if (!calibrator_running(&e->calibrator))
                return;
        switch (calibrator_update(&e->calibrator, t_us, acc, gyro, still,
                posture_classifier_energy(&e->posture), up, bias, &has_bias, &error)) {
        case CALIBRATOR_PENDING:
                return;
        case CALIBRATOR_DONE: {
                float forward[3];
                /* Calibrating a seated wearer would swap sitting and standing from then on. */
                if (posture_classifier_not_standing(&e->posture, e->fusion.up)) {
                        error = PSOAS_CALIBRATION_NOT_STANDING;
                        break;
                }
                /* With a configured mounting we know what upright looks like: refuse a lying "neutral". */
                if (e->config.forward_known) {
                        float f[3];
                        vec3_copy(f, e->config.forward);
                        vec3_normalize(f);
                        if (fabsf(vec3_dot(f, up)) > 0.7071f || !engine_configured_forward(e, up, forward)) {
                                error = PSOAS_CALIBRATION_NOT_UPRIGHT;
                                break;
                        }
                }
                engine_calibrated(e, t_us, up, bias, has_bias);
                return;
        }
        case CALIBRATOR_FAILED:
                break;
        }

        struct psoas_event ev = { .type = PSOAS_EVENT_CALIBRATION_FAILED, .t_us = t_us };
        ev.calibration_failed.reason = error;
        engine_push(e, &ev);
}

static void engine_alerts(struct psoas_engine *e, int64_t t_us, float tilt, bool still) {
        Alert alert;
        const PostureClassifier *p = &e->posture;
        const SittingTracker *s = &e->sitting;

        enum psoas_posture posture = engine_public_posture(e);
        bool fired = alert_policy_update(&e->alerts, t_us, e->minute_of_day, posture, s->now.in_bout,
                             s->now.bout_start_us, p->calibrated && p->forward_known, tilt, &alert) > 0;
        /* The slouch alert after the others: on a sample where one of them fires it stays due. */
        if (slouch_tracker_active(&e->slouch) &&
                slouch_tracker_update(&e->slouch, t_us, p, posture, e->fusion.up, still,
                        e->neutral_inclination_deg, &e->alerts, e->minute_of_day, !fired, &e->events,
                        &alert) > 0)
                fired = true;
        if (fired) {
                struct psoas_event ev = { .type = PSOAS_EVENT_ALERT, .t_us = t_us };
                ev.alert.kind = alert.kind;
                ev.alert.level = alert.level;
                ev.alert.duration_s = alert.duration_s;
                engine_push(e, &ev);
                /* A heads-up warns of the alert to come: it is none, and asks for no stretch yet. */
                if (alert.kind == PSOAS_ALERT_SITTING_SOON)
                        return;
                e->sitting.now.today.alerts++;
                /* A slouch asks the wearer to sit up, not to stretch. */
                if (alert.kind == PSOAS_ALERT_SLOUCH)
                        return;

                int idx = stretch_planner_select(&e->stretches, alert.kind);
                if (idx >= 0) {
                        struct psoas_event prompt = { .type = PSOAS_EVENT_STRETCH_PROMPT, .t_us = t_us };
                        prompt.prompt.stretch = (uint32_t)idx;
                        prompt.prompt.cause = alert.kind;
                        engine_push(e, &prompt);
                        stretch_planner_prompted(
                                &e->stretches, (uint32_t)idx, alert.kind, t_us, e->config.stretch_window_s);
                        stretch_sense_mark(&e->sense);
                }
        }
}

/* Fills the state from the modules, as of the last sample. Only psoas_engine_get_state() does it: most samples
 * are never looked at one by one (the daemon reads the state once per batch), and the tilt takes an arctangent. */
static void engine_compute_state(const struct psoas_engine *e, struct psoas_state *st) {
        const PostureClassifier *p = &e->posture;
        int64_t t_us = e->last_us;
        float tilt = posture_classifier_tilt(p, e->fusion.up);

        st->t_us = t_us;
        st->posture = engine_public_posture(e);
        st->worn = e->wear.worn;
        st->confidence = p->confidence;
        st->calibrated = p->calibrated;
        st->calibrating = calibrator_running(&e->calibrator) || e->slouch.capturing;
        st->forward_known = p->forward_known;
        st->tilt_deg = tilt;
        if (p->calibrated && p->forward_known)
                st->inclination_deg = tilt + e->neutral_inclination_deg;
        else if (p->calibrated)
                st->inclination_deg =
                        e->neutral_inclination_deg + posture_classifier_deviation(p, e->fusion.up);
        else
                st->inclination_deg = calibration_neutral_inclination(e->fusion.up, false, NULL);
        fusion_quat(&e->fusion, st->quat);
        vec3_copy(st->gyro_bias, e->fusion.bias);
        st->in_bout = e->sitting.now.in_bout;
        st->bout_start_us = e->sitting.now.in_bout ? e->sitting.now.bout_start_us : 0;
        st->has_last_break = e->sitting.now.has_last_break;
        st->last_break_us = e->sitting.now.last_break_us;
        st->snoozed_until_us = e->alerts.snoozed_until_us > t_us ? e->alerts.snoozed_until_us : 0;
        st->inhibited = e->alerts.inhibited;
        st->events_dropped = e->events.dropped + e->record.dropped;
        st->sitting_reference_known = e->slouch.reference_known;
        st->slouch_deg = slouch_degrees(&e->slouch, p, st->posture, e->fusion.up);
}

/* The pelvic signature of a prompted stretch: features from every sample (the height is integrated even between
 * prompts, so that it knows where standing is), and the prompt's hold timer or repetition counter. */
static void engine_stretches(struct psoas_engine *e, int64_t t, double accounted, float vertical_acc,
        const float *gyro, bool still) {
        const PostureClassifier *p = &e->posture;
        float rate[3];
        StretchUpdate u;

        if (gyro && e->fusion.use_gyro)
                for (unsigned i = 0; i < 3; i++)
                        rate[i] = gyro[i] - e->fusion.bias[i];
        /* The signatures integrate the height themselves (lib/signature.c). The posture classifier's own height
         * (p->height_m) goes back to standing height whenever it decides "standing", which a seated forward hinge
         * looks like to it: fed in with stretch_sense_set_height(), the seated piriformis stretch would never be
         * seen. */
        /* The orientation features matter only while a prompt waits for its stretch: without a vertical and a
         * forward direction the update stops after the height and the sway, which every sample keeps. */
        bool prompted = e->stretches.pending;
        stretch_sense_update(&e->sense, (float)accounted, e->fusion.up,
                prompted && p->calibrated ? p->up0 : NULL,
                prompted && p->calibrated && p->forward_known ? p->forward : NULL,
                gyro && e->fusion.use_gyro ? rate : NULL, vertical_acc,
                p->motion.walking || p->posture == PSOAS_POSTURE_WALKING);

        if (!e->stretches.pending)
                return;
        bool tilt_high = p->posture == PSOAS_POSTURE_STANDING && p->calibrated && p->forward_known &&
                posture_classifier_tilt(p, e->fusion.up) >= e->config.tilt_alert_deg;
        if (stretch_planner_update(&e->stretches, t, accounted, &e->sense, p->posture, tilt_high, &u) <= 0)
                return;

        struct psoas_event ev = { .t_us = t };
        if (u.verified) {
                ev.type = PSOAS_EVENT_STRETCH_DONE;
                ev.stretch.stretch = u.stretch;
                ev.stretch.result = PSOAS_STRETCH_VERIFIED;
                e->sitting.now.today.stretches_verified++;
        } else if (u.missed) {
                ev.type = PSOAS_EVENT_STRETCH_MISSED;
                ev.missed.stretch = u.stretch;
                ev.missed.seen = u.seen;
        } else {
                ev.type = PSOAS_EVENT_STRETCH_PROGRESS;
                ev.progress.stretch = u.stretch;
                ev.progress.side = u.side;
                ev.progress.held_s = u.held_s;
                ev.progress.reps = u.reps;
                ev.progress.goal = u.goal;
        }
        engine_push(e, &ev);
}

/* The posture's events for this sample, and the revisions they carry into the totals and the record. previous is
 * the posture the wearer was last told. */
static void engine_posture_events(
        struct psoas_engine *e, int64_t t, enum psoas_posture previous, WearChange wear) {
        const PostureClassifier *p = &e->posture;
        struct psoas_event ev = { .type = PSOAS_EVENT_POSTURE_CHANGED, .t_us = t };
        bool revised = false;
        int64_t since_us = 0;

        if (wear == WEAR_TAKEN_OFF) {
                /* Off the body since the stillness began: what the record said since is taken back. */
                revised = true;
                since_us = e->wear.still_since_us;
        } else if (!e->wear.worn || e->wear_settling) {
                /* Nothing the classifier says counts while the sensor lies somewhere or is being put on. */
                if (engine_public_posture(e) == previous)
                        return;
        } else if (p->revised) {
                /* A revision is reported even when the posture now is the one before it (a squat taken for
                 * sitting is revised once the wearer is back up): what changes is the record since then. */
                revised = true;
                since_us = p->revised_since_us;
                previous = p->revised_from;
        } else if (p->posture == previous)
                return;

        ev.posture.posture = engine_public_posture(e);
        ev.posture.previous = previous;
        ev.posture.revised = revised;
        ev.posture.since_us = revised ? since_us : 0;
        engine_push(e, &ev);
        if (!revised)
                return;
        /* The bouts, the totals and the record follow the revision up to the last sample; this one is
         * accounted after, as every sample is. */
        enum psoas_posture tracked = engine_tracked_posture(e);
        (void)sitting_tracker_revise(&e->sitting, since_us, tracked, p->calibrated && p->forward_known,
                posture_classifier_tilt(p, e->fusion.up), &e->events);
        record_revise(&e->record, engine_record_local_time(e, since_us), engine_record_class(e));
}

int psoas_engine_feed(struct psoas_engine *e, const struct psoas_sample *theirs) {
        const struct psoas_sample *sample = theirs;
        struct psoas_sample whole;
        int r;

        if (!e || !theirs)
                return -EINVAL;
        /* A sample of this psoas.h is used as it is; one of another size is read into a whole one first. */
        if (theirs->size != sizeof(*theirs)) {
                whole = (struct psoas_sample){ .size = sizeof(whole) };
                r = sized_copy_in(&whole, sizeof(whole), theirs);
                if (r < 0) {
                        e->state.samples_rejected++;
                        return r;
                }
                sample = &whole;
        }
        if (!sample_valid(sample)) {
                e->state.samples_rejected++;
                return -EINVAL;
        }
        if (e->has_last && sample->t_us <= e->last_us) {
                e->state.samples_rejected++;
                return -ESTALE;
        }

        int64_t t = sample->t_us;
        int64_t gap = e->has_last ? t - e->last_us : 0;
        float dt = (float)gap / (float)US_PER_SEC;
        const float *gyro = sample->has_gyro ? sample->gyro : NULL;

        if (gap > GAP_RESET_US) {
                /* Nothing is known about what happened in between: start the estimates afresh. */
                fusion_reset(&e->fusion);
                posture_classifier_reset_motion(&e->posture);
                wear_detector_reset(&e->wear);
                dt = 0.0f;
                bool cancelled = slouch_capture_cancel(&e->slouch);
                if (calibrator_running(&e->calibrator) || cancelled) {
                        calibrator_cancel(&e->calibrator);
                        struct psoas_event ev = { .type = PSOAS_EVENT_CALIBRATION_FAILED, .t_us = t };
                        ev.calibration_failed.reason = PSOAS_CALIBRATION_CANCELLED;
                        engine_push(e, &ev);
                }
        }
        e->has_last = true;
        e->last_us = t;
        e->state.samples_accepted++;

        enum psoas_posture told = engine_public_posture(e);
        WearChange wear = engine_wear_update(e, t, sample->accel);
        float vertical =
                e->fusion.initialized ? fusion_vertical_acceleration(&e->fusion, sample->accel) : 0.0f;
        posture_classifier_update_motion(&e->posture, t, dt, sample->accel, gyro, vertical);
        FusionMotion motion = posture_classifier_motion(&e->posture);
        bool still = motion != FUSION_MOVING;
        fusion_update(&e->fusion, dt, sample->accel, gyro, motion);

        engine_run_calibrator(e, t, sample->accel, gyro, still);

        /* The vertical acceleration again, in the orientation just updated: what the posture and the stretches
         * read. */
        float vertical_now = fusion_vertical_acceleration(&e->fusion, sample->accel);
        if (posture_classifier_update(&e->posture, t, dt, &e->fusion, vertical_now)) {
                e->neutral_inclination_deg =
                        calibration_neutral_inclination(e->posture.up0, true, e->posture.forward);
                struct psoas_event ev = { .type = PSOAS_EVENT_FORWARD_LEARNED, .t_us = t };
                engine_push(e, &ev);
        }
        engine_wear_settle(e, t);
        engine_posture_events(e, t, told, wear);

        /* Per sample the tilt matters only standing: to the tilt alert, and to the day's tilt statistics, which
         * account the interval since the previous sample to that sample's posture. */
        float tilt = e->posture.posture == PSOAS_POSTURE_STANDING ||
                        e->sitting.now.posture == PSOAS_POSTURE_STANDING
                ? posture_classifier_tilt(&e->posture, e->fusion.up)
                : 0.0f;
        int64_t accounted_us = gap <= GAP_ACCOUNT_MAX_US ? gap : 0;
        double accounted = (double)accounted_us / (double)US_PER_SEC;
        engine_clock_advance(e, t);
        sitting_tracker_update(&e->sitting, t, accounted, e->minute_day, engine_tracked_posture(e),
                e->posture.calibrated && e->posture.forward_known, tilt, &e->events);
        /* Steps go to the day of the sample that saw them, whatever posture the record says since. */
        uint32_t new_steps = e->posture.motion.steps_walked - e->steps_seen;
        e->sitting.now.today.steps += new_steps;
        e->steps_seen = e->posture.motion.steps_walked;
        engine_record_sample(e, t, accounted_us, new_steps);
        /* The evidence began to contradict the posture here: a revision may come back to this sample. */
        if (e->posture.contradicted_by != PSOAS_POSTURE_UNKNOWN && e->posture.contradiction_us == t)
                sitting_tracker_mark(&e->sitting);
        /* And a stillness began here: the test for a sensor taken off may come back to it. */
        if (wear == WEAR_STILLNESS_BEGAN)
                sitting_tracker_mark_still(&e->sitting);

        engine_alerts(e, t, tilt, still);

        engine_stretches(e, t, accounted, vertical_now, gyro, still);
        return 0;
}

int psoas_engine_get_state(const struct psoas_engine *e, struct psoas_state *ret) {
        struct psoas_state st;

        if (!e || !ret)
                return -EINVAL;
        /* Before the first sample the state is what the setters (calibration, snooze, restore) wrote. */
        st = e->state;
        if (e->has_last)
                engine_compute_state(e, &st);
        return sized_copy_out(ret, &st, sizeof(st));
}

int psoas_engine_get_day_stats(const struct psoas_engine *e, struct psoas_day_stats *ret) {
        struct psoas_day_stats today;

        if (!e || !ret)
                return -EINVAL;
        today = e->sitting.now.today;
        today.size = sizeof(today);
        return sized_copy_out(ret, &today, sizeof(today));
}

int psoas_engine_pop_event(struct psoas_engine *e, struct psoas_event *ret) {
        struct psoas_event ev;
        int r;

        if (!e || !ret)
                return -EINVAL;
        /* Checked before popping, so that an unset size loses no event. */
        if (ret->size < sizeof(uint32_t))
                return -EINVAL;
        if (!event_queue_pop(&e->events, &ev))
                return 0;
        ev.size = sizeof(ev);
        r = sized_copy_out(ret, &ev, sizeof(ev));
        return r < 0 ? r : 1;
}

int psoas_engine_calibrate(struct psoas_engine *e) {
        if (!e)
                return -EINVAL;
        if (e->slouch.capturing)
                return -EBUSY;
        return calibrator_start(
                &e->calibrator, e->config.calibration_still_s, e->config.calibration_timeout_s);
}

int psoas_engine_calibrate_window(struct psoas_engine *e, int64_t start_us, int64_t end_us) {
        if (!e)
                return -EINVAL;
        if (e->slouch.capturing)
                return -EBUSY;
        return calibrator_start_window(&e->calibrator, start_us, end_us);
}

int psoas_engine_calibrate_sitting(struct psoas_engine *e) {
        if (!e)
                return -EINVAL;
        if (calibrator_running(&e->calibrator))
                return -EBUSY;
        return slouch_capture_start(
                &e->slouch, &e->posture, e->config.calibration_still_s, e->config.calibration_timeout_s);
}

void psoas_engine_calibrate_cancel(struct psoas_engine *e) {
        if (!e)
                return;
        bool cancelled = slouch_capture_cancel(&e->slouch);
        if (!calibrator_running(&e->calibrator) && !cancelled)
                return;
        calibrator_cancel(&e->calibrator);
        struct psoas_event ev = { .type = PSOAS_EVENT_CALIBRATION_FAILED, .t_us = e->last_us };
        ev.calibration_failed.reason = PSOAS_CALIBRATION_CANCELLED;
        engine_push(e, &ev);
}

int psoas_engine_get_calibration(const struct psoas_engine *e, struct psoas_calibration *ret) {
        if (!e || !ret)
                return -EINVAL;
        if (ret->size < sizeof(uint32_t))
                return -EINVAL;
        if (!e->posture.calibrated)
                return -ENODATA;
        struct psoas_calibration c = { .size = sizeof(c), .forward_known = e->posture.forward_known };
        vec3_copy(c.up, e->posture.up0);
        vec3_copy(c.forward, e->posture.forward);
        c.neutral_inclination_deg = e->neutral_inclination_deg;
        slouch_reference_get(&e->slouch, e->neutral_inclination_deg, &c.sitting_reference_known,
                &c.sitting_reference_inclination_deg);
        return sized_copy_out(ret, &c, sizeof(c));
}

/* The caller's sized struct theirs read into ours (sized ours_size, holding the defaults), for a function of
 * the engine e: -EINVAL without either. */
static int engine_read_in(const struct psoas_engine *e, void *ours, size_t ours_size, const void *theirs) {
        if (!e || !theirs)
                return -EINVAL;
        return sized_copy_in(ours, ours_size, theirs);
}

int psoas_engine_set_calibration(struct psoas_engine *e, const struct psoas_calibration *theirs) {
        struct psoas_calibration whole = { .size = sizeof(whole) }, *c = &whole;
        int r = engine_read_in(e, &whole, sizeof(whole), theirs);

        if (r < 0)
                return r;
        for (unsigned i = 0; i < 3; i++)
                if (!isfinite(c->up[i]) || !isfinite(c->forward[i]))
                        return -EINVAL;
        if (fabsf(vec3_norm(c->up) - 1.0f) > 1e-3f)
                return -EINVAL;
        if (c->forward_known &&
                (fabsf(vec3_norm(c->forward) - 1.0f) > 1e-3f || fabsf(vec3_dot(c->up, c->forward)) > 1e-3f))
                return -EINVAL;
        float neutral = calibration_neutral_inclination(c->up, c->forward_known, c->forward);
        r = slouch_reference_set(
                &e->slouch, c->sitting_reference_known, c->sitting_reference_inclination_deg, neutral);
        if (r < 0)
                return r;

        posture_classifier_set_calibration(&e->posture, c->up, c->forward_known, c->forward);
        e->neutral_inclination_deg = neutral;
        e->state.sitting_reference_known = c->sitting_reference_known;
        e->state.calibrated = true;
        e->state.forward_known = c->forward_known;
        e->state.posture = e->posture.posture;
        return 0;
}

void psoas_engine_snooze(struct psoas_engine *e, int64_t until_us) {
        if (!e)
                return;
        if (e->has_last && until_us <= e->last_us)
                until_us = 0;
        alert_policy_snooze(&e->alerts, until_us);
        e->state.snoozed_until_us = until_us;
}

void psoas_engine_set_inhibited(struct psoas_engine *e, bool inhibited) {
        if (!e)
                return;
        alert_policy_set_inhibited(&e->alerts, inhibited);
        e->state.inhibited = inhibited;
}

int psoas_engine_set_places(struct psoas_engine *e, uint32_t places) {
        if (!e)
                return -EINVAL;
        return stretch_planner_set_places(&e->stretches, places);
}

int psoas_engine_report_stretch(struct psoas_engine *e, const char *id) {
        uint32_t idx;
        int r;

        if (!e || !id)
                return -EINVAL;
        r = stretch_planner_report(&e->stretches, id, &idx);
        if (r <= 0)
                return r;

        struct psoas_event ev = { .type = PSOAS_EVENT_STRETCH_DONE, .t_us = e->last_us };
        ev.stretch.stretch = idx;
        ev.stretch.result = PSOAS_STRETCH_SELF_REPORTED;
        engine_push(e, &ev);
        e->sitting.now.today.stretches_self_reported++;
        return 0;
}

int psoas_engine_restore(
        struct psoas_engine *e, const struct psoas_day_stats *theirs, int64_t bout_start_local_us) {
        struct psoas_day_stats whole = { .size = sizeof(whole) }, *stats = &whole;
        int r = engine_read_in(e, &whole, sizeof(whole), theirs);

        if (r < 0)
                return r;
        if (!e->has_clock)
                return -ENODATA;

        int64_t now = e->has_last ? e->last_us : e->clock_t_us;
        if (stats->day != engine_day(e, now))
                return -ESTALE;

        bool in_bout = bout_start_local_us != 0;
        int64_t bout_start = e->clock_t_us + (bout_start_local_us - e->clock_local_us);
        sitting_tracker_restore(&e->sitting, stats, in_bout, bout_start);
        e->state.in_bout = in_bout;
        e->state.bout_start_us = in_bout ? bout_start : 0;
        return 0;
}

void engine_set_posture_tuning(struct psoas_engine *e, const PostureTuning *tuning) {
        posture_classifier_set_tuning(&e->posture, tuning);
}

const PostureClassifier *engine_posture(const struct psoas_engine *e) {
        return &e->posture;
}
