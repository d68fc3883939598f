# SPDX-License-Identifier: LGPL-2.1-or-later
"""gpiorig: an emulated GPIO chip for psoas tests, on umockdev and the kernel's GPIO character-device uAPI v2.

Run it with /usr/bin/python3 (it needs gi and UMockdev). A program sees the chip as /dev/gpiochip0 when it runs
with rig.env() (UMOCKDEV_DIR, LD_PRELOAD=libumockdev-preload.so.0, ASAN_OPTIONS=verify_asan_link_order=0), and
unmodified libgpiod v2 works on it.

    with GpioRig(lines=8, names={17: 'VIBRA'}) as rig:
        proc = subprocess.Popen([...], env=dict(os.environ, **rig.env()))
        rig.wait_request()                          # the program requested its lines
        rig.request.flags[17] & FLAG_OUTPUT         # how it configured them
        rig.press(27, bounces=[2, 5, 3])            # the button to ground: physical low, bouncing (ms)
        rig.release(27)
        rig.levels(17)                              # [(monotonic s, physical level)] of an output line
        rig.pulses(17, since)                       # [(start s, duration s)] of the line at its physical high
        rig.released()                              # the program let go of its lines

How it works. umockdev backs /dev/gpiochip0 with a pseudo-terminal and sends the program's ioctls on it to a
handler here (UMockdev.IoctlBase), which answers GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINEINFO_IOCTL,
GPIO_V2_GET_LINE_IOCTL and GPIO_V2_LINE_{GET,SET}_VALUES_IOCTL like the kernel would for a chip with `lines`
lines. The handler runs in a thread of its own, so that a test blocked in a D-Bus call never holds up the
program's ioctls.

The limits (the project's notes on the test rig, TESTRIG.md): umockdev cannot give the program a new file
descriptor, so a line request is answered with the program's own chip descriptor (found in /proc/PID/fd), later
line ioctls reach this same handler, and edge events are 48-byte struct gpio_v2_line_event written to the pseudo-terminal's master.
Hence one line request per chip at a time, a chip opened by path, and releasing the request closes the chip's
descriptor. A new request is accepted once the program no longer holds the descriptor of the previous one.
"""

import os
import struct
import threading
import time

import gi

gi.require_version('UMockdev', '1.0')
gi.require_version('GLib', '2.0')
from gi.repository import GLib, UMockdev  # noqa: E402

# <linux/gpio.h>, checked against the header by tests/gpio/meson.build's gpio-uapi-sizes test.
GPIO_GET_CHIPINFO_IOCTL = 0x8044b401
GPIO_V2_GET_LINEINFO_IOCTL = 0xc100b405
GPIO_V2_GET_LINE_IOCTL = 0xc250b407
GPIO_V2_LINE_GET_VALUES_IOCTL = 0xc010b40e
GPIO_V2_LINE_SET_VALUES_IOCTL = 0xc010b40f

CHIPINFO_SIZE = 68
LINEINFO_SIZE = 256
LINE_REQUEST_SIZE = 592
LINE_VALUES_SIZE = 16
LINE_EVENT_SIZE = 48

# struct gpio_v2_line_request: offsets[64] @0, consumer[32] @256, config @288, num_lines @560, fd @588.
# struct gpio_v2_line_config: flags @0, num_attrs @8, attrs[10] @32, each {id, padding, value} + mask = 24 bytes.
REQ_CONSUMER, REQ_CONFIG, REQ_NUM_LINES, REQ_FD = 256, 288, 560, 588
CONFIG_ATTRS, CONFIG_ATTR_SIZE = 32, 24
# struct gpio_v2_line_info: name[32] @0, consumer[32] @32, offset @64, num_attrs @68, flags @72.
INFO_CONSUMER, INFO_OFFSET, INFO_FLAGS = 32, 64, 72

FLAG_USED = 1 << 0
FLAG_ACTIVE_LOW = 1 << 1
FLAG_INPUT = 1 << 2
FLAG_OUTPUT = 1 << 3
FLAG_EDGE_RISING = 1 << 4
FLAG_EDGE_FALLING = 1 << 5
FLAG_BIAS_PULL_UP = 1 << 8
FLAG_BIAS_PULL_DOWN = 1 << 9
FLAG_BIAS_DISABLED = 1 << 10
FLAG_EVENT_CLOCK_REALTIME = 1 << 11

ATTR_FLAGS, ATTR_OUTPUT_VALUES, ATTR_DEBOUNCE = 1, 2, 3
EVENT_RISING_EDGE, EVENT_FALLING_EDGE = 1, 2

EINVAL, EBUSY, ENOTTY = 22, 16, 25


class LineRequest:
    """What the program asked for in GPIO_V2_GET_LINE_IOCTL."""

    def __init__(self, offsets, flags, consumer, pid, fd, client):
        self.offsets = offsets  # in the order requested
        self.flags = flags  # {offset: GPIO_V2_LINE_FLAG_* bits}
        self.consumer = consumer
        self.pid = pid
        self.fd = fd
        self.client = client  # umockdev's connection for the program's descriptor: closed on release
        self.time = time.monotonic()

    def active_low(self, offset):
        return bool(self.flags[offset] & FLAG_ACTIVE_LOW)


class GpioRig:
    def __init__(self, lines=8, label='psoas-test', names=None, used=None):
        """lines: how many lines the chip has; names: {offset: line name}; used: {offset: consumer} for lines
        another program holds."""
        self.n_lines = lines
        self.label = label
        self.names = dict(names or {})
        self.used = dict(used or {})
        self.lock = threading.Lock()
        self.request = None
        self.requests = 0
        self.ioctls = []  # request numbers, in order
        self.physical = {}  # {offset: level} of every line anyone set or pressed
        self.history = {}  # {offset: [(monotonic s, physical level)]} of output lines
        self.seqno = 0
        self.errors = []  # handler failures, raised by check()

        self.testbed = UMockdev.Testbed.new()
        self.testbed.add_from_string(
            'P: /devices/platform/gpio-sim.0/gpiochip0\n'
            'N: gpiochip0\n'
            'E: DEVNAME=/dev/gpiochip0\n'
            'E: SUBSYSTEM=gpio\n'
            'E: MAJOR=254\n'
            'E: MINOR=0\n'
            'A: dev=254:0\\n\n'
            f'A: label={label}\\n\n'
            f'A: ngpio={lines}\\n\n')
        self.root = self.testbed.get_root_dir()
        self.master = self.testbed.get_dev_fd('/dev/gpiochip0')
        self.slave = os.path.realpath(os.path.join(self.root, 'dev', 'gpiochip0'))

        self.context = None
        self.stopping = False
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise AssertionError('the GPIO handler thread did not start')

    # ----------------------------------------------------------------------------------------------------------
    # The handler thread

    def _serve(self, ready):
        self.context = GLib.MainContext.new()
        self.context.push_thread_default()
        self.handler = UMockdev.IoctlBase()
        self.handler.connect('handle-ioctl', self._on_ioctl)
        self.testbed.attach_ioctl('/dev/gpiochip0', self.handler)
        ready.set()
        while not self.stopping:
            self.context.iteration(True)

    def _on_ioctl(self, handler, client):
        request = client.get_request()
        try:
            with self.lock:
                self.ioctls.append(request)
                result, error = self._dispatch(request, client)
        except Exception as e:  # noqa: BLE001 - reported by check(), the program gets EINVAL
            self.errors.append(f'ioctl {request:#x}: {e!r}')
            result, error = -1, EINVAL
        client.complete(result, error)
        return True

    def _dispatch(self, request, client):
        arg = client.get_arg()
        if request == GPIO_GET_CHIPINFO_IOCTL:
            data = arg.resolve(0, CHIPINFO_SIZE)
            data.update(0, b'gpiochip0'.ljust(32, b'\0') + self.label.encode().ljust(32, b'\0') +
                        struct.pack('<I', self.n_lines))
            return 0, 0
        if request == GPIO_V2_GET_LINEINFO_IOCTL:
            data = arg.resolve(0, LINEINFO_SIZE)
            offset = struct.unpack_from('<I', bytes(data.retrieve()), INFO_OFFSET)[0]
            if offset >= self.n_lines:
                return -1, EINVAL
            info = bytearray(LINEINFO_SIZE)
            info[0:32] = self.names.get(offset, '').encode().ljust(32, b'\0')
            flags = FLAG_INPUT
            consumer = self.used.get(offset)
            if self.request and offset in self.request.flags:
                consumer = self.request.consumer
                flags = self.request.flags[offset]
            if consumer is not None:
                flags |= FLAG_USED
                info[INFO_CONSUMER:INFO_CONSUMER + 32] = consumer.encode().ljust(32, b'\0')
            struct.pack_into('<II', info, INFO_OFFSET, offset, 0)
            struct.pack_into('<Q', info, INFO_FLAGS, flags)
            data.update(0, bytes(info))
            return 0, 0
        if request == GPIO_V2_GET_LINE_IOCTL:
            return self._get_line(arg.resolve(0, LINE_REQUEST_SIZE), client)
        if request in (GPIO_V2_LINE_SET_VALUES_IOCTL, GPIO_V2_LINE_GET_VALUES_IOCTL):
            data = arg.resolve(0, LINE_VALUES_SIZE)
            bits, mask = struct.unpack('<QQ', bytes(data.retrieve()))
            if not self.request:
                return -1, EINVAL
            now = time.monotonic()
            out = 0
            for i, offset in enumerate(self.request.offsets):
                if not mask & (1 << i):
                    continue
                if request == GPIO_V2_LINE_SET_VALUES_IOCTL:
                    if not self.request.flags[offset] & FLAG_OUTPUT:
                        return -1, EINVAL
                    self._set_output(offset, bool(bits & (1 << i)), now)
                elif self.physical.get(offset, 0) != self.request.active_low(offset):
                    out |= 1 << i
            if request == GPIO_V2_LINE_GET_VALUES_IOCTL:
                data.update(0, struct.pack('<QQ', out, mask))
            return 0, 0
        return -1, ENOTTY

    def _set_output(self, offset, logical, now):
        level = int(logical != self.request.active_low(offset))
        self.physical[offset] = level
        self.history.setdefault(offset, []).append((now, level))

    def _get_line(self, data, client):
        raw = bytes(data.retrieve())
        n = struct.unpack_from('<I', raw, REQ_NUM_LINES)[0]
        if not 0 < n <= 64:
            return -1, EINVAL
        offsets = list(struct.unpack_from(f'<{n}I', raw, 0))
        if any(o >= self.n_lines for o in offsets) or len(set(offsets)) != n:
            return -1, EINVAL
        if self.request and self._holds(self.request):
            return -1, EBUSY
        if any(o in self.used for o in offsets):
            return -1, EBUSY
        consumer = raw[REQ_CONSUMER:REQ_CONSUMER + 32].split(b'\0')[0].decode()
        config_flags, num_attrs = struct.unpack_from('<QI', raw, REQ_CONFIG)
        flags = {o: config_flags for o in offsets}
        initial = {}
        for a in range(num_attrs):
            base = REQ_CONFIG + CONFIG_ATTRS + a * CONFIG_ATTR_SIZE
            attr_id, _, value, mask = struct.unpack_from('<IIQQ', raw, base)
            for i, o in enumerate(offsets):
                if not mask & (1 << i):
                    continue
                if attr_id == ATTR_FLAGS:
                    flags[o] = value
                elif attr_id == ATTR_OUTPUT_VALUES:
                    initial[o] = bool(value & (1 << i))
        pid, fd = self._client_fd()
        self.request = LineRequest(offsets, flags, consumer, pid, fd, client)
        self.requests += 1
        now = time.monotonic()
        for o in offsets:
            if flags[o] & FLAG_OUTPUT:
                self._set_output(o, initial.get(o, False), now)
            elif o not in self.physical:
                # An input floats to its bias; a button to ground with a pull-up idles high.
                self.physical[o] = 0 if flags[o] & FLAG_BIAS_PULL_DOWN else 1
        data.update(REQ_FD, struct.pack('<i', fd))
        return 0, 0

    def _client_fd(self):
        """The process holding the chip open, and its descriptor for it: the answer to a line request."""
        for pid in os.listdir('/proc'):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                fds = os.listdir(f'/proc/{pid}/fd')
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(f'/proc/{pid}/fd/{fd}') == self.slave:
                        return int(pid), int(fd)
                except OSError:
                    continue
        raise AssertionError(f'no process holds {self.slave} open')

    # ----------------------------------------------------------------------------------------------------------
    # The test's side

    def env(self):
        return {'UMOCKDEV_DIR': self.root, 'LD_PRELOAD': 'libumockdev-preload.so.0',
                'ASAN_OPTIONS': 'verify_asan_link_order=0:detect_leaks=1'}

    def check(self):
        if self.errors:
            raise AssertionError('GPIO handler failed: ' + '; '.join(self.errors))

    def wait_request(self, timeout=10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.check()
            with self.lock:
                if self.request:
                    return self.request
            time.sleep(0.01)
        raise AssertionError(f'no line request within {timeout} s; ioctls: {[hex(i) for i in self.ioctls]}')

    @staticmethod
    def _holds(request):
        # The descriptor number may come back for the next open: the connection behind it tells.
        return request.client.get_connected()

    def released(self):
        """Whether the requesting process no longer holds the lines (it closed the request, and so the chip)."""
        with self.lock:
            request = self.request
        return not request or not self._holds(request)

    def set_level(self, offset, level, t=None):
        """Sets an input line's physical level; writes an edge event when the request asks for that edge.
        t: the event's timestamp, CLOCK_MONOTONIC seconds (default now)."""
        with self.lock:
            request = self.request
            old = self.physical.get(offset, 1)
            self.physical[offset] = level
            if not request or offset not in request.flags or old == level:
                return
            flags = request.flags[offset]
            logical_rising = (level == 1) != request.active_low(offset)
            if logical_rising and not flags & FLAG_EDGE_RISING:
                return
            if not logical_rising and not flags & FLAG_EDGE_FALLING:
                return
            self.seqno += 1
            ts = int((time.monotonic() if t is None else t) * 1e9)
            event = struct.pack('<QIIII', ts, EVENT_RISING_EDGE if logical_rising else EVENT_FALLING_EDGE, offset,
                                self.seqno, self.seqno) + bytes(24)
        assert len(event) == LINE_EVENT_SIZE
        os.write(self.master, event)

    def press(self, offset, bounces=(), t=None):
        """The button connects the line to ground. bounces: contact bounces after the first edge, as the ms
        between successive edges (each bounce is an extra release and press)."""
        self._bouncing(offset, 0, bounces, t)

    def release(self, offset, bounces=(), t=None):
        self._bouncing(offset, 1, bounces, t)

    def _bouncing(self, offset, level, bounces, t):
        t = time.monotonic() if t is None else t
        self.set_level(offset, level, t)
        current = level
        for ms in bounces:
            t += ms / 1000
            current = 1 - current
            self.set_level(offset, current, t)
        if current != level:
            self.set_level(offset, level, t + 0.001)

    def levels(self, offset):
        with self.lock:
            return list(self.history.get(offset, []))

    def pulses(self, offset, since=0.0, until=None):
        """The high stretches of an output line from `since`: [(start, duration)] in seconds; a stretch still
        running at `until` (default now) ends there."""
        until = time.monotonic() if until is None else until
        out = []
        start = None
        for t, level in self.levels(offset):
            if t < since:
                start = since if level else None
                continue
            if level and start is None:
                start = t
            elif not level and start is not None:
                out.append((start, t - start))
                start = None
        if start is not None:
            out.append((start, until - start))
        return out

    def close(self):
        self.stopping = True
        if self.context:
            self.context.wakeup()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
