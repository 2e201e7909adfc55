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

from typing import Any, Callable, Dict, List, Optional

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import PRESENT, Entry, Request
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscForbiddenError,
    IscInputError,
    IscNotFoundError,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import BATCH_VALUES, any_of
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import ambiguous
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import (
    IdentityProblem,
    IscIdentityResolutionError,
    IscUserContextError,
    in_places,
    parse_reference,
    resolve_references,
    with_hint,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._query import Survey, survey
from ansible_collections.sailpoint.isc.plugins.module_utils._search import SEARCH_HINT, QueryProblem, problem_with_query
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    PLACEHOLDER_ID,
    exact_name_matches,
    race_copies,
    shown_identities,
)

Group = Dict[str, Any]


class Snapshot:
    """What the tenant holds for a request.

    ``groups``: every group read (the whole tenant when ``complete``); ``matches``: per entry, its group
    (None when it does not exist); ``members``: group id -> {identity id -> member record};
    ``namesakes``: per renamed entry, the ids of other groups that already carry the new name;
    ``ambiguous``: a problem per entry whose name several groups carry; ``racing``: per entry whose name several
    groups carry because simultaneous runs created it (``_workgroups.race_copies``), the younger copies (the entry
    is matched to the oldest, which every run keeps, and the plan deletes the copies);
    ``identities``: every reference of the request, ``(key, value)`` -> resolved identity; ``queries``: every
    ``members_query`` of the request -> the identities it matches; ``survey``: what the run counted for them
    (``_query.survey``).
    """

    def __init__(self) -> None:
        self.groups = []  # type: List[Group]
        self.complete = False
        self.matches = []  # type: List[Optional[Group]]
        self.members = {}  # type: Dict[str, Dict[str, Dict[str, Any]]]
        self.namesakes = {}  # type: Dict[int, List[str]]
        self.ambiguous = []  # type: List[str]
        self.racing = {}  # type: Dict[int, List[Group]]  # per entry: the younger copies of a race (see race_copies)
        self.identities = {}  # type: Dict[Any, Dict[str, Any]]
        self.queries = {}  # type: Dict[str, List[Dict[str, Any]]]
        self.survey = Survey()  # the members queries' counts and spread (_query.survey)


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
        if index in snapshot.racing:  # the plan checks that the copies hold only members a run writes (foreign_members)
            wanted.extend(racer["id"] for racer in [group] + snapshot.racing[index] if racer["id"] not in wanted)
            continue
        if group is None or entry.state != PRESENT or not entry.manages_members:
            continue
        if group["id"] == PLACEHOLDER_ID or (request.trust_member_count and group.get("memberCount") == 0):
            continue
        if group["id"] not in wanted:
            wanted.append(group["id"])
    copies = {copy["id"] for racing in snapshot.racing.values() for copy in racing}
    snapshot.members = read_members(client, wanted, copies)
    return snapshot


def read_members(client: Any, group_ids: List[str], copies: Any = ()) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """Group id -> {identity id -> member record} of each group, read at the same time. A race copy (in ``copies``)
    that another run's settlement deleted since it was listed (HTTP 404) has none; any other 404 is raised."""
    def members_of(group_id: str) -> Dict[str, Dict[str, Any]]:
        try:
            return {member["id"]: member for member in client.list_members(group_id) if member.get("id")}
        except IscNotFoundError:
            if group_id in copies:
                return {}
            raise

    return dict(zip(group_ids, parallel(members_of, group_ids, client.concurrency)))


def _read_groups(client: Any, request: Request, check_mode: bool, snapshot: Snapshot) -> None:
    by_name = [entry.name for entry in request.entries if entry.id is None]
    # a purge, or more names than one filter holds: the whole listing (pages of 250 groups), no filters cut for nothing
    whole = request.purge or len(by_name) > BATCH_VALUES
    filters = [] if whole else any_of("name", by_name)
    if whole or len(filters) > 1:
        snapshot.groups = list(client.list_workgroups())
        snapshot.complete = True
    else:
        for name_filter in filters:
            snapshot.groups.extend(client.list_workgroups(filters=name_filter))
    by_id = [entry for entry in request.entries if entry.id is not None]
    by_id_found = parallel(lambda entry: _by_id(client, entry, check_mode), by_id, client.concurrency)
    found = dict(zip(map(id, by_id), by_id_found))
    renamed = {}  # type: Dict[int, Group]  # entry index -> its group, for the entries by id that give another name
    # the listing by exact name: one pass, not one per entry (n x n at tenant scale)
    named = {}  # type: Dict[Any, List[Group]]
    for group in snapshot.groups:
        named.setdefault(group.get("name"), []).append(group)
    for index, entry in enumerate(request.entries):
        if entry.id is None:
            matches = exact_name_matches(named.get(entry.name, ()), entry.name)
            # a protected name's namesakes are never deleted, copies included: the name stays ambiguous
            settled = (race_copies(matches, entry.description)
                       if len(matches) > 1 and entry.state == PRESENT and entry.name not in request.protected else None)
            if settled is not None:  # simultaneous runs created it: converge the one they all keep, delete the copies
                matches, snapshot.racing[index] = [settled[0]], settled[1]
            elif len(matches) > 1:
                snapshot.ambiguous.append(ambiguous(entry, sorted(str(group.get("id")) for group in matches)))
            snapshot.matches.append(matches[0] if matches else None)
            continue
        group = found[id(entry)]
        snapshot.matches.append(group)
        if (
            group is not None
            and entry.name is not None
            and group.get("name") != entry.name
            and group["id"] != PLACEHOLDER_ID
        ):
            renamed[index] = group
    indexes = list(renamed)
    namesakes = parallel(lambda index: client.find_workgroups_by_name(request.entries[index].name), indexes,
                         client.concurrency)
    for index, groups in zip(indexes, namesakes):
        others = [str(g.get("id")) for g in groups if g.get("id") != renamed[index]["id"]]
        if others:
            snapshot.namesakes[index] = sorted(others)


def _by_id(client: Any, entry: Entry, check_mode: bool) -> Optional[Group]:
    if entry.id == PLACEHOLDER_ID and check_mode:
        # The id the workgroup module reports for a group it would create: a new, empty group in check mode.
        return {"id": PLACEHOLDER_ID, "name": None, "memberCount": 0}
    return client.get_workgroup(entry.id)


def run_queries(client: Any, request: Request, snapshot: Snapshot) -> None:
    """Run each distinct ``members_query`` of the request once, with the counts that check them (``_query.survey``:
    one count of the tenant's identities, one per distinct undocumented field), into ``snapshot.queries`` and
    ``snapshot.survey``. Raises IscInputError naming every group whose query ISC rejected as malformed (HTTP 400), with
    ISC's message, or names a field no identity has (a misspelt field matches nobody, and under NOT everyone); other
    errors (403, 5xx, ...) propagate as they are."""
    first = {}  # type: Dict[str, Entry]  # each query and the first entry that gives it, in the order of the request
    for entry in request.entries:
        if entry.members_query is not None and entry.state == PRESENT:
            first.setdefault(entry.members_query, entry)
    if not first:
        return
    try:
        snapshot.survey = survey(client, list(first))
    except IscForbiddenError as exc:
        raise with_hint(exc, SEARCH_HINT)
    problems = []  # type: List[Any]
    for query, entry in first.items():
        where = entry.label or "governance group '%s'" % (entry.name or entry.id)
        if query in snapshot.survey.rejected:
            problems.append(problem_with_query(where, "members_query", query, snapshot.survey.rejected[query]) or "")
        elif snapshot.survey.unknown[query]:
            unknown = snapshot.survey.unknown[query]
            problems.append(QueryProblem(
                "names %s that no identity has (%s): a misspelt field matches nobody, and negated (NOT, -) everyone; "
                "field names are case-sensitive (see the identities' attributes with sailpoint.isc.identity_info; a "
                "just-added attribute may not be in search yet)"
                % ("a field" if len(unknown) == 1 else "fields", ", ".join(unknown)), "members_query", query, where))
        snapshot.queries[query] = snapshot.survey.matches.get(query, [])
    if problems:
        raise IscInputError(problems)


def resolve(client: Any, request: Request, snapshot: Snapshot, warn: Optional[Callable[[str], None]] = None) -> None:
    """Run the members queries (:func:`run_queries`), then resolve every identity reference of the request in one batch
    into ``snapshot.identities`` (see resolve_references): plain ids of owners and members the snapshot shows need no
    request. Raises IscIdentityResolutionError naming every reference that matches no identity or several (and the
    groups of a list that use it). The references are well-formed: ``_desired.validate`` refused the others."""
    run_queries(client, request, snapshot)
    known = shown_identities(snapshot)
    references = {}  # type: Dict[Any, None]  # each distinct reference, in the order the request first gives it
    for entry in request.entries:
        for _where, reference in entry.references():
            references[parse_reference(reference)] = None
    try:
        snapshot.identities = resolve_references(
            client, list(references), request.verify_ids, known, request.trust_unverifiable_ids, warn
        )
    except IscIdentityResolutionError as exc:  # each problem with where the request gives its reference
        users = _places(request)
        raise IscIdentityResolutionError([
            problem.at(users.get(problem.reference, ())) if isinstance(problem, IdentityProblem) else problem
            for problem in exc.found])
    except IscUserContextError as exc:
        users = _places(request)
        labels = {reference: in_places(users.get(reference, ()), 3) for reference in exc.references}
        raise IscUserContextError(exc, exc.references, labels)


def _places(request: Request) -> Dict[Any, List[str]]:
    """Each reference -> where the request gives it (``groups[0] "X" members[3]``): for messages only, so built only
    when one is needed (a list of thousands of groups has tens of thousands of references)."""
    users = {}  # type: Dict[Any, List[str]]
    for entry in request.entries:
        label = entry.label
        for where, reference in entry.references():
            users.setdefault(parse_reference(reference), []).append(("%s %s" % (label, where)).strip())
    return users
