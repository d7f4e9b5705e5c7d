"""失信 analysis (spec §2.5.2.4): the published rules of 严重失信主体, configurable (`DishonestyRule`), applied to the
final decisions to list candidate enterprises and individuals with their evidence cases; the legal department
confirms or rejects each; the confirmed list is exported (the generic Excel export of the filtered list) for the
credit platforms. A reviewed candidate keeps its decision when the rules run again."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.masking import mask_id_number
from teis.core.services import ServiceError

from ..choices import CandidateStatus, RuleKind, SubjectKind
from ..models import DishonestyCandidate, DishonestyRule

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import Manager, QuerySet

    from teis.cases.models import EnforcementCase

UNPAID = ("unpaid", "partial", "overdue", "court")


def _cases() -> Manager[EnforcementCase]:
    manager: Manager[EnforcementCase] = django_apps.get_model("cases.EnforcementCase")._base_manager
    return manager


def _keywords(rule: DishonestyRule) -> list[str]:
    return [k.strip() for k in re.split(r"[,，、;；\s]+", rule.cause_keywords or "") if k.strip()]


def matching_cases(rule: DishonestyRule, today: dt.date | None = None) -> QuerySet[EnforcementCase]:
    """The penalty decisions a rule looks at."""
    today = today or timezone.localdate()
    qs = _cases().filter(decision_type="penalty", decided_at__isnull=False)
    if rule.kind == RuleKind.REPEATED:
        since = timezone.now() - dt.timedelta(days=rule.period_days)
        return qs.filter(decided_at__gte=since)
    if rule.kind == RuleKind.SERIOUS_CAUSE:
        qs = qs.filter(decided_at__gte=timezone.now() - dt.timedelta(days=rule.period_days))
        if rule.min_fine:
            qs = qs.filter(fine_amount__gte=rule.min_fine)
        words = _keywords(rule)
        if words:
            cond = Q()
            for w in words:
                cond |= Q(title__contains=w) | Q(facts__contains=w)
            qs = qs.filter(cond)
        return qs
    return qs.filter(payment_status__in=UNPAID, payment_due__lt=today - dt.timedelta(days=rule.overdue_days))


def evaluate(rule: DishonestyRule, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Candidates of one rule: [{key, kind, name, identifier, unit_id, case_ids, fine_total}]."""
    Party = django_apps.get_model("cases.Party")
    cases = matching_cases(rule, today)
    subjects: dict[str, dict[str, Any]] = {}
    per_case: dict[str, set[int]] = defaultdict(set)
    parties = Party.objects.filter(case__in=cases.values("pk")).select_related("case")
    for p in parties.order_by("case__decided_at", "pk"):
        if p.kind == "organisation":
            if not p.credit_code:
                continue
            key, kind, ident = f"org:{p.credit_code}", SubjectKind.ORGANISATION, p.credit_code
        else:
            if not p.id_number_index:
                continue
            key, kind, ident = f"person:{p.id_number_index}", SubjectKind.PERSON, mask_id_number(p.id_number or "")
        subjects.setdefault(key, {"key": key, "kind": kind, "name": p.name, "identifier": ident, "fines": {}})
        subjects[key]["unit_id"] = p.case.unit_id
        subjects[key]["fines"][p.case_id] = p.case.fine_amount or Decimal(0)
        per_case[key].add(p.case_id)
    threshold = rule.threshold if rule.kind == RuleKind.REPEATED else 1
    out = []
    for key, s in subjects.items():
        if len(per_case[key]) >= max(1, threshold):
            s["case_ids"] = sorted(per_case[key])
            s["fine_total"] = sum(s.pop("fines").values(), Decimal(0))
            out.append(s)
    return out


def do_run_rules(actor: User, today: dt.date | None = None) -> dict[str, Any]:
    """Apply every active rule: new candidates are added 待审核; pending ones get their evidence refreshed;
    reviewed ones are left as decided. One transaction; audited."""
    rules = list(DishonestyRule.objects.filter(is_active=True))
    if not rules:
        raise ServiceError("no_rules", "没有启用的失信认定规则，请先在“失信认定规则”中设置。")
    added = refreshed = 0
    with transaction.atomic():
        for rule in rules:
            for s in evaluate(rule, today):
                cand, created = DishonestyCandidate.objects.select_for_update().get_or_create(
                    rule=rule,
                    subject_key=s["key"],
                    defaults={
                        "subject_kind": s["kind"],
                        "name": s["name"],
                        "identifier": s["identifier"],
                        "unit_id": s["unit_id"],
                        "created_by": actor if actor else None,
                    },
                )
                if not created and cand.status != CandidateStatus.PENDING:
                    continue
                cand.case_count, cand.fine_total = len(s["case_ids"]), s["fine_total"]
                cand.name, cand.identifier, cand.unit_id = s["name"], s["identifier"], s["unit_id"]
                cand.save()
                cand.cases.set(s["case_ids"])
                added += created
                refreshed += not created
        audit.record(
            actor,
            AuditAction.UPDATE,
            None,
            object_type="analytics.dishonestycandidate",
            detail={"运行失信规则": len(rules), "新增候选": added, "更新候选": refreshed},
        )
    return {"rules": len(rules), "added": added, "refreshed": refreshed}


def _decide(actor: User, cand: DishonestyCandidate, status: str, note: str) -> DishonestyCandidate:
    with transaction.atomic():
        cand = DishonestyCandidate.objects.select_for_update().get(pk=cand.pk)
        if cand.status != CandidateStatus.PENDING:
            raise ServiceError("bad_state", f"“{cand}”已审核，不能重复审核。")
        if status == CandidateStatus.REJECTED and not (note or "").strip():
            raise ServiceError("opinion_required", "不予认定须填写理由", {"note": ["请填写不予认定的理由"]})
        cand.status, cand.reviewed_by, cand.reviewed_at, cand.review_note = status, actor, timezone.now(), note
        cand.save()
        audit.record(actor, AuditAction.UPDATE, cand, changes={"状态": ["待审核", cand.get_status_display()]})
    return cand


def do_confirm(actor: User, cand: DishonestyCandidate, note: str = "") -> DishonestyCandidate:
    return _decide(actor, cand, CandidateStatus.CONFIRMED, note)


def do_reject(actor: User, cand: DishonestyCandidate, note: str = "") -> DishonestyCandidate:
    return _decide(actor, cand, CandidateStatus.REJECTED, note)
