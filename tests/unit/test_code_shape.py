# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shape the code keeps (issue 22): functions short enough to read at once, lines within the limit, one end.

ansible-test's pep8 sanity test allows 160 characters; module_utils keeps to the project's 120.
"""

from __future__ import annotations

import ast
import pathlib

PLUGINS = pathlib.Path(__file__).resolve().parents[2] / "plugins"
MAX_FUNCTION_LINES = 60
MAX_LINE_LENGTH = 120


def _sources(folder: pathlib.Path):
    return sorted(path for path in folder.rglob("*.py") if path.name != "__init__.py")


def test_the_plugins_are_found():
    names = {path.name for path in _sources(PLUGINS)}
    assert {"_module.py", "_executor.py", "workgroups.py"} <= names


def test_no_function_in_plugins_is_longer_than_60_lines():
    # A module's DOCUMENTATION / EXAMPLES / RETURN are strings, not functions: they are not counted.
    long = []
    for path in _sources(PLUGINS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append("%s:%d %s (%d lines)" % (path.relative_to(PLUGINS), node.lineno, node.name, length))
    assert long == []


def test_module_utils_lines_are_within_120_characters():
    long = ["%s:%d (%d characters)" % (path.name, number, len(line))
            for path in _sources(PLUGINS / "module_utils")
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if len(line) > MAX_LINE_LENGTH]
    assert long == []


def test_only_module_finish_ends_a_run():
    # Every module's main() ends with _module.finish; nothing below it calls exit_json / fail_json.
    callers = []
    for path in _sources(PLUGINS):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                calls = {call.func.attr for call in ast.walk(node)
                         if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)}
                if calls & {"exit_json", "fail_json"}:
                    callers.append("%s %s" % (path.name, node.name))
    assert callers == ["_module.py finish"]
    for path in _sources(PLUGINS / "modules"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        main = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main")
        last = main.body[-1]
        assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call), path.name
        assert getattr(last.value.func, "id", None) == "finish", path.name


MODULE_UTILS = "ansible_collections.sailpoint.isc.plugins.module_utils"


def _imported_module_utils(path: pathlib.Path, seen=None):
    """The module_utils files ``path`` imports, directly or through others (what AnsiballZ packs and compiles)."""
    seen = set() if seen is None else seen
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == MODULE_UTILS:  # from ...module_utils import _connection
                names = [alias.name for alias in node.names]
            elif node.module.startswith(MODULE_UTILS + "."):  # from ...module_utils._client import IscClient
                names = [node.module[len(MODULE_UTILS) + 1:]]
            else:
                continue
            for name in names:
                if name not in seen:
                    seen.add(name)
                    _imported_module_utils(PLUGINS / "module_utils" / (name + ".py"), seen)
    return seen


def test_workgroup_info_does_not_load_the_write_pipeline():
    # AnsiballZ gives a module no bytecode cache: every module_utils file a task imports is compiled again on each task.
    # A reading module that imported the pipeline paid about 55 ms of CPU per task for code it never runs.
    imported = _imported_module_utils(PLUGINS / "modules" / "workgroup_info.py")
    assert {"_module", "_client", "_identities"} <= imported
    assert imported & {"_pipeline", "_executor", "_plan", "_reader", "_desired", "_report", "_query"} == set()
