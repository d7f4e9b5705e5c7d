"""Dispatch's approvals as workflow definitions (`dispatch/processes/`): 勤务计划审批, 跨区勤务报审 and 非勤务用车报备.

Submitting a plan or a request starts its process; the approver's step — the 批准 / 退回 buttons on the object's
page, the API action, or the task in the 待办 inbox — completes the process's task, and the listener writes the
outcome on the object when the process ends (status, approver, time, opinion). Who approves, in which unit and
within how long is the diagram's: an approval chain changes in the process designer, not in code. The outcome is
read from the end event the process reached: an end event whose id starts with `End_Approved` approves, any
other end refuses (退回 / 不予批准).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from ..choices import ApprovalStatus, PlanStatus
from ..models import CrossDistrictRequest, DutyPlan, NonDutyUse

PROCESS_KEYS: dict[type[DutyPlan | CrossDistrictRequest | NonDutyUse], str] = {
    DutyPlan: "dispatch_duty_plan",
    CrossDistrictRequest: "dispatch_cross_district",
    NonDutyUse: "dispatch_non_duty_use",
}
APPROVED_END = "End_Approved"

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

    from teis.workflow.models import ProcessInstance, WorkTask

Approvable = DutyPlan | CrossDistrictRequest | NonDutyUse
_A = TypeVar("_A", DutyPlan, CrossDistrictRequest, NonDutyUse)


def process_key(obj: Approvable) -> str:
    return PROCESS_KEYS[type(obj)]


def _pending(obj: Approvable) -> bool:
    if isinstance(obj, DutyPlan):
        return bool(obj.status == PlanStatus.SUBMITTED)
    return bool(obj.status == ApprovalStatus.PENDING)


def start_approval(actor: User | None, obj: Approvable) -> ProcessInstance:
    """Start the object's approval process (caller's transaction): its first task goes to the approvers the
    diagram names for the object's unit."""
    from teis.workflow.services import start_process

    label = f"{type(obj)._meta.verbose_name}：{obj}"
    return start_process(actor, process_key(obj), subject=obj, unit=obj.unit, subject_label=label)


def running_instance(obj: Approvable) -> ProcessInstance | None:
    from teis.workflow.choices import InstanceStatus
    from teis.workflow.models import ProcessInstance

    return (
        ProcessInstance.objects.filter(
            subject_type=ContentType.objects.get_for_model(type(obj)),
            subject_id=str(obj.pk),
            status=InstanceStatus.RUNNING,
        )
        .select_related("definition")
        .order_by("-pk")
        .first()
    )


def open_task(obj: Approvable) -> WorkTask | None:
    """The approval task waiting on the object, if any."""
    from teis.workflow.choices import ACTIVE_TASK_STATUSES

    instance = running_instance(obj)
    if instance is None:
        return None
    return (
        instance.tasks.filter(status__in=ACTIVE_TASK_STATUSES).select_related("candidate_unit").order_by("pk").first()
    )


def approvers(obj: Approvable) -> list[Any]:
    """The users the waiting approval task is offered to (the diagram's role in its approving unit)."""
    from teis.workflow.services import role_holders

    task = open_task(obj)
    if task is None:
        return []
    if task.assignee_id is not None:
        return [task.assignee]
    return role_holders(task.role, task.candidate_unit)


def may_decide(user: User, obj: Approvable) -> bool:
    """Whether the approve / reject buttons are offered to `user`: the one the waiting task is offered to (or a
    substitute); a pending object without a process (submitted before approvals ran as processes) is offered to
    whoever holds the permission, and its process starts when it is decided."""
    from teis.workflow.services import can_act

    if not _pending(obj):
        return False
    task = open_task(obj)
    if task is None:
        return running_instance(obj) is None
    return can_act(user, task)


def decide(
    actor: User, obj: _A, *, approve: bool, opinion: str, permission: str, not_pending: str, opinion_message: str
) -> _A:
    """The approver's step on the object's page or API: completes the waiting task with 同意 / 不同意; the
    listener then writes the decision on the object. One transaction."""
    from teis.workflow.services import complete_task

    if not actor.has_perm(permission):
        raise ServiceError("forbidden", "没有审批权限。")
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise ServiceError("opinion_required", opinion_message, {"opinion": ["请填写审批意见"]})
    with transaction.atomic():
        obj = type(obj).objects.select_for_update().get(pk=obj.pk)
        if not _pending(obj):
            raise ServiceError("bad_state", not_pending)
        if running_instance(obj) is None:  # submitted before approvals ran as processes
            start_approval(obj.created_by or actor, obj)
        task = open_task(obj)
        if task is None:
            raise ServiceError("bad_state", not_pending)
        complete_task(actor, task, "approve" if approve else "reject", opinion)
    return type(obj).objects.get(pk=obj.pk)


def cancel_approval(actor: User, obj: Approvable, reason: str) -> None:
    """A pending request withdrawn by its requester: its process ends with it (caller's transaction)."""
    from teis.workflow.services import cancel_process

    instance = running_instance(obj)
    if instance is not None:
        cancel_process(actor, instance, reason)


# --- the listener: the outcome on the object ---------------------------------------------------------------------


def _subject_model(instance: ProcessInstance) -> type[Approvable] | None:
    """The model of the plan or request an approval process is about (None for any other process)."""
    subject = instance.subject_type.model_class() if instance.subject_type is not None else None
    for model in PROCESS_KEYS:
        if subject is model:
            return model
    return None


def _approved(instance: ProcessInstance) -> bool:
    from SpiffWorkflow.util.task import TaskState

    from teis.workflow.services import load_workflow

    for task in load_workflow(instance).get_tasks(state=TaskState.COMPLETED):
        if str(getattr(task.task_spec, "bpmn_id", "") or "").startswith(APPROVED_END):
            return True
    return False


def on_workflow_event(instance: ProcessInstance, event: str) -> None:
    if event != "completed" or not instance.subject_id:
        return
    model = _subject_model(instance)
    if model is None:
        return
    obj = model.objects.select_for_update().filter(pk=instance.subject_id).first()
    if obj is None or not _pending(obj):
        return
    from teis.workflow.choices import TaskStatus

    last = instance.tasks.filter(status=TaskStatus.COMPLETED).order_by("-completed_at", "-pk").first()
    approved = _approved(instance)
    decider = last.completed_by if last is not None else None
    decided_at = (last.completed_at if last is not None else None) or timezone.now()
    opinion = ((last.opinion if last is not None else "") or "")[:300]
    before = obj.get_status_display()
    if isinstance(obj, DutyPlan):
        obj.status = PlanStatus.APPROVED if approved else PlanStatus.REJECTED
        obj.approved_by, obj.approved_at, obj.opinion = decider, decided_at, opinion
        fields = ["status", "approved_by", "approved_at", "opinion", "updated_at"]
    else:
        obj.status = ApprovalStatus.APPROVED if approved else ApprovalStatus.REJECTED
        obj.decided_by, obj.decided_at, obj.opinion = decider, decided_at, opinion
        fields = ["status", "decided_by", "decided_at", "opinion", "updated_at"]
    obj.save(update_fields=fields)
    audit.record(
        decider,
        AuditAction.UPDATE,
        obj,
        changes={"状态": [before, obj.get_status_display()]},
        detail={"operation": "dispatch.approval", "process": instance.pk},
    )


def register_listeners() -> None:
    """Called from the app's ready(); idempotent."""
    from teis.workflow.services import LISTENERS, register_listener, register_subject_panel

    for key in PROCESS_KEYS.values():
        if on_workflow_event not in LISTENERS.get(key, []):
            register_listener(key, on_workflow_event)
        register_subject_panel(key, subject_panel)


# --- what the approver sees on the task page ------------------------------------------------------------------------


def subject_panel(request: HttpRequest, worktask: WorkTask) -> str:
    """The plan or request under approval, with a link to its page (the task page shows it above the form)."""
    from teis.core.registry import registry

    instance = worktask.instance
    model = _subject_model(instance)
    if model is None:
        return ""
    obj = model.objects.for_user(request.user).filter(pk=instance.subject_id).first()
    if obj is None:
        return ""
    config = registry.get(model._meta.label_lower)
    rows = [(label, value) for label, value in _facts(obj) if value not in (None, "")]
    return format_html(
        '<div class="card mb-3"><div class="card-body"><h2 class="h6">{}</h2><dl class="row mb-2">{}</dl>'
        '<a href="{}">查看{}</a></div></div>',
        f"{model._meta.verbose_name}：{obj}",
        format_html_join("", '<dt class="col-sm-3">{}</dt><dd class="col-sm-9">{}</dd>', rows),
        reverse("dispatch:plan_detail", args=[obj.pk])
        if isinstance(obj, DutyPlan)  # the plan's own page: its tasks, the approval buttons
        else reverse(config.url_name("detail"), args=[obj.pk]),
        model._meta.verbose_name,
    )


def _facts(obj: Approvable) -> list[tuple[str, object]]:
    from teis.core.timetext import local_text

    if isinstance(obj, DutyPlan):
        tasks = "；".join(f"{t.title}（{local_text(t.start_at)}）" for t in obj.tasks.order_by("start_at")[:20])
        return [("单位", obj.unit), ("勤务日期", obj.date), ("计划名称", obj.title), ("勤务任务", tasks)]
    facts = [("申请单位", obj.unit), ("事由", obj.reason), ("开始时间", local_text(obj.start_at)),
             ("结束时间", local_text(obj.end_at))]  # fmt: skip
    if isinstance(obj, NonDutyUse):
        facts.insert(1, ("车辆/船艇", obj.vehicle))
    else:
        facts.insert(1, ("前往区域", obj.target_region))
    return facts
