"""对账: import the platform's daily statement, match it with TEIS's online payments by the platform's transaction
id, and keep the differences for handling (paid but unknown, known but unpaid, amount differs). 主动对账 runs the
same matching over a period. 集中汇缴 (cash remitted to the treasury) is reconciled against offline payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import Sum
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, StatefulService, fit

from ..choices import (
    DiscrepancyKind,
    DiscrepancyStatus,
    NoticeOutcome,
    PaymentChannel,
    RemittanceStatus,
    Resolution,
)
from ..models import Discrepancy, Payment, Remittance, Statement, StatementLine
from .statement import StatementError, read_file

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.org.models import Unit


BATCH = 5000


def do_import_statement(actor: User, name: str, content: bytes, statement_date: dt.date | None = None) -> Statement:
    """Import a statement file whole (a bad row refuses the file, naming the row) and reconcile its days."""
    try:
        rows = read_file(name, content)
    except StatementError as err:
        raise ServiceError("bad_statement", err.message, {"file": [err.message]}) from err
    if not rows and statement_date is None:
        raise ServiceError("bad_statement", "对账单没有明细，且未指定对账日期", {"file": ["对账单没有明细"]})
    day = statement_date or rows[0].paid_at.date()
    unit = reconciling_unit(actor)
    if unit is None:
        raise ServiceError("no_unit", "尚未建立组织机构，无法导入对账单")
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        st = Statement.objects.create(
            statement_date=day,
            file_name=name[:200],
            line_count=len(rows),
            total=sum((r.amount for r in rows), Decimal(0)),
            unit=unit,
            created_by=actor,
        )
        StatementLine.objects.bulk_create(
            (
                StatementLine(
                    statement=st,
                    row=r.row,
                    txn_id=r.txn_id,
                    order_no=r.order_no,
                    amount=r.amount,
                    paid_at=timezone.make_aware(r.paid_at, tz),
                )
                for r in rows
            ),
            batch_size=BATCH,
        )
        audit.record(
            actor, AuditAction.CREATE, st, detail={"operation": "finance.import_statement", "lines": len(rows)}
        )
        days = sorted({r.paid_at.date() for r in rows} | {day})
        result = reconcile(actor, days[0], days[-1], statement=st)
        st.matched, st.discrepancies = result["matched"], result["discrepancies"]
        st.save(update_fields=["matched", "discrepancies", "updated_at"])
    return st


def reconciling_unit(actor: User | None) -> Unit | None:
    """The actor's unit (a system run: the corps)."""
    from teis.org.models import Unit

    officer = getattr(actor, "officer", None) if actor is not None else None
    return officer.unit if officer is not None else Unit.objects.filter(parent__isnull=True).order_by("pk").first()


def _bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min), tz)
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min), tz)
    return start, end


def reconcile(actor: User, date_from: dt.date, date_to: dt.date, statement: Statement | None = None) -> dict[str, Any]:
    """主动对账 over [date_from, date_to]: platform lines (the newest statement's line per transaction) against
    online payments. New differences are recorded (an open one is not repeated); returns the counts."""
    if date_to < date_from:
        raise ServiceError("invalid", "截止日期不能早于起始日期", {"date_to": ["截止日期不能早于起始日期"]})
    start, end = _bounds(date_from, date_to)
    unit = statement.unit if statement is not None else reconciling_unit(actor)
    lines: dict[str, tuple[Any, ...]] = {}
    for txn, order_no, amount, paid_at in (
        StatementLine.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .order_by("statement_id")
        .values_list("txn_id", "order_no", "amount", "paid_at")
        .iterator(chunk_size=BATCH)
    ):
        lines[txn] = (order_no, amount, paid_at)
    covered = set(
        Statement.objects.filter(statement_date__gte=date_from, statement_date__lte=date_to).values_list(
            "statement_date", flat=True
        )
    )
    payments = {
        txn: (pk, order_no, amount, paid_at)
        for pk, txn, order_no, amount, paid_at in Payment.objects.filter(
            channel=PaymentChannel.ONLINE, paid_at__gte=start, paid_at__lt=end
        )
        .values_list("pk", "txn_id", "order__order_no", "amount", "paid_at")
        .iterator(chunk_size=BATCH)
    }
    open_keys = set(Discrepancy.objects.filter(status=DiscrepancyStatus.OPEN).values_list("kind", "txn_id"))
    new: list[Discrepancy] = []
    matched = 0

    def add(kind: str, txn: str, day: dt.date, **kw: Any) -> None:
        if (kind, txn) not in open_keys:
            open_keys.add((kind, txn))
            new.append(
                Discrepancy(kind=kind, txn_id=txn, day=day, statement=statement, unit=unit, created_by=actor, **kw)
            )

    for txn, (order_no, amount, paid_at) in lines.items():
        day = timezone.localtime(paid_at).date()
        p = payments.get(txn)
        if p is None:
            add(DiscrepancyKind.PAID_UNKNOWN, txn, day, order_no=order_no, platform_amount=amount)
        elif p[2] != amount:
            add(
                DiscrepancyKind.AMOUNT_DIFFERS,
                txn,
                day,
                order_no=order_no,
                platform_amount=amount,
                teis_amount=p[2],
                payment_id=p[0],
            )
        else:
            matched += 1
    for paid_txn, (pk, order_no, amount, paid_at) in payments.items():
        day = timezone.localtime(paid_at).date()
        if paid_txn is None:  # an online payment always carries the platform's transaction id
            continue
        if paid_txn not in lines and day in covered:
            add(DiscrepancyKind.KNOWN_UNPAID, paid_txn, day, order_no=order_no or "", teis_amount=amount, payment_id=pk)
    Discrepancy.objects.bulk_create(new, batch_size=BATCH)
    detail = {"operation": "finance.reconcile", "from": str(date_from), "to": str(date_to), "new": len(new)}
    if statement is not None:
        audit.record(actor, AuditAction.UPDATE, statement, detail=detail)
    else:
        audit.record(
            actor, AuditAction.UPDATE, None, object_type="finance.statement", object_repr="主动对账", detail=detail
        )
    return {"lines": len(lines), "payments": len(payments), "matched": matched, "discrepancies": len(new)}


def do_resolve(actor: User, d: Discrepancy, *, resolution: str, note: str = "") -> Discrepancy:
    """处理对账差异: 补记缴款 applies the platform's line as a payment (refused when it cannot be applied);
    the other ways record the handling with its note."""
    from .payments import apply_notice

    note = (note or "").strip()
    if resolution not in Resolution.values:
        raise ServiceError("invalid", "请选择处理方式", {"resolution": ["请选择处理方式"]})
    if resolution != Resolution.CONFIRMED and not note:
        raise ServiceError("invalid", "请填写处理说明", {"note": ["请填写处理说明"]})
    with transaction.atomic():
        d = Discrepancy.objects.select_for_update().get(pk=d.pk)
        if d.status != DiscrepancyStatus.OPEN:
            raise ServiceError("bad_state", "该差异已处理")
        if resolution == Resolution.RECORD_PAYMENT:
            if d.kind != DiscrepancyKind.PAID_UNKNOWN:
                raise ServiceError(
                    "invalid", "只有“平台已缴、本系统无记录”的差异可以补记缴款", {"resolution": ["不适用"]}
                )
            line = StatementLine.objects.filter(txn_id=d.txn_id).order_by("-statement_id").first()
            if line is None:
                raise ServiceError("not_found", "找不到该交易的对账单明细")
            data = {
                "order_no": line.order_no,
                "txn_id": line.txn_id,
                "amount": str(line.amount),
                "paid_at": line.paid_at.isoformat(),
            }
            outcome = apply_notice(data, b"reconciliation", source="reconciliation")
            if outcome not in (NoticeOutcome.ACCEPTED, NoticeOutcome.DUPLICATE):
                raise ServiceError("cannot_apply", f"无法补记：{NoticeOutcome(outcome).label}")
            d.payment = Payment.objects.filter(txn_id=d.txn_id).first()
        d.status, d.resolution, d.resolution_note = (
            DiscrepancyStatus.RESOLVED,
            resolution,
            fit(type(d), "resolution_note", note, field="note"),
        )
        d.resolved_by, d.resolved_at = actor, timezone.now()
        d.save()
        audit.record(
            actor,
            AuditAction.UPDATE,
            d,
            changes={"状态": ["待处理", "已处理"], "处理方式": [None, d.get_resolution_display()]},
        )
    return d


def offline_collected(unit: Unit, date_from: dt.date, date_to: dt.date) -> tuple[QuerySet[Payment], Decimal]:
    start, end = _bounds(date_from, date_to)
    qs = Payment.objects.filter(unit=unit, channel=PaymentChannel.OFFLINE, paid_at__gte=start, paid_at__lt=end)
    return qs, qs.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


def do_reconcile_remittance(actor: User, r: Remittance) -> Remittance:
    """集中汇缴对账: the remitted amount must equal the unit's offline collections of the period; the payments
    are then marked as remitted."""
    with transaction.atomic():
        r = Remittance.objects.select_for_update().get(pk=r.pk)
        if r.status != RemittanceStatus.RECORDED:
            raise ServiceError("bad_state", "该汇缴已对账")
        qs, collected = offline_collected(r.unit, r.period_start, r.period_end)
        r.collected = collected
        if collected != r.amount:
            raise ServiceError("mismatch", f"汇缴金额 {r.amount} 元与期间现场收款 {collected} 元不符，请核实")
        qs.update(remittance=r)
        r.status, r.reconciled_by, r.reconciled_at = RemittanceStatus.RECONCILED, actor, timezone.now()
        r.save()
        audit.record(
            actor, AuditAction.UPDATE, r, changes={"状态": ["已登记", "已对账"], "期间现场收款": [None, str(collected)]}
        )
    return r


def check_remittance(data: dict[str, Any]) -> None:
    start, end = data.get("period_start"), data.get("period_end")
    if start and end and end < start:
        raise ServiceError("invalid", "截止日期不能早于起始日期", {"period_end": ["截止日期不能早于起始日期"]})
    amount = data.get("amount")
    if amount is not None and amount <= 0:
        raise ServiceError("invalid", "汇缴金额必须大于零", {"amount": ["汇缴金额必须大于零"]})


class RemittanceService(StatefulService):
    """集中汇缴 are recorded and edited until reconciled."""

    editable_states = (RemittanceStatus.RECORDED,)
    deletable_states = (RemittanceStatus.RECORDED,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_remittance(data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        assert isinstance(obj, Remittance)
        check_remittance({"period_start": obj.period_start, "period_end": obj.period_end, **data})
        return super().do_update(actor, obj, data)
