# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Deterministic test data for the benchmarks: the tenant seed and the desired states.

Everything derives from the emulator's generated identities (``md5("isc-emulator:identity:<i>")``,
see tests/emulator/seed.py) and a fixed random seed, so every run converges the same groups to the
same members. Run it to print a summary::

    python -m benchmarks.data
"""
from __future__ import annotations

import copy
import hashlib
import random
from typing import Any, Dict, List

RANDOM_SEED = 20240601
GROUPS = 100
MEMBERS_PER_GROUP = 30
# identities the members are drawn from (the emulator generates them)
IDENTITY_POOL = 3000
# groups already in the tenant that the converge does not manage (they only cost list pages)
UNMANAGED_GROUPS = 50
# the "changed" run: this many groups get this many members swapped (removed and replaced by others)
CHANGED_GROUPS = 10
CHANGED_MEMBERS = 5


def identity_id(index: int) -> str:
    """Id of the emulator's ``index``-th generated identity."""
    return hashlib.md5(("isc-emulator:identity:%d" % index).encode("utf-8")).hexdigest()


def tenant_seed(identities: int = IDENTITY_POOL, unmanaged_groups: int = UNMANAGED_GROUPS) -> Dict[str, Any]:
    """The emulator seed: the identity pool plus ``unmanaged_groups`` groups of 10 members."""
    return {"generate": {"identities": identities, "groups": unmanaged_groups, "members_per_group": 10 if unmanaged_groups else 0}}


def desired_groups(groups: int = GROUPS, members: int = MEMBERS_PER_GROUP, pool: int = IDENTITY_POOL,
                   seed: int = RANDOM_SEED) -> List[Dict[str, Any]]:
    """The desired state (``isc_governance_groups``): owners and members as plain identity ids."""
    rng = random.Random(seed)
    result = []
    for index in range(groups):
        picked = rng.sample(range(pool), members + 1)
        result.append({
            "name": "Bench Group %03d" % index,
            "description": "Benchmark governance group %03d" % index,
            "owner": identity_id(picked[0]),
            "members": [identity_id(i) for i in picked[1:]],
        })
    return result


def changed_groups(desired: List[Dict[str, Any]], groups: int = CHANGED_GROUPS, members: int = CHANGED_MEMBERS,
                   pool: int = IDENTITY_POOL, seed: int = RANDOM_SEED + 1) -> List[Dict[str, Any]]:
    """``desired`` with ``members`` members swapped in ``groups`` evenly spread groups (a new list)."""
    rng = random.Random(seed)
    result = copy.deepcopy(desired)
    step = max(1, len(result) // groups) if groups else 1
    for index in range(0, min(len(result), groups * step), step):
        group = result[index]
        current = set(group["members"])
        candidates = [identity_id(i) for i in range(pool) if identity_id(i) not in current and identity_id(i) != group["owner"]]
        leaving = rng.sample(sorted(current), members)
        joining = rng.sample(candidates, members)
        group["members"] = [m for m in group["members"] if m not in leaving] + joining
    return result


def summary() -> str:
    """One line per data set, for a quick look."""
    desired = desired_groups()
    changed = changed_groups(desired)
    diffs = sum(1 for a, b in zip(desired, changed) if set(a["members"]) != set(b["members"]))
    return "desired: %d groups x %d members from %d identities; changed: %d groups differ; unmanaged groups: %d" % (
        len(desired), len(desired[0]["members"]), IDENTITY_POOL, diffs, UNMANAGED_GROUPS)


if __name__ == "__main__":
    print(summary())
