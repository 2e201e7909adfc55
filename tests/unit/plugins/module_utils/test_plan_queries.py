# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""members_query in the planner (_plan) and its views (_report), pure: the snapshot carries the query's matches, no HTTP."""

from __future__ import annotations

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import ABSENT, MODE_ADD, Entry, Request, validate
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import CREATE, REFUSED, UNCHANGED, UPDATE, check, plan
from ansible_collections.sailpoint.isc.plugins.module_utils._report import plan_dict, render_summary

from .test_plan import ADA, ALAN, EDSGER, GRACE, NEW, PLAIN, X, group, ids, snapshot

QUERY = 'attributes.department:"Finance"'
EXTRA = ["b%031d" % n for n in range(1, 4)]  # three more current members


def planned(entry, *groups, matches=(), members=None):
    """plan() of one entry whose query matched ``matches`` (identities), against ``groups`` and their members."""
    request = Request([entry])
    snap = snapshot(request, *groups, members=members)
    snap.queries = {QUERY: [{"id": person["id"], "name": person.get("name"), "alias": None, "email": None} for person in matches]}
    check(request, snap)
    return plan(request, snap)


def test_members_are_the_query_matches_plus_the_listed_ones():
    the_plan = planned(Entry("Finance", members_query=QUERY, members=[PLAIN], max_removed_percent=100), group("Finance", members=3),
                       matches=[ADA, ALAN], members={"g-finance": [ADA, GRACE, EDSGER]})
    step = the_plan.steps[0]
    assert step.action == UPDATE and step.query_matched == 2 and step.refusal is None
    assert step.add == sorted([ALAN["id"], PLAIN]) and step.remove == sorted(ids(GRACE, EDSGER))
    assert step.members_after == {ADA["id"], ALAN["id"], PLAIN}


def test_an_additive_entry_removes_nobody():
    the_plan = planned(Entry("Finance", members_query=QUERY, members_mode=MODE_ADD), group("Finance", members=2),
                       matches=[ADA, ALAN], members={"g-finance": [ADA, GRACE]})
    step = the_plan.steps[0]
    assert step.action == UPDATE and step.add == [ALAN["id"]] and step.remove == []
    assert plan_dict(the_plan)["queries"] == [{"name": "Finance", "id": "g-finance", "query": QUERY, "matched": 2, "spread": {},
                                               "members_add": 1, "members_remove": 0, "refused": None}]
    assert "    query %r matches 2 identities" % QUERY in render_summary(the_plan)


@pytest.mark.parametrize("removed, limit, refused", [
    (2, 50, False),  # 2 of 4 = 50 %: not more than the limit
    (3, 50, True),  # 3 of 4 = 75 %
    (3, 75, False),
    (1, 0, True),  # 0 forbids every removal
    (4, 100, False),  # 100 lets the query replace every member (here by the new one)
])
def test_the_removal_share_guard(removed, limit, refused):
    current = [ADA, GRACE, EDSGER, ALAN]
    keep = current[removed:]
    the_plan = planned(Entry("Finance", members_query=QUERY, max_removed_percent=limit), group("Finance", members=4),
                       matches=keep + [{"id": NEW, "name": "New Hire"}], members={"g-finance": current})
    step = the_plan.steps[0]
    assert len(step.remove) == removed
    assert (step.action == REFUSED) is refused
    if refused:
        share = -(-removed * 100 // 4)
        assert step.refusal == ("members_query %r would remove %d of the 4 current members (%d%%), more than max_removed_percent (%d%%), "
                                "so nothing was changed for this group; review the plan, and if the removals are intended set "
                                "max_removed_percent to %d or more for this run" % (QUERY, removed, share, limit, share))
        assert the_plan.actions == 0  # nothing is written to a refused group
        summary = render_summary(the_plan)
        assert '! refuse "Finance": members +1 -%d not applied (see failures)' % removed in summary
        assert plan_dict(the_plan)["queries"][0]["refused"] == step.refusal


def test_a_query_that_matches_nobody_changes_nothing_unless_allowed():
    current = {"g-finance": [ADA, GRACE]}
    step = planned(Entry("Finance", members_query=QUERY), group("Finance", members=2), members=current).steps[0]
    assert step.action == REFUSED and "matched no identity" in step.refusal and "allow_empty_query" in step.refusal
    step = planned(Entry("Finance", members_query=QUERY, allow_empty_query=True, max_removed_percent=100), group("Finance", members=2),
                   members=current).steps[0]
    assert step.action == UPDATE and step.remove == sorted(ids(ADA, GRACE))
    # allowed to be empty, but the removal share still holds
    step = planned(Entry("Finance", members_query=QUERY, allow_empty_query=True), group("Finance", members=2), members=current).steps[0]
    assert step.action == REFUSED and "would remove 2 of the 2 current members (100%)" in step.refusal


def test_a_group_to_create_from_a_query():
    step = planned(Entry("Finance", owner=ADA["id"], members_query=QUERY), matches=[ALAN, GRACE]).steps[0]
    assert step.action == CREATE and step.add == sorted(ids(ALAN, GRACE)) and step.query_matched == 2
    step = planned(Entry("Finance", owner=ADA["id"], members_query=QUERY)).steps[0]
    assert step.action == REFUSED  # not even created: an empty match is more often a typo than an empty group to make


def test_an_unchanged_query_group_is_shown_with_its_count():
    the_plan = planned(Entry("Finance", members_query=QUERY), group("Finance", members=1), matches=[ADA], members={"g-finance": [ADA]})
    assert the_plan.steps[0].action == UNCHANGED
    assert render_summary(the_plan)[1:] == ['= unchanged "Finance": members as the query says', "    query %r matches 1 identity" % QUERY]


def test_validate_refuses_bad_query_options():
    entries = [Entry("A", members_query=" ", where="groups[0]"), Entry("B", members_query=QUERY, state=ABSENT, where="groups[1]"),
               Entry("C", members_query=QUERY, max_removed_percent=101, where="groups[2]"),
               Entry("D", members_query=QUERY, max_removed_percent=True, where="groups[3]"), Entry("E", members=[X], where="groups[4]")]
    with pytest.raises(IscInputError) as info:
        validate(Request(entries))
    assert info.value.problems == [
        "groups[0] \"A\": members_query must be a non-empty search query, got ' '",
        'groups[1] "B": members_query sets the members of a group that stays (state present); the group is to be deleted',
        'groups[2] "C": max_removed_percent must be a whole number from 0 to 100, got 101',
        'groups[3] "D": max_removed_percent must be a whole number from 0 to 100, got True (a boolean)',
    ]
