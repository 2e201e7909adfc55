# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading a file of groups on the controller (``groups_file`` of sailpoint.isc.workgroups), with plain json / yaml.

Private to the collection. Kept apart from the action plugin so that it imports nothing of Ansible's controller
(importing ``ansible.plugins.action`` switches ``ansible.module_utils`` into controller mode in that process).
"""

from __future__ import annotations

import json
import os
from typing import Any, List, Optional

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader  # libyaml: much faster on large files
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):  # pylint: disable=too-many-ancestors
    """A safe loader that keeps dates and !!binary as the text they are written as: a group's name or description
    ``2024-01-01`` is text to ISC, and the list goes to the module as JSON, which has no dates or bytes."""


for _tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
    _Loader.add_constructor(_tag, yaml.constructor.SafeConstructor.construct_yaml_str)


def kind(value: Any) -> str:
    """How a message names a value that is not what was expected: its kind (a dictionary with its first keys)."""
    if isinstance(value, dict):
        keys = ", ".join(str(key) for key in list(value)[:5])
        return "a dictionary (keys: %s)" % keys if keys else "an empty dictionary"
    kinds = ((bool, "a boolean"), (str, "a string"), (int, "a number"), (float, "a number"), (list, "a list"))
    other = "null" if value is None else type(value).__name__
    return next((word for cls, word in kinds if isinstance(value, cls)), other)


def json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON, about what the module gets: a value JSON has no type for (a YAML ``!!set``, which
    Ansible hands on as a list for the module to refuse, naming the entry) counts as its text instead of failing."""
    return len(json.dumps(value, default=str))


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
        raise ValueError("%s must hold a list of groups, got %s%s" % (path, kind(value), hint))
    return value
