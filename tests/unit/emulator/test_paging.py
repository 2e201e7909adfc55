"""offset/limit/count paging: per-endpoint defaults and maxima, edges around them, X-Total-Count, sorting."""
from __future__ import annotations

import pytest

from tests.emulator.seed import generated_identity
from tests.unit.emulator.conftest import error_text

EDGES = (0, 1, 50, 51, 250, 251)


def page_all(api, path, limit, **params):
    """Collect every item by paging with ``limit`` (stops on an empty page, not a short one)."""
    items, offset = [], 0
    while True:
        page = api.get(path, params=dict(params, offset=offset, limit=limit))
        assert page.status_code == 200, page.text
        assert len(page.json()) <= limit
        if not page.json():
            return items
        items.extend(page.json())
        offset += limit


@pytest.mark.parametrize("count", EDGES)
def test_group_paging_edges(api, emulator, people, count):
    emulator.seed({"groups": [{"name": "G%03d" % i, "owner": people[0]} for i in range(count)]})
    first = api.get("/workgroups", params={"count": "true"})
    assert first.status_code == 200
    assert len(first.json()) == min(count, 250)  # default limit is the maximum, 250
    assert first.headers["X-Total-Count"] == str(count)
    for limit in (50, 250):
        ids = [g["id"] for g in page_all(api, "/workgroups", limit)]
        assert len(ids) == count and len(set(ids)) == count
    sorted_names = [g["name"] for g in page_all(api, "/workgroups", 50, sorters="-name")]
    assert sorted_names == sorted(("G%03d" % i for i in range(count)), reverse=True)


@pytest.mark.parametrize("count", EDGES)
def test_member_paging_edges(api, emulator, people, count):
    emulator.seed({"generate": {"identities": 300}})
    ids = [generated_identity(i)["id"] for i in range(count)]
    emulator.seed({"groups": [{"id": "c" * 32, "name": "Big", "owner": people[0], "members": ids}]})
    first = api.get("/workgroups/%s/members" % ("c" * 32), params={"count": "true"})
    assert len(first.json()) == min(count, 50)  # default limit is the maximum, 50
    assert first.headers["X-Total-Count"] == str(count)
    assert api.get("/workgroups/" + "c" * 32).json()["memberCount"] == count
    members = page_all(api, "/workgroups/%s/members" % ("c" * 32), 50)
    assert [m["id"] for m in members] == ids
    assert all(set(m) == {"type", "id", "name", "email"} and m["type"] == "IDENTITY" for m in members)


@pytest.mark.parametrize("path,maximum", [("/workgroups", 250), ("/identities", 250), ("/public-identities", 250),
                                          ("/workgroups/%s/members" % ("c" * 32), 50), ("/workgroups/%s/connections" % ("c" * 32), 50)])
def test_limit_bounds(api, emulator, people, path, maximum):
    emulator.seed({"groups": [{"id": "c" * 32, "name": "G", "owner": people[0]}]})
    assert api.get(path, params={"limit": maximum}).status_code == 200
    for params in ({"limit": maximum + 1}, {"limit": -1}, {"offset": -1}, {"limit": "ten"}, {"offset": "1.5"}, {"count": "maybe"}):
        response = api.get(path, params=params)
        assert response.status_code == 400, params
        assert list(params)[0] in error_text(response)
    too_big = api.get(path, params={"limit": maximum + 1})
    assert str(maximum) in error_text(too_big)


def test_limit_zero_offset_beyond_and_count(api, emulator, people):
    emulator.seed({"groups": [{"name": "G%d" % i, "owner": people[0]} for i in range(5)]})
    zero = api.get("/workgroups", params={"limit": 0, "count": "true"})
    assert zero.json() == [] and zero.headers["X-Total-Count"] == "5"
    beyond = api.get("/workgroups", params={"offset": 10, "count": "true"})
    assert beyond.json() == [] and beyond.headers["X-Total-Count"] == "5"
    middle = api.get("/workgroups", params={"offset": 1, "limit": 2})
    assert [g["name"] for g in middle.json()] == ["G1", "G2"]
    assert "X-Total-Count" not in middle.headers  # only with count=true
    filtered = api.get("/workgroups", params={"filters": 'name in ("G1","G3")', "count": "TRUE", "limit": 1})
    assert filtered.headers["X-Total-Count"] == "2" and len(filtered.json()) == 1


def test_group_sorters(api, emulator, people):
    emulator.seed({"groups": [
        {"id": "1" * 32, "name": "b", "description": "z", "owner": people[0], "created": "2024-01-02T00:00:00.000Z"},
        {"id": "2" * 32, "name": "A", "description": "y", "owner": people[0], "created": "2024-01-03T00:00:00.000Z"},
        {"id": "3" * 32, "name": "c", "description": "x", "owner": people[0], "created": "2024-01-01T00:00:00.000Z"},
    ]})

    def order(sorters):
        return [g["id"][0] for g in api.get("/workgroups", params={"sorters": sorters}).json()]

    assert order("name") == ["2", "1", "3"]  # case-insensitive
    assert order("-name") == ["3", "1", "2"]
    assert order("created") == ["3", "1", "2"]
    assert order("-modified") == ["2", "1", "3"]
    assert order("-id") == ["3", "2", "1"]
    assert order("description") == ["3", "2", "1"]
    assert order("") == ["1", "2", "3"]  # insertion order by default
