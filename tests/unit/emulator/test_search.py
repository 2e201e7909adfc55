"""POST /search and /search/count (identities index): query syntax, paging, searchAfter, count, result filter, auth.

Every answer goes through conftest.Api, which validates it against isc-v2024-search.yaml when the specs are present.
"""
from __future__ import annotations

import os
import re
import time

import pytest

import tests.emulator
from tests.emulator.search import SEARCH_400, analyse

A, B, G, J, Z, U = ("%s" % c * 32 for c in "abcdef")  # Ada, alan (B), Grace, John, Zoë, Uma


def person(ident, name, alias, email, created, department=None, title=None, location=None, state=None, **extra):
    first, _sep, last = name.partition(" ")
    attributes = {"department": department, "title": title, "location": location, "cloudLifecycleState": state} if department else None
    return dict({"id": ident, "name": name, "alias": alias, "email": email, "firstName": first, "lastName": last, "created": created,
                 "attributes": attributes}, **extra)


SEED = {"identities": [
    person(A, "Ada Lovelace", "ada.lovelace", "ada@example.com", "2023-01-10T08:00:00.000Z", "Finance", "Finance Director", "London", "active"),
    person(B, "Alan Turing", "alan.turing", "alan@example.com", "2023-06-01T08:00:00.000Z", "IAM", "Security Architect", "London", "active",
           manager=G),
    person(G, "Grace Hopper", "grace.hopper", "grace@example.com", "2024-02-01T08:00:00.000Z", "IAM", "Head of IAM", "Austin", "active"),
    person(J, "John Smith", "john.smith", "john@example.com", "2024-05-01T08:00:00.000Z", "Finance", "Accountant", "Austin", "inactive",
           manager=A, inactive=True),
    person(Z, "Zoë O'Brien-Núñez", "zoe.obrien", "zoe.o'brien+gov@example.com", "2025-01-01T08:00:00.000Z", "Legal", "Counsel", "Berlin",
           "prehire", manager=A),
    person(U, "Uma Uncorrelated", "uma.uncorrelated", None, "2022-01-01T08:00:00.000Z", correlated=False),
]}
NAMES = {A: "A", B: "B", G: "G", J: "J", Z: "Z", U: "U", "9" * 32: "N"}


@pytest.fixture(name="search")
def search_fixture(emulator, make_api):
    """search(query string, **other body keys) -> the matching identities' letters, sorted; the client is search.api."""
    emulator.seed(SEED)
    api = make_api()

    def run(text, version=None, params=None, **body):
        client = make_api(version) if version else api
        response = client.post("/search", json=dict({"indices": ["identities"], "query": {"query": text}}, **body), params=params)
        assert response.status_code == 200, response.text
        return "".join(sorted(NAMES[d["id"]] for d in response.json()))
    run.api = api
    return run


SYNTAX = [
    # field:value, case rules, .exact
    ("attributes.department:Finance", "AJ"),
    ("attributes.department:finance", "AJ"),
    ("attributes.department.exact:finance", ""),
    ("attributes.department.exact:Finance", "AJ"),
    ("attributes.uid:ada.lovelace", "A"),
    ("inactive:true", "J"),
    ("isManager:true", "AG"),
    # phrases: the words in a row, case-insensitive; quoting keeps special characters
    ('displayName:"Ada Lovelace"', "A"),
    ('displayName:"ada lovelace"', "A"),
    ("name:ada.lovelace", "A"),  # name is the login-style name (the spec's BaseDocument example john.doe)
    ("name:Ada", ""),  # ... so its one word is "ada.lovelace"
    ('attributes.title:"Head of IAM"', "G"),
    ("attributes.title:Head\\ of\\ IAM", "G"),
    ('email:"zoe.o\'brien+gov@example.com"', "Z"),
    ('attributes.email:"ADA@EXAMPLE.COM"', "A"),
    ('attributes.email.exact:"ADA@EXAMPLE.COM"', ""),
    ("manager.name:ada.lovelace", "JZ"),  # the spec's Search overview: manager.name:amanda.ross
    # wildcards and regular expressions
    ("name:A*", "AB"),
    ("name:?lan*", "B"),
    ("email:*example.com", "ABGJZ"),
    ('name:"A*"', ""),
    ("name:/gr.*/", "G"),
    # operators as Lucene's classic parser reads them (no precedence; README "Search"); spaces between terms are OR
    ("attributes.location:London attributes.location:Berlin", "ABZ"),
    ("attributes.department:Finance OR attributes.department:IAM AND attributes.location:Austin", "G"),  # IAM, Austin
    ("attributes.location:London AND attributes.department:IAM OR attributes.department:Legal", "B"),  # London, IAM
    # elastic/elasticsearch#9414: a AND b OR c AND d is +a +b +c +d (nobody here; with precedence it would be J and B)
    ("attributes.department:Finance AND attributes.location:Austin OR attributes.department:IAM AND attributes.location:London", ""),
    # elastic/elasticsearch#16328: age:13 OR type:1 AND age:35 OR type:1 found only the document with both
    ("attributes.location:Berlin OR attributes.department:IAM AND attributes.location:Austin OR attributes.department:IAM", "G"),
    ("attributes.department:Legal OR NOT attributes.location:London", "Z"),  # OR NOT: Legal, not London
    ("attributes.department:Legal OR (NOT attributes.location:London)", "GJUZ"),  # parentheses: a negative group
    ("(attributes.department:Finance OR attributes.department:IAM) AND attributes.location:Austin", "GJ"),
    ("NOT attributes.department:Finance AND attributes.location:Austin", "G"),
    ("attributes.department:(Finance OR Legal)", "AJZ"),
    ("attributes.department:(Finance Legal)", "AJZ"),
    ("+attributes.department:IAM -attributes.location:Austin", "B"),
    ("-attributes.department:IAM", "AJUZ"),
    ('attributes.cloudLifecycleState:active AND NOT manager.name:grace.hopper', "AG"),
    # ranges: dates (with date math), text
    ("created:[2023-01-01 TO 2023-12-31]", "AB"),
    ("created: [2022-05-19T19:26:03.351Z TO now]", "ABGJZ"),
    ("created:{2023-01-10T08\\:00\\:00.000Z TO *]", "BGJZ"),
    ("created:>=2024-01-01", "GJZ"),
    ("created:<2023-06-01", "AU"),
    ("created:[* TO now-100y]", ""),
    ("created:[now-100y/y TO now]", "ABGJUZ"),
    ("created:{now/d TO *]", ""),
    ("created:[now-1M/w TO now+1d]", ""),
    ("attributes.location:[Austin TO Berlin]", "GJZ"),
    # _exists_ and terms without a field
    ("_exists_:manager", "BJZ"),
    ("NOT _exists_:attributes.department", "U"),
    ("Finance", "AJ"),
    ("attributes.location:Austin London", "ABGJ"),  # "London" has no field: any field (SailPoint: spaces act as OR)
    ("attributes.department:Corporate Finance", "AJ"),
    ("*", "ABGJUZ"),
]


@pytest.mark.parametrize("query, expected", SYNTAX)
def test_query_syntax(search, query, expected):
    assert search(query) == expected


def test_query_fields_and_time_zone(search):
    """query.fields limits the terms without a field (the spec's example sends a list, its schema says string: both
    work); query.timeZone places zone-less dates (Ada was created 2023-01-10T08:00Z, i.e. 00:00 in Los Angeles)."""
    as_list = {"indices": ["identities"], "query": {"query": '"Ada Lovelace"', "fields": ["displayName"]}}
    assert letters(search.api.post("/search", json=as_list, validate_request=False)) == "A"  # the schema says string
    assert search("", query={"query": "Finance", "fields": "displayName"}) == ""
    window = "created:[2023-01-10T00\\:30\\:00 TO 2023-01-11]"
    assert search(window) == "A"
    assert search("", query={"query": window, "timeZone": "America/Los_Angeles"}) == ""
    assert search("", query={"query": window, "timeZone": "Asia/Tokyo"}) == "A"


# ----------------------------------------------------------------------------------- text analysis (issue 21)
# A tenant where words, phrases and .exact differ: three departments containing the word "Finance", a second
# "...ada@example.com", and identities on one email domain like the ambassador tenant of forum thread t/56523.
ANALYSED = {"identities": [
    person("1" * 32, "Fiona Finance", "fiona", "ada@example.com", "2023-01-01T00:00:00.000Z", "Finance", "Controller", "Sao Paulo", "active"),
    person("2" * 32, "Cora Corporate", "cora", "x-ada@example.com", "2023-01-01T00:00:00.000Z", "Corporate Finance", "Analyst", "London",
           "active"),
    person("3" * 32, "Otto Ops", "otto", "otto@example.com", "2023-01-01T00:00:00.000Z", "Finance Ops", "Clerk", "Paulo Sao", "active",
           manager="1" * 32),
    person("4" * 32, "Adam Kennedy", "adam.kennedy", "Adam.Kennedy@sailpointdemo.com", "2023-01-01T00:00:00.000Z", "Sales",
           "Account Executive", "London", "active"),
    person("5" * 32, "Bea Demo", "bea.demo", "bea.demo@sailpointdemo.com", "2023-01-01T00:00:00.000Z", "Sales", "Sales Manager",
           "Austin", "active"),
]}
ANALYSED["identities"][3]["attributes"]["costCenter"] = "US-1234"
ANALYSED_NAMES = {"1" * 32: "F", "2" * 32: "C", "3" * 32: "O", "4" * 32: "K", "5" * 32: "B"}

ANALYSIS = [
    # words, case-insensitive (SailPoint "Building a Search Query": london "contains the word london"; "Searches are
    # case insensitive"): a word matches inside a longer value
    ("attributes.location:london", "CK"),
    ("attributes.department:Finance", "CFO"),
    ("attributes.department:finance", "CFO"),
    # quoted: a phrase, its words in a row anywhere in the value (the help page's "sao paulo"); "Finance" is one word,
    # so the quotes change nothing for it (issue 21: README's department:"Finance" also matched Corporate Finance)
    ('attributes.location:"sao paulo"', "F"),
    ('attributes.department:"Finance"', "CFO"),
    ('attributes.department:"Corporate Finance"', "C"),
    ('attributes.department:"Finance Corporate"', ""),
    ('email:"ada@example.com"', "CF"),  # x-ada@example.com holds the words ada, example.com in a row
    # .exact: the whole value, case-sensitive ("use the .exact keyword to make a case-sensitive search")
    ('attributes.department.exact:"Finance"', "F"),
    ("attributes.department.exact:Finance", "F"),
    ("attributes.department.exact:finance", ""),
    ('email.exact:"ada@example.com"', "F"),
    # wildcards and regular expressions per word on analysed fields, on the whole value of .exact
    ("attributes.department:Fin*", "CFO"),
    ("attributes.department:*nance", "CFO"),
    ("attributes.department.exact:Fin*", "FO"),
    ("attributes.department.exact:*Finance", "CF"),
    ("attributes.department:/fin.*/", "CFO"),
    ("attributes.department.exact:/Finance.*/", "FO"),
    ("attributes.department:/finance ops/", ""),  # no word holds a space
    # forum t/56523 (Adam Kennedy on a tenant where everyone's email is @sailpointdemo.com), each row as reported there
    ("attributes.email:Adam.Kennedy@sailpointdemo.com", "BK"),  # "Returns ALL identities" (PLTDP-5347)
    ("attributes.email:Adam.Kennedy@sailpointdem", "K"),  # "Works"
    ("attributes.email:Adam.Kennedy@sailpointdem*", ""),  # "Does not work. Returns 0 results"
    ("attributes.email:Adam.Kennedy@", "K"),  # "Works"
    ("attributes.email:Adam.Kennedy@*", ""),  # "Returns 0 results"
    ("attributes.email:Adam.Kennedy", "K"),
    ("attributes.email:Adam.Kennedy*", "K"),
    # t/56519: the workarounds SailPoint staff gave, double quotes or the exact keyword
    ('attributes.email:"Adam.Kennedy@sailpointdemo.com"', "K"),
    ("attributes.email.exact:Adam.Kennedy@sailpointdemo.com", "K"),
    # other splitting punctuation answers the same way: US-1234 is the words us OR 1234
    ("attributes.costCenter:US-1234", "K"),
    ("attributes.costCenter:US-9999", "K"),
    ('attributes.costCenter:"US-9999"', ""),
    # &&, || and ! are the query-string syntax's AND, OR, NOT (Elasticsearch 5.2 query-string reference)
    ("attributes.department:finance && attributes.location:london", "C"),
    ("attributes.department:sales || attributes.location:london", "BCK"),
    ("attributes.department:finance && !attributes.location:london", "FO"),
    ('attributes.department:finance AND NOT attributes.department.exact:"Finance"', "CO"),
    # an unknown field matches nothing, so its negation matches everyone
    ('NOT attributes.departmnet:"Sales"', "BCFKO"),
    # name and manager.name are login-style names (one word: "adam.kennedy"), status is the cloud status
    ("name:adam.kennedy", "K"),
    ("name:adam", ""),
    ("manager.name:fiona", "O"),
    ("status:unregistered", "BCFKO"),
]


@pytest.mark.parametrize("query, expected", ANALYSIS)
def test_text_is_analysed_like_isc(emulator, make_api, query, expected):
    emulator.seed(ANALYSED)
    response = post(make_api(), {"query": {"query": query}})
    assert response.status_code == 200, response.text  # ISC answers 200 to unquoted values with "@" (t/56519)
    assert "".join(sorted(ANALYSED_NAMES[d["id"]] for d in response.json())) == expected


def test_standard_analyzer_words():
    """The words of values from the sources: t/56523's email, the issue's examples, UAX #29's rules for "." and "'"."""
    assert analyse("Adam.Kennedy@sailpointdemo.com") == ("adam.kennedy", "sailpointdemo.com")
    assert analyse("x-ada@example.com") == ("x", "ada", "example.com")
    assert analyse("Corporate Finance") == ("corporate", "finance")
    assert analyse("US-1234 R&D a/b") == ("us", "1234", "r", "d", "a", "b")
    assert analyse("Zoë O'Brien-Núñez v1.2 1,000.5") == ("zoë", "o'brien", "núñez", "v1.2", "1,000.5")


@pytest.mark.parametrize("query, text", [
    ("attributes.department:", "Invalid query"),
    ("(name:ada", "Invalid query"),
    ("name:ada AND", "Invalid query"),
    ("name:ada~", "fuzzy"),
    ("name:/[a-/", "bad regular expression"),
    ("created:[yesterday TO now]", "Failed to parse date"),
])
def test_bad_queries_are_400(search, query, text):
    response = search.api.post("/search", json={"indices": ["identities"], "query": {"query": query}})
    assert response.status_code == 400
    assert response.json()["detailCode"] == SEARCH_400
    assert text in response.json()["messages"][0]["text"]


def test_query_size_limit(search):
    """About 800 values per query (the spec's searchPost description): 800 pass, 801 are a 400, filters count too."""
    emails = ['"user%d@example.com"' % i for i in range(801)]
    assert search("email:(%s)" % " OR ".join(emails[:799] + ['"ada@example.com"'])) == "A"
    response = search.api.post("/search", json={"indices": ["identities"], "query": {"query": "email:(%s)" % " OR ".join(emails)}})
    assert response.status_code == 400 and "holds 801 values" in response.json()["messages"][0]["text"]
    terms = {"email": {"type": "TERMS", "terms": ["x%d" % i for i in range(800)]}}
    response = search.api.post("/search", json={"indices": ["identities"], "query": {"query": "*"}, "filters": terms})
    assert response.status_code == 400 and "holds 801 values" in response.json()["messages"][0]["text"]


def test_long_value_lists(emulator, make_api):
    """800 emails OR'ed in one query against 10,000 identities (how clients resolve references through search): the
    emulator evaluates such a list as one set lookup per document, case-insensitively unless .exact."""
    emulator.seed({"generate": {"identities": 10000}})
    wanted = [i["email"] for i in list(emulator.state.identities.values())[::12]][:800]
    api = make_api()

    def found(query):
        response = api.post("/search", json={"indices": ["identities"], "query": {"query": query}, "queryResultFilter": {"includes": ["email"]}},
                            params={"limit": 1000}, check=False)
        return sorted(d["email"] for d in response.json())

    assert found("email:(%s)" % " OR ".join('"%s"' % e.upper() for e in wanted)) == sorted(wanted)
    assert found(" OR ".join('email.exact:"%s"' % e for e in wanted[:400] + [e.upper() for e in wanted[400:]])) == sorted(wanted[:400])


def test_filters(search):
    """The request's ``filters`` map (TERMS, EXISTS, RANGE, each optionally excluding), combined with the query."""
    assert search("*", filters={"attributes.department": {"type": "TERMS", "terms": ["finance", "Legal"]}}) == "AJZ"
    assert search("*", filters={"manager": {"type": "EXISTS", "exclude": True}}) == "AGU"
    since_june = {"lower": {"value": "2023-06-01T08:00:00Z", "inclusive": True}}
    assert search("attributes.location:London", filters={"created": {"type": "RANGE", "range": since_june}}) == "B"
    assert search("*", filters={"created": {"type": "RANGE", "range": {"lower": {"value": "2023-06-01T08:00:00Z"}, "upper": {"value": "2024-05-01"}}}}) == "G"


def post(api, body=None, params=None, path="/search", **overrides):
    return api.post(path, json=dict({"indices": ["identities"], "query": {"query": "*"}}, **(body or {}), **overrides), params=params)


def letters(response):
    assert response.status_code == 200, response.text
    return "".join(NAMES[d["id"]] for d in response.json())


def test_sort(search):
    api = search.api
    assert letters(post(api, sort=["name"])) == "ABGJUZ"
    assert letters(post(api, sort=["-name"])) == "ZUJGBA"
    assert letters(post(api, sort=["+created"])) == "UABGJZ"
    # a field some documents lack: those come last in both directions (Elasticsearch's default)
    assert letters(post(api, sort=["attributes.department", "id"])) == "AJBGZU"
    assert letters(post(api, sort=["-attributes.department", "id"])) == "ZBGAJU"


def test_search_after(search):
    api = search.api
    assert letters(post(api, sort=["displayName", "id"], searchAfter=["Grace Hopper", G])) == "JUZ"
    assert letters(post(api, sort=["-displayName", "id"], searchAfter=["Grace Hopper", G])) == "BA"
    # sorting on a field shared by several documents without the id: ties with the searchAfter values are skipped,
    # which is why the spec says to always sort by id too
    assert letters(post(api, sort=["attributes.department"], searchAfter=["Finance"])) == "BGZU"
    assert letters(post(api, sort=["attributes.department", "id"], searchAfter=["Finance", A])) == "JBGZU"
    assert letters(post(api, sort=["created"], searchAfter=["2024-02-01T08:00:00.000Z"])) == "JZ"
    assert letters(post(api, sort=["isManager", "id"], searchAfter=["false", Z])) == "UAG"  # Uma's id (f...) > Zoë's (e...)


@pytest.mark.parametrize("body, params, text", [
    ({"searchAfter": [A]}, None, "searchAfter requires sort"),
    ({"sort": ["name", "id"], "searchAfter": ["Ada Lovelace"]}, None, "searchAfter has 1 value(s) but sort has 2"),
    ({"sort": ["id"], "searchAfter": [A]}, {"offset": 1}, "offset cannot be combined with searchAfter"),
    ({}, {"limit": 10001}, 'Query parameter "limit" must be between 0 and 10000'),
    ({}, {"limit": -1}, 'Query parameter "limit" must be between 0 and 10000'),
    ({}, {"offset": -1}, 'Query parameter "offset" must be 0 or greater'),
    ({}, {"limit": "ten"}, "expected an integer"),
    ({}, {"count": "yes"}, "expected true or false"),
    ({}, {"offset": 9990, "limit": 11}, "Result window is too large"),
    ({}, {"offset": 10000}, "Result window is too large"),  # the default limit (250) counts too
])
def test_paging_errors(search, body, params, text):
    response = post(search.api, body, params)
    assert response.status_code == 400, response.text
    assert text in response.json()["messages"][0]["text"]


def test_paging_and_count(emulator, make_api):
    emulator.seed({"generate": {"identities": 300}})
    api = make_api()
    ids = list(emulator.state.identities)
    assert [d["id"] for d in post(api).json()] == ids[:250]  # default limit 250, tenant order without sort
    response = post(api, params={"offset": 290, "limit": 50, "count": "true"})
    assert [d["id"] for d in response.json()] == ids[290:]
    assert response.headers["X-Total-Count"] == "300"
    assert "X-Total-Count" not in post(api, params={"limit": 1}).headers
    response = post(api, params={"limit": 0, "count": "true"})
    assert response.json() == [] and response.headers["X-Total-Count"] == "300"
    assert post(api, params={"offset": 9990, "limit": 10}).json() == []  # offset + limit = 10,000 is allowed
    # /search/count: 204 without a body, the total in X-Total-Count; paging parameters do not apply
    response = post(api, {"query": {"query": "name:A*"}}, {"limit": 1}, path="/search/count")
    assert response.status_code == 204 and response.content == b""
    assert response.headers["X-Total-Count"] == str(sum(1 for i in emulator.state.identities.values() if i["name"].startswith("A")))


def test_search_after_walks_past_ten_thousand(emulator, make_api):
    """With offset paging, 10,000 is the end; searchAfter sorted by id reaches every one of 10,050 identities."""
    emulator.seed({"generate": {"identities": 10050}})
    api = make_api("v2025")
    assert post(api, params={"offset": 10000, "limit": 1}).status_code == 400
    seen, after = [], None
    for _page in range(3):
        body = {"sort": ["id"], "queryResultFilter": {"includes": ["id"]}}
        if after:
            body["searchAfter"] = after
        # check=False: validating 10,000 documents against the spec would take seconds; the other tests validate them
        page = api.post("/search", json=dict({"indices": ["identities"], "query": {"query": "*"}}, **body), params={"limit": 10000},
                        check=False).json()
        if not page:
            break
        seen += [d["id"] for d in page]
        after = [page[-1]["id"]]
    assert seen == sorted(emulator.state.identities)


def test_query_result_filter(search):
    api = search.api

    def ada(result_filter):
        response = post(api, {"query": {"query": 'displayName.exact:"Ada Lovelace"'}}, queryResultFilter=result_filter)
        assert response.status_code == 200, response.text
        return response.json()[0]

    # id and name always stay: the spec marks them required on every document
    ada_ = {"id": A, "name": "ada.lovelace"}
    assert ada({"includes": ["attributes.department"]}) == dict(ada_, attributes={"department": "Finance"})
    # field names are case-sensitive: *name does not match displayName
    assert ada({"includes": ["email", "attributes.*name"]}) == dict(ada_, email="ada@example.com", attributes={"firstname": "Ada", "lastname": "Lovelace"})
    full = ada({})
    without = ada({"excludes": ["attributes", "manager", "name"]})
    assert without == {k: v for k, v in full.items() if k not in ("attributes", "manager")}
    assert ada({"includes": ["attributes"], "excludes": ["attributes.uid"]}) == dict(
        ada_, attributes={k: v for k, v in full["attributes"].items() if k != "uid"})


def test_identity_document(search):
    """The document of an identity with a manager: the spec's IdentityDocument fields, from the emulator's state."""
    doc = post(search.api, {"query": {"query": "attributes.uid:alan.turing"}}).json()[0]
    assert doc["id"] == B and (doc["name"], doc["displayName"]) == ("alan.turing", "Alan Turing")  # name: login-style (README)
    assert (doc["firstName"], doc["lastName"], doc["email"]) == ("Alan", "Turing", "alan@example.com")
    assert doc["manager"] == {"id": G, "name": "grace.hopper", "displayName": "Grace Hopper"}
    assert doc["status"] == doc["attributes"]["cloudStatus"] == "UNREGISTERED"  # the spec's documents: status = cloudStatus
    assert doc["isManager"] is False and doc["inactive"] is False and doc["_type"] == doc["type"] == "identity"
    assert doc["attributes"] == {"uid": "alan.turing", "firstname": "Alan", "lastname": "Turing", "displayName": "Alan Turing",
                                 "email": "alan@example.com", "cloudStatus": "UNREGISTERED", "identityState": "ACTIVE",
                                 "department": "IAM", "title": "Security Architect", "location": "London", "cloudLifecycleState": "active"}
    uma = post(search.api, {"query": {"query": "attributes.uid:uma.uncorrelated"}}).json()[0]
    assert uma["manager"] is None and "email" not in uma and "department" not in uma["attributes"]
    # GET /identities shows the same attribute map, and the lifecycle state
    john = search.api.get("/identities", params={"filters": 'alias eq "john.smith"'}).json()[0]
    assert john["attributes"]["department"] == "Finance" and john["lifecycleState"]["stateName"] == "inactive"


@pytest.mark.parametrize("indices, status, found", [
    (["identities"], 200, "ABGJUZ"),
    (["identities", "roles"], 200, "ABGJUZ"),
    (["roles"], 200, ""),  # the emulator holds no roles: an empty index
    (None, 400, "indices"),  # ISC would search every index and mix document types: refused
    (["*"], 400, "indices"),
    (["people"], 400, 'Invalid index "people"'),
])
def test_indices(search, indices, status, found):
    body = {"query": {"query": "*"}}
    if indices is not None:
        body["indices"] = indices
    response = search.api.post("/search", json=body)
    assert response.status_code == status, response.text
    if status == 200:
        assert "".join(sorted(letters(response))) == found
    else:
        assert found in response.json()["messages"][0]["text"]


@pytest.mark.parametrize("body, text", [
    ({"queryType": "DSL", "queryDsl": {"match_all": {}}}, "queryType DSL is not supported"),
    ({"queryType": "FUZZY"}, 'Invalid queryType "FUZZY"'),
    ({"query": {"fields": ["name"]}}, "requires"),
    ({"query": "name:ada"}, 'Field "query" must be an object'),
    ({"sort": "name"}, 'Field "sort" must be an array'),
    ({"queryResultFilter": {"includes": "id"}}, 'Field "queryResultFilter.includes" must be an array'),
    ({"filters": {"name": {"type": "PREFIX"}}}, 'Invalid filters.name.type "PREFIX"'),
    ({"filters": {"created": {"type": "RANGE", "range": {"lower": {"inclusive": True}}}}}, 'Field "filters.created.range.lower.value" is required'),
    ({"sort": None}, 'Field "sort" must be an array'),  # no Search property is nullable
    ({"includeNested": "yes"}, 'Field "includeNested" must be a boolean'),
    ({"textQuery": {"terms": ["a"], "fields": ["name"]}}, "textQuery is not supported by the emulator"),
])
def test_bad_bodies_are_400(search, body, text):
    response = post(search.api, **body)
    assert response.status_code == 400, response.text
    assert text in response.json()["messages"][0]["text"]


def test_body_is_required(search):
    response = search.api.post("/search")
    assert response.status_code == 400 and "Required request body is missing" in response.json()["messages"][0]["text"]


@pytest.mark.parametrize("version", ["v2024", "v2025", "v2026", "v1"])
def test_versions(search, version):
    assert search("attributes.department:IAM", version=version) == "BG"
    api = search.api.__class__(search.api.emu, version=version)
    assert post(api, path="/search/count").headers["X-Total-Count"] == "6"


def test_not_in_beta(search):
    """The beta spec has no /search (nor the beta SDK): 404 there."""
    response = search.api.session.post(search.api.emu.base_url + "/beta/search", json={"indices": ["identities"], "query": {"query": "*"}},
                                       headers={"Authorization": "Bearer " + search.api.token})
    assert response.status_code == 404


CLIENTS = [
    # (user context, scopes, expected status): sp:search:read or sp:scopes:all, with or without user context
    (False, ["sp:search:read"], 200),
    (False, ["sp:scopes:all"], 200),
    (True, ["sp:search:read"], 200),
    (False, ["idn:identity:read", "idn:workgroup:read"], 403),
    (True, ["sp:scopes:default", "idn:identity:read"], 403),
]


@pytest.mark.parametrize("user_context, scopes, status", CLIENTS)
def test_scopes(search, emulator, make_api, user_context, scopes, status):
    emulator.seed({"clients": [{"client_id": "c", "client_secret": "s", "user_context": user_context, "scopes": scopes}]})
    api = make_api(client_id="c", client_secret="s")
    for path in ("/search", "/search/count"):
        response = post(api, path=path)
        assert response.status_code == (status if path == "/search" or status != 200 else 204), response.text
        if status == 403:
            assert "sp:search:read" in response.json()["messages"][0]["text"]


def test_app_client_without_user_context_searches_where_identities_refuses(emulator, make_api):
    """The demo app client: no user context. GET /identities is userAuth only; search is not (FACTS.md section 12)."""
    emulator.reset(seed="demo")
    emulator.set_faults({"rate_limit": None})
    api = make_api(client_id="demo-app-client-id", client_secret="demo-app-client-secret")
    assert api.get("/identities", params={"filters": 'email eq "ada.lovelace@example.com"'}).status_code == 403
    response = post(api, {"query": {"query": 'email:"ada.lovelace@example.com"'}})
    assert [d["id"] for d in response.json()] == ["2c9180835d2e5168015d32f890ca1581"]


def test_rate_limit_per_client_and_version(search, emulator, make_api):
    emulator.set_faults({"rate_limit": {"requests": 2, "per_seconds": 60}})
    api = make_api()
    assert [post(api).status_code for _attempt in range(3)] == [200, 200, 429]
    assert post(make_api("v1")).status_code == 200  # another version, another bucket


def test_search_is_logged_as_a_read(search, emulator):
    emulator.clear_requests()
    post(search.api)
    entries = [e for e in emulator.requests() if e["operation"] == "searchPost"]
    assert len(entries) == 1 and entries[0]["mutating"] is False and entries[0]["version"] == "v2024"


def test_seeded_identities_see_changes(search, emulator):
    """No indexing delay: a seeded change shows in the next search."""
    assert search("attributes.department:Legal") == "Z"
    emulator.seed({"identities": [dict(SEED["identities"][4], attributes={"department": "Finance"})]})
    assert search("attributes.department:Legal") == ""
    assert search("attributes.department:Finance") == "AJZ"


def test_search_delay_models_eventual_consistency(search, emulator):
    """With search_delay_ms, search shows each identity as it was that long ago: a changed one with its old values,
    a new one not at all (FACTS.md section 12: seconds to minutes in ISC)."""
    emulator.set_faults({"rate_limit": None, "search_delay_ms": 500})
    time.sleep(0.55)  # the seeded identities are now older than the delay
    emulator.seed({"identities": [dict(SEED["identities"][4], attributes={"department": "Finance"}),
                                  person("9" * 32, "Nina New", "nina.new", "nina@example.com", "2025-02-01T08:00:00.000Z", "Finance")]})
    assert search("attributes.department:Finance") == "AJ"
    assert search("attributes.department:Legal") == "Z"
    assert search.api.post("/search/count", json={"indices": ["identities"], "query": {"query": "*"}}).headers["X-Total-Count"] == "6"
    time.sleep(0.55)
    assert search("attributes.department:Finance") == "AJNZ"
    assert search("attributes.department:Legal") == ""


@pytest.mark.parametrize("entry, message", [
    ({"attributes": ["Finance"]}, "'attributes' must be an object"),
    ({"attributes": {"department": {"name": "Finance"}}}, "attribute 'department' must be"),
    ({"manager": {"id": A}}, "'manager' must be an identity id"),
    ({"inactive": "yes"}, "'inactive' must be true or false"),
])
def test_seed_rejects_bad_identity_fields(emulator, entry, message):
    with pytest.raises(ValueError, match=message):
        emulator.seed({"identities": [dict({"name": "X"}, **entry)]})


def readme_demo_queries():
    """The (query, count) rows of the README's demo-tenant query table."""
    with open(os.path.join(os.path.dirname(tests.emulator.__file__), "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    table = text[text.index("Queries worth trying"):text.index("* **Groups**:")]
    return [(query, int(count)) for query, count in re.findall(r"^\s*\| `(.+)` \| ([0-9]+) \|$", table, re.MULTILINE)]


def test_readme_demo_queries(emulator, make_api):
    """Every query the README suggests for the demo tenant counts what the README says."""
    emulator.reset(seed="demo")
    emulator.set_faults({"rate_limit": None})
    api = make_api()
    rows = readme_demo_queries()
    assert len(rows) >= 8
    for query, expected in rows:
        response = post(api, {"query": {"query": query}}, path="/search/count")
        assert response.headers["X-Total-Count"] == str(expected), query
