"""The README's "Example" section, run as printed against the emulator's demo tenant.

A newcomer copies the two files, starts `make emulator` (here: `python -m tests.emulator`, what it runs), pastes
the `export SAIL_...` lines it prints instead of the README's `export` line for a real tenant, and runs the README's
commands. The blocks are read from README.md, so an edit that breaks them fails here.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import requests

from tests.utils.playbook import ROOT, ansible_environment, ansible_playbook

pytestmark = pytest.mark.processes

README = os.path.join(ROOT, "README.md")
ADA, ALAN, GRACE = "2c9180835d2e5168015d32f890ca1581", "2c9180835d2e5168015d32f890ca1582", "2c9180835d2e5168015d32f890ca1583"


def section_blocks(title):
    """The fenced blocks of the README's "## <title>" section: [(language, text), ...]."""
    with open(README, encoding="utf-8") as readme:
        text = readme.read()
    section = text[text.index("\n## %s\n" % title):]
    section = section[:section.index("\n## ", 1)]
    return re.findall(r"^```(\w+)\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)


def example_blocks():
    """The fenced blocks of the README's "## Example" section."""
    return section_blocks("Example")


@pytest.fixture
def demo_emulator():
    """`python -m tests.emulator` (what `make emulator` runs), demo tenant; yields the shell block it prints."""
    process = subprocess.Popen([sys.executable, "-m", "tests.emulator", "--port", "0"], cwd=ROOT,  # pylint: disable=consider-using-with
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _line in range(4)]
        assert all(line.startswith("export SAIL_") for line in lines[:3]), lines
        yield "".join(lines)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def run_shell(script, exports, cwd, tmp_path):
    """bash: the emulator's export lines, then `script`; the collection is installed as for a user."""
    env = ansible_environment(tmp_path, {"PATH": os.path.dirname(ansible_playbook()) + os.pathsep + os.environ.get("PATH", "")})
    return subprocess.run(["bash", "-e", "-c", exports + script], cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300, check=False)


def control(exports, path):
    base_url = re.search(r"^export SAIL_BASE_URL=(\S+)$", exports, re.MULTILINE).group(1)
    return requests.get(base_url + "/__emulator/" + path, timeout=10).json()


def test_readme_example_runs_verbatim_against_the_demo_tenant(demo_emulator, tmp_path):
    blocks = example_blocks()
    assert [language for language, _text in blocks] == ["yaml", "yaml", "sh", "sh"]
    (group_vars, site, commands, list_identities) = [text for _language, text in blocks]
    repo = tmp_path / "my-repo"
    (repo / "group_vars" / "all").mkdir(parents=True)
    (repo / "group_vars" / "all" / "governance_groups.yml").write_text(group_vars, encoding="utf-8")
    (repo / "site.yml").write_text(site, encoding="utf-8")
    # The README's first line exports a real tenant's URL; the emulator's lines replace it, as the README says.
    command_lines = commands.splitlines()
    assert command_lines[0].startswith("export SAIL_BASE_URL=https://")
    playbook_commands = [line for line in command_lines[1:] if line.strip()]
    assert [line.split("#")[0].split() for line in playbook_commands] == [
        ["ansible-playbook", "site.yml", "--check", "--diff"], ["ansible-playbook", "site.yml"]]

    recaps = []
    for run, line in enumerate(playbook_commands + playbook_commands[1:]):  # plan, apply, and the second run
        before = len(control(demo_emulator, "requests"))
        proc = run_shell(line, demo_emulator, repo, tmp_path)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        writes = [entry for entry in control(demo_emulator, "requests")[before:]
                  if entry["method"] in ("POST", "PATCH", "DELETE") and entry["path"] != "/oauth/token"]
        recaps.append((re.search(r"changed=(\d+)", proc.stdout).group(1), len(writes)))
        if run == 0:
            assert "Plan: 0 to create, 1 to update, 1 to delete" in proc.stdout, proc.stdout[-4000:]
            assert "Ada Lovelace" in proc.stdout and "Alan Turing" in proc.stdout
    assert recaps[0] == ("1", 0)  # the plan: a change, nothing written
    assert recaps[1][0] == "1" and recaps[1][1] > 0
    assert recaps[2] == ("0", 0)  # the second run: changed=0

    groups = {group["name"]: group for group in control(demo_emulator, "state")["groups"]}
    assert "Retired Reviewers" not in groups
    finance = groups["Finance Approvers"]
    assert finance["owner"] == ADA and sorted(finance["members"]) == [ALAN, GRACE]

    # "Which identities exist": the documented listing, as printed.
    proc = run_shell(list_identities, demo_emulator, repo, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split("  ") for line in proc.stdout.splitlines()]
    assert [ADA, "ada.lovelace", "ada.lovelace@example.com", "Ada Lovelace"] in rows
    assert [ALAN, "alan.turing", "alan.turing@example.com", "Alan Turing"] in rows
    assert len(rows) > 10 and all(row[3].startswith("A") for row in rows)
    assert json.dumps(rows).count("grace.hopper") == 0  # the filter applies: name sw "A"
