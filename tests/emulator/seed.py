"""Seed loading, the deterministic identity generator and the demo tenant.

Seed format (also the body of ``POST /__emulator/seed``); every key is optional and unknown keys are rejected::

    {
      "generate":   {"identities": 10000, "uncorrelated_every": 0, "groups": 0, "members_per_group": 0},
      "identities": [{"id": "<32 hex>", "name": "Ada Lovelace", "alias": "ada.lovelace", "email": "ada@example.com",
                      "firstName": "Ada", "lastName": "Lovelace", "correlated": true,
                      "attributes": {"department": "Finance", "title": "Finance Director", "location": "London",
                                     "cloudLifecycleState": "active"},
                      "manager": "<identity id>", "inactive": false}],
      "groups":     [{"id": "<32 hex>", "name": "...", "description": "...", "owner": "<identity id>",
                      "members": ["<identity id>", ...],
                      "connections": [{"object": {"type": "ACCESS_PROFILE", "id": "...", "name": "...", "description": "..."},
                                       "connectionType": "AccessRequestReviewer"}]}],
      "clients":    [{"client_id": "...", "client_secret": "...", "user_context": true, "scopes": ["sp:scopes:all"]}]
    }

Applied in the order generate, identities, groups, clients, so hand-written groups may reference generated identities.
Seeding adds to the current state; an entry whose id already exists replaces it.

Identity ``attributes`` (strings, numbers, booleans, nulls or lists of strings), ``manager`` (an identity id; an
unknown id shows as no manager) and ``inactive`` only show in search documents (``search.py``); the core attributes
``uid`` (= alias), ``firstname``, ``lastname``, ``displayName``, ``email``, ``cloudStatus`` and ``identityState`` are
derived, and seeded attributes override them.
"""
from __future__ import annotations

import functools
from typing import Any, Dict

from .state import Tenant, hex_id

SEED_KEYS = ("generate", "identities", "groups", "clients")
GENERATE_KEYS = ("identities", "uncorrelated_every", "groups", "members_per_group")

# 41 and 50 are coprime, so (i % 41, i % 50) gives 2050 distinct name pairs before a numeric suffix is needed.
FIRST_NAMES = (
    "Aaron", "Abigail", "Adrian", "Aisha", "Alan", "Alice", "Amir", "Anna", "Ben", "Bianca", "Carlos", "Chen", "Chloe",
    "Daniel", "Diana", "Elena", "Emil", "Fatima", "Felix", "Grace", "Hannah", "Hugo", "Ines", "Ivan", "Jade", "Jonas",
    "Kai", "Laura", "Leo", "Maya", "Mei", "Nadia", "Noah", "Olga", "Omar", "Paula", "Quinn", "Rosa", "Sam", "Tara", "Yusuf",
)
LAST_NAMES = (
    "Adams", "Baker", "Brown", "Castro", "Clark", "Cohen", "Davis", "Diaz", "Evans", "Fischer", "Garcia", "Gupta",
    "Hall", "Hansen", "Ito", "Jensen", "Kim", "Klein", "Kowalski", "Lee", "Lopez", "Martin", "Meyer", "Moreau", "Murphy",
    "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Perez", "Quinn", "Rossi", "Sato", "Schmidt", "Silva", "Singh",
    "Sousa", "Tanaka", "Taylor", "Torres", "Vogel", "Walker", "Wang", "Weber", "Wilson", "Wright", "Young", "Zhang", "Ziegler",
)

DEMO_CLIENT_IDENTITY = hex_id("isc-emulator", "demo-admin")
DEMO_APP_CLIENT = {"client_id": "demo-app-client-id", "client_secret": "demo-app-client-secret", "user_context": False,
                   "scopes": ["sp:scopes:all"], "name": "Demo application client (no user context)"}
DEMO_READONLY_CLIENT = {"client_id": "demo-readonly-client-id", "client_secret": "demo-readonly-client-secret", "user_context": True,
                        "scopes": ["idn:workgroup:read", "idn:identity:read", "sp:scopes:default"], "name": "Demo read-only PAT"}


# Attributes of generated identities. Identity d (d < 8) heads department d and reports to identity 0; every other
# identity i works in department i % 8 and reports to its head, so managers, departments and teams agree.
DEPARTMENTS = ("Finance", "IAM", "Engineering", "Sales", "HR", "Legal", "Marketing", "Operations")
TITLES = {
    "Finance": ("Accountant", "Financial Analyst", "Controller"),
    "IAM": ("IAM Engineer", "Access Analyst", "Identity Architect"),
    "Engineering": ("Software Engineer", "Site Reliability Engineer", "QA Engineer"),
    "Sales": ("Account Executive", "Sales Engineer", "Sales Manager"),
    "HR": ("HR Partner", "Recruiter", "Payroll Specialist"),
    "Legal": ("Counsel", "Paralegal", "Compliance Officer"),
    "Marketing": ("Marketing Manager", "Content Writer", "Designer"),
    "Operations": ("Operations Analyst", "Facilities Manager", "Buyer"),
}
LOCATIONS = ("Austin", "London", "Berlin", "Singapore", "Remote")


@functools.lru_cache(maxsize=None)
def _head_id(index: int) -> str:
    """The id of generated identity ``index`` (a department head): cached, 10,000 identities share eight managers."""
    return hex_id("isc-emulator", "identity", index)


def generated_attributes(index: int) -> Dict[str, Any]:
    """Search attributes, manager and inactive flag of the ``index``-th generated (correlated) identity."""
    department = DEPARTMENTS[index % len(DEPARTMENTS)]
    head = index < len(DEPARTMENTS)
    # One leaver (inactive) and one prehire in every 25 identities, in every department; department heads are active.
    state = "active" if head else {12: "inactive", 19: "prehire"}.get(index % 25, "active")
    manager = None if index == 0 else 0 if head else index % len(DEPARTMENTS)
    return {
        "attributes": {"department": department, "title": "Head of %s" % department if head else TITLES[department][(index // 8) % 3],
                       "location": LOCATIONS[(index // 3) % len(LOCATIONS)], "cloudLifecycleState": state,
                       "employeeNumber": "%06d" % (100000 + index)},
        "manager": None if manager is None else _head_id(manager),
        "inactive": state == "inactive",
    }


def generated_identity(index: int, uncorrelated_every: int = 0) -> Dict[str, Any]:
    """The ``index``-th generated identity; the same index always gives the same identity. An uncorrelated identity
    has no authoritative source, so it has no department, title, location, lifecycle state or manager."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[index % len(LAST_NAMES)]
    round_ = index // (len(FIRST_NAMES) * len(LAST_NAMES))
    suffix = str(round_ + 1) if round_ else ""
    alias = "%s.%s%s" % (first.lower(), last.lower(), suffix)
    correlated = not (uncorrelated_every and (index + 1) % uncorrelated_every == 0)
    return dict({
        "id": hex_id("isc-emulator", "identity", index),
        "name": "%s %s%s" % (first, last, " " + suffix if suffix else ""),
        "alias": alias,
        "email": "%s@example.com" % alias,
        "firstName": first,
        "lastName": last,
        "correlated": correlated,
        # Fixed timestamps keep generated tenants byte-identical between runs.
        "created": "2024-01-%02dT08:00:00.000Z" % (1 + index % 28),
        "modified": "2024-06-%02dT08:00:00.000Z" % (1 + index % 28),
    }, **(generated_attributes(index) if correlated else {}))


def _non_negative_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("generate.%s must be a non-negative integer" % name)
    return value


def _generate(tenant: Tenant, spec: Any) -> None:
    if not isinstance(spec, dict):
        raise ValueError("'generate' must be an object")
    unknown = sorted(set(spec) - set(GENERATE_KEYS))
    if unknown:
        raise ValueError("unknown generate keys: %s (allowed: %s)" % (", ".join(unknown), ", ".join(GENERATE_KEYS)))
    count = _non_negative_int(spec.get("identities", 0), "identities")
    every = _non_negative_int(spec.get("uncorrelated_every", 0), "uncorrelated_every")
    groups = _non_negative_int(spec.get("groups", 0), "groups")
    per_group = _non_negative_int(spec.get("members_per_group", 0), "members_per_group")
    if groups and not count:
        raise ValueError("generate.groups needs generate.identities > 0 (owners and members are generated identities)")
    ids = []
    for index in range(count):
        ids.append(tenant.upsert_identity(generated_identity(index, every))["id"])
    for index in range(groups):
        start = (index * per_group) % count
        members = [ids[(start + k) % count] for k in range(min(per_group, count))]
        tenant.seed_group({"id": hex_id("isc-emulator", "group", index), "name": "Generated Group %04d" % index,
                           "description": "Generated group %d" % index, "owner": ids[index % count], "members": members,
                           "created": "2024-02-%02dT09:00:00.000Z" % (1 + index % 28)})


def load_seed(tenant: Tenant, seed: Any) -> Dict[str, int]:
    """Apply ``seed`` (format above) to ``tenant``; returns the resulting counts. Raises ValueError on bad input."""
    if not isinstance(seed, dict):
        raise ValueError("the seed must be a JSON object")
    unknown = sorted(set(seed) - set(SEED_KEYS))
    if unknown:
        raise ValueError("unknown seed keys: %s (allowed: %s)" % (", ".join(unknown), ", ".join(SEED_KEYS)))
    for key in ("identities", "groups", "clients"):
        if not isinstance(seed.get(key, []), list):
            raise ValueError("'%s' must be a list" % key)
    with tenant.lock:
        if "generate" in seed:
            _generate(tenant, seed["generate"])
        for ident in seed.get("identities", []):
            tenant.upsert_identity(ident)
        for group in seed.get("groups", []):
            tenant.seed_group(group)
        for client in seed.get("clients", []):
            if not isinstance(client, dict):
                raise ValueError("client entries must be objects")
            unknown = sorted(set(client) - {"client_id", "client_secret", "user_context", "scopes", "identity_id", "name"})
            if unknown:
                raise ValueError("unknown client keys: %s" % ", ".join(unknown))
            scopes = client.get("scopes", ["sp:scopes:all"])
            if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
                raise ValueError("client scopes must be a list of strings")
            tenant.add_client(client.get("client_id"), client.get("client_secret"), client.get("user_context", True), scopes,
                              client.get("identity_id"), client.get("name"))
        return {"identities": len(tenant.identities), "groups": len(tenant.groups), "clients": len(tenant.clients)}


def demo_seed() -> Dict[str, Any]:
    """The demo tenant: 520 generated identities (5 uncorrelated), a few named ones, five groups, two extra clients."""
    gen = [generated_identity(i, 100) for i in range(520)]
    ada, grace = "2c9180835d2e5168015d32f890ca1581", "2c9180835d2e5168015d32f890ca1583"

    def attrs(department: str, title: str, location: str, state: str = "active") -> Dict[str, Any]:
        return {"department": department, "title": title, "location": location, "cloudLifecycleState": state}

    named = [
        {"id": DEMO_CLIENT_IDENTITY, "name": "Demo Admin", "alias": "demo.admin", "email": "demo.admin@example.com",
         "firstName": "Demo", "lastName": "Admin", "created": "2023-12-01T08:00:00.000Z",
         "attributes": attrs("IAM", "IAM Administrator", "Austin"), "manager": grace},
        # Two identities sharing a display name: lookups by name must handle ambiguity.
        {"id": hex_id("isc-emulator", "john-smith-1"), "name": "John Smith", "alias": "john.smith", "email": "john.smith@example.com",
         "firstName": "John", "lastName": "Smith", "created": "2023-12-02T08:00:00.000Z",
         "attributes": attrs("Finance", "Accountant", "Austin"), "manager": ada},
        {"id": hex_id("isc-emulator", "john-smith-2"), "name": "John Smith", "alias": "john.smith2", "email": "john.smith2@example.com",
         "firstName": "John", "lastName": "Smith", "created": "2023-12-03T08:00:00.000Z",
         "attributes": attrs("Sales", "Account Executive", "Berlin", "inactive"), "inactive": True},
        # Non-ASCII and filter-special characters.
        {"id": hex_id("isc-emulator", "zoe"), "name": "Zoë O'Brien-Núñez", "alias": "zoe.obrien", "email": "zoe.o'brien+gov@example.com",
         "firstName": "Zoë", "lastName": "O'Brien-Núñez", "created": "2023-12-04T08:00:00.000Z",
         "attributes": attrs("Legal", "Counsel", "London"), "manager": ada},
        {"id": hex_id("isc-emulator", "uncorrelated-contractor"), "name": "Uma Uncorrelated", "alias": "uma.uncorrelated",
         "email": "uma.uncorrelated@example.com", "firstName": "Uma", "lastName": "Uncorrelated", "correlated": False,
         "created": "2023-12-05T08:00:00.000Z"},
        # The identities the README's example names (by alias, by email and by id), so that it runs as printed.
        {"id": "2c9180835d2e5168015d32f890ca1581", "name": "Ada Lovelace", "alias": "ada.lovelace", "email": "ada.lovelace@example.com",
         "firstName": "Ada", "lastName": "Lovelace", "created": "2023-12-06T08:00:00.000Z",
         "attributes": attrs("Finance", "Finance Director", "London")},
        {"id": "2c9180835d2e5168015d32f890ca1582", "name": "Alan Turing", "alias": "alan.turing", "email": "alan.turing@example.com",
         "firstName": "Alan", "lastName": "Turing", "created": "2023-12-06T08:01:00.000Z",
         "attributes": attrs("IAM", "Security Architect", "London"), "manager": grace},
        {"id": "2c9180835d2e5168015d32f890ca1583", "name": "Grace Hopper", "alias": "grace.hopper", "email": "grace.hopper@example.com",
         "firstName": "Grace", "lastName": "Hopper", "created": "2023-12-06T08:02:00.000Z",
         "attributes": attrs("IAM", "Head of IAM", "Austin")},
    ]
    ids = [i["id"] for i in gen]
    groups = [
        {"id": hex_id("isc-emulator", "group", "finance-approvers"), "name": "Finance Approvers",
         "description": "Approves access to finance applications.", "owner": DEMO_CLIENT_IDENTITY,
         "members": ids[0:5], "created": "2024-03-01T10:00:00.000Z"},
        {"id": hex_id("isc-emulator", "group", "it-security-reviewers"), "name": "IT Security Reviewers",
         "description": "Reviews privileged access; referenced by access profiles and roles.", "owner": ids[10],
         "members": ids[10:13], "created": "2024-03-02T10:00:00.000Z",
         "connections": [
            {"object": {"type": "ACCESS_PROFILE", "id": hex_id("isc-emulator", "ap", "prod-db-admin"), "name": "Prod DB Admin",
                        "description": "Administrative access to the production databases."}, "connectionType": "AccessRequestReviewer"},
            {"object": {"type": "ROLE", "id": hex_id("isc-emulator", "role", "security-analyst"), "name": "Security Analyst",
                        "description": None}, "connectionType": "Owner"},
        ]},
        {"id": hex_id("isc-emulator", "group", "all-engineering"), "name": "All Engineering",
         "description": "Large group: 120 members, more than two pages of the 50-capped members endpoint.", "owner": ids[20],
         "members": ids[100:220], "created": "2024-03-03T10:00:00.000Z"},
        {"id": hex_id("isc-emulator", "group", "empty-group"), "name": "Empty Group", "description": "No members yet.",
         "owner": DEMO_CLIENT_IDENTITY, "members": [], "created": "2024-03-04T10:00:00.000Z"},
        # The group the README's example deletes (state: absent).
        {"id": hex_id("isc-emulator", "group", "retired-reviewers"), "name": "Retired Reviewers",
         "description": "Reviewed access before the reorganisation.", "owner": ids[30],
         "members": ids[30:32], "created": "2024-03-05T10:00:00.000Z"},
    ]
    return {"identities": gen + named, "groups": groups, "clients": [dict(DEMO_APP_CLIENT), dict(DEMO_READONLY_CLIENT)]}
