# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the real psoasd on a private bus and talks to it over D-Bus, for the daemon's tests.

Tests run inside `dbus-run-session` (a private session bus) and start psoasd with --user on it, usually
replaying a recording made by psoas-synth. Environment (set by tests/bus/meson.build):
  PSOASD            the daemon under test
  PSOAS_SYNTH       the recording generator
  PSOAS_RECORDING   a recording of psoas-synth's "daemon" scenario at 100 Hz (5 min standing first)
  PSOAS_XML         data/org.psoas.Posture1.xml

    bus = Bus()
    with Daemon(bus, '--replay', rec, '--speed', '200') as d:
        bus.call('Calibrate')
        bus.wait(lambda: bus.get('Posture') == 'sitting', 20)
"""

import os
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
        """Pumps the bus until predicate() is true; fails the test after timeout seconds."""
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
                                        int(timeout * 1000), None)
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
        self.conn.call(NAME, PATH, IFACE, method, params, None, Gio.DBusCallFlags.NONE, int(timeout * 1000), None,
                       done)
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
        cmd = [os.environ['PSOASD'], '--user' if self.user else '--system', '--state-directory', self.state_dir]
        if self.config is not None:
            path = os.path.join(self.tmp.name, 'psoasd.json')
            with open(path, 'w') as f:
                f.write(self.config)
            cmd += ['--config', path]
        return cmd + self.args

    def start(self):
        env = dict(os.environ)
        # Never the tester's own ~/.config/psoas: without --config the daemon finds no file and uses defaults.
        env['XDG_CONFIG_HOME'] = os.path.join(self.tmp.name, 'config')
        if self.env:
            env.update(self.env)
        self.log = open(self.log_path, 'w')
        self.proc = subprocess.Popen(self.command(), stdout=self.log, stderr=subprocess.STDOUT, env=env)
        if self.wait_ready:
            end = time.monotonic() + 20
            while not self.bus.has_owner():
                if self.proc.poll() is not None:
                    raise AssertionError(f'psoasd exited with {self.proc.returncode}:\n{self.read_log()}')
                if time.monotonic() > end:
                    raise AssertionError(f'psoasd did not take its bus name:\n{self.read_log()}')
                time.sleep(0.01)
        return self

    def wait_exit(self, timeout=30):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f'psoasd did not exit within {timeout} s:\n{self.read_log()}') from None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.wait_exit(timeout) if self.proc else None
        end = time.monotonic() + 5
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
