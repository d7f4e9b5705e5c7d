"""Vessel risk score from its record: past alerts, controls (alerts disposed on the spot) and cases, with the
weights of `MaritimeSettings`; a vessel with at least `repeat_offender_cases` cases is a repeat offender."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from ..choices import AlertResult, AlertStatus
from ..models import Alert, Clue, MaritimeSettings, Vessel

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class RiskRecord:
    alerts: int
    controls: int
    cases: int
    score: float
    repeat_offender: bool


def vessel_record(vessel_id: int, cfg: MaritimeSettings | None = None) -> RiskRecord:
    cfg = cfg or MaritimeSettings.current()
    alerts = Alert.objects.filter(vessel_id=vessel_id).exclude(result=AlertResult.FALSE_ALARM)
    n_alerts = alerts.count()
    controls = alerts.filter(status=AlertStatus.CLOSED, result=AlertResult.CONFIRMED).count()
    cases = (
        alerts.filter(result=AlertResult.CASE).count()
        + Clue.objects.filter(vessel_id=vessel_id, case__isnull=False).count()
    )
    score = round(cfg.weight_alert * n_alerts + cfg.weight_control * controls + cfg.weight_case * cases, 2)
    return RiskRecord(n_alerts, controls, cases, score, cases >= cfg.repeat_offender_cases)


def prior_record_counts(vessel_ids: Iterable[int | None]) -> dict[int, int]:
    """{vessel id: alerts (not false alarms) + cases so far}, in two queries whatever the number of vessels."""
    from django.db.models import Count

    ids = {v for v in vessel_ids if v}
    if not ids:
        return {}
    counts: dict[int, int] = {}
    alerts = (
        Alert.objects.filter(vessel_id__in=ids)
        .exclude(result=AlertResult.FALSE_ALARM)
        .values("vessel_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cases = Clue.objects.filter(vessel_id__in=ids, case__isnull=False).values("vessel_id").annotate(n=Count("pk"))
    for row in [*alerts, *cases.order_by()]:
        counts[row["vessel_id"]] = counts.get(row["vessel_id"], 0) + row["n"]
    return counts


def flag_records(objs: Iterable[Alert | Clue]) -> None:
    """Before new alerts or clues are saved: each says how many violation / alert records its vessel already
    has ("重点关注：曾有 N 次违法/预警记录"), so a repeat offender is plain on the list, the page and the API."""
    objs = list(objs)
    counts = prior_record_counts(o.vessel_id for o in objs)
    for o in objs:
        o.set_prior_records(counts.get(o.vessel_id, 0) if o.vessel_id is not None else 0)


def refresh_vessel_risk(vessel_id: int) -> RiskRecord:
    record = vessel_record(vessel_id)
    Vessel.objects.filter(pk=vessel_id).update(
        risk_score=record.score, repeat_offender=record.repeat_offender, updated_at=timezone.now()
    )
    return record


def refresh_all() -> int:
    cfg = MaritimeSettings.current()
    with_vessel = set(Alert.objects.values_list("vessel_id", flat=True)) | set(
        Clue.objects.values_list("vessel_id", flat=True)
    )
    ids = {vessel_id for vessel_id in with_vessel if vessel_id is not None}  # alerts and clues without a vessel
    for vessel_id in ids:
        record = vessel_record(vessel_id, cfg)
        Vessel.objects.filter(pk=vessel_id).update(
            risk_score=record.score, repeat_offender=record.repeat_offender, updated_at=timezone.now()
        )
    return len(ids)
