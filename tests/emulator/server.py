"""HTTP layer of the ISC emulator: routing, OAuth tokens, scopes, rate limit, faults, paging, control API.

Standard library only (``http.server.ThreadingHTTPServer``); valid Python 3.8+ syntax.
"""
from __future__ import annotations

import base64
import collections
import email.parser
import email.policy
import hashlib
import hmac
import json
import os
import random
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

from . import search
from .faults import RateLimiter, parse_faults
from .filters import FilterError
from .seed import DEMO_CLIENT_IDENTITY, demo_seed, load_seed
from .state import DETAIL_CODES, ApiError, Tenant

YEARLY_VERSIONS = ("v2024", "v2025", "v2026", "beta")
# Resources with a per-service v1 path (/<resource>/v1...). public-identities is not in the v1 spec subset, but the
# official python SDK 2.x (generated from the per-service specs) calls GET /public-identities/v1.
V1_RESOURCES = ("workgroups", "identities", "public-identities", "search")
READ = ("idn:workgroup:read", "idn:workgroup:manage")
MANAGE = ("idn:workgroup:manage",)
WRITE = ("idn:workgroup:write",)
IDENTITY_READ = ("idn:identity:read", "idn:identity:manage")
SEARCH_READ = ("sp:search:read",)
ALL_SCOPES = "sp:scopes:all"
TENANT_ID = "2c9180835d2e5168015d32f890ca1581"
ORG = "emulator"
POD = "emu01-useast1"
REQUEST_LOG_MAX = 100000
INT32_MAX = 2 ** 31 - 1  # offset and limit are `format: int32` in the specs


class Operation:
    """One API operation; ``user_only`` means the spec allows only userAuth (a token with user context)."""

    def __init__(self, method: str, resource: str, subpath: str, name: str, scopes: Tuple[str, ...],
                 max_limit: int = 0, user_only: bool = False, versions: Tuple[str, ...] = YEARLY_VERSIONS) -> None:
        self.method = method
        self.resource = resource
        self.subpath = subpath
        self.name = name
        self.scopes = scopes
        self.max_limit = max_limit  # 0: not a list endpoint
        self.user_only = user_only
        self.versions = versions  # the yearly versions whose spec has the operation
        self.mutating = method in ("POST", "PATCH", "DELETE") and resource != "search"


# The single routing table. Literal paths come before {param} paths of the same shape.
OPERATIONS = (
    Operation("GET", "workgroups", "", "listWorkgroups", READ, max_limit=250),
    Operation("POST", "workgroups", "", "createWorkgroup", MANAGE),
    Operation("POST", "workgroups", "/bulk-delete", "deleteWorkgroupsInBulk", MANAGE),
    Operation("GET", "workgroups", "/{id}", "getWorkgroup", READ),
    Operation("PATCH", "workgroups", "/{id}", "patchWorkgroup", MANAGE),
    Operation("DELETE", "workgroups", "/{id}", "deleteWorkgroup", MANAGE),
    Operation("GET", "workgroups", "/{workgroupId}/members", "listWorkgroupMembers", READ, max_limit=50),
    Operation("POST", "workgroups", "/{workgroupId}/members/bulk-add", "updateWorkgroupMembers", WRITE),
    Operation("POST", "workgroups", "/{workgroupId}/members/bulk-delete", "deleteWorkgroupMembers", WRITE),
    Operation("GET", "workgroups", "/{workgroupId}/connections", "listConnections", READ, max_limit=50),
    Operation("GET", "identities", "", "listIdentities", IDENTITY_READ, max_limit=250, user_only=True),
    Operation("GET", "public-identities", "", "getPublicIdentities", ("sp:scopes:default",), max_limit=250, user_only=True),
    # Search (FACTS.md section 12): userAuth or applicationAuth; not in the beta spec. A read, though it is a POST.
    Operation("POST", "search", "", "searchPost", SEARCH_READ, max_limit=search.MAX_WINDOW, versions=("v2024", "v2025", "v2026")),
    Operation("POST", "search", "/count", "searchCount", SEARCH_READ, versions=("v2024", "v2025", "v2026")),
)
# Per-version security differences from the specs: beta's members bulk-delete is userAuth only (FACTS.md section 7).
USER_ONLY_OVERRIDES = {("beta", "deleteWorkgroupMembers")}


class Route:
    def __init__(self, op: Operation, version: str, template: str) -> None:
        self.op = op
        self.version = version
        self.template = template
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.regex = re.compile(pattern + r"\Z")
        self.user_only = op.user_only or (version, op.name) in USER_ONLY_OVERRIDES


def _build_routes() -> List[Route]:
    routes = []
    for op in OPERATIONS:
        for version in op.versions:
            routes.append(Route(op, version, "/%s/%s%s" % (version, op.resource, op.subpath)))
        if op.resource in V1_RESOURCES:
            routes.append(Route(op, "v1", "/%s/v1%s" % (op.resource, op.subpath)))
    return routes


ROUTES = _build_routes()


def match_route(method: str, path: str) -> Tuple[Optional[Route], Dict[str, str], bool]:
    """Return (route, path params, path_known). path_known without a route means 405."""
    path_known = False
    for route in ROUTES:
        found = route.regex.match(path)
        if found:
            path_known = True
            if route.op.method == method:
                return route, found.groupdict(), True
    return None, {}, path_known


def allowed_methods(path: str) -> List[str]:
    """The methods served on ``path`` (for the ``Allow`` header of a 405, RFC 9110); HEAD goes with GET."""
    methods = {route.op.method for route in ROUTES if route.regex.match(path)}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def error_body(text: str, detail_code: str) -> Dict[str, Any]:
    """An ErrorResponseDto."""
    return {
        "detailCode": detail_code,
        "trackingId": uuid.uuid4().hex,
        "messages": [{"locale": "en-US", "localeOrigin": "DEFAULT", "text": text}],
        "causes": [],
    }


FAULT_TEXTS = {
    500: "An internal fault occurred.",
    502: "Bad gateway: the upstream service returned an invalid response.",
    503: "The service is temporarily unavailable. Please try again later.",
    504: "Gateway timeout: the upstream service did not respond in time.",
}
RATE_LIMIT_BODY = {"message": " Rate Limit Exceeded "}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class _Request:
    """What an operation handler needs from the HTTP request."""

    def __init__(self, op: Operation, path_params: Dict[str, str], query: Dict[str, str], body: bytes, content_type: str,
                 version: str = "v2024") -> None:
        self.op = op
        self.version = version
        self.path_params = path_params
        self.query = query
        self.body = body
        self.content_type = content_type

    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()

    def json(self, media_type: str = "application/json") -> Any:
        if not self.body.strip():
            raise ApiError(400, "Required request body is missing.")
        if self.media_type() != media_type:
            raise ApiError(415, 'Content-Type "%s" is not supported; use "%s".' % (self.content_type or "(none)", media_type))
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, "Malformed JSON request body: %s" % exc) from None


def _int_param(query: Dict[str, str], name: str, default: int, maximum: Optional[int]) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    if not re.match(r"-?[0-9]+\Z", raw.strip()):  # an empty value is no integer either (spec: type integer)
        raise ApiError(400, 'Invalid value "%s" for query parameter "%s": expected an integer.' % (raw, name))
    value = int(raw)
    if value > INT32_MAX:  # the spec declares these parameters int32; ISC's Java gateway cannot parse a larger value
        raise ApiError(400, 'Invalid value "%s" for query parameter "%s": expected a 32-bit integer.' % (raw, name))
    if value < 0 or (maximum is not None and value > maximum):
        bound = "between 0 and %d" % maximum if maximum is not None else "0 or greater"
        raise ApiError(400, 'Query parameter "%s" must be %s, got %d.' % (name, bound, value))
    return value


def _bool_param(query: Dict[str, str], name: str) -> bool:
    if name not in query:
        return False
    raw = query[name].strip().lower()  # an empty value is no boolean (spec: type boolean)
    if raw not in ("true", "false"):
        raise ApiError(400, 'Invalid value "%s" for query parameter "%s": expected true or false.' % (query.get(name), name))
    return raw == "true"


class _Token:
    __slots__ = ("client_id", "scopes", "user_context", "identity_id", "expires_at")

    def __init__(self, client: Dict[str, Any], expires_at: float) -> None:
        self.client_id = client["client_id"]
        self.scopes = list(client["scopes"])
        self.user_context = client["user_context"]
        self.identity_id = client.get("identity_id")
        self.expires_at = expires_at


class Handler(BaseHTTPRequestHandler):
    """Request handler; ``self.server.emulator`` is the owning :class:`Emulator`."""

    protocol_version = "HTTP/1.1"
    server_version = "ISC-Emulator/1.0"
    # Per-request bookkeeping, set in _dispatch.
    _status = 0
    _started = 0.0
    _log_entry: Optional[Dict[str, Any]] = None
    timeout = 120  # idle keep-alive connections are closed after this

    # ------------------------------------------------------------- plumbing

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, delayed ACKs add ~40 ms per response.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    @property
    def emu(self) -> "Emulator":
        return self.server.emulator  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        if self.emu.verbose:
            super().log_message(format, *args)

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Protocol-level errors (bad request line, unsupported method) as JSON, never HTML."""
        body = json.dumps(error_body(message or "Bad request.", DETAIL_CODES.get(code, str(code)))).encode("utf-8")
        self.close_connection = True
        try:
            self.send_response(code, message)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass

    def _flush_log(self) -> None:
        """Record the request before the client can see the response, so the log is complete when a call returns."""
        entry, self._log_entry = self._log_entry, None
        if entry is not None:
            entry["status"] = self._status
            entry["duration_ms"] = round((time.monotonic() - self._started) * 1000.0, 3)
            self.emu._log(entry)  # pylint: disable=protected-access

    def _send(self, status: int, body: Any = None, headers: Optional[Dict[str, str]] = None) -> None:
        self._status = status
        self._flush_log()
        payload = b"" if body is None else json.dumps(body).encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 204:
            if body is not None:
                self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if payload and status != 204 and self.command != "HEAD":
            self.wfile.write(payload)

    def _send_api_error(self, exc: ApiError) -> None:
        self._send(exc.status, error_body(exc.text, exc.detail_code))

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline(65537)
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_PATCH(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_DELETE(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_PUT(self) -> None:  # pylint: disable=invalid-name
        self._dispatch()

    def do_HEAD(self) -> None:  # pylint: disable=invalid-name
        """HEAD on a GET route is the GET without a body (as Spring serves it)."""
        self._dispatch()

    def __getattr__(self, name: str) -> Any:
        """Any other method (OPTIONS, TRACE, QUERY, ...): 405 with an ``Allow`` header on a known path, 404 elsewhere,
        as ISC's Spring stack answers; never the 501 that BaseHTTPRequestHandler gives for a method without a handler."""
        if name.startswith("do_") and len(name) > 3:
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        self._started = time.monotonic()
        self._status = 0
        self._log_entry = None
        try:
            parts = urlsplit(self.path)
            path = parts.path
            if len(path) > 1 and path.endswith("/"):
                path = path.rstrip("/")
            multi = parse_qs(parts.query, keep_blank_values=True, errors="replace")
            query = {k: v[0] for k, v in multi.items()}
            try:
                body = self._read_body()
            except ValueError:
                self.close_connection = True
                self._send(400, error_body("Malformed request body framing.", DETAIL_CODES[400]))
                return
            if path == "/__emulator" or path.startswith("/__emulator/"):
                self._control(path, body)
                return
            self._log_entry = {"method": self.command, "path": path, "query": query, "raw_query": parts.query, "status": 0,
                               "client_id": None, "version": None, "operation": None, "fault": None, "dropped": False,
                               "time": time.time()}
            if path in ("/oauth/token", "/oauth/info"):
                if "client_secret" in query:  # keep secrets out of the request log
                    self._log_entry["query"] = dict(query, client_secret="***")
                    self._log_entry["raw_query"] = re.sub(r"(client_secret=)[^&]*", r"\1***", parts.query)
                self._oauth(path, query, body)
            else:
                self._api(path, query, body)
        except Exception:  # pylint: disable=broad-except
            # Never show a traceback to a client.
            if self.emu.verbose:
                traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(500, error_body(FAULT_TEXTS[500], DETAIL_CODES[500]))
            except OSError:
                pass
        finally:
            self._flush_log()

    # ---------------------------------------------------------------- OAuth

    def _oauth_params(self, query: Dict[str, str], body: bytes) -> Dict[str, str]:
        params = dict(query)
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                params[key] = values[0]
        elif media == "multipart/form-data":
            head = "Content-Type: %s\r\nMIME-Version: 1.0\r\n\r\n" % self.headers.get("Content-Type")
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head.encode("latin-1") + body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    params[name] = (part.get_payload(decode=True) or b"").decode("utf-8", "replace").strip()
        auth = self.headers.get("Authorization") or ""
        if auth[:6].lower() == "basic ":
            try:
                user, _sep, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
                params.setdefault("client_id", user)
                params.setdefault("client_secret", password)
            except (ValueError, UnicodeDecodeError):
                pass
        return params

    def _oauth(self, path: str, query: Dict[str, str], body: bytes) -> None:
        if path == "/oauth/info":
            self._send(200, {"tokenEndpoint": self.emu.base_url + "/oauth/token", "authorizeEndpoint": self.emu.base_url + "/oauth/authorize",
                             "org": ORG, "pod": POD, "tenantId": TENANT_ID})
            return
        if self.command != "POST":
            self._send(405, {"error": "method_not_allowed", "error_description": "Request method '%s' not supported" % self.command},
                       {"Allow": "POST"})
            return
        params = self._oauth_params(query, body)
        grant = params.get("grant_type")
        if not grant:
            self._send(400, {"error": "invalid_request", "error_description": "Missing grant type"})
            return
        if grant != "client_credentials":
            self._send(400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type: %s" % grant})
            return
        client = self.emu.state.get_client(params.get("client_id") or "")
        if client is None or not hmac.compare_digest(client["client_secret"], params.get("client_secret") or ""):
            self._send(401, {"error": "invalid_client", "error_description": "Bad client credentials"})
            return
        self._log_entry["client_id"] = client["client_id"]  # type: ignore[index]
        self._send(200, self.emu._issue_token(client), {"Cache-Control": "no-store", "Pragma": "no-cache"})  # pylint: disable=protected-access

    # ------------------------------------------------------------------ API

    def _api(self, path: str, query: Dict[str, str], body: bytes) -> None:
        emu = self.emu
        entry = self._log_entry
        assert entry is not None
        # HEAD is served as the GET without a body (as Spring does); _send leaves the body out.
        route, path_params, path_known = match_route("GET" if self.command == "HEAD" else self.command, path)
        if route is None:
            if path_known:
                self._send(405, error_body("Request method '%s' is not supported for %s." % (self.command, path), DETAIL_CODES[405]),
                           {"Allow": ", ".join(allowed_methods(path))})
            else:
                self._send(404, error_body("The server did not find a current representation for the target resource: %s" % path,
                                           DETAIL_CODES[404]))
            return
        op = route.op
        entry["version"] = route.version
        entry["operation"] = op.name
        entry["mutating"] = op.mutating  # POST /search is a read: check-mode tests filter on this, not on the method
        faults = emu.faults
        if faults["latency_ms"]:
            time.sleep(faults["latency_ms"] / 1000.0)
        status = emu._roll_error()  # pylint: disable=protected-access
        if status:
            entry["fault"] = "error_rate"
            if status == 429:
                self._send(429, RATE_LIMIT_BODY, {"Retry-After": str(faults["retry_after"])})
            else:
                text = FAULT_TEXTS.get(status, "Injected fault (HTTP %d)." % status)
                self._send(status, error_body(text, DETAIL_CODES.get(status, str(status))))
            return
        token, problem = emu._authenticate(self.headers.get("Authorization"))  # pylint: disable=protected-access
        if token is None:
            self._send(401, {"error": problem})
            return
        entry["client_id"] = token.client_id
        wait = emu._rate_limiter.check((token.client_id, route.version))  # pylint: disable=protected-access
        if wait is not None:
            entry["fault"] = "rate_limit"
            self._send(429, RATE_LIMIT_BODY, {"Retry-After": str(wait)})
            return
        if route.user_only and not token.user_context:
            self._send(403, error_body("The server understood the request but refuses to authorize it: %s requires a token with user context "
                                       "(a personal access token); this client has none." % op.name, DETAIL_CODES[403]))
            return
        if ALL_SCOPES not in token.scopes and not set(op.scopes) & set(token.scopes):
            self._send(403, error_body("The server understood the request but refuses to authorize it: %s requires one of the scopes %s."
                                       % (op.name, ", ".join(op.scopes)), DETAIL_CODES[403]))
            return
        request = _Request(op, path_params, query, body, self.headers.get("Content-Type") or "", route.version)
        try:
            status, payload, headers = getattr(self, "_op_" + op.name)(request)
        except ApiError as exc:
            self._send_api_error(exc)
            return
        except FilterError as exc:
            self._send(400, error_body(str(exc), DETAIL_CODES[400]))
            return
        if op.mutating and 200 <= status < 300 and emu._roll_drop():  # pylint: disable=protected-access
            # The change is applied; the client gets no response at all.
            entry["fault"] = "drop_after_write"
            entry["dropped"] = True
            self._status = status
            self._flush_log()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._send(status, payload, headers)

    @staticmethod
    def _paging(request: _Request) -> Tuple[int, int, bool]:
        """Validated (offset, limit, count); checked before any work, so a bad limit is a 400 even for an unknown group."""
        limit = _int_param(request.query, "limit", request.op.max_limit, request.op.max_limit)
        offset = _int_param(request.query, "offset", 0, None)
        return offset, limit, _bool_param(request.query, "count")

    def _list(self, request: _Request, lister: Any, *args: Any) -> Tuple[int, Any, Dict[str, str]]:
        """Run a Tenant list method with the request's paging; X-Total-Count (total after filters) only with count=true."""
        offset, limit, count = self._paging(request)
        total, items = lister(*args, page=(offset, limit))
        return 200, items, {"X-Total-Count": str(total)} if count else {}

    def _op_listWorkgroups(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return self._list(request, self.emu.state.list_groups, request.query.get("filters"), request.query.get("sorters"))

    def _op_createWorkgroup(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return 200, self.emu.state.create_group(request.json()), {}

    def _op_getWorkgroup(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return 200, self.emu.state.get_group(request.path_params["id"]), {}

    def _op_patchWorkgroup(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        ops = request.json("application/json-patch+json")
        return 200, self.emu.state.patch_group(request.path_params["id"], ops), {}

    def _op_deleteWorkgroup(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        self.emu.state.delete_group(request.path_params["id"])
        return 204, None, {}

    def _op_deleteWorkgroupsInBulk(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return 207, self.emu.state.bulk_delete_groups(request.json()), {}

    def _op_listWorkgroupMembers(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return self._list(request, self.emu.state.list_members, request.path_params["workgroupId"], request.query.get("sorters"))

    def _op_updateWorkgroupMembers(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        body = request.json()
        return 207, self.emu.state.add_members(request.path_params["workgroupId"], body), {}

    def _op_deleteWorkgroupMembers(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        body = request.json()
        return 207, self.emu.state.remove_members(request.path_params["workgroupId"], body), {}

    def _op_listConnections(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        # beta's ConnectedObject.description is not nullable (FACTS.md section 7): there a null description is left out
        return self._list(request, self.emu.state.list_connections, request.path_params["workgroupId"], request.query.get("sorters"),
                          request.version == "beta")

    def _op_listIdentities(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return self._list(request, self.emu.state.list_identities, request.query.get("filters"), request.query.get("sorters"),
                          request.query.get("defaultFilter", "CORRELATED_ONLY"))  # an empty value is no enum value: 400

    def _op_getPublicIdentities(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        return self._list(request, self.emu.state.list_public_identities, request.query.get("filters"), request.query.get("sorters"),
                          _bool_param(request.query, "add-core-filters"))

    def _op_searchPost(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        body = request.json()
        limit = _int_param(request.query, "limit", search.DEFAULT_LIMIT, search.MAX_WINDOW)
        offset = _int_param(request.query, "offset", 0, None)
        count = _bool_param(request.query, "count")
        total, documents = search.search(self.emu.state, body, offset, limit, self.emu.faults["search_delay_ms"] / 1000.0)
        return 200, documents, {"X-Total-Count": str(total)} if count else {}

    def _op_searchCount(self, request: _Request) -> Tuple[int, Any, Dict[str, str]]:  # pylint: disable=invalid-name
        total = search.count(self.emu.state, request.json(), self.emu.faults["search_delay_ms"] / 1000.0)
        return 204, None, {"X-Total-Count": str(total)}

    # ---------------------------------------------------------- control API

    def _control(self, path: str, body: bytes) -> None:
        emu = self.emu
        action = path[len("/__emulator/"):]
        method = self.command
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (UnicodeDecodeError, ValueError) as exc:
            self._send(400, {"error": "Malformed JSON body: %s" % exc})
            return
        try:
            if (method, action) == ("POST", "reset"):
                seed = data.get("seed") if isinstance(data, dict) else None
                emu.reset(seed=seed)
                self._send(200, {"reset": True, "counts": emu._counts()})  # pylint: disable=protected-access
            elif (method, action) == ("POST", "seed"):
                self._send(200, {"counts": emu.seed(data if data is not None else {})})
            elif (method, action) == ("POST", "faults"):
                emu.set_faults(data if data is not None else {})
                self._send(200, emu.faults)
            elif (method, action) == ("GET", "faults"):
                self._send(200, emu.faults)
            elif (method, action) == ("GET", "requests"):
                self._send(200, emu.requests())
            elif (method, action) == ("DELETE", "requests"):
                emu.clear_requests()
                self._send(204)
            elif (method, action) == ("POST", "revoke-tokens"):
                self._send(200, {"revoked": emu.revoke_tokens()})
            elif (method, action) == ("GET", "state"):
                self._send(200, emu.state.dump())
            else:
                self._send(404, {"error": "unknown control endpoint %s %s" % (method, path)})
        except ValueError as exc:
            self._send(400, {"error": str(exc)})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: Tuple[str, int], emulator: "Emulator") -> None:
        self.emulator = emulator
        self._connections: set = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Close kept-alive client connections so that nothing is served after stop()."""
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Connection resets and the like: stay quiet unless verbose.
        if self.emulator.verbose:
            super().handle_error(request, client_address)


class Emulator:
    """An ISC tenant emulator serving the Governance Groups API over HTTP. See README.md."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, seed: Any = None, client_id: str = "demo-client-id",
                 client_secret: str = "demo-client-secret", faults: Optional[Dict[str, Any]] = None, token_ttl: float = 749,
                 verbose: bool = False) -> None:
        self.host = host
        self.port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.verbose = verbose
        self.state = Tenant()
        self.faults = parse_faults(faults)
        self._rate_limiter = RateLimiter()
        self._rate_limiter.configure(self.faults["rate_limit"])
        self._rng = random.Random(self.faults["random_seed"])
        self._rng_lock = threading.Lock()
        self._tokens: Dict[str, _Token] = {}
        self._token_lock = threading.Lock()
        self._signing_key = os.urandom(32)
        self._log_lock = threading.Lock()
        self._request_log: collections.deque = collections.deque(maxlen=REQUEST_LOG_MAX)
        self._httpd: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None
        self._reset_tenant(seed)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> "Emulator":
        if self._httpd is not None:
            return self
        self._httpd = _Server((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="isc-emulator-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        host = self.host if ":" not in self.host else "[%s]" % self.host
        return "http://%s:%d" % (host, self.port)

    # --------------------------------------------------------------- tenant

    def _reset_tenant(self, seed: Any) -> None:
        with self.state.lock:
            self.state.clear()
            self.state.add_client(self.client_id, self.client_secret, user_context=True, scopes=["sp:scopes:all"],
                                  identity_id=DEMO_CLIENT_IDENTITY, name="Emulator API client (PAT)")
            if seed is None or seed == "empty":
                return
            if seed == "demo":
                seed = demo_seed()
            elif isinstance(seed, str):
                with open(seed, encoding="utf-8") as handle:
                    seed = json.load(handle)
            load_seed(self.state, seed)

    def reset(self, seed: Any = None) -> None:
        """Empty tenant (plus the constructor's API client, and ``seed`` if given), default faults, no log, no tokens."""
        self._reset_tenant(seed)
        self.set_faults({})
        self.clear_requests()
        self.revoke_tokens()

    def seed(self, data: Dict[str, Any]) -> Dict[str, int]:
        """Add ``data`` (seed format, see README) to the current state; returns the resulting counts."""
        return load_seed(self.state, data)

    def _counts(self) -> Dict[str, int]:
        with self.state.lock:
            return {"identities": len(self.state.identities), "groups": len(self.state.groups), "clients": len(self.state.clients)}

    # --------------------------------------------------------------- faults

    def set_faults(self, faults: Optional[Dict[str, Any]]) -> None:
        """Replace the whole fault configuration (missing keys take their defaults). Raises ValueError."""
        parsed = parse_faults(faults)
        with self._rng_lock:
            self.faults = parsed
            self._rng = random.Random(parsed["random_seed"])
        self._rate_limiter.configure(parsed["rate_limit"])

    def _roll_error(self) -> int:
        faults = self.faults
        if not faults["error_rate"]:
            return 0
        with self._rng_lock:
            if self._rng.random() < faults["error_rate"]:
                return self._rng.choice(faults["error_statuses"])
        return 0

    def _roll_drop(self) -> bool:
        rate = self.faults["drop_after_write_rate"]
        if not rate:
            return False
        with self._rng_lock:
            return self._rng.random() < rate

    # --------------------------------------------------------------- tokens

    def _issue_token(self, client: Dict[str, Any]) -> Dict[str, Any]:
        now = time.time()
        jti = uuid.uuid4().hex
        claims = {"tenant_id": TENANT_ID, "internal": False, "pod": POD, "org": ORG, "client_id": client["client_id"],
                  "scope": list(client["scopes"]), "strong_auth_supported": False, "claims_supported": False,
                  "iat": int(now), "exp": int(now + self.token_ttl), "jti": jti}
        if client["user_context"] and client.get("identity_id"):
            claims["identity_id"] = client["identity_id"]
            claims["user_name"] = client.get("name")
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode("utf-8"))
        body = _b64url(json.dumps(claims).encode("utf-8"))
        signature = _b64url(hmac.new(self._signing_key, ("%s.%s" % (header, body)).encode("ascii"), hashlib.sha256).digest())
        access_token = "%s.%s.%s" % (header, body, signature)
        with self._token_lock:
            self._tokens[access_token] = _Token(client, time.monotonic() + self.token_ttl)
        response = {"access_token": access_token, "token_type": "bearer", "expires_in": int(self.token_ttl),
                    "scope": " ".join(client["scopes"]), "tenant_id": TENANT_ID, "internal": False, "pod": POD,
                    "strong_auth_supported": False, "org": ORG, "claims_supported": False, "jti": jti}
        if "identity_id" in claims:
            response["identity_id"] = claims["identity_id"]
            response["strong_auth"] = True
        return response

    def _authenticate(self, header: Optional[str]) -> Tuple[Optional[_Token], str]:
        if not header or not header.strip():
            return None, "JWT validation failed: JWT is missing"
        scheme, _sep, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, "JWT validation failed: Authorization header must be 'Bearer <token>'"
        with self._token_lock:
            token = self._tokens.get(value.strip())
        if token is None:
            return None, "JWT validation failed: JWT is invalid or revoked"
        if time.monotonic() >= token.expires_at:
            return None, "JWT validation failed: JWT is expired"
        return token, ""

    def revoke_tokens(self) -> int:
        """Invalidate every issued token; returns how many there were."""
        with self._token_lock:
            count = len(self._tokens)
            self._tokens.clear()
        return count

    # ---------------------------------------------------------- request log

    def _log(self, entry: Dict[str, Any]) -> None:
        with self._log_lock:
            self._request_log.append(entry)

    def requests(self) -> List[Dict[str, Any]]:
        """The request log (API, token and unknown-path requests; never control-API calls), oldest first."""
        with self._log_lock:
            return [dict(e) for e in self._request_log]

    def clear_requests(self) -> None:
        with self._log_lock:
            self._request_log.clear()
