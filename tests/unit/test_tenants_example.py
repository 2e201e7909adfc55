"""`make tenants-example`: the README's many-tenants commands, in a copy of docs/examples/tenants, against two
emulators seeded from the example's emulator/ directory. Run with the dev venv standing in for .venv-demo (``-o``
keeps make from building it), so the test needs no download."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.utils.playbook import ROOT

pytestmark = pytest.mark.processes  # slow processes: see tests/utils/playbook.py


def test_make_tenants_example_plans_the_sandbox_then_converges_both(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "SAIL_", "ISC_"))}
    env.update(ANSIBLE_HOME=str(tmp_path / "ansible-home"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    proc = subprocess.run(["make", "--no-print-directory", "-o", ".venv-demo/.installed", "tenants-example",
                           "BUILD=%s" % (tmp_path / "build"), "DEMO_BIN=%s" % os.path.dirname(sys.executable)],
                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600, check=False)
    output = proc.stdout
    assert proc.returncode == 0, output[-4000:]
    plans = re.findall(r'"Plan: (.*) \(tenant 127\.0\.0\.1:(\d+), API client ([\w-]+)\)"', output)
    # 1. --limit sandbox --check --diff: the sandbox only; 2. --forks 2: both (their order is the forks')
    assert len(plans) == 3 and plans[0][0] == "2 to create, 0 to update, 0 to delete, 0 unchanged" and plans[0][2] == "demo-client-id"
    applied = {client: (plan, port) for plan, port, client in plans[1:]}
    assert applied["demo-client-id"] == plans[0][:2]  # the sandbox, as planned
    assert applied["tenant2-client-id"][0] == "1 to create, 0 to update, 1 to delete, 0 unchanged"
    assert applied["tenant2-client-id"][1] != plans[0][1]  # another tenant
    assert '+ create \\"Sandbox Testers\\" (owner Ada Lovelace, 1 member' in output  # Barbara Liskov, seeded for it
    assert '- delete \\"Old Reviewers\\" (not in the list, purge, 1 member)' in output and "Administrators" not in output
    recaps = re.findall(r"^(\w+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)", output, re.MULTILINE)
    assert recaps == [("sandbox", "1", "0"), ("production", "1", "0"), ("sandbox", "1", "0")]
