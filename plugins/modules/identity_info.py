#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: identity_info
short_description: Find SailPoint ISC identities by reference or by search query
version_added: 0.1.0
description:
  - Returns identities of a SailPoint Identity Security Cloud (ISC) tenant - C(id), C(name), C(alias), C(email) and the
    identity attributes asked for in O(attributes).
  - Look identities up by O(references), the same references the other modules take for owners and members (an identity
    id, or a dictionary with one of C(id), C(alias), C(email), C(name)); RV(references) shows what each one resolves to,
    or why it would not (no identity, or several). Or run an ISC search O(query), to preview what a C(members_query) of
    M(sailpoint.isc.workgroups) or M(sailpoint.isc.workgroup_members) matches. Both may be given.
  - Never changes anything.
  - References by C(id) and C(email) are looked up through C(GET /identities) or ISC's search, whichever takes fewer
    requests (ceil(n / 50) against ceil(n / 400)), and through search when ISC refuses C(/identities) (HTTP 403, a token
    without user context). References by C(alias) or C(name) go only through C(/identities), as no search field is
    confirmed to hold the alias. A O(query) costs ceil(N / 10,000) search requests for N matches (one more when N is a
    multiple of 10,000) and works with an API client without user context.
  - References by C(id) or C(email) need an API client with the scope C(sp:search:read)
    (or a personal access token); references by C(alias) or C(name) need a personal access token (a token with
    user context).
  - Search is eventually consistent - an identity appears in search a few seconds to a few minutes after it is created or
    changed - and only sees what ISC indexes (for example, no uncorrelated accounts).
author:
  - sailpoint.isc contributors (@sailpoint-isc)
options:
  references:
    description:
      - Identity references to look up. Each is an identity id (a string of 32 hexadecimal characters) or a dictionary
        with exactly one of the keys C(id), C(alias), C(email) or C(name). Plain ids are looked up too.
      - A malformed reference fails the task before any request.
    type: list
    elements: raw
  query:
    description:
      - An ISC search query over the C(identities) index, for example V(attributes.department.exact:"Finance" AND isManager:true).
      - ISC matches words - V(attributes.department:"Finance") also matches C(Corporate Finance) - and C(.exact) the whole
        value, case-sensitively. An unquoted value with characters ISC splits words on (C(@ - / &) ...), a term
        without a field (ISC looks for it in every field), C(AND) mixed with C(OR) without parentheses (ISC gives
        C(AND) no precedence) or a nested C(@accounts(...)) query is run as ISC runs it, with a warning (a
        C(members_query) refuses it). RV(query.spread) shows what the matches hold.
      - A query that does not parse fails before any request (the parser luqum must be installed where the module runs);
        a query ISC refuses (HTTP 400) fails the task with ISC's message.
    type: str
  attributes:
    description:
      - Identity attribute names to return in RV(identities[].attributes), for example V(department) or
        V(cloudLifecycleState) (as in C(attributes.department) of a query). Names are case-sensitive.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - sailpoint.isc.auth
  - sailpoint.isc.auth.action_group
attributes:
  check_mode:
    description: Only reads, so check mode runs it as usual.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
notes:
  - Identities found by O(query) have C(alias) null - search has no confirmed field for it - and C(name) is the display name.
seealso:
  - module: sailpoint.isc.workgroups
  - module: sailpoint.isc.workgroup_members
  - name: ISC API, search
    description: The search endpoint (POST /search) this module uses for queries.
    link: https://developer.sailpoint.com/docs/api/v2024/search-post
"""

EXAMPLES = r"""
- name: Preview the members a query would give a group
  sailpoint.isc.identity_info:
    query: 'attributes.department.exact:"Finance" AND isManager:true'
    attributes: [department, cloudLifecycleState]
  register: finance_managers

- name: Show them
  ansible.builtin.debug:
    msg: "{{ finance_managers.identities | map(attribute='name') | list }} ({{ finance_managers.query.matched }} match)"

- name: Check what the references of a group resolve to before converging it
  sailpoint.isc.identity_info:
    references:
      - email: grace.hopper@example.com
      - alias: ada.lovelace
      - name: John Smith
  register: found

- name: Fail on references that would not resolve, naming each with its problem
  ansible.builtin.assert:
    that: found.references | selectattr('problem') | list | length == 0
    fail_msg: >-
      {% for item in found.references if item.problem %}{{ item.reference | to_json }}: {{ item.problem }}. {% endfor %}
"""

RETURN = r"""
identities:
  description:
    - Every identity found (by the references and the query), once each, sorted by name, then id.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Identity id.
      type: str
      returned: always
    name:
      description: Identity name (the display name).
      type: str
      returned: always
    alias:
      description: The alias (account name on the authoritative source); null for identities found only through search.
      type: str
      returned: always
    email:
      description: The email address, when the identity has one.
      type: str
      returned: always
    attributes:
      description: The attributes named in O(attributes) (null when the identity lacks one).
      type: dict
      returned: when O(attributes) is not empty
  sample: [{"id": "2c9180835d2e5168015d32f890ca1581", "name": "Ada Lovelace", "alias": "ada.lovelace", "email": "ada.lovelace@example.com"}]
references:
  description:
    - Per reference of O(references), in order, C({reference, ids, problem}) - C(reference) is C({key, value}) form,
      C(ids) the identities it matches exactly (C(email) ignoring case), C(problem) why it would not resolve in the
      other modules (no identity, or several), else null.
  returned: always
  type: list
  elements: dict
  sample: [{"reference": {"name": "John Smith"}, "ids": ["2c9180835d2e5168015d32f890ca1591", "2c9180835d2e5168015d32f890ca1592"],
            "problem": "2 identities match (ids ...); use id, alias or email instead"}]
query:
  description:
    - With O(query), C({query, matched, spread}) - the query, how many identities it matched, and how they spread over the
      values of each field the query names (per field, each value and its count, most frequent first, at most 10 values), as the
      plan of M(sailpoint.isc.workgroups) shows it for a C(members_query).
  returned: when O(query) is given
  type: dict
  contains:
    query:
      description: The query, as given.
      type: str
      returned: always
    matched:
      description: How many identities it matched.
      type: int
      returned: always
    spread:
      description:
        - Per field the query names, each value the matches hold and how many hold it (most frequent first, at most 10
          values, the others summed up as C((N other values)); C((no value)) counts the matches without one).
      type: dict
      returned: always
  sample: {"query": "attributes.department:Finance", "matched": 345,
           "spread": {"attributes.department": {"Finance": 340, "Corporate Finance": 5}}}
"""

from typing import Any, Dict, List

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscError, IscForbiddenError
from ansible_collections.sailpoint.isc.plugins.module_utils._identities import look_up_references, parse_reference, with_hint
from ansible_collections.sailpoint.isc.plugins.module_utils._module import (
    ModuleFailure,
    ModuleResult,
    client_from_module,
    fail_on_error,
    finish,
    isc_module_kwargs,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import sort_identities
from ansible_collections.sailpoint.isc.plugins.module_utils._query import matches as query_matches, parse as parse_query
from ansible_collections.sailpoint.isc.plugins.module_utils._query import problems as query_problems
from ansible_collections.sailpoint.isc.plugins.module_utils._search import SEARCH_HINT, problem_with_query


def main() -> None:
    module = AnsibleModule(**isc_module_kwargs(
        argument_spec={
            "references": {"type": "list", "elements": "raw"},
            "query": {"type": "str"},
            "attributes": {"type": "list", "elements": "str", "default": []},
        },
        required_one_of=[["references", "query"]],
        supports_check_mode=True,
    ))
    finish(module, look_up)


def look_up(module: AnsibleModule) -> ModuleResult:
    params = module.params
    references = []
    problems = []
    for position, reference in enumerate(params["references"] or []):
        try:
            references.append(parse_reference(reference))
        except ValueError as exc:
            problems.append("references[%d]: %s" % (position, exc))
    if params["query"] is not None and not params["query"].strip():
        problems.append("query must be a non-empty search query")
    if problems:
        raise ModuleFailure("Invalid options, nothing was read: %s" % "; ".join(problems), scrub=False,
                            problems=problems)
    if params["query"] is not None:
        try:
            parse_query(params["query"])
        except ValueError as exc:  # it does not parse, or luqum is missing: before any request
            raise ModuleFailure("query %r %s" % (params["query"], exc), scrub=False) from None
    client = client_from_module(module)
    result = {"changed": False}  # type: Dict[str, Any]
    found = {}  # type: Dict[Any, Dict[str, Any]]
    if references:
        with fail_on_error(module, "look up the identity references"):
            looked_up = look_up_references(client, references, params["attributes"])
        result["references"] = [{"reference": item["reference"], "ids": [identity["id"] for identity in item["identities"]],
                                 "problem": item["problem"]} for item in looked_up]
        for item in looked_up:
            found.update((identity["id"], identity) for identity in item["identities"])
    else:
        result["references"] = []
    if params["query"] is not None:
        matched = []  # type: List[Dict[str, Any]]
        spread = {}  # type: Dict[str, Dict[str, int]]
        error = None
        try:
            matched, spread = query_matches(client, params["query"], params["attributes"])
        except IscForbiddenError as exc:
            error = with_hint(exc, SEARCH_HINT)
        except IscError as exc:
            error = exc
        if error is not None:
            problem = problem_with_query("", "query", params["query"], error)
            raise ModuleFailure(str(problem) if problem else "Failed to search identities: %s" % error, error)
        for problem in query_problems(params["query"]):  # it parsed: what a members_query would refuse
            module.warn("query %r %s" % (params["query"], problem))
        result["query"] = {"query": params["query"], "matched": len(matched), "spread": spread}
        for identity in matched:
            found.setdefault(identity["id"], identity)  # /identities knows the alias; keep its record
    result["identities"] = sort_identities(list(found.values()))
    return ModuleResult(result)


if __name__ == "__main__":
    main()
