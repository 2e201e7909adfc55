# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Governance group membership: the 207 verdicts of the bulk writes and how identities are shown.

Private to the collection (``_`` prefix). Pure functions, no HTTP: the executor feeds them what the
client wrote. Every function is linear in the number of members (sorting for display aside).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional

ADD_MEMBERS = "add"
REMOVE_MEMBERS = "remove"

# Per-item statuses of the members bulk-add / bulk-delete 207 answers: 201 added, 409 already a member; 204 removed,
# 404 not a member (https://developer.sailpoint.com/docs/api/v2024/update-workgroup-members,
# https://developer.sailpoint.com/docs/api/v2024/delete-workgroup-members).
# done = this request changed the membership; already = the state already held (not an error).
DONE_STATUS = {ADD_MEMBERS: 201, REMOVE_MEMBERS: 204}
ALREADY_STATUS = {ADD_MEMBERS: 409, REMOVE_MEMBERS: 404}


def plural(count: int, noun: str, plural_noun: Optional[str] = None) -> str:
    """``1 member`` / ``2 members``; ``plural_noun`` for irregular forms (``identity`` -> ``identities``)."""
    return "%d %s" % (count, noun if count == 1 else plural_noun or noun + "s")


class BulkOutcome:
    """The verdict on a merged 207 answer of one bulk operation (``add`` or ``remove``).

    ``done``: ids this request changed; ``already``: ids whose state already held (409 on add,
    404 on remove); ``failed``: ``{id, status, description}`` for everything else, including
    requested ids the answer does not mention (status None).
    """

    def __init__(self, action: str) -> None:
        self.action = action
        self.done = []  # type: List[str]
        self.already = []  # type: List[str]
        self.failed = []  # type: List[Dict[str, Any]]

    @property
    def ok(self) -> bool:
        """True when no item failed."""
        return not self.failed


def classify_results(
    action: str, items: Iterable[Mapping[str, Any]], requested: Optional[Iterable[str]] = None
) -> BulkOutcome:
    """Sort the 207 items of a members bulk-``action`` into done / already / failed.

    ``requested`` (the ids sent) lets a missing item count as a failure instead of passing
    silently. An id reported twice keeps its first verdict.
    """
    if action not in DONE_STATUS:
        raise ValueError("action must be %r or %r, got %r" % (ADD_MEMBERS, REMOVE_MEMBERS, action))
    done_status = DONE_STATUS[action]
    already_status = ALREADY_STATUS[action]
    outcome = BulkOutcome(action)
    seen = set()  # type: Set[str]
    for item in items:
        identity_id = item.get("id")
        if identity_id in seen:
            continue
        seen.add(identity_id)
        status = _as_int(item.get("status"))
        if status == done_status:
            outcome.done.append(identity_id)
        elif status == already_status:
            outcome.already.append(identity_id)
        else:
            outcome.failed.append({"id": identity_id, "status": status, "description": _text(item.get("description"))})
    for identity_id in requested or ():
        if identity_id not in seen:
            seen.add(identity_id)
            outcome.failed.append(
                {"id": identity_id, "status": None, "description": "ISC's 207 answer has no item for this identity"}
            )
    return outcome


def _as_int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str:
    return "" if value is None else " ".join(str(value).split())


# ------------------------------------------------------------------ what the modules report
def label(identity: Mapping[str, Any]) -> str:
    """``name (id)``, or the bare id when the name is unknown: how every message, summary and diff shows an identity."""
    name = identity.get("name")
    return "%s (%s)" % (name, identity.get("id")) if name else str(identity.get("id"))


def diff_lines(members: Iterable[Mapping[str, Any]]) -> List[str]:
    """Sorted ``name (id)`` lines, one per member."""
    return sorted((label(m) for m in members), key=lambda line: (line.lower(), line))


def diff_text(members: Iterable[Mapping[str, Any]]) -> str:
    """The ``diff.before`` / ``diff.after`` text: one sorted ``name (id)`` line per member.

    Plain text rather than a list: Ansible diffs a list as JSON, where the commas make an unchanged
    last member show up as removed and added again.
    """
    lines = diff_lines(members)
    return "".join(line + "\n" for line in lines)


def membership_diff(
    group: str, before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]
) -> Dict[str, str]:
    """``{before, after, before_header, after_header}`` for the result's ``diff`` (``group`` names the group)."""
    return {"before": diff_text(before), "after": diff_text(after),
            "before_header": "members of %s" % group, "after_header": "members of %s" % group}


def describe_failures(
    failures: Iterable[Mapping[str, Any]], known: Mapping[str, Mapping[str, Any]], limit: int = 10
) -> str:
    """One readable clause per failed item: ``name (id): HTTP 404 description``; at most ``limit``, then a count."""
    parts = []
    failures = list(failures)
    for failure in failures[:limit]:
        identity_id = failure.get("id")
        who = label(known[identity_id]) if identity_id in known else str(identity_id)
        status = failure.get("status")
        text = ("HTTP %s" % status) if status is not None else "no status"
        if failure.get("description"):
            text += " " + str(failure["description"])
        parts.append("%s: %s" % (who, text))
    if len(failures) > limit:
        parts.append("and %d more" % (len(failures) - limit))
    return "; ".join(parts)
