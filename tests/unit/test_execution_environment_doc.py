"""docs/execution-environment.md: the documented introspection, run as printed after the README's install.

ansible-builder reads `meta/execution-environment.yml` from the installed collection; `ansible-builder introspect`
shows what it found without building an image (no container engine needed).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.utils.playbook import ROOT, ansible_playbook

pytestmark = pytest.mark.processes  # ansible-galaxy and ansible-builder processes

DOC = os.path.join(ROOT, "docs", "execution-environment.md")
DOC_DIR = "/tmp/ee-check"


def documented_check():
    """The commands and the expected output (the comment lines) of the introspection block."""
    with open(DOC, encoding="utf-8") as doc:
        text = doc.read()
    block = re.search(r"To check what ansible-builder will pick up.*?^```sh\n(.*?)^```$", text, re.MULTILINE | re.DOTALL).group(1)
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    expected = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    return commands, expected


def run(command, cwd, env):
    return subprocess.run(["bash", "-e", "-c", command], cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """A user who built the tarball and installed it as the README says (into ~/.ansible/collections)."""
    bin_dir = os.path.dirname(ansible_playbook())
    if not os.path.exists(os.path.join(bin_dir, "ansible-builder")):
        pytest.skip("ansible-builder is not installed next to ansible-playbook (requirements-dev.txt)")
    home = tmp_path_factory.mktemp("ee-user")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(HOME=str(home), PATH=bin_dir + os.pathsep + env.get("PATH", ""), ANSIBLE_NOCOLOR="1")
    built = run("ansible-galaxy collection build --output-path %s %s" % (home, ROOT), home, env)
    assert built.returncode == 0, built.stderr
    installed = run("ansible-galaxy collection install sailpoint-isc-0.1.0.tar.gz", home, env)
    assert installed.returncode == 0 and os.path.isdir(home / ".ansible/collections/ansible_collections/sailpoint/isc"), installed.stderr
    return home, env


def test_documented_introspection_lists_requests(user):
    home, env = user
    commands, expected = documented_check()
    programs = [["ansible-galaxy", "collection", "install"], ["ansible-builder", "introspect", "--sanitize"]]
    assert [command.split()[:3] for command in commands] == programs
    target = str(home / "ee-check")
    outputs = []
    for command in commands:
        result = run(command.replace(DOC_DIR, target), home, env)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert outputs[-1].rstrip("\n").splitlines() == [line.replace(DOC_DIR, target) for line in expected]
    assert "- 'requests>=2.25  # from collection sailpoint.isc'" in outputs[-1].splitlines()


def test_without_force_the_introspection_finds_nothing(user):
    """Why the documented install has --force: without it, an installed copy elsewhere leaves the directory empty."""
    home, env = user
    commands, _expected = documented_check()
    target = str(home / "ee-check-no-force")
    shutil.rmtree(target, ignore_errors=True)
    install = commands[0].replace(" --force", "").replace(DOC_DIR, target)
    assert run(install, home, env).returncode == 0
    introspect = run(commands[1].replace(DOC_DIR, target), home, env)
    assert introspect.returncode == 0
    assert "python: []" in introspect.stdout.splitlines()
