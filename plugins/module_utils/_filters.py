# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Build ISC ``filters`` expressions with every value quoted and escaped.

Private to the collection. Modules never concatenate filter strings; they call these
functions, e.g. ``or_(eq("alias", a), eq("alias", b))`` or ``in_("id", ids)``, the operators the collection uses.

Escaping inside a quoted value (https://developer.sailpoint.com/docs/api/standard-collection-parameters):
``\\`` -> ``\\\\``, ``"`` -> ``\\"``, ``%`` -> ``%25``, ``#`` -> ``%23``, ``&`` -> ``%26``. The whole query
string is URL-encoded once more when the request is sent.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, List, Sequence
from urllib.parse import quote

_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

# order matters: % first, so the %XX produced for # and & is not escaped again
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("%", "%25"), ("#", "%23"), ("&", "%26"))


def escape(value: str) -> str:
    """Escape a string for use between double quotes in an ISC filter."""
    result = value
    for old, new in _ESCAPES:
        result = result.replace(old, new)
    return result


def literal(value: Any) -> str:
    """A filter literal: quoted+escaped string, ``true``/``false``, or a number."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"%s"' % escape(value)
    raise TypeError("a filter value must be a string, number or boolean, not %s" % type(value).__name__)


def _field(field: str) -> str:
    if not isinstance(field, str) or not _FIELD_RE.match(field):
        raise ValueError("invalid filter field name: %r" % (field,))
    return field


def eq(field: str, value: Any) -> str:
    """``field eq value``."""
    return "%s eq %s" % (_field(field), literal(value))


def in_(field: str, values: Iterable[Any]) -> str:
    """``field in ("a","b")``; raises ValueError for an empty list."""
    items = list(values)
    if not items:
        raise ValueError("in_() needs at least one value for %r" % (field,))
    return "%s in (%s)" % (_field(field), ",".join(literal(v) for v in items))


def or_(*comparisons: str) -> str:
    """Any of the comparisons holds: ``a or b or c``. Only comparisons are joined here (values are quoted, so no
    ``or`` or ``and`` inside them counts), hence no parentheses are needed."""
    if not comparisons or not all(isinstance(item, str) and item.strip() for item in comparisons):
        raise ValueError("or_() needs one or more non-empty comparisons")
    return " or ".join(comparisons)


# One filters parameter holds at most this many values and URL-encoded characters: ISC documents no
# limit, and a URL of a few kB passes every gateway and proxy; 50 is the page size of /identities lookups.
BATCH_VALUES = 50
BATCH_LENGTH = 3000


def batched(build: Callable[[List[Any]], str], values: Sequence[Any], max_values: int = BATCH_VALUES,
            max_length: int = BATCH_LENGTH) -> List[str]:
    """Filters ``build(chunk)`` covering ``values`` in order, each of at most ``max_values`` values and
    ``max_length`` URL-encoded characters (a single value longer than that still gets its own filter)."""
    filters = []  # type: List[str]
    chunk = []  # type: List[Any]
    for value in values:
        candidate = chunk + [value]
        if chunk and (len(candidate) > max_values or len(quote(build(candidate), safe="")) > max_length):
            filters.append(build(chunk))
            candidate = [value]
        chunk = candidate
    if chunk:
        filters.append(build(chunk))
    return filters


def any_of(field: str, values: Sequence[Any]) -> List[str]:
    """Filters matching ``field`` against any of ``values``: ``field eq`` for a chunk of one, else ``field in (...)``,
    in chunks as :func:`batched` cuts them (one request each)."""
    return batched(lambda chunk: in_(field, chunk) if len(chunk) > 1 else eq(field, chunk[0]), values)
