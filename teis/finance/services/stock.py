"""Stock of numbered forms and receipts: 印制审批 → 入库 → 申领 / 派发 down the organisation → 核销 on use (or
manually, with approval) → 作废. Holdings are `StockRange` rows; a move splits a range and keeps the old row
(status SPLIT) as history. A number is consumed once (`StockUse` unique per kind and number) and only by whoever
holds it: an officer the numbers were issued to, or — for a unit's store — a cashier of that unit.

Called from other apps: `consume_number(kind_code, number, holder, used_for)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, StatefulService, fit

from ..choices import ApprovalStatus, RangeStatus, UseStatus
from ..models import PrintRequest, StockKind, StockRange, StockRequest, StockUse, StockWriteOff

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.org.models import Unit

CASHIER_PERMISSION = "finance.record_payment"


def _name(user: User) -> str:
    return getattr(getattr(user, "officer", None), "name", "") or user.get_username()


def _unit_of(user: User) -> Unit | None:
    officer = getattr(user, "officer", None)
    return officer.unit if officer is not None else None


# --- 印制审批 and 入库 --------------------------------------------------------------------------------------------


def _overlaps_print(kind: StockKind, start: int, end: int, exclude_pk: int | None = None) -> PrintRequest | None:
    qs = PrintRequest._base_manager.filter(kind=kind).exclude(status=ApprovalStatus.REJECTED)
    if exclude_pk is not None:  # exclude(pk=None) excludes nothing
        qs = qs.exclude(pk=exclude_pk)
    for other in qs.only("start_number", "quantity"):
        if other.start_number <= end and start <= other.end_number:
            return other
    return None


def next_free_number(kind: StockKind) -> int:
    """The first number after every printed or proposed batch of `kind` (the proposal for a new print)."""
    last = 0
    for r in PrintRequest._base_manager.filter(kind=kind).exclude(status=ApprovalStatus.REJECTED):
        last = max(last, r.end_number)
    return last + 1


def check_print(data: dict[str, Any], pk: int | None = None) -> None:
    kind, start, qty = data.get("kind"), data.get("start_number"), data.get("quantity")
    errors: dict[str, list[str]] = {}
    if kind is not None and start is not None and qty:
        if len(str(start + qty - 1)) > kind.digits:
            errors["quantity"] = [f"号码超出 {kind.digits} 位"]
        other = _overlaps_print(kind, start, start + qty - 1, pk)
        if other is not None:
            errors["start_number"] = [f"号段与已有印制批次 {other.number_range} 重叠"]
    if qty is not None and not 1 <= qty <= 1_000_000:
        errors["quantity"] = ["印制数量应为 1–1000000"]
    if errors:
        raise ServiceError("invalid", "；".join(m for ms in errors.values() for m in ms), errors)


class PrintRequestService(StatefulService):
    editable_states = (ApprovalStatus.PENDING,)
    deletable_states = (ApprovalStatus.PENDING,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_print(data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        names = ("kind", "unit", "quantity", "start_number", "reason")
        check_print({**{n: getattr(obj, n) for n in names}, **data}, obj.pk)
        return super().do_update(actor, obj, data)


_Decided = TypeVar("_Decided", PrintRequest, StockRequest, StockWriteOff)


def _decide(
    actor: User,
    model: type[_Decided],
    obj: _Decided,
    approve: bool,
    opinion: str,
    permission: str,
    carry_out: Callable[[_Decided], None] | None = None,
) -> _Decided:
    if not actor.has_perm(permission):
        raise ServiceError("forbidden", "没有审批权限")
    opinion = (opinion or "").strip()
    with transaction.atomic():
        obj = model._base_manager.select_for_update().get(pk=obj.pk)
        if obj.status != ApprovalStatus.PENDING:
            raise ServiceError("bad_state", "该申请已审批")
        if obj.created_by_id == actor.pk:
            raise ServiceError("forbidden", "不能审批本人提出的申请")
        if not approve and not opinion:
            raise ServiceError("opinion_required", "不予批准时须填写审批意见", {"opinion": ["请填写审批意见"]})
        if approve and carry_out is not None:
            carry_out(obj)
        before = obj.get_status_display()
        obj.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
        obj.decided_by, obj.decided_at, obj.opinion = actor, timezone.now(), fit(type(obj), "opinion", opinion)
        obj.save()
        audit.record(actor, AuditAction.UPDATE, obj, changes={"状态": [before, obj.get_status_display()]})
    return obj


def do_decide_print(actor: User, req: PrintRequest, *, approve: bool, opinion: str = "") -> PrintRequest:
    """印制审批: the corps' finance leader approves (or refuses, with a reason) a print order."""
    return _decide(actor, PrintRequest, req, approve, opinion, "finance.approve_printrequest")


def do_receive_print(actor: User, req: PrintRequest) -> PrintRequest:
    """入库: the printed batch enters the requesting unit's store with its number range."""
    with transaction.atomic():
        req = PrintRequest._base_manager.select_for_update().select_related("kind").get(pk=req.pk)
        if req.status != ApprovalStatus.APPROVED:
            raise ServiceError("bad_state", "只有已批准的印制批次可以入库")
        rng = StockRange.objects.create(
            kind=req.kind,
            start=req.start_number,
            end=req.end_number,
            unit=req.unit,
            print_request=req,
            note="印制入库",
            created_by=actor,
        )
        req.status, req.received_at = ApprovalStatus.RECEIVED, timezone.now()
        req.save(update_fields=["status", "received_at", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, req, changes={"状态": ["已批准", "已入库"], "号段": [None, str(rng)]})
        audit.record(actor, AuditAction.CREATE, rng, detail={"operation": "finance.stock_in"})
    return req


# --- moving numbers -------------------------------------------------------------------------------------------------


def used_in(kind_id: int, start: int, end: int) -> int:
    return StockUse._base_manager.filter(kind_id=kind_id, number__gte=start, number__lte=end).count()


def _move(actor: User, rng: StockRange, start: int, end: int, unit: Unit, holder: User | None, note: str) -> StockRange:
    """Split locked `rng` so that `start..end` is held by `unit` / `holder`; the rest stays where it was."""
    rng.status = RangeStatus.SPLIT
    rng.save(update_fields=["status", "updated_at"])
    keep = {"kind": rng.kind, "unit": rng.unit, "holder": rng.holder, "parent": rng, "created_by": actor}
    if rng.start < start:
        StockRange.objects.create(start=rng.start, end=start - 1, note="派发后余量", **keep)
    if end < rng.end:
        StockRange.objects.create(start=end + 1, end=rng.end, note="派发后余量", **keep)
    moved = StockRange.objects.create(
        kind=rng.kind, start=start, end=end, unit=unit, holder=holder, parent=rng, note=note, created_by=actor
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        moved,
        changes={"号段": [None, str(moved)], "持有": [f"{rng.unit}{_holder(rng)}", f"{unit}{_holder(moved)}"]},
        detail={"operation": "finance.stock_move", "from": rng.pk},
    )
    return moved


def _holder(rng: StockRange) -> str:
    return f" {_name(rng.holder)}" if rng.holder is not None else "（库存）"


def source_unit(req: StockRequest) -> Unit | None:
    """Who issues a request: for an officer, their unit's store; for a unit, the store of the level above."""
    return req.unit if req.for_officer_id else req.unit.parent


def check_stock_request(actor: User, data: dict[str, Any]) -> None:
    unit, officer, qty = data.get("unit"), data.get("for_officer"), data.get("quantity")
    errors: dict[str, list[str]] = {}
    if unit is not None and officer is None and unit.parent_id is None:
        errors["unit"] = ["总队库存由印制入库补充，不能向上级申领"]
    if unit is not None and officer is not None:
        o = getattr(officer, "officer", None)
        if o is None or o.unit_id != unit.pk:
            errors["for_officer"] = ["领用人应为申领单位的人员"]
    if qty is not None and not 1 <= qty <= 100_000:
        errors["quantity"] = ["申领数量应为 1–100000"]
    if errors:
        raise ServiceError("invalid", "；".join(m for ms in errors.values() for m in ms), errors)


class StockRequestService(StatefulService):
    editable_states = (ApprovalStatus.PENDING,)
    deletable_states = (ApprovalStatus.PENDING,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_stock_request(actor, data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        names = ("kind", "unit", "for_officer", "quantity", "reason")
        check_stock_request(actor, {**{n: getattr(obj, n) for n in names}, **data})
        return super().do_update(actor, obj, data)


def _issue(actor: User, req: StockRequest) -> None:
    source = source_unit(req)
    actor_unit = _unit_of(actor)
    if source is None or actor_unit is None or actor_unit.pk != source.pk:
        raise ServiceError("forbidden", f"应由{source or '上级单位'}审批派发")
    ranges = (
        StockRange._base_manager.select_for_update()
        .filter(kind=req.kind, unit=source, holder__isnull=True, status=RangeStatus.HELD)
        .order_by("start")
    )
    for rng in ranges:
        if rng.size >= req.quantity and not used_in(rng.kind_id, rng.start, rng.start + req.quantity - 1):
            note = f"申领派发（申请 {req.pk}）"
            req.issued = _move(actor, rng, rng.start, rng.start + req.quantity - 1, req.unit, req.for_officer, note)
            return
    raise ServiceError("no_stock", f"{source}的{req.kind}库存不足 {req.quantity} 份连续号码")


def do_decide_stock_request(actor: User, req: StockRequest, *, approve: bool, opinion: str = "") -> StockRequest:
    """申领审批: the level above approves and issues (派发) a sub-range from its store, or refuses."""
    return _decide(
        actor, StockRequest, req, approve, opinion, "finance.approve_stockrequest", lambda r: _issue(actor, r)
    )


# --- 核销 -------------------------------------------------------------------------------------------------------------


def _held_range(kind: StockKind, number: int, user: User | None) -> tuple[StockRange | None, StockRange | None]:
    """The HELD range holding `number` that `user` may use: issued to them, or their unit's store when they are a
    cashier of that unit."""
    rng = (
        StockRange._base_manager.filter(kind=kind, start__lte=number, end__gte=number, status=RangeStatus.HELD)
        .select_related("unit")
        .first()
    )
    if rng is None or user is None:
        return None, rng
    if rng.holder_id == user.pk:
        return rng, rng
    unit = _unit_of(user)
    if rng.holder_id is None and unit is not None and rng.unit_id == unit.pk and user.has_perm(CASHIER_PERMISSION):
        return rng, rng
    return None, rng


def kind_by_code(code: str) -> StockKind:
    kind = StockKind.objects.filter(code=code, is_active=True).first()
    if kind is None:
        raise ServiceError("unknown_kind", f"票证种类“{code}”不存在或已停用")
    return kind


PAPER_KIND_PREFIX = "blank_"  # the stock kind of a document type's pre-printed paper: blank_<document type code>


def paper_kind_for(document_type_code: str) -> StockKind | None:
    """The active stock kind of the numbered paper a document type is printed on (套打), if the corps keeps one."""
    return StockKind.objects.filter(code=f"{PAPER_KIND_PREFIX}{document_type_code}", is_active=True).first()


def consume_number(
    kind_code: str, number: int | str, holder: User, used_for: str, *, status: str = UseStatus.USED, reason: str = ""
) -> StockUse:
    """核销 one number of kind `kind_code` held by `holder` for `used_for` (e.g. "罚没款 沪交执罚〔2026〕第12号").
    `number` is the printed text (prefix optional) or its integer. Refused when the number is not `holder`'s or
    was already used (the unique constraint decides between concurrent callers). Joins the caller's transaction."""
    kind = kind_by_code(kind_code)
    n = number if isinstance(number, int) else kind.parse(str(number))
    if n is None:
        raise ServiceError("bad_number", f"票证号“{number}”格式不正确", {"number": ["票证号格式不正确"]})
    text = kind.format(n)
    if StockUse._base_manager.filter(kind=kind, number=n).exists():
        raise ServiceError("number_used", f"票证号 {text} 已使用或已核销", {"number": ["该号码已使用或已核销"]})
    rng, found = _held_range(kind, n, holder)
    if rng is None:
        who = f"{found.unit}{_holder(found)}" if found is not None else "任何人（未入库或未派发）"
        raise ServiceError(
            "not_holder", f"票证号 {text} 不在您的持有号段内（现由{who}持有）", {"number": ["不是您持有的号码"]}
        )
    try:
        with transaction.atomic():
            use = StockUse.objects.create(
                kind=kind,
                number=n,
                number_text=text,
                status=status,
                unit=rng.unit,
                holder=holder,
                used_for=fit(StockUse, "used_for", used_for),
                reason=fit(StockUse, "reason", reason),
                created_by=holder,
            )
    except IntegrityError as exc:
        raise ServiceError(
            "number_used", f"票证号 {text} 已使用或已核销", {"number": ["该号码已使用或已核销"]}
        ) from exc
    audit.record(holder, AuditAction.CREATE, use, detail={"operation": "finance.consume", "used_for": used_for[:200]})
    return use


def do_void_number(actor: User, kind: StockKind, number: str, reason: str) -> StockUse:
    """作废: a spoilt form or receipt, with its reason; it is written off like a used one."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("invalid", "请填写作废原因", {"reason": ["请填写作废原因"]})
    with transaction.atomic():
        return consume_number(kind.code, number, actor, "作废", status=UseStatus.VOIDED, reason=reason)


def check_write_off(actor: User, data: dict[str, Any]) -> None:
    kind, unit, start, end = data.get("kind"), data.get("unit"), data.get("start"), data.get("end")
    if kind is None or unit is None or start is None or end is None:
        return
    if end < start:
        raise ServiceError("invalid", "止号不能小于起号", {"end": ["止号不能小于起号"]})
    held = StockRange._base_manager.filter(
        kind=kind, unit=unit, status=RangeStatus.HELD, start__lte=start, end__gte=end
    ).exists()
    if not held:
        raise ServiceError("invalid", "该号段不在本单位的持有号段内", {"start": ["号段不在本单位持有范围内"]})
    if used_in(kind.pk, start, end):
        raise ServiceError("invalid", "号段中有已使用或已核销的号码", {"start": ["号段中有已使用的号码"]})


class WriteOffService(StatefulService):
    editable_states = (ApprovalStatus.PENDING,)
    deletable_states = (ApprovalStatus.PENDING,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_write_off(actor, data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        names = ("kind", "unit", "start", "end")
        check_write_off(actor, {**{n: getattr(obj, n) for n in names}, **data})
        return super().do_update(actor, obj, data)


def _write_off(actor: User, w: StockWriteOff) -> None:
    check_write_off(actor, {"kind": w.kind, "unit": w.unit, "start": w.start, "end": w.end})
    try:
        with transaction.atomic():
            StockUse.objects.bulk_create(
                StockUse(
                    kind=w.kind,
                    number=n,
                    number_text=w.kind.format(n),
                    status=w.reason_kind,
                    unit=w.unit,
                    holder=w.created_by,
                    used_for="核销",
                    reason=w.reason,
                    write_off=w,
                    created_by=actor,
                )
                for n in range(w.start, w.end + 1)
            )
    except IntegrityError as exc:
        raise ServiceError("number_used", "号段中有已使用或已核销的号码") from exc


def do_decide_write_off(actor: User, w: StockWriteOff, *, approve: bool, opinion: str = "") -> StockWriteOff:
    return _decide(
        actor, StockWriteOff, w, approve, opinion, "finance.approve_stockwriteoff", lambda o: _write_off(actor, o)
    )


# --- reading ---------------------------------------------------------------------------------------------------


def _used_subquery() -> Subquery:
    return Subquery(
        StockUse._base_manager.filter(
            kind_id=OuterRef("kind_id"), number__gte=OuterRef("start"), number__lte=OuterRef("end")
        )
        .order_by()
        .values("kind_id")
        .annotate(c=Count("pk"))
        .values("c"),
        output_field=IntegerField(),
    )


def holdings(qs: QuerySet[StockRange]) -> list[Any]:
    """HELD ranges of `qs` with `used` (numbers consumed inside them) and `left` (on hand)."""
    rows: list[Any] = list(
        qs.filter(status=RangeStatus.HELD)
        .select_related("kind", "unit", "holder__officer")
        .annotate(used=Coalesce(_used_subquery(), 0))
    )
    for r in rows:
        r.left = r.size - r.used
    return rows


def on_hand(user: User) -> list[Any]:
    """The stock the user holds personally (home page, 我的票证)."""
    return holdings(StockRange.objects.filter(holder=user))


def unit_stock(user: User) -> list[dict[str, Any]]:
    """Stock on hand per unit, kind (store and officers separately) within the user's scope, with the warning."""
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in holdings(StockRange.objects.for_user(user)):
        key = (r.unit_id, r.kind_id)
        row = out.setdefault(key, {"unit": r.unit, "kind": r.kind, "store": 0, "officers": 0})
        row["officers" if r.holder_id else "store"] += r.left
    for row in out.values():
        row["total"] = row["store"] + row["officers"]
        row["low"] = row["total"] < row["kind"].low_threshold
    return sorted(out.values(), key=lambda x: (x["unit"].path, x["kind"].code))


def low_stock(user: User) -> list[dict[str, Any]]:
    return [row for row in unit_stock(user) if row["low"]]


def statistics(user: User, date_from: dt.date | None = None, date_to: dt.date | None = None) -> list[dict[str, Any]]:
    """Per unit and kind in the user's scope: numbers received (issued to the unit or entered into its store),
    used, cancelled (作废 / 遗失 / 损毁 / 缴销) in the period, and outstanding now."""
    moves = StockRange.objects.for_user(user).filter(parent__isnull=False) | StockRange.objects.for_user(user).filter(
        print_request__isnull=False
    )
    moves = moves.exclude(note="派发后余量")
    uses = StockUse.objects.for_user(user)
    if date_from:
        moves, uses = moves.filter(created_at__date__gte=date_from), uses.filter(created_at__date__gte=date_from)
    if date_to:
        moves, uses = moves.filter(created_at__date__lte=date_to), uses.filter(created_at__date__lte=date_to)
    table: dict[tuple[Any, ...], dict[str, Any]] = {}

    def row(unit_id: int, unit_name: str, kind_name: str) -> dict[str, Any]:
        return table.setdefault(
            (unit_name, kind_name),
            {"unit": unit_name, "kind": kind_name, "issued": 0, "used": 0, "cancelled": 0, "outstanding": 0},
        )

    for m in moves.values("unit_id", "unit__name", "kind__name", "start", "end"):
        row(m["unit_id"], m["unit__name"], m["kind__name"])["issued"] += m["end"] - m["start"] + 1
    for u in uses.values("unit_id", "unit__name", "kind__name").annotate(
        used=Count("pk", filter=Q(status=UseStatus.USED)), cancelled=Count("pk", filter=~Q(status=UseStatus.USED))
    ):
        r = row(u["unit_id"], u["unit__name"], u["kind__name"])
        r["used"] += u["used"]
        r["cancelled"] += u["cancelled"]
    for h in unit_stock(user):
        row(h["unit"].pk, h["unit"].name, h["kind"].name)["outstanding"] += h["total"]
    rows = sorted(table.values(), key=lambda r: (r["unit"], r["kind"]))
    total: dict[str, Any] = {"unit": "合计", "kind": ""}
    for k in ("issued", "used", "cancelled", "outstanding"):
        total[k] = sum(r[k] for r in rows)
    return [*rows, total]


def total_left(rows: Iterable[Any]) -> int:
    return sum(r.left for r in rows)
