"""GET /identities (v2024 and v1) and GET /public-identities: filters, defaultFilter, sorters, shapes."""
from __future__ import annotations

import pytest

from tests.emulator.seed import generated_identity

SEED = {"identities": [
    {"id": "1" * 32, "name": "Ada Lovelace", "alias": "ada.lovelace", "email": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace"},
    {"id": "2" * 32, "name": "Alan Turing", "alias": "alan.turing", "email": "alan@example.com", "firstName": "Alan", "lastName": "Turing",
     "cloudStatus": "REGISTERED"},
    {"id": "3" * 32, "name": "Grace Hopper", "alias": "grace.hopper", "email": None, "firstName": "Grace", "lastName": "Hopper",
     "correlated": False},
    {"id": "4" * 32, "name": "Édith Piaf", "alias": "edith.piaf", "email": "edith@example.com", "firstName": "Édith", "lastName": "Piaf",
     "protected": True, "processingState": "ERROR"},
]}


@pytest.fixture(name="seeded")
def seeded_fixture(emulator):
    emulator.seed(SEED)


def ids(response):
    assert response.status_code == 200, response.text
    return [i["id"][0] for i in response.json()]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("version", ["v2024", "v2026", "v1"])
def test_default_filter_hides_uncorrelated(make_api, version):
    api = make_api(version)
    default = api.get("/identities", params={"count": "true"})
    assert ids(default) == ["1", "2", "4"] and default.headers["X-Total-Count"] == "3"
    assert ids(api.get("/identities", params={"defaultFilter": "NONE"})) == ["1", "2", "3", "4"]
    assert ids(api.get("/identities", params={"defaultFilter": "CORRELATED_ONLY", "filters": 'alias sw "g"'})) == []
    assert ids(api.get("/identities", params={"defaultFilter": "NONE", "filters": "correlated eq false"})) == ["3"]
    bad = api.get("/identities", params={"defaultFilter": "ALL"}, validate_request=False)
    assert bad.status_code == 400


@pytest.mark.usefixtures("seeded")
def test_identity_shape(api):
    ada = api.get("/identities", params={"filters": 'id eq "%s"' % ("1" * 32)}).json()[0]
    assert (ada["id"], ada["name"], ada["alias"], ada["emailAddress"]) == ("1" * 32, "Ada Lovelace", "ada.lovelace", "ada@example.com")
    assert "email" not in ada  # IdentityDto says emailAddress
    assert ada["attributes"]["firstname"] == "Ada" and ada["attributes"]["uid"] == "ada.lovelace"
    public = api.get("/public-identities", params={"filters": 'alias eq "ada.lovelace"'}).json()[0]
    assert (public["id"], public["name"], public["alias"], public["email"]) == ("1" * 32, "Ada Lovelace", "ada.lovelace", "ada@example.com")
    assert "emailAddress" not in public


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("filters,expected", [
    ('id in ("%s","%s")' % ("1" * 32, "4" * 32), ["1", "4"]),
    ('name eq "ada lovelace"', ["1"]),
    ('name sw "A"', ["1", "2"]),
    ('alias eq "ALAN.TURING"', ["2"]),
    ('firstname eq "édith"', ["4"]),
    ('lastname sw "hop"', ["3"]),
    ('email sw "ada@"', ["1"]),
    ('cloudStatus eq "registered"', ["2"]),
    ('processingState eq "ERROR"', ["4"]),
    ("protected eq true", ["4"]),
    ('correlated eq true and not name sw "a"', ["4"]),
    ('alias eq "ada.lovelace" or alias eq "grace.hopper"', ["1", "3"]),
])
def test_identity_filters(api, filters, expected):
    assert ids(api.get("/identities", params={"filters": filters, "defaultFilter": "NONE"})) == expected


@pytest.mark.usefixtures("seeded")
def test_identity_sorters(api):
    assert ids(api.get("/identities", params={"sorters": "-name", "defaultFilter": "NONE"})) == ["4", "3", "2", "1"]
    assert ids(api.get("/identities", params={"sorters": "-cloudStatus,alias"})) == ["1", "4", "2"]


@pytest.mark.usefixtures("seeded")
def test_public_identities(api):
    assert ids(api.get("/public-identities")) == ["1", "2", "3", "4"]  # no defaultFilter here
    assert ids(api.get("/public-identities", params={"add-core-filters": "true"})) == ["1", "2", "4"]
    assert ids(api.get("/public-identities", params={"filters": 'email sw "EDITH"'})) == ["4"]
    assert ids(api.get("/public-identities", params={"sorters": "-name"})) == ["4", "3", "2", "1"]
    grace = api.get("/public-identities", params={"filters": 'firstname eq "grace"'}).json()[0]
    assert grace["email"] is None


@pytest.mark.usefixtures("seeded")
def test_public_identities_v1(make_api):
    """GET /public-identities/v1 exists (the official python SDK 2.x calls it); same PublicIdentity shape as v2024."""
    v1 = make_api("v1")
    assert ids(v1.get("/public-identities", params={"sorters": "-name"})) == ["4", "3", "2", "1"]
    assert v1.get("/public-identities").json() == make_api("v2024").get("/public-identities").json()


@pytest.mark.parametrize("version", ["v2024", "v1"])
def test_identity_dto_has_only_schema_properties(make_api, emulator, version):
    """IdentityDto carries exactly the full schema's properties (v1 spec, SDK model): no `protected` (found by the SDK
    tests). An identity without alias leaves `alias` out: it is a non-nullable string (null broke the contract)."""
    api = make_api(version)
    emulator.seed({"identities": [{"id": "p", "name": "Pat Protected", "protected": True},
                                  {"id": "q", "name": "Quinn Aliased", "alias": "quinn"}]})
    with_alias = api.get("/identities", params={"filters": 'alias eq "quinn"'}).json()[0]
    assert set(with_alias) == {"id", "name", "created", "modified", "alias", "emailAddress", "processingState", "identityStatus",
                               "managerRef", "isManager", "lastRefresh", "attributes", "lifecycleState"}
    without = api.get("/identities", params={"filters": "protected eq true"}).json()  # still filterable
    assert [i["id"] for i in without] == ["p"] and "alias" not in without[0] and "protected" not in without[0]
    public = api.get("/public-identities", params={"filters": 'id eq "p"'}).json()[0]
    assert "alias" not in public and public["email"] is None  # email is nullable, alias is not


def test_generator_is_deterministic_and_paged(api, emulator):
    emulator.seed({"generate": {"identities": 600, "uncorrelated_every": 100}})
    assert generated_identity(5) == generated_identity(5)
    first = emulator.state.identities[generated_identity(0)["id"]]
    assert (first["name"], first["alias"], first["email"]) == ("Aaron Adams", "aaron.adams", "aaron.adams@example.com")
    response = api.get("/identities", params={"count": "true", "limit": 250, "offset": 250})
    assert response.headers["X-Total-Count"] == "594" and len(response.json()) == 250
    aliases = {i["alias"] for i in emulator.state.identities.values()}
    assert len(aliases) == 600
