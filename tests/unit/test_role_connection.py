"""The governance_groups role takes its connection from the play's module_defaults and its own variables.

Regression test: the role used to pass every connection option as ``"{{ var | default(omit) }}"``, and a
task argument (even one templated to omit) hides ``module_defaults``, so a play that set the connection
only in ``module_defaults: {group/sailpoint.isc.isc: ...}`` failed with "missing required arguments".
No SAIL_* variable is set here, so the play's module_defaults are the only source of the connection.

The role's ``isc_validate_certs`` and ``isc_request_timeout`` (the same names as the export playbook's) must
reach the module too: the role used to drop both, so a role run could neither lengthen nor shorten its timeout.
"""
from __future__ import annotations

import json
import textwrap
import time

import pytest

from tests.utils.playbook import emulator_play, emulator_vars, run_playbook

pytestmark = pytest.mark.processes

OWNER = "00000000000000000000000000000c01"

PLAYBOOK = emulator_play("The role with its connection in play-level module_defaults only", """\
    - name: Converge one group
      ansible.builtin.include_role:
        name: sailpoint.isc.governance_groups
      vars:
        isc_governance_groups:
          - name: Defaults Only
            owner: "%s"
    """ % OWNER)


def test_role_uses_play_module_defaults(emulator, tmp_path):
    emulator.seed({"identities": [{"id": OWNER, "name": "Owner One", "alias": "owner1", "email": "owner1@example.com"}]})
    proc = run_playbook(PLAYBOOK, tmp_path, emulator_vars(emulator))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert [group["name"] for group in emulator.state.groups.values()] == ["Defaults Only"]
    assert any(entry["path"] == "/v2024/workgroups" and entry["method"] == "POST" for entry in emulator.requests())


def test_an_unknown_api_version_from_the_environment_names_it_and_the_allowed_values(emulator, tmp_path):
    """SAIL_API_VERSION=v3 fails before any request, naming the variable, the role's variable and the values."""
    proc = run_playbook(PLAYBOOK, tmp_path, emulator_vars(emulator), env={"SAIL_API_VERSION": "v3"})
    assert proc.returncode != 0
    assert ("api_version must be one of v2024, v2025, v2026, beta, v1, got 'v3': set the option api_version (variable "
            "isc_api_version, environment variable SAIL_API_VERSION) to one of them") in proc.stdout, proc.stdout[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert emulator.requests() == []


def test_role_without_connection_names_the_variables(tmp_path):
    """Without any connection, the role's failure names the variables and environment variables to set."""
    proc = run_playbook(textwrap.dedent("""\
        - name: The role without any connection
          hosts: localhost
          gather_facts: false
          roles:
            - role: sailpoint.isc.governance_groups
              vars:
                isc_governance_groups: [{name: Nowhere, owner: "%s"}]
        """ % OWNER), tmp_path)
    assert proc.returncode != 0
    for name in ("base_url", "isc_base_url", "SAIL_BASE_URL", "isc_client_id", "SAIL_CLIENT_ID", "isc_access_token",
                 "SAIL_ACCESS_TOKEN"):
        assert name in proc.stdout, (name, proc.stdout[-3000:])
    assert "missing required arguments" not in proc.stdout


ROLE_VARS_PLAYBOOK = textwrap.dedent("""\
    - name: The role with isc_validate_certs and isc_request_timeout
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Converge one group
          ansible.builtin.include_role:
            name: sailpoint.isc.governance_groups
          vars:
            isc_base_url: "{{ emulator_url }}"
            isc_client_id: "{{ emulator_client_id }}"
            isc_client_secret: "{{ emulator_client_secret }}"
            isc_validate_certs: "{{ role_validate_certs }}"
            isc_request_timeout: "{{ role_request_timeout }}"
            isc_governance_groups_max_retries: 0
            isc_governance_groups:
              - name: Role Variables
                owner: "%s"
    """ % OWNER)


def test_role_passes_validate_certs(emulator, tmp_path):
    """isc_validate_certs=false reaches the module: its client warns that certificates are not verified."""
    emulator.seed({"identities": [{"id": OWNER, "name": "Owner One"}]})
    variables = dict(emulator_vars(emulator), role_validate_certs=False, role_request_timeout=30)
    proc = run_playbook(ROLE_VARS_PLAYBOOK, tmp_path, variables)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "validate_certs is false: the TLS certificate of %s is not verified" % emulator.base_url in proc.stdout + proc.stderr
    assert [group["name"] for group in emulator.state.groups.values()] == ["Role Variables"]


def test_role_passes_request_timeout(emulator, tmp_path):
    """isc_request_timeout reaches the module: a tenant slower than the timeout fails the run, the module default (30 s) would not."""
    emulator.seed({"identities": [{"id": OWNER, "name": "Owner One"}]})
    emulator.set_faults({"rate_limit": None, "latency_ms": 1500})
    variables = dict(emulator_vars(emulator), role_validate_certs=True, role_request_timeout=0.3)
    proc = run_playbook(ROLE_VARS_PLAYBOOK, tmp_path, variables)
    assert proc.returncode != 0, proc.stdout[-4000:]
    assert "timed out (ReadTimeout)" in proc.stdout, proc.stdout[-4000:]
    assert "validate_certs is false" not in proc.stdout + proc.stderr
    assert emulator.state.groups == {}
    # The emulator still answers the abandoned request after the module gave up: wait for it (bounded), so that no
    # request of this test is in flight when the next test resets the shared emulator.
    deadline = time.monotonic() + 10
    while (not any(entry["path"] == "/v2024/workgroups" and entry["status"] for entry in emulator.requests())
           or any(entry["status"] == 0 for entry in emulator.requests())) and time.monotonic() < deadline:
        time.sleep(0.05)


SPEED_PLAYBOOK = textwrap.dedent("""\
    - name: The role with a pool of API clients, its pace and its concurrency
      hosts: localhost
      gather_facts: false
      roles:
        - role: sailpoint.isc.governance_groups
          vars:
            isc_base_url: "{{ emulator_url }}"
            isc_client_id: "{{ emulator_client_id }}"
            isc_client_secret: "{{ emulator_client_secret }}"
            isc_clients:
              - client_id: second-client
                client_secret: second-client-s3cret
            isc_rate_limit: 0
            isc_max_concurrent_requests: 4
            isc_governance_groups: %s
    """ % json.dumps([{"name": "Pooled %d" % index, "owner": OWNER} for index in range(6)]))


def test_role_passes_the_pool_of_clients_the_rate_limit_and_the_concurrency(emulator, tmp_path):
    emulator.seed({"identities": [{"id": OWNER, "name": "Owner One"}],
                   "clients": [{"client_id": "second-client", "client_secret": "second-client-s3cret"}]})
    proc = run_playbook(SPEED_PLAYBOOK, tmp_path, emulator_vars(emulator))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert sorted(group["name"] for group in emulator.state.groups.values()) == ["Pooled %d" % index for index in range(6)]
    creates = [entry for entry in emulator.requests() if entry["operation"] == "createWorkgroup"]
    assert {entry["client_id"] for entry in creates} == {emulator.client_id, "second-client"}
    assert "second-client-s3cret" not in proc.stdout + proc.stderr
