# SPDX-License-Identifier: LGPL-2.1-or-later
"""iiorig: an emulated IIO sensor for psoas tests, on umockdev and libiio's unmodified local: backend.

Run it with /usr/bin/python3 (it needs gi and UMockdev). A program sees the sensor when it runs with the rig's
environment (UMOCKDEV_DIR, LD_PRELOAD=libumockdev-preload.so.0, ASAN_OPTIONS=verify_asan_link_order=0).

    from iiorig import IioRig, Sample

    with IioRig('mpu6050') as rig:                    # tests/hw/fixtures/mpu6050.umockdev, or a path
        proc = rig.popen([program, ...])               # subprocess.Popen with rig.env(), stdout as text lines
        lines = rig.lines(proc)                        # LineReader: lines.wait_for(lambda l: ..., timeout=5)
        rig.wait_streaming()                           # until the program has enabled every buffer
        feed = rig.feed([Sample(t=1000 + i / 100, accel=(0, 0, 9.81), gyro=(0, 0, 0)) for i in range(300)],
                        speed=1.0)                     # encoded and written from a thread, paced by sample time
        feed.wait()
        rig.attr('mpu6050', 'trigger/current_trigger') # -> 'mpu6050-dev0' (what the program wrote)
        rig.remove('mpu6050'); rig.add('mpu6050')      # the device vanishes and comes back
        uri = rig.start_iiod()                         # 'ip:127.0.0.1:PORT': iiod serving the testbed

Samples. Sample(t, accel, gyro=None, raw=None), or plain tuples (t, accel) / (t, accel, gyro):
  t      seconds; the timestamp channel gets round(t * 1e9) ns. Feeds are paced by t (see feed()).
  accel  (x, y, z) in m/s², gyro (x, y, z) in rad/s, both in the frame a correct reader reports, i.e. after the
         device's mount matrix: the rig applies the inverse matrix, divides by the scale, subtracts the offset,
         rounds and clamps to the channel's bit range (so a value out of range becomes a saturated raw value).
  raw    {'accel_x': 32767, 'timestamp': 5, ...}: raw values that replace the computed ones.

IioRig(fixture) API:
  env()                          environment (a dict) for a program that should see the testbed
  popen(args, **kw)              subprocess.Popen(args, env=env(), stdout=PIPE, text=True, **kw); killed by close()
  lines(proc)                    a LineReader on proc.stdout: next(timeout), wait_for(predicate, timeout), lines
  devices                        the fixture's devices (FixtureDevice: name, id, sysfs_path, node, attrs)
  device(key)                    a device by IIO name ('mpu6050'), id ('iio:device0') or sysfs basename
  attr(dev, name)                an attribute's current value, without the '\\0' and '\\n' a writer leaves
  raw_attr(dev, name)            the attribute file's exact bytes (to see whether anyone wrote it)
  set_attr(dev, name, value)     writes an attribute (a '\\n' is appended: libiio 0.24 drops the last byte)
  wait_attr(dev, name, value, timeout=10)
  is_streaming(dev)              buffer/enable is 1
  wait_streaming(dev=None, timeout=10)  every buffered device (or dev) streaming
  layout(dev)                    the scan layout from the channels enabled now: (size, [(ScanChannel, offset)])
  encode(dev, sample, layout=None) -> bytes of one scan
  lsb(dev, kind)                 the largest scale of 'accel' or 'anglvel' channels: one LSB in SI units
  feed(samples, device=None, speed=1.0, split_writes=None, start_delay=0.0) -> Feed
        samples: a list (fed to every buffered device, each encoding what it carries) or a dict
        {device: list}. Writes happen in a thread once the device streams, paced so that sample time advances
        `speed` times faster than wall time (chunks of 10 ms), non-blocking so a full pty (about 13 KB) never
        hangs it. split_writes=N writes each chunk in pieces of N bytes (reads then cut scans in the middle).
  feed_bytes(dev, data)          writes raw bytes to the device now (blocking until taken or 10 s)
  remove(dev), add(dev, pause=()) the device vanishes (its feeds stop) / comes back with a new pty and, because
                                 umockdev cannot reuse a node name, as the next free iio:deviceN; the rig's
                                 programs (and pause) are stopped meanwhile, so none sees it half made
  start_iiod() -> uri            iiod -p PORT under the testbed, on loopback; close() stops it with SIGKILL
  close()                        stops feeds, kills programs and iiod, drops the testbed (also via `with`)

Feed: wait(timeout=30) (raises FeedError on failure), stop(), done, error, written ({device id: samples}).

Helpers: wave_samples(n, rate_hz, t0=1000.0, gyro=True) gives varied motion with negative values on every axis.
"""

import collections
import math
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time

import gi

gi.require_version('UMockdev', '1.0')
from gi.repository import UMockdev  # noqa: E402

FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'hw', 'fixtures')

Sample = collections.namedtuple('Sample', ['t', 'accel', 'gyro', 'raw'], defaults=[None, None])

KINDS = ('accel', 'anglvel')


class FeedError(Exception):
    pass


def as_sample(item):
    if isinstance(item, Sample):
        return item
    return Sample(*item)


def wave_samples(n, rate_hz, t0=1000.0, gyro=True):
    """n samples at rate_hz from t0: slow tilts through every sign on each axis, gravity-sized accelerations and
    angular rates up to about ±4 rad/s (cover both signs from about 100 samples on)."""
    out = []
    for i in range(n):
        t = t0 + i / rate_hz
        phase = 2 * math.pi * i / 97.0
        accel = (9.0 * math.sin(phase), -7.0 * math.cos(1.3 * phase), 9.81 * math.cos(0.7 * phase) - 2.0)
        rates = (4.0 * math.cos(phase), -3.0 * math.sin(2.1 * phase), 2.0 * math.sin(0.5 * phase) - 0.5)
        out.append(Sample(t, accel, rates if gyro else None))
    return out


def parse_matrix(text):
    rows = [r for r in text.split(';')]
    m = [[float(v) for v in row.split(',')] for row in rows]
    if len(m) != 3 or any(len(row) != 3 for row in m):
        raise ValueError(f'not a mount matrix: {text!r}')
    return m


def invert3(m):
    a, b, c = m[0]
    d, e, f = m[1]
    g, h, i = m[2]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    if abs(det) < 1e-12:
        raise ValueError('singular mount matrix')
    return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]]


def mul3(m, v):
    return [m[r][0] * v[0] + m[r][1] * v[1] + m[r][2] * v[2] for r in range(3)]


class ScanChannel:
    """One scan element: 'accel_x', index, and its type, e.g. le:s16/16>>0."""

    TYPE = re.compile(r'^(le|be):([suSU])(\d+)/(\d+)(?:X(\d+))?>>(\d+)$')

    def __init__(self, name, index, type_text):
        m = self.TYPE.match(type_text)
        if not m:
            raise ValueError(f'scan element type {type_text!r} of {name} is not understood')
        self.name = name
        self.index = index
        self.big_endian = m.group(1) == 'be'
        self.signed = m.group(2) in 'sS'
        self.bits = int(m.group(3))
        self.storage = int(m.group(4)) // 8 * int(m.group(5) or 1)
        self.shift = int(m.group(6))
        kind, _, axis = name.rpartition('_')
        if name == 'timestamp':
            self.kind, self.axis = 'timestamp', None
        elif kind in KINDS and axis in ('x', 'y', 'z'):
            self.kind, self.axis = kind, 'xyz'.index(axis)
        else:
            self.kind, self.axis = 'other', None

    def clamp(self, raw):
        if self.signed:
            lo, hi = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            lo, hi = 0, (1 << self.bits) - 1
        return min(max(raw, lo), hi)

    def pack(self, raw):
        word = (raw & ((1 << self.bits) - 1)) << self.shift
        return word.to_bytes(self.storage, 'big' if self.big_endian else 'little')


class FixtureDevice:
    """One block of a .umockdev file."""

    def __init__(self, text):
        self.text = text.strip() + '\n'
        self.sysfs_path = None
        self.node = None
        self.attrs = {}
        for line in self.text.splitlines():
            key, _, value = line.partition(': ')
            if key == 'P':
                self.sysfs_path = value
            elif key == 'N':
                self.node = value.partition('=')[0] or None
            elif key == 'A':
                name, _, v = value.partition('=')
                self.attrs[name] = v.encode().decode('unicode_escape').rstrip('\n')
        if not self.sysfs_path:
            raise ValueError('a fixture block without a P: line')
        self.id = os.path.basename(self.sysfs_path)
        self.name = self.attrs.get('name')
        self.scan_channels = []
        for attr in self.attrs:
            m = re.match(r'^scan_elements/in_(.+)_index$', attr)
            if m:
                chan = m.group(1)
                self.scan_channels.append(ScanChannel(chan, int(self.attrs[attr]),
                                                      self.attrs[f'scan_elements/in_{chan}_type']))
        self.scan_channels.sort(key=lambda c: c.index)

    @property
    def buffered(self):
        return bool(self.scan_channels) and self.node is not None

    def __repr__(self):
        return f'<FixtureDevice {self.name} {self.id}>'


class LineReader:
    """Reads a process's stdout lines in a thread, so that tests can wait with a timeout."""

    def __init__(self, stream):
        self.lines = []
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream):
        for line in stream:
            self._queue.put(line.rstrip('\n'))
        self._queue.put(None)

    def next(self, timeout=10):
        """The next line, or None at the end of the output; raises TimeoutError."""
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f'no output line within {timeout} s; so far: {self.lines[-5:]}') from None
        if line is None:
            self._queue.put(None)
        else:
            self.lines.append(line)
        return line

    def wait_for(self, predicate, timeout=10):
        """Reads lines until one satisfies predicate and returns it; raises TimeoutError or EOFError."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(max(0.0, deadline - time.monotonic()))
            if line is None:
                raise EOFError(f'output ended; last lines: {self.lines[-8:]}')
            if predicate(line):
                return line


class Feed:
    """Scans being written in the background; see IioRig.feed()."""

    def __init__(self, rig, jobs, speed, split_writes, start_delay):
        self.rig = rig
        self.jobs = jobs
        self.speed = speed
        self.split_writes = split_writes
        self.start_delay = start_delay
        self.written = {dev.id: 0 for dev in jobs}
        self.error = None
        self.done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()

    def wait(self, timeout=30):
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise FeedError(f'feed not done within {timeout} s (written: {self.written})')
        if self.error:
            raise FeedError(self.error)

    def _run(self):
        try:
            self._feed()
        except FeedError as e:
            self.error = str(e)
        except OSError as e:
            self.error = f'writing scans failed: {e}'
        finally:
            self.done = True

    def _feed(self):
        deadline = time.monotonic() + 10
        for dev in self.jobs:
            while not self.rig.is_streaming(dev):
                if self._stop.wait(0.01):
                    return
                if time.monotonic() > deadline:
                    raise FeedError(f'{dev.name} never started streaming (buffer/enable stayed 0)')
        if self._stop.wait(self.start_delay):
            return
        layouts = {dev.id: self.rig.layout(dev) for dev in self.jobs}
        models = {dev.id: self.rig._model(dev) for dev in self.jobs}
        events = sorted(((as_sample(s).t, n, dev) for dev, samples in self.jobs.items()
                         for n, s in enumerate(samples)), key=lambda e: (e[0], e[1]))
        if not events:
            return
        t0 = events[0][0]
        start = time.monotonic()
        i = 0
        while i < len(events):
            due = start + (events[i][0] - t0) / self.speed
            now = time.monotonic()
            if due > now and self._stop.wait(due - now):
                return
            # Everything due within the next 10 ms goes in one write per device.
            horizon = time.monotonic() - start + 0.010
            chunks = collections.defaultdict(bytearray)
            counts = collections.Counter()
            while i < len(events) and (events[i][0] - t0) / self.speed <= horizon:
                t, n, dev = events[i]
                sample = as_sample(self.jobs[dev][n])
                chunks[dev.id] += self.rig._encode(dev, sample, layouts[dev.id], models[dev.id])
                counts[dev.id] += 1
                i += 1
            for dev_id, data in chunks.items():
                self._write(self.rig.device(dev_id), bytes(data))
                self.written[dev_id] += counts[dev_id]

    def _write(self, dev, data):
        pieces = [data]
        if self.split_writes:
            pieces = [data[k:k + self.split_writes] for k in range(0, len(data), self.split_writes)]
        for piece in pieces:
            self.rig._write(dev, piece, self._stop)
            if self.split_writes:
                time.sleep(0.001)


class IioRig:
    """A umockdev testbed with one fixture loaded; see the module's docstring."""

    def __init__(self, fixture):
        path = fixture if os.sep in fixture or fixture.endswith('.umockdev') else \
            os.path.join(FIXTURES_DIR, fixture + '.umockdev')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        self.fixture_path = path
        self.devices = [FixtureDevice(block) for block in re.split(r'\n\s*\n', text) if block.strip()]
        self.testbed = UMockdev.Testbed.new()
        self.root = self.testbed.get_root_dir()
        self._masters = {}
        self._feeds = []
        self._procs = []
        self._present = set()
        self._used_nodes = set()
        for dev in self.devices:
            self._add(dev)

    # --- life cycle ---

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for feed in self._feeds:
            feed._stop.set()
        for feed in self._feeds:
            feed._thread.join(5)
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream:
                    stream.close()
        self._procs = []
        self.testbed = None

    # --- programs ---

    def env(self):
        env = dict(os.environ)
        env['UMOCKDEV_DIR'] = self.root
        preload = env.get('LD_PRELOAD', '')
        env['LD_PRELOAD'] = 'libumockdev-preload.so.0' + (' ' + preload if preload else '')
        asan = env.get('ASAN_OPTIONS', '')
        if 'verify_asan_link_order' not in asan:
            env['ASAN_OPTIONS'] = (asan + ':' if asan else '') + 'verify_asan_link_order=0'
        return env

    def popen(self, args, env=None, **kwargs):
        kwargs.setdefault('stdout', subprocess.PIPE)
        kwargs.setdefault('text', True)
        proc = subprocess.Popen(args, env=self.env() if env is None else env, **kwargs)
        self._procs.append(proc)
        return proc

    def lines(self, proc):
        return LineReader(proc.stdout)

    def start_iiod(self, timeout=10):
        """Starts Debian's iiod under the testbed on a free loopback port; returns the ip: URI."""
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        proc = self.popen(['iiod', '-p', str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f'iiod exited with status {proc.returncode}')
            try:
                with socket.create_connection(('127.0.0.1', port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f'iiod did not listen on port {port} within {timeout} s') from None
                time.sleep(0.05)
        return f'ip:127.0.0.1:{port}'

    # --- devices and attributes ---

    def device(self, key):
        if isinstance(key, FixtureDevice):
            return key
        for dev in self.devices:
            if key in (dev.name, dev.id, dev.node):
                return dev
        raise KeyError(f'no device {key!r} in {self.fixture_path}')

    def _path(self, dev, name):
        return os.path.join(self.root, 'sys' + self.device(dev).sysfs_path, name)

    def raw_attr(self, dev, name):
        with open(self._path(dev, name), 'rb') as f:
            return f.read()

    def attr(self, dev, name):
        return self.raw_attr(dev, name).decode().rstrip('\0\n').rstrip('\0')

    def set_attr(self, dev, name, value):
        value = str(value)
        self.testbed.set_attribute('/sys' + self.device(dev).sysfs_path, name,
                                   value if value.endswith('\n') else value + '\n')

    def wait_attr(self, dev, name, value, timeout=10):
        deadline = time.monotonic() + timeout
        while self.attr(dev, name) != value:
            if time.monotonic() > deadline:
                raise TimeoutError(f'{name} of {dev} is {self.attr(dev, name)!r}, not {value!r}')
            time.sleep(0.01)

    def is_streaming(self, dev):
        dev = self.device(dev)
        try:
            return dev.id in self._present and self.attr(dev, 'buffer/enable') == '1'
        except OSError:
            return False

    def wait_streaming(self, dev=None, timeout=10):
        devs = [self.device(dev)] if dev is not None else [d for d in self.devices if d.buffered]
        deadline = time.monotonic() + timeout
        for d in devs:
            while not self.is_streaming(d):
                if time.monotonic() > deadline:
                    raise TimeoutError(f'{d.name} did not start streaming within {timeout} s')
                time.sleep(0.01)

    # --- encoding ---

    def layout(self, dev):
        """(scan size, [(ScanChannel, offset)]) for the channels enabled now, by the kernel's rule."""
        dev = self.device(dev)
        offset, largest, placed = 0, 1, []
        for chan in dev.scan_channels:
            if self.attr(dev, f'scan_elements/in_{chan.name}_en') != '1':
                continue
            if offset % chan.storage:
                offset += chan.storage - offset % chan.storage
            placed.append((chan, offset))
            offset += chan.storage
            largest = max(largest, chan.storage)
        if offset % largest:
            offset += largest - offset % largest
        return offset, placed

    def _attr_float(self, dev, names, default):
        for name in names:
            try:
                return float(self.attr(dev, name))
            except (OSError, ValueError):
                continue
        return default

    def _model(self, dev):
        """Per kind: inverse mount matrix, per-axis scales and offsets, from the device's current attributes."""
        dev = self.device(dev)
        model = {}
        for kind in KINDS:
            matrix = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
            for name in (f'in_{kind}_mount_matrix', 'mount_matrix', 'in_mount_matrix'):
                try:
                    matrix = parse_matrix(self.attr(dev, name))
                    break
                except (OSError, ValueError):
                    continue
            scales = [self._attr_float(dev, (f'in_{kind}_{a}_scale', f'in_{kind}_scale'), 1.0) for a in 'xyz']
            offsets = [self._attr_float(dev, (f'in_{kind}_{a}_offset', f'in_{kind}_offset'), 0.0) for a in 'xyz']
            model[kind] = (invert3(matrix), scales, offsets)
        return model

    def lsb(self, dev, kind):
        """One LSB of kind ('accel', 'anglvel') on dev, in SI units (the largest of the three axes)."""
        return max(self._model(dev)[kind][1])

    def _raw_values(self, sample, model):
        raw = {}
        for kind, vector in (('accel', sample.accel), ('anglvel', sample.gyro)):
            if vector is None:
                continue
            inverse, scales, offsets = model[kind]
            sensor = mul3(inverse, vector)
            for axis in range(3):
                raw[f'{kind}_{"xyz"[axis]}'] = round(sensor[axis] / scales[axis] - offsets[axis])
        raw['timestamp'] = round(sample.t * 1e9)
        if sample.raw:
            raw.update(sample.raw)
        return raw

    def _encode(self, dev, sample, layout, model):
        size, placed = layout
        raw = self._raw_values(sample, model)
        scan = bytearray(size)
        for chan, offset in placed:
            value = chan.clamp(raw.get(chan.name, 0))
            scan[offset:offset + chan.storage] = chan.pack(value)
        return bytes(scan)

    def encode(self, dev, sample, layout=None):
        dev = self.device(dev)
        return self._encode(dev, as_sample(sample), layout or self.layout(dev), self._model(dev))

    # --- feeding ---

    def feed(self, samples, device=None, speed=1.0, split_writes=None, start_delay=0.0):
        if isinstance(samples, dict):
            jobs = {self.device(k): list(v) for k, v in samples.items()}
        elif device is not None:
            jobs = {self.device(device): list(samples)}
        else:
            jobs = {dev: list(samples) for dev in self.devices if dev.buffered}
        feed = Feed(self, jobs, speed, split_writes, start_delay)
        self._feeds.append(feed)
        return feed

    def _write(self, dev, data, stop=None, timeout=10):
        """Non-blocking writes, retried while the reader makes room: a full pty never hangs the rig."""
        deadline = time.monotonic() + timeout
        view = memoryview(data)
        while view:
            if dev.id not in self._present:
                raise FeedError(f'{dev.name} was removed')
            fd = self._masters[dev.id]
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise FeedError(f'nobody reads {dev.name}: its pty stayed full for {timeout} s') from None
                if stop is not None and stop.wait(0.002):
                    return
                if stop is None:
                    time.sleep(0.002)
                continue
            view = view[n:]

    def feed_bytes(self, dev, data):
        self._write(self.device(dev), data)

    # --- vanishing ---

    def _add(self, dev):
        if not self.testbed.add_from_string(dev.text):
            raise RuntimeError(f'umockdev refused the fixture block of {dev.id}')
        if dev.node:
            fd = self.testbed.get_dev_fd('/dev/' + dev.node)
            if fd < 0:
                raise RuntimeError(f'umockdev gave no pty for /dev/{dev.node}')
            os.set_blocking(fd, False)
            self._masters[dev.id] = fd
        self._present.add(dev.id)
        if dev.node:
            self._used_nodes.add(dev.node)

    def remove(self, dev):
        dev = self.device(dev)
        for feed in self._feeds:
            if dev in feed.jobs:
                feed._stop.set()
        self._present.discard(dev.id)
        self._masters.pop(dev.id, None)
        self.testbed.remove_device('/sys' + dev.sysfs_path)
        # umockdev leaves the /dev node (a symlink to the old pty) behind; a node that stays would also make
        # add() fail. A real device's node goes with it.
        if dev.node:
            node = os.path.join(self.root, 'dev', dev.node)
            if os.path.lexists(node):
                os.unlink(node)

    def add(self, dev, pause=()):
        """Brings a removed device back. umockdev 0.17 cannot give a node name a second pty, so a device that
        comes back gets the next free iio:deviceN (its id, node and sysfs path change; its name does not), as
        it can on a real system.

        umockdev creates the /sys/bus link before the attributes (the kernel does it the other way round), so
        the programs started with popen(), and the processes in pause (Popen objects or pids), are stopped
        while it works: they never see a device half made."""
        dev = self.device(dev)
        pids = [p.pid for p in self._procs if p.poll() is None] + \
            [p if isinstance(p, int) else p.pid for p in pause]
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            self._add_renamed(dev)
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)

    def _add_renamed(self, dev):
        if dev.node and dev.node in self._used_nodes:
            used = [int(n[len('iio:device'):]) for n in self._used_nodes if n.startswith('iio:device')]
            fresh = f'iio:device{max(used) + 1}'
            dev.text = re.sub(r'iio:device\d+', fresh, dev.text)
            dev.text = re.sub(r'^E: MINOR=\d+$', f'E: MINOR={max(used) + 1}', dev.text, flags=re.M)
            dev.sysfs_path = re.sub(r'iio:device\d+', fresh, dev.sysfs_path)
            dev.node = fresh
            dev.id = os.path.basename(dev.sysfs_path)
        self._add(dev)
