#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workgroups
short_description: Converge a list of governance groups
version_added: 0.1.0
description:
  - Makes the governance groups (API name C(workgroups)) of a SailPoint Identity Security Cloud (ISC) tenant match a list -
    their descriptions, owners and members, and, with O(purge), deletes the groups that are not in the list.
  - Read once, plan, act on the difference. The module lists every group of the tenant once (pages of 250), reads the
    members of the listed groups whose members it manages (pages of 50; none for a group whose C(memberCount) is 0),
    resolves every identity reference in one batch, and computes a plan (groups to create, update and delete, members to
    add and remove). It returns the plan as readable RV(summary) lines, and then writes only the difference.
  - Everything runs in one process with one client, so a whole list costs one token. A converge costs at least
    1 token + ceil(groups in the tenant / 250) + ceil(members / 50) for each listed group whose members are managed,
    + the writes; the module sends exactly that, plus the identity lookups of references that are not plain ids
    (ceil(n / 50) per kind of reference) and one connections read per group in use that would be deleted.
  - The group name is the key (exact, case-sensitive). A name listed twice is an error before any request. A listed
    name that several groups of the tenant carry is an error before any write, listing their ids.
  - The fields O(groups[].description), O(groups[].owner) and O(groups[].members) are managed only when given.
    Left out, they keep their value in ISC (a left-out O(groups[].members) never removes anybody).
  - Writes, in this order. Creates, each followed by a bulk-add of its members. Updates, each one JSON patch with only the
    differing fields, then the member additions, then the removals (none if an addition failed). Deletes last, through
    the bulk-delete endpoint in chunks of 100.
  - A group that fails does not stop the others. At the end the task fails if anything failed, naming each failure
    (group, HTTP status, ISC message, tracking id) and reporting what did succeed, so that running it again finishes the job.
author:
  - sailpoint.isc contributors (@sailpoint-isc)
options:
  groups:
    description:
      - The governance groups to manage.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - The exact name of the group (case-sensitive). Each name may appear once in the list.
        type: str
        required: true
      description:
        description:
          - The description of the group. V("") means no description (an empty and a missing description are the same).
          - Left out, the description is not managed.
        type: str
      owner:
        description:
          - The owner, an identity reference. Either an identity id (a string), or a dictionary with exactly one of the
            keys C(id), C(alias), C(email) or C(name).
          - Required to create a group. Compared by identity id.
          - Left out, the owner of an existing group is not managed.
        type: raw
      members:
        description:
          - The members, a list of identity references (same forms as O(groups[].owner)).
          - Compared as a set of identity ids; order and duplicates do not matter.
          - With O(groups[].members_exclusive=true) the membership becomes exactly this list, so V([]) removes every member.
            With O(groups[].members_exclusive=false) the listed identities are added and nobody is removed.
          - Left out, the members are not managed and not read.
        type: list
        elements: raw
      members_exclusive:
        description:
          - Whether O(groups[].members) is the complete membership.
          - Defaults to the module option O(members_exclusive).
        type: bool
      state:
        description:
          - V(present) creates or updates the group, V(absent) deletes it if it exists.
          - A group that is still used by access profiles, roles, SOD policies or sources (connections) is never
            deleted; it is reported in RV(in_use) and as a warning.
        type: str
        choices: [present, absent]
        default: present
  members_exclusive:
    description:
      - The default of O(groups[].members_exclusive) for entries that do not set it.
      - The default V(true) makes the list the truth, members included.
    type: bool
    default: true
  purge:
    description:
      - Also delete every group of the tenant whose name is not in O(groups) and not in O(protected).
        With an empty O(groups) that is every group that is not protected; run with C(--check) first.
      - Groups in use (with connections) are not deleted; they are reported in RV(in_use) and as a warning, and the
        task does not fail because of them.
    type: bool
    default: false
  protected:
    description:
      - Names of groups that O(purge) never deletes (exact names).
      - A name may not be both protected and listed with O(groups[].state=absent).
    type: list
    elements: str
    default: []
  verify_identity_ids:
    description:
      - Whether identity ids given as plain strings are checked to exist before any write.
      - V(false) trusts them; ISC then reports an unknown id per identity when it is added (the task fails naming it).
      - V(true) looks them up in C(/identities) (ceil(n / 50) requests, which need a personal access token), except ids
        that are already members or owners in the tenant.
    type: bool
    default: false
extends_documentation_fragment:
  - sailpoint.isc.auth
  - sailpoint.isc.auth.action_group
attributes:
  check_mode:
    description: Reads the tenant, computes the plan and returns it (RV(summary), RV(plan), RV(diff)) without sending any write.
    support: full
    details:
      - C(changed) is V(true) exactly when the plan has a group to create, update or delete.
  diff_mode:
    description: Returns the groups the plan touches, before and after, keyed by name.
    support: full
    details:
      - Each side shows description, owner as C(name (id)) and, where members are managed, the sorted members as C(name (id)).
notes:
  - Identity lookups by C(alias), C(email) or C(name) need a token with user context (a personal access token).
  - The role P(sailpoint.isc.governance_groups#role) wraps this module for a list kept in variables.
seealso:
  - module: sailpoint.isc.workgroup
  - module: sailpoint.isc.workgroup_members
  - module: sailpoint.isc.workgroup_info
  - name: Governance groups API (v2024)
    description: The ISC API this module calls.
    link: https://developer.sailpoint.com/docs/api/v2024/governance-groups
"""

EXAMPLES = r"""
- name: Converge two groups; delete every other group except Administrators
  sailpoint.isc.workgroups:
    base_url: https://acme.api.identitynow.com
    client_id: "{{ isc_client_id }}"
    client_secret: "{{ isc_client_secret }}"
    purge: true
    protected:
      - Administrators
    groups:
      - name: Finance Approvers
        description: Approves access to finance applications.
        owner:
          alias: ada.lovelace
        members:
          - alias: alan.turing
          - email: grace.hopper@example.com
          - 2c9180835d2e5168015d32f890ca1581
      - name: All Engineering
        members_exclusive: false  # add these two, remove nobody; description and owner are not managed
        members:
          - alias: edsger.dijkstra
          - alias: barbara.liskov
      - name: Retired Reviewers
        state: absent
  register: converge

- name: Show the plan and what was done
  ansible.builtin.debug:
    msg: "{{ converge.summary }}"

- name: See what would change without changing anything (a pull request check; run with --check --diff)
  sailpoint.isc.workgroups:
    groups: "{{ governance_groups }}"
  check_mode: true
  diff: true
  register: plan

- name: Fail the pipeline when the tenant drifted from the repository
  ansible.builtin.assert:
    that: plan is not changed
    fail_msg: "{{ plan.summary | join('\n') }}"
"""

RETURN = r"""
msg:
  description: What was done (in check mode, what would be done), in one sentence.
  returned: always
  type: str
  sample: Created 1, updated 1 and deleted 0 governance groups; added 3 and removed 1 members; 2 unchanged.
summary:
  description:
    - The plan as readable lines. First C(Plan, N to create, N to update, N to delete, N unchanged), then one line per
      group (C(+ create), C(~ update), C(- delete), C(! keep) for a group in use), each followed by up to 10 added (C(+))
      and removed (C(-)) members. The last line says what was done, or that check mode changed nothing.
  returned: success, and when some groups failed
  type: list
  elements: str
  sample:
    - "Plan: 1 to create, 1 to update, 0 to delete, 2 unchanged"
    - "+ create \"Cloud Admins\" (owner Ada Lovelace, 1 member)"
    - "    + Alan Turing (2c9180835d2e5168015d32f890ca1582)"
    - "~ update \"Finance Approvers\": description \"Old\" -> \"New\"; members +0 -1"
    - "    - Grace Hopper (2c9180835d2e5168015d32f890ca1583)"
    - "Done: 1 created, 1 updated, 0 deleted, 2 unchanged; members +1 -1"
plan:
  description: The plan (computed before any write; in check mode, what would be done).
  returned: success, and when some groups failed
  type: dict
  contains:
    to_create:
      description: The groups to create.
      type: list
      elements: dict
      returned: always
      contains:
        name:
          description: Group name.
          type: str
          returned: always
        description:
          description: The description it gets; null when not given.
          type: str
          returned: always
        owner:
          description: The owner, C({id, name}) (name null when unknown).
          type: dict
          returned: always
        members:
          description: The members it gets, C({id, name}) each, sorted by name.
          type: list
          elements: dict
          returned: always
        member_count:
          description: The number of members it gets.
          type: int
          returned: always
    to_update:
      description: The existing groups to change.
      type: list
      elements: dict
      returned: always
      contains:
        name:
          description: Group name.
          type: str
          returned: always
        id:
          description: Group id.
          type: str
          returned: always
        changes:
          description:
            - The fields that change, each C({before, after}). Keys C(description) (strings) and C(owner) (C({id, name})).
            - Empty when only members change.
          type: dict
          returned: always
        members_add:
          description: The identities to add, C({id, name}) each, sorted by name.
          type: list
          elements: dict
          returned: always
        members_remove:
          description: The identities to remove, C({id, name}) each, sorted by name.
          type: list
          elements: dict
          returned: always
    to_delete:
      description: The groups to delete.
      type: list
      elements: dict
      returned: always
      contains:
        name:
          description: Group name.
          type: str
          returned: always
        id:
          description: Group id.
          type: str
          returned: always
        reason:
          description: V(absent) (listed with O(groups[].state=absent)) or V(purge) (not listed, O(purge=true)).
          type: str
          returned: always
        description:
          description: The group's description.
          type: str
          returned: always
        owner:
          description: The group's owner, C({id, name}).
          type: dict
          returned: always
        member_count:
          description: The group's C(memberCount) as listed.
          type: int
          returned: always
    in_use:
      description:
        - The groups that would be deleted but are in use (the listing shows connections); they are not deleted.
        - Each C({name, id, reason, connection_count}), C(reason) as in RV(plan.to_delete).
      type: list
      elements: dict
      returned: always
    unchanged:
      description: The names of the listed groups that are already as requested (including absent ones that do not exist).
      type: list
      elements: str
      returned: always
  sample:
    to_create: [{"name": "Cloud Admins", "description": null, "owner": {"id": "2c9180835d2e5168015d32f890ca1581", "name": "Ada Lovelace"},
              "members": [{"id": "2c9180835d2e5168015d32f890ca1582", "name": "Alan Turing"}], "member_count": 1}]
    to_update: [{"name": "Finance Approvers", "id": "2c91808a7813090a017814121919ecca",
              "changes": {"description": {"before": "Old", "after": "New"}}, "members_add": [],
              "members_remove": [{"id": "2c9180835d2e5168015d32f890ca1583", "name": "Grace Hopper"}]}]
    to_delete: []
    in_use: []
    unchanged: ["All Engineering", "Auditors"]
in_use:
  description:
    - The groups that were to be deleted but are in use (by access profiles, roles, SOD policies or sources). They are
      kept, reported here and as a warning; the task does not fail because of them.
  returned: success, and when some groups failed
  type: list
  elements: dict
  contains:
    id:
      description: Group id.
      type: str
      returned: always
    name:
      description: Group name.
      type: str
      returned: always
    reason:
      description: V(absent) or V(purge), as in RV(plan.to_delete).
      type: str
      returned: always
    connection_count:
      description: The number of connections, as listed (null when only the delete answer told).
      type: int
      returned: always
    connections:
      description:
        - The connections (ISC WorkgroupConnectionDto, C({object {type, id, name, description}, connectionType})), the first 50.
        - Read for at most 10 groups per run (one request each); null for the others or when the read failed.
      type: list
      elements: dict
      returned: always
  sample: [{"id": "2c91808a7813090a017814121919ecca", "name": "IT Security Reviewers", "reason": "purge", "connection_count": 1,
            "connections": [{"object": {"type": "ROLE", "id": "2c9180847e25f377017e2a1b4b2a1f9b", "name": "Security Analyst",
                                        "description": null}, "connectionType": "Owner"}]}]
failures:
  description: Everything that failed; empty on success.
  returned: success, and when some groups failed
  type: list
  elements: dict
  contains:
    name:
      description: Group name.
      type: str
      returned: always
    id:
      description: Group id; null when a create failed.
      type: str
      returned: always
    action:
      description: V(create), V(update), V(add members), V(remove members) or V(delete).
      type: str
      returned: always
    status:
      description: The HTTP status (of the request, or of the failed 207 items when they agree); null without an answer.
      type: int
      returned: always
    message:
      description: ISC's message (or the connection error).
      type: str
      returned: always
    tracking_id:
      description: ISC's trackingId of the failed request, when it sent one.
      type: str
      returned: always
    identities:
      description: For member writes, the identities ISC refused, C({id, name, status, description}) each.
      type: list
      elements: dict
      returned: when a member write was refused per identity
  sample: [{"name": "Cloud Admins", "id": "2c91808a7813090a017814121919ecca", "action": "add members", "status": 404,
            "message": "ISC refused 1 identity: ffffffffffffffffffffffffffffffff: HTTP 404 Referenced Identity ...", "tracking_id": null,
            "identities": [{"id": "ffffffffffffffffffffffffffffffff", "name": null, "status": 404,
                            "description": "Referenced Identity \"ffffffffffffffffffffffffffffffff\" was not found."}]}]
counts:
  description:
    - What was done (in check mode, what would be done).
    - C(created), C(updated) and C(deleted) count groups; C(updated) counts a group whose fields or members changed.
      C(members_added) and C(members_removed) count identities; C(unchanged) counts listed groups already as requested.
  returned: success, and when some groups failed
  type: dict
  sample: {"created": 1, "updated": 1, "deleted": 0, "unchanged": 2, "members_added": 1, "members_removed": 1}
diff:
  description:
    - The groups the plan touches, keyed by name, before and after (only with C(--diff)).
    - Each side has C(description), C(owner) (C(name (id))) and, when the members are managed, C(members) (sorted
      C(name (id)) lines). A created group is only in C(after); a deleted group is only in C(before), with C(member_count).
  returned: when diff mode is on
  type: dict
  sample:
    before: {"Finance Approvers": {"description": "Old", "owner": "Ada Lovelace (2c9180835d2e5168015d32f890ca1581)",
                                   "members": ["Grace Hopper (2c9180835d2e5168015d32f890ca1583)"]}}
    after: {"Finance Approvers": {"description": "New", "owner": "Ada Lovelace (2c9180835d2e5168015d32f890ca1581)",
                                  "members": []}}
"""

import itertools
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sailpoint.isc.plugins.module_utils._client import (
    PAGE_LIMITS,
    WORKGROUP_DELETE_CHUNK,
    IscApiError,
    IscAuthError,
    IscConfigError,
    IscConnectionError,
    IscError,
    IscRateLimitError,
    chunked,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import (
    IscIdentityResolutionError,
    parse_reference,
    resolve_identities,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._members import ADD, REMOVE, classify_results, describe_failures, plural
from ansible_collections.sailpoint.isc.plugins.module_utils._module import client_from_module, fail_on_error, fail_with_error, isc_module_kwargs
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import (
    ABSENT,
    PRESENT,
    Plan,
    PlanError,
    ambiguous_names,
    build_diff,
    check_desired,
    index_by_name,
    plan_groups,
    render_summary,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    MANAGED_FIELDS,
    build_create_body,
    build_patch,
    describe,
    format_connections,
)

GROUP_OPTIONS = {
    "name": {"type": "str", "required": True},
    "description": {"type": "str"},
    "owner": {"type": "raw"},
    "members": {"type": "list", "elements": "raw"},
    "members_exclusive": {"type": "bool"},
    "state": {"type": "str", "default": PRESENT, "choices": [PRESENT, ABSENT]},
}

# After these errors the remaining writes are not attempted: they are not about one group and would fail alike.
STOP_ERRORS = (IscConnectionError, IscAuthError, IscRateLimitError, IscConfigError)
# Connections are read (one request, the first page) for at most this many groups in use per run.
CONNECTION_READS = 10

Reference = Tuple[str, str]


class _Stop(Exception):
    """An error that ends the writes (see STOP_ERRORS)."""


def resolve_references(client: Any, references: Sequence[Reference], verify_ids: bool, known_ids: Set[str]) -> Dict[Reference, Dict[str, Any]]:
    """Every distinct ``(key, value)`` reference -> identity ``{id, name, alias, email}``.

    Plain ids are trusted without a request unless ``verify_ids``; ids in ``known_ids`` (members and owners
    the tenant already shows) never need one. The others go to one resolve_identities call, which batches
    the lookups (ceil(n / 50) requests per kind). Raises IscIdentityResolutionError listing every reference
    that failed.
    """
    resolved = {}  # type: Dict[Reference, Dict[str, Any]]
    lookups = []  # type: List[Reference]
    for reference in references:
        if reference in resolved:
            continue
        key, value = reference
        if key == "id" and (not verify_ids or value in known_ids):
            resolved[reference] = {"id": value, "name": None, "alias": None, "email": None}
        else:
            resolved[reference] = {}
            lookups.append(reference)
    if lookups:
        found = resolve_identities(client, [{key: value} for key, value in lookups], verify_ids=True)
        resolved.update(zip(lookups, found))
    return resolved


class Converge:
    """One run: read the tenant, plan, report, then write the difference."""

    def __init__(self, module: AnsibleModule) -> None:
        self.module = module
        self.params = module.params
        self.client = None  # type: Any
        self.changed = False
        self.failures = []  # type: List[Dict[str, Any]]
        self.in_use = []  # type: List[Dict[str, Any]]
        self.counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0, "members_added": 0, "members_removed": 0}
        self.connection_reads = 0
        self.stopped = None  # type: Optional[IscError]

    # ------------------------------------------------------------ read and plan
    def entries(self) -> List[Dict[str, Any]]:
        """The listed groups with defaults applied; fails on any bad name, state or reference before any request."""
        entries = []
        problems = []  # type: List[str]
        for index, raw in enumerate(self.params["groups"]):
            exclusive = raw.get("members_exclusive")
            entry = {"name": raw["name"], "state": raw.get("state") or PRESENT, "description": raw.get("description"),
                     "owner": raw.get("owner"), "members": raw.get("members"),
                     "members_exclusive": self.params["members_exclusive"] if exclusive is None else exclusive}
            if entry["state"] == PRESENT:
                for where, reference in self._references(entry):
                    try:
                        parse_reference(reference)
                    except ValueError as exc:
                        problems.append("groups[%d] \"%s\" %s: %s" % (index, entry["name"], where, exc))
            entries.append(entry)
        problems = check_desired(entries, self.params["protected"]) + problems
        if problems:
            self.module.fail_json(msg="Invalid groups, nothing was read or changed: %s" % "; ".join(problems), problems=problems)
        return entries

    @staticmethod
    def _references(entry: Mapping[str, Any]) -> List[Tuple[str, Any]]:
        found = []  # type: List[Tuple[str, Any]]
        if entry["owner"] is not None:
            found.append(("owner", entry["owner"]))
        for position, member in enumerate(entry["members"] or []):
            found.append(("members[%d]" % position, member))
        return found

    def read_groups(self, entries: List[Dict[str, Any]]) -> Tuple[List[Dict[str, Any]], Dict[str, List[Any]]]:
        with fail_on_error(self.module, "list the governance groups"):
            groups = list(self.client.list_workgroups())
        by_name = index_by_name(groups)
        problems = ambiguous_names(entries, by_name)
        if problems:
            self.module.fail_json(msg="Cannot converge, nothing was changed: %s" % "; ".join(problems), problems=problems)
        return groups, by_name

    def read_members(self, entries: List[Dict[str, Any]], by_name: Mapping[str, List[Any]]) -> Dict[str, Dict[str, Any]]:
        """Members of every listed, existing group whose members are managed (no read when memberCount is 0)."""
        members = {}  # type: Dict[str, Dict[str, Any]]
        for entry in entries:
            matches = by_name.get(entry["name"]) or []
            if entry["state"] != PRESENT or entry["members"] is None or not matches:
                continue
            group = matches[0]
            if group.get("memberCount") == 0:
                continue
            with fail_on_error(self.module, "read the members of %s" % describe(group.get("id"), entry["name"])):
                members[group["id"]] = {member["id"]: member for member in self.client.list_members(group["id"])}
        return members

    def resolve(self, entries: List[Dict[str, Any]], groups: List[Dict[str, Any]], members: Mapping[str, Mapping[str, Any]]) -> List[Dict[str, Any]]:
        """The entries with owner and members resolved to identities; every bad reference is reported together."""
        known = set()  # type: Set[str]
        for group in groups:
            owner = group.get("owner")
            if isinstance(owner, dict) and owner.get("id"):
                known.add(owner["id"])
        for group_members in members.values():
            known.update(group_members)
        users = {}  # type: Dict[Reference, List[str]]
        for entry in entries:
            if entry["state"] == PRESENT:
                for _where, reference in self._references(entry):
                    users.setdefault(parse_reference(reference), []).append(entry["name"])
        try:
            resolved = resolve_references(self.client, list(users), self.params["verify_identity_ids"], known)
        except IscIdentityResolutionError as exc:
            problems = self._name_users(exc.problems, users)
            self.module.fail_json(msg="Could not resolve %s, nothing was changed: %s"
                                  % (plural(len(problems), "identity reference"), "; ".join(problems)), problems=problems)
        except IscError as exc:
            fail_with_error(self.module, "resolve the identity references", exc)
        desired = []
        for entry in entries:
            item = dict(entry)
            if entry["state"] == PRESENT:
                if entry["owner"] is not None:
                    item["owner"] = resolved[parse_reference(entry["owner"])]
                if entry["members"] is not None:
                    item["members"] = [resolved[parse_reference(member)] for member in entry["members"]]
            desired.append(item)
        return desired

    @staticmethod
    def _name_users(problems: List[str], users: Mapping[Reference, List[str]]) -> List[str]:
        """Each problem plus the groups that use the reference it names (the resolver starts it with ``key 'value':``)."""
        by_prefix = {"%s %r:" % reference: names for reference, names in users.items()}
        named = []
        for problem in problems:
            names = None  # type: Optional[List[str]]
            for position, char in enumerate(problem):
                if char == ":" and problem[:position + 1] in by_prefix:
                    names = by_prefix[problem[:position + 1]]
                    break
            if names:
                shown = ", ".join('"%s"' % name for name in names[:5]) + (" and %d more" % (len(names) - 5) if len(names) > 5 else "")
                problem = "%s (in %s)" % (problem, shown)
            named.append(problem)
        return named

    # ------------------------------------------------------------ act
    def failure(self, name: Optional[str], group_id: Optional[str], action: str, error: Optional[IscError] = None,
                identities: Optional[List[Dict[str, Any]]] = None, message: Optional[str] = None) -> None:
        item = {"name": name, "id": group_id, "action": action, "status": None, "message": message or "",
                "tracking_id": None}  # type: Dict[str, Any]
        if isinstance(error, IscApiError):
            item.update(status=error.status, message="; ".join(error.messages) or error.error or str(error), tracking_id=error.tracking_id)
        elif error is not None:
            item["message"] = str(error)
        if identities is not None:
            statuses = {identity["status"] for identity in identities}
            item.update(identities=identities, status=statuses.pop() if len(statuses) == 1 else None)
        self.failures.append(item)

    def call(self, name: Optional[str], group_id: Optional[str], action: str, request: Callable[[], Any]) -> Tuple[bool, Any]:
        """``(True, answer)``, or ``(False, None)`` with the failure recorded; raises _Stop after a STOP_ERRORS error."""
        try:
            return True, request()
        except IscError as exc:
            self.failure(name, group_id, action, exc)
            if isinstance(exc, STOP_ERRORS):
                self.stopped = exc
                raise _Stop()
            return False, None

    def write_members(self, name: str, group_id: str, action: str, identities: List[Dict[str, Any]]) -> bool:
        """Bulk-add or bulk-remove ``identities``; True when every item ended as wanted (409 on add, 404 on remove count)."""
        if not identities:
            return True
        ids = [identity["id"] for identity in identities]
        send = self.client.add_members if action == ADD else self.client.remove_members
        label = "add members" if action == ADD else "remove members"
        ok, items = self.call(name, group_id, label, lambda: send(group_id, ids))
        if not ok:
            return False
        outcome = classify_results(action, items, requested=ids)
        self.counts["members_added" if action == ADD else "members_removed"] += len(outcome.done)
        self.changed = self.changed or bool(outcome.done)
        if outcome.failed:
            known = {identity["id"]: identity for identity in identities}
            refused = [{"id": f["id"], "name": (known.get(f["id"]) or {}).get("name"), "status": f["status"], "description": f["description"]}
                       for f in outcome.failed]
            self.failure(name, group_id, label, identities=refused,
                         message="ISC refused %s: %s" % (plural(len(refused), "identity", "identities"), describe_failures(outcome.failed, known)))
            return False
        return True

    def create(self, item: Dict[str, Any]) -> None:
        name = item["name"]
        desired = {"name": name, "owner": {"id": item["owner"]["id"]}}  # type: Dict[str, Any]
        if item["description"] is not None:
            desired["description"] = item["description"]
        ok, group = self.call(name, None, "create", lambda: self.client.create_workgroup(build_create_body(desired)))
        if not ok:
            return
        self.changed = True
        self.counts["created"] += 1
        group_id = group.get("id") if isinstance(group, dict) else None
        if not group_id:
            self.failure(name, None, "add members", message="ISC's answer to the create has no group id; members were not added")
            return
        self.write_members(name, group_id, ADD, item["members"])

    def update(self, item: Dict[str, Any], group: Dict[str, Any]) -> None:
        name, group_id, changes = item["name"], item["id"], item["changes"]
        members_before = (self.counts["members_added"], self.counts["members_removed"])
        patched = False
        try:
            if changes:
                fields = [field for field in MANAGED_FIELDS if field in changes]
                desired = {field: ({"id": changes[field]["after"]["id"]} if field == "owner" else changes[field]["after"]) for field in fields}
                patched, _answer = self.call(name, group_id, "update", lambda: self.client.patch_workgroup(group_id, build_patch(group, desired, fields)))
                self.changed = self.changed or patched
            if self.write_members(name, group_id, ADD, item["members_add"]):
                self.write_members(name, group_id, REMOVE, item["members_remove"])
        finally:  # also when a _Stop ends the run: what was done is counted
            if patched or (self.counts["members_added"], self.counts["members_removed"]) != members_before:
                self.counts["updated"] += 1

    def delete(self, items: List[Dict[str, Any]]) -> None:
        by_id = {item["id"]: item for item in items}
        for chunk in chunked(list(by_id), WORKGROUP_DELETE_CHUNK):
            try:
                answers = self.client.bulk_delete_workgroups(chunk)
            except IscError as exc:
                for group_id in chunk:
                    self.failure(by_id[group_id]["name"], group_id, "delete", exc)
                if isinstance(exc, STOP_ERRORS):
                    self.stopped = exc
                    raise _Stop()
                continue
            seen = set()  # type: Set[str]
            for answer in answers:
                group_id = answer.get("id")
                if group_id not in by_id or group_id in seen:
                    continue
                seen.add(group_id)
                self.deleted(by_id[group_id], answer)
            for group_id in chunk:
                if group_id not in seen:
                    self.failure(by_id[group_id]["name"], group_id, "delete", message="ISC's 207 answer has no item for this group")

    def deleted(self, item: Dict[str, Any], answer: Mapping[str, Any]) -> None:
        """Account for one item of the bulk-delete answer: 204 deleted, 404 already gone, 409 in use."""
        status = answer.get("status")
        if status == 204:
            self.changed = True
            self.counts["deleted"] += 1
        elif status == 404:
            self.module.warn("Governance group \"%s\" (id %s) was already deleted by someone else." % (item["name"], item["id"]))
        elif status == 409:
            self.report_in_use({"name": item["name"], "id": item["id"], "reason": item["reason"], "connection_count": None})
        else:
            self.failures.append({"name": item["name"], "id": item["id"], "action": "delete", "status": status,
                                  "message": " ".join(str(answer.get("description") or "").split()), "tracking_id": None})

    def report_in_use(self, item: Dict[str, Any]) -> None:
        """Record a group that cannot be deleted, with its connections when affordable, and warn about it."""
        connections = None  # type: Optional[List[Dict[str, Any]]]
        if self.connection_reads < CONNECTION_READS:
            self.connection_reads += 1
            try:
                connections = list(itertools.islice(self.client.list_connections(item["id"]), PAGE_LIMITS["connections"]))
            except IscError as exc:
                self.module.warn("Could not read the connections of governance group \"%s\": %s" % (item["name"], exc))
        entry = dict(item, connections=connections)
        if entry["connection_count"] is None and connections is not None:
            entry["connection_count"] = len(connections)
        self.in_use.append(entry)
        used_by = ": %s" % format_connections(connections) if connections else ""
        count = entry["connection_count"]
        self.module.warn("Governance group \"%s\" (id %s) cannot be deleted: it is in use%s%s. Remove it from these objects first%s."
                         % (item["name"], item["id"], " by %s" % plural(count, "connection") if count else "", used_by,
                            ", or add it to protected" if item["reason"] == "purge" else ""))

    # ------------------------------------------------------------ the run
    def run(self) -> None:
        entries = self.entries()
        self.client = client_from_module(self.module)
        groups, by_name = self.read_groups(entries)
        members = self.read_members(entries, by_name)
        desired = self.resolve(entries, groups, members)
        try:
            plan = plan_groups(desired, {"groups": groups, "members": members}, self.params["purge"], self.params["protected"])
        except PlanError as exc:
            self.module.fail_json(msg="Cannot converge, nothing was changed: %s" % exc, problems=exc.problems)
        self.counts["unchanged"] = len(plan.unchanged)
        for item in plan.in_use:
            self.report_in_use(dict(item))
        if self.module.check_mode:
            self.counts.update(created=len(plan.create), updated=len(plan.update), deleted=len(plan.delete),
                               members_added=sum(item["member_count"] for item in plan.create) + sum(len(item["members_add"]) for item in plan.update),
                               members_removed=sum(len(item["members_remove"]) for item in plan.update))
            self.changed = plan.actions > 0
            self.finish(plan)
        try:
            for item in plan.create:
                self.create(item)
            for item in plan.update:
                self.update(item, dict(plan.groups[item["name"]]))
            if plan.delete:
                self.delete(plan.delete)
        except _Stop:
            pass
        self.finish(plan)

    def message(self, plan: Plan) -> str:
        """One sentence: what was done, or what check mode would do."""
        counts = self.counts
        if not (plan.actions or self.failures):
            return "Nothing to change: every listed governance group is as requested (%d unchanged)." % counts["unchanged"]
        text = "Created %d, updated %d and deleted %d governance groups; added %d and removed %d members; %d unchanged."
        if self.module.check_mode:
            text = "Would create %d, update %d and delete %d governance groups (add %d and remove %d members); %d unchanged."
        return text % (counts["created"], counts["updated"], counts["deleted"], counts["members_added"], counts["members_removed"], counts["unchanged"])

    def last_line(self) -> str:
        """The summary's last line: what was done (or that check mode changed nothing)."""
        if self.module.check_mode:
            return "Check mode: nothing was changed."
        counts = self.counts
        line = "Done: %d created, %d updated, %d deleted, %d unchanged; members +%d -%d" % (
            counts["created"], counts["updated"], counts["deleted"], counts["unchanged"], counts["members_added"], counts["members_removed"])
        if self.failures:
            line += "; %s (see failures)" % plural(len(self.failures), "failure")
        return line

    def finish(self, plan: Plan) -> None:
        """exit_json, or fail_json naming every failure and what did succeed."""
        result = {"changed": self.changed, "summary": render_summary(plan) + [self.last_line()], "plan": plan.to_dict(),
                  "in_use": self.in_use, "failures": self.failures, "counts": self.counts, "msg": self.message(plan)}  # type: Dict[str, Any]
        if self.module._diff:
            result["diff"] = build_diff(plan)
        if not self.failures:
            self.module.exit_json(**result)
        parts = []
        for failure in self.failures:
            if "identities" in failure:  # the message names each refused identity with its status
                text = "\"%s\" %s: %s" % (failure["name"], failure["action"], failure["message"])
            else:
                text = "\"%s\" %s: %s" % (failure["name"], failure["action"], "HTTP %s" % failure["status"] if failure["status"] else "failed")
                if failure["message"]:
                    text += " %s" % failure["message"]
            if failure["tracking_id"]:
                text += " [trackingId: %s]" % failure["tracking_id"]
            parts.append(text.rstrip("."))
        stopped = " The remaining writes were not attempted after this error." if self.stopped is not None else ""
        result["msg"] = "Failed to converge the governance groups (%s): %s.%s What succeeded: %s Run the task again to finish the job." % (
            plural(len(self.failures), "failure"), "; ".join(parts), stopped, result["msg"])
        self.module.fail_json(**result)


def main() -> None:
    module = AnsibleModule(**isc_module_kwargs(
        argument_spec={
            "groups": {"type": "list", "elements": "dict", "required": True, "options": GROUP_OPTIONS},
            "members_exclusive": {"type": "bool", "default": True},
            "purge": {"type": "bool", "default": False},
            "protected": {"type": "list", "elements": "str", "default": []},
            "verify_identity_ids": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    ))
    Converge(module).run()


if __name__ == "__main__":
    main()
