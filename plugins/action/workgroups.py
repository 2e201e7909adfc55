# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The controller side of sailpoint.isc.workgroups: a ``groups_file`` read here and given to the module as ``groups``.

A list of thousands of groups kept in an Ansible variable costs tens of seconds before the first request on
ansible-core 2.19+ (the variables file loaded with every value tagged with its origin, the variable templated for the
role's argument validation and again for the task, deep copies; see benchmarks/RESULTS.md). A file named by
``groups_file`` is read here with plain ``json`` / ``yaml`` and handed to the module as it is - never a variable,
never templated - the way ``ansible.builtin.copy`` finds its ``src`` and ``kubernetes.core.k8s`` its ``src``.
Every other option, and every run without ``groups_file``, goes to the module unchanged.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional

import yaml

from ansible.errors import AnsibleActionFail, AnsibleError, AnsibleFileNotFound
from ansible.plugins.action import ActionBase

try:
    from yaml import CSafeLoader as _BaseLoader  # libyaml: much faster on large files
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):  # pylint: disable=too-many-ancestors
    """A safe loader that keeps dates and !!binary as the text they are written as: a group's name or description
    ``2024-01-01`` is text to ISC, and the list goes to the module as JSON, which has no dates or bytes."""


for _tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
    _Loader.add_constructor(_tag, yaml.constructor.SafeConstructor.construct_yaml_str)

NOTHING_SENT = "Nothing was sent to ISC."


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        keys = ", ".join(str(key) for key in list(value)[:5])
        return "a dictionary (keys: %s)" % keys if keys else "an empty dictionary"
    kinds = ((bool, "a boolean"), (str, "a string"), (int, "a number"), (float, "a number"), (list, "a list"))
    other = "null" if value is None else type(value).__name__
    return next((word for kind, word in kinds if isinstance(value, kind)), other)


def read_groups_file(path: str, name: Optional[str] = None) -> List[Any]:
    """The list the file ``path`` holds: JSON when its ``name`` (default ``path``; the user's file when ``path`` is its
    decrypted copy) ends with ``.json``, else YAML (which reads JSON too).

    Raises ValueError with a message naming ``name`` (a directory, unreadable, not valid JSON / YAML, empty, or not a
    list). The entries themselves are checked by the module, as those of ``groups``.
    """
    shown = name or path
    if os.path.isdir(path):
        raise ValueError("%s is a directory, not a file of groups" % shown)
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError as exc:
        raise ValueError("cannot read %s: %s" % (shown, exc.strerror or exc)) from None
    return _parse(content, shown)


def _parse(content: bytes, path: str) -> List[Any]:
    """The list ``content`` (the file ``path``) holds, or ValueError naming ``path`` and what is wrong."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError("%s is not UTF-8 text (byte %d)" % (path, exc.start)) from None
    if not text.strip():
        raise ValueError("%s is empty; it must hold a list of groups (write [] to manage no group)" % path)
    try:
        if path.lower().endswith(".json"):
            value = json.loads(text)
        else:
            value = yaml.load(text, Loader=_Loader)  # nosec B506 - a safe loader (CSafeLoader or SafeLoader)
    except json.JSONDecodeError as exc:
        raise ValueError("%s is not valid JSON: %s" % (path, exc)) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        raise ValueError("%s is not valid YAML%s: %s" % (
            path, " (line %d, column %d)" % (where.line + 1, where.column + 1) if where is not None else "",
            getattr(exc, "problem", None) or exc)) from None
    if not isinstance(value, list):
        hint = "; the file holds the list itself, not a variable" if isinstance(value, dict) and len(value) == 1 else ""
        raise ValueError("%s must hold a list of groups, got %s%s" % (path, _kind(value), hint))
    return value


class ActionModule(ActionBase):
    """Run sailpoint.isc.workgroups; with ``groups_file``, read the file on the controller first."""

    def run(self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # no effect since ansible-core 2.5
        args = dict(self._task.args)
        source = args.pop("groups_file", None)
        if source is None:  # the list is in the task (or nothing is, and the module says what is missing)
            result.update(self._execute_module(module_args=args, task_vars=task_vars))
            return result
        if args.get("groups") is not None:
            raise AnsibleActionFail("Give either groups or groups_file, not both. %s" % NOTHING_SENT)
        if not isinstance(source, str) or not source.strip():
            raise AnsibleActionFail("groups_file must be the path of a file, got %s. %s" % (
                repr(source) if isinstance(source, str) else _kind(source), NOTHING_SENT))
        try:
            path = self._find_needle("files", source)
        except AnsibleFileNotFound:
            raise AnsibleActionFail("groups_file %s: no such file (a relative path is looked up in a files/ directory, "
                                    "then the playbook's or role's directory). %s" % (source, NOTHING_SENT)) from None
        real = path
        try:
            if os.path.isfile(path):
                real = self._loader.get_real_file(path, decrypt=True)  # an ansible-vault encrypted file, decrypted
            args["groups"] = read_groups_file(real, path)
        except (ValueError, AnsibleError) as exc:
            raise AnsibleActionFail("groups_file: %s. %s" % (exc, NOTHING_SENT)) from None
        finally:
            if real != path:
                self._loader.cleanup_tmp_file(real)
        # messages point into the file: groups_file /path/groups.yml[3] "Auditors": ... (the role names its variable)
        args["groups_label"] = "%s %s" % (args.get("groups_label") or "groups_file", path)
        result.update(self._execute_module(module_args=args, task_vars=task_vars))
        return result
