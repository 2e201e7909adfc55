# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Three jobs run the role governance_groups on the same list at the same time, under faults: one exact group per name.

Real ansible-playbook processes, started together behind a barrier, against the emulator with latency, lost write
answers and 500/502, so that their reads and creates overlap and some answers never arrive. The runs must really
have raced (more creates than names) and lost answers, else the test would prove nothing. The role is one call of
the module `workgroups`: its races with 2 and 3 runs, repeated with more seeds, 10 requests at a time, are
tests/unit/plugins/modules/test_races.py's. Here the role sends one request at a time (isc_max_concurrent_requests: 1),
which spreads each run's writes over a longer window.
"""

from __future__ import annotations

import functools
import textwrap

import pytest

from tests.emulator.seed import generated_identity
from tests.unit.plugins.modules._run import creates, lost_write_answers
from tests.utils.playbook import run_playbook, together

pytestmark = pytest.mark.processes

IDS = [generated_identity(i)["id"] for i in range(100)]
PLAYBOOK = textwrap.dedent("""\
    - name: Converge the list with the role
      hosts: localhost
      gather_facts: false
      roles:
        - role: sailpoint.isc.governance_groups
    """)


def _run_together(tmp_path, variables, runs):
    """``runs`` runs of the playbook, started at the same moment, each in a directory of its own."""
    return together(*[functools.partial(run_playbook, PLAYBOOK, tmp_path / ("run-%d" % index), variables)
                      for index in range(runs)])


# Issue 20's faults (see tests/unit/plugins/modules/test_races.py): lost answers for 40% of the writes that landed,
# 500/502 before anything happened, latency with jitter; retries raised so that every run ends green.
FAULTS = {"latency_ms": 60, "latency_jitter_ms": 40, "drop_after_write_rate": 0.4, "error_rate": 0.05, "error_statuses": [500, 502],
          "rate_limit": None}
QUERY = 'attributes.department:"Finance"'


@pytest.mark.parametrize("runs", [3])  # the role is one module call: 2 runs under faults are test_races.py's
def test_simultaneous_role_runs_under_lost_answers_leave_one_exact_group_per_name(emulator, tmp_path, runs):
    desired = [{"name": "Role Faulty %d" % index, "description": "Group %d" % index, "owner": IDS[90], "members": IDS[index * 10:index * 10 + 3]}
               for index in range(3)]
    desired.append({"name": "Role Faulty Query", "owner": IDS[90], "members_query": QUERY})
    finance = sorted(i["id"] for i in map(generated_identity, range(100)) if i["attributes"]["department"] == "Finance")
    emulator.reset({"generate": {"identities": 100, "groups": 0}})
    emulator.set_faults(dict(FAULTS, random_seed=31 + runs))
    variables = {"isc_base_url": emulator.base_url, "isc_client_id": emulator.client_id, "isc_client_secret": emulator.client_secret,
                 "isc_governance_groups": desired, "isc_governance_groups_max_retries": 10, "isc_rate_limit": 0,
                 "isc_max_concurrent_requests": 1}
    for proc in _run_together(tmp_path, variables, runs):
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    groups = emulator.state.dump()["groups"]
    assert sorted(group["name"] for group in groups) == sorted(entry["name"] for entry in desired)
    for group in groups:
        wanted = next(entry for entry in desired if entry["name"] == group["name"])
        assert (group.get("description") or "", group["owner"]) == (wanted.get("description", ""), wanted["owner"]), group["name"]
        assert sorted(group["members"]) == (finance if "members_query" in wanted else sorted(wanted["members"])), group["name"]
    requests = emulator.requests()
    raced, lost = creates(requests) - len(desired), lost_write_answers(requests)
    assert raced > 0 and lost > 0, "no race (%d) or no lost answer (%d): the test proved nothing" % (raced, lost)
