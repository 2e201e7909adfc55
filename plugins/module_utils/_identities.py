# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Resolve identity references (owners, members) to identities, in few requests.

Private to the collection. A reference is either a plain string (an identity id, 32 hexadecimal
characters, used as is without a request) or a dict with exactly one of ``id``, ``alias``, ``email``, ``name``.
Dict references are looked up through ``GET /identities`` (``defaultFilter=NONE``): grouped by
key, deduplicated, and sent as ``id in (...)`` or ``or``-joined ``eq`` filters of at most
``CHUNK_SIZE`` values and ``MAX_FILTER_LENGTH`` URL-encoded characters per request. The server
compares case-insensitively; matching is exact here (``email`` case-insensitively).
Every bad reference is reported in one error.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscForbiddenError, IscInputError
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import BATCH_LENGTH, BATCH_VALUES, batched, eq, in_, or_

REFERENCE_KEYS = ("id", "alias", "email", "name")
IDENTITY_ID = re.compile(r"\A[0-9a-fA-F]{32}\Z")  # ISC identity ids: 32 hexadecimal characters
CHUNK_SIZE = BATCH_VALUES
MAX_FILTER_LENGTH = BATCH_LENGTH  # URL-encoded characters of one filters parameter

PAT_HINT = ("looking up identities by alias, email or name (or verifying ids) needs a personal access token, i.e. a "
            "token with user context; an API client without a user cannot read /identities. Use a personal access "
            "token, or give identity ids")

Reference = Tuple[str, str]
Identity = Dict[str, Optional[str]]


class IscIdentityResolutionError(IscInputError):
    """One or more identity references could not be resolved; ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str]) -> None:
        noun = "reference" if len(problems) == 1 else "references"
        super().__init__(problems, "could not resolve %d identity %s: %s" % (len(problems), noun, "; ".join(problems)))


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
    return "%r is not an identity id; to look it up by %s write {%s: %s} (an identity id is 32 hexadecimal characters)" % (
        shown, key, key, shown)


def parse_reference(reference: Any) -> Reference:
    """(key, value) of a reference; raises ValueError with a clear reason.

    An id, plain (a string) or ``{id: ...}``, must look like an ISC identity id (32 hexadecimal characters):
    anything else is refused here, before any request, with the reference that would look it up by alias or
    email (an alias written as a plain string would otherwise reach ISC as an id and fail only on the write).
    """
    if isinstance(reference, str):
        if not reference.strip():
            raise ValueError("an identity id must not be empty")
        if not is_identity_id(reference):
            raise ValueError(_not_an_id(reference))
        return "id", reference
    if not isinstance(reference, dict):
        raise ValueError("%r is neither an identity id nor a dict with one of %s" % (reference, ", ".join(REFERENCE_KEYS)))
    given = [key for key in reference if reference[key] not in (None, "")]
    unknown = [key for key in given if key not in REFERENCE_KEYS]
    if unknown:
        raise ValueError("%r has unknown keys %s (use exactly one of %s)" % (reference, ", ".join(sorted(map(str, unknown))), ", ".join(REFERENCE_KEYS)))
    if len(given) != 1:
        raise ValueError("%r must have exactly one of %s" % (reference, ", ".join(REFERENCE_KEYS)))
    key = given[0]
    value = reference[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError("%r: %s must be a non-empty string" % (reference, key))
    if key == "id" and not is_identity_id(value):
        raise ValueError("{id: ...}: %s" % _not_an_id(value))
    return key, value


def _identity(data: Dict[str, Any]) -> Identity:
    email = data.get("emailAddress", data.get("email"))
    return {"id": data.get("id"), "name": data.get("name"), "alias": data.get("alias"), "email": email}


def _index(key: str, pool: Sequence[Identity]) -> Dict[str, Dict[Any, Identity]]:
    """Identities by their casefolded ``key`` value, each bucket keyed by identity id (one pass, no per-reference scans)."""
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


def resolve_identities(client: Any, references: Sequence[Any], verify_ids: bool = False) -> List[Identity]:
    """Resolve ``references`` to ``{id, name, alias, email}`` dicts, in input order.

    Plain string ids (and ``{"id": ...}``) are returned without a request (name/alias/email
    None) unless ``verify_ids``. Raises IscIdentityResolutionError listing every reference
    that is malformed, matches nothing or matches several identities, and IscForbiddenError
    with a personal-access-token hint when the token may not read identities.
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

    lookups = [(key, filters) for key in REFERENCE_KEYS for filters in _filter_chunks(key, list(wanted.get(key, {})))]
    try:  # independent lookups: sent together (the client's parallel), answers in the order of the lookups
        found = client.parallel(lambda lookup: [_identity(item) for item in client.list_identities(filters=lookup[1])], lookups)
    except IscForbiddenError as exc:
        raise IscForbiddenError(exc.method, exc.path, exc.status, exc.messages, exc.detail_code, exc.tracking_id,
                                exc.error, hint=PAT_HINT, attempts=exc.attempts)
    candidates = {}  # type: Dict[str, List[Identity]]
    for (key, _filters), identities in zip(lookups, found):
        candidates.setdefault(key, []).extend(identities)

    indexes = {key: _index(key, pool) for key, pool in candidates.items()}
    result = []  # type: List[Identity]
    problems = []  # type: List[str]
    reported = set()  # type: Set[Reference]
    for item, problem in parsed:
        if item is None:
            problems.append(problem)
            continue
        key, value = item
        if key == "id" and not verify_ids:
            result.append({"id": value, "name": None, "alias": None, "email": None})
            continue
        bucket = indexes.get(key, {}).get(value.casefold(), {})
        matches = _matches(key, value, bucket)
        if len(matches) == 1:
            result.append(next(iter(matches.values())))
            continue
        if item in reported:
            continue
        reported.add(item)
        if not matches:
            near = sorted({str(identity.get(key)) for identity in bucket.values()})
            detail = "no identity has this %s" % key
            if near:
                detail += " (differs only in case from %s)" % ", ".join(repr(n) for n in near)
        else:
            detail = "%d identities match (ids %s); use id, alias or email instead" % (len(matches), ", ".join(str(i) for i in matches))
        problems.append("%s %r: %s" % (key, value, detail))
    if problems:
        raise IscIdentityResolutionError(problems)
    return result


def resolve_identity(client: Any, reference: Any, verify_ids: bool = False) -> Identity:
    """Resolve one reference (see resolve_identities)."""
    return resolve_identities(client, [reference], verify_ids=verify_ids)[0]


def resolve_references(client: Any, references: Iterable[Reference], verify_ids: bool, known: Mapping[str, Mapping[str, Any]],
                       trust_unverifiable_ids: bool = False, warn: Optional[Callable[[str], None]] = None) -> Dict[Reference, Identity]:
    """Every distinct ``(key, value)`` reference (see :func:`parse_reference`) -> identity ``{id, name, alias, email}``.

    Plain ids in ``known`` (identities the tenant already showed: members, owners; id -> record) need no
    request and take the record's name and email. Other plain ids are trusted without a request unless
    ``verify_ids``. Everything else goes to one :func:`resolve_identities` call, which batches the lookups
    (ceil(n / 50) requests per kind of key) and raises IscIdentityResolutionError listing every reference
    that failed. A token without user context may not read identities (403): with ``trust_unverifiable_ids``
    plain ids are then used unverified, with a warning, and ISC reports an unknown one when it is written.
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
    try:
        found = resolve_identities(client, [{key: value} for key, value in lookups], verify_ids=True)
    except IscForbiddenError:
        if not (trust_unverifiable_ids and all(key == "id" for key, _value in lookups)):
            raise
        if warn is not None:
            one = len(lookups) == 1
            warn("The token may not read /identities (it has no user context), so %d identity %s that %s not members could not "
                 "be checked to exist before writing; ISC reports an unknown id per identity when it is added. Use a personal "
                 "access token to have ids checked first." % (len(lookups), "id" if one else "ids", "is" if one else "are"))
        found = [_bare(value) for _key, value in lookups]
    resolved.update(zip(lookups, found))
    return resolved


def _bare(identity_id: str) -> Identity:
    return {"id": identity_id, "name": None, "alias": None, "email": None}
