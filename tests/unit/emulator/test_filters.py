"""The ``filters``/``sorters`` grammar: pure parser tests plus the per-endpoint rules over HTTP."""
from __future__ import annotations

import pytest

from tests.emulator.filters import FilterError, apply_filter, parse_filter, parse_sorters
from tests.unit.emulator.conftest import error_text

ALL_OPS = ("eq", "ne", "gt", "ge", "lt", "le", "co", "sw", "in", "ca", "pr", "isnull")
ALLOWED = {"name": ALL_OPS, "n": ALL_OPS, "tags": ALL_OPS, "flag": ALL_OPS, "opt": ALL_OPS}
RECORDS = [
    {"name": "Alpha", "n": 1, "tags": ["x", "y"], "flag": True, "opt": None},
    {"name": "beta", "n": 2, "tags": ["y"], "flag": False, "opt": "set"},
    {"name": "Gamma", "n": 3, "tags": [], "flag": True, "opt": None},
]


def names(text, records=None):
    return [r["name"] for r in apply_filter(records or RECORDS, text, ALLOWED, lambda rec, field: rec.get(field))]


@pytest.mark.parametrize("text,expected", [
    ('name eq "alpha"', ["Alpha"]),  # case-insensitive
    ('name ne "ALPHA"', ["beta", "Gamma"]),
    ('name gt "beta"', ["Gamma"]),
    ('name ge "BETA"', ["beta", "Gamma"]),
    ('name lt "beta"', ["Alpha"]),
    ('name le "beta"', ["Alpha", "beta"]),
    ('name co "MM"', ["Gamma"]),
    ('name sw "g"', ["Gamma"]),
    ('name in ("gamma","ALPHA")', ["Alpha", "Gamma"]),
    ('tags ca ("x","y")', ["Alpha"]),
    ('tags eq "y"', ["Alpha", "beta"]),
    ("tags pr", ["Alpha", "beta"]),
    ("tags isnull", ["Gamma"]),
    ("opt pr", ["beta"]),
    ("opt isnull", ["Alpha", "Gamma"]),
    ("n gt 1", ["beta", "Gamma"]),
    ("n le 2", ["Alpha", "beta"]),
    ("flag eq false", ["beta"]),
    ('flag eq "true"', ["Alpha", "Gamma"]),
    ("opt eq null", ["Alpha", "Gamma"]),
])
def test_each_operator(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text,expected", [
    # and binds tighter than or
    ('name eq "alpha" or name eq "beta" and n eq 3', ["Alpha"]),
    ('(name eq "alpha" or name eq "beta") and n eq 2', ["beta"]),
    # not binds tighter than and
    ('not name eq "alpha" and n lt 3', ["beta"]),
    ('not (name eq "alpha" or name eq "beta")', ["Gamma"]),
    ('not not name eq "beta"', ["beta"]),
    ('((name sw "a"))', ["Alpha"]),
])
def test_precedence_and_parentheses(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("stored,literal", [
    ('say "hi"', r'"say \"hi\""'),
    ("back\\slash", r'"back\\slash"'),
    ("a#b", '"a%23b"'),
    ("a%b", '"a%25b"'),
    ("a&b", '"a%26b"'),
    ("a#b", '"a#b"'),  # also accepted when the client did not add the extra encoding
    ("100%23", '"100%2523"'),  # decoded once only
    ("Zoë Ñúñez 東京", '"zoë ñúñez 東京"'),
])
def test_escapes_percent_and_non_ascii(stored, literal):
    records = [{"name": stored}, {"name": "other"}]
    assert names("name eq " + literal, records) == [stored]


@pytest.mark.parametrize("text,message", [
    ('name EQ "a"', 'unknown operator "EQ"'),
    ('name eq "a" AND n eq 1', 'unexpected "AND"'),
    ('name eq "a', "unterminated string"),
    ("name eq a", "must be double-quoted"),
    ('name eq "a" and', "unexpected end"),
    ('(name eq "a"', "unexpected end"),
    ('name eq "a")', 'unexpected ")"'),
    ('name in "a"', 'expected "(" to start a list'),
    (r'name eq "a\x"', "invalid escape"),
    ("", "empty expression"),
])
def test_syntax_errors(text, message):
    with pytest.raises(FilterError) as info:
        parse_filter(text, ALLOWED)
    assert message in str(info.value)


def test_unsupported_field_and_operator_messages():
    with pytest.raises(FilterError) as info:
        parse_filter('foo eq "a"', {"name": ("eq",)})
    assert 'not supported for field "foo"' in str(info.value) and "name" in str(info.value)
    with pytest.raises(FilterError) as info:
        parse_filter('name co "a"', {"name": ("eq", "sw")})
    assert str(info.value) == 'Operator "co" is not supported for field "name". Supported operators: eq, sw.'


def test_sorters_parse():
    assert parse_sorters("name,-modified", ("name", "modified")) == [("name", False), ("modified", True)]
    assert not parse_sorters(None, ("name",))
    for bad in ("created", "name,", "-"):
        with pytest.raises(FilterError):
            parse_sorters(bad, ("name", "modified"))


# --------------------------------------------------------------------------- over HTTP


@pytest.fixture(name="groups")
def groups_fixture(api, people):
    """Three groups; people[0] is a member of Alpha and Beta."""
    made = {name: api.create_group(name, people[0]) for name in ("Alpha #1", "Beta & Co", 'Gamma "100%"')}
    for name in ("Alpha #1", "Beta & Co"):
        api.post("/workgroups/%s/members/bulk-add" % made[name]["id"], json=[{"type": "IDENTITY", "id": people[0]}])
    return made


def test_group_filters_over_http(api, groups, people):
    def listed(filters):
        response = api.get("/workgroups", params={"filters": filters})
        assert response.status_code == 200, response.text
        return sorted(g["name"] for g in response.json())

    alpha, beta = groups["Alpha #1"]["id"], groups["Beta & Co"]["id"]
    assert listed('name eq "alpha %231"') == ["Alpha #1"]
    assert listed('name eq "beta %26 co"') == ["Beta & Co"]
    assert listed(r'name eq "gamma \"100%25\""') == ['Gamma "100%"']
    assert listed('name sw "GA"') == ['Gamma "100%"']
    assert listed('name in ("beta & co","alpha #1")') == ["Alpha #1", "Beta & Co"]
    assert listed('id eq "%s"' % alpha) == ["Alpha #1"]
    assert listed('id in ("%s","%s")' % (alpha, beta)) == ["Alpha #1", "Beta & Co"]
    assert listed('id sw "%s"' % alpha[:6]) == ["Alpha #1"]
    assert listed('memberships.identityId eq "%s"' % people[0]) == ["Alpha #1", "Beta & Co"]
    assert listed('memberships.identityId in ("%s")' % people[1]) == []
    assert listed('memberships.identityId eq "%s" and name sw "b"' % people[0]) == ["Beta & Co"]


@pytest.mark.parametrize("filters,message", [
    ('description eq "x"', 'Filtering is not supported for field "description"'),
    ('name co "x"', 'Operator "co" is not supported for field "name"'),
    ('memberships.identityId sw "x"', 'Operator "sw" is not supported for field "memberships.identityId"'),
    ('name EQ "x"', 'unknown operator "EQ"'),
    ('name eq "x" or', "unexpected end"),
])
def test_group_filter_errors_are_400(api, filters, message):
    response = api.get("/workgroups", params={"filters": filters})
    assert response.status_code == 400
    assert message in error_text(response)


@pytest.mark.parametrize("path,filters,message", [
    ("/identities", 'displayName eq "x"', 'field "displayName"'),
    ("/identities", 'alias co "x"', 'Operator "co"'),
    ("/identities", 'correlated ne true', 'Operator "ne"'),
    ("/public-identities", 'name eq "x"', 'field "name"'),  # public-identities has no name filter
    ("/public-identities", 'id sw "x"', 'Operator "sw"'),
])
def test_identity_filter_errors_are_400(api, path, filters, message):
    response = api.get(path, params={"filters": filters})
    assert response.status_code == 400
    assert message in error_text(response)


@pytest.mark.parametrize("path,sorters", [
    ("/workgroups", "memberCount"), ("/workgroups", "name,-owner"), ("/identities", "email"), ("/public-identities", "alias"),
])
def test_unsupported_sorters_are_400(api, path, sorters):
    response = api.get(path, params={"sorters": sorters})
    assert response.status_code == 400
    assert "Sorting is not supported" in error_text(response)


def test_member_and_connection_sorters(api, emulator, groups, people):
    gid = groups["Alpha #1"]["id"]
    api.post("/workgroups/%s/members/bulk-add" % gid, json=[{"type": "IDENTITY", "id": i} for i in people[1:6]])
    members = api.get("/workgroups/%s/members" % gid, params={"sorters": "-name"}).json()
    expected = sorted((emulator.state.identities[i]["name"] for i in people[0:6]), key=str.lower, reverse=True)
    assert [m["name"] for m in members] == expected
    for path in ("members", "connections"):
        response = api.get("/workgroups/%s/%s" % (gid, path), params={"sorters": "id"})
        assert response.status_code == 400 and 'field "id"' in error_text(response)
