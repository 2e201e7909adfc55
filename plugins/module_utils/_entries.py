# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of each entry of a list option (``groups``), checked once, by the collection.

Private to the collection (``_`` prefix). A module documents the entries' suboptions (DOCUMENTATION, ansible-doc)
and gives AnsibleModule the list as ``type: list, elements: dict`` without ``options`` (ansible-test's validate-modules
compares suboptions only where the argument spec declares them); :func:`check_entries` then does what AnsibleModule's
nested validation did - defaults, the same type conversions (Ansible's own ``check_type_*``), required keys, choices -
in one pass, with messages that name the entry (index and name), the key and, for an unknown key, the closest valid
one. AnsibleModule's generic nested validation costs about a millisecond per entry at tenant scale (thousands of
entries) and its message for an unknown key names neither the entry nor what was meant.
"""

from __future__ import annotations

import difflib
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from ansible.module_utils.common.validation import check_type_bool, check_type_int, check_type_list, check_type_str

from ansible_collections.sailpoint.isc.plugins.module_utils._desired import quote

Spec = Mapping[str, Mapping[str, Any]]


def _text(value: Any) -> str:
    """A string option: a number becomes its text (YAML reads ``name: 2024`` as a number; AnsibleModule converts it
    too);
    a boolean, list or dictionary is refused instead of turned into Python's text of it (``True``, ``{'a': 1}``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError("not a string")
    return check_type_str(value)


# type name -> (the converter: Ansible's own check_type_*, how a message names the type)
_TYPES = {
    "str": (_text, "a string"),
    "bool": (check_type_bool, "a boolean (true or false)"),
    "int": (check_type_int, "a whole number"),
    "list": (check_type_list, "a list"),
    "raw": (None, "any value"),
}  # type: Dict[str, Tuple[Any, str]]


def _what(value: Any) -> str:
    """A value in a message: its repr, shortened, and its YAML kind."""
    kinds = {
        dict: "a dictionary",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    kind = next((word for cls, word in kinds.items() if isinstance(value, cls)), type(value).__name__)
    return "null" if value is None else "%s (%s)" % (text, kind)


def closest(key: Any, valid: Sequence[str]) -> List[str]:
    """The valid keys a mistyped ``key`` most likely meant, best first (none when nothing is close)."""
    return difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)


def _check_value(where: str, key: str, value: Any, option: Mapping[str, Any]) -> Tuple[Any, List[str]]:
    """``value`` converted as AnsibleModule converts it, and what is wrong with it (``where``: the entry's label)."""
    kind = option.get("type", "str")
    converter, words = _TYPES[kind]
    if converter is not None:
        try:
            value = converter(value)
        except (TypeError, ValueError):
            return value, ["%s: %s must be %s, got %s" % (where, key, words, _what(value))]
    if kind == "list" and option.get("elements") not in (None, "raw"):
        element_converter, element_words = _TYPES[option["elements"]]
        converted = []
        for position, element in enumerate(value):
            try:
                converted.append(element_converter(element))
            except (TypeError, ValueError):
                return value, ["%s: %s[%d] must be %s, got %s" % (where, key, position, element_words, _what(element))]
        value = converted
    choices = option.get("choices")
    if choices is not None and value not in choices:
        return value, [
            "%s: %s must be one of %s, got %s"
            % (where, key, ", ".join(str(choice) for choice in choices), _what(value))
        ]
    return value, []


def check_entries(entries: Sequence[Any], spec: Spec, label: str) -> Tuple[List[Dict[str, Any]], List[str]]:
    """Each entry of the list option ``label`` as AnsibleModule's ``options`` would make it, and every problem at once.

    An entry gets every key of ``spec`` (its ``default``, else None; a key given as null counts as not given), values
    converted by Ansible's own type checks. A problem names the entry as ``label[index] "name"`` (the name when it has
    one), the key, the value and, for an unknown key, the closest valid key.
    """
    valid = list(spec)
    required = [key for key, option in spec.items() if option.get("required")]
    result = []  # type: List[Dict[str, Any]]
    problems = []  # type: List[str]
    for index, entry in enumerate(entries):
        where = "%s[%d]" % (label, index)
        if not isinstance(entry, Mapping):
            problems.append(
                "%s must be a dictionary with the keys %s, got %s" % (where, ", ".join(valid), _what(entry))
            )
            continue
        name = entry.get("name")
        if isinstance(name, (str, int)) and not isinstance(name, bool):  # YAML reads name: 2024 as a number
            where = "%s %s" % (where, quote(str(name)))
        checked = {}  # type: Dict[str, Any]
        for key, value in entry.items():
            option = spec.get(key) if isinstance(key, str) else None
            if option is None:
                guess = closest(key, valid)
                problems.append(
                    "%s: unknown key %s%s; the keys are %s"
                    % (
                        where,
                        _what(key).split(" (")[0],
                        " (did you mean '%s'?)" % guess[0] if guess else "",
                        ", ".join(valid),
                    )
                )
            elif value is not None:
                checked[key], wrong = _check_value(where, key, value, option)
                problems.extend(wrong)
        problems.extend("%s: %s is required" % (where, key) for key in required if checked.get(key) is None)
        for key, option in spec.items():
            checked.setdefault(key, option.get("default"))
        result.append(checked)
    return result, problems
