# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way to send independent work at the same time.

Private to the collection (``_`` prefix). The reader, the identity lookups, paging and the executor call
:func:`parallel` with the client's ``concurrency``; the transport bounds the requests in flight, so calls may nest.
"""

from __future__ import annotations

import concurrent.futures
from typing import Callable, List, Sequence, TypeVar

_Item = TypeVar("_Item")
_Answer = TypeVar("_Answer")


def parallel(work: Callable[[_Item], _Answer], items: Sequence[_Item], concurrency: int) -> List[_Answer]:
    """``[work(item) for item in items]`` with up to ``concurrency`` items at a time; answers in the order of ``items``.

    With ``concurrency`` 1 (or one item) it is exactly that loop. Otherwise every item is started unless one fails:
    then the items not yet started are cancelled and the error of the first failed item (in the order of ``items``)
    is raised once the started ones are done, so the outcome never depends on which request finished first.
    """
    items = list(items)
    if concurrency <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        futures = [pool.submit(work, item) for item in items]
        concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_EXCEPTION)
        if any(future.done() and future.exception() is not None for future in futures):
            for future in futures:
                future.cancel()
        concurrent.futures.wait(futures)
    for future in futures:
        if not future.cancelled() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]
    return [future.result() for future in futures]
