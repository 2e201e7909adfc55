"""Shared pytest fixtures: the ISC emulator (see tests/emulator/README.md); the marker of process tests."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.emulator import Emulator
from tests.utils import playbook


@pytest.fixture(scope="session", name="emulator_server")
def emulator_server_fixture() -> Iterator[Emulator]:
    """One started emulator for the whole session: empty tenant, rate limit OFF."""
    emu = Emulator(faults={"rate_limit": None}).start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_server: Emulator) -> Iterator[Emulator]:
    """The session emulator, reset for this test: empty tenant, no faults, rate limit OFF, empty log, no tokens."""
    emulator_server.reset()
    emulator_server.set_faults({"rate_limit": None})
    yield emulator_server


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tell run_playbook whether this test carries the processes marker (it refuses to run in a test without)."""
    playbook.marked["current"] = item.get_closest_marker(playbook.MARKER) is not None
