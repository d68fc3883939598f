# SPDX-License-Identifier: LGPL-2.1-or-later
"""Makes the README's two screenshots: a notification shown by dunst, and the panel indicator's menu, both from the
real psoas-notify following a stand-in psoasd that is 47 minutes into a sitting bout and has sent its third
sitting alert. Not a test: run it by hand after changing what they show, from the source tree, with a build:

    dbus-run-session -- /usr/bin/python3 data/screenshots/make-screenshots.py build/dev/clients/psoas-notify/psoas-notify

It needs Xvfb, dunst, ImageMagick's import and GTK 3's introspection data (gir1.2-gtk-3.0). The menu is drawn by
a minimal tray host written here with GTK: it registers as the StatusNotifierWatcher, reads the item's icon and
its menu's layout over com.canonical.dbusmenu, and pops the menu up under the icon, as a panel does.
"""

import os
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version('Gtk', '3.0')
gi.require_version('GdkPixbuf', '2.0')
from gi.repository import GdkPixbuf, Gio, GLib  # noqa: E402

Gtk = None  # imported once $DISPLAY names the Xvfb: GTK connects to the display as it is imported

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
ICONS = os.path.join(SOURCE, 'data', 'icons', 'hicolor', 'scalable')
MINUTE_US = 60 * 10**6

DUNSTRC = f'''[global]
    font = DejaVu Sans 10
    width = 380
    height = 200
    origin = top-left
    offset = 10x10
    frame_width = 1
    frame_color = "#8a8a8a"
    padding = 10
    horizontal_padding = 10
    icon_path = {ICONS}/status:{ICONS}/apps
    min_icon_size = 32
    max_icon_size = 32
    markup = full
    format = "<b>%s</b>\\n%b"
[urgency_critical]
    background = "#fbfbfb"
    foreground = "#202020"
    frame_color = "#c62828"
    timeout = 0
'''

POSTURE_XML = os.path.join(SOURCE, 'data', 'org.psoas.Posture1.xml')

WATCHER_XML = '''<node><interface name="org.kde.StatusNotifierWatcher">
<method name="RegisterStatusNotifierItem"><arg type="s" direction="in"/></method>
<property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
</interface></node>'''


def connect():
    address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
    return Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)


def own(conn, name):
    conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RequestName',
                   GLib.Variant('(su)', (name, 4)), None, 0, 5000, None)


def pump(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        while GLib.MainContext.default().iteration(False):
            pass
        while Gtk and Gtk.events_pending():
            Gtk.main_iteration_do(False)
        time.sleep(0.02)


def stand_in_psoasd(conn):
    """org.psoas.Posture1 from the shipped XML: sitting for 47 minutes, 3 h 05 min today."""
    with open(POSTURE_XML) as f:
        iface = Gio.DBusNodeInfo.new_for_xml(f.read()).lookup_interface('org.psoas.Posture1')
    now = int(time.time() * 1e6)
    props = {'Posture': 'sitting', 'Tilt': 0.0, 'Inclination': 0.0, 'Calibrated': True,
             'SittingSince': now - 47 * MINUTE_US, 'SittingToday': 3 * 3600 + 5 * 60, 'LastBreak': 0,
             'SensorState': 'streaming', 'Sensor': 'lsm6dsox on local:', 'SensorError': '', 'SampleRate': 100.0,
             'SnoozedUntil': 0, 'Inhibited': False, 'Haptics': 'absent', 'Version': '0.1.0', 'Revision': 2,
             'StretchRedFlags': '', 'ClockAnchor': 0, 'ClockAnchorWall': 0, 'ClockSpeed': 1.0}
    types = {p.name: p.signature for p in iface.properties}
    conn.register_object('/org/psoas/Posture1', iface, lambda *a: a[-1].return_value(None),
                         lambda c, s, p, i, name: GLib.Variant(types[name], props[name]), None)
    own(conn, 'org.psoas.Posture1')


class TrayHost:
    """The smallest tray: takes the item's registration, then shows its icon and pops its menu up."""

    def __init__(self, conn):
        self.conn = conn
        self.service = None
        iface = Gio.DBusNodeInfo.new_for_xml(WATCHER_XML).lookup_interface('org.kde.StatusNotifierWatcher')
        conn.register_object('/StatusNotifierWatcher', iface, self._method, lambda *a: GLib.Variant('b', True),
                             None)
        own(conn, 'org.kde.StatusNotifierWatcher')

    def _method(self, conn, sender, path, iface, method, params, invocation):
        self.service = params.unpack()[0]
        invocation.return_value(None)

    def prop(self, name):
        return self.conn.call_sync(self.service, '/StatusNotifierItem', 'org.freedesktop.DBus.Properties', 'Get',
                                   GLib.Variant('(ss)', ('org.kde.StatusNotifierItem', name)), None, 0, 5000,
                                   None).unpack()[0]

    def show(self):
        _, (_, _, children) = self.conn.call_sync(self.service, self.prop('Menu'), 'com.canonical.dbusmenu',
                                                  'GetLayout', GLib.Variant('(iias)', (0, -1, [])), None, 0, 5000,
                                                  None).unpack()
        window = Gtk.Window(type=Gtk.WindowType.TOPLEVEL)
        window.set_decorated(False)
        window.move(0, 0)
        panel = Gtk.Box(orientation=Gtk.Orientation.HORIZONTAL, spacing=6)
        panel.set_border_width(4)
        icon_file = os.path.join(ICONS, 'status', self.prop('IconName') + '.svg')
        panel.pack_start(Gtk.Image.new_from_pixbuf(GdkPixbuf.Pixbuf.new_from_file_at_size(icon_file, 22, 22)),
                         False, False, 0)
        panel.pack_start(Gtk.Label(label=self.prop('XAyatanaLabel')), False, False, 0)
        window.add(panel)
        window.set_default_size(240, 30)
        window.show_all()
        menu = Gtk.Menu()
        for _, props, _ in children:
            if props.get('type') == 'separator':
                item = Gtk.SeparatorMenuItem()
            else:
                item = Gtk.MenuItem(label=props['label'])
                item.set_sensitive(props.get('enabled', True))
            menu.append(item)
        menu.show_all()
        pump(0.5)
        menu.popup_at_widget(panel, 8, 2, None)  # below the panel: Gdk.Gravity.SOUTH_WEST, NORTH_WEST
        pump(1)
        return window, menu


def main():
    notifier = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        rfd, wfd = os.pipe()
        xvfb = subprocess.Popen(['Xvfb', '-displayfd', str(wfd), '-screen', '0', '640x400x24', '-nolisten', 'tcp'],
                                pass_fds=(wfd,))
        os.close(wfd)
        display = ':' + os.read(rfd, 16).decode().strip()
        os.environ['DISPLAY'] = display
        config = os.path.join(tmp, 'dunstrc')
        with open(config, 'w') as f:
            f.write(DUNSTRC)
        conn = connect()
        stand_in_psoasd(conn)
        tray = TrayHost(conn)
        procs = [xvfb]
        try:
            procs.append(subprocess.Popen(['dunst', '-config', config]))
            procs.append(subprocess.Popen([notifier, '--user']))
            pump(2)
            conn.emit_signal(None, '/org/psoas/Posture1', 'org.psoas.Posture1', 'Alert',
                             GLib.Variant('(ssu)', ('sitting', 'You have been sitting for 47 min', 3)))
            pump(2)
            subprocess.run(['import', '-window', 'root', '-crop', '420x124+0+0',
                            os.path.join(HERE, 'notification.png')], check=True)
            subprocess.run(['dunstctl', 'close-all'], check=True)
            global Gtk
            from gi.repository import Gtk
            window, menu = tray.show()
            subprocess.run(['import', '-window', 'root', '-crop', '240x188+0+0',
                            os.path.join(HERE, 'indicator-menu.png')], check=True)
        finally:
            for p in reversed(procs):
                p.terminate()
                p.wait()


if __name__ == '__main__':
    main()
