"""The handling steps (批示 → 派发 → 处理 → 结案 → 回访) of a petition on the workflow engine.

Each `do_*` is one transaction: it finds the actor's active task on the petition (`ServiceError("not_your_task")`
otherwise), writes the petition's own columns, completes the task through `teis.workflow.services.complete_task`
(which locks the instance, writes the step history and posts the next todos) and writes its audit record.

派发 and 转办 choose the handling unit at run time: they put `handling_unit_id` / `handling_role` into the task data
(`steps.handling_data`) and the engine offers 承办处理 (and 水上执法审核) to that unit (`teis:unitVar` on the handling
lane). A transfer or dispatch to a unit outside the sender's reach, or to a unit with nobody to handle it, is refused
before anything is written. 不满意 at the 回访 reopens the petition (重办): back to 承办处理 at the handling unit with a
new 办结期限.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from .. import steps
from ..choices import PetitionStatus, Satisfaction
from ..models import Petition

if TYPE_CHECKING:
    from collections.abc import Collection

    from django.db.models import QuerySet

    from teis.org.models import Unit
    from teis.workflow.models import ProcessInstance, WorkTask

# --- units within reach -----------------------------------------------------------------------------------


def reachable_units(actor: Any) -> QuerySet[Unit]:
    """Units the actor may dispatch or transfer to: the units in the actor's data scope, plus every unit under
    the actor's own unit's parent (a squad may transfer to its sister squads, a brigade to its sister brigades)."""
    from teis.org.models import Unit
    from teis.org.scope import officer_with_unit

    officer = officer_with_unit(actor) if actor is not None else None
    q = Q(pk__in=Unit.objects.for_user(actor).values("pk"))
    if officer is not None:
        anchor = officer.unit.parent or officer.unit
        q |= Q(path__startswith=anchor.path)
    return Unit.objects.filter(q, is_active=True).order_by("path")


def check_reach(actor: Any, unit: Any, field: str = "unit") -> Unit:
    from teis.org.models import Unit

    if unit is None or unit == "":
        raise ServiceError("unit_required", "请选择承办单位", {field: ["请选择承办单位"]})
    if not isinstance(unit, Unit):
        try:
            unit = Unit.objects.filter(pk=int(unit)).first()
        except (TypeError, ValueError):
            unit = None
        if unit is None:
            raise ServiceError("invalid_unit", "所选单位不存在", {field: ["所选单位不存在"]})
    if not reachable_units(actor).filter(pk=unit.pk).exists():
        message = f"“{unit.name}”不在您的转办范围内（只能派发或转办到本单位上级所辖单位或您数据权限内的单位）"
        raise ServiceError("unit_out_of_reach", message, {field: [message]})
    resolved: Unit = unit
    return resolved


def check_handler(unit: Any, field: str = "unit") -> dict[str, Any]:
    """The process variables for handling in `unit`; refused when nobody there holds the handling role (the task
    would reach no one)."""
    from teis.org.models import Role
    from teis.workflow.services import role_holders

    data = steps.handling_data(unit)
    if not role_holders(data["handling_role"], unit):
        role = Role.objects.filter(code=data["handling_role"]).values_list("name", flat=True).first()
        message = f"“{unit.name}”没有在岗的{role or data['handling_role']}，无法承办，请选择其他单位"
        raise ServiceError("no_handler", message, {field: [message]})
    return data


# --- the listener -----------------------------------------------------------------------------------------


def _end_status(instance: ProcessInstance) -> str | None:
    from SpiffWorkflow.util.task import TaskState

    from teis.workflow.services import load_workflow

    wf = load_workflow(instance)
    for task in wf.get_tasks(state=TaskState.COMPLETED):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id in steps.END_STATUS:
            return steps.END_STATUS[bpmn_id]
    return None


def on_workflow_event(instance: ProcessInstance, event: str) -> None:
    """Workflow listener: mirror the step (name, deadline, status) on the petition."""
    ct = ContentType.objects.get_for_model(Petition)
    if instance.subject_type_id != ct.pk or not instance.subject_id:
        return
    petition = (
        Petition.objects.select_for_update(of=("self",)).select_related("unit").filter(pk=instance.subject_id).first()
    )
    if petition is None:
        return
    values: dict[str, Any] = {}
    if event in ("completed", "cancelled"):
        values = {"current_step": "", "step_due_at": None}
        if event == "completed":
            values["status"] = _end_status(instance) or petition.status
    else:
        status = steps.status_for_step(instance.current_step) or petition.status
        due = petition.accept_due if status == PetitionStatus.REGISTERED else petition.finish_due
        values = {
            "current_step": instance.current_step_name[:200],
            "status": status,
            "step_due_at": timezone.make_aware(dt.datetime.combine(due, dt.time(23, 59, 59))),
        }
    if petition.process_id is None:
        values["process_id"] = instance.pk
    Petition.objects.filter(pk=petition.pk).update(**values)


def register_listeners() -> None:
    from teis.workflow.services import LISTENERS, register_listener

    for key in steps.PROCESS_KEYS:
        if on_workflow_event not in LISTENERS.get(key, []):
            register_listener(key, on_workflow_event)


# --- tasks ------------------------------------------------------------------------------------------------


def active_tasks(petition: Petition) -> list[Any]:
    from teis.workflow.choices import ACTIVE_TASK_STATUSES

    if petition.process is None:
        return []
    return list(petition.process.tasks.filter(status__in=ACTIVE_TASK_STATUSES).select_related("candidate_unit"))


def my_task(actor: Any, petition: Petition, step_ids: Collection[str]) -> WorkTask:
    """The active task at one of `step_ids` the actor may act on; ServiceError otherwise."""
    from teis.workflow import services as wf

    tasks = [t for t in active_tasks(petition) if t.spec_name in step_ids]
    if not tasks:
        raise ServiceError(
            "wrong_step", f"信访件当前环节为“{petition.current_step or petition.get_status_display()}”，不能办理此操作"
        )
    for t in tasks:
        if wf.can_act(actor, t):
            task: WorkTask = t
            return task
    wf._acting_for(actor, tasks[0])  # raises the engine's Chinese "该任务不属于您：须由…办理"
    raise ServiceError("not_your_task", "该任务不属于您")


def available_actions(user: Any, petition: Petition) -> set[str]:
    """Which step forms to show on the petition page for `user`."""
    from teis.workflow import services as wf

    out = set()
    for t in active_tasks(petition):
        if wf.can_act(user, t):
            out.add(t.spec_name)
    return out


def _complete(
    actor: Any, petition: Petition, wt: WorkTask, decision: str, opinion: str, data: dict[str, Any] | None = None
) -> None:
    from teis.workflow import services as wf

    wf.complete_task(actor, wt, decision, opinion, data or {})


def _lock(petition: Petition) -> Petition:
    return (
        Petition.objects.select_for_update(of=("self",))
        .select_related("unit", "intake_unit", "process")
        .get(pk=petition.pk)
    )


def _audit(actor: Any, petition: Petition, operation: str, changes: dict[str, Any], **detail: Any) -> None:
    audit.record(actor, AuditAction.UPDATE, petition, changes=changes, detail={"operation": operation, **detail})


def _text(value: Any, label: str, field: str, *, required: bool = True, limit: int = 5000) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        raise ServiceError("required", f"请填写{label}", {field: [f"请填写{label}"]})
    if len(text) > limit:
        raise ServiceError("too_long", f"{label}不能超过 {limit} 个字", {field: [f"不能超过 {limit} 个字"]})
    return text


# --- the steps --------------------------------------------------------------------------------------------


def do_accept(
    actor: Any, petition: Petition, *, accept: bool, opinion: str = "", now: dt.datetime | None = None
) -> Petition:
    """登记受理: 受理 (approve) or 不予受理 (reject; the reason is required)."""
    opinion = _text(opinion, "不予受理理由", "opinion", required=not accept)
    now = now or timezone.now()
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.ACCEPT,))
        if accept:  # the next reminder is about the 办结 deadline
            Petition.objects.filter(pk=petition.pk).update(accepted_at=now, reminded_at=None)
        _complete(actor, petition, wt, "approve" if accept else "reject", opinion)
        _audit(actor, petition, "petition.accept", {"受理": [None, "受理" if accept else f"不予受理：{opinion}"]})
    return Petition.objects.get(pk=petition.pk)


def do_instruct(actor: Any, petition: Petition, *, instruction: str) -> Petition:
    """领导批示: the instruction is kept on the petition and in the step history."""
    instruction = _text(instruction, "批示意见", "instruction", limit=2000)
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.INSTRUCT,))
        Petition.objects.filter(pk=petition.pk).update(instruction=instruction)
        _complete(actor, petition, wt, "approve", instruction)
        _audit(actor, petition, "petition.instruct", {"批示意见": [petition.instruction or None, instruction]})
    return Petition.objects.get(pk=petition.pk)


def do_dispatch(
    actor: Any, petition: Petition, *, unit: Any, opinion: str = "", now: dt.datetime | None = None
) -> Petition:
    """派发 to a unit within the actor's reach; its leader gets the 承办处理 task."""
    opinion = _text(opinion, "派发意见", "opinion", required=False, limit=2000)
    now = now or timezone.now()
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.DISPATCH,))
        unit = check_reach(actor, unit)
        data = check_handler(unit)
        old = petition.unit
        Petition.objects.filter(pk=petition.pk).update(unit=unit, dispatched_at=now)
        _complete(actor, petition, wt, "approve", opinion or f"派发至{unit.name}", {"transfer": False, **data})
        _audit(actor, petition, "petition.dispatch", {"承办单位": [old.name, unit.name]})
    return Petition.objects.get(pk=petition.pk)


def do_transfer(actor: Any, petition: Petition, *, unit: Any, reason: str) -> Petition:
    """转办: the handling unit passes the petition to another unit within its reach (reason required)."""
    reason = _text(reason, "转办理由", "reason", limit=2000)
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.HANDLE,))
        unit = check_reach(actor, unit)
        if unit.pk == petition.unit_id:
            raise ServiceError("same_unit", "不能转办给本单位", {"unit": ["不能转办给本单位"]})
        data = check_handler(unit)
        old = petition.unit
        Petition.objects.filter(pk=petition.pk).update(unit=unit)
        _complete(actor, petition, wt, "approve", f"转办至{unit.name}：{reason}", {"transfer": True, **data})
        _audit(actor, petition, "petition.transfer", {"承办单位": [old.name, unit.name]}, reason=reason)
    return Petition.objects.get(pk=petition.pk)


def do_return(actor: Any, petition: Petition, *, reason: str) -> Petition:
    """退回: the handling unit returns the petition to the intake unit for a new 派发 (reason required)."""
    reason = _text(reason, "退回理由", "reason", limit=2000)
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.HANDLE,))
        old = petition.unit
        Petition.objects.filter(pk=petition.pk).update(unit=petition.intake_unit)
        _complete(actor, petition, wt, "return", reason, {"transfer": False})
        _audit(actor, petition, "petition.return", {"承办单位": [old.name, petition.intake_unit.name]}, reason=reason)
    return Petition.objects.get(pk=petition.pk)


def do_handle(actor: Any, petition: Petition, *, result: str, now: dt.datetime | None = None) -> Petition:
    """承办处理: record the result (答复内容) and send the petition on to review / 结案审核."""
    result = _text(result, "办理结果", "result")
    now = now or timezone.now()
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.HANDLE,))
        Petition.objects.filter(pk=petition.pk).update(handling_result=result, handled_at=now)
        _complete(actor, petition, wt, "approve", result[:500], {"transfer": False})
        _audit(actor, petition, "petition.handle", {"办理结果": [petition.handling_result or None, result]})
    return Petition.objects.get(pk=petition.pk)


def do_review(actor: Any, petition: Petition, *, approve: bool, opinion: str = "") -> Petition:
    """水上执法审核 (water variant): approve, or return to 承办处理 with a reason."""
    opinion = _text(opinion, "退回理由", "opinion", required=not approve, limit=2000)
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.WATER_REVIEW,))
        _complete(actor, petition, wt, "approve" if approve else "return", opinion)
        _audit(actor, petition, "petition.water_review", {"审核": [None, "同意" if approve else f"退回：{opinion}"]})
    return Petition.objects.get(pk=petition.pk)


def do_close(
    actor: Any, petition: Petition, *, approve: bool, opinion: str = "", now: dt.datetime | None = None
) -> Petition:
    """结案审核: 同意结案 (records 结案时间 and whether it was within 办结期限) or 退回重办 (reason required)."""
    opinion = _text(opinion, "退回理由", "opinion", required=not approve, limit=2000)
    now = now or timezone.now()
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.CLOSE,))
        if approve:
            in_time = timezone.localtime(now).date() <= petition.finish_due
            Petition.objects.filter(pk=petition.pk).update(closed_at=now, closed_in_time=in_time)
        _complete(actor, petition, wt, "approve" if approve else "return", opinion)
        change = "同意结案" if approve else f"退回重办：{opinion}"
        _audit(actor, petition, "petition.close", {"结案审核": [None, change]})
    return Petition.objects.get(pk=petition.pk)


def do_visit(
    actor: Any, petition: Petition, *, satisfaction: str, note: str = "", now: dt.datetime | None = None
) -> Petition:
    """回访: record the complainant's satisfaction; the petition is then 已办结. An anonymous petition can only be
    recorded as 无法联系. 不满意 reopens it (重办, `Gateway_Visit` in the diagram): back to 承办处理 at the handling
    unit, no longer 结案 (closed_at cleared), a new 办结期限 counted from the visit, `redo_count` + 1. The visit
    result stays on the petition until the next visit, so 回访满意率 counts each petition once, by its latest visit."""
    if satisfaction not in Satisfaction.values:
        msg = "请选择回访满意度：" + "、".join(Satisfaction.labels)
        raise ServiceError("invalid_satisfaction", msg, {"satisfaction": [msg]})
    note = _text(note, "回访记录", "note", required=False, limit=2000)
    now = now or timezone.now()
    with transaction.atomic():
        petition = _lock(petition)
        wt = my_task(actor, petition, (steps.VISIT,))
        if petition.is_anonymous and satisfaction != Satisfaction.UNREACHABLE:
            msg = "匿名信访件无法回访，请选择“无法联系”"
            raise ServiceError("anonymous", msg, {"satisfaction": [msg]})
        values = {"satisfaction": satisfaction, "visit_note": note, "visited_at": now}
        changes: dict[str, Any] = {
            "回访满意度": [petition.get_satisfaction_display() or None, Satisfaction(satisfaction).label]
        }
        if satisfaction == Satisfaction.UNSATISFIED:
            from teis.core.workdays import add_workdays

            from .intake import deadline_days

            _, finish_days, _ = deadline_days(petition.channel)
            finish_due = add_workdays(timezone.localtime(now).date(), finish_days)
            values.update(
                redo_count=petition.redo_count + 1,
                reopened_at=now,
                closed_at=None,
                closed_in_time=None,
                finish_due=finish_due,
                reminded_at=None,
            )
            changes.update(
                {
                    "重办次数": [petition.redo_count, petition.redo_count + 1],
                    "办结期限": [str(petition.finish_due), str(finish_due)],
                }
            )
        Petition.objects.filter(pk=petition.pk).update(**values)
        _complete(
            actor, petition, wt, "approve", note or Satisfaction(satisfaction).label, {"satisfaction": satisfaction}
        )
        _audit(actor, petition, "petition.visit", changes)
    return Petition.objects.get(pk=petition.pk)


# --- links to cases ---------------------------------------------------------------------------------------


def do_link_case(actor: Any, petition: Petition, case_ref: Any) -> object:
    """Link a case (by 统一案件编码, 文号 or id) the actor can see to the petition."""
    from teis.cases.services.case import find_case

    case = find_case(actor, case_ref)
    with transaction.atomic():
        petition = _lock(petition)
        if petition.cases.filter(pk=case.pk).exists():
            raise ServiceError("already_linked", "该案件已关联", {"case": ["该案件已关联"]})
        petition.cases.add(case)
        _audit(actor, petition, "petition.link_case", {"关联案件": [None, str(case)]})
    return case


def do_unlink_case(actor: Any, petition: Petition, case_id: Any) -> None:
    with transaction.atomic():
        petition = _lock(petition)
        case = petition.cases.filter(pk=case_id).first()
        if case is None:
            raise ServiceError("not_linked", "该案件未关联")
        petition.cases.remove(case)
        _audit(actor, petition, "petition.unlink_case", {"关联案件": [str(case), None]})


def petitions_of_case(user: Any, case: Any) -> list[Petition]:
    """The petitions behind a case that the user may see."""
    return list(Petition.objects.for_user(user).filter(cases=case).select_related("category", "unit"))
