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
import textwrap

import pytest

from ansible.parsing.vault import VaultLib, VaultSecret
from ansible_collections.sailpoint.isc.plugins.action.workgroups import read_groups_file
from ansible_collections.sailpoint.isc.plugins.modules import workgroups
from tests.unit.plugins.modules._run import mutations, run_module
from tests.unit.test_role_guards import OWNER, _output, _play, _run, _seed
from tests.utils.playbook import emulator_vars, run_playbook

GROUPS = [{"name": "Keep Me", "owner": OWNER, "description": "From the file"}, {"name": "New One", "owner": OWNER, "members": [OWNER]}]


@pytest.mark.parametrize("name, content", [
    ("groups.json", json.dumps(GROUPS)),
    ("groups.yml", "\ufeff" + "- name: Keep Me\n  owner: '%s'\n  description: From the file\n- name: New One\n  owner: '%s'\n"
     "  members: ['%s']\n" % (OWNER, OWNER, OWNER)),
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
    ("broken.yml", "- name: A\n  owner: [B\n- name: C\n", "broken.yml is not valid YAML (line 3, column 7): did not find expected ',' or ']'"),
    ("broken.json", '[{"name": "A",}]', "broken.json is not valid JSON: Expecting property name enclosed in double quotes"),
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
    - name: The module with groups_file
      hosts: localhost
      gather_facts: false
      module_defaults:
        group/sailpoint.isc.isc:
          base_url: "{{ emulator_url }}"
          client_id: "{{ emulator_client_id }}"
          client_secret: "{{ emulator_client_secret }}"
      tasks:
        - name: Converge the groups of a file found in files/ next to the playbook
          sailpoint.isc.workgroups:
            groups_file: groups.yml
            purge: true
          register: converged
        - name: Show the result
          ansible.builtin.debug:
            var: converged
    """)


@pytest.mark.processes
def test_a_relative_groups_file_is_found_in_files_and_its_entries_named_by_their_place(emulator, tmp_path):
    """The action plugin finds the file like copy's src (decrypting a vault), reads it untemplated, and a bad entry stops
    the run before any request with a message naming the file and the entry."""
    _seed(emulator)
    (tmp_path / "files").mkdir()
    entries = [dict(GROUPS[0], description="{{ not templated }}"), {"name": "Bad", "ownr": OWNER}]
    (tmp_path / "files" / "groups.yml").write_text(json.dumps(entries), encoding="utf-8")
    before = len(emulator.requests())
    proc = run_playbook(MODULE_PLAY, tmp_path, emulator_vars(emulator))
    output = _output(proc)
    assert proc.returncode == 2, output[-3000:]
    assert ("groups_file %s/files/groups.yml[1] \"Bad\": unknown key 'ownr' (did you mean 'owner'?)" % tmp_path) in output
    assert emulator.requests()[before:] == []
    # an ansible-vault encrypted file is decrypted on the controller, as copy's src is
    (tmp_path / "vault-password").write_text("not a real secret\n", encoding="utf-8")
    vault = VaultLib([("default", VaultSecret(b"not a real secret"))])
    (tmp_path / "files" / "groups.yml").write_bytes(vault.encrypt(json.dumps(entries[:1]).encode("utf-8")))
    proc = run_playbook(MODULE_PLAY, tmp_path, emulator_vars(emulator),
                        args=["--check", "--vault-password-file", str(tmp_path / "vault-password")])
    output = _output(proc)
    assert proc.returncode == 0, output[-3000:]
    assert '"description": { "after": "{{ not templated }}", "before": "" }' in output, output[-3000:]
    assert mutations(emulator.requests()[before:]) == []


@pytest.mark.processes
def test_the_role_takes_the_list_or_the_file_names_the_file_of_a_bad_entry_and_converges_the_file(emulator, tmp_path):
    _seed(emulator)
    path = tmp_path / "groups.json"
    path.write_text(json.dumps([{"name": "Keep Me", "owner": 7}]), encoding="utf-8")
    before = len(emulator.requests())
    both = _output(_run(emulator, tmp_path / "both", _play("with both", "isc_governance_groups_file: %s\n"
                                                              "isc_governance_groups: []\n" % path)))
    assert "Both isc_governance_groups and isc_governance_groups_file are set" in both, both[-3000:]
    play = _play("with isc_governance_groups_file", "isc_governance_groups_file: %s\n" % path)
    bad = _output(_run(emulator, tmp_path / "bad", play))
    assert ("Invalid groups, nothing was read or changed: isc_governance_groups_file %s[0] \"Keep Me\" owner: 7 is neither "
            "an identity id nor a dict" % path) in bad, bad[-3000:]
    assert emulator.requests()[before:] == []
    path.write_text(json.dumps(GROUPS), encoding="utf-8")
    done = _output(_run(emulator, tmp_path / "done", play))
    assert "Done: 1 created, 1 updated, 0 deleted, 0 unchanged; members +1 -0" in done, done[-3000:]
    groups = {group["name"]: group for group in emulator.state.dump()["groups"]}
    assert groups["Keep Me"]["description"] == "From the file" and list(groups["New One"]["members"]) == [OWNER]
