# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Governance group (workgroup) helpers shared by the modules.

``find_workgroup`` is the one way every module looks a group up (by id, or by exact name). Everything
else here is pure: it compares what the user asked for with what ISC returned, builds the JSON patch,
the would-be group for check mode and the diff. No AnsibleModule in here, so it is unit-testable.

Private to the collection: the API may change at any time.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, List, Optional

from ansible_collections.sailpoint.isc.plugins.module_utils._client import IscError

# The id reported for a group that check mode would create (ISC assigns the real one).
PLACEHOLDER_ID = "(would be created)"

# The fields of a group the workgroup module manages, in the order they are compared and patched.
MANAGED_FIELDS = ("name", "description", "owner")


class AmbiguousWorkgroupError(IscError):
    """More than one governance group has the exact name that was asked for: never guess which one."""

    def __init__(self, name: str, ids: Iterable[str]) -> None:
        self.name = name
        self.ids = sorted(ids)
        super().__init__(
            "%d governance groups are named '%s' (ids: %s); give the id of the one you mean instead of the name."
            % (len(self.ids), name, ", ".join(self.ids))
        )


def describe(workgroup_id: Optional[str] = None, name: Optional[str] = None) -> str:
    """How messages name a group: ``governance group 'Admins'``, or by id when that is all we have."""
    if name and workgroup_id:
        return "governance group '%s' (id %s)" % (name, workgroup_id)
    if workgroup_id:
        return "governance group with id '%s'" % workgroup_id
    return "governance group '%s'" % name


def exact_name_matches(groups: Iterable[Dict[str, Any]], name: str) -> List[Dict[str, Any]]:
    """The groups whose name is exactly ``name`` (ISC's ``name eq`` filter ignores case; we do not)."""
    return [group for group in groups if group.get("name") == name]


def find_workgroup(client: Any, workgroup_id: Optional[str] = None, name: Optional[str] = None) -> Optional[Dict[str, Any]]:
    """Return the group with this id, or the one group with exactly this name; ``None`` when there is none.

    ``workgroup_id`` wins when both are given (the name is then the desired name, e.g. for a rename).
    Raises :class:`AmbiguousWorkgroupError` when several groups have the name, and the client's
    ``IscError`` subclasses for API failures.
    """
    if workgroup_id:
        return client.get_workgroup(workgroup_id)
    if not name:
        raise ValueError("find_workgroup needs a workgroup_id or a name")
    matches = exact_name_matches(client.find_workgroups_by_name(name), name)
    if len(matches) > 1:
        raise AmbiguousWorkgroupError(name, [group.get("id", "?") for group in matches])
    return matches[0] if matches else None


def normalize_description(value: Optional[str]) -> str:
    """``None``, a missing description and ``''`` all mean "no description"."""
    return value or ""


def owner_id_of(group: Dict[str, Any]) -> Optional[str]:
    """The id of the group's owner, or ``None``. Owners compare by id only: ISC back-fills name, displayName, emailAddress."""
    owner = group.get("owner")
    if isinstance(owner, dict):
        return owner.get("id") or None
    return None


def owner_from_identity(identity: Dict[str, Any]) -> Dict[str, Any]:
    """An OwnerDto for a resolved identity: ``{"type": "IDENTITY", "id": ..., "name": ...}`` (name only when known)."""
    owner = {"type": "IDENTITY", "id": identity["id"]}  # type: Dict[str, Any]
    if identity.get("name"):
        owner["name"] = identity["name"]
    return owner


def _owner_payload(owner: Dict[str, Any]) -> Dict[str, Any]:
    # What we send: ISC fills in the rest (name, displayName, emailAddress) itself.
    return {"type": owner.get("type") or "IDENTITY", "id": owner["id"]}


def desired_fields(name: Optional[str] = None, description: Optional[str] = None, owner: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The managed fields the user gave (``None`` = not managed). ``owner`` is an OwnerDto, see :func:`owner_from_identity`."""
    desired = {}  # type: Dict[str, Any]
    if name is not None:
        desired["name"] = name
    if description is not None:
        desired["description"] = description
    if owner is not None:
        desired["owner"] = owner
    return desired


def field_differs(field: str, current: Dict[str, Any], desired: Dict[str, Any]) -> bool:
    """Whether one managed field of ``current`` must change to reach ``desired`` (fields not in ``desired`` never do)."""
    if field not in desired:
        return False
    if field == "description":
        return normalize_description(current.get("description")) != normalize_description(desired["description"])
    if field == "owner":
        return owner_id_of(current) != owner_id_of(desired)
    return current.get(field) != desired[field]


def changed_fields(current: Dict[str, Any], desired: Dict[str, Any]) -> List[str]:
    """The managed fields that differ, in :data:`MANAGED_FIELDS` order; ``[]`` means nothing to do."""
    return [field for field in MANAGED_FIELDS if field_differs(field, current, desired)]


def build_patch(current: Dict[str, Any], desired: Dict[str, Any], fields: Iterable[str]) -> List[Dict[str, Any]]:
    """JSON patch (RFC 6902) operations that set ``fields`` of ``current`` to their ``desired`` values.

    ``replace`` needs the member to exist; a field ISC omitted (e.g. no description yet) gets ``add``.
    """
    operations = []  # type: List[Dict[str, Any]]
    for field in fields:
        value = desired[field]
        if field == "owner":
            value = _owner_payload(value)
        operations.append({"op": "replace" if field in current else "add", "path": "/" + field, "value": value})
    return operations


def build_create_body(desired: Dict[str, Any]) -> Dict[str, Any]:
    """The POST /workgroups body for a new group (``name`` and ``owner`` must be in ``desired``)."""
    body = {"name": desired["name"], "owner": _owner_payload(desired["owner"])}  # type: Dict[str, Any]
    if "description" in desired:
        body["description"] = desired["description"]
    return body


def apply_fields(current: Dict[str, Any], desired: Dict[str, Any], fields: Iterable[str]) -> Dict[str, Any]:
    """The group as it would be after patching ``fields`` (check mode's answer); ``current`` is not modified."""
    group = copy.deepcopy(current)
    for field in fields:
        group[field] = copy.deepcopy(desired[field])
    return group


def would_be_created(desired: Dict[str, Any]) -> Dict[str, Any]:
    """The group check mode reports for a create: the desired fields, a placeholder id, no members or connections."""
    group = {"id": PLACEHOLDER_ID}  # type: Dict[str, Any]
    group.update(copy.deepcopy(desired))
    group.setdefault("description", "")
    group.update(memberCount=0, connectionCount=0)
    return group


def _field_view(field: str, group: Dict[str, Any]) -> Any:
    if field == "description":
        return normalize_description(group.get("description"))
    if field == "owner":
        owner = group.get("owner")
        if not isinstance(owner, dict):
            return None
        view = {"id": owner.get("id")}
        name = owner.get("name") or owner.get("displayName")
        if name:
            view["name"] = name
        return view
    return group.get(field)


def diff_view(group: Dict[str, Any], fields: Iterable[str] = MANAGED_FIELDS) -> Dict[str, Any]:
    """The fields of ``group`` shown in ``--diff`` output (owners as ``{id, name}``; descriptions never ``None``)."""
    return {field: _field_view(field, group) for field in fields}


def update_diff(current: Dict[str, Any], desired: Dict[str, Any], fields: List[str]) -> Dict[str, Dict[str, Any]]:
    """``{"before": ..., "after": ...}`` holding only the fields that change."""
    return {"before": diff_view(current, fields), "after": diff_view(apply_fields(current, desired, fields), fields)}


def format_connections(connections: Iterable[Dict[str, Any]]) -> str:
    """Connections for a message: ``ROLE 'Auditors' (Owner), SOURCE 'HR' (ManagementWorkgroup)``."""
    parts = []
    for connection in connections:
        obj = connection.get("object") or {}
        parts.append("%s '%s' (%s)" % (obj.get("type") or "?", obj.get("name") or obj.get("id") or "?", connection.get("connectionType") or "?"))
    return ", ".join(parts)
