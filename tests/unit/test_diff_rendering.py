"""`--diff` shows non-ASCII names as they are, as the plan lines do (Ansible escapes the text of a dict side).

A real ansible-playbook run of the role and of the workgroup module with diff on; names with accents and an emoji.
"""
from __future__ import annotations

import pytest

from tests.utils.playbook import emulator_play, emulator_vars, run_playbook

pytestmark = pytest.mark.processes

OWNER = "%032x" % 0x20E
ZOE = "Zoë O'Brien-Núñez"
ROCKET = "\U0001F680 Launch Reviewers"

PLAYBOOK = emulator_play("Diffs with non-ASCII names", """\
    - name: The role, in check mode with diff
      ansible.builtin.include_role:
        name: sailpoint.isc.governance_groups
        apply: {check_mode: true, diff: true}
      vars:
        isc_governance_groups:
          - {name: "%(rocket)s", description: "Für alle Starts", owner: {alias: zoe}, members: [{alias: zoe}]}

    - name: One group, with diff
      sailpoint.isc.workgroup:
        name: "%(rocket)s"
        description: "Für alle Starts"
        owner: {alias: zoe}
      diff: true
    """ % {"rocket": ROCKET})


def test_diff_shows_non_ascii_text_as_it_is(emulator, tmp_path):
    emulator.seed({"identities": [{"id": OWNER, "name": ZOE, "alias": "zoe", "email": "zoe@example.com"}]})
    proc = run_playbook(PLAYBOOK, tmp_path, emulator_vars(emulator))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # the role's diff (a group keyed by name) and the module's (its fields), both with the characters themselves
    assert '+    "%s": {' % ROCKET in proc.stdout
    assert '+        "owner": "%s (%s)"\n' % (ZOE, OWNER) in proc.stdout
    assert '+    "description": "Für alle Starts",' in proc.stdout and '+    "name": "%s",' % ROCKET in proc.stdout
    assert '+        "name": "%s"\n' % ZOE in proc.stdout
    assert "\\u00" not in proc.stdout and "\\ud83d" not in proc.stdout
