"""An AWX-style job: the playbooks of docs/awx.md run through ansible-runner, the library AWX runs jobs with.

As AWX lays out a job's private data directory (ansible-runner's input layout): ``env/envvars`` holds what the job's
credentials inject (the credential types of docs/awx.md, their injectors rendered with Jinja's sandbox as AWX renders
them), ``env/extravars`` the job's extra variables, ``env/cmdline`` the job type's options (``--check`` for a check
job, ``--diff`` for Show Changes), ``inventory/hosts`` an executable script printing the inventory as JSON, and
``project/`` the project. Process isolation is off (no container): the execution environment is this venv, with the
collection on ANSIBLE_COLLECTIONS_PATH. One tenant (the single-tenant credential type, the walkthrough's site.yml) and
two tenants (docs/examples/tenants with one credential type per tenant). Each job's events and artifacts must not
hold a secret: the credentials' client secrets and every access token the emulators issued.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import stat
import textwrap
from typing import Any, Dict, List

import ansible_runner
import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.emulator import Emulator
from tests.utils.playbook import ROOT, ansible_playbook, collections_path

pytestmark = pytest.mark.processes  # slow processes: see tests/utils/playbook.py

AWX_GUIDE = os.path.join(ROOT, "docs", "awx.md")
EXAMPLE = os.path.join(ROOT, "docs", "examples", "tenants")
SEEDS = os.path.join(EXAMPLE, "emulator")


def guide_yaml_blocks() -> List[Any]:
    with open(AWX_GUIDE, encoding="utf-8") as handle:
        text = handle.read()
    return [yaml.safe_load(textwrap.dedent(block))
            for _indent, block in re.findall(r"^( *)```yaml\n(.*?)^\1```$", text, re.MULTILINE | re.DOTALL)]


def injected_env(injector: Dict[str, str], inputs: Dict[str, str]) -> Dict[str, str]:
    """What a credential of a type with this injector puts into the job's environment (unset fields render as '')."""
    sandbox = ImmutableSandboxedEnvironment()
    return {name: sandbox.from_string(template).render(**inputs) for name, template in injector.items()}


def write_private_data_dir(path, project, envvars, extravars, inventory, cmdline):
    """The layout AWX hands to ansible-runner."""
    shutil.copytree(project, str(path / "project"), symlinks=False)
    (path / "env").mkdir()
    (path / "env" / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    (path / "env" / "extravars").write_text(json.dumps(extravars), encoding="utf-8")
    (path / "env" / "cmdline").write_text(cmdline, encoding="utf-8")
    (path / "inventory").mkdir()
    script = path / "inventory" / "hosts"
    script.write_text("#!/usr/bin/env python3\nprint(%r)\n" % json.dumps(inventory), encoding="utf-8")
    script.chmod(stat.S_IRWXU)


def awx_job(tmp_path, name, project, envvars, inventory, cmdline):
    """Run site.yml as an AWX job of job type/options ``cmdline``; returns (runner, everything the job left behind)."""
    data_dir = tmp_path / name
    data_dir.mkdir()
    extravars = {"awx_job_id": 42, "awx_job_template_name": "ISC governance groups: " + name, "tower_job_id": 42}
    write_private_data_dir(data_dir, project, envvars, extravars, inventory, cmdline)
    runner = ansible_runner.run(private_data_dir=str(data_dir), playbook="site.yml", process_isolation=False, quiet=True,
                                ident=name)
    return runner, data_dir / "artifacts" / name


def leaks(artifacts, runner, secrets_by_name):
    """Which secrets appear in the job's events or in its artifacts (``command`` aside: see below)."""
    texts = {"events": json.dumps(list(runner.events))}
    for root, _dirs, files in os.walk(str(artifacts)):
        for file_name in files:
            with open(os.path.join(root, file_name), encoding="utf-8", errors="replace") as handle:
                texts[os.path.relpath(os.path.join(root, file_name), str(artifacts))] = handle.read()
    # ansible-runner records the environment it started ansible-playbook with in artifacts/<ident>/command: the job's
    # input (AWX keeps it as the job's redacted job_env), not output of the collection. It holds the secrets, which
    # shows that the scan sees them where they are.
    command = texts.pop("command")
    assert all(value in command for value in secrets_by_name.values() if value.startswith("secret-"))
    return ["%s in %s" % (what, where) for what, value in secrets_by_name.items() for where, text in texts.items() if value in text]


def task_results(runner, task):
    return [event["event_data"]["res"] for event in runner.events
            if event.get("event") == "runner_on_ok" and event["event_data"].get("task") == task]


def recording(emulator: Emulator, issued: List[str]) -> Emulator:
    """``emulator``, noting each access token it issues in ``issued``."""
    original = emulator._issue_token  # pylint: disable=protected-access

    def issue(client: Dict[str, Any]) -> Dict[str, Any]:
        answer = original(client)
        issued.append(answer["access_token"])
        return answer

    emulator._issue_token = issue  # pylint: disable=protected-access
    return emulator


def tenant(seed_file, client_id, issued):
    """An emulator seeded from the example, whose API client (no user context, as AWX jobs usually have) is client_id."""
    with open(os.path.join(SEEDS, seed_file), encoding="utf-8") as handle:
        seed = json.load(handle)
    secret = "secret-" + secrets.token_hex(12)
    seed["clients"] = [{"client_id": client_id, "client_secret": secret, "user_context": False, "scopes": ["sp:scopes:all"]}]
    return recording(Emulator(seed=seed, faults={"rate_limit": None}).start(), issued), secret


def execution_environment(monkeypatch):
    """The job's process environment as the EE gives it: ansible-playbook on PATH, the collection installed, no SAIL_*."""
    for key in list(os.environ):
        if key.startswith(("SAIL_", "ISC_", "ANSIBLE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("PATH", os.path.dirname(ansible_playbook()) + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("ANSIBLE_COLLECTIONS_PATH", collections_path())


def mutations(emulator):
    return [entry for entry in emulator.requests() if entry.get("mutating")]


def test_one_tenant_plan_and_apply_jobs(tmp_path, monkeypatch):
    execution_environment(monkeypatch)
    issued = []  # type: List[str]
    emulator, secret = tenant("sandbox.json", "awx-api-client", issued)
    try:
        blocks = guide_yaml_blocks()
        site = next(block for block in blocks if isinstance(block, list) and block[0].get("post_tasks"))
        injector = next(block["env"] for block in blocks if isinstance(block, dict) and "SAIL_BASE_URL" in block.get("env", {}))
        host_vars = next(block for block in blocks if isinstance(block, dict) and block.get("ansible_connection") == "local")
        project = tmp_path / "repository"
        (project / "group_vars" / "all").mkdir(parents=True)
        (project / "site.yml").write_text(yaml.safe_dump(site, sort_keys=False), encoding="utf-8")
        shutil.copy(os.path.join(EXAMPLE, "group_vars", "all", "governance_groups.yml"), str(project / "group_vars" / "all"))
        envvars = injected_env(injector, {"base_url": emulator.base_url, "client_id": "awx-api-client", "client_secret": secret,
                                          "access_token": "", "api_version": ""})
        inventory = {"all": {"hosts": ["localhost"]}, "_meta": {"hostvars": {"localhost": host_vars}}}

        plan, plan_artifacts = awx_job(tmp_path, "plan", project, envvars, inventory, "--check --diff")
        assert (plan.status, plan.rc) == ("successful", 0), plan.stdout.read()[-3000:]
        summary = task_results(plan, "Show the plan and what was done")[0]["msg"]
        assert summary[0] == "Plan: 1 to create, 0 to update, 0 to delete, 0 unchanged (tenant 127.0.0.1:%d, API client awx-api-client)" % emulator.port
        assert summary[-1] == "Check mode: nothing was changed." and mutations(emulator) == []

        apply, apply_artifacts = awx_job(tmp_path, "apply", project, envvars, inventory, "--diff")
        assert (apply.status, apply.rc) == ("successful", 0) and apply.stats["changed"] == {"localhost": 1}
        group = next(group for group in emulator.state.groups.values() if group["name"] == "Finance Approvers")
        emails = {emulator.state.identities[member]["email"] for member in group["members"]}
        assert emails == {"alan.turing@example.com", "grace.hopper@example.com"}  # email references, an API client

        again, again_artifacts = awx_job(tmp_path, "again", project, envvars, inventory, "--diff")
        assert (again.status, again.rc) == ("successful", 0) and again.stats["changed"] == {}
        assert len(issued) == 3  # one token per job
        hidden = dict({"client secret": secret}, **{"access token %d" % number: token for number, token in enumerate(issued)})
        for runner, artifacts in ((plan, plan_artifacts), (apply, apply_artifacts), (again, again_artifacts)):
            assert leaks(artifacts, runner, hidden) == []
    finally:
        emulator.stop()


def test_two_tenants_in_one_job(tmp_path, monkeypatch):
    execution_environment(monkeypatch)
    issued = []  # type: List[str]
    sandbox, sandbox_secret = tenant("sandbox.json", "awx-sandbox-client", issued)
    production, production_secret = tenant("production.json", "awx-production-client", issued)
    try:
        tenant_type = next(block for block in guide_yaml_blocks() if isinstance(block, dict) and "ISC_SANDBOX_CLIENT_ID" in block.get("env", {}))
        production_injector = {name.replace("SANDBOX", "PRODUCTION"): value for name, value in tenant_type["env"].items()}
        envvars = dict(injected_env(tenant_type["env"], {"base_url": sandbox.base_url, "client_id": "awx-sandbox-client",
                                                         "client_secret": sandbox_secret}),
                       **injected_env(production_injector, {"base_url": production.base_url, "client_id": "awx-production-client",
                                                            "client_secret": production_secret}))
        # The inventory AWX synced from the project's inventory.yml: its hosts, with their variables as written.
        with open(os.path.join(EXAMPLE, "inventory.yml"), encoding="utf-8") as handle:
            example = yaml.safe_load(handle)["all"]
        inventory = {"all": {"hosts": sorted(example["hosts"]), "vars": example["vars"]},
                     "_meta": {"hostvars": example["hosts"]}}

        plan, plan_artifacts = awx_job(tmp_path, "plan", EXAMPLE, envvars, inventory, "--check --diff --forks 2")
        assert (plan.status, plan.rc) == ("successful", 0), plan.stdout.read()[-3000:]
        assert mutations(sandbox) == [] and mutations(production) == []
        firsts = {event["event_data"]["host"]: event["event_data"]["res"]["msg"][0] for event in plan.events
                  if event.get("event") == "runner_on_ok" and event["event_data"].get("task") == "Show the plan and what was done"}
        assert firsts == {
            "sandbox": "Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged (tenant 127.0.0.1:%d, API client awx-sandbox-client)"
                       % sandbox.port,
            "production": "Plan: 1 to create, 0 to update, 1 to delete, 0 unchanged (tenant 127.0.0.1:%d, API client "
                          "awx-production-client)" % production.port}

        apply, apply_artifacts = awx_job(tmp_path, "apply", EXAMPLE, envvars, inventory, "--diff --forks 2")
        assert (apply.status, apply.rc) == ("successful", 0) and apply.stats["changed"] == {"sandbox": 1, "production": 1}
        assert sorted(group["name"] for group in sandbox.state.groups.values()) == ["Finance Approvers", "Sandbox Testers"]
        assert sorted(group["name"] for group in production.state.groups.values()) == ["Administrators", "Finance Approvers"]
        # each tenant saw only its own API client
        assert {entry.get("client_id") for entry in sandbox.requests()} - {None} == {"awx-sandbox-client"}
        assert {entry.get("client_id") for entry in production.requests()} - {None} == {"awx-production-client"}
        hidden = dict({"sandbox client secret": sandbox_secret, "production client secret": production_secret},
                      **{"access token %d" % number: token for number, token in enumerate(issued)})
        assert len(issued) == 4
        for runner, artifacts in ((plan, plan_artifacts), (apply, apply_artifacts)):
            assert leaks(artifacts, runner, hidden) == []
    finally:
        sandbox.stop()
        production.stop()
