"""The actions that move a process (ARCHITECTURE.md rule 1): start, complete a step, 驳回 / 退回, 撤回, 终止.

Each is one transaction, takes an explicit `actor`, locks the instance row (`select_for_update`) and bumps its
`lock_version` with a compare-and-set update, writes its audit record and raises `ServiceError(code, 中文消息)` on
a refused request. Who holds a task (claim, release, 转办, 加签) is `assignment`; 委派 is `delegation`.
"""

from __future__ import annotations

from typing import Any, cast
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
from teis.core.services import ServiceError

from .. import bpmn
from ..choices import ACTIVE_TASK_STATUSES, Decision, InstanceStatus, TaskKind, TaskStatus
from ..models import ProcessInstance, WorkTask
from .definitions import current_definition
from .engine import (
    COLUMNS,
    STEP_HANDLERS,
    _audit_step,
    _check_active,
    _check_data,
    _check_decision,
    _check_version,
    _emit,
    _lock,
    _lock_task,
    _lock_task_with_active,
    _run_engine,
    _save_instance,
    _taken,
    dump_state,
    load_workflow,
)
from .offering import _advance, _cancel_todos, _finish_row, _post
from .people import _acting_for, signers_after

# --- starting ---------------------------------------------------------------------------------------------------


def start_process(
    actor: Any, key: str, subject: Any, unit: Any, data: dict[str, Any] | None = None, *, subject_label: str = ""
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
            state="",  # written once, with the offered tasks, by `_advance` below
            started_by=actor,
            created_by=actor,
        )
        instance.save()
        _advance(instance, wf, actor=actor, new=True)
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


# --- completing -------------------------------------------------------------------------------------------------


def complete_task(
    actor: Any,
    worktask: WorkTask,
    decision: str,
    opinion: str = "",
    data: dict[str, Any] | None = None,
    *,
    lock_version: int | None = None,
) -> WorkTask:
    """Complete the actor's task with a decision (同意 / 退回 / 不同意) and opinion, run the engine to the next wait
    state and offer the next tasks. 退回 on a node whose diagram draws no return path resets the engine to the
    previous node (see `return_task`). Two concurrent completions: one wins, the other gets "task_taken"."""
    _check_decision(decision)
    if data is not None and not isinstance(data, dict):
        raise ServiceError("invalid_data", "流程数据必须是键值对象")
    if decision != Decision.APPROVE and not (opinion or "").strip():
        raise ServiceError("opinion_required", "退回或不同意时必须填写审批意见", {"opinion": ["请填写审批意见"]})
    with transaction.atomic():
        # the definition comes with the locked instance (perf: not read once more before the lock), the instance's
        # other active rows with the task's (for `_advance`)
        instance, wt, others = _lock_task_with_active(worktask)
        handler = STEP_HANDLERS.get(instance.definition.key)
        if handler is None:
            data = _check_data(data)
        _check_version(instance, lock_version)
        _check_active(instance, wt)
        principal = _acting_for(actor, wt)
        if handler is not None and wt.kind not in (TaskKind.BEFORE, TaskKind.DELEGATE):
            # the app records the step's facts first: a refusal leaves the record and the process untouched
            data = _check_data(handler(actor, instance, wt, decision, dict(data or {}), opinion=opinion or ""))
        elif handler is not None:
            data = _check_data(data)
        parsed, _, _ = bpmn.loaded(instance.definition)
        meta = parsed.tasks[wt.spec_name]
        if wt.kind in (TaskKind.BEFORE, TaskKind.DELEGATE):
            # 前加签 opinion given / 委派 resolved: the task goes back to its owner, the process does not move
            _finish_row(wt, actor=actor, principal=principal, decision=decision, opinion=opinion)
            original = cast(WorkTask, wt.parent_task)  # a 前加签 / 委派 row always has its owner's row
            original.status = TaskStatus.CLAIMED
            original.save(update_fields=["status", "updated_at"])
            _post(original, [original.assignee] if original.assignee else [])
            instance.assignee_user_id = original.assignee_id
            _save_instance(instance, ["assignee_user"])
            operation = "workflow.resolve" if wt.kind == TaskKind.DELEGATE else "workflow.complete"
            _audit_step(actor, wt, operation, principal=principal.pk, owner=original.assignee_id)
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
        if decision == Decision.APPROVE:
            _default_signers(instance, parsed, wt, task, cast("dict[str, Any]", data))  # checked above
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise ServiceError("engine_error", f"流程执行出错：{exc}") from exc
        _run_engine(wf)
        _finish_row(wt, actor=actor, principal=principal, decision=decision, opinion=opinion)
        _advance(instance, wf, actor=actor, finished=wt, others=others)
        _save_instance(instance, COLUMNS)
        _emit(instance, "completed" if instance.status == InstanceStatus.COMPLETED else "step")
        _audit_step(actor, wt, "workflow.complete", principal=principal.pk)
    return wt


def _default_signers(
    instance: ProcessInstance, parsed: bpmn.ParsedDefinition, wt: WorkTask, task: Any, data: dict[str, Any]
) -> None:
    """A 会签 / 或签 step right after this one signs over the users this step named in its data (the
    multi-instance input list); when it named nobody, over the role holders of that step in its approving unit.
    Nobody at all to sign is refused: an empty multi-instance would pass the step unsigned."""
    for variable, holders in signers_after(instance, parsed, wt.spec_name, task.data).items():
        chosen = [u for u in (data.get(variable) or []) if u not in (None, "")]
        if chosen:
            task.data[variable] = chosen
            continue
        if not holders:
            raise ServiceError("no_signers", "下一步会签没有可办理的人员，请先在本单位配置相应角色的人员")
        task.data[variable] = [u.pk for u in holders]


# --- going back: 驳回, 撤回 -----------------------------------------------------------------------------------------


def _completed_engine_task(wf: BpmnWorkflow, bpmn_id: str) -> Any:
    done = [
        t
        for t in wf.get_tasks(state=TaskState.COMPLETED)
        if t.task_spec.manual and t.task_spec.bpmn_id == bpmn_id and not t.task_spec.name.endswith(" [child]")
    ]
    return max(done, key=lambda t: t.last_state_change) if done else None


def _do_return(
    actor: Any, instance: ProcessInstance, wt: WorkTask, principal: Any, target: str | None, opinion: str
) -> WorkTask:
    parsed, _, _ = bpmn.loaded(instance.definition)
    meta = parsed.tasks[wt.spec_name]
    if wt.group_id or wt.kind != TaskKind.NORMAL:
        raise ServiceError("return_not_allowed", "会签、或签、加签和委派任务不能驳回，请选择“不同意”")
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
    _advance(instance, wf, prefer=prefer, actor=actor, finished=wt)
    _save_instance(instance, COLUMNS)
    _emit(instance, "step")
    _audit_step(actor, wt, "workflow.return", target=target)
    return wt


def return_task(
    actor: Any, worktask: WorkTask, target: str | None = None, opinion: str = "", *, lock_version: int | None = None
) -> WorkTask:
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


def withdraw(actor: Any, worktask: WorkTask) -> WorkTask:
    """撤回: the one who completed a step takes it back while nobody has acted on the next step yet."""
    with transaction.atomic():
        instance, wt = _lock_task(worktask)
        if instance.status != InstanceStatus.RUNNING:
            raise ServiceError("cannot_withdraw", "流程已办结，不能撤回")
        if (
            wt.status != TaskStatus.COMPLETED
            or wt.auto_skipped
            or wt.kind in (TaskKind.BEFORE, TaskKind.DELEGATE)
            or wt.group_id
        ):
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


# --- cancelling -------------------------------------------------------------------------------------------------


def cancel_process(actor: Any, instance: ProcessInstance, reason: str) -> ProcessInstance:
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
        instance.state = dump_state(wf)
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
