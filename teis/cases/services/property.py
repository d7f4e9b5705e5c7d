"""涉案财物 (spec §2.5.1.4): vehicles, certificates and tools registered with a case, kept by a unit, then
transferred, returned or auctioned; reminders to the keeper before the custody period ends; one query across
all cases.

The approval of a disposal runs on the `case_property` diagram; these services record the facts.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.models import TodoItem
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays

from ..choices import PropertyKind, PropertyStatus
from ..models import CaseProperty, EnforcementCase

HELD = (PropertyStatus.SEIZED, PropertyStatus.SEALED, PropertyStatus.IN_CUSTODY)
REMINDER_WORKDAYS = 3  # working days before custody_until
KEEPER_ROLE = "squad_leader"


def _check_held(prop: CaseProperty) -> None:
    if prop.status not in HELD:
        raise ServiceError("not_held", f"该财物当前状态为“{prop.get_status_display()}”，不能再处置")


def _lock(prop: CaseProperty) -> CaseProperty:
    return CaseProperty.objects.select_for_update().select_related("case", "keeper_unit").get(pk=prop.pk)


def do_register_property(actor, case: EnforcementCase, data: dict) -> CaseProperty:
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
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    with transaction.atomic():
        prop = CaseProperty.objects.create(
            case=case,
            kind=kind,
            description=description[:200],
            quantity=quantity,
            plate=(data.get("plate") or "")[:10],
            keeper_unit=data.get("keeper_unit") or case.unit,
            storage_place=(data.get("storage_place") or "")[:200],
            status=status,
            seized_at=data.get("seized_at") or timezone.now(),
            custody_until=custody_until,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(actor, AuditAction.CREATE, prop, changes={"名称及特征": [None, prop.description]})
    return prop


def do_store_property(actor, prop: CaseProperty, storage_place: str, custody_until: dt.date) -> CaseProperty:
    """保管: put the item in custody at a place until a date."""
    if not (storage_place or "").strip():
        raise ServiceError("invalid", "请填写存放地点", {"storage_place": ["请填写存放地点"]})
    if custody_until is None or custody_until < timezone.localdate():
        raise ServiceError("invalid", "保管期限不能早于今天", {"custody_until": ["保管期限不能早于今天"]})
    with transaction.atomic():
        prop = _lock(prop)
        _check_held(prop)
        old = (prop.storage_place, prop.custody_until)
        notify.complete_todos(_reminder_key(prop))  # a new period gets a new reminder
        prop.storage_place = storage_place.strip()[:200]
        prop.custody_until = custody_until
        prop.status = PropertyStatus.IN_CUSTODY
        prop.save(update_fields=["storage_place", "custody_until", "status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            prop,
            changes={"存放地点": [old[0], prop.storage_place], "保管期限": [str(old[1]), str(custody_until)]},
            detail={"operation": "cases.store_property"},
        )
    return prop


def _dispose(actor, prop: CaseProperty, status: str, note: str, operation: str, **extra) -> CaseProperty:
    with transaction.atomic():
        prop = _lock(prop)
        _check_held(prop)
        old = prop.get_status_display()
        prop.status = status
        prop.disposed_at = timezone.now()
        prop.disposal_note = (note or "")[:300]
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
    return prop


def do_transfer_property(actor, prop: CaseProperty, keeper_unit, note: str = "") -> CaseProperty:
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


def do_return_property(actor, prop: CaseProperty, note: str = "") -> CaseProperty:
    """返还: the item goes back to the party (行政强制法 art. 28: released items are returned at once)."""
    return _dispose(actor, prop, PropertyStatus.RETURNED, note or "返还当事人", "cases.return_property")


def do_auction_property(actor, prop: CaseProperty, note: str) -> CaseProperty:
    """拍卖: record the auction (time, price in the note)."""
    if not (note or "").strip():
        raise ServiceError("invalid", "请填写拍卖时间与成交金额", {"note": ["请填写拍卖时间与成交金额"]})
    return _dispose(actor, prop, PropertyStatus.AUCTIONED, note, "cases.auction_property")


def transfer_case_properties(actor, case: EnforcementCase, keeper_unit, note: str = "") -> list[CaseProperty]:
    """When a case is transferred (案件移交) its held property goes with it."""
    return [
        do_transfer_property(actor, p, keeper_unit, note)
        for p in case.properties.filter(status__in=HELD).exclude(keeper_unit=keeper_unit)
    ]


# --- reminders and queries -----------------------------------------------------------------------------------


def _reminder_key(prop: CaseProperty) -> str:
    """One reminder per item and custody period."""
    return f"property:{prop.pk}:custody:{prop.custody_until}"


def keepers_of(unit) -> list:
    """Holders of the keeper role in the keeper unit, else in the nearest unit above that has one."""
    from teis.workflow.services import role_holders

    node = unit
    while node is not None:
        users = role_holders(KEEPER_ROLE, node)
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
    user,
    *,
    status=None,
    kind: str | None = None,
    text: str = "",
    keeper_unit=None,
    custody_before: dt.date | None = None,
) -> QuerySet:
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
