# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Resolve identity references (owners, members) to identities, in few requests.

Private to the collection. A reference is either a plain string (an identity id, used as is
without a request) or a dict with exactly one of ``id``, ``alias``, ``email``, ``name``.
Dict references are looked up through ``GET /identities`` (``defaultFilter=NONE``): grouped by
key, deduplicated, and sent as ``id in (...)`` or ``or``-joined ``eq`` filters of at most
``CHUNK_SIZE`` values and ``MAX_FILTER_LENGTH`` URL-encoded characters per request. The server
compares case-insensitively; matching is exact here (``email`` case-insensitively).
Every bad reference is reported in one error.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple
from urllib.parse import quote

from ansible_collections.sailpoint.isc.plugins.module_utils._client import IscClient, IscError, IscForbiddenError
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import eq, in_, or_

REFERENCE_KEYS = ("id", "alias", "email", "name")
CHUNK_SIZE = 50
MAX_FILTER_LENGTH = 3000  # URL-encoded characters of one filters parameter

PAT_HINT = ("looking up identities by alias, email or name (or verifying ids) needs a personal access token, i.e. a "
            "token with user context; an API client without a user cannot read /identities. Use a personal access "
            "token, or give identity ids")

Reference = Tuple[str, str]
Identity = Dict[str, Optional[str]]


class IscIdentityResolutionError(IscError):
    """One or more identity references could not be resolved; ``problems`` lists them all."""

    def __init__(self, problems: List[str]) -> None:
        self.problems = list(problems)
        noun = "reference" if len(problems) == 1 else "references"
        super().__init__("could not resolve %d identity %s: %s" % (len(problems), noun, "; ".join(problems)))

    def to_dict(self) -> Dict[str, Any]:
        return {"problems": self.problems}


def describe_reference(reference: Any) -> str:
    """A short human form of a reference, e.g. ``alias 'jdoe'``."""
    if isinstance(reference, str):
        return "id %r" % reference
    if isinstance(reference, dict) and len(reference) == 1:
        key, value = next(iter(reference.items()))
        return "%s %r" % (key, value)
    return repr(reference)


def parse_reference(reference: Any) -> Reference:
    """(key, value) of a reference; raises ValueError with a clear reason."""
    if isinstance(reference, str):
        if not reference.strip():
            raise ValueError("an identity id must not be empty")
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
    """Filters covering ``values``, each within CHUNK_SIZE values and MAX_FILTER_LENGTH."""
    build = (lambda chunk: in_("id", chunk)) if key == "id" else (lambda chunk: or_(*[eq(key, v) for v in chunk]))  # type: Callable[[List[str]], str]
    filters = []
    chunk = []  # type: List[str]
    for value in values:
        candidate = chunk + [value]
        if chunk and (len(candidate) > CHUNK_SIZE or len(quote(build(candidate), safe="")) > MAX_FILTER_LENGTH):
            filters.append(build(chunk))
            candidate = [value]
        chunk = candidate
    if chunk:
        filters.append(build(chunk))
    return filters


def resolve_identities(client: IscClient, references: Sequence[Any], verify_ids: bool = False) -> List[Identity]:
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

    candidates = {}  # type: Dict[str, List[Identity]]
    for key in REFERENCE_KEYS:
        for filters in _filter_chunks(key, list(wanted.get(key, {}))):
            try:
                candidates.setdefault(key, []).extend(_identity(item) for item in client.list_identities(filters=filters))
            except IscForbiddenError as exc:
                raise IscForbiddenError(exc.method, exc.path, exc.status, exc.messages, exc.detail_code, exc.tracking_id,
                                        exc.error, hint=PAT_HINT, attempts=exc.attempts)

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


def resolve_identity(client: IscClient, reference: Any, verify_ids: bool = False) -> Identity:
    """Resolve one reference (see resolve_identities)."""
    return resolve_identities(client, [reference], verify_ids=verify_ids)[0]
