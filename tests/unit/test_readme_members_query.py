"""The README's "Memberships from identity attributes" section, run as printed against the emulator's demo tenant.

As in test_readme_example: the files and commands are read from README.md, the emulator's export lines stand in for a
real tenant, and the section's own export line switches to the demo's API client without user context.
"""
from __future__ import annotations

import re

import pytest

from tests.emulator import search
from tests.emulator.seed import demo_seed, load_seed
from tests.emulator.state import Tenant
from tests.unit.test_readme_example import control, demo_emulator, example_blocks, run_shell, section_blocks  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.processes
ALAN = "2c9180835d2e5168015d32f890ca1582"


def demo_matches(predicate):
    """The demo identities ``predicate`` picks from their search documents (the seed's data, not the collection's code)."""
    tenant = Tenant()
    load_seed(tenant, demo_seed())
    return {doc["id"]: doc["displayName"] for doc in search.identity_documents(tenant) if predicate(doc, doc.get("attributes") or {})}


def test_readme_members_query_section_runs_verbatim(demo_emulator, tmp_path):  # pylint: disable=redefined-outer-name
    blocks = section_blocks("Memberships from identity attributes")
    assert [language for language, _text in blocks] == ["yaml", "yaml", "sh", "text"]  # the last: a plan excerpt
    group_vars, preview, commands = [text for _language, text in blocks[:3]]
    site = [text for language, text in example_blocks() if language == "yaml"][1]
    repo = tmp_path / "repo"
    (repo / "group_vars" / "all").mkdir(parents=True)
    (repo / "group_vars" / "all" / "governance_groups.yml").write_text(group_vars, encoding="utf-8")
    (repo / "site.yml").write_text(site, encoding="utf-8")
    (repo / "preview.yml").write_text(preview, encoding="utf-8")
    lines = [line for line in commands.splitlines() if line.strip()]
    assert lines[0] == "export SAIL_CLIENT_ID=demo-app-client-id SAIL_CLIENT_SECRET=demo-app-client-secret"
    finance = demo_matches(lambda doc, a: a.get("department") == "Finance" and a.get("cloudLifecycleState") == "active")
    iam_managers = demo_matches(lambda doc, a: a.get("department") == "IAM" and doc.get("isManager"))

    outputs = []
    for line in lines[1:] + lines[-1:]:  # preview, plan, apply, and the second run
        before = len(control(demo_emulator, "requests"))
        proc = run_shell(lines[0] + "\n" + line, demo_emulator, repo, tmp_path)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        log = control(demo_emulator, "requests")[before:]
        assert {entry.get("client_id") for entry in log if entry.get("client_id")} == {"demo-app-client-id"}
        writes = [entry for entry in log if entry.get("mutating")]
        outputs.append((proc.stdout.replace('\\"', '"'), re.search(r"changed=(\d+)", proc.stdout).group(1), len(writes)))
    preview_out, plan_out, apply_out, again_out = outputs
    assert "%d match: %s" % (len(iam_managers), ", ".join(sorted(iam_managers.values()))) in preview_out[0]
    assert lines[1].split("# ")[1] in preview_out[0]  # the comment shows what it prints
    assert '+ create "Finance Team" (owner Ada Lovelace, %d members)' % len(finance) in plan_out[0] and plan_out[1:] == ("1", 0)
    assert '+ create "IAM Managers" (owner Ada Lovelace, %d members)' % (len(iam_managers) + 1) in plan_out[0]
    assert "(%d members)" % len(finance) in lines[2] and "(%d members)" % (len(iam_managers) + 1) in lines[2]
    assert apply_out[1] == "1" and apply_out[2] > 0
    assert again_out[1:] == ("0", 0)
    groups = {group["name"]: group for group in control(demo_emulator, "state")["groups"]}
    assert set(groups["Finance Team"]["members"]) == set(finance)
    assert set(groups["IAM Managers"]["members"]) == set(iam_managers) | {ALAN}
