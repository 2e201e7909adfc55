# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rules of the governance group (workgroup) domain, in one place.

Private to the collection (``_`` prefix). Pure functions, no HTTP: how a group is named in messages,
how names match (exactly, although ISC's ``name`` filter ignores case), what "no description" is,
how owners compare (by id), the request bodies of a create and a JSON patch (the field table FIELDS), and
which namesakes are copies made by simultaneous runs (race_copies).
"""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

# The id reported for a group that check mode would create (ISC assigns the real one).
PLACEHOLDER_ID = "(would be created)"

# The longest governance group name the modules send. ISC documents no limit for WorkgroupDto.name; 128 is a
# conservative bound: every real group name fits, ISC's UI lists names on one line, and a lookup by name puts the
# name in the URL (a 70,000-character name got HTTP 414 there). A longer name fails before any request.
MAX_NAME_LENGTH = 128
# Namesakes created within this many seconds of the oldest may be copies made by simultaneous runs (see race_copies).
RACE_WINDOW = 120.0
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
# How much of an over-long value a message shows (then its length).
SHOWN_CHARACTERS = 80

_TIMESTAMP_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def quoted_name(name: Any, mark: str = "'") -> str:
    """A name in a message, between ``mark``; a name longer than MAX_NAME_LENGTH shows its first SHOWN_CHARACTERS and
    its length."""
    if isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        return "%s%s...%s (%d characters)" % (mark, name[:SHOWN_CHARACTERS], mark, len(name))
    return "%s%s%s" % (mark, name, mark)


def describe(workgroup_id: Optional[str] = None, name: Optional[str] = None) -> str:
    """How messages name a group: ``governance group 'Admins'``, or by id when that is all we have."""
    if name and workgroup_id:
        return "governance group %s (id %s)" % (quoted_name(name), workgroup_id)
    if workgroup_id:
        return "governance group with id '%s'" % workgroup_id
    return "governance group %s" % quoted_name(name)


def exact_name_matches(groups: Iterable[Mapping[str, Any]], name: str) -> List[Dict[str, Any]]:
    """The groups whose name is exactly ``name`` (ISC's ``name eq`` filter ignores case; we do not)."""
    return [dict(group) for group in groups if group.get("name") == name]


def normalize_description(value: Optional[str]) -> str:
    """``None``, a missing description and ``''`` all mean "no description"."""
    return value or ""


def owner_id_of(group: Mapping[str, Any]) -> Optional[str]:
    """The id of the group's owner, or ``None``. Owners compare by id only: ISC back-fills name, displayName,
    emailAddress."""
    owner = group.get("owner")
    if isinstance(owner, Mapping):
        return owner.get("id") or None
    return None


def shown_identities(snapshot: Any) -> Dict[str, Mapping[str, Any]]:
    """Identity id -> ``{id, name, email}`` of every identity the groups read show (``snapshot``: ``groups``,
    ``matches``, ``members`` as ``_reader.Snapshot`` holds them): their owners (ISC back-fills the name, or
    displayName, and emailAddress) and their members (the records as read, which carry id, name and email). Such an
    id exists: it needs no lookup, and its name shows in the plan."""
    shown = {}  # type: Dict[str, Mapping[str, Any]]
    for group in list(snapshot.groups) + [group for group in snapshot.matches if group is not None]:
        owner_id = owner_id_of(group)
        if owner_id:
            owner = group["owner"]
            shown[owner_id] = {"id": owner_id, "name": owner.get("name") or owner.get("displayName"),
                               "email": owner.get("emailAddress")}
    for members in snapshot.members.values():
        shown.update(members)
    return shown


def owner_payload(owner_id: str) -> Dict[str, Any]:
    """The OwnerDto we send: ISC fills in the rest (name, displayName, emailAddress) itself."""
    return {"type": "IDENTITY", "id": owner_id}


class Field:
    """One managed field of a group: how the tenant's value compares, what the user's value compares as, what a
    create or patch body sends, and whether it names an identity (then the value is an identity id and the report
    shows the identity: ``{id, name}``, ``name (id)``).

    Adding a field that ISC can patch means one more row of FIELDS (and the option in the modules' docs): the
    planner, the settlement, the request bodies and the report all read this table.
    """

    def __init__(
        self,
        name: str,
        current: Callable[[Mapping[str, Any]], Any],
        normalise: Callable[[Any], Any] = lambda value: value,
        send: Callable[[Any], Any] = lambda value: value,
        identity: bool = False,
    ) -> None:
        self.name = name
        self.current = current  # the tenant's value, as it compares
        self.normalise = normalise  # the user's value, as it compares
        self.send = send  # the value a create or patch body carries
        self.identity = identity

    def differs(self, group: Mapping[str, Any], value: Any) -> bool:
        """Whether the group's value is not the user's ``value``."""
        return self.current(group) != self.normalise(value)


# The fields of a group that can be managed, in the order they are compared and patched (ISC's PATCH
# /workgroups/{id} takes name, description and owner: see the spec's patchWorkgroup).
FIELDS = (
    Field("name", lambda group: group.get("name")),
    # None, a missing description and '' all mean "no description"
    Field("description", lambda group: normalize_description(group.get("description")), normalize_description),
    # owners compare by id only: ISC back-fills name, displayName, emailAddress
    Field("owner", owner_id_of, send=owner_payload, identity=True),
)
FIELD = {field.name: field for field in FIELDS}
MANAGED_FIELDS = tuple(field.name for field in FIELDS)


def differing(group: Mapping[str, Any], wanted: Mapping[str, Any]) -> Dict[str, Any]:
    """The fields of ``wanted`` (name -> the user's value; an owner an identity id) whose value ``group`` does not
    have."""
    return {
        field.name: wanted[field.name]
        for field in FIELDS
        if field.name in wanted and field.differs(group, wanted[field.name])
    }


def build_create_body(fields: Mapping[str, Any]) -> Dict[str, Any]:
    """The POST /workgroups body: the given ``fields`` (``name``, ``owner`` an identity id, ``description``) as ISC
    takes them."""
    return {field.name: field.send(fields[field.name]) for field in FIELDS if fields.get(field.name) is not None}


def would_be(group: Optional[Mapping[str, Any]], fields: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of ``group`` (None: a group to create, see PLACEHOLDER_ID) with ``fields`` set as ISC stores them."""
    placeholder = {"id": PLACEHOLDER_ID, "description": "", "memberCount": 0, "connectionCount": 0}
    result = copy.deepcopy(dict(group)) if group is not None else placeholder
    result.update((field.name, field.send(fields[field.name])) for field in FIELDS if field.name in fields)
    return result


def build_patch(group: Mapping[str, Any], fields: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """JSON patch (RFC 6902) operations that set ``fields`` (name -> value; owner an identity id) on ``group``.

    ``replace`` needs the member to exist; a field ISC omitted (e.g. no description yet) gets ``add``.
    """
    return [
        {
            "op": "replace" if field.name in group else "add",
            "path": "/" + field.name,
            "value": field.send(fields[field.name]),
        }
        for field in FIELDS
        if field.name in fields
    ]


def format_connections(connections: Iterable[Mapping[str, Any]]) -> str:
    """Connections for a message: ``ROLE 'Auditors' (Owner), SOURCE 'HR' (ManagementWorkgroup)``."""
    parts = []
    for connection in connections:
        obj = connection.get("object") or {}
        parts.append(
            "%s '%s' (%s)"
            % (obj.get("type") or "?", obj.get("name") or obj.get("id") or "?", connection.get("connectionType") or "?")
        )
    return ", ".join(parts)


def parse_timestamp(value: Any) -> Optional[datetime.datetime]:
    """Parse an ISC date-time (ISO 8601, e.g. 2024-01-02T03:04:05.678Z) to an aware datetime."""
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP_RE.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    zone = match.group(7)
    offset = datetime.timedelta(0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    try:
        return datetime.datetime(year, month, day, hour, minute, second, tzinfo=datetime.timezone(offset))
    except ValueError:
        return None


def seniority(group: Mapping[str, Any]) -> Any:
    """Sort key of namesakes, the oldest first: ``created`` (parsed, then as written, for sub-second order), then
    ``id``.

    Simultaneous runs that created the same group all keep the first by this key (see ``_executor``)."""
    created = group.get("created")
    return (parse_timestamp(created) or _LATEST, str(created or ""), str(group.get("id")))


def in_use(group: Mapping[str, Any]) -> bool:
    """Whether the group is used by other objects (``connectionCount`` > 0): ISC refuses to delete it."""
    connections = group.get("connectionCount")
    return isinstance(connections, int) and not isinstance(connections, bool) and connections > 0


def race_copies(namesakes: Iterable[Mapping[str, Any]], description: Optional[str] = None,
                ) -> Optional[Tuple[Dict[str, Any], List[Dict[str, Any]]]]:
    """``(the oldest, the younger copies)`` when the namesakes may be copies made by simultaneous runs, or None.

    A create race leaves groups that only runs of this collection make: a run sends the name, the owner and the
    entry's ``description`` (none when the entry gives none), then adds members the entry asks for. So a younger
    namesake is a copy only when it was created within RACE_WINDOW seconds of the oldest, has the oldest's owner,
    carries no description, the oldest's or ``description`` (the entry's; the oldest may have been converged to it
    since), and is used by nothing (no connection); its
    members are checked by ``foreign_members`` once they are read. Every run that manages the name settles them the
    same way, whichever run created which: it keeps the oldest (``seniority``) and deletes the others. Namesakes
    outside this rule (created further apart, another owner or description, in use, of unknown age) are someone's
    groups that only a person can tell apart: the name stays ambiguous.
    """
    groups = sorted((dict(group) for group in namesakes), key=seniority)
    first = parse_timestamp(groups[0].get("created")) if groups else None
    if first is None:
        return None
    descriptions = {"", normalize_description(groups[0].get("description"))}
    if description is not None:
        descriptions.add(normalize_description(description))
    for group in groups[1:]:
        created = parse_timestamp(group.get("created"))
        if (created is None or (created - first).total_seconds() > RACE_WINDOW
                or owner_id_of(group) != owner_id_of(groups[0]) or in_use(group)
                or normalize_description(group.get("description")) not in descriptions):
            return None
    return groups[0], groups[1:]


def foreign_members(copies: Iterable[Mapping[str, Any]], members: Mapping[str, Iterable[str]],
                    allowed: Iterable[str]) -> List[str]:
    """The ids of the ``copies`` (see race_copies) with a member outside ``allowed`` (the oldest's members and those
    the entry asks for); ``members``: group id -> its member ids. A run adds only members its entry asks for, so
    such a group was filled by a person: it is not a copy, and the name stays ambiguous."""
    allowed = set(allowed)
    return sorted(str(copy.get("id")) for copy in copies if set(members.get(str(copy.get("id")), ())) - allowed)
