# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The client of the module_utils tests: a real IscClient talking HTTP to the test's emulator."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from ansible_collections.sailpoint.isc.plugins.module_utils._client import IscClient
from tests.emulator import Emulator


@pytest.fixture(name="make_client")
def make_client_fixture(emulator: Emulator) -> Callable[..., IscClient]:
    """Factory: ``make_client(**options)`` is an IscClient for the emulator, signed in with the emulator's API client;
    ``options`` add or replace any IscClient option (``client_secret``, ``sleep``, ``rate_limit``...)."""

    def make(**options: Any) -> IscClient:
        settings = {"client_id": emulator.client_id, "client_secret": emulator.client_secret}  # type: Any
        settings.update(options)
        return IscClient(emulator.base_url, **settings)

    return make
