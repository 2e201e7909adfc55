"""docs/emulator-ci.md: a team's CI runs its playbooks against the collection's emulator, seeded from its tenant.

As a team would: an emulator seeded like the tenants example's production stands in for their tenant; the documented commands write the repository's
desired state (the export) and the seed (sailpoint.isc.emulator_seed) from it; then every step of the GitHub Actions
job docs/examples/ci/github-actions.yml runs as printed (bash -e, GITHUB_ENV carried between steps as GitHub does),
except checkout, setup-python and the install step (here the collection is a link to this checkout and the packages
are those of the test's venv). The job's emulator is a process of its own: the tenant gets no request from the job.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest
import requests
import yaml

from tests.unit.test_readme_example import example_blocks, run_shell
from tests.utils.playbook import ROOT, ansible_playbook

pytestmark = pytest.mark.processes  # slow processes: see tests/utils/playbook.py

GUIDE = os.path.join(ROOT, "docs", "emulator-ci.md")
WORKFLOW = os.path.join(ROOT, "docs", "examples", "ci", "github-actions.yml")
SKIPPED_STEPS = ("Install ansible-core, the collection and the emulator's requirements",)


def guide_commands():
    """The `sh` blocks of the guide, one command per line (comments and blank lines left out)."""
    with open(GUIDE, encoding="utf-8") as handle:
        blocks = re.findall(r"^```sh\n(.*?)^```$", handle.read(), re.MULTILINE | re.DOTALL)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def run_step(script, env, cwd):
    return subprocess.run(["bash", "-e", "-c", script], cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=300, check=False)


def read_github_env(path):
    with open(path, encoding="utf-8") as handle:
        return dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)


def test_the_ci_job_runs_the_teams_playbooks_against_an_emulator_seeded_from_their_tenant(emulator, tmp_path):
    with open(os.path.join(ROOT, "docs", "examples", "tenants", "emulator", "production.json"), encoding="utf-8") as handle:
        emulator.seed(json.load(handle))
    tenant = "".join("export %s=%s\n" % pair for pair in (("SAIL_BASE_URL", emulator.base_url), ("SAIL_CLIENT_ID", emulator.client_id),
                                                          ("SAIL_CLIENT_SECRET", emulator.client_secret)))
    repo = tmp_path / "repo"
    (repo / "collections" / "ansible_collections" / "sailpoint").mkdir(parents=True)
    os.symlink(ROOT, str(repo / "collections" / "ansible_collections" / "sailpoint" / "isc"))
    (repo / "site.yml").write_text([text for language, text in example_blocks() if language == "yaml"][1], encoding="utf-8")

    # From the tenant (the demo emulator), once: the desired state and the seed, with the guide's commands.
    export, seed = [line for line in guide_commands() if line.startswith("ansible-playbook sailpoint.isc.e")]
    for command in (export, seed):
        proc = run_shell(command, tenant, repo, tmp_path)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    tenant_requests = len(emulator.requests())
    tenant_groups = {group["name"] for group in emulator.state.groups.values()}

    # The pull request under test adds a group.
    desired = repo / "group_vars" / "all" / "governance_groups.yml"
    owner = yaml.safe_load(desired.read_text(encoding="utf-8"))["isc_governance_groups"][0]["owner"]
    with open(desired, "a", encoding="utf-8") as handle:
        handle.write("  - name: CI Reviewers\n    owner: %s\n    members: [%s]\n" % (owner, owner))

    with open(WORKFLOW, encoding="utf-8") as handle:
        steps = yaml.safe_load(handle)["jobs"]["emulator"]["steps"]
    github_env = tmp_path / "github_env"
    github_env.write_text("", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "SAIL_"))}
    env.update(PATH=os.path.dirname(ansible_playbook()) + os.pathsep + env["PATH"], GITHUB_ENV=str(github_env),
               GITHUB_WORKSPACE=str(repo), ANSIBLE_NOCOLOR="1", ANSIBLE_HOME=str(tmp_path / "ansible-home"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    ran = []
    try:
        for step in steps:
            if "run" not in step or step["name"] in SKIPPED_STEPS:
                continue
            step_env = dict(env, **read_github_env(github_env), **step.get("env", {}))
            proc = run_step(step["run"], step_env, repo)
            assert proc.returncode == 0, (step["name"], proc.stdout[-3000:], proc.stderr[-2000:])
            ran.append((step["name"], proc.stdout))
            if step["name"].startswith("Start"):
                emulator_url = read_github_env(github_env)["SAIL_BASE_URL"]
            elif step["name"].startswith("Plan"):
                log = requests.get(emulator_url + "/__emulator/requests", timeout=10).json()
                assert [entry for entry in log if entry.get("mutating")] == []  # check mode wrote nothing
            elif step["name"].startswith("Apply"):
                state = requests.get(emulator_url + "/__emulator/state", timeout=10).json()
                assert {group["name"] for group in state["groups"]} == tenant_groups | {"CI Reviewers"}
    finally:
        pid = read_github_env(github_env).get("EMULATOR_PID")
        if pid and not any(name.startswith("Stop") for name, _out in ran):
            os.kill(int(pid), 15)
    assert [name.split()[0] for name, _out in ran] == ["Start", "Plan", "Apply,", "Stop"]
    plan = ran[1][1]
    assert "Plan: 1 to create, 0 to update, 0 to delete, %d unchanged (tenant %s" % (
        len(tenant_groups), emulator_url.split("//")[1]) in plan
    assert emulator_url != emulator.base_url
    assert len(emulator.requests()) == tenant_requests  # the tenant saw nothing of the job
    assert not answers(emulator_url)  # stopped


def answers(url, wait=5.0):
    """Whether the emulator at ``url`` still answers after up to ``wait`` seconds (it exits within half a second)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/__emulator/state", timeout=2)
        except requests.ConnectionError:
            return False
        time.sleep(0.2)
    return True
