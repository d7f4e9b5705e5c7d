"""评议考核 (spec §2.5.2.1): the annual evaluation of units, officers and case files.

A batch (year, indicators with their weights, the objects) is prepared by the legal department (准备中): the
indicators (weights summing to 100), the units and officers evaluated, and the case files — drawn at random or
chosen, through the cases app's sampling (`cases.services.sampling.do_draw_sample`: the same eligibility, seed and
audit; each drawn `CaseReview` becomes one object here, and its score is kept in step). Started (评分中), reviewers
score each object online, indicator by indicator (0 ≤ score ≤ the weight); the evaluated units submit their
materials; published (已发布) once every object is scored, the results go to the units, who may give feedback.
Every write is one transaction and audited."""

from __future__ import annotations

import json
import os
import uuid
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import Avg, Count, Max, Min, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto, notify
from teis.core.files import sniff, upload_errors
from teis.core.services import ServiceError, StatefulService, fit
from teis.core.storage import get_storage

from ..choices import EvaluationStatus, TargetKind
from ..models import (
    EvaluationBatch,
    EvaluationIndicator,
    EvaluationMaterial,
    EvaluationScore,
    EvaluationTarget,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet
    from django.db.models.functions import Coalesce

    from teis.org.models import Officer, Unit

MANAGE = "analytics.change_evaluationbatch"
SCORE = "analytics.score_evaluationtarget"
MATERIAL = "analytics.add_evaluationmaterial"
FEEDBACK = "analytics.feedback_evaluationtarget"
TOTAL_WEIGHT = 100
MAX_MATERIALS = 10
MAX_MATERIAL_MB = 20


class BatchService(StatefulService):
    """The generic form writes a batch's name, year and description while it is being prepared; the organising
    unit is the organiser's corps (the root of their unit)."""

    editable_states = (EvaluationStatus.DRAFT,)
    deletable_states = (EvaluationStatus.DRAFT,)

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        unit = organiser_unit(actor)
        if unit is None:
            raise ServiceError("no_corps", "没有执法总队单位，不能创建评议考核批次。")
        with transaction.atomic():
            return _create(actor, data, unit)


def organiser_unit(actor: User | None) -> Unit | None:
    from teis.org.models import Unit

    officer = getattr(actor, "officer", None) if actor is not None else None
    corps = Unit.objects.filter(unit_type="corps", is_active=True).order_by("path")
    if officer is not None:
        mine = [u for u in corps if officer.unit.path.startswith(u.path)]
        if mine:
            return mine[-1]
    return corps.first()


def _create(actor: User, data: dict[str, Any], unit: Unit) -> EvaluationBatch:
    year = data.get("year")
    if not year or not 2000 <= int(year) <= 2100:
        raise ServiceError("invalid_year", "考核年度无效。", {"year": ["考核年度无效"]})
    batch = EvaluationBatch(
        name=(data.get("name") or "").strip(),
        year=int(year),
        description=(data.get("description") or "").strip(),
        unit=unit,
        created_by=actor,
    )
    batch.full_clean()
    batch.save()
    audit.record(actor, AuditAction.CREATE, batch, changes={k: [None, v] for k, v in audit.snapshot(batch).items()})
    return batch


def _state(batch: EvaluationBatch, *allowed: str, doing: str) -> None:
    if batch.status not in allowed:
        raise ServiceError("bad_state", f"“{batch}”当前状态为“{batch.get_status_display()}”，不能{doing}。")


def _lock(batch: EvaluationBatch) -> EvaluationBatch:
    return EvaluationBatch.objects.select_for_update().get(pk=batch.pk)


# --- preparation ----------------------------------------------------------------------------------------------


def do_add_indicator(
    actor: User, batch: EvaluationBatch, *, name: str, weight: int, description: str = ""
) -> EvaluationBatch:
    name = (name or "").strip()
    if not name:
        raise ServiceError("invalid_indicator", "请填写指标名称。", {"name": ["请填写指标名称"]})
    try:
        weight = int(weight)
    except (TypeError, ValueError):
        weight = 0
    if weight < 1:
        raise ServiceError("invalid_weight", "指标分值应为正整数。", {"weight": ["应为正整数"]})
    with transaction.atomic():
        batch = _lock(batch)
        _state(batch, EvaluationStatus.DRAFT, doing="添加考核指标")
        used = sum(batch.indicators.values_list("weight", flat=True))
        if used + weight > TOTAL_WEIGHT:
            message = f"指标分值合计不能超过 {TOTAL_WEIGHT} 分（已有 {used} 分，本项 {weight} 分）。"
            raise ServiceError("weight_over", message, {"weight": [message]})
        if batch.indicators.filter(name=name).exists():
            raise ServiceError("duplicate", f"指标“{name}”已存在。", {"name": ["指标名称重复"]})
        ind = EvaluationIndicator.objects.create(
            batch=batch,
            name=name,
            weight=weight,
            description=(description or "").strip(),
            order=batch.indicators.count(),
        )
        audit.record(actor, AuditAction.UPDATE, batch, changes={"考核指标": [None, str(ind)]})
    return batch


def do_add_object(
    actor: User, batch: EvaluationBatch, *, kind: str, unit: Unit | None = None, officer: Officer | None = None
) -> EvaluationBatch:
    """Add a unit or an officer as an object of the batch (case files come from `do_draw_cases`)."""
    if kind == TargetKind.UNIT:
        if unit is None:
            raise ServiceError("invalid_object", "请选择被考核单位。", {"unit": ["请选择单位"]})
        where: dict[str, Any] = {"unit": unit, "officer": None}
    elif kind == TargetKind.OFFICER:
        if officer is None:
            raise ServiceError("invalid_object", "请选择被考核的执法人员。", {"officer": ["请选择执法人员"]})
        unit = officer.unit
        where = {"officer": officer}
    else:
        raise ServiceError(
            "invalid_object", "对象类型应为单位或执法人员（案卷请通过抽取添加）。", {"kind": ["类型无效"]}
        )
    if not unit.path.startswith(batch.unit.path):
        raise ServiceError("invalid_object", f"“{unit.name}”不属于“{batch.unit.name}”，不能作为本批次的考核对象。")
    with transaction.atomic():
        batch = _lock(batch)
        _state(batch, EvaluationStatus.DRAFT, doing="添加考核对象")
        if batch.targets.filter(kind=kind, **where).exists():
            raise ServiceError("duplicate", "该对象已在本批次中。")
        target = EvaluationTarget.objects.create(batch=batch, kind=kind, unit=unit, officer=officer, created_by=actor)
        audit.record(actor, AuditAction.UPDATE, batch, changes={"考核对象": [None, str(target)]})
    return batch


def parse_case_refs(text: str) -> list[int]:
    """Case ids from a list of 统一案件编码 (or, for a case not yet coded, its number in the system) separated by
    commas, spaces or new lines; an unknown reference is refused. Eligibility is the sampling's to check."""
    from teis.cases.models import EnforcementCase

    tokens = [t.strip() for t in (text or "").replace("，", ",").replace("\n", ",").replace(" ", ",").split(",")]
    tokens = [t for t in tokens if t]
    by_code = dict(EnforcementCase._base_manager.filter(case_code__in=tokens).values_list("case_code", "pk"))
    ids, missing = [], []
    for t in tokens:
        if t in by_code:
            ids.append(by_code[t])
        elif t.isdigit() and len(t) < 12:
            ids.append(int(t))
        else:
            missing.append(t)
    if missing:
        message = "统一案件编码不存在：" + "、".join(missing[:5])
        raise ServiceError("invalid_choice", message, {"cases": [message]})
    return ids


def do_draw_cases(
    actor: User,
    batch: EvaluationBatch,
    *,
    mode: str,
    size: int | None = None,
    seed: Any = None,
    cases: str = "",
    unit: Unit | None = None,
) -> EvaluationBatch:
    """案卷抽查 for the batch through the cases app's sampling: `random` (size, seed) or `chosen` (the listed
    案件编号). Each drawn review becomes an object of the batch."""
    from teis.cases.services import sampling

    if not actor.has_perm(sampling.PERMISSION):
        raise ServiceError("no_permission", "您没有案件抽查权限，不能抽取案卷。")
    if mode == "random":
        if not size:
            raise ServiceError("invalid_sample", "随机抽取须填写抽取数量。", {"size": ["请填写抽取数量"]})
        kwargs = {"size": int(size), "seed": seed}
    elif mode == "chosen":
        kwargs = {"case_ids": parse_case_refs(cases)}
    else:
        raise ServiceError("invalid_sample", "抽取方式无效。", {"mode": ["抽取方式无效"]})
    unit = unit or batch.unit
    with transaction.atomic():
        batch = _lock(batch)
        _state(batch, EvaluationStatus.DRAFT, doing="抽取案卷")
        result = sampling.do_draw_sample(actor, unit=unit, purpose=f"评议考核：{batch.name}", **kwargs)
        present = set(batch.targets.filter(kind=TargetKind.CASE).values_list("case_id", flat=True))
        reviews = [r for r in result.reviews if r.case_id not in present]
        from teis.cases.models import CaseReview

        units = dict(CaseReview.objects.filter(pk__in=[r.pk for r in reviews]).values_list("pk", "case__unit_id"))
        EvaluationTarget.objects.bulk_create(
            [
                EvaluationTarget(
                    batch=batch,
                    kind=TargetKind.CASE,
                    unit_id=units[r.pk],
                    case_id=r.case_id,
                    review=r,
                    created_by=actor,
                )
                for r in reviews
            ]
        )
        batch.sample_batches = [*batch.sample_batches, result.batch]
        batch.save(update_fields=["sample_batches", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            batch,
            changes={"案卷抽查": [None, f"{result.batch}（{len(reviews)} 件）"]},
            detail={"sample_batch": result.batch, "seed": result.seed, "mode": mode},
        )
    return batch


def do_start(actor: User, batch: EvaluationBatch) -> EvaluationBatch:
    with transaction.atomic():
        batch = _lock(batch)
        _state(batch, EvaluationStatus.DRAFT, doing="开始评分")
        weight = sum(batch.indicators.values_list("weight", flat=True))
        if weight != TOTAL_WEIGHT:
            raise ServiceError("weights", f"指标分值合计应为 {TOTAL_WEIGHT} 分（当前 {weight} 分），不能开始评分。")
        if not batch.targets.exists():
            raise ServiceError("no_objects", "本批次还没有考核对象，不能开始评分。")
        before = audit.snapshot(batch)
        batch.status = EvaluationStatus.SCORING
        batch.save(update_fields=["status", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, batch, changes=audit.diff(before, audit.snapshot(batch)))
    return batch


# --- scoring ---------------------------------------------------------------------------------------------------


def parse_scores(raw: Any) -> dict[int, str]:
    """`{"<indicator id>": score, …}` from JSON text or a mapping."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw or "{}")
        except ValueError:
            raise ServiceError(
                "invalid_scores", "评分格式有误。", {"scores": ["应为 {指标编号: 分数} 的 JSON"]}
            ) from None
    if not isinstance(raw, dict):
        raise ServiceError("invalid_scores", "评分格式有误。", {"scores": ["应为 {指标编号: 分数} 的 JSON"]})
    out = {}
    for k, v in raw.items():
        try:
            out[int(k)] = v
        except (TypeError, ValueError):
            raise ServiceError("invalid_scores", f"指标编号“{k}”无效。", {"scores": ["指标编号无效"]}) from None
    return out


def do_score(actor: User, target: EvaluationTarget, *, scores: Any, comments: str = "") -> EvaluationTarget:
    """Score one object on every indicator of its batch: each score a number from 0 to the indicator's weight
    (one decimal). The total is their sum; a case file's total is also its `CaseReview` score (weights sum to 100)."""
    from teis.cases.models import CaseReview

    if not actor.has_perm(SCORE):
        raise ServiceError("no_permission", "您没有评议考核评分权限。")
    given = parse_scores(scores)
    with transaction.atomic():
        target = EvaluationTarget.objects.select_for_update().select_related("batch").get(pk=target.pk)
        _state(target.batch, EvaluationStatus.SCORING, doing="评分")
        indicators = list(target.batch.indicators.all())
        errors: dict[str, list[str]] = {}
        values: dict[int, Decimal] = {}
        known = {i.pk for i in indicators}
        if extra := set(given) - known:
            errors["scores"] = [f"指标编号 {', '.join(map(str, sorted(extra)))} 不属于本批次"]
        for ind in indicators:
            raw = given.get(ind.pk)
            if raw is None or str(raw).strip() == "":
                errors.setdefault("scores", []).append(f"“{ind.name}”未评分")
                continue
            try:
                value = Decimal(str(raw).strip()).quantize(Decimal("0.1"))
            except (InvalidOperation, ValueError):
                errors.setdefault("scores", []).append(f"“{ind.name}”的得分应为数字")
                continue
            if value < 0 or value > ind.weight:
                errors.setdefault("scores", []).append(
                    f"“{ind.name}”的得分应在 0 到 {ind.weight} 分之间（填写了 {raw}）"
                )
                continue
            values[ind.pk] = value
        if errors:
            raise ServiceError("invalid_scores", "评分有误：" + "；".join(errors["scores"]), errors)
        before = audit.snapshot(target)
        now = timezone.now()
        EvaluationScore.objects.filter(target=target).delete()
        EvaluationScore.objects.bulk_create(
            [
                EvaluationScore(target=target, indicator_id=k, score=v, reviewer=actor, scored_at=now)
                for k, v in values.items()
            ]
        )
        target.total = sum(values.values(), Decimal("0"))
        target.comments = (comments or "").strip()
        target.reviewer, target.scored_at = actor, now
        target.save(update_fields=["total", "comments", "reviewer", "scored_at", "updated_at"])
        if target.review_id:
            CaseReview.objects.filter(pk=target.review_id).update(
                score=int(target.total.to_integral_value()),
                comments=target.comments,
                reviewer=actor,
                reviewed_at=now,
                updated_at=now,
            )
        audit.record(
            actor,
            AuditAction.UPDATE,
            target,
            changes=audit.diff(before, audit.snapshot(target)),
            detail={"scores": {str(k): str(v) for k, v in values.items()}},
        )
    return target


# --- materials -------------------------------------------------------------------------------------------------


def _check_files(files: Iterable[Any] | None) -> list[Any]:
    files = [f for f in (files or []) if f]
    errors = [] if files else ["请选择要上传的材料"]
    errors += upload_errors(files, "evaluation_material", max_files=MAX_MATERIALS, max_mb=MAX_MATERIAL_MB)
    if errors:
        raise ServiceError("invalid_attachment", "材料有误：" + "；".join(errors), {"files": errors})
    return files


def do_submit_material(
    actor: User, target: EvaluationTarget, files: Iterable[Any] | None, note: str = ""
) -> list[EvaluationMaterial]:
    """自评材料 of the evaluated unit for one object, while the batch is being prepared or scored."""
    if not actor.has_perm(MATERIAL):
        raise ServiceError("no_permission", "您没有提交考核材料的权限。")
    _state(target.batch, EvaluationStatus.DRAFT, EvaluationStatus.SCORING, doing="提交材料")
    files = _check_files(files)
    storage = get_storage()
    saved: list[str] = []
    try:
        with transaction.atomic():
            rows = []
            for f in files:
                original = os.path.basename(f.name)[:200]
                ext = os.path.splitext(original)[1].lower()[:10]
                mime = sniff(f)
                digest = crypto.sm3_file_hex(f)
                f.seek(0)
                name = storage.save(f"evaluation/{target.batch_id}/{target.pk}/{uuid.uuid4().hex}{ext}", f)
                saved.append(name)
                rows.append(
                    EvaluationMaterial(
                        target=target,
                        file_name=name,
                        original_name=original,
                        content_type=mime or "application/octet-stream",
                        size=f.size,
                        sm3=digest,
                        uploaded_by=actor,
                        note=fit(EvaluationMaterial, "note", note or "", strip=True),
                    )
                )
            stored = EvaluationMaterial.objects.bulk_create(rows)
            audit.record(
                actor,
                AuditAction.UPDATE,
                target,
                changes={"考核材料": [None, "、".join(m.original_name for m in stored)]},
                detail={"operation": "evaluation.material"},
            )
    except BaseException:
        for name in saved:
            storage.delete(name)
        raise
    return stored


# --- publication and feedback -----------------------------------------------------------------------------------


def do_publish(actor: User, batch: EvaluationBatch, note: str = "") -> EvaluationBatch:
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        batch = _lock(batch)
        _state(batch, EvaluationStatus.SCORING, doing="发布结果")
        left = batch.targets.filter(total__isnull=True).count()
        if left:
            raise ServiceError("unscored", f"尚有 {left} 个考核对象未评分，不能发布结果。")
        before = audit.snapshot(batch)
        batch.status = EvaluationStatus.PUBLISHED
        batch.published_at, batch.published_by = timezone.now(), actor
        batch.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit.record(
            actor, AuditAction.UPDATE, batch, changes=audit.diff(before, audit.snapshot(batch)), detail={"note": note}
        )
        units = set(batch.targets.values_list("unit_id", flat=True))
        leaders = (
            get_user_model()
            .objects.filter(officer__unit_id__in=units, officer__roles__code__in=["brigade_leader", "squad_leader"])
            .distinct()
        )
        for user in leaders[:200]:
            notify.post_todo(
                user,
                f"评议考核结果已发布：{batch.name}",
                category="评议考核",
                url=f"/analytics/evaluation/{batch.pk}/",
                source_key=f"analytics:evaluation:{batch.pk}:{user.pk}",
            )
    return batch


def do_feedback(actor: User, target: EvaluationTarget, *, feedback: str) -> EvaluationTarget:
    text = (feedback or "").strip()
    if not text:
        raise ServiceError("invalid_feedback", "请填写反馈意见。", {"feedback": ["请填写反馈意见"]})
    with transaction.atomic():
        target = EvaluationTarget.objects.select_for_update().select_related("batch").get(pk=target.pk)
        _state(target.batch, EvaluationStatus.PUBLISHED, doing="反馈")
        before = audit.snapshot(target)
        target.feedback, target.feedback_at = text, timezone.now()
        target.save(update_fields=["feedback", "feedback_at", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, target, changes=audit.diff(before, audit.snapshot(target)))
    return target


# --- reading -----------------------------------------------------------------------------------------------------


def access_batch(user: User, pk: int) -> EvaluationBatch:
    return get_object_or_404(EvaluationBatch.objects.for_user(user).select_related("unit"), pk=pk)


def access_target(user: User, pk: int) -> EvaluationTarget:
    target: EvaluationTarget = get_object_or_404(
        EvaluationTarget.objects.for_user(user).select_related("batch", "unit", "officer", "case"), pk=pk
    )
    return target


def visible_targets(user: User, batch: EvaluationBatch) -> QuerySet[EvaluationTarget]:
    """The batch's objects the user may see; before publication, the evaluated units see their objects but not
    the scores (the page hides them)."""
    targets: QuerySet[EvaluationTarget] = (
        EvaluationTarget.objects.for_user(user)
        .filter(batch=batch)
        .select_related("unit", "officer", "case", "reviewer")
        .prefetch_related("scores", "materials")
        .order_by("kind", "unit__path", "pk")
    )
    return targets


def statistics(targets: QuerySet[EvaluationTarget]) -> dict[str, Any]:
    """Totals of a batch's objects by unit, by officer (officers and their case files) and per case file."""
    agg = {"n": Count("pk"), "scored": Count("pk", filter=Q(total__isnull=False)), "avg": Avg("total")}
    total = targets.aggregate(**agg, lo=Min("total"), hi=Max("total"))
    by_unit = list(targets.order_by().values("unit__name", "unit__path").annotate(**agg).order_by("unit__path"))
    by_officer = list(
        targets.filter(Q(kind=TargetKind.OFFICER) | Q(kind=TargetKind.CASE, case__handler__officer__isnull=False))
        .order_by()
        .annotate(
            who=models_coalesce("officer__name", "case__handler__officer__name"),
        )
        .values("who")
        .annotate(**agg)
        .order_by("-avg")
    )
    cases = [t for t in targets if t.kind == TargetKind.CASE]
    for row in [total, *by_unit, *by_officer]:
        row["avg"] = round(row["avg"], 1) if row["avg"] is not None else None
    for key in ("hi", "lo"):  # SQLite answers the max / min of a decimal as a float
        total[key] = round(Decimal(str(total[key])), 1) if total[key] is not None else None
    return {"total": total, "by_unit": by_unit, "by_officer": by_officer, "cases": cases}


def models_coalesce(*fields: Any) -> Coalesce:
    from django.db.models.functions import Coalesce

    return Coalesce(*fields)
