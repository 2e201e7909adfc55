# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Resolve identity references (owners, members) to identities, in few requests.

Private to the collection. A reference is either a plain string (an identity id, 32 hexadecimal
characters, used as is without a request) or a dict with exactly one of ``id``, ``alias``, ``email``, ``name``.
Dict references are grouped by key, deduplicated and looked up in batches, through one of two endpoints:

- ``GET /identities`` (``defaultFilter=NONE``): ``id in (...)`` or ``or``-joined ``eq`` filters of at most
  ``CHUNK_SIZE`` values and ``MAX_FILTER_LENGTH`` URL-encoded characters: ceil(n / 50) requests. ISC serves it
  only to tokens with user context (personal access tokens; ``userAuth``).
- ``POST /search`` (``_search.py``), for ``id`` and ``email`` only: ceil(n / 400) requests, also for API clients
  without a user (``applicationAuth``), but eventually consistent.

Per key the path with fewer requests goes first (``/identities`` on a tie: it is current); a 403 from it (a token
without user context, or without the scope) switches to the other, and the client remembers that ``/identities``
refused, so later lookups of the run search directly. ``alias`` and ``name`` have no confirmed search field, so a
token without user context cannot resolve them: the error says so and what to use instead.
The server compares case-insensitively; matching is exact here (``email`` case-insensitively).
Every bad reference is reported in one error.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscForbiddenError, IscInputError, Problem
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import (
    BATCH_LENGTH,
    BATCH_VALUES,
    batched,
    eq,
    in_,
    or_,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._search import (
    EVENTUAL_CONSISTENCY,
    SEARCH_FIELDS,
    lookup_values,
    requests_for_values,
    with_attributes,
)

REFERENCE_KEYS = ("id", "alias", "email", "name")
IDENTITY_ID = re.compile(r"\A[0-9a-fA-F]{32}\Z")  # ISC identity ids: 32 hexadecimal characters
CHUNK_SIZE = BATCH_VALUES
MAX_FILTER_LENGTH = BATCH_LENGTH  # URL-encoded characters of one filters parameter

PAT_HINT = ("the token has no user context, and no search field is confirmed to hold an alias or a name: give these "
            "identities by email or id (sailpoint.isc.identity_info finds them), or use a personal access token")
SHOWN_REFERENCES = 5  # a refusal names this many references, then counts the rest
BOTH_REFUSED_HINT = (
    "the token may neither read GET /identities (it needs user context, i.e. a personal access token, and "
    "idn:identity:read) nor search identities (POST /search needs the scope sp:search:read)"
)
SEARCH_MISS = " (looked up through search; %s, so a new identity may not be found yet)" % EVENTUAL_CONSISTENCY

Reference = Tuple[str, str]
Identity = Dict[str, Any]


def in_places(places: Sequence[str], shown: int = 5) -> str:
    """`` (in groups[0] "A" owner, ... and 3 more)``: where the request gives a reference (the first ``shown``)."""
    places = [place for place in places if place]
    if not places:
        return ""
    more = " and %d more" % (len(places) - shown) if len(places) > shown else ""
    return " (in %s%s)" % (", ".join(places[:shown]), more)


class IdentityProblem(Problem):
    """An identity reference (``key``, ``value``; None for one that does not parse) that does not resolve, ``why``,
    and the ``places`` the request gives it: worded ``<key> '<value>': <why> (in <places>)``."""

    @property
    def reference(self) -> Optional[Reference]:
        return (self.key, self.value) if self.key is not None else None

    def at(self, places: Sequence[str]) -> "IdentityProblem":
        """The same problem, given at ``places``."""
        return IdentityProblem(self.why, self.key, self.value, places=places)

    def __str__(self) -> str:
        subject = "%s %r: " % (self.key, self.value) if self.key is not None else ""
        return subject + self.why + in_places(self.places)


class IscIdentityResolutionError(IscInputError):
    """One or more identity references could not be resolved; ``problems`` lists them all (``found``: as
    :class:`IdentityProblem` values)."""

    def __init__(self, problems: Sequence[Any]) -> None:
        noun = "reference" if len(problems) == 1 else "references"
        words = "; ".join(str(problem) for problem in problems)
        super().__init__(problems, "could not resolve %d identity %s: %s" % (len(problems), noun, words))


class IscUserContextError(IscForbiddenError):
    """GET /identities refused (403, a token without user context) references that only it can look up (alias, name).

    ``str()`` names the references first (``labels``: what to add after each, e.g. the groups that use it), then the
    answer and what to do, so that the user sees which entries to change without reading the HTTP details first.
    """

    def __init__(self, refused: IscForbiddenError, references: Sequence[Reference],
                 labels: Optional[Mapping[Reference, str]] = None) -> None:
        super().__init__(refused.method, refused.path, refused.status, refused.messages, refused.detail_code,
                         refused.tracking_id, refused.error, hint=PAT_HINT, attempts=refused.attempts)
        self.client_id = refused.client_id
        self.references = list(dict.fromkeys(references))
        self.labels = dict(labels or {})

    def __str__(self) -> str:
        shown = ["%s %r%s" % (key, value, self.labels.get((key, value), ""))
                 for key, value in self.references[:SHOWN_REFERENCES]]
        more = len(self.references) - SHOWN_REFERENCES
        if more > 0:
            shown.append("%d more" % more)
        return "%s %s a personal access token: %s (%s)" % (
            ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0],
            "needs" if len(self.references) == 1 else "need", self.message, self.hint)


def describe_reference(reference: Any) -> str:
    """A short human form of a reference, e.g. ``alias 'jdoe'``."""
    if isinstance(reference, str):
        return "id %r" % reference
    if isinstance(reference, dict) and len(reference) == 1:
        key, value = next(iter(reference.items()))
        return "%s %r" % (key, value)
    return repr(reference)


def is_identity_id(value: Any) -> bool:
    """Whether ``value`` looks like an ISC identity id: 32 hexadecimal characters."""
    return isinstance(value, str) and IDENTITY_ID.match(value) is not None


def _not_an_id(value: str) -> str:
    """Why ``value`` is not an identity id, with the reference that would look it up."""
    shown = value if len(value) <= 80 else "%s... (%d characters)" % (value[:80], len(value))
    key = "email" if "@" in value else "alias"
    return (
        "%r is not an identity id; to look it up by %s write {%s: %s} (an identity id is 32 hexadecimal characters)"
        % (shown, key, key, shown)
    )


@functools.lru_cache(maxsize=65536)  # a list of thousands of groups names the same ids again and again, in each step
def _plain_id(reference: str) -> Reference:
    """(``id``, the id in lower case) of a plain string reference; raises ValueError (not cached) if it is not one."""
    if not reference.strip():
        raise ValueError("an identity id must not be empty")
    if not is_identity_id(reference):
        raise ValueError(_not_an_id(reference))
    return "id", reference.lower()  # ISC's ids are lower case: an upper-case copy must compare equal


def parse_reference(reference: Any) -> Reference:
    """(key, value) of a reference; raises ValueError with a clear reason.

    An id, plain (a string) or ``{id: ...}``, must look like an ISC identity id (32 hexadecimal characters):
    anything else is refused here, before any request, with the reference that would look it up by alias or
    email (an alias written as a plain string would otherwise reach ISC as an id and fail only on the write).
    """
    if isinstance(reference, str):
        return _plain_id(reference)
    if not isinstance(reference, dict):
        raise ValueError(
            "%r is neither an identity id nor a dict with one of %s" % (reference, ", ".join(REFERENCE_KEYS))
        )
    given = [key for key in reference if reference[key] not in (None, "")]
    unknown = [key for key in given if key not in REFERENCE_KEYS]
    if unknown:
        raise ValueError(
            "%r has unknown keys %s (use exactly one of %s)"
            % (reference, ", ".join(sorted(map(str, unknown))), ", ".join(REFERENCE_KEYS))
        )
    if len(given) != 1:
        raise ValueError("%r must have exactly one of %s" % (reference, ", ".join(REFERENCE_KEYS)))
    key = given[0]
    value = reference[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError("%r: %s must be a non-empty string" % (reference, key))
    if key == "id":
        if not is_identity_id(value):
            raise ValueError("{id: ...}: %s" % _not_an_id(value))
        value = value.lower()
    return key, value


def _identity(data: Dict[str, Any], attributes: Sequence[str] = ()) -> Identity:
    email = data.get("emailAddress", data.get("email"))
    found = {
        "id": data.get("id"),
        "name": data.get("name"),
        "alias": data.get("alias"),
        "email": email,
    }  # type: Identity
    return with_attributes(found, data, attributes)


def _index(key: str, pool: Sequence[Identity]) -> Dict[str, Dict[Any, Identity]]:
    """Identities by their casefolded ``key`` value, each bucket keyed by identity id (one pass, no per-reference
    scans)."""
    index = {}  # type: Dict[str, Dict[Any, Identity]]
    for identity in pool:
        found = identity.get(key)
        if isinstance(found, str):
            index.setdefault(found.casefold(), {}).setdefault(identity.get("id"), identity)
    return index


def _matches(key: str, value: str, bucket: Dict[Any, Identity]) -> Dict[Any, Identity]:
    """The identities of a casefolded bucket that match ``value`` exactly (emails match in any case)."""
    if key == "email":
        return dict(bucket)
    return {ident_id: identity for ident_id, identity in bucket.items() if identity.get(key) == value}


def _filter_chunks(key: str, values: Sequence[str]) -> List[str]:
    """Filters covering ``values``: ``id in (...)``, or ``or``-joined ``eq`` for the other keys."""
    if key == "id":
        return batched(lambda chunk: in_("id", chunk), values, CHUNK_SIZE, MAX_FILTER_LENGTH)
    return batched(lambda chunk: or_(*[eq(key, value) for value in chunk]), values, CHUNK_SIZE, MAX_FILTER_LENGTH)


def resolve_identities(client: Any, references: Sequence[Any], verify_ids: bool = False,
                       unfound_searched_ids: Optional[List[str]] = None) -> List[Identity]:
    """Resolve ``references`` to ``{id, name, alias, email}`` dicts, in input order.

    Plain string ids (and ``{"id": ...}``) are returned without a request (name/alias/email
    None) unless ``verify_ids``. Raises IscIdentityResolutionError listing every reference
    that is malformed, matches nothing or matches several identities, and IscForbiddenError
    with a hint when the token may read neither ``/identities`` nor search (or needs ``/identities``
    for an alias or name). With ``unfound_searched_ids`` (a list), an id that search did not find is
    appended there and used as is: search cannot prove that a just-created identity does not exist.
    """
    parsed = []  # type: List[Tuple[Optional[Reference], str]]
    wanted = {}  # type: Dict[str, Dict[str, None]]  # an ordered set of values per key
    for reference in references:
        try:
            key, value = parse_reference(reference)
        except ValueError as exc:
            parsed.append((None, str(exc)))
            continue
        parsed.append(((key, value), ""))
        if key == "id" and not verify_ids:
            continue
        wanted.setdefault(key, {})[value] = None

    indexes, searched = _look_up(client, wanted)
    result = []  # type: List[Identity]
    problems = []  # type: List[IdentityProblem]
    reported = set()  # type: Set[Reference]
    for item, problem in parsed:
        if item is None:
            problems.append(IdentityProblem(problem))
            continue
        key, value = item
        if key == "id" and not verify_ids:
            result.append(_bare(value))
            continue
        matches, detail = _verdict(key, value, indexes, searched)
        if len(matches) == 1:
            result.append(next(iter(matches.values())))
        elif not matches and key == "id" and key in searched and unfound_searched_ids is not None:
            unfound_searched_ids.append(value)
            result.append(_bare(value))
        elif item not in reported:
            reported.add(item)
            problems.append(IdentityProblem(detail, key, value))
    if problems:
        raise IscIdentityResolutionError(problems)
    return result


def _look_up(
    client: Any, wanted: Mapping[str, Iterable[str]], attributes: Sequence[str] = ()
) -> Tuple[Dict[str, Dict[str, Dict[Any, Identity]]], Set[str]]:
    """Per key of ``wanted`` (key -> values) the identities found, indexed by casefolded value (see :func:`_index`),
    and the keys that were looked up through search."""
    indexes = {}  # type: Dict[str, Dict[str, Dict[Any, Identity]]]
    searched = set()  # type: Set[str]
    refused = None  # type: Optional[IscUserContextError]
    for key in REFERENCE_KEYS:
        values = list(wanted.get(key, ()))
        if not values:
            continue
        if refused is not None:  # the run fails: only the other references /identities alone could look up are named
            if key not in SEARCH_FIELDS or not client.can_search:
                refused = IscUserContextError(refused, refused.references + [(key, value) for value in values])
            continue
        try:
            pool, through_search = lookup(client, key, values, attributes)
        except IscUserContextError as exc:
            refused = exc
            continue
        indexes[key] = _index(key, pool)
        if through_search:
            searched.add(key)
    if refused is not None:
        raise refused
    return indexes, searched


def _verdict(
    key: str, value: str, indexes: Mapping[str, Dict[str, Dict[Any, Identity]]], searched: Set[str]
) -> Tuple[Dict[Any, Identity], str]:
    """The identities ``(key, value)`` matches exactly, and why it does not resolve when that is not exactly one."""
    bucket = indexes.get(key, {}).get(value.casefold(), {})
    matches = _matches(key, value, bucket)
    if len(matches) > 1:
        return matches, "%d identities match (ids %s); use id, alias or email instead" % (
            len(matches),
            ", ".join(str(i) for i in matches),
        )
    if matches:
        return matches, ""
    near = sorted({str(identity.get(key)) for identity in bucket.values()})
    detail = "no identity has this %s" % key
    if near:
        detail += " (differs only in case from %s)" % ", ".join(repr(n) for n in near)
    elif key in searched:
        detail += SEARCH_MISS
    return matches, detail


def look_up_references(
    client: Any, references: Sequence[Reference], attributes: Sequence[str] = ()
) -> List[Dict[str, Any]]:
    """For each well-formed ``(key, value)`` reference (plain ids looked up too): ``{reference, identities, problem}`` -
    every identity it matches exactly (``attributes`` included), and why it does not resolve (none or several), else
    None.
    """
    wanted = {}  # type: Dict[str, Dict[str, None]]
    for key, value in references:
        wanted.setdefault(key, {})[value] = None
    indexes, searched = _look_up(client, wanted, attributes)
    found = []  # type: List[Dict[str, Any]]
    for key, value in references:
        matches, detail = _verdict(key, value, indexes, searched)
        found.append({"reference": {key: value}, "identities": list(matches.values()), "problem": detail or None})
    return found


def _list_identities(client: Any, key: str, values: Sequence[str], attributes: Sequence[str] = ()) -> List[Identity]:
    # independent requests: sent together (the client's parallel), answers in the order of the chunks
    pages = parallel(lambda filters: [_identity(item, attributes) for item in client.list_identities(filters=filters)],
                     _filter_chunks(key, values), client.concurrency)
    return [found for page in pages for found in page]


def with_hint(exc: IscForbiddenError, hint: str) -> IscForbiddenError:
    """``exc`` with ``hint`` instead of the generic one (what the token lacks for this lookup)."""
    return IscForbiddenError(
        exc.method,
        exc.path,
        exc.status,
        exc.messages,
        exc.detail_code,
        exc.tracking_id,
        exc.error,
        hint=hint,
        attempts=exc.attempts,
    )


def search_first(client: Any, key: str, values: Sequence[str]) -> bool:
    """Whether ``values`` of ``key`` are looked up through search first: the key has a confirmed search field and search
    takes fewer requests (ceil(n / 400) against the /identities filters, ceil(n / 50) unless long values make them
    more), or ``/identities`` already refused this client."""
    if key not in SEARCH_FIELDS or not client.can_search:
        return False
    return client.identities_refused or requests_for_values(len(values)) < len(_filter_chunks(key, values))


def lookup(client: Any, key: str, values: Sequence[str], attributes: Sequence[str] = ()) -> Tuple[List[Identity], bool]:
    """The identities whose ``key`` may equal one of ``values`` (the caller matches exactly), and whether they came
    from search. The cheaper endpoint goes first; a 403 from it switches to the other (see the module docstring)."""
    first_search = search_first(client, key, values)
    try:
        if first_search:
            return lookup_values(client, key, values, attributes), True
        return _list_identities(client, key, values, attributes), False
    except IscForbiddenError as exc:
        refused = exc
    if key not in SEARCH_FIELDS or not client.can_search:
        raise IscUserContextError(refused, [(key, value) for value in values])
    try:
        if first_search:
            return _list_identities(client, key, values, attributes), False
        client.identities_refused = True  # the rest of the run searches directly
        return lookup_values(client, key, values, attributes), True
    except IscForbiddenError as exc:
        raise with_hint(exc, BOTH_REFUSED_HINT)


def resolve_identity(client: Any, reference: Any, verify_ids: bool = False) -> Identity:
    """Resolve one reference (see resolve_identities)."""
    return resolve_identities(client, [reference], verify_ids=verify_ids)[0]


def resolve_references(client: Any, references: Iterable[Reference], verify_ids: bool,
                       known: Mapping[str, Mapping[str, Any]], trust_unverifiable_ids: bool = False,
                       warn: Optional[Callable[[str], None]] = None) -> Dict[Reference, Identity]:
    """Every distinct ``(key, value)`` reference (see :func:`parse_reference`) -> identity ``{id, name, alias, email}``.

    Plain ids in ``known`` (identities the tenant already showed: members, owners; id -> record) need no
    request and take the record's name and email. Other plain ids are trusted without a request unless
    ``verify_ids``. Everything else goes to one :func:`resolve_identities` call, which batches the lookups
    (per kind of key the cheaper of ceil(n / 50) /identities and ceil(n / 400) search requests) and raises
    IscIdentityResolutionError listing every reference that failed. A token without user context may not read
    ``/identities`` (403); the ids are then looked up
    through search. With ``trust_unverifiable_ids``, ids search does not find (it lags behind new identities) and
    ids no endpoint may verify are used unverified, with a warning, and ISC reports an unknown one when it is written.
    """
    resolved = {}  # type: Dict[Reference, Identity]
    lookups = []  # type: List[Reference]
    for reference in references:
        if reference in resolved:
            continue
        key, value = reference
        if key == "id" and value in known:
            resolved[reference] = _identity(dict(known[value], id=value))
        elif key == "id" and not verify_ids:
            resolved[reference] = _bare(value)
        else:
            resolved[reference] = {}
            lookups.append(reference)
    if not lookups:
        return resolved
    unfound = [] if trust_unverifiable_ids else None  # type: Optional[List[str]]
    try:
        found = resolve_identities(client, [{key: value} for key, value in lookups], verify_ids=True,
                                   unfound_searched_ids=unfound)
        if unfound and warn is not None:
            warn(_unfound_warning(unfound))
    except IscForbiddenError:
        if not (trust_unverifiable_ids and all(key == "id" for key, _value in lookups)):
            raise
        if warn is not None:
            warn(_unverifiable_warning(len(lookups)))
        found = [_bare(value) for _key, value in lookups]
    resolved.update(zip(lookups, found))
    return resolved


def _unfound_warning(unfound: List[str]) -> str:
    """Ids search did not find, used unverified (search lags behind new identities)."""
    one = len(unfound) == 1
    shown = ", ".join(unfound[:5]) + (" and %d more" % (len(unfound) - 5) if len(unfound) > 5 else "")
    return ("Search did not find %d identity %s (%s); %s used unverified, because %s. ISC reports an unknown id per "
            "identity when it is added." % (len(unfound), "id" if one else "ids", shown, "it is" if one else "they are",
                                            EVENTUAL_CONSISTENCY))


def _unverifiable_warning(count: int) -> str:
    """Ids no endpoint the token may call can verify, used unverified."""
    one = count == 1
    return ("The token may neither read /identities (it has no user context) nor search identities, so %d identity %s "
            "that %s not members could not be checked to exist before writing; ISC reports an unknown id per identity "
            "when it is added. Use a personal access token, or give the API client the scope sp:search:read, to have "
            "ids checked first." % (count, "id" if one else "ids", "is" if one else "are"))


def _bare(identity_id: str) -> Identity:
    return {"id": identity_id, "name": None, "alias": None, "email": None}
