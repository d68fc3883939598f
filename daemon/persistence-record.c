/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "calendar.h"
#include "day-record.h"
#include "log-journal.h"
#include "manager.h"
#include "persistence.h"
#include "time-util.h"

/* The engine keeps at most this many unsettled minutes (PSOAS_RECORD_SETTLE_S of them, and the one under way). */
#define PEEK_MINUTES_MAX (PSOAS_RECORD_SETTLE_S / 60 + 4)

static RecordBookEntry *book_find(Persistence *p, int32_t day) {
        for (size_t i = 0; i < RECORD_BOOK_DAYS; i++)
                if (p->record_book[i].record && p->record_book[i].record->day == day)
                        return &p->record_book[i];
        return NULL;
}

/* A day's record from its file; an empty one when there is none (or it was corrupt: moved aside). */
static int load_record(Manager *m, int32_t day, DayRecord **ret) {
        int r;

        if (m->persistence.store) {
                r = state_store_load_record(m->persistence.store, day, ret);
                if (r != -ENOENT)
                        return r;
        }
        return day_record_new(day, ret);
}

/* Adds what the engine holds and has not settled of the record's day: the minutes, and the bout in progress
 * (marked ongoing for the bus; a file gets it as it stands, ended by no data). */
static void add_unsettled(Manager *m, DayRecord *record) {
        struct psoas_minute minutes[PEEK_MINUTES_MAX];
        struct psoas_bout bout = { .size = sizeof(bout) };
        int n;

        if (PSOAS_ENGINE_STATE(m->engine)->samples_accepted == 0)
                return;
        minutes[0].size = sizeof(minutes[0]);
        n = psoas_engine_peek_minutes(m->engine, minutes, ELEMENTSOF(minutes));
        for (int i = 0; i < n; i++)
                if (minutes[i].day == record->day)
                        (void)day_record_add_minute(record, &minutes[i]);
        if (psoas_engine_peek_bout(m->engine, &bout) > 0 && bout.day == record->day) {
                RecordBout b = record_bout_from_engine(&bout, m->clock.utc_offset_s);

                b.ongoing = true;
                (void)day_record_add_bout(record, &b);
        }
}

static int save_entry(Manager *m, RecordBookEntry *e) {
        _cleanup_(day_record_freep) DayRecord *copy = NULL;
        int r;

        /* A file we could not read is not replaced: what it holds would be lost. */
        if (!m->persistence.store || e->unreadable)
                return 0;
        r = day_record_copy(e->record, &copy);
        if (r < 0)
                return r;
        add_unsettled(m, copy);
        r = state_store_save_record(m->persistence.store, copy);
        if (r < 0)
                return r;
        e->dirty = false;
        return 0;
}

/* The book's entry for day, its record loaded from the file when it is not there yet. The oldest day in the book
 * makes room, saved first. */
static int book_get(Manager *m, int32_t day, RecordBookEntry **ret) {
        Persistence *p = &m->persistence;
        RecordBookEntry *e = book_find(p, day);
        DayRecord *record = NULL;
        bool unreadable = false;
        int r;

        if (e) {
                *ret = e;
                return 0;
        }
        r = load_record(m, day, &record);
        if (r < 0) {
                char date[DAY_NAME_LENGTH + 1];

                if (r == -ENOMEM)
                        return r;
                day_to_string(day, date);
                log_warning_errno(r,
                        "Cannot read the record of %s: %m. Leaving its file as it is; the minutes and bouts "
                        "of that day are kept in memory only.",
                        date);
                unreadable = true;
                r = day_record_new(day, &record);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < RECORD_BOOK_DAYS && !e; i++)
                if (!p->record_book[i].record)
                        e = &p->record_book[i];
        if (!e) {
                e = &p->record_book[0];
                for (size_t i = 1; i < RECORD_BOOK_DAYS; i++)
                        if (p->record_book[i].record->day < e->record->day)
                                e = &p->record_book[i];
        }
        if (e->record && e->dirty) {
                r = save_entry(m, e);
                if (r < 0)
                        log_warning_errno(r, "Could not save the record of an earlier day: %m");
        }
        e->record = day_record_free(e->record);
        *e = (RecordBookEntry){ .record = record, .unreadable = unreadable };
        *ret = e;
        return 0;
}

void persistence_collect_record(Manager *m) {
        struct psoas_minute minute = { .size = sizeof(minute) };
        struct psoas_bout bout = { .size = sizeof(bout) };
        RecordBookEntry *e;
        int r;

        while (psoas_engine_pop_minute(m->engine, &minute) > 0) {
                r = book_get(m, minute.day, &e);
                if (r >= 0)
                        r = day_record_add_minute(e->record, &minute);
                if (r < 0) {
                        log_warning_errno(r, "Dropping a minute of the record: %m");
                        continue;
                }
                e->dirty = true;
        }
        while (psoas_engine_pop_bout(m->engine, &bout) > 0) {
                RecordBout b = record_bout_from_engine(&bout, m->clock.utc_offset_s);

                r = book_get(m, bout.day, &e);
                if (r >= 0)
                        r = day_record_add_bout(e->record, &b);
                if (r < 0) {
                        log_warning_errno(r, "Dropping a bout of the record: %m");
                        continue;
                }
                e->dirty = true;
        }
}

void persistence_finish_record(Manager *m) {
        if (!m->engine)
                return;
        psoas_engine_finish_record(m->engine);
        persistence_collect_record(m);
}

int persistence_save_records(Manager *m) {
        RecordBookEntry *today = NULL;
        int r, ret = 0;

        if (!m->persistence.store)
                return 0;
        /* Today's record is written whenever there is data, its unsettled part being new at every save; it is
         * loaded first, so that what an earlier run saved of today is kept. */
        if (PSOAS_ENGINE_STATE(m->engine)->samples_accepted > 0 && m->persistence.current_day != INT32_MIN) {
                r = book_get(m, m->persistence.current_day, &today);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < RECORD_BOOK_DAYS; i++) {
                RecordBookEntry *e = &m->persistence.record_book[i];

                if (!e->record || (!e->dirty && e != today))
                        continue;
                r = save_entry(m, e);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

void persistence_free_records(Manager *m) {
        for (size_t i = 0; i < RECORD_BOOK_DAYS; i++)
                m->persistence.record_book[i].record = day_record_free(m->persistence.record_book[i].record);
}

int manager_get_record(Manager *m, int32_t day, DayRecord **ret) {
        _cleanup_(day_record_freep) DayRecord *record = NULL;
        RecordBookEntry *e = book_find(&m->persistence, day);
        int r;

        r = e ? day_record_copy(e->record, &record) : load_record(m, day, &record);
        if (r < 0)
                return r;
        add_unsettled(m, record);
        *ret = TAKE_PTR(record);
        return 0;
}

int64_t manager_day_elapsed_s(Manager *m, int32_t day) {
        uint64_t now = psoas_clock_now(&m->clock.shown);
        int64_t elapsed_s;

        /* Local seconds since the epoch, as the engine counts its days. */
        elapsed_s = (int64_t)(now / USEC_PER_SEC) + utc_offset_at((int64_t)now) - (int64_t)day * 86400;
        return elapsed_s < 0 ? 0 : elapsed_s > 86400 ? 86400 : elapsed_s;
}
