"""The emulator driven by a client we did not write: SailPoint's official Python SDK (PyPI ``sailpoint``).

The SDK deserialises every answer into its generated pydantic models, so a wrong field name, type, status or
content type in the emulator shows up here as an SDK exception. On top of that, every answer is checked to be
*lossless*: each non-null field the emulator sent must survive the SDK's model (a misspelt field would otherwise be
dropped silently), and enum values the SDK does not know (it only warns) fail the test.

Two SDK lines exist and they cannot be installed side by side (both are the ``sailpoint`` package):

* ``sailpoint`` 1.4.x has ``sailpoint.v2024`` (and v2025/v2026/beta/v3): the tests then run against ``/v2024``.
* ``sailpoint`` 2.x speaks only the per-service v1 API: the tests then run against ``/workgroups/v1`` and
  ``/identities/v1`` (and ``/public-identities/v1``).

Whichever is importable is tested (the test ids name it); without the SDK every test here skips. Pins:
``tests/unit/emulator/requirements-clients.txt`` (2.x, with schemathesis) and ``requirements-sdk-v2024.txt`` (1.4.x,
installed with ``--target`` beside it and put first on ``PYTHONPATH``; the file says how).

The SDK reads ``SAIL_BASE_URL``/``SAIL_CLIENT_ID``/``SAIL_CLIENT_SECRET`` and ``./config.json``: the fixture sets the
variables to the emulator's values and runs in an empty temporary directory, so no user configuration is read.
"""
from __future__ import annotations

import datetime
import json
import typing
import warnings
from typing import Any, Callable, Dict, List, Optional

import pytest

from tests.emulator import Emulator
from tests.emulator.seed import DEMO_READONLY_CLIENT


def _detect() -> Optional[str]:
    try:
        import sailpoint.v2024.api.governance_groups_api  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        return "v2024"
    except ImportError:
        pass
    try:
        import sailpoint.governance_groups.api.governance_groups_api  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        return "v1"
    except ImportError:
        return None


FLAVOUR = _detect()


def _sdk_version() -> str:
    try:
        from importlib.metadata import version  # pylint: disable=import-outside-toplevel
        return version("sailpoint")
    except Exception:  # pylint: disable=broad-except
        return "unknown"


pytestmark = pytest.mark.skipif(
    FLAVOUR is None,
    reason="the SailPoint Python SDK is not installed (pip install -r tests/unit/emulator/requirements-clients.txt)",
)

OWNER = "0" * 31 + "1"
PEOPLE = ["%032x" % (0x100 + i) for i in range(8)]
CONNECTION = {"object": {"type": "ACCESS_PROFILE", "id": "a" * 32, "name": "Prod DB", "description": None},
              "connectionType": "AccessRequestReviewer"}


def _identity(ident: str, name: str, **extra: Any) -> Dict[str, Any]:
    first, last = name.split(" ", 1)
    alias = name.lower().replace(" ", ".")
    record = {"id": ident, "name": name, "alias": alias, "email": alias + "@example.com", "firstName": first, "lastName": last}
    record.update(extra)
    return record


NAMES = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Frances Allen", "Ken Thompson"]
SEED = {
    "identities": [_identity(OWNER, "Olivia Owner")] + [_identity(ident, name) for ident, name in zip(PEOPLE, NAMES)]
    + [_identity("f" * 32, "Uma Uncorrelated", correlated=False)],
}


# ------------------------------------------------------------------------------------------------ comparison helpers

def _same_scalar(raw: Any, parsed: Any) -> bool:
    if json.dumps(raw) == json.dumps(parsed):  # same value and JSON type (1, 1.0 and true differ)
        return True
    if isinstance(raw, str) and isinstance(parsed, str):
        try:
            return datetime.datetime.fromisoformat(raw.replace("Z", "+00:00")) == datetime.datetime.fromisoformat(parsed.replace("Z", "+00:00"))
        except ValueError:
            return False
    return False


def assert_lossless(raw: Any, parsed: Any, where: str = "$") -> None:
    """Every non-null value in the emulator's JSON ``raw`` is still there, unchanged, in the SDK's ``parsed`` view."""
    if isinstance(raw, dict):
        assert isinstance(parsed, dict), "%s: SDK gave %r for an object" % (where, parsed)
        for key, value in raw.items():
            if value is None:
                continue
            assert key in parsed, "%s: field %r was dropped by the SDK model (unknown field name?)" % (where, key)
            assert_lossless(value, parsed[key], "%s.%s" % (where, key))
    elif isinstance(raw, list):
        assert isinstance(parsed, list) and len(parsed) == len(raw), "%s: list length %d vs %r" % (where, len(raw), parsed)
        for index, (item, other) in enumerate(zip(raw, parsed)):
            assert_lossless(item, other, "%s[%d]" % (where, index))
    else:
        assert _same_scalar(raw, parsed), "%s: emulator sent %r, SDK holds %r" % (where, raw, parsed)


def _dump(data: Any) -> Any:
    """The SDK's view of an answer as JSON data, read-only fields included (``to_dict()`` leaves those out)."""
    if isinstance(data, list):
        return [_dump(item) for item in data]
    if hasattr(data, "model_dump"):
        return data.model_dump(mode="json", by_alias=True)
    return data


class Sdk:
    """Uniform access to both SDK lines. ``call(name, ...)`` runs ``<name>[_v1]_with_http_info`` and checks the answer."""

    def __init__(self, emu: Emulator, client_id: Optional[str] = None, client_secret: Optional[str] = None, retries: Any = None) -> None:
        from sailpoint.configuration import Configuration, ConfigurationParams  # pylint: disable=import-outside-toplevel

        params = ConfigurationParams()
        params.base_url = emu.base_url
        params.client_id = client_id or emu.client_id
        params.client_secret = client_secret or emu.client_secret
        self.config = Configuration(params)
        assert self.config.access_token, "the SDK could not fetch a token from %s/oauth/token" % emu.base_url
        assert self.config.token_url == emu.base_url + "/oauth/token"
        self.config.experimental = True  # 1.4.x refuses to send X-SailPoint-Experimental without it
        self.config.suppress_experimental_warnings = True
        self.config.retries = retries  # None: urllib3's default, which retries a 429 after its Retry-After
        self.flavour = FLAVOUR
        if FLAVOUR == "v2024":
            # pylint: disable=import-outside-toplevel
            from sailpoint.v2024 import models
            from sailpoint.v2024.api.governance_groups_api import GovernanceGroupsApi
            from sailpoint.v2024.api.identities_api import IdentitiesApi
            from sailpoint.v2024.api.public_identities_api import PublicIdentitiesApi
            from sailpoint.v2024.api_client import ApiClient
            from sailpoint.v2024.models.connected_object_type import ConnectedObjectType
            self.suffix = ""
            self.member_ref = models.IdentityPreviewResponseIdentity
        else:
            # pylint: disable=import-outside-toplevel
            from sailpoint import ApiClient, GovernanceGroupsApi, IdentitiesApi, PublicIdentitiesApi  # the documented flat imports
            from sailpoint.governance_groups import models
            from sailpoint.governance_groups.models.connected_object_type import ConnectedObjectType
            self.suffix = "_v1"
            self.member_ref = models.BulkWorkgroupMembersRequestInner
        self.models = models
        self.connected_object_type = ConnectedObjectType
        self.client = ApiClient(self.config)
        self.extra_clients: List[Any] = []
        self.groups = GovernanceGroupsApi(self.client)
        self.identities = IdentitiesApi(self.client)
        self.public_identities = PublicIdentitiesApi(self.client)
        value_type = self.models.JsonPatchOperation.model_fields["value"].annotation
        self.patch_value = [t for t in typing.get_args(value_type) if not isinstance(None, t)][0]  # Optional[X] -> X

    def method(self, name: str, variant: str = "_with_http_info") -> Callable[..., Any]:
        full = name + self.suffix
        for api in (self.groups, self.identities, self.public_identities):
            if hasattr(api, full):
                return getattr(api, full + variant)
        raise AttributeError(full)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call through the SDK, fail on unknown-enum warnings, check the parsed data against the raw body."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            response = self.method(name)(*args, **kwargs)
        enum_warnings = [str(w.message) for w in caught if "enum values" in str(w.message)]
        assert not enum_warnings, "%s: the SDK does not know these enum values: %s" % (name, enum_warnings)
        if response.raw_data:
            assert_lossless(json.loads(response.raw_data), _dump(response.data), name)
        else:
            assert response.data is None
        return response

    def error(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call and expect the SDK's ApiException; returns it (``status``, ``body``, ``data``, ``headers``)."""
        with pytest.raises(Exception) as info:
            self.method(name)(*args, **kwargs)
        exc = info.value
        assert hasattr(exc, "status") and hasattr(exc, "body"), "expected an ApiException, got %r" % exc
        return exc

    def patch(self, op: str, path: str, value: Any = None) -> Any:
        with warnings.catch_warnings():
            # SDK oddity: 1.4.x's JsonPatchOperation enum lists only remove/replace and warns on "add" (RFC 6902 op).
            warnings.filterwarnings("ignore", message="must be one of enum values", category=UserWarning)
            if op == "remove":
                return self.models.JsonPatchOperation(op=op, path=path)
            return self.models.JsonPatchOperation(op=op, path=path, value=self.patch_value(value))

    def refs(self, ids: List[str]) -> List[Any]:
        return [self.member_ref(type="IDENTITY", id=i) for i in ids]

    def new_group(self, name: str, owner: str = OWNER, description: Optional[str] = None) -> Any:
        owner_ref = self.models.WorkgroupDtoOwner(type="IDENTITY", id=owner)
        return self.models.WorkgroupDto(name=name, owner=owner_ref, description=description)

    def close(self) -> None:
        for client in [self.client] + self.extra_clients:
            pool = getattr(client.rest_client, "pool_manager", None)
            if pool is not None:
                pool.clear()


def _error_text(exc: Any) -> str:
    body = json.loads(exc.body)
    assert set(body) == {"detailCode", "trackingId", "messages", "causes"}, body
    return body["messages"][0]["text"]


@pytest.fixture(params=["sailpoint-%s-%s" % (_sdk_version(), FLAVOUR)])  # names the SDK line in the test ids
def sdk_factory(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.chdir(tmp_path)  # the SDK would read ./config.json
    monkeypatch.setenv("SAIL_BASE_URL", emulator.base_url)
    monkeypatch.setenv("SAIL_CLIENT_ID", emulator.client_id)
    monkeypatch.setenv("SAIL_CLIENT_SECRET", emulator.client_secret)
    monkeypatch.delenv("SAIL_NERM_BASE_URL", raising=False)
    emulator.seed(SEED)
    made: List[Sdk] = []

    def factory(client_id: Optional[str] = None, client_secret: Optional[str] = None, retries: Any = None) -> Sdk:
        made.append(Sdk(emulator, client_id, client_secret, retries))
        return made[-1]

    yield factory
    for sdk in made:
        sdk.close()


@pytest.fixture
def sdk(sdk_factory: Any) -> Sdk:
    return sdk_factory()


def _paths(emu: Emulator) -> List[str]:
    return [e["method"] + " " + e["path"] for e in emu.requests()]


# --------------------------------------------------------------------------------------------------------- tests

def test_token_and_version_paths(sdk: Sdk, emulator: Emulator) -> None:
    """The SDK fetched its token from base_url + /oauth/token and calls the path family of its line."""
    response = sdk.call("list_workgroups")
    assert response.status_code == 200 and response.data == []
    expected = "GET /v2024/workgroups" if FLAVOUR == "v2024" else "GET /workgroups/v1"
    assert _paths(emulator) == ["POST /oauth/token", expected], _sdk_version()


def test_list_workgroups_filters_sorters_count_paging(sdk: Sdk, emulator: Emulator) -> None:
    names = ["Beta", "alpha", "Gamma", "Beta Two"]
    created = [sdk.call("create_workgroup", sdk.new_group(n, description="about " + n)).data for n in names]
    ids = [g.id for g in created]
    assert sdk.call("update_workgroup_members", ids[1], sdk.refs(PEOPLE[:2])).status_code == 207

    everything = sdk.call("list_workgroups")
    assert [g.name for g in everything.data] == names  # creation order without sorters
    assert "X-Total-Count" not in (everything.headers or {})

    by_name = sdk.call("list_workgroups", sorters="name")
    assert [g.name for g in by_name.data] == ["alpha", "Beta", "Beta Two", "Gamma"]  # case-insensitive
    assert [g.name for g in sdk.call("list_workgroups", sorters="-name").data] == ["Gamma", "Beta Two", "Beta", "alpha"]

    filtered = sdk.call("list_workgroups", filters='name sw "beta"', sorters="-name", count=True)
    assert [g.name for g in filtered.data] == ["Beta Two", "Beta"]
    assert filtered.headers["X-Total-Count"] == "2"
    assert [g.name for g in sdk.call("list_workgroups", filters='name eq "ALPHA"').data] == ["alpha"]
    assert [g.id for g in sdk.call("list_workgroups", filters='name in ("Gamma","alpha")').data] == [ids[1], ids[2]]
    assert [g.id for g in sdk.call("list_workgroups", filters='id in ("%s","%s")' % (ids[3], ids[0])).data] == [ids[0], ids[3]]
    assert [g.id for g in sdk.call("list_workgroups", filters='id sw "%s"' % ids[2][:6]).data] == [ids[2]]
    member_of = sdk.call("list_workgroups", filters='memberships.identityId eq "%s"' % PEOPLE[1])
    assert [(g.id, g.member_count) for g in member_of.data] == [(ids[1], 2)]
    either = sdk.call("list_workgroups", filters='name eq "Gamma" or memberships.identityId in ("%s")' % PEOPLE[0])
    assert {g.id for g in either.data} == {ids[1], ids[2]}

    page = sdk.call("list_workgroups", sorters="name", limit=2, offset=1, count=True)
    assert [g.name for g in page.data] == ["Beta", "Beta Two"] and page.headers["X-Total-Count"] == "4"
    assert sdk.call("list_workgroups", limit=0).data == []
    assert sdk.call("list_workgroups", offset=10).data == []
    for sorter in ("created", "-modified", "id", "description"):
        assert len(sdk.call("list_workgroups", sorters=sorter).data) == 4

    bad = sdk.error("list_workgroups", filters='description co "x"')
    assert bad.status == 400 and "description" in _error_text(bad)
    assert sdk.error("list_workgroups", sorters="owner").status == 400


def test_create_get_patch_delete(sdk: Sdk, emulator: Emulator) -> None:
    created = sdk.call("create_workgroup", sdk.new_group("SDK group", description="first"))
    assert created.status_code == 200  # not 201: the spec says 200
    group = created.data
    assert group.name == "SDK group" and group.description == "first" and group.member_count == 0 and group.connection_count == 0
    assert group.owner.id == OWNER and group.owner.type == "IDENTITY"
    assert group.owner.name == "Olivia Owner" and group.owner.display_name == "Olivia Owner"
    assert group.owner.email_address == "olivia.owner@example.com"
    assert isinstance(group.created, datetime.datetime) and group.created.tzinfo is not None

    fetched = sdk.call("get_workgroup", group.id).data
    assert fetched == group

    patched = sdk.call("patch_workgroup", group.id, [sdk.patch("replace", "/name", "Renamed"),
                                                     sdk.patch("replace", "/description", "second"),
                                                     sdk.patch("replace", "/owner", {"type": "IDENTITY", "id": PEOPLE[0]})]).data
    assert (patched.name, patched.description, patched.owner.id, patched.owner.name) == ("Renamed", "second", PEOPLE[0], "Ada Lovelace")
    assert patched.modified > group.modified and patched.created == group.created

    removed = sdk.call("patch_workgroup", group.id, [sdk.patch("remove", "/description")]).data
    assert removed.description is None
    readded = sdk.call("patch_workgroup", group.id, [sdk.patch("add", "/description", "third"),
                                                     sdk.patch("replace", "/owner/id", OWNER)]).data
    assert readded.description == "third" and readded.owner.id == OWNER
    assert emulator.state.groups[group.id]["description"] == "third"

    bad = sdk.error("patch_workgroup", group.id, [sdk.patch("replace", "/memberCount", 3)])
    assert bad.status == 400 and bad.data is not None  # 400 is declared: parsed into ErrorResponseDto
    assert bad.data.messages[0].text == _error_text(bad)

    deleted = sdk.call("delete_workgroup", group.id)
    assert deleted.status_code == 204 and deleted.data is None
    missing = sdk.error("get_workgroup", group.id)
    assert missing.status == 404 and "was not found" in _error_text(missing)  # undeclared 404: the SDK keeps only the body


def test_create_errors(sdk: Sdk) -> None:
    no_owner = sdk.error("create_workgroup", sdk.models.WorkgroupDto(name="No owner"))
    assert no_owner.status == 400 and _error_text(no_owner) == 'Required field "owner" was missing or empty.'
    assert no_owner.data.detail_code == "400.1 Bad Request Content" and no_owner.data.messages[0].locale_origin == "DEFAULT"
    unknown = sdk.error("create_workgroup", sdk.new_group("Unknown owner", owner="9" * 32))
    assert unknown.status == 400 and "not found" in _error_text(unknown)
    nameless = sdk.error("create_workgroup", sdk.models.WorkgroupDto(owner=sdk.models.WorkgroupDtoOwner(type="IDENTITY", id=OWNER)))
    assert nameless.status == 400 and _error_text(nameless) == 'Required field "name" was missing or empty.'


def test_bulk_delete_groups(sdk: Sdk, emulator: Emulator) -> None:
    keep = sdk.call("create_workgroup", sdk.new_group("Busy")).data
    emulator.seed({"groups": [{"id": keep.id, "name": "Busy", "owner": OWNER, "connections": [CONNECTION]}]})
    gone = sdk.call("create_workgroup", sdk.new_group("Gone")).data
    unknown = "e" * 32
    request = sdk.models.WorkgroupBulkDeleteRequest(ids=[gone.id, keep.id, unknown])
    response = sdk.call("delete_workgroups_in_bulk", request)
    assert response.status_code == 207
    assert [(i.id, i.status) for i in response.data] == [(gone.id, 204), (keep.id, 409), (unknown, 404)]
    assert response.data[0].description == "Governance Group deleted successfully."
    assert set(emulator.state.groups) == {keep.id}

    too_many = sdk.error("delete_workgroups_in_bulk", sdk.models.WorkgroupBulkDeleteRequest(ids=["%032x" % i for i in range(101)]))
    assert too_many.status == 400 and too_many.data.messages


def test_members_add_list_delete(sdk: Sdk, emulator: Emulator) -> None:
    gid = sdk.call("create_workgroup", sdk.new_group("Members")).data.id
    added = sdk.call("update_workgroup_members", gid, sdk.refs(PEOPLE[:5]))
    assert added.status_code == 207 and [i.status for i in added.data] == [201] * 5
    assert added.data[0].description == "Identity added to Governance Group members list."
    again = sdk.call("update_workgroup_members", gid, sdk.refs([PEOPLE[0], PEOPLE[5]]))
    assert [(i.id, i.status) for i in again.data] == [(PEOPLE[0], 409), (PEOPLE[5], 201)]

    members = sdk.call("list_workgroup_members", gid, count=True)
    assert members.headers["X-Total-Count"] == "6"
    assert [m.id for m in members.data] == PEOPLE[:6]
    first = members.data[0]
    assert (first.type, first.name, first.email) == ("IDENTITY", "Ada Lovelace", "ada.lovelace@example.com")
    by_name = sdk.call("list_workgroup_members", gid, sorters="-name", limit=2, offset=1)
    assert [m.name for m in by_name.data] == ["Edsger Dijkstra", "Donald Knuth"]
    for sorter in ("created", "modified", "name"):
        assert len(sdk.call("list_workgroup_members", gid, sorters=sorter).data) == 6

    removed = sdk.call("delete_workgroup_members", gid, sdk.refs([PEOPLE[0], PEOPLE[7]]))
    assert removed.status_code == 207 and [(i.id, i.status) for i in removed.data] == [(PEOPLE[0], 204), (PEOPLE[7], 404)]
    assert removed.data[1].description == 'Referenced Governance Group Member with Identity Id "%s" was not found.' % PEOPLE[7]
    assert sdk.call("get_workgroup", gid).data.member_count == 5

    missing = sdk.error("list_workgroup_members", "d" * 32)
    assert missing.status == 404


def test_connections(sdk: Sdk, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    gid = "c" * 32
    emulator.seed({"groups": [{"id": gid, "name": "Connected", "owner": OWNER, "connections": [
        CONNECTION,
        {"object": {"type": "ROLE", "id": "b" * 32, "name": "Analyst", "description": "role"}, "connectionType": "Owner"},
        {"object": {"type": "SOURCE", "id": "9" * 32, "name": "HR", "description": "src"}, "connectionType": "ManagementWorkgroup"},
    ]}]})
    empty = sdk.call("create_workgroup", sdk.new_group("Unconnected")).data.id
    assert sdk.call("list_connections", empty).data == []

    # SDK oddity (both lines): WorkgroupConnectionDtoObject.from_dict calls ConnectedObjectType.from_dict, which the
    # generated str-Enum does not have, so any connection with a `type` (as the spec's ConnectedObjectType requires)
    # raises AttributeError inside the SDK. The emulator's JSON is right; real ISC answers break the SDK the same way.
    if not hasattr(sdk.connected_object_type, "from_dict"):
        with pytest.raises(AttributeError, match="from_dict"):
            sdk.method("list_connections")(gid)
        monkeypatch.setattr(sdk.connected_object_type, "from_dict", classmethod(lambda cls, value: cls(value)), raising=False)

    response = sdk.call("list_connections", gid, count=True, sorters="name")
    assert response.headers["X-Total-Count"] == "3"
    assert [(c.object.name, str(getattr(c.object.type, "value", c.object.type)), c.connection_type) for c in response.data] == [
        ("Analyst", "ROLE", "Owner"), ("HR", "SOURCE", "ManagementWorkgroup"), ("Prod DB", "ACCESS_PROFILE", "AccessRequestReviewer")]
    assert response.data[2].object.description is None
    assert len(sdk.call("list_connections", gid, limit=1, offset=2).data) == 1

    in_use = sdk.error("delete_workgroup", gid)
    assert in_use.status == 400 and "in use" in _error_text(in_use)


def test_list_identities(sdk: Sdk) -> None:
    everyone = sdk.call("list_identities", count=True)
    assert everyone.headers["X-Total-Count"] == "9"  # CORRELATED_ONLY by default: the uncorrelated one is hidden
    ada = [i for i in everyone.data if i.id == PEOPLE[0]][0]
    assert (ada.name, ada.alias, ada.email_address) == ("Ada Lovelace", "ada.lovelace", "ada.lovelace@example.com")
    assert ada.lifecycle_state.state_name and ada.attributes["lastname"] == "Lovelace"
    assert len(sdk.call("list_identities", default_filter="NONE").data) == 10

    found = sdk.call("list_identities", filters='alias eq "alan.turing"')
    assert [i.id for i in found.data] == [PEOPLE[1]]
    assert [i.name for i in sdk.call("list_identities", filters='name sw "Gr"').data] == ["Grace Hopper"]
    assert [i.id for i in sdk.call("list_identities", filters='email eq "KEN.THOMPSON@example.com"').data] == [PEOPLE[7]]
    assert [i.id for i in sdk.call("list_identities", filters='id in ("%s","%s")' % (PEOPLE[3], OWNER)).data] == [OWNER, PEOPLE[3]]
    assert [i.name for i in sdk.call("list_identities", filters='firstname eq "Donald" or lastname sw "Lis"', sorters="name").data] == [
        "Barbara Liskov", "Donald Knuth"]
    page = sdk.call("list_identities", sorters="-name", limit=3, offset=1)
    assert [i.name for i in page.data] == ["Ken Thompson", "Grace Hopper", "Frances Allen"]
    assert len(sdk.call("list_identities", sorters="alias").data) == 9
    assert sdk.error("list_identities", filters='name co "a"').status == 400


def test_public_identities(sdk: Sdk) -> None:
    response = sdk.call("get_public_identities", filters='email sw "ada"', count=True)
    assert response.headers["X-Total-Count"] == "1"
    (ada,) = response.data
    assert (ada.id, ada.name, ada.alias, ada.email) == (PEOPLE[0], "Ada Lovelace", "ada.lovelace", "ada.lovelace@example.com")
    assert len(sdk.call("get_public_identities").data) == 10  # no defaultFilter here
    assert len(sdk.call("get_public_identities", add_core_filters=True, sorters="name").data) == 9  # drops the uncorrelated one
    assert sdk.error("get_public_identities", filters='name eq "Ada Lovelace"').status == 400  # no `name` filter here


def test_error_bodies_parse(sdk_factory: Any, emulator: Emulator) -> None:
    """401, 403 and 429 come back as the SDK's declared error models."""
    sdk = sdk_factory(retries=False)
    emulator.seed({"clients": [DEMO_READONLY_CLIENT]})
    reader = sdk_factory(DEMO_READONLY_CLIENT["client_id"], DEMO_READONLY_CLIENT["client_secret"])
    assert reader.call("list_workgroups").status_code == 200
    forbidden = reader.error("create_workgroup", reader.new_group("Nope"))
    assert forbidden.status == 403 and forbidden.data.detail_code == "403 Forbidden"

    emulator.set_faults({"rate_limit": {"requests": 1, "per_seconds": 60}})
    assert sdk.call("list_workgroups").status_code == 200
    limited = sdk.error("list_workgroups")
    assert limited.status == 429 and json.loads(limited.body) == {"message": " Rate Limit Exceeded "}  # FACTS section 2
    # SDK oddity: 1.4.x types the 429 `message` (and the 401 `error`) as an object; the spec leaves them untyped with a
    # string example, and ISC sends strings. So 1.4.x cannot parse the real bodies and leaves `data` empty; 2.x types
    # them Any and parses them.
    if FLAVOUR == "v1":
        assert limited.data.message == " Rate Limit Exceeded "
    assert int(dict(limited.headers)["Retry-After"]) >= 1

    emulator.set_faults({"rate_limit": None})
    emulator.revoke_tokens()
    unauthorized = sdk.error("get_workgroup", "0" * 32)
    assert unauthorized.status == 401 and json.loads(unauthorized.body)["error"].startswith("JWT validation failed")
    if FLAVOUR == "v1":  # 1.4.x types `error` as an object as well (see the 429 above), 2.x as Any
        assert "JWT" in unauthorized.data.error


def test_sdk_waits_for_retry_after_on_429(sdk: Sdk, emulator: Emulator) -> None:
    """With its default retries (urllib3), the SDK sleeps for Retry-After and repeats the call: it then succeeds."""
    emulator.set_faults({"rate_limit": {"requests": 1, "per_seconds": 1}})
    assert sdk.call("list_workgroups").status_code == 200
    assert sdk.call("list_workgroups").status_code == 200
    log = [e for e in emulator.requests() if e["operation"] == "listWorkgroups"]
    assert [e["status"] for e in log] == [200, 429, 200]
    assert log[2]["time"] - log[1]["time"] >= 0.9  # Retry-After: 1


# -------------------------------------------------------------------------------------------------- the paginator

def _paginator() -> Any:
    from sailpoint.paginator import Paginator  # pylint: disable=import-outside-toplevel
    return Paginator


def test_paginator_pages_groups_and_stops_at_its_default_cap(sdk: Sdk, emulator: Emulator) -> None:
    emulator.seed({"generate": {"identities": 3, "groups": 1010, "members_per_group": 0}})
    list_groups = sdk.method("list_workgroups", "")
    emulator.clear_requests()
    everything = _paginator().paginate(list_groups, 1100, limit=250)
    assert len(everything) == 1010 and len({g.id for g in everything}) == 1010
    assert [e["query"].get("offset") for e in emulator.requests()] == ["0", "250", "500", "750", "1000"]
    # Without a result limit the paginator stops at 1000 (FACTS section 10); without `limit` it pages by 250.
    assert len(_paginator().paginate(list_groups, None)) == 1000
    assert len(_paginator().paginate(list_groups, 300, limit=100, filters='name sw "Generated"', sorters="-name")) == 300


def test_paginator_on_the_50_capped_members_endpoint(sdk: Sdk, emulator: Emulator) -> None:
    emulator.seed({"generate": {"identities": 130}})
    people = [i for i in emulator.state.identities if i not in set(PEOPLE) | {OWNER, "f" * 32}][:120]
    emulator.seed({"groups": [{"id": "a" * 32, "name": "Big", "owner": OWNER, "members": people}]})
    list_members = sdk.method("list_workgroup_members", "")
    # FACTS section 10: without `limit` the paginator expects pages of 250; the endpoint's default (and max) is 50,
    # so the first short page ends the walk and only 50 of the 120 members come back.
    assert len(_paginator().paginate(list_members, None, workgroup_id="a" * 32)) == 50
    walked = _paginator().paginate(list_members, None, workgroup_id="a" * 32, limit=50)
    assert [m.id for m in walked] == people
    # ...and asking the SDK for a bigger page is refused client-side (limit le=50), before any request.
    emulator.clear_requests()
    with pytest.raises(Exception, match="less than or equal to 50"):
        _paginator().paginate(list_members, None, workgroup_id="a" * 32, limit=250)
    assert emulator.requests() == []
    stream = getattr(_paginator(), "paginate_stream", None)
    if stream is not None:  # 2.x only
        assert [m.id for m in stream(list_members, None, workgroup_id="a" * 32, limit=50)] == people


# ------------------------------------------------------------------------------------------------------- search

SEARCH_ATTRIBUTES = {PEOPLE[0]: ("Finance", "London", None), PEOPLE[1]: ("IAM", "London", PEOPLE[2]), PEOPLE[2]: ("IAM", "Austin", None),
                     PEOPLE[3]: ("Finance", "Austin", PEOPLE[0])}


class SearchSdk:
    """The SDK's Search API of one version: 1.4.x ``sailpoint.<version>`` (/<version>/search) or 2.x (/search/v1)."""

    def __init__(self, sdk: Sdk, version: str) -> None:
        # pylint: disable=import-outside-toplevel
        import importlib
        if version == "v1":
            from sailpoint import SearchApi
            from sailpoint.search import models
            self.suffix = "_v1"
            client = sdk.client
        else:  # each 1.4.x version has its own ApiClient, which puts /<version> into the path
            SearchApi = importlib.import_module("sailpoint.%s.api.search_api" % version).SearchApi  # noqa: N806
            models = importlib.import_module("sailpoint.%s.models" % version)
            self.suffix = ""
            client = importlib.import_module("sailpoint.%s.api_client" % version).ApiClient(sdk.config)
            sdk.extra_clients.append(client)
        self.models = models
        self.version = version
        self.api = SearchApi(client)

    def search(self, query: str, **fields: Any) -> Any:
        return self.models.Search(indices=["identities"], query=self.models.Query(query=query), **fields)

    def post(self, search: Any, **params: Any) -> Any:
        response = getattr(self.api, "search_post%s_with_http_info" % self.suffix)(search, **params)
        assert response.data == json.loads(response.raw_data)  # the SDK types documents as plain objects
        return response

    def count(self, search: Any) -> Any:
        return getattr(self.api, "search_count%s_with_http_info" % self.suffix)(search)


# 1.4.x: v2024 only (sailpoint.v2025 is the same API under another prefix, and importing it takes seconds).
SEARCH_VERSIONS = ["v2024"] if FLAVOUR == "v2024" else ["v1"]


@pytest.fixture(params=SEARCH_VERSIONS)
def searcher(request: Any, sdk: Sdk, emulator: Emulator) -> SearchSdk:
    emulator.seed({"identities": [
        _identity(ident, NAMES[PEOPLE.index(ident)], manager=manager,
                  attributes={"department": department, "location": location, "cloudLifecycleState": "active"})
        for ident, (department, location, manager) in SEARCH_ATTRIBUTES.items()]})
    return SearchSdk(sdk, request.param)


def test_search_query_count_and_paging(searcher: SearchSdk, emulator: Emulator) -> None:
    finance = searcher.post(searcher.search('attributes.department:finance AND NOT attributes.location:"Austin"'), count=True)
    assert [d["displayName"] for d in finance.data] == ["Ada Lovelace"] and finance.headers["X-Total-Count"] == "1"
    iam = searcher.post(searcher.search("attributes.department:IAM", sort=["-name"]))
    assert [(d["name"], d["manager"] and d["manager"]["name"]) for d in iam.data] == [("grace.hopper", None), ("alan.turing", "grace.hopper")]
    assert [d["isManager"] for d in iam.data] == [True, False]

    counted = searcher.count(searcher.search("_exists_:manager"))
    assert counted.status_code == 204 and counted.data is None and counted.headers["X-Total-Count"] == "2"

    page = searcher.post(searcher.search("*", sort=["name"]), offset=2, limit=3)
    assert [d["displayName"] for d in page.data] == ["Barbara Liskov", "Donald Knuth", "Edsger Dijkstra"]
    last = page.data[-1]
    after = searcher.post(searcher.search("*", sort=["name", "id"], search_after=[last["name"], last["id"]]), limit=2)
    assert [d["displayName"] for d in after.data] == ["Frances Allen", "Grace Hopper"]
    paths = {e["method"] + " " + e["path"] for e in emulator.requests() if e["operation"] in ("searchPost", "searchCount")}
    root = "/search/v1" if searcher.version == "v1" else "/%s/search" % searcher.version
    assert paths == {"POST " + root, "POST " + root + "/count"}


def test_search_result_filter_and_filters(searcher: SearchSdk) -> None:
    models = searcher.models
    trimmed = searcher.post(searcher.search("attributes.location:London", sort=["name"],
                                            query_result_filter=models.QueryResultFilter(includes=["id", "email"])))
    assert trimmed.data == [{"id": PEOPLE[0], "name": "ada.lovelace", "email": "ada.lovelace@example.com"},
                            {"id": PEOPLE[1], "name": "alan.turing", "email": "alan.turing@example.com"}]
    filters = {"attributes.department": models.Filter(type="TERMS", terms=["IAM"], exclude=True),
               "created": models.Filter(type="RANGE", range=models.Range(lower=models.Bound(value="2000-01-01", inclusive=True)))}
    kept = searcher.post(searcher.search("attributes.cloudLifecycleState:active", filters=filters, sort=["name"]))
    assert [d["displayName"] for d in kept.data] == ["Ada Lovelace", "Edsger Dijkstra"]


def test_search_errors(searcher: SearchSdk) -> None:
    with pytest.raises(Exception) as info:
        searcher.post(searcher.search("name:(ada"))
    assert info.value.status == 400 and "Invalid query" in _error_text(info.value)  # type: ignore[attr-defined]
    with pytest.raises(Exception) as info:
        searcher.post(searcher.search("*", sort=["id"], search_after=[PEOPLE[0]]), offset=5)
    assert info.value.status == 400  # type: ignore[attr-defined]


def test_search_paginator_walks_with_search_after(searcher: SearchSdk, emulator: Emulator) -> None:
    """The SDK's own searchAfter paginator (one sort field; it passes the last document's value on)."""
    everyone = _paginator().paginate_search(searcher.api, searcher.search("*", sort=["id"]), 3, 0)
    assert [d["id"] for d in everyone] == sorted(emulator.state.identities)


def test_search_with_an_app_client_without_user_context(searcher: SearchSdk, sdk_factory: Any, emulator: Emulator) -> None:
    emulator.seed({"clients": [{"client_id": "app", "client_secret": "s", "user_context": False, "scopes": ["sp:search:read"]}]})
    app = SearchSdk(sdk_factory("app", "s"), searcher.version)
    found = app.post(app.search('email:"grace.hopper@example.com"'))
    assert [d["id"] for d in found.data] == [PEOPLE[2]]


def test_search_documents_fit_the_sdk_identity_document(searcher: SearchSdk) -> None:
    """1.4.x has the IdentityDocument model (2.x types documents as plain objects): each document parses losslessly,
    apart from the DocumentFields (pod, org, _type, type, _version) that the spec adds in IdentityDocuments."""
    model = getattr(searcher.models, "IdentityDocument", None)
    if model is None:
        pytest.skip("this SDK line has no IdentityDocument model")
    for document in searcher.post(searcher.search("*")).data:
        core = {k: v for k, v in document.items() if k not in ("pod", "org", "_type", "type", "_version")}
        assert_lossless(core, _dump(model.from_dict(document)), document["name"])
