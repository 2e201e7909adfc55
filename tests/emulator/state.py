"""In-memory tenant model: identities, governance groups (workgroups), API clients.

All reads and writes go through :class:`Tenant` methods, which take ``Tenant.lock`` (one re-entrant lock for the
whole model: simple, and fast enough for thousands of requests per second). API operations raise :class:`ApiError`
(mapped to an ErrorResponseDto by the server) or :class:`FilterError` (400).

Model shape (``emu.state``), all plain dicts so tests can assert on them directly::

    tenant.identities: {id: {"id", "name", "alias", "email", "firstName", "lastName", "displayName",
                             "correlated", "protected", "cloudStatus", "processingState",
                             "attributes": {...}, "manager": <identity id> | None, "inactive", "created", "modified"}}
    tenant.groups:     {id: {"id", "name", "description", "owner": <identity id>,
                             "members": {<identity id>: <added ISO time>, ...},      # insertion ordered
                             "connections": [{"object": {"type", "id", "name", "description"},
                                              "connectionType", "created", "modified"}],
                             "created", "modified"}}
    tenant.clients:    {client_id: {"client_id", "client_secret", "user_context", "scopes", "identity_id", "name"}}

Timestamps are ISO-8601 UTC strings with milliseconds and ``Z``. Hold ``tenant.lock`` (or use ``tenant.dump()``)
when reading while the server is busy.
"""
from __future__ import annotations

import copy
import datetime
import hashlib
import json
import re
import threading
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .filters import FilterError, apply_filter, apply_sorters, parse_sorters

CONNECTED_OBJECT_TYPES = ("ACCESS_PROFILE", "ROLE", "SOD_POLICY", "SOURCE")
CONNECTION_TYPES = ("AccessRequestReviewer", "Owner", "ManagementWorkgroup")
PATCHABLE_PATHS = ("/name", "/description", "/owner", "/owner/id")
PATCH_OPS = ("add", "replace", "remove")
BULK_DELETE_MAX = 100
IDENTITY_VERSIONS = 5  # versions kept per identity for the search delay

# Filterable fields -> operators, and sorters, per endpoint (FACTS.md sections 3 and 8; spec parameter descriptions).
GROUP_FILTERS = {"id": ("eq", "in", "sw"), "name": ("eq", "sw", "in"), "memberships.identityId": ("eq", "in")}
GROUP_SORTERS = ("name", "created", "modified", "id", "description")
MEMBER_SORTERS = ("name", "created", "modified")
CONNECTION_SORTERS = ("name", "created", "modified")
IDENTITY_FILTERS = {
    "id": ("eq", "in"), "name": ("eq", "sw"), "alias": ("eq", "sw"), "firstname": ("eq", "sw"), "lastname": ("eq", "sw"),
    "email": ("eq", "sw"), "cloudStatus": ("eq",), "processingState": ("eq",), "correlated": ("eq",), "protected": ("eq",),
}
IDENTITY_SORTERS = ("name", "alias", "cloudStatus")
PUBLIC_IDENTITY_FILTERS = {"id": ("eq", "in"), "alias": ("eq", "sw"), "email": ("eq", "sw"), "firstname": ("eq", "sw"), "lastname": ("eq", "sw")}
PUBLIC_IDENTITY_SORTERS = ("name",)

DETAIL_CODES = {
    400: "400.1 Bad Request Content",
    401: "401 Unauthorized",
    403: "403 Forbidden",
    404: "404 Not found",
    405: "405 Method Not Allowed",
    409: "409 Conflict",
    415: "415 Unsupported Media Type",
    500: "500.0 Internal Fault",
    502: "502 Bad Gateway",
    503: "503 Service Unavailable",
    504: "504 Gateway Timeout",
}


class ApiError(Exception):
    """An error the API answers with an ErrorResponseDto."""

    def __init__(self, status: int, text: str, detail_code: Optional[str] = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.detail_code = detail_code or DETAIL_CODES.get(status, "%d" % status)


PageArg = Tuple[int, Optional[int]]  # (offset, limit); limit None = everything
FULL: PageArg = (0, None)


def _paged(rows: List[Any], page: PageArg, render: Callable[[Any], Dict[str, Any]]) -> Tuple[int, List[Dict[str, Any]]]:
    """(total, rendered page): render only the page, so large tenants stay cheap to list."""
    offset, limit = page
    selected = rows[offset:] if limit is None else rows[offset:offset + limit]
    return len(rows), [render(r) for r in selected]


def now_iso() -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def _later_than(previous: Optional[str]) -> str:
    """Now, but strictly after ``previous`` so that ``modified`` visibly changes even within one millisecond."""
    stamp = now_iso()
    if previous is None or stamp > previous:
        return stamp
    parsed = datetime.datetime.strptime(previous, "%Y-%m-%dT%H:%M:%S.%fZ") + datetime.timedelta(milliseconds=1)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (parsed.microsecond // 1000)


def hex_id(*parts: Any) -> str:
    """A deterministic 32-hex id (the ISC id format) derived from ``parts``."""
    return hashlib.md5(":".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _identity_display_name(identity: Dict[str, Any]) -> str:
    return identity.get("displayName") or identity["name"]


def _required_string(value: Any, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApiError(400, 'Required field "%s" was missing or empty.' % field)
    if not isinstance(value, str):
        raise ApiError(400, 'Field "%s" must be a string.' % field)
    return value


def _optional_string(value: Any, field: str) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise ApiError(400, 'Field "%s" must be a string.' % field)
    return value


_DATE_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})\Z")
INT64 = (-2 ** 63, 2 ** 63 - 1)


def _is_date_time(value: Any) -> bool:
    """An RFC 3339 date-time (OpenAPI ``format: date-time``)."""
    found = _DATE_TIME.match(value) if isinstance(value, str) else None
    if not found:
        return False
    try:
        datetime.datetime(*(int(part) for part in found.groups()[:6]))
    except ValueError:
        return False
    return True


def _check_field(body: Dict[str, Any], field: str, kind: str, where: str = "") -> None:
    """A present field must have its spec type; null is rejected too (none of these properties is nullable)."""
    if field not in body:
        return
    value = body[field]
    label = where + field
    if kind == "string":
        valid = isinstance(value, str)
    elif kind == "int64":
        valid = isinstance(value, int) and not isinstance(value, bool) and INT64[0] <= value <= INT64[1]
    elif kind == "date-time":
        valid = _is_date_time(value)
    else:  # pragma: no cover - programming error
        raise AssertionError(kind)
    if not valid:
        expected = {"string": "a string", "int64": "a 64-bit integer", "date-time": "an ISO-8601 date-time string"}[kind]
        raise ApiError(400, 'Field "%s" must be %s, got %s.' % (label, expected, json.dumps(value)[:80]))


# WorkgroupDto (request side): the type of every property, so that a body the spec calls invalid is a 400.
WORKGROUP_FIELDS = (("id", "string"), ("name", "string"), ("description", "string"), ("memberCount", "int64"),
                    ("connectionCount", "int64"), ("created", "date-time"), ("modified", "date-time"))
OWNER_FIELDS = (("id", "string"), ("name", "string"), ("displayName", "string"), ("emailAddress", "string"))


def identity_attributes(ident: Dict[str, Any]) -> Dict[str, Any]:
    """The identity's attribute map: the core attributes ISC keeps for every identity, then the seeded ones."""
    attributes = {
        "uid": ident.get("alias"),
        "firstname": ident.get("firstName"),
        "lastname": ident.get("lastName"),
        "displayName": ident.get("displayName") or ident["name"],
        "email": ident.get("email"),
        "cloudStatus": ident.get("cloudStatus"),
        "identityState": "INACTIVE_SHORT_TERM" if ident.get("inactive") else "ACTIVE",
    }
    attributes.update(ident.get("attributes") or {})
    return {key: value for key, value in attributes.items() if value is not None}


def _identity_attributes(value: Any, name: str) -> Dict[str, Any]:
    """Seeded identity attributes: a JSON object of strings, numbers, booleans, nulls or lists of strings."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("identity %r: 'attributes' must be an object" % name)
    for key, item in value.items():
        scalar = item is None or isinstance(item, (str, int, float, bool))
        if not (scalar or (isinstance(item, list) and all(isinstance(x, str) for x in item))):
            raise ValueError("identity %r: attribute %r must be a string, number, boolean, null or list of strings" % (name, key))
    return dict(value)


def _optional_id(value: Any, field: str, name: str) -> Optional[str]:
    if value is not None and not isinstance(value, str):
        raise ValueError("identity %r: %r must be an identity id (string)" % (name, field))
    return value


def _bool(value: Any, field: str, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError("identity %r: %r must be true or false" % (name, field))
    return value


class Tenant:
    """The whole emulated tenant. Thread-safe: every public method takes ``self.lock``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.identities: Dict[str, Dict[str, Any]] = {}
        self.groups: Dict[str, Dict[str, Any]] = {}
        self.clients: Dict[str, Dict[str, Any]] = {}
        self.identity_revision = 0  # changes whenever an identity does (the search index caches on it)
        # The last few versions of each identity with the monotonic time they were made: search with a delay shows
        # the newest version older than the delay (search.py).
        self.identity_versions: Dict[str, List[Tuple[float, Dict[str, Any]]]] = {}

    # ------------------------------------------------------------------ admin

    def clear(self) -> None:
        with self.lock:
            self.identities.clear()
            self.identity_versions.clear()
            self.identity_revision += 1
            self.groups.clear()
            self.clients.clear()

    def dump(self) -> Dict[str, Any]:
        """A deep copy of the model as JSON-serialisable data (GET /__emulator/state)."""
        with self.lock:
            return {
                "identities": copy.deepcopy(list(self.identities.values())),
                "groups": copy.deepcopy(list(self.groups.values())),
                "clients": copy.deepcopy(list(self.clients.values())),
            }

    def add_client(self, client_id: str, client_secret: str, user_context: bool = True, scopes: Optional[Sequence[str]] = None,
                   identity_id: Optional[str] = None, name: Optional[str] = None) -> None:
        if not client_id or not client_secret:
            raise ValueError("client_id and client_secret are required")
        with self.lock:
            self.clients[client_id] = {
                "client_id": client_id,
                "client_secret": client_secret,
                "user_context": bool(user_context),
                "scopes": list(scopes if scopes is not None else ["sp:scopes:all"]),
                "identity_id": identity_id,
                "name": name or client_id,
            }

    def get_client(self, client_id: str) -> Optional[Dict[str, Any]]:
        with self.lock:
            client = self.clients.get(client_id)
            return dict(client) if client else None

    def _free_id(self, table: Dict[str, Any], *parts: Any) -> str:
        counter = 0
        while True:
            candidate = hex_id(*(parts + (counter,)))
            if candidate not in table:
                return candidate
            counter += 1

    def upsert_identity(self, data: Dict[str, Any]) -> Dict[str, Any]:
        """Add (or replace, when the id exists) one identity from seed data. Raises ValueError on bad data."""
        if not isinstance(data, dict):
            raise ValueError("identity entries must be objects")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("identity needs a non-empty string 'name': %r" % (data,))
        with self.lock:
            ident = data.get("id") or self._free_id(self.identities, "identity", name)
            stamp = now_iso()
            record = {
                "id": ident,
                "name": name,
                "alias": data.get("alias"),
                "email": data.get("email"),
                "firstName": data.get("firstName"),
                "lastName": data.get("lastName"),
                "displayName": data.get("displayName") or name,
                "correlated": bool(data.get("correlated", True)),
                "protected": bool(data.get("protected", False)),
                "cloudStatus": data.get("cloudStatus", "UNREGISTERED"),
                "processingState": data.get("processingState"),
                # Search-only fields (the identity document, FACTS.md section 12); see seed.py for their format.
                "attributes": _identity_attributes(data.get("attributes"), name),
                "manager": _optional_id(data.get("manager"), "manager", name),
                "inactive": _bool(data.get("inactive", False), "inactive", name),
                "created": data.get("created") or stamp,
                "modified": data.get("modified") or data.get("created") or stamp,
            }
            self.identities[ident] = record
            self.identity_revision += 1
            self.identity_versions[ident] = (self.identity_versions.get(ident, []) + [(time.monotonic(), record)])[-IDENTITY_VERSIONS:]
            return record

    def seed_group(self, data: Dict[str, Any]) -> Dict[str, Any]:
        """Add (or replace, when the id exists) one group from seed data. Raises ValueError on bad data."""
        if not isinstance(data, dict):
            raise ValueError("group entries must be objects")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise ValueError("group needs a non-empty string 'name': %r" % (data,))
        with self.lock:
            owner = data.get("owner")
            if isinstance(owner, dict):
                owner = owner.get("id")
            if owner not in self.identities:
                raise ValueError("group %r: owner %r is not a known identity id" % (name, owner))
            members = data.get("members") or []
            unknown = [m for m in members if m not in self.identities]
            if unknown:
                raise ValueError("group %r: unknown member identity ids %s" % (name, unknown[:5]))
            gid = data.get("id") or self._free_id(self.groups, "group", name)
            stamp = data.get("created") or now_iso()
            connections = []
            for conn in data.get("connections") or []:
                obj = dict(conn.get("object") or {})
                if obj.get("type") not in CONNECTED_OBJECT_TYPES:
                    raise ValueError("group %r: connection object type must be one of %s" % (name, CONNECTED_OBJECT_TYPES))
                if conn.get("connectionType") not in CONNECTION_TYPES:
                    raise ValueError("group %r: connectionType must be one of %s" % (name, CONNECTION_TYPES))
                obj.setdefault("id", hex_id("connected-object", gid, len(connections)))
                obj.setdefault("name", obj["id"])
                obj.setdefault("description", None)
                connections.append({"object": obj, "connectionType": conn["connectionType"],
                                    "created": conn.get("created") or stamp, "modified": conn.get("modified") or stamp})
            record = {
                "id": gid,
                "name": name,
                "description": data.get("description"),
                "owner": owner,
                "members": {m: stamp for m in members},
                "connections": connections,
                "created": stamp,
                "modified": data.get("modified") or stamp,
            }
            self.groups[gid] = record
            return record

    # ------------------------------------------------------------- rendering

    def _owner_dto(self, owner_id: str) -> Dict[str, Any]:
        ident = self.identities.get(owner_id)
        if ident is None:  # cannot happen through the API; keep the reference readable anyway
            return {"type": "IDENTITY", "id": owner_id}
        dto = {"type": "IDENTITY", "id": owner_id, "name": ident["name"], "displayName": _identity_display_name(ident)}
        if ident.get("email") is not None:
            dto["emailAddress"] = ident["email"]
        return dto

    def _group_dto(self, group: Dict[str, Any]) -> Dict[str, Any]:
        dto = {
            "id": group["id"],
            "name": group["name"],
            "owner": self._owner_dto(group["owner"]),
            "memberCount": len(group["members"]),
            "connectionCount": len(group["connections"]),
            "created": group["created"],
            "modified": group["modified"],
        }
        # The spec's description is a non-nullable string: omit it when unset instead of sending null.
        if group.get("description") is not None:
            dto["description"] = group["description"]
        return dto

    @staticmethod
    def _member_dto(ident: Dict[str, Any]) -> Dict[str, Any]:
        dto = {"type": "IDENTITY", "id": ident["id"], "name": ident["name"]}
        if ident.get("email") is not None:
            dto["email"] = ident["email"]
        return dto

    @staticmethod
    def identity_dto(ident: Dict[str, Any]) -> Dict[str, Any]:
        """IdentityDto (v2024 Identity / v1 IdentityDto): exactly the properties of the full schema (the v1 spec file and
        the official SDK's ``Identity`` model). ``protected`` is a filter field only, not a response property.
        ``alias`` is a non-nullable string in the spec: it is left out when unset instead of being sent as null."""
        dto = {
            "id": ident["id"],
            "name": ident["name"],
            "created": ident["created"],
            "modified": ident["modified"],
            "alias": ident.get("alias"),
            "emailAddress": ident.get("email"),
            "processingState": ident.get("processingState"),
            "identityStatus": "ACTIVE",
            "managerRef": None,
            "isManager": False,
            "lastRefresh": ident["modified"],
            "attributes": identity_attributes(ident),  # the same map as in search documents
            "lifecycleState": {"stateName": (ident.get("attributes") or {}).get("cloudLifecycleState") or "active", "manuallyUpdated": False},
        }
        if dto["alias"] is None:
            del dto["alias"]
        return dto

    @staticmethod
    def public_identity_dto(ident: Dict[str, Any]) -> Dict[str, Any]:
        """PublicIdentity; ``alias`` is left out when unset (non-nullable in the spec), ``email`` is nullable."""
        dto = {
            "id": ident["id"],
            "name": ident["name"],
            "alias": ident.get("alias"),
            "email": ident.get("email"),
            "status": "Active",
            "identityState": "ACTIVE",
            "manager": None,
            "attributes": [],
        }
        if dto["alias"] is None:
            del dto["alias"]
        return dto

    # ------------------------------------------------------------ workgroups

    def _group(self, gid: str) -> Dict[str, Any]:
        group = self.groups.get(gid)
        if group is None:
            raise ApiError(404, 'Referenced Governance Group "%s" was not found.' % gid)
        return group

    @staticmethod
    def _group_field(group: Dict[str, Any], field: str) -> Any:
        if field == "memberships.identityId":
            return group["members"].keys()
        return group.get(field)

    def list_groups(self, filters: Optional[str], sorters: Optional[str], page: PageArg = FULL) -> Tuple[int, List[Dict[str, Any]]]:
        sort = parse_sorters(sorters, GROUP_SORTERS)
        with self.lock:
            rows = apply_filter(self.groups.values(), filters, GROUP_FILTERS, self._group_field)
            rows = apply_sorters(rows, sort, self._group_field)
            return _paged(rows, page, self._group_dto)

    def get_group(self, gid: str) -> Dict[str, Any]:
        with self.lock:
            return self._group_dto(self._group(gid))

    def _owner_id(self, owner: Any) -> str:
        if isinstance(owner, str):  # tolerated: a bare id (used by "/owner/id" patches)
            owner = {"id": owner}
        if not isinstance(owner, dict) or not owner.get("id"):
            raise ApiError(400, 'Required field "owner" was missing or empty.')
        if "type" in owner and owner["type"] != "IDENTITY":
            raise ApiError(400, 'Invalid owner type %s; only IDENTITY is supported.' % json.dumps(owner["type"])[:80])
        owner_id = owner["id"]
        if not isinstance(owner_id, str) or owner_id not in self.identities:
            raise ApiError(400, 'Referenced owner identity "%s" was not found.' % owner_id)
        return owner_id

    @staticmethod
    def _check_workgroup_body(body: Dict[str, Any]) -> None:
        """Every property present in a create body has its spec type (read-only ones too, although they are ignored)."""
        for field, kind in WORKGROUP_FIELDS:
            if field != "name":  # a missing or null name has its own message (required_string)
                _check_field(body, field, kind)
        owner = body.get("owner")
        if isinstance(owner, dict):  # owner.type and owner.id are checked by _owner_id
            for field, kind in OWNER_FIELDS:
                if field != "id":
                    _check_field(owner, field, kind, "owner.")

    def create_group(self, body: Any) -> Dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError(400, "The request body must be a JSON object (WorkgroupDto).")
        with self.lock:
            name = _required_string(body.get("name"), "name")
            self._check_workgroup_body(body)
            owner_id = self._owner_id(body.get("owner"))
            description = _optional_string(body.get("description"), "description")
            gid = uuid.uuid4().hex
            stamp = now_iso()
            self.groups[gid] = {"id": gid, "name": name, "description": description, "owner": owner_id,
                                "members": {}, "connections": [], "created": stamp, "modified": stamp}
            return self._group_dto(self.groups[gid])

    def patch_group(self, gid: str, ops: Any) -> Dict[str, Any]:
        with self.lock:
            group = self._group(gid)
            if not isinstance(ops, list):
                raise ApiError(400, "The request body must be a JSON array of JSON Patch operations.")
            # Validate everything against a working copy first: a patch applies atomically or not at all.
            changes = {"name": group["name"], "description": group["description"], "owner": group["owner"]}
            for index, op in enumerate(ops):
                if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
                    raise ApiError(400, 'Patch operation %d must be an object with string "op" and "path".' % index)
                kind, path = op["op"], op["path"]
                if kind not in PATCH_OPS:
                    raise ApiError(400, 'Unsupported patch operation "%s"; supported operations: %s.' % (kind, ", ".join(PATCH_OPS)))
                if path not in PATCHABLE_PATHS:
                    raise ApiError(400, 'Patching "%s" is not supported; patchable paths: %s.' % (path, ", ".join(PATCHABLE_PATHS)))
                if kind != "remove" and "value" not in op:
                    raise ApiError(400, 'Patch operation %d ("%s %s") requires a "value".' % (index, kind, path))
                value = op.get("value")
                if kind != "remove" and value is None:
                    # The spec's JsonPatchOperation.value is a non-nullable oneOf (string/boolean/integer/object/array).
                    raise ApiError(400, 'Patch operation %d ("%s %s"): "value" must not be null; use "remove" to clear a field.'
                                   % (index, kind, path))
                if path == "/name":
                    if kind == "remove":
                        raise ApiError(400, 'Required field "name" cannot be removed.')
                    changes["name"] = _required_string(value, "name")
                elif path == "/description":
                    changes["description"] = None if kind == "remove" else _optional_string(value, "description")
                else:
                    if kind == "remove":
                        raise ApiError(400, 'Required field "owner" cannot be removed.')
                    changes["owner"] = self._owner_id(value)
            if ops:
                group.update(changes)
                group["modified"] = _later_than(group["modified"])
            return self._group_dto(group)

    def delete_group(self, gid: str) -> None:
        with self.lock:
            group = self._group(gid)
            if group["connections"]:
                raise ApiError(400, "Unable to delete Governance Group %s because it is in use (it has %d connection(s))."
                               % (gid, len(group["connections"])))
            del self.groups[gid]

    def bulk_delete_groups(self, body: Any) -> List[Dict[str, Any]]:
        if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
            raise ApiError(400, 'The request body must be an object with an "ids" array.')
        ids = body["ids"]
        if any(not isinstance(i, str) for i in ids):
            raise ApiError(400, 'Every entry of "ids" must be a string.')
        if len(ids) > BULK_DELETE_MAX:
            raise ApiError(400, "Unable to delete %d Governance Groups in one request; the limit is %d." % (len(ids), BULK_DELETE_MAX))
        result = []
        with self.lock:
            for gid in ids:
                group = self.groups.get(gid)
                if group is None:
                    result.append({"id": gid, "status": 404, "description": "Referenced Governance Group %s was not found." % gid})
                elif group["connections"]:
                    result.append({"id": gid, "status": 409, "description": "Unable to delete Governance Group %s because it is in use." % gid})
                else:
                    del self.groups[gid]
                    result.append({"id": gid, "status": 204, "description": "Governance Group deleted successfully."})
        return result

    def _member_field(self, ident: Dict[str, Any], field: str) -> Any:
        return ident.get(field)

    def list_members(self, gid: str, sorters: Optional[str], page: PageArg = FULL) -> Tuple[int, List[Dict[str, Any]]]:
        sort = parse_sorters(sorters, MEMBER_SORTERS)
        with self.lock:
            group = self._group(gid)
            rows = [self.identities[m] for m in group["members"] if m in self.identities]
            rows = apply_sorters(rows, sort, self._member_field)
            return _paged(rows, page, self._member_dto)

    @staticmethod
    def _member_ids(items: Any) -> List[str]:
        if not isinstance(items, list):
            raise ApiError(400, "The request body must be a JSON array of identity references, e.g. [{\"type\": \"IDENTITY\", \"id\": \"...\"}].")
        ids = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise ApiError(400, "Item %d of the request body must be an object." % index)
            if "type" in item and item["type"] != "IDENTITY":
                raise ApiError(400, 'Item %d: invalid type %s; only IDENTITY is supported.' % (index, json.dumps(item["type"])[:80]))
            _check_field(item, "name", "string", "[%d]." % index)
            ident = item.get("id")
            if ident is not None and not isinstance(ident, str):
                _check_field(item, "id", "string", "[%d]." % index)
            if not ident:
                raise ApiError(400, 'Item %d: required field "id" was missing or empty.' % index)
            ids.append(ident)
        return ids

    def add_members(self, gid: str, items: Any) -> List[Dict[str, Any]]:
        with self.lock:
            group = self._group(gid)
            ids = self._member_ids(items)
            result = []
            changed = False
            for ident in ids:
                if ident not in self.identities:
                    # Emulator choice: the spec only documents 201/409; an unknown identity is reported per item as 404.
                    result.append({"id": ident, "status": 404, "description": 'Referenced Identity "%s" was not found.' % ident})
                elif ident in group["members"]:
                    result.append({"id": ident, "status": 409, "description": 'Unable to set Membership of Identity "%s" to Governance Group "%s"; '
                                   "the relationship already exists." % (ident, gid)})
                else:
                    group["members"][ident] = now_iso()
                    changed = True
                    result.append({"id": ident, "status": 201, "description": "Identity added to Governance Group members list."})
            if changed:
                group["modified"] = _later_than(group["modified"])
            return result

    def remove_members(self, gid: str, items: Any) -> List[Dict[str, Any]]:
        with self.lock:
            group = self._group(gid)
            ids = self._member_ids(items)
            result = []
            changed = False
            for ident in ids:
                if ident in group["members"]:
                    del group["members"][ident]
                    changed = True
                    result.append({"id": ident, "status": 204, "description": "Identity deleted from Governance Group members list."})
                else:
                    result.append({"id": ident, "status": 404,
                                   "description": 'Referenced Governance Group Member with Identity Id "%s" was not found.' % ident})
            if changed:
                group["modified"] = _later_than(group["modified"])
            return result

    @staticmethod
    def _connection_field(conn: Dict[str, Any], field: str) -> Any:
        if field == "name":
            return conn["object"].get("name")
        return conn.get(field)

    @staticmethod
    def _connection_dto(conn: Dict[str, Any], omit_null_description: bool) -> Dict[str, Any]:
        obj = dict(conn["object"])
        if omit_null_description and obj.get("description") is None:
            obj.pop("description", None)
        return {"object": obj, "connectionType": conn["connectionType"]}

    def list_connections(self, gid: str, sorters: Optional[str], omit_null_description: bool = False,
                         page: PageArg = FULL) -> Tuple[int, List[Dict[str, Any]]]:
        """``omit_null_description``: leave out a null ``object.description`` (beta, where it is not nullable)."""
        sort = parse_sorters(sorters, CONNECTION_SORTERS)
        with self.lock:
            rows = apply_sorters(list(self._group(gid)["connections"]), sort, self._connection_field)
            return _paged(rows, page, lambda c: self._connection_dto(c, omit_null_description))

    # ------------------------------------------------------------ identities

    @staticmethod
    def _identity_field(ident: Dict[str, Any], field: str) -> Any:
        return ident.get({"firstname": "firstName", "lastname": "lastName"}.get(field, field))

    def list_identities(self, filters: Optional[str], sorters: Optional[str], default_filter: str = "CORRELATED_ONLY",
                        page: PageArg = FULL) -> Tuple[int, List[Dict[str, Any]]]:
        if default_filter not in ("CORRELATED_ONLY", "NONE"):
            raise FilterError('Invalid defaultFilter "%s"; allowed values: CORRELATED_ONLY, NONE.' % default_filter)
        sort = parse_sorters(sorters, IDENTITY_SORTERS)
        with self.lock:
            rows: Any = self.identities.values()
            if default_filter == "CORRELATED_ONLY":
                rows = [i for i in rows if i.get("correlated")]
            rows = apply_filter(rows, filters, IDENTITY_FILTERS, self._identity_field)
            rows = apply_sorters(rows, sort, self._identity_field)
            return _paged(rows, page, self.identity_dto)

    def list_public_identities(self, filters: Optional[str], sorters: Optional[str], add_core_filters: bool = False,
                               page: PageArg = FULL) -> Tuple[int, List[Dict[str, Any]]]:
        sort = parse_sorters(sorters, PUBLIC_IDENTITY_SORTERS)
        with self.lock:
            rows: Any = self.identities.values()
            if add_core_filters:
                rows = [i for i in rows if (i.get("correlated") or i.get("protected")) and (i.get("alias") or "").lower() not in ("spadmin", "cloudadmin")
                        and i.get("alias") and i.get("lastName") and i.get("email")]
            rows = apply_filter(rows, filters, PUBLIC_IDENTITY_FILTERS, self._identity_field)
            rows = apply_sorters(rows, sort, self._identity_field)
            return _paged(rows, page, self.public_identity_dto)
