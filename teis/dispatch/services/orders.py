"""指挥勤务指令 and their feedback (spec §2.6.3.5): an order names its target units; each target unit gets a
receipt (`OrderReceipt`), its leaders (whoever in the unit holds `dispatch.acknowledge_dutyorder`) a todo and a
live notification; the unit acknowledges (签收) and then reports feedback (反馈) against the order; the issuing
unit sees per target unit who acknowledged, when, whether late (past the order's 签收期限), and the feedback.

Who acts for a target unit: a person of that unit or of a unit below it (the order reaches the whole subtree);
when several target units contain the person's unit, the nearest one. A person of no target unit is answered
404 (the order was not sent to them), whether or not their data scope lets them read the order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.services import ServiceError, StatefulService
from teis.core.timetext import local_text

from ..choices import OrderStatus
from ..models import DutyOrder, OrderFeedback, OrderReceipt

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

ACKNOWLEDGE_PERMISSION = "dispatch.acknowledge_dutyorder"
FEEDBACK_PERMISSION = "dispatch.add_orderfeedback"
TODO_CATEGORY = "勤务指令"


def _ack_key(order_pk: int, unit_pk: int) -> str:
    return f"dutyorder:{order_pk}:unit:{unit_pk}:ack"


def _feedback_key(order_pk: int, unit_pk: int) -> str:
    return f"dutyorder:{order_pk}:unit:{unit_pk}:feedback"


def _url(order: DutyOrder) -> str:
    return reverse("dispatch:dutyorder_detail", args=[order.pk])


def unit_leaders(unit_id: int) -> QuerySet[User]:
    """The users who acknowledge for a unit: its active officers whose roles grant the acknowledge permission."""
    from django.contrib.auth import get_user_model

    from teis.org.choices import OfficerStatus

    app, codename = ACKNOWLEDGE_PERMISSION.split(".")
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            officer__unit_id=unit_id,
            officer__status=OfficerStatus.ACTIVE,
            officer__roles__permissions__codename=codename,
            officer__roles__permissions__content_type__app_label=app,
        )
        .distinct()
        .order_by("pk")
    )


def _send_to(order: DutyOrder, unit_ids: Iterable[int]) -> None:
    """Receipts, todos and notifications for newly targeted units (inside the caller's transaction)."""
    url = _url(order)
    for unit_id in unit_ids:
        OrderReceipt.objects.get_or_create(order=order, unit_id=unit_id, defaults={"created_by": order.created_by})
        for user in unit_leaders(unit_id):
            notify.post_todo(
                user,
                f"签收勤务指令：{order.title}"[:200],
                category=TODO_CATEGORY,
                url=url,
                source_key=_ack_key(order.pk, unit_id),
                due_at=order.ack_deadline,
            )
            notify.notify(user, f"新勤务指令：{order.title}"[:200], order.content[:500], url=url)


def _withdraw_from(order: DutyOrder, unit_ids: Iterable[int]) -> None:
    for unit_id in unit_ids:
        notify.complete_todos(_ack_key(order.pk, unit_id))
        notify.complete_todos(_feedback_key(order.pk, unit_id))
    OrderReceipt.objects.filter(order=order, unit_id__in=unit_ids).delete()


def check_targets(order: DutyOrder | None, targets: Iterable[Any] | None) -> None:
    if targets is not None and not list(targets):
        raise ServiceError("invalid", "请选择接收单位。", {"target_units": ["请选择接收单位"]})
    if order is None or targets is None:
        return
    kept = {u.pk for u in targets}
    acked = OrderReceipt.objects.filter(order=order, acknowledged_at__isnull=False).exclude(unit_id__in=kept)
    names = "、".join(r.unit.name for r in acked.select_related("unit"))
    if names:
        message = f"{names}已签收该指令，不能从接收单位中移除。"
        raise ServiceError("invalid", message, {"target_units": [message]})


class DutyOrderService(StatefulService):
    """指令 are changed while issued; changing the target units sends the order to the added units and withdraws
    it from removed units that have not acknowledged it. 签收, 反馈 and 办结 are the order's actions."""

    editable_states = (OrderStatus.ISSUED,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        check_targets(None, data.get("target_units"))
        if data.get("ack_deadline") and data.get("deadline") and data["deadline"] < data["ack_deadline"]:
            raise ServiceError("invalid", "反馈期限不能早于签收期限。", {"deadline": ["反馈期限不能早于签收期限"]})
        with transaction.atomic():
            order = super().do_create(actor, model, data)
            assert isinstance(order, DutyOrder)
            _send_to(order, [u.pk for u in order.target_units.all()])
        return order

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        assert isinstance(obj, DutyOrder)
        with transaction.atomic():
            before = set(obj.target_units.values_list("pk", flat=True))
            check_targets(obj, data.get("target_units"))
            order = super().do_update(actor, obj, data)
            assert isinstance(order, DutyOrder)
            after = set(order.target_units.values_list("pk", flat=True))
            _withdraw_from(order, before - after)
            _send_to(order, sorted(after - before))
        return order

    def do_delete(self, actor: User, obj: models.Model) -> None:
        assert isinstance(obj, DutyOrder)
        with transaction.atomic():
            if obj.receipts.filter(acknowledged_at__isnull=False).exists():
                raise ServiceError("bad_state", "已有单位签收该指令，不能删除，请办结。")
            _withdraw_from(obj, list(obj.target_units.values_list("pk", flat=True)))
            super().do_delete(actor, obj)


order_service = DutyOrderService()


def receipt_for(user: User, order: DutyOrder) -> OrderReceipt | None:
    """The receipt the user acts for: the nearest target unit at or above the user's unit, or None."""
    from teis.org.scope import officer_with_unit

    officer = officer_with_unit(user) if user is not None and user.is_authenticated else None
    if officer is None:
        return None
    path = officer.unit.path
    receipts = [r for r in order.receipts.select_related("unit") if path.startswith(r.unit.path)]
    return max(receipts, key=lambda r: len(r.unit.path), default=None)


def _access_receipt(actor: User, order: DutyOrder) -> OrderReceipt:
    """The actor's receipt, locked; 404 when the order was not sent to the actor's unit."""
    receipt = receipt_for(actor, order)
    if receipt is None:
        raise Http404("该指令未下达至您所在单位。")
    return OrderReceipt.objects.select_for_update().select_related("unit").get(pk=receipt.pk)


def _lock_issued(order: DutyOrder) -> DutyOrder:
    order = DutyOrder._base_manager.select_for_update().get(pk=order.pk)
    if order.status != OrderStatus.ISSUED:
        raise ServiceError("bad_state", "该指令已办结。")
    return order


def can_acknowledge(user: User, order: DutyOrder) -> bool:
    receipt = receipt_for(user, order)
    return receipt is not None and receipt.acknowledged_at is None


def can_report(user: User, order: DutyOrder) -> bool:
    receipt = receipt_for(user, order)
    return receipt is not None and receipt.acknowledged_at is not None


def do_acknowledge_order(actor: User, order: DutyOrder) -> DutyOrder:
    """签收 for the actor's target unit. One transaction; audited; the unit's acknowledge todos are done, the
    acknowledger gets a feedback todo (due at the order's 反馈期限), the issuing side's pages refresh."""
    if not actor.has_perm(ACKNOWLEDGE_PERMISSION):
        raise ServiceError("forbidden", "没有签收勤务指令的权限。")
    with transaction.atomic():
        order = _lock_issued(order)
        receipt = _access_receipt(actor, order)
        if receipt.acknowledged_at is not None:
            by = receipt.acknowledged_by
            name = getattr(getattr(by, "officer", None), "name", "") or (by.get_username() if by else "")
            raise ServiceError(
                "bad_state", f"{receipt.unit.name}已于 {local_text(receipt.acknowledged_at)} 由{name}签收该指令。"
            )
        receipt.acknowledged_by, receipt.acknowledged_at = actor, timezone.now()
        receipt.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
        late = "（逾期）" if receipt.is_late else ""
        audit.record(
            actor,
            AuditAction.UPDATE,
            order,
            changes={f"{receipt.unit.name}签收": ["未签收", f"已签收{late}"]},
            detail={"operation": "dispatch.dutyorder.acknowledge", "unit": receipt.unit_id},
        )
        notify.complete_todos(_ack_key(order.pk, receipt.unit_id))
        if not order.feedbacks.filter(unit_id=receipt.unit_id).exists():
            notify.post_todo(
                actor,
                f"反馈勤务指令：{order.title}"[:200],
                category=TODO_CATEGORY,
                url=_url(order),
                source_key=_feedback_key(order.pk, receipt.unit_id),
                due_at=order.deadline,
            )
        if order.created_by_id and order.created_by_id != actor.pk and order.created_by is not None:
            notify.notify(
                order.created_by,
                f"{receipt.unit.name}已签收：{order.title}"[:200],
                url=_url(order),
            )
    return order


def do_report_feedback(actor: User, order: DutyOrder, content: str) -> DutyOrder:
    """反馈 of the actor's target unit on the order (after 签收). One transaction; audited; the unit's feedback
    todos are done and the issuer is notified."""
    if not actor.has_perm(FEEDBACK_PERMISSION):
        raise ServiceError("forbidden", "没有反馈勤务指令的权限。")
    content = (content or "").strip()
    if not content:
        raise ServiceError("invalid", "请填写反馈内容。", {"content": ["请填写反馈内容"]})
    with transaction.atomic():
        order = _lock_issued(order)
        receipt = _access_receipt(actor, order)
        if receipt.acknowledged_at is None:
            raise ServiceError("not_acknowledged", f"{receipt.unit.name}尚未签收该指令，请先签收再反馈。")
        feedback = OrderFeedback.objects.create(order=order, unit=receipt.unit, content=content, created_by=actor)
        audit.record(
            actor,
            AuditAction.CREATE,
            feedback,
            changes={k: [None, v] for k, v in audit.snapshot(feedback).items()},
            detail={"operation": "dispatch.dutyorder.feedback"},
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            order,
            changes={f"{receipt.unit.name}反馈": [None, content[:200]]},
            detail={"operation": "dispatch.dutyorder.feedback", "unit": receipt.unit_id},
        )
        notify.complete_todos(_feedback_key(order.pk, receipt.unit_id))
        if order.created_by_id and order.created_by_id != actor.pk and order.created_by is not None:
            notify.notify(
                order.created_by, f"{receipt.unit.name}反馈：{order.title}"[:200], content[:500], url=_url(order)
            )
    return order


def do_close_order(actor: User, order: DutyOrder) -> DutyOrder:
    """办结 an issued 勤务指令: open acknowledge and feedback todos are done. One transaction; audited."""
    with transaction.atomic():
        order = _lock_issued(order)
        before = order.get_status_display()
        order.status = OrderStatus.CLOSED
        order.save(update_fields=["status", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, order, changes={"状态": [before, order.get_status_display()]})
        for unit_id in order.receipts.values_list("unit_id", flat=True):
            notify.complete_todos(_ack_key(order.pk, unit_id))
            notify.complete_todos(_feedback_key(order.pk, unit_id))
    return order


def receipt_rows(order: DutyOrder) -> list[dict[str, Any]]:
    """Per target unit, for the order's page: receipt, acknowledgement, lateness and the unit's feedback."""
    feedbacks: dict[int, list[OrderFeedback]] = {}
    for fb in order.feedbacks.select_related("created_by__officer").order_by("created_at"):
        feedbacks.setdefault(fb.unit_id, []).append(fb)
    rows = []
    receipts = order.receipts.select_related("unit", "acknowledged_by__officer").order_by("unit__path")
    for r in receipts:
        by = r.acknowledged_by
        rows.append(
            {
                "receipt": r,
                "unit": r.unit,
                "acknowledged_by": (getattr(getattr(by, "officer", None), "name", "") or by.get_username())
                if by
                else "",
                "acknowledged_at": r.acknowledged_at,
                "late": r.is_late,
                "feedbacks": feedbacks.get(r.unit_id, []),
            }
        )
    return rows
