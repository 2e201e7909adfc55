# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the time outside requests goes at tenant scale: each step the role and the module take with the list, timed alone.

Run from the repository root, in .venv (ansible-core and the collection importable through the root conftest-like path)::

    python -m benchmarks.profile_tenant [--groups 2000] [--repeat 3]

Each step runs ``--repeat`` times in this process and the fastest is reported (the machine is shared; the fastest run
is the one least disturbed). The steps, in the order a run takes them:

1. Ansible loads the variables file (``-e @file`` or group_vars) with its DataLoader: every value is tagged with its origin.
2. The role's argument validation templates the variable (``validate_argument_spec`` templates every variable of the spec).
3. It validates it (``ArgumentSpecValidator``, which deep-copies the templated, tagged value), with the entries' options
   (before) and as a plain list (after).
4. The module task templates ``groups: "{{ isc_governance_groups }}"`` again (Ansible's per-task templating): the same
   work as step 2 (not timed here: the public Templar returns a lazy value; profiled in the task's worker process it takes
   as long as step 2, see RESULTS.md).
5. The module's argument handling (AnsibleModule's ``ArgumentSpecValidator`` on the untagged JSON it receives): with the
   entries' suboptions (before) and as a plain list followed by ``_entries.check_entries`` (after).
6. Building the ``Entry`` objects and ``_desired.validate`` (before the first request).
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import data  # noqa: E402  pylint: disable=wrong-import-position


def _collection() -> None:
    """Make ansible_collections.sailpoint.isc importable from this checkout (as the root conftest.py does for pytest)."""
    base = tempfile.mkdtemp(prefix="isc-profile-")
    os.makedirs(os.path.join(base, "ansible_collections", "sailpoint"))
    os.symlink(ROOT, os.path.join(base, "ansible_collections", "sailpoint", "isc"))
    sys.path.insert(0, base)


def fastest(repeat: int, step: Callable[[], Any]) -> float:
    times = []
    for _attempt in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return min(times)


def profile(groups: int, repeat: int) -> List[Dict[str, Any]]:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # pylint: disable=import-outside-toplevel
    from ansible.parsing.dataloader import DataLoader  # pylint: disable=import-outside-toplevel
    from ansible.template import Templar  # pylint: disable=import-outside-toplevel

    from ansible_collections.sailpoint.isc.plugins.module_utils._desired import MODE_EXACT, Entry, Request, validate  # pylint: disable=import-outside-toplevel
    from ansible_collections.sailpoint.isc.plugins.module_utils._entries import check_entries  # pylint: disable=import-outside-toplevel
    from ansible_collections.sailpoint.isc.plugins.modules.workgroups import GROUP_OPTIONS  # pylint: disable=import-outside-toplevel

    desired = data.desired_groups(groups=groups)
    handle, path = tempfile.mkstemp(suffix=".json")
    with os.fdopen(handle, "w") as out:
        json.dump({"isc_governance_groups": desired}, out)
    loader = DataLoader()
    rows = []  # type: List[Dict[str, Any]]

    def row(step: str, seconds: float, note: str = "") -> None:
        rows.append({"step": step, "seconds": seconds, "per_group_ms": seconds * 1000.0 / max(groups, 1), "note": note})
        print("%-78s %7.3f s  %6.3f ms/group  %s" % (step, seconds, seconds * 1000.0 / max(groups, 1), note), flush=True)

    loaded = {}  # type: Dict[str, Any]
    row("1. Ansible loads the variables file (DataLoader, origin tags)",
        fastest(repeat, lambda: loaded.update(loader.load_from_file(path, cache="none"))))
    templar = Templar(loader=loader, variables=loaded)
    templated = {}  # type: Dict[str, Any]
    row("2. role validation: template the variable",
        fastest(repeat, lambda: templated.update(templar.template({"isc_governance_groups": loaded["isc_governance_groups"]}))))
    with open(os.path.join(ROOT, "roles", "governance_groups", "meta", "argument_specs.yml"), encoding="utf-8") as spec_file:
        role_spec = yaml.safe_load(spec_file)["argument_specs"]["main"]["options"]
    nested = copy.deepcopy(role_spec)
    nested["isc_governance_groups"]["elements"] = "dict"  # before: Ansible validated every entry's options
    row("3a. role validation, entries' options (before)", fastest(repeat, lambda: ArgumentSpecValidator(nested).validate(templated)))
    row("3b. role validation, a plain list (after)", fastest(repeat, lambda: ArgumentSpecValidator(role_spec).validate(templated)))
    params = json.loads(json.dumps(desired))  # what the module receives: plain JSON
    with_options = {"groups": {"type": "list", "elements": "dict", "options": GROUP_OPTIONS}}
    plain = {"groups": {"type": "list", "elements": "dict"}}
    row("5a. module: AnsibleModule with the suboptions (before)",
        fastest(repeat, lambda: ArgumentSpecValidator(with_options).validate({"groups": params})))
    row("5b. module: AnsibleModule, a plain list, then check_entries (after)",
        fastest(repeat, lambda: (ArgumentSpecValidator(plain).validate({"groups": params}), check_entries(params, GROUP_OPTIONS, "groups"))))
    checked = check_entries(params, GROUP_OPTIONS, "groups")[0]

    def entries() -> None:
        request = Request([Entry(name=group["name"], state=group["state"], description=group["description"], owner=group["owner"],
                                 members=group["members"], members_mode=MODE_EXACT, where="groups[%d]" % index)
                           for index, group in enumerate(checked)])
        validate(request)
    row("6. Entry objects and _desired.validate", fastest(repeat, entries))
    os.unlink(path)
    return rows


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _collection()
    print("%d groups x %d members, fastest of %d" % (args.groups, data.MEMBERS_PER_GROUP, args.repeat))
    profile(args.groups, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
