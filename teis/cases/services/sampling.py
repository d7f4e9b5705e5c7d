"""案件抽查 (spec §2.5.6.1): draw closed or archived cases into a review batch, score and comment them.

A draw is random (a seeded `random.Random` over the eligible case ids in id order, so the same seed and the
same population give the same cases; the seed is recorded in the audit record and the batch page) or
rule-based (every case matching the rules, up to `MAX_BATCH`). Rules: unit (with subordinates), business
line, fine amount at least, decision type. Only cases in the drawer's data scope are eligible.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, Q
from django.utils import timezone

from teis.core.services import ServiceError

from ..choices import CaseStatus, DecisionType
from ..models import CaseReview, EnforcementCase

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.core.models import DictionaryItem
    from teis.org.models import Unit

SAMPLE_STATUSES = (CaseStatus.CLOSED, CaseStatus.ARCHIVED)
MAX_BATCH = 500
PERMISSION = "cases.sample_enforcementcase"


@dataclass
class DrawResult:
    batch: str
    seed: int | None
    population: int
    reviews: list[CaseReview]


def eligible_cases(
    actor: User,
    *,
    unit: Unit | None = None,
    business_line: DictionaryItem | None = None,
    fine_min: Decimal | None = None,
    decision_type: str = "",
) -> QuerySet[EnforcementCase]:
    qs = EnforcementCase.objects.for_user(actor).filter(status__in=SAMPLE_STATUSES)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if business_line is not None:
        qs = qs.filter(business_line=business_line)
    if fine_min is not None:
        qs = qs.filter(fine_amount__gte=fine_min)
    if decision_type:
        qs = qs.filter(decision_type=decision_type)
    return qs


def _batch_name() -> str:
    from teis.core.codes import next_value

    today = timezone.localdate()
    return f"抽查{today:%Y%m%d}-{next_value(f'cases.sample.{today:%Y%m%d}'):03d}"


def do_draw_sample(
    actor: User,
    *,
    size: int | None = None,
    seed: int | None = None,
    unit: Unit | None = None,
    business_line: DictionaryItem | None = None,
    fine_min: Decimal | None = None,
    decision_type: str = "",
    reviewer: User | None = None,
    case_ids: list[int] | None = None,
    purpose: str = "",
) -> DrawResult:
    """Create a batch of reviews. `size` given: a random draw of that many (seed recorded; a fresh one when
    None); no size: rule-based, every matching case; `case_ids` given (and no size): the chosen cases, each of
    them eligible (closed or archived, in the drawer's scope) or the draw is refused. `purpose` is recorded in
    the audit record (e.g. the 评议考核 batch drawing it). One transaction; audited."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction
    from teis.core import notify

    errors: dict[str, list[str]] = {}
    if size is not None and not (1 <= int(size) <= MAX_BATCH):
        errors["size"] = [f"抽查数量应在 1 到 {MAX_BATCH} 之间"]
    if fine_min is not None and fine_min < 0:
        errors["fine_min"] = ["金额不能为负数"]
    if decision_type and decision_type not in DecisionType.values:
        errors["decision_type"] = ["决定类型无效"]
    if seed is not None and not (0 <= int(seed) < 2**63):
        errors["seed"] = ["随机种子应为非负整数"]
    if unit is not None and not actor.is_superuser:
        from teis.org.models import Unit

        if not Unit.objects.for_user(actor).filter(pk=unit.pk).exists():
            errors["unit"] = ["所选单位不在您的数据权限范围内"]
    if reviewer is not None and not reviewer.has_perm(PERMISSION):
        errors["reviewer"] = ["评查人没有案件抽查评查权限"]
    if errors:
        raise ServiceError(
            "invalid_sample", "抽查条件有误：" + "；".join(m for v in errors.values() for m in v), errors
        )
    population = eligible_cases(
        actor, unit=unit, business_line=business_line, fine_min=fine_min, decision_type=decision_type
    )
    if case_ids is not None and size is None:
        wanted = {int(pk) for pk in case_ids}
        population = population.filter(pk__in=wanted)
        found = set(population.values_list("pk", flat=True))
        if not wanted:
            raise ServiceError("empty_choice", "请选择要抽查的案卷。", {"case_ids": ["请选择案卷"]})
        if missing := wanted - found:
            message = f"有 {len(missing)} 件所选案卷不存在、不在您的数据权限范围内或尚未结案，不能抽取。"
            raise ServiceError("invalid_choice", message, {"case_ids": [message]})
    ids = list(population.order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ServiceError("empty_population", "没有符合条件的已结案或已归档案件。")
    if size is not None:
        seed = secrets.randbelow(2**31) if seed is None else int(seed)
        chosen = sorted(random.Random(seed).sample(ids, min(int(size), len(ids))))
    else:
        seed = None
        chosen = ids[:MAX_BATCH]
    with transaction.atomic():
        batch = _batch_name()
        reviews = CaseReview.objects.bulk_create(
            [CaseReview(case_id=pk, batch=batch, reviewer=reviewer, created_by=actor) for pk in chosen]
        )
        rules = {
            "unit": unit.pk if unit else None,
            "business_line": business_line.pk if business_line else None,
            "fine_min": str(fine_min) if fine_min is not None else None,
            "decision_type": decision_type or None,
        }
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            object_type="cases.casereview",
            object_id=batch,
            object_repr=f"案件抽查批次 {batch}",
            detail={
                "operation": "cases.sample",
                "batch": batch,
                "mode": "random" if size is not None else "chosen" if case_ids is not None else "rule",
                "purpose": purpose or None,
                "seed": seed,
                "size": size,
                "population": len(ids),
                "rules": rules,
                "cases": chosen,
            },
        )
        if reviewer is not None:
            notify.post_todo(
                reviewer,
                f"案件抽查评查：{batch}（{len(chosen)} 件）",
                category="案件抽查",
                url=f"/cases/sampling/{batch}/",
                source_key=f"cases:sample:{batch}",
            )
    return DrawResult(batch, seed, len(ids), reviews)


def batch_info(batch: str) -> dict[str, Any]:
    """How a batch was drawn (mode, seed, rules), from its audit record."""
    from teis.audit.models import AuditRecord

    rec = (
        AuditRecord.objects.filter(object_type="cases.casereview", object_id=batch)
        .order_by("pk")
        .values("detail", "actor_name", "at")
        .first()
    )
    if rec is None:
        return {}
    return {**(rec["detail"] or {}), "drawn_by": rec["actor_name"], "drawn_at": rec["at"]}


def batch_reviews(user: User, batch: str) -> QuerySet[CaseReview]:
    return (
        CaseReview.objects.for_user(user)
        .filter(batch=batch)
        .select_related("case", "case__unit", "case__handler", "reviewer")
        .order_by("case__unit__path", "case_id")
    )


def batch_statistics(qs: QuerySet[CaseReview]) -> dict[str, Any]:
    """Counts, average / min / max score and per-unit figures of a set of reviews."""
    total = qs.aggregate(
        n=Count("pk"),
        reviewed=Count("pk", filter=Q(score__isnull=False)),
        avg=Avg("score"),
        lo=Min("score"),
        hi=Max("score"),
        passed=Count("pk", filter=Q(score__gte=60)),
    )
    by_unit = list(
        qs.order_by()
        .values("case__unit__name")
        .annotate(n=Count("pk"), reviewed=Count("pk", filter=Q(score__isnull=False)), avg=Avg("score"))
        .order_by("case__unit__name")
    )
    total["avg"] = round(total["avg"], 1) if total["avg"] is not None else None
    for row in by_unit:
        row["avg"] = round(row["avg"], 1) if row["avg"] is not None else None
    return {"total": total, "by_unit": by_unit}


def batches(user: User) -> QuerySet[CaseReview, dict[str, Any]]:
    return (
        CaseReview.objects.for_user(user)
        .values("batch")
        .annotate(
            n=Count("pk"), reviewed=Count("pk", filter=Q(score__isnull=False)), avg=Avg("score"), at=Min("created_at")
        )
        .order_by("-at")
    )


def access_review(user: User, pk: int) -> CaseReview:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(CaseReview.objects.for_user(user).select_related("case", "reviewer"), pk=pk)


def do_review(actor: User, review: CaseReview, *, score: Any, comments: str = "") -> CaseReview:
    """Record the reviewer's score (0–100) and comments. One transaction; audited."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction
    from teis.core import notify

    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        raise ServiceError("invalid_score", "评分应为 0 到 100 的整数。", {"score": ["应为 0 到 100 的整数"]}) from None
    if not 0 <= value <= 100:
        raise ServiceError("invalid_score", "评分应为 0 到 100 的整数。", {"score": ["应为 0 到 100 的整数"]})
    if not actor.has_perm(PERMISSION):
        raise ServiceError("no_permission", "您没有案件抽查评查权限。")
    with transaction.atomic():
        review = CaseReview.objects.select_for_update().get(pk=review.pk)
        if review.reviewer_id and review.reviewer_id != actor.pk:
            raise ServiceError("not_reviewer", "该案件已指定其他评查人。")
        before = audit.snapshot(review)
        review.reviewer, review.score = actor, value
        review.comments = (comments or "").strip()
        review.reviewed_at = timezone.now()
        review.save(update_fields=["reviewer", "score", "comments", "reviewed_at", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, review, changes=audit.diff(before, audit.snapshot(review)))
        if not CaseReview.objects.filter(batch=review.batch, reviewer=actor, score__isnull=True).exists():
            notify.complete_todos(f"cases:sample:{review.batch}", user=actor)
    return review
