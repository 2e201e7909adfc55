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
    + the writes + ceil(groups created / 50) (the check for simultaneous runs); the module sends exactly that, plus
    ceil(N / 10,000) search requests per distinct O(groups[].members_query) matching N identities, the identity lookups
    of references that are not plain ids (per kind of reference the cheaper of ceil(n / 50) C(/identities) and
    ceil(n / 400) search requests) and one connections read per group in use that would be deleted.
  - The group name is the key (exact, case-sensitive). A name listed twice is an error before any request. A listed
    name that several groups of the tenant carry is an error before any write, listing their ids (unless they are
    copies made by simultaneous runs, see below).
  - Simultaneous runs (two jobs converging the same list at the same time) never leave a duplicate. Groups that share a
    listed name are B(race copies) when each was created within 2 minutes of the oldest, has the oldest's owner, carries
    no description, the oldest's or the one the entry asks for, is used by nothing (no connection) and holds only
    members the oldest has or the entry asks for; only runs make such copies (a run writes nothing else). Checking the
    members costs one request per group of the name (a page of 50 members), only for names several groups carry. Every
    run settles them the same way, whichever run created which - when it reads the tenant (the plan deletes the copies,
    RV(plan.to_delete) with reason V(race copy), not counted by O(max_deletes)) and after its creates, also when a stop
    error ended its writes (one listing per 50 created names), and it keeps the oldest (by C(created), then C(id)),
    brings it to the requested state and deletes the younger copies (one already deleted by another run counts as done),
    with a warning. So the copies of a run that was killed are removed by the next run that manages the name. Namesakes
    outside this rule (another owner, description or member, created further apart, in use) stay an error that a person
    must mend, and so do the namesakes of a name in O(protected) (a protected name's groups are never deleted, race
    copies included).
  - A create whose answer was lost (a timeout, a dropped connection, HTTP 5xx) is looked up by name before it is sent
    again; when a group of the name exists, the settlement converges the oldest, without guessing which run made it.
  - The first write of a run is sent alone; the others go at the same time only after it succeeded, so a token
    without the rights to write costs one failing request.
  - The fields O(groups[].description), O(groups[].owner) and O(groups[].members) are managed only when given.
    Left out, they keep their value in ISC (a left-out O(groups[].members) never removes anybody).
  - Writes, in this order. Creates, each followed by a bulk-add of its members. Updates, each one JSON patch with only the
    differing fields, then the member additions, then the removals (none if an addition failed). Deletes last, through
    the bulk-delete endpoint in chunks of 100.
  - A group that fails does not stop the others, except for errors that are not about one group - the connection, the
    token's rights (HTTP 403 for a missing scope or user level, HTTP 401 after one re-authentication) and the rate limit
    once the retries ran out. They end the writes; the message names ISC's reason and the groups not attempted.
  - At the end the task fails if anything failed, naming each failure
    (group, HTTP status, ISC message, tracking id) and reporting what did succeed, so that running it again finishes the job.
author:
  - sailpoint.isc contributors (@sailpoint-isc)
options:
  groups:
    description:
      - The governance groups to manage.
      - Exactly one of O(groups) and O(groups_file) is required.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - The exact name of the group (case-sensitive). Each name may appear once in the list.
          - At most 128 characters (ISC documents no limit; the modules use a conservative one that every real name fits).
            A longer name fails before any request.
        type: str
        required: true
      description:
        description:
          - The description of the group. V("") means no description (an empty and a missing description are the same).
          - Left out, the description is not managed.
        type: str
      owner:
        description:
          - The owner, an identity reference. Either an identity id (a string of 32 hexadecimal characters; anything else
            fails before any request), or a dictionary with exactly one of the keys C(id), C(alias), C(email) or C(name).
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
          - Whether O(groups[].members) (with the identities O(groups[].members_query) matches) is the complete membership.
          - Defaults to the module option O(members_exclusive).
        type: bool
      members_query:
        description:
          - An ISC search query (the query syntax of ISC's search, for example
            V(attributes.department.exact:"Finance" AND attributes.cloudLifecycleState.exact:"active")) over the C(identities) index;
            the identities it matches are members, together with any listed in O(groups[].members).
          - Exact or additive as O(groups[].members_exclusive) says. Evaluated on every run, so the group follows the
            attributes on a schedule. Works with an API client without user context (search accepts C(sp:search:read)).
          - ISC's search matches words, not whole values - V(attributes.department:"Finance") also matches C(Corporate Finance)
            and C(Finance Ops); use the C(.exact) field for a whole value, V(attributes.department.exact:"Finance")
            (case-sensitive). A value with characters ISC splits words on (C(@ - / &) ...) or with spaces must be quoted
            or C(.exact); unquoted it fails before any request (ISC matched every identity for an unquoted email, and
            the words after a space have no field, so ISC looks for them in every field). So does a term without a
            field, C(AND) mixed with C(OR) without parentheses (ISC's search gives C(AND) no precedence - in
            C(a OR b AND c) both C(b) and C(c) are required), and a nested C(@accounts(...)), C(@access(...)) or
            C(@entitlements(...)) query (not supported). See the README.
          - Every field it names must exist on at least one identity (a misspelt field matches nobody, and under C(NOT)
            everyone), else the task fails before any write. Every clause it negates (C(NOT), C(!), C(-)) must match at
            least one identity, else the group is not changed unless O(groups[].allow_empty_query) (a typo in a negated
            value excludes nobody). The parser luqum must be installed where the module runs.
          - A query ISC refuses (HTTP 400) fails the task before any write, naming the group and ISC's message.
          - Search is eventually consistent - an identity appears in search a few seconds to a few minutes after it changes -
            and sees only what ISC indexes (for example no uncorrelated accounts); see the README.
          - Costs ceil(N / 10,000) search requests for N matching identities (one more when N is a multiple of 10,000), plus
            per run one count of the tenant's identities, one count per distinct field the queries name that the search
            documents do not declare (C(attributes.*)) and one count per distinct clause they negate.
          - Preview what it matches with M(sailpoint.isc.identity_info) (O(sailpoint.isc.identity_info#module:query)).
        type: str
      allow_empty_query:
        description:
          - Whether a O(groups[].members_query) that matches no identity may change the group (empty it, or create it empty),
            and whether one may negate a clause that matches no identity (C(... AND NOT attributes.title.exact:"Intern")
            while there is no intern).
          - By default such a group is left as it is and the task fails naming it, as a mistyped query, or a mistyped
            negated clause (which then excludes nobody), matches nobody.
        type: bool
        default: false
      max_removed_percent:
        description:
          - The most a O(groups[].members_query) may remove in one run, in percent of the group's current members.
          - A plan that removes more leaves the group as it is (nothing written to it, check mode included) and fails the
            task naming it and the share; raise the limit for the run that should make such a change.
          - The default V(50) lets the ordinary churn of an attribute-driven group through (a few percent per run) and
            stops what a narrowed or mistyped condition, or a search index that answers partially, would do.
        type: int
        default: 50
      max_added_percent:
        description:
          - The most a O(groups[].members_query) may add to an existing group in one run, in percent of its current members
            (a group with no members has only O(groups[].max_matched_percent)).
          - A plan that adds more leaves the group as it is (check mode included) and fails the task naming it, the count and
            the value that lets it through. The default V(100) (at most doubling the group) lets ordinary growth through.
        type: int
        default: 100
      max_matched_percent:
        description:
          - The most of the tenant's identities a O(groups[].members_query) may match, in percent (V(0) to V(100)).
          - A query that matches more leaves the group as it is (check mode included) and fails the task naming it and the
            count; raise it for a group that should hold that much of the tenant.
        type: int
        default: 50
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
        With an empty O(groups) that is every group that is not protected, so it needs O(allow_empty_purge=true);
        run with C(--check) first. At most O(max_deletes) groups are deleted per run.
      - Groups in use (with connections) are not deleted; they are reported in RV(in_use) and as a warning, and the
        task does not fail because of them.
    type: bool
    default: false
  max_deletes:
    description:
      - The most groups one run may delete (O(purge) and O(groups[].state=absent) together; groups in use are not counted,
        they are never deleted).
      - A plan that deletes more fails the task before any write, check mode included, with the plan in RV(summary) and
        RV(plan) and a message saying how many deletions it has; set O(max_deletes) to at least that number to allow it.
      - The default V(10) lets the usual cleanup of a change through (a few groups dropped from the list or listed as
        absent) and stops what a purge against a wrong, truncated or empty list, or the wrong tenant, would do - delete
        most of a tenant. V(0) forbids every delete.
    type: int
    default: 10
  allow_empty_purge:
    description:
      - Whether O(purge=true) with an empty O(groups) is allowed. It would delete every group that is not in O(protected),
        so by default it fails before any request (an empty list usually comes from a missing or mistyped variable).
      - O(max_deletes) still applies.
    type: bool
    default: false
  protected:
    description:
      - Names of groups that O(purge) never deletes (exact names, case included). A listed name that is protected
        never has a group deleted as a race copy either; when several groups carry it, the run fails as ambiguous.
      - A name may not be both protected and listed with O(groups[].state=absent).
      - A name with spaces before or after it fails before any request. Give a list, as in V([A, B]). Ansible splits
        a comma-separated string such as V(A, B) at the commas and keeps the spaces, so V( B) would protect nothing.
      - A protected name that no group of the tenant carries is a warning of the plan (a misspelled name protects
        nothing).
    type: list
    elements: str
    default: []
  full_result:
    description:
      - Whether RV(plan) names every listed group. By default it leaves out what did not change - no RV(plan.unchanged),
        and RV(plan.queries) only for the groups whose members change or whose query was refused - so that the result of
        a converge of thousands of groups is what a user reads (RV(summary), RV(counts), RV(failures), the groups that
        change, RV(diff)), whatever the size of the list. The C(unchanged) count of RV(counts) is always returned.
      - V(true) adds RV(plan.unchanged) (the name of every unchanged group) and every group's RV(plan.queries).
    type: bool
    default: false
  groups_file:
    description:
      - A file on the controller holding the list of O(groups) (the same entries), instead of O(groups). For thousands
        of groups - a list kept in an Ansible variable costs ansible-core 2.19 and later several milliseconds per group
        before the first request (the variable is loaded, templated and copied several times), a file next to nothing.
      - Read on the controller by the module's action plugin with plain JSON (a name ending in C(.json)) or YAML (any
        other name) and given to the module as it is, not templated - C({{ }}) in the file stays text. A relative path
        is looked up like the C(src) of M(ansible.builtin.copy) - the C(files/) directory, then the directory of the
        playbook (or role) - so V({{ playbook_dir }}/groups.yml) is the unambiguous form.
      - A file that is missing, a directory, empty, not valid JSON or YAML, or that does not hold a list fails the task
        before any request, naming the file. Each entry is checked like those of O(groups), and messages name the
        file and the entry, for example V(groups_file /srv/iam/groups.yml[3] "Auditors") followed by what is wrong.
      - An ansible-vault encrypted file is decrypted with the run's vault password, as the C(src) of
        M(ansible.builtin.copy). YAML dates and C(!!binary) values stay the text they are written as. A JSON file of
        10,000 groups is read in a fraction of a second, a YAML file of the same size takes seconds.
      - A list over 256 KiB as JSON turns pipelining off for this task - Ansible copies the module into its
        temporary directory, as it does by default - because Python reads a pipelined module and its arguments from
        standard input at about 2 MB per second, 1.3 seconds for 2,000 groups of 30 members. Not with become, and not
        for an ansible-vault encrypted file, whose list would then be on disk decrypted while the task runs.
      - Exactly one of O(groups) and O(groups_file) is required.
    type: path
  groups_label:
    description:
      - How messages point into O(groups), for example V(groups[0] "Finance Approvers" members[1]).
      - A wrapper sets it to the name of the variable its users edit; the role P(sailpoint.isc.governance_groups#role)
        sets V(isc_governance_groups).
    type: str
    default: groups
extends_documentation_fragment:
  - sailpoint.isc.auth
  - sailpoint.isc.auth.action_group
  - sailpoint.isc.auth.verify_identity_ids
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
  - References by C(id) or C(email) need an API client with the scope C(sp:search:read)
    (or a personal access token); references by C(alias) or C(name) need a personal access token (a token with
    user context). O(groups[].members_query) works with any token that may search (C(sp:search:read)). Only
    C(GET /identities) can look up an alias or a name (no search field is confirmed to hold the alias). Lookups take the
    endpoint with fewer requests - C(/identities) ceil(n / 50), search ceil(n / 400) - and search when C(/identities)
    answers HTTP 403 (a token without user context).
  - A group whose O(groups[].members_query) matches nobody or negates a clause that matches nobody (unless
    O(groups[].allow_empty_query)), more than
    O(groups[].max_matched_percent) of the tenant's identities, or would lose more than O(groups[].max_removed_percent) or gain
    more than O(groups[].max_added_percent) of its members is not changed; the others are converged and the task fails naming it.
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

- name: Groups that follow identity attributes; works with an API client without user context
  sailpoint.isc.workgroups:
    groups:
      - name: Finance Managers
        owner: 2c9180835d2e5168015d32f890ca1581
        members_query: 'attributes.department.exact:"Finance" AND isManager:true'  # .exact: not "Corporate Finance"
      - name: Active Engineering
        members_query: 'attributes.department.exact:"Engineering" AND attributes.cloudLifecycleState.exact:"active"'
        members:  # plus these, whatever their attributes
          - email: grace.hopper@example.com
        max_removed_percent: 80  # a reorganisation this run is expected to shrink the group

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

- name: Thousands of groups - the list in a file Ansible does not load as variables (read on the controller)
  sailpoint.isc.workgroups:
    groups_file: "{{ playbook_dir }}/files/governance_groups.json"  # a JSON or YAML list of the entries of groups
    purge: true
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
          description: V(absent) (listed with O(groups[].state=absent)), V(purge) (not listed, O(purge=true)) or
            V(race copy) (a younger copy of a listed group, made by simultaneous runs; see the notes).
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
      description:
        - The names of the listed groups that are already as requested (including absent ones that do not exist).
        - Only with O(full_result=true); the C(unchanged) count of RV(counts) counts them in every run.
      type: list
      elements: str
      returned: when O(full_result=true)
    queries:
      description:
        - The groups whose members follow O(groups[].members_query), each
          C({name, id, query, matched, spread, members_add, members_remove, refused}) - C(matched) is how many identities the
          query matched, C(spread) how they spread over the values of each field the query names (per field,
          each value and its count, most frequent first, at most 10 values; for example C(Finance) 340, C(Corporate Finance) 5),
          C(members_add) and C(members_remove) count the difference, and C(refused) says why the group is left as it is (the
          query matched nobody, more than O(groups[].max_matched_percent) of the tenant, or would remove or add more than
          O(groups[].max_removed_percent) / O(groups[].max_added_percent)), else null.
        - The groups whose members change or whose query was refused; with O(full_result=true) every group with a query.
      type: list
      elements: dict
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
    queries: [{"name": "Finance Managers", "id": "2c91808a7813090a017814121919ecca", "query": "attributes.department:\"Finance\" AND isManager:true",
               "matched": 12, "spread": {"attributes.department": {"Finance": 12}, "isManager": {"true": 12}},
               "members_add": 2, "members_remove": 1, "refused": null}]
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
    - Each side is a JSON text (so that C(--diff) shows names as they are; Ansible escapes non-ASCII text in a dict),
      C(from_json) reads it - an object keyed by group name whose values have C(description), C(owner)
      (C(name (id))) and, when the members are managed, C(members) (sorted C(name (id)) lines). A created group is only
      in C(after); a deleted group is only in C(before), with C(member_count). RV(plan) holds the same in structured
      form.
  returned: when diff mode is on
  type: dict
  sample:
    before: "{\"Finance Approvers\": {\"description\": \"Old\", \"members\": [\"Grace Hopper (2c9180835d2e5168015d32f890ca1583)\"], ...}}"
    after: "{\"Finance Approvers\": {\"description\": \"New\", \"members\": [], ...}}"
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import (
    ABSENT, MODE_ADD, DEFAULT_MAX_ADDED_PERCENT, DEFAULT_MAX_MATCHED_PERCENT, DEFAULT_MAX_REMOVED_PERCENT, MODE_EXACT, PRESENT, Entry, Request)
from ansible_collections.sailpoint.isc.plugins.module_utils._entries import check_entries
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._module import (
    ModuleFailure,
    ModuleResult,
    finish,
    isc_module_kwargs,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._pipeline import PLAN, READ, RESOLVE, VALIDATE, run_pipeline
from ansible_collections.sailpoint.isc.plugins.module_utils._report import report_converge

GROUP_OPTIONS = {
    "name": {"type": "str", "required": True},
    "description": {"type": "str"},
    "owner": {"type": "raw"},
    "members": {"type": "list", "elements": "raw"},
    "members_exclusive": {"type": "bool"},
    "members_query": {"type": "str"},
    "allow_empty_query": {"type": "bool", "default": False},
    "max_removed_percent": {"type": "int", "default": DEFAULT_MAX_REMOVED_PERCENT},
    "max_added_percent": {"type": "int", "default": DEFAULT_MAX_ADDED_PERCENT},
    "max_matched_percent": {"type": "int", "default": DEFAULT_MAX_MATCHED_PERCENT},
    "state": {"type": "str", "default": PRESENT, "choices": [PRESENT, ABSENT]},
}

WORDING = {
    VALIDATE: "Invalid groups, nothing was read or changed: {error}",
    READ: "Failed to read the governance groups: {error}",
    RESOLVE: "Could not resolve the identities (references and members queries), nothing was changed: {error}",
    PLAN: "Cannot converge, nothing was changed: {error}",
}


def main() -> None:
    module = AnsibleModule(**isc_module_kwargs(
        argument_spec={
            # GROUP_OPTIONS are documented as the suboptions of groups and checked by check_entries, once, naming the entry
            "groups": {"type": "list", "elements": "dict"},
            "groups_file": {"type": "path"},  # read by the action plugin, which passes groups instead
            "members_exclusive": {"type": "bool", "default": True},
            "purge": {"type": "bool", "default": False},
            "protected": {"type": "list", "elements": "str", "default": []},
            "max_deletes": {"type": "int", "default": 10},
            "allow_empty_purge": {"type": "bool", "default": False},
            "verify_identity_ids": {"type": "bool", "default": True},
            "groups_label": {"type": "str", "default": "groups"},
            "full_result": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
        mutually_exclusive=[("groups", "groups_file")],
        required_one_of=[("groups", "groups_file")],
    ))
    finish(module, converge)


def converge(module: AnsibleModule) -> ModuleResult:
    params = module.params
    if params["groups_file"] is not None:  # only a run that bypassed the action plugin (e.g. the module file run alone)
        raise ModuleFailure("groups_file is read on the controller by the action plugin sailpoint.isc.workgroups, "
                            "which did not run; give the list as groups. Nothing was sent to ISC.")
    groups, problems = check_entries(params["groups"], GROUP_OPTIONS, params["groups_label"])
    if problems:
        raise ModuleFailure(WORDING[VALIDATE].format(error=IscInputError(problems)), IscInputError(problems))
    entries = []
    for index, group in enumerate(groups):
        exclusive = params["members_exclusive"] if group["members_exclusive"] is None else group["members_exclusive"]
        entries.append(Entry(name=group["name"], state=group["state"], description=group["description"], owner=group["owner"],
                             members=group["members"], members_mode=MODE_EXACT if exclusive else MODE_ADD,
                             where="%s[%d]" % (params["groups_label"], index), members_query=group["members_query"],
                             allow_empty_query=group["allow_empty_query"], max_removed_percent=group["max_removed_percent"],
                             max_added_percent=group["max_added_percent"], max_matched_percent=group["max_matched_percent"]))
    request = Request(entries, purge=params["purge"], protected=params["protected"], verify_ids=params["verify_identity_ids"],
                      max_deletes=params["max_deletes"], allow_empty_purge=params["allow_empty_purge"])
    return report_converge(module, run_pipeline(module, request, WORDING), full=params["full_result"])


if __name__ == "__main__":
    main()
