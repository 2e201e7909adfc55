# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Identities through ISC's Search API (``POST /search``, the ``identities`` index).

Private to the collection (``_`` prefix). Search is the one identity lookup ISC also serves to API clients
without a user (``applicationAuth: sp:search:read``; ``GET /identities`` is ``userAuth`` only), and it returns
up to 10,000 identities per request. Two uses:

- :func:`lookup_query`: every identity a query matches (``_query.matches`` adds the spread, for ``members_query``
  and ``identity_info``).
- :func:`lookup_values`: identities by ``id`` or ``email`` references, ``SEARCH_BATCH`` values per request.

Search is eventually consistent: ISC indexes a change "a few seconds to a few minutes" after it happens
(the Search tag of the ISC API), so a just-created or just-changed identity may be missing or stale.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Sequence

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import Problem
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel

# Reference key -> the search field that holds the same value. Only keys whose field the spec's IdentityDocument
# confirms: ``alias`` has no field there (SailPoint's help maps it to ``name``, the spec's examples show ``name``
# as the display name), so alias and name references are never looked up through search.
SEARCH_FIELDS = {"id": "id", "email": "email"}
# Values per lookup query. ISC documents a query size limit of "approximately 800 objects when filtering by
# large lists of IDs or values" (searchPost); half of it leaves room for what "approximately" hides.
SEARCH_BATCH = 400
# The fields a lookup asks for (queryResultFilter): everything the plan, the diff and identity_info show.
IDENTITY_FIELDS = ("id", "name", "displayName", "email")

SEARCH_HINT = (
    "searching identities needs the scope sp:search:read (API clients and personal access tokens alike; a personal "
    "access token's user also needs a user level search allows, such as ORG_ADMIN)"
)
EVENTUAL_CONSISTENCY = (
    "ISC's search is eventually consistent: an identity appears in search a few seconds to a few minutes "
    "after it is created or changed"
)

Identity = Dict[str, Any]


def quote_term(value: str) -> str:
    """``value`` as a quoted phrase of the query syntax: only ``\\`` and ``"`` need a backslash inside quotes.

    Every value is quoted: ISC matched every identity for an unquoted full email (SailPoint's answer on
    https://developer.sailpoint.com/discuss/t/56519).
    """
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def any_value_query(field: str, values: Sequence[str]) -> str:
    """``field:"a" OR field:"b"``: the documents whose ``field`` holds any of ``values``."""
    return " OR ".join("%s:%s" % (field, quote_term(value)) for value in values)


def requests_for_values(count: int) -> int:
    """Search requests to look ``count`` values up (each query returns far fewer than 10,000 documents)."""
    return int(math.ceil(count / float(SEARCH_BATCH)))


def identity(document: Dict[str, Any], attributes: Sequence[str] = ()) -> Identity:
    """``{id, name, alias, email}`` of a search document (plus ``attributes``: the asked attributes, when any).

    ``name`` is the display name (``displayName``, else the document's ``name``), as ``/identities`` gives it.
    ``alias`` is None: no search field is confirmed to hold it.
    """
    found = {"id": document.get("id"), "name": document.get("displayName") or document.get("name"), "alias": None,
             "email": document.get("email")}  # type: Identity
    return with_attributes(found, document, attributes)


def with_attributes(found: Identity, data: Dict[str, Any], attributes: Sequence[str]) -> Identity:
    """``found`` plus ``attributes``: the asked attributes of ``data`` (an identity or a search document; None where
    it lacks one), when any are asked."""
    if attributes:
        values = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
        found["attributes"] = {name: values.get(name) for name in attributes}
    return found


def lookup_query(client: Any, query: str, attributes: Sequence[str] = ()) -> List[Identity]:
    """Every identity ``query`` matches (see :func:`identity`), sorted by id: ceil(N / 10,000) requests for N matches,
    one more
    when N is a positive multiple of 10,000 (``IscClient.search_identities``)."""
    fields = list(IDENTITY_FIELDS) + ["attributes.%s" % name for name in attributes]
    return [
        identity(document, attributes)
        for document in client.search_identities(query, fields)
        if isinstance(document, dict)
    ]


def lookup_values(client: Any, key: str, values: Sequence[str], attributes: Sequence[str] = ()) -> List[Identity]:
    """The identities whose ``key`` (a key of SEARCH_FIELDS) is any of ``values``; the caller matches exactly.

    :func:`requests_for_values` requests; the search compares case-insensitively and may return near matches.
    """
    field = SEARCH_FIELDS[key]
    queries = [
        any_value_query(field, values[start : start + SEARCH_BATCH]) for start in range(0, len(values), SEARCH_BATCH)
    ]
    # independent requests: sent together (the client's parallel), answers in the order of the batches
    batches = parallel(lambda query: lookup_query(client, query, attributes), queries, client.concurrency)
    return [found for batch in batches for found in batch]


class QueryProblem(Problem):
    """A query the user gave (``value``, the option ``key`` at ``place``) that cannot run, and ``why``: worded
    ``<place>: <option> '<query>' <why>``."""

    def __str__(self) -> str:
        return "%s%s %r %s" % (self.place + ": " if self.place else "", self.key, self.value, self.why)


def problem_with_query(where: str, option: str, query: str, error: Any) -> Optional[QueryProblem]:
    """The problem of a query (the option ``option`` at ``where``) ISC rejected as malformed (HTTP 400), or None for
    any other error."""
    if getattr(error, "status", None) != 400:
        return None
    messages = "; ".join(getattr(error, "messages", None) or []) or str(error)
    tracking = getattr(error, "tracking_id", None)
    return QueryProblem("was refused by ISC's search (HTTP 400): %s%s"
                        % (messages, " [trackingId: %s]" % tracking if tracking else ""), option, query, where)
