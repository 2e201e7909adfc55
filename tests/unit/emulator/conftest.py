"""Helpers for the emulator tests: an API client that checks every response against the official specs.

The specs are read from ``$ISC_SPEC_DIR`` (default ``<repo root>/../shared/spec``). Without them the contract checks
are skipped (the contract tests themselves skip with a reason); all other assertions still run. Under CI (``CI=true``
in the environment, as CI services set it) missing specs fail instead: there a skipped contract would pass unnoticed.
"""
from __future__ import annotations

import functools
import json
import os
import re
import warnings
from typing import Any, Dict, Iterator, Optional

import pytest
import requests

from tests.emulator import Emulator

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SPEC_DIR = os.environ.get("ISC_SPEC_DIR") or os.path.join(REPO_ROOT, "..", "shared", "spec")
V2024_SPEC = os.path.join(SPEC_DIR, "isc-v2024-workgroups.yaml")
V1_SPEC = os.path.join(SPEC_DIR, "isc-v1-governance-groups.yaml")
SEARCH_SPEC = os.path.join(SPEC_DIR, "isc-v2024-search.yaml")
SPEC_HOST = "https://sailpoint.api.identitynow.com"
# Statuses the specs do not declare for these operations; their bodies must still be ErrorResponseDto.
UNDECLARED_ERRORS = (404, 405, 415, 502, 503, 504)
HEX32 = re.compile(r"[0-9a-f]{32}\Z")


def specs_available() -> bool:
    return os.path.isfile(V2024_SPEC) and os.path.isfile(V1_SPEC) and os.path.isfile(SEARCH_SPEC)


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def without_specs(allow_module_level: bool = False) -> None:
    """Skip the test (the module) that needs the spec files; under CI, fail it."""
    reason = "ISC spec files not found in %s (set ISC_SPEC_DIR): contract validation needs them" % SPEC_DIR
    if under_ci():
        pytest.fail(reason + "; under CI (CI=%s) that is a failure, not a skip" % os.environ["CI"], pytrace=False)
    pytest.skip(reason, allow_module_level=allow_module_level)


def assert_error_dto(body: Any, text: Optional[str] = None) -> None:
    """The ErrorResponseDto shape every ISC error (except 401/429) has."""
    assert set(body) == {"detailCode", "trackingId", "messages", "causes"}, body
    assert isinstance(body["detailCode"], str) and body["detailCode"]
    assert HEX32.match(body["trackingId"]), body["trackingId"]
    assert body["causes"] == []
    assert len(body["messages"]) == 1
    message = body["messages"][0]
    assert message["locale"] == "en-US" and message["localeOrigin"] == "DEFAULT"
    if text is not None:
        assert text in message["text"], message["text"]


def error_text(response: requests.Response) -> str:
    return response.json()["messages"][0]["text"]


class Contract:
    """Validates requests/responses with openapi-core against the v2024 subset or the v1 per-service spec."""

    def __init__(self) -> None:
        from openapi_core import Config, OpenAPI  # pylint: disable=import-outside-toplevel
        import yaml  # pylint: disable=import-outside-toplevel

        config = Config(extra_media_type_deserializers={"application/json-patch+json": json.loads})
        self.v2024 = OpenAPI.from_file_path(V2024_SPEC, config=config)
        self._v1: Any = None
        self._search: Any = None
        self._config = config
        with open(V2024_SPEC, encoding="utf-8") as handle:
            self._components = yaml.safe_load(handle)["components"]

    @property
    def v1(self) -> Any:
        if self._v1 is None:  # the dereferenced v1 spec takes about a second to load: only when needed
            from openapi_core import OpenAPI  # pylint: disable=import-outside-toplevel
            self._v1 = OpenAPI.from_file_path(V1_SPEC, config=self._config)
        return self._v1

    @property
    def search(self) -> Any:
        if self._search is None:
            from openapi_core import OpenAPI  # pylint: disable=import-outside-toplevel
            self._search = OpenAPI.from_file_path(SEARCH_SPEC, config=self._config)
        return self._search

    def validate_schema(self, instance: Any, schema_name: str) -> None:
        from openapi_schema_validator import OAS30Validator, validate  # pylint: disable=import-outside-toplevel
        validate(instance, {"components": self._components, "$ref": "#/components/schemas/" + schema_name}, cls=OAS30Validator)

    def _spec_and_request(self, response: requests.Response, base_url: str) -> Any:
        from openapi_core.contrib.requests import RequestsOpenAPIRequest  # pylint: disable=import-outside-toplevel
        prepared = response.request.copy()
        path = prepared.url[len(base_url):]
        search = re.match(r"/(?:v2024|v2025|v2026)/search|/search/v1", path)
        if search:
            # The search subset (v2024) covers v2025, v2026 and the per-service /search/v1 too (FACTS.md section 12).
            spec = self.search
            path = "/v2024/search" + path[search.end():]
        elif path.startswith("/public-identities/v1"):
            # Not in the v1 spec file; the official SDK 2.x models it with the same PublicIdentity shape as v2024.
            spec = self.v2024
            path = "/v2024/public-identities" + path[len("/public-identities/v1"):]
        elif path.startswith(("/workgroups/v1", "/identities/v1")):
            spec = self.v1
        else:
            # v2025, v2026 and beta are byte-identical to v2024 for these paths (FACTS.md section 7).
            spec = self.v2024
            path = re.sub(r"^/(v2025|v2026|beta)/", "/v2024/", path)
        prepared.url = SPEC_HOST + path
        return spec, RequestsOpenAPIRequest(prepared)

    def check(self, response: requests.Response, base_url: str, validate_request: Optional[bool] = None) -> None:
        """Validate ``response`` (and, for 2xx answers unless told otherwise, its request) against the spec."""
        from openapi_core.contrib.requests import RequestsOpenAPIResponse  # pylint: disable=import-outside-toplevel
        status = response.status_code
        if status == 401:
            assert set(response.json()) == {"error"} and isinstance(response.json()["error"], str)
        elif status == 429:
            assert response.json() == {"message": " Rate Limit Exceeded "}
            assert int(response.headers["Retry-After"]) >= 0
        elif status >= 400:
            assert_error_dto(response.json())
        if status in UNDECLARED_ERRORS:
            self.validate_schema(response.json(), "ErrorResponseDto")
            return
        spec, request = self._spec_and_request(response, base_url)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openapi-core warns that it cannot check oauth2 security schemes
            spec.validate_response(request, RequestsOpenAPIResponse(response))
            if validate_request if validate_request is not None else 200 <= status < 300:
                spec.validate_request(request)

    def request_is_valid(self, response: requests.Response, base_url: str) -> bool:
        spec, request = self._spec_and_request(response, base_url)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                spec.validate_request(request)
            except Exception:  # pylint: disable=broad-except
                return False
        return True


@functools.lru_cache(maxsize=None)
def _contract() -> Optional[Contract]:
    return Contract() if specs_available() else None


class Api:
    """A small ISC client for tests: fetches a token, maps paths onto an API version, contract-checks every answer."""

    def __init__(self, emu: Emulator, version: str = "v2024", client_id: Optional[str] = None, client_secret: Optional[str] = None,
                 contract: Optional[Contract] = None) -> None:
        self.emu = emu
        self.version = version
        self.client_id = client_id or emu.client_id
        self.client_secret = client_secret or emu.client_secret
        self.contract = contract
        self.session = requests.Session()
        self._token: Optional[str] = None

    def fetch_token(self) -> requests.Response:
        return self.session.post(self.emu.base_url + "/oauth/token", timeout=10,
                                 data={"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret})

    @property
    def token(self) -> str:
        if self._token is None:
            response = self.fetch_token()
            assert response.status_code == 200, response.text
            self._token = response.json()["access_token"]
        return self._token

    def url(self, path: str) -> str:
        """``/workgroups/x`` -> ``/v2024/workgroups/x`` or, for v1, ``/workgroups/v1/x``."""
        if self.version == "v1":
            resource, _sep, rest = path.lstrip("/").partition("/")
            return "%s/%s/v1%s" % (self.emu.base_url, resource, "/" + rest if rest else "")
        return "%s/%s%s" % (self.emu.base_url, self.version, path)

    def request(self, method: str, path: str, check: bool = True, auth: bool = True, validate_request: Optional[bool] = None,
                **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if auth:
            headers.setdefault("Authorization", "Bearer " + self.token)
        response = self.session.request(method, self.url(path), headers=headers, timeout=30, **kwargs)
        if check and self.contract is not None:
            self.contract.check(response, self.emu.base_url, validate_request)
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def patch(self, path: str, ops: Any, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        headers.setdefault("Content-Type", "application/json-patch+json")
        return self.request("PATCH", path, data=json.dumps(ops), headers=headers, **kwargs)

    # Convenience wrappers for test set-up.

    def create_group(self, name: str, owner_id: str, description: Optional[str] = None) -> Dict[str, Any]:
        body: Dict[str, Any] = {"name": name, "owner": {"type": "IDENTITY", "id": owner_id}}
        if description is not None:
            body["description"] = description
        response = self.post("/workgroups", json=body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session", name="contract")
def contract_fixture() -> Optional[Contract]:
    """The spec validator, or None when the spec files are missing (under CI: the test fails, see without_specs)."""
    contract = _contract()
    if contract is None and under_ci():
        without_specs()
    return contract


@pytest.fixture
def require_contract(contract: Optional[Contract]) -> Contract:
    if contract is None:
        without_specs()
    return contract


@pytest.fixture
def api(emulator: Emulator, contract: Optional[Contract]) -> Iterator[Api]:
    """A v2024 client with the emulator's all-scopes PAT, contract-checking every response."""
    client = Api(emulator, contract=contract)
    yield client
    client.session.close()


@pytest.fixture
def make_api(emulator: Emulator, contract: Optional[Contract]) -> Iterator[Any]:
    """Factory: make_api(version="v1", client_id=..., client_secret=...)."""
    clients = []

    def factory(version: str = "v2024", client_id: Optional[str] = None, client_secret: Optional[str] = None) -> Api:
        client = Api(emulator, version=version, client_id=client_id, client_secret=client_secret, contract=contract)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.session.close()


@pytest.fixture
def people(emulator: Emulator) -> list:
    """Seed 300 generated identities and return their ids in order."""
    emulator.seed({"generate": {"identities": 300}})
    return list(emulator.state.identities)
