# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ISC API calls the collection makes: the endpoint table and one method per operation.

Private to the collection (``_`` prefix). :class:`IscClient` holds a transport (``_transport.py``: tokens,
pacing, retries, paging) and knows where each call goes in the chosen ``api_version`` (``API_PATHS``,
``ENDPOINTS``) and what its answer means. Nothing here knows about AnsibleModule; ``_module.py`` is the glue.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import quote

from ansible_collections.sailpoint.isc.plugins.module_utils._connection import check_connection, validate_base_url
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscApiError, IscConfigError
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import eq
from ansible_collections.sailpoint.isc.plugins.module_utils._retry import POLICY_CREATE, POLICY_IDEMPOTENT
from ansible_collections.sailpoint.isc.plugins.module_utils._transport import IscTransport
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import exact_name_matches

# --------------------------------------------------------------------------------------------
# Where requests go: ONE table keyed by API version. Nothing else in the collection branches on
# the version. "v1" is the per-service API (paths carry the version after the service name).
# --------------------------------------------------------------------------------------------
DEFAULT_API_VERSION = "v2024"
API_PATHS = {
    "v2024": {"workgroups": "/v2024/workgroups", "identities": "/v2024/identities", "search": "/v2024/search"},
    "v2025": {"workgroups": "/v2025/workgroups", "identities": "/v2025/identities", "search": "/v2025/search"},
    "v2026": {"workgroups": "/v2026/workgroups", "identities": "/v2026/identities", "search": "/v2026/search"},
    # The search endpoints are documented for v3, v2024, v2025, v2026 and the per-service v1 API; the spec this
    # collection follows does not confirm them in beta, so beta has none (api_path names the versions that do).
    "beta": {"workgroups": "/beta/workgroups", "identities": "/beta/identities"},
    "v1": {"workgroups": "/workgroups/v1", "identities": "/identities/v1", "search": "/search/v1"},
}  # type: Dict[str, Dict[str, str]]
API_VERSIONS = tuple(API_PATHS)

# endpoint name -> (service root in API_PATHS, suffix template); identical in every version.
ENDPOINTS = {
    "workgroups": ("workgroups", ""),
    "workgroup": ("workgroups", "/{workgroup_id}"),
    "workgroups_bulk_delete": ("workgroups", "/bulk-delete"),
    "members": ("workgroups", "/{workgroup_id}/members"),
    "members_bulk_add": ("workgroups", "/{workgroup_id}/members/bulk-add"),
    "members_bulk_delete": ("workgroups", "/{workgroup_id}/members/bulk-delete"),
    "connections": ("workgroups", "/{workgroup_id}/connections"),
    "identities": ("identities", ""),
    "search": ("search", ""),
}  # type: Dict[str, Tuple[str, str]]

# The largest `limit` each list endpoint accepts: 250 for list endpoints, 50 for a group's members and connections
# (https://developer.sailpoint.com/docs/api/standard-collection-parameters,
# https://developer.sailpoint.com/docs/api/v2024/list-workgroup-members). Paging with a larger limit than the
# server honours would silently truncate, so every list call takes its page size from here.
PAGE_LIMITS = {"workgroups": 250, "identities": 250, "members": 50, "connections": 50}

# POST /search takes a limit up to 10,000, and offset + limit may not pass 10,000 (ISC answers 400), so search pages
# go on with searchAfter instead of offset (https://developer.sailpoint.com/docs/api/v2024/search-post,
# https://developer.sailpoint.com/discuss/t/v3-search-api-offset/614).
SEARCH_LIMIT = 10000

# bulk-delete of groups: "more than 100 Governance Groups IDs" in one request fail
# (https://developer.sailpoint.com/docs/api/v2024/delete-workgroups-in-bulk).
WORKGROUP_DELETE_CHUNK = 100
# Member bulk-add/bulk-delete have no documented maximum. 100 keeps each body small (about 6 kB),
# matches the one documented bulk limit of the same API, and bounds what one retried chunk repeats.
MEMBER_CHUNK = 100


def api_path(api_version: str, endpoint: str, **ids: str) -> str:
    """Path (below base_url) of ``endpoint`` in ``api_version``; ids are URL-quoted."""
    if api_version not in API_PATHS:
        raise IscConfigError("api_version must be one of %s, got %r" % (", ".join(API_VERSIONS), api_version))
    root, suffix = ENDPOINTS[endpoint]
    if root not in API_PATHS[api_version]:
        raise IscConfigError("the %s API of ISC is not available in api_version %s; use one of %s"
                             % (root, api_version, ", ".join(v for v in API_VERSIONS if root in API_PATHS[v])))
    quoted = {}
    for key, value in ids.items():
        if value is None or str(value) == "":
            raise IscConfigError("%s must not be empty" % key)
        quoted[key] = quote(str(value), safe="")
    return API_PATHS[api_version][root] + suffix.format(**quoted)


def chunked(items: Sequence[Any], size: int) -> Iterator[List[Any]]:
    """Split ``items`` into lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield list(items[start:start + size])


def _check_chunk(ids: Sequence[str], limit: int) -> None:
    # The executor chunks (and counts what each chunk did); a longer list here is a bug, not a request.
    if not ids or len(ids) > limit or len(set(ids)) != len(ids):
        raise ValueError("a bulk request takes 1 to %d distinct ids, got %d" % (limit, len(ids)))


class IscClient:
    """The governance group (workgroup), member, connection and identity calls of one ``api_version``.

    ``transport`` are the options of :class:`IscTransport`; they are checked (``_connection``) before anything else.
    """

    def __init__(self, base_url: Optional[str], api_version: str = DEFAULT_API_VERSION, **transport: Any) -> None:
        check_connection(dict(transport, base_url=base_url, api_version=api_version), API_VERSIONS)
        self.api_version = api_version
        # Set once GET /identities answered 403 (a token without user context): identity lookups then search directly.
        self.identities_refused = False
        # ISC counts its rate limit per API client and per API version: this client calls one version, so the
        # transport's limiter per API client is one per (client id, API version)
        self.transport = IscTransport(validate_base_url(base_url, API_VERSIONS), **transport)

    @property
    def concurrency(self) -> int:
        """How many requests this client sends at a time at most: the ``concurrency`` of ``_parallel.parallel``."""
        return self.transport.concurrency

    # ---------------------------------------------------------------- small public helpers
    def path(self, endpoint: str, **ids: str) -> str:
        """Path of ``endpoint`` (a key of ENDPOINTS) in this client's api_version."""
        return api_path(self.api_version, endpoint, **ids)

    @property
    def can_search(self) -> bool:
        """Whether this client's api_version has the search endpoints (API_PATHS)."""
        return "search" in API_PATHS[self.api_version]

    # ---------------------------------------------------------------- workgroups
    def list_workgroups(self, filters: Optional[str] = None, sorters: Optional[str] = None) -> Iterator[Dict[str, Any]]:
        """Every governance group matching ``filters`` (see _filters), all pages."""
        return self.transport.paginate(self.path("workgroups"), {"filters": filters, "sorters": sorters},
                                       PAGE_LIMITS["workgroups"])

    def get_workgroup(self, workgroup_id: str) -> Optional[Dict[str, Any]]:
        """The group with this id, or None if ISC answers 404."""
        result = self.transport.send("GET", self.path("workgroup", workgroup_id=workgroup_id), expect_statuses=(404,))
        return None if result.status == 404 else result.body

    def find_workgroups_by_name(self, name: str) -> List[Dict[str, Any]]:
        """Groups whose name equals ``name`` exactly (case-sensitive; the server filter is not)."""
        return exact_name_matches(self.list_workgroups(filters=eq("name", name)), name)

    def create_workgroup(self, body: Dict[str, Any]) -> Dict[str, Any]:
        """Create a group (POST, 200 WorkgroupDto).

        After an ambiguous failure (lost answer, timeout, 5xx) the name is looked up: when a group of that name exists
        now, the create is not sent again and the answer is ``{"name": ...}`` without an id. Which namesake this
        request made, if any, is not guessed (a simultaneous run may have made it): the run's settlement converges the
        group every run keeps and deletes the copies (``_executor``, ``_workgroups.race_copies``).
        """

        def recover() -> Optional[Dict[str, Any]]:
            return {"name": body["name"]} if self.find_workgroups_by_name(body["name"]) else None

        return self.transport.send("POST", self.path("workgroups"), json_body=body, policy=POLICY_CREATE,
                                   recover=recover).body

    def patch_workgroup(self, workgroup_id: str, operations: List[Dict[str, Any]]) -> Dict[str, Any]:
        """Apply JSON Patch ``operations`` (name, description, owner) and return the updated group.

        Retried on HTTP 500 like an idempotent call: the modules only send ``add``/``replace`` with absolute
        values, so applying the same patch twice leaves the group as applying it once.
        """
        return self.transport.send("PATCH", self.path("workgroup", workgroup_id=workgroup_id), json_body=operations,
                                   content_type="application/json-patch+json", policy=POLICY_IDEMPOTENT).body

    def delete_workgroup(self, workgroup_id: str) -> None:
        """Delete one group (204). Raises IscNotFoundError if it does not exist."""
        self.transport.send("DELETE", self.path("workgroup", workgroup_id=workgroup_id))

    def bulk_delete_workgroups(self, workgroup_ids: Sequence[str]) -> List[Dict[str, Any]]:
        """Delete up to 100 groups in one request; its 207 items ({id, status 204|404|409, description})."""
        _check_chunk(workgroup_ids, WORKGROUP_DELETE_CHUNK)
        # a repeated bulk-delete only turns 204 into 404 (already gone): safe to retry like DELETE
        return _as_items(self.transport.send("POST", self.path("workgroups_bulk_delete"),
                                             json_body={"ids": list(workgroup_ids)}, policy=POLICY_IDEMPOTENT).body)

    # ---------------------------------------------------------------- members and connections
    def list_members(self, workgroup_id: str) -> Iterator[Dict[str, Any]]:
        """Every member ({type, id, name, email}) of the group, all pages of 50."""
        return self.transport.paginate(self.path("members", workgroup_id=workgroup_id), None, PAGE_LIMITS["members"])

    def add_members(self, workgroup_id: str, identity_ids: Sequence[str]) -> List[Dict[str, Any]]:
        """Bulk-add up to MEMBER_CHUNK identities in one request; its 207 items (201 added, 409 already a member)."""
        return self._bulk_members("members_bulk_add", workgroup_id, identity_ids)

    def remove_members(self, workgroup_id: str, identity_ids: Sequence[str]) -> List[Dict[str, Any]]:
        """Bulk-remove up to MEMBER_CHUNK identities in one request; its 207 items (204 removed, 404 not a member)."""
        return self._bulk_members("members_bulk_delete", workgroup_id, identity_ids)

    def _bulk_members(self, endpoint: str, workgroup_id: str, identity_ids: Sequence[str]) -> List[Dict[str, Any]]:
        _check_chunk(identity_ids, MEMBER_CHUNK)
        body = [{"type": "IDENTITY", "id": identity_id} for identity_id in identity_ids]
        # repeating is safe: 409 on add / 404 on delete mean the state already holds
        return _as_items(self.transport.send("POST", self.path(endpoint, workgroup_id=workgroup_id), json_body=body,
                                             policy=POLICY_IDEMPOTENT).body)

    def list_connections(self, workgroup_id: str) -> Iterator[Dict[str, Any]]:
        """Every connection (access profile, role, SOD policy, source) of the group, pages of 50."""
        return self.transport.paginate(self.path("connections", workgroup_id=workgroup_id), None,
                                       PAGE_LIMITS["connections"])

    # ---------------------------------------------------------------- identities
    def list_identities(self, filters: Optional[str] = None, sorters: Optional[str] = None) -> Iterator[Dict[str, Any]]:
        """Identities matching ``filters``, correlated or not (defaultFilter=NONE), all pages."""
        params = {"filters": filters, "sorters": sorters, "defaultFilter": "NONE"}
        return self.transport.paginate(self.path("identities"), params, PAGE_LIMITS["identities"])

    def count_identities(self, query: str) -> int:
        """How many identities the search ``query`` matches: one ``POST /search/count`` (204, the number in
        ``X-Total-Count``; searchCount in the spec)."""
        path = self.path("search") + "/count"
        body = {"indices": ["identities"], "queryType": "SAILPOINT", "query": {"query": query}}
        result = self.transport.send("POST", path, json_body=body, policy=POLICY_IDEMPOTENT)  # a POST that only reads
        try:
            return int(result.headers.get("X-Total-Count"))
        except (TypeError, ValueError):
            raise IscApiError("POST", path, result.status, ["expected the number of matches in X-Total-Count"])

    def search_identities(self, query: str, fields: Sequence[str]) -> Iterator[Dict[str, Any]]:
        """Every identity document the search ``query`` (ISC query-string syntax) matches, trimmed to ``fields``.

        Pages of SEARCH_LIMIT sorted by ``id``, each next page asked with ``searchAfter`` the last id: ISC refuses
        offset + limit above 10,000 and documents ``searchAfter`` for paging past it (searchPost). Paging stops on
        a short page, so N matches cost ceil(N / 10,000) requests, one more when N is a positive multiple of 10,000
        (the total ISC may report is not documented as exact past 10,000, so it is not trusted to stop).
        """
        body = {"indices": ["identities"], "queryType": "SAILPOINT", "query": {"query": query}, "sort": ["id"],
                "includeNested": False, "queryResultFilter": {"includes": list(fields)}}  # type: Dict[str, Any]
        path = self.path("search")
        while True:
            # POST that only reads: retried like an idempotent call
            result = self.transport.send("POST", path, params={"limit": SEARCH_LIMIT}, json_body=body,
                                         policy=POLICY_IDEMPOTENT)
            page = result.body if result.body is not None else []
            if not isinstance(page, list) or len(page) > SEARCH_LIMIT:
                raise IscApiError(
                    "POST", path, result.status, ["expected a JSON list of at most %d documents" % SEARCH_LIMIT]
                )
            yield from page
            if len(page) < SEARCH_LIMIT:
                return
            last = page[-1].get("id") if isinstance(page[-1], dict) else None
            if not last:  # cannot ask for the next page; stopping here would silently truncate
                raise IscApiError(
                    "POST", path, result.status, ["the last document of a full page has no id to page on"]
                )
            body["searchAfter"] = [str(last)]


def _as_items(body: Any) -> List[Dict[str, Any]]:
    if body is None:
        return []
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    return [body] if isinstance(body, dict) else []
