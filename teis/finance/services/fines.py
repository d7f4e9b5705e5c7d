"""罚没款: the receivable of a decided fine, its schedule (延期 / 分期 from an approved case request), 加处罚款
computed daily, and payments applied to it. Paid in full → the case's 执行 step completes itself.

Hook into cases (no edit there): `register_listeners()` registers `on_case_event` with the workflow for every
case process; after any engine step of a case whose decision carries a fine, the receivable is created inside
the same transaction (`ensure_receivable`, idempotent, one indexed query when it exists).
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.codes import next_value
from teis.core.services import ServiceError

from ..choices import InstalmentStatus, PaymentChannel, ReceivableStatus
from ..models import Instalment, Payment, Receivable
from . import rules

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.cases.models import CaseRequest, EnforcementCase
    from teis.org.models import Unit
    from teis.workflow.models import ProcessInstance

    from ..models import PaymentOrder

logger = logging.getLogger(__name__)
CENT = rules.CENT
SYSTEM_OPINION = "罚没款已缴清，系统自动办结执行环节"


# --- creating -------------------------------------------------------------------------------------------------


def _fine_of(case: EnforcementCase) -> Decimal | None:
    from teis.cases.choices import DecisionType

    if case.decision_type != DecisionType.PENALTY or case.decided_at is None:
        return None
    total = (case.fine_amount or Decimal(0)) + (case.confiscated_amount or Decimal(0))
    return total if total > 0 else None


def _due_of(case: EnforcementCase) -> dt.date:
    from teis.cases.services.procedure import payment_due

    if case.payment_due:
        return case.payment_due
    served = case.served_at or case.decided_at
    assert served is not None, "a receivable is only made for a decided case"
    return payment_due(served)  # 15 days from service, moved off holidays


def new_payment_code() -> str:
    return rules.payment_code(settings.FINANCE_REGION_CODE, next_value("finance.payment_code"))


def payment_code_of(case: EnforcementCase) -> str:
    """The 缴款码 of the case's receivable ("" while it has none): printed on the decision documents."""
    return Receivable.objects.filter(case_id=case.pk).values_list("payment_code", flat=True).first() or ""


def ensure_receivable(case: EnforcementCase) -> Receivable | None:
    """The receivable of `case` once its decision carries a fine (罚款 + 没收违法所得); None otherwise. Created once."""
    existing = Receivable.objects.filter(case_id=case.pk).first()
    if existing is not None:
        return existing
    return _new_receivable(case)


def _new_receivable(case: EnforcementCase) -> Receivable | None:
    """`ensure_receivable` for a case known to have none yet."""
    principal = _fine_of(case)
    if principal is None:
        return None
    party = case.parties.order_by("id").first()
    with transaction.atomic():
        rec = Receivable.objects.create(
            case=case,
            unit_id=case.unit_id,
            handler_id=case.handler_id,
            payer=party.name if party else "",
            principal=principal,
            due_date=_due_of(case),
            payment_code=new_payment_code(),
        )
        _rebuild(rec, [rules.Line(principal, rec.due_date)], new=True)
        already = case.paid_amount or Decimal(0)
        audit.record(None, AuditAction.CREATE, rec, detail={"operation": "finance.receivable", "case": case.pk})
        if already > 0:  # paid before the receivable existed (简易程序 当场收缴)
            apply_payment(
                None,
                rec,
                already,
                case.paid_at or timezone.now(),
                channel=PaymentChannel.OFFLINE,
                receipt_number="当场收缴",
                sync_case=False,
            )
    return rec


def on_case_event(instance: ProcessInstance, event: str) -> None:
    """Workflow listener (inside the engine's transaction): a decided fine gets its receivable.

    Runs after every step of every case, so one query decides whether there is anything to do: the case's decision
    and paid amount with its receivable's beside them (most steps come before a decision, or change no payment)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import OuterRef, Subquery

    from teis.cases.choices import DecisionType
    from teis.cases.models import EnforcementCase

    if event not in ("step", "completed") or not instance.subject_id:
        return
    if instance.subject_type_id != ContentType.objects.get_for_model(EnforcementCase).pk:
        return
    receivable = Receivable.objects.filter(case_id=OuterRef("pk"))
    row = (
        EnforcementCase._base_manager.filter(pk=instance.subject_id)
        .annotate(
            rec_id=Subquery(receivable.values("pk")[:1]),
            rec_status=Subquery(receivable.values("status")[:1]),
            rec_paid=Subquery(receivable.values("paid_amount")[:1]),
        )
        .values(
            "decision_type", "decided_at", "paid_amount", "paid_at", "process_id", "rec_id", "rec_status", "rec_paid"
        )
        .first()
    )
    if row is None:
        return
    if row["rec_id"] is None:
        if row["decision_type"] == DecisionType.PENALTY and row["decided_at"] is not None:
            case = EnforcementCase._base_manager.filter(pk=instance.subject_id).first()
            if case is not None:
                _new_receivable(case)  # the row above says it has none (in this transaction, under the case's lock)
        return
    # the case's own process without an open 执行 step (done, or not reached): nothing to complete (perf: reads less)
    steps = instance.current_step or ""
    no_execution = row["process_id"] == instance.pk and len(steps) < 200 and "Task_Execution" not in steps.split("、")
    if row["rec_status"] == ReceivableStatus.PAID:  # paid before 执行: complete it once it is there
        if no_execution:
            return
        pk = int(instance.subject_id)
        transaction.on_commit(lambda: _complete_paid(pk))
        return
    if (row["paid_amount"] or Decimal(0)) > (row["rec_paid"] or Decimal(0)):
        _mirror_hand_payment(row, complete=not no_execution)


def _mirror_hand_payment(row: dict[str, Any], *, complete: bool = True) -> None:
    """A payment typed into the case's 执行 step form (cases records it on the case): the receivable follows, so
    both say the same. Never refuses the step: a payment that cannot be mirrored is logged."""
    from teis.cases.models import CasePayment

    # `row`: the case's paid amount and time beside its receivable's (`on_case_event`, in this transaction)
    rec = Receivable.objects.select_for_update().get(pk=row["rec_id"])
    diff = (row["paid_amount"] or Decimal(0)) - (row["rec_paid"] or Decimal(0))
    if diff <= 0:
        return
    last = CasePayment.objects.filter(case_id=rec.case_id).order_by("-paid_at", "-pk").first()
    try:
        with transaction.atomic():
            apply_payment(
                None,
                rec,
                diff,
                row["paid_at"] or timezone.now(),
                channel=PaymentChannel.OFFLINE,
                receipt_number=last.receipt_number[:40] if last else "",
                sync_case=False,
                complete=complete,
            )
    except ServiceError as err:
        logger.warning("case %s: hand-recorded payment not mirrored: %s", rec.case_id, err.message)


def _complete_paid(case_id: int) -> None:
    rec = Receivable.objects.filter(case_id=case_id, status=ReceivableStatus.PAID).first()
    if rec is not None:
        complete_execution(rec)


def register_listeners() -> None:
    from teis.cases.steps import CASE_PROCESS_KEYS
    from teis.workflow.services import LISTENERS, register_listener

    for key in CASE_PROCESS_KEYS:
        if on_case_event not in LISTENERS.get(key, []):
            register_listener(key, on_case_event)


# --- schedule -------------------------------------------------------------------------------------------------


def _rebuild(rec: Receivable, lines: list[rules.Line], *, new: bool = False) -> None:
    if not new:  # a receivable just created has no instalments to remove (perf)
        rec.instalments.all().delete()
    Instalment.objects.bulk_create(
        Instalment(receivable=rec, seq=i, amount=x.amount, due_date=x.due) for i, x in enumerate(lines, start=1)
    )


def approved_schedule_request(rec: Receivable) -> CaseRequest | None:
    from teis.cases.choices import CaseRequestKind, CaseRequestStatus
    from teis.cases.models import CaseRequest

    return (
        CaseRequest._base_manager.filter(
            case_id=rec.case_id,
            kind__in=(CaseRequestKind.DEFERRAL, CaseRequestKind.INSTALMENTS),
            status=CaseRequestStatus.APPROVED,
        )
        .order_by("-decided_at", "-pk")
        .first()
    )


def do_apply_schedule(actor: User, rec: Receivable) -> Receivable:
    """延期 / 分期: rebuild the unpaid part of the schedule from the newest approved case request (行政处罚法
    art. 66). A deferral moves the due date; instalments split what is unpaid into monthly parts from the
    current due date. Refused without an approved request not yet applied, or once paid."""
    from teis.cases.choices import CaseRequestKind

    with transaction.atomic():
        rec = Receivable.objects.select_for_update().get(pk=rec.pk)
        req = approved_schedule_request(rec)
        if rec.status == ReceivableStatus.PAID:
            raise ServiceError("bad_state", "罚没款已缴清，无需调整缴款计划")
        if req is None or req.pk == rec.schedule_request_id:
            raise ServiceError("no_request", "本案没有尚未执行的已批准延期或分期缴纳申请")
        paid = list(rec.instalments.filter(status=InstalmentStatus.PAID))
        unpaid = rec.principal - sum((x.amount for x in paid), Decimal(0))
        partial = sum((x.paid_amount for x in rec.instalments.exclude(status=InstalmentStatus.PAID)), Decimal(0))
        remaining = unpaid - partial
        if req.kind == CaseRequestKind.DEFERRAL:
            assert req.new_due is not None, "an approved deferral has its new due date"
            lines = [rules.Line(remaining, req.new_due)]
        else:
            lines = rules.split(remaining, req.instalments or 2, rec.due_date)
        kept = [rules.Line(x.amount, x.due_date, x.paid_on) for x in paid]
        if partial:
            kept.append(rules.Line(partial, rec.due_date, timezone.localdate()))
        _rebuild(rec, kept + lines)
        for row in rec.instalments.filter(seq__lte=len(kept)):
            row.paid_amount, row.status = row.amount, InstalmentStatus.PAID
            row.paid_on = row.paid_on or timezone.localdate()
            row.save(update_fields=["paid_amount", "status", "paid_on"])
        before = str(rec.due_date)
        rec.schedule_request = req
        rec.due_date = lines[-1].due
        rec.status = ReceivableStatus.PARTIAL if rec.paid_amount else ReceivableStatus.UNPAID
        rec.save(update_fields=["schedule_request", "due_date", "status", "updated_at"])
        _refresh(rec, timezone.localdate())
        audit.record(
            actor,
            AuditAction.UPDATE,
            rec,
            changes={"缴款期限": [before, str(rec.due_date)], "分期": [None, f"{len(kept) + len(lines)} 期"]},
            detail={"operation": "finance.apply_schedule", "request": req.pk},
        )
    return rec


# --- 加处罚款, daily ---------------------------------------------------------------------------------------------


def _lines(rec: Receivable, rows: list[Instalment] | None = None) -> list[rules.Line]:
    read = list(rec.instalments.all()) if rows is None else rows
    return [rules.Line(x.amount, x.due_date, x.paid_on) for x in read]


def _refresh(rec: Receivable, today: dt.date, rows: list[Instalment] | None = None, *, save: bool = True) -> bool:
    """Recompute each instalment's fee and state and the receivable's; True when anything changed. `rows`: all the
    receivable's instalments as read by the caller in this transaction (kept in step as they are saved); `save=False`:
    the caller saves the receivable's fee and state fields itself."""
    changed = False
    total = Decimal("0.00")
    rows = list(rec.instalments.all()) if rows is None else rows
    for row in rows:
        fee = rules.late_fee(row.amount, row.due_date, today, row.paid_on)
        state = row.status
        if row.status != InstalmentStatus.PAID:
            state = InstalmentStatus.OVERDUE if today > row.due_date else InstalmentStatus.PENDING
        if fee != row.late_fee or state != row.status:
            row.late_fee, row.status = fee, state
            row.save(update_fields=["late_fee", "status"])
            changed = True
        total += fee
    status = rec.status
    if status != ReceivableStatus.PAID:
        overdue = any(row.status == InstalmentStatus.OVERDUE for row in rows)
        status = (
            ReceivableStatus.OVERDUE
            if overdue
            else (ReceivableStatus.PARTIAL if rec.paid_amount else ReceivableStatus.UNPAID)
        )
    if total != rec.late_fee or status != rec.status or rec.late_fee_on != today:
        rec.late_fee, rec.status, rec.late_fee_on = total, status, today
        if save:
            rec.save(update_fields=["late_fee", "status", "late_fee_on", "updated_at"])
        changed = True
    return changed


def refresh_late_fees(today: dt.date | None = None) -> int:
    """The daily job: every unpaid receivable's 加处罚款 and state as of `today`; returns how many changed."""
    today = today or timezone.localdate()
    changed = 0
    ids = list(Receivable.objects.exclude(status=ReceivableStatus.PAID).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            rec = Receivable.objects.select_for_update().get(pk=pk)
            if rec.status != ReceivableStatus.PAID and _refresh(rec, today):
                changed += 1
    return changed


def amount_due(rec: Receivable, on: dt.date | None = None, *, rows: list[Instalment] | None = None) -> Decimal:
    """What is still owed on `on`: unpaid principal plus the 加处罚款 accrued by then, less fee already paid."""
    on = on or timezone.localdate()
    fee = rules.schedule_late_fee(_lines(rec, rows), on)
    return max(Decimal(0), rec.principal + fee - rec.paid_amount).quantize(CENT)


# --- payments ---------------------------------------------------------------------------------------------------


def _allocate(rec: Receivable, amount: Decimal, day: dt.date, rows: list[Instalment] | None = None) -> None:
    """Apply `amount` to the instalments in order (fee first, then principal); the receivable's totals follow.
    The instalments are read once (or given: all of them, read in this transaction) and kept in step in memory."""
    rows = list(rec.instalments.all()) if rows is None else rows
    left = amount
    for row in sorted((r for r in rows if r.status != InstalmentStatus.PAID), key=lambda r: r.seq):
        if left <= 0:
            break
        owed = row.amount + rules.late_fee(row.amount, row.due_date, day) - row.paid_amount
        take = min(left, owed)
        row.paid_amount += take
        left -= take
        if take == owed:
            row.status, row.paid_on = InstalmentStatus.PAID, day
        row.save(update_fields=["paid_amount", "status", "paid_on"])
    rec.paid_amount += amount
    # one UPDATE of the receivable for its totals, fee and state (perf: was two)
    fields = ["paid_amount", "updated_at"]
    if _refresh(rec, day, rows, save=False):
        fields += ["late_fee", "status", "late_fee_on"]
    if all(row.status == InstalmentStatus.PAID for row in rows):
        rec.status = ReceivableStatus.PAID
        rec.paid_at = timezone.now()
        fields += ["status", "paid_at"]
    rec.save(update_fields=list(dict.fromkeys(fields)))


def apply_payment(
    actor: User | None,
    rec: Receivable,
    amount: Decimal,
    paid_at: dt.datetime,
    *,
    channel: str,
    unit: Unit | None = None,
    receipt_number: str = "",
    order: PaymentOrder | None = None,
    txn_id: str | None = None,
    sync_case: bool = True,
    complete: bool = True,
) -> Payment:
    """Record a payment against a locked receivable inside the caller's transaction. Refuses amounts that are not
    positive or exceed what is owed on the payment day. Keeps the case's 缴款 fields in step (cases' own service)
    and, once paid in full, completes the case's 执行 step as its handler (`complete`; False: the caller knows there
    is none open)."""
    amount = Decimal(str(amount)).quantize(CENT)
    if amount <= 0:
        raise ServiceError("invalid_amount", "缴款金额必须大于零", {"amount": ["缴款金额必须大于零"]})
    if rec.status == ReceivableStatus.PAID:
        raise ServiceError("nothing_due", "该罚没款已缴清")
    day = timezone.localdate(paid_at)
    rows = list(rec.instalments.all())  # read once for the amount due and the allocation (perf)
    due = amount_due(rec, day, rows=rows)
    if amount > due:
        raise ServiceError("invalid_amount", f"缴款金额超过应缴金额 {due} 元", {"amount": [f"应缴金额为 {due} 元"]})
    payment = Payment.objects.create(
        receivable=rec,
        unit_id=unit.pk if unit is not None else rec.unit_id,
        channel=channel,
        amount=amount,
        paid_at=paid_at,
        receipt_number=receipt_number,
        order=order,
        txn_id=txn_id,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    before = (str(rec.paid_amount), rec.get_status_display())
    _allocate(rec, amount, day, rows)
    if sync_case:
        _sync_case(actor, rec, amount, paid_at)
    audit.record(
        actor,
        AuditAction.UPDATE,
        rec,
        changes={"已缴金额": [before[0], str(rec.paid_amount)], "状态": [before[1], rec.get_status_display()]},
        detail={"operation": "finance.apply_payment", "amount": str(amount)},
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        payment,
        changes={"金额": [None, str(amount)], "缴款方式": [None, payment.get_channel_display()]},
        detail={"operation": "finance.payment", "receivable": rec.pk, "case": rec.case_id},
    )
    from .ereceipts import request_later

    request_later(payment)
    if rec.status == ReceivableStatus.PAID and complete:
        complete_execution(rec)
    return payment


def _sync_case(actor: User | None, rec: Receivable, amount: Decimal, paid_at: dt.datetime) -> None:
    """The case's own 已缴金额 / 缴款状态 through the cases service (its rule: paid once fine + fee are covered)."""
    from teis.cases.choices import PaymentStatus
    from teis.cases.models import EnforcementCase
    from teis.cases.services import penalties

    case = EnforcementCase._base_manager.get(pk=rec.case_id)
    if case.payment_status in (PaymentStatus.NONE, PaymentStatus.PAID):
        return
    try:
        with transaction.atomic():
            penalties.do_record_payment(actor, case, amount, paid_at)
    except ServiceError as err:  # cases computes the fee on the whole fine; a schedule's is smaller
        logger.info("case %s payment mirror refused: %s", case.pk, err.message)
    if rec.status == ReceivableStatus.PAID:
        EnforcementCase._base_manager.filter(pk=case.pk).exclude(payment_status=PaymentStatus.PAID).update(
            payment_status=PaymentStatus.PAID, paid_at=paid_at
        )


def complete_execution(rec: Receivable) -> bool:
    """Paid in full: complete the case's open 执行 step as the officer it is offered to (the case's handler), in
    a savepoint — a refusal leaves the step for the officer and the payment stands."""
    from teis.cases.models import EnforcementCase
    from teis.workflow.choices import ACTIVE_TASK_STATUSES, Decision
    from teis.workflow.models import WorkTask
    from teis.workflow.services import complete_task

    case = EnforcementCase._base_manager.select_related("handler").get(pk=rec.case_id)
    if not case.process_id:
        return False
    task = (
        WorkTask.objects.filter(
            instance_id=case.process_id, spec_name="Task_Execution", status__in=ACTIVE_TASK_STATUSES
        )
        .select_related("instance__definition")
        .first()
    )
    if task is None:
        return False
    actor = task.assignee or case.handler
    record = getattr(case, "decision_record", None)
    data = {
        "installments": bool(record and record.installments),
        "installment_note": record.installment_note if record else "",
    }
    try:
        with transaction.atomic():
            complete_task(actor, task, Decision.APPROVE, SYSTEM_OPINION, data)
    except ServiceError as err:
        logger.warning("case %s: 执行 step not completed automatically: %s", case.pk, err.message)
        return False
    return True


def access_receivable(user: User, pk: int) -> Receivable:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Receivable.objects.for_user(user).select_related("case", "unit"), pk=pk)


def channel_label(value: str) -> str:
    return PaymentChannel(value).label
