# SPDX-License-Identifier: LGPL-2.1-or-later
"""daemon-bench: what psoasd costs and how fast it answers, on an emulated IIO sensor (BENCHMARKS.md).

Runs the real psoasd (--user, on a private dbus-daemon of its own) reading a umockdev-emulated inv_mpu6050
(tests/lib/iiorig.py) at 200 Hz, fed with psoas-synth motion, and prints figures. Needs /usr/bin/python3 (gi),
and tests/lib on PYTHONPATH (meson and tools/bench set it; by hand: PYTHONPATH=tests/lib).

    daemon-bench.py [--build DIR] [--markdown] [--json FILE] COMMAND [OPTIONS]

    live       [--duration 60]             CPU, wakeups, peak RSS, samples dropped, streaming in real time
    watermark  [--wakeups 1,2,4,10] [--duration 20] [--alerts 3]
                                           per setting: wakeups, CPU, and the latency of an alert
    alert      [--alerts 5]                latency from the sample that crosses the sitting threshold to
                                           the Alert signal at a client
    bus-load   [--duration 30] [--clients 50] [--calls 1000]
                                           call latency under load while streaming, samples dropped
    analyze-day [--csv FILE] [--runs 3]    psoas-analyze on a day at 100 Hz, CSV parsing included

Programs come from --build DIR (a meson build directory) or from the environment (PSOASD, PSOAS_SYNTH,
PSOAS_ANALYZE, BUS_LOAD, ALERT_WATCH, RSS_FLOOR, PEAK_RSS, as tests/perf/meson.build sets them). --check turns the figures into
assertions about the harness itself (not about targets), for the smoke tests.

How the emulated sensor behaves, and why. A real IIO buffer is a kernel FIFO: the driver pushes each scan as
it is sampled, and poll() wakes the reader only once `buffer/watermark` scans are waiting. umockdev's device is
a pseudo-terminal that wakes the reader at every write, so the rig here plays the kernel's part: it releases
the scans in blocks of one watermark, each block written when its last scan is due, and it checks, before each
write, whether the kernel's FIFO (`buffer/length` scans) would have overflowed because the daemon has not read
what came before (counted as "overflowed in the kernel FIFO"). The rig's feeding thread runs at a higher
priority when it may (as root), as the kernel would; how late it wrote a batch in real time is reported.

Samples dropped. psoasd records every sample it feeds to its engine with --record FILE (a CSV line each); the
rig counts the scans it wrote. dropped = written - recorded, over the whole run, after the daemon has read
everything (the emulated device's unread byte count is 0). This catches scans lost anywhere between the device
and the engine (decoding, sanity checks, the engine refusing them). The cost of --record itself (a formatted
line per sample and a write per wake-up) is measured on the live run: see its note.
"""

import argparse
import array
import csv
import fcntl
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import termios
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
from iiorig import IioRig, Sample  # noqa: E402
from psoasd_test import Bus, Daemon  # noqa: E402

FIXTURE = 'mpu6050'
RATE_HZ = 200
CLK_TCK = os.sysconf('SC_CLK_TCK')
# libiio 0.24's local backend asks the kernel for this many watermark-sized blocks of buffer/length.
LIBIIO_BLOCKS = 4

PROGRAMS = {
    'PSOASD': 'daemon/psoasd',
    'PSOAS_SYNTH': 'tests/synth/psoas-synth',
    'PSOAS_ANALYZE': 'clients/psoas-analyze/psoas-analyze',
    'BUS_LOAD': 'tests/perf/bus-load',
    'ALERT_WATCH': 'tests/perf/alert-watch',
    'RSS_FLOOR': 'tests/perf/rss-floor',
    'PEAK_RSS': 'tests/perf/peak-rss',
}

TARGETS = {
    'cpu_percent': 0.2,
    'wakeups_per_s': 2.0,
    'peak_rss_mib': 3.0,
    'dropped': 0,
    'alert_latency_s': 1.0,
    'bus_p99_ms': 5.0,
    'analyze_day_s': 2.0,
}


def log(text):
    sys.stderr.write(text + '\n')
    sys.stderr.flush()


def program(name):
    path = os.environ.get(name)
    if not path or not os.access(path, os.X_OK):
        raise SystemExit(f'daemon-bench: {name} is not set to an executable (give --build DIR or set {name})')
    return path


def met(ok):
    return 'met' if ok else '**not met**'


# --------------------------------------------------------------------------------------------------------------
# The wake-up setting, if psoasd has one


def wakeups_key():
    """The psoasd.json key that sets the sensor's wake-ups per second, from the man page, or None."""
    try:
        with open(os.path.join(SOURCE_ROOT, 'man', 'psoasd.json.5.scd'), encoding='utf-8') as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r'^\*(sensor\.[a-z_]*wake[a-z_]*)\*', text, re.M)
    return m.group(1) if m else None


def daemon_config(wakeups=None, sitting_alert_minutes=None):
    config = {'sensor': {'rate_hz': RATE_HZ}}
    key = wakeups_key()
    if wakeups is not None and key:
        section, name = key.split('.', 1)
        config.setdefault(section, {})[name] = wakeups
    if sitting_alert_minutes is not None:
        config['sitting'] = {'alert_minutes': sitting_alert_minutes, 'repeat_minutes': sitting_alert_minutes}
    return json.dumps(config)


# --------------------------------------------------------------------------------------------------------------
# Motion


def synth_samples(scenario, seconds, seed=1, gyro=True):
    """psoas-synth's scenario at 200 Hz as (t, accel, gyro) tuples, t from 0 on an exact 5 ms grid."""
    out = subprocess.run([program('PSOAS_SYNTH'), '--scenario', scenario, '--rate', str(RATE_HZ), '--seed',
                          str(seed), '--mount', 'random', '--duration', str(seconds)],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    rows = csv.reader(out.splitlines())
    next(rows)
    samples = []
    for row in rows:
        v = [float(x) for x in row[1:7]]
        samples.append((float(row[0]), (v[0], v[1], v[2]), (v[3], v[4], v[5]) if gyro else None))
    return samples


# --------------------------------------------------------------------------------------------------------------
# The private bus, the notify socket and the process's figures


class PrivateBus:
    """A dbus-daemon of our own: psoasd --user, the harness and the load generators all meet on it."""

    def __init__(self):
        self.proc = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError('dbus-daemon did not print its address')

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()


class ProcessFigures:
    """A snapshot of /proc/PID: CPU time, context switches of every thread, peak and current RSS."""

    def __init__(self, pid):
        self.wall = time.monotonic()
        with open(f'/proc/{pid}/stat') as f:
            fields = f.read().rpartition(')')[2].split()
        # Fields 14 and 15 of proc(5), counted after the command name: utime and stime in clock ticks.
        self.cpu_s = (int(fields[11]) + int(fields[12])) / CLK_TCK
        self.voluntary = self.involuntary = 0
        self.runtime_ns = 0
        for tid in os.listdir(f'/proc/{pid}/task'):
            try:
                with open(f'/proc/{pid}/task/{tid}/status') as f:
                    for line in f:
                        if line.startswith('voluntary_ctxt_switches:'):
                            self.voluntary += int(line.split()[1])
                        elif line.startswith('nonvoluntary_ctxt_switches:'):
                            self.involuntary += int(line.split()[1])
                with open(f'/proc/{pid}/task/{tid}/schedstat') as f:
                    self.runtime_ns += int(f.read().split()[0])
            except OSError:
                pass  # a thread that ended meanwhile
        self.threads = len(os.listdir(f'/proc/{pid}/task'))
        status = {}
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                key, _, value = line.partition(':')
                status[key] = value.strip()
        self.hwm_kib = int(status['VmHWM'].split()[0])
        self.rss_kib = int(status['VmRSS'].split()[0])


# Where psoasd's resident pages come from, by the file mapped (see rss_breakdown()).
RSS_GROUPS = [
    ('psoasd and libpsoas', ('psoasd', 'libpsoas.')),
    ('glibc (libc, libm, ld.so, libpthread)', ('libc.', 'libm.', 'ld-linux', 'libpthread.')),
    ('libsystemd and what it links (libcap, libgcrypt, libgpg-error, liblzma, libzstd, liblz4)',
     ('libsystemd.', 'libcap.', 'libgcrypt.', 'libgpg-error.', 'liblzma.', 'libzstd.', 'liblz4.')),
    ('libiio and what Debian\'s build links (libxml2, libicu, libstdc++, libgcc_s, libusb, libavahi, '
     'libdbus-1, libudev, libz)',
     ('libiio.', 'libxml2.', 'libicu', 'libstdc++.', 'libgcc_s.', 'libusb-', 'libavahi-', 'libdbus-1.',
      'libudev.', 'libz.')),
    ('json-c', ('libjson-c.',)),
    ('NSS modules (the access group\'s getgrnam)', ('libnss_',)),
    ('umockdev\'s preload library (the test rig only)', ('libumockdev',)),
]


def rss_breakdown(pid):
    """Resident KiB per group of RSS_GROUPS, 'anonymous' (heap, stack, anonymous maps) and 'other'."""
    groups = {}
    current = None
    with open(f'/proc/{pid}/smaps') as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and '-' in parts[0] and ':' in parts[3]:
                path = parts[5] if len(parts) > 5 else ''
                name = os.path.basename(path)
                current = 'anonymous (heap, stack, anonymous maps)' if not path.startswith('/') else 'other'
                for group, prefixes in RSS_GROUPS:
                    if name.startswith(prefixes):
                        current = group
                        break
            elif parts[0] == 'Rss:':
                groups[current] = groups.get(current, 0) + int(parts[1])
    return groups


def memory_figures(pid):
    """Private and proportional memory (smaps_rollup) and the breakdown, now (not at the peak)."""
    rollup = {}
    with open(f'/proc/{pid}/smaps_rollup') as f:
        for line in f:
            key, _, value = line.partition(':')
            if value.strip().endswith('kB'):
                rollup[key] = int(value.split()[0])
    with open(f'/proc/{pid}/status') as f:
        status = dict(line.split(':', 1) for line in f if ':' in line)
    return {
        'rss_anon_mib': int(status['RssAnon'].split()[0]) / 1024.0,
        'rss_file_mib': int(status['RssFile'].split()[0]) / 1024.0,
        'pss_mib': rollup.get('Pss', 0) / 1024.0,
        'private_mib': (rollup.get('Private_Clean', 0) + rollup.get('Private_Dirty', 0)) / 1024.0,
        'rss_by_group_kib': rss_breakdown(pid),
    }


def rss_floor():
    """The peak RSS of a program that links psoasd's libraries and returns from main() (tests/perf/rss-floor),
    best of three, without the test rig's preload: what no code of psoasd's can go below."""
    runs = []
    for _ in range(3):
        out = subprocess.run([program('RSS_FLOOR')], stdout=subprocess.PIPE, check=True, text=True).stdout
        runs.append(json.loads(out))
    best = min(runs, key=lambda r: r['vm_hwm_kib'])
    return {'floor_rss_mib': best['vm_hwm_kib'] / 1024.0, 'floor_rss_file_mib': best['rss_file_kib'] / 1024.0,
            'floor_libraries': best['libraries']}


def window_figures(before, after):
    wall = after.wall - before.wall
    return {
        'window_s': round(wall, 2),
        'cpu_percent': 100.0 * (after.cpu_s - before.cpu_s) / wall,
        'cpu_percent_schedstat': 100.0 * (after.runtime_ns - before.runtime_ns) / 1e9 / wall,
        'wakeups_per_s': (after.voluntary - before.voluntary) / wall,
        'preemptions_per_s': (after.involuntary - before.involuntary) / wall,
        'peak_rss_mib': after.hwm_kib / 1024.0,
        'rss_mib': after.rss_kib / 1024.0,
        'threads': after.threads,
    }


class LoopWakeups:
    """Counts the times psoasd's event loop returned from epoll_wait over a window, with the kernel's syscall
    tracepoints (`perf stat`, package linux-perf; root). Voluntary context switches count every sleep, and the
    pty that stands in for the IIO device adds some of its own (a batch over 4 KiB reaches psoasd in pieces, and
    its reads can sleep on the tty's locks while the rest arrives): this counts the wake-ups of the loop alone.
    count() is None when perf is missing or not allowed."""

    EVENTS = ('syscalls:sys_exit_epoll_wait', 'syscalls:sys_exit_epoll_pwait')

    def __init__(self, pid):
        self.proc = None
        try:
            self.proc = subprocess.Popen(['perf', 'stat', '-x,', '-e', ','.join(self.EVENTS), '-p', str(pid)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        except OSError:
            return
        time.sleep(0.2)  # perf attaches

    def count(self):
        if not self.proc:
            return None
        self.proc.send_signal(signal.SIGINT)
        _, err = self.proc.communicate(timeout=10)
        total = None
        for line in err.splitlines():
            fields = line.split(',')
            if len(fields) > 2 and fields[2] in self.EVENTS:
                if fields[0].isdigit():
                    total = (total or 0) + int(fields[0])
                elif fields[0] == '<not counted>':
                    total = total or 0
        return total


def machine_load():
    with open('/proc/loadavg') as f:
        return float(f.read().split()[0])


# --------------------------------------------------------------------------------------------------------------
# The emulated sensor and its kernel FIFO


class SensorStream:
    """Feeds samples to the rig's device as a sensor and its kernel buffer would (see the module's docstring).

    Sample i is due at wall time due[i]: sample time runs `speed` times faster than wall time, except inside
    real-time windows (add_real_time(t_from, t_to), in sample time), where it runs at 1. A block of `block`
    scans is written when its last scan is due. Timestamps are sample time plus a whole number of seconds, which
    keeps them on the samples' 5 ms grid and, in real time, within half a second of CLOCK_MONOTONIC."""

    def __init__(self, rig, samples, block, speed=1.0, fifo_scans=None):
        self.rig = rig
        self.dev = rig.device(FIXTURE)
        self.samples = samples
        self.block = max(1, int(block))
        self.speed = speed
        self.fifo_scans = fifo_scans
        self.real_time = []  # (t_from, t_to)
        self.cuts = []  # sample indices where a block must start (see start_block_at())
        self.due = array.array('d')
        self.writes = []  # (monotonic when the write began, first index, last index)
        self.written = 0
        self.overflowed = 0  # scans a kernel FIFO of fifo_scans would have lost
        self.max_backlog = 0  # scans psoasd had not read when a batch came, in real time
        self.max_lag_s = 0.0  # how late the rig itself wrote a block in real time (its lag on a busy machine)
        self.first_read_realtime = None
        # The longest time between two writes: over 2 s, psoasd's stall timer fires and it reopens the sensor
        # (losing what came meanwhile), which only a rig starved by a busy machine causes.
        self.max_gap_s = 0.0
        self.ts_base = None
        self.error = None
        self.done = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(10)

    def wait(self, timeout):
        if not self.done.wait(timeout):
            raise TimeoutError(f'the feed did not finish within {timeout} s')
        if self.error:
            raise RuntimeError(self.error)

    def add_real_time(self, t_from, t_to):
        with self._lock:
            self.real_time.append((t_from, t_to))

    def remove_real_time(self, t_from, t_to):
        with self._lock:
            self.real_time.remove((t_from, t_to))

    def start_block_at(self, index):
        """Makes a block start at sample index (the one before it is cut short): this moves the batch
        boundaries, as a bout that starts at another moment would see them."""
        with self._lock:
            self.cuts.append(index)

    def _block_end(self, i):
        end = i + (1 if i == 0 else self.block)
        with self._lock:
            for cut in self.cuts:
                if i < cut < end:
                    end = cut
        return min(len(self.samples), end)

    def fed_until(self):
        """The sample time of the last scan written."""
        return self.samples[self.written - 1][0] if self.written else None

    def _speed_at(self, t):
        with self._lock:
            for t_from, t_to in self.real_time:
                if t_from <= t <= t_to:
                    return 1.0
        return self.speed

    def unread_bytes(self):
        return self._unread(self._slave) if getattr(self, '_slave', None) is not None else 0

    @staticmethod
    def _unread(fd):
        count = array.array('i', [0])
        fcntl.ioctl(fd, termios.FIONREAD, count)
        return count[0]

    def _run(self):
        # The rig plays the kernel, which is punctual whatever else runs: this thread gets a higher priority
        # when it may (as root). Its lag is reported (rig_max_lag_ms) either way.
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), -10)
        except OSError:
            pass
        try:
            self._feed()
        except Exception as e:  # reported by wait() and by the benchmark
            self.error = f'{type(e).__name__}: {e}'
        finally:
            self.done.set()

    def _feed(self):
        rig, dev = self.rig, self.dev
        rig.wait_streaming(FIXTURE, timeout=20)
        # The rig's own encoder with its model taken once: reading the attributes for every scan (encode())
        # would cost more than psoasd does.
        layout = rig.layout(dev)
        model = rig._model(dev)
        scan_size = layout[0]
        if self.fifo_scans is None:
            self.fifo_scans = int(rig.attr(dev, 'buffer/length'))
        # The slave end of the pty, opened only to ask how many bytes psoasd has not read yet.
        self._slave = os.open(os.path.realpath(os.path.join(rig.root, 'dev', dev.node)),
                              os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        start = time.monotonic()
        t0 = self.samples[0][0]
        # Whole seconds, so that timestamps stay on the 5 ms grid of the samples.
        self.ts_base = float(round(start)) - t0
        due = start
        t_prev = t0
        i = 0
        n = len(self.samples)
        while i < n and not self._stop.is_set():
            # The very first write is a single scan, so that psoasd's clock mapping (taken at its first
            # sample) can be read back: see _wait_first_read().
            last = self._block_end(i)
            chunk = bytearray()
            for k in range(i, last):
                t, accel, gyro = self.samples[k]
                due += (t - t_prev) / self._speed_at(t)
                t_prev = t
                self.due.append(due)
                chunk += rig._encode(dev, Sample(self.ts_base + t, accel, gyro), layout, model)
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            backlog = self._unread(self._slave) // scan_size
            # The write's time is taken before it: once written, psoasd (and a client it signals) may run
            # before this thread does again.
            written_at = time.monotonic()
            rig.feed_bytes(dev, bytes(chunk))
            if i == 0:
                self._wait_first_read()
            if self._speed_at(self.samples[last - 1][0]) == 1.0:
                # Only in real time: fed fast, the rig is allowed to fall behind, and its backlog is no FIFO's.
                self.max_lag_s = max(self.max_lag_s, written_at - due)
                self.max_backlog = max(self.max_backlog, backlog)
                if backlog + (last - i) > self.fifo_scans:
                    self.overflowed += min(last - i, backlog + (last - i) - self.fifo_scans)
            if self.writes:
                self.max_gap_s = max(self.max_gap_s, written_at - self.writes[-1][0])
            self.writes.append((written_at, i, last - 1))
            self.written = last
            i = last

    def _wait_first_read(self, timeout=5.0):
        """Notes the wall time (time.time()) when psoasd read the first scan: it maps sample time to wall time
        right then, before anything else it does with that sample."""
        deadline = time.monotonic() + timeout
        while self._unread(self._slave) > 0 and time.monotonic() < deadline:
            time.sleep(0.0002)
        self.first_read_realtime = time.time()

    def close(self):
        if getattr(self, '_slave', None) is not None:
            os.close(self._slave)
            self._slave = None

    def block_of(self, index):
        """The write (time, first, last) that carried sample index."""
        lo, hi = 0, len(self.writes) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.writes[mid][2] < index:
                lo = mid + 1
            else:
                hi = mid
        return self.writes[lo]


# --------------------------------------------------------------------------------------------------------------
# A session: bus, rig, psoasd


class Session:
    """A private bus, the emulated sensor and psoasd on them; psoasd records what it takes in."""

    def __init__(self, config, record=True, args=()):
        self.tmp = tempfile.TemporaryDirectory(prefix='psoas-bench-')
        self.bus_daemon = PrivateBus()
        self.rig = IioRig(FIXTURE)
        self.bus = Bus(address=self.bus_daemon.address)
        self.record_path = os.path.join(self.tmp.name, 'taken.csv') if record else None
        env = self.rig.env()
        env['DBUS_SESSION_BUS_ADDRESS'] = self.bus_daemon.address
        os.environ['PSOASD'] = program('PSOASD')
        extra = ['--sensor', 'local:'] + (['--record', self.record_path] if record else []) + list(args)
        self.daemon = Daemon(self.bus, *extra, env=env, config=config)
        self.stream = None

    def env(self):
        env = dict(os.environ)
        env['DBUS_SESSION_BUS_ADDRESS'] = self.bus_daemon.address
        return env

    def start(self):
        self.daemon.start()
        self.rig.wait_streaming(FIXTURE, timeout=20)
        return self

    @property
    def pid(self):
        return self.daemon.proc.pid

    def attr(self, name):
        return self.rig.attr(FIXTURE, name)

    def wait_streaming(self, timeout=20):
        self.bus.wait(lambda: self.bus.get('SensorState') == 'streaming', timeout, 'psoasd streaming')

    def drain(self, timeout=10):
        """Waits until psoasd has read every scan written."""
        deadline = time.monotonic() + timeout
        while self.stream and self.stream.unread_bytes() > 0:
            if time.monotonic() > deadline:
                raise AssertionError(f'psoasd left {self.stream.unread_bytes()} bytes unread for {timeout} s')
            time.sleep(0.01)
        self.bus.pump(0.3)

    def stop_daemon(self):
        """Stops psoasd (which flushes its recording) and returns the samples it took in, or None."""
        code = self.daemon.stop()
        if code not in (0, None):
            raise AssertionError(f'psoasd exited with {code}:\n{self.daemon.read_log()}')
        if not self.record_path:
            return None
        with open(self.record_path) as f:
            # Less the header, and the "# psoas start:" line (comments are no samples).
            return sum(1 for line in f if not line.startswith('#')) - 1

    def close(self):
        if self.stream:
            self.stream.stop()
            self.stream.close()
        try:
            self.daemon.stop()
        except AssertionError:
            pass
        self.rig.close()
        self.bus_daemon.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            sys.stderr.write(f'--- psoasd log ---\n{self.daemon.read_log()}--- end of log ---\n')
        self.close()
        return False


def calibrate(session):
    try:
        session.bus.call('Calibrate', timeout=30)
        return True
    except Exception as e:  # an uncalibrated engine still streams; the figures say so
        log(f'  calibration failed: {e}')
        return False


# --------------------------------------------------------------------------------------------------------------
# live


def run_live(duration, warmup=5.0, record=True, wakeups=None, block=None):
    """psoasd streaming 200 Hz in real time: the figures over `duration` s after `warmup` s."""
    samples = synth_samples('test' if warmup + duration < 380 else 'morning', warmup + duration + 5)
    with Session(daemon_config(wakeups), record=record) as s:
        s.start()
        watermark = int(s.attr('buffer/watermark'))
        length = int(s.attr('buffer/length'))
        emulated = block is not None
        s.stream = SensorStream(s.rig, samples, block or watermark,
                                fifo_scans=LIBIIO_BLOCKS * block if emulated else length).start()
        s.wait_streaming()
        calibrated = calibrate(s)
        remaining = warmup - (time.monotonic() - s.stream.writes[0][0])
        if remaining > 0:
            s.bus.pump(remaining)
        load_before = machine_load()
        loop = LoopWakeups(s.pid)
        before = ProcessFigures(s.pid)
        time.sleep(duration)
        after = ProcessFigures(s.pid)
        loop_wakeups = loop.count()
        memory = memory_figures(s.pid)
        s.stream.stop()
        if s.stream.error:
            raise AssertionError(s.stream.error)
        s.drain()
        taken = s.stop_daemon()
        figures = window_figures(before, after)
        figures['loop_wakeups_per_s'] = None if loop_wakeups is None else loop_wakeups / figures['window_s']
        figures.update(memory)
        figures.update({
            'rate_hz': RATE_HZ,
            'watermark': watermark,
            'buffer_length': length,
            'block': s.stream.block,
            'block_emulated': emulated,
            'written': s.stream.written,
            'taken': taken,
            'dropped': None if taken is None else s.stream.written - taken,
            'overflowed': s.stream.overflowed,
            'max_backlog': s.stream.max_backlog,
            'rig_max_lag_ms': 1000 * s.stream.max_lag_s,
            'rig_max_gap_s': s.stream.max_gap_s,
            'calibrated': calibrated,
            'record': record,
            'load': load_before,
        })
        return figures


def per_s(value):
    return '–' if value is None else f'{value:.2f}'


def live_markdown(f, f_norecord):
    p = f_norecord
    groups = sorted(p['rss_by_group_kib'].items(), key=lambda kv: -kv[1])
    breakdown = '; '.join(f'{name} {kib / 1024:.2f}' for name, kib in groups if kib >= 16)
    lines = [
        f'psoasd on an emulated inv_mpu6050 (accelerometer + gyroscope + timestamp, 24-byte scans) at '
        f'{p["rate_hz"]} Hz, watermark {p["watermark"]} scans (buffer/length {p["buffer_length"]}), '
        f'{p["window_s"]:.0f} s in real time of psoas-synth\'s "test" motion (standing, sitting down, sitting), '
        f'calibrated over D-Bus before the window. Load average (1 min) when it started: {p["load"]:.2f}.',
        '',
        '| | figure | target |',
        '| --- | --- | --- |',
        f'| CPU, % of one core (/proc/PID/stat utime+stime) | {p["cpu_percent"]:.3f} % '
        f'(schedstat, to the ns: {p["cpu_percent_schedstat"]:.3f} %) | '
        f'≤ 0.2 % — {met(p["cpu_percent"] <= TARGETS["cpu_percent"])} |',
        f'| wake-ups per second (voluntary context switches, all threads) | {p["wakeups_per_s"]:.2f} '
        f'(preempted: {p["preemptions_per_s"]:.2f}/s) | '
        f'≤ 2 — {met(p["wakeups_per_s"] <= TARGETS["wakeups_per_s"])} |',
        f'| of which the event loop\'s (epoll_wait returns, `perf stat`) | {per_s(p["loop_wakeups_per_s"])} | |',
        f'| peak RSS (VmHWM) | {p["peak_rss_mib"]:.2f} MiB | '
        f'≤ 3 MiB — {met(p["peak_rss_mib"] <= TARGETS["peak_rss_mib"])} |',
        f'| of which private to psoasd (smaps Private_*), at the end | {p["private_mib"]:.2f} MiB '
        f'(anonymous {p["rss_anon_mib"]:.2f} MiB, PSS {p["pss_mib"]:.2f} MiB) | |',
        f'| the floor: peak RSS of `tests/perf/rss-floor`, which links the same libraries and returns from '
        f'main() | {p["floor_rss_mib"]:.2f} MiB ({p["floor_libraries"]} shared objects mapped; file-backed '
        f'{p["floor_rss_file_mib"]:.2f} MiB) | |',
        f'| samples dropped (written by the rig − recorded by psoasd) | {f["dropped"]} of {f["written"]} | '
        f'0 — {met(f["dropped"] == 0)} |',
        f'| scans a kernel FIFO of {f["buffer_length"]} would have lost | {f["overflowed"]} '
        f'(largest backlog {f["max_backlog"]} scans) | 0 |',
        f'| the rig\'s worst lag writing a batch (its own, on a busy machine) | {p["rig_max_lag_ms"]:.0f} ms | |',
        '',
        f'CPU, wake-ups and memory come from a run without `--record`, samples dropped from a second run with '
        f'it (where CPU was {f["cpu_percent_schedstat"]:.3f} % by schedstat: `--record` formats a CSV line per '
        f'sample). psoasd runs under umockdev\'s LD_PRELOAD, which wraps its libc calls (two rt_sigprocmask per '
        f'read, seen with strace): on a real sensor the same work costs a little less.',
        '',
        f'Resident MiB by mapping at the end of the window: {breakdown}.',
    ] + starved_note(f, f_norecord)
    return '\n'.join(lines)


def cmd_live(args):
    log(f'live: psoasd at {RATE_HZ} Hz for {args.duration} s without --record (CPU, wake-ups, RSS)')
    plain = run_live(args.duration, warmup=args.warmup, record=False)
    plain.update(rss_floor())
    log('live: again with --record, to count the samples taken in')
    recorded = run_live(args.duration, warmup=args.warmup, record=True)
    result = {'without_record': plain, 'with_record': recorded}
    if args.check:
        check(recorded['written'] > 0, 'the rig wrote nothing')
        check_dropped(recorded)
        check(0 < plain['cpu_percent_schedstat'] < 100, f'CPU {plain["cpu_percent_schedstat"]} %')
        check(plain['wakeups_per_s'] > 0, 'no wake-ups counted')
        check(plain['peak_rss_mib'] > 0, 'no RSS read')
        check(0 < plain['floor_rss_mib'] < plain['peak_rss_mib'],
              f'the floor {plain["floor_rss_mib"]:.2f} MiB against psoasd {plain["peak_rss_mib"]:.2f} MiB')
        check(plain['floor_libraries'] >= 5, f'rss-floor mapped {plain["floor_libraries"]} shared objects')
    return result, live_markdown(recorded, plain)


# --------------------------------------------------------------------------------------------------------------
# Alerts: the crossing sample and the signal's arrival


class AlertWatch:
    def __init__(self, session):
        self.proc = subprocess.Popen([program('ALERT_WATCH')], stdout=subprocess.PIPE, text=True,
                                     env=session.env())
        self.arrivals = []  # (monotonic seconds, kind, level)
        line = self.proc.stdout.readline().strip()
        if line != 'ready':
            raise RuntimeError(f'alert-watch said {line!r} instead of ready')
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self):
        for line in self.proc.stdout:
            word, ns, kind, level = line.split()
            self.arrivals.append((int(ns) / 1e9, kind, int(level)))

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()


# psoas-synth's "daemon" scenario stands still until then, and sits down (within 2.3 s).
SCENARIO_SIT_DOWN_S = 300.0
# Of its standing, the alert benchmarks keep the first and the last STANDING_KEPT_S seconds.
STANDING_KEPT_S = 20.0


def shorten_standing(samples):
    """The "daemon" scenario with most of its five minutes of standing still left out (and the times after
    the cut moved back, so that they run on without a gap): calibrating needs 3 s of it, not 300."""
    cut_from, cut_to = STANDING_KEPT_S, SCENARIO_SIT_DOWN_S - STANDING_KEPT_S
    shift = cut_to - cut_from
    return [s if s[0] < cut_from else (s[0] - shift, s[1], s[2]) for s in samples
            if s[0] < cut_from - 1e-6 or s[0] >= cut_to - 1e-6]
# Samples between a batch's start and a crossing sample placed in it (see run_alerts()).
CROSSING_MARGIN = 3


def crossing_index(samples, t_c):
    """The first sample at or after the crossing time: the engine fires the alert on it."""
    lo, hi = 0, len(samples) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if samples[mid][0] < t_c - 1e-6:
            lo = mid + 1
        else:
            hi = mid
    return lo


def run_alerts(n_alerts, block=None, wakeups=None, measure_s=0.0, fast=10.0, standing_speed=30.0,
               minutes=1):
    """psoasd with a sitting alert after `minutes` min (repeated every `minutes`), fed psoas-synth's "daemon"
    scenario (shortened to 40 s of standing, then sitting): fast through the standing and between alerts, in
    real time from 2 s before each alert is due until 0.5 s after it (and for measure_s more after the first,
    to measure the wake-ups). Returns the figures and one latency record per alert."""
    threshold_s = 60.0 * minutes
    samples = shorten_standing(synth_samples('daemon', 305 + threshold_s * n_alerts + measure_s + 10))
    sit_down_s = 2 * STANDING_KEPT_S
    with Session(daemon_config(wakeups, sitting_alert_minutes=minutes)) as s:
        s.start()
        watermark = int(s.attr('buffer/watermark'))
        emulated = block is not None
        length = int(s.attr('buffer/length'))
        watch = AlertWatch(s)
        try:
            stream = SensorStream(s.rig, samples, block or watermark, speed=standing_speed,
                                  fifo_scans=LIBIIO_BLOCKS * block if emulated else length)
            # Real time from 20 s after the sit-down (at 300 s) until the alerts' windows are known, so that a
            # busy machine cannot let the feed run past the first one before they are.
            hold = (sit_down_s + 20.0, float('inf'))
            stream.add_real_time(*hold)
            s.stream = stream
            stream.start()
            s.wait_streaming()
            # Calibrate once a few seconds of standing went in.
            s.bus.wait(lambda: (stream.fed_until() or 0) > 5, 20, 'five seconds of standing')
            calibrated = calibrate(s)
            log(f'  calibrated: {calibrated}; waiting for the sitting bout')
            try:
                s.bus.wait(lambda: s.bus.get('SittingSince') > 0, 60, 'the sitting bout')
            except AssertionError:
                raise AssertionError(f'no sitting bout after {stream.fed_until():.1f} s of samples (the sit-down '
                                     f'is at {sit_down_s:.0f} s): posture {s.bus.get("Posture")}, sensor '
                                     f'{s.bus.get("SensorState")}, the rig\'s longest pause '
                                     f'{stream.max_gap_s:.1f} s') from None
            stream.speed = fast
            sitting_since = s.bus.get('SittingSince') / 1e6  # realtime seconds
            # psoasd maps sample time to wall time when it takes its first sample (time.time() then = that
            # sample's timestamp), so the bout's start in sample time is SittingSince less that offset, on the
            # 5 ms grid. The rig notes the time when psoasd has read that sample, a little before it maps it:
            # the estimate can only come out late, by that little, hence the rounding down.
            offset = stream.first_read_realtime - (stream.ts_base + samples[0][0])
            bout_t = math.floor((sitting_since - offset - stream.ts_base) * RATE_HZ + 0.1) / RATE_HZ
            crossings = [bout_t + threshold_s * (k + 1) for k in range(n_alerts)]
            for k, t_c in enumerate(crossings):
                stream.add_real_time(t_c - 2.0, t_c + 0.5 + (measure_s + 1.0 if k == 0 else 0.0))
                # Alert k's crossing sample lands at place k/n of its batch: the first one waits (nearly) a whole
                # batch in the FIFO, the others less, as bouts starting at random moments would. Never at the
                # very start, so that a crossing worked out a sample late still lies in the same batch.
                index = crossing_index(samples, t_c)
                stream.start_block_at(index - min(stream.block - 1, CROSSING_MARGIN +
                                                  (k * (stream.block - CROSSING_MARGIN)) // n_alerts))
            if stream.fed_until() > crossings[0] - 2.0:
                raise AssertionError('the feed passed the first alert before its real-time window was set')
            stream.remove_real_time(*hold)
            log(f'  sitting from {bout_t:.3f} s of sample time; alerts due at '
                + ', '.join(f'{t:.3f}' for t in crossings))

            window = None
            if measure_s > 0:
                # Wake-ups in real time, sitting, from just after the first alert.
                s.bus.wait(lambda: (stream.fed_until() or 0) > crossings[0] + 0.5, 120, 'the first alert')
                loop = LoopWakeups(s.pid)
                before = ProcessFigures(s.pid)
                time.sleep(measure_s)
                after = ProcessFigures(s.pid)
                loop_wakeups = loop.count()
                window = window_figures(before, after)
                window['loop_wakeups_per_s'] = None if loop_wakeups is None else \
                    loop_wakeups / window['window_s']
                window['rig_writes_per_s'] = sum(1 for w in list(stream.writes)
                                                 if before.wall <= w[0] < after.wall) / (after.wall - before.wall)

            s.bus.wait(lambda: len([a for a in watch.arrivals if a[1] == 'sitting']) >= n_alerts,
                       60 + (threshold_s / fast + 3) * n_alerts, f'{n_alerts} sitting alerts')
            stream.stop()
            if stream.error:
                raise AssertionError(stream.error)
            s.drain()
            taken = s.stop_daemon()
        finally:
            watch.close()

        latencies = []
        arrivals = [a for a in watch.arrivals if a[1] == 'sitting']
        for k, t_c in enumerate(crossings):
            index = crossing_index(samples, t_c)
            written_at, first, last = stream.block_of(index)
            arrived = arrivals[k][0]
            if arrived < written_at:
                raise AssertionError(f'alert {k + 1} arrived {written_at - arrived:.3f} s before its crossing '
                                     f'sample was written: the crossing was worked out {first - index} or more '
                                     f'samples late (psoasd took over {CROSSING_MARGIN / RATE_HZ * 1000:.0f} ms '
                                     f'to read its first sample)')
            latencies.append({
                'from_sample_s': arrived - stream.due[index],
                'from_write_s': arrived - written_at,
                'held_in_fifo_s': written_at - stream.due[index],
                'level': arrivals[k][2],
            })
        return {
            'alerts': latencies,
            'window': window,
            'watermark': watermark,
            'block': stream.block,
            'block_emulated': emulated,
            'written': stream.written,
            'taken': taken,
            'dropped': stream.written - taken,
            'overflowed': stream.overflowed,
            'calibrated': calibrated,
            'rig_max_lag_ms': 1000 * stream.max_lag_s,
            'rig_max_gap_s': stream.max_gap_s,
            'load': machine_load(),
        }


def latency_summary(alerts, key):
    values = [a[key] for a in alerts]
    return statistics.median(values), max(values)


def cmd_alert(args):
    log(f'alert: {args.alerts} sitting alerts (threshold 1 min, repeated each minute)')
    r = run_alerts(args.alerts, fast=args.fast, standing_speed=args.fast)
    med, worst = latency_summary(r['alerts'], 'from_sample_s')
    med_w, worst_w = latency_summary(r['alerts'], 'from_write_s')
    if args.check:
        check(len(r['alerts']) == args.alerts, 'alerts missing')
        check(worst < 10, f'alert latency {worst:.3f} s')
        check_dropped(r)
    md = '\n'.join([
        f'Sitting alert after 1 min, repeated every minute; psoas-synth\'s "daemon" motion (the first and last 20 s '
        f'of its 5 min standing, then sitting), fed fast except from 2 s before each alert is due, where it runs '
        f'in real time; watermark {r["watermark"]} scans at {RATE_HZ} Hz. The crossing sample is the first at or '
        f'after the bout\'s start (SittingSince) plus the threshold; the batch boundaries are moved between alerts '
        f'so that the crossing samples fall at evenly spread places in their batches (the first one near the '
        f'start: nearly a whole batch to wait). The Alert is stamped on arrival by `alert-watch`, a separate '
        f'sd-bus client. Load average when it '
        f'ended: {r["load"]:.2f}.',
        '',
        '| | median | max | target |',
        '| --- | --- | --- | --- |',
        f'| from the crossing sample (taken by the sensor) to the Alert at a client, {len(r["alerts"])} alerts | '
        f'{1000 * med:.0f} ms | {1000 * worst:.0f} ms | ≤ 1 s — {met(worst <= TARGETS["alert_latency_s"])} |',
        f'| of which waiting in the kernel FIFO for the watermark | '
        f'{1000 * statistics.median(a["held_in_fifo_s"] for a in r["alerts"]):.0f} ms | '
        f'{1000 * max(a["held_in_fifo_s"] for a in r["alerts"]):.0f} ms | |',
        f'| from the write of that scan to the Alert at a client | {1000 * med_w:.1f} ms | {1000 * worst_w:.1f} ms '
        f'| |',
        f'| the rig\'s worst lag writing a batch (its own, on a busy machine) | | {r["rig_max_lag_ms"]:.0f} ms | |',
    ] + starved_note(r))
    return r, md


# --------------------------------------------------------------------------------------------------------------
# watermark


def cmd_watermark(args):
    key = wakeups_key()
    rows = []
    results = []
    for w in args.wakeups:
        block = None if key else max(1, round(RATE_HZ / w))
        log(f'watermark: {w} wake-ups/s ' + (f'({key} = {w})' if key else f'(emulated: blocks of {block} scans)'))
        r = run_alerts(args.alerts, block=block, wakeups=w, measure_s=args.duration, fast=args.fast,
                       standing_speed=args.fast)
        r['wakeups_setting'] = w
        results.append(r)
        med, worst = latency_summary(r['alerts'], 'from_sample_s')
        win = r['window']
        rows.append(f'| {w} | {r["block"]} | {win["rig_writes_per_s"]:.2f} | {win["wakeups_per_s"]:.2f} | '
                    f'{per_s(win["loop_wakeups_per_s"])} | '
                    f'{win["cpu_percent_schedstat"]:.3f} % | {1000 * med:.0f} ms | {1000 * worst:.0f} ms | '
                    f'{r["dropped"]} | {r["rig_max_lag_ms"]:.0f} ms |')
        if args.check:
            check_dropped(r)
            check(win['wakeups_per_s'] > 0, 'no wake-ups counted')
    if key:
        how = (f'The setting is `{key}` in psoasd.json; the rig releases the scans in blocks of the watermark '
               f'psoasd writes to buffer/watermark.')
    else:
        how = ('psoasd has no setting for it yet: it always asks libiio for a quarter of a second (a watermark '
               f'of {results[0]["watermark"]} scans at {RATE_HZ} Hz). So the rig releases the scans in blocks of '
               'rate / wake-ups, as the kernel would with that watermark, and psoasd reads whatever has come at '
               'each wake-up.')
    loads = ', '.join(f'{r["load"]:.2f}' for r in results)
    md = '\n'.join([
        f'psoasd at {RATE_HZ} Hz on the emulated inv_mpu6050, with `--record`. {how} Wake-ups and CPU (schedstat, '
        f'to the ns) over {args.duration:.0f} s in real time while sitting, after the first alert; latency from '
        f'the crossing sample to the Alert at a client, {args.alerts} alerts per setting, measured as in '
        f'"Alert latency". The event loop\'s wake-ups are its epoll_wait returns (`perf stat`); the voluntary '
        f'context switches count more with batches over 4 KiB, which the pty standing in for the IIO device '
        f'delivers in pieces. A batch the rig writes late (its worst lag is in the last column) is waited for '
        f'longer, and batches written late together wake psoasd once. Load average (1 min) at the end of each '
        f'setting: {loads}.',
        '',
        '| wake-ups/s asked | scans per batch | batches/s written | psoasd voluntary switches/s | '
        'event-loop wake-ups/s | CPU | alert latency, median | max | samples dropped | rig\'s worst lag |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ] + rows + starved_note(*results))
    return results, md


# --------------------------------------------------------------------------------------------------------------
# bus-load


# The nice value of the second bus-load pass: psoasd, dbus-daemon and the generator ahead of whatever else runs.
RAISED_NICE = -10


def set_nice(pid, value):
    """Sets the nice value of every thread of pid."""
    for tid in os.listdir(f'/proc/{pid}/task'):
        os.setpriority(os.PRIO_PROCESS, int(tid), value)


def run_bus_load(args, nice=None):
    samples = synth_samples('test' if args.duration + 15 < 380 else 'morning', args.duration + 20)
    with Session(daemon_config()) as s:
        s.start()
        s.stream = SensorStream(s.rig, samples, int(s.attr('buffer/watermark'))).start()
        s.wait_streaming()
        calibrated = calibrate(s)
        if nice is not None:
            set_nice(s.pid, nice)
            set_nice(s.bus_daemon.proc.pid, nice)
        load_before = machine_load()
        before = ProcessFigures(s.pid)
        bus_before = ProcessFigures(s.bus_daemon.proc.pid)
        out = subprocess.run([program('BUS_LOAD'), '--clients', str(args.clients), '--rate', str(args.calls),
                              '--duration', str(args.duration)], env=s.env(), stdout=subprocess.PIPE,
                             text=True, timeout=args.duration + 60,
                             preexec_fn=(lambda: os.setpriority(os.PRIO_PROCESS, 0, nice)) if nice is not None
                             else None)
        after = ProcessFigures(s.pid)
        bus_after = ProcessFigures(s.bus_daemon.proc.pid)
        if out.returncode != 0:
            raise AssertionError(f'bus-load failed with status {out.returncode}')
        load = dict(kv.split('=', 1) for kv in out.stdout.split())
        s.stream.stop()
        if s.stream.error:
            raise AssertionError(s.stream.error)
        s.drain()
        taken = s.stop_daemon()
        window = window_figures(before, after)
        r = {k: float(v) for k, v in load.items()}
        r.update({
            'nice': nice,
            'written': s.stream.written,
            'taken': taken,
            'dropped': s.stream.written - taken,
            'overflowed': s.stream.overflowed,
            'max_backlog': s.stream.max_backlog,
            'fifo_scans': s.stream.fifo_scans,
            'rig_max_gap_s': s.stream.max_gap_s,
            'daemon_cpu_percent': window['cpu_percent'],
            'dbus_daemon_cpu_percent': window_figures(bus_before, bus_after)['cpu_percent'],
            'calibrated': calibrated,
            'load_before': load_before,
            'load': machine_load(),
        })
    if args.check:
        check(r['answered'] == r['calls'] and r['errors'] == 0, f'calls failed: {load}')
        check_dropped(r)
    return r


def cmd_bus_load(args):
    log(f'bus-load: {args.clients} clients, {args.calls} calls/s for {args.duration} s while streaming '
        f'{RATE_HZ} Hz')
    runs = [run_bus_load(args)]
    if args.raised and os.geteuid() == 0:
        log(f'bus-load: again with psoasd, dbus-daemon and the generator at nice {RAISED_NICE}')
        runs.append(run_bus_load(args, nice=RAISED_NICE))
    r = runs[0]

    def cells(fmt):
        return ' | '.join(fmt(x) for x in runs)

    p99_ok = r['p99_us'] / 1000 <= TARGETS['bus_p99_ms']
    head = '| | as it runs |' + (f' at nice {RAISED_NICE} |' if len(runs) > 1 else '') + ' target |'
    md = '\n'.join([
        f'{args.clients} connections (`tests/perf/bus-load`, sd-bus, asynchronous, open loop) calling psoasd '
        f'{args.calls} times per second in all for {args.duration:.0f} s, in turn Properties.Get (each property '
        f'in turn), Properties.GetAll and GetDay(""), while it streams {RATE_HZ} Hz from the emulated sensor. '
        f'Latency: reply arrival − send, CLOCK_MONOTONIC, in the generator. '
        + (f'The second column is a second run with psoasd, its dbus-daemon and the generator at nice '
           f'{RAISED_NICE}, ahead of the other work on the machine: what a board doing nothing else would see. '
           if len(runs) > 1 else '')
        + 'Load average (1 min) before and after: ' + '; '.join(f'{x["load_before"]:.2f}, {x["load"]:.2f}'
                                                            for x in runs) + '.',
        '',
        head,
        '| --- |' + ' --- |' * len(runs) + ' --- |',
        '| calls answered (errors) | ' + cells(lambda x: f'{x["answered"]:.0f} of {x["calls"]:.0f} '
                                                         f'({x["errors"]:.0f})') + ' | all |',
        '| call latency p50 | ' + cells(lambda x: f'{x["p50_us"] / 1000:.2f} ms') + ' | |',
        '| call latency p99 | ' + cells(lambda x: f'{x["p99_us"] / 1000:.2f} ms') +
        f' | ≤ 5 ms — {met(p99_ok)} |',
        '| call latency max | ' + cells(lambda x: f'{x["max_us"] / 1000:.2f} ms') + ' | |',
        '| samples dropped meanwhile (written − recorded) | ' + cells(lambda x: f'{x["dropped"]} of {x["written"]}')
        + f' | 0 — {met(all(x["dropped"] == 0 for x in runs))} |',
        f'| scans a kernel FIFO of {r["fifo_scans"]} would have lost (largest backlog) | '
        + cells(lambda x: f'{x["overflowed"]} ({x["max_backlog"]} scans)') + ' | 0 |',
        '| calls the generator itself sent over 1 ms late (its own lag) | '
        + cells(lambda x: f'{x["late_sends"]:.0f}') + ' | |',
        '| CPU: psoasd, dbus-daemon (% of a core) | '
        + cells(lambda x: f'{x["daemon_cpu_percent"]:.1f} %, {x["dbus_daemon_cpu_percent"]:.1f} %') + ' | |',
    ] + starved_note(*runs))
    return {'as_it_runs': r, 'raised': runs[1] if len(runs) > 1 else None}, md


# --------------------------------------------------------------------------------------------------------------
# psoas-analyze on a day


def timed(cmd, stdout=subprocess.DEVNULL):
    """Wall time, peak RSS (MiB) and CPU time (s) of cmd, run under peak-rss: a child of this Python process would
    report Python's own RSS as its peak (ru_maxrss counts the image exec() replaced)."""
    with tempfile.NamedTemporaryFile(mode='r', prefix='psoas-peak-rss-') as figures:
        start = time.monotonic()
        proc = subprocess.run([program('PEAK_RSS'), figures.name] + cmd, stdout=stdout)
        wall = time.monotonic() - start
        if proc.returncode != 0:
            raise AssertionError(f'{" ".join(cmd)} exited with {proc.returncode}')
        usage = json.load(figures)
    return wall, usage['peak_rss_kib'] / 1024.0, usage['cpu_s']


def cmd_analyze_day(args):
    analyze = program('PSOAS_ANALYZE')
    with tempfile.TemporaryDirectory(prefix='psoas-day-') as tmp:
        path = args.csv
        rows_note = ''
        if not path:
            path = os.path.join(tmp, 'day.csv')
            log(f'analyze-day: generating {args.hours:g} h at 100 Hz')
            with open(path, 'w') as f:
                cmd = [program('PSOAS_SYNTH'), '--scenario', 'day', '--rate', '100', '--seed', '1', '--mount',
                       'random']
                if args.hours < 24:
                    cmd += ['--duration', str(args.hours * 3600)]
                subprocess.run(cmd, stdout=f, check=True)
        with open(path, 'rb') as f:
            rows = sum(chunk.count(b'\n') for chunk in iter(lambda: f.read(1 << 20), b'')) - 1
        size_mb = os.path.getsize(path) / 1e6
        load = machine_load()
        summary = []
        for k in range(args.runs):
            summary.append(timed([analyze, '--calibrate-first', '5', path]))
            log(f'  summary run {k + 1}: {summary[-1][0]:.2f} s, {summary[-1][1]:.1f} MiB')
        samples_out = timed([analyze, '--calibrate-first', '5', '--output', 'samples', '--quat', path])
        log(f'  --output samples --quat: {samples_out[0]:.2f} s')
    walls = sorted(w for w, _, _ in summary)
    best, median = walls[0], statistics.median(walls)
    rss = max(m for _, m, _ in summary)
    cpu = min(c for _, _, c in summary)
    r = {'rows': rows, 'csv_mb': size_mb, 'runs_s': walls, 'median_s': median, 'best_s': best,
         'peak_rss_mib': rss, 'cpu_s': cpu, 'samples_output_s': samples_out[0], 'load': load,
         'ns_per_sample': 1e9 * median / rows if rows else None}
    if args.check:
        check(rows > 0 and median > 0, 'nothing analysed')
        check(rss > 0, 'no peak RSS read')
    full_day = rows == 8_640_000
    md = '\n'.join([
        f'{thousands(rows)} rows ({size_mb:.0f} MB of CSV) from `psoas-synth --scenario day --rate 100 --seed 1 '
        f'--mount random`; wall time of the whole process, {args.runs} runs. Load average (1 min) when it started: '
        f'{load:.2f}.',
        '',
        '| | figure | target |',
        '| --- | --- | --- |',
        f'| end to end, CSV parsing included, summary output | fastest {best:.2f} s, median {median:.2f} s (runs: '
        f'{", ".join(f"{w:.2f}" for w in walls)}), {rss:.1f} MiB peak RSS | ≤ 2 s for the day — '
        + (met(best <= TARGETS['analyze_day_s']) if full_day else 'not a full day') + ' |',
        f'| CPU time, the least of the runs (both threads, user + system) | {cpu:.2f} s | |',
        f'| `--output samples --quat` ({thousands(rows)} rows written to /dev/null) | {samples_out[0]:.2f} s | |',
        '',
        'The target is judged on the fastest run: other work on the machine only ever adds time.',
    ])
    return r, md


# --------------------------------------------------------------------------------------------------------------


def thousands(n):
    return f'{n:,}'.replace(',', '\u202f')


def starved_note(*results):
    """A warning for the Markdown when the rig paused long enough for psoasd to think the sensor stalled."""
    gap = max(r['rig_max_gap_s'] for r in results)
    if gap <= 1.5:
        return []
    return ['', f'**Not valid: the rig stopped writing for {gap:.1f} s (the machine was too busy), so psoasd took '
                f'the sensor for stalled and reopened it. Run it again on a quieter machine.**']


def check_dropped(r):
    """No sample lost, unless the rig itself stopped writing long enough for psoasd to give the sensor up."""
    if r['dropped'] != 0 and r['rig_max_gap_s'] > 1.5:
        log(f'warning: {r["dropped"]} samples dropped, but the rig stopped writing for {r["rig_max_gap_s"]:.1f} s '
            f'(load average {machine_load():.1f}): psoasd saw the sensor stall')
        return
    check(r['dropped'] == 0, f'{r["dropped"]} samples dropped')


def check(condition, what):
    if not condition:
        raise AssertionError(f'harness check failed: {what}')


def main():
    parser = argparse.ArgumentParser(description='psoasd benchmarks on an emulated IIO sensor')
    parser.add_argument('--build', help='meson build directory to take the programs from')
    parser.add_argument('--markdown', action='store_true', help='print the figures as a Markdown block')
    parser.add_argument('--json', help='also write the figures to this file as JSON')
    parser.add_argument('--check', action='store_true', help='assert that the harness measured something')
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('live')
    p.add_argument('--duration', type=float, default=60)
    p.add_argument('--warmup', type=float, default=5, help='seconds streaming before the window opens')
    p = sub.add_parser('watermark')
    p.add_argument('--wakeups', type=lambda s: [float(x) if '.' in x else int(x) for x in s.split(',')],
                   default=[1, 2, 4, 10])
    p.add_argument('--duration', type=float, default=20)
    p.add_argument('--alerts', type=int, default=3)
    p.add_argument('--fast', type=float, default=10, help='feed speed between alerts (×real time)')
    p = sub.add_parser('alert')
    p.add_argument('--alerts', type=int, default=5)
    p.add_argument('--fast', type=float, default=10, help='feed speed between alerts (×real time)')
    p = sub.add_parser('bus-load')
    p.add_argument('--duration', type=float, default=30)
    p.add_argument('--clients', type=int, default=50)
    p.add_argument('--calls', type=int, default=1000)
    p.add_argument('--raised', action=argparse.BooleanOptionalAction, default=True,
                   help=f'also run at nice {RAISED_NICE} (as root), as on a machine doing nothing else')
    p = sub.add_parser('analyze-day')
    p.add_argument('--csv', help='an existing recording instead of generating the day')
    p.add_argument('--hours', type=float, default=24)
    p.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()

    if args.build:
        for name, rel in PROGRAMS.items():
            os.environ[name] = os.path.join(os.path.abspath(args.build), rel)

    commands = {'live': cmd_live, 'watermark': cmd_watermark, 'alert': cmd_alert, 'bus-load': cmd_bus_load,
                'analyze-day': cmd_analyze_day}
    result, md = commands[args.command](args)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    if args.markdown:
        print(md)
    else:
        print(json.dumps(result, indent=1))


if __name__ == '__main__':
    main()
