# SPDX-License-Identifier: LGPL-2.1-or-later
"""A desktop for psoas-notify's tests: Xvfb, a real notification server (dunst) and psoas-notify itself, on the
private session bus of `dbus-run-session`, next to psoasd --user (started with tests/lib/psoasd_test.py).

Environment (set by tests/notify/meson.build), besides psoasd_test's:
  PSOAS_NOTIFY      the client under test
  PSOAS_PICK        the dunst "dmenu" script that chooses an action in the context menu
  PSOAS_DUNSTRC     the dunst configuration template

    bus = psoasd_test.Bus()
    with Desktop(bus) as desk, psoasd_test.Daemon(bus, ...), Notifier(bus) as notifier:
        desk.wait_displayed(1)
        desk.choose('Snooze 15 min')

Every process started here is killed when the test process ends, however it ends (PR_SET_PDEATHSIG), and
stopped in order when a `with` block is left.
"""

import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time

import psoasd_test  # noqa: E402,F401  (its gi.require_version() comes first)

from gi.repository import Gio, GLib  # noqa: E402

NOTIFICATIONS = 'org.freedesktop.Notifications'
NOTIFICATIONS_PATH = '/org/freedesktop/Notifications'
DUNST = 'org.dunstproject.cmd0'

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies, even by SIGKILL or a meson timeout."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def spawn(cmd, log_path, env=None, pass_fds=()):
    log = open(log_path, 'w')
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, pass_fds=pass_fds,
                                preexec_fn=_die_with_parent)
    finally:
        log.close()


def stop(proc, sig=signal.SIGTERM, timeout=10):
    """Stops proc (if running) and returns its exit status; SIGKILL when it does not go in time."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except OSError:
        return ''


def name_owner(bus, name):
    try:
        reply = bus.conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                   'GetNameOwner', GLib.Variant('(s)', (name,)), None, Gio.DBusCallFlags.NONE,
                                   5000, None)
    except GLib.Error:
        return None
    return reply.unpack()[0]


class Desktop:
    """Xvfb on a display number of its own, and dunst on it owning org.freedesktop.Notifications. markup is
    dunst's setting: "no" (plain text), or "full" (the server then advertises "body-markup")."""

    def __init__(self, bus, markup='no'):
        self.bus = bus
        self.tmp = tempfile.TemporaryDirectory(prefix='psoas-notify-test-')
        self.dir = self.tmp.name
        self.xvfb = None
        self.dunst = None
        self.display = None
        self.dunst_starts = 0
        self.config = os.path.join(self.dir, 'dunstrc')
        with open(os.environ['PSOAS_DUNSTRC']) as f:
            text = f.read().replace('@PICK@', os.environ['PSOAS_PICK']).replace('@MARKUP@', markup)
        with open(self.config, 'w') as f:
            f.write(text)

    def start(self):
        # -displayfd: Xvfb takes the first free display number and tells us which, so that tests running in
        # parallel (here and in other suites) never share a display.
        rfd, wfd = os.pipe()
        try:
            self.xvfb = spawn(['Xvfb', '-displayfd', str(wfd), '-nolisten', 'tcp', '-screen', '0', '800x600x24'],
                              os.path.join(self.dir, 'xvfb.log'), pass_fds=(wfd,))
            os.close(wfd)
            wfd = -1
            number = b''
            end = time.monotonic() + 20
            while not number.endswith(b'\n'):
                if time.monotonic() > end or self.xvfb.poll() is not None:
                    raise AssertionError(f'Xvfb did not start:\n{read(os.path.join(self.dir, "xvfb.log"))}')
                chunk = os.read(rfd, 16)
                if not chunk:
                    raise AssertionError(f'Xvfb exited:\n{read(os.path.join(self.dir, "xvfb.log"))}')
                number += chunk
            self.display = ':' + number.decode().strip()
        finally:
            os.close(rfd)
            if wfd >= 0:
                os.close(wfd)
        self.start_dunst()
        return self

    def start_dunst(self):
        self.dunst_starts += 1
        env = dict(os.environ, DISPLAY=self.display, PSOAS_PICK_DIR=self.dir)
        env.pop('WAYLAND_DISPLAY', None)
        self.log_path = os.path.join(self.dir, f'dunst-{self.dunst_starts}.log')
        self.dunst = spawn(['dunst', '-config', self.config], self.log_path, env=env)
        self.bus.wait(lambda: self.dunst.poll() is not None or name_owner(self.bus, NOTIFICATIONS), 20,
                      'dunst to own org.freedesktop.Notifications')
        if self.dunst.poll() is not None:
            raise AssertionError(f'dunst exited with {self.dunst.returncode}:\n{read(self.log_path)}')
        self.owner = name_owner(self.bus, NOTIFICATIONS)

    def stop_dunst(self):
        stop(self.dunst)
        self.bus.wait(lambda: name_owner(self.bus, NOTIFICATIONS) is None, 10, 'dunst to leave the bus')

    def restart_dunst(self):
        self.stop_dunst()
        self.start_dunst()

    def _call(self, interface, method, signature=None, args=(), timeout=10):
        params = GLib.Variant(signature, tuple(args)) if signature else None
        reply = self.bus.conn.call_sync(NOTIFICATIONS, NOTIFICATIONS_PATH, interface, method, params, None,
                                        Gio.DBusCallFlags.NO_AUTO_START, int(timeout * 1000), None)
        return reply.unpack() if reply is not None else ()

    def prop(self, name):
        return self._call('org.freedesktop.DBus.Properties', 'Get', '(ss)', (DUNST, name))[0]

    def displayed(self):
        return self.prop('displayedLength')

    def waiting(self):
        return self.prop('waitingLength')

    def set_paused(self, paused):
        self._call('org.freedesktop.DBus.Properties', 'Set', '(ssv)', (DUNST, 'paused', GLib.Variant('b', paused)))

    def wait_displayed(self, n, timeout=30):
        self.bus.wait(lambda: self.displayed() == n, timeout, f'{n} notification(s) displayed')

    def history(self):
        """Closed notifications, newest first, as dicts of plain values (summary, body, appname, id...)."""
        return self._call(DUNST, 'NotificationListHistory')[0]

    def close_all(self):
        self._call(DUNST, 'NotificationCloseAll')

    def notify(self, app, summary, body=''):
        """Shows a notification of another application; returns its id."""
        return self._call(NOTIFICATIONS, 'Notify', '(susssasa{sv}i)', (app, 0, '', summary, body, [], {}, -1))[0]

    def menus(self):
        """Each context menu dunst showed so far: its lines ("#Label (summary) [id,key]")."""
        count = len([name for name in os.listdir(self.dir) if name.startswith('menu-')])
        return [read(os.path.join(self.dir, f'menu-{i}')).splitlines() for i in range(1, count + 1)]

    def choose(self, entry, timeout=10):
        """Opens dunst's context menu and chooses the first entry containing `entry`; returns the menu."""
        with open(os.path.join(self.dir, 'pick'), 'w') as f:
            f.write(entry)
        before = len(self.menus())
        end = time.monotonic() + timeout
        while True:
            # dunst refuses a menu while it is still finishing the previous one (after its dmenu exited):
            # it logs that, and the call is repeated.
            refusals = read(self.log_path).count('refusing to rerun')
            self._call(DUNST, 'ContextMenuCall')
            self.bus.wait(lambda: len(self.menus()) > before or read(self.log_path).count('refusing') > refusals,
                          max(0.1, end - time.monotonic()), 'dunst to run its context menu')
            if len(self.menus()) > before:
                return self.menus()[-1]
            self.bus.pump(0.05)

    def logs(self):
        return ''.join(f'--- {name} ---\n{read(os.path.join(self.dir, name))}'
                       for name in sorted(os.listdir(self.dir)) if name.endswith('.log'))

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise

    def __exit__(self, exc_type, exc, tb):
        stop(self.dunst)
        stop(self.xvfb)
        if exc_type is not None:
            sys.stderr.write(self.logs())
        self.tmp.cleanup()
        return False


class Notifier:
    """psoas-notify --user --verbose on the test's session bus."""

    def __init__(self, bus, *args, user=True, red_flags_shown=True, env=None):
        self.bus = bus
        self.env = env or {}
        self.args = (['--user'] if user else []) + ['--verbose'] + list(args)
        self.tmp = tempfile.TemporaryDirectory(prefix='psoas-notify-log-')
        self.log_path = os.path.join(self.tmp.name, 'psoas-notify.log')
        # Its own state directory: the stretches' warnings are shown once per user, and most cases are about
        # something else (they start with the warnings already shown).
        self.state_dir = os.path.join(self.tmp.name, 'state')
        os.mkdir(self.state_dir)
        self.red_flags_marker = os.path.join(self.state_dir, 'psoas-notify-red-flags-shown')
        if red_flags_shown:
            open(self.red_flags_marker, 'w').close()
        self.proc = None

    def start(self):
        env = dict(os.environ, XDG_STATE_HOME=self.state_dir, **self.env)
        self.proc = spawn([os.environ['PSOAS_NOTIFY'], *self.args], self.log_path, env=env)
        # Ready once it has psoasd's state (or knows psoasd is not there yet), which it asks for after its
        # matches are on the bus.
        self.bus.wait(lambda: self.proc.poll() is not None or 'psoasd' in read(self.log_path), 10,
                      'psoas-notify to start')
        self.check_alive()
        return self

    def check_alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f'psoas-notify exited with {self.proc.returncode}:\n{self.log()}')

    def log(self):
        return read(self.log_path)

    def stop(self):
        return stop(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        code = self.stop()
        if exc_type is not None:
            sys.stderr.write(f'--- psoas-notify log ---\n{self.log()}--- end of log ---\n')
        elif code != 0:
            raise AssertionError(f'psoas-notify exited with {code}:\n{self.log()}')
        self.tmp.cleanup()
        return False
