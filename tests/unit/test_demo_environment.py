"""`make demo` installs only requirements-demo.txt (ansible-core, requests, the emulator's luqum), not the dev tools.

Its cold time (venv included) is measured by hand and stated in the README; here: the demo's recipe never builds the
dev venv, and everything the demo runs (the emulator, the emulator wrapper, the modules) imports only the standard
library and what requirements-demo.txt installs.
"""
from __future__ import annotations

import ast
import glob
import os
import re
import subprocess
import sys

from tests.utils.playbook import ROOT

# Import names of each distribution requirements-demo.txt installs (with what it brings: ansible-core jinja2 and yaml,
# requests urllib3).
DEMO_IMPORTS = {"ansible-core": {"ansible", "jinja2", "yaml"}, "requests": {"requests", "urllib3"}, "luqum": {"luqum"}, "ply": {"ply"}}
DEMO_CODE = ("tests/emulator/*.py", "tests/utils/with_emulator.py", "plugins/module_utils/*.py", "plugins/modules/*.py")


def requirements(path):
    """Distribution names of a requirements file, following ``-r`` includes."""
    names = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#")[0].strip()
            if line.startswith("-r "):
                names += requirements(os.path.join(os.path.dirname(path), line[3:].strip()))
            elif line:
                names.append(re.split(r"[=<>!~\[; ]", line)[0].lower())
    return names


def top_level_imports(path):
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_the_demo_code_imports_only_what_requirements_demo_installs():
    installed = requirements(os.path.join(ROOT, "requirements-demo.txt"))
    assert sorted(installed) == sorted(DEMO_IMPORTS)
    allowed = set().union(*DEMO_IMPORTS.values()) | set(sys.stdlib_module_names) | {"ansible_collections", "tests", "__future__"}
    foreign = {}
    for pattern in DEMO_CODE:
        for path in glob.glob(os.path.join(ROOT, pattern)):
            outside = sorted(set(top_level_imports(path)) - allowed)
            if outside:
                foreign[os.path.relpath(path, ROOT)] = outside
    assert foreign == {}


def test_make_demo_builds_its_own_small_venv_not_the_dev_one(tmp_path):
    # -n: print the recipes; -B: as if nothing were built yet (a fresh clone)
    proc = subprocess.run(["make", "-n", "-B", "demo", "BUILD=%s" % tmp_path], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout
    assert "-r requirements-demo.txt" in proc.stdout and ".venv-demo/bin/ansible-playbook" in proc.stdout
    assert "requirements-dev.txt" not in proc.stdout and "/.venv/" not in proc.stdout


def test_the_dev_requirements_include_the_demo_ones():
    dev = requirements(os.path.join(ROOT, "requirements-dev.txt"))
    assert set(DEMO_IMPORTS) <= set(dev)
