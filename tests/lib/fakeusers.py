# SPDX-License-Identifier: LGPL-2.1-or-later
"""The users and groups of an installed psoas, for tests that run as root, without touching the machine's.

enter_mount_namespace() re-runs the calling script in a private mount namespace; add_users() then bind-mounts
copies of /etc/passwd and /etc/group that add the user and group "psoas" (as systemd-sysusers creates them from
psoas.sysusers) and a user "psoas-member" in the group psoas. The mounts vanish with the namespace.
"""

import os
import subprocess
import sys

NOBODY = 65534
_MARKER = "PSOAS_TEST_MOUNT_NS"


def enter_mount_namespace():
    """Re-executes this script in a private mount namespace, unless it already runs in one."""
    if os.geteuid() != 0:
        print("FAIL: this test bind-mounts /etc/passwd and /etc/group and switches users: it must run as root")
        sys.exit(1)
    if os.environ.get(_MARKER) == "1":
        return
    env = dict(os.environ, **{_MARKER: "1"})
    os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable,
                           os.path.abspath(sys.argv[0])] + sys.argv[1:], env)


def add_users(directory):
    """Writes the passwd and group copies to directory and bind-mounts them; returns {name: uid}."""
    with open("/etc/passwd") as f:
        passwd = f.read()
    with open("/etc/group") as f:
        group = f.read()
    taken = {int(line.split(":")[2]) for line in (passwd + group).splitlines() if line.count(":") >= 3}
    psoas, member = [i for i in range(60500, 61000) if i not in taken][:2]
    passwd += "psoas:x:%d:%d:psoas posture daemon:/var/lib/psoas:/usr/sbin/nologin\n" % (psoas, psoas)
    passwd += "psoas-member:x:%d:%d:psoas test user:/nonexistent:/usr/sbin/nologin\n" % (member, member)
    group += "psoas:x:%d:psoas-member\n" % psoas
    group += "psoas-member:x:%d:\n" % member
    for name, text in (("passwd", passwd), ("group", group)):
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        subprocess.run(["mount", "--bind", path, "/etc/" + name], check=True)
    return {"psoas": psoas, "psoas-member": member}


def setpriv(who, users):
    """The command prefix to run as root, nobody (no groups at all), or one of users with its groups."""
    if who == "root":
        return []
    if who == "nobody":
        return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups"]
    return ["setpriv", "--reuid=%d" % users[who], "--regid=%d" % users[who], "--init-groups"]
