"""法定月报 (spec §2.5.2.2–3): the 征信 case file for the credit office, the 双公示 行政处罚 table in the market
regulator's format and the 超限治理 statistics table. Generated each month by the periodic job (or by hand: a new
version each time, the earlier ones kept), with a todo to the legal department; reviewed; marked as sent.

Personal identification numbers are kept masked in the stored rows (the rows are a record of what was sent,
stored in clear JSON; the full number is looked up from the encrypted case record when the office asks)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.masking import mask_id_number
from teis.core.services import ServiceError

from .. import semantic as sem
from ..choices import ReportKind, ReportStatus
from ..models import ReportVersion, StatutoryReport

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.cases.models import EnforcementCase, Party
    from teis.org.models import Unit

CREDIT_COLUMNS = [
    "统一案件编码",
    "行政处罚决定书文号",
    "当事人类别",
    "当事人名称",
    "统一社会信用代码/证件号码",
    "法定代表人",
    "违法行为",
    "处罚依据",
    "处罚结果",
    "罚款金额（元）",
    "决定日期",
    "履行情况",
    "处罚机关",
]
PUBLICITY_COLUMNS = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额（万元）",
    "没收违法所得、没收非法财物的金额（万元）",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "备注",
]
OVERLOAD_COLUMNS = [
    "单位",
    "检测车辆数",
    "超限车辆数",
    "超限率（%）",
    "严重超限车辆数（超限 100% 以上）",
    "卸载转运车次",
    "卸载转运重量（吨）",
    "一超四罚处理数",
    "立案数",
    "罚款金额（元）",
]
COLUMNS: dict[str, list[str]] = {
    ReportKind.CREDIT: CREDIT_COLUMNS,
    ReportKind.DOUBLE_PUBLICITY: PUBLICITY_COLUMNS,
    ReportKind.OVERLOAD: OVERLOAD_COLUMNS,
}
SENT_TO: dict[str, str] = {
    ReportKind.CREDIT: "市公共信用信息服务中心（征信办）",
    ReportKind.DOUBLE_PUBLICITY: "市场监管部门（双公示平台）",
    ReportKind.OVERLOAD: "市治超办",
}
RESPONSIBLE_PERMISSION = "analytics.change_statutoryreport"


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ServiceError("invalid_period", "年份或月份无效", {"month": ["年份或月份无效"]})
    first = dt.date(year, month, 1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def _decided_cases(user: User | None, unit: Unit, start: dt.date, end: dt.date) -> QuerySet[EnforcementCase]:
    """The final penalty decisions of the month (行政处罚决定 made), scope-free for the job (user None)."""
    f = sem.fact("fines_decided")
    if user is None:
        lo, hi = sem._local_bounds(start, end)
        qs = f.base_model()._base_manager.filter(f.condition(), decided_at__gte=lo, decided_at__lt=hi)
        qs = qs.filter(unit__path__startswith=unit.path)
    else:
        qs = sem.drill(user, f.key, sem.Slice(start, end, unit))
    decided: QuerySet[EnforcementCase] = (
        qs.select_related("unit", "decision_record").prefetch_related("parties").order_by("decided_at", "pk")
    )
    return decided


def _party(case: EnforcementCase) -> Party | None:
    parties = list(case.parties.all())
    return parties[0] if parties else None


def _ident(p: Party | None) -> tuple[str, str, str]:
    """(category, identifier, certificate type) of a party; person ids masked."""
    if p is None:
        return "", "", ""
    if p.kind == "organisation":
        return "法人及非法人组织", p.credit_code, "统一社会信用代码"
    return "自然人", mask_id_number(p.id_number or ""), "身份证"


def _local(d: dt.datetime | None) -> str:
    return f"{timezone.localtime(d):%Y-%m-%d}" if d else ""


def _basis(case: EnforcementCase) -> str:
    rec = getattr(case, "decision_record", None)
    return (rec.legal_basis if rec else "") or ""


def credit_rows(cases: Iterable[EnforcementCase]) -> list[list[Any]]:
    rows = []
    for c in cases:
        p = _party(c)
        kind, ident, _ = _ident(p)
        rows.append(
            [
                c.case_code or "",
                c.file_number,
                kind,
                p.name if p else "",
                ident,
                p.legal_representative if p else "",
                c.facts or c.title,
                _basis(c),
                c.get_decision_type_display(),
                float(c.fine_amount or 0),
                _local(c.decided_at),
                c.get_payment_status_display(),
                c.unit.name,
            ]
        )
    return rows


def publicity_rows(cases: Iterable[EnforcementCase]) -> list[list[Any]]:
    rows = []
    for c in cases:
        p = _party(c)
        kind, ident, cert = _ident(p)
        decided = timezone.localtime(c.decided_at).date() if c.decided_at else None
        until = decided.replace(year=decided.year + 1) if decided else None
        fine = Decimal(c.fine_amount or 0) / 10000
        confiscated = Decimal(c.confiscated_amount or 0) / 10000
        content = f"罚款人民币{c.fine_amount or 0}元" if c.fine_amount else c.get_decision_type_display()
        rows.append(
            [
                p.name if p else "",
                kind,
                p.credit_code if p else "",
                p.legal_representative if p else "",
                cert if kind == "自然人" else "",
                ident if kind == "自然人" else "",
                c.file_number,
                c.title[:60],
                c.facts or c.title,
                _basis(c),
                "罚款" if c.fine_amount else "警告",
                content,
                float(round(fine, 6)),
                float(round(confiscated, 6)),
                str(decided or ""),
                str(until or ""),
                str(until or ""),
                c.unit.name,
                "",
                c.unit.name,
                "",
            ]
        )
    return rows


def overload_rows(unit: Unit, start: dt.date, end: dt.date) -> list[list[Any]]:
    """超限治理 per child unit of the report's unit, and a 合计 row (scope-free: the job runs as the corps)."""
    from teis.org.models import Unit

    model = sem.fact("overload_checks").base_model()
    lo, hi = sem._local_bounds(start, end)
    base = model._base_manager.filter(gross_weight_kg__isnull=False, discovered_at__gte=lo, discovered_at__lt=hi)
    unloading = model._meta.get_field("unloadings").related_model
    links = model._meta.get_field("four_penalty_links").related_model
    rows = []
    children = list(Unit.objects.filter(parent=unit).exclude(unit_type="department").order_by("order", "path"))
    totals = [0, 0, 0, 0, Decimal(0), 0, 0, Decimal(0)]
    for child in children:
        qs = base.filter(unit__path__startswith=child.path)
        agg = qs.aggregate(
            n=Count("pk"),
            fines=Sum("fine_amount"),
        )
        over = qs.filter(overload_ratio__gt=0).count()
        serious = qs.filter(overload_ratio__gte=100).count()
        filed = qs.filter(filed_at__isnull=False).count()
        un = unloading._base_manager.filter(case__in=qs).aggregate(n=Count("pk"), kg=Sum("unloaded_kg"))
        four = links._base_manager.filter(source_case__in=qs).count()
        vals = [
            agg["n"],
            over,
            serious,
            un["n"],
            Decimal(un["kg"] or 0) / 1000,
            four,
            filed,
            agg["fines"] or Decimal(0),
        ]
        if not agg["n"]:
            continue
        totals = [a + b for a, b in zip(totals, vals, strict=True)]
        rows.append(_overload_line(child.name, vals))
    rows.append(_overload_line("合计", totals))
    return rows


def _overload_line(label: str, v: list[Any]) -> list[Any]:
    n, over, serious, un_n, tons, four, filed, fines = v
    ratio = round(over * 100 / n, 1) if n else None
    return [label, n, over, ratio, serious, un_n, float(round(tons, 2)), four, filed, float(fines)]


def rows_for(kind: str, unit: Unit, year: int, month: int) -> list[list[Any]]:
    start, end = month_range(year, month)
    if kind == ReportKind.OVERLOAD:
        return overload_rows(unit, start, end)
    cases = _decided_cases(None, unit, start, end)
    return credit_rows(cases) if kind == ReportKind.CREDIT else publicity_rows(cases)


def responsible_users(unit: Unit) -> list[User]:
    """Who gets the todo: active officers of the unit or its departments holding the report permission."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from teis.org.models import Officer

    ids = Officer.objects.filter(
        Q(unit=unit) | Q(unit__parent=unit, unit__unit_type="department"), user__is_active=True
    ).values_list("user_id", flat=True)
    return [u for u in get_user_model().objects.filter(pk__in=list(ids)) if u.has_perm(RESPONSIBLE_PERMISSION)]


def _todo_key(report: StatutoryReport) -> str:
    return f"analytics:report:{report.pk}"


def do_generate(
    actor: User | None, *, kind: str, year: int, month: int, unit: Unit, reason: str = ""
) -> StatutoryReport:
    """Generate (or regenerate) one month's report: a new version with the rows as of now; the report goes back
    to 待审核 (a sent report is not regenerated). One transaction; audited; a todo to the legal department."""
    if kind not in ReportKind.values:
        raise ServiceError("invalid_kind", "报表类型无效")
    month_range(year, month)
    rows = rows_for(kind, unit, year, month)
    with transaction.atomic():
        report, created = StatutoryReport.objects.select_for_update().get_or_create(
            kind=kind, year=year, month=month, unit=unit, defaults={"created_by": actor if actor else None}
        )
        if not created and report.status == ReportStatus.SENT:
            raise ServiceError("bad_state", f"“{report}”已报送，不能重新生成。")
        number = (report.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        ReportVersion.objects.create(
            report=report,
            number=number,
            columns=COLUMNS[kind],
            rows=rows,
            generated_by=actor,
            reason=reason or ("定时生成" if actor is None else "人工生成"),
        )
        before = report.get_status_display()
        report.version, report.row_count = number, len(rows)
        report.status, report.generated_at = ReportStatus.GENERATED, timezone.now()
        report.reviewed_by = report.reviewed_at = None
        report.save()
        audit.record(
            actor,
            AuditAction.UPDATE if not created else AuditAction.CREATE,
            report,
            changes={"版本": [number - 1 or None, number], "状态": [before, report.get_status_display()]},
        )
        notify.complete_todos(_todo_key(report))
        url = reverse("analytics:statutoryreport_detail", args=[report.pk])
        for user in responsible_users(unit):
            notify.post_todo(
                user,
                f"审核{report}（第{number}版，{len(rows)}条）",
                category="法定月报",
                url=url,
                source_key=_todo_key(report),
            )
    return report


def do_regenerate(actor: User, report: StatutoryReport, reason: str = "") -> StatutoryReport:
    return do_generate(
        actor, kind=report.kind, year=report.year, month=report.month, unit=report.unit, reason=reason or "重新生成"
    )


def do_review(actor: User, report: StatutoryReport, note: str = "") -> StatutoryReport:
    """审核: 待审核 → 已审核. The todo of the report is done."""
    with transaction.atomic():
        report = StatutoryReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.GENERATED:
            raise ServiceError("bad_state", f"“{report}”当前状态为“{report.get_status_display()}”，不能审核。")
        report.status, report.reviewed_by, report.reviewed_at = ReportStatus.REVIEWED, actor, timezone.now()
        report.note = note or report.note
        report.save()
        audit.record(actor, AuditAction.UPDATE, report, changes={"状态": ["待审核", "已审核"]})
        notify.complete_todos(_todo_key(report))
    return report


def do_mark_sent(actor: User, report: StatutoryReport, sent_to: str = "", note: str = "") -> StatutoryReport:
    """标记已报送: 已审核 → 已报送, with where it went."""
    with transaction.atomic():
        report = StatutoryReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.REVIEWED:
            raise ServiceError("bad_state", f"“{report}”须先审核，才能标记为已报送。")
        report.status, report.sent_by, report.sent_at = ReportStatus.SENT, actor, timezone.now()
        report.sent_to = sent_to or SENT_TO.get(report.kind, "")
        report.note = note or report.note
        report.save()
        audit.record(
            actor, AuditAction.UPDATE, report, changes={"状态": ["已审核", "已报送"], "报送对象": ["", report.sent_to]}
        )
    return report


def corps_units() -> list[Unit]:
    from teis.org.models import Unit

    return list(Unit.objects.filter(unit_type="corps", is_active=True))


def generate_due(actor: User | None = None, today: dt.date | None = None) -> list[StatutoryReport]:
    """The monthly job: last month's reports of each corps, unless already sent."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    out = []
    for unit in corps_units():
        for kind in ReportKind.values:
            existing = StatutoryReport.objects.filter(kind=kind, year=last.year, month=last.month, unit=unit).first()
            if existing is not None and existing.status == ReportStatus.SENT:
                continue
            out.append(do_generate(actor, kind=kind, year=last.year, month=last.month, unit=unit))
    return out


def version_xlsx(version: ReportVersion) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    report = version.report
    wb = Workbook()
    ws = wb.active
    ws.title = report.get_kind_display()[:30]
    ws.append([f"{report.unit.name} {report}（第{version.number}版）"])
    ws.append(version.columns)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in version.rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
