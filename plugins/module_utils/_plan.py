# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The converge plan for a list of governance groups: a pure function of (desired, current).

Private to the collection (``_`` prefix). No HTTP and no AnsibleModule: ``sailpoint.isc.workgroups``
reads the tenant once, resolves every identity reference, and hands both sides to :func:`plan_groups`.
The plan says which groups to create, update (fields and members) and delete, and which are
unchanged; :func:`render_summary` turns it into readable lines (the ``terraform plan`` moment) and
:func:`build_diff` into the ``--diff`` before/after.

``desired``: normalised entries, identity references already resolved::

    {"name": "Finance Approvers",          # the key: exact, case-sensitive
     "state": "present",                   # or "absent"
     "description": "Approves ...",        # None: not managed ('' and None both mean "no description")
     "owner": {"id": "...", "name": "..."},  # None: not managed (required to create)
     "members": [{"id": "...", "name": "..."} or "<id>", ...],  # None: not managed
     "members_exclusive": True}            # True: exactly these members; False: add them, remove nobody

``current``: what the tenant holds::

    {"groups": [WorkgroupDto, ...],                       # every group, as listed (owner, memberCount, connectionCount)
     "members": {"<group id>": {"<identity id>": {"id", "name", ...}, ...}}}  # members of the managed groups read

A group whose members are managed but that is missing from ``current["members"]`` has no members
(the module skips the read when ``memberCount`` is 0). Every function is linear in the number of
groups and members (sets and dicts; sorting for display aside).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._members import plan_membership, plural
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import normalize_description, owner_id_of

PRESENT = "present"
ABSENT = "absent"
STATES = (PRESENT, ABSENT)

# Why a group is deleted.
REASON_ABSENT = "absent"  # listed with state absent
REASON_PURGE = "purge"  # not listed, purge on, not protected

# The summary lists at most this many members per group and direction, then counts the rest.
SUMMARY_MEMBER_LINES = 10
# Descriptions longer than this are shortened in the summary (never in the plan or the diff).
SUMMARY_TEXT_WIDTH = 60

Identity = Dict[str, Optional[str]]


class PlanError(ValueError):
    """The desired list cannot be planned against the tenant; ``problems`` lists every reason at once."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# ------------------------------------------------------------------ checks that need no tenant data
def check_desired(desired: Sequence[Mapping[str, Any]], protected: Iterable[str] = ()) -> List[str]:
    """Problems of the list itself (empty or duplicate names, bad state, absent but protected); ``[]`` if none.

    Run before any request: a duplicate name would make the plan depend on the order of the list.
    """
    problems = []  # type: List[str]
    positions = {}  # type: Dict[str, List[int]]
    protected_names = set(protected)
    for index, entry in enumerate(desired):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append("groups[%d]: name must be a non-empty string, got %r" % (index, name))
            continue
        positions.setdefault(name, []).append(index)
        state = entry.get("state") or PRESENT
        if state not in STATES:
            problems.append("groups[%d] %s: state must be present or absent, got %r" % (index, _quote(name), state))
        elif state == ABSENT and name in protected_names:
            problems.append("groups[%d] %s: state is absent but the name is in protected; remove it from one of the two" % (index, _quote(name)))
    for name, indexes in positions.items():
        if len(indexes) > 1:
            problems.append("%s is listed %d times (groups[%s]); each name may appear once"
                            % (_quote(name), len(indexes), "], groups[".join(str(i) for i in indexes)))
    return problems


def index_by_name(groups: Iterable[Mapping[str, Any]]) -> Dict[str, List[Mapping[str, Any]]]:
    """Tenant groups by exact name (ISC does not enforce unique names, so each name maps to a list)."""
    by_name = {}  # type: Dict[str, List[Mapping[str, Any]]]
    for group in groups:
        by_name.setdefault(group.get("name"), []).append(group)
    return by_name


def ambiguous_names(desired: Sequence[Mapping[str, Any]], by_name: Mapping[str, Sequence[Mapping[str, Any]]]) -> List[str]:
    """A problem per managed name that several tenant groups carry, listing their ids."""
    problems = []
    for entry in desired:
        matches = by_name.get(entry.get("name")) or []
        if len(matches) > 1:
            ids = sorted(str(group.get("id")) for group in matches)
            problems.append("%d governance groups are named %s (ids: %s); rename or delete all but one of them first"
                            % (len(ids), _quote(entry["name"]), ", ".join(ids)))
    return problems


# ------------------------------------------------------------------ the plan
class Plan:
    """What a converge would do. ``to_dict()`` is the module's RV(plan); the rest feeds the summary and diff.

    ``create``, ``update``, ``delete`` and ``in_use`` hold one dict per group (see :meth:`to_dict`);
    ``unchanged`` holds names. ``names`` maps identity ids to display names where known.
    """

    def __init__(self) -> None:
        self.create = []  # type: List[Dict[str, Any]]
        self.update = []  # type: List[Dict[str, Any]]
        self.delete = []  # type: List[Dict[str, Any]]
        self.in_use = []  # type: List[Dict[str, Any]]
        self.unchanged = []  # type: List[str]
        self.names = {}  # type: Dict[str, str]
        # name -> (before, after) member id sets of the groups with actions whose members are known
        self.member_sets = {}  # type: Dict[str, Tuple[Optional[Set[str]], Optional[Set[str]]]]
        # name -> the tenant group of each update
        self.groups = {}  # type: Dict[str, Mapping[str, Any]]

    @property
    def actions(self) -> int:
        """How many groups would be created, updated or deleted."""
        return len(self.create) + len(self.update) + len(self.delete)

    def to_dict(self) -> Dict[str, Any]:
        """The plan as plain data: ``{to_create, to_update, to_delete, in_use, unchanged}``.

        ``to_`` keys because ``update`` would clash with the dict method in Jinja (``plan.update``).
        """
        return {"to_create": self.create, "to_update": self.update, "to_delete": self.delete, "in_use": self.in_use, "unchanged": self.unchanged}

    def identity(self, identity_id: Optional[str]) -> Optional[Identity]:
        """``{id, name}`` of an identity id (name None when unknown); None for None."""
        if identity_id is None:
            return None
        return {"id": identity_id, "name": self.names.get(identity_id)}

    def identities(self, ids: Iterable[str]) -> List[Identity]:
        """``{id, name}`` of each id, sorted by name (then id); unnamed ids last."""
        views = [{"id": identity_id, "name": self.names.get(identity_id)} for identity_id in ids]
        views.sort(key=_identity_sort_key)
        return views


def _identity_sort_key(view: Mapping[str, Any]) -> Tuple[int, str, str]:
    name = view.get("name")
    return (0 if name else 1, str(name or "").lower(), str(view.get("id")))


def _learn_names(plan: Plan, current: Mapping[str, Any], desired: Sequence[Mapping[str, Any]]) -> None:
    """Collect display names of every identity seen: owners listed, members read, references resolved."""
    names = plan.names
    for group in current.get("groups") or []:
        owner = group.get("owner")
        if isinstance(owner, dict) and owner.get("id"):
            name = owner.get("name") or owner.get("displayName")
            if name:
                names[owner["id"]] = name
    for members in (current.get("members") or {}).values():
        if isinstance(members, Mapping):
            for identity_id, record in members.items():
                if isinstance(record, Mapping) and record.get("name"):
                    names[identity_id] = record["name"]
    for entry in desired:
        for identity in [entry.get("owner")] + list(entry.get("members") or []):
            if isinstance(identity, Mapping) and identity.get("id") and identity.get("name"):
                names.setdefault(identity["id"], identity["name"])


def _ids(identities: Optional[Iterable[Any]]) -> Optional[Set[str]]:
    """The set of ids of resolved identities (dicts with ``id``) or plain ids; None stays None."""
    if identities is None:
        return None
    return {identity["id"] if isinstance(identity, Mapping) else identity for identity in identities}


def _current_ids(members: Any) -> Set[str]:
    if members is None:
        return set()
    return set(members.keys()) if isinstance(members, Mapping) else set(members)


def plan_groups(desired: Sequence[Mapping[str, Any]], current: Mapping[str, Any], purge: bool = False,
                protected: Iterable[str] = ()) -> Plan:
    """The plan that takes the tenant from ``current`` to ``desired`` (formats in the module docstring).

    - A listed name with no tenant group is created (``owner`` required), with its members.
    - A listed name with one tenant group is updated where a managed field differs: description
      ('' equals none), owner (by id), members (as sets; exclusive entries also lose the others).
    - ``state: absent`` deletes the group if it exists; with ``purge``, every group whose name is not
      listed and not in ``protected`` is deleted too. A group whose listing shows connections
      (``connectionCount`` > 0) cannot be deleted: it goes to ``in_use`` instead.

    Raises :class:`PlanError` listing every problem: bad or duplicate names, a managed name that several
    groups carry, a group to create without an owner.
    """
    protected_names = set(protected)
    problems = check_desired(desired, protected_names)
    groups = list(current.get("groups") or [])
    by_name = index_by_name(groups)
    problems.extend(ambiguous_names(desired, by_name))
    if problems:
        raise PlanError(problems)

    plan = Plan()
    _learn_names(plan, current, desired)
    read_members = current.get("members") or {}
    for entry in desired:
        name = entry["name"]
        matches = by_name.get(name) or []
        group = matches[0] if matches else None
        if (entry.get("state") or PRESENT) == ABSENT:
            if group is None:
                plan.unchanged.append(name)
            else:
                _plan_delete(plan, group, REASON_ABSENT)
        elif group is None:
            if entry.get("owner") is None:
                problems.append("owner is required to create governance group %s (ISC refuses a group without an owner)" % _quote(name))
                continue
            _plan_create(plan, entry)
        else:
            _plan_update(plan, entry, group, _current_ids(read_members.get(group.get("id"))))
    if problems:
        raise PlanError(problems)

    if purge:
        listed = {entry["name"] for entry in desired}
        for group in groups:
            if group.get("name") not in listed and group.get("name") not in protected_names:
                _plan_delete(plan, group, REASON_PURGE)
    return plan


def _plan_create(plan: Plan, entry: Mapping[str, Any]) -> None:
    name = entry["name"]
    members = _ids(entry.get("members")) or set()
    owner_id = entry["owner"]["id"]
    plan.create.append({"name": name, "description": entry.get("description"), "owner": plan.identity(owner_id),
                        "members": plan.identities(members), "member_count": len(members)})
    plan.member_sets[name] = (None, members)


def _plan_update(plan: Plan, entry: Mapping[str, Any], group: Mapping[str, Any], current_ids: Set[str]) -> None:
    name = entry["name"]
    changes = {}  # type: Dict[str, Dict[str, Any]]
    description = entry.get("description")
    if description is not None and normalize_description(group.get("description")) != normalize_description(description):
        changes["description"] = {"before": normalize_description(group.get("description")), "after": description}
    owner = entry.get("owner")
    current_owner = owner_id_of(dict(group))
    if owner is not None and owner["id"] != current_owner:
        changes["owner"] = {"before": plan.identity(current_owner), "after": plan.identity(owner["id"])}
    desired_ids = _ids(entry.get("members"))
    to_add, to_remove = set(), set()  # type: Set[str], Set[str]
    if desired_ids is not None:
        exclusive = entry.get("members_exclusive")
        to_add, to_remove = plan_membership(current_ids, desired_ids, PRESENT, True if exclusive is None else bool(exclusive))
    if not (changes or to_add or to_remove):
        plan.unchanged.append(name)
        return
    plan.update.append({"name": name, "id": group.get("id"), "changes": changes,
                        "members_add": plan.identities(to_add), "members_remove": plan.identities(to_remove)})
    plan.groups[name] = group
    if desired_ids is not None:
        plan.member_sets[name] = (current_ids, (current_ids - to_remove) | to_add)


def _plan_delete(plan: Plan, group: Mapping[str, Any], reason: str) -> None:
    name = group.get("name")
    item = {"name": name, "id": group.get("id"), "reason": reason, "description": normalize_description(group.get("description")),
            "owner": plan.identity(owner_id_of(dict(group))), "member_count": group.get("memberCount")}
    connections = group.get("connectionCount")
    if isinstance(connections, int) and not isinstance(connections, bool) and connections > 0:
        plan.in_use.append({"name": name, "id": group.get("id"), "reason": reason, "connection_count": connections})
        return
    plan.delete.append(item)


# ------------------------------------------------------------------ rendering
def _quote(text: Any) -> str:
    return '"%s"' % text


def _short(text: Optional[str]) -> str:
    text = " ".join((text or "").split())
    if len(text) > SUMMARY_TEXT_WIDTH:
        text = text[:SUMMARY_TEXT_WIDTH - 3] + "..."
    return _quote(text)


def _who(identity: Optional[Mapping[str, Any]]) -> str:
    """The summary's name for an identity: its name, else its id."""
    if not identity:
        return "nobody"
    return str(identity.get("name") or identity.get("id"))


def label(identity: Mapping[str, Any]) -> str:
    """``name (id)``, or the bare id when the name is unknown."""
    name = identity.get("name")
    return "%s (%s)" % (name, identity.get("id")) if name else str(identity.get("id"))


def _member_lines(sign: str, members: Sequence[Mapping[str, Any]]) -> List[str]:
    lines = ["    %s %s" % (sign, label(member)) for member in members[:SUMMARY_MEMBER_LINES]]
    if len(members) > SUMMARY_MEMBER_LINES:
        lines.append("    %s ... and %d more" % (sign, len(members) - SUMMARY_MEMBER_LINES))
    return lines


def render_summary(plan: Plan) -> List[str]:
    """Readable lines: a ``Plan: ...`` header, then one line per action (members listed below, up to 10 each way)."""
    lines = ["Plan: %d to create, %d to update, %d to delete, %d unchanged"
             % (len(plan.create), len(plan.update), len(plan.delete), len(plan.unchanged))]
    for item in plan.create:
        detail = "owner %s, %s" % (_who(item["owner"]), plural(item["member_count"], "member"))
        if item.get("description"):
            detail += ", description %s" % _short(item["description"])
        lines.append("+ create %s (%s)" % (_quote(item["name"]), detail))
        lines.extend(_member_lines("+", item["members"]))
    for item in plan.update:
        parts = []
        changes = item["changes"]
        if "description" in changes:
            parts.append("description %s -> %s" % (_short(changes["description"]["before"]), _short(changes["description"]["after"])))
        if "owner" in changes:
            parts.append("owner %s -> %s" % (_who(changes["owner"]["before"]), _who(changes["owner"]["after"])))
        if item["members_add"] or item["members_remove"]:
            parts.append("members +%d -%d" % (len(item["members_add"]), len(item["members_remove"])))
        lines.append("~ update %s: %s" % (_quote(item["name"]), "; ".join(parts)))
        lines.extend(_member_lines("+", item["members_add"]))
        lines.extend(_member_lines("-", item["members_remove"]))
    for item in plan.delete:
        why = "state absent" if item["reason"] == REASON_ABSENT else "not in the list, purge"
        count = item.get("member_count")
        if isinstance(count, int):
            why += ", %s" % plural(count, "member")
        lines.append("- delete %s (%s)" % (_quote(item["name"]), why))
    for item in plan.in_use:
        lines.append("! keep %s: in use by %s, cannot be deleted (%s)"
                     % (_quote(item["name"]), plural(item["connection_count"], "connection"),
                        "state absent" if item["reason"] == REASON_ABSENT else "purge"))
    return lines


def _member_labels(plan: Plan, ids: Iterable[str]) -> List[str]:
    return [label(view) for view in plan.identities(ids)]


def _view(plan: Plan, description: Optional[str], owner_id: Optional[str], members: Optional[Set[str]] = None,
          member_count: Any = None) -> Dict[str, Any]:
    owner = plan.identity(owner_id)
    view = {"description": normalize_description(description), "owner": label(owner) if owner else None}  # type: Dict[str, Any]
    if members is not None:
        view["members"] = _member_labels(plan, members)
    elif member_count is not None:
        view["member_count"] = member_count
    return view


def build_diff(plan: Plan) -> Dict[str, Dict[str, Any]]:
    """``{"before": {name: view}, "after": {name: view}}`` for the groups with actions.

    A view has ``description``, ``owner`` (``name (id)``) and, where the members are managed (or the
    group is created), ``members``: sorted ``name (id)`` lines. A created group is only in ``after``,
    a deleted one only in ``before`` (with ``member_count``, as its members are not read).
    """
    before = {}  # type: Dict[str, Any]
    after = {}  # type: Dict[str, Any]
    for item in plan.create:
        after[item["name"]] = _view(plan, item.get("description"), item["owner"]["id"], plan.member_sets[item["name"]][1])
    for item in plan.update:
        group = plan.groups[item["name"]]
        old_members, new_members = plan.member_sets.get(item["name"], (None, None))
        changes = item["changes"]
        description = changes["description"]["after"] if "description" in changes else group.get("description")
        owner_id = changes["owner"]["after"]["id"] if "owner" in changes else owner_id_of(dict(group))
        before[item["name"]] = _view(plan, group.get("description"), owner_id_of(dict(group)), old_members)
        after[item["name"]] = _view(plan, description, owner_id, new_members)
    for item in plan.delete:
        key = item["name"] if item["name"] not in before else "%s (%s)" % (item["name"], item["id"])  # purged namesakes
        before[key] = _view(plan, item["description"], (item["owner"] or {}).get("id"), member_count=item.get("member_count"))
    return {"before": before, "after": after}
