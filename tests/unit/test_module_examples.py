"""Module EXAMPLES that issue 23 found wrong, run as printed against the emulator's demo tenant.

The tasks are read from the modules' EXAMPLES, put into a play on localhost and run with real ansible-playbook; only
what names a real tenant is replaced (the example's base_url, by the emulator's). The demo tenant has the
identities the examples name, and two identities named John Smith.
"""
from __future__ import annotations

import json
import re

import requests
import yaml

from ansible_collections.sailpoint.isc.plugins.modules import identity_info, workgroup_members
from tests.unit.test_readme_example import control, demo_emulator, run_shell  # noqa: F401  pylint: disable=unused-import

ADA, ALAN = "2c9180835d2e5168015d32f890ca1581", "2c9180835d2e5168015d32f890ca1582"


def example_task(module, name):
    """The task of ``module``'s EXAMPLES called ``name``, also inside a block (the block with only that task)."""
    for task in yaml.safe_load(module.EXAMPLES):
        if task.get("name") == name:
            return task
        for inner in task.get("block", ()):
            if inner.get("name") == name:
                return dict(task, block=[inner])
    raise AssertionError("no example task %r" % name)


def play(tasks):
    return yaml.safe_dump([{"name": "Module examples", "hosts": "localhost", "gather_facts": False, "tasks": tasks}], sort_keys=False)


def base_url(exports):
    return re.search(r"^export SAIL_BASE_URL=(\S+)$", exports, re.MULTILINE).group(1)


def test_identity_info_fail_msg_names_each_reference_with_its_problem(demo_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    tasks = [example_task(identity_info, "Check what the references of a group resolve to before converging it"),
             example_task(identity_info, "Fail on references that would not resolve, naming each with its problem")]
    (tmp_path / "play.yml").write_text(play(tasks), encoding="utf-8")
    proc = run_shell("ansible-playbook play.yml", demo_emulator, tmp_path, tmp_path)
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-2000:]
    message = json.loads(re.search(r'^    "msg": (".*")$', proc.stdout, re.MULTILINE).group(1))
    # the one reference that does not resolve (the demo has two John Smiths), with its problem; the others not
    assert re.match(r'\{"name": "John Smith"\}: 2 identities match \(ids [0-9a-f]{32}, [0-9a-f]{32}\); use id, alias or email '
                    r'instead\. \Z', message), message


def test_workgroup_members_example_references_resolve(demo_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    task = example_task(workgroup_members, "Make the membership exactly this list (everybody else is removed)")
    task["module_defaults"]["group/sailpoint.isc.isc"]["base_url"] = base_url(demo_emulator)  # the example names acme's
    owner = control(demo_emulator, "state")["groups"][0]["owner"]
    seed = {"groups": [{"name": "Access Reviewers", "owner": owner, "members": [ADA]}]}
    assert requests.post(base_url(demo_emulator) + "/__emulator/seed", json=seed, timeout=10).status_code == 200
    (tmp_path / "play.yml").write_text(play([task]), encoding="utf-8")
    exports = demo_emulator + "export ISC_VARS='-e isc_client_id=demo-client-id -e isc_client_secret=demo-client-secret'\n"
    proc = run_shell("ansible-playbook play.yml $ISC_VARS", exports, tmp_path, tmp_path)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    groups = {group["name"]: group for group in control(demo_emulator, "state")["groups"]}
    assert sorted(groups["Access Reviewers"]["members"]) == [ADA, ALAN]  # alias ada.lovelace and name Alan Turing
