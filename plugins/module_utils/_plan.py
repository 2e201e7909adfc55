# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan: a pure function of (request, snapshot). No HTTP, no AnsibleModule.

Private to the collection (``_`` prefix). The third step of the pipeline (``_pipeline.py``). For each
entry of the request (``_desired.py``) and the group the snapshot found for it (``_reader.py``):

- ``state: absent``: delete the group if it exists. A group with connections (``connectionCount`` > 0)
  cannot be deleted; it is planned as ``in_use``. With ``purge``, every group of the tenant that no entry
  names and ``protected`` does not list is deleted too.
- a missing group is created (``owner`` required), unless the entry says it may not be (``not_found_message``).
- an existing group is updated where a managed field differs: ``name`` (a rename, for entries keyed by
  id), ``description`` (``''`` equals none), ``owner`` (by id), and its members as sets of ids: ``exact``
  adds the missing and removes the others, ``add`` only adds, ``remove`` only removes listed members.
  With a ``members_query`` the identities it matched are wanted too (with the listed ones), and guards make the
  group's step ``refused`` instead (nothing written to it): the query matched nobody (unless ``allow_empty_query``),
  more than ``max_matched_percent`` of the tenant's identities, or it would remove more than ``max_removed_percent``
  or add more than ``max_added_percent`` of the current members.

Every function is linear in the number of groups and members (sets and dicts; sorting for display aside).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import (
    ABSENT,
    MODE_EXACT,
    MODE_REMOVE,
    Entry,
    Request,
    quote,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import parse_reference
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    FIELDS,
    differing,
    foreign_members,
    in_use,
    shown_identities,
)

CREATE = "create"
UPDATE = "update"
DELETE = "delete"
IN_USE = "in_use"
UNCHANGED = "unchanged"
REFUSED = "refused"  # a members_query guard held: nothing is written to the group, and the run fails naming it

# Why a group is deleted.
REASON_ABSENT = "absent"  # listed with state absent
REASON_PURGE = "purge"  # not listed, purge on, not protected
REASON_RACE = "race copy"  # a younger copy of a listed group, made by simultaneous runs (_workgroups.race_copies)

Group = Mapping[str, Any]
Identity = Dict[str, Any]


class Step:
    """What the plan does to one group.

    ``fields`` maps each field the write sets to its value (``owner``: an identity id), ``wanted`` every field the
    entry manages and ``desired`` the member ids it wants (see :func:`converge`); ``add`` and
    ``remove`` are the member ids to write (sorted); ``members_before`` / ``members_after`` the member id
    sets when the members are managed (else None). ``result`` is filled in by the executor.
    """

    def __init__(self, action: str, name: Optional[str], group: Optional[Group] = None, entry: Optional[Entry] = None,
                 reason: Optional[str] = None) -> None:
        self.action = action
        self.name = name
        self.group = group
        self.entry = entry
        self.reason = reason
        self.fields = {}  # type: Dict[str, Any]
        self.add = []  # type: List[str]
        self.remove = []  # type: List[str]
        self.wanted = {}  # type: Dict[str, Any]  # every field the entry manages (fields: those that differ)
        self.desired = None  # type: Optional[Set[str]]  # the member ids the entry wants; None: members not managed
        self.members_before = None  # type: Optional[Set[str]]
        self.members_after = None  # type: Optional[Set[str]]
        self.query_matched = None  # type: Optional[int]  # with a members_query: how many identities it matched
        self.query_spread = None  # type: Optional[Dict[str, Dict[str, int]]]  # ... over which values (_query.spread)
        self.refusal = None  # type: Optional[str]  # why a REFUSED step changes nothing
        self.result = None  # type: Any

    @property
    def id(self) -> Optional[str]:
        """The group id (None for a create)."""
        return None if self.group is None else self.group.get("id")

    @property
    def connection_count(self) -> Any:
        return None if self.group is None else self.group.get("connectionCount")


class Plan:
    """The steps of a run, in entry order (purged groups last), and what is known of the identities they name."""

    def __init__(self) -> None:
        self.steps = []  # type: List[Step]
        self.known = {}  # type: Dict[str, Identity]  # identity id -> {id, name, email}
        self.warnings = []  # type: List[str]
        self.protected = set()  # type: Set[str]  # names whose namesakes are never deleted, race copies included

    def of(self, action: str) -> List[Step]:
        """The steps with this action, in plan order."""
        return [step for step in self.steps if step.action == action]

    @property
    def actions(self) -> int:
        """How many groups would be created, updated or deleted."""
        return sum(1 for step in self.steps if step.action in (CREATE, UPDATE, DELETE))

    def identity(self, identity_id: Optional[str]) -> Optional[Dict[str, Any]]:
        """``{id, name}`` of an identity id (name None when unknown); None for None."""
        if identity_id is None:
            return None
        return {"id": identity_id, "name": (self.known.get(identity_id) or {}).get("name")}

    def identities(self, ids: Iterable[str]) -> List[Dict[str, Any]]:
        """``{id, name}`` of each id, sorted by name (then id); unnamed ids last."""
        return sort_identities([self.identity(identity_id) for identity_id in ids])

    def records(self, ids: Iterable[str]) -> List[Dict[str, Any]]:
        """``{id, name, email}`` of each id, in the same order as :meth:`identities`."""
        views = [
            {"id": i, "name": (self.known.get(i) or {}).get("name"), "email": (self.known.get(i) or {}).get("email")}
            for i in ids
        ]
        return sort_identities(views)


def sort_identities(views: List[Any]) -> List[Any]:
    """Identity views sorted by name (case-insensitively), then id; unnamed ones last."""
    return sorted(
        views, key=lambda view: (0 if view.get("name") else 1, str(view.get("name") or "").lower(), str(view.get("id")))
    )


def _learn(plan: Plan, snapshot: Any) -> None:
    """Names and emails of every identity seen: owners listed, members read, references resolved."""
    known = plan.known
    known.update(shown_identities(snapshot))
    for identity in list(snapshot.identities.values()) + [
        found for matches in snapshot.queries.values() for found in matches
    ]:
        if identity.get("id") and (identity.get("name") or identity["id"] not in known):
            known[identity["id"]] = {"id": identity["id"], "name": identity.get("name"), "email": identity.get("email")}


def check(request: Request, snapshot: Any) -> None:
    """Raise IscInputError listing every reason the request cannot be planned against the groups read: a name
    several groups carry, a group to create without an owner, a group that must exist and does not.

    Needs no identity: the pipeline checks before it resolves references, so a doomed run sends no lookup.
    """
    problems = list(snapshot.ambiguous)
    for index, entry in enumerate(request.entries):
        if entry.state != ABSENT and snapshot.matches[index] is None:
            if entry.not_found_message:
                problems.append(entry.not_found_message)
            elif entry.owner is None:
                problems.append("owner is required to create governance group %s (ISC refuses a group without an owner)"
                                % (quote(entry.name) if entry.where else "'%s'" % entry.name))
    if problems:
        raise IscInputError(problems)


def ambiguous(entry: Entry, ids: List[str]) -> str:
    """The problem of a name that several groups carry (``ids``), in the words of the module that gives it."""
    if entry.where:  # an entry of a list: the list is keyed by name, so only ISC can be mended
        return "%d governance groups are named %s (ids: %s); rename or delete all but one of them first" % (
            len(ids), quote(entry.name), ", ".join(ids))
    return "%d governance groups are named '%s' (ids: %s); give the id of the one you mean instead of the name." % (
        len(ids), entry.name, ", ".join(ids))


def _check_copies(request: Request, snapshot: Any) -> None:
    """Raise IscInputError for each name whose younger namesakes hold a member no run of this entry writes (neither the
    oldest's nor the entry's, see ``_workgroups.foreign_members``): a person's groups, ambiguous after all."""
    problems = []
    for index, copies in sorted(snapshot.racing.items()):
        entry, oldest = request.entries[index], snapshot.matches[index]
        allowed = set(snapshot.members.get(oldest["id"], {})) | (_ids(entry, snapshot) or set())
        if foreign_members(copies, snapshot.members, allowed):
            problems.append(ambiguous(entry, sorted(str(group["id"]) for group in [oldest] + copies)))
    if problems:
        raise IscInputError(problems)


def plan(request: Request, snapshot: Any) -> Plan:
    """The plan that takes the tenant from ``snapshot`` (read, checked by :func:`check`, references resolved) to
    ``request``. Raises IscInputError when namesakes taken for race copies hold members a run would not write
    (:func:`_check_copies`)."""
    _check_copies(request, snapshot)
    result = Plan()
    result.protected = set(request.protected)
    _learn(result, snapshot)
    for index, entry in enumerate(request.entries):
        group = snapshot.matches[index]
        name = entry.name if group is None else (group.get("name") if entry.id else entry.name)
        if entry.state == ABSENT:
            result.steps.append(
                _delete(group, REASON_ABSENT, entry) if group is not None else Step(UNCHANGED, name, None, entry)
            )
        elif group is None:
            result.steps.append(_guard_query(_create(entry, snapshot), entry, snapshot))
        else:
            result.steps.append(_guard_query(_update(entry, group, snapshot), entry, snapshot))
            copies = snapshot.racing.get(index, [])
            if entry.not_found_message is None:  # a module that creates the group settles its copies (see race_copies)
                result.steps.extend(_delete(copy, REASON_RACE, entry) for copy in copies)
            elif copies:
                result.warnings.append(
                    "Governance group %s has copies made by simultaneous runs (ids: %s); this run "
                    "uses the oldest (id %s), and the next run of a module that creates groups "
                    "deletes the copies."
                    % (quote(entry.name), ", ".join(copy["id"] for copy in copies), group.get("id"))
                )
            if index in snapshot.namesakes:
                result.warnings.append(
                    "Other governance groups are already named '%s' (ids: %s); looking this group up by name "
                    "will fail until the names differ." % (entry.name, ", ".join(snapshot.namesakes[index]))
                )
    if request.purge:
        listed = {entry.name for entry in request.entries}
        matched = {
            group.get("id") for group in snapshot.matches if group is not None
        }  # an entry keyed by id may rename its group
        protected = set(request.protected)
        names = {group.get("name") for group in snapshot.groups}
        unknown = sorted(protected - names)
        if unknown and snapshot.complete:  # a misspelled protected name would protect nothing
            folded = {}  # type: Dict[str, str]  # an unprotected name of the tenant by casefold: "differs only in case"
            for name in sorted((str(name) for name in names - protected), reverse=True):
                folded[name.casefold()] = name
            near = " (%s differs only in case, so it is not protected)"
            shown = [quote(name) + (near % quote(folded[name.casefold()]) if name.casefold() in folded else "")
                     for name in unknown]
            result.warnings.append("protected names no governance group of the tenant carries (names match exactly, "
                                   "case included): %s" % ", ".join(shown))
        for group in snapshot.groups:
            if (
                group.get("name") not in listed
                and group.get("name") not in protected
                and group.get("id") not in matched
            ):
                result.steps.append(_delete(group, REASON_PURGE))
    return result


def _ids(entry: Entry, snapshot: Any) -> Optional[Set[str]]:
    """The member ids ``entry`` wants: its listed members and the identities its members_query matched; None if
    unmanaged."""
    if not entry.manages_members:
        return None
    wanted = {snapshot.identities[parse_reference(member)]["id"] for member in entry.members or []}
    if entry.members_query is not None:
        wanted.update(identity["id"] for identity in snapshot.queries.get(entry.members_query, []))
    return wanted


def _guard_query(step: Step, entry: Entry, snapshot: Any) -> Step:
    """Pure: the step, made REFUSED when the entry's members_query matched nobody or negates a clause that matches
    nobody (both unless ``allow_empty_query``), matched more than ``max_matched_percent`` of the tenant's identities,
    or would remove or add more than ``max_removed_percent`` / ``max_added_percent`` of the current members (the
    additions guard needs current members: an empty group has the breadth guard)."""
    if entry.members_query is None or step.query_matched is None:
        return step
    step.query_spread = snapshot.survey.spread.get(entry.members_query)
    query, current, total = entry.members_query, len(step.members_before or ()), snapshot.survey.total
    negated_nobody = snapshot.survey.negated_nobody.get(query)
    unchanged = "so nothing was changed for this group"
    if step.query_matched == 0 and not entry.allow_empty_query:
        step.refusal = ("members_query %r matched no identity, %s (a mistyped query, or search not yet showing new "
                        "identities, would otherwise empty it); if the group should follow the query even when it "
                        "matches nobody, set allow_empty_query to true" % (query, unchanged))
    elif negated_nobody and not entry.allow_empty_query:
        step.refusal = ("members_query %r negates %s that no identity matches (%s), %s: a typo in a negated value (or "
                        "the wrong case of a .exact value) makes the NOT exclude nobody; correct it, or if it is meant "
                        "to match nobody for now, set allow_empty_query to true"
                        % (query, "a clause" if len(negated_nobody) == 1 else "clauses", ", ".join(negated_nobody),
                           unchanged))
    elif total and step.query_matched * 100 > entry.max_matched_percent * total:
        share = -(-step.query_matched * 100 // total)  # rounded up, so that the advised limit lets this plan through
        step.refusal = ("members_query %r matches %d of the tenant's %d identities (%d%%), more than "
                        "max_matched_percent (%d%%), %s; ISC's search matches words, not whole values (use the .exact "
                        "field for a whole value) and a misspelt field under NOT matches everyone; review the plan's "
                        "spread of the matches, and if they are intended set max_matched_percent to %d or more"
                        % (query, step.query_matched, total, share, entry.max_matched_percent, unchanged, share))
    elif current and len(step.remove) * 100 > entry.max_removed_percent * current:
        share = -(-len(step.remove) * 100 // current)
        step.refusal = ("members_query %r would remove %d of the %d current members (%d%%), more than "
                        "max_removed_percent (%d%%), %s; review the plan, and if the removals are intended set "
                        "max_removed_percent to %d or more for this run"
                        % (query, len(step.remove), current, share, entry.max_removed_percent, unchanged, share))
    elif current and len(step.add) * 100 > entry.max_added_percent * current:
        share = -(-len(step.add) * 100 // current)
        step.refusal = ("members_query %r would add %d members to the %d current ones (%d%%), more than "
                        "max_added_percent (%d%%), %s; review the plan's spread of the matches, and if the additions "
                        "are intended set max_added_percent to %d or more for this run"
                        % (query, len(step.add), current, share, entry.max_added_percent, unchanged, share))
    if step.refusal is not None:
        step.action = REFUSED
    return step


def _wanted(entry: Entry, snapshot: Any) -> Dict[str, Any]:
    """The fields ``entry`` manages (``_workgroups.FIELDS``), by the user's value; an identity field by the id it
    resolved to."""
    wanted = {}  # type: Dict[str, Any]
    for field in FIELDS:
        value = getattr(entry, field.name)
        if value is not None:
            wanted[field.name] = snapshot.identities[parse_reference(value)]["id"] if field.identity else value
    return wanted


def _create(entry: Entry, snapshot: Any) -> Step:
    step = Step(CREATE, entry.name, None, entry)
    step.wanted, step.desired = _wanted(entry, snapshot), _ids(entry, snapshot)
    step.fields = dict(step.wanted)
    if entry.members_query is not None:
        step.query_matched = len(snapshot.queries.get(entry.members_query, []))
    step.add = sorted(step.desired or ()) if entry.members_mode != MODE_REMOVE else []
    step.members_before, step.members_after = set(), set(step.add)
    return step


def _update(entry: Entry, group: Group, snapshot: Any) -> Step:
    desired = _ids(entry, snapshot)
    current = set(snapshot.members.get(group.get("id"), {})) if desired is not None else None
    step = converge(entry, group, _wanted(entry, snapshot), desired, current)
    if entry.members_query is not None:
        step.query_matched = len(snapshot.queries.get(entry.members_query, []))
    return step


def converge(entry: Optional[Entry], group: Group, wanted: Mapping[str, Any], desired: Optional[Set[str]],
             current: Optional[Set[str]]) -> Step:
    """The update rule, pure: the step that brings the existing ``group`` (with the member ids ``current``, None when
    not read) to ``wanted`` (fields, see ``_wanted``) and ``desired`` (member ids; None: members not managed) in the
    entry's members mode. The plan uses it for every existing group, and the settlement for a group another run
    created (``_executor``), so both change a group the same way."""
    step = Step(UPDATE, group.get("name"), group, entry)
    step.wanted, step.desired = dict(wanted), desired
    step.fields = differing(group, wanted)
    if desired is not None:
        before = set(current or ())
        to_add, to_remove = membership(before, desired, entry.members_mode if entry is not None else MODE_EXACT)
        step.add, step.remove = sorted(to_add), sorted(to_remove)
        step.members_before, step.members_after = before, (before - to_remove) | to_add
    if not (step.fields or step.add or step.remove):
        step.action = UNCHANGED
    return step


def membership(current: Set[str], desired: Set[str], mode: str) -> Tuple[Set[str], Set[str]]:
    """``(to_add, to_remove)`` for a members mode (see ``_desired``): sets of ids; order and duplicates never matter."""
    if mode == MODE_REMOVE:
        return set(), desired & current
    return desired - current, (current - desired if mode == MODE_EXACT else set())


def _delete(group: Group, reason: str, entry: Optional[Entry] = None) -> Step:
    return Step(IN_USE if in_use(group) else DELETE, group.get("name"), group, entry, reason)


def guard(request: Request, the_plan: Plan) -> Optional[str]:
    """Pure, on the finished plan, before any write (check mode included): why the plan may not run, or None.

    A plan that deletes more groups than ``request.max_deletes`` is refused whole (groups in use are not
    counted: they are never deleted, nor are the copies simultaneous runs made of a listed group: the group
    itself stays). The caller shows the plan and writes nothing.
    """
    deletes = [step for step in the_plan.of(DELETE) if step.reason != REASON_RACE]
    if request.max_deletes is not None and len(deletes) > request.max_deletes:
        purged = sum(1 for step in deletes if step.reason == REASON_PURGE)
        return ("the plan deletes %d governance groups (%d not in the list, purge; %d listed as absent), more than the "
                "limit of %d per run" % (len(deletes), purged, len(deletes) - purged, request.max_deletes))
    return None
