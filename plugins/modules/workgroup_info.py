#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: workgroup_info
short_description: Read SailPoint ISC governance groups, their members and connections
version_added: 0.1.0
description:
  - Returns governance groups (API name C(workgroups)) of a SailPoint Identity Security Cloud (ISC) tenant.
  - Select groups by O(id), by exact O(name), by a raw ISC O(filters) expression, or by O(member) (the groups an
    identity belongs to). Without any of these, every group of the tenant is returned.
  - Every page is read, so no result is cut off at the API's page size.
  - Optionally adds each group's complete member list and connection list.
  - Never changes anything.
author:
  - sailpoint.isc contributors (@sailpoint-isc)
options:
  id:
    description:
      - The id of one group. An unknown id returns an empty list, not an error.
    type: str
  name:
    description:
      - The exact (case-sensitive) name of the groups to return. Group names need not be unique, so this can return
        several groups.
    type: str
  filters:
    description:
      - An ISC filter expression, passed to the API as it is, for example V(name sw "Finance").
      - The groups endpoint supports C(id) (C(eq), C(in), C(sw)), C(name) (C(eq), C(sw), C(in)) and
        C(memberships.identityId) (C(eq), C(in)). Strings are in double quotes; operators are lowercase.
      - ISC compares strings case-insensitively here. An expression ISC cannot parse makes the module fail with
        ISC's message.
    type: str
  member:
    description:
      - An identity reference; returns the groups this identity is a member of.
      - Either an identity id (a string), or a dictionary with exactly one of the keys C(id), C(alias), C(email) or
        C(name). References by C(id) or C(email) need an API client with the scope C(sp:search:read)
        (or a personal access token); references by C(alias) or C(name) need a personal access token (a token with
        user context). An unknown
        identity makes the module fail. M(sailpoint.isc.identity_info) shows what a reference resolves to.
    type: raw
  sorters:
    description:
      - How to sort the groups, in ISC sorter syntax, for example V(name) or V(-created,name).
      - Sortable fields are C(name), C(created), C(modified), C(id) and C(description).
      - Not used with O(id).
    type: str
  include_members:
    description:
      - Add the key RV(workgroups[].members) with every member of each group (all pages).
      - Costs at least one request per group.
    type: bool
    default: false
  include_connections:
    description:
      - Add the key RV(workgroups[].connections) with every connection of each group (all pages).
      - Costs at least one request per group.
    type: bool
    default: false
extends_documentation_fragment:
  - sailpoint.isc.auth
  - sailpoint.isc.auth.action_group
attributes:
  check_mode:
    description: Can run in check mode.
    support: full
    details:
      - This module only reads.
  diff_mode:
    description: Would return details on what has changed.
    support: N/A
    details:
      - This module only reads.
notes:
  - O(id), O(name), O(filters) and O(member) are mutually exclusive.
seealso:
  - module: sailpoint.isc.workgroup
  - module: sailpoint.isc.workgroup_members
  - name: ISC filters and sorters
    description: The syntax of O(filters) and O(sorters).
    link: https://developer.sailpoint.com/docs/api/standard-collection-parameters
"""

EXAMPLES = r"""
- name: Read every governance group, sorted by name
  sailpoint.isc.workgroup_info:
    base_url: https://acme.api.identitynow.com
    client_id: "{{ isc_client_id }}"
    client_secret: "{{ isc_client_secret }}"
    sorters: name
  register: all_groups

- name: Set the connection options once for every module of the collection
  module_defaults:
    group/sailpoint.isc.isc:
      base_url: https://acme.api.identitynow.com
      client_id: "{{ isc_client_id }}"
      client_secret: "{{ isc_client_secret }}"
  block:
    - name: One group by name, with its members and connections
      sailpoint.isc.workgroup_info:
        name: Finance Approvers
        include_members: true
        include_connections: true
      register: finance

    - name: Show the member names of the group
      ansible.builtin.debug:
        msg: "{{ finance.workgroups[0].members | map(attribute='name') | list }}"
      when: finance.workgroups | length > 0

    - name: The groups whose name starts with Finance
      sailpoint.isc.workgroup_info:
        filters: name sw "Finance"

    - name: The groups an identity belongs to (identity given by email)
      sailpoint.isc.workgroup_info:
        member:
          email: jane.doe@example.com
"""

RETURN = r"""
workgroups:
  description:
    - The selected governance groups, as ISC returns them, in the order ISC returns them (see O(sorters)).
    - Empty when nothing matches (also for an unknown O(id)).
  returned: always
  type: list
  elements: dict
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
      sample: Finance Approvers
    description:
      description: The description of the group; ISC may leave it out when the group has none.
      type: str
      returned: when the group has a description
      sample: Approves access to finance applications.
    owner:
      description: The owner identity (C(type), C(id), C(name), C(displayName), C(emailAddress)).
      type: dict
      returned: always
      sample:
        type: IDENTITY
        id: 2c9180835d2e5168015d32f890ca1581
        name: ada.lovelace
        displayName: Ada Lovelace
        emailAddress: ada@example.com
    memberCount:
      description: How many identities are members of the group.
      type: int
      returned: always
      sample: 120
    connectionCount:
      description: How many access profiles, roles, SOD policies and sources use the group.
      type: int
      returned: always
      sample: 2
    created:
      description: When the group was created (ISO 8601).
      type: str
      returned: always
      sample: "2024-03-01T10:00:00.000Z"
    modified:
      description: When the group was last changed (ISO 8601).
      type: str
      returned: always
      sample: "2024-03-02T11:30:00.000Z"
    members:
      description: Every member of the group (C(type), C(id), C(name), C(email)).
      type: list
      elements: dict
      returned: when O(include_members=true)
      sample:
        - type: IDENTITY
          id: 2c9180835d2e5168015d32f890ca1582
          name: alan.turing
          email: alan@example.com
    connections:
      description:
        - Every object that uses the group. C(object) has C(type) (C(ACCESS_PROFILE), C(ROLE), C(SOD_POLICY) or
          C(SOURCE)), C(id), C(name) and C(description); C(connectionType) is C(AccessRequestReviewer), C(Owner)
          or C(ManagementWorkgroup).
      type: list
      elements: dict
      returned: when O(include_connections=true)
      sample:
        - object:
            type: ACCESS_PROFILE
            id: 2c9180857182305e0171993735622948
            name: Prod DB Admin
            description: Administrative access to the production databases.
          connectionType: AccessRequestReviewer
"""


from typing import Any, Dict, List

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sailpoint.isc.plugins.module_utils._filters import eq
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import describe_reference, resolve_identity
from ansible_collections.sailpoint.isc.plugins.module_utils._module import (
    ModuleResult,
    client_from_module,
    fail_on_error,
    finish,
    isc_module_kwargs,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import describe, exact_name_matches

SELECTORS = ["id", "name", "filters", "member"]


def select_workgroups(module: AnsibleModule, client: Any) -> List[Dict[str, Any]]:
    """The groups the selector options ask for (all pages)."""
    params = module.params
    sorters = params["sorters"]
    if params["id"] is not None:
        with fail_on_error(module, "read " + describe(params["id"])):
            group = client.get_workgroup(params["id"])
        return [group] if group else []
    if params["name"] is not None:
        with fail_on_error(module, "list governance groups named '%s'" % params["name"]):
            return exact_name_matches(client.list_workgroups(filters=eq("name", params["name"]), sorters=sorters), params["name"])
    if params["filters"] is not None:
        with fail_on_error(module, "list governance groups with filters '%s'" % params["filters"]):
            return list(client.list_workgroups(filters=params["filters"], sorters=sorters))
    if params["member"] is not None:
        what = "the governance groups of the identity with %s" % describe_reference(params["member"])
        with fail_on_error(module, "list " + what):
            identity = resolve_identity(client, params["member"])
            return list(client.list_workgroups(filters=eq("memberships.identityId", identity["id"]), sorters=sorters))
    with fail_on_error(module, "list governance groups"):
        return list(client.list_workgroups(sorters=sorters))


def main() -> None:
    module = AnsibleModule(**isc_module_kwargs(
        argument_spec={
            "id": {"type": "str"},
            "name": {"type": "str"},
            "filters": {"type": "str"},
            "member": {"type": "raw"},
            "sorters": {"type": "str"},
            "include_members": {"type": "bool", "default": False},
            "include_connections": {"type": "bool", "default": False},
        },
        mutually_exclusive=[SELECTORS],
        supports_check_mode=True,
    ))
    finish(module, read_workgroups)


def read_workgroups(module: AnsibleModule) -> ModuleResult:
    client = client_from_module(module)
    workgroups = select_workgroups(module, client)
    for group in workgroups:
        target = describe(group.get("id"), group.get("name"))
        if module.params["include_members"]:
            with fail_on_error(module, "list the members of " + target):
                group["members"] = list(client.list_members(group["id"]))
        if module.params["include_connections"]:
            with fail_on_error(module, "list the connections of " + target):
                group["connections"] = list(client.list_connections(group["id"]))
    return ModuleResult({"changed": False, "workgroups": workgroups})


if __name__ == "__main__":
    main()
