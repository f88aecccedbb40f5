"""Development plans: documents, the catalogue of known plans, and their tasks' status.

Bundled plans ship in `servtrade/data/plans/`; plans a user adds are stored in the store
(a later version of the same id replaces the earlier). Task status changes are recorded
with who and when; a task's status is its latest change, else what the document says.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from servtrade.access import User, WriteRefusedError, authorise_region
from servtrade.classification import Classifications
from servtrade.i18n import N_, Listing
from servtrade.plans.documents import (
    PlanError,
    PlanIssue,
    bundled_plan_files,
    load_plan,
    parse_plan,
    plan_json_schema,
)
from servtrade.plans.schema import TASK_STATUSES, Plan, Task
from servtrade.store import Store

__all__ = [
    "Plan",
    "PlanError",
    "PlanIssue",
    "TaskState",
    "add_plan",
    "find_plan",
    "plan_catalog",
    "plan_json_schema",
    "task_states",
    "update_task",
]


# Parsed plans by (origin, document digest, codelist sizes): a page reads the catalogue on
# every request, and a plan is parsed once, not per request. Codelists only grow (a user
# registers places, groupings, bases), so their sizes tell when a plan must be re-checked.
_PARSED: dict[tuple[str, str, tuple[int, ...]], Plan] = {}
_PARSED_LIMIT = 1024


def _parsed(document: str, origin: str, classifications: Classifications) -> Plan:
    key = (
        origin,
        hashlib.sha256(document.encode("utf-8")).hexdigest(),
        tuple(
            len(codelist.codes)
            for codelist in (
                classifications.regions,
                classifications.categories,
                classifications.bases,
            )
        ),
    )
    found = _PARSED.get(key)
    if found is None:
        found = parse_plan(document, origin, classifications)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = found
    return found


def plan_catalog(store: Store) -> dict[str, Plan]:
    """Every known plan by id: the bundled ones, then those added to the store."""
    classifications = store.classifications()
    plans = {}
    for path in bundled_plan_files():
        plan = _parsed(path.read_text(encoding="utf-8"), str(path), classifications)
        plans[plan.id] = plan
    for plan_id, document in store.plan_documents():
        plans[plan_id] = _parsed(document, f"store:{plan_id}", classifications)
    return plans


def bundled_plan_text(plan_id: str) -> str | None:
    """The document of the bundled plan with this id (files are named by id), or None."""
    for path in bundled_plan_files():
        if path.stem == plan_id:
            return path.read_text(encoding="utf-8")
    return None


def find_plan(store: Store, id_or_path: str) -> Plan:
    """A plan by id, or from a YAML file path."""
    catalog = plan_catalog(store)
    if id_or_path in catalog:
        return catalog[id_or_path]
    path = Path(id_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_plan(path, store.classifications())
    known = ", ".join(sorted(catalog))
    raise PlanError(
        [
            PlanIssue.of(
                id_or_path, "", None, N_("no plan with this id; known: {known}"), known=known
            )
        ]
    )


def add_plan(store: Store, path: Path, user: User) -> Plan:
    """Validate a plan file and store it as `user`'s change; nothing is stored if it does
    not validate or is not theirs to change."""
    plan = load_plan(path, store.classifications())
    save_plan(store, plan, path.read_text(encoding="utf-8"), user)
    return plan


def save_plan(store: Store, plan: Plan, document: str, user: User) -> None:
    """Store a validated plan's document as `user`'s change, with what it replaces. A plan
    belongs to its region: only an editor of that region, and of the region the plan had
    before, may write it; a bundled plan changes only through an admin."""
    classifications = store.classifications()
    authorise_region(user, plan.region, classifications)
    bundled = bundled_plan_text(plan.id)
    if bundled is not None and not user.is_admin:
        raise WriteRefusedError(
            "bundled_plan", N_("only an admin can change the bundled plan {plan}"), plan=plan.id
        )
    before = store.plan_document(plan.id) or bundled
    if before is not None:
        authorise_region(user, parse_plan(before, plan.id, classifications).region, classifications)
    store.save_plan(plan.id, plan.region, document, user.name, before)


@dataclass(frozen=True)
class TaskState:
    task: Task
    status: str
    changed_by: str | None
    changed_at: datetime | None
    note: str | None


def task_states(store: Store, plan: Plan) -> list[TaskState]:
    latest: dict[str, tuple[str, str | None, str, datetime]] = {}
    for task_id, status, note, by, at in store.task_events(plan.id):
        latest[task_id] = (status, note, by, at)
    states = []
    for task in plan.tasks:
        if task.id in latest:
            status, note, by, at = latest[task.id]
            states.append(TaskState(task, status, by, at, note))
        else:
            states.append(TaskState(task, task.status, None, None, None))
    return states


def update_task(
    store: Store, plan: Plan, task_id: str, status: str, user: User, note: str | None = None
) -> None:
    """Record a task's new status as `user`'s change, if the plan's region is theirs."""
    authorise_region(user, plan.region, store.classifications())
    if task_id not in {t.id for t in plan.tasks}:
        raise PlanError(
            [PlanIssue.of(plan.id, "tasks", None, N_("no task {task!r} in the plan"), task=task_id)]
        )
    if status not in TASK_STATUSES:
        raise PlanError(
            [
                PlanIssue.of(
                    plan.id,
                    "status",
                    None,
                    N_("status must be one of {statuses}"),
                    statuses=Listing(TASK_STATUSES, style="or"),
                )
            ]
        )
    if not user.name.strip():
        raise PlanError([PlanIssue.of(plan.id, "by", None, N_("say who made the change"))])
    before = {s.task.id: s.status for s in task_states(store, plan)}[task_id]
    store.record_task_status(plan.id, task_id, status, note, user.name, plan.region, before)
