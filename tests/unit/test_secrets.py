# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No secret in any output: a real ``ansible-playbook -vvvv`` run of every module and the role against the emulator.

The playbook succeeds, fails (wrong secret, revoked token, missing rights, bad base_url) and retries (injected
429/503). Afterwards no client secret and no access token the emulator issued may appear in stdout, stderr,
the Ansible log file, or the registered results.
"""
from __future__ import annotations

import json
import secrets
import textwrap
from typing import Any, Dict, List

import pytest

from tests.utils.playbook import run_playbook

pytestmark = pytest.mark.processes

OWNER = "00000000000000000000000000000a01"
MEMBER = "00000000000000000000000000000a02"
IN_USE = "00000000000000000000000000000b01"


PLAYBOOK = textwrap.dedent("""\
    - name: Every module and the role, succeeding, failing and retrying
      hosts: localhost
      gather_facts: false
      module_defaults:
        group/sailpoint.isc.isc: &auth
          base_url: "{{ base_url }}"
          client_id: "{{ pat_id }}"
          client_secret: "{{ pat_secret }}"
        sailpoint.isc.workgroups: *auth
      tasks:
        - name: Converge two groups (workgroups)
          sailpoint.isc.workgroups:
            groups:
              - {name: Secret Test A, description: A, owner: "%(owner)s", members: ["%(member)s"]}
              - {name: Secret Test B, owner: {alias: owner.one}, members: [{email: member.two@example.com}]}
          diff: true
          register: r_converge

        - name: Create a group (workgroup)
          sailpoint.isc.workgroup:
            name: Secret Test C
            owner: "%(owner)s"
          diff: true
          register: r_create

        - name: Set members (workgroup_members)
          sailpoint.isc.workgroup_members:
            workgroup_name: Secret Test C
            exclusive: true
            members: [{alias: member.two}]
          diff: true
          register: r_members

        - name: Read everything (workgroup_info)
          sailpoint.isc.workgroup_info:
            include_members: true
            include_connections: true
          register: r_info

        - name: The role, in check mode with diff
          ansible.builtin.include_role:
            name: sailpoint.isc.governance_groups
            apply:
              check_mode: true
              diff: true
          vars:
            isc_governance_groups: [{name: Secret Test D, owner: "%(owner)s", members: []}]
            isc_base_url: "{{ base_url }}"
            isc_client_id: "{{ pat_id }}"
            isc_client_secret: "{{ pat_secret }}"

        - name: Keep the role's result
          ansible.builtin.set_fact:
            r_role: "{{ isc_governance_groups_result }}"

        - name: A given access token (tried before the client credentials)
          sailpoint.isc.workgroup_info:
            access_token: "{{ live_token }}"
            name: Secret Test A
          register: r_token

        - name: Wrong client secret (401 from the token endpoint)
          sailpoint.isc.workgroups:
            client_secret: "{{ wrong_secret }}"
            groups: [{name: Secret Test E, owner: "%(owner)s"}]
          register: r_wrong_secret
          ignore_errors: true

        - name: Revoked access token with client credentials (a new token is fetched)
          sailpoint.isc.workgroup_members:
            access_token: "{{ revoked_token }}"
            workgroup_name: Secret Test A
            members: ["%(owner)s"]
          register: r_refreshed

        - name: Token without the rights to write (403)
          sailpoint.isc.workgroups:
            client_id: "{{ readonly_id }}"
            client_secret: "{{ readonly_secret }}"
            groups: [{name: Secret Test F, owner: "%(owner)s", members: ["%(member)s"]}]
          register: r_forbidden
          ignore_errors: true

        - name: API client without user context looks up an alias (403)
          sailpoint.isc.workgroup_members:
            client_id: "{{ app_id }}"
            client_secret: "{{ app_secret }}"
            workgroup_name: Secret Test A
            members: [{alias: member.two}]
          register: r_no_user
          ignore_errors: true

        - name: Delete a group in use (400 with connections)
          sailpoint.isc.workgroup:
            id: "%(in_use)s"
            state: absent
          register: r_in_use
          ignore_errors: true

        - name: base_url with credentials in it
          sailpoint.isc.workgroup_info:
            base_url: "{{ base_url | replace('http://', 'http://' ~ pat_id ~ ':' ~ pat_secret ~ '@') }}"
          register: r_url_credentials
          ignore_errors: true

        - name: Inject 429 and 503 answers
          ansible.builtin.uri:
            url: "{{ base_url }}/__emulator/faults"
            method: POST
            body_format: json
            body: {error_rate: 0.5, error_statuses: [429, 503], retry_after: 0, random_seed: 3, rate_limit: null}

        - name: Converge through the retries
          sailpoint.isc.workgroups:
            groups: [{name: Secret Test A, description: A again, members: ["%(member)s", "%(owner)s"]}]
            max_retries: 10
          register: r_retried

        - name: Stop the faults
          ansible.builtin.uri:
            url: "{{ base_url }}/__emulator/faults"
            method: POST
            body_format: json
            body: {rate_limit: null}

    - name: Without module_defaults - credentials from the environment, or none
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Credentials from the environment (SAIL_*)
          sailpoint.isc.workgroup_info:
            name: Secret Test A
          register: r_env

        - name: Revoked access token without client credentials (401 from the API)
          sailpoint.isc.workgroup:
            base_url: "{{ base_url }}"
            access_token: "{{ revoked_token }}"
            name: Secret Test E
            owner: "%(owner)s"
          environment:
            SAIL_CLIENT_ID: ""
            SAIL_CLIENT_SECRET: ""
          register: r_revoked
          ignore_errors: true

        - name: Write every registered result to a file
          ansible.builtin.copy:
            content: "{{ results | to_nice_json }}"
            dest: "{{ results_file }}"
            mode: "0600"
          vars:
            results:
              converge: "{{ r_converge }}"
              create: "{{ r_create }}"
              members: "{{ r_members }}"
              info: "{{ r_info }}"
              role: "{{ r_role }}"
              env: "{{ r_env }}"
              token: "{{ r_token }}"
              wrong_secret: "{{ r_wrong_secret }}"
              revoked: "{{ r_revoked }}"
              refreshed: "{{ r_refreshed }}"
              forbidden: "{{ r_forbidden }}"
              no_user: "{{ r_no_user }}"
              in_use: "{{ r_in_use }}"
              url_credentials: "{{ r_url_credentials }}"
              retried: "{{ r_retried }}"
    """) % {"owner": OWNER, "member": MEMBER, "in_use": IN_USE}


def _seed(names: Dict[str, str]) -> Dict[str, Any]:
    return {
        "identities": [
            {"id": OWNER, "name": "Owner One", "alias": "owner.one", "email": "owner.one@example.com", "firstName": "Owner", "lastName": "One"},
            {"id": MEMBER, "name": "Member Two", "alias": "member.two", "email": "member.two@example.com", "firstName": "Member", "lastName": "Two"},
        ],
        "groups": [{"id": IN_USE, "name": "Secret In Use", "owner": OWNER, "members": [MEMBER],
                    "connections": [{"object": {"type": "ROLE", "id": "00000000000000000000000000000c01", "name": "Some Role",
                                                "description": None}, "connectionType": "Owner"}]}],
        "clients": [
            {"client_id": names["pat_id"], "client_secret": names["pat_secret"], "user_context": True},
            {"client_id": names["readonly_id"], "client_secret": names["readonly_secret"], "user_context": True,
             "scopes": ["idn:workgroup:read", "idn:identity:read"]},
            {"client_id": names["app_id"], "client_secret": names["app_secret"], "user_context": False},
        ],
    }


def _fetch_token(emulator: Any, client_id: str, client_secret: str) -> str:
    import requests  # pylint: disable=import-outside-toplevel

    answer = requests.post(emulator.base_url + "/oauth/token", timeout=10,
                           data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})
    answer.raise_for_status()
    return answer.json()["access_token"]


def test_no_secret_in_any_output(emulator, monkeypatch, tmp_path):
    issued = []  # type: List[str]
    original_issue = emulator._issue_token  # pylint: disable=protected-access

    def record(client: Dict[str, Any]) -> Dict[str, Any]:
        answer = original_issue(client)
        issued.append(answer["access_token"])
        return answer

    monkeypatch.setattr(emulator, "_issue_token", record)
    names = {
        "pat_id": "secret-test-pat", "pat_secret": "pat-" + secrets.token_hex(12),
        "readonly_id": "secret-test-readonly", "readonly_secret": "ro-" + secrets.token_hex(12),
        "app_id": "secret-test-app", "app_secret": "app-" + secrets.token_hex(12),
        "wrong_secret": "wrong-" + secrets.token_hex(12),
    }
    emulator.seed(_seed(names))
    revoked_token = _fetch_token(emulator, names["pat_id"], names["pat_secret"])
    emulator.revoke_tokens()
    live_token = _fetch_token(emulator, names["pat_id"], names["pat_secret"])

    results_file = tmp_path / "results.json"
    log_file = tmp_path / "ansible.log"
    variables = dict(names, base_url=emulator.base_url, revoked_token=revoked_token, live_token=live_token,
                     results_file=str(results_file))
    env = dict(ANSIBLE_LOG_PATH=str(log_file), SAIL_BASE_URL=emulator.base_url, SAIL_CLIENT_ID=names["pat_id"],
               SAIL_CLIENT_SECRET=names["pat_secret"])
    proc = run_playbook(PLAYBOOK, tmp_path, variables, env=env, args=["-vvvv"])
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-3000:]

    results = json.loads(results_file.read_text())
    # the playbook did what it claims: every path ran
    assert results["converge"]["changed"] and results["create"]["changed"] and results["members"]["changed"]
    assert results["role"]["changed"] and results["env"]["workgroups"] and results["token"]["workgroups"]
    assert "HTTP 401" in results["wrong_secret"]["msg"]
    assert "HTTP 401" in results["revoked"]["msg"]
    assert results["refreshed"]["changed"]
    assert "HTTP 403" in results["forbidden"]["msg"]
    assert "HTTP 403" in results["no_user"]["msg"]
    assert results["in_use"]["failed"]
    assert "must not contain credentials" in results["url_credentials"]["msg"]
    assert results["retried"]["changed"] and any("retry" in str(w) for w in results["retried"]["warnings"])
    assert len(issued) >= 10  # a token per module run (plus the two fetched here)

    outputs = {"stdout": proc.stdout, "stderr": proc.stderr, "log file": log_file.read_text(), "results": results_file.read_text()}
    hidden = {"client_secret " + key: names[key] for key in ("pat_secret", "readonly_secret", "app_secret", "wrong_secret")}
    hidden.update(("access token %d" % number, token) for number, token in enumerate(issued))
    leaks = ["%s in %s" % (what, where) for what, value in hidden.items() for where, text in outputs.items() if value in text]
    assert not leaks, leaks
