"""治超 (spec §2.5.1.18, §2.6.1.8): the statutory weight limits, the overload ratio, the 卸载 / 转运 record and
一超四罚 — from one overload case, the related objects (the vehicle, the driver, the transport operator, the
source loading site) each become their own pre-registered case or a 抄告 to the authority that has the power,
linked to the first case.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, fit

from ..choices import CaseStatus, FourPenaltyAction, FourPenaltyTarget, OverloadDisposal, PartyKind
from ..models import EnforcementCase, FourPenaltyLink, OverloadUnloading

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# GB 1589-2016 (汽车、挂车及汽车列车外廓尺寸、轴荷及质量限值), 车货总质量限值 by axle count, in kg — the one table
# the project uses. Three axles: 25 t for a three-axle truck; 27 t applies to some combinations (a two-axle
# tractor with a one-axle semi-trailer) and is entered as the limit by hand. Six axles and more: 49 t.
STATUTORY_LIMITS_KG: dict[int, int] = {2: 18_000, 3: 25_000, 4: 31_000, 5: 43_000, 6: 49_000}
THREE_AXLE_COMBINATION_KG = 27_000
MAX_AXLES_LIMIT = 49_000

FOUR_PENALTY_DEFAULT_ACTION: dict[str, str] = {
    FourPenaltyTarget.VEHICLE: FourPenaltyAction.COPY_REPORT,  # 抄告车籍地公安交管 (记分)
    FourPenaltyTarget.DRIVER: FourPenaltyAction.CASE,  # 从业资格 (道路运输从业人员管理规定)
    FourPenaltyTarget.OPERATOR: FourPenaltyAction.CASE,  # 道路运输企业 (公路安全保护条例 art. 68)
    FourPenaltyTarget.LOADING_SITE: FourPenaltyAction.CASE,  # 货运源头单位违法装载
}
DEFAULT_COPY_TO: dict[str, str] = {
    FourPenaltyTarget.VEHICLE: "车籍地公安机关交通管理部门",
    FourPenaltyTarget.DRIVER: "驾驶人从业资格证发证机关",
    FourPenaltyTarget.OPERATOR: "道路运输企业所在地道路运输管理机构",
    FourPenaltyTarget.LOADING_SITE: "货运源头所在地交通运输主管部门",
}


def statutory_limit_kg(axles: int | None) -> int | None:
    """The GB 1589-2016 gross-weight limit of a vehicle with `axles` axles (None below two axles)."""
    if not axles or axles < 2:
        return None
    return STATUTORY_LIMITS_KG.get(axles, MAX_AXLES_LIMIT)


def overload_ratio(gross_kg: int | None, limit_kg: int | None) -> Decimal | None:
    """超限率 (%) = (总重 − 限值) / 限值 × 100, two decimals, never negative; None without both figures."""
    if not gross_kg or not limit_kg:
        return None
    ratio = (Decimal(gross_kg) - Decimal(limit_kg)) * 100 / Decimal(limit_kg)
    return max(ratio, Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_overload_case(case: EnforcementCase) -> bool:
    return bool(case.overload_ratio and case.overload_ratio > 0)


# --- 卸载 / 转运 -------------------------------------------------------------------------------------------------


def do_record_unloading(actor: User, case: EnforcementCase, data: dict[str, Any]) -> OverloadUnloading:
    """卸载 / 转运记录 of an overload case: method, weight (at most the excess), place, time. Audited."""
    from .intake import check_can_handle

    errors: dict[str, list[str]] = {}
    method = (data.get("method") or "").strip()
    if method not in OverloadDisposal.values:
        errors["method"] = ["请选择卸载或转运"]
    try:
        unloaded: Any = data.get("unloaded_kg")
        kg = int(unloaded)
    except (TypeError, ValueError):
        kg = 0
    excess = (case.gross_weight_kg or 0) - (case.weight_limit_kg or 0)
    if not is_overload_case(case):
        errors["case"] = ["该案件没有超限称重数据，不能登记卸载转运"]
    elif kg <= 0:
        errors["unloaded_kg"] = ["卸载/转运重量应为正整数（千克）"]
    elif kg > (case.gross_weight_kg or 0):  # an overload case has its gross weight
        errors["unloaded_kg"] = ["卸载/转运重量不能超过车货总重"]
    place = (data.get("place") or "").strip()
    if not place:
        errors["place"] = ["请填写卸载/转运地点"]
    done_at = data.get("done_at") or timezone.now()
    if isinstance(done_at, dt.datetime) and (done_at > timezone.now() + dt.timedelta(minutes=10)):
        errors["done_at"] = ["完成时间不能晚于当前时间"]
    elif isinstance(done_at, dt.datetime) and done_at < case.discovered_at:
        errors["done_at"] = ["完成时间不能早于发现时间"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        check_can_handle(actor, case)
        record = OverloadUnloading.objects.create(
            case=case,
            method=method,
            unloaded_kg=kg,
            place=fit(OverloadUnloading, "place", place),
            done_at=done_at,
            receiver=fit(OverloadUnloading, "receiver", data.get("receiver") or "", strip=True),
            note=fit(OverloadUnloading, "note", data.get("note") or "", strip=True),
            created_by=actor,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            record,
            changes={"方式": [None, record.get_method_display()], "重量（千克）": [None, kg]},
            detail={"operation": "cases.record_unloading", "case": case.pk, "excess_kg": excess},
        )
    return record


# --- 一超四罚 ------------------------------------------------------------------------------------------------------


def four_penalty_defaults(case: EnforcementCase) -> dict[str, dict[str, Any]]:
    """What the case already says about each object (the vehicle and its driver from the case's vehicles, the
    operator from an organisation party), to pre-fill the form."""
    vehicle = case.vehicles.first()
    operator = case.parties.filter(kind=PartyKind.ORGANISATION).first()
    out = {}
    for target in FourPenaltyTarget.values:
        out[target] = {
            "action": FOUR_PENALTY_DEFAULT_ACTION[target],
            "copy_to": DEFAULT_COPY_TO[target],
            "subject_name": "",
            "identifier": "",
        }
    if vehicle is not None:
        out[FourPenaltyTarget.VEHICLE].update(subject_name=vehicle.plate, identifier=vehicle.plate)
        out[FourPenaltyTarget.DRIVER].update(subject_name=vehicle.driver_name, identifier=vehicle.driver_licence)
    if operator is not None:
        out[FourPenaltyTarget.OPERATOR].update(subject_name=operator.name, identifier=operator.credit_code)
    return out


def _check_targets(case: EnforcementCase, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    defaults = four_penalty_defaults(case)
    errors: dict[str, list[str]] = {}
    out = {}
    for target in FourPenaltyTarget.values:
        given = data.get(target) or {}
        if not isinstance(given, dict):
            errors[target] = ["格式错误"]
            continue
        row = {**defaults[target], **{k: str(v).strip() for k, v in given.items() if v not in (None, "")}}
        label = FourPenaltyTarget(target).label
        if row["action"] not in FourPenaltyAction.values:
            errors[f"{target}.action"] = [f"{label}：处理方式应为预登记案件或抄告"]
        if not row["subject_name"]:
            errors[f"{target}.subject_name"] = [f"请填写{label}的名称"]
        for name, limit in (("subject_name", 200), ("identifier", 60), ("copy_to", 100), ("note", 300)):
            if len(row.get(name) or "") > limit:  # refused, never cut
                errors[f"{target}.{name}"] = [f"{label}：不能超过 {limit} 个字（现为 {len(row[name])} 个字）"]
        if row["action"] == FourPenaltyAction.COPY_REPORT and not row["copy_to"]:
            errors[f"{target}.copy_to"] = [f"请填写{label}的抄告单位"]
        if target == FourPenaltyTarget.OPERATOR and row["action"] == FourPenaltyAction.CASE:
            from teis.core.validators import normalise_credit_code, validate_credit_code

            try:
                validate_credit_code(normalise_credit_code(row["identifier"]))
            except Exception:
                errors[f"{target}.identifier"] = ["道路运输企业立案须填写有效的统一社会信用代码"]
        out[target] = row
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    return out


def _related_case_data(case: EnforcementCase, target: str, row: dict[str, Any]) -> dict[str, Any]:
    label = FourPenaltyTarget(target).label
    source = case.case_code or f"案件{case.pk}"
    data: dict[str, Any] = {
        "title": f"一超四罚（{label}）：{row['subject_name']}"[:200],
        "procedure": "general",
        "source": "other",
        "business_line": case.business_line,
        "place": case.place,
        "discovered_at": case.discovered_at,
        "facts": (
            f"关联超限案件 {source}：{case.axles or '—'} 轴车辆，车货总重 {case.gross_weight_kg} 千克，"
            f"限值 {case.weight_limit_kg} 千克，超限率 {case.overload_ratio}%。"
            f"对{label}“{row['subject_name']}”依法处理。"
        ),
        "parties": [],
        "vehicles": [],
    }
    if target == FourPenaltyTarget.OPERATOR:
        data["parties"] = [
            {"kind": PartyKind.ORGANISATION, "name": row["subject_name"], "credit_code": row["identifier"]}
        ]
    elif target in (FourPenaltyTarget.DRIVER, FourPenaltyTarget.LOADING_SITE):
        kind = PartyKind.PERSON if target == FourPenaltyTarget.DRIVER else PartyKind.ORGANISATION
        party = {"kind": kind, "name": row["subject_name"]}
        if kind == PartyKind.ORGANISATION:
            party["credit_code"] = row.get("credit_code", "")
        data["parties"] = [party] if kind == PartyKind.PERSON or party["credit_code"] else []
    if target in (FourPenaltyTarget.VEHICLE, FourPenaltyTarget.DRIVER):
        vehicle = case.vehicles.first()
        if vehicle is not None:
            data["vehicles"] = [{"plate": vehicle.plate, "driver_name": vehicle.driver_name}]
    return data


def do_generate_four_penalties(
    actor: User, case: EnforcementCase, data: dict[str, Any] | None = None
) -> list[FourPenaltyLink]:
    """一超四罚: for each of the four objects, a pre-registered case (its own process started) or a 抄告 record,
    linked to the overload case. Once per case. One transaction (the related cases included); audited."""
    from .intake import check_can_handle, do_pre_register

    if not is_overload_case(case):
        raise ServiceError("not_overload", "该案件不是超限案件（无超限率），不能生成一超四罚")
    if case.status in (CaseStatus.NOT_FILED,):
        raise ServiceError("invalid", f"案件当前状态为“{case.get_status_display()}”，不能生成一超四罚")
    if case.four_penalty_links.exists():
        raise ServiceError("already_generated", "该案件已生成一超四罚对象")
    rows = _check_targets(case, data or {})
    with transaction.atomic():
        case = (
            EnforcementCase.objects.select_for_update(of=("self",))
            .select_related("unit", "business_line")
            .get(pk=case.pk)
        )
        check_can_handle(actor, case)
        if case.four_penalty_links.exists():
            raise ServiceError("already_generated", "该案件已生成一超四罚对象")
        links = []
        for target, row in rows.items():
            related = None
            if row["action"] == FourPenaltyAction.CASE:
                related = do_pre_register(actor, _related_case_data(case, target, row))
            links.append(
                FourPenaltyLink.objects.create(
                    source_case=case,
                    target=target,
                    subject_name=row["subject_name"],
                    identifier=row["identifier"],
                    action=row["action"],
                    related_case=related,
                    copy_to=row["copy_to"] if row["action"] == FourPenaltyAction.COPY_REPORT else "",
                    note=row.get("note") or "",
                    generated_by=actor,
                    created_by=actor,
                )
            )
        audit.record(
            actor,
            AuditAction.UPDATE,
            case,
            changes={
                "一超四罚": [None, "；".join(f"{x.get_target_display()}：{x.get_action_display()}" for x in links)]
            },
            detail={"operation": "cases.generate_four_penalties", "related": [x.related_case_id for x in links]},
        )
    return links
