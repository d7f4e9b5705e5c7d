"""办案申请 (`CaseRequest`): 回避, 协助调查, 证据先行登记保存, 延期 / 分期缴纳罚款 — filed by whoever handles the case,
decided by a leader of the case's unit chain (permission `cases.decide_caserequest`), never by the applicant.

What approval does: a recused handler (or co-handler) is replaced by the officer the leader names; a deferral
moves the payment due date (行政处罚法 art. 66); instalments are recorded on the case record (the schedule itself is
kept by the fines work); an approved assistance request goes to the unit asked to assist (its leaders get a todo,
its officers see the request within their scope: `CaseRequest.scope_shared_unit_field`), and its reply is
recorded by that unit or by the handler (办结). A preservation (art. 56) must be decided within seven days.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, StatefulService, fit

from ..choices import CaseRequestKind, CaseRequestStatus, CaseStatus, DecisionType, PaymentStatus
from ..models import CaseRequest, EnforcementCase

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DECIDE_PERMISSION = "cases.decide_caserequest"
PRESERVATION_DAYS = 7  # 行政处罚法 art. 56: 应当在七日内及时作出处理决定
MAX_INSTALMENTS = 12
CLOSED = (CaseStatus.NOT_FILED, CaseStatus.TRANSFERRED_OUT, CaseStatus.CLOSED, CaseStatus.ARCHIVED)
UNPAID = (PaymentStatus.UNPAID, PaymentStatus.PARTIAL, PaymentStatus.OVERDUE)


def _fine_owed(case: EnforcementCase) -> bool:
    return (
        case.decision_type == DecisionType.PENALTY
        and bool(case.fine_amount)
        and case.decided_at is not None
        and case.payment_status in UNPAID
    )


def check_request(actor: User, data: dict[str, Any], pk: int | None = None) -> None:
    """The rules of each kind; every problem named under its field, in Chinese."""
    from .intake import check_can_handle

    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    case, kind = data.get("case"), data.get("kind")
    if case is None:
        raise ServiceError("invalid", "请选择案件", {"case": ["请选择案件"]})
    if case.status in CLOSED:
        add("case", f"案件当前状态为“{case.get_status_display()}”，不能提出申请")
    if not (data.get("reason") or "").strip():
        add("reason", "请填写理由及事项")
    if kind == CaseRequestKind.RECUSAL:
        officer = data.get("officer")
        if officer is None:
            add("officer", "请选择申请回避的执法人员")
        elif officer.pk not in (case.handler_id, case.co_handler_id):
            add("officer", "申请回避的执法人员应为本案的主办人或协办人")
    if kind == CaseRequestKind.ASSISTANCE:
        unit = data.get("assist_unit")
        if unit is None:
            add("assist_unit", "请选择协助调查的单位")
        elif unit.pk == case.unit_id:
            add("assist_unit", "协助单位不能是本案承办单位")
    if kind == CaseRequestKind.PRESERVATION:
        if not (data.get("items") or "").strip():
            add("items", "请填写先行登记保存的证据清单")
        if case.decided_at is not None:
            add("kind", "处罚决定作出后不能再申请先行登记保存")
    if kind in (CaseRequestKind.DEFERRAL, CaseRequestKind.INSTALMENTS) and not _fine_owed(case):
        add("kind", "本案没有已决定且尚未缴清的罚款，不能申请延期或分期缴纳")
    if kind == CaseRequestKind.DEFERRAL:
        new_due = data.get("new_due")
        if new_due is None:
            add("new_due", "请填写延期至的日期")
        elif case.payment_due and new_due <= case.payment_due:
            add("new_due", f"延期后的日期应晚于原缴款期限（{case.payment_due:%Y-%m-%d}）")
    if kind == CaseRequestKind.INSTALMENTS:
        n = data.get("instalments")
        if n is None or not 2 <= n <= MAX_INSTALMENTS:
            add("instalments", f"分期期数应为 2–{MAX_INSTALMENTS} 期")
    pending = CaseRequest.objects.filter(case=case, kind=kind, status=CaseRequestStatus.PENDING)
    if pk is not None:  # exclude(pk=None) excludes nothing
        pending = pending.exclude(pk=pk)
    if kind and pending.exists():
        add("kind", "本案已有同类申请待审批")
    if errors:
        raise ServiceError("invalid", "；".join(m for ms in errors.values() for m in ms), errors)
    check_can_handle(actor, case)


class CaseRequestService(StatefulService):
    """Filed and edited while pending by whoever handles the case; the decision is an action."""

    editable_states = (CaseRequestStatus.PENDING,)
    deletable_states = (CaseRequestStatus.PENDING,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_request(actor, data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        assert isinstance(obj, CaseRequest)
        check_request(actor, {**_values(obj), **data}, obj.pk)
        return super().do_update(actor, obj, data)


def _values(obj: CaseRequest) -> dict[str, Any]:
    names = ("case", "kind", "reason", "officer", "assist_unit", "items", "new_due", "instalments")
    return {n: getattr(obj, n) for n in names}


request_service = CaseRequestService()


def _lock(req: CaseRequest) -> CaseRequest:
    return CaseRequest._base_manager.select_for_update().select_related("case").get(pk=req.pk)


def do_decide_request(
    actor: User, req: CaseRequest, *, approve: bool, opinion: str = "", replacement: Any = None
) -> CaseRequest:
    """批准 / 不予批准. One transaction; audited; what approval does to the case is written with it."""
    if not actor.has_perm(DECIDE_PERMISSION):
        raise ServiceError("forbidden", "没有审批办案申请的权限")
    opinion = (opinion or "").strip()
    with transaction.atomic():
        req = _lock(req)
        if req.status != CaseRequestStatus.PENDING:
            raise ServiceError("bad_state", "该申请已审批")
        if req.created_by_id == actor.pk:
            raise ServiceError("forbidden", "不能审批本人提出的申请")
        if not approve and not opinion:
            raise ServiceError("opinion_required", "不予批准时须填写审批意见", {"opinion": ["请填写审批意见"]})
        if approve:
            _carry_out(actor, req, replacement)
        before = req.get_status_display()
        req.status = CaseRequestStatus.APPROVED if approve else CaseRequestStatus.REJECTED
        req.decided_by, req.decided_at, req.opinion = actor, timezone.now(), fit(type(req), "opinion", opinion)
        req.save(update_fields=["status", "decided_by", "decided_at", "opinion", "replacement", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, req, changes={"状态": [before, req.get_status_display()]})
    return req


def _carry_out(actor: User, req: CaseRequest, replacement: Any) -> None:
    case = EnforcementCase.objects.select_for_update().get(pk=req.case_id)
    before = audit.snapshot(case)
    if req.kind == CaseRequestKind.RECUSAL:
        _replace(case, req, replacement)
    elif req.kind == CaseRequestKind.PRESERVATION:
        last = timezone.localtime(req.created_at).date() + dt.timedelta(days=PRESERVATION_DAYS)
        if timezone.localdate() > last:
            raise ServiceError("too_late", f"先行登记保存应在七日内（{last:%Y-%m-%d} 前）作出处理决定，已超期")
    elif req.kind in (CaseRequestKind.DEFERRAL, CaseRequestKind.INSTALMENTS):
        _pay_later(case, req, actor)
    elif req.kind == CaseRequestKind.ASSISTANCE:
        _send_assistance(req)
    changes = audit.diff(before, audit.snapshot(case))
    if changes:
        audit.record(
            actor, AuditAction.UPDATE, case, changes=changes, detail={"operation": f"cases.request.{req.kind}"}
        )


def _replace(case: EnforcementCase, req: CaseRequest, replacement: Any) -> None:
    from django.contrib.auth import get_user_model

    user = None
    if replacement not in (None, ""):
        pk = getattr(replacement, "pk", replacement)
        user = get_user_model().objects.filter(pk=pk, is_active=True, officer__unit=case.unit).first()
    recused = req.officer_id
    keeps = case.co_handler_id if recused == case.handler_id else case.handler_id  # the other handler stays
    if user is None or user.pk in (recused, keeps):
        raise ServiceError(
            "invalid", "请选择本案承办单位的另一名执法人员接替", {"replacement": ["请选择接替的执法人员"]}
        )
    if recused == case.handler_id:
        case.handler = user
    else:
        case.co_handler = user
    case.save(update_fields=["handler", "co_handler", "updated_at"])
    req.replacement = user


def _pay_later(case: EnforcementCase, req: CaseRequest, actor: User) -> None:
    from .record_writers import record_of

    if not _fine_owed(case):
        raise ServiceError("bad_state", "本案罚款已缴清或未决定，无需延期或分期")
    rec = record_of(case)
    name = getattr(getattr(actor, "officer", None), "name", "") or actor.get_username()
    if req.kind == CaseRequestKind.DEFERRAL:
        case.payment_due = req.new_due
        case.save(update_fields=["payment_due", "updated_at"])
        rec.installment_note = f"经{name}批准延期至 {req.new_due:%Y-%m-%d}"
    else:
        rec.installment_note = f"经{name}批准分 {req.instalments} 期缴纳"
    rec.installments = True
    rec.save(update_fields=["installments", "installment_note", "updated_at"])


# who in the assisting unit is told of an approved 协助调查 (its leaders, who assign the work)
ASSIST_ROLES = ("squad_leader", "brigade_leader")


def _assistance_key(req: CaseRequest) -> str:
    return f"caserequest:{req.pk}:assist"


def _send_assistance(req: CaseRequest) -> None:
    """A todo for the leaders of the unit asked to assist, opening the request (which they now see)."""
    from django.urls import reverse

    from teis.core import notify
    from teis.org.choices import OfficerStatus
    from teis.org.models import Officer

    assert req.assist_unit_id is not None  # an assistance request names the unit
    leaders = (
        Officer.objects.filter(
            unit_id=req.assist_unit_id, roles__code__in=ASSIST_ROLES, status=OfficerStatus.ACTIVE, user__is_active=True
        )
        .select_related("user")
        .distinct()
    )
    url = reverse("cases:caserequest_detail", args=[req.pk])
    for officer in leaders:
        notify.post_todo(
            officer.user,
            f"协助调查：{req.case.title}"[:200],
            category="案件",
            url=url,
            source_key=_assistance_key(req),
        )


def _check_can_reply(actor: User, req: CaseRequest) -> None:
    """The unit asked to assist (its officers within scope), or whoever handles the case."""
    from .intake import check_can_handle

    officer = getattr(actor, "officer", None)
    unit = getattr(officer, "unit", None)
    if unit is not None and req.assist_unit is not None and unit.path.startswith(req.assist_unit.path):
        return
    try:
        check_can_handle(actor, req.case)
    except ServiceError:
        raise ServiceError("not_handler", "只有协助单位或本案承办人员可以登记协助调查结果") from None


def do_record_reply(actor: User, req: CaseRequest, *, result: str) -> CaseRequest:
    """协助调查 办结: the assisting unit's reply, recorded by that unit or by whoever handles the case."""
    result = (result or "").strip()
    if not result:
        raise ServiceError("invalid", "请填写协助调查结果", {"result": ["请填写协助调查结果"]})
    with transaction.atomic():
        req = _lock(req)
        if req.kind != CaseRequestKind.ASSISTANCE or req.status != CaseRequestStatus.APPROVED:
            raise ServiceError("bad_state", "只有已批准的协助调查可以登记结果")
        _check_can_reply(actor, req)
        req.result, req.status = result, CaseRequestStatus.DONE
        req.save(update_fields=["result", "status", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, req, changes={"协助调查结果": ["", result[:200]]})
        from teis.core import notify

        notify.complete_todos(_assistance_key(req))
    return req
