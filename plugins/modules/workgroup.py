#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workgroup
short_description: Create, update and delete a SailPoint ISC governance group
version_added: 0.1.0
description:
  - Makes sure one governance group (API name C(workgroup)) of a SailPoint Identity Security Cloud (ISC) tenant
    exists with the given name, description and owner, or does not exist.
  - The group is identified by O(id), or else by its exact O(name). ISC compares names case-insensitively in
    filters; this module matches names exactly (case-sensitively).
  - Only the options that are given are managed. An option left out keeps its current value in ISC.
  - Updates are sent as one JSON patch holding only the fields that differ; when nothing differs no request that
    writes is sent. Owners are compared by identity id only.
  - Members are managed with M(sailpoint.isc.workgroup_members).
  - Simultaneous runs that create the same group never leave a duplicate. After a create (also when the create's
    answer was lost) the module lists the name once more; groups of that name created within 2 minutes of the oldest,
    with its owner, with no description, its description or the requested one, used by nothing and with no member (the
    module writes none) beyond the oldest's are copies made by simultaneous runs (checking the members costs one
    request per group of the name, only when several groups carry it); every run keeps the oldest (by C(created), then
    C(id)), deletes the younger copies and brings the oldest to the requested description and owner (it returns that
    group, with a warning). A run that finds such copies when it reads the tenant settles them the same way; other
    namesakes stay an error that a person must mend.
author:
  - sailpoint.isc contributors (@sailpoint-isc)
options:
  id:
    description:
      - The id of the governance group.
      - Required to rename a group (give O(id) and the new O(name)).
      - A group cannot be created with a chosen id; if no group has this id and O(state=present), the module fails.
    type: str
  name:
    description:
      - The exact name of the governance group.
      - Without O(id), the group is looked up by this name. When several groups have exactly this name the module
        fails and lists their ids; give O(id) then.
      - With O(id), the name the group should have (a rename when it differs); not used with O(state=absent).
      - Required to create a group.
      - At most 128 characters (ISC documents no limit; the modules use a conservative one that every real name fits).
        A longer name fails before any request.
    type: str
  description:
    description:
      - The description of the group.
      - V("") removes the description. An empty and a missing description are the same, so V("") against a group
        without description is no change.
      - Not used with O(state=absent).
    type: str
  owner:
    description:
      - The owner of the group, an identity reference.
      - Either an identity id (a string of 32 hexadecimal characters; anything else fails before any request), or a
        dictionary with exactly one of the keys C(id), C(alias), C(email) or C(name).
      - References by C(id) or C(email) need an API client with the scope C(sp:search:read)
        (or a personal access token); references by C(alias) or C(name) need a personal access token (a token with
        user context). An id is looked up too unless O(verify_identity_ids=false).
      - Required to create a group. Compared by identity id, so the same owner given by alias or by id is no change.
      - Not used with O(state=absent).
    type: raw
  state:
    description:
      - V(present) creates the group when it does not exist and updates the fields that differ.
      - V(absent) deletes the group when it exists. A group that is still used by access profiles, roles, SOD
        policies or sources (its connections) cannot be deleted; the module then fails and lists the connections.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - sailpoint.isc.auth
  - sailpoint.isc.auth.action_group
  - sailpoint.isc.auth.verify_identity_ids
attributes:
  check_mode:
    description: Can run in check mode and return the changed status and the would-be group without modifying ISC.
    support: full
    details:
      - Check mode sends only read requests. A group that would be created is reported with the id
        V((would be created)).
  diff_mode:
    description: Returns the fields that change, before and after, when run with C(--diff) (each side a JSON text that
      shows non-ASCII text as it is; C(from_json) reads it).
    support: full
    details:
      - Before is V({}) for a create; after is V({}) for a delete.
notes:
  - Both C(name) and C(owner) are required by ISC when a group is created.
  - Group names need not be unique in ISC. Looking a group up by a name that several groups share is an error, never a
    guess.
seealso:
  - module: sailpoint.isc.workgroup_info
  - module: sailpoint.isc.workgroup_members
  - name: Governance groups API (v2024)
    description: The ISC API this module calls.
    link: https://developer.sailpoint.com/docs/api/v2024/governance-groups
"""

EXAMPLES = r"""
- name: Create or update a governance group (owner given by alias)
  sailpoint.isc.workgroup:
    base_url: https://acme.api.identitynow.com
    client_id: "{{ isc_client_id }}"
    client_secret: "{{ isc_client_secret }}"
    name: Finance Approvers
    description: Approves access to finance applications.
    owner:
      alias: jane.doe

- name: Set the connection options once for every module of the collection
  module_defaults:
    group/sailpoint.isc.isc:
      base_url: https://acme.api.identitynow.com
      client_id: "{{ isc_client_id }}"
      client_secret: "{{ isc_client_secret }}"
  block:
    - name: Change only the owner (by identity id); name and description are left alone
      sailpoint.isc.workgroup:
        name: Finance Approvers
        owner: 2c9180835d2e5168015d32f890ca1581

    - name: Rename a group (give its id and the new name)
      sailpoint.isc.workgroup:
        id: 2c91808a7813090a017814121919ecca
        name: Finance Access Approvers
      register: renamed

    - name: Remove the description
      sailpoint.isc.workgroup:
        id: "{{ renamed.workgroup.id }}"
        description: ""

    - name: Delete a group (fails, listing the connections, while access profiles or roles still use it)
      sailpoint.isc.workgroup:
        name: Old Reviewers
        state: absent
"""

RETURN = r"""
workgroup:
  description:
    - The governance group as ISC returns it after the change (ISC's answer to the create or update).
    - In check mode, the group as it would be; a group that would be created has the id V((would be created)).
    - V({}) when the group does not exist at the end (O(state=absent)).
  returned: always
  type: dict
  contains:
    id:
      description: The id of the group.
      type: str
      returned: when the group exists
      sample: 2c91808a7813090a017814121919ecca
    name:
      description: The name of the group.
      type: str
      returned: when the group exists
      sample: Finance Approvers
    description:
      description: The description of the group; ISC may leave it out when the group has none.
      type: str
      returned: when the group has a description
      sample: Approves access to finance applications.
    owner:
      description: The owner identity. Besides C(id), ISC fills in C(name), C(displayName) and C(emailAddress).
      type: dict
      returned: when the group exists
      sample:
        type: IDENTITY
        id: 2c9180835d2e5168015d32f890ca1581
        name: ada.lovelace
        displayName: Ada Lovelace
        emailAddress: ada@example.com
    memberCount:
      description: How many identities are members of the group.
      type: int
      returned: when the group exists
      sample: 3
    connectionCount:
      description: How many access profiles, roles, SOD policies and sources use the group.
      type: int
      returned: when the group exists
      sample: 0
    created:
      description: When the group was created (ISO 8601). Not in the would-be group of check mode.
      type: str
      returned: when the group exists in ISC
      sample: "2024-03-01T10:00:00.000Z"
    modified:
      description: When the group was last changed (ISO 8601). Not in the would-be group of check mode.
      type: str
      returned: when the group exists in ISC
      sample: "2024-03-02T11:30:00.000Z"
msg:
  description: What the module did (or would do in check mode), in one line.
  returned: always
  type: str
  sample: "Updated governance group 'Finance Approvers' (id 2c91808a7813090a017814121919ecca): description, owner"
connections:
  description:
    - The connections that keep the group from being deleted, as ISC lists them.
    - Each has C(object) (C(type), C(id), C(name), C(description)) and C(connectionType).
  returned: when O(state=absent) fails because the group is in use
  type: list
  elements: dict
  sample:
    - object:
        type: ROLE
        id: 2c9180857182305e0171993735622948
        name: Security Analyst
        description: null
      connectionType: Owner
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import ABSENT, Entry, Request
from ansible_collections.sailpoint.isc.plugins.module_utils._module import ModuleResult, finish, isc_module_kwargs
from ansible_collections.sailpoint.isc.plugins.module_utils._pipeline import PLAN, READ, RESOLVE, VALIDATE, run_pipeline
from ansible_collections.sailpoint.isc.plugins.module_utils._report import report_workgroup
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import describe

WORDING = {VALIDATE: "Invalid options for {group}: {error}", READ: "Failed to look up {group}: {error}",
           RESOLVE: "Failed to resolve the owner of {group}: {error}", PLAN: "{error}"}


def main() -> None:
    module = AnsibleModule(**isc_module_kwargs(
        argument_spec={
            "id": {"type": "str"},
            "name": {"type": "str"},
            "description": {"type": "str"},
            "owner": {"type": "raw"},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            "verify_identity_ids": {"type": "bool", "default": True},
        },
        required_one_of=[["id", "name"]],
        supports_check_mode=True,
    ))
    finish(module, converge)


def converge(module: AnsibleModule) -> ModuleResult:
    params = module.params
    group_id, absent = params["id"], params["state"] == ABSENT
    # With an id, the name is the name the group should have (a rename); a deletion by id ignores it.
    entry = Entry(id=group_id, name=None if absent and group_id else params["name"], state=params["state"],
                  description=None if absent else params["description"], owner=None if absent else params["owner"],
                  not_found_message=None if not group_id else "No %s exists, and a group cannot be created with a given "
                                                              "id: to create a group, give name and owner without id."
                                                              % describe(group_id))
    request = Request([entry], verify_ids=params["verify_identity_ids"])
    return report_workgroup(module, run_pipeline(module, request, WORDING, describe(group_id, params["name"])))


if __name__ == "__main__":
    main()
