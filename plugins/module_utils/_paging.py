# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Paging: the one way to read every item of a list endpoint (``limit`` / ``offset``, ``count=true``).

Private to the collection (``_`` prefix). ISC's paging parameters:
https://developer.sailpoint.com/docs/api/standard-collection-parameters
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError, IscConfigError
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel

Page = Tuple[List[Any], Optional[int]]


def paginate(read: Callable[[int], Page], page_size: int, concurrency: int) -> Iterator[Any]:
    """Yield every item of a list endpoint, page by page; ``read(offset)`` is one page and, for offset 0, the total.

    Paging stops once the reported total has been read (so a listing costs exactly ceil(total / page_size)
    requests, the floor), or on a short page when the server sent no count. A short page with a higher count goes
    on (a server-side cap lower than page_size), so nothing is truncated. Once a full first page and the total are
    known, the remaining pages are read ``parallel`` (in order of offset, whatever order they arrive in).
    """
    if page_size < 1:
        raise IscConfigError("page_size must be >= 1")
    page, total = read(0)
    yield from page
    offset = len(page)
    if total is not None and len(page) == page_size and offset < total and concurrency > 1:
        for page, _total in parallel(read, list(range(offset, total, page_size)), concurrency):
            yield from page
            offset += len(page)
            if len(page) < page_size:
                break  # fewer items than asked: go on from here, one page at a time
    while page and (offset < total if total is not None else len(page) == page_size):
        page, _total = read(offset)
        yield from page
        offset += len(page)


def page_query(params: Optional[Dict[str, Any]], page_size: int, offset: int) -> Dict[str, Any]:
    """The query of the page at ``offset``: the first one also asks for the total (``count=true``)."""
    query = dict(params or {})
    query["limit"] = page_size
    query["offset"] = offset
    if offset == 0:
        query["count"] = "true"
    return query


def page_of(result: Any, path: str, page_size: int, offset: int) -> Page:
    """The items of one answer (a ``_answers.Result``) and, for the first page, its ``X-Total-Count``."""
    page = result.body if result.body is not None else []
    if not isinstance(page, list):
        raise IscApiError("GET", path, result.status, ["expected a JSON list, got %s" % type(page).__name__])
    if len(page) > page_size:
        raise IscApiError("GET", path, result.status,
                          ["the server returned %d items for limit %d" % (len(page), page_size)])
    total = None  # type: Optional[int]
    if offset == 0:
        try:
            total = int(result.headers.get("X-Total-Count"))
        except (TypeError, ValueError):
            total = None
    return page, total
