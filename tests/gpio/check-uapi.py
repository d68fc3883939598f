# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the GPIO uAPI numbers gpiorig.py hard-codes against <linux/gpio.h>, as gpio-uapi prints them.

Usage: check-uapi.py GPIO_UAPI_PROGRAM
"""

import subprocess
import sys

import gpiorig  # noqa: E402

out = subprocess.run([sys.argv[1]], capture_output=True, text=True, check=True).stdout
wrong = []
for line in out.splitlines():
    name, value = line.split()
    if getattr(gpiorig, name, None) != int(value):
        wrong.append(f'{name}: the header says {int(value):#x}, gpiorig.py {getattr(gpiorig, name, None)!r}')
assert len(out.splitlines()) == 34, out
assert not wrong, '\n'.join(wrong)
