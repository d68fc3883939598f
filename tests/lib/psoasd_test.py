# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the real psoasd on a private bus and talks to it over D-Bus, for the daemon's tests.

Tests run inside `dbus-run-session` (a private session bus) and start psoasd with --user on it, usually
replaying a recording made by psoas-synth. Environment (set by tests/bus/meson.build):
  PSOASD            the daemon under test
  PSOAS_SYNTH       the recording generator
  PSOAS_RECORDING   a recording of psoas-synth's "daemon" scenario at 100 Hz (5 min standing first)
  PSOAS_XML         data/org.psoas.Posture1.xml
  PSOASD_WRAPPER    optional: a command line the daemon runs under, split like a shell would, e.g.
                    "valgrind --error-exitcode=99 --leak-check=full". Under valgrind the harness sends
                    valgrind's report to a file of its own (so that the daemon's stderr stays the daemon's), fails
                    the test when that report has errors, and scales its timeouts (see TIMEOUT_SCALE).
  PSOASD_TIMEOUT_SCALE  optional: multiplies every timeout of the harness (default 1, or 6 under valgrind)
  PSOASD_SPEED_SCALE    optional: divides every --speed above 1 a test gives the daemon (default 1, or 4 under
                    valgrind), so that what a test sees in wall time stays in step with a slower daemon

    bus = Bus()
    with Daemon(bus, '--replay', rec, '--speed', '200') as d:
        bus.call('Calibrate')
        bus.wait(lambda: bus.get('Posture') == 'sitting', 20)
"""

import glob
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

NAME = 'org.psoas.Posture1'
PATH = '/org/psoas/Posture1'
IFACE = 'org.psoas.Posture1'

WRAPPER = shlex.split(os.environ.get('PSOASD_WRAPPER', ''))
UNDER_VALGRIND = bool(WRAPPER) and os.path.basename(WRAPPER[0]) == 'valgrind'
# Memcheck runs the daemon some 10 to 50 times slower: everything that waits for it waits longer.
TIMEOUT_SCALE = float(os.environ.get('PSOASD_TIMEOUT_SCALE') or (6 if UNDER_VALGRIND else 1))
# And fast replays go slower, so that a test's calls still fall into the part of the recording they are meant for.
SPEED_SCALE = float(os.environ.get('PSOASD_SPEED_SCALE') or (4 if UNDER_VALGRIND else 1))


def noon_zone():
    """Puts this process and every process it starts in a fixed-offset zone where it is about noon now.

    A replay's clock starts now (org.psoas.Posture1(5), TIME): an hour-long recording replayed in full ends an hour
    from now, and run after 23:00 it would split its statistics over two days, so that a test of the day's totals
    passed or failed with the hour it ran at. Midnight itself is tested in tests/robust, on purpose."""
    os.environ['TZ'] = f'TST{time.gmtime().tm_hour - 12:+d}'
    time.tzset()


def scaled(seconds):
    """A timeout for something the daemon does, stretched when it runs under a slow wrapper."""
    return seconds * TIMEOUT_SCALE


def scaled_arguments(args):
    """args with every --speed above 1 divided by SPEED_SCALE (never below 1: a real-time replay stays one)."""
    out = list(args)
    for i in range(len(out) - 1):
        if out[i] == '--speed':
            try:
                speed = float(out[i + 1])
            except ValueError:
                continue  # a test of a bad value
            if speed > 1:
                out[i + 1] = f'{max(1.0, speed / SPEED_SCALE):g}'
    return out


def psoasd_command(log_dir=None):
    """The command that starts the daemon under test: PSOASD, behind PSOASD_WRAPPER when it is set. Under
    valgrind its report goes to log_dir/valgrind.PID.log (check it with check_valgrind_logs(log_dir))."""
    cmd = list(WRAPPER)
    if UNDER_VALGRIND and log_dir is not None and not any(a.startswith('--log-file') for a in cmd):
        cmd.append('--log-file=' + os.path.join(log_dir, 'valgrind.%p.log'))
    return cmd + [os.environ['PSOASD']]


def check_valgrind_logs(log_dir):
    """Fails when a finished valgrind run in log_dir reported errors. A run killed with SIGKILL leaves a report
    without a summary, which says nothing either way and is skipped."""
    for path in sorted(glob.glob(os.path.join(log_dir, 'valgrind.*.log'))):
        with open(path, errors='replace') as f:
            report = f.read()
        m = re.search(r'ERROR SUMMARY: (\d+) errors', report)
        if m and int(m.group(1)) != 0:
            raise AssertionError(f'valgrind found errors in psoasd ({path}):\n{report}')


def run_psoasd(args, **kwargs):
    """subprocess.run() of the daemon (under the wrapper) with args; valgrind's findings fail the test."""
    with tempfile.TemporaryDirectory(prefix='psoasd-run-') as log_dir:
        if 'timeout' in kwargs:
            kwargs['timeout'] = scaled(kwargs['timeout'])
        p = subprocess.run(psoasd_command(log_dir) + list(args), **kwargs)
        check_valgrind_logs(log_dir)
        return p


class CallError(Exception):
    """A D-Bus error reply: .name is the error name, .message its text."""

    def __init__(self, name, message):
        super().__init__(f'{name}: {message}')
        self.name = name
        self.message = message


class Bus:
    """The test's own connection: property reads, method calls and a log of every signal psoasd sends."""

    def __init__(self, bus_type=Gio.BusType.SESSION, address=None):
        if address:
            self.conn = Gio.DBusConnection.new_for_address_sync(
                address,
                Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                None, None)
        else:
            self.conn = Gio.bus_get_sync(bus_type, None)
        self.signals = []  # (member, args, monotonic time)
        self.changes = []  # (property, value, monotonic time) from PropertiesChanged
        self.conn.signal_subscribe(None, IFACE, None, PATH, None, Gio.DBusSignalFlags.NONE, self._on_signal)
        self.conn.signal_subscribe(None, 'org.freedesktop.DBus.Properties', 'PropertiesChanged', PATH, None,
                                   Gio.DBusSignalFlags.NONE, self._on_properties)

    def _on_signal(self, conn, sender, path, iface, member, params):
        self.signals.append((member, params.unpack(), time.monotonic()))

    def _on_properties(self, conn, sender, path, iface, member, params):
        interface, changed, invalidated = params.unpack()
        if interface != IFACE:
            return
        now = time.monotonic()
        for k, v in changed.items():
            self.changes.append((k, v, now))

    def pump(self, seconds=0.0):
        """Dispatches bus traffic for about this long."""
        ctx = GLib.MainContext.default()
        end = time.monotonic() + seconds
        while True:
            while ctx.pending():
                ctx.iteration(False)
            if time.monotonic() >= end:
                return
            time.sleep(0.005)

    def wait(self, predicate, timeout, what=None):
        """Pumps the bus until predicate() is true; fails the test after timeout seconds (scaled())."""
        timeout = scaled(timeout)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.02)
            if predicate():
                return
        raise AssertionError(f'timed out after {timeout} s waiting for {what or predicate}')

    def _call(self, iface, method, signature, args, timeout):
        params = GLib.Variant(signature, tuple(args)) if signature else None
        try:
            reply = self.conn.call_sync(NAME, PATH, iface, method, params, None, Gio.DBusCallFlags.NONE,
                                        int(scaled(timeout) * 1000), None)
        except GLib.Error as e:
            name = Gio.DBusError.get_remote_error(e) or str(e)
            Gio.DBusError.strip_remote_error(e)
            raise CallError(name, e.message) from None
        return reply.unpack() if reply is not None else ()

    def call(self, method, signature=None, *args, timeout=30):
        """Calls an org.psoas.Posture1 method; returns the reply's values as a tuple or raises CallError."""
        return self._call(IFACE, method, signature, args, timeout)

    def call_async(self, method, signature=None, *args, timeout=30):
        """Starts a call; returns a dict that gets 'reply' or 'error' (a CallError) when it completes."""
        result = {}

        def done(conn, res):
            try:
                result['reply'] = conn.call_finish(res).unpack()
            except GLib.Error as e:
                name = Gio.DBusError.get_remote_error(e) or str(e)
                Gio.DBusError.strip_remote_error(e)
                result['error'] = CallError(name, e.message)

        params = GLib.Variant(signature, tuple(args)) if signature else None
        self.conn.call(NAME, PATH, IFACE, method, params, None, Gio.DBusCallFlags.NONE,
                       int(scaled(timeout) * 1000), None, done)
        return result

    def get(self, prop):
        return self._call('org.freedesktop.DBus.Properties', 'Get', '(ss)', (IFACE, prop), 10)[0]

    def get_all(self):
        return self._call('org.freedesktop.DBus.Properties', 'GetAll', '(s)', (IFACE,), 10)[0]

    def introspect(self):
        return self._call('org.freedesktop.DBus.Introspectable', 'Introspect', None, (), 10)[0]

    def has_owner(self):
        reply = self.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                    'NameHasOwner', GLib.Variant('(s)', (NAME,)), None, Gio.DBusCallFlags.NONE,
                                    5000, None)
        return reply.unpack()[0]

    def signals_named(self, member):
        return [args for m, args, _ in self.signals if m == member]

    def changes_of(self, prop):
        return [v for k, v, _ in self.changes if k == prop]


class Daemon:
    """psoasd --user on the test's bus, with its own state directory; its log is kept for failures."""

    def __init__(self, bus, *args, state_dir=None, config=None, env=None, user=True, wait_ready=True):
        self.bus = bus
        self.tmp = tempfile.TemporaryDirectory(prefix='psoasd-test-')
        self.state_dir = state_dir or os.path.join(self.tmp.name, 'state')
        self.log_path = os.path.join(self.tmp.name, 'psoasd.log')
        self.args = list(args)
        self.config = config
        self.env = env
        self.user = user
        self.wait_ready = wait_ready
        self.proc = None

    def command(self):
        cmd = psoasd_command(self.tmp.name)
        cmd += ['--user' if self.user else '--system', '--state-directory', self.state_dir]
        if self.config is not None:
            path = os.path.join(self.tmp.name, 'psoasd.json')
            with open(path, 'w') as f:
                f.write(self.config)
            cmd += ['--config', path]
        return cmd + scaled_arguments(self.args)

    def start(self):
        env = dict(os.environ)
        # Never the tester's own ~/.config/psoas: without --config the daemon finds no file and uses defaults.
        env['XDG_CONFIG_HOME'] = os.path.join(self.tmp.name, 'config')
        if self.env:
            env.update(self.env)
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(self.command(), stdout=self.log, stderr=subprocess.STDOUT, env=env)
        if self.wait_ready:
            end = time.monotonic() + scaled(20)
            while not self.bus.has_owner():
                if self.proc.poll() is not None:
                    raise AssertionError(f'psoasd exited with {self.proc.returncode}:\n{self.read_log()}')
                if time.monotonic() > end:
                    raise AssertionError(f'psoasd did not take its bus name:\n{self.read_log()}')
                time.sleep(0.01)
        return self

    def wait_exit(self, timeout=30):
        try:
            code = self.proc.wait(scaled(timeout))
        except subprocess.TimeoutExpired:
            raise AssertionError(f'psoasd did not exit within {scaled(timeout)} s:\n{self.read_log()}') from None
        check_valgrind_logs(self.tmp.name)
        return code

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.wait_exit(timeout) if self.proc else None
        end = time.monotonic() + scaled(5)
        while self.bus.has_owner() and time.monotonic() < end:
            time.sleep(0.01)
        return code

    def read_log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ''

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        code = self.stop()
        if exc_type is not None:
            sys.stderr.write(f'--- psoasd log ---\n{self.read_log()}--- end of log ---\n')
        elif code not in (0, None, -signal.SIGKILL):
            raise AssertionError(f'psoasd exited with {code}:\n{self.read_log()}')
        self.tmp.cleanup()
        return False


def read_day_record(path):
    """A day's record file (daemon/day-record.h) as (date, minutes, bouts), checked line by line: minutes are
    {minute: (sitting, standing, walking, lying, unknown, not_worn, steps, tilt_standing, tilt_sitting)}, bouts
    [(posture, start_us, end_us, ended_by, walking_s, steps)]. Fails on anything psoasd would not write."""
    with open(path) as f:
        lines = f.read().split('\n')
    assert lines[-1] == '', f'{path}: the last line is cut off'
    header, *body, end, _ = lines
    magic, version, date = header.split(' ')
    assert (magic, version) == ('psoas-record', '1'), header
    minutes, bouts = {}, []
    for line in body:
        w = line.split(' ')
        if w[0] == 'bout':
            assert len(w) == 7, line
            bouts.append((w[1], int(w[2]), int(w[3]), w[4], int(w[5]), int(w[6])))
            continue
        assert not bouts and len(w) == 10, line
        hour, minute = (int(x) for x in w[0].split(':'))
        seconds = [int(x) for x in w[1:8]]
        assert sum(seconds[:6]) <= 60, line
        tilts = [float('nan') if x == '-' else float(x) for x in w[8:10]]
        minutes[hour * 60 + minute] = (*seconds, *tilts)
    assert end == f'end {len(minutes)} {len(bouts)}', (end, len(minutes), len(bouts))
    assert list(minutes) == sorted(minutes), 'minutes out of order'
    return date, minutes, bouts


def synth(*args, path):
    """Writes a psoas-synth recording to path."""
    with open(path, 'w') as f:
        subprocess.run([os.environ['PSOAS_SYNTH'], *args], stdout=f, check=True)
    return path


def main(cases):
    """Runs the case named by argv[1] (one meson test per case)."""
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f'usage: {sys.argv[0]} CASE; cases: {" ".join(sorted(cases))}')
    cases[sys.argv[1]]()
