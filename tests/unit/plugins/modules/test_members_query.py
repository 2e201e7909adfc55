# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""members_query (workgroups, workgroup_members) and identity_info end to end: main() over real HTTP to the emulator's search."""

from __future__ import annotations

import time

import pytest

from ansible_collections.sailpoint.isc.plugins.modules import identity_info, workgroup_members, workgroups
from tests.emulator.seed import generated_identity

from ._run import diff_sides, mutations, ops, run_module

COUNT = 400
PEOPLE = [generated_identity(i) for i in range(COUNT)]
OWNER = PEOPLE[1]["id"]
APP = {"client_id": "mq-app", "client_secret": "mq-app-secret", "user_context": False, "scopes": ["sp:scopes:all"]}
AS_APP = {"client_id": APP["client_id"], "client_secret": APP["client_secret"]}
QUERY = 'attributes.department:"Finance" AND attributes.cloudLifecycleState:"active"'


def wanted(department="Finance", state="active"):
    """The ids of the seeded identities the seed gave ``department`` and lifecycle ``state`` (the tenant's data, not the code's)."""
    return {p["id"] for p in PEOPLE if p["attributes"]["department"] == department and p["attributes"]["cloudLifecycleState"] == state}


@pytest.fixture
def tenant(emulator):
    emulator.seed({"generate": {"identities": COUNT}, "clients": [APP]})
    return emulator


def converge(emulator, capsys, groups, **args):
    emulator.clear_requests()
    return run_module(workgroups.main, emulator, capsys, groups=groups, **args)


def members(emulator, name):
    found = [g for g in emulator.state.dump()["groups"] if g["name"] == name]
    return set(found[0]["members"]) if found else None


def test_a_group_follows_its_query_with_an_api_client_without_user_context(tenant, capsys):
    finance = wanted()
    assert 20 < len(finance) < 60  # the seed's data makes the query worth running
    groups = [{"name": "Finance Active", "owner": OWNER, "members_query": QUERY, "members": [{"email": PEOPLE[3]["email"]}]}]
    plan = converge(tenant, capsys, groups, check_mode=True, diff=True, **AS_APP)
    assert not plan.failed and plan["changed"] and mutations(plan.requests) == [] and members(tenant, "Finance Active") is None
    spread = {"attributes.department": {"Finance": len(finance)}, "attributes.cloudLifecycleState": {"active": len(finance)}}
    assert plan["plan"]["queries"] == [{"name": "Finance Active", "id": None, "query": QUERY, "matched": len(finance), "spread": spread,
                                        "members_add": len(finance) + 1, "members_remove": 0, "refused": None}]
    assert "    query %r matches %d identities" % (QUERY, len(finance)) in plan["summary"]
    assert "      attributes.department: Finance %d" % len(finance) in plan["summary"]
    assert len(diff_sides(plan)["after"]["Finance Active"]["members"]) == len(finance) + 1

    done = converge(tenant, capsys, groups, **AS_APP)
    assert not done.failed and done["changed"] and members(tenant, "Finance Active") == finance | {PEOPLE[3]["id"]}
    # one search for the query; the email goes to /identities first (the cheaper tie), is refused (403) and then searched;
    # three counts check the query: the tenant's identities and one per attribute it names
    counts = ops(done.requests)
    # the query, the email, the owner's id checked to exist (search: the API client may not read /identities)
    assert counts["searchPost"] == 3 and counts["listIdentities"] == 1 and counts["searchCount"] == 3

    again = converge(tenant, capsys, groups, full_result=True, **AS_APP)
    assert not again.failed and not again["changed"] and mutations(again.requests) == []
    assert again["plan"]["queries"][0]["matched"] == len(finance) and again["plan"]["unchanged"] == ["Finance Active"]

    # an identity leaves Finance: the next run removes it, and only it
    leaver = sorted(finance)[0]
    record = next(p for p in PEOPLE if p["id"] == leaver)
    tenant.seed({"identities": [dict(record, attributes={"department": "Sales", "cloudLifecycleState": "active"})]})
    moved = converge(tenant, capsys, groups, **AS_APP)
    assert not moved.failed and moved["plan"]["to_update"][0]["members_remove"] == [{"id": leaver, "name": record["name"]}]
    assert members(tenant, "Finance Active") == (finance - {leaver}) | {PEOPLE[3]["id"]}


def test_a_bad_query_fails_before_any_write_naming_the_group_and_iscs_message(tenant, capsys):
    groups = [{"name": "Good", "owner": OWNER, "members": [OWNER]},
              {"name": "Bad", "owner": OWNER, "members_query": "created:[yesterday TO now]"}]
    result = converge(tenant, capsys, groups)
    assert result.failed and mutations(result.requests) == [] and members(tenant, "Good") is None
    assert result["msg"].startswith("Could not resolve the identities (references and members queries), nothing was changed: "
                                    "groups[1] \"Bad\": members_query 'created:[yesterday TO now]' was refused by ISC's search (HTTP 400): ")
    assert "Failed to parse date" in result["msg"]  # ISC's (the emulator's) own message
    # a query that does not even parse is refused before any request
    unparsable = converge(tenant, capsys, [groups[0], dict(groups[1], members_query='attributes.department:("Finance"')])
    assert unparsable.failed and unparsable.requests == []
    assert unparsable["msg"].startswith("Invalid groups, nothing was read or changed: groups[1] \"Bad\": members_query "
                                        "'attributes.department:(\"Finance\"' is not a valid search query (")


def test_an_unquoted_email_in_a_query_is_refused_before_any_request(tenant, capsys):
    # ISC matched every identity for an unquoted full email (https://developer.sailpoint.com/discuss/t/56519): such a
    # query would make everyone a member
    groups = [{"name": "One Person", "owner": OWNER, "members_query": "attributes.email:%s" % PEOPLE[3]["email"]}]
    result = converge(tenant, capsys, groups)
    assert result.failed and result.requests == []
    assert "members_query 'attributes.email:%s' has unquoted values that ISC's search splits into words" % PEOPLE[3]["email"] in result["msg"]
    assert 'as in attributes.email:"%s" or attributes.email.exact:"%s"' % (PEOPLE[3]["email"], PEOPLE[3]["email"]) in result["msg"]
    quoted = converge(tenant, capsys, [dict(groups[0], members_query='attributes.email:"%s"' % PEOPLE[3]["email"])])
    assert not quoted.failed and members(tenant, "One Person") == {PEOPLE[3]["id"]}


def test_the_guards_leave_their_group_alone_and_fail_it_while_the_others_converge(tenant, capsys):
    finance = sorted(wanted())
    tenant.seed({"groups": [{"id": "c" * 32, "name": "Shrinking", "owner": OWNER, "members": finance}]})
    shrink = 'attributes.department:"Finance" AND attributes.cloudLifecycleState:"active" AND attributes.location:"Austin"'
    groups = [{"name": "Nobody", "owner": OWNER, "members_query": 'attributes.department:"Nonexistent"'},
              {"name": "Shrinking", "members_query": shrink},
              {"name": "Fine", "owner": OWNER, "members_query": QUERY}]
    result = converge(tenant, capsys, groups)
    assert result.failed
    assert members(tenant, "Nobody") is None and members(tenant, "Shrinking") == set(finance) and members(tenant, "Fine") == set(finance)
    refused = {failure["name"]: failure for failure in result["failures"]}
    assert set(refused) == {"Nobody", "Shrinking"} and all(f["action"] == "members query" for f in refused.values())
    assert "matched no identity" in refused["Nobody"]["message"] and "allow_empty_query" in refused["Nobody"]["message"]
    assert "more than max_removed_percent (50%)" in refused["Shrinking"]["message"]
    assert '"Nobody" members query: members_query' in result["msg"] and "Review the refused members queries" in result["msg"]
    # the limit raised on purpose for this run lets it through; an empty result allowed on purpose creates the group empty
    groups[1]["max_removed_percent"] = 100
    groups[0]["allow_empty_query"] = True
    result = converge(tenant, capsys, groups)
    assert not result.failed and result["changed"]
    assert members(tenant, "Nobody") == set() and members(tenant, "Shrinking") == {p for p in finance if p in austin(finance)}


def austin(ids):
    return {p["id"] for p in PEOPLE if p["id"] in ids and p["attributes"]["location"] == "Austin"}


def test_workgroup_members_with_a_query(tenant, capsys):
    tenant.seed({"groups": [{"id": "d" * 32, "name": "Finance", "owner": OWNER, "members": [OWNER] + sorted(wanted())[:3]}]})
    args = dict(workgroup_name="Finance", members_query=QUERY, exclusive=True)
    tenant.clear_requests()
    # 43 additions to a group of 4 is more than max_added_percent (100) allows: refused, check mode included
    refused = run_module(workgroup_members.main, tenant, capsys, check_mode=True, **dict(args, **AS_APP))
    share = -(-(len(wanted()) - 3) * 100 // 4)
    assert refused.failed and mutations(refused.requests) == []
    assert "would add %d members to the 4 current ones (%d%%), more than max_added_percent (100%%)" % (len(wanted()) - 3, share) \
        in refused["msg"] and "set max_added_percent to %d or more" % share in refused["msg"]
    args["max_added_percent"] = share
    tenant.clear_requests()
    plan = run_module(workgroup_members.main, tenant, capsys, check_mode=True, **dict(args, **AS_APP))
    assert not plan.failed and plan["changed"] and mutations(plan.requests) == []
    assert plan["query"]["matched"] == len(wanted()) and plan["removed_count"] == 1 and plan["added_count"] == len(wanted()) - 3
    done = run_module(workgroup_members.main, tenant, capsys, **dict(args, **AS_APP))
    assert not done.failed and members(tenant, "Finance") == wanted()
    # the query and the listed members together, additively; state=absent removes the identities the query matches
    gone = run_module(workgroup_members.main, tenant, capsys, workgroup_name="Finance", state="absent", max_removed_percent=100,
                      members_query='attributes.department:"Finance" AND attributes.location:"Austin"')
    assert not gone.failed and members(tenant, "Finance") == wanted() - austin(wanted())
    refused = run_module(workgroup_members.main, tenant, capsys, workgroup_name="Finance", exclusive=True,
                         members_query='attributes.department:"Nonexistent"')
    assert refused.failed and refused["msg"].startswith("Refused to change the members of governance group 'Finance' (id dddd")
    assert refused["query"]["matched"] == 0 and members(tenant, "Finance") == wanted() - austin(wanted())
    neither = run_module(workgroup_members.main, tenant, capsys, workgroup_name="Finance")
    assert neither.failed and "members, members_query" in neither["msg"]


def test_identity_info_by_reference_and_query(tenant, capsys):
    tenant.seed({"identities": [dict(PEOPLE[5], id="e" * 32, alias="twin.five", email="twin.five@example.com")]})  # PEOPLE[5]'s namesake
    result = run_module(identity_info.main, tenant, capsys, check_mode=True, attributes=["department", "title"],
                        references=[PEOPLE[2]["id"], {"alias": PEOPLE[7]["alias"]}, {"name": PEOPLE[5]["name"]}, {"email": "nobody@example.com"}],
                        query='attributes.title.exact:"Head of*" OR attributes.title:"Head of Finance"')
    assert not result.failed and not result["changed"] and mutations(result.requests) == []
    assert [item["ids"] for item in result["references"]] == [[PEOPLE[2]["id"]], [PEOPLE[7]["id"]], sorted([PEOPLE[5]["id"], "e" * 32]), []]
    assert [item["problem"] is None for item in result["references"]] == [True, True, False, False]
    assert "2 identities match" in result["references"][2]["problem"]
    heads = {p["id"] for p in PEOPLE if p["attributes"]["title"] == "Head of Finance"}
    assert result["query"] == {"query": 'attributes.title.exact:"Head of*" OR attributes.title:"Head of Finance"', "matched": len(heads),
                               "spread": {"attributes.title": {"Head of Finance": len(heads)}}}
    by_id = {identity["id"]: identity for identity in result["identities"]}
    assert by_id[PEOPLE[7]["id"]]["alias"] == PEOPLE[7]["alias"]  # from /identities
    assert by_id[PEOPLE[7]["id"]]["attributes"] == {"department": PEOPLE[7]["attributes"]["department"], "title": PEOPLE[7]["attributes"]["title"]}
    assert all(by_id[h]["attributes"] == {"department": "Finance", "title": "Head of Finance"} and by_id[h]["alias"] is None for h in heads)


def test_identity_info_errors(tenant, capsys):
    alias = run_module(identity_info.main, tenant, capsys, references=[{"alias": PEOPLE[7]["alias"]}], **AS_APP)
    assert alias.failed and "HTTP 403" in alias["msg"] and "no search field is confirmed to hold an alias" in alias["msg"]
    bad = run_module(identity_info.main, tenant, capsys, query="created:[yesterday TO now]")
    assert bad.failed and bad["msg"].startswith("query 'created:[yesterday TO now]' was refused by ISC's search (HTTP 400)") and bad["status"] == 400
    tenant.clear_requests()
    unparsable = run_module(identity_info.main, tenant, capsys, query="attributes.department:(")
    assert unparsable.failed and unparsable["msg"].startswith("query 'attributes.department:(' is not a valid search query (")
    assert ops(unparsable.requests).get("searchPost") is None
    malformed = run_module(identity_info.main, tenant, capsys, references=["not-an-id"])
    assert malformed.failed and malformed["msg"].startswith("Invalid options, nothing was read: references[0]: 'not-an-id' is not an identity id")


@pytest.mark.parametrize("count, searches", [(10050, 2), (10000, 2)])
def test_a_query_past_10000_matches_pages_with_search_after(emulator, capsys, count, searches):
    emulator.seed({"generate": {"identities": count}})
    emulator.clear_requests()
    result = run_module(identity_info.main, emulator, capsys, query="_exists_:email")
    assert not result.failed and result["query"]["matched"] == count and len({i["id"] for i in result["identities"]}) == count
    # ceil(10,050 / 10,000) = 2: offset + limit may not pass 10,000, searchAfter does; exactly 10,000 takes one more
    # request, whose empty answer confirms the end (ISC does not document X-Total-Count as exact past 10,000)
    assert ops(result.requests)["searchPost"] == searches


def test_search_lag_names_eventual_consistency_and_the_next_run_converges(tenant, capsys):
    lag = 1.0  # the emulator shows search results this many seconds behind the tenant (ISC: seconds to minutes)
    time.sleep(lag)  # the seeded tenant is older than the lag
    tenant.set_faults({"rate_limit": None, "search_delay_ms": int(lag * 1000)})
    hire = dict(PEOPLE[0], id="f" * 32, name="New Hire", alias="new.hire", email="new.hire@example.com")  # Finance, active
    tenant.seed({"identities": [hire]})
    groups = [{"name": "Finance Active", "owner": OWNER, "members_query": QUERY}]
    referenced = converge(tenant, capsys, [dict(groups[0], members=[{"email": hire["email"]}])], **AS_APP)
    assert referenced.failed and mutations(referenced.requests) == []
    assert "email 'new.hire@example.com': no identity has this email (looked up through search; ISC's search is eventually " \
           "consistent" in referenced["msg"]
    time.sleep(lag)  # the next run, once search shows the hire, converges
    later = converge(tenant, capsys, [dict(groups[0], members=[{"email": hire["email"]}])], **AS_APP)
    assert not later.failed and later["plan"]["queries"][0]["matched"] == len(wanted()) + 1
    assert members(tenant, "Finance Active") == wanted() | {hire["id"]}


def _staff(number, department):
    name = "Staff %02d" % number
    return {"id": "%032x" % (0xf00 + number), "name": name, "alias": "staff%02d" % number, "email": "staff%02d@example.com" % number,
            "firstName": "Staff", "lastName": "%02d" % number, "attributes": {"department": department, "cloudLifecycleState": "active"}}


FINANCES = ["Finance"] * 4 + ["Corporate Finance"] * 2 + ["Finance Ops"] * 2 + ["Sales"] * 12
STAFF = [_staff(number, department) for number, department in enumerate(FINANCES)]


def test_words_against_exact_on_a_tenant_with_corporate_finance(emulator, capsys):
    """ISC matches words: department:"Finance" is a phrase that also matches "Corporate Finance" and "Finance Ops";
    department.exact:"Finance" is the whole value. The plan shows the difference before anything is written."""
    emulator.seed({"identities": STAFF})
    owner = STAFF[0]["id"]
    groups = [{"name": "Words", "owner": owner, "members_query": 'attributes.department:"Finance"'},
              {"name": "Whole", "owner": owner, "members_query": 'attributes.department.exact:"Finance"'}]
    words = {p["id"] for p in STAFF if "Finance" in p["attributes"]["department"]}
    whole = {p["id"] for p in STAFF if p["attributes"]["department"] == "Finance"}
    plan = converge(emulator, capsys, groups, check_mode=True)
    assert not plan.failed and mutations(plan.requests) == []
    spreads = {query["name"]: query["spread"] for query in plan["plan"]["queries"]}
    assert spreads == {"Words": {"attributes.department": {"Finance": 4, "Corporate Finance": 2, "Finance Ops": 2}},
                       "Whole": {"attributes.department": {"Finance": 4}}}
    assert "      attributes.department: Finance 4, Corporate Finance 2, Finance Ops 2" in plan["summary"]
    preview = run_module(identity_info.main, emulator, capsys, query='attributes.department:"Finance"')
    assert preview["query"]["spread"] == spreads["Words"] and preview["query"]["matched"] == len(words)
    done = converge(emulator, capsys, groups)
    assert not done.failed and members(emulator, "Words") == words and members(emulator, "Whole") == whole


def test_a_query_matching_most_of_the_tenant_is_refused_unless_allowed(emulator, capsys):
    emulator.seed({"identities": STAFF})
    groups = [{"name": "Everyone", "owner": STAFF[0]["id"], "members_query": "attributes.cloudLifecycleState:active"}]
    for check_mode in (True, False):
        refused = converge(emulator, capsys, groups, check_mode=check_mode)
        assert refused.failed and mutations(refused.requests) == [] and members(emulator, "Everyone") is None
        assert "members_query 'attributes.cloudLifecycleState:active' matches 20 of the tenant's 20 identities (100%), more than " \
               "max_matched_percent (50%)" in refused["msg"] and "set max_matched_percent to 100 or more" in refused["msg"]
        assert '"Everyone"' in refused["msg"]
    # one count of the tenant's identities and one of the attribute's existence, besides the query itself
    assert ops(refused.requests)["searchCount"] == 2 and ops(refused.requests)["searchPost"] == 1
    allowed = converge(emulator, capsys, [dict(groups[0], max_matched_percent=100)])
    assert not allowed.failed and members(emulator, "Everyone") == {p["id"] for p in STAFF}


def locations(*names):
    return {p["id"] for p in PEOPLE if p["attributes"]["location"] in names}


@pytest.mark.parametrize("check_mode", [True, False])
@pytest.mark.parametrize("query, terms, hint", [
    # the second word has no field: ISC searches every field for it (SailPoint's "Building a Search Query")
    ("attributes.department:Corporate Finance", "Finance", 'attributes.department:"Corporate Finance" or '
                                                           'attributes.department.exact:"Corporate Finance"'),
    ("attributes.location:Austin London", "London", 'attributes.location.exact:"Austin London"'),
    ('attributes.cloudLifecycleState:"active" AND fin*', "fin*", 'attributes.department.exact:"Finance"'),
])
def test_a_term_without_a_field_is_refused_before_any_request(tenant, capsys, check_mode, query, terms, hint):
    groups = [{"name": "Bare", "owner": OWNER, "members_query": query}]
    result = converge(tenant, capsys, groups, check_mode=check_mode)
    assert result.failed and result.requests == [] and members(tenant, "Bare") is None
    assert result["msg"].startswith("Invalid groups, nothing was read or changed: groups[0] \"Bare\": members_query %r has terms "
                                    "without a field name (%s): ISC's search looks for those in every field" % (query, terms))
    assert hint in result["msg"]


def test_the_emulator_searches_every_field_for_a_term_without_one(tenant, capsys):
    # what the refusal prevents: identity_info runs the query as ISC would, with a warning, and London comes in too
    preview = run_module(identity_info.main, tenant, capsys, query="attributes.location:Austin London")
    assert not preview.failed and "has terms without a field name (London)" in str(preview["warnings"])
    assert {i["id"] for i in preview["identities"]} == locations("Austin", "London") and locations("London")


@pytest.mark.parametrize("query", ['@accounts(source.name:"Active Directory")', '@access(name.exact:"Admin")'])
def test_a_nested_query_is_refused_as_not_supported(tenant, capsys, query):
    result = converge(tenant, capsys, [{"name": "Nested", "owner": OWNER, "members_query": query}], check_mode=True)
    assert result.failed and result.requests == []
    assert "members_query %r uses ISC's nested query syntax (@%s), which is not supported here" % (query, query[1:query.index("(")]) \
        in result["msg"] and "splits into words" not in result["msg"]


def test_and_mixed_with_or_is_refused_before_any_request(tenant, capsys):
    query = 'attributes.department.exact:"Finance" OR attributes.department.exact:"IAM" AND attributes.location.exact:"Austin"'
    result = converge(tenant, capsys, [{"name": "Mixed", "owner": OWNER, "members_query": query}])
    assert result.failed and result.requests == []
    assert "mixes AND with OR (or with terms separated only by spaces) without parentheses (%s)" % query in result["msg"]
    grouped = '(%s) AND attributes.location.exact:"Austin"' % query.rsplit(" AND ", 1)[0]
    done = converge(tenant, capsys, [{"name": "Mixed", "owner": OWNER, "members_query": grouped}])
    assert not done.failed and members(tenant, "Mixed") == austin(wanted("Finance", "active") | wanted("Finance", "inactive")
                                                                  | {p["id"] for p in PEOPLE if p["attributes"]["department"] == "IAM"})


AUSTIN = 'attributes.location.exact:"Austin"'


@pytest.mark.parametrize("negated", ['attributes.department.exact:"sales"',  # .exact is case-sensitive: "Sales"
                                     "attributes.department:sale"])  # a typo: no word "sale"
def test_a_negated_clause_that_matches_nobody_is_refused_unless_allowed(tenant, capsys, negated):
    query = "%s AND NOT %s" % (AUSTIN, negated)
    assert austin({p["id"] for p in PEOPLE}) and len(austin({p["id"] for p in PEOPLE})) * 2 < COUNT  # under the breadth guard
    groups = [{"name": "Austin", "owner": OWNER, "members_query": query},
              {"name": "Fine", "owner": OWNER, "members_query": QUERY}]
    for check_mode in (True, False):
        refused = converge(tenant, capsys, groups, check_mode=check_mode)
        assert refused.failed and members(tenant, "Austin") is None
        assert mutations(refused.requests) == [] if check_mode else members(tenant, "Fine") == wanted()
        failure = {f["name"]: f for f in refused["failures"]}["Austin"]
        assert failure["message"].startswith("members_query %r negates a clause that no identity matches (%s), so nothing was "
                                             "changed for this group" % (query, negated))
        assert "set allow_empty_query to true" in failure["message"]
    # the tenant's identities, the three attributes' existence, the negated clause: one count each, with the others
    assert ops(refused.requests)["searchCount"] == 5
    allowed = converge(tenant, capsys, [dict(groups[0], allow_empty_query=True)])
    assert not allowed.failed and members(tenant, "Austin") == austin({p["id"] for p in PEOPLE})


def test_each_distinct_negated_clause_is_counted_once(tenant, capsys):
    sales = 'attributes.department.exact:"Sales"'
    groups = [{"name": "Austin", "owner": OWNER, "members_query": "%s AND NOT %s" % (AUSTIN, sales)},
              {"name": "London", "owner": OWNER, "members_query": 'attributes.location.exact:"London" -%s' % sales},
              {"name": "Fine", "owner": OWNER, "members_query": QUERY}]
    result = converge(tenant, capsys, groups, check_mode=True)
    assert not result.failed, result["msg"]
    # the tenant, 3 attributes (location, department, cloudLifecycleState), and "Sales" once for both queries
    assert ops(result.requests)["searchCount"] == 5 and ops(result.requests)["searchPost"] == 3
    matched = {q["name"]: q["matched"] for q in result["plan"]["queries"]}
    not_sales = {p["id"] for p in PEOPLE if p["attributes"]["department"] != "Sales"}
    assert matched == {"Austin": len(austin(not_sales)), "London": len(locations("London") & not_sales), "Fine": len(wanted())}


def test_without_luqum_the_message_names_the_option_of_the_module(tenant, capsys, monkeypatch):
    from ansible_collections.sailpoint.isc.plugins.module_utils import _query  # pylint: disable=import-outside-toplevel
    monkeypatch.setattr(_query, "HAS_LUQUM", False)
    info = run_module(identity_info.main, tenant, capsys, references=[OWNER], query="attributes.department:Finance")
    assert info.failed and info.requests == []  # before the references are looked up
    assert info["msg"].startswith("query 'attributes.department:Finance' needs the Python library luqum")
    groups = run_module(workgroups.main, tenant, capsys, groups=[{"name": "G", "owner": OWNER, "members_query": "x:y"}])
    assert groups.failed and groups.requests == []
    assert "members_query 'x:y' needs the Python library luqum" in groups["msg"] and groups["msg"].count("members_query") == 1
