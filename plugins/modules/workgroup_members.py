#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: workgroup_members
short_description: Manage the members of a SailPoint ISC governance group
version_added: 0.1.0
description:
  - Add identities to, or remove them from, a governance group (API name I(workgroup)) of SailPoint Identity Security Cloud (ISC),
    or make the membership exactly a given list.
  - Membership is compared as a set of identity ids, so the order of O(members) and duplicates in it never cause a change.
  - The current membership is read completely (pages of 50, the most ISC returns per page). Only the difference is written,
    with the bulk-add and bulk-delete endpoints in chunks of 100 identities; when nothing differs, no write is sent.
  - Every member reference is resolved before anything is written. A reference that matches no identity, or several,
    fails the task and nothing is changed.
author:
  - sailpoint.isc contributors (@sailpoint-isc)
extends_documentation_fragment:
  - sailpoint.isc.auth
  - sailpoint.isc.auth.action_group
attributes:
  check_mode:
    description: Reads the group, its members and the referenced identities, and reports what would change; sends no write.
    support: full
  diff_mode:
    description: Shows the membership before and after as sorted C(name (id)) lines; only the added and removed lines differ.
    support: full
options:
  workgroup_id:
    description:
      - The id of the governance group.
      - Exactly one of O(workgroup_id) and O(workgroup_name) is required.
      - In check mode, the placeholder id V((would be created)) that M(sailpoint.isc.workgroup) reports for a group it
        would create is accepted as an empty group, so a check run of a play that creates a group and then sets its
        members reports the planned members instead of failing.
    type: str
  workgroup_name:
    description:
      - The exact name of the governance group (case-sensitive), at most 128 characters.
      - When several groups have this name the task fails and lists their ids; use O(workgroup_id) then.
    type: str
  members:
    description:
      - The identities this task is about.
      - Each item is either a string, the identity id (32 hexadecimal characters; anything else fails before any
        request), or a dictionary with exactly one of the keys C(id), C(alias), C(email) or C(name).
      - C(alias), C(email) and C(name) must match exactly one identity (C(email) ignoring case, the others exactly).
        When a name is shared by several identities the task fails and lists their ids; use C(id), C(alias) or C(email).
      - With O(state=present) and O(exclusive=false) the listed identities that are not members are added; nobody is removed.
      - With O(state=present) and O(exclusive=true) the membership becomes exactly this list, so V([]) removes every member.
      - With O(state=absent) the listed identities that are members are removed.
      - At least one of O(members) and O(members_query) is required, so that a forgotten O(members) never empties a group
        with O(exclusive=true).
    type: list
    elements: raw
  members_query:
    description:
      - An ISC search query over the C(identities) index (for example V(attributes.department.exact:"Finance" AND isManager:true));
        the identities it matches are treated as listed in O(members), together with those listed there, so O(state) and
        O(exclusive) apply to them alike (with O(state=absent) the matching members are removed).
      - ISC's search matches words, not whole values - V(attributes.department:"Finance") also matches C(Corporate Finance);
        use the C(.exact) field for a whole value, V(attributes.department.exact:"Finance") (case-sensitive). A value with
        characters ISC splits words on (C(@ - / &) ...) or with spaces must be quoted or C(.exact); unquoted it fails
        before any request (ISC matched every identity for an unquoted email). So does a term without a field (ISC looks
        for it in every field), C(AND) mixed with C(OR) without parentheses (ISC gives C(AND) no precedence), and a
        nested C(@accounts(...)), C(@access(...)) or C(@entitlements(...)) query (not supported).
      - Every field it names must exist on at least one identity (a misspelt field matches nobody, and under C(NOT)
        everyone), checked with one count per field the search documents do not declare, and one count of the tenant's
        identities for O(max_matched_percent). Every clause it negates (C(NOT), C(!), C(-)) must match at least one
        identity (one count each), else nothing is changed unless O(allow_empty_query). The parser luqum must be
        installed on the host that runs the module.
      - A query ISC refuses (HTTP 400) fails the task before any write, with ISC's message.
      - Search is eventually consistent (an identity appears a few seconds to a few minutes after it changes) and sees only
        what ISC indexes; see the collection README. Preview the matches with M(sailpoint.isc.identity_info).
      - Costs ceil(N / 10,000) search requests for N matching identities (one more when N is a multiple of 10,000), and
        works with an API client without user context (C(sp:search:read)).
    type: str
  allow_empty_query:
    description:
      - Whether a O(members_query) that matches no identity, or that negates a clause matching no identity, may change
        the group. By default the task then fails and changes nothing, as a mistyped query (or negated clause, which
        then excludes nobody) matches nobody.
    type: bool
    default: false
  max_removed_percent:
    description:
      - The most members one run may remove when O(members_query) is given, in percent of the current members. A plan that
        removes more fails the task and changes nothing (check mode included); raise it for the run that should.
      - The default V(50) lets ordinary churn through and stops a narrowed or mistyped query.
    type: int
    default: 50
  max_added_percent:
    description:
      - The most members one run may add when O(members_query) is given, in percent of the current members (a group with
        no members has only O(max_matched_percent)). A plan that adds more fails the task and changes nothing (check mode
        included); the message names the count and the value that lets it through.
      - The default V(100) (at most doubling the group) lets ordinary growth through and stops a widened or mistyped query.
    type: int
    default: 100
  max_matched_percent:
    description:
      - The most of the tenant's identities O(members_query) may match, in percent (V(0) to V(100)). A query that matches
        more fails the task and changes nothing (check mode included). ISC's search matches words, so a query matches
        more than it seems to (see O(members_query)); raise it for a group that should hold that much of the tenant.
    type: int
    default: 50
  state:
    description:
      - V(present) makes the listed identities members, V(absent) makes sure they are not.
    type: str
    choices: [present, absent]
    default: present
  exclusive:
    description:
      - With O(state=present), also remove every member that is not in O(members).
      - Not allowed with O(state=absent).
    type: bool
    default: false
notes:
  - Identity ids given as plain strings are checked to exist, except ids that are already members, in C(/identities)
    (up to 50 ids per request) or, when that takes more requests or ISC refuses it (HTTP 403; it serves C(/identities)
    only to tokens with user context), through search (up to 400 ids per request, C(sp:search:read)). An id search does
    not find (search shows a new identity only after seconds to minutes), or that no endpoint may verify, is used with a
    warning, and ISC reports an unknown identity per item when it is added (the task then fails and reports what was done).
    Lookups by C(email) work the same way.
  - References by C(id) or C(email) need an API client with the scope C(sp:search:read)
    (or a personal access token); references by C(alias) or C(name) need a personal access token (a token with
    user context).
  - ISC answers the bulk writes with a per-identity status (HTTP 207). C(201) (added) and C(204) (removed) count as done;
    C(409) on add (already a member) and C(404) on remove (not a member) mean the desired state already holds and are not
    errors. Any other status fails the task, naming each identity with its status and ISC's description; RV(added) and
    RV(removed) then report what was done, so running the task again finishes the job.
  - Additions are written before removals. If an addition fails, nobody is removed, so an exclusive update never leaves
    the group with fewer of the wanted members than before.
  - RV(members) is computed from the membership read before the writes, minus the removed and plus the added identities
    (names and emails of new members come from the identity lookup); the module does not read all pages again.
  - "Cost: a group of N members takes ceil(N/50) member reads (one for an empty group), plus per kind of reference the
    cheaper of ceil(K/50) C(/identities) and ceil(K/400) search lookups for K references that are not plain ids of current
    members or the owner (C(alias) and C(name) always C(/identities)), plus ceil(Q/10,000) search requests for a
    O(members_query) matching Q identities, plus ceil(A/100) + ceil(R/100) writes for A additions and R removals.
    A group of 10,000 members that already matches takes 200 member reads, 1 group read and no write."
seealso:
  - module: sailpoint.isc.workgroup
  - module: sailpoint.isc.workgroup_info
  - name: ISC API, governance groups
    description: The workgroups endpoints this module calls (members, bulk-add, bulk-delete).
    link: https://developer.sailpoint.com/docs/api/v2024/governance-groups
"""

EXAMPLES = r"""
- name: Make sure three identities are members (by id, alias and email); other members stay
  sailpoint.isc.workgroup_members:
    base_url: https://acme.api.identitynow.com
    client_id: "{{ isc_client_id }}"
    client_secret: "{{ isc_client_secret }}"
    workgroup_name: Access Reviewers
    members:
      - 2c9180835d2e5168015d32f890ca1581
      - alias: alan
      - email: grace@example.com

- name: Set the connection options once for every module of the collection
  module_defaults:
    group/sailpoint.isc.isc:
      base_url: https://acme.api.identitynow.com
      client_id: "{{ isc_client_id }}"
      client_secret: "{{ isc_client_secret }}"
  block:
    - name: Make the membership exactly this list (everybody else is removed)
      sailpoint.isc.workgroup_members:
        workgroup_name: Access Reviewers
        exclusive: true
        members:
          - alias: ada.lovelace         # the account name; name is the display name ("Ada Lovelace")
          - name: Alan Turing

    - name: Remove two identities if they are members
      sailpoint.isc.workgroup_members:
        workgroup_id: 2c91808a7813090a017814121919ecca
        state: absent
        members:
          - alias: alan
          - 2c9180835d2e5168015d32f890ca1583

    - name: Remove every member
      sailpoint.isc.workgroup_members:
        workgroup_name: Retired Reviewers
        exclusive: true
        members: []

    - name: See what would change, without changing anything (run with --check --diff)
      sailpoint.isc.workgroup_members:
        workgroup_name: Access Reviewers
        exclusive: true
        members: "{{ reviewers }}"
      check_mode: true
      register: plan

    - name: Show the plan
      ansible.builtin.debug:
        msg: "{{ plan.msg }} add: {{ plan.added | map(attribute='name') | list }}, remove: {{ plan.removed | map(attribute='name') | list }}"

    # Create a group, then set its members: pass the id the first task returns. In check mode the group is not
    # created, so a lookup by name would fail; the check-mode placeholder id of the first task is accepted instead.
    - name: Create the group
      sailpoint.isc.workgroup:
        name: Cloud Reviewers
        owner:
          alias: ada.lovelace
      register: created

    - name: Set its members (works in check mode too)
      sailpoint.isc.workgroup_members:
        workgroup_id: "{{ created.workgroup.id }}"
        exclusive: true
        members:
          - alias: alan

    - name: The members are the active managers of Finance, and nobody else (an API client without user context may run this)
      sailpoint.isc.workgroup_members:
        workgroup_name: Finance Managers
        members_query: 'attributes.department.exact:"Finance" AND isManager:true AND attributes.cloudLifecycleState.exact:"active"'
        exclusive: true
      register: finance

    - name: Show how many identities the query matched and what changed
      ansible.builtin.debug:
        msg: "{{ finance.query.matched }} match; {{ finance.msg }}"
"""

RETURN = r"""
msg:
  description: What was done (or, in check mode, what would be done), in one sentence.
  returned: always
  type: str
  sample: Added 2 and removed 1 member(s) of governance group 'Access Reviewers' (id 2c91808a7813090a017814121919ecca); it now has 3 member(s).
workgroup:
  description: The governance group, as ISC returned it before the membership changes.
  returned: when the group was found
  type: dict
  contains:
    id:
      description: The id of the group.
      type: str
      returned: always
      sample: 2c91808a7813090a017814121919ecca
    name:
      description: The name of the group.
      type: str
      returned: always
      sample: Access Reviewers
  sample: {"id": "2c91808a7813090a017814121919ecca", "name": "Access Reviewers"}
added:
  description:
    - The identities this task added, sorted by name. In check mode, the ones it would add.
    - When the task fails part-way, the ones that were added before the failure.
    - Identities ISC reported as already members (a concurrent change) are not included.
  returned: when the group was found
  type: list
  elements: dict
  contains:
    id:
      description: Identity id.
      type: str
      returned: always
    name:
      description: Identity name, when known.
      type: str
      returned: always
    email:
      description: Identity email, when known.
      type: str
      returned: always
  sample: [{"id": "2c9180835d2e5168015d32f890ca1582", "name": "alan.turing", "email": "alan@example.com"}]
removed:
  description:
    - The identities this task removed, sorted by name. In check mode, the ones it would remove.
    - When the task fails part-way, the ones that were removed before the failure.
  returned: when the group was found
  type: list
  elements: dict
  contains:
    id:
      description: Identity id.
      type: str
      returned: always
    name:
      description: Identity name, when known.
      type: str
      returned: always
    email:
      description: Identity email, when known.
      type: str
      returned: always
  sample: [{"id": "2c9180835d2e5168015d32f890ca1584", "name": "edsger.dijkstra", "email": "edsger@example.com"}]
members:
  description:
    - The members after the task (in check mode, after the changes it would make), sorted by name then id.
    - Computed as the members read before the writes, minus the removed and plus the added identities.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Identity id.
      type: str
      returned: always
    name:
      description: Identity name, when known.
      type: str
      returned: always
    email:
      description: Identity email, when known.
      type: str
      returned: always
  sample:
    - {"id": "2c9180835d2e5168015d32f890ca1581", "name": "ada.lovelace", "email": "ada@example.com"}
    - {"id": "2c9180835d2e5168015d32f890ca1582", "name": "alan.turing", "email": "alan@example.com"}
member_count:
  description: The number of members after the task (in check mode, after the changes it would make).
  returned: success
  type: int
  sample: 2
added_count:
  description: The number of entries in RV(added).
  returned: when the group was found
  type: int
  sample: 1
removed_count:
  description: The number of entries in RV(removed).
  returned: when the group was found
  type: int
  sample: 1
failed_members:
  description: The identities whose bulk-add or bulk-delete item ISC answered with an unexpected status.
  returned: when a write failed for some identities
  type: list
  elements: dict
  contains:
    id:
      description: Identity id.
      type: str
      returned: always
    name:
      description: Identity name, when known.
      type: str
      returned: always
    action:
      description: V(add) or V(remove).
      type: str
      returned: always
    status:
      description: The item status ISC reported; null when the answer had no item for this identity.
      type: int
      returned: always
    description:
      description: ISC's description of the item.
      type: str
      returned: always
  sample: [{"id": "0f00", "name": null, "action": "add", "status": 404, "description": "Referenced Identity \"0f00\" was not found."}]
query:
  description:
    - With O(members_query), what it did - C({name, id, query, matched, spread, members_add, members_remove, refused}) -
      C(matched) is how many identities it matched, C(spread) how they spread over the values of each field the query
      names (per field, each value and its count, most frequent first, at most 10 values), C(members_add) and C(members_remove)
      count the difference, C(refused) says why nothing was changed (the query matched nobody, more than
      O(max_matched_percent) of the tenant, or would remove or add more than O(max_removed_percent) /
      O(max_added_percent)), else null.
  returned: when O(members_query) is given and the group was found
  type: dict
  sample: {"name": "Finance Managers", "id": "2c91808a7813090a017814121919ecca", "query": "isManager:true", "matched": 12,
           "spread": {"isManager": {"true": 12}}, "members_add": 1, "members_remove": 0, "refused": null}
diff:
  description:
    - The membership before and after, as text with one sorted C(name (id)) line per member (only with C(--diff)),
      so that the diff shows exactly the added and removed members.
  returned: when diff mode is on and the group was found
  type: dict
  contains:
    before:
      description: The members before, one C(name (id)) line each.
      type: str
      returned: always
    after:
      description: The members after (in check mode, after the changes it would make), one C(name (id)) line each.
      type: str
      returned: always
    before_header:
      description: Names the group in the diff output.
      type: str
      returned: always
    after_header:
      description: Names the group in the diff output.
      type: str
      returned: always
  sample:
    before: "ada.lovelace (2c9180835d2e5168015d32f890ca1581)\nedsger.dijkstra (2c9180835d2e5168015d32f890ca1584)\n"
    after: "ada.lovelace (2c9180835d2e5168015d32f890ca1581)\nalan.turing (2c9180835d2e5168015d32f890ca1582)\n"
    before_header: "members of governance group 'Access Reviewers' (id 2c91808a7813090a017814121919ecca)"
    after_header: "members of governance group 'Access Reviewers' (id 2c91808a7813090a017814121919ecca)"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import (
    ABSENT, MODE_ADD, DEFAULT_MAX_ADDED_PERCENT, DEFAULT_MAX_MATCHED_PERCENT, DEFAULT_MAX_REMOVED_PERCENT, MODE_EXACT, MODE_REMOVE, Entry, Request)
from ansible_collections.sailpoint.isc.plugins.module_utils._module import (
    ModuleFailure,
    ModuleResult,
    finish,
    isc_module_kwargs,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._pipeline import PLAN, READ, RESOLVE, VALIDATE, run_pipeline
from ansible_collections.sailpoint.isc.plugins.module_utils._report import report_members
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import describe

# A play that creates a group and then sets its members by name cannot find the group in check mode (it was not created).
CHECK_MODE_CHAIN_HINT = (" In check mode a group that an earlier task would create does not exist yet: give this task"
                         " workgroup_id: \"{{ <registered result>.workgroup.id }}\" from the task that creates it (check mode"
                         " accepts the placeholder id it reports) instead of workgroup_name.")
WORDING = {VALIDATE: "Invalid options for {group}: {error}", READ: "Failed to read {group} and its members: {error}",
           RESOLVE: "Failed to resolve the members (references and members_query) for {group}: {error}", PLAN: "{error}"}


def main() -> None:
    module = AnsibleModule(**isc_module_kwargs(
        argument_spec=dict(
            workgroup_id=dict(type="str"),
            workgroup_name=dict(type="str"),
            members=dict(type="list", elements="raw"),
            members_query=dict(type="str"),
            allow_empty_query=dict(type="bool", default=False),
            max_removed_percent=dict(type="int", default=DEFAULT_MAX_REMOVED_PERCENT),
            max_added_percent=dict(type="int", default=DEFAULT_MAX_ADDED_PERCENT),
            max_matched_percent=dict(type="int", default=DEFAULT_MAX_MATCHED_PERCENT),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            exclusive=dict(type="bool", default=False),
        ),
        mutually_exclusive=[["workgroup_id", "workgroup_name"]],
        required_one_of=[["workgroup_id", "workgroup_name"], ["members", "members_query"]],
        supports_check_mode=True,
    ))
    finish(module, converge)


def converge(module: AnsibleModule) -> ModuleResult:
    params = module.params
    if params["exclusive"] and params["state"] == ABSENT:
        raise ModuleFailure("exclusive=true only works with state=present (it makes the membership exactly the list of "
                            "members); to remove every member use state=present, exclusive=true, members=[]", scrub=False)
    target = describe(params["workgroup_id"], params["workgroup_name"])
    mode = MODE_REMOVE if params["state"] == ABSENT else MODE_EXACT if params["exclusive"] else MODE_ADD
    missing = "Cannot manage members: %s was not found." % target
    if module.check_mode and params["workgroup_name"]:
        missing += CHECK_MODE_CHAIN_HINT
    entry = Entry(id=params["workgroup_id"], name=params["workgroup_name"], members=params["members"], members_mode=mode, not_found_message=missing,
                  members_query=params["members_query"], allow_empty_query=params["allow_empty_query"],
                  max_removed_percent=params["max_removed_percent"], max_added_percent=params["max_added_percent"],
                  max_matched_percent=params["max_matched_percent"])
    # Plain ids are checked to exist (except current members); a token that may not read identities trusts them, warning.
    request = Request([entry], verify_ids=True, trust_unverifiable_ids=True, trust_member_count=False)
    return report_members(module, run_pipeline(module, request, WORDING, target))


if __name__ == "__main__":
    main()
