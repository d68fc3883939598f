/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "sitting.h"

/* Upright time is a sum of many small dt_s: without some slack, 3000 × 0.02 s can come out a hair under 60 s
 * and a full-length break would not count. A microsecond is far below any sample period. */
#define UPRIGHT_SLACK_S 1e-6

static int64_t seconds_to_us(double s) {
        return (int64_t)llround(s * (double)US_PER_SEC);
}

static double us_to_seconds(int64_t us) {
        return (double)us / (double)US_PER_SEC;
}

static bool posture_is_upright(enum psoas_posture posture) {
        return posture == PSOAS_POSTURE_STANDING || posture == PSOAS_POSTURE_WALKING;
}

void sitting_tracker_set_config(SittingTracker *s, const struct psoas_config *config) {
        s->break_s = config->break_s;
        s->tilt_alert_deg = config->tilt_alert_deg;
}

void sitting_tracker_init(SittingTracker *s, const struct psoas_config *config) {
        memset(s, 0, sizeof(*s));
        s->today.size = sizeof(s->today);
        s->posture = PSOAS_POSTURE_UNKNOWN;
        sitting_tracker_set_config(s, config);
}

static bool day_stats_is_empty(const struct psoas_day_stats *d) {
        /* tilt_s covers the histogram and high_tilt_s: both only grow together with it. */
        return d->sitting_s == 0 && d->standing_s == 0 && d->walking_s == 0 && d->lying_s == 0 &&
                d->unknown_s == 0 && d->not_worn_s == 0 && d->sitting_bouts == 0 && d->longest_bout_s == 0 &&
                d->alerts == 0 && d->breaks == 0 && d->stretches_verified == 0 &&
                d->stretches_self_reported == 0 && d->tilt_s == 0 && d->steps == 0;
}

static unsigned tilt_hist_bin(float tilt_deg) {
        /* Clamp in double before converting: a wild tilt must not overflow the integer conversion. */
        double x = floor(((double)tilt_deg - PSOAS_TILT_HIST_MIN_DEG) / PSOAS_TILT_HIST_BIN_DEG);

        return (unsigned)CLAMP(x, 0.0, (double)(PSOAS_TILT_HIST_BINS - 1));
}

static void sitting_tracker_account(SittingTracker *s, double dt_s, bool calibrated, float tilt_deg) {
        struct psoas_day_stats *d = &s->today;

        switch ((int)s->posture) {
        case SITTING_NOT_WORN:
                d->not_worn_s += dt_s;
                break;
        case PSOAS_POSTURE_SITTING:
                d->sitting_s += dt_s;
                break;
        case PSOAS_POSTURE_STANDING:
                d->standing_s += dt_s;
                break;
        case PSOAS_POSTURE_WALKING:
                d->walking_s += dt_s;
                break;
        case PSOAS_POSTURE_LYING:
                d->lying_s += dt_s;
                break;
        default:
                d->unknown_s += dt_s;
                break;
        }

        /* Tilt is meaningful only upright and still: walking swings the pelvis, sitting rotates it back. */
        if (s->posture == PSOAS_POSTURE_STANDING && calibrated && isfinite(tilt_deg)) {
                d->tilt_sum_deg_s += (double)tilt_deg * dt_s;
                d->tilt_s += dt_s;
                if (tilt_deg >= s->tilt_alert_deg)
                        d->high_tilt_s += dt_s;
                d->tilt_hist_s[tilt_hist_bin(tilt_deg)] += (float)dt_s;
        }

        if (s->in_bout && s->away && posture_is_upright(s->posture))
                s->away_upright_s += dt_s;
}

static void sitting_tracker_roll_day(SittingTracker *s, int64_t t_us, int32_t day, EventQueue *q) {
        struct psoas_event e = {
                .type = PSOAS_EVENT_DAY_CHANGED,
                .t_us = t_us,
                .day.previous = s->today.day,
                .day.current = day,
        };

        s->previous = s->today;
        s->has_previous = true;
        s->today = (struct psoas_day_stats){ .size = sizeof(s->today), .day = day };
        event_queue_push(q, &e);
}

static void sitting_tracker_start_bout(SittingTracker *s, int64_t t_us, EventQueue *q) {
        struct psoas_event e = {
                .type = PSOAS_EVENT_BOUT_STARTED,
                .t_us = t_us,
                .bout.start_us = t_us,
        };

        s->in_bout = true;
        s->bout_start_us = t_us;
        s->away = false;
        s->away_upright_s = 0;
        s->today.sitting_bouts++;
        event_queue_push(q, &e);
}

static void sitting_tracker_end_bout(SittingTracker *s, int64_t t_us, EventQueue *q) {
        double duration_s = us_to_seconds(s->away_since_us - s->bout_start_us);
        /* Only time on one's feet is a break; the same time lying down (or the sensor unsure) ends the bout
         * without one. */
        bool is_break = s->away_upright_s + UPRIGHT_SLACK_S >= s->break_s;
        struct psoas_event e = {
                .type = PSOAS_EVENT_BOUT_ENDED,
                .t_us = t_us,
                .bout.start_us = s->bout_start_us,
                .bout.duration_s = duration_s,
                .bout.is_break = is_break,
        };

        if (is_break) {
                s->today.breaks++;
                s->has_last_break = true;
                s->last_break_us = s->away_since_us;
        }
        s->today.longest_bout_s = MAX(s->today.longest_bout_s, duration_s);
        s->in_bout = false;
        s->away = false;
        s->away_upright_s = 0;
        event_queue_push(q, &e);
}

static void snapshot_take(const SittingTracker *s, SittingTrackerSnapshot *snap, int64_t t_us) {
        *snap = (SittingTrackerSnapshot){
                .valid = true,
                .t_us = t_us,
                .posture = s->posture,
                .in_bout = s->in_bout,
                .bout_start_us = s->bout_start_us,
                .away = s->away,
                .away_since_us = s->away_since_us,
                .away_upright_s = s->away_upright_s,
                .has_last_break = s->has_last_break,
                .last_break_us = s->last_break_us,
                .today = s->today,
        };
}

static void snapshot_restore(SittingTracker *s, const SittingTrackerSnapshot *snap) {
        struct psoas_day_stats kept = s->today;

        s->posture = snap->posture;
        s->in_bout = snap->in_bout;
        s->bout_start_us = snap->bout_start_us;
        s->away = snap->away;
        s->away_since_us = snap->away_since_us;
        s->away_upright_s = snap->away_upright_s;
        s->has_last_break = snap->has_last_break;
        s->last_break_us = snap->last_break_us;
        s->today = snap->today;
        /* What the posture does not decide happened all the same. */
        s->today.alerts = kept.alerts;
        s->today.stretches_verified = kept.stretches_verified;
        s->today.stretches_self_reported = kept.stretches_self_reported;
        s->today.steps = kept.steps;
}

static void sitting_tracker_mark_in(SittingTracker *s, SittingTrackerSnapshot *slot) {
        if (s->has_last)
                snapshot_take(s, slot, s->last_t_us);
        /* The snapshot is of the state after the last sample: its posture is the one that sample took. */
        slot->posture = s->posture;
}

void sitting_tracker_mark(SittingTracker *s) {
        sitting_tracker_mark_in(s, &s->at_mark);
}

void sitting_tracker_mark_still(SittingTracker *s) {
        sitting_tracker_mark_in(s, &s->at_still);
}

int sitting_tracker_revise(SittingTracker *s, int64_t since_us, enum psoas_posture posture, bool calibrated,
        float tilt_deg, EventQueue *q) {
        const SittingTrackerSnapshot *snap = NULL;

        /* The latest point at or before since_us. */
        if (s->at_mark.valid && s->at_mark.t_us <= since_us)
                snap = &s->at_mark;
        if (s->at_still.valid && s->at_still.t_us <= since_us && (!snap || s->at_still.t_us > snap->t_us))
                snap = &s->at_still;
        for (unsigned i = 0; i < SITTING_SNAPSHOTS; i++) {
                const SittingTrackerSnapshot *c = &s->at_change[i];
                if (c->valid && c->t_us <= since_us && (!snap || c->t_us > snap->t_us))
                        snap = c;
        }
        if (!snap || !s->has_last || snap->today.day != s->today.day || snap->t_us > s->last_t_us)
                return -ESTALE;

        SittingTrackerSnapshot from = *snap;
        int64_t now_us = s->last_t_us;
        bool was_in_bout = s->in_bout;
        int64_t was_bout_start_us = s->bout_start_us;

        snapshot_restore(s, &from);
        s->last_t_us = from.t_us;
        /* A bout the wrong posture started is taken back before the corrected postures tell their story. */
        if (was_in_bout && was_bout_start_us >= from.t_us &&
                !(posture == PSOAS_POSTURE_SITTING && !from.in_bout)) {
                struct psoas_event e = {
                        .type = PSOAS_EVENT_BOUT_ENDED,
                        .t_us = now_us,
                        .bout.start_us = was_bout_start_us,
                        .bout.withdrawn = true,
                };
                event_queue_push(q, &e);
        }
        bool resumed = from.in_bout && !was_in_bout;
        int32_t day = s->today.day;
        memset(s->at_change, 0, sizeof(s->at_change));
        s->at_mark.valid = false;
        s->at_still.valid = false;
        /* The posture from the snapshot's sample on, then the time since accounted to it at the last sample. */
        s->has_last = false;
        sitting_tracker_update(s, from.t_us, 0.0, day, posture, calibrated, tilt_deg, q);
        s->has_last = true;
        if (resumed && s->in_bout) {
                /* The wrong posture ended this bout; it goes on. */
                struct psoas_event e = {
                        .type = PSOAS_EVENT_BOUT_STARTED,
                        .t_us = now_us,
                        .bout.start_us = s->bout_start_us,
                };
                event_queue_push(q, &e);
        }
        snapshot_take(s, &s->at_change[0], from.t_us);
        s->at_change[0].posture = from.posture;
        s->next_change = 1;
        sitting_tracker_update(
                s, now_us, us_to_seconds(now_us - from.t_us), day, posture, calibrated, tilt_deg, q);
        return 0;
}

void sitting_tracker_update(SittingTracker *s, int64_t t_us, double dt_s, int32_t day,
        enum psoas_posture posture, bool calibrated, float tilt_deg, EventQueue *q) {

        /* The interval since the previous sample belongs to that sample: its posture and its day. */
        if (s->has_last && dt_s > 0)
                sitting_tracker_account(s, dt_s, calibrated, tilt_deg);

        if (day != s->today.day) {
                if (s->has_last || !day_stats_is_empty(&s->today))
                        sitting_tracker_roll_day(s, t_us, day, q);
                else
                        s->today.day = day;
        }

        /* Check the break before looking at this sample's posture: someone who sits back down right after a
         * full break took that break, even when no sample fell exactly at break_s. */
        if (s->in_bout && s->away && t_us - s->away_since_us >= seconds_to_us(s->break_s))
                sitting_tracker_end_bout(s, t_us, q);

        if (posture != s->posture && s->has_last) {
                snapshot_take(s, &s->at_change[s->next_change], t_us);
                s->next_change = (s->next_change + 1) % SITTING_SNAPSHOTS;
        }

        if (posture == PSOAS_POSTURE_SITTING) {
                if (!s->in_bout)
                        sitting_tracker_start_bout(s, t_us, q);
                else
                        s->away = false; /* a short stand: the bout goes on */
        } else if (s->in_bout && !s->away) {
                s->away = true;
                s->away_since_us = t_us;
                s->away_upright_s = 0;
        }

        /* Keep the longest bout live, but only up to where the bout would end if this absence becomes a
         * break, so the value never shrinks back when the bout ends. */
        if (s->in_bout) {
                int64_t end_us = s->away ? s->away_since_us : t_us;
                s->today.longest_bout_s =
                        MAX(s->today.longest_bout_s, us_to_seconds(end_us - s->bout_start_us));
        }

        s->has_last = true;
        s->last_t_us = t_us;
        s->posture = posture;
}

double sitting_tracker_bout_seconds(const SittingTracker *s, int64_t t_us) {
        if (!s->in_bout)
                return 0;
        return us_to_seconds(t_us - s->bout_start_us);
}

void sitting_tracker_restore(
        SittingTracker *s, const struct psoas_day_stats *stats, bool in_bout, int64_t bout_start_us) {
        s->today = *stats;
        /* Nothing before the restart can be revised: its totals came from elsewhere. */
        memset(s->at_change, 0, sizeof(s->at_change));
        s->at_mark.valid = false;
        s->at_still.valid = false;
        if (in_bout) {
                s->in_bout = true;
                s->bout_start_us = bout_start_us;
                s->away = false;
                s->away_upright_s = 0;
        }
}
