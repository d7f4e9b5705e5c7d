"""The 行政强制措施 record (查封 / 扣押 / 暂扣车辆, 行政强制法 art. 18–28) written step by step on `case_coercive`,
and the step handler of the 行政强制 and 行政检查 processes (`handle_step`, registered by
`services.record.register_step_handlers`).

One writer per step, as for the general procedure (`record_writers`): the facts are read into `Errors`, refused
together naming each field in Chinese, and written only when all are valid, inside the workflow's transaction —
nothing half-written. The period is at most 30 natural days (art. 25) from the start, extended once by at most 30
days with the approval recorded at 延期审批; a second extension is refused; on release the measure's held property
is returned at once (art. 28) through the property service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.workflow.services import deadline_after

from ..choices import CoerciveKind, CoerciveResult, PropertyKind, PropertyStatus
from ..models import CoerciveMeasure, EnforcementCase
from .procedure import COERCIVE_EXTENSION_DAYS, COERCIVE_LIMIT_DAYS
from .record_input import Errors, as_date, as_datetime, fmt, local_day, minute, required_text, text

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.workflow.models import ProcessInstance, WorkTask

# Field names the 行政强制 step forms collect for the record (never copied into the task data).
MEASURE_FACT_FIELDS = frozenset(
    {
        "measure_kind",
        "measure_basis",
        "measure_reason",
        "measure_place",
        "measure_objects",
        "measure_plate",
        "measure_on_the_spot",
        "measure_number",
        "measure_decided_at",
        "measure_served_at",
        "measure_starts_on",
        "measure_period",
        "measure_progress",
        "extension_days",
        "extension_reason",
        "release_at",
        "release_reason",
        "measure_result",
        "result_note",
    }
)
_TRUE = (True, "true", "on", "1", "yes")


def measure_of(case: EnforcementCase) -> CoerciveMeasure | None:
    return CoerciveMeasure.objects.filter(case=case).first() if case.pk else None


def _need(case: EnforcementCase) -> CoerciveMeasure:
    measure = measure_of(case)
    if measure is None:
        raise ServiceError("invalid_record", "尚未登记强制措施申请", {"__all__": ["尚未登记强制措施申请"]})
    return measure


def _period(value: Any, errors: Errors, name: str, label: str, limit: int) -> int | None:
    if value in (None, ""):
        errors.add(name, f"请填写{label}")
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        errors.add(name, f"{label}应为整数（日）")
        return None
    if days < 1:
        errors.add(name, f"{label}至少 1 日")
    elif days > limit:
        errors.add(name, f"{label}不得超过 {limit} 日（行政强制法第二十五条）")
    return days


def lines_of(value: Any, errors: Errors | None = None, name: str = "measure_objects", limit: int = 200) -> list[str]:
    """A list typed one item a line (or given as a list through the API); a line over `limit` characters
    is refused (in `errors`), never cut."""
    rows = value if isinstance(value, (list, tuple)) else str(value or "").splitlines()
    lines = [str(r).strip() for r in rows if str(r).strip()]
    if errors is not None and any(len(r) > limit for r in lines):
        errors.add(name, f"每行不能超过 {limit} 字")
    return lines


def _save(actor: User, measure: CoerciveMeasure, operation: str, before: dict[str, Any] | None = None) -> None:
    created = measure.pk is None
    if created:
        measure.created_by = actor
    measure.save()
    if created:
        audit.record(actor, AuditAction.CREATE, measure, detail={"operation": operation, "case": measure.case_id})
    else:
        changes = audit.diff(before or {}, audit.snapshot(measure))
        audit.record(actor, AuditAction.UPDATE, measure, changes=changes, detail={"operation": operation})


# --- writers ---------------------------------------------------------------------------------------------------


def _write_apply(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """强制措施申请: kind, legal basis, reason, place, the objects (a vehicle by its plate), on the spot or not."""
    from teis.core.validators import normalise_plate

    kind = text(data, "measure_kind")
    if kind not in CoerciveKind.values:
        errors.add("measure_kind", "请选择强制措施种类")
    basis = required_text(data, errors, "measure_basis", "法律依据", 2000)
    reason = required_text(data, errors, "measure_reason", "理由", 2000)
    place = required_text(data, errors, "measure_place", "实施地点", 200)
    objects = lines_of(data.get("measure_objects"), errors)
    plate = normalise_plate(text(data, "measure_plate"))
    if len(plate) > 10:
        errors.add("measure_plate", "车牌号不能超过 10 位")
    if kind == CoerciveKind.VEHICLE and not plate:
        errors.add("measure_plate", "暂扣车辆须填写车牌号")
    if kind != CoerciveKind.VEHICLE and not objects:
        errors.add("measure_objects", "请填写查封、扣押的场所、设施或财物（每行一项）")
    if len(objects) > 50:
        errors.add("measure_objects", "查封扣押物品清单不能超过 50 项")
    errors.raise_if_any()
    measure = measure_of(case) or CoerciveMeasure(case=case)
    before = audit.snapshot(measure) if measure.pk else None
    measure.kind, measure.legal_basis, measure.reason, measure.place = kind, basis, reason, place
    measure.objects_list, measure.plate = objects, plate if kind == CoerciveKind.VEHICLE else ""
    measure.on_the_spot = data.get("measure_on_the_spot") in _TRUE
    measure.applied_at, measure.applied_by = timezone.now(), actor
    _save(actor, measure, "cases.coercive.apply", before)
    return {}


def _write_approval(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """内部审批 (art. 18(1)): the approver and the time are recorded."""
    measure = _need(case)
    before = audit.snapshot(measure)
    measure.approved_at, measure.approved_by = timezone.now(), actor
    _save(actor, measure, "cases.coercive.approve", before)
    return {}


def _register_objects(actor: User, case: EnforcementCase, measure: CoerciveMeasure) -> list[Any]:
    """The measure's objects as 涉案财物 (a vehicle with its plate), kept until the measure ends."""
    from . import property as properties

    status = PropertyStatus.SEALED if measure.kind == CoerciveKind.SEAL else PropertyStatus.SEIZED
    if measure.kind == CoerciveKind.VEHICLE:
        items = [(PropertyKind.VEHICLE, (measure.objects_list or [f"暂扣车辆 {measure.plate}"])[0], measure.plate)]
    else:
        items = [(PropertyKind.OTHER, line, "") for line in measure.objects_list]
    rows = []
    for kind, description, plate in items:
        try:
            rows.append(
                properties.do_register_property(
                    actor,
                    case,
                    {
                        "kind": kind,
                        "description": description,
                        "plate": plate,
                        "status": status,
                        "seized_at": measure.served_at or measure.decided_at,
                        "custody_until": measure.ends_on,
                    },
                )
            )
        except ServiceError as err:
            message = f"登记涉案财物“{description}”：{err.message}"
            raise ServiceError(err.code, message, {"__all__": [message]}) from err
    return rows


def _write_decision(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """强制措施决定: the 决定书 number, decided and served (决定书和清单当场交付), the start and the period (≤ 30 days);
    the end day follows (natural days, a holiday moves it to the next working day); the objects are registered."""
    measure = _need(case)
    number = required_text(data, errors, "measure_number", "决定书文号", 60)
    decided = as_datetime(data.get("measure_decided_at"), errors, "measure_decided_at", "决定时间")
    served = as_datetime(data.get("measure_served_at"), errors, "measure_served_at", "决定书送达时间")
    starts = as_date(data.get("measure_starts_on"), errors, "measure_starts_on", "起始日期", required=False)
    period = _period(data.get("measure_period"), errors, "measure_period", "查封扣押期限", COERCIVE_LIMIT_DAYS)
    if decided and served and served < decided:
        errors.add("measure_served_at", "决定书送达时间不能早于决定时间")
    if decided and measure.applied_at and not measure.on_the_spot and decided < minute(measure.applied_at):
        errors.add("measure_decided_at", f"决定时间不能早于强制措施申请时间（{fmt(measure.applied_at)}）")
    if decided and starts is None:
        starts = local_day(decided)
    if decided and starts and starts < local_day(decided):
        errors.add("measure_starts_on", "起始日期不能早于决定日期")
    ends = deadline_after(starts, calendar_days=period) if starts and period and not errors.fields else None
    if ends and ends < timezone.localdate():
        errors.add("measure_period", f"按所填起始日期和期限，强制措施已于 {ends} 届满，请核对")
    errors.raise_if_any()
    before = audit.snapshot(measure)
    measure.decision_number, measure.decided_at, measure.served_at = number, decided, served
    measure.starts_on, measure.period_days, measure.ends_on = starts, period, ends
    _save(actor, measure, "cases.coercive.decide", before)
    if not measure.properties.exists():
        rows = _register_objects(actor, case, measure)
        measure.properties.add(*rows)
    return {}


def _write_during(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """强制措施期间处理: what was found, and a request for extension (once only, ≤ 30 more days, before the end)."""
    measure = _need(case)
    extend = data.get("extend") in _TRUE
    progress = text(data, "measure_progress")
    days = reason = None
    if extend:
        if measure.extended:
            errors.add(
                "extend",
                f"查封扣押期限已延长过一次（批准时间 {fmt(measure.extension_approved_at)}），不能再次延期"
                "（行政强制法第二十五条）；请选择解除或转入处罚程序",
            )
        elif measure.ends_on and timezone.localdate() > measure.ends_on:
            errors.add("extend", f"查封扣押期限已于 {measure.ends_on} 届满，不能再申请延期，应当解除")
        days = _period(data.get("extension_days"), errors, "extension_days", "延长期限", COERCIVE_EXTENSION_DAYS)
        reason = required_text(data, errors, "extension_reason", "延期理由（情况复杂的具体情形）", 2000)
    errors.raise_if_any()
    before = audit.snapshot(measure)
    if progress:
        measure.progress = progress
    if extend:
        assert reason is not None  # required above
        measure.extension_requested_at, measure.extension_days = timezone.now(), days
        measure.extension_reason, measure.extension_refused = reason, ""
    _save(actor, measure, "cases.coercive.during", before)
    return {}


def _write_extension(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """延期审批 approved: the approver, the time and the new end day (start + period + extension)."""
    measure = _need(case)
    if measure.extended:
        errors.add("__all__", "查封扣押期限已延长过一次，不能再次延期")
    elif not measure.extension_requested_at or not measure.extension_days:
        errors.add("__all__", "没有待审批的延期申请")
    elif measure.ends_on and timezone.localdate() > measure.ends_on:
        errors.add("__all__", f"查封扣押期限已于 {measure.ends_on} 届满，不能批准延期")
    errors.raise_if_any()
    before = audit.snapshot(measure)
    measure.extension_approved_at, measure.extension_approved_by = timezone.now(), actor
    assert measure.starts_on is not None and measure.period_days is not None and measure.extension_days is not None
    measure.ends_on = deadline_after(measure.starts_on, calendar_days=measure.period_days + measure.extension_days)
    _save(actor, measure, "cases.coercive.extend", before)
    measure.properties.filter(status__in=(PropertyStatus.SEIZED, PropertyStatus.SEALED)).update(
        custody_until=measure.ends_on
    )
    return {}


def _refuse_extension(actor: User, case: EnforcementCase, opinion: str) -> None:
    """延期审批 not approved: the request stands refused (a new one may be made while the period runs)."""
    measure = measure_of(case)
    if measure is None or not measure.extension_pending:
        return
    before = audit.snapshot(measure)
    measure.extension_refused = opinion or "不予批准"
    _save(actor, measure, "cases.coercive.extension_refused", before)


def _write_release(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """解除强制措施 (art. 27–28): when and why; the measure's held property is returned at once."""
    from . import property as properties

    measure = _need(case)
    released = as_datetime(data.get("release_at"), errors, "release_at", "解除时间")
    reason = required_text(data, errors, "release_reason", "解除理由", 2000)
    if released and measure.starts_on and local_day(released) < measure.starts_on:
        errors.add("release_at", f"解除时间不能早于强制措施起始日期（{measure.starts_on}）")
    elif released and measure.decided_at and released < minute(measure.decided_at):
        errors.add("release_at", f"解除时间不能早于决定时间（{fmt(measure.decided_at)}）")
    errors.raise_if_any()
    before = audit.snapshot(measure)
    measure.released_at, measure.release_reason = released, reason
    measure.result, measure.result_at = CoerciveResult.RELEASED, released
    _save(actor, measure, "cases.coercive.release", before)
    properties.settle_measure_properties(
        actor, measure.properties.all(), PropertyStatus.RETURNED, f"解除{measure.get_kind_display()}，返还当事人"
    )
    return {}


def _write_to_penalty(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> dict[str, Any]:
    """转入行政处罚: the measure ends in the penalty procedure (the property stays held for its decision), or the
    illegal property is confiscated under the law (art. 28) with its basis."""
    from . import property as properties

    measure = _need(case)
    result = text(data, "measure_result") or CoerciveResult.TO_PENALTY
    if result not in (CoerciveResult.TO_PENALTY, CoerciveResult.CONFISCATED):
        errors.add("measure_result", "处理结果无效，可选：转入行政处罚、依法没收")
    label = "没收依据（处罚决定书文号）" if result == CoerciveResult.CONFISCATED else "转入处罚的说明"
    note = required_text(data, errors, "result_note", label, 2000)
    errors.raise_if_any()
    before = audit.snapshot(measure)
    measure.result, measure.result_at, measure.result_note = result, timezone.now(), note
    _save(actor, measure, "cases.coercive.result", before)
    if result == CoerciveResult.CONFISCATED:
        properties.settle_measure_properties(actor, measure.properties.all(), PropertyStatus.CONFISCATED, note)
    else:
        from .derive import derive_penalty_case

        derive_penalty_case(actor, case, note, measure.properties.all())
    return {}


def _inspection_writers() -> dict[str, Any]:
    from . import inspection

    return inspection.WRITERS


WRITERS = {
    "Task_CoerciveApply": _write_apply,
    "Task_CoerciveApproval": _write_approval,
    "Task_CoerciveDecision": _write_decision,
    "Task_CoerciveDuring": _write_during,
    "Task_ExtensionApproval": _write_extension,
    "Task_CoerciveRelease": _write_release,
    "Task_ToPenalty": _write_to_penalty,
}
# Not approving a step also records something here (the refusal of an extension).
REFUSALS = {"Task_ExtensionApproval": _refuse_extension}


def handle_step(
    actor: User, instance: ProcessInstance, worktask: WorkTask, decision: str, data: dict[str, Any], opinion: str = ""
) -> dict[str, Any]:
    """The step handler of `case_coercive` and `case_inspection` (as `services.record.handle_step` is for the
    general procedure): writes the step's facts and checks its requirements inside `complete_task`'s
    transaction; returns the process variables for the engine."""
    from teis.workflow.choices import Decision

    from . import inspection
    from .record import FACT_FIELDS, PROCESS_VARIABLES, _case_of, check_step

    variables = {k: v for k, v in data.items() if k in PROCESS_VARIABLES or k not in FACT_FIELDS}
    case = _case_of(instance)
    if case is None:
        return variables
    step = worktask.spec_name
    with transaction.atomic():
        if decision != Decision.APPROVE:
            refusal = REFUSALS.get(step) or inspection.REFUSALS.get(step)
            if refusal is not None:
                refusal(actor, case, opinion)
            return variables
        writer = WRITERS.get(step) or inspection.WRITERS.get(step)
        if writer is not None:
            # the task's opinion is the reviewer's recorded opinion where a step records one (检查结果审核)
            variables.update(writer(actor, case, {**data, "_opinion": opinion}, Errors()) or {})
            case.refresh_from_db()
        check_step(case, step)
    return variables


# --- requirements (steps.CHECKS) --------------------------------------------------------------------------------


def check_applied(case: EnforcementCase) -> str | None:
    m = measure_of(case)
    return (
        None
        if m and m.kind and m.legal_basis and m.reason and m.place
        else "未登记强制措施申请（种类、依据、理由、地点）"
    )


def check_decided(case: EnforcementCase) -> str | None:
    m = measure_of(case)
    if m is None or not (m.decision_number and m.decided_at and m.served_at and m.starts_on and m.ends_on):
        return "未记录强制措施决定（文号、决定时间、送达时间、期限）"
    return None


def check_extension(case: EnforcementCase) -> str | None:
    m = measure_of(case)
    return None if m and m.extension_days and m.extension_reason else "未填写延长期限和延期理由"


def check_released(case: EnforcementCase) -> str | None:
    m = measure_of(case)
    if m is None or not (m.released_at and m.release_reason):
        return "未记录解除时间和解除理由"
    held = m.properties.filter(status__in=(PropertyStatus.SEIZED, PropertyStatus.SEALED, PropertyStatus.IN_CUSTODY))
    return f"尚有 {held.count()} 件查封扣押财物未退还" if held.exists() else None


def check_result(case: EnforcementCase) -> str | None:
    m = measure_of(case)
    return None if m and m.result and m.result_note else "未记录强制措施处理结果"


# --- reading ------------------------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def measure_payload(case: EnforcementCase) -> dict[str, Any] | None:
    """What the case API returns of the measure — what the city platform needs: 基本信息 (basic), 过程 (process)
    and 结果 (result), with display labels (people by name; no personal data of the party here)."""
    from teis.core.display import person_display

    m = CoerciveMeasure.objects.filter(case=case).select_related("applied_by", "approved_by").first()
    if m is None:
        return None
    return {
        "basic": {
            "kind": m.kind,
            "kind_display": m.get_kind_display(),
            "legal_basis": m.legal_basis,
            "reason": m.reason,
            "place": m.place,
            "objects": m.objects_list,
            "plate": m.plate,
            "on_the_spot": m.on_the_spot,
            "decision_number": m.decision_number,
            "applied_at": _iso(m.applied_at),
            "applied_by": person_display(m.applied_by),
            "approved_at": _iso(m.approved_at),
            "approved_by": person_display(m.approved_by),
        },
        "process": {
            "decided_at": _iso(m.decided_at),
            "served_at": _iso(m.served_at),
            "starts_on": _iso(m.starts_on),
            "period_days": m.period_days,
            "ends_on": _iso(m.ends_on),
            "progress": m.progress,
            "extended": m.extended,
            "extension_requested_at": _iso(m.extension_requested_at),
            "extension_days": m.extension_days,
            "extension_reason": m.extension_reason,
            "extension_approved_at": _iso(m.extension_approved_at),
            "extension_approved_by": person_display(m.extension_approved_by),
            "extension_refused": m.extension_refused,
            "properties": [
                {
                    "id": p.pk,
                    "description": p.description,
                    "plate": p.plate,
                    "status": p.status,
                    "status_display": p.get_status_display(),
                }
                for p in m.properties.order_by("pk")
            ],
        },
        "result": {
            "result": m.result,
            "result_display": m.get_result_display() if m.result else "",
            "result_at": _iso(m.result_at),
            "result_note": m.result_note,
            "released_at": _iso(m.released_at),
            "release_reason": m.release_reason,
        },
    }
