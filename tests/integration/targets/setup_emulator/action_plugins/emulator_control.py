# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Drive the ISC emulator's control API (``/__emulator/...``, tests/emulator/README.md) from the controller.

The integration targets reset, seed and read the emulator several hundred times per ``make test``. Each
``ansible.builtin.uri`` task starts a module process (Python plus ansible.module_utils, ~0.4 s of CPU); this action
sends the same real HTTP requests from the controller (in the worker process that runs ``ansible.builtin.debug`` too),
for a few milliseconds each.
The targets call it as ``emulator_control``: Ansible finds it in this role's ``action_plugins/``, loaded for every
target through its dependency on setup_emulator (meta/main.yml). ansible-lint takes that short name as the plugin's
canonical one (``ansible.legacy.emulator_control`` works too, but is an fqcn[canonical] finding).

Options (at least one of the actions; they run in this order, whatever the order in the task):

- ``base_url``: the emulator, e.g. ``http://127.0.0.1:PORT``; default: the ``isc_base_url`` variable.
- ``reset: true``: ``POST /__emulator/reset`` (an empty tenant, the real rate limit back on).
- ``seed``: one seed (a dict, or its JSON text) or a list of them: one ``POST /__emulator/seed`` each, in order.
- ``faults``: a dict for ``POST /__emulator/faults``, e.g. ``{rate_limit: null}``.
- ``clear_log: true``: ``DELETE /__emulator/requests``.
- ``read_log: true``: ``GET /__emulator/requests``, returned as ``requests`` (the log as a list).
- ``read_state: true``: ``GET /__emulator/state``, returned as ``state``.

Never ``changed``. Fails naming the method, the URL and the status (with the emulator's answer) on anything but 2xx.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = {
    "base_url": {"type": "str"},
    "reset": {"type": "bool", "default": False},
    "seed": {"type": "raw"},
    "faults": {"type": "dict"},
    "clear_log": {"type": "bool", "default": False},
    "read_log": {"type": "bool", "default": False},
    "read_state": {"type": "bool", "default": False},
    "timeout": {"type": "int", "default": 30},  # seconds per request, as ansible.builtin.uri's default
}
ACTIONS = ("reset", "seed", "faults", "clear_log", "read_log", "read_state")


def _seeds(seed: Any) -> List[Dict[str, Any]]:
    """The seeds to post, in order. A template's JSON text stays a string on ansible-core 2.19+ (2.16 already made
    a dict of it): parse it here, so that the emulator gets the same JSON on both."""
    if seed is None:
        return []
    result = []
    for number, item in enumerate(seed if isinstance(seed, list) else [seed]):
        if isinstance(item, str):
            try:
                item = json.loads(item)
            except ValueError as exc:
                raise AnsibleActionFail("seed[%d] is a string but not JSON: %s" % (number, exc)) from None
        if not isinstance(item, dict):
            raise AnsibleActionFail("seed[%d] must be a dict (or its JSON text), got %s" % (number, type(item).__name__))
        result.append(item)
    return result


def _call(base_url: str, method: str, path: str, timeout: int, body: Any = None) -> Any:
    """One control request: the answer's JSON (None for an empty answer, as DELETE's 204)."""
    url = base_url.rstrip("/") + "/__emulator/" + path
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read()
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise AnsibleActionFail("%s %s: the emulator did not answer: %s" % (method, url, getattr(exc, "reason", exc))) from None
    if not 200 <= status < 300:
        raise AnsibleActionFail("%s %s answered %d: %s" % (method, url, status, text.decode("utf-8", "replace")[:2000]))
    if not text.strip():
        return None
    try:
        return json.loads(text.decode("utf-8"))
    except ValueError as exc:
        raise AnsibleActionFail("%s %s answered %d with a body that is not JSON: %s" % (method, url, status, exc)) from None


class ActionModule(ActionBase):
    """Reset, seed, set faults on, clear or read the emulator, over HTTP from the controller."""

    _requires_connection = False  # nothing runs on the managed host (no persistent connection to set up)
    # a test's harness: it resets and reads the emulator in check mode too (never the system under test)
    _supports_check_mode = True

    def run(self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.5
        args: Dict[str, Any] = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        seeds = _seeds(args["seed"])
        if not (any(args[name] for name in ("reset", "clear_log", "read_log", "read_state")) or seeds or args["faults"] is not None):
            raise AnsibleActionFail("Nothing to do: give at least one of %s." % ", ".join(ACTIONS))
        if args["clear_log"] and args["read_log"]:
            # the log is cleared before it is read: the read would always be empty, and a check on it always pass
            raise AnsibleActionFail("clear_log and read_log in one task would read an empty log: read it, then clear it in a second task.")
        base_url = args["base_url"]
        if base_url is None:
            # the variable as the task sees it (the integration config sets it for every target)
            base_url = self._templar.template((task_vars or {}).get("isc_base_url"))
        if not isinstance(base_url, str) or not base_url:
            raise AnsibleActionFail("base_url is required when the isc_base_url variable is not set.")
        calls: List[Tuple[str, str, Any]] = []
        if args["reset"]:
            calls.append(("POST", "reset", None))
        calls.extend(("POST", "seed", seed) for seed in seeds)
        if args["faults"] is not None:
            calls.append(("POST", "faults", args["faults"]))
        if args["clear_log"]:
            calls.append(("DELETE", "requests", None))
        for method, path, body in calls:
            _call(base_url, method, path, args["timeout"], body)
        if args["read_log"]:
            result["requests"] = _call(base_url, "GET", "requests", args["timeout"])
        if args["read_state"]:
            result["state"] = _call(base_url, "GET", "state", args["timeout"])
        result["changed"] = False
        return result
