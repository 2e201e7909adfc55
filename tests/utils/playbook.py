"""Helpers for pytest files that run real ansible-playbook processes against the emulator."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def collections_path() -> str:
    """The sys.path entry holding ansible_collections/sailpoint/isc for this checkout (see the root conftest.py)."""
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "ansible_collections", "sailpoint", "isc")
        if os.path.isdir(candidate) and os.path.realpath(candidate) == os.path.realpath(ROOT):
            return os.path.abspath(entry or ".")
    pytest.skip("no ansible_collections/sailpoint/isc tree on sys.path points at this checkout")
    raise AssertionError("unreachable")


def ansible_playbook() -> str:
    path = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.path.exists(path):
        pytest.skip("ansible-playbook is not installed next to %s" % sys.executable)
    return path
