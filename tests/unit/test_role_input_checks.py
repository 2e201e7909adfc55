"""The governance_groups role names what is wrong with its input, once, before any request.

A misspelled key inside an entry is named by the module's own check (the entry, the key, the closest valid key), not
by Ansible's nested argument validation; a set isc_* variable one letter away from one of the role's fails the role
before the module runs. Each test runs real ansible-playbook against the emulator.
"""
from __future__ import annotations

from tests.unit.test_role_connection import OWNER, _run_playbook
from tests.unit.test_role_guards import _output, _play, _seed


def test_an_unknown_key_in_an_entry_names_the_entry_and_the_key_meant(emulator, tmp_path):
    _seed(emulator)
    before = len(emulator.requests())
    proc = _run_playbook(emulator, tmp_path, _play("with member instead of members", """\
        isc_governance_groups:
          - name: Keep Me
            owner: "%s"
          - name: Finance Approvers
            owner: "%s"
            member:
              - "%s"
        """ % (OWNER, OWNER, OWNER)))
    output = _output(proc)
    assert proc.returncode == 2, output[-3000:]
    assert ("Invalid groups, nothing was read or changed: isc_governance_groups[1] \"Finance Approvers\": unknown key 'member' "
            "(did you mean 'members'?)") in output
    assert "argument_spec_data" not in output and "Supported parameters include" not in output
    # the error is the failed task's own; the role does not print it again ("No plan: ...")
    assert "No plan" not in output
    assert emulator.requests()[before:] == []


def test_misspelled_role_variables_fail_before_the_module_runs(emulator, tmp_path):
    _seed(emulator)
    before = len(emulator.requests())
    proc = _run_playbook(emulator, tmp_path, _play("with isc_base_ur and isc_governance_groups_purg", """\
        isc_governance_groups: []
        isc_base_ur: https://other-tenant.api.identitynow.com
        isc_governance_groups_purg: true
        isc_max_concurent_requests: 5
        """))
    output = _output(proc)
    assert proc.returncode == 2, output[-3000:]
    assert ("Misspelled variables of the role sailpoint.isc.governance_groups: isc_base_ur (did you mean isc_base_url?), "
            "isc_governance_groups_purg (did you mean isc_governance_groups_purge?), isc_max_concurent_requests (did you mean "
            "isc_max_concurrent_requests?). Nothing was read or changed") in output
    assert "Converge the governance groups to isc_governance_groups" not in output  # the module task never started
    assert emulator.requests()[before:] == []


def test_other_isc_variables_are_left_alone(emulator, tmp_path):
    """Variables of the user's own (not one letter away from the role's) do not fail the role."""
    _seed(emulator)
    proc = _run_playbook(emulator, tmp_path, _play("with the user's own isc_ variables", """\
        isc_governance_groups: "{{ isc_tenant_governance_groups }}"
        isc_tenant_governance_groups:
          - name: Keep Me
        isc_fail_on_drift: true
        isc_base: unrelated
        """))
    output = _output(proc)
    assert proc.returncode == 0, output[-3000:]
    assert "Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged" in output
