# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugins/module_utils/_filters.py: quoting, escaping and composition (pure, no HTTP)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._filters import any_of, batched, eq, escape, in_, literal, or_


@pytest.mark.parametrize("raw, escaped", [
    ("plain", "plain"),
    ('say "hi"', 'say \\"hi\\"'),
    ("back\\slash", "back\\\\slash"),
    ("#1", "%231"),
    ("100%", "100%25"),
    ("R&D", "R%26D"),
    ("%23", "%2523"),  # a literal %23 must not turn into # on the server
    ('\\"', '\\\\\\"'),  # backslash then quote: each escaped once
    ("Ærø – 東京", "Ærø – 東京"),  # non-ASCII is left to the URL encoding
])
def test_escape(raw, escaped):
    assert escape(raw) == escaped


def test_comparisons_quote_and_escape_values():
    assert eq("name", 'A "B" #1 & 50%') == 'name eq "A \\"B\\" %231 %26 50%25"'
    assert eq("n", 1) == "n eq 1" and eq("n", -2.5) == "n eq -2.5"
    assert eq("correlated", False) == "correlated eq false"
    assert eq("memberships.identityId", "abc") == 'memberships.identityId eq "abc"'


def test_in_list():
    assert in_("id", ["a", 'b"c']) == 'id in ("a","b\\"c")'
    assert in_("id", iter(["only"])) == 'id in ("only")'
    with pytest.raises(ValueError):
        in_("id", [])


@pytest.mark.parametrize("field", ["", "na me", "name)", 'x"', "1abc", "a..b", None])
def test_bad_field_names_are_refused(field):
    with pytest.raises(ValueError):
        eq(field, "x")


@pytest.mark.parametrize("value", [None, ["a"], {"a": 1}, object()])
def test_bad_values_are_refused(value):
    with pytest.raises(TypeError):
        literal(value)


def test_or_joins_comparisons():
    a, b, c = eq("a", "1"), eq("b", "2"), eq("c", "3")
    assert or_(a, b, c) == 'a eq "1" or b eq "2" or c eq "3"'
    assert or_(a) == a
    # keywords inside values never change the structure
    assert or_(eq("name", 'x" or name eq "y'), c) == 'name eq "x\\" or name eq \\"y" or c eq "3"'


@pytest.mark.parametrize("args", [(), ("",), ("  ",), (None,)])
def test_or_refuses_empty(args):
    with pytest.raises(ValueError):
        or_(*args)


# ------------------------------------------------------------------ batched
def _in_name(chunk):
    return in_("name", chunk)


def test_batched_keeps_order_and_bounds_the_count():
    values = ["g%03d" % i for i in range(7)]
    filters = batched(_in_name, values, max_values=3)
    assert filters == [in_("name", values[0:3]), in_("name", values[3:6]), in_("name", values[6:])]
    assert batched(_in_name, []) == []


def test_batched_bounds_the_encoded_length_and_gives_a_long_value_its_own_filter():
    values = ["a" * 30, "b&" * 10, "c" * 200, "d"]
    filters = batched(_in_name, values, max_values=50, max_length=120)
    assert [f for f in filters if len(quote(f, safe="")) > 120] == [in_("name", ["c" * 200])]
    assert filters[-1] == in_("name", ["d"])
    covered = [value for f in filters for value in values if literal(value) in f]
    assert covered == values  # every value exactly once, in order


def test_any_of_is_eq_for_one_value_and_in_for_several_in_chunks_of_50():
    assert any_of("name", ['Say "hi"']) == ['name eq "Say \\"hi\\""']
    names = ["g%02d" % i for i in range(51)]
    filters = any_of("name", names)
    assert filters[0] == in_("name", names[:50]) and filters[1] == 'name eq "g50"'
