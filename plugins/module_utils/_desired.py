# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The desired state: what every writing module asks the pipeline for, checked before any request.

Private to the collection (``_`` prefix). A module maps its options to a :class:`Request` of one or
more :class:`Entry` objects; :func:`validate` then reports every malformed name, state and identity
reference at once, before the first request (a run with any bad input writes nothing).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import is_identity_id, parse_reference
from ansible_collections.sailpoint.isc.plugins.module_utils._query import problems as query_problems
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    MAX_NAME_LENGTH,
    PLACEHOLDER_ID,
    quoted_name,
)

PRESENT = "present"
ABSENT = "absent"
STATES = (PRESENT, ABSENT)

# How an entry's members are managed.
MODE_EXACT = "exact"  # the membership becomes exactly the list
MODE_ADD = "add"  # the listed identities are added, nobody is removed
MODE_REMOVE = "remove"  # the listed identities are removed if they are members
MEMBER_MODES = (MODE_EXACT, MODE_ADD, MODE_REMOVE)

# The most a members_query may remove from a group in one run, in percent of its current members, unless the entry
# raises it: a query that suddenly matches far fewer identities is more often a mistake (a typo in a value, a
# narrowed condition, a search index that lags or answers partially) than a reorganisation, and a membership that
# churns with attributes loses only a few percent per run. Half stops the accident and lets ordinary churn through.
DEFAULT_MAX_REMOVED_PERCENT = 50
# The same for additions, in percent of the current members of an existing group: a query that suddenly matches more
# than twice the group (a misspelt field under NOT, a widened condition, an unquoted value that ISC splits into words)
# adds approvers nobody meant; growth of an attribute-driven group is a few percent per run.
DEFAULT_MAX_ADDED_PERCENT = 100
# The most of the tenant's identities one members_query may match: governance group members approve access, and a
# query that matches most of the tenant is almost always a mistake (ISC's search matches words, not whole values).
DEFAULT_MAX_MATCHED_PERCENT = 50


class Entry:
    """One governance group as the user wants it. ``None`` means "not managed" for every field.

    - ``name``: the key (exact, case-sensitive) when ``id`` is None; with ``id``, the name the group should have.
    - ``id``: the key, when the user named the group by id.
    - ``description``, ``owner`` (an identity reference), ``members`` (a list of references, see ``members_mode``).
    - ``members_query``: an ISC search query; the identities it matches are members too (``members`` None then
      means none listed). Its guards: ``allow_empty_query`` (a query that matches nobody may change the group)
      and ``max_removed_percent`` (the most of the current members it may remove, see DEFAULT_MAX_REMOVED_PERCENT),
      ``max_added_percent`` (the most it may add, DEFAULT_MAX_ADDED_PERCENT), ``max_matched_percent`` (the most of the
      tenant's identities it may match, DEFAULT_MAX_MATCHED_PERCENT).
    - ``not_found_message``: None when a group that does not exist is created; otherwise the message to fail with.
    - ``where``: how messages point at the entry in the user's input (``groups[0]``); ``''`` for a single group.
    """

    def __init__(
        self,
        name: Optional[str] = None,
        id: Optional[str] = None,
        state: str = PRESENT,  # pylint: disable=redefined-builtin
        description: Optional[str] = None,
        owner: Any = None,
        members: Optional[Sequence[Any]] = None,
        members_mode: str = MODE_EXACT,
        not_found_message: Optional[str] = None,
        where: str = "",
        members_query: Optional[str] = None,
        allow_empty_query: bool = False,
        max_removed_percent: int = DEFAULT_MAX_REMOVED_PERCENT,
        max_added_percent: int = DEFAULT_MAX_ADDED_PERCENT,
        max_matched_percent: int = DEFAULT_MAX_MATCHED_PERCENT,
    ) -> None:
        self.name = name
        # ISC's ids are lower case (as identity ids, see parse_reference): an upper-case copy names the same group
        self.id = id.lower() if is_identity_id(id) else id or None
        self.state = state
        self.description = description
        self.owner = owner
        self.members = None if members is None else list(members)
        self.members_mode = members_mode
        self.not_found_message = not_found_message
        self.where = where
        self.members_query = members_query
        self.allow_empty_query = allow_empty_query
        self.max_removed_percent = max_removed_percent
        self.max_added_percent = max_added_percent
        self.max_matched_percent = max_matched_percent

    @property
    def manages_members(self) -> bool:
        """Whether the members are managed: listed, or given by a query."""
        return self.members is not None or self.members_query is not None

    @property
    def label(self) -> str:
        """The entry in messages about a list: ``groups[0] "Name"``; ``''`` for a single group (the module names it)."""
        return "%s %s" % (self.where, quote(self.name)) if self.where else ""

    def references(self) -> List[Tuple[str, Any]]:
        """``(where, reference)`` for the owner and each member this entry manages."""
        found = []  # type: List[Tuple[str, Any]]
        if self.state != PRESENT:
            return found
        if self.owner is not None:
            found.append(("owner", self.owner))
        for position, member in enumerate(self.members or []):
            found.append(("members[%d]" % position, member))
        return found


class Request:
    """What a module asks the pipeline for.

    ``purge`` also deletes every group of the tenant that no entry names and ``protected`` does not list.
    ``verify_ids`` (the safe default) looks plain identity ids up before writing; ``trust_unverifiable_ids`` then uses
    them
    unverified (with a warning) when the token may not read identities. ``trust_member_count`` skips the
    member read of a group whose ``memberCount`` is 0 (a converge of many groups saves a request per empty
    group; the membership module reads anyway, as its documented cost says).

    The guards against deleting too much: ``max_deletes`` (None: no limit) is the most groups one run may
    delete (``_plan.guard`` refuses a larger plan before any write, check mode included); a purge with no
    entry at all is refused by :func:`validate` unless ``allow_empty_purge``.
    """

    def __init__(
        self,
        entries: Sequence[Entry],
        purge: bool = False,
        protected: Sequence[str] = (),
        verify_ids: bool = True,
        trust_unverifiable_ids: bool = False,
        trust_member_count: bool = True,
        max_deletes: Optional[int] = None,
        allow_empty_purge: bool = False,
    ) -> None:
        self.entries = list(entries)
        self.purge = purge
        self.max_deletes = max_deletes
        self.allow_empty_purge = allow_empty_purge
        self.protected = list(protected)
        self.verify_ids = verify_ids
        self.trust_unverifiable_ids = trust_unverifiable_ids
        self.trust_member_count = trust_member_count


def quote(name: Any) -> str:
    """A group name in the messages about a list: ``"Name"`` (an over-long one shortened, see ``quoted_name``)."""
    return quoted_name(name, '"')


def _query_problems(entry: Entry) -> List[str]:
    """What is wrong with the members_query options of ``entry``."""
    problems = []  # type: List[str]
    prefix = "%s: " % entry.label if entry.label else ""
    if entry.members_query is not None:
        if not isinstance(entry.members_query, str) or not entry.members_query.strip():
            problems.append("%smembers_query must be a non-empty search query, got %r" % (prefix, entry.members_query))
        elif entry.state == ABSENT:
            problems.append(
                "%smembers_query sets the members of a group that stays (state present); the group is to be deleted"
                % prefix
            )
        else:
            problems.extend("%smembers_query %r %s" % (prefix, entry.members_query, problem)
                            for problem in query_problems(entry.members_query))
    for option, highest in (("max_removed_percent", 100), ("max_added_percent", None), ("max_matched_percent", 100)):
        percent = getattr(entry, option)
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= (highest or percent):
            problems.append("%s%s must be a whole number from 0%s, got %s"
                            % (prefix, option, " to %d" % highest if highest else " up",
                               "%r (a boolean)" % percent if isinstance(percent, bool) else repr(percent)))
    return problems


def _protected_problems(protected: Sequence[Any]) -> List[str]:
    """What is wrong with the names of ``protected``: each must be a group name exactly, without surrounding spaces."""
    problems = []  # type: List[str]
    for position, name in enumerate(protected):
        if not isinstance(name, str) or not name.strip():
            problems.append("protected[%d] must be a non-empty group name, got %r" % (position, name))
        elif name != name.strip():
            names = ", ".join(quote(other.strip()) for other in protected if isinstance(other, str) and other.strip())
            problems.append(
                "protected[%d] %r has spaces before or after the name, so it would protect no group (names "
                "match exactly). A comma-separated string is split by Ansible at the commas without trimming "
                "the spaces: give a list instead, e.g. protected: [%s]" % (position, name, names)
            )
    return problems


def _request_problems(request: Request) -> List[str]:
    """The problems of the request's own options: an empty purge not allowed, a bad max_deletes, protected names."""
    problems = []  # type: List[str]
    if request.purge and not request.entries and not request.allow_empty_purge:
        problems.append(
            "the list of groups is empty and purge is on, which would delete every governance group of the tenant "
            "that is not protected; if that is intended, also set allow_empty_purge to true (role variable "
            "isc_governance_groups_allow_empty_purge)"
        )
    if request.max_deletes is not None and (
        isinstance(request.max_deletes, bool) or not isinstance(request.max_deletes, int) or request.max_deletes < 0
    ):
        problems.append("max_deletes must be a whole number of 0 or more, got %r" % (request.max_deletes,))
    problems.extend(_protected_problems(request.protected))
    return problems


def _name_problem(entry: Entry, check_mode: bool) -> Optional[str]:
    """What makes the entry's key unusable (the check-mode placeholder id, an empty or over-long name), else None."""
    if entry.id == PLACEHOLDER_ID and not check_mode:
        return ("%r is the placeholder id that sailpoint.isc.workgroup reports in check mode for a group it would "
                "create; it names no group outside check mode" % PLACEHOLDER_ID)
    where = entry.where + ": " if entry.where else ""
    if (entry.id is None or entry.name is not None) and (not isinstance(entry.name, str) or not entry.name.strip()):
        return "%sname must be a non-empty string, got %r" % (where, entry.name)
    if isinstance(entry.name, str) and len(entry.name) > MAX_NAME_LENGTH:
        return ("%sname is %d characters long, more than the %d a governance group name may have: %s"
                % (where, len(entry.name), MAX_NAME_LENGTH, quoted_name(entry.name)))
    return None


def _entry_problems(entry: Entry, protected: Set[str]) -> List[str]:
    """The problems of an entry with a usable key: its state, its members mode, its members_query options."""
    problems = []  # type: List[str]
    if entry.state not in STATES:
        problems.append(("%s: state must be present or absent, got %r" % (entry.label, entry.state)).lstrip(": "))
    elif entry.state == ABSENT and entry.name in protected:
        problems.append("%s: state is absent but the name is in protected; remove it from one of the two" % entry.label)
    if entry.members_mode not in MEMBER_MODES:
        problems.append(("%s: members_mode must be one of %s, got %r"
                         % (entry.label, ", ".join(MEMBER_MODES), entry.members_mode)).lstrip(": "))
    problems.extend(_query_problems(entry))
    return problems


def validate(request: Request, check_mode: bool = False) -> None:
    """Check the request itself, before any request; no tenant data needed.

    Raises IscInputError listing every problem: empty, over-long (more than MAX_NAME_LENGTH characters: ISC
    cannot take them; the message shows the first 80 and the length) or duplicate names (a duplicate would make the plan
    depend on the order of the list), bad states or member modes, an absent name that is also protected,
    the check-mode placeholder id outside check mode, an empty purge not allowed, a bad ``max_deletes``,
    and malformed identity references (a plain string or ``{id: ...}`` that is not 32 hexadecimal
    characters among them, see ``_identities.parse_reference``), after the other problems.
    """
    problems = _request_problems(request)
    references = []  # type: List[str]
    positions = {}  # type: Dict[str, List[str]]
    protected = set(request.protected)
    for entry in request.entries:
        name_problem = _name_problem(entry, check_mode)
        if name_problem is not None:
            problems.append(name_problem)
            continue
        if entry.id is None:
            positions.setdefault(entry.name, []).append(entry.where)
        problems.extend(_entry_problems(entry, protected))
        for where, reference in entry.references():
            try:
                parse_reference(reference)
            except ValueError as exc:
                references.append(("%s %s: %s" % (entry.label, where, exc)).strip())
    for name, wheres in positions.items():
        if len(wheres) > 1:
            problems.append(
                "%s is listed %d times (%s); each name may appear once" % (quote(name), len(wheres), ", ".join(wheres))
            )
    if problems or references:
        raise IscInputError(problems + references)
