"""涉案财物 (spec §2.5.1.4): vehicles, certificates and tools registered with a case, kept by a unit, then
transferred, returned or auctioned; reminders to the keeper before the custody period ends; one query across
all cases.

The approval of a disposal runs on the `case_property` diagram; these services record the facts.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.models import TodoItem
from teis.core.services import ServiceError, fit
from teis.core.validators import normalise_plate
from teis.core.workdays import add_workdays

from ..choices import PropertyKind, PropertyStatus
from ..models import CaseProperty, CustodyPlace, EnforcementCase, ParkingRecord

if TYPE_CHECKING:
    from decimal import Decimal

    from django.contrib.auth.models import User

    from teis.org.models import Unit

HELD = (PropertyStatus.SEIZED, PropertyStatus.SEALED, PropertyStatus.IN_CUSTODY)
REMINDER_WORKDAYS = 3  # working days before custody_until
# Who keeps property: the evidence / property custodian of the keeper unit or above, else its squad leader.
KEEPER_ROLES = ("evidence_admin", "squad_leader")
# A case may register property while it is open (pre-registration, investigation, up to the decision).
REGISTRABLE_CASE_STATUSES = ("pre_registered", "filing", "investigating", "deciding", "decided", "enforcing")
MANAGE_PERMISSION = "cases.change_caseproperty"


def check_can_register(actor: User, case: EnforcementCase) -> None:
    """The case's handler or co-handler, or a property custodian who sees the case."""
    if case.status not in REGISTRABLE_CASE_STATUSES:
        raise ServiceError("case_closed", f"案件当前状态为“{case.get_status_display()}”，不能登记涉案财物")
    if actor.pk in (case.handler_id, case.co_handler_id):
        return
    if actor.has_perm(MANAGE_PERMISSION) and EnforcementCase.objects.for_user(actor).filter(pk=case.pk).exists():
        return
    raise ServiceError("forbidden", "只有案件的主办人、协办人或财物管理员可以登记涉案财物")


def check_can_manage(actor: User, prop: CaseProperty) -> None:
    """Custody and disposal: a holder of the manage permission who sees the item (scope by keeper unit)."""
    if not actor.has_perm(MANAGE_PERMISSION) or not CaseProperty.objects.for_user(actor).filter(pk=prop.pk).exists():
        raise ServiceError("forbidden", "只有财物管理员或有处置权限的人员可以办理")


def custody_places_for(unit: Unit) -> QuerySet[CustodyPlace]:
    """Active custody places a keeper unit may use: its own and those of the units above it."""
    ids: list[int] = []
    node: Unit | None = unit
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return CustodyPlace.objects.filter(is_active=True, unit_id__in=ids).select_related("unit")


def _custody_place(actor: User, value: Any, keeper_unit: Unit, errors: dict[str, Any]) -> CustodyPlace | None:
    """A named, active custody place of the keeper unit or a unit above it."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, CustodyPlace) else value
    place = (
        CustodyPlace.objects.filter(pk=pk, is_active=True).select_related("unit").first() if str(pk).isdigit() else None
    )
    if place is None or not (
        keeper_unit.path.startswith(place.unit.path) or place.unit.path.startswith(keeper_unit.path)
    ):
        errors["custody_place"] = ["保管场所不存在、已停用或不属于保管单位"]
        return None
    return place


def _check_held(prop: CaseProperty) -> None:
    if prop.status not in HELD:
        raise ServiceError("not_held", f"该财物当前状态为“{prop.get_status_display()}”，不能再处置")


def _lock(prop: CaseProperty) -> CaseProperty:
    return CaseProperty.objects.select_for_update(of=("self",)).select_related("case", "keeper_unit").get(pk=prop.pk)


def do_register_property(actor: User, case: EnforcementCase, data: dict[str, Any]) -> CaseProperty:
    """登记: a seized or sealed item of the case, kept by the case's unit unless another keeper is given."""
    description = (data.get("description") or "").strip()
    errors: dict[str, list[str]] = {}
    if not description:
        errors["description"] = ["请填写名称及特征"]
    kind = data.get("kind") or PropertyKind.OTHER
    if kind not in PropertyKind.values:
        errors["kind"] = ["财物类别无效"]
    quantity = data.get("quantity", 1)
    if not isinstance(quantity, int) or quantity < 1:
        errors["quantity"] = ["数量应为正整数"]
    status = data.get("status") or PropertyStatus.SEIZED
    if status not in (PropertyStatus.SEIZED, PropertyStatus.SEALED):
        errors["status"] = ["登记时状态只能是已扣押或已查封"]
    custody_until = data.get("custody_until")
    if custody_until and custody_until < timezone.localdate():
        errors["custody_until"] = ["保管期限不能早于今天"]
    check_can_register(actor, case)
    keeper_unit = data.get("keeper_unit") or case.unit
    place = _custody_place(actor, data.get("custody_place"), keeper_unit, errors)
    plate = (data.get("plate") or "").strip()
    if kind == PropertyKind.VEHICLE and not plate:
        errors["plate"] = ["扣押车辆须填写车牌号"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    with transaction.atomic():
        prop = CaseProperty.objects.create(
            custody_place=place,
            case=case,
            kind=kind,
            description=fit(CaseProperty, "description", description),
            quantity=quantity,
            plate=normalise_plate(plate)[:10],
            keeper_unit=keeper_unit,
            storage_place=fit(CaseProperty, "storage_place", data.get("storage_place") or ""),
            status=status,
            seized_at=data.get("seized_at") or timezone.now(),
            custody_until=custody_until,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(actor, AuditAction.CREATE, prop, changes={"名称及特征": [None, prop.description]})
    return prop


def do_store_property(
    actor: User, prop: CaseProperty, storage_place: str, custody_until: dt.date, custody_place: Any = None
) -> CaseProperty:
    """保管: put the item in custody in a named custody place (and a position in it) until a date."""
    errors: dict[str, list[str]] = {}
    place = _custody_place(actor, custody_place, prop.keeper_unit, errors)
    if place is None and not (storage_place or "").strip() and "custody_place" not in errors:
        errors["custody_place"] = ["请选择保管场所"]
    if custody_until is None or custody_until < timezone.localdate():
        errors["custody_until"] = ["保管期限不能早于今天"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    with transaction.atomic():
        prop = _lock(prop)
        check_can_manage(actor, prop)
        _check_held(prop)
        old = (str(prop.custody_place or ""), prop.storage_place, prop.custody_until)
        notify.complete_todos(_reminder_key(prop))  # a new period gets a new reminder
        prop.custody_place = place
        prop.storage_place = fit(CaseProperty, "storage_place", storage_place or "", strip=True)
        prop.custody_until = custody_until
        prop.status = PropertyStatus.IN_CUSTODY
        prop.save(update_fields=["custody_place", "storage_place", "custody_until", "status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            prop,
            changes={
                "保管场所": [old[0], str(place or "")],
                "存放位置": [old[1], prop.storage_place],
                "保管期限": [str(old[2]), str(custody_until)],
            },
            detail={"operation": "cases.store_property"},
        )
    return prop


def _dispose(
    actor: User,
    prop: CaseProperty,
    status: str,
    note: str,
    operation: str,
    *,
    check: bool = True,
    released_to: str = "",
    **extra: Any,
) -> CaseProperty:
    with transaction.atomic():
        prop = _lock(prop)
        if check:
            check_can_manage(actor, prop)
        _check_held(prop)
        old = prop.get_status_display()
        prop.status = status
        prop.disposed_at = timezone.now()
        prop.disposal_note = fit(CaseProperty, "disposal_note", note or "", field="note")
        for k, v in extra.items():
            setattr(prop, k, v)
        prop.save(update_fields=["status", "disposed_at", "disposal_note", *extra, "updated_at"])
        notify.complete_todos(_reminder_key(prop))
        audit.record(
            actor,
            AuditAction.UPDATE,
            prop,
            changes={"状态": [old, prop.get_status_display()]},
            detail={"operation": operation, "note": note},
        )
        if status != PropertyStatus.TRANSFERRED:
            from .parking import release_on_disposal

            release_on_disposal(actor, prop, released_to)
            _after_disposal(actor, prop.case)
    return prop


def _settled_key(case: EnforcementCase) -> str:
    return f"case:{case.pk}:property_settled"


def _after_disposal(actor: User, case: EnforcementCase) -> None:
    """Once no item of the case is held any more, the property no longer stops the case: a todo tells the
    handler that the case can go on to 结案 at the step its process waits at, and the fact is audited."""
    if case.properties.filter(status__in=HELD).exists():
        return
    if TodoItem.objects.filter(source_key=_settled_key(case)).exists():
        return
    step = case.current_step or "结案"
    notify.post_todo(
        case.handler,
        f"涉案财物已全部处置，可继续办理：{step}（{case.title}）"[:200],
        category="涉案财物",
        url=f"/cases/{case.pk}/",
        source_key=_settled_key(case),
    )
    audit.record(actor, AuditAction.UPDATE, case, detail={"operation": "cases.property_settled", "current_step": step})


def property_settled(case: EnforcementCase) -> str | None:
    """None when nothing of the case is held any more, else a Chinese message for the closing step."""
    held = case.properties.filter(status__in=HELD).count() if case.pk else 0
    return f"尚有 {held} 件涉案财物未处置" if held else None


def do_transfer_property(actor: User, prop: CaseProperty, keeper_unit: Unit, note: str = "") -> CaseProperty:
    """移交: the item goes to another keeper unit (with the case, or to the judicial organ)."""
    if keeper_unit is None:
        raise ServiceError("invalid", "请选择接收单位", {"keeper_unit": ["请选择接收单位"]})
    if keeper_unit.pk == prop.keeper_unit_id:
        raise ServiceError("invalid", "接收单位与当前保管单位相同", {"keeper_unit": ["接收单位与当前保管单位相同"]})
    return _dispose(
        actor,
        prop,
        PropertyStatus.TRANSFERRED,
        note or f"移交{keeper_unit.name}",
        "cases.transfer_property",
        keeper_unit=keeper_unit,
    )


def do_return_property(actor: User, prop: CaseProperty, note: str = "") -> CaseProperty:
    """返还: the item goes back to the party (行政强制法 art. 28: released items are returned at once)."""
    return _dispose(actor, prop, PropertyStatus.RETURNED, note or "返还当事人", "cases.return_property")


def do_confiscate_property(actor: User, prop: CaseProperty, note: str) -> CaseProperty:
    """没收: the item is confiscated under the decision (the decision number / reason in the note)."""
    if not (note or "").strip():
        raise ServiceError(
            "invalid", "请填写没收依据（处罚决定书文号）", {"note": ["请填写没收依据（处罚决定书文号）"]}
        )
    return _dispose(actor, prop, PropertyStatus.CONFISCATED, note, "cases.confiscate_property")


def do_auction_property(
    actor: User,
    prop: CaseProperty,
    auction_date: dt.date | None = None,
    auction_price: Decimal | None = None,
    note: str = "",
    buyer: str = "",
) -> CaseProperty:
    """拍卖: record the auction held (date, price, buyer). A parked vehicle leaves its car park with a release
    document to the buyer, its fee fixed. Afterwards, once nothing of the case is held, the case can be closed."""
    from decimal import Decimal, InvalidOperation

    errors: dict[str, list[str]] = {}
    if isinstance(auction_date, str):
        try:
            auction_date = dt.date.fromisoformat(auction_date)
        except ValueError:
            auction_date = None
            errors["auction_date"] = ["拍卖日期格式应为 YYYY-MM-DD"]
    if auction_date is None and "auction_date" not in errors:
        errors["auction_date"] = ["请填写拍卖日期"]
    elif auction_date is not None and auction_date > timezone.localdate():
        errors["auction_date"] = ["拍卖日期不能晚于今天（拍卖完成后登记）"]
    elif auction_date is not None and auction_date < timezone.localtime(prop.seized_at).date():
        errors["auction_date"] = ["拍卖日期不能早于扣押日期"]
    try:
        price = Decimal(str(auction_price)) if auction_price not in (None, "") else None
    except (InvalidOperation, ValueError):
        price = None
        errors["auction_price"] = ["成交价应为金额"]
    if price is None and "auction_price" not in errors:
        errors["auction_price"] = ["请填写成交价"]
    elif price is not None and (not price.is_finite() or price <= 0 or price >= Decimal("1e10")):
        errors["auction_price"] = ["成交价应为大于 0 的金额"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    assert price is not None  # refused above
    price = price.quantize(Decimal("0.01"))
    text = (note or "").strip() or f"{auction_date:%Y-%m-%d} 拍卖，成交价 {price} 元"
    return _dispose(
        actor,
        prop,
        PropertyStatus.AUCTIONED,
        text,
        "cases.auction_property",
        auction_date=auction_date,
        auction_price=price,
        released_to=fit(ParkingRecord, "released_to", buyer or "", strip=True, field="buyer") or "拍卖买受人",
    )


def transfer_case_properties(
    actor: User, case: EnforcementCase, keeper_unit: Unit, note: str = ""
) -> list[CaseProperty]:
    """When a case is transferred (案件移交) its held property goes with it (called by the case transfer, so
    the custodian's permission is not asked)."""
    if keeper_unit is None:
        raise ServiceError("invalid", "请选择接收单位", {"keeper_unit": ["请选择接收单位"]})
    return [
        _dispose(
            actor,
            p,
            PropertyStatus.TRANSFERRED,
            note or f"随案移交{keeper_unit.name}",
            "cases.transfer_property",
            check=False,
            keeper_unit=keeper_unit,
        )
        for p in case.properties.filter(status__in=HELD).exclude(keeper_unit=keeper_unit)
    ]


def settle_measure_properties(actor: User, props: Any, status: str, note: str) -> list[CaseProperty]:
    """When a 查封 / 扣押 is released (行政强制法 art. 28: returned at once) or its property confiscated, the
    measure's held items are returned or confiscated by the process step itself (so the custodian's
    permission is not asked, as with `transfer_case_properties`)."""
    if status not in (PropertyStatus.RETURNED, PropertyStatus.CONFISCATED):
        raise ValueError(status)
    operation = "cases.return_property" if status == PropertyStatus.RETURNED else "cases.confiscate_property"
    return [_dispose(actor, p, status, note, operation, check=False) for p in props if p.status in HELD]


# --- reminders and queries -----------------------------------------------------------------------------------


def _reminder_key(prop: CaseProperty) -> str:
    """One reminder per item and custody period."""
    return f"property:{prop.pk}:custody:{prop.custody_until}"


def keepers_of(unit: Unit) -> list[Any]:
    """Holders of the first keeper role (custodian, else squad leader) found in the keeper unit or the nearest
    unit above it."""
    from teis.workflow.services import role_holders

    for role in KEEPER_ROLES:
        node: Unit | None = unit
        while node is not None:
            users = role_holders(role, node)
            if users:
                return users
            node = node.parent
    return []


def custody_reminders(today: dt.date | None = None, days_before: int = REMINDER_WORKDAYS) -> int:
    """A todo to the keeper unit's squad leader for every held item whose custody ends within `days_before`
    working days (or has ended). One todo per item and period (idempotent). Returns the number posted."""
    today = today or timezone.localdate()
    horizon = add_workdays(today, days_before)
    posted = 0
    due = CaseProperty.objects.filter(status__in=HELD, custody_until__isnull=False, custody_until__lte=horizon)
    for prop in due.select_related("case", "keeper_unit"):
        key = _reminder_key(prop)
        assert prop.custody_until is not None  # filtered on it
        if TodoItem.objects.filter(source_key=key).exists():
            continue
        with transaction.atomic():
            for user in keepers_of(prop.keeper_unit):
                notify.post_todo(
                    user,
                    f"涉案财物保管期限{'已届满' if prop.custody_until < today else '即将届满'}："
                    f"{prop.description}（{prop.custody_until:%Y-%m-%d}）"[:200],
                    category="涉案财物",
                    url=f"/cases/caseproperty/{prop.pk}/",
                    source_key=key,
                    due_at=timezone.make_aware(dt.datetime.combine(prop.custody_until, dt.time(23, 59, 59))),
                )
                posted += 1
    return posted


def property_query(
    user: User,
    *,
    status: str | None = None,
    kind: str | None = None,
    text: str = "",
    keeper_unit: Unit | None = None,
    custody_before: dt.date | None = None,
) -> QuerySet[Any]:
    """涉案财物 across all cases the user may see (data scope by keeper unit): by status (one or a list),
    kind, keeper unit, custody ending before a date, and free text over description, plate and case."""
    qs = CaseProperty.objects.for_user(user).select_related("case", "keeper_unit")
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else list(status))
    if kind:
        qs = qs.filter(kind=kind)
    if keeper_unit is not None:
        qs = qs.filter(keeper_unit=keeper_unit)
    if custody_before is not None:
        qs = qs.filter(custody_until__lte=custody_before)
    text = (text or "").strip()
    if text:
        qs = qs.filter(
            Q(description__icontains=text)
            | Q(plate__icontains=text)
            | Q(case__title__icontains=text)
            | Q(case__case_code__icontains=text)
        )
    return qs.order_by("custody_until", "-seized_at")
