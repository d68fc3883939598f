/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libpsoas: the psoas posture engine.
 *
 * Feed timestamped IMU samples from a sensor worn on the pelvis; read back orientation, anterior pelvic tilt,
 * posture, sitting bouts, alerts and stretch prompts. Pure C11: no I/O, no logging, no allocation after
 * psoas_engine_new() (or none at all with psoas_engine_init() on caller-provided memory). All timing comes from
 * the sample timestamps, so replaying a recording at any speed gives identical results.
 *
 * Fallible functions return 0 (or a positive value) on success and a negative errno value on failure. Output
 * parameters are named ret_* and are written only on success.
 *
 * Extending the API without breaking the ABI: every public struct starts with `uint32_t size`, which the caller sets to sizeof the struct as the psoas.h it was compiled with declares it
 * (PSOAS_SIZED(&x) does that and gives back &x), for a struct it passes in and for one the library fills
 * alike. New fields are only ever added at the end, so a struct of a smaller size is the same struct of an
 * older psoas.h. The library:
 *  - reads and writes only the first size bytes;
 *  - given a smaller struct than its own (a caller built against an older psoas.h): reads the fields there
 *    are and takes each missing one's default (psoas_config_init()'s for the configuration, zero or false
 *    otherwise), or fills the struct only as far as it goes;
 *  - given a larger one (a caller built against a newer psoas.h): reads it when every byte it does not know
 *    is zero (the fields it does not know are at their defaults), and fails with -E2BIG otherwise; fills the
 *    fields it knows and zeroes the rest;
 *  - fails with -EINVAL when size is below sizeof(uint32_t) (not set).
 * An array of structs (a stretch catalog) is walked by the size of its first entry, which every entry has;
 * index one with psoas_stretch_at(). A struct the library hands out by pointer (a catalog entry) carries the
 * library's size: a caller reads a field it knows only if PSOAS_HAS_FIELD() says the struct has it.
 * The soname changes only when an existing field or function changes; additions get a new symbol version.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PSOAS_VERSION_MAJOR 0
#define PSOAS_VERSION_MINOR 1
#define PSOAS_VERSION_MICRO 0
#define PSOAS_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define PSOAS_API __attribute__((visibility("default")))
#else
#define PSOAS_API
#endif

/* Sets the size member of the struct ptr points to (evaluated twice) to its size in this psoas.h, and gives
 * back ptr: psoas_engine_get_state(engine, PSOAS_SIZED(&state)). */
#define PSOAS_SIZED(ptr) ((ptr)->size = (uint32_t)sizeof(*(ptr)), (ptr))
/* Whether the sized struct ptr points to (one the library handed out) is large enough to have member. */
#define PSOAS_HAS_FIELD(ptr, member)                                                                        \
        ((size_t)(ptr)->size >= offsetof(__typeof__(*(ptr)), member) + sizeof((ptr)->member))

/* Version of the library actually linked, e.g. "0.1.0". */
PSOAS_API const char *psoas_version(void);

/* ---------------------------------------------------------------------------------------------------------- */
/* Postures */

enum psoas_posture {
        PSOAS_POSTURE_UNKNOWN,
        PSOAS_POSTURE_STANDING,
        PSOAS_POSTURE_SITTING,
        PSOAS_POSTURE_WALKING,
        PSOAS_POSTURE_LYING,
        _PSOAS_POSTURE_MAX,
};

/* "unknown", "standing", "sitting", "walking", "lying"; NULL for values out of range. */
PSOAS_API const char *psoas_posture_to_string(enum psoas_posture posture);
/* Returns the posture (>= 0) or -EINVAL. */
PSOAS_API int psoas_posture_from_string(const char *s);

/* ---------------------------------------------------------------------------------------------------------- */
/* Samples */

struct psoas_sample {
        uint32_t size; /* sizeof(struct psoas_sample), set by the caller (see the top of this file) */
        /* Monotonic time of the sample in microseconds, any epoch. Must increase from sample to sample. */
        int64_t t_us;
        /* Specific force in m/s² in the sensor's frame: at rest it reads +9.81 along the axis pointing up. */
        float accel[3];
        /* Angular rate in rad/s in the same frame, right-handed. Ignored unless has_gyro. */
        float gyro[3];
        bool has_gyro;
};

/* ---------------------------------------------------------------------------------------------------------- */
/* Configuration. Initialise with psoas_config_init(), change what you need, check with psoas_config_validate().
 * Each number's default and range are written down once, in lib/config.c (config_fields[]); ask for a range with
 * psoas_config_range(). psoasd.json(5) shows them in the configuration file's units. */

struct psoas_config {
        uint32_t size; /* sizeof(struct psoas_config), set by the caller (see the top of this file) */

        /* Fuse the gyroscope when samples carry one. false: accelerometer-only even when they do. */
        bool use_gyro;

        /* The wearer's forward direction in the sensor's frame, when known from configuration. Otherwise the
         * engine learns it from motion (sitting down rotates the pelvis backwards). Need not be unit length or
         * exactly perpendicular to vertical: only its component perpendicular to the calibrated vertical counts. */
        bool forward_known;
        float forward[3];

        /* Calibration: seconds of stillness captured for the neutral posture, and how long to wait for them. */
        float calibration_still_s;
        float calibration_timeout_s;

        /* Sitting: a break counts only after this long standing or walking. */
        float break_s;
        /* First sitting alert after this long in one bout, then again every sitting_repeat_s. */
        float sitting_alert_s;
        float sitting_repeat_s;

        /* Tilt alert: standing with anterior tilt at least tilt_alert_deg above neutral for tilt_alert_s. */
        float tilt_alert_deg;
        float tilt_alert_s;

        /* Quiet hours in minutes after local midnight, [start, end), may wrap past midnight; start == end: none. */
        int32_t quiet_start_min;
        int32_t quiet_end_min;

        /* How long after a prompt the engine watches for the prompted stretch to verify it. */
        float stretch_window_s;

        /* A heads-up (PSOAS_ALERT_SITTING_SOON) this long before a bout's first sitting alert; 0: none. Less
         * than sitting_alert_s. The member added last: a caller's smaller struct leaves it 0. */
        float sitting_heads_up_s;

        /* Slouch alert (PSOAS_ALERT_SLOUCH): sitting with the pelvis slumped back at least slouch_alert_deg
         * behind the upright sitting reference (psoas_engine_calibrate_sitting()) for slouch_alert_s. No alert
         * without a reference; slouch_alert_deg 0: none. Added in 0.4. */
        float slouch_alert_deg;
        float slouch_alert_s;
};

/* Sets every field but size to its default, as far as config->size goes. -EINVAL when size is not set. */
PSOAS_API int psoas_config_init(struct psoas_config *config);
/* 0 when valid; otherwise -EINVAL or -ERANGE, and *ret_field (if not NULL) names the offending field ("size" for
 * an unset size, or -E2BIG for fields this library does not know set to something else than zero). */
PSOAS_API int psoas_config_validate(const struct psoas_config *config, const char **ret_field);
/* The valid range of a numeric field named as psoas_config_validate() names it ("sitting_alert_s"), in the field's
 * own unit. -ENOENT for a field without one (use_gyro, forward). */
PSOAS_API int psoas_config_range(const char *field, double *ret_min, double *ret_max);

/* ---------------------------------------------------------------------------------------------------------- */
/* Stretch catalog: plain data. The engine keeps pointers to the caller's array and strings. */

enum psoas_stretch_place {
        PSOAS_PLACE_DESK = 1 << 0, /* can be done standing by the desk */
        PSOAS_PLACE_FLOOR = 1 << 1, /* needs the floor (or a mat) */
};

enum psoas_stretch_target {
        PSOAS_TARGET_HIP_FLEXORS = 1 << 0, /* psoas, iliacus, rectus femoris */
        PSOAS_TARGET_QUADRICEPS = 1 << 1,
        PSOAS_TARGET_GLUTES = 1 << 2,
        PSOAS_TARGET_CORE = 1 << 3,
        PSOAS_TARGET_PIRIFORMIS = 1 << 4,
        PSOAS_TARGET_HAMSTRINGS = 1 << 5,
};

/* How the sensor can confirm the stretch was done: its pelvic signature, checked against the calibrated standing
 * posture (forward known). "Tucked" is a posterior tilt of at least a few degrees from the standing neutral; an
 * arched (anterior) pelvis never passes it. Holds run a timer per side only while the signature holds (a loss of
 * up to 5 s keeps the time; a loss of 1 s or more after a side is done switches to the other side); repetitions
 * are counted per side. A stretch without a signature can only be self-reported. */
enum psoas_stretch_check {
        PSOAS_CHECK_NONE, /* no signature: self-report only */
        /* Until 0.2 these confirmed a stretch from the posture alone (upright: standing or kneeling; floor: lying),
         * which plain standing passed. They are still accepted, and confirm nothing: as NONE. */
        PSOAS_CHECK_UPRIGHT,
        PSOAS_CHECK_FLOOR,
        PSOAS_CHECK_STANDING_TUCK, /* standing height, upright, tucked (standing hip-flexor stretch) */
        PSOAS_CHECK_KNEELING_TUCK, /* came down from the feet to kneeling height, balancing, upright, tucked */
        PSOAS_CHECK_ONE_LEG_TUCK, /* standing height, tucked, the larger sway of standing on one leg (quad) */
        PSOAS_CHECK_STANDING_HINGE, /* about standing height, hinged forward 20-70° from the hips (hamstring) */
        PSOAS_CHECK_SEATED_HINGE, /* seated height, leaning forward from the hips: anterior of neutral */
        PSOAS_CHECK_BRIDGE_REPS, /* lying face up, the pelvis rising and rotating back: repetitions */
        PSOAS_CHECK_SIDE_LYING_REPS, /* lying on the side, the pelvis rocking back a little: reps per side */
        PSOAS_CHECK_ALL_FOURS_ALTERNATING, /* face down and level on all fours, rocking to alternate sides */
        PSOAS_CHECK_PRONE_HOLD, /* face down, level (not sagging), still (plank; prone lying passes too) */
        PSOAS_CHECK_WALKING, /* steps: walking for the hold time */
        _PSOAS_CHECK_MAX,
};

/* "none", "upright", "floor", "standing-tuck", "kneeling-tuck", "one-leg-tuck", "standing-hinge", "seated-hinge",
 * "bridge-reps", "side-lying-reps", "all-fours-alternating", "prone-hold", "walking"; NULL out of range. As in the
 * catalog's "check" key. */
PSOAS_API const char *psoas_stretch_check_to_string(enum psoas_stretch_check check);
/* The check (>= 0) or -EINVAL. */
PSOAS_API int psoas_stretch_check_from_string(const char *s);

struct psoas_stretch {
        uint32_t size; /* sizeof(struct psoas_stretch), the same in every entry of a catalog */
        const char *id; /* short identifier, [a-z0-9-]+ */
        const char *title; /* "Kneeling hip-flexor stretch" */
        const char *muscles; /* "psoas, iliacus, rectus femoris" */
        const char *instructions; /* a few sentences */
        const char *safety; /* when to stop */
        uint32_t hold_min_s; /* hold per side in seconds, 0 when rep-based */
        uint32_t hold_max_s;
        uint32_t reps_min; /* repetitions (per side when per_side), 0 when hold-based */
        uint32_t reps_max;
        bool per_side;
        uint32_t places; /* enum psoas_stretch_place flags */
        uint32_t targets; /* enum psoas_stretch_target flags */
        enum psoas_stretch_check check;
};

/* Entry i of a catalog, walked by the size of its first entry (the size of a library's struct when the library
 * made the catalog). */
static inline const struct psoas_stretch *psoas_stretch_at(const struct psoas_stretch *catalog, size_t i) {
        return (const struct psoas_stretch *)(const void *)((const char *)catalog + i * catalog->size);
}

/* The catalog compiled into the library (from data/stretches.json); index it with psoas_stretch_at(). */
PSOAS_API const struct psoas_stretch *psoas_stretch_default_catalog(size_t *ret_n);
/* 0 when the entry is complete and consistent; otherwise -EINVAL (-E2BIG for fields this library does not know
 * set to something else than zero) and *ret_field names the field. */
PSOAS_API int psoas_stretch_validate(const struct psoas_stretch *stretch, const char **ret_field);
/* Seconds the sensor must see the stretch for it to count as verified (all sides and reps; for repetitions an
 * estimate at 3 s each, since they are counted, not timed). */
PSOAS_API uint32_t psoas_stretch_verify_seconds(const struct psoas_stretch *stretch);
/* Whether the sensor can confirm this stretch (its check has a pelvic signature); otherwise only the wearer can
 * report it done. */
PSOAS_API bool psoas_stretch_has_signature(const struct psoas_stretch *stretch);
/* The warnings that go with every stretch, to show once before the first: warm up, stop on sharp pain, leg
 * symptoms need a doctor, psoas is no diagnosis. One paragraph. */
PSOAS_API const char *psoas_stretch_red_flags(void);

/* ---------------------------------------------------------------------------------------------------------- */
/* Daily statistics, in the local day given by psoas_engine_set_clock(). */

#define PSOAS_TILT_HIST_MIN_DEG (-45.0f)
#define PSOAS_TILT_HIST_BIN_DEG 0.5f
#define PSOAS_TILT_HIST_BINS 180

struct psoas_day_stats {
        uint32_t size; /* sizeof(struct psoas_day_stats), set by the caller */
        int32_t day; /* local days since 1970-01-01 */
        double sitting_s, standing_s, walking_s, lying_s, unknown_s;
        uint32_t sitting_bouts;
        double longest_bout_s;
        uint32_t alerts;
        uint32_t breaks;
        uint32_t stretches_verified;
        uint32_t stretches_self_reported;
        /* Tilt while standing (calibrated only): time-weighted sum, seconds at or above the alert threshold,
         * and a histogram in seconds per 0.5° bin from -45° (values outside land in the end bins). */
        double tilt_sum_deg_s;
        double tilt_s;
        double high_tilt_s;
        float tilt_hist_s[PSOAS_TILT_HIST_BINS];
        /* Steps taken while walking: each heel strike the engine saw in a walk, the first few of a walk
         * included once it is one (libpsoas(3), STEPS). The member added last: a caller's smaller struct is
         * filled without it. */
        uint32_t steps;
        /* Seconds the sensor was off the body (libpsoas(3), WEAR): counted here, not as any posture. Added in
         * 0.4, after steps. */
        double not_worn_s;
};

/* Mean standing tilt in degrees, 0 when there is none (or stats->size is not set). */
PSOAS_API double psoas_day_stats_tilt_mean(const struct psoas_day_stats *stats);
/* Standing tilt percentile (0..100) in degrees from the histogram, 0 when there is none. */
PSOAS_API double psoas_day_stats_tilt_percentile(const struct psoas_day_stats *stats, double percentile);

/* ---------------------------------------------------------------------------------------------------------- */
/* Calibration */

enum psoas_calibration_error {
        PSOAS_CALIBRATION_OK,
        PSOAS_CALIBRATION_MOVING, /* no stillness long enough before the timeout */
        PSOAS_CALIBRATION_NOT_UPRIGHT, /* still, but far from upright relative to the known mounting */
        PSOAS_CALIBRATION_WINDOW_SHORT, /* an explicit window shorter than one second or without samples */
        PSOAS_CALIBRATION_CANCELLED, /* psoas_engine_calibrate_cancel(), or a gap in the samples */
        /* The evidence says the wearer is not standing: the pelvis came down (by a seat's height) and has not
         * come back up, or the posture is sitting or lying. Calibrating would swap sitting and standing. */
        PSOAS_CALIBRATION_NOT_STANDING,
        /* psoas_engine_calibrate_sitting(): the wearer is not sitting. Added in 0.4. */
        PSOAS_CALIBRATION_NOT_SITTING,
        _PSOAS_CALIBRATION_ERROR_MAX,
};

/* A sentence fit to show the wearer, e.g. "you moved: stand still for 3 s". */
PSOAS_API const char *psoas_calibration_error_to_string(enum psoas_calibration_error error);

struct psoas_calibration {
        uint32_t size; /* sizeof(struct psoas_calibration), set by the caller */
        float up[3]; /* the body's vertical in the sensor frame at neutral standing (unit) */
        float forward[3]; /* the wearer's forward in the sensor frame (unit, perpendicular to up) */
        bool forward_known;
        float neutral_inclination_deg; /* sagittal inclination at neutral, see struct psoas_state */
        /* The upright sitting reference (psoas_engine_calibrate_sitting()): the sagittal inclination sitting
         * upright. Added in 0.4. */
        bool sitting_reference_known;
        float sitting_reference_inclination_deg;
};

/* ---------------------------------------------------------------------------------------------------------- */
/* Events, queued by psoas_engine_feed() and friends, read with psoas_engine_pop_event(). */

enum psoas_alert_kind {
        PSOAS_ALERT_SITTING,
        PSOAS_ALERT_TILT,
        /* sitting_heads_up_s before a bout's first sitting alert, at level 0: a warning, not an alert. It is
         * not counted in the day's alerts and prompts no stretch. */
        PSOAS_ALERT_SITTING_SOON,
        /* Sitting slumped back from the upright sitting reference (slouch_alert_deg, slouch_alert_s), level 1.
         * Prompts a cue to sit up, not a stretch. Added in 0.4. */
        PSOAS_ALERT_SLOUCH,
        _PSOAS_ALERT_KIND_MAX,
};
/* "sitting", "tilt", "sitting-soon", "slouch" */
PSOAS_API const char *psoas_alert_kind_to_string(enum psoas_alert_kind kind);

enum psoas_stretch_result {
        PSOAS_STRETCH_VERIFIED, /* the sensor saw it */
        PSOAS_STRETCH_SELF_REPORTED, /* the wearer said so */
        _PSOAS_STRETCH_RESULT_MAX,
};
/* "verified", "self-reported" */
PSOAS_API const char *psoas_stretch_result_to_string(enum psoas_stretch_result result);

/* What the sensor saw instead, when a prompt's window ends unconfirmed (flags). */
enum psoas_stretch_seen {
        PSOAS_SEEN_STOOD_UP = 1 << 0, /* the wearer stood up or walked: a break, not the stretch */
        PSOAS_SEEN_PARTIAL = 1 << 1, /* the signature, but not for the whole hold or every repetition */
        PSOAS_SEEN_TILT_PERSISTED = 1 << 2, /* the tilt that caused the prompt went on */
        PSOAS_SEEN_NO_SIGNATURE =
                1 << 3, /* the stretch has no signature: only a self-report can confirm it */
};

enum psoas_event_type {
        PSOAS_EVENT_POSTURE_CHANGED,
        PSOAS_EVENT_CALIBRATED,
        PSOAS_EVENT_CALIBRATION_FAILED,
        PSOAS_EVENT_FORWARD_LEARNED, /* the sagittal direction was learned from motion */
        PSOAS_EVENT_BOUT_STARTED,
        PSOAS_EVENT_BOUT_ENDED, /* bout.is_break: ended by a confirmed break (standing or walking) */
        PSOAS_EVENT_ALERT,
        PSOAS_EVENT_STRETCH_PROMPT,
        PSOAS_EVENT_STRETCH_DONE,
        PSOAS_EVENT_DAY_CHANGED, /* the local day rolled over; the finished day is in day.previous */
        PSOAS_EVENT_STRETCH_PROGRESS, /* the prompted stretch's signature is being seen (at most once a second) */
        PSOAS_EVENT_STRETCH_MISSED, /* the prompt's window ended without the stretch being confirmed */
        _PSOAS_EVENT_TYPE_MAX,
};
PSOAS_API const char *psoas_event_type_to_string(enum psoas_event_type type);

struct psoas_event {
        uint32_t size; /* sizeof(struct psoas_event), set by the caller */
        enum psoas_event_type type;
        int64_t t_us; /* sample time at which it happened */
        union {
                struct {
                        enum psoas_posture posture;
                        enum psoas_posture previous;
                        /* A decision taken back: the posture was in fact `posture` since since_us (earlier
                         * than t_us), where the record said `previous`. The day's totals and the bouts have been
                         * corrected from there. `posture` may be the posture just before this event (a squat
                         * taken for sitting, revised once the wearer is back up). */
                        bool revised;
                        int64_t since_us;
                } posture;
                struct {
                        float neutral_inclination_deg;
                        /* The upright sitting reference was captured (psoas_engine_calibrate_sitting()), not
                         * the standing neutral: its inclination is in neutral_inclination_deg. Added in 0.4. */
                        bool sitting;
                } calibrated;
                struct {
                        enum psoas_calibration_error reason;
                } calibration_failed;
                struct {
                        int64_t start_us; /* sample time the bout began */
                        double duration_s; /* for BOUT_ENDED: start to the first sample of the break */
                        bool is_break;
                        /* BOUT_ENDED: the bout never was (a revised posture): forget it, it counts nowhere */
                        bool withdrawn;
                } bout;
                struct {
                        enum psoas_alert_kind kind;
                        uint32_t level; /* 1..3 */
                        double duration_s; /* sitting: bout length; tilt: time above threshold */
                } alert;
                struct {
                        uint32_t stretch; /* index into the catalog */
                        enum psoas_alert_kind cause;
                } prompt;
                struct {
                        uint32_t stretch;
                        enum psoas_stretch_result result;
                } stretch;
                struct {
                        int32_t previous;
                        int32_t current;
                } day;
                struct {
                        uint32_t stretch;
                        uint32_t side; /* 1 or 2 for a stretch done per side, 0 otherwise */
                        uint32_t held_s; /* holds: whole seconds held on this side */
                        uint32_t reps; /* repetitions: counted on this side */
                        uint32_t goal; /* the seconds or repetitions needed per side */
                } progress;
                struct {
                        uint32_t stretch;
                        uint32_t seen; /* enum psoas_stretch_seen flags */
                } missed;
        };
};

/* Events not read when the queue is full are dropped, oldest first, and counted in state.events_dropped.
 * Reading them after every psoas_engine_feed() (or every few samples) never drops any. */
#define PSOAS_EVENT_QUEUE_SIZE 64

/* ---------------------------------------------------------------------------------------------------------- */
/* Per-sample state */

struct psoas_state {
        uint32_t size; /* sizeof(struct psoas_state), set by the caller */
        int64_t t_us; /* time of the last accepted sample */
        enum psoas_posture posture;
        float confidence; /* 0..1 */

        bool calibrated;
        bool calibrating;
        bool forward_known;
        /* Anterior pelvic tilt relative to the calibrated neutral, positive anterior (0 until calibrated). */
        float tilt_deg;
        /* Sagittal inclination relative to gravity: the angle of the sensor's axis nearest the body's vertical
         * from true vertical, positive when rotated anteriorly. Equals tilt_deg + neutral inclination. */
        float inclination_deg;
        /* Orientation of the sensor relative to an earth frame with z up, as w, x, y, z: rotates sensor-frame
         * vectors into the earth frame. Yaw is arbitrary (there is no magnetometer). */
        float quat[4];
        /* Estimated gyroscope bias in rad/s (sensor frame). */
        float gyro_bias[3];

        bool in_bout; /* a sitting bout is in progress (short stands do not end it) */
        int64_t bout_start_us; /* valid when in_bout */
        bool has_last_break;
        int64_t last_break_us; /* when the last confirmed break began */
        int64_t snoozed_until_us; /* 0 when not snoozed */
        bool inhibited;

        /* Today's statistics are not here, since a sized struct cannot hold another that may grow: see
         * psoas_engine_get_day_stats(). */

        uint64_t samples_accepted;
        uint64_t samples_rejected; /* non-finite values, absurd magnitudes, time not increasing */
        uint64_t events_dropped;
        /* Whether the sensor is on the body: false once it has been perfectly still for PSOAS_NOT_WORN_S
         * (libpsoas(3), WEAR); the posture is then unknown. Added in 0.4. */
        bool worn;
        /* Sitting with an upright sitting reference: how far the pelvis is behind it in degrees (positive:
         * slumped back); 0 otherwise. Added in 0.4. */
        bool sitting_reference_known;
        float slouch_deg;
};

/* ---------------------------------------------------------------------------------------------------------- */
/* The engine */

struct psoas_engine;

/* Allocates with malloc(); everything else is allocation-free. */
PSOAS_API int psoas_engine_new(const struct psoas_config *config, struct psoas_engine **ret);
PSOAS_API struct psoas_engine *psoas_engine_free(struct psoas_engine *engine);

/* For targets without malloc: psoas_engine_size() bytes of memory aligned to 16, owned by the caller. */
PSOAS_API size_t psoas_engine_size(void);
PSOAS_API int psoas_engine_init(
        void *memory, size_t size, const struct psoas_config *config, struct psoas_engine **ret);

/* Replace the configuration (a reload); the state and calibration are kept. -EINVAL/-ERANGE/-E2BIG when
 * invalid. */
PSOAS_API int psoas_engine_set_config(struct psoas_engine *engine, const struct psoas_config *config);

/* Use this catalog (borrowed: it must outlive the engine or the next call). NULL/0 selects the default.
 * -EINVAL when an entry is invalid or has another size than the first; the old catalog stays. */
PSOAS_API int psoas_engine_set_catalog(
        struct psoas_engine *engine, const struct psoas_stretch *stretches, size_t n);
/* The catalog in use: the caller's of psoas_engine_set_catalog(), or the default; index it with
 * psoas_stretch_at(). */
PSOAS_API const struct psoas_stretch *psoas_engine_get_catalog(
        const struct psoas_engine *engine, size_t *ret_n);

/* Map sample time to local wall time: at sample time t_us the local time was local_us (µs since the epoch,
 * shifted by the UTC offset). Used only for day boundaries and quiet hours; call again when the clock jumps or
 * the UTC offset changes. Without it every sample is on day 0 and there are no quiet hours. */
PSOAS_API void psoas_engine_set_clock(struct psoas_engine *engine, int64_t t_us, int64_t local_us);
/* Local wall time of a sample time, with the current mapping. */
PSOAS_API int64_t psoas_engine_local_time(const struct psoas_engine *engine, int64_t t_us);

/* Feed one sample. 0: accepted. -EINVAL: non-finite or absurd values (|a| > 16 g, |ω| > 35 rad/s), or the size not
 * set (-E2BIG: a field this library does not know is not zero). -ESTALE: time not after the previous sample.
 * Rejected samples change nothing but the counters. */
PSOAS_API int psoas_engine_feed(struct psoas_engine *engine, const struct psoas_sample *sample);

/* Fills *ret (ret->size set by the caller) with the state as of the last sample. -EINVAL when ret->size is not
 * set. The engine does not keep it up to date on every sample: this call works it out. */
PSOAS_API int psoas_engine_get_state(const struct psoas_engine *engine, struct psoas_state *ret);
/* Fills *ret (ret->size set by the caller) with today's statistics, as of the last sample. -EINVAL when
 * ret->size is not set. */
PSOAS_API int psoas_engine_get_day_stats(const struct psoas_engine *engine, struct psoas_day_stats *ret);

/* The state (today's statistics) as an expression, in a struct that lives until the end of the enclosing block:
 * const struct psoas_state *st = PSOAS_ENGINE_STATE(engine); NULL when engine is NULL. C only. */
#define PSOAS_ENGINE_STATE(engine)                                                                          \
        psoas_engine_state_in((engine), &(struct psoas_state){ .size = sizeof(struct psoas_state) })
#define PSOAS_ENGINE_DAY_STATS(engine)                                                                      \
        psoas_engine_day_stats_in(                                                                          \
                (engine), &(struct psoas_day_stats){ .size = sizeof(struct psoas_day_stats) })

static inline const struct psoas_state *psoas_engine_state_in(
        const struct psoas_engine *engine, struct psoas_state *state) {
        return psoas_engine_get_state(engine, state) < 0 ? NULL : state;
}

static inline const struct psoas_day_stats *psoas_engine_day_stats_in(
        const struct psoas_engine *engine, struct psoas_day_stats *stats) {
        return psoas_engine_get_day_stats(engine, stats) < 0 ? NULL : stats;
}

/* Pops the oldest event into *ret (ret->size set by the caller); returns 1, or 0 when the queue is empty.
 * -EINVAL when ret->size is not set. */
PSOAS_API int psoas_engine_pop_event(struct psoas_engine *engine, struct psoas_event *ret);

/* Start calibrating at the next sample: the engine waits up to calibration_timeout_s for calibration_still_s of
 * stillness and queues CALIBRATED or CALIBRATION_FAILED. -EBUSY while one is running. */
PSOAS_API int psoas_engine_calibrate(struct psoas_engine *engine);
/* Calibrate on exactly the samples in [start_us, end_us] (for recordings): the wearer must be still throughout.
 * The result is queued when the first sample after end_us arrives. */
PSOAS_API int psoas_engine_calibrate_window(struct psoas_engine *engine, int64_t start_us, int64_t end_us);
PSOAS_API void psoas_engine_calibrate_cancel(struct psoas_engine *engine);
/* Capture the upright sitting reference for the slouch alert at the next samples: the wearer sits upright and
 * still; queues CALIBRATED (calibrated.sitting) or CALIBRATION_FAILED (PSOAS_CALIBRATION_NOT_SITTING when the
 * posture is not sitting). Needs the standing calibration first (-ENODATA). -EBUSY while one is running. */
PSOAS_API int psoas_engine_calibrate_sitting(struct psoas_engine *engine);
/* Fills *ret (ret->size set by the caller). -ENODATA when not calibrated. */
PSOAS_API int psoas_engine_get_calibration(const struct psoas_engine *engine, struct psoas_calibration *ret);
/* Restore a saved calibration. -EINVAL when its vectors are not unit length or not perpendicular (or its size
 * is not set). */
PSOAS_API int psoas_engine_set_calibration(struct psoas_engine *engine, const struct psoas_calibration *cal);

/* No alerts until sample time until_us; 0 (or any time already past) cancels. */
PSOAS_API void psoas_engine_snooze(struct psoas_engine *engine, int64_t until_us);
/* No alerts while inhibited (the daemon holds the count of inhibitors). */
PSOAS_API void psoas_engine_set_inhibited(struct psoas_engine *engine, bool inhibited);

/* Where the wearer can do stretches: enum psoas_stretch_place flags. Floor exercises are prompted only when
 * PSOAS_PLACE_FLOOR is in it; the default is PSOAS_PLACE_DESK. -EINVAL without PSOAS_PLACE_DESK or with unknown
 * bits. */
PSOAS_API int psoas_engine_set_places(struct psoas_engine *engine, uint32_t places);

/* The wearer reports that a stretch was done. Queues STRETCH_DONE (self-reported) unless the sensor already
 * verified the same prompt. -ENOENT for an unknown id. */
PSOAS_API int psoas_engine_report_stretch(struct psoas_engine *engine, const char *id);

/* Restore today's totals and the current bout after a restart. stats->day must be the current local day
 * (else -ESTALE and nothing changes). bout_start_local_us is the local wall time the bout began, 0 for none. */
PSOAS_API int psoas_engine_restore(
        struct psoas_engine *engine, const struct psoas_day_stats *stats, int64_t bout_start_local_us);

/* ---------------------------------------------------------------------------------------------------------- */
/* The record of a day: a per-minute timeline and every bout (libpsoas(3), THE RECORD).
 *
 * The engine keeps the last PSOAS_RECORD_SETTLE_S seconds open, one cell a local second, since a revised
 * posture and the test for a sensor taken off reach back that far. A minute is settled, and can be popped,
 * once the local time is PSOAS_RECORD_SETTLE_S past its end; bouts likewise. psoas_engine_finish_record()
 * settles everything at the end of the data (the end of a recording, psoasd stopping). Local time is that of
 * psoas_engine_set_clock(); without a clock, sample time is taken as local time. */

/* A sensor perfectly still this long (each second's mean acceleration within PSOAS_NOT_WORN_DEG of the
 * stillness's mean direction, more for a sensor too noisy to see breathing: no breathing, no sway) is off the
 * body, from the start of the stillness on (libpsoas(3), WEAR). */
#define PSOAS_NOT_WORN_S 180
#define PSOAS_NOT_WORN_DEG 0.15f
#define PSOAS_RECORD_SETTLE_S 240

/* One local minute. The seconds are whole seconds of the minute, each taking the posture of the last sample in
 * it, or of the one before when none fell in it (as the day's totals account the time after a sample to that
 * sample's posture); the seconds that no field counts (60 minus their sum) had no data: no sample, a gap of over
 * 2 s, a clock set forward. A minute without any data is never reported. */
struct psoas_minute {
        uint32_t size; /* sizeof(struct psoas_minute), set by the caller */
        int32_t day; /* local days since 1970-01-01 */
        int32_t minute; /* of the local day, 0..1439 */
        uint16_t sitting_s, standing_s, walking_s, lying_s;
        uint16_t unknown_s; /* worn, but the posture not told (before calibration, during a transition) */
        uint16_t not_worn_s;
        uint16_t steps; /* steps taken in the minute (heel strikes counted while walking) */
        /* Mean tilt in degrees relative to the standing neutral, positive anterior, over the seconds standing
         * and over those sitting (sitting is a posterior tilt: negative); NaN when there are none or the
         * sensor is not calibrated with a known forward direction. */
        float tilt_standing_deg;
        float tilt_sitting_deg;
};

/* How a bout ended: what came next (for break_s or more, or at once for the data's end). */
enum psoas_bout_end {
        PSOAS_BOUT_END_SAT_DOWN, /* the wearer sat down */
        PSOAS_BOUT_END_STOOD_UP, /* stood up or walked (for a sitting bout: a break) */
        PSOAS_BOUT_END_LAY_DOWN,
        PSOAS_BOUT_END_UNCLEAR, /* the posture could not be told */
        PSOAS_BOUT_END_NOT_WORN, /* the sensor was taken off */
        PSOAS_BOUT_END_NO_DATA, /* the data stopped: sensor, psoasd or the recording */
        _PSOAS_BOUT_END_MAX,
};
/* "sat-down", "stood-up", "lay-down", "unclear", "not-worn", "no-data"; NULL out of range. */
PSOAS_API const char *psoas_bout_end_to_string(enum psoas_bout_end end);

/* A bout: time in one of sitting, upright and lying. Anything else for less than break_s (a short stand
 * while sitting, a pause in the data) is part of it; anything else for break_s ends it where that began, as a
 * sitting bout ends in the day's totals. A bout belongs to the local day it began on. */
struct psoas_bout {
        uint32_t size; /* sizeof(struct psoas_bout), set by the caller */
        enum psoas_posture posture; /* SITTING, STANDING (upright: standing or walking) or LYING */
        enum psoas_bout_end ended_by;
        int32_t day; /* local day it began on */
        int64_t start_local_us,
                end_local_us; /* local wall time, µs since the epoch shifted by the UTC offset */
        uint32_t walking_s; /* of an upright bout, the seconds walking */
        uint32_t steps;
};

/* Pops the oldest settled minute into *ret (ret->size set by the caller): 1, or 0 when there is none. The
 * engine holds PSOAS_RECORD_QUEUE_SIZE of each; pop after every few seconds of samples and none is dropped
 * (dropped ones are counted in state.events_dropped). */
#define PSOAS_RECORD_QUEUE_SIZE 16
PSOAS_API int psoas_engine_pop_minute(struct psoas_engine *engine, struct psoas_minute *ret);
/* Pops the oldest finished bout into *ret, as psoas_engine_pop_minute(). */
PSOAS_API int psoas_engine_pop_bout(struct psoas_engine *engine, struct psoas_bout *ret);
/* The minutes not settled yet, as they stand (a revision or the not-worn test may still change them), oldest
 * first, up to n: the number written. For a caller that saves what it has and may not be asked again (a
 * crash). ret[0].size set by the caller, every entry of that size. */
PSOAS_API int psoas_engine_peek_minutes(
        const struct psoas_engine *engine, struct psoas_minute *ret, size_t n);
/* The bout in progress as it stands, ending at the last sample with ended_by NO_DATA: 1, or 0 when none. */
PSOAS_API int psoas_engine_peek_bout(const struct psoas_engine *engine, struct psoas_bout *ret);
/* The data ends at the last sample: every open minute is settled and the bout in progress ends (NO_DATA), for
 * popping. Samples after it start a new record. */
PSOAS_API void psoas_engine_finish_record(struct psoas_engine *engine);

#ifdef __cplusplus
}
#endif
