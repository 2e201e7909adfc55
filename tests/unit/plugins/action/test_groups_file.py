# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""groups_file of sailpoint.isc.workgroups and isc_governance_groups_file of the role (issue 24).

The file is read on the controller by the module's action plugin (plugins/action/workgroups.py): its reading is tested
here directly, the whole path through real ansible-playbook runs against the emulator (marked processes).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.sailpoint.isc.plugins.plugin_utils._groups_file import json_size, read_groups_file
from ansible_collections.sailpoint.isc.plugins.modules import workgroups
from tests.unit.plugins.modules._run import mutations, run_module
from tests.unit.test_role_guards import OWNER, _output, _seed
from tests.utils.playbook import ansible_environment, run_playbook

GROUPS = [{"name": "Keep Me", "owner": OWNER, "description": "From the file"},
          {"name": "New One", "owner": OWNER, "members": [OWNER]}]


@pytest.mark.parametrize("name, content", [
    ("groups.json", json.dumps(GROUPS)),
    ("groups.yml", "\ufeff" + "- name: Keep Me\n  owner: '%s'\n  description: From the file\n"
     "- name: New One\n  owner: '%s'\n  members: ['%s']\n" % (OWNER, OWNER, OWNER)),
    ("groups.yaml", json.dumps(GROUPS, indent=2)),  # JSON is YAML: any name that does not end in .json is read as YAML
])
def test_a_file_holding_the_list_is_read_as_json_or_yaml(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert read_groups_file(str(path)) == GROUPS


def test_yaml_dates_and_binary_stay_the_text_they_are_written_as(tmp_path):
    """The list goes to the module as JSON, which has neither: 2024-01-01 is a name or description, not a date."""
    path = tmp_path / "groups.yml"
    path.write_text("- name: 2024-01-01\n  description: !!binary aGVsbG8=\n", encoding="utf-8")
    assert read_groups_file(str(path)) == [{"name": "2024-01-01", "description": "aGVsbG8="}]


@pytest.mark.parametrize("name, content, message", [
    ("empty.yml", "  \n", "empty.yml is empty; it must hold a list of groups (write [] to manage no group)"),
    ("variable.yml", "isc_governance_groups:\n  - name: A\n",
     "variable.yml must hold a list of groups, got a dictionary (keys: isc_governance_groups); the file holds the list "
     "itself, not a variable"),
    ("one.yml", "name: A\nowner: B\n", "one.yml must hold a list of groups, got a dictionary (keys: name, owner)"),
    ("text.yml", "Auditors\n", "text.yml must hold a list of groups, got a string"),
    ("broken.yml", "- name: A\n  owner: [B\n- name: C\n",
     "broken.yml is not valid YAML (line 3, column 7): did not find expected ',' or ']'"),
    ("broken.json", '[{"name": "A",}]',
     "broken.json is not valid JSON: Expecting property name enclosed in double quotes"),
    ("latin1.yml", b"- name: Caf\xe9\n", "latin1.yml is not UTF-8 text (byte 11)"),
])
def test_a_malformed_file_is_named_with_what_is_wrong(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        read_groups_file(str(path))
    assert str(error.value).startswith(str(tmp_path) + "/" + message), str(error.value)


def test_the_size_of_a_list_with_a_yaml_set_is_measured_and_the_set_left_to_the_module(tmp_path):
    """A !!set has no JSON type: the size that decides on pipelining must not fail on it (the module refuses the entry,
    naming it, as Ansible hands it on as a list)."""
    (tmp_path / "groups.yml").write_text("- !!set {a, b}\n- name: Keep Me\n", encoding="utf-8")
    groups = read_groups_file(str(tmp_path / "groups.yml"))
    assert json_size(groups) > len('[{"name": "Keep Me"}]')
    assert json_size(GROUPS) == len(json.dumps(GROUPS))


def test_a_directory_or_a_file_that_cannot_be_read_is_named(tmp_path):
    with pytest.raises(ValueError, match="^%s is a directory, not a file of groups$" % tmp_path):
        read_groups_file(str(tmp_path))
    with pytest.raises(ValueError, match="^cannot read %s/gone.yml: No such file or directory$" % tmp_path):
        read_groups_file(str(tmp_path / "gone.yml"))


def test_the_module_without_its_action_plugin_refuses_groups_file_and_checks_the_pair(emulator, capsys, tmp_path):
    """groups_file reaches the module only when the action plugin did not run (the module file run alone)."""
    path = tmp_path / "groups.json"
    path.write_text(json.dumps(GROUPS), encoding="utf-8")
    alone = run_module(workgroups.main, emulator, capsys, groups_file=str(path))
    assert alone.failed and "read on the controller by the action plugin sailpoint.isc.workgroups" in alone["msg"]
    both = run_module(workgroups.main, emulator, capsys, groups=GROUPS, groups_file=str(path))
    assert both.failed and "mutually exclusive: groups|groups_file" in both["msg"]
    neither = run_module(workgroups.main, emulator, capsys)
    assert neither.failed and "one of the following is required: groups, groups_file" in neither["msg"]
    assert alone.requests == both.requests == neither.requests == []


MODULE_PLAY = textwrap.dedent("""\
    - name: The module with groups_file, connected through the SAIL_* environment
      hosts: localhost
      gather_facts: false
      tasks:
        - name: A file with a misspelled key, found in files/ next to the playbook
          sailpoint.isc.workgroups:
            groups_file: bad.json
            purge: true
          ignore_errors: true
        - name: An ansible-vault encrypted file, in check mode
          sailpoint.isc.workgroups:
            groups_file: groups.yml
          check_mode: true
          register: planned
        - name: Show the plan
          ansible.builtin.debug:
            var: planned.plan.to_update
    """)

ROLE_PLAY = textwrap.dedent("""\
    - name: The role with isc_governance_groups_file, connected through the SAIL_* environment
      hosts: localhost
      gather_facts: false
      tasks:
        - name: Both the list and the file
          block:
            - name: The role with both
              ansible.builtin.include_role:
                name: sailpoint.isc.governance_groups
              vars:
                isc_governance_groups: []
                isc_governance_groups_file: bad.json
          rescue:
            - name: Go on
              ansible.builtin.debug:
                msg: refused both
        - name: A file with an owner that is a number
          block:
            - name: The role with the bad file
              ansible.builtin.include_role:
                name: sailpoint.isc.governance_groups
              vars:
                isc_governance_groups_file: bad.json
          rescue:
            - name: Go on
              ansible.builtin.debug:
                msg: refused the bad entry
        - name: The role with the good file
          ansible.builtin.include_role:
            name: sailpoint.isc.governance_groups
          vars:
            isc_governance_groups_file: "{{ playbook_dir }}/groups.json"
    """)


def _connection(emulator):
    return {"SAIL_BASE_URL": emulator.base_url, "SAIL_CLIENT_ID": emulator.client_id,
            "SAIL_CLIENT_SECRET": emulator.client_secret}


def _tokens(requests):
    return len([request for request in requests if request["path"] == "/oauth/token"])


@pytest.mark.processes
def test_a_relative_groups_file_is_found_decrypted_read_untemplated_and_its_entries_named(emulator, tmp_path):
    """The action plugin finds the file like copy's src (decrypting a vault) and reads it untemplated; a bad entry stops
    its task before any request with a message naming the file and the entry."""
    _seed(emulator)
    (tmp_path / "files").mkdir()
    bad = [GROUPS[0], {"name": "Bad", "ownr": OWNER}]
    (tmp_path / "files" / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    (tmp_path / "vault-password").write_text("not a real secret\n", encoding="utf-8")
    entries = [dict(GROUPS[0], description="{{ not templated }}")]
    (tmp_path / "files" / "groups.yml").write_text(json.dumps(entries), encoding="utf-8")
    # ansible-vault in a process of its own: importing Ansible's controller code here would switch the module tests
    # of this session to controller mode (their warnings would go to the display)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-vault"), "encrypt", "--vault-password-file",
                    str(tmp_path / "vault-password"), str(tmp_path / "files" / "groups.yml")], check=True,
                   env=ansible_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    before = len(emulator.requests())
    proc = run_playbook(MODULE_PLAY, tmp_path, env=_connection(emulator),
                        args=["--vault-password-file", str(tmp_path / "vault-password")])
    output = _output(proc)
    assert proc.returncode == 0, output[-3000:]
    assert ("groups_file %s/files/bad.json[1] \"Bad\": unknown key 'ownr' (did you mean 'owner'?)" % tmp_path) in output
    assert '"description": { "after": "{{ not templated }}", "before": "" }' in output, output[-3000:]
    requests = emulator.requests()[before:]
    assert _tokens(requests) == 1 and mutations(requests) == []  # the bad file's task sent nothing, check mode no write


@pytest.mark.processes
def test_the_role_takes_the_list_or_the_file_names_the_file_of_a_bad_entry_and_converges_the_file(emulator, tmp_path):
    _seed(emulator)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "bad.json").write_text(json.dumps([{"name": "Keep Me", "owner": 7}]), encoding="utf-8")
    (tmp_path / "groups.json").write_text(json.dumps(GROUPS), encoding="utf-8")
    before = len(emulator.requests())
    output = _output(run_playbook(ROLE_PLAY, tmp_path, env=_connection(emulator)))
    assert "Both isc_governance_groups and isc_governance_groups_file are set" in output, output[-3000:]
    assert ("Invalid groups, nothing was read or changed: isc_governance_groups_file %s/bad.json[0] \"Keep Me\" "
            "owner: 7 is neither an identity id nor a dict" % tmp_path) in output, output[-3000:]
    assert "Done: 1 created, 1 updated, 0 deleted, 0 unchanged; members +1 -0" in output, output[-3000:]
    assert _tokens(emulator.requests()[before:]) == 1  # the first two sent nothing
    groups = {group["name"]: group for group in emulator.state.dump()["groups"]}
    assert groups["Keep Me"]["description"] == "From the file" and list(groups["New One"]["members"]) == [OWNER]


# One plan of a file and the same plan as an async job (%(case)s names the file's case, %(file)s is its name).
PIPELINED_TASKS = """\
    - name: Plan %(case)s
      sailpoint.isc.workgroups:
        groups_file: "{{ playbook_dir }}/%(file)s"
      check_mode: true
      register: planned
    - name: Plan %(case)s as an async job
      sailpoint.isc.workgroups:
        groups_file: "{{ playbook_dir }}/%(file)s"
      check_mode: true
      async: 60
      poll: 1
      register: planned_async
    - name: Show the plans of %(case)s
      ansible.builtin.debug:
        msg: "%(case)s: planned {{ planned.plan.to_create[0].name }}, async {{ planned_async.plan.to_create[0].name }}"
"""


def _anchored(count: int) -> str:
    """GROUPS and ``count`` more groups sharing one list of 30 members through a YAML anchor: a small file, a large list."""
    lines = [json.dumps(group) for group in GROUPS]
    lines.append(json.dumps({"name": "Anchored 0", "owner": OWNER})[:-1] + ", \"members\": &m %s}" % json.dumps([OWNER] * 30))
    lines.extend(json.dumps({"name": "Anchored %d" % index, "owner": OWNER})[:-1] + ", \"members\": *m}" for index in range(1, count))
    return "".join("- %s\n" % line for line in lines)


LIST_SIZES = {  # the list the module gets as JSON, against the file's size
    "small": (lambda: json.dumps(GROUPS), False, False),
    "a large file of a small list": (lambda: json.dumps(GROUPS) + " " * (300 * 1024), False, False),
    "a small file of a large list": (lambda: _anchored(300), True, False),
    "a large file, vault-encrypted": (lambda: json.dumps(GROUPS + [{"name": "Listed %d" % index, "owner": OWNER,
                                                                   "members": [OWNER] * 30} for index in range(300)]),
                                      False, True),
}


@pytest.mark.processes
def test_a_large_list_runs_the_module_from_a_file_even_with_pipelining(emulator, tmp_path):
    """With pipelining, Python would read the module and its arguments from standard input at about 2 MB/s: a list over
    256 KiB as JSON makes Ansible copy the module to its temporary directory instead (a PUT at -vvv), whatever the size
    of the file; not a vault-encrypted one (the copy would hold it decrypted). The plan is the same, also as an async
    job. Every case of LIST_SIZES is a file of its own, planned by tasks of their own in one ansible-playbook run."""
    _seed(emulator)
    (tmp_path / "vault-password").write_text("not a real secret\n", encoding="utf-8")
    tasks = ""
    for index, (case, (content, _copied, encrypted)) in enumerate(LIST_SIZES.items()):
        path = tmp_path / ("groups-%d.yml" % index)
        path.write_text(content(), encoding="utf-8")
        if encrypted:
            subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-vault"), "encrypt", "--vault-password-file",
                            str(tmp_path / "vault-password"), str(path)], check=True,
                           env=ansible_environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        tasks += PIPELINED_TASKS % {"case": case, "file": path.name}
    play = "- name: The module with groups_file, pipelining on\n  hosts: localhost\n  gather_facts: false\n  tasks:\n"
    proc = run_playbook(play + tasks, tmp_path, env=dict(_connection(emulator), ANSIBLE_PIPELINING="1"),
                        args=["-vvv", "--vault-password-file", str(tmp_path / "vault-password")])
    output = _output(proc)
    assert proc.returncode == 0, output[-3000:]
    for case, (_content, copied, _encrypted) in LIST_SIZES.items():
        # async, as before the action plugin existed
        assert "%s: planned New One, async New One" % case in output, (case, output[-3000:])
        plan_task = output.split("TASK [Plan %s]" % case, maxsplit=1)[1].split("TASK [", maxsplit=1)[0]  # async is always copied
        assert bool(re.search(r"PUT \S+ TO \S+/AnsiballZ_workgroups\.py", plan_task)) is copied, (case, plan_task[-3000:])
