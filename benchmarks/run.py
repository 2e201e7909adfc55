# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks of the sailpoint.isc collection against the ISC emulator (see benchmarks/README.md).

Run from the repository root (``make bench`` does)::

    python -m benchmarks.run [--collections DIR] [--repeat 2] [--only converge,scale,ratelimit,pace,search]

1. converge:  100 groups x 30 members with the role (create, no change, 10 groups changed); requests by
              kind against the request floor; the same converge with ansible.builtin.uri side by side.
2. scale:     workgroup_members on one group of 1,000 / 5,000 / 10,000 members (the module process alone).
3. ratelimit: the converge of (1) under the real limit of 100 requests / 10 s.
4. pace:      one request at a time (max_concurrent_requests 1) against paced concurrent requests, side by side:
              the role on 300 groups x 30 members and workgroup_members on a 10,000-member group at 250 ms latency
              under the real limit (one API client, and a pool of two for the role), and the converge of (1) at
              20 ms with and without the limit. ``--only pace`` runs this part alone.
5. search:    10,000 email references resolved through search and through /identities, side by side; one group
              converged from a members_query matching 5,000 identities (create, then no change) against its floor.
              ``--only search`` runs only these.

The emulator runs in this process (tests/emulator) with 20 ms added to every API request. Results go to
benchmarks/output/ (results.json and report.md); the report is what benchmarks/RESULTS.md quotes.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import data  # noqa: E402  pylint: disable=wrong-import-position
from tests.emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOKS = os.path.join(ROOT, "benchmarks", "playbooks")
OUTPUT = os.path.join(ROOT, "benchmarks", "output")
LATENCY_MS = 20
GROUP_PAGE = 250
MEMBER_PAGE = 50
# workgroup_members sends bulk writes in chunks of this many identities (module_utils/_client.py MEMBER_CHUNK)
MEMBER_CHUNK = 100
IDENTITY_LOOKUP_CHUNK = 50
# identity values per search lookup and identities per search page (module_utils/_search.py, _client.py)
SEARCH_BATCH = 400
SEARCH_PAGE = 10000
RATE_LIMIT = {"requests": 100, "per_seconds": 10}
PACE_LATENCY_MS = 250
PACE_GROUPS = 300
PACE_MEMBERS = 10000
SECOND_CLIENT = {"client_id": "bench-second-client", "client_secret": "bench-second-client-secret"}
# the ways of sending compared by the pace benchmark: role variables (workgroup_members: the same options without isc_)
PACE_MODES = (
    ("sequential", {"isc_max_concurrent_requests": 1}),
    ("paced", {}),
    ("pool of 2", {"isc_clients": [SECOND_CLIENT]}),
)
TOOLS = ("ours", "theirs")
RUNS = ("create", "nochange", "change")
OP_SHORT = {
    None: "token", "listWorkgroups": "list", "getWorkgroup": "get", "listWorkgroupMembers": "members",
    "createWorkgroup": "create", "patchWorkgroup": "patch", "deleteWorkgroup": "delete", "deleteWorkgroupsInBulk": "bulk-delete-groups",
    "updateWorkgroupMembers": "bulk-add", "deleteWorkgroupMembers": "bulk-delete", "listConnections": "connections",
    "listIdentities": "identities", "getPublicIdentities": "public-identities", "searchPost": "search", "searchCount": "count",
}


# ------------------------------------------------------------------------------------------ setup
def log(message: str) -> None:
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def venv_bin() -> str:
    """Where ansible-playbook and the modules' Python live: BENCH_ANSIBLE_BIN (another venv's bin, e.g. .venv-oldest/bin
    for the oldest declared ansible-core), else the directory of this Python."""
    return os.environ.get("BENCH_ANSIBLE_BIN") or os.path.dirname(sys.executable)


def build_collection(workdir: str) -> str:
    """Copy the checkout (tracked and untracked, not ignored files) to ansible_collections/sailpoint/isc; return the root."""
    root = os.path.join(workdir, "collections")
    dest = os.path.join(root, "ansible_collections", "sailpoint", "isc")
    os.makedirs(dest)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           stdout=subprocess.PIPE).stdout.split(b"\0")
    for name in files:
        if not name:
            continue
        rel = name.decode("utf-8")
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue  # deleted but still tracked
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
    return root


def machine() -> Dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ansible_version = subprocess.run([os.path.join(venv_bin(), "ansible-playbook"), "--version"], check=True,
                                     stdout=subprocess.PIPE, universal_newlines=True).stdout.splitlines()[0]
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "ansible": ansible_version,
        "platform": platform.platform(), "loadavg_at_start": list(os.getloadavg()),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


# ------------------------------------------------------------------------------------------ requests
def counts_by_kind(entries: List[Dict[str, Any]]) -> Dict[str, int]:
    """Requests per kind; requests refused by the rate limit are counted apart as '429 (rate limit)'."""
    result = collections.Counter()  # type: collections.Counter
    for entry in entries:
        if entry.get("fault") == "rate_limit":
            result["429 (rate limit)"] += 1
        elif entry.get("path") == "/oauth/token":
            result["token"] += 1
        else:
            result[OP_SHORT.get(entry.get("operation"), str(entry.get("operation")))] += 1
    return dict(sorted(result.items()))


def server_seconds(entries: List[Dict[str, Any]]) -> float:
    """Time the emulator spent answering (its added latency included), summed over the requests."""
    return sum(entry.get("duration_ms") or 0.0 for entry in entries) / 1000.0


def request_span(entries: List[Dict[str, Any]]) -> float:
    """Seconds from the arrival of the first request to the answer of the last one (the run without its start-up)."""
    if not entries:
        return 0.0
    return max(entry["time"] + (entry.get("duration_ms") or 0.0) / 1000.0 for entry in entries) - min(entry["time"] for entry in entries)


def admitted(counts: Dict[str, int]) -> int:
    return sum(v for k, v in counts.items() if k != "429 (rate limit)")


def converge_floor(emu: Emulator, desired: List[Dict[str, Any]]) -> Dict[str, int]:
    """The fewest requests any client needs to converge ``desired`` (exclusive membership) from the current state.

    1 token + ceil(groups in tenant / 250) list pages + the member pages of every managed group that exists
    (at least one each) + one create per missing group + one patch per group whose description or owner differs
    + one bulk-add / one bulk-delete per group with members to add / remove (no request size limit is documented).
    """
    with emu.state.lock:
        groups = [dict(g, members=list(g["members"])) for g in emu.state.groups.values()]
    by_name = {}  # type: Dict[str, Dict[str, Any]]
    for group in groups:
        by_name.setdefault(group["name"], group)
    floor = collections.Counter({"token": 1, "list": max(1, math.ceil(len(groups) / GROUP_PAGE))})
    for want in desired:
        have = by_name.get(want["name"])
        wanted = set(want["members"])
        if have is None:
            floor["create"] += 1
            floor["bulk-add"] += 1 if wanted else 0
            continue
        # no member read is needed for a group the listing shows empty (memberCount 0)
        floor["members"] += math.ceil(len(have["members"]) / MEMBER_PAGE)
        if (have.get("description") or "") != (want.get("description") or "") or have.get("owner") != want["owner"]:
            floor["patch"] += 1
        current = set(have["members"])
        floor["bulk-add"] += 1 if wanted - current else 0
        floor["bulk-delete"] += 1 if current - wanted else 0
    return {k: v for k, v in sorted(floor.items()) if v}


def state_matches(emu: Emulator, desired: List[Dict[str, Any]]) -> Tuple[bool, str]:
    """True when every desired group exists exactly once with its description, owner and exact members."""
    with emu.state.lock:
        groups = [dict(g, members=set(g["members"])) for g in emu.state.groups.values()]
    for want in desired:
        found = [g for g in groups if g["name"] == want["name"]]
        if len(found) != 1:
            return False, "%d groups named %r" % (len(found), want["name"])
        group = found[0]
        if group["members"] != set(want["members"]):
            return False, "members of %r differ" % want["name"]
        if group["owner"] != want["owner"] or (group.get("description") or "") != want["description"]:
            return False, "owner/description of %r differ" % want["name"]
    return True, "ok"


# ------------------------------------------------------------------------------------------ ansible
def playbook_env(collections_root: str, emu: Emulator) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_root,
        "ANSIBLE_ROLES_PATH": os.path.join(collections_root, "ansible_collections", "sailpoint", "isc", "roles"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        # the same settings for both playbooks; pipelining saves the uri loops a file copy per item
        "ANSIBLE_PIPELINING": "1",
        "SAIL_BASE_URL": emu.base_url,
        "SAIL_CLIENT_ID": emu.client_id,
        "SAIL_CLIENT_SECRET": emu.client_secret,
        "PATH": venv_bin() + os.pathsep + os.environ.get("PATH", ""),
    })
    env.pop("ANSIBLE_CONFIG", None)
    return env


def run_playbook(playbook: str, vars_file: str, env: Dict[str, str], workdir: str) -> Dict[str, Any]:
    command = [os.path.join(venv_bin(), "ansible-playbook"), "-i", "localhost,", "-c", "local",
               "-e", "ansible_python_interpreter=%s" % os.path.join(venv_bin(), "python"), "-e", "@" + vars_file, playbook]
    started, children = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(command, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    wall = time.monotonic() - started
    finished = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of ansible-playbook, its workers and the module (the emulator runs in this process, not counted):
    # what the run costs outside the tenant, much steadier than wall time on a shared machine
    cpu = (finished.ru_utime - children.ru_utime) + (finished.ru_stime - children.ru_stime)
    recap = re.search(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", proc.stdout)
    failed = int(recap.group(4)) if recap else None
    warnings = len(re.findall(r"^\[WARNING\]", proc.stdout, re.M))
    return {"rc": proc.returncode, "wall": wall, "cpu": cpu, "failed_tasks": failed, "warnings": warnings, "output": proc.stdout}


def write_vars(path: str, groups: List[Dict[str, Any]], extra: Optional[Dict[str, Any]] = None) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dict(extra or {}, isc_governance_groups=groups), handle)
    return path


# ------------------------------------------------------------------------------------------ 1 + 2: converge
def converge_series(emu: Emulator, tool: str, env: Dict[str, str], workdir: str, vars_files: Dict[str, str],
                    desired: Dict[str, List[Dict[str, Any]]], faults: Dict[str, Any], label: str = "") -> Dict[str, Any]:
    """Reset the tenant, then run create / nochange / change with one tool; per run: wall, requests, floor."""
    playbook = os.path.join(PLAYBOOKS, "role_converge.yml" if tool == "ours" else "uri_converge.yml")
    emu.reset(data.tenant_seed())
    emu.seed({"clients": [dict(SECOND_CLIENT)]})  # for the pool of two API clients
    result = {}
    for run in RUNS:
        emu.set_faults(faults)  # also empties the rate-limit windows: each run starts fresh
        floor = converge_floor(emu, desired[run])
        emu.clear_requests()
        outcome = run_playbook(playbook, vars_files[run], env, workdir)
        entries = emu.requests()
        requests = counts_by_kind(entries)
        matches, why = state_matches(emu, desired[run])
        outcome.update(requests=requests, total=admitted(requests), floor=floor, floor_total=sum(floor.values()),
                       state_ok=matches, state_note=why, server_s=server_seconds(entries), span_s=request_span(entries))
        outcome["ratio"] = outcome["total"] / float(outcome["floor_total"])
        log("%-6s %-8s rc=%s failed=%s wall=%6.2fs requests=%4d floor=%4d ratio=%.3f state=%s%s" % (
            label or tool, run, outcome["rc"], outcome["failed_tasks"], outcome["wall"], outcome["total"], outcome["floor_total"],
            outcome["ratio"], why, "" if outcome["rc"] == 0 else "\n" + outcome["output"][-3000:]))
        if outcome["rc"] != 0:
            outcome["output_tail"] = outcome["output"][-5000:]
        del outcome["output"]
        result[run] = outcome
    return result


def bench_converge(emu: Emulator, env: Dict[str, str], workdir: str, repeat: int) -> Dict[str, Any]:
    base = data.desired_groups()
    desired = {"create": base, "nochange": base, "change": data.changed_groups(base)}
    vars_files = {run: write_vars(os.path.join(workdir, "desired_%s.json" % run), desired[run]) for run in RUNS}
    faults = {"latency_ms": LATENCY_MS, "rate_limit": None}
    reps = []
    for rep in range(repeat):
        order = TOOLS if rep % 2 == 0 else tuple(reversed(TOOLS))  # alternate who goes first
        rep_result = {}
        for tool in order:
            rep_result[tool] = converge_series(emu, tool, env, workdir, vars_files, desired, faults)
        reps.append(rep_result)
    return {"repetitions": reps, "summary": summarise_converge(reps)}


def summarise_converge(reps: List[Dict[str, Any]]) -> Dict[str, Any]:
    summary = {}  # type: Dict[str, Any]
    for run in RUNS:
        row = {}  # type: Dict[str, Any]
        for tool in TOOLS:
            walls = [rep[tool][run]["wall"] for rep in reps]
            totals = [rep[tool][run]["total"] for rep in reps]
            row[tool] = {"wall_median": statistics.median(walls), "walls": walls, "requests": totals,
                         "floor": reps[0][tool][run]["floor_total"], "ratio_max": max(rep[tool][run]["ratio"] for rep in reps),
                         "by_kind": reps[0][tool][run]["requests"], "floor_by_kind": reps[0][tool][run]["floor"],
                         "all_ok": all(rep[tool][run]["rc"] == 0 and rep[tool][run]["state_ok"] for rep in reps),
                         "server_s": statistics.median(rep[tool][run].get("server_s", 0.0) for rep in reps)}
        # side by side, within each repetition: theirs / ours
        row["speedup_per_rep"] = [rep["theirs"][run]["wall"] / rep["ours"][run]["wall"] for rep in reps]
        row["speedup_median"] = statistics.median(row["speedup_per_rep"])
        row["requests_ours_over_theirs"] = max(rep["ours"][run]["total"] for rep in reps) / float(
            min(rep["theirs"][run]["total"] for rep in reps))
        summary[run] = row
    return summary


# ------------------------------------------------------------------------------------------ 3: scale
SCALE_GROUP_ID = "5ca1e000000000000000000000000001"


def run_module(collections_root: str, module: str, args: Dict[str, Any], workdir: str) -> Dict[str, Any]:
    """Run one module as a plain Python process with a JSON args file; wall time and peak RSS of that process."""
    args_file = os.path.join(workdir, "args-%s.json" % module)
    with open(args_file, "w", encoding="utf-8") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    env = dict(os.environ, PYTHONPATH=collections_root, PYTHONDONTWRITEBYTECODE="1")
    started = time.monotonic()
    with open(os.path.join(workdir, "module.out"), "w+", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ansible_collections.sailpoint.isc.plugins.modules." + module, args_file],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
        out.seek(0)
        text = out.read()
    try:
        result = json.loads(text[text.index("{"):])
    except ValueError:
        result = {"failed": True, "msg": text[-2000:]}
    # ru_maxrss is in kilobytes on Linux
    return {"rc": proc.returncode, "wall": wall, "maxrss_mb": usage.ru_maxrss / 1024.0, "cpu": usage.ru_utime + usage.ru_stime,
            "result": result}


def bench_scale(emu: Emulator, collections_root: str, workdir: str, sizes: List[int]) -> Dict[str, Any]:
    pool = max(sizes) + max(sizes) // 10
    ids = [data.identity_id(i) for i in range(pool)]
    emu.reset({"generate": {"identities": pool}})
    emu.set_faults({"latency_ms": LATENCY_MS, "rate_limit": None})
    auth = {"base_url": emu.base_url, "client_id": emu.client_id, "client_secret": emu.client_secret}
    rows = []
    for size in [0] + sizes:
        # a fresh, empty group for every size
        emu.seed({"groups": [{"id": SCALE_GROUP_ID, "name": "Scale Group", "owner": ids[0], "members": []}]})
        swap = size // 10
        steps = (
            ("add all", {"members": ids[:size], "exclusive": False}),
            ("no change", {"members": ids[:size], "exclusive": False}),
            ("exclusive swap 10%", {"members": ids[swap:size] + ids[size:size + swap], "exclusive": True}),
        )
        for step, options in steps:
            args = dict(auth, workgroup_id=SCALE_GROUP_ID, **options)
            emu.clear_requests()
            outcome = run_module(collections_root, "workgroup_members", args, workdir)
            entries = emu.requests()
            requests = counts_by_kind(entries)
            with emu.state.lock:
                members = set(emu.state.groups[SCALE_GROUP_ID]["members"])
            ok = outcome["rc"] == 0 and members == set(options["members"])
            floor = scale_floor(size, step)
            row = {"size": size, "step": step, "wall": outcome["wall"], "maxrss_mb": outcome["maxrss_mb"], "cpu": outcome["cpu"],
                   "server_s": server_seconds(entries),
                   "requests": requests, "total": admitted(requests), "floor": floor, "ok": ok,
                   "added": outcome["result"].get("added_count"), "removed": outcome["result"].get("removed_count")}
            if not ok:
                row["msg"] = str(outcome["result"].get("msg"))[:500]
            rows.append(row)
            log("scale %5d %-19s rc=%s wall=%6.2fs emulator=%6.2fs cpu=%5.2fs rss=%6.1f MB requests=%4d (%s) ok=%s" % (
                size, step, outcome["rc"], outcome["wall"], row["server_s"], outcome["cpu"], outcome["maxrss_mb"], row["total"], requests, ok))
    return {"rows": rows}


def scale_floor(size: int, step: str) -> Dict[str, int]:
    """What workgroup_members needs by design (its documented cost): token, group read, member pages,
    identity-id checks of new ids (50 per request), writes in chunks of 100."""
    swap = size // 10
    current = 0 if step == "add all" else size
    new_ids = size if step == "add all" else (swap if step == "exclusive swap 10%" else 0)
    removed = swap if step == "exclusive swap 10%" else 0
    floor = {"token": 1, "get": 1, "members": max(1, math.ceil(current / MEMBER_PAGE)), "bulk-add": math.ceil(new_ids / MEMBER_CHUNK),
             "bulk-delete": math.ceil(removed / MEMBER_CHUNK)}
    # new ids are verified through whichever endpoint takes fewer requests (/identities on a tie)
    by_identities, by_search = math.ceil(new_ids / IDENTITY_LOOKUP_CHUNK), math.ceil(new_ids / SEARCH_BATCH)
    floor["search" if by_search < by_identities else "identities"] = min(by_identities, by_search)
    return {k: v for k, v in floor.items() if v}


# ------------------------------------------------------------------------------------------ 4: rate limit
def bench_ratelimit(emu: Emulator, env: Dict[str, str], workdir: str) -> Dict[str, Any]:
    base = data.desired_groups()
    desired = {"create": base, "nochange": base, "change": data.changed_groups(base)}
    vars_files = {run: write_vars(os.path.join(workdir, "desired_%s.json" % run), desired[run]) for run in RUNS}
    series = converge_series(emu, "ours", env, workdir, vars_files, desired, {"latency_ms": LATENCY_MS, "rate_limit": RATE_LIMIT})
    for outcome in series.values():
        outcome["limit_floor_s"] = outcome["total"] / (RATE_LIMIT["requests"] / float(RATE_LIMIT["per_seconds"]))
        # the sliding window admits request n no earlier than per_seconds * floor((n - 1) / requests) after the first
        outcome["limit_floor_window_s"] = RATE_LIMIT["per_seconds"] * ((outcome["total"] - 1) // RATE_LIMIT["requests"])
    return series


# ------------------------------------------------------------------------------------------ 4: pace
def window_floor(requests: int) -> float:
    """The fewest seconds a sliding window of 100 requests / 10 s needs for ``requests``: request n goes no earlier
    than per_seconds * floor((n - 1) / requests) after the first."""
    return RATE_LIMIT["per_seconds"] * ((max(requests, 1) - 1) // RATE_LIMIT["requests"])


def bench_pace(emu: Emulator, env: Dict[str, str], collections_root: str, workdir: str,
               baseline: Optional[str] = None, modes: Optional[List[str]] = None) -> Dict[str, Any]:
    """Sequential against paced concurrent requests, side by side in one run (see the module docstring, pace; report part 5).

    ``baseline``: an ANSIBLE_COLLECTIONS_PATH with an earlier version of the collection, run as "before" at 20 ms.
    ``modes``: the names of PACE_MODES to run (default all).
    """
    picked = [(mode, extra) for mode, extra in PACE_MODES if modes is None or mode in modes]
    result = {"role": {}, "members": {}, "fast": {}}  # type: Dict[str, Any]
    base = data.desired_groups(groups=PACE_GROUPS)
    desired = {"create": base, "nochange": base, "change": data.changed_groups(base, groups=PACE_GROUPS // 10, members=2)}
    limited = {"latency_ms": PACE_LATENCY_MS, "rate_limit": RATE_LIMIT}
    for mode, extra in picked:
        vars_files = {run: write_vars(os.path.join(workdir, "pace_%s_%s.json" % (run, mode.replace(" ", "_"))), desired[run], extra)
                      for run in RUNS}
        series = converge_series(emu, "ours", env, workdir, vars_files, desired, limited, label=mode)
        for outcome in series.values():
            _pace_numbers(outcome)
        result["role"][mode] = series
    result["members"] = bench_pace_members(emu, collections_root, workdir, [(mode, extra) for mode, extra in picked if "isc_clients" not in extra])
    # the converge of part 1 at 20 ms: unlimited (as parts 1 and 2) and under the real limit
    small = data.desired_groups()
    desired = {"create": small, "nochange": small, "change": data.changed_groups(small)}
    modes = [("sequential", {"isc_max_concurrent_requests": 1}, env), ("concurrent", {}, env)]
    if baseline:
        modes.insert(0, ("before (baseline)", {}, dict(env, ANSIBLE_COLLECTIONS_PATH=baseline,
                                                       ANSIBLE_ROLES_PATH=os.path.join(baseline, "ansible_collections", "sailpoint", "isc", "roles"))))
    for limit_name, limit, unpaced in (("no limit", None, {"isc_rate_limit": 0}), ("100 / 10 s", RATE_LIMIT, {})):
        for mode, extra, mode_env in modes:
            vars_files = {run: write_vars(os.path.join(workdir, "fast_%s.json" % run), desired[run], dict(unpaced, **extra)) for run in RUNS}
            series = converge_series(emu, "ours", mode_env, workdir, vars_files, desired, {"latency_ms": LATENCY_MS, "rate_limit": limit},
                                     label="%s, %s" % (mode, limit_name))
            for outcome in series.values():
                _pace_numbers(outcome)
            result["fast"]["%s|%s" % (limit_name, mode)] = series
    return result


def _pace_numbers(outcome: Dict[str, Any]) -> None:
    """Wall floor of the request floor and of the requests sent, and the 429 answers, into ``outcome``."""
    outcome["floor_s"] = window_floor(outcome["floor_total"])
    outcome["sent_floor_s"] = window_floor(outcome["total"])
    outcome["rate_limited"] = outcome["requests"].get("429 (rate limit)", 0)


def bench_pace_members(emu: Emulator, collections_root: str, workdir: str, modes: List[Tuple[str, Dict[str, Any]]]) -> Dict[str, Any]:
    """workgroup_members on a group of PACE_MEMBERS members, no change (token, group, 200 member pages), per mode."""
    ids = [data.identity_id(i) for i in range(PACE_MEMBERS)]
    emu.reset({"generate": {"identities": PACE_MEMBERS}})
    emu.seed({"groups": [{"id": SCALE_GROUP_ID, "name": "Scale Group", "owner": ids[0], "members": ids}]})
    auth = {"base_url": emu.base_url, "client_id": emu.client_id, "client_secret": emu.client_secret}
    rows = {}
    for mode, extra in modes:
        options = {key[len("isc_"):]: value for key, value in extra.items()}
        emu.set_faults({"latency_ms": PACE_LATENCY_MS, "rate_limit": RATE_LIMIT})  # a fresh window
        emu.clear_requests()
        args = dict(auth, workgroup_id=SCALE_GROUP_ID, members=ids, exclusive=False, **options)
        outcome = run_module(collections_root, "workgroup_members", args, workdir)
        entries = emu.requests()
        requests = counts_by_kind(entries)
        floor = scale_floor(PACE_MEMBERS, "no change")
        row = {"wall": outcome["wall"], "requests": requests, "total": admitted(requests), "floor_total": sum(floor.values()),
               "ok": outcome["rc"] == 0 and not outcome["result"].get("changed"), "span_s": request_span(entries)}
        _pace_numbers(row)
        rows[mode] = row
        log("pace members %-10s rc=%s wall=%6.2fs requests=%4d floor=%4d wall floor=%.0fs 429s=%d" % (
            mode, outcome["rc"], row["wall"], row["total"], row["floor_total"], row["floor_s"], row["rate_limited"]))
    return rows


# ------------------------------------------------------------------------------------------ 5: search
SEARCH_GROUP = "Query Group"
SEARCH_MATCHES = 5000
# generated identity i has employeeNumber 100000 + i (tests/emulator/seed.py): this matches the first 5,000
SEARCH_QUERY = "attributes.employeeNumber:[100000 TO %d]" % (100000 + SEARCH_MATCHES - 1)


def bench_search(emu: Emulator, collections_root: str, workdir: str) -> Dict[str, Any]:
    """(a) 10,000 email references, looked up through each endpoint with the collection's own lookup code, one after
    the other in this process (the same client class and pacing the modules use); (b) the workgroups module converging
    one group from a query matching 5,000 identities, as a module process, against the floor."""
    from tests.emulator.seed import generated_identity  # pylint: disable=import-outside-toplevel
    count = 10000
    emu.reset({"generate": {"identities": count}})
    emu.set_faults({"latency_ms": LATENCY_MS, "rate_limit": None})
    emails = [generated_identity(i)["email"] for i in range(count)]
    if collections_root not in sys.path:
        sys.path.insert(0, collections_root)
    from ansible_collections.sailpoint.isc.plugins.module_utils import _identities, _search  # pylint: disable=import-outside-toplevel
    from ansible_collections.sailpoint.isc.plugins.module_utils._client import IscClient  # pylint: disable=import-outside-toplevel
    lookups = {"search": lambda client: _search.lookup_values(client, "email", emails),
               "identities": lambda client: _identities._list_identities(client, "email", emails)}  # pylint: disable=protected-access
    floors = {"search": math.ceil(count / SEARCH_BATCH), "identities": math.ceil(count / IDENTITY_LOOKUP_CHUNK)}
    references = {}
    for path, lookup in lookups.items():
        client = IscClient(emu.base_url, client_id=emu.client_id, client_secret=emu.client_secret)
        emu.clear_requests()
        started = time.monotonic()
        found = lookup(client)
        wall = time.monotonic() - started
        entries = emu.requests()
        requests = counts_by_kind(entries)
        ok = {identity["email"] for identity in found} == set(emails)
        references[path] = {"wall": wall, "requests": requests, "total": admitted(requests), "floor": floors[path] + 1, "ok": ok,
                            "server_s": server_seconds(entries)}
        log("search: %d emails through %-10s wall=%6.2fs emulator=%6.2fs requests=%4d (%s) ok=%s" % (
            count, path, wall, references[path]["server_s"], references[path]["total"], requests, ok))
    auth = {"base_url": emu.base_url, "client_id": emu.client_id, "client_secret": emu.client_secret}
    group = {"name": SEARCH_GROUP, "owner": data.identity_id(0), "members_query": SEARCH_QUERY}
    wanted = {data.identity_id(i) for i in range(SEARCH_MATCHES)}
    # create: the targeted name read and, after the create, the read of the created name (simultaneous runs); the query's
    # checks (issue 21): one count of the tenant's identities and one _exists_ count of the attribute it names
    floors = {"create": {"token": 1, "list": 2, "search": SEARCH_MATCHES // SEARCH_PAGE + 1, "count": 2, "create": 1,
                         "bulk-add": math.ceil(SEARCH_MATCHES / MEMBER_CHUNK)},
              "no change": {"token": 1, "list": 1, "search": SEARCH_MATCHES // SEARCH_PAGE + 1, "count": 2,
                            "members": math.ceil(SEARCH_MATCHES / MEMBER_PAGE)}}
    converge = []
    for step in ("create", "no change"):
        emu.clear_requests()
        outcome = run_module(collections_root, "workgroups", dict(auth, groups=[group]), workdir)
        entries = emu.requests()
        requests = counts_by_kind(entries)
        with emu.state.lock:
            members = [set(g["members"]) for g in emu.state.groups.values() if g["name"] == SEARCH_GROUP]
        ok = outcome["rc"] == 0 and members == [wanted]
        row = {"step": step, "wall": outcome["wall"], "cpu": outcome["cpu"], "maxrss_mb": outcome["maxrss_mb"], "requests": requests,
               "total": admitted(requests), "floor": sum(floors[step].values()), "floor_by_kind": floors[step], "ok": ok,
               "server_s": server_seconds(entries), "changed": outcome["result"].get("changed")}
        if not ok:
            row["msg"] = str(outcome["result"].get("msg"))[:500]
        converge.append(row)
        log("search: converge %-9s wall=%6.2fs requests=%4d floor=%d (%s) ok=%s" % (step, row["wall"], row["total"], row["floor"], requests, ok))
    return {"references": references, "converge": converge}


# ------------------------------------------------------------------------------------------ 6: tenant scale
TENANT_SIZES = (2000, 10000)
TENANT_MEMBERS = 30
# the "change" run: 1% of the groups get 2 of their 30 members swapped
TENANT_CHANGED_PERCENT = 1
POOL_OF_4 = [{"client_id": "bench-pool-client-%d" % i, "client_secret": "bench-pool-secret-%d" % i} for i in (2, 3, 4)]
TENANT_MODES = (("one client", {}), ("pool of 4", {"isc_clients": POOL_OF_4}))
TENANT_RUNS = ("nochange", "change")
# where the role takes the list from: the variable isc_governance_groups (a vars file given with -e @file), or a file
# Ansible does not load as variables (isc_governance_groups_file, read by the module's action plugin)
TENANT_INPUTS = ("variable", "file")


def tenant_state(desired: List[Dict[str, Any]]) -> Dict[str, Any]:
    """A tenant that already holds ``desired`` (the groups seeded directly, not created through the API), plus the pool."""
    groups = [{"id": hashlib.md5(("bench-tenant-group:%s" % group["name"]).encode("utf-8")).hexdigest(), "name": group["name"],
               "description": group["description"], "owner": group["owner"], "members": group["members"]} for group in desired]
    return dict(data.tenant_seed(unmanaged_groups=0), groups=groups, clients=[dict(SECOND_CLIENT)] + [dict(c) for c in POOL_OF_4])


def tenant_vars(workdir: str, size: int, run: str, groups: List[Dict[str, Any]], extra: Dict[str, Any], source: str) -> str:
    """The ``-e @file`` of a tenant run: the list itself (``variable``), or the path of a JSON file holding it (``file``)."""
    name = os.path.join(workdir, "tenant_%d_%s" % (size, run))
    if source == "variable":
        return write_vars(name + ".json", groups, extra)
    with open(name + "_groups.json", "w", encoding="utf-8") as handle:
        json.dump(groups, handle)
    with open(name + "_file.json", "w", encoding="utf-8") as handle:
        json.dump(dict(extra, isc_governance_groups_file=name + "_groups.json"), handle)
    return name + "_file.json"


def tenant_run(emu: Emulator, desired: List[Dict[str, Any]], vars_file: str, env: Dict[str, str], workdir: str) -> Dict[str, Any]:
    """One role run on the prepared tenant: wall, CPU, the time before the first request and after the last answer."""
    floor = converge_floor(emu, desired)
    emu.clear_requests()
    started = time.time()
    outcome = run_playbook(os.path.join(PLAYBOOKS, "role_converge.yml"), vars_file, env, workdir)
    ended = time.time()
    entries = emu.requests()
    requests = counts_by_kind(entries)
    first = min(entry["time"] for entry in entries) if entries else ended
    last = max(entry["time"] + (entry.get("duration_ms") or 0.0) / 1000.0 for entry in entries) if entries else ended
    floor_total = sum(floor.values())
    row = {"rc": outcome["rc"], "wall": outcome["wall"], "cpu_s": outcome["cpu"], "before_first_s": first - started,
           "span_s": last - first, "after_last_s": ended - last, "requests": requests, "total": admitted(requests),
           "floor_total": floor_total, "one_client_floor_s": window_floor(floor_total), "rate_limited": requests.get("429 (rate limit)", 0),
           "state_ok": state_matches(emu, desired)[0], "failed_tasks": outcome["failed_tasks"]}
    if outcome["rc"] != 0:
        row["output_tail"] = outcome["output"][-3000:]
    return row


def bench_tenant(emu: Emulator, env: Dict[str, str], workdir: str, sizes: List[int], latency_ms: int,
                 baseline: Optional[str] = None, modes: Optional[List[str]] = None, runs: Optional[List[str]] = None,
                 repeat: int = 1, inputs: Optional[List[str]] = None, baseline_input: str = "variable") -> Dict[str, Any]:
    """The role on a tenant that already holds ``size`` groups x 30 members: no change, and 1% of the groups changed,
    one API client and a pool of 4. With ``latency_ms`` > 0 under the real limit, else unlimited and unpaced. Per run:
    wall, start to the first request, first request to last answer, last answer to the end (the emulator's clock and the
    runner's are the same machine's ``time.time()``). With ``baseline`` (an earlier collection), each run is measured
    with it next to ours, on the same freshly seeded tenant (``repeat`` times, alternating which goes first). ``inputs``:
    where ours takes the list from (``TENANT_INPUTS``); ``baseline_input``: where the baseline takes it from."""
    limit = RATE_LIMIT if latency_ms else None
    unpaced = {} if latency_ms else {"isc_rate_limit": 0}
    versions = [("after", env, source) for source in inputs or TENANT_INPUTS]
    if baseline:
        versions.insert(0, ("before", dict(env, ANSIBLE_COLLECTIONS_PATH=baseline,
                                           ANSIBLE_ROLES_PATH=os.path.join(baseline, "ansible_collections", "sailpoint", "isc", "roles")),
                            baseline_input))
    rows = []
    for size in sizes:
        base = data.desired_groups(groups=size, members=TENANT_MEMBERS)
        desired = {"nochange": base,
                   "change": data.changed_groups(base, groups=max(1, size * TENANT_CHANGED_PERCENT // 100), members=2)}
        seed = tenant_state(base)
        for run in runs or TENANT_RUNS:
            for mode, extra in TENANT_MODES:
                if modes and mode not in modes:
                    continue
                vars_files = {source: tenant_vars(workdir, size, run, desired[run], dict(unpaced, **extra), source)
                              for source in set(version[2] for version in versions)}
                for rep in range(repeat):
                    for version, version_env, source in (versions if rep % 2 == 0 else versions[::-1]):  # alternate who goes first
                        emu.reset(seed)
                        emu.set_faults({"latency_ms": latency_ms, "rate_limit": limit})
                        row = dict(tenant_run(emu, desired[run], vars_files[source], version_env, workdir), size=size, run=run, mode=mode,
                                   version=version, input=source, rep=rep, load=os.getloadavg()[0])
                        rows.append(row)
                        log("tenant %5d %-8s %-10s %-6s %-8s rc=%s wall=%7.2fs cpu=%6.2fs before first=%6.2fs span=%7.2fs "
                            "after last=%5.2fs requests=%5d floor=%5d 429s=%d state ok=%s load=%.1f%s" % (
                                size, run, mode, version, source, row["rc"], row["wall"], row["cpu_s"], row["before_first_s"], row["span_s"],
                                row["after_last_s"], row["total"], row["floor_total"], row["rate_limited"], row["state_ok"], row["load"],
                                "\n" + row.get("output_tail", "") if row["rc"] else ""))
    return {"latency_ms": latency_ms, "rows": rows}


def report_tenant(tenant: Dict[str, Any]) -> List[str]:
    latency = tenant["latency_ms"]
    lines = ["### 8. Tenant scale: the role on a tenant holding the groups (%s)" % (
        "%d ms latency, real limit 100 / 10 s" % latency if latency else "no latency, no limit, pacing off"), ""]
    lines.append("30 members a group; change = 2 members swapped in 1% of the groups. One-client floor = floor((n - 1) / 100) x 10 s "
                 "for the request floor n (the pool's target is 0.28 of it).")
    lines.append("")
    lines.extend(_header(["groups", "run", "mode", "version", "list from", "wall (s)", "CPU of Ansible and the module (s)",
                          "start to first request (s)", "first request to last answer (s)", "last answer to end (s)", "requests",
                          "request floor", "wall / one-client floor", "429s", "load", "end state ok"], "rllllrrrrrrrrrrl"))
    for row in tenant["rows"]:
        ratio = "%.3f" % (row["wall"] / row["one_client_floor_s"]) if latency and row["one_client_floor_s"] else "-"
        lines.append("| %d | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d | **%s** | %d | %.1f | %s |" % (
            row["size"], row["run"], row["mode"], row["version"], row.get("input", "variable"), row["wall"], row.get("cpu_s", 0.0),
            row["before_first_s"], row["span_s"], row["after_last_s"], row["total"], row["floor_total"], ratio, row["rate_limited"],
            row.get("load", 0.0), row["state_ok"] and row["rc"] == 0))
    lines.append("")
    return lines


# ------------------------------------------------------------------------------------------ report
def report(results: Dict[str, Any]) -> str:
    lines = []
    info = results["machine"]
    lines.append("Command: `%s`" % results["command"])
    lines.append("")
    lines.append("Machine: %s CPU(s), %s; Python %s; %s; %s; load average at start %s; %s" % (
        info["nproc"], info["cpu"], info["python"], info["ansible"], info["platform"],
        " ".join("%.2f" % x for x in info["loadavg_at_start"]), info["date"]))
    lines.append("")
    if "converge" in results:
        summary = results["converge"]["summary"]
        reps = len(results["converge"]["repetitions"])
        lines.append("### 1. Request economy (role, 100 groups x 30 members, %d ms latency)" % LATENCY_MS)
        lines.append("")
        lines.extend(_header(["run", "requests (ours)", "floor", "ratio", "by kind (ours)", "floor by kind"], "lrrrll"))
        for run in RUNS:
            ours = summary[run]["ours"]
            lines.append("| %s | %s | %d | %.3f | %s | %s |" % (
                run, "/".join(str(x) for x in sorted(set(ours["requests"]))), ours["floor"], ours["ratio_max"],
                _kinds(ours["by_kind"]), _kinds(ours["floor_by_kind"])))
        lines.append("")
        lines.append("### 2. Ours (role) vs theirs (ansible.builtin.uri), same emulator, same run, %d repetition(s)" % reps)
        lines.append("")
        lines.extend(_header(["run", "wall ours (s)", "wall theirs (s)", "theirs / ours (median, per rep)", "requests ours",
                              "requests theirs", "theirs' ratio to floor", "emulator time ours / theirs (s)", "end state ok"], "lrrlrrrrl"))
        for run in RUNS:
            row = summary[run]
            ours, theirs = row["ours"], row["theirs"]
            lines.append("| %s | %.2f (%s) | %.2f (%s) | **%.1fx** (%s) | %s | %s | %.3f | %.2f / %.2f | %s / %s |" % (
                run, ours["wall_median"], ", ".join("%.2f" % w for w in ours["walls"]),
                theirs["wall_median"], ", ".join("%.2f" % w for w in theirs["walls"]),
                row["speedup_median"], ", ".join("%.1f" % s for s in row["speedup_per_rep"]),
                "/".join(str(x) for x in sorted(set(ours["requests"]))), "/".join(str(x) for x in sorted(set(theirs["requests"]))),
                theirs["ratio_max"], ours["server_s"], theirs["server_s"], ours["all_ok"], theirs["all_ok"]))
        lines.append("")
    if "scale" in results:
        lines.append("### 3. Scale: workgroup_members on one group (module process alone, %d ms latency)" % LATENCY_MS)
        lines.append("")
        lines.extend(_header(["members", "step", "requests", "by kind", "design cost", "wall (s)", "emulator time (s)",
                              "module CPU (s)", "peak RSS (MB)", "RSS over the 0-member run (MB)", "ok"], "rlrlrrrrrrl"))
        rows = results["scale"]["rows"]
        base_rss = {r["step"]: r["maxrss_mb"] for r in rows if r["size"] == 0}
        for row in rows:
            lines.append("| %d | %s | %d | %s | %d | %.2f | %.2f | %.2f | %.1f | %+.1f | %s |" % (
                row["size"], row["step"], row["total"], _kinds(row["requests"]), sum(row["floor"].values()), row["wall"],
                row["server_s"], row["cpu"], row["maxrss_mb"], row["maxrss_mb"] - base_rss.get(row["step"], row["maxrss_mb"]), row["ok"]))
        lines.append("")
        lines.append("Growth per 1,000 members above the 0-member run (the same at every size = linear):")
        lines.append("")
        sizes = sorted(set(r["size"] for r in rows if r["size"]))
        lines.extend(_header(["step", "requests per 1k (%s)" % " / ".join(str(n) for n in sizes),
                              "wall per 1k, s (%s)" % " / ".join(str(n) for n in sizes),
                              "module CPU per 1k, s (%s)" % " / ".join(str(n) for n in sizes),
                              "RSS growth per 1k, MB (%s)" % " / ".join(str(n) for n in sizes)], "lllll"))
        for step in ("add all", "no change", "exclusive swap 10%"):
            picked = [r for r in rows if r["step"] == step and r["size"]]
            zero = [r for r in rows if r["step"] == step and not r["size"]]
            base_total, base_wall, base_cpu = (zero[0]["total"], zero[0]["wall"], zero[0]["cpu"]) if zero else (0, 0.0, 0.0)
            lines.append("| %s | %s | %s | %s | %s |" % (
                step, " / ".join("%.1f" % ((r["total"] - base_total) * 1000.0 / r["size"]) for r in picked),
                " / ".join("%.3f" % ((r["wall"] - base_wall) * 1000.0 / r["size"]) for r in picked),
                " / ".join("%.3f" % ((r["cpu"] - base_cpu) * 1000.0 / r["size"]) for r in picked),
                " / ".join("%.2f" % ((r["maxrss_mb"] - base_rss.get(step, 0.0)) * 1000.0 / r["size"]) for r in picked)))
        lines.append("")
    if "ratelimit" in results:
        lines.append("### 4. Under the real rate limit (100 requests / 10 s), role, %d ms latency" % LATENCY_MS)
        lines.append("")
        lines.extend(_header(["run", "failed tasks", "wall (s)", "admitted requests", "429s", "floor = requests / 10 per s (s)",
                              "wall / floor", "sliding-window floor (s)", "warnings", "end state ok"], "lrrrrrrrrl"))
        for run in RUNS:
            row = results["ratelimit"][run]
            lines.append("| %s | %s | %.2f | %d | %d | %.1f | %.2f | %.0f | %d | %s |" % (
                run, row["failed_tasks"], row["wall"], row["total"], row["requests"].get("429 (rate limit)", 0),
                row["limit_floor_s"], row["wall"] / row["limit_floor_s"], row["limit_floor_window_s"], row["warnings"], row["state_ok"]))
        lines.append("")
    if "pace" in results:
        lines.extend(report_pace(results["pace"]))
    if "tenant" in results:
        lines.extend(report_tenant(results["tenant"]))
    if "search" in results:
        refs = results["search"]["references"]
        lines.append("### 6. Search: 10,000 email references, search vs /identities, side by side (%d ms latency)" % LATENCY_MS)
        lines.append("")
        lines.extend(_header(["endpoint", "requests", "by kind", "floor (1 token + lookups)", "wall (s)", "emulator time (s)", "all found"],
                             "lrlrrrl"))
        for path in ("search", "identities"):
            row = refs[path]
            lines.append("| %s | %d | %s | %d | %.2f | %.2f | %s |" % (
                "POST /search (400 values each)" if path == "search" else "GET /identities (50 values each)", row["total"],
                _kinds(row["requests"]), row["floor"], row["wall"], row["server_s"], row["ok"]))
        lines.append("")
        lines.append("/identities over search: %.1fx the requests, %.1fx the wall time." % (
            refs["identities"]["total"] / float(refs["search"]["total"]), refs["identities"]["wall"] / refs["search"]["wall"]))
        lines.append("")
        lines.append("### 7. Search: workgroups converging one group from a members_query matching %d identities" % SEARCH_MATCHES)
        lines.append("")
        lines.extend(_header(["run", "requests", "floor", "by kind", "floor by kind", "wall (s)", "emulator time (s)", "ok"], "lrrllrrl"))
        for row in results["search"]["converge"]:
            lines.append("| %s | %d | %d | %s | %s | %.2f | %.2f | %s |" % (
                row["step"], row["total"], row["floor"], _kinds(row["requests"]), _kinds(row["floor_by_kind"]), row["wall"],
                row["server_s"], row["ok"]))
        lines.append("")
    return "\n".join(lines)


def report_pace(pace: Dict[str, Any]) -> List[str]:
    lines = ["### 5. Paced concurrent requests against one at a time (%d ms latency, real limit 100 / 10 s)" % PACE_LATENCY_MS, ""]
    lines.append("Role, %d groups x 30 members. Wall floor = floor((n - 1) / 100) x 10 s for the request floor n; the pool's "
                 "target is 0.65 x the one-client wall floor." % PACE_GROUPS)
    lines.append("")
    lines.extend(_header(["run", "mode", "wall (s)", "requests", "request floor", "wall floor (s)", "wall / wall floor",
                          "first request to last answer (s)", "429s", "failed tasks", "end state ok"], "llrrrrrrrrl"))
    role = pace["role"]
    for run in RUNS:
        for mode in role:
            row = role[mode][run]
            lines.append("| %s | %s | %.2f | %d | %d | %.0f | **%.2f** | %.2f | %d | %s | %s |" % (
                run, mode, row["wall"], row["total"], row["floor_total"], row["floor_s"], row["wall"] / max(row["floor_s"], 1e-9),
                row.get("span_s", 0.0), row["rate_limited"], row["failed_tasks"], row["state_ok"]))
    lines.append("")
    lines.append("workgroup_members, one group of %d members, no change (the module process alone):" % PACE_MEMBERS)
    lines.append("")
    lines.extend(_header(["mode", "wall (s)", "requests", "request floor", "wall floor (s)", "wall / wall floor",
                          "first request to last answer (s)", "429s", "ok"], "lrrrrrrrl"))
    for mode, row in pace["members"].items():
        lines.append("| %s | %.2f | %d | %d | %.0f | **%.2f** | %.2f | %d | %s |" % (
            mode, row["wall"], row["total"], row["floor_total"], row["floor_s"], row["wall"] / max(row["floor_s"], 1e-9),
            row.get("span_s", 0.0), row["rate_limited"], row["ok"]))
    lines.append("")
    lines.append("Role, 100 groups x 30 members at %d ms latency (the converge of part 1), without and with the limit:" % LATENCY_MS)
    lines.append("")
    lines.extend(_header(["emulator limit", "mode", "wall create / nochange / change (s)", "requests", "429s", "end state ok"], "llrrrl"))
    for key, series in pace["fast"].items():
        limit_name, mode = key.split("|")
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            limit_name, mode, " / ".join("%.2f" % series[run]["wall"] for run in RUNS), " / ".join(str(series[run]["total"]) for run in RUNS),
            " / ".join(str(series[run]["rate_limited"]) for run in RUNS), all(series[run]["state_ok"] for run in RUNS)))
    lines.append("")
    return lines


def _header(titles: List[str], align: str) -> List[str]:
    """A markdown table header; ``align`` has one letter per column, l or r."""
    return ["| %s |" % " | ".join(titles), "|%s|" % "|".join("---:" if a == "r" else "---" for a in align)]


def _kinds(counts: Dict[str, int]) -> str:
    return ", ".join("%s %d" % (k, v) for k, v in counts.items())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", help="an ANSIBLE_COLLECTIONS_PATH holding ansible_collections/sailpoint/isc "
                                              "(default: copy the checkout to a temporary directory)")
    parser.add_argument("--repeat", type=int, default=2, help="repetitions of the side-by-side converge (default 2)")
    parser.add_argument("--only", default="converge,scale,ratelimit,pace,search",
                        help="comma-separated: converge, scale, ratelimit, pace, search, tenant (tenant is not in the default: about 1 h)")
    parser.add_argument("--sizes", default="1000,5000,10000", help="member counts for the scale benchmark")
    parser.add_argument("--output", default=OUTPUT, help="where results.json and report.md go")
    parser.add_argument("--pace-modes", help="pace: comma-separated modes to run (default all: %s)" % ",".join(m for m, _e in PACE_MODES))
    parser.add_argument("--tenant-sizes", default=",".join(str(n) for n in TENANT_SIZES), help="tenant: group counts")
    parser.add_argument("--tenant-latency", type=int, default=PACE_LATENCY_MS,
                        help="tenant: ms per API request; > 0 under the real limit, 0 without latency, limit and pacing")
    parser.add_argument("--tenant-modes", help="tenant: comma-separated modes (default all: %s)" % ",".join(m for m, _e in TENANT_MODES))
    parser.add_argument("--tenant-repeat", type=int, default=1, help="tenant: repetitions of each run (with --baseline: alternating order)")
    parser.add_argument("--tenant-runs", help="tenant: comma-separated runs (default all: %s)" % ",".join(TENANT_RUNS))
    parser.add_argument("--tenant-inputs", help="tenant: where the role takes the list from, comma-separated (default all: %s)"
                        % ",".join(TENANT_INPUTS))
    parser.add_argument("--baseline-input", choices=TENANT_INPUTS, default="variable",
                        help="tenant: where the baseline takes the list from (file: a baseline that has groups_file)")
    parser.add_argument("--baseline", help="pace: an ANSIBLE_COLLECTIONS_PATH holding an earlier sailpoint.isc, run side by side at 20 ms "
                                           "(e.g. from: git archive main | tar -x -C DIR/ansible_collections/sailpoint/isc)")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    os.makedirs(args.output, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="isc-bench-")
    try:
        collections_root = os.path.abspath(args.collections) if args.collections else build_collection(workdir)
        results = {"command": " ".join(["python -m benchmarks.run"] + (argv if argv is not None else sys.argv[1:])),
                   "machine": machine()}  # type: Dict[str, Any]
        log("machine: %s" % json.dumps(results["machine"]))
        with Emulator(faults={"rate_limit": None}) as emu:
            env = playbook_env(collections_root, emu)
            if "converge" in parts:
                results["converge"] = bench_converge(emu, env, workdir, args.repeat)
            if "scale" in parts:
                results["scale"] = bench_scale(emu, collections_root, workdir, [int(s) for s in args.sizes.split(",")])
            if "ratelimit" in parts:
                results["ratelimit"] = bench_ratelimit(emu, env, workdir)
            if "pace" in parts:
                results["pace"] = bench_pace(emu, env, collections_root, workdir, args.baseline and os.path.abspath(args.baseline),
                                             args.pace_modes.split(",") if args.pace_modes else None)
            if "tenant" in parts:
                results["tenant"] = bench_tenant(emu, env, workdir, [int(n) for n in args.tenant_sizes.split(",")], args.tenant_latency,
                                                 args.baseline and os.path.abspath(args.baseline),
                                                 args.tenant_modes.split(",") if args.tenant_modes else None,
                                                 args.tenant_runs.split(",") if args.tenant_runs else None, args.tenant_repeat,
                                                 args.tenant_inputs.split(",") if args.tenant_inputs else None, args.baseline_input)
            if "search" in parts:
                results["search"] = bench_search(emu, collections_root, workdir)
        text = report(results)
        with open(os.path.join(args.output, "results.json"), "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
        with open(os.path.join(args.output, "report.md"), "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(text)
        failed = [name for name in ("converge",) if name in results and not all(
            results["converge"]["summary"][run][tool]["all_ok"] for run in RUNS for tool in TOOLS)]
        if "ratelimit" in results and any(results["ratelimit"][run]["rc"] != 0 for run in RUNS):
            failed.append("ratelimit")
        if "scale" in results and not all(row["ok"] for row in results["scale"]["rows"]):
            failed.append("scale")
        if "pace" in results and not (all(series[run]["rc"] == 0 and series[run]["state_ok"]
                                          for part in ("role", "fast") for series in results["pace"][part].values() for run in RUNS)
                                      and all(row["ok"] for row in results["pace"]["members"].values())):
            failed.append("pace")
        if "tenant" in results and not all(row["rc"] == 0 and row["state_ok"] for row in results["tenant"]["rows"]):
            failed.append("tenant")
        if "search" in results and not (all(row["ok"] for row in results["search"]["references"].values())
                                        and all(row["ok"] for row in results["search"]["converge"])):
            failed.append("search")
        if failed:
            log("FAILED: %s (see %s)" % (", ".join(failed), os.path.join(args.output, "results.json")))
            return 1
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
