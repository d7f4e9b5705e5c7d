"""Keeping the WorkTask rows (the history) and the unified todos in line with the engine: offer READY user
tasks to their candidates (auto-skipping a repeat approver), close and cancel rows and todos, refresh the
instance's denormalised columns. Todos are rows written in the caller's transaction; their live pushes go out on
commit (`teis.core.notify`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from teis.core import notify as todo
from teis.core.models import TodoItem, TodoStatus

from .. import bpmn
from ..choices import ACTIVE_TASK_STATUSES, Decision, InstanceStatus, SignMode, TaskKind, TaskStatus
from ..models import ProcessInstance, Substitute, WorkTask

if TYPE_CHECKING:
    from django.contrib.auth.models import User
from .engine import COLUMNS, _due_at, _lock, _ready_user_tasks, _run_engine, _save_instance, dump_state, load_workflow
from .people import _resolve_user, candidate_target, role_holders

logger = logging.getLogger(__name__)

TODO_CATEGORY = "流程审批"
AUTO_SKIP_OPINION = "同一审批人连续审批，系统自动跳过"


# --- todos ------------------------------------------------------------------------------------------------------


def _todo_title(wt: WorkTask) -> str:
    return f"{wt.name}：{wt.instance.subject_label}"[:200]


def _post(wt: WorkTask, users: Iterable[Any]) -> None:
    """One todo per user and per active substitute of that user."""
    seen: dict[int, object] = {}
    users = list(users)
    subs = _substitutes_by_user(users)  # one query for all candidates, not one per candidate (perf)
    for user in users:
        for target in [user, *subs.get(user.pk, [])]:
            seen.setdefault(target.pk, target)
    if not seen:
        return
    title, url, key = _todo_title(wt), f"/workflow/tasks/{wt.pk}/", f"wf:{wt.pk}"
    # one INSERT for every candidate (perf); the same rows `core.notify.post_todo` writes, counts pushed on commit
    TodoItem.objects.bulk_create(
        [
            TodoItem(user_id=uid, title=title, category=TODO_CATEGORY, url=url, source_key=key, due_at=wt.due_at)
            for uid in seen
        ]
    )
    todo.refresh_on_commit(seen)


def _substitutes_by_user(users: Iterable[Any]) -> dict[int, list[Any]]:
    """user id -> the active substitutes of that user, for several users in one query."""
    if all(getattr(u, "_wf_substituted", None) is False for u in users):
        return {}  # `role_holders` found none of them substituted (read with them, in this transaction)
    now = timezone.now()
    rows = Substitute.objects.filter(
        user_id__in=[u.pk for u in users],
        active=True,
        start__lte=now,
        end__gte=now,
        substitute__is_active=True,
    ).select_related("substitute")
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(row.user_id, []).append(row.substitute)
    return out


def _close_todos(wt: WorkTask, status: str, *, keep_user: Any = None) -> None:
    """Close the task's open todos (done or cancelled) and push the counts of their users on commit. One
    `UPDATE … RETURNING` (PostgreSQL, SQLite ≥ 3.35) instead of a read and an update (perf)."""
    table = connection.ops.quote_name(TodoItem._meta.db_table)
    sql = f"UPDATE {table} SET status = %s, done_at = %s WHERE source_key = %s AND status = %s"  # noqa: S608 (table name from model meta, values are parameters)
    params = [status, connection.ops.adapt_datetimefield_value(timezone.now()), f"wf:{wt.pk}", TodoStatus.OPEN]
    if keep_user is not None:
        sql += " AND user_id <> %s"
        params.append(keep_user.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING user_id", params)
        users = {row[0] for row in cursor.fetchall()}
    todo.refresh_on_commit(users)  # one refresh for all the users of the transaction, after commit


def _cancel_todos(wt: WorkTask, *, keep_user: Any = None) -> None:
    _close_todos(wt, TodoStatus.CANCELLED, keep_user=keep_user)


# --- offering tasks ---------------------------------------------------------------------------------------------


def _finish_row(
    wt: WorkTask, *, actor: Any, principal: Any, decision: str, opinion: str, status: str = TaskStatus.COMPLETED
) -> None:
    now = timezone.now()
    wt.status = status
    wt.decision = decision
    wt.opinion = opinion or ""
    wt.completed_at = now
    wt.completed_by = actor
    if wt.assignee_id is None:
        wt.assignee = principal
    wt.duration_seconds = max(0, int((now - wt.created_at).total_seconds()))
    wt.save(
        update_fields=[
            "status",
            "decision",
            "opinion",
            "completed_at",
            "completed_by",
            "assignee",
            "duration_seconds",
            "updated_at",
        ]
    )
    _close_todos(wt, TodoStatus.DONE)


def _named_assignee(task: Any, meta: bpmn.TaskMeta) -> User | None:
    """A user named for this task: the multi-instance item (会签 / 或签), or task data `assignee_<task id>`."""
    if meta.sign or task.task_spec.name.endswith(" [child]"):
        parent_spec = task.parent.task_spec
        item = getattr(parent_spec, "input_item", None)
        if item is not None:
            return _resolve_user(task.data.get(item.bpmn_id))
    value = task.data.get(f"assignee_{meta.bpmn_id}")
    return _resolve_user(value) if value not in (None, "") else None


def _last_completed(instance: ProcessInstance) -> WorkTask | None:
    return (
        instance.tasks.filter(status=TaskStatus.COMPLETED, kind__in=[TaskKind.NORMAL, TaskKind.AFTER])
        .order_by("-completed_at", "-pk")
        .only("instance_id", "decision", "assignee_id", "sign_mode")
        .first()
    )


def _last_approver(instance: ProcessInstance) -> int | None:
    """The user who approved the instance's last completed step (auto-skip), or None."""
    return _approver_of(_last_completed(instance))


def _approver_of(row: WorkTask | None) -> int | None:
    if row is None or row.decision != Decision.APPROVE or row.sign_mode:
        return None
    return row.assignee_id


class _LastStep:
    """The last completed step while `_advance` offers tasks: the row the caller has just finished (or nothing for a
    new instance) is known without reading it back; otherwise it is read once, when a task first needs it."""

    def __init__(self, instance: ProcessInstance, row: WorkTask | None = None, *, known: bool = False) -> None:
        self.instance, self.row, self.known = instance, row, known or row is not None

    def approver(self) -> int | None:
        if not self.known:
            self.done(_last_completed(self.instance))  # read once
        return _approver_of(self.row)

    def done(self, row: WorkTask | None) -> None:
        self.row, self.known = row, True


def _advance(
    instance: ProcessInstance,
    wf: BpmnWorkflow,
    *,
    prefer: dict[str, Any] | None = None,
    actor: Any = None,
    finished: WorkTask | None = None,
    new: bool = False,
    others: list[WorkTask] | None = None,
) -> list[WorkTask]:
    """Bring WorkTask rows in line with the engine: cancel rows whose engine task is gone, offer READY user
    tasks (auto-skipping a repeat approver), update the denormalised columns and store the state.
    `finished`: the step row the caller has just completed (the last approver, without reading it back);
    `new`: a new instance, which has no rows yet; `others`: the instance's active rows besides `finished`, read by the
    caller in this transaction under the instance's lock (`_lock_task_with_active`)."""
    parsed, _, _ = bpmn.loaded(instance.definition)
    prefer = prefer or {}
    created: list[WorkTask] = []
    last = _LastStep(instance, finished, known=new)
    # the instance's active rows, read once and then kept in step in memory (perf: no re-reading per round)
    if new:
        active = []
    elif others is not None and finished is not None:
        active = [wt for wt in [*others, finished] if wt.status in ACTIVE_TASK_STATUSES]
    else:
        active = list(instance.tasks.filter(status__in=ACTIVE_TASK_STATUSES))
    for _round in range(100):
        ready = {str(t.id): t for t in _ready_user_tasks(wf)}
        for wt in active:
            if wt.spiff_task_id not in ready:
                wt.status = TaskStatus.CANCELLED
                wt.save(update_fields=["status", "updated_at"])
                _cancel_todos(wt)
        active = [wt for wt in active if wt.status in ACTIVE_TASK_STATUSES]
        offered = {wt.spiff_task_id for wt in active}
        skipped = False
        for tid, task in ready.items():
            if tid in offered:
                continue
            wt, auto = _offer_one(instance, wf, task, parsed, prefer.get(tid), last)
            created.append(wt)
            if auto:
                last.done(wt)
                skipped = True
                break  # the engine moved on; look at the ready tasks again
            active.append(wt)
        if not skipped:
            break
    _refresh_columns(instance, wf, active)
    return created


def _offer_one(
    instance: ProcessInstance,
    wf: BpmnWorkflow,
    task: Any,
    parsed: bpmn.ParsedDefinition,
    preferred: Any,
    last: _LastStep | None = None,
) -> tuple[WorkTask, bool]:
    meta = parsed.tasks[task.task_spec.bpmn_id]
    now = timezone.now()
    named = preferred or _named_assignee(task, meta)
    unit, role = candidate_target(instance, meta, task.data)
    candidates = [named] if named else role_holders(role, unit)
    mi_parent = task.parent if task.task_spec.name.endswith(" [child]") else None
    wt = WorkTask(
        instance=instance,
        spiff_task_id=str(task.id),
        spec_name=meta.bpmn_id,
        name=meta.name,
        role=role,
        candidate_unit=unit,
        assignee=named,
        status=TaskStatus.CLAIMED if named else TaskStatus.OPEN,
        due_at=_due_at(now, meta.deadline_days),
        group_id=str(mi_parent.id) if mi_parent is not None else "",
        sign_mode=meta.sign if mi_parent is not None else SignMode.NONE,
        created_at=now,
    )
    auto_skip = instance.definition.auto_skip and mi_parent is None and not preferred
    last_approver = (last or _LastStep(instance)).approver() if auto_skip else None
    if last_approver is not None and any(c.pk == last_approver for c in candidates):
        user = next(c for c in candidates if c.pk == last_approver)
        wt.assignee = user
        wt.completed_by = user
        wt.status = TaskStatus.COMPLETED
        wt.decision = Decision.APPROVE
        wt.opinion = AUTO_SKIP_OPINION
        wt.completed_at = now
        wt.duration_seconds = 0
        wt.auto_skipped = True
        wt.save()
        task.data["decision"] = Decision.APPROVE.value
        task.data["opinion"] = AUTO_SKIP_OPINION
        task.run()
        _run_engine(wf)
        return wt, True
    wt.save()
    _post(wt, candidates)
    if not candidates:
        logger.warning("workflow task %s of instance %s has no candidate", wt.spec_name, instance.pk)
    return wt, False


def _refresh_columns(instance: ProcessInstance, wf: BpmnWorkflow, active: list[WorkTask] | None = None) -> None:
    if active is None:
        active = list(instance.tasks.filter(status__in=ACTIVE_TASK_STATUSES))
    active = sorted((wt for wt in active if wt.status != TaskStatus.SUSPENDED), key=lambda wt: wt.pk)
    if wf.completed:
        if instance.status == InstanceStatus.RUNNING:
            instance.status = InstanceStatus.COMPLETED
            instance.ended_at = timezone.now()
            decision = wf.last_task.data.get("decision") if wf.last_task is not None else None
            instance.outcome = decision if decision in Decision.values else ""
        active = []
    first = active[0] if active else None
    instance.current_step = "、".join(dict.fromkeys(wt.spec_name for wt in active))[:200]
    instance.current_step_name = "、".join(dict.fromkeys(wt.name for wt in active))[:200]
    instance.assignee_role = first.role if first else ""
    instance.assignee_user_id = first.assignee_id if first and len(active) == 1 else None
    instance.assignee_unit_id = first.candidate_unit_id if first else None
    dues = [wt.due_at for wt in active if wt.due_at]
    instance.due_at = min(dues) if dues else None
    instance.state = dump_state(wf)


def offer_tasks(instance: ProcessInstance) -> list[WorkTask]:
    """Create WorkTask rows (and todos) for the instance's READY user tasks that have none. One transaction."""
    with transaction.atomic():
        instance = _lock(instance.pk)
        wf = load_workflow(instance)
        created = _advance(instance, wf)
        _save_instance(instance, COLUMNS)
    return created
