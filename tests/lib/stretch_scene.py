# SPDX-License-Identifier: LGPL-2.1-or-later
"""A prompted stretch acted out, for psoasd's replay: a recording from psoas-synth-stretch, and a configuration
with a one-stretch catalog so that the sitting alert after one minute prompts exactly that stretch.

Environment (set by the tests' meson.build):
  PSOAS_SYNTH_STRETCH  tests/synth/psoas-synth-stretch
  PSOAS_CATALOG        data/stretches.json

    rec, config = stretch_scene('kneeling-hip-flexor', 'right', tmpdir)
    with Daemon(bus, '--replay', rec, '--speed', '0', *CALIBRATE, config=config): ...
"""

import json
import os
import subprocess

# The recording's first 12 s are still standing: calibrate on them.
CALIBRATE = ('--calibrate-first', '5')
# Long enough for the longest recording after its prompt.
WINDOW_S = 240


def catalog_entry(stretch_id):
    with open(os.environ['PSOAS_CATALOG']) as f:
        catalog = json.load(f)
    return next(e for e in catalog['stretches'] if e['id'] == stretch_id)


def stretch_scene(stretch_id, variant, tmpdir, seed=1, reps_less=0, pad=0, window=None):
    """Returns (recording path, configuration text, catalog entry). pad: seconds of stillness appended;
    window: the prompt's window in seconds (WINDOW_S by default)."""
    entry = dict(catalog_entry(stretch_id))
    # The sitting alert prompts it: make it fit one whatever it targets.
    if 'hip-flexors' not in entry['targets']:
        entry['targets'] = entry['targets'] + ['hip-flexors']
    catalog = os.path.join(tmpdir, f'{stretch_id}.json')
    with open(catalog, 'w') as f:
        json.dump({'version': 1, 'stretches': [entry]}, f)

    tool = os.environ['PSOAS_SYNTH_STRETCH']
    # A stretch without a signature cannot be acted out as itself: its recordings are the plain variants.
    check = entry['check'] if entry['check'] not in ('none', 'upright', 'floor') else 'standing-tuck'
    args = ['--check', check, '--variant', variant, '--seed', str(seed)]
    if 'hold_seconds' in entry:
        args += ['--hold', str(entry['hold_seconds'][0])]
    else:
        args += ['--reps', str(entry['reps'][0] - reps_less)]
    if not entry['per_side']:
        args.append('--one-side')
    if pad:
        args += ['--pad', str(pad)]
    rec = os.path.join(tmpdir, f'{stretch_id}-{variant}-{seed}.csv')
    with open(rec, 'w') as f:
        subprocess.run([tool, *args], stdout=f, check=True)
    forward = [float(x) for x in subprocess.run([tool, *args, '--forward'], capture_output=True, text=True,
                                                check=True).stdout.split(',')]
    config = json.dumps({
        'sensor': {'forward': forward},
        'sitting': {'alert_minutes': 1},
        'stretches': {'catalog': catalog, 'window_seconds': window or WINDOW_S, 'floor_exercises': True},
    })
    return rec, config, entry
