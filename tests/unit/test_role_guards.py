"""The governance_groups role refuses to run without its list: a missing or misspelled variable is an error, not [].

Each test runs real ansible-playbook against the emulator and checks the message and that no request was sent.
"""
from __future__ import annotations

import textwrap

import pytest

from tests.utils.playbook import emulator_play, emulator_vars, run_playbook

pytestmark = pytest.mark.processes
OWNER = "00000000000000000000000000000c01"


def _play(title, variables):
    return emulator_play("The role " + title, """\
        - name: Run the role
          ansible.builtin.include_role:
            name: sailpoint.isc.governance_groups
          vars:
        """) + textwrap.indent(textwrap.dedent(variables), " " * 8)


def _run(emulator, tmp_path, playbook):
    return run_playbook(playbook, tmp_path, emulator_vars(emulator))


def _seed(emulator):
    emulator.seed({"identities": [{"id": OWNER, "name": "Owner One", "alias": "owner1", "email": "owner1@example.com"}],
                   "groups": [{"name": "Keep Me", "owner": OWNER}]})


def _output(proc):
    return " ".join((proc.stdout + proc.stderr).split())


# Input the role refuses before any request, by title: the role's variables, what the run must say, what it must not.
# A misspelled key inside an entry is named by the module's own check (the entry, the key, the closest valid key); a
# set isc_* variable one letter away from one of the role's fails the role before the module runs.
REFUSED = {
    "without isc_governance_groups": (
        "isc_governance_groups_purge: true\n",
        ["The variable isc_governance_groups is not defined",
         "documented in the role's README.md and meta/argument_specs.yml", "Nothing was read or changed"],
        ["Similarly named"]),
    "with isc_governance_group (singular)": (
        """\
        isc_governance_groups_purge: true
        isc_governance_group:
          - name: Keep Me
            owner: "%s"
        """ % OWNER,
        ["The variable isc_governance_groups is not defined",
         "Similarly named variables that are set: isc_governance_group (misspelled?). Set isc_governance_groups (documented"],
        []),
    "with isc_governance_groups null": ("isc_governance_groups:\n", ["The variable isc_governance_groups is null"], []),
    "with member instead of members": (
        """\
        isc_governance_groups:
          - name: Keep Me
            owner: "%s"
          - name: Finance Approvers
            owner: "%s"
            member:
              - "%s"
        """ % (OWNER, OWNER, OWNER),
        ["Invalid groups, nothing was read or changed: isc_governance_groups[1] \"Finance Approvers\": unknown key 'member' "
         "(did you mean 'members'?)"],
        # the error is the failed task's own; the role does not print it again ("No plan: ...")
        ["argument_spec_data", "Supported parameters include", "No plan"]),
    "with isc_base_ur and isc_governance_groups_purg": (
        """\
        isc_governance_groups: []
        isc_base_ur: https://other-tenant.api.identitynow.com
        isc_governance_groups_purg: true
        isc_max_concurent_requests: 5
        ISC_CLIENT_ID: copied-from-the-environment
        isc_api_Version: v2025
        """,
        ["Misspelled variables of the role sailpoint.isc.governance_groups: isc_api_Version (did you mean isc_api_version?), "
         "isc_base_ur (did you mean isc_base_url?), ISC_CLIENT_ID (did you mean isc_client_id?), "
         "isc_governance_groups_purg (did you mean isc_governance_groups_purge?), isc_max_concurent_requests (did you mean "
         "isc_max_concurrent_requests?). Nothing was read or changed"],
        ["Converge the governance groups to isc_governance_groups"]),  # the module task never started
}


def _refused_play():
    """One play: per case, a task that names it, then the role in a block whose rescue goes on to the next case. The
    last case has no rescue: its failure ends the run, so that the exit status of a refusal is checked too."""
    tasks = ""
    titles = list(REFUSED)
    for title in titles:
        include = textwrap.dedent("""\
            - name: Run the role
              ansible.builtin.include_role:
                name: sailpoint.isc.governance_groups
              vars:
            """) + textwrap.indent(textwrap.dedent(REFUSED[title][0]), " " * 4)
        tasks += "- name: \"Case: %s\"\n  ansible.builtin.debug:\n    msg: the role %s\n" % (title, title)
        if title == titles[-1]:
            tasks += include
        else:
            tasks += ("- name: The role %s\n  block:\n" % title + textwrap.indent(include, " " * 4)
                      + "  rescue:\n    - name: Go on with the next case\n      ansible.builtin.debug:\n        msg: refused\n")
    return emulator_play("The role, refusing its input", tasks)


def test_the_role_refuses_bad_input_before_any_request(emulator, tmp_path):
    _seed(emulator)
    before = len(emulator.requests())
    proc = _run(emulator, tmp_path, _refused_play())
    output = _output(proc)
    assert proc.returncode == 2, output[-3000:]
    assert "rescued=%d" % (len(REFUSED) - 1) in output and "failed=1" in output, output[-1000:]
    stdout, stderr = " ".join(proc.stdout.split()), " ".join(proc.stderr.split())  # stderr: the warnings of every case
    for title, (_variables, says, never) in REFUSED.items():
        case = stdout.split("TASK [Case: %s]" % title, maxsplit=1)[1].split("TASK [Case: ", maxsplit=1)[0]
        for text in says:
            assert text in case, (title, text, case[-3000:])
        searched = case + stderr
        for text in never:
            assert text not in searched, (title, text, searched[searched.find(text):][:400])
    assert emulator.requests()[before:] == []
    assert [group["name"] for group in emulator.state.groups.values()] == ["Keep Me"]


def test_role_with_an_explicit_empty_list_runs(emulator, tmp_path):
    """[] set on purpose (no purge) is a valid, empty converge: the role runs and changes nothing."""
    _seed(emulator)
    proc = _run(emulator, tmp_path, _play("with an explicit empty list", "isc_governance_groups: []\n"))
    assert proc.returncode == 0, _output(proc)[-3000:]
    assert "Plan: 0 to create, 0 to update, 0 to delete, 0 unchanged" in proc.stdout
    assert [group["name"] for group in emulator.state.groups.values()] == ["Keep Me"]


def test_role_refuses_an_empty_purge_unless_allowed(emulator, tmp_path):
    _seed(emulator)
    before = len(emulator.requests())
    proc = _run(emulator, tmp_path, _play("purging with an empty list", """\
        isc_governance_groups: []
        isc_governance_groups_purge: true
        """))
    output = _output(proc)
    assert proc.returncode == 2, output[-3000:]
    assert "the list of groups is empty and purge is on" in output and "isc_governance_groups_allow_empty_purge" in output
    assert emulator.requests()[before:] == []
    proc = _run(emulator, tmp_path, _play("purging with an empty list, allowed", """\
        isc_governance_groups: []
        isc_governance_groups_purge: true
        isc_governance_groups_allow_empty_purge: true
        """))
    assert proc.returncode == 0, _output(proc)[-3000:]
    assert list(emulator.state.groups.values()) == []


def test_role_refuses_more_deletes_than_its_limit_showing_the_plan(emulator, tmp_path):
    _seed(emulator)
    emulator.seed({"groups": [{"name": "Old %d" % index, "owner": OWNER} for index in range(3)]})
    proc = _run(emulator, tmp_path, _play("purging more than the limit", """\
        isc_governance_groups: [{name: Keep Me}]
        isc_governance_groups_purge: true
        isc_governance_groups_max_deletes: 2
        """))
    output = _output(proc)
    assert proc.returncode == 2, output[-3000:]
    assert "the plan deletes 3 governance groups" in output and "set max_deletes to 3 or more" in output
    # the role's debug task shows the plan; its first line names the tenant and the API client that read it
    assert ('"Plan: 0 to create, 0 to update, 3 to delete, 1 unchanged (tenant 127.0.0.1:%d, API client %s)"'
            % (emulator.port, emulator.client_id)) in output
    assert '"- delete \\"Old 0\\" (not in the list, purge, 0 members)"' in output
    assert len(emulator.state.groups) == 4
    assert not [entry for entry in emulator.requests() if entry["method"] in ("POST", "PATCH", "DELETE") and entry["path"] != "/oauth/token"]


def test_other_isc_variables_are_left_alone(emulator, tmp_path):
    """Variables of the user's own (not one letter away from the role's) do not fail the role."""
    _seed(emulator)
    proc = _run(emulator, tmp_path, _play("with the user's own isc_ variables", """\
        isc_governance_groups: "{{ isc_tenant_governance_groups }}"
        isc_tenant_governance_groups:
          - name: Keep Me
        isc_fail_on_drift: true
        isc_base: unrelated
        """))
    output = _output(proc)
    assert proc.returncode == 0, output[-3000:]
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged" in output
