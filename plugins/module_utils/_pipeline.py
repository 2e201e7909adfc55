# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one pipeline every writing module runs: desired state -> read -> plan -> execute -> result.

Private to the collection (``_`` prefix)::

    validate (_desired)   the request itself, before any request is sent (malformed references included:
                          a plain id that is not 32 hexadecimal characters fails here, with a hint)
    read     (_reader)    the groups and members the request touches
    check    (_plan)      pure: ambiguous names, missing groups, creates without owner (before any lookup)
    resolve  (_reader)    every identity reference, in one batch
    plan     (_plan)      pure: creates, updates, member adds/removes, deletes, in use, unchanged
    guard    (_plan)      pure: a plan that deletes more than ``max_deletes`` is refused before any write
                          (check mode too): the outcome is returned with ``refused`` set and nothing executed
    execute  (_executor)  the writes (none in check mode), with per-chunk accounting and stop rules

An error before the writes is raised as :class:`StageError` naming the stage, so that each module can
word it for its users (:func:`run_pipeline`); nothing has been written then. Failed writes are not
raised: they are in the returned outcome, next to what did succeed.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator, Mapping, Optional

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import Request, validate
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscError
from ansible_collections.sailpoint.isc.plugins.module_utils._executor import Executor, Outcome
from ansible_collections.sailpoint.isc.plugins.module_utils._module import ModuleFailure, client_from_module
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import check, guard, plan
from ansible_collections.sailpoint.isc.plugins.module_utils._reader import read, resolve

VALIDATE = "validate"
READ = "read"
RESOLVE = "resolve"
PLAN = "plan"


class StageError(IscError):
    """An error before any write: ``stage`` says where, ``error`` is the IscError itself."""

    def __init__(self, stage: str, error: IscError) -> None:
        self.stage = stage
        self.error = error
        super().__init__(str(error))

    def to_dict(self) -> Any:
        return self.error.to_dict()


@contextlib.contextmanager
def _stage(name: str) -> Iterator[None]:
    try:
        yield
    except IscError as exc:
        raise StageError(name, exc)


def run(
    request: Request, connect: Callable[[], Any], check_mode: bool, warn: Optional[Callable[[str], None]] = None
) -> Outcome:
    """Validate ``request``, then (with the client ``connect()`` returns) read, resolve, plan and execute it."""
    with _stage(VALIDATE):
        validate(request, check_mode)
    client = connect()
    with _stage(READ):
        snapshot = read(client, request, check_mode)
    with _stage(PLAN):
        check(request, snapshot)
    with _stage(RESOLVE):
        resolve(client, request, snapshot, warn)
    with _stage(PLAN):
        the_plan = plan(request, snapshot)
    for warning in the_plan.warnings:
        if warn is not None:
            warn(warning)
    refusal = guard(request, the_plan)
    if refusal is not None:
        outcome = Outcome(the_plan, check_mode)
        outcome.refusal = refusal
        return outcome
    return Executor(client, the_plan, check_mode, warn).run()


def run_pipeline(module: Any, request: Request, wording: Mapping[str, str], group: str = "") -> Outcome:
    """:func:`run` for ``request`` with the module's connection, check mode and warnings: what a writing module calls.

    An error before the writes raises ModuleFailure with ``wording[stage]`` (a template with ``{error}`` and
    ``{group}``, in the module's words), nothing having been written. Failed writes are in the outcome. It lives here,
    not in ``_module``, so that the reading modules do not import the pipeline: AnsiballZ gives a module no bytecode
    cache, and Python compiles each module_utils file the task imports (twice, through zipimport) on every task.
    """
    try:
        return run(request, lambda: client_from_module(module), module.check_mode, module.warn)
    except StageError as exc:
        raise ModuleFailure(wording[exc.stage].format(error=exc.error, group=group), exc.error) from None
