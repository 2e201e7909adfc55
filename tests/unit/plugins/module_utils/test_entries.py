# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_entries.check_entries: the same entries AnsibleModule's nested validation made, and messages that name the entry."""

from __future__ import annotations

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.sailpoint.isc.plugins.module_utils._entries import check_entries
from ansible_collections.sailpoint.isc.plugins.modules.workgroups import GROUP_OPTIONS

OWNER = "2c9180835d2e5168015d32f890ca1581"
LABEL = "isc_governance_groups"


def ansible_entries(groups):
    """What AnsibleModule made of ``groups`` when the module gave it the suboptions (before this change)."""
    spec = {"groups": {"type": "list", "elements": "dict", "options": GROUP_OPTIONS}}
    result = ArgumentSpecValidator(spec).validate({"groups": groups})
    return result.validated_parameters["groups"], result.error_messages


@pytest.mark.parametrize("groups", [
    [{"name": "Finance", "owner": OWNER, "members": [OWNER, {"alias": "ada"}], "description": ""}],
    [{"name": "A", "state": "absent"}, {"name": "B", "members_exclusive": False, "members_query": 'attributes.x:"y"'}],
    # the conversions AnsibleModule makes: numbers to text, "yes"/"no" and "true" to booleans, digits to numbers,
    # a comma-separated string to a list
    [{"name": 2024, "description": 12.5, "members_exclusive": "yes", "allow_empty_query": "true", "max_removed_percent": "80"}],
    [{"name": "C", "members": "%s,%s" % (OWNER, OWNER)}],
    [],
])
def test_valid_entries_come_out_as_ansible_made_them(groups):
    expected, errors = ansible_entries(groups)
    assert errors == []
    assert check_entries(groups, GROUP_OPTIONS, LABEL) == (expected, [])


def test_an_unknown_key_names_the_entry_its_index_and_the_closest_key():
    groups = [{"name": "Keep", "owner": OWNER}, {"name": "Finance Approvers", "owner": OWNER, "member": [OWNER]}]
    entries, problems = check_entries(groups, GROUP_OPTIONS, LABEL)
    assert problems == ["isc_governance_groups[1] \"Finance Approvers\": unknown key 'member' (did you mean 'members'?); the keys are "
                        "name, description, owner, members, members_exclusive, members_query, allow_empty_query, "
                        "max_removed_percent, max_added_percent, max_matched_percent, state"]
    assert ansible_entries(groups)[1] != []  # Ansible refused it too, with a message naming neither entry nor key meant
    assert "Finance Approvers" not in " ".join(ansible_entries(groups)[1])
    assert len(entries) == 2


def test_an_unknown_key_close_to_nothing_lists_the_keys_without_a_guess():
    problems = check_entries([{"name": "X", "colour": "blue", 7: 1}], GROUP_OPTIONS, "groups")[1]
    assert problems[0].startswith("groups[0] \"X\": unknown key 'colour'; the keys are name, description")
    assert problems[1].startswith("groups[0] \"X\": unknown key 7; the keys are")


# stricter: AnsibleModule turned the value into its Python text ("['a', 'b']", "True"), which would become a description
@pytest.mark.parametrize("entry, problem, stricter", [
    ({"name": "X", "members_exclusive": "sometimes"}, "members_exclusive must be a boolean (true or false), got 'sometimes' (a string)", False),
    ({"name": "X", "max_removed_percent": "lots"}, "max_removed_percent must be a whole number, got 'lots' (a string)", False),
    ({"name": "X", "max_removed_percent": 12.5}, "max_removed_percent must be a whole number, got 12.5 (a number)", False),
    ({"name": "X", "members": {"alias": "ada"}}, "members must be a list, got {'alias': 'ada'} (a dictionary)", False),
    ({"name": "X", "description": ["a", "b"]}, "description must be a string, got ['a', 'b'] (a list)", True),
    ({"name": "X", "description": True}, "description must be a string, got True (a boolean)", True),
    ({"name": "X", "state": "gone"}, "state must be one of present, absent, got 'gone' (a string)", False),
])
def test_a_wrong_value_is_named_with_its_key_and_entry(entry, problem, stricter):
    assert check_entries([entry], GROUP_OPTIONS, LABEL)[1] == ["isc_governance_groups[0] \"X\": " + problem]
    assert (ansible_entries([entry])[1] == []) == stricter


def test_a_missing_name_and_an_entry_that_is_no_dictionary():
    problems = check_entries([{"description": "no name"}, {"name": None}, "Finance", None], GROUP_OPTIONS, LABEL)[1]
    assert problems == [
        "isc_governance_groups[0]: name is required",
        "isc_governance_groups[1]: name is required",
        "isc_governance_groups[2] must be a dictionary with the keys name, description, owner, members, members_exclusive, "
        "members_query, allow_empty_query, max_removed_percent, max_added_percent, max_matched_percent, state, got 'Finance' (a string)",
        "isc_governance_groups[3] must be a dictionary with the keys name, description, owner, members, members_exclusive, "
        "members_query, allow_empty_query, max_removed_percent, max_added_percent, max_matched_percent, state, got null",
    ]


def test_every_problem_of_every_entry_at_once():
    groups = [{"name": "A", "member": []}, {"name": "B", "state": "gone", "owners": OWNER}, {"name": "C"}]
    problems = check_entries(groups, GROUP_OPTIONS, LABEL)[1]
    assert [problem.split(":")[0] for problem in problems] == [
        'isc_governance_groups[0] "A"', 'isc_governance_groups[1] "B"', 'isc_governance_groups[1] "B"']
    assert "(did you mean 'owner'?)" in problems[2]


def test_a_key_given_as_null_counts_as_not_given():
    entries, problems = check_entries([{"name": "X", "state": None, "max_removed_percent": None}], GROUP_OPTIONS, LABEL)
    assert problems == [] and entries[0]["state"] == "present" and entries[0]["max_removed_percent"] == 50
