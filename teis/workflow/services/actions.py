"""Every write of the workflow engine (ARCHITECTURE.md rule 1).

Each `do`-style function below is one transaction, takes an explicit `actor`, locks the instance row
(`select_for_update`) and bumps its `lock_version` with a compare-and-set update, writes its audit record and
raises `ServiceError(code, 中文消息)` on a refused request. Todos and notifications are rows written in the same
transaction; their live pushes go out on commit (`teis.core.notify`).
"""

from __future__ import annotations

import datetime as dt
import logging
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify as todo
from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays

from .. import bpmn
from ..choices import ACTIVE_TASK_STATUSES, Decision, InstanceStatus, SignMode, TaskKind, TaskStatus
from ..models import ProcessInstance, Substitute, WorkTask
from .definitions import current_definition
from .people import _acting_for, _check_target_user, _officer, _resolve_user, role_holders, target_unit

logger = logging.getLogger(__name__)

TODO_CATEGORY = "流程审批"
AUTO_SKIP_OPINION = "同一审批人连续审批，系统自动跳过"
# Who is escalated to when a task of a role runs past its deadline (督办).
LEADER_ROLE = {
    "field_officer": "squad_leader",
    "squad_leader": "brigade_leader",
    "brigade_leader": "leadership",
    "legal_reviewer": "leadership",
    "evidence_admin": "brigade_leader",
    "command_center": "leadership",
}
# Called after each engine step inside the transaction: listener(instance, event) with event in
# "started", "step", "completed", "cancelled". Domain apps (cases) register per process key.
LISTENERS: dict[str, list] = {}


def register_listener(key: str, func) -> None:
    LISTENERS.setdefault(key, []).append(func)


def _emit(instance: ProcessInstance, event: str) -> None:
    for func in LISTENERS.get(instance.definition.key, []):
        func(instance, event)


# --- deadlines ---------------------------------------------------------------------------------------------


def deadline_after(start_date, working_days: int = 0, *, calendar_days: int = 0) -> dt.date:
    """Process-level limit: the date `working_days` working days (or `calendar_days` natural days, moved to
    the next working day when it falls on a holiday) after `start_date`, which itself does not count."""
    if calendar_days:
        day = (start_date.date() if isinstance(start_date, dt.datetime) else start_date) + dt.timedelta(calendar_days)
        return add_workdays(day, 0)
    return add_workdays(start_date, working_days)


def _due_at(now: dt.datetime, days: int | None) -> dt.datetime | None:
    if days is None:
        return None
    day = add_workdays(timezone.localtime(now), days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


# --- engine state --------------------------------------------------------------------------------------------


def load_workflow(instance: ProcessInstance) -> BpmnWorkflow:
    wf = bpmn.SERIALIZER.deserialize_json(instance.state)
    wf.script_engine = bpmn.SCRIPT_ENGINE
    return wf


def _ready_user_tasks(wf: BpmnWorkflow) -> list:
    return [t for t in wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]


def _run_engine(wf: BpmnWorkflow) -> None:
    try:
        wf.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise ServiceError("engine_error", f"流程执行出错：{exc}") from exc


def _lock(instance_id: int) -> ProcessInstance:
    return ProcessInstance.objects.select_for_update().select_related("definition", "unit").get(pk=instance_id)


def _lock_task(worktask: WorkTask) -> tuple[ProcessInstance, WorkTask]:
    instance = _lock(worktask.instance_id)
    wt = WorkTask.objects.select_for_update().get(pk=worktask.pk)
    wt.instance = instance
    return instance, wt


def _taken() -> ServiceError:
    return ServiceError("task_taken", "该任务已被他人处理")


def _check_version(instance: ProcessInstance, lock_version: int | None) -> None:
    if lock_version is not None and lock_version != instance.lock_version:
        raise _taken()


def _save_instance(instance: ProcessInstance, fields: list[str]) -> None:
    """Compare-and-set on lock_version: a concurrent writer that slipped past the row lock loses here."""
    old = instance.lock_version
    instance.lock_version = old + 1
    attnames = [ProcessInstance._meta.get_field(f).attname for f in fields]
    values = {a: getattr(instance, a) for a in attnames}
    n = ProcessInstance.objects.filter(pk=instance.pk, lock_version=old).update(
        lock_version=old + 1, updated_at=timezone.now(), **values
    )
    if n != 1:
        raise _taken()


# --- todos ------------------------------------------------------------------------------------------------


def _todo_title(wt: WorkTask) -> str:
    return f"{wt.name}：{wt.instance.subject_label}"[:200]


def _post(wt: WorkTask, users) -> None:
    """One todo per user and per active substitute of that user."""
    seen = set()
    users = list(users)
    subs = _substitutes_by_user(users)  # one query for all candidates, not one per candidate (perf)
    for user in users:
        for target in [user, *subs.get(user.pk, [])]:
            if target.pk in seen:
                continue
            seen.add(target.pk)
            todo.post_todo(
                target,
                _todo_title(wt),
                category=TODO_CATEGORY,
                url=f"/workflow/tasks/{wt.pk}/",
                source_key=f"wf:{wt.pk}",
                due_at=wt.due_at,
            )


def _substitutes_by_user(users) -> dict[int, list]:
    """user id -> the active substitutes of that user, for several users in one query."""
    if not users:
        return {}
    now = timezone.now()
    rows = Substitute.objects.filter(
        user_id__in=[u.pk for u in users],
        active=True,
        start__lte=now,
        end__gte=now,
        substitute__is_active=True,
    ).select_related("substitute")
    out: dict[int, list] = {}
    for row in rows:
        out.setdefault(row.user_id, []).append(row.substitute)
    return out


def _cancel_todos(wt: WorkTask, *, keep_user=None) -> None:
    qs = TodoItem.objects.filter(source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN)
    if keep_user is not None:
        qs = qs.exclude(user=keep_user)
    users = set(qs.values_list("user_id", flat=True))
    qs.update(status=TodoStatus.CANCELLED, done_at=timezone.now())
    for uid in users:
        todo._after_commit(uid)  # one counts push per user and transaction


# --- offering tasks -------------------------------------------------------------------------------------------


def _finish_row(wt: WorkTask, *, actor, principal, decision: str, opinion: str, status=TaskStatus.COMPLETED) -> None:
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
    todo.complete_todos(f"wf:{wt.pk}")


def _named_assignee(task, meta: bpmn.TaskMeta):
    """A user named for this task: the multi-instance item (会签 / 或签), or task data `assignee_<task id>`."""
    if meta.sign or task.task_spec.name.endswith(" [child]"):
        parent_spec = task.parent.task_spec
        item = getattr(parent_spec, "input_item", None)
        if item is not None:
            return _resolve_user(task.data.get(item.bpmn_id))
    value = task.data.get(f"assignee_{meta.bpmn_id}")
    return _resolve_user(value) if value not in (None, "") else None


def _last_approver(instance: ProcessInstance):
    last = (
        instance.tasks.filter(status=TaskStatus.COMPLETED, kind__in=[TaskKind.NORMAL, TaskKind.AFTER])
        .order_by("-completed_at", "-pk")
        .only("decision", "assignee_id", "sign_mode")
        .first()
    )
    if last is None or last.decision != Decision.APPROVE or last.sign_mode:
        return None
    return last.assignee_id


def _advance(instance: ProcessInstance, wf: BpmnWorkflow, *, prefer: dict | None = None, actor=None) -> list[WorkTask]:
    """Bring WorkTask rows in line with the engine: cancel rows whose engine task is gone, offer READY user
    tasks (auto-skipping a repeat approver), update the denormalised columns and store the state."""
    parsed, _, _ = bpmn.loaded(instance.definition)
    prefer = prefer or {}
    created: list[WorkTask] = []
    for _round in range(100):
        ready = {str(t.id): t for t in _ready_user_tasks(wf)}
        active = list(instance.tasks.filter(status__in=ACTIVE_TASK_STATUSES))
        for wt in active:
            if wt.spiff_task_id not in ready:
                wt.status = TaskStatus.CANCELLED
                wt.save(update_fields=["status", "updated_at"])
                _cancel_todos(wt)
        offered = {wt.spiff_task_id for wt in active if wt.spiff_task_id in ready}
        skipped = False
        for tid, task in ready.items():
            if tid in offered:
                continue
            wt, auto = _offer_one(instance, wf, task, parsed, prefer.get(tid))
            created.append(wt)
            if auto:
                skipped = True
                break  # the engine moved on; look at the ready tasks again
        if not skipped:
            break
    _refresh_columns(instance, wf)
    return created


def _offer_one(instance, wf, task, parsed: bpmn.ParsedDefinition, preferred):
    meta = parsed.tasks[task.task_spec.bpmn_id]
    now = timezone.now()
    named = preferred or _named_assignee(task, meta)
    unit = target_unit(instance.unit, meta.unit)
    candidates = [named] if named else role_holders(meta.role, unit)
    mi_parent = task.parent if task.task_spec.name.endswith(" [child]") else None
    wt = WorkTask(
        instance=instance,
        spiff_task_id=str(task.id),
        spec_name=meta.bpmn_id,
        name=meta.name,
        role=meta.role,
        candidate_unit=unit,
        assignee=named,
        status=TaskStatus.CLAIMED if named else TaskStatus.OPEN,
        due_at=_due_at(now, meta.deadline_days),
        group_id=str(mi_parent.id) if mi_parent is not None else "",
        sign_mode=meta.sign if mi_parent is not None else SignMode.NONE,
        created_at=now,
    )
    last = _last_approver(instance) if instance.definition.auto_skip and mi_parent is None and not preferred else None
    if last is not None and any(c.pk == last for c in candidates):
        user = next(c for c in candidates if c.pk == last)
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


def _refresh_columns(instance: ProcessInstance, wf: BpmnWorkflow) -> None:
    active = list(
        instance.tasks.filter(status__in=ACTIVE_TASK_STATUSES).exclude(status=TaskStatus.SUSPENDED).order_by("pk")
    )
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
    instance.state = bpmn.SERIALIZER.serialize_json(wf)


COLUMNS = [
    "state",
    "current_step",
    "current_step_name",
    "assignee_role",
    "assignee_user",
    "assignee_unit",
    "due_at",
    "status",
    "outcome",
    "ended_at",
]


def offer_tasks(instance: ProcessInstance) -> list[WorkTask]:
    """Create WorkTask rows (and todos) for the instance's READY user tasks that have none. One transaction."""
    with transaction.atomic():
        instance = _lock(instance.pk)
        wf = load_workflow(instance)
        created = _advance(instance, wf)
        _save_instance(instance, COLUMNS)
    return created


# --- starting ------------------------------------------------------------------------------------------------


def _check_data(data) -> dict:
    import json

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ServiceError("invalid_data", "流程数据必须是键值对象")
    for k in data:
        if not isinstance(k, str) or not k.isidentifier() or k.startswith("_"):
            raise ServiceError("invalid_data", f"流程数据字段名 {k} 无效")
    try:
        json.dumps(data)
    except (TypeError, ValueError) as exc:
        raise ServiceError("invalid_data", "流程数据只能包含文字、数字、列表等简单值") from exc
    return dict(data)


def start_process(
    actor, key: str, subject, unit, data: dict | None = None, *, subject_label: str = ""
) -> ProcessInstance:
    """Start the newest version of process `key` for `subject` (a model instance or None) in `unit`, run it to
    its first wait state and offer its first tasks. One transaction; audited."""
    data = _check_data(data)
    definition = current_definition(key)
    _, spec, subprocess_specs = bpmn.loaded(definition)
    with transaction.atomic():
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=bpmn.SCRIPT_ENGINE)
        data.setdefault("initiator", actor.pk if actor is not None else None)
        data.setdefault("unit_id", unit.pk)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        _run_engine(wf)
        instance = ProcessInstance(
            definition=definition,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=str(subject.pk) if subject is not None else "",
            subject_label=(subject_label or (str(subject) if subject is not None else definition.name))[:200],
            unit=unit,
            state=bpmn.SERIALIZER.serialize_json(wf),
            started_by=actor,
            created_by=actor,
        )
        instance.save()
        _advance(instance, wf, actor=actor)
        _save_instance(instance, COLUMNS)
        _emit(instance, "started")
        audit.record(
            actor,
            AuditAction.CREATE,
            instance,
            changes={"流程": [None, str(definition)], "当前节点": [None, instance.current_step_name]},
            detail={"operation": "workflow.start", "key": key, "version": definition.version},
        )
    return instance


# --- acting on tasks -----------------------------------------------------------------------------------------


def _check_active(instance: ProcessInstance, wt: WorkTask, statuses=(TaskStatus.OPEN, TaskStatus.CLAIMED)) -> None:
    if instance.status != InstanceStatus.RUNNING or wt.status not in statuses:
        raise _taken()


def _audit_step(actor, wt: WorkTask, operation: str, **detail) -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        wt,
        changes={
            "状态": [None, wt.get_status_display()],
            **({"审批结论": [None, wt.get_decision_display()]} if wt.decision else {}),
        },
        detail={"operation": operation, "instance": wt.instance_id, "step": wt.spec_name, **detail},
    )


def claim(actor, worktask: WorkTask) -> WorkTask:
    """认领: take an open role task. Other candidates' todos are cancelled."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt, (TaskStatus.OPEN,))
        principal = _acting_for(actor, wt)
        wt.assignee = principal
        wt.status = TaskStatus.CLAIMED
        wt.claimed_at = timezone.now()
        wt.save(update_fields=["assignee", "status", "claimed_at", "updated_at"])
        _cancel_todos(wt, keep_user=principal)
        instance.assignee_user = principal
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.claim")
    return wt


def release(actor, worktask: WorkTask) -> WorkTask:
    """释放: give a claimed role task back to the candidates."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt, (TaskStatus.CLAIMED,))
        principal = _acting_for(actor, wt)
        if wt.kind != TaskKind.NORMAL or wt.group_id or not wt.role:
            raise ServiceError("cannot_release", "指定人员办理的任务不能释放，请使用转办")
        wt.assignee = None
        wt.status = TaskStatus.OPEN
        wt.claimed_at = None
        wt.save(update_fields=["assignee", "status", "claimed_at", "updated_at"])
        _cancel_todos(wt)
        _post(wt, role_holders(wt.role, wt.candidate_unit))
        instance.assignee_user = None
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.release", principal=principal.pk)
    return wt


def _check_decision(decision: str) -> str:
    if decision not in Decision.values:
        raise ServiceError("invalid_decision", "请选择审批结论：同意、退回或不同意", {"decision": ["审批结论无效"]})
    return decision


def complete_task(
    actor, worktask: WorkTask, decision: str, opinion: str = "", data: dict | None = None, *, lock_version=None
) -> WorkTask:
    """Complete the actor's task with a decision (同意 / 退回 / 不同意) and opinion, run the engine to the next wait
    state and offer the next tasks. 退回 on a node whose diagram draws no return path resets the engine to the
    previous node (see `return_task`). Two concurrent completions: one wins, the other gets "task_taken"."""
    _check_decision(decision)
    data = _check_data(data)
    if decision != Decision.APPROVE and not (opinion or "").strip():
        raise ServiceError("opinion_required", "退回或不同意时必须填写审批意见", {"opinion": ["请填写审批意见"]})
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_version(instance, lock_version)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        parsed, _, _ = bpmn.loaded(instance.definition)
        meta = parsed.tasks[wt.spec_name]
        if wt.kind == TaskKind.BEFORE:
            _finish_row(wt, actor=actor, principal=principal, decision=decision, opinion=opinion)
            original = wt.parent_task
            original.status = TaskStatus.CLAIMED
            original.save(update_fields=["status", "updated_at"])
            _post(original, [original.assignee] if original.assignee else [])
            _save_instance(instance, [])
            _audit_step(actor, wt, "workflow.complete", principal=principal.pk)
            return wt
        if decision == Decision.RETURN and not wt.group_id and Decision.RETURN not in meta.modelled_decisions:
            return _do_return(actor, instance, wt, principal, None, opinion)
        wf = load_workflow(instance)
        task = wf.get_task_from_id(UUID(wt.spiff_task_id))
        if task is None or not task.has_state(TaskState.READY):
            raise _taken()
        task.data.update(data)
        task.data["decision"] = decision
        task.data["opinion"] = opinion or ""
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise ServiceError("engine_error", f"流程执行出错：{exc}") from exc
        _run_engine(wf)
        _finish_row(wt, actor=actor, principal=principal, decision=decision, opinion=opinion)
        _advance(instance, wf, actor=actor)
        _save_instance(instance, COLUMNS)
        _emit(instance, "completed" if instance.status == InstanceStatus.COMPLETED else "step")
        _audit_step(actor, wt, "workflow.complete", principal=principal.pk)
    return wt


def _completed_engine_task(wf, bpmn_id: str):
    done = [
        t
        for t in wf.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.manual and t.task_spec.bpmn_id == bpmn_id and not t.task_spec.name.endswith(" [child]")
    ]
    return max(done, key=lambda t: t.last_state_change) if done else None


def _do_return(actor, instance, wt, principal, target: str | None, opinion: str) -> WorkTask:
    parsed, _, _ = bpmn.loaded(instance.definition)
    meta = parsed.tasks[wt.spec_name]
    if wt.group_id or wt.kind != TaskKind.NORMAL:
        raise ServiceError("return_not_allowed", "会签、或签和加签任务不能驳回，请选择“不同意”")
    if not meta.return_to:
        raise ServiceError("return_not_allowed", "该节点没有可退回的上一步")
    if target is None:
        previous = (
            instance.tasks.filter(status=TaskStatus.COMPLETED, spec_name__in=meta.return_to)
            .order_by("-completed_at", "-pk")
            .first()
        )
        if previous is None:
            raise ServiceError("return_not_allowed", "上一步尚未办理，无法退回")
        target = previous.spec_name
    if target not in meta.return_to:
        names = "、".join(parsed.tasks[t].name for t in meta.return_to)
        raise ServiceError(
            "return_not_allowed", f"流程图不允许退回到该节点，可退回：{names}", {"target": ["不允许的退回节点"]}
        )
    wf = load_workflow(instance)
    engine_task = _completed_engine_task(wf, target)
    if engine_task is None:
        raise ServiceError("return_not_allowed", f"节点“{parsed.tasks[target].name}”尚未办理，无法退回")
    previous = (
        instance.tasks.filter(spiff_task_id=str(engine_task.id), status=TaskStatus.COMPLETED)
        .order_by("-completed_at")
        .first()
    )
    wf.reset_from_task_id(engine_task.id)
    _run_engine(wf)
    _finish_row(wt, actor=actor, principal=principal, decision=Decision.RETURN, opinion=opinion)
    prefer = {str(engine_task.id): previous.assignee} if previous and previous.assignee_id else {}
    _advance(instance, wf, prefer=prefer, actor=actor)
    _save_instance(instance, COLUMNS)
    _emit(instance, "step")
    _audit_step(actor, wt, "workflow.return", target=target)
    return wt


def return_task(actor, worktask: WorkTask, target: str | None = None, opinion: str = "", *, lock_version=None):
    """驳回: send the process back to the previous user task or to an earlier one allowed by teis:returnTo,
    using the engine's reset (`BpmnWorkflow.reset_from_task_id`). The returned node goes to whoever did it."""
    if not (opinion or "").strip():
        raise ServiceError("opinion_required", "驳回时必须填写审批意见", {"opinion": ["请填写审批意见"]})
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_version(instance, lock_version)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        return _do_return(actor, instance, wt, principal, target, opinion)


def withdraw(actor, worktask: WorkTask) -> WorkTask:
    """撤回: the one who completed a step takes it back while nobody has acted on the next step yet."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        if instance.status != InstanceStatus.RUNNING:
            raise ServiceError("cannot_withdraw", "流程已办结，不能撤回")
        if wt.status != TaskStatus.COMPLETED or wt.auto_skipped or wt.kind == TaskKind.BEFORE or wt.group_id:
            raise ServiceError("cannot_withdraw", "该任务不能撤回")
        if actor.pk not in (wt.completed_by_id, wt.assignee_id):
            raise ServiceError("not_your_task", "只能撤回本人办理的任务")
        later = instance.tasks.filter(pk__gt=wt.pk).exclude(status=TaskStatus.CANCELLED)
        if later.filter(Q(claimed_at__isnull=False) | Q(status=TaskStatus.COMPLETED, auto_skipped=False)).exists():
            raise ServiceError("cannot_withdraw", "下一步已有人办理，不能撤回")
        if (
            instance.tasks.filter(completed_at__gt=wt.completed_at, status=TaskStatus.COMPLETED, auto_skipped=False)
            .exclude(pk=wt.pk)
            .exists()
        ):
            raise ServiceError("cannot_withdraw", "该任务之后已有其他步骤办理，不能撤回")
        wf = load_workflow(instance)
        engine_task = wf.get_task_from_id(UUID(wt.spiff_task_id))
        if engine_task is None or not engine_task.has_state(TaskState.COMPLETED):
            raise ServiceError("cannot_withdraw", "该任务不能撤回")
        wf.reset_from_task_id(engine_task.id)
        _run_engine(wf)
        for row in later.filter(status__in=ACTIVE_TASK_STATUSES):
            row.status = TaskStatus.WITHDRAWN
            row.save(update_fields=["status", "updated_at"])
            _cancel_todos(row)
        wt.status = TaskStatus.WITHDRAWN
        wt.save(update_fields=["status", "updated_at"])
        _advance(instance, wf, prefer={wt.spiff_task_id: wt.assignee or actor}, actor=actor)
        _save_instance(instance, COLUMNS)
        _emit(instance, "step")
        _audit_step(actor, wt, "workflow.withdraw")
    return wt


def reassign(actor, worktask: WorkTask, user) -> WorkTask:
    """转办 / 委派: hand the task to another person within the actor's data scope."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        target = _check_target_user(actor, user)
        if target.pk == principal.pk:
            raise ServiceError("invalid_user", "不能转办给自己", {"user": ["不能转办给自己"]})
        wt.delegated_from = principal
        wt.assignee = target
        wt.status = TaskStatus.CLAIMED
        wt.claimed_at = None
        wt.save(update_fields=["delegated_from", "assignee", "status", "claimed_at", "updated_at"])
        _cancel_todos(wt)
        _post(wt, [target])
        instance.assignee_user = target
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.reassign", to_user=target.pk, from_user=principal.pk)
    return wt


def add_approver(actor, worktask: WorkTask, user, before: bool, opinion: str = "") -> WorkTask:
    """加签. Before (前加签): `user` gives an opinion first, then the task comes back to the actor. After
    (后加签): the actor approves now and `user` makes the step's decision. Returns the new task."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        if wt.group_id or wt.kind == TaskKind.BEFORE:
            raise ServiceError("cannot_add_approver", "会签、或签和加签任务不能再加签")
        target = _check_target_user(actor, user)
        if target.pk == principal.pk:
            raise ServiceError("invalid_user", "不能给自己加签", {"user": ["不能给自己加签"]})
        added = WorkTask(
            instance=instance,
            spiff_task_id=wt.spiff_task_id,
            spec_name=wt.spec_name,
            name=f"{wt.name}（{'前' if before else '后'}加签）",
            role="",
            candidate_unit=_officer(target).unit,
            assignee=target,
            status=TaskStatus.CLAIMED,
            kind=TaskKind.BEFORE if before else TaskKind.AFTER,
            due_at=wt.due_at,
            added_by=principal,
            parent_task=wt,
        )
        if before:
            wt.assignee = principal
            wt.status = TaskStatus.SUSPENDED
            wt.save(update_fields=["assignee", "status", "updated_at"])
            todo.complete_todos(f"wf:{wt.pk}")
        else:
            _finish_row(wt, actor=actor, principal=principal, decision=Decision.APPROVE, opinion=opinion)
        added.save()
        _post(added, [target])
        instance.assignee_user = target
        _save_instance(instance, ["assignee_user"])
        _audit_step(actor, wt, "workflow.add_approver", user=target.pk, before=before)
    return added


def cancel_process(actor, instance: ProcessInstance, reason: str) -> ProcessInstance:
    """终止: cancel a running instance and its open tasks."""
    if not (reason or "").strip():
        raise ServiceError("reason_required", "请填写终止原因", {"reason": ["请填写终止原因"]})
    with transaction.atomic():
        instance = _lock(instance.pk)
        if instance.status != InstanceStatus.RUNNING:
            raise ServiceError("not_running", "流程不在办理中")
        wf = load_workflow(instance)
        wf.cancel()
        for wt in instance.tasks.filter(status__in=ACTIVE_TASK_STATUSES):
            wt.status = TaskStatus.CANCELLED
            wt.save(update_fields=["status", "updated_at"])
            _cancel_todos(wt)
        instance.status = InstanceStatus.CANCELLED
        instance.ended_at = timezone.now()
        instance.current_step = instance.current_step_name = instance.assignee_role = ""
        instance.assignee_user = instance.assignee_unit = instance.due_at = None
        instance.state = bpmn.SERIALIZER.serialize_json(wf)
        _save_instance(instance, COLUMNS)
        _emit(instance, "cancelled")
        audit.record(
            actor,
            AuditAction.UPDATE,
            instance,
            changes={"状态": ["办理中", "已终止"]},
            detail={"operation": "workflow.cancel", "reason": reason},
        )
    return instance


# --- substitutes ------------------------------------------------------------------------------------------------


def do_set_substitute(actor, user, substitute, start, end, reason: str = "") -> Substitute:
    """代理人: `substitute` may see and act on `user`'s tasks between start and end."""
    if substitute is None or user is None or substitute.pk == user.pk:
        raise ServiceError("invalid_substitute", "代理人不能是本人", {"substitute": ["代理人不能是本人"]})
    if end <= start:
        raise ServiceError("invalid_period", "结束时间必须晚于开始时间", {"end": ["结束时间必须晚于开始时间"]})
    if actor.pk != user.pk and not actor.has_perm("workflow.add_substitute"):
        raise ServiceError("permission_denied", "只能为本人设置代理人")
    if actor.pk != user.pk:
        _check_target_user(actor, substitute)
    with transaction.atomic():
        sub = Substitute.objects.create(
            user=user, substitute=substitute, start=start, end=end, reason=reason, created_by=actor
        )
        audit.record(actor, AuditAction.CREATE, sub, changes={"代理人": [None, str(substitute)]})
    return sub
