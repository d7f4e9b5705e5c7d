"""Deadlines of petitions: reminders before (提前提醒) and 督察 after (超期督察), run by the periodic job
`tasks.petition_deadlines` and by tests with an explicit `now` (the controllable clock: every function here takes
`now`, defaulting to `timezone.now()`).

- 受理期限 (accept_due): a petition still 待受理 after it is overdue.
- 办结期限 (finish_due): a petition not yet 结案 after it.
A supervision (`PetitionSupervision`, one per petition, kind and 重办 round) is opened once, marks the petition
已督察, notifies the supervisors (总队领导, the `leadership` role nearest above the intake unit) and alarms whoever
holds
the current step. It runs the process `processes/petition_supervision.bpmn`: the unit and role holding the petition's
current step (`explain_unit_id` / `explain_role`) submit a 情况说明 (`do_explain`); a 总队领导 reviews it
(`do_supervise`): accepts it with the 督察意见, or sends it back (退回) for a new explanation.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.models import Notification
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays

from .. import steps
from ..choices import PetitionStatus, SupervisionKind, SupervisionStatus
from ..models import Petition, PetitionSupervision
from .intake import deadline_days

if TYPE_CHECKING:
    from teis.org.models import Unit
    from teis.workflow.models import WorkTask

OPEN_STATUSES = (
    PetitionStatus.REGISTERED,
    PetitionStatus.INSTRUCTING,
    PetitionStatus.DISPATCHING,
    PetitionStatus.HANDLING,
    PetitionStatus.CLOSING,
)
TODO_CATEGORY = "信访督察"
SUPERVISOR_ROLE = "leadership"


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def current_holders(petition: Petition) -> list[Any]:
    from teis.workflow import services as wf

    from .flow import active_tasks

    users = {}
    for wt in active_tasks(petition):
        for u in wf._users_of(wt):
            users[u.pk] = u
    return list(users.values())


def supervisors(petition: Petition) -> list[Any]:
    from teis.workflow.services import role_holders

    node: Unit | None = petition.intake_unit
    while node is not None:
        users = role_holders(SUPERVISOR_ROLE, node)
        if users:
            return users
        node = node.parent
    return []


def _url(petition: Petition) -> str:
    return f"/petitions/{petition.pk}/"


def _remind(petition: Petition, due: dt.date, label: str, now: dt.datetime | None) -> None:
    for user in current_holders(petition):
        notify.notify(
            user,
            f"即将超期：{petition.code} {petition.title}"[:200],
            f"{label} {due:%Y-%m-%d}，请抓紧办理",
            level=Notification.Level.WARNING,
            url=_url(petition),
        )
    Petition.objects.filter(pk=petition.pk).update(reminded_at=now)


def explain_target(petition: Petition) -> Any:
    """(unit, role) that must explain the delay: those of the petition's current step (the handling unit's leader
    while in 承办处理, 指挥中心 while still 待受理 …); the handling unit's leader when no step is open."""
    from .flow import active_tasks

    for wt in active_tasks(petition):
        if wt.candidate_unit_id and wt.role:
            return wt.candidate_unit, wt.role
    return steps.handling_target(petition, steps.HANDLE)


def _open_supervision(
    petition: Petition, kind: str, due: dt.date, now: dt.datetime | None
) -> PetitionSupervision | None:
    from teis.workflow.services import start_process

    sup, created = PetitionSupervision.objects.get_or_create(
        petition=petition,
        kind=kind,
        round=petition.redo_count,
        defaults={"unit": petition.unit, "due_date": due, "detected_at": now},
    )
    if not created:
        return None
    Petition.objects.filter(pk=petition.pk).update(supervised=True)
    unit, role = explain_target(petition)
    instance = start_process(
        None,
        steps.SUPERVISION,
        sup,
        unit,
        {"explain_unit_id": unit.pk, "explain_role": role, "petition_id": petition.pk},
        subject_label=f"督察：{petition.code} {sup.get_kind_display()}",
    )
    PetitionSupervision.objects.filter(pk=sup.pk).update(process=instance)
    sup.process = instance
    title = f"已发起督察：{petition.code} {sup.get_kind_display()}"[:200]
    for user in supervisors(petition):
        notify.notify(
            user,
            title,
            f"{petition.title}；原期限 {due:%Y-%m-%d}，待{unit.name}提交情况说明",
            level=Notification.Level.WARNING,
            url=_url(petition),
        )
    for user in current_holders(petition):
        notify.notify(
            user,
            f"已超期并被督察：{petition.code} {petition.title}"[:200],
            f"{sup.get_kind_display()}，原期限 {due:%Y-%m-%d}；请在信访件页面提交情况说明",
            level=Notification.Level.ALARM,
            url=_url(petition),
        )
    audit.record(
        None,
        AuditAction.CREATE,
        sup,
        changes={
            "督察事由": [None, sup.get_kind_display()],
            "原期限": [None, str(due)],
            "被督察单位": [None, sup.unit.name],
        },
        detail={"operation": "petition.supervision_open", "petition": petition.code},
    )
    return sup


def check_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """Remind before and open supervisions after the 受理 / 办结 deadlines. Idempotent; each petition in its own
    transaction."""
    now = now or timezone.now()
    today = _today(now)
    reminded = opened = 0
    qs = Petition.objects.filter(status__in=OPEN_STATUSES).select_related("unit", "intake_unit", "process")
    for petition in qs.iterator(chunk_size=500):
        accepting = petition.status == PetitionStatus.REGISTERED
        with transaction.atomic():
            if accepting and today > petition.accept_due:
                opened += bool(_open_supervision(petition, SupervisionKind.ACCEPT_OVERDUE, petition.accept_due, now))
            if today > petition.finish_due:
                opened += bool(_open_supervision(petition, SupervisionKind.FINISH_OVERDUE, petition.finish_due, now))
            _, _, remind_days = deadline_days(petition.channel)
            due = petition.accept_due if accepting else petition.finish_due
            label = "受理期限" if accepting else "办结期限"
            if remind_days and petition.reminded_at is None and add_workdays(due, -remind_days) <= today <= due:
                _remind(petition, due, label, now)
                reminded += 1
    return {"reminded": reminded, "supervised": opened}


def access_supervision(user: Any, pk: Any) -> PetitionSupervision:
    from django.http import Http404

    sup = PetitionSupervision.objects.for_user(user).select_related("petition", "unit").filter(pk=pk).first()
    if sup is None:
        # a supervisor may see supervisions of petitions in scope whatever unit they are against
        sup = (
            PetitionSupervision.objects.select_related("petition", "unit")
            .filter(pk=pk, petition__in=Petition.objects.for_user(user))
            .first()
        )
    if sup is None:
        raise Http404
    return sup


def supervision_task(sup: PetitionSupervision, step_id: str) -> WorkTask | None:
    """The open task of the supervision process at `step_id`, or None."""
    from teis.workflow.choices import ACTIVE_TASK_STATUSES

    if sup.process is None:
        return None
    task: WorkTask | None = (
        sup.process.tasks.filter(status__in=ACTIVE_TASK_STATUSES, spec_name=step_id)
        .select_related("candidate_unit")
        .first()
    )
    return task


def can_explain(user: Any, sup: PetitionSupervision) -> bool:
    from teis.workflow.services import can_act

    wt = supervision_task(sup, steps.EXPLAIN)
    return wt is not None and can_act(user, wt)


def can_review(user: Any, sup: PetitionSupervision) -> bool:
    from teis.workflow.services import can_act

    if not user.has_perm("petitions.change_petitionsupervision"):
        return False
    if sup.process_id is None:  # opened before the supervision process existed: the supervisor decides directly
        return sup.status == SupervisionStatus.OPEN
    wt = supervision_task(sup, steps.SUPERVISOR_REVIEW)
    return wt is not None and can_act(user, wt)


def _text(value: Any, label: str, field: str, *, required: bool = True) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        raise ServiceError("required", f"请填写{label}", {field: [f"请填写{label}"]})
    if len(text) > 2000:
        raise ServiceError("too_long", f"{label}不能超过 2000 个字", {field: ["不能超过 2000 个字"]})
    return text


def _lock(supervision: PetitionSupervision) -> PetitionSupervision:
    return (
        PetitionSupervision.objects.select_for_update(of=("self",))
        .select_related("petition", "process")
        .get(pk=supervision.pk)
    )


def _task_for(actor: Any, sup: PetitionSupervision, step_id: str, wrong: str) -> WorkTask:
    from teis.workflow import services as wf

    wt = supervision_task(sup, step_id)
    if wt is None:
        raise ServiceError("wrong_step", wrong)
    wf._acting_for(actor, wt)  # raises the engine's "该任务不属于您：须由…办理"
    return wt


def do_explain(
    actor: Any, supervision: PetitionSupervision, *, explanation: str, now: dt.datetime | None = None
) -> PetitionSupervision:
    """情况说明: the supervised unit explains the delay (and what it does about it); the supervisor then reviews."""
    from teis.workflow.services import complete_task

    explanation = _text(explanation, "情况说明", "explanation")
    now = now or timezone.now()
    with transaction.atomic():
        sup = _lock(supervision)
        if sup.status != SupervisionStatus.OPEN or sup.process_id is None:
            raise ServiceError("wrong_step", f"该督察当前为“{sup.get_status_display()}”，不能提交情况说明")
        wt = _task_for(actor, sup, steps.EXPLAIN, "该督察当前不需要提交情况说明")
        sup.explanation = explanation
        sup.explained_by = actor
        sup.explained_at = now
        sup.explanation_count += 1
        sup.status = SupervisionStatus.REVIEWING
        sup.save(
            update_fields=["explanation", "explained_by", "explained_at", "explanation_count", "status", "updated_at"]
        )
        complete_task(actor, wt, "approve", explanation[:500])
        audit.record(
            actor,
            AuditAction.UPDATE,
            sup,
            changes={"情况说明": [None, explanation], "状态": ["待情况说明", "待督察审核"]},
            detail={"operation": "petition.supervision_explain", "petition": sup.petition.code},
        )
    return sup


def do_supervise(
    actor: Any, supervision: PetitionSupervision, *, opinion: str, accept: bool = True, now: dt.datetime | None = None
) -> PetitionSupervision:
    """督察审核: a supervisor accepts the 情况说明 and records the 督察意见 (the supervision is then 已督办), or sends
    it back (退回, reason required) for a new explanation. The handling unit is notified either way."""
    from teis.workflow.services import complete_task

    if not actor.has_perm("petitions.change_petitionsupervision"):
        raise ServiceError("forbidden", "没有督察权限")
    opinion = _text(opinion, "督察意见" if accept else "退回理由", "opinion")
    now = now or timezone.now()
    with transaction.atomic():
        sup = _lock(supervision)
        if sup.status == SupervisionStatus.DONE:
            raise ServiceError("already_done", "该督察已办理")
        if sup.process_id is not None:
            if sup.status != SupervisionStatus.REVIEWING:
                raise ServiceError("not_explained", "被督察单位尚未提交情况说明，暂不能审核")
            wt = _task_for(actor, sup, steps.SUPERVISOR_REVIEW, "该督察当前不在督察审核环节")
            complete_task(actor, wt, "approve" if accept else "return", opinion)
        elif not accept:
            raise ServiceError("no_explanation", "该督察没有情况说明环节，不能退回")
        old = sup.get_status_display()
        if accept:
            sup.status = SupervisionStatus.DONE
            sup.opinion = opinion
            sup.supervisor = actor
            sup.supervised_at = now
        else:
            sup.status = SupervisionStatus.OPEN
        sup.save(update_fields=["status", "opinion", "supervisor", "supervised_at", "updated_at"])
        notify.complete_todos(f"petition-sup:{sup.pk}")  # supervisions opened before the process existed
        title = f"督察意见：{sup.petition.code}" if accept else f"情况说明被退回：{sup.petition.code}"
        for user in current_holders(sup.petition):
            notify.notify(user, title[:200], opinion[:500], level=Notification.Level.WARNING, url=_url(sup.petition))
        audit.record(
            actor,
            AuditAction.UPDATE,
            sup,
            changes={
                ("督察意见" if accept else "退回理由"): [None, opinion],
                "状态": [old, sup.get_status_display()],
            },
            detail={
                "operation": "petition.supervise" if accept else "petition.supervision_return",
                "petition": sup.petition.code,
            },
        )
    return sup
