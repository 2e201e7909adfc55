# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Read a snapshot of what a request touches: its groups, their members, and the identities it names or queries.

Private to the collection (``_`` prefix). The second step of the pipeline (``_pipeline.py``). Groups
named by id are read with one GET each. Groups named by name are read with one targeted request
(``name eq`` / ``name in (...)``) when they fit in one filter and the request does not purge; otherwise
with the full listing (pages of 250), which a purge needs anyway. Members are read (pages of 50) only
for existing groups whose members are managed (and, when the request trusts it, whose ``memberCount`` is not 0).
Reads that do not depend on each other (groups by id, the members of different groups) go out together
(the client's ``parallel``); the snapshot keeps the order of the request whatever order they arrive in.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import PRESENT, Entry, Request, quote
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError, IscForbiddenError, IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import any_of
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import (
    IscIdentityResolutionError,
    IscUserContextError,
    parse_reference,
    resolve_references,
    with_hint,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._search import SEARCH_HINT, lookup_query, problem_with_query
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import PLACEHOLDER_ID, exact_name_matches, owner_id_of, race_winner

Group = Dict[str, Any]


class Snapshot:
    """What the tenant holds for a request.

    ``groups``: every group read (the whole tenant when ``complete``); ``matches``: per entry, its group
    (None when it does not exist); ``members``: group id -> {identity id -> member record};
    ``namesakes``: per renamed entry, the ids of other groups that already carry the new name;
    ``ambiguous``: a problem per entry whose name several groups carry; ``racing``: per entry whose name several
    groups carry because simultaneous runs created it (``_workgroups.race_winner``), the ids of the younger
    ones (the entry is matched to the oldest, which every racing run keeps);
    ``identities``: every reference of the request, ``(key, value)`` -> resolved identity; ``queries``: every
    ``members_query`` of the request -> the identities it matches (``_search.lookup_query``).
    """

    def __init__(self) -> None:
        self.groups = []  # type: List[Group]
        self.complete = False
        self.matches = []  # type: List[Optional[Group]]
        self.members = {}  # type: Dict[str, Dict[str, Dict[str, Any]]]
        self.namesakes = {}  # type: Dict[int, List[str]]
        self.ambiguous = []  # type: List[str]
        self.racing = {}  # type: Dict[int, List[str]]  # per entry: the ids of the younger namesakes of a race (see race_winner)
        self.identities = {}  # type: Dict[Any, Dict[str, Any]]
        self.queries = {}  # type: Dict[str, List[Dict[str, Any]]]


def read(client: Any, request: Request, check_mode: bool) -> Snapshot:
    """The groups and members of ``request`` (see :class:`Snapshot`; ``identities`` is :func:`resolve`'s).

    Raises the client's IscError on API failures. A name that several groups carry is recorded in
    ``ambiguous`` (the planner refuses it).
    """
    snapshot = Snapshot()
    _read_groups(client, request, check_mode, snapshot)
    wanted = []  # type: List[str]  # the groups whose members are read, in the order of the entries
    for index, entry in enumerate(request.entries):
        group = snapshot.matches[index]
        if group is None or entry.state != PRESENT or not entry.manages_members:
            continue
        if group["id"] == PLACEHOLDER_ID or (request.trust_member_count and group.get("memberCount") == 0):
            continue
        if group["id"] not in wanted:
            wanted.append(group["id"])
    members = client.parallel(lambda group_id: {member["id"]: member for member in client.list_members(group_id)}, wanted)
    snapshot.members = dict(zip(wanted, members))
    return snapshot


def _read_groups(client: Any, request: Request, check_mode: bool, snapshot: Snapshot) -> None:
    by_name = [entry.name for entry in request.entries if entry.id is None]
    filters = any_of("name", by_name)
    if request.purge or len(filters) > 1:
        snapshot.groups = list(client.list_workgroups())
        snapshot.complete = True
    else:
        for name_filter in filters:
            snapshot.groups.extend(client.list_workgroups(filters=name_filter))
    by_id = [entry for entry in request.entries if entry.id is not None]
    found = dict(zip(map(id, by_id), client.parallel(lambda entry: _by_id(client, entry, check_mode), by_id)))
    renamed = {}  # type: Dict[int, Group]  # entry index -> its group, for the entries by id that give another name
    for index, entry in enumerate(request.entries):
        if entry.id is None:
            matches = exact_name_matches(snapshot.groups, entry.name)
            winner = race_winner(matches) if len(matches) > 1 else None
            if winner is not None:  # simultaneous runs created it: converge the one they all keep
                snapshot.racing[index] = sorted(str(group.get("id")) for group in matches if group.get("id") != winner.get("id"))
                matches = [winner]
            elif len(matches) > 1:
                snapshot.ambiguous.append(_ambiguous(entry, sorted(str(group.get("id")) for group in matches)))
            snapshot.matches.append(matches[0] if matches else None)
            continue
        group = found[id(entry)]
        snapshot.matches.append(group)
        if group is not None and entry.name is not None and group.get("name") != entry.name and group["id"] != PLACEHOLDER_ID:
            renamed[index] = group
    indexes = list(renamed)
    namesakes = client.parallel(lambda index: client.find_workgroups_by_name(request.entries[index].name), indexes)
    for index, groups in zip(indexes, namesakes):
        others = [str(g.get("id")) for g in groups if g.get("id") != renamed[index]["id"]]
        if others:
            snapshot.namesakes[index] = sorted(others)


def _by_id(client: Any, entry: Entry, check_mode: bool) -> Optional[Group]:
    if entry.id == PLACEHOLDER_ID and check_mode:
        # The id the workgroup module reports for a group it would create: a new, empty group in check mode.
        return {"id": PLACEHOLDER_ID, "name": None, "memberCount": 0}
    return client.get_workgroup(entry.id)


def _ambiguous(entry: Entry, ids: List[str]) -> str:
    if entry.where:  # an entry of a list: the list is keyed by name, so only ISC can be mended
        return "%d governance groups are named %s (ids: %s); rename or delete all but one of them first" % (
            len(ids), quote(entry.name), ", ".join(ids))
    return "%d governance groups are named '%s' (ids: %s); give the id of the one you mean instead of the name." % (
        len(ids), entry.name, ", ".join(ids))


def run_queries(client: Any, request: Request, snapshot: Snapshot) -> None:
    """Run each distinct ``members_query`` of the request once into ``snapshot.queries`` (ceil(N / 10,000) search
    requests for N matches; different queries at the same time, the client's ``parallel``). Raises IscInputError naming
    every group whose query ISC refused as malformed (HTTP 400) with ISC's message; other errors (403, 5xx, ...)
    propagate as they are."""
    first = {}  # type: Dict[str, Entry]  # each query and the first entry that gives it, in the order of the request
    for entry in request.entries:
        if entry.members_query is not None and entry.state == PRESENT:
            first.setdefault(entry.members_query, entry)

    def one(query: str) -> Tuple[List[Dict[str, Any]], Optional[str]]:
        try:
            return lookup_query(client, query), None
        except IscForbiddenError as exc:
            raise with_hint(exc, SEARCH_HINT)
        except IscApiError as exc:
            entry = first[query]
            problem = problem_with_query(entry.label or "governance group '%s'" % (entry.name or entry.id), "members_query", query, exc)
            if problem is None:
                raise
            return [], problem

    problems = []  # type: List[str]
    for query, (found, problem) in zip(first, client.parallel(one, list(first))):
        snapshot.queries[query] = found
        if problem is not None:
            problems.append(problem)
    if problems:
        raise IscInputError(problems)


def resolve(client: Any, request: Request, snapshot: Snapshot, warn: Optional[Callable[[str], None]] = None) -> None:
    """Run the members queries (:func:`run_queries`), then resolve every identity reference of the request in one batch
    into ``snapshot.identities`` (see resolve_references): plain ids of owners and members the snapshot shows need no
    request. Raises IscIdentityResolutionError naming every reference that matches no identity or several (and the
    groups of a list that use it). The references are well-formed: ``_desired.validate`` refused the others."""
    run_queries(client, request, snapshot)
    known = {}  # type: Dict[str, Mapping[str, Any]]
    for group in snapshot.groups + [group for group in snapshot.matches if group is not None]:
        owner = group.get("owner")
        if owner_id_of(group):
            known[owner["id"]] = owner
    for members in snapshot.members.values():
        known.update(members)
    users = {}  # type: Dict[Any, List[Entry]]
    for entry in request.entries:
        for _where, reference in entry.references():
            users.setdefault(parse_reference(reference), []).append(entry)
    try:
        snapshot.identities = resolve_references(client, list(users), request.verify_ids, known, request.trust_unverifiable_ids, warn)
    except IscIdentityResolutionError as exc:
        raise IscIdentityResolutionError(_name_users(exc.problems, users))
    except IscUserContextError as exc:
        labels = {reference: _in_groups(users.get(reference, ()), 3) for reference in exc.references}
        raise IscUserContextError(exc, exc.references, labels)


def _in_groups(entries: Sequence[Entry], shown: int = 5) -> str:
    """`` (in "A", "B" and 3 more)``: the groups of a list that use a reference (the first ``shown``), or ``""``."""
    names = [quote(entry.name) for entry in entries if entry.where]
    if not names:
        return ""
    more = " and %d more" % (len(names) - shown) if len(names) > shown else ""
    return " (in %s%s)" % (", ".join(names[:shown]), more)


def _name_users(problems: List[str], users: Mapping[Any, List[Entry]]) -> List[str]:
    """Each problem plus the groups of a list that use the reference it names (it starts ``key 'value':``)."""
    by_prefix = {"%s %r:" % reference: entries for reference, entries in users.items()}
    named = []
    for problem in problems:
        entries = next((by_prefix[problem[:position + 1]] for position, char in enumerate(problem)
                        if char == ":" and problem[:position + 1] in by_prefix), [])
        named.append(problem + _in_groups(entries))
    return named
