"""执法全过程智能监控 (spec §2.5.1.12): monitoring points with thresholds, raising `MonitoringWarning`s.

Points (`WarningKind`):
- not_registered: still 预登记 more than `register_days` working days after discovery (default 7);
- step_overdue: the current step is past its deadline (`step_due_at`);
- missing_material: the current step lacks what it requires (`teis.cases.steps.missing_requirements`;
  the point is skipped while that module does not exist);
- amount_outside: the fine is outside the chosen discretion level's range (unless the deviation was
  approved), or, without a discretion choice, outside the violation code's statutory range;
- case_overdue: the case deadline (90 days after 立案) is within `deadline_days` days (default 10) or past;
- on_spot_unapproved: a 行政强制 measure taken on the spot (当场实施) still without the leader's approval 24 hours
  after it was taken (行政强制法 art. 19: report within 24 hours and obtain the approval afterwards).

Thresholds come from `settings.TEIS_CASE_MONITORING` (a dict overriding `DEFAULTS`). `do_check_cases` keeps
at most one open warning per case and point, notifies the handler and the squad leaders of the case's unit
when one is raised, and resolves it when the condition clears. The periodic job runs it every 30 minutes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab

from teis.core.jobs import recorded_periodic

from ..choices import CaseStatus, WarningKind
from ..models import EnforcementCase, MonitoringWarning

if TYPE_CHECKING:
    from django.contrib.auth.models import User

DEFAULTS = {"register_days": 7, "deadline_days": 10, "step_overdue": True, "missing_material": True, "amount": True}
ACTIVE = (
    CaseStatus.PRE_REGISTERED,
    CaseStatus.FILING,
    CaseStatus.INVESTIGATING,
    CaseStatus.DECIDING,
    CaseStatus.DECIDED,
    CaseStatus.ENFORCING,
)
LEADER_ROLE = "squad_leader"


def thresholds() -> dict[str, Any]:
    return {**DEFAULTS, **(getattr(settings, "TEIS_CASE_MONITORING", None) or {})}


def _local(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _yuan(value: Any) -> str:
    return f"{Decimal(value):,.2f}" if value is not None else "—"


def _not_registered(now: dt.datetime, days: int) -> dict[int, str]:
    from teis.core.workdays import add_workdays

    today = _local(now)
    cutoff = now - dt.timedelta(days=days)  # N working days are at least N calendar days
    hits = {}
    rows = EnforcementCase.objects.filter(
        status=CaseStatus.PRE_REGISTERED, filed_at__isnull=True, discovered_at__lt=cutoff
    ).values_list("pk", "discovered_at")
    for pk, discovered in rows.iterator(chunk_size=2000):
        due = add_workdays(_local(discovered), days)
        if today > due:
            hits[pk] = f"发现于 {_local(discovered):%Y-%m-%d}，超过 {days} 个工作日（{due:%Y-%m-%d}）仍未立案"
    return hits


def _step_overdue(now: dt.datetime) -> dict[int, str]:
    rows = EnforcementCase.objects.filter(status__in=ACTIVE, step_due_at__lt=now).values_list(
        "pk", "current_step", "step_due_at"
    )
    return {
        pk: f"环节“{step or '—'}”办理期限 {timezone.localtime(due):%Y-%m-%d %H:%M} 已过"
        for pk, step, due in rows.iterator(chunk_size=2000)
    }


def _missing_material() -> dict[int, str] | None:
    try:
        from teis.cases.steps import missing_requirements
    except ImportError:
        return None  # the step requirements are not there yet: skip the point
    hits = {}
    cases = EnforcementCase.objects.filter(status__in=ACTIVE).exclude(current_step="").select_related("process")
    for case in cases.iterator(chunk_size=500):
        step_id = (case.process.current_step if case.process_id and case.process else "") or case.current_step
        try:
            missing = missing_requirements(case, step_id)
        except Exception:  # one case's broken data must not stop the whole check
            continue
        if missing:
            names = "、".join(str(m) for m in missing)
            hits[case.pk] = f"环节“{case.current_step}”缺少：{names}"[:300]
    return hits


def amount_range(case: EnforcementCase) -> tuple[Decimal | None, Decimal | None, str] | None:
    """The range the fine must lie in, with its source; None when the fine is free or nothing applies."""
    from teis.legal.choices import ApplicationStatus
    from teis.legal.services.discretion import select_benchmark

    application = case.discretion
    if application is not None:
        if application.status == ApplicationStatus.APPROVED:
            return None  # an approved deviation
        try:
            sel = select_benchmark(application.violation_code, application.level)
        except Exception:
            sel = None
        if sel is not None and (sel.range_min is not None or sel.range_max is not None):
            return sel.range_min, sel.range_max, f"裁量基准“{application.level.name}”"
    codes = list(case.violation_codes.all())
    los = [c.fine_min for c in codes if c.fine_min is not None]
    his = [c.fine_max for c in codes if c.fine_max is not None]
    if los or his:
        return (min(los) if los else None), (max(his) if his else None), "违章代码法定幅度"
    return None


def _amount_outside() -> dict[int, str]:
    hits = {}
    cases = (
        EnforcementCase.objects.filter(fine_amount__isnull=False)
        .exclude(status__in=(CaseStatus.NOT_FILED, CaseStatus.TRANSFERRED_OUT))
        .select_related("discretion", "discretion__level", "discretion__violation_code")
        .prefetch_related("violation_codes")
    )
    for case in cases.iterator(chunk_size=500):
        rng = amount_range(case)
        if rng is None:
            continue
        lo, hi, source = rng
        fine = case.fine_amount
        assert fine is not None  # filtered on it
        if (lo is not None and fine < lo) or (hi is not None and fine > hi):
            hits[case.pk] = f"罚款 {_yuan(case.fine_amount)} 元超出{source}（{_yuan(lo)}–{_yuan(hi)} 元）"
    return hits


def _case_overdue(now: dt.datetime, days: int) -> dict[int, str]:
    today = _local(now)
    rows = EnforcementCase.objects.filter(
        status__in=ACTIVE, deadline__isnull=False, deadline__lte=today + dt.timedelta(days=days)
    ).values_list("pk", "deadline")
    hits = {}
    for pk, deadline in rows.iterator(chunk_size=2000):
        assert deadline is not None  # filtered on it
        left = (deadline - today).days
        hits[pk] = (
            f"办案期限 {deadline:%Y-%m-%d} 已过 {-left} 天"
            if left < 0
            else f"办案期限 {deadline:%Y-%m-%d}，剩余 {left} 天"
        )
    return hits


ON_SPOT_REPORT_HOURS = 24  # 行政强制法 art. 19


def _on_spot_unapproved(now: dt.datetime) -> dict[int, str]:
    from ..models import CoerciveMeasure

    rows = CoerciveMeasure.objects.filter(
        on_the_spot=True,
        approved_at__isnull=True,
        applied_at__lt=now - dt.timedelta(hours=ON_SPOT_REPORT_HOURS),
        case__status__in=ACTIVE,
    ).values_list("case_id", "applied_at")
    return {
        case_id: f"当场实施的强制措施（{timezone.localtime(at):%Y-%m-%d %H:%M}）超过 24 小时未经负责人补办批准"
        for case_id, at in rows.iterator(chunk_size=2000)
    }


def evaluate(now: dt.datetime | None = None) -> dict[str, dict[int, str]]:
    """{kind: {case id: message}} of every point's current hits (skipped points are absent)."""
    now = now or timezone.now()
    t = thresholds()
    found: dict[str, dict[int, str]] = {WarningKind.NOT_REGISTERED: _not_registered(now, int(t["register_days"]))}
    if t["step_overdue"]:
        found[WarningKind.STEP_OVERDUE] = _step_overdue(now)
    if t["missing_material"]:
        missing = _missing_material()
        if missing is not None:
            found[WarningKind.MISSING_MATERIAL] = missing
    if t["amount"]:
        found[WarningKind.AMOUNT_OUTSIDE_BENCHMARK] = _amount_outside()
    found[WarningKind.CASE_OVERDUE] = _case_overdue(now, int(t["deadline_days"]))
    found[WarningKind.ON_SPOT_UNAPPROVED] = _on_spot_unapproved(now)
    return found


def _recipients(case: EnforcementCase) -> list[Any]:
    from teis.workflow.services import role_holders

    users = {case.handler_id: case.handler}
    for user in role_holders(LEADER_ROLE, case.unit):
        users.setdefault(user.pk, user)
    return list(users.values())


def do_check_cases(now: dt.datetime | None = None) -> dict[str, int]:
    """Raise new warnings, resolve cleared ones. One transaction per point; returns counts."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction
    from teis.core import notify
    from teis.core.models import Notification

    now = now or timezone.now()
    raised = resolved = 0
    for kind, hits in evaluate(now).items():
        with transaction.atomic():
            open_rows = {
                w.case_id: w for w in MonitoringWarning.objects.select_for_update().filter(kind=kind, is_open=True)
            }
            cleared = [w.pk for case_id, w in open_rows.items() if case_id not in hits]
            if cleared:
                resolved += MonitoringWarning.objects.filter(pk__in=cleared).update(is_open=False, resolved_at=now)
            changed = [w for case_id, w in open_rows.items() if case_id in hits and w.message != hits[case_id][:300]]
            for w in changed:
                w.message = hits[w.case_id][:300]
            if changed:
                MonitoringWarning.objects.bulk_update(changed, ["message"])
            new_ids = [pk for pk in hits if pk not in open_rows]
            cases = EnforcementCase.objects.select_related("handler", "unit").in_bulk(new_ids)
            label = WarningKind(kind).label
            for pk in new_ids:
                case = cases[pk]
                warning = MonitoringWarning.objects.create(case=case, kind=kind, message=hits[pk][:300])
                raised += 1
                url = f"/cases/monitor/?case={case.pk}"
                for user in _recipients(case):
                    notify.notify(
                        user,
                        f"执法监控预警：{label}",
                        f"{case}：{warning.message}",
                        level=Notification.Level.WARNING,
                        url=url,
                    )
            if new_ids or cleared:
                audit.record(
                    None,
                    AuditAction.UPDATE,
                    None,
                    object_type="cases.monitoringwarning",
                    object_repr=f"执法监控：{label}",
                    detail={
                        "operation": "cases.monitor",
                        "kind": kind,
                        "raised": len(new_ids),
                        "resolved": len(cleared),
                    },
                )
    return {"raised": raised, "resolved": resolved, "open": MonitoringWarning.objects.filter(is_open=True).count()}


def do_resolve_warning(actor: User, warning: MonitoringWarning, note: str = "") -> MonitoringWarning:
    """Close a warning by hand (e.g. a false alarm); it is raised again if the condition still holds."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    with transaction.atomic():
        warning = MonitoringWarning.objects.select_for_update().get(pk=warning.pk)
        if not warning.is_open:
            return warning
        warning.is_open, warning.resolved_at = False, timezone.now()
        warning.save(update_fields=["is_open", "resolved_at", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, warning, changes={"未处理": ["是", "否"]}, detail={"note": note[:300]})
    return warning


@recorded_periodic(crontab(minute="*/30"), label="执法全过程智能监控")
def monitor_cases() -> str:
    counts = do_check_cases()
    return f"新增预警 {counts['raised']} 条，解除 {counts['resolved']} 条，未处理 {counts['open']} 条"
