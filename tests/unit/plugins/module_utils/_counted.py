# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Counted work instead of wall-clock time: an id that counts the set and dict operations done on it."""

from __future__ import annotations


class CountedId(str):
    """An identity id that counts how often it is hashed or compared for equality (every set and dict operation does one or the other)."""

    operations = 0

    def __eq__(self, other):
        CountedId.operations += 1
        return str.__eq__(self, other)

    def __hash__(self):
        CountedId.operations += 1
        return str.__hash__(self)
