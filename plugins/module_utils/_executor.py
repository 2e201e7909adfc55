# -*- coding: utf-8 -*-
# Copyright: Contributors to the sailpoint.isc collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Execute a plan: the one place that writes to a tenant.

Private to the collection (``_`` prefix). The fourth step of the pipeline (``_pipeline.py``). Writes, in
this order: creates, each followed by the bulk-adds of its members; updates, each one JSON patch with only
the differing fields, then the member additions, then the removals (none if an addition failed); deletes
last (one DELETE for a single group, else bulk-delete in chunks of 100). Member writes go in chunks of
MEMBER_CHUNK and every chunk is accounted for, so what landed is counted even when a later chunk fails.

Independent work goes out at the same time, up to the client's ``max_concurrent_requests`` (``parallel``): the
creates of different groups (each followed by its member writes), the updates of different groups, the delete
chunks. Each group's own writes stay in order. Failures are recorded with the place of their step in the plan and
sorted by it, so the result is the same whatever order the answers arrive in.

A step the plan refused (a ``members_query`` guard, ``_plan._guard_query``) is not written; it is recorded as a
failure (action "members query"), in check mode too, so that the run fails naming it.

A failure of one group does not stop the others, except the errors in STOP_ERRORS (the connection, the
credentials, the token's rights, the rate limit): they are not about one group, so no further group's writes
start (``Outcome.skipped`` names the groups not attempted; those already under way finish). The token's rights are a
401 after the one
re-authentication (``IscAuthError``) and a 403 (``IscForbiddenError``: a missing scope or user level); ISC's
message names what is missing, and every other write would fail alike.
Groups that cannot be deleted because they are in use are recorded with their connections (read for at
most CONNECTION_READS groups per run).

Simultaneous runs: two runs that plan the same new group both create it. So after its creates a run lists
the names it created (one ``name in (...)`` request per 50 names) and, where a name is now carried by
several groups, settles it the same way in every racing run: the oldest group (``created``, then ``id``)
wins; a run whose group lost deletes its own group and converges the winner instead (description, owner,
members, as its entry asks). Every run sees the groups created before its own, so all of them agree.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from ansible_collections.sailpoint.isc.plugins.module_utils._client import (
    MEMBER_CHUNK,
    PAGE_LIMITS,
    WORKGROUP_DELETE_CHUNK,
    chunked,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._errors import (
    IscApiError,
    IscAuthError,
    IscConfigError,
    IscConnectionError,
    IscError,
    IscForbiddenError,
    IscNotFoundError,
    IscRateLimitError,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._members import (
    ADD_MEMBERS,
    REMOVE_MEMBERS,
    classify_results,
    describe_failures,
    plural,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._filters import any_of
from ansible_collections.sailpoint.isc.plugins.module_utils._parallel import parallel
from ansible_collections.sailpoint.isc.plugins.module_utils._plan import (
    CREATE,
    DELETE,
    IN_USE,
    REFUSED,
    UNCHANGED,
    UPDATE,
    Plan,
    Step,
    converge,
)
from ansible_collections.sailpoint.isc.plugins.module_utils._reader import read_members
from ansible_collections.sailpoint.isc.plugins.module_utils._workgroups import (
    build_create_body,
    build_patch,
    exact_name_matches,
    foreign_members,
    race_copies,
)

# After these errors the remaining writes are not attempted: they are not about one group and would fail alike.
STOP_ERRORS = (IscConnectionError, IscAuthError, IscForbiddenError, IscRateLimitError, IscConfigError)
# Connections are read (one request, the first page) for at most this many groups in use per run.
CONNECTION_READS = 10

# The action names of the failure records (RV failures[].action of sailpoint.isc.workgroups).
ACTION_LABELS = {CREATE: "create", UPDATE: "update", ADD_MEMBERS: "add members", REMOVE_MEMBERS: "remove members",
                 DELETE: "delete",
                 REFUSED: "members query"}


class StepResult:
    """What the executor did for one step.

    ``group``: ISC's answer to the create or patch (the group as stored); ``done``/``already``: per member
    action, the ids written and those whose state already held; ``rejected``: per member action, the 207
    items ISC rejected; ``errors``: ``(action, IscError)`` of the requests that failed; ``deleted``: True once
    deleted, ``gone``: deleted by someone else first; ``connections``: for a group in use, its connections when read.
    """

    def __init__(self) -> None:
        self.group = None  # type: Optional[Dict[str, Any]]
        self.created = False
        self.patched = False
        self.done = {ADD_MEMBERS: [], REMOVE_MEMBERS: []}  # type: Dict[str, List[str]]
        self.already = {ADD_MEMBERS: [], REMOVE_MEMBERS: []}  # type: Dict[str, List[str]]
        self.rejected = {ADD_MEMBERS: [], REMOVE_MEMBERS: []}  # type: Dict[str, List[Dict[str, Any]]]
        self.errors = []  # type: List[Any]
        self.deleted = False
        self.gone = False  # deleted by someone else before our delete
        self.in_use = False
        self.connections = None  # type: Optional[List[Dict[str, Any]]]
        self.joined = None  # type: Optional[Dict[str, Any]]  # a create settled on a group it did not make: that group
        self.discarded = None  # type: Optional[str]  # ... and the id of this run's group, deleted as a younger copy
        self.removed = False  # the group this run created was removed by another run's settlement (a younger copy)

    @property
    def changed(self) -> bool:
        return self.created or self.patched or self.deleted or bool(self.done[ADD_MEMBERS] or self.done[REMOVE_MEMBERS])


class FailureRecord:
    """One failure of a run as the executor saw it (the step, the write action, the error or the message, the identities
    ISC rejected); :meth:`entry` words it as an item of RV failures[] of sailpoint.isc.workgroups."""

    def __init__(self, step: Step, action: str, error: Optional[IscError] = None, message: str = "",
                 identities: Optional[List[Dict[str, Any]]] = None, status: Optional[int] = None) -> None:
        self.name = step.name
        # the group when it failed
        self.group_id = step.id if step.result.group is None else step.result.group.get("id")
        self.action = action
        self.error = error
        self.message = message
        self.identities = identities
        self.status = status

    def entry(self) -> Dict[str, Any]:
        """``{name, id, action, status, message, tracking_id}`` (and ``identities`` for member writes ISC rejected)."""
        error = self.error
        entry = {"name": self.name, "id": self.group_id, "action": ACTION_LABELS[self.action], "status": self.status,
                 "message": self.message, "tracking_id": None}  # type: Dict[str, Any]
        if isinstance(error, IscApiError):
            entry.update(status=error.status, message="; ".join(error.messages) or error.error or str(error),
                         tracking_id=error.tracking_id)
        elif error is not None:
            entry["message"] = str(error)
        if self.identities is not None:
            statuses = {identity["status"] for identity in self.identities}
            entry.update(identities=self.identities, status=statuses.pop() if len(statuses) == 1 else None)
        return entry


class Outcome:
    """The run: the plan (each step with its ``result``), failure records, counts and whether a write changed
    anything."""

    def __init__(self, plan: Plan, check_mode: bool) -> None:
        self.plan = plan
        self.check_mode = check_mode
        self.records = []  # type: List[FailureRecord]  # in the order of the plan (Executor.run sorts them)
        self.stopped = None  # type: Optional[IscError]
        self.refusal = None  # type: Optional[str]  # why the guard refused the plan (_plan.guard); then nothing ran
        self.skipped = []  # type: List[Step]  # after a STOP_ERRORS error: the steps whose writes were not attempted
        self.connection_reads = 0

    @property
    def changed(self) -> bool:
        if self.check_mode:
            return self.plan.actions > 0
        return any(step.result is not None and step.result.changed for step in self.plan.steps)

    @property
    def failures(self) -> List[Dict[str, Any]]:
        """RV failures[]: one entry per failure record, in the order of the plan."""
        return [record.entry() for record in self.records]

    @property
    def in_use(self) -> List[Step]:
        return [step for step in self.plan.steps if step.result is not None and step.result.in_use]

    def counts(self) -> Dict[str, int]:
        """created / updated / deleted groups, members_added / members_removed identities, unchanged groups.

        In check mode what the plan would do; otherwise what was done (a group counts as updated when its
        fields or members changed); nothing when the guard refused the plan.
        """
        steps = self.plan.steps
        if self.refusal is not None:
            return dict.fromkeys(("created", "updated", "deleted", "unchanged", "members_added", "members_removed"), 0)
        if self.check_mode:
            return {
                "created": len(self.plan.of(CREATE)),
                "updated": len(self.plan.of(UPDATE)),
                "deleted": len(self.plan.of(DELETE)),
                "unchanged": len(self.plan.of(UNCHANGED)),
                "members_added": sum(len(step.add) for step in steps if step.action in (CREATE, UPDATE)),
                "members_removed": sum(len(step.remove) for step in steps if step.action == UPDATE),
            }
        done = [step.result for step in steps if step.result is not None]
        # a create whose group was deleted as a younger copy (_settle) counts as an update of the group kept, if it
        # changed it
        created = [r for r in done if r.created and r.discarded is None]
        converged = [step.result for step in steps if step.result is not None and step.result not in created
                     and (step.action == UPDATE or step.result.joined is not None)]
        return {
            "created": len(created),
            "deleted": sum(1 for r in done if r.deleted),
            "updated": sum(1 for r in converged if r.patched or r.done[ADD_MEMBERS] or r.done[REMOVE_MEMBERS]),
            "unchanged": len(self.plan.of(UNCHANGED)),
            "members_added": sum(len(r.done[ADD_MEMBERS]) for r in done),
            "members_removed": sum(len(r.done[REMOVE_MEMBERS]) for r in done),
        }


class _Stop(Exception):
    """An error that ends the writes (see STOP_ERRORS)."""


class _NotSent(_Stop):
    """A write held back because the run's first write failed with a stop error (see ``Executor._write``)."""


# The phases of the writes, in order: the first part of the sort key of a failure record.
_CREATES, _SETTLE, _UPDATES, _DELETES = range(4)


class Executor:
    """Runs the writes of one plan through one client (see the module docstring for the order and stop rules)."""

    def __init__(self, client: Any, plan: Plan, check_mode: bool, warn: Optional[Callable[[str], None]] = None) -> None:
        self.client = client
        self.outcome = Outcome(plan, check_mode)
        self.warn = warn or (lambda message: None)
        self._lock = threading.Lock()
        self._phase = _CREATES
        self._order = {}  # type: Dict[int, int]  # id(step.result) -> place of the step in the plan
        self._keys = {}  # type: Dict[int, Tuple[int, int, int]]  # id(failure record) -> (phase, place, sequence)
        self._sequence = itertools.count()
        self._stop_key = None  # type: Optional[Tuple[int, int]]
        self._first_write = threading.Lock()  # held by the one write sent before any other (see _write)
        self._wrote = False  # a write succeeded: the others may go at the same time
        self._first_stopped = False  # a write sent alone failed with a stop error: no other is sent

    def run(self) -> Outcome:
        plan = self.outcome.plan
        for place, step in enumerate(plan.steps):
            step.result = StepResult() if step.action != UNCHANGED else None
            self._order[id(step.result)] = place
        for step in plan.of(REFUSED):  # a members_query guard held (_plan._guard_query): a failure, in check mode too
            self._record(step, REFUSED, message=step.refusal or "")
        for step in plan.of(IN_USE):
            self._in_use(step)
        if self.outcome.check_mode:
            return self.outcome
        attempted = set()  # type: Set[int]
        try:
            try:
                self._each(_CREATES, plan.of(CREATE), self._create, attempted)
            finally:  # after a stop error too: what this run created is settled before the stop is reported
                self._phase = _SETTLE
                self._settle([step for step in plan.of(CREATE) if id(step) in attempted])
            self._each(_UPDATES, plan.of(UPDATE), self._update, attempted)
            self._phase = _DELETES
            self._delete(plan.of(DELETE), attempted)
        except _Stop:
            self.outcome.skipped = [
                step for step in plan.steps if step.action in (CREATE, UPDATE, DELETE) and id(step) not in attempted
            ]
        self.outcome.records.sort(key=lambda record: self._keys[id(record)])
        return self.outcome

    def _each(self, phase: int, steps: List[Step], write: Callable[[Step], None], attempted: Set[int]) -> None:
        """``write`` every step, up to the client's concurrency at a time; once a stop error happened no step starts."""
        self._phase = phase

        def one(step: Step) -> None:
            if self.outcome.stopped is not None:
                return
            attempted.add(id(step))
            try:
                write(step)
            except _NotSent:
                attempted.discard(id(step))
            except _Stop:
                pass

        parallel(one, steps, self.client.concurrency)
        if self.outcome.stopped is not None:
            raise _Stop()

    # ------------------------------------------------------------ bookkeeping
    def _fail(self, step: Step, action: str, error: Optional[IscError] = None, message: str = "",
              identities: Optional[List[Dict[str, Any]]] = None) -> None:
        """Record a failure; raise _Stop after a STOP_ERRORS error."""
        self._record(step, action, error, message, identities)
        self._stop_after(error, step)

    def _stop_after(self, error: Optional[IscError], step: Optional[Step] = None) -> None:
        """After a STOP_ERRORS error: remember it (of several at once, the one of the first step) and raise _Stop."""
        if isinstance(error, STOP_ERRORS):
            key = (self._phase, self._order.get(id(step.result), -1) if step is not None else -1)
            with self._lock:
                if self._stop_key is None or key < self._stop_key:
                    self._stop_key = key
                    self.outcome.stopped = error
            raise _Stop()

    def _record(self, step: Step, action: str, error: Optional[IscError] = None, message: str = "",
                identities: Optional[List[Dict[str, Any]]] = None, status: Optional[int] = None) -> None:
        """Record a failure (RV failures[] of sailpoint.isc.workgroups; the error itself for the single-group
        modules)."""
        record = FailureRecord(step, action, error, message, identities, status)
        with self._lock:
            self._keys[id(record)] = (self._phase, self._order.get(id(step.result), -1), next(self._sequence))
            self.outcome.records.append(record)
        if error is not None:
            step.result.errors.append((action, error))

    def _forget(self, step: Step) -> None:
        """Drop the failure records and errors of ``step`` (its create failed, but the group exists and is settled)."""
        place = self._order.get(id(step.result))
        with self._lock:
            self.outcome.records = [record for record in self.outcome.records if self._keys[id(record)][1] != place]
        step.result.errors = []

    def _write(self, request: Callable[[], Any]) -> Any:
        """Send one write. Until a write of this run succeeded, writes go one at a time: a token without the rights to
        write (HTTP 403), or any other stop error, then costs one failing write instead of one per request in flight."""
        if self._wrote:
            return request()
        with self._first_write:
            if self._first_stopped or self.outcome.stopped is not None:  # a stop error: no write follows
                raise _NotSent()
            try:
                answer = request()
            except STOP_ERRORS:
                # set before the lock is released: outcome.stopped is only set later, by the caller's _fail
                self._first_stopped = True
                raise
            self._wrote = True
            return answer

    def _call(self, step: Step, action: str, request: Callable[[], Any]) -> Any:
        """The answer of the write ``request``, or None with the failure recorded."""
        try:
            return self._write(request)
        except IscError as exc:
            self._fail(step, action, exc)
            return None

    # ------------------------------------------------------------ the writes
    def _create(self, step: Step) -> None:
        group = self._call(step, CREATE, lambda: self.client.create_workgroup(build_create_body(step.fields)))
        if group is None:
            return
        step.result.created = True
        step.result.group = group if isinstance(group, dict) and group.get("id") else None
        if step.result.group is not None:
            self._members(step, ADD_MEMBERS, step.add)
        # else the answer was lost and a group of this name exists (IscClient.create_workgroup): _settle converges it

    # ------------------------------------------------------------ simultaneous runs
    def _settle(self, steps: List[Step]) -> None:
        """After the creates, also after a stop error: each name this run tried to create ends as one group.

        One ``name in (...)`` listing per 50 names. The namesakes found are settled by ``_workgroups.race_copies``
        whichever run created them: the younger copies are deleted (404: another run did it) and the oldest is
        brought to the entry's state by the plan's update rule (``_plan.converge``) unless it is this run's own
        complete group. After a stop error only the names this run did create are settled.
        """
        if self.outcome.stopped is not None:
            steps = [step for step in steps if step.result.created]
        names = list(dict.fromkeys(step.name for step in steps))
        if not names:
            return
        try:
            pages = parallel(lambda name_filter: list(self.client.list_workgroups(filters=name_filter)),
                             any_of("name", names), self.client.concurrency)
        except IscError as exc:
            self.warn("Could not check that the governance groups this run created have no namesake created by a "
                      "simultaneous run: %s" % exc)
            self._stop_after(exc)
            return
        listed = [group for page in pages for group in page]
        for step in steps:
            try:
                self._settle_name(step, exact_name_matches(listed, step.name))
            except _Stop:
                return

    def _settle_name(self, step: Step, namesakes: List[Dict[str, Any]]) -> None:
        result = step.result
        own = result.group if result.created and result.group and result.group.get("id") else None
        found = {group["id"]: group for group in namesakes if group.get("id")}
        if own is not None and not result.removed:
            found.setdefault(own["id"], own)  # a listing may not show a group created a moment ago
        if not found:
            if result.removed:
                self._record(step, ADD_MEMBERS, message="another run removed the group this run created (id %s) and no "
                             "group of this name is left; run the task again to create it" % own["id"])
            return
        entry = step.entry
        settled = race_copies(found.values(), entry.description if entry is not None else None)
        if settled is not None and step.name in self.outcome.plan.protected:
            settled = None  # a protected name's namesakes are never deleted, race copies included
        read = {}  # type: Dict[str, Dict[str, Dict[str, Any]]]  # group id -> its members, read for the settlement
        if settled is not None and settled[1]:
            try:
                others = [group["id"] for group in [settled[0]] + settled[1] if own is None or group["id"] != own["id"]]
                read = read_members(self.client, others, others)  # a copy another run deleted meanwhile: none
            except IscError as exc:
                self._fail(step, ADD_MEMBERS, exc)
                return
            members = {group_id: set(found_members) for group_id, found_members in read.items()}
            if own is not None:
                members[own["id"]] = set(result.done[ADD_MEMBERS]) | set(result.already[ADD_MEMBERS])
            if foreign_members(settled[1], members, members.get(settled[0]["id"], set()) | (step.desired or set())):
                settled = None  # a copy holds members no run of this entry writes: a person's group
        if settled is None and len(found) > 1:
            self._record(
                step,
                CREATE,
                message="%d governance groups are named \"%s\" now (ids: %s) and they are not "
                "copies made by simultaneous runs (see the docs of the workgroups module); rename or delete all "
                "but one of them" % (len(found), step.name, ", ".join(sorted(found))),
            )
            return
        oldest, copies = settled or (next(iter(found.values())), [])
        for copy in copies:
            try:
                self._write(lambda: self.client.delete_workgroup(copy["id"]))
            except IscNotFoundError:
                pass  # another run settled it first
            except IscError as exc:
                self._fail(step, DELETE, exc)
                return
        if copies:
            self.warn("Governance group \"%s\" was created more than once by simultaneous runs: kept the oldest "
                      "(id %s), deleted the younger copies (ids %s) and brought the oldest to the requested state."
                      % (step.name, oldest["id"], ", ".join(sorted(copy["id"] for copy in copies))))
        if own is not None and own["id"] == oldest["id"] and not result.removed:
            return  # this run's group: its own writes converged it (or their failures are recorded)
        self._join(step, oldest, own, read.get(oldest["id"]))

    def _join(self, step: Step, oldest: Dict[str, Any], own: Optional[Dict[str, Any]],
              members: Optional[Dict[str, Dict[str, Any]]] = None) -> None:
        """Converge ``oldest`` (a group this run did not create, or lost; ``members``: its members if already read) to
        the step's entry, by the plan's rule."""
        result = step.result
        if own is not None and own["id"] != oldest["id"]:
            result.discarded = own["id"]  # deleted as a younger copy, by this run or another
        result.joined, result.group = oldest, oldest
        for action in (ADD_MEMBERS, REMOVE_MEMBERS):
            result.done[action], result.already[action], result.rejected[action] = [], [], []
        self._forget(step)  # the create's own failures: the group now exists, and the join is what happens to it
        current = None  # type: Optional[Set[str]]
        if step.desired is not None:
            try:
                members = members if members is not None else read_members(self.client, [oldest["id"]])[oldest["id"]]
            except IscError as exc:
                self._fail(step, ADD_MEMBERS, exc)
                return
            for identity_id, record in members.items():
                self.outcome.plan.known.setdefault(
                    identity_id, {"id": identity_id, "name": record.get("name"), "email": record.get("email")}
                )
            current = set(members)
        join = converge(step.entry, oldest, step.wanted, step.desired, current)
        join.result = result
        self._update(join)

    def _update(self, step: Step) -> None:
        if step.fields:
            answer = self._call(
                step, UPDATE, lambda: self.client.patch_workgroup(step.id, build_patch(step.group, step.fields))
            )
            if answer is not None:
                step.result.patched = True
                step.result.group = answer if isinstance(answer, dict) else None
        if self._members(step, ADD_MEMBERS, step.add):
            self._members(step, REMOVE_MEMBERS, step.remove)

    def _members(self, step: Step, action: str, ids: List[str]) -> bool:
        """Write ``ids`` in chunks, accounting for each; True when every item ended as wanted (409 on add, 404 on
        remove count)."""
        result = step.result
        group_id = result.group.get("id") if result.group else step.id
        send = self.client.add_members if action == ADD_MEMBERS else self.client.remove_members
        for chunk in chunked(ids, MEMBER_CHUNK):
            try:
                items = self._write(lambda: send(group_id, chunk))
            except IscNotFoundError as exc:
                if step.action == CREATE and result.joined is None:  # another run's settlement removed it: _settle
                    result.removed = True
                    return False
                self._fail(step, action, exc)
                return False
            except IscError as exc:
                self._fail(step, action, exc)
                return False
            outcome = classify_results(action, items, requested=chunk)
            result.done[action].extend(outcome.done)
            result.already[action].extend(outcome.already)
            result.rejected[action].extend(outcome.failed)
        rejected = result.rejected[action]
        if rejected:
            known = self.outcome.plan.known
            self._fail(
                step,
                action,
                identities=[dict(item, name=(known.get(item["id"]) or {}).get("name")) for item in rejected],
                message="ISC refused %s: %s"
                % (plural(len(rejected), "identity", "identities"), describe_failures(rejected, known)),
            )
        return not rejected

    def _delete(self, steps: List[Step], attempted: Set[int]) -> None:
        if len(steps) == 1:  # a plain DELETE: the same one request, and its answer needs no 207 parsing
            step = steps[0]
            attempted.add(id(step))
            try:
                self._write(lambda: self.client.delete_workgroup(step.id))
                self._deleted(step, 204)
            except IscNotFoundError:
                self._deleted(step, 404)
            except IscApiError as exc:
                if exc.status not in (400, 409) or not self._in_use(
                    step, maybe=True
                ):  # FACTS 10: a group in use answers 400
                    self._fail(step, DELETE, exc)
            except IscError as exc:
                self._fail(step, DELETE, exc)
            return
        by_id = {step.id: step for step in steps}

        def send(chunk: List[str]) -> Any:
            """The chunk's 207 items, its error, or None when a stop error came first (not attempted)."""
            if self.outcome.stopped is not None:
                return None
            try:
                answer = self._write(lambda: self.client.bulk_delete_workgroups(chunk))
                attempted.update(id(by_id[group_id]) for group_id in chunk)
                return answer
            except _NotSent:
                return None
            except IscError as exc:
                attempted.update(id(by_id[group_id]) for group_id in chunk)
                try:
                    self._stop_after(exc, by_id[chunk[0]])
                except _Stop:
                    pass
                return exc

        chunks = list(chunked(list(by_id), WORKGROUP_DELETE_CHUNK))
        # the answers are accounted for in the order of the chunks (connections are read for at most CONNECTION_READS
        # groups)
        for chunk, answers in zip(chunks, parallel(send, chunks, self.client.concurrency)):
            if isinstance(answers, IscError):
                for group_id in chunk:
                    self._record(by_id[group_id], DELETE, answers)
                continue
            seen = set()
            for answer in answers or ():
                group_id = answer.get("id")
                if group_id in by_id and group_id not in seen and group_id in chunk:
                    seen.add(group_id)
                    self._deleted(by_id[group_id], answer.get("status"), answer.get("description"))
            for group_id in chunk:
                if answers is not None and group_id not in seen:
                    self._record(by_id[group_id], DELETE, message="ISC's 207 answer has no item for this group")
        if self.outcome.stopped is not None:
            raise _Stop()

    def _deleted(self, step: Step, status: Any, description: Any = None) -> None:
        """Account for one delete: 204 deleted, 404 already gone, 409 in use, anything else a failure."""
        if status == 204:
            step.result.deleted = True
        elif status == 404:
            step.result.gone = True
        elif status == 409:
            self._in_use(step)
        else:
            self._record(step, DELETE, message=" ".join(str(description or "").split()), status=status)

    def _in_use(self, step: Step, maybe: bool = False) -> bool:
        """Mark a group that cannot be deleted and read its connections when affordable.

        ``maybe``: only a DELETE's 400 says so, which has other causes too; the group is in use only if the
        connections read shows any. Returns whether the group was marked.
        """
        result = step.result
        if self.outcome.connection_reads < CONNECTION_READS:
            self.outcome.connection_reads += 1
            try:
                result.connections = list(
                    itertools.islice(self.client.list_connections(step.id), PAGE_LIMITS["connections"])
                )
            except IscError as exc:
                self.warn("Could not read the connections of governance group \"%s\": %s" % (step.name, exc))
        if maybe and not result.connections:
            return False
        result.in_use = True
        return True
