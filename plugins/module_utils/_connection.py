# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection options, checked in one place before the first request: the tenant URL, the credentials and the
pool, the API version, the limits, and the CA bundle the environment names.

Private to the collection (``_`` prefix). :func:`connection_problems` lists everything wrong at once, each naming
where to set it (``where``: the modules name the option, the role's variable and the environment variable);
:func:`validate_base_url` normalises the URL. ``IscClient`` raises both as ``IscConfigError``.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any, Callable, Iterable, List, Mapping, Optional
from urllib.parse import urlsplit

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscConfigError, scrub_secrets

# the environment variables requests takes its CA bundle from, in its order, when it verifies certificates:
# https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


def _option(option: str) -> str:
    return option


def connection_problems(settings: Mapping[str, Any], api_versions: Iterable[str], where: Callable[[str], str] = _option,
                        environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """What is missing or wrong in the connection ``settings`` (the options of ``_module.isc_argument_spec``), each
    problem naming where to set it (``where(option)``); [] when usable. Empty strings count as unset (AWX injects an
    empty string for a credential field left blank)."""
    problems = []  # type: List[str]
    if not settings.get("base_url"):
        problems.append("no tenant URL: set the option %s to the tenant's API root, e.g. "
                        "https://acme.api.identitynow.com" % where("base_url"))
    problems.extend(_credential_problems(settings, where))
    api_versions = list(api_versions)
    if settings.get("api_version") and settings["api_version"] not in api_versions:
        problems.append("api_version must be one of %s, got %r: set the option %s to one of them"
                        % (", ".join(api_versions), settings["api_version"], where("api_version")))
    problems.extend(_limit_problems(settings))
    https = str(settings.get("base_url") or "").strip().lower().startswith("https:")
    if settings.get("validate_certs", True) and https:  # requests reads the CA bundle only to verify https
        problems.extend(ca_bundle_problems(os.environ if environ is None else environ))
    return problems


def _credential_problems(settings: Mapping[str, Any], where: Callable[[str], str]) -> List[str]:
    client_id, client_secret = settings.get("client_id"), settings.get("client_secret")
    if client_id and not client_secret:
        return ["client_id is set but client_secret is not: set the option %s, as the two must be given together"
                % where("client_secret")]
    if client_secret and not client_id:
        return ["client_secret is set but client_id is not: set the option %s, as the two must be given together"
                % where("client_id")]
    if not client_id and not settings.get("access_token") and not settings.get("clients"):
        return ["no credentials: set the options %s and %s, or %s"
                % (where("client_id"), where("client_secret"), where("access_token"))]
    problems = []  # type: List[str]
    seen = {client_id} if client_id else set()
    for index, extra in enumerate(settings.get("clients") or ()):
        extra_id, extra_secret = (extra or {}).get("client_id"), (extra or {}).get("client_secret")
        if not extra_id or not extra_secret:
            problems.append("clients[%d] needs both client_id and client_secret" % index)
        elif extra_id in seen:
            problems.append("clients[%d]: the API client %r is given twice; give each API client of the pool once"
                            % (index, extra_id))
        seen.add(extra_id)
    return problems


def _limit_problems(settings: Mapping[str, Any]) -> List[str]:
    problems = []  # type: List[str]
    for option, lowest, meaning in (
            ("rate_limit", 0, "0 (no pacing) or the requests per 10 seconds per API client"),
            ("max_concurrent_requests", 1, "1 (one request at a time) or more"),
            ("max_retries", 0, "0 (no retry) or more"),
            ("max_retry_time", 0, "0 (no retry) or more seconds"),
            ("request_timeout", 0.001, "more than 0 seconds")):
        value = settings.get(option)
        if value is not None and value < lowest:
            problems.append("%s must be %s, got %s" % (option, meaning, value))
    return problems


def ca_bundle_problems(environ: Mapping[str, str]) -> List[str]:
    """The CA bundle requests would verify the tenant's certificate with, when the environment names a missing file."""
    for variable in CA_BUNDLE_VARIABLES:
        path = environ.get(variable)
        if path:
            if os.path.exists(path):
                return []
            return ["the environment variable %s names the CA bundle %r, which does not exist: point %s at the "
                    "PEM file of the CA that signed the tenant's certificate (or the TLS-inspecting proxy's), or "
                    "unset it to use the default CA bundle" % (variable, path, variable)]
    return []


def check_connection(settings: Mapping[str, Any], api_versions: Iterable[str]) -> None:
    """Raise IscConfigError with every problem of :func:`connection_problems`."""
    problems = connection_problems(settings, api_versions)
    if problems:
        raise IscConfigError("; ".join(problems))


def validate_base_url(base_url: Optional[str], api_versions: Iterable[str] = ()) -> str:
    """Return the normalised tenant API root or raise IscConfigError.

    https is required; plain http is accepted only for loopback hosts (127.0.0.0/8, ::1,
    localhost), so credentials never cross a network in clear text. A root ending in one of
    ``api_versions`` is refused: the version is chosen with ``api_version``, not in the URL.
    """
    if not base_url or not str(base_url).strip():
        raise IscConfigError("base_url is required (or set SAIL_BASE_URL), e.g. https://acme.api.identitynow.com")
    url = str(base_url).strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError as exc:
        raise IscConfigError(scrub_secrets("base_url %r is not a valid URL: %s" % (url, exc)))
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise IscConfigError("base_url %r must be an http(s) URL with a host, e.g. https://acme.api.identitynow.com"
                             % url)
    if parts.username or parts.password:
        raise IscConfigError("base_url must not contain credentials; use client_id/client_secret or access_token")
    if parts.query or parts.fragment:
        raise IscConfigError("base_url must not contain a query or fragment")
    if scheme == "http" and not is_loopback_host(host):
        raise IscConfigError(
            "base_url %r uses plain http to a non-loopback host; use https so that credentials and tokens "
            "are never sent in clear text (http is only accepted for localhost, 127.0.0.0/8 and ::1)" % url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last in api_versions:
        raise IscConfigError(
            "base_url %r ends with the API version %r; give the tenant API root "
            "(e.g. https://acme.api.identitynow.com) and choose the version with api_version" % (url, last))
    return "%s://%s%s" % (scheme, parts.netloc, path)


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback IP addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
