# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in-process against the emulator, and read what it sent: shared by the module tests."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterable, List

import pytest

from ansible.module_utils.testing import patch_module_args

MUTATING = ("POST", "PATCH", "PUT", "DELETE")
TOKEN_PATH = "/oauth/token"


class Run(dict):
    """A module's JSON result; ``requests`` are the requests it sent (token included), in order."""

    requests = []  # type: List[Dict[str, Any]]

    @property
    def failed(self) -> bool:
        return bool(self.get("failed"))


def run_module(main: Callable[[], None], emulator: Any, capsys: Any, check_mode: bool = False, diff: bool = False, **args: Any) -> Run:
    """Run ``main`` with the emulator's connection options (``args`` may override them) and the given module args.

    The client does not pace itself (``rate_limit=0``) unless a test asks for it: the test emulator has no rate limit.
    """
    module_args = dict(base_url=emulator.base_url, client_id=emulator.client_id, client_secret=emulator.client_secret,
                       rate_limit=0, _ansible_check_mode=check_mode, _ansible_diff=diff)
    module_args.update(args)
    before = len(emulator.requests())
    with patch_module_args(module_args):
        with pytest.raises(SystemExit) as exit_info:
            main()
    result = Run(json.loads(capsys.readouterr().out))
    assert result.failed == (exit_info.value.code == 1)
    result.requests = emulator.requests()[before:]
    return result


def diff_sides(result: Dict[str, Any]) -> Dict[str, Any]:
    """The ``diff`` of a module result, each side (JSON text, so that ``--diff`` shows non-ASCII as it is) read back."""
    return {side: json.loads(text) for side, text in result["diff"].items()}


def api_requests(requests: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The requests to the API (the token requests left out)."""
    return [r for r in requests if r["path"] != TOKEN_PATH]


def mutations(requests: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The API requests that may change the tenant (the emulator marks each; POST /search only reads)."""
    return [r for r in api_requests(requests) if r.get("mutating", r["method"] in MUTATING)]


def creates(requests: Iterable[Dict[str, Any]]) -> int:
    """Groups created: the creates that landed (a create whose answer was dropped is logged with its 200 too)."""
    return sum(1 for r in requests if r.get("operation") == "createWorkgroup" and r.get("status") == 200)


def lost_write_answers(requests: Iterable[Dict[str, Any]]) -> int:
    """Write answers the client never got: dropped after the write landed, or a 5xx injected before it."""
    return sum(1 for r in requests if r.get("mutating") and (r.get("dropped") or r.get("fault") == "error_rate"))


def ops(requests: Iterable[Dict[str, Any]]) -> Dict[str, int]:
    """How many requests of each operation (the spec's operationId, else the path)."""
    counts = {}  # type: Dict[str, int]
    for request in requests:
        key = request.get("operation") or request["path"]
        counts[key] = counts.get(key, 0) + 1
    return counts
