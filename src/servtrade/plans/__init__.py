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

from servtrade.classification import Classifications
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
    raise PlanError([PlanIssue(id_or_path, "", None, f"no plan with this id; known: {known}")])


def add_plan(store: Store, path: Path, saved_by: str) -> Plan:
    """Validate a plan file and store it; nothing is stored if it does not validate."""
    plan = load_plan(path, store.classifications())
    store.save_plan(
        plan.id,
        plan.region,
        path.read_text(encoding="utf-8"),
        saved_by,
        store.plan_document(plan.id) or bundled_plan_text(plan.id),
    )
    return plan


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
    store: Store, plan: Plan, task_id: str, status: str, changed_by: str, note: str | None = None
) -> None:
    if task_id not in {t.id for t in plan.tasks}:
        raise PlanError([PlanIssue(plan.id, "tasks", None, f"no task {task_id!r} in the plan")])
    if status not in TASK_STATUSES:
        raise PlanError(
            [
                PlanIssue(
                    plan.id, "status", None, f"status must be one of {', '.join(TASK_STATUSES)}"
                )
            ]
        )
    if not changed_by.strip():
        raise PlanError([PlanIssue(plan.id, "by", None, "say who made the change")])
    before = {s.task.id: s.status for s in task_states(store, plan)}[task_id]
    store.record_task_status(plan.id, task_id, status, note, changed_by, plan.region, before)
