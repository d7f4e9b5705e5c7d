"""Plans, the frozen candidate lists, the committed seed, the draw and its publication.

Flow: a plan (草拟) is frozen — candidate lists and rules stored with their SM3 and a fresh seed committed by
its SM3 (名单已冻结); the draw runs `draw.run_draw` on exactly those inputs, writes one task per drawn object
and reveals the seed (已抽取); publication (已公示) opens the result to the public export. Feasibility is
checked before freezing and again before drawing; a refused draw writes nothing."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.db.models import Model
from django.http import Http404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto, outbox
from teis.core.codes import next_value
from teis.core.services import GenericService, ServiceError

from .. import draw as drawing
from ..choices import CreditRating, ObjectStatus, PlanLevel, PlanStatus, RiskLevel, WeightAttribute
from ..models import DrawRecord, InspectionObject, InspectionPlan, Inspector, district_choices

if TYPE_CHECKING:
    from django.db.models import QuerySet

CITY_PLATFORM = "city_platform"
WEIGHT_CLASSES: dict[str, Any] = {
    WeightAttribute.RISK: set(RiskLevel.values),
    WeightAttribute.CREDIT: set(CreditRating.values),
}


def check_plan_rules(data: dict[str, Any]) -> None:
    """The rules of a plan, before it is saved: one of count / proportion, valid classes and weights."""
    errors: dict[str, list[str]] = {}
    count, percent = data.get("draw_count"), data.get("draw_percent")
    if (count in (None, "")) == (percent in (None, "")):
        errors["draw_count"] = ["抽取数量和抽取比例须且只须填写一项"]
    elif count is not None and int(count) < 1:
        errors["draw_count"] = ["抽取数量至少为 1"]
    elif percent is not None and not Decimal(0) < Decimal(str(percent)) <= Decimal(100):
        errors["draw_percent"] = ["抽取比例应大于 0 且不超过 100"]
    valid_districts = {c for c, _ in district_choices()}
    for name, valid, label in (
        ("districts", valid_districts, "抽查区域"),
        ("credit_ratings", set(CreditRating.values), "信用等级范围"),
        ("risk_levels", set(RiskLevel.values), "风险等级范围"),
    ):
        value = data.get(name) or []
        if not isinstance(value, list) or any(v not in valid for v in value):
            errors[name] = [f"{label}含有无效的值"]
    attribute: str = data.get("weight_attribute") or ""
    weights = data.get("class_weights") or {}
    if not isinstance(weights, dict):
        errors["class_weights"] = ["分类权重应为 {类别: 权重} 形式"]
    elif weights:
        allowed = WEIGHT_CLASSES.get(attribute)
        if allowed is None:
            errors["class_weights"] = ["设置分类权重时须选择分类加权方式"]
        elif set(weights) - allowed:
            errors["class_weights"] = [f"分类权重的类别应为：{'、'.join(sorted(allowed))}"]
        elif any(
            not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= drawing.MAX_WEIGHT for w in weights.values()
        ):
            errors["class_weights"] = [f"分类权重须为 1–{drawing.MAX_WEIGHT} 的整数"]
    k = data.get("inspectors_per_object")
    if k is not None and int(k) < 2:
        errors["inspectors_per_object"] = ["每个检查对象至少须抽取 2 名检查人员"]
    if errors:
        raise ServiceError(
            "invalid_rules", "抽查规则有误：" + "；".join(m for ms in errors.values() for m in ms), errors
        )


class PlanService(GenericService):
    """Plans: rules checked; numbered SJ<year><serial>; only drafts may be changed or deleted."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> Model:
        check_plan_rules(data)
        with transaction.atomic():
            year = int(data.get("year") or timezone.localdate().year)
            plan = cast(
                InspectionPlan,
                super().do_create(
                    actor, model, {**data, "code": f"SJ{year}{next_value(f'inspection_plan:{year}'):04d}"}
                ),
            )
            outbox.enqueue(CITY_PLATFORM, "random_inspection.plan", "create", plan.code, plan_payload(plan))
        return plan

    def do_update(self, actor: Any, obj: Model, data: dict[str, Any]) -> Model:
        if cast(InspectionPlan, obj).status != PlanStatus.DRAFT:
            raise ServiceError("plan_locked", "名单冻结后不能修改抽查计划。")
        merged = {
            f: getattr(obj, f)
            for f in (
                "draw_count",
                "draw_percent",
                "districts",
                "credit_ratings",
                "risk_levels",
                "weight_attribute",
                "class_weights",
            )
        }
        check_plan_rules({**merged, **data})
        return super().do_update(actor, obj, data)

    def do_delete(self, actor: Any, obj: Model) -> None:
        if cast(InspectionPlan, obj).status != PlanStatus.DRAFT:
            raise ServiceError("plan_locked", "名单冻结后不能删除抽查计划。")
        super().do_delete(actor, obj)


def plan_payload(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "name": plan.name,
        "level": plan.level,
        "unit": plan.unit.name,
        "year": plan.year,
        "status": plan.status,
    }


def access_plan(user: Any, pk: int, *, for_update: bool = False) -> InspectionPlan:
    qs = InspectionPlan.objects.for_user(user).select_related("unit")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    plan = qs.filter(pk=pk).first()
    if plan is None:
        # outside the scope is a 404 everywhere, page and API alike (rule 4)
        raise Http404("抽查计划不存在或不在您的数据权限范围内。")
    return plan


def _check_draw_permission(actor: Any) -> None:
    if not actor.has_perm("inspections.draw_inspectionplan"):
        raise ServiceError("forbidden", "没有执行双随机抽取的权限。")


# --- candidate lists ------------------------------------------------------------------------------------------


def plan_rules(plan: InspectionPlan) -> dict[str, Any]:
    return {
        "count": plan.draw_count,
        "percent": None if plan.draw_percent is None else f"{Decimal(plan.draw_percent):.2f}",
        "weight_attribute": plan.weight_attribute or "",
        "class_weights": {k: int(v) for k, v in sorted((plan.class_weights or {}).items())},
        "inspectors_per_object": plan.inspectors_per_object,
    }


def candidate_objects(plan: InspectionPlan, today: dt.date | None = None) -> QuerySet[InspectionObject]:
    today = today or timezone.localdate()
    qs = InspectionObject.objects.exclude(status__in=[ObjectStatus.CANCELLED, ObjectStatus.SUSPENDED])
    if plan.level == PlanLevel.DISTRICT:
        qs = qs.filter(unit__path__startswith=plan.unit.path)
    industries = list(plan.industries.values_list("pk", flat=True))
    if industries:
        qs = qs.filter(industry__in=industries)
    if plan.districts:
        qs = qs.filter(district__in=plan.districts)
    if plan.credit_ratings:
        qs = qs.filter(credit_rating__in=plan.credit_ratings)
    if plan.risk_levels:
        qs = qs.filter(risk_level__in=plan.risk_levels)
    if plan.exclude_investigating:
        qs = qs.exclude(status=ObjectStatus.INVESTIGATING)
    if plan.exclude_inspected_months:
        month = today.month - plan.exclude_inspected_months
        year = today.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        cutoff = dt.date(year, month, min(today.day, 28))
        qs = qs.exclude(last_inspected_on__gte=cutoff)
    return qs.order_by("credit_code")


def candidate_inspectors(plan: InspectionPlan, today: dt.date | None = None) -> QuerySet[Inspector]:
    from django.db.models import Q

    from teis.org.choices import OfficerStatus

    today = today or timezone.localdate()
    qs = Inspector.objects.filter(is_available=True, officer__status=OfficerStatus.ACTIVE).exclude(
        officer__certificate_number=""
    )
    qs = qs.filter(Q(officer__certificate_valid_until__isnull=True) | Q(officer__certificate_valid_until__gte=today))
    if plan.level == PlanLevel.DISTRICT:
        qs = qs.filter(officer__unit__path__startswith=plan.unit.path)
    return qs.order_by("pk")


def build_candidates(plan: InspectionPlan) -> dict[str, Any]:
    from ..models import DeclaredRelation

    objects = [
        [pk, code, name, industry, district, risk, credit]
        for pk, code, name, industry, district, risk, credit in candidate_objects(plan).values_list(
            "pk", "credit_code", "name", "industry__code", "district", "risk_level", "credit_rating"
        )
    ]
    inspectors_qs = candidate_inspectors(plan)
    industries: dict[int, list[str]] = {}
    for ins_id, code in Inspector.industries.through.objects.filter(inspector__in=inspectors_qs).values_list(
        "inspector_id", "dictionaryitem__code"
    ):
        industries.setdefault(ins_id, []).append(code)
    inspectors = [
        [pk, name, unit_id, district, sorted(industries.get(pk, []))]
        for pk, name, unit_id, district in inspectors_qs.values_list(
            "pk", "officer__name", "officer__unit_id", "district"
        )
    ]
    object_ids = {o[0] for o in objects}
    inspector_ids = {i[0] for i in inspectors}
    relations = sorted(
        [i, o]
        for i, o in DeclaredRelation.objects.values_list("inspector_id", "inspection_object_id")
        if i in inspector_ids and o in object_ids
    )
    return {"version": 1, "objects": objects, "inspectors": inspectors, "relations": relations}


def _infeasible(exc: drawing.DrawInfeasible) -> ServiceError:
    return ServiceError(
        "infeasible", "抽查计划的条件无法满足，未执行抽取：" + "；".join(exc.problems), {"plan": exc.problems}
    )


def preview(plan: InspectionPlan) -> dict[str, Any]:
    """Counts for the plan page before freezing: candidates and whether the rules can be met."""
    candidates = build_candidates(plan)
    rules = plan_rules(plan)
    problems: list[str] = []
    try:
        drawing.check_feasible(candidates, rules)
    except drawing.DrawInfeasible as exc:
        problems = exc.problems
    return {
        "objects": len(candidates["objects"]),
        "inspectors": len(candidates["inspectors"]),
        "relations": len(candidates["relations"]),
        "draw_size": drawing.draw_size(rules, len(candidates["objects"])),
        "problems": problems,
    }


# --- freeze, draw, publish ------------------------------------------------------------------------------------


def do_freeze(actor: Any, plan: InspectionPlan) -> DrawRecord:
    """Freeze the candidate lists and rules (stored with their SM3) and commit to a fresh 32-byte seed by its
    SM3; the seed is stored SM4-encrypted and shown to nobody until the draw. Refused when infeasible.
    One transaction; audited; queued for the city platform."""
    _check_draw_permission(actor)
    with transaction.atomic():
        plan = access_plan(actor, plan.pk, for_update=True)
        if plan.status != PlanStatus.DRAFT:
            raise ServiceError("bad_status", f"计划当前为“{plan.get_status_display()}”，不能冻结名单。")
        candidates = build_candidates(plan)
        rules = plan_rules(plan)
        try:
            drawing.check_feasible(candidates, rules)
        except drawing.DrawInfeasible as exc:
            raise _infeasible(exc) from exc
        seed = secrets.token_bytes(32)
        record = DrawRecord.objects.create(
            plan=plan,
            seed_commitment=drawing.commitment(seed),
            sealed_seed=crypto.sm4_encrypt(seed.hex()),
            candidates=candidates,
            candidates_sm3=crypto.sm3_hex(drawing.canonical_bytes(candidates)),
            rules=rules,
            rules_sm3=crypto.sm3_hex(drawing.canonical_bytes(rules)),
            frozen_at=timezone.now(),
            frozen_by=actor,
        )
        plan.status = PlanStatus.FROZEN
        plan.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            plan,
            changes={"状态": [PlanStatus.DRAFT.label, PlanStatus.FROZEN.label]},
            detail={
                "operation": "inspections.freeze",
                "seed_commitment": record.seed_commitment,
                "candidates_sm3": record.candidates_sm3,
                "rules_sm3": record.rules_sm3,
                "objects": len(candidates["objects"]),
                "inspectors": len(candidates["inspectors"]),
            },
        )
        outbox.enqueue(
            CITY_PLATFORM,
            "random_inspection.draw",
            "create",
            plan.code,
            {**plan_payload(plan), "seed_commitment": record.seed_commitment, "candidates_sm3": record.candidates_sm3},
        )
    return record


def do_draw(actor: Any, plan: InspectionPlan) -> Any:
    """Run the draw on the frozen inputs, create one task per drawn object (inspectors, deadline in working
    days, bound check items, todo to each inspector) and reveal the seed. All or nothing."""
    from .indicators import refresh_plan
    from .tasks import create_tasks

    _check_draw_permission(actor)
    with transaction.atomic():
        plan = access_plan(actor, plan.pk, for_update=True)
        if plan.status != PlanStatus.FROZEN:
            raise ServiceError("bad_status", f"计划当前为“{plan.get_status_display()}”，不能执行抽取。")
        record = DrawRecord.objects.select_for_update().get(plan=plan)
        if crypto.sm3_hex(drawing.canonical_bytes(record.candidates)) != record.candidates_sm3:
            raise ServiceError("tampered", "冻结名单与其 SM3 不符，拒绝抽取。")
        seed = bytes.fromhex(crypto.sm4_decrypt(record.sealed_seed))
        if drawing.commitment(seed) != record.seed_commitment:
            raise ServiceError("tampered", "随机种子与承诺值不符，拒绝抽取。")
        try:
            result = drawing.run_draw(seed, record.candidates, record.rules)
        except drawing.DrawInfeasible as exc:
            raise _infeasible(exc) from exc
        tasks = create_tasks(actor, plan, record, result)
        refresh_plan(plan)
        record.result = result
        record.result_sm3 = crypto.sm3_hex(drawing.canonical_bytes(result))
        record.seed_hex = seed.hex()
        record.drawn_at = timezone.now()
        record.drawn_by = actor
        record.save()
        plan.status = PlanStatus.DRAWN
        plan.save(update_fields=["status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            plan,
            changes={"状态": [PlanStatus.FROZEN.label, PlanStatus.DRAWN.label]},
            detail={
                "operation": "inspections.draw",
                "seed": record.seed_hex,
                "result_sm3": record.result_sm3,
                "tasks": len(tasks),
            },
        )
        outbox.enqueue(
            CITY_PLATFORM,
            "random_inspection.draw",
            "update",
            plan.code,
            {**plan_payload(plan), "seed": record.seed_hex, "result_sm3": record.result_sm3, "result": result},
        )
    return tasks


def do_publish(actor: Any, plan: InspectionPlan) -> InspectionPlan:
    """公示: the drawn result becomes public (the export now, the public portal later); the open tasks go into
    the editable duty plans of their units for the days of their window (`duty.push_published`)."""
    _check_draw_permission(actor)
    with transaction.atomic():
        plan = access_plan(actor, plan.pk, for_update=True)
        if plan.status != PlanStatus.DRAWN:
            raise ServiceError("bad_status", "只有已抽取的计划可以公示。")
        from .duty import push_published

        DrawRecord.objects.filter(plan=plan).update(published_at=timezone.now())
        plan.status = PlanStatus.PUBLISHED
        plan.save(update_fields=["status", "updated_at"])
        duty_tasks_created = push_published(actor, plan)
        setattr(plan, "duty_tasks_created", duty_tasks_created)  # noqa: B010 (for the caller's message; not a field)
        audit.record(
            actor,
            AuditAction.UPDATE,
            plan,
            changes={"状态": [PlanStatus.DRAWN.label, PlanStatus.PUBLISHED.label]},
            detail={"operation": "inspections.publish", "duty_tasks": duty_tasks_created},
        )
        outbox.enqueue(CITY_PLATFORM, "random_inspection.publication", "create", plan.code, plan_payload(plan))
    return plan


# --- verification and publication -----------------------------------------------------------------------------


def verify_draw(plan: InspectionPlan) -> tuple[bool, list[str]]:
    """Re-run the draw from the published inputs (revealed seed, frozen lists, rules) and compare with the
    stored result and the tasks. Returns (identical, report lines)."""
    lines: list[str] = []
    record = DrawRecord.objects.filter(plan=plan).first()
    if record is None or not record.seed_hex or record.result is None:
        return False, ["该计划尚未抽取，没有可核验的结果。"]
    ok = True

    def check(condition: bool, good: str, bad: str) -> None:
        nonlocal ok
        ok = ok and condition
        lines.append(("✔ " + good) if condition else ("✘ " + bad))

    seed = bytes.fromhex(record.seed_hex)
    check(drawing.commitment(seed) == record.seed_commitment, "种子与抽取前公布的 SM3 承诺值一致", "种子与承诺值不一致")
    check(
        crypto.sm3_hex(drawing.canonical_bytes(record.candidates)) == record.candidates_sm3,
        f"冻结候选名单 SM3 一致（{record.candidates_sm3}）",
        "冻结候选名单与其 SM3 不一致",
    )
    check(
        crypto.sm3_hex(drawing.canonical_bytes(record.rules)) == record.rules_sm3,
        "抽取规则 SM3 一致",
        "抽取规则与其 SM3 不一致",
    )
    rerun = drawing.run_draw(seed, record.candidates, record.rules)
    check(
        rerun == record.result,
        f"重新抽取结果与公示结果完全一致（{len(rerun['objects'])} 个对象）",
        "重新抽取结果与公示结果不一致",
    )
    check(
        crypto.sm3_hex(drawing.canonical_bytes(rerun)) == record.result_sm3,
        f"结果 SM3 一致（{record.result_sm3}）",
        "结果 SM3 不一致",
    )
    stored = {
        t.inspection_object_id: sorted(i.pk for i in t.inspectors.all())
        for t in plan.tasks.prefetch_related("inspectors")
    }
    expected = {o: sorted(ins) for o, ins in rerun["assignments"]}
    check(stored == expected, "检查任务与抽取结果一致", "检查任务与抽取结果不一致")
    broken = drawing.violations(record.candidates, record.rules, rerun)
    check(not broken, "全部约束满足（区域、行业、利害关系、人数）", "约束被违反：" + "；".join(broken[:5]))
    return ok, lines


def publication_xlsx(plan: InspectionPlan) -> bytes:
    """公示表: the drawn objects with their inspectors, and the draw's verification data."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    record = plan.draw
    wb = Workbook()
    ws = wb.active
    ws.title = "抽查结果公示"
    ws.append([f"{plan.name}（{plan.code}）双随机抽查结果公示"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["序号", "检查对象", "统一社会信用代码", "所属区", "检查人员", "执法证号", "完成期限"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    districts = dict(district_choices())
    tasks = {
        t.inspection_object_id: t
        for t in plan.tasks.select_related("inspection_object").prefetch_related("inspectors__officer")
    }
    for n, object_id in enumerate(cast("dict[str, Any]", record.result)["objects"], start=1):
        t = tasks[object_id]
        officers = [i.officer for i in sorted(t.inspectors.all(), key=lambda i: i.pk)]
        ws.append(
            [
                n,
                t.inspection_object.name,
                t.inspection_object.credit_code,
                districts.get(t.inspection_object.district, t.inspection_object.district),
                "、".join(o.name for o in officers),
                "、".join(o.certificate_number for o in officers),
                t.deadline.isoformat(),
            ]
        )
    meta = wb.create_sheet("抽取核验信息")
    for row in (
        ("随机种子承诺值(SM3)", record.seed_commitment),
        ("随机种子", record.seed_hex),
        ("候选名单 SM3", record.candidates_sm3),
        ("抽取规则 SM3", record.rules_sm3),
        ("抽取结果 SM3", record.result_sm3),
        ("候选对象数", len(record.candidates["objects"])),
        ("候选检查人员数", len(record.candidates["inspectors"])),
        ("冻结时间", timezone.localtime(record.frozen_at).strftime("%Y-%m-%d %H:%M:%S")),
        ("抽取时间", timezone.localtime(record.drawn_at).strftime("%Y-%m-%d %H:%M:%S") if record.drawn_at else ""),
        ("核验方法", "manage.py inspections_verify_draw " + plan.code),
        ("核验步骤1", "计算 SM3(随机种子的 32 字节)，应等于抽取前公布的随机种子承诺值"),
        ("核验步骤2", "冻结候选名单、抽取规则按规范序列化（键排序、无空格、UTF-8）后的 SM3 应等于上列 SM3"),
        ("核验步骤3", "以种子、冻结名单和规则重新运行抽取（确定性算法 teis-draw-v1），结果 SM3 应等于抽取结果 SM3"),
    ):
        meta.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
