# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Glue between AnsibleModule and the collection: options, the client, and the one place a run ends.

Private to the collection. Every module's ``main()`` ends with one call, :func:`finish`, which runs the module's
work and ends the run: ``exit_json`` with the result it returns, or ``fail_json``. Nothing else calls
``exit_json`` / ``fail_json``. A writing module maps its options to a request, runs the pipeline
(``_pipeline.run_pipeline``) and returns its report::

    def main():
        module = AnsibleModule(**isc_module_kwargs(argument_spec=..., supports_check_mode=True))
        finish(module, converge)

    def converge(module):
        return report_workgroup(module, run_pipeline(module, Request([Entry(name=...)]), WORDING))

A reading module uses the client directly::

    client = client_from_module(module)
    with fail_on_error(module, "list governance groups"):
        groups = list(client.list_workgroups())

Below ``main`` a failure is raised as :class:`ModuleFailure` (its message, the IscError behind it, the values to
return) or returned as a failed :class:`ModuleResult`; :func:`finish` scrubs the message and the error's facts of
secrets; no traceback. The connection options are documented in ``plugins/doc_fragments/auth.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.sailpoint.isc.plugins.module_utils import _connection
from ansible_collections.sailpoint.isc.plugins.module_utils._client import API_VERSIONS, DEFAULT_API_VERSION, IscClient
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscError, scrub_secrets
from ansible_collections.sailpoint.isc.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ansible_collections.sailpoint.isc.plugins.module_utils._pacing import DEFAULT_RATE_LIMIT
from ansible_collections.sailpoint.isc.plugins.module_utils._transport import DEFAULT_CONCURRENCY

_SECRET_OPTIONS = ("client_secret", "access_token")
# Where each connection option can come from: the module option (or module_defaults), the variable the role
# sailpoint.isc.governance_groups and the playbook sailpoint.isc.export read, and the environment variable.
# AnsibleModule's own checks ("missing required arguments: base_url") name only the option, so a user who
# configures the role or the environment could not tell what to set; connection_problems() names all three.
_SOURCES = {
    "base_url": ("isc_base_url", "SAIL_BASE_URL"),
    "client_id": ("isc_client_id", "SAIL_CLIENT_ID"),
    "client_secret": ("isc_client_secret", "SAIL_CLIENT_SECRET"),
    "access_token": ("isc_access_token", "SAIL_ACCESS_TOKEN"),
    "clients": ("isc_clients", "SAIL_CLIENTS"),
    "api_version": ("isc_api_version", "SAIL_API_VERSION"),
}


def isc_argument_spec() -> Dict[str, Any]:
    """The connection options every module of the collection accepts (a fresh dict each call)."""
    return {
        # Not required=True: client_from_module reports a missing one with every place it can be set.
        "base_url": {"type": "str", "fallback": (env_fallback, ["SAIL_BASE_URL"])},
        "client_id": {"type": "str", "fallback": (env_fallback, ["SAIL_CLIENT_ID"])},
        "client_secret": {"type": "str", "no_log": True, "fallback": (env_fallback, ["SAIL_CLIENT_SECRET"])},
        "access_token": {"type": "str", "no_log": True, "fallback": (env_fallback, ["SAIL_ACCESS_TOKEN"])},
        # No choices: connection_problems names the variable and the environment variable too (one of API_VERSIONS).
        "api_version": {
            "type": "str",
            "default": DEFAULT_API_VERSION,
            "fallback": (env_fallback, ["SAIL_API_VERSION"]),
        },
        "validate_certs": {"type": "bool", "default": True, "fallback": (env_fallback, ["SAIL_VALIDATE_CERTS"])},
        "request_timeout": {"type": "float", "default": 30.0},
        "max_retries": {"type": "int", "default": 5},
        # SAIL_CLIENTS (a JSON list) is read by client_from_module: env_fallback would split the string at its commas.
        "clients": {
            "type": "list",
            "elements": "dict",
            "options": {
                "client_id": {"type": "str", "required": True},
                "client_secret": {"type": "str", "required": True, "no_log": True},
            },
        },
        "rate_limit": {"type": "int", "default": DEFAULT_RATE_LIMIT, "fallback": (env_fallback, ["SAIL_RATE_LIMIT"])},
        "max_concurrent_requests": {
            "type": "int",
            "default": DEFAULT_CONCURRENCY,
            "fallback": (env_fallback, ["SAIL_MAX_CONCURRENT_REQUESTS"]),
        },
    }


def isc_module_kwargs(argument_spec: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Dict[str, Any]:
    """Keyword arguments for AnsibleModule: the connection spec merged with the module's own.

    The connection options are checked by client_from_module (see connection_problems), not by
    ``required_*`` rules here, so that the message names the role and environment variables too.
    """
    spec = isc_argument_spec()
    spec.update(argument_spec or {})
    result = dict(kwargs)
    result["argument_spec"] = spec
    return result


def _where(option: str) -> str:
    variable, environment = _SOURCES[option]
    return "%s (variable %s, environment variable %s)" % (option, variable, environment)


def connection_problems(params: Dict[str, Any]) -> List[str]:
    """What is missing or wrong in the connection options, each naming where to set it; [] when usable."""
    return _connection.connection_problems(params, API_VERSIONS, _where)


def clients_from_environment(environ: Mapping[str, str]) -> Optional[List[Dict[str, str]]]:
    """The pool of API clients in SAIL_CLIENTS (a JSON list of ``{"client_id": ..., "client_secret": ...}``), None when
    unset.

    Raises ValueError naming what is wrong, never a secret.
    """
    text = environ.get("SAIL_CLIENTS", "").strip()
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError("the environment variable SAIL_CLIENTS is not valid JSON; write it as "
                         '[{"client_id": "...", "client_secret": "..."}, ...]')
    if not isinstance(value, list) or not all(
            isinstance(item, dict) and set(item) == {"client_id", "client_secret"}
            and all(isinstance(part, str) and part for part in item.values()) for item in value):
        raise ValueError("the environment variable SAIL_CLIENTS must be a JSON list of objects with exactly the keys "
                         "client_id and client_secret, both non-empty strings")
    return value


def _secrets(params: Mapping[str, Any]) -> List[Optional[str]]:
    """Every secret among the connection options (the pool's client secrets included)."""
    secrets = [params.get(name) for name in _SECRET_OPTIONS]  # type: List[Optional[str]]
    secrets.extend(item.get("client_secret") for item in params.get("clients") or () if isinstance(item, dict))
    return secrets


def client_from_module(module: Any, **client_kwargs: Any) -> IscClient:
    """An IscClient for the module's connection options; retries are reported with module.warn.

    Raises ModuleFailure (missing_required_lib, or a clear configuration error) instead of an IscError.
    ``client_kwargs`` go to IscClient (e.g. ``max_retry_time``).
    """
    if not HAS_REQUESTS:
        raise ModuleFailure(missing_required_lib("requests"), scrub=False, exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    if not params.get("clients"):
        try:
            from_environment = clients_from_environment(os.environ)
        except ValueError as exc:
            raise ModuleFailure("Cannot connect to SailPoint ISC, nothing was sent: %s." % exc, scrub=False)
        if from_environment:  # the option's no_log does not cover a value read here: hide these secrets too
            params["clients"] = from_environment
            module.no_log_values.update(item["client_secret"] for item in from_environment)
    problems = connection_problems(params)
    if problems:
        raise ModuleFailure("Cannot connect to SailPoint ISC, nothing was sent: %s." % "; ".join(problems), scrub=False)
    with fail_on_error(module, "connect to SailPoint ISC"):
        return IscClient(
            base_url=params.get("base_url"),
            client_id=params.get("client_id"),
            client_secret=params.get("client_secret"),
            access_token=params.get("access_token"),
            api_version=params.get("api_version") or DEFAULT_API_VERSION,
            validate_certs=params.get("validate_certs", True),
            request_timeout=params.get("request_timeout") or 30.0,
            max_retries=params["max_retries"] if params.get("max_retries") is not None else 5,
            clients=params.get("clients"),
            rate_limit=params["rate_limit"] if params.get("rate_limit") is not None else DEFAULT_RATE_LIMIT,
            max_concurrent_requests=params.get("max_concurrent_requests") or DEFAULT_CONCURRENCY,
            warn=module.warn,
            **client_kwargs
        )
    raise AssertionError("unreachable")  # fail_on_error raises


class ModuleResult:
    """How a module's run ends: the ``values`` it returns and, when it failed, the ``failure`` message and the
    IscError behind it (whose known facts - status, tracking_id, ... - are returned too). A failure is scrubbed of
    secrets unless ``scrub`` is False: a message of the collection's own words about the options, which holds no
    value of them (the scrubber would mask the ``"client_secret": "..."`` of a hint)."""

    def __init__(self, values: Dict[str, Any], failure: Optional[str] = None, error: Optional[IscError] = None,
                 scrub: bool = True) -> None:
        self.values = values
        self.failure = failure
        self.error = error
        self.scrub = scrub


class ModuleFailure(Exception):
    """Ends the run failed from anywhere below ``main()``: :func:`finish` turns it into ``fail_json``."""

    def __init__(self, message: str, error: Optional[IscError] = None, scrub: bool = True, **values: Any) -> None:
        super().__init__(message)
        self.result = ModuleResult(values, message, error, scrub)


def finish(module: Any, work: Callable[[Any], ModuleResult]) -> None:
    """The end of every module's run, the only call of ``exit_json`` / ``fail_json``: ``work(module)``'s result, or
    the ModuleFailure it raised. A failure's message and every returned value are scrubbed of secrets; fail_json is
    called outside any except clause, so no traceback is attached."""
    try:
        result = work(module)
    except ModuleFailure as exc:
        result = exc.result
    if result.failure is None:
        module.exit_json(**result.values)
        return
    if not result.scrub:
        module.fail_json(msg=result.failure, **result.values)
        return
    secrets = _secrets(module.params)
    details = dict(result.error.to_dict()) if result.error is not None else {}
    details.update(result.values)
    module.fail_json(msg=scrub_secrets(result.failure, secrets), **_scrubbed(details, secrets))


def _scrubbed(value: Any, secrets: List[Optional[str]]) -> Any:
    if isinstance(value, str):
        return scrub_secrets(value, secrets)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_scrubbed(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    return value


@contextlib.contextmanager
def fail_on_error(module: Any, action: str) -> Iterator[None]:
    """Turn an IscError raised in the block into a ModuleFailure ("Failed to <action>: ...", the error's facts).

    ``action`` names the object, e.g. ``"create governance group 'Auditors'"``.
    """
    try:
        yield
    except IscError as exc:
        raise ModuleFailure("Failed to %s: %s" % (action, exc), exc) from None
