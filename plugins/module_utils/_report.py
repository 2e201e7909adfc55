# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The result: what the pipeline's outcome looks like to the user of each module.

Private to the collection (``_`` prefix). The last step of the pipeline. One outcome (``_executor.py``),
three documented return shapes: the converge of a list (``workgroups``: summary lines, plan, counts,
failures, diff keyed by group name), one group (``workgroup``: the group, a per-field diff) and one
membership (``workgroup_members``: added/removed identities, a text diff of ``name (id)`` lines). They
share the views below (identity labels, sort order, failure descriptions), so they never disagree.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple
from urllib.parse import urlsplit

from ansible_collections.sailpoint.isc.plugins.module_utils._auth import TOKEN_PATH
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import IscAuthError, IscForbiddenError
from ansible_collections.sailpoint.isc.plugins.module_utils._executor import ACTION_LABELS, Outcome, StepResult
from ansible_collections.sailpoint.isc.plugins.module_utils._members import (
    ADD_MEMBERS,
    REMOVE_MEMBERS,
    describe_failures,
    label,
    membership_diff,
    plural,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._module import ModuleResult
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import (
    CREATE,
    DELETE,
    IN_USE,
    REASON_ABSENT,
    REASON_PURGE,
    REASON_RACE,
    REFUSED,
    UNCHANGED,
    UPDATE,
    Plan,
    Step,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._query import spread_text
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    FIELD,
    FIELDS,
    MANAGED_FIELDS,
    Field,
    describe,
    format_connections,
    would_be,
)

# The summary lists at most this many members per group and direction, then counts the rest.
SUMMARY_MEMBER_LINES = 10
# Descriptions longer than this are shortened in the summary (never in the plan or the diff).
SUMMARY_TEXT_WIDTH = 60
# Why the summary says a group is deleted.
DELETE_REASONS = {REASON_ABSENT: "state absent", REASON_PURGE: "not in the list, purge",
                  REASON_RACE: "a younger copy made by simultaneous runs; the oldest is kept"}


# ------------------------------------------------------------------ shared views
def _quote(text: Any) -> str:
    return '"%s"' % text


def _short(text: Optional[str]) -> str:
    text = " ".join((text or "").split())
    if len(text) > SUMMARY_TEXT_WIDTH:
        text = text[:SUMMARY_TEXT_WIDTH - 3] + "..."
    return _quote(text)


def _who(identity: Optional[Mapping[str, Any]]) -> str:
    """The summary's name for an identity: its name, else its id."""
    if not identity:
        return "nobody"
    return str(identity.get("name") or identity.get("id"))


def _shown(plan: Plan, field: Field, value: Any) -> Any:
    """A field's value in the plan and its changes: an identity as ``{id, name}``, text as it is."""
    return plan.identity(value) if field.identity else value


def _current(plan: Plan, group: Mapping[str, Any], field: Field) -> Any:
    """A tenant group's field as the plan shows it (as it compares: descriptions never None, owners ``{id, name}``)."""
    return _shown(plan, field, field.current(group))


def changes(plan: Plan, step: Step) -> Dict[str, Dict[str, Any]]:
    """``{field: {before, after}}`` of an update: names and descriptions as strings, owners as ``{id, name}``."""
    return {
        field.name: {"before": _current(plan, step.group, field), "after": _shown(plan, field, step.fields[field.name])}
        for field in FIELDS
        if field.name in step.fields
    }


def in_use_view(step: Step) -> Dict[str, Any]:
    """A group that was to be deleted but is in use: ``{name, id, reason, connection_count, connections}``."""
    count = step.connection_count
    connections = step.result.connections if step.result is not None else None
    if not (isinstance(count, int) and count > 0) and connections is not None:
        count = len(connections)  # the listing did not know (a 409 or 400 answer told)
    return {
        "name": step.name,
        "id": step.id,
        "reason": step.reason,
        "connection_count": count,
        "connections": connections,
    }


# ------------------------------------------------------------------ sailpoint.isc.workgroups
def plan_dict(plan: Plan, full: bool = True) -> Dict[str, Any]:
    """RV(plan): ``{to_create, to_update, to_delete, in_use, unchanged, queries}`` (``to_`` keys: ``plan.update`` would
    be the
    dict method in Jinja). Not ``full``: no ``unchanged`` and only the queries of groups that change or are refused, so
    that
    an unchanged group costs nothing in the result of a converge of thousands (``counts.unchanged`` counts them)."""
    result = {
        "to_create": [
            dict(
                {field.name: _shown(plan, field, step.fields.get(field.name)) for field in FIELDS},
                members=plan.identities(step.add),
                member_count=len(step.add),
            )
            for step in plan.of(CREATE)
        ],
        "to_update": [
            {
                "name": step.name,
                "id": step.id,
                "changes": changes(plan, step),
                "members_add": plan.identities(step.add),
                "members_remove": plan.identities(step.remove),
            }
            for step in plan.of(UPDATE)
        ],
        "to_delete": [
            dict(
                {field.name: _current(plan, step.group, field) for field in FIELDS},
                name=step.name,
                id=step.id,
                reason=step.reason,
                member_count=step.group.get("memberCount"),
            )
            for step in plan.of(DELETE)
        ],
        "in_use": [
            {"name": step.name, "id": step.id, "reason": step.reason, "connection_count": step.connection_count}
            for step in plan.of(IN_USE)
        ],
        "unchanged": [step.name for step in plan.of(UNCHANGED)],
        "queries": [
            query_view(step)
            for step in plan.steps
            if step.query_matched is not None and (full or step.action != UNCHANGED)
        ],
    }
    if not full:
        del result["unchanged"]
    return result


def query_view(step: Step) -> Dict[str, Any]:
    """A group whose members follow a query: ``{name, id, query, matched, spread, members_add, members_remove,
    refused}`` (``spread``: per field the query names, how many matches hold each value; the counts of the difference;
    ``refused``: why nothing is changed for it, else None)."""
    return {"name": step.name, "id": step.id, "query": step.entry.members_query, "matched": step.query_matched,
            "spread": step.query_spread or {}, "members_add": len(step.add), "members_remove": len(step.remove),
            "refused": step.refusal}


def _query_lines(step: Step) -> List[str]:
    """The query, its match count, and the spread of the matches over the values of each field it names."""
    matched = plural(step.query_matched, "identity", "identities")
    return (["    query %r matches %s" % (step.entry.members_query, matched)]
            + ["      %s" % line for line in spread_text(step.query_spread or {})])


def _member_lines(sign: str, members: Sequence[Mapping[str, Any]]) -> List[str]:
    lines = ["    %s %s" % (sign, label(member)) for member in members[:SUMMARY_MEMBER_LINES]]
    if len(members) > SUMMARY_MEMBER_LINES:
        lines.append("    %s ... and %d more" % (sign, len(members) - SUMMARY_MEMBER_LINES))
    return lines


def read_from(params: Mapping[str, Any]) -> str:
    """`` (tenant acme.api.identitynow.com, API client <id>)``: which tenant the plan was read from, and as whom, so
    that a plan read from another tenant than meant (a variable falling back to SAIL_*) shows it on its first line."""
    url = urlsplit(params.get("base_url") or "")
    host = (url.hostname or "?") + (":%d" % url.port if url.port else "")
    ids = [params.get("client_id")] + [client.get("client_id") for client in params.get("clients") or ()]
    ids = [client_id for client_id in ids if client_id]
    reader = "API client %s" % ids[0] if ids else "an access token"
    return " (tenant %s, %s%s)" % (host, reader, " and %d more" % (len(ids) - 1) if len(ids) > 1 else "")


def render_summary(plan: Plan, source: str = "") -> List[str]:
    """Readable lines: a ``Plan: ...`` header (``source`` appended: see :func:`read_from`), then one line per action
    (members listed below, up to 10 each way), and one per group listed as absent that the tenant does not have."""
    lines = ["Plan: %d to create, %d to update, %d to delete, %d unchanged%s"
             % (len(plan.of(CREATE)), len(plan.of(UPDATE)), len(plan.of(DELETE)), len(plan.of(UNCHANGED)), source)]
    for step in plan.of(CREATE):
        detail = "owner %s, %s" % (_who(plan.identity(step.fields["owner"])), plural(len(step.add), "member"))
        if step.fields.get("description"):
            detail += ", description %s" % _short(step.fields["description"])
        lines.append("+ create %s (%s)" % (_quote(step.name), detail))
        lines.extend(_query_lines(step) if step.query_matched is not None else [])
        lines.extend(_member_lines("+", plan.identities(step.add)))
    for step in plan.of(UPDATE):
        parts = []
        for field in FIELDS:
            change = changes(plan, step).get(field.name)
            if change is not None:
                word = _who if field.identity else _short
                parts.append("%s %s -> %s" % (field.name, word(change["before"]), word(change["after"])))
        if step.add or step.remove:
            parts.append("members +%d -%d" % (len(step.add), len(step.remove)))
        lines.append("~ update %s: %s" % (_quote(step.name), "; ".join(parts)))
        lines.extend(_query_lines(step) if step.query_matched is not None else [])
        lines.extend(_member_lines("+", plan.identities(step.add)))
        lines.extend(_member_lines("-", plan.identities(step.remove)))
    for step in plan.of(DELETE):
        why = DELETE_REASONS[step.reason]
        count = step.group.get("memberCount")
        if isinstance(count, int):
            why += ", %s" % plural(count, "member")
        lines.append("- delete %s (%s)" % (_quote(step.name), why))
    for step in plan.of(IN_USE):
        lines.append(
            "! keep %s: in use by %s, cannot be deleted (%s)"
            % (
                _quote(step.name),
                plural(step.connection_count, "connection"),
                "state absent" if step.reason == REASON_ABSENT else "purge",
            )
        )
    for step in plan.of(REFUSED):
        lines.append(
            "! refuse %s: members +%d -%d not applied (see failures)"
            % (_quote(step.name), len(step.add), len(step.remove))
        )
        lines.extend(_query_lines(step))
    for step in plan.of(UNCHANGED):
        if step.query_matched is not None:
            lines.append("= unchanged %s: members as the query says" % _quote(step.name))
            lines.extend(_query_lines(step))
        if step.group is None:  # listed as absent and not in the tenant: named, so that a misspelled name shows
            lines.append("= absent %s (not found)" % _quote(step.name))
    return lines


def _view(
    plan: Plan, group: Mapping[str, Any], members: Optional[Set[str]] = None, member_count: Any = None
) -> Dict[str, Any]:
    """A group in the diff of a list (keyed by its name): its fields but the name, identities as ``name (id)``."""
    view = {}  # type: Dict[str, Any]
    for field in FIELDS:
        if field.name == "name":
            continue
        value = field.current(group)
        view[field.name] = (label(plan.identity(value)) if value else None) if field.identity else value
    if members is not None:
        view["members"] = [label(identity) for identity in plan.identities(members)]
    elif member_count is not None:
        view["member_count"] = member_count
    return view


def diff_text(diff: Mapping[str, Any]) -> Dict[str, str]:
    """``diff``'s two sides as the text ``--diff`` prints. Ansible prints a dict side through ``json.dumps``, which
    escapes every non-ASCII character (``"Zo\\u00eb"``, an emoji as two surrogates); a text side it prints as it is.
    So the sides are that same JSON (Ansible's indent and separators), with the characters themselves;
    ``from_json`` reads a side back."""
    return {side: json.dumps(diff[side], sort_keys=True, indent=4, separators=(",", ": "), ensure_ascii=False) + "\n"
            for side in ("before", "after")}


def build_diff(plan: Plan) -> Dict[str, Dict[str, Any]]:
    """``{"before": {name: view}, "after": {name: view}}`` for the groups with actions.

    A view has ``description``, ``owner`` (``name (id)``) and, where the members are managed (or the
    group is created), ``members``: sorted ``name (id)`` lines. A created group is only in ``after``,
    a deleted one only in ``before`` (with ``member_count``, as its members are not read).
    """
    before = {}  # type: Dict[str, Any]
    after = {}  # type: Dict[str, Any]
    for step in plan.of(CREATE):
        after[step.name] = _view(plan, would_be(step.group, step.fields), set(step.add))
    for step in plan.of(UPDATE):
        before[step.name] = _view(plan, step.group, step.members_before)
        after[step.name] = _view(plan, would_be(step.group, step.fields), step.members_after)
    for step in plan.of(DELETE):
        named = step.name not in before and step.reason != REASON_RACE  # else a namesake: keyed with its id
        key = step.name if named else "%s (%s)" % (step.name, step.id)
        before[key] = _view(plan, step.group, member_count=step.group.get("memberCount"))
    return {"before": before, "after": after}


def report_converge(module: Any, outcome: Outcome, full: bool = True) -> ModuleResult:
    """The plan, summary, counts and diff; failed, naming every failure and what did succeed.
    ``full``: the plan names every group, unchanged ones included (see :func:`plan_dict`)."""
    plan = outcome.plan
    if outcome.refusal is not None:
        return _refuse(module, outcome, full)
    for step in outcome.in_use:
        _warn_in_use(module, step)
    for step in plan.steps:
        if (
            step.result is not None and step.result.gone and step.reason != REASON_RACE
        ):  # a copy: another run settled it
            module.warn("Governance group \"%s\" (id %s) was already deleted by someone else." % (step.name, step.id))
    counts = outcome.counts()
    summary = render_summary(plan, read_from(module.params)) + [_last_line(outcome, counts)]
    result = {"changed": outcome.changed, "summary": summary, "plan": plan_dict(plan, full),
              "in_use": [in_use_view(step) for step in outcome.in_use], "failures": outcome.failures, "counts": counts,
              "msg": _converge_message(outcome, counts)}  # type: Dict[str, Any]
    result.update(_invocation(module, full))
    if module._diff:
        result["diff"] = diff_text(build_diff(plan))
    failures = result["failures"]
    if not failures:
        return ModuleResult(result)
    parts = []
    for failure in failures:
        if "identities" in failure or failure["action"] == ACTION_LABELS[REFUSED]:  # the message says it all
            text = "\"%s\" %s: %s" % (failure["name"], failure["action"], failure["message"])
        else:
            text = "\"%s\" %s: %s" % (
                failure["name"],
                failure["action"],
                "HTTP %s" % failure["status"] if failure["status"] else "failed",
            )
            if failure["message"]:
                text += " %s" % failure["message"]
        if failure["tracking_id"]:
            text += " [trackingId: %s]" % failure["tracking_id"]
        parts.append(text.rstrip("."))
    stopped, again = stop_sentence(outcome), "Run the task again to finish the job."
    if isinstance(outcome.stopped, (IscAuthError, IscForbiddenError)):
        again = "Give the token the rights ISC names above, then run the task again."
    elif any(failure["action"] == ACTION_LABELS[REFUSED] for failure in failures):
        again = ("Review the refused members queries; running the task again changes nothing for them until the query "
                 "or its limits change.")
    msg = "Failed to converge the governance groups (%s): %s.%s What succeeded: %s %s" % (
        plural(len(failures), "failure"), "; ".join(parts), stopped, result.pop("msg"), again)
    return ModuleResult(result, msg)


def _invocation(module: Any, full: bool) -> Dict[str, Any]:
    """Not ``full``: the ``invocation`` AnsibleModule adds to a result (always before ansible-core 2.19, with -vvv
    since)
    without the list itself, which it would echo whole - megabytes at tenant scale - and the controller parse again."""
    if full or not isinstance(module.params.get("groups"), list):
        return {}
    groups = "(%d groups, returned with full_result: true)" % len(module.params["groups"])
    return {"invocation": {"module_args": dict(module.params, groups=groups)}}


def stop_sentence(outcome: Outcome) -> str:
    """`` The remaining writes ... were not attempted ...`` after a STOP_ERRORS error (with why, for the token's
    rights); ``''`` otherwise."""
    error = outcome.stopped
    if error is None:
        return ""
    skipped = outcome.skipped
    names = ", ".join(_quote(step.name) for step in skipped[:5]) + (
        " and %d more" % (len(skipped) - 5) if len(skipped) > 5 else ""
    )
    what = "The remaining writes (%s: %s) were not attempted" % (plural(len(skipped), "group"), names) if skipped else \
        "The remaining writes were not attempted"
    # a pool's client
    token = "the token of API client %r" % error.client_id if getattr(error, "client_id", None) else "the token"
    if isinstance(error, IscAuthError) and error.path == TOKEN_PATH:  # a new token was needed and refused
        return " %s: the token endpoint refused %s (HTTP %s); check its client_secret." % (
            what, "API client %r" % error.client_id if error.client_id else "the client credentials", error.status)
    if isinstance(error, IscForbiddenError):
        return (
            " %s: %s lacks the rights for them (HTTP 403; ISC's message above names the missing scope or user level)."
            % (what, token)
        )
    if isinstance(error, IscAuthError):
        return " %s: %s was rejected (HTTP 401) even after fetching a new one." % (what, token)
    if getattr(error, "client_id", None):
        return " %s after this error (sent with API client %r)." % (what, error.client_id)
    return " %s after this error." % what


def _refuse(module: Any, outcome: Outcome, full: bool) -> ModuleResult:
    """The failed result of a plan the guard refused (``_plan.guard``): the plan is shown, nothing was written."""
    plan = outcome.plan
    deletes = len(plan.of(DELETE))
    summary = render_summary(plan, read_from(module.params)) + ["Refused: nothing was changed (see msg)."]
    result = {"changed": False, "summary": summary, "plan": plan_dict(plan, full),
              "in_use": [], "failures": [], "counts": outcome.counts()}  # type: Dict[str, Any]
    result.update(_invocation(module, full))
    if module._diff:
        result["diff"] = diff_text(build_diff(plan))
    return ModuleResult(
        result,
        "Refused to run the plan, nothing was changed: %s. Review the plan (summary, plan.to_delete); if "
        "these deletions are intended, set max_deletes to %d or more (role variable "
        "isc_governance_groups_max_deletes)." % (outcome.refusal, deletes),
    )


def _warn_in_use(module: Any, step: Step) -> None:
    view = in_use_view(step)
    used_by = ": %s" % format_connections(view["connections"]) if view["connections"] else ""
    count = view["connection_count"]
    module.warn(
        "Governance group \"%s\" (id %s) cannot be deleted: it is in use%s%s. Remove it from these objects first%s."
        % (
            step.name,
            step.id,
            " by %s" % plural(count, "connection") if count else "",
            used_by,
            ", or add it to protected" if step.reason == "purge" else "",
        )
    )


def _converge_message(outcome: Outcome, counts: Mapping[str, int]) -> str:
    """One sentence: what was done, or what check mode would do."""
    if not (outcome.plan.actions or outcome.records):
        return "Nothing to change: every listed governance group is as requested (%d unchanged)." % counts["unchanged"]
    text = "Created %d, updated %d and deleted %d governance groups; added %d and removed %d members; %d unchanged."
    if outcome.check_mode:
        text = (
            "Would create %d, update %d and delete %d governance groups (add %d and remove %d members); %d unchanged."
        )
    return text % (
        counts["created"],
        counts["updated"],
        counts["deleted"],
        counts["members_added"],
        counts["members_removed"],
        counts["unchanged"],
    )


def _last_line(outcome: Outcome, counts: Mapping[str, int]) -> str:
    """The summary's last line: what was done (or that check mode changed nothing)."""
    if outcome.check_mode:
        return "Check mode: nothing was changed."
    line = "Done: %d created, %d updated, %d deleted, %d unchanged; members +%d -%d" % (
        counts["created"],
        counts["updated"],
        counts["deleted"],
        counts["unchanged"],
        counts["members_added"],
        counts["members_removed"],
    )
    if outcome.records:
        line += "; %s (see failures)" % plural(len(outcome.records), "failure")
    return line


# ------------------------------------------------------------------ sailpoint.isc.workgroup
def _field_views(plan: Plan, group: Mapping[str, Any], fields: Sequence[str]) -> Dict[str, Any]:
    """The fields of ``group`` as ``--diff`` shows them: descriptions never None, owners ``{id, name}`` (name when
    known)."""
    view = {}  # type: Dict[str, Any]
    for name in fields:
        field = FIELD[name]
        view[name] = field.current(group)
        if field.identity and view[name] is not None:
            identity = {"id": view[name]}
            shown = group.get(name) if isinstance(group.get(name), Mapping) else {}
            known = shown.get("name") or shown.get("displayName") or (plan.known.get(view[name]) or {}).get("name")
            view[name] = dict(identity, name=known) if known else identity
    return view


def _would_be(plan: Plan, step: Step) -> Dict[str, Any]:
    """The group as check mode reports it: the current one (or a placeholder) with the planned fields set, identities
    named."""
    group = would_be(step.group, step.fields)
    for field in FIELDS:
        if field.identity and field.name in step.fields and plan.identity(step.fields[field.name])["name"]:
            group[field.name] = dict(group[field.name], name=plan.identity(step.fields[field.name])["name"])
    return group


def report_workgroup(module: Any, outcome: Outcome) -> ModuleResult:
    """The result (or failure) of the one group of sailpoint.isc.workgroup."""
    plan = outcome.plan
    step = plan.steps[0]
    result = step.result
    target = describe(step.id, step.name)
    if step.action == UNCHANGED:
        if step.group is None:
            entry = step.entry
            return ModuleResult({"changed": False, "workgroup": {}, "msg": "Nothing to delete: %s does not exist."
                                 % describe(entry.id, None if entry.id else entry.name)})
        copies, copies_diff, failure = _race_copies(outcome, target)
        if failure is not None:
            return failure
        if copies:
            already = "%s is already as requested." % (target[:1].upper() + target[1:])
            return _exit(module, True, "%s %s" % (already, copies), step.group, copies_diff)
        return ModuleResult({"changed": False, "workgroup": step.group,
                             "msg": "Nothing to change: %s is already as requested." % target})
    if step.action in (DELETE, IN_USE):
        return _report_delete(module, outcome, step, target)
    planned = _would_be(plan, step)
    fields = (
        list(MANAGED_FIELDS) if step.action == CREATE else [field for field in MANAGED_FIELDS if field in step.fields]
    )
    diff = {
        "before": {} if step.group is None else _field_views(plan, step.group, fields),
        "after": _field_views(plan, planned, fields),
    }
    summary = ", ".join(fields)
    verb = {
        CREATE: ("Would create %s.", "Created %s."),
        UPDATE: ("Would update %s: " + summary + ".", "Updated %s: " + summary + "."),
    }[step.action]
    if not outcome.check_mode and result.errors:
        action, error = result.errors[0]
        what = "create " + describe(name=step.name) if step.action == CREATE else "update %s (%s)" % (target, summary)
        return ModuleResult({}, "Failed to %s: %s" % (what, error), error)
    copies, copies_diff, failure = _race_copies(outcome, target)
    if failure is not None:
        return failure
    for side in diff:
        diff[side].update(copies_diff.get(side, {}))
    if outcome.check_mode:
        message = verb[0] % describe(name=step.name) if step.action == CREATE else verb[0] % target
        return _exit(module, True, ("%s %s" % (message, copies)).strip(), planned, diff)
    after = result.group or planned
    message = verb[1] % (describe(after.get("id"), step.name) if step.action == CREATE else target)
    if result.joined is not None:  # this run's create lost a race (_executor._settle): say what this run did instead
        mine = "; the copy this run created (id %s) was deleted" % result.discarded if result.discarded else ""
        message = "A simultaneous run created %s first: this run brought it to the requested state%s." % (
            describe(after.get("id"), step.name), mine)
    return _exit(module, True, ("%s %s" % (message, copies)).strip(), after, diff)


def _race_copies(outcome: Outcome, target: str) -> Tuple[str, Dict[str, Any], Optional[ModuleResult]]:
    """``(words, diff, failure)``: what the run deleted (or would delete) of the younger copies that simultaneous runs
    made of the group (the plan's steps with reason ``race copy``; ``''`` and ``{}`` when none), and the failed result
    when a delete failed. The diff lists the copies' ids before, none after."""
    copies = [step for step in outcome.plan.steps[1:] if step.reason == REASON_RACE]
    failed = [step for step in copies if step.result is not None and step.result.errors]
    if failed and not outcome.check_mode:
        error = failed[0].result.errors[0][1]
        message = "Failed to delete the younger copy (id %s) that simultaneous runs made of %s: %s" % (
            failed[0].id, target, error)
        return "", {}, ModuleResult({}, message, error)
    if not outcome.check_mode:
        copies = [step for step in copies if step.result is not None and step.result.deleted]
    if not copies:
        return "", {}, None
    ids = sorted(str(step.id) for step in copies)
    words = "%s %s that simultaneous runs made (ids %s); the oldest is kept." % (
        "Would delete" if outcome.check_mode else "Deleted", plural(len(ids), "younger copy", "younger copies"),
        ", ".join(ids))
    return words, {"before": {"race copies": ids}, "after": {"race copies": []}}, None


def _report_delete(module: Any, outcome: Outcome, step: Step, target: str) -> ModuleResult:
    result = step.result
    if result.in_use:
        view = in_use_view(step)
        listed = ": %s" % format_connections(view["connections"]) if view["connections"] else ""
        return ModuleResult(
            {"connections": view["connections"]},
            "Cannot delete %s: it is still used by %s connection(s)%s. "
            "Remove the group from these objects first." % (target, view["connection_count"], listed),
        )
    diff = {"before": _field_views(outcome.plan, step.group, MANAGED_FIELDS), "after": {}}
    if outcome.check_mode:
        return _exit(module, True, "Would delete %s." % target, {}, diff)
    if result.gone:
        return _exit(module, False, "Nothing to delete: %s was deleted by someone else meanwhile." % target, {})
    if result.errors:
        error = result.errors[0][1]
        return ModuleResult({}, "Failed to delete %s: %s" % (target, error), error)
    return _exit(module, True, "Deleted %s." % target, {}, diff)


def _exit(module: Any, changed: bool, msg: str, workgroup: Mapping[str, Any],
          diff: Optional[Dict[str, Any]] = None) -> ModuleResult:
    result = {"changed": changed, "msg": msg, "workgroup": dict(workgroup)}  # type: Dict[str, Any]
    if diff is not None and module._diff:
        result["diff"] = diff_text(diff)
    return ModuleResult(result)


# ------------------------------------------------------------------ sailpoint.isc.workgroup_members
def report_members(module: Any, outcome: Outcome) -> ModuleResult:
    """The result (or failure) for the membership of the one group of sailpoint.isc.workgroup_members."""
    plan = outcome.plan
    step = plan.steps[0]
    target = describe(step.id, step.name)
    before = step.members_before or set()
    if step.action == REFUSED:
        return ModuleResult({"changed": False, "workgroup": {"id": step.id, "name": step.name},
                             "query": query_view(step), "added": [], "removed": [], "added_count": 0,
                             "removed_count": 0},
                            "Refused to change the members of %s: %s." % (target, step.refusal))
    if step.action == UNCHANGED or outcome.check_mode:
        added, removed, after = step.add, step.remove, before if step.members_after is None else step.members_after
    else:
        result = step.result
        added, removed = result.done[ADD_MEMBERS], result.done[REMOVE_MEMBERS]
        after = ((before - set(result.done[REMOVE_MEMBERS] + result.already[REMOVE_MEMBERS]))
                 | set(result.done[ADD_MEMBERS] + result.already[ADD_MEMBERS]))
    report = {"changed": bool(added or removed), "workgroup": {"id": step.id, "name": step.name},
              "added": plan.records(added), "removed": plan.records(removed), "added_count": len(added),
              "removed_count": len(removed)}
    if step.query_matched is not None:
        report["query"] = query_view(step)
    if module._diff:
        report["diff"] = membership_diff(target, plan.records(before), plan.records(after))
    done = step.result
    failed = done is not None and (done.errors or done.rejected[ADD_MEMBERS] or done.rejected[REMOVE_MEMBERS])
    if failed and not outcome.check_mode:
        return _fail_members(plan, step.result, target, report)
    report.update(members=plan.records(after), member_count=len(after))
    report["msg"] = _members_message(outcome.check_mode, target, added, removed, after)
    return ModuleResult(report)


def _members_message(check_mode: bool, target: str, added: Sequence[str], removed: Sequence[str],
                     after: Set[str]) -> str:
    """What was done to the membership, or what check mode would do."""
    if not (added or removed):
        return "%s already has the requested membership (%s)." % (target[:1].upper() + target[1:],
                                                                  plural(len(after), "member"))
    return "%s %d and %s %s of %s; it %s %s." % (
        "Would add" if check_mode else "Added", len(added), "remove" if check_mode else "removed",
        plural(len(removed), "member"), target, "would then have" if check_mode else "now has",
        plural(len(after), "member"))


def _fail_members(plan: Plan, result: StepResult, target: str, report: Dict[str, Any]) -> ModuleResult:
    """The failure naming every identity ISC rejected (or the failed request) and what was done before."""
    known = plan.known
    rejected = result.rejected
    parts = []
    for action, verb in ((ADD_MEMBERS, "adding"), (REMOVE_MEMBERS, "removing")):
        if rejected[action]:
            parts.append(
                "%s %s failed: %s"
                % (verb, plural(len(rejected[action]), "member"), describe_failures(rejected[action], known))
            )
    error = result.errors[0][1] if result.errors else None
    if error is not None:
        parts.append(str(error))
    done = "added %d and removed %d before the failure" % (len(result.done[ADD_MEMBERS]),
                                                           len(result.done[REMOVE_MEMBERS]))
    if rejected[ADD_MEMBERS] or (result.errors and result.errors[0][0] == ADD_MEMBERS):
        done += "; nobody was removed because an addition failed"
    report["failed_members"] = [{"id": item["id"], "name": (known.get(item["id"]) or {}).get("name"), "action": action,
                                 "status": item["status"], "description": item["description"]}
                                for action in (ADD_MEMBERS, REMOVE_MEMBERS) for item in rejected[action]]
    return ModuleResult(report, "Failed to update the members of %s: %s (%s; run the task again to finish)."
                        % (target, "; ".join(parts), done), error)
