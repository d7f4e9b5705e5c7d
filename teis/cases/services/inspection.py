"""The 行政检查 record written on `case_inspection`: 检查登记 records the party and the object, place and time,
the inspectors — at least two law-enforcement officers (交通运输行政执法程序规定: the officer and a co-inspector of
the unit) —, the items checked, the result and the handling (责令改正 with its deadline, or 立案查处); 检查结果审核
records the reviewer. The step handler is `services.coercive.handle_step`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.masking import mask_generic

from ..choices import InspectionHandling, InspectionResult
from ..models import EnforcementCase, InspectionRecord
from .coercive import lines_of
from .record_input import Errors, as_datetime, local_day, optional_text, required_text, text

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

INSPECTION_FACT_FIELDS = frozenset(
    {
        "inspection_party",
        "inspection_party_id",
        "inspection_object",
        "inspection_place",
        "inspection_at",
        "inspection_co_inspector",
        "inspection_items",
        "inspection_result",
        "inspection_problems",
        "inspection_handling",
        "inspection_rectify_by",
    }
)


def record_of(case: EnforcementCase) -> InspectionRecord | None:
    return InspectionRecord.objects.filter(case=case).first() if case.pk else None


def co_inspectors(case: EnforcementCase, actor: User | None = None) -> QuerySet[User]:
    """Who may inspect with the officer: the active officers of the case's unit, the officer excepted."""
    qs = (
        get_user_model()
        .objects.filter(is_active=True, officer__unit_id=case.unit_id, officer__status="active")
        .select_related("officer")
        .order_by("officer__name", "pk")
    )
    return qs.exclude(pk=actor.pk) if actor is not None else qs


def _co_inspector(actor: User, case: EnforcementCase, value: Any, errors: Errors) -> User | None:
    pk = getattr(value, "pk", value)
    if pk in (None, ""):
        errors.add("inspection_co_inspector", "行政检查须由两名以上执法人员实施，请选择同行检查人员")
        return None
    user = co_inspectors(case, actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if user is None:
        errors.add("inspection_co_inspector", "同行检查人员须为本单位的其他在岗执法人员")
        return None
    officer = user.officer
    if officer.certificate_number and not officer.certificate_valid:
        errors.add("inspection_co_inspector", f"{officer.name}的执法证已过期，不能参加检查")
        return None
    return user


def _rectify_by(value: Any, errors: Errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add("inspection_rectify_by", "整改期限格式不正确（YYYY-MM-DD）")
        return None


def _write_register(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """检查登记: party and object, place and time, two inspectors, items, result, handling and its deadline."""
    party = required_text(data, errors, "inspection_party", "被检查对象", 200)
    party_id = text(data, "inspection_party_id").upper()
    if len(party_id) > 30:
        errors.add("inspection_party_id", "证件号码不能超过 30 位")
    obj = optional_text(data, errors, "inspection_object", "检查对象", 200)
    place = required_text(data, errors, "inspection_place", "检查地点", 200)
    at = as_datetime(data.get("inspection_at"), errors, "inspection_at", "检查时间")
    co = _co_inspector(actor, case, data.get("inspection_co_inspector"), errors)
    items = lines_of(data.get("inspection_items"), errors, "inspection_items")
    if not items:
        errors.add("inspection_items", "请填写检查事项（每行一项）")
    result = text(data, "inspection_result")
    if result not in InspectionResult.values:
        errors.add("inspection_result", "请选择检查结果")
    problems = text(data, "inspection_problems")
    if result == InspectionResult.PROBLEMS and not problems:
        errors.add("inspection_problems", "检查发现问题的，请填写发现的问题")
    handling = text(data, "inspection_handling")
    if handling not in InspectionHandling.values:
        errors.add("inspection_handling", "请选择处理方式")
    elif result == InspectionResult.QUALIFIED and handling != InspectionHandling.NONE:
        errors.add("inspection_handling", "检查合格的，处理方式应为“无需处理”")
    elif result == InspectionResult.PROBLEMS and handling == InspectionHandling.NONE:
        errors.add("inspection_handling", "检查发现问题的，请选择责令改正或立案查处")
    rectify_by = _rectify_by(data.get("inspection_rectify_by"), errors)
    if handling == InspectionHandling.RECTIFY and rectify_by is None and "inspection_rectify_by" not in errors.fields:
        errors.add("inspection_rectify_by", "责令改正的，请填写整改期限")
    elif rectify_by and handling != InspectionHandling.RECTIFY:
        errors.add("inspection_rectify_by", "只有责令改正时才填写整改期限")
    elif rectify_by and at and rectify_by <= local_day(at):
        errors.add("inspection_rectify_by", "整改期限应晚于检查日期")
    errors.raise_if_any()
    assert at is not None and co is not None  # required above
    row = record_of(case) or InspectionRecord(case=case, created_by=actor)
    created = row.pk is None
    before = None if created else audit.snapshot(row)
    row.party_name, row.party_id_number, row.inspected_object = party, party_id, obj
    row.place, row.inspected_at, row.items = place, at, items
    row.result, row.problems = result, problems if result == InspectionResult.PROBLEMS else ""
    row.handling, row.rectify_by, row.recorded_by = handling, rectify_by, actor
    row.reviewed_at, row.reviewed_by, row.review_opinion = None, None, ""  # a returned record is reviewed anew
    row.save()
    row.inspectors.set([actor, co])
    if created:
        audit.record(actor, AuditAction.CREATE, row, detail={"operation": "cases.inspection", "case": case.pk})
    else:
        assert before is not None
        audit.record(actor, AuditAction.UPDATE, row, changes=audit.diff(before, audit.snapshot(row)))
    return {}


def _write_review(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """检查结果审核 approved: the reviewer, the time and the opinion (the task's opinion)."""
    row = record_of(case)
    if row is None:
        errors.add("__all__", "尚未登记检查记录")
        errors.raise_if_any()
    assert row is not None
    row.reviewed_at, row.reviewed_by = timezone.now(), actor
    row.review_opinion = text(data, "_opinion")
    row.save(update_fields=["reviewed_at", "reviewed_by", "review_opinion", "updated_at"])
    audit.record(actor, AuditAction.UPDATE, row, detail={"operation": "cases.inspection.review"})
    if row.handling == InspectionHandling.FILE_CASE:
        from .derive import derive_penalty_case

        derive_penalty_case(actor, case, row.problems)
    return {}


WRITERS = {"Task_InspectionRegister": _write_register, "Task_InspectionReview": _write_review}
REFUSALS: dict[str, Any] = {}


# --- requirements (steps.CHECKS) --------------------------------------------------------------------------------


def check_registered(case: EnforcementCase) -> str | None:
    row = record_of(case)
    if row is None:
        return "未登记检查记录"
    if row.inspectors.count() < 2:
        return "检查人员不足两名"
    if row.handling == InspectionHandling.RECTIFY and not row.rectify_by:
        return "责令改正未填写整改期限"
    return None


# --- reading ------------------------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def inspection_payload(case: EnforcementCase) -> dict[str, Any] | None:
    """The inspection for the case API and the city platform: 基本信息 (basic), 过程 (process), 结果 (result);
    the party's ID number masked."""
    from teis.core.display import person_display

    row = InspectionRecord.objects.filter(case=case).select_related("reviewed_by", "recorded_by").first()
    if row is None:
        return None
    return {
        "basic": {
            "party_name": row.party_name,
            "party_id_number": mask_generic(row.party_id_number, 6, 4) if row.party_id_number else "",
            "inspected_object": row.inspected_object,
            "place": row.place,
            "inspected_at": _iso(row.inspected_at),
        },
        "process": {
            "inspectors": [person_display(u) for u in row.inspectors.select_related("officer").order_by("pk")],
            "items": row.items,
            "recorded_by": person_display(row.recorded_by),
            "reviewed_at": _iso(row.reviewed_at),
            "reviewed_by": person_display(row.reviewed_by),
            "review_opinion": row.review_opinion,
        },
        "result": {
            "result": row.result,
            "result_display": row.get_result_display(),
            "problems": row.problems,
            "handling": row.handling,
            "handling_display": row.get_handling_display(),
            "rectify_by": _iso(row.rectify_by),
        },
    }
