# SPDX-License-Identifier: LGPL-2.1-or-later
"""Crash safety: psoasd killed with SIGKILL at 100 random moments while its sensor streams.

The sensor is the real-world case: an emulated inv_mpu6050 (tests/lib/iiorig.py) that keeps its own clock and
stream across daemon restarts, fed with psoas-synth's "daemon" scenario, whose ground truth (the posture of every
sample) is known. A replay would not do: it starts its file over at every start.

What a restart may lose is what the killed daemon had not saved yet; samples that arrive while no daemon runs are
not the daemon's to count. The rig therefore holds the stream while no daemon reads it (a real device's FIFO holds
it too) and gives the next daemon the scans the dead one had not taken, cut at the scan boundary the kernel would
keep (libiio never hands out part of a scan; a pty can). Sample time thus runs on without gaps across the 100
restarts, and whatever the day's totals lack at the end was lost by the kills.

Sample time runs SPEED times faster than wall time, so that 100 kills fit in about two minutes and a session lasts
long enough in sample time (up to ~40 s) to cross psoasd's 30 s save interval. SPEED is kept at 30: psoasd also
saves at most once per wall second, which at higher speeds, and only in such a test, would stretch the interval
in sample time beyond 30 s.

Checked after every kill:
  - every state file parses as JSON and the day's record as a record (no torn write), none was moved aside as
    corrupt, and the temporary files a kill can leave are gone after the next start;
  - the day's totals and the seconds its record accounts for never go backwards: the restarted daemon continued
    the day;
  - the day's totals lost at most 60 s: what the daemon reported on the bus just before the kill, plus every
    sample it can have taken after that (those the rig wrote since, and those the pty still held), minus what
    the files hold; a kill before the daemon was on the bus is bounded by all it was given;
  - a bout in progress is continued: while the wearer sits on, the restarted daemon (once it has had samples: it
    restores the bout with the first) reports the same bout, no new one counted, begun no later than the saved
    one.
At the end, against the ground truth: the tracked time lacks no more than the sum of those per-kill bounds and
counts nothing twice, and the sitting total matches the wearer's true sitting time within its share of them and
the engine's own tolerance. The daemon runs in a time zone where it is about noon, so that no day ends inside the
test. PSOAS_CRASH_SEED=N repeats a run's kill moments; PSOAS_CRASH_KEEP=1 keeps its state and log.
"""

import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from robust_test import (Recording, main, read_records, read_state, record_seconds, scaled,  # noqa: E402
                         tracked_seconds)
from iiorig import IioRig, Sample  # noqa: E402
from psoasd_test import Bus, noon_zone, psoasd_command  # noqa: E402

noon_zone()  # at most one day file: the recordings must not cross midnight

SPEED = 30
KILLS = 100
# How long a daemon lives before its SIGKILL, in wall seconds after it is started: from "still starting" to
# "saved at least once more".
LIFE = (0.05, 1.3)
LOSS_MAX_S = 60
# What the pty can hold for the daemon beyond what the rig has written (its 4 KiB line buffer: 170 scans of 24
# bytes), in seconds of samples: read after a reading of the daemon's totals, they were counted after it too.
PTY_BACKLOG_S = 2.0


class Streamer(threading.Thread):
    """Writes the recording to the emulated device as whole scans, SPEED times faster than wall time, while
    resumed. Keeps what it could not write yet; take_back() puts unread scans back at the head of the stream."""

    def __init__(self, rig, dev, recording, speed):
        super().__init__(daemon=True)
        self.rig = rig
        self.dev = rig.device(dev)
        self.rec = recording
        self.speed = speed
        self.t0 = 1000.0
        self.index = 0  # the next sample to encode
        self.out = bytearray()  # encoded, not written yet
        self.written = 0  # bytes written to the pty since the last take_back()
        self.layout = None
        self.model = None
        self.error = None
        self._base = None
        self._resumed = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def scan_size(self):
        return self.layout[0]

    def run(self):
        try:
            self._run()
        except Exception as e:  # reported by check()
            self.error = e

    def _run(self):
        while not self._stopping.is_set():
            with self._lock:
                # Checked under the lock that pause() takes: once pause() returns, nothing more is written.
                running = self._resumed.is_set()
                if running:
                    self._write_due()
            if not running:
                self._resumed.wait(0.05)
            else:
                time.sleep(0.003)

    def _write_due(self):
        if self._base is None:
            self._base = (time.monotonic(), self.index)
        wall, first = self._base
        due = first + int((time.monotonic() - wall) * self.speed * self.rec.rate) + 1
        while self.index < min(due, len(self.rec)) and len(self.out) < 4096:
            i = self.index
            sample = Sample(self.t0 + self.rec.t[i], self.rec.accel[i], self.rec.gyro[i])
            self.out += self.rig._encode(self.dev, sample, self.layout, self.model)
            self.index += 1
        if self.out:
            try:
                n = os.write(self.rig._masters[self.dev.id], self.out)
            except BlockingIOError:
                n = 0
            del self.out[:n]
            self.written += n
        if self.index >= len(self.rec) and not self.out:
            raise RuntimeError('the recording ran out: make it longer')

    def resume(self):
        with self._lock:
            if self.layout is None:
                self.layout = self.rig.layout(self.dev)
                self.model = self.rig._model(self.dev)
            self._base = None
            self._resumed.set()

    def pause(self):
        self._resumed.clear()
        with self._lock:
            pass
        self.check()

    def stop(self):
        self._stopping.set()
        self._resumed.set()
        self.join(5)

    def check(self):
        if self.error:
            raise AssertionError(f'the stream failed: {self.error}')

    def position(self):
        """The sample the stream has reached: every sample before it has been written."""
        with self._lock:
            if self.layout is None:
                return self.index  # nothing encoded yet
            return self.index - len(self.out) // self.scan_size

    def take_back(self, unread):
        """After a kill, with the stream paused: unread are the bytes the dead daemon left in the pty (drained from
        it). The scan it had taken part of is dropped, as a kernel FIFO never hands out part of a scan; the rest
        goes back at the head of the stream. Returns how many samples were lost that way (0 or 1)."""
        with self._lock:
            consumed = self.written - len(unread)
            # The rest of a scan cut by the kill: in the pty, or (after a short write) not even written yet.
            skip = (-consumed) % self.scan_size
            self.out[0:0] = unread
            del self.out[:skip]
            self.written = 0
            return 1 if skip else 0


def drain_pty(rig, dev):
    """Reads whatever waits in the device's pty (the slave side, which the daemon had open); returns the bytes."""
    node = os.path.realpath(os.path.join(rig.root, 'dev', rig.device(dev).node))
    # What the last writes put into the tty's flip buffers reaches the reader within a scheduler tick.
    time.sleep(0.02)
    data = bytearray()
    fd = os.open(node, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        idle = 0
        while idle < 3:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = b''
            if chunk:
                data += chunk
                idle = 0
            else:
                idle += 1
                time.sleep(0.005)
    finally:
        os.close(fd)
    return bytes(data)


def noon_timezone():
    """A TZ value that puts local time near noon now, so that no day change falls inside the test."""
    hours = (12 - time.gmtime().tm_hour) % 24
    if hours > 12:
        hours -= 24
    # POSIX TZ: "UTC-5" is five hours east of Greenwich.
    return f'PSOASTEST{-hours:+d}'


class Daemon:
    """One psoasd run on the rig, started without waiting for anything (a kill may come before it is ready)."""

    def __init__(self, rig, state_dir, log_path, tz):
        env = rig.env()
        env['TZ'] = tz
        env['XDG_CONFIG_HOME'] = os.path.join(state_dir, '..', 'config')
        self.log = open(log_path, 'a')
        self.log.write('--- start ---\n')
        self.log.flush()
        self.proc = subprocess.Popen(psoasd_command() + ['--user', '--state-directory', state_dir, '--sensor',
                                                         'local:'],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.started = time.monotonic()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(scaled(30))
        self.log.close()
        return code


def day_of(days):
    assert len(days) <= 1, f'more than one day file (a day change inside the test?): {sorted(days)}'
    return next(iter(days.values())) if days else {}


def case_kill9_at_100_random_moments():
    started = time.monotonic()
    seed = int(os.environ.get('PSOAS_CRASH_SEED') or random.randrange(1 << 30))
    rng = random.Random(seed)
    print(f'random seed {seed} (PSOAS_CRASH_SEED={seed} repeats this run)')
    # Enough recording for the whole run: about 100 × 0.7 s × 30 plus the start.
    rec = Recording(2700)
    tz = noon_timezone()
    bus = Bus()

    with IioRig('mpu6050') as rig:
        tmp = tempfile.mkdtemp(prefix='psoas-crash-')
        state_dir = os.path.join(tmp, 'state')
        log_path = os.path.join(tmp, 'psoasd.log')
        streamer = Streamer(rig, 'mpu6050', rec, SPEED)
        streamer.start()

        kills = []  # per kill: dict of what was measured
        lost_partial_scans = 0
        previous = None  # the files after the previous kill
        previous_temporaries = []
        previous_position = 0

        keep = bool(os.environ.get('PSOAS_CRASH_KEEP'))
        if keep:
            print(f'state and log in {tmp}')

        def log_tail():
            with open(log_path) as f:
                return ''.join(f.readlines()[-40:])

        try:
            for k in range(KILLS + 1):
                final = k == KILLS
                rig.set_attr('mpu6050', 'buffer/enable', '0')
                session_start = streamer.position()
                d = Daemon(rig, state_dir, log_path, tz)
                life = rng.uniform(*LIFE)
                if k == 0:
                    life = 30  # the first run calibrates; it is killed once it has saved
                resumed = False
                reading = None
                while time.monotonic() - d.started < life or (final and time.monotonic() - d.started < 3):
                    if d.proc.poll() is not None:
                        raise AssertionError(f'psoasd exited with {d.proc.returncode}:\n{log_tail()}')
                    if not resumed and rig.is_streaming('mpu6050'):
                        streamer.resume()
                        resumed = True
                    if k == 0 and resumed:
                        bus.wait(lambda: bus.get('SensorState') == 'streaming', 20, 'streaming')
                        neutral, = bus.call('Calibrate')
                        assert -90 < neutral < 90, neutral
                        bus.wait(lambda: os.path.exists(os.path.join(state_dir, 'current.json')), 10,
                                 'the first save')
                        break
                    time.sleep(0.005)
                streamer.check()

                if final:
                    break

                # What the daemon knows right before the kill, when it is on the bus by now.
                if bus.has_owner():
                    try:
                        day = bus.call('GetDay', '(s)', '', timeout=5)[0]
                        position = streamer.position()
                        since = bus.get('SittingSince')
                        state = bus.get('SensorState')
                        reading = {'day': day, 'since': since, 'position': position, 'state': state}
                    except Exception:
                        reading = None  # it was still starting
                d.kill()
                killed_at = time.monotonic()
                with open(log_path, 'a') as f:
                    f.write(f'--- kill {k} after {killed_at - d.started:.3f} s; read {reading}; files: ' +
                            repr([(n, os.path.getsize(os.path.join(state_dir, 'days', n)))
                                  for n in os.listdir(os.path.join(state_dir, 'days'))]
                                 if os.path.isdir(os.path.join(state_dir, 'days')) else None) + '\n')
                streamer.pause()
                lost_partial_scans += streamer.take_back(drain_pty(rig, 'mpu6050'))
                # The samples the dead daemon took: every one before this position.
                consumed_end = streamer.position()

                days, current, temporaries, corrupt = read_state(state_dir)
                assert not corrupt, f'kill {k}: files moved aside as corrupt: {corrupt}'
                assert len(temporaries) <= 2, f'kill {k}: temporary files pile up: {temporaries}'
                saved = day_of(days)
                # The day's record parses whole after every kill, and never loses what an earlier run saved.
                records = read_records(state_dir)
                assert len(records) <= 1, f'kill {k}: more than one record file: {sorted(records)}'
                saved_record = record_seconds(next(iter(records.values()))) if records else 0
                record = {'kill': k, 'saved': tracked_seconds(saved) if saved else 0.0,
                          'saved_record': saved_record,
                          'saved_sitting': float(saved.get('sitting_seconds', 0)) if saved else 0.0,
                          'life': time.monotonic() - d.started,
                          # Without a reading, all it was given is what it can have lost.
                          'bound': (consumed_end - session_start) / rec.rate}

                if previous is not None:
                    # The day goes on: never less than what the last run restored.
                    assert record['saved'] >= previous['saved'] - 1e-6, (k, previous, record)
                    assert record['saved_sitting'] >= previous['saved_sitting'] - 1e-6, (k, previous, record)
                    assert record['saved_record'] >= previous['saved_record'], (k, previous, record)
                    if previous_temporaries:
                        still = set(previous_temporaries) & set(temporaries)
                        assert not still, f'kill {k}: leftovers of an earlier kill not removed: {still}'

                if reading is not None and reading['day'].get('date'):
                    known = tracked_seconds(reading['day'])
                    # Counted between the reading and the kill, at most: what was written after the reading, and
                    # what the pty still held for it.
                    slack = (consumed_end - reading['position']) / rec.rate + PTY_BACKLOG_S
                    record['loss'] = known + slack - record['saved']
                    record['bound'] = max(0.0, record['loss'])
                    record['sitting_loss'] = reading['day']['sitting_seconds'] + slack - record['saved_sitting']
                    # GetDay rounds to whole seconds.
                    assert record['loss'] <= LOSS_MAX_S + 1, \
                        f'kill {k}: {record["loss"]:.1f} s of the day lost (at most {LOSS_MAX_S})\n{log_tail()}'

                    # The bout in progress at the previous kill goes on while the wearer stays seated, once the
                    # restarted daemon has had samples (it restores the bout with the first one).
                    seated = reading['position'] > previous_position and \
                        rec.seconds_in('sitting', previous_position, reading['position']) * rec.rate >= \
                        reading['position'] - previous_position
                    if previous is not None and previous['current'] and previous['current'].get('in_bout') and \
                            seated and reading['state'] == 'streaming':
                        record['bout_checked'] = True
                        assert reading['since'] > 0, \
                            f'kill {k}: the bout was lost after the restart: {reading}, saved {previous}\n{log_tail()}'
                        assert reading['since'] <= previous['current']['bout_start_realtime_us'], \
                            (k, reading['since'], previous['current'])
                        assert reading['day']['sitting_bouts'] == previous['bouts'], \
                            f'kill {k}: a new bout was counted instead of continuing the saved one'

                record['current'] = current
                record['bouts'] = int(saved.get('sitting_bouts', 0)) if saved else 0
                kills.append(record)
                previous = record
                previous_temporaries = temporaries
                previous_position = streamer.position()

            # The last run is stopped cleanly: everything it knows is saved.
            code = d.stop()
            assert code == 0, f'psoasd exited with {code}:\n{log_tail()}'
            streamer.pause()
            end_position = streamer.position()
        finally:
            streamer.stop()
            rig.close()

        days, current, temporaries, corrupt = read_state(state_dir)
        assert not temporaries and not corrupt, (temporaries, corrupt)
        final_day = day_of(days)
        final_records = read_records(state_dir)
        if not keep:
            shutil.rmtree(tmp)

    # Against the ground truth: the samples streamed, less at most one per kill cut by the kill.
    measured = [r for r in kills if 'loss' in r]
    bound = sum(r['bound'] for r in kills)
    sitting_bound = sum(max(0.0, r['sitting_loss']) if 'sitting_loss' in r else r['bound'] for r in kills)
    streamed = end_position / rec.rate
    tracked = tracked_seconds(final_day) + float(final_day.get('unknown_seconds', 0))
    missing = streamed - tracked
    truth_sitting = rec.seconds_in('sitting', 0, end_position)
    sitting = float(final_day['sitting_seconds'])
    restarts = len(kills)
    # Each restart leaves the first interval after it (10 ms) and a cut scan unattributed.
    gaps = (restarts + lost_partial_scans) * 2 / rec.rate
    print(f'{restarts} kills ({len(measured)} measured, {sum(1 for r in kills if r.get("bout_checked"))} in a '
          f'bout); loss per kill (upper bound): mean {bound / max(1, restarts):.1f} s, max '
          f'{max((r["loss"] for r in measured), default=0):.1f} s; {lost_partial_scans} scans cut by a kill')
    print(f'streamed {streamed:.0f} s, tracked {tracked:.0f} s, missing {missing:.1f} s (bound {bound:.1f} s); '
          f'sitting {sitting:.0f} s of {truth_sitting:.0f} s true (bound {sitting_bound:.1f} s); '
          f'{time.monotonic() - started:.0f} s')
    assert len(measured) >= KILLS // 2, f'only {len(measured)} kills came after the daemon was on the bus'
    assert missing >= -1, f'{-missing:.1f} s counted twice'
    assert missing <= bound + gaps + 1, (missing, bound, gaps)
    assert truth_sitting - sitting <= sitting_bound + 90, (truth_sitting, sitting, sitting_bound)
    assert sitting <= truth_sitting + 90, (sitting, truth_sitting)
    # The day's record, kept through the same kills. Each run maps its samples to the wall clock when it starts,
    # and sample time runs SPEED times faster here: the runs share wall-clock minutes, which the record caps at
    # 60 s each (daemon/day-record.h), so it cannot hold the day's totals; what a kill loses of it is checked in
    # real time by bus/statistics_survive_kill9. Here: it is there, whole, with its minutes and bouts.
    assert len(final_records) == 1, sorted(final_records)
    record = next(iter(final_records.values()))
    print(f'the record: {len(record[1])} minutes, {len(record[2])} bouts, {record_seconds(record)} s')
    assert record[1] and record[2], record
    assert record_seconds(record) > 0, record


if __name__ == '__main__':
    main({name[5:]: fn for name, fn in globals().items() if name.startswith('case_')})
