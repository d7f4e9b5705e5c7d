"""Process-level time limits of case handling and the extension of the general procedure's limit.

How the law counts (so that each helper says which calendar it uses):
- 行政处罚法 art. 60: a general-procedure case is decided within 90 *days* of filing (立案) — natural days; the
  extension rule used here (交通运输行政执法程序规定: 经批准可延长, 30 days, once) counts natural days too.
- 行政强制法 art. 25: 查封 / 扣押 lasts at most 30 *days*, extendable once by at most 30 days with the
  approval of the agency head — natural days.
- 行政处罚法 art. 67: the fine is paid within 15 *days* of service — natural days.
- 行政强制法 art. 54: after a 催告 the party has 10 *days* — natural days.
- Step deadlines inside the diagrams (`teis:deadlineDays`) are internal limits in working days.
For every natural-day period the first day (the day of the event) is not counted, and a period whose last day
is a statutory holiday or a weekend ends on the next working day (期间届满的最后一日是节假日的，以节假日后的第一日
为期间届满的日期); `teis.workflow.services.deadline_after(start, calendar_days=…)` applies both rules.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.workflow.services import deadline_after

from ..choices import CaseStatus, Procedure
from ..models import EnforcementCase

if TYPE_CHECKING:
    from django.contrib.auth.models import User

GENERAL_LIMIT_DAYS = 90  # natural days, 行政处罚法 art. 60
GENERAL_EXTENSION_DAYS = 30  # natural days, once, with leadership approval
COERCIVE_LIMIT_DAYS = 30  # natural days, 行政强制法 art. 25
COERCIVE_EXTENSION_DAYS = 30  # natural days, once
PAYMENT_DAYS = 15  # natural days, 行政处罚法 art. 67
URGE_DAYS = 10  # natural days, 行政强制法 art. 54
EXTENSION_APPROVER_ROLE = "leadership"
OPEN_STATUSES = (CaseStatus.FILING, CaseStatus.INVESTIGATING, CaseStatus.DECIDING)


def _day(value: dt.datetime | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def general_deadline(filed_at: dt.datetime, *, extended: bool = False) -> dt.date:
    """The day by which a general-procedure case filed at `filed_at` must be decided (natural days)."""
    days = GENERAL_LIMIT_DAYS + (GENERAL_EXTENSION_DAYS if extended else 0)
    return deadline_after(_day(filed_at), calendar_days=days)


def coercive_deadline(start: dt.datetime | dt.date, *, extended: bool = False) -> dt.date:
    """The last day of a 查封 / 扣押 that began at `start`: 30 natural days, 60 once extended."""
    days = COERCIVE_LIMIT_DAYS + (COERCIVE_EXTENSION_DAYS if extended else 0)
    return deadline_after(_day(start), calendar_days=days)


def payment_due(served_at: dt.datetime) -> dt.date:
    """The day by which a fine served at `served_at` must be paid (15 natural days)."""
    return deadline_after(_day(served_at), calendar_days=PAYMENT_DAYS)


def urge_deadline(urged_at: dt.datetime) -> dt.date:
    """The end of the 10-day period a 催告 gives before the court is asked to enforce."""
    return deadline_after(_day(urged_at), calendar_days=URGE_DAYS)


def days_left(case: EnforcementCase, today: dt.date | None = None) -> int | None:
    """Natural days until the case's decision deadline (negative once passed); None without a deadline."""
    if case.deadline is None:
        return None
    return (case.deadline - (today or timezone.localdate())).days


def do_set_filed(actor: User, case: EnforcementCase, filed_at: dt.datetime | None = None) -> EnforcementCase:
    """Record 立案 and the 90-day deadline that follows from it. One transaction; audited."""
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        old = case.deadline
        case.filed_at = filed_at or case.filed_at or timezone.now()
        if case.procedure == Procedure.GENERAL:
            case.deadline = general_deadline(case.filed_at, extended=case.deadline_extended)
        case.save(update_fields=["filed_at", "deadline", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            case,
            changes={"办案期限": [str(old) if old else None, str(case.deadline) if case.deadline else None]},
            detail={"operation": "cases.set_filed"},
        )
    return case


def _extension_key(case: EnforcementCase) -> str:
    return f"case:{case.pk}:extension"


def extension_approvers(case: EnforcementCase) -> list[Any]:
    """Holders of the leadership role in the corps above the case's unit."""
    from teis.workflow.choices import UnitRelation
    from teis.workflow.services import role_holders, target_unit

    return role_holders(EXTENSION_APPROVER_ROLE, target_unit(case.unit, UnitRelation.CORPS))


def pending_extension(case: EnforcementCase) -> bool:
    return TodoItem.objects.filter(source_key=_extension_key(case), status=TodoStatus.OPEN).exists()


def do_request_extension(actor: User, case: EnforcementCase, reason: str) -> EnforcementCase:
    """申请延长办案期限: a todo for the leadership of the corps. Only for a filed, undecided general-procedure
    case, once. One transaction; audited; todos pushed on commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("reason_required", "请填写延期理由", {"reason": ["请填写延期理由"]})
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().select_related("unit").get(pk=case.pk)
        if case.procedure != Procedure.GENERAL or case.filed_at is None or case.deadline is None:
            raise ServiceError("not_applicable", "只有已立案的一般程序案件可以申请延长办案期限")
        if case.status not in OPEN_STATUSES:
            raise ServiceError("not_applicable", "案件已作出决定或已办结，无需延期")
        if case.deadline_extended:
            raise ServiceError("already_extended", "办案期限已延长过一次，不能再次延长")
        if pending_extension(case):
            raise ServiceError("already_requested", "延期申请正在审批中")
        approvers = extension_approvers(case)
        if not approvers:
            raise ServiceError("no_approver", "未找到可审批延期的总队领导")
        for user in approvers:
            notify.post_todo(
                user,
                f"办案期限延期审批：{case.title}"[:200],
                category="案件办理",
                url=f"/cases/enforcementcase/{case.pk}/",
                source_key=_extension_key(case),
                due_at=timezone.make_aware(dt.datetime.combine(case.deadline, dt.time(23, 59, 59))),
            )
        audit.record(
            actor,
            AuditAction.UPDATE,
            case,
            changes={"延期申请": [None, reason]},
            detail={"operation": "cases.request_extension"},
        )
    return case


def do_approve_extension(
    actor: User, case: EnforcementCase, approve: bool = True, opinion: str = ""
) -> EnforcementCase:
    """Decide a pending extension (leadership only): approved → the deadline moves to 90 + 30 natural days after
    filing. One transaction; audited; the handler is notified on commit."""
    from teis.workflow.services import _role_codes

    if EXTENSION_APPROVER_ROLE not in _role_codes(actor):
        raise ServiceError("permission_denied", "只有总队领导可以审批办案期限延期")
    if not approve and not (opinion or "").strip():
        raise ServiceError("opinion_required", "不同意时必须填写意见", {"opinion": ["请填写审批意见"]})
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        if not pending_extension(case):
            raise ServiceError("no_request", "该案件没有待审批的延期申请")
        old = case.deadline
        if approve:
            case.deadline_extended = True
            assert case.filed_at is not None  # an extension is asked for a filed case
            case.deadline = general_deadline(case.filed_at, extended=True)
            case.save(update_fields=["deadline_extended", "deadline", "updated_at"])
        TodoItem.objects.filter(source_key=_extension_key(case), status=TodoStatus.OPEN).exclude(user=actor).update(
            status=TodoStatus.CANCELLED, done_at=timezone.now()
        )
        notify.complete_todos(_extension_key(case))
        notify.notify(
            case.handler,
            f"办案期限延期{'已批准' if approve else '未获批准'}：{case.title}"[:200],
            f"办案期限：{case.deadline}" + (f"；意见：{opinion}" if opinion else ""),
            url=f"/cases/enforcementcase/{case.pk}/",
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            case,
            changes={"办案期限": [str(old), str(case.deadline)]} if approve else {"延期申请": ["待审批", "不同意"]},
            detail={"operation": "cases.approve_extension", "approve": approve, "opinion": opinion},
        )
    return case
