"""非现场执法线索: 案件要素 from the registry and the fusion → 智能筛选 (field officer) → 审核 (station head, BPMN
`maritime_clue`) → 非现场 pre-registration in case handling with the images; the 《涉嫌违章船舶信息》 list as a PDF."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.storage import get_storage
from teis.core.timetext import local_text

from ..choices import ClueStatus, ship_category
from ..models import Clue, Perception, Vessel
from .checkpoints import VIOLATION_FLAGS
from .risk import flag_records

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import Field

    from teis.workflow.models import WorkTask

PROCESS_KEY = "maritime_clue"
CATEGORY_LABELS = None


def _heading(cog: float | None) -> str:
    if cog is None:
        return ""
    names = ["北", "东北", "东", "东南", "南", "西南", "西", "西北"]
    return f"{names[int(((cog % 360) + 22.5) // 45) % 8]}（{cog:.0f}°）"


def elements(vessel: Vessel | None, p: Perception | None) -> dict[str, Any]:
    """案件要素 from the vessel registry and the perception."""
    from ..choices import ShipCategory

    labels = dict(ShipCategory.choices)
    out = {
        "ship_name": (p.recognised_name or p.ocr_name) if p else "",
        "place": f"{p.checkpoint.name}（{p.checkpoint.lon:.5f}, {p.checkpoint.lat:.5f}）" if p else "",
        "time": p.time if p else timezone.now(),
        "ship_type": p.ship_type_text if p else "",
    }
    if vessel is not None:
        out.update(
            ship_name=out["ship_name"] or vessel.name,
            owner=vessel.owner,
            owner_address=vessel.owner_address,
            legal_representative=vessel.legal_representative,
            phone=vessel.phone,
            registry_port=vessel.registry_port,
            heading=_heading(vessel.last_cog),
            ship_type=out["ship_type"] or labels.get(ship_category(vessel.registered_type or vessel.ship_type), ""),
        )
    return out


def clue_from_perception(p: Perception) -> Clue | None:
    """A clue when the device flags a violation or the ship sails without AIS. Caller's transaction."""
    flags = [VIOLATION_FLAGS[k] for k, v in (p.ai_flags or {}).items() if v and k in VIOLATION_FLAGS]
    if p.vessel_id is None:
        flags.append("未开启AIS")
    if not flags:
        return None
    vessel = Vessel.objects.filter(pk=p.vessel_id).first() if p.vessel_id else None
    values = elements(vessel, p)
    summary = "、".join(flags)
    if vessel is not None and vessel.repeat_offender:
        summary += "（该船为多次违法船舶）"
    clue = Clue(
        perception=p,
        vessel=vessel,
        unit_id=p.checkpoint.unit_id,
        summary=f"{local_text(values['time'])} 于{p.checkpoint.name}发现：{summary}",
        repeat_offender=bool(vessel and vessel.repeat_offender),
        **values,
    )
    flag_records([clue])
    if clue.attention:
        clue.summary += f"（{clue.attention}）"
    clue.save()
    return clue


def do_screen_clue(
    actor: User, clue: Clue, accept: bool, note: str = "", updates: dict[str, Any] | None = None
) -> Clue:
    """智能筛选: the officer corrects the 案件要素 and submits the clue for review (starts `maritime_clue`), or
    dismisses it. One transaction; audited."""
    if not actor.has_perm("maritime.change_clue"):
        raise ServiceError("forbidden", "没有筛选线索的权限")
    editable = ("ship_name", "owner", "owner_address", "legal_representative", "phone", "ship_type", "registry_port",
                "heading", "place", "summary")  # fmt: skip
    with transaction.atomic():
        clue = Clue.objects.select_for_update().get(pk=clue.pk)
        if clue.status != ClueStatus.NEW:
            raise ServiceError("state", "只有待筛选的线索可以筛选")
        for key, value in (updates or {}).items():
            if key in editable and value is not None:
                field = cast("Field[Any, Any]", clue._meta.get_field(key))
                setattr(clue, key, str(value).strip()[: field.max_length or 2000])
        if not accept:
            clue.status = ClueStatus.REJECTED
            clue.screened_by = actor
            clue.save()
            audit.record(
                actor,
                AuditAction.UPDATE,
                clue,
                changes={"筛选意见": [None, note or "不予处理"]},
                detail={"operation": "clue.dismiss"},
            )
            return clue
        if not clue.ship_name.strip():
            raise ServiceError("invalid", "请填写船名后再提交审核", {"ship_name": ["必填"]})
        from teis.workflow.services import start_process

        clue.status, clue.screened_by = ClueStatus.SCREENED, actor
        clue.save()
        clue.process = start_process(
            actor,
            PROCESS_KEY,
            subject=clue,
            unit=clue.unit,
            data={"clue_id": clue.pk, "screen_note": note},
            subject_label=f"水上线索：{clue.ship_name}",
        )
        clue.save(update_fields=["process"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            clue,
            changes={"筛选意见": [None, note or "提交审核"]},
            detail={"operation": "clue.screen"},
        )
    return clue


def review_task(clue: Clue) -> WorkTask | None:
    from teis.workflow.choices import TaskStatus
    from teis.workflow.models import WorkTask

    return (
        WorkTask.objects.filter(instance=clue.process, status__in=(TaskStatus.OPEN, TaskStatus.CLAIMED))
        .order_by("pk")
        .first()
    )


def do_review_clue(actor: User, clue: Clue, decision: str, opinion: str = "") -> Clue:
    """审核 by the station head: approve → pushed to case handling as a 非现场 pre-registration with the images
    (handled by the officer who screened it); reject → 不予处理. One transaction with the workflow step."""
    from teis.workflow.services import complete_task

    if decision not in ("approve", "reject"):
        raise ServiceError("invalid", "审核意见应为同意或不同意", {"decision": ["无效"]})
    with transaction.atomic():
        clue = Clue.objects.select_for_update().get(pk=clue.pk)
        if clue.status != ClueStatus.SCREENED or clue.process_id is None:
            raise ServiceError("state", "该线索不在待审核状态")
        task = review_task(clue)
        if task is None:
            raise ServiceError("state", "没有待办的审核任务")
        complete_task(actor, task, decision, opinion)
        if decision == "reject":
            clue.status = ClueStatus.REJECTED
            clue.save(update_fields=["status", "updated_at"])
            audit.record(
                actor,
                AuditAction.UPDATE,
                clue,
                changes={"审核意见": [None, opinion]},
                detail={"operation": "clue.reject"},
            )
            return clue
        clue.status = ClueStatus.APPROVED
        clue.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            clue,
            changes={"审核意见": [None, opinion or "同意"]},
            detail={"operation": "clue.approve"},
        )
        do_push_clue(clue.screened_by or actor, clue)
    return Clue.objects.get(pk=clue.pk)


def do_push_approved_clue(actor: User, clue: Clue) -> Clue:
    """推送办案 of an approved clue not pushed yet (the review pushes at once; this is the way on when that push did
    not happen). One transaction; audited by `do_push_clue`."""
    if not actor.has_perm("maritime.change_clue"):
        raise ServiceError("forbidden", "没有推送线索的权限")
    with transaction.atomic():
        clue = Clue.objects.select_for_update().get(pk=clue.pk)
        if clue.status != ClueStatus.APPROVED or clue.case_id is not None:
            raise ServiceError("state", "只有审核通过且尚未推送的线索可以推送办案")
        do_push_clue(clue.screened_by or actor, clue)  # handled by the officer who screened it, as at review
    return Clue.objects.get(pk=clue.pk)


def do_push_clue(actor: User, clue: Clue) -> Clue:
    """推送办案: a 非现场 pre-registration through `cases.services.intake.do_pre_register` with the snapshot
    images as attachments. Caller's transaction (do_pre_register opens its own savepoint)."""
    from teis.cases.choices import CaseSource
    from teis.cases.services.intake import do_pre_register

    p = clue.perception
    facts = "\n".join(
        line
        for line in (
            clue.summary,
            f"船名：{clue.ship_name}",
            f"船舶类型：{clue.ship_type}" if clue.ship_type else "",
            f"船籍港：{clue.registry_port}" if clue.registry_port else "",
            f"船舶所有人：{clue.owner}（{clue.owner_address}）" if clue.owner else "",
            f"法定代表人：{clue.legal_representative}" if clue.legal_representative else "",
            f"联系电话：{clue.phone}" if clue.phone else "",
            f"航向：{clue.heading}" if clue.heading else "",
            f"MMSI：{clue.vessel.mmsi}" if clue.vessel is not None else "",
            "该船为多次违法船舶" if clue.repeat_offender else "",
        )
        if line
    )
    data = {
        "title": f"{clue.ship_name}涉嫌水上违法（非现场）"[:200],
        "source": CaseSource.NON_SITE,
        "place": clue.place[:200],
        "discovered_at": clue.time,
        "facts": facts,
        "unit": clue.unit_id,
    }
    if p is not None and p.checkpoint_id:
        data["lon"], data["lat"] = p.checkpoint.lon, p.checkpoint.lat
    attachments = []
    storage = get_storage()
    if p is not None:
        for attr, label in (("full_image", "全景图"), ("closeup_image", "特写图")):
            key = getattr(p, attr)
            if key and storage.exists(key):
                with storage.open(key) as fh:
                    content = fh.read()
                attachments.append(SimpleUploadedFile(f"{label}-{p.pk}.jpg", content, content_type="image/jpeg"))
    case = do_pre_register(actor, data, attachments, evidence_source="checkpoint_camera")
    clue.case, clue.status = case, ClueStatus.PUSHED
    clue.save(update_fields=["case", "status", "updated_at"])
    audit.record(
        actor, AuditAction.UPDATE, clue, changes={"预登记案件": [None, str(case)]}, detail={"operation": "clue.push"}
    )
    vessel_id = clue.vessel_id
    if vessel_id:
        from .risk import refresh_vessel_risk

        transaction.on_commit(lambda: refresh_vessel_risk(vessel_id))
    return clue


def suspect_list_pdf(clues: Iterable[Clue]) -> bytes:
    """《涉嫌违章船舶信息》: the listed clues with their 案件要素, for signature."""
    from teis.core.pdf import render_pdf

    return render_pdf("maritime/suspect_list_pdf.html", {"clues": list(clues), "now": timezone.localtime()})
