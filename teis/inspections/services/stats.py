"""Statistics of inspections by unit, time (month of inspection or deadline), industry and object, within the
user's data scope; the same figures feed the page's charts, the API and the Excel export."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from ..choices import TaskResult, TaskStatus
from ..models import InspectionTask

if TYPE_CHECKING:
    from django.db.models import QuerySet

COUNTS = {
    "total": Count("pk", distinct=True),
    "done": Count("pk", filter=Q(status=TaskStatus.DONE), distinct=True),
    "no_problem": Count("pk", filter=Q(result=TaskResult.NO_PROBLEM), distinct=True),
    "rectify": Count("pk", filter=Q(result=TaskResult.RECTIFY), distinct=True),
    "file_case": Count("pk", filter=Q(result=TaskResult.FILE_CASE), distinct=True),
}
COLUMNS = [
    ("total", "任务数"),
    ("done", "已完成"),
    ("no_problem", "未发现问题"),
    ("rectify", "责令整改"),
    ("file_case", "立案"),
]


def scoped_tasks(user: Any, *, year: int | None = None, plan: int | None = None) -> QuerySet[InspectionTask]:
    qs = InspectionTask.objects.for_user(user)
    if year:
        qs = qs.filter(plan__year=year)
    if plan:
        qs = qs.filter(plan_id=plan)
    return qs


def _rows(qs: QuerySet[InspectionTask], key: str, label: str) -> list[dict[str, Any]]:
    out = []
    for r in qs.values(key, label).annotate(**COUNTS).order_by(key):
        row = {"key": r[key], "label": r[label] or "（无）", **{k: r[k] for k, _ in COLUMNS}}
        row["rate"] = round(row["done"] * 100 / row["total"], 1) if row["total"] else 0.0
        out.append(row)
    return out


def statistics(user: Any, *, year: int | None = None, plan: int | None = None) -> dict[str, Any]:
    qs = scoped_tasks(user, year=year, plan=plan)
    months = []
    for r in qs.annotate(month=TruncMonth("deadline")).values("month").annotate(**COUNTS).order_by("month"):
        row = {
            "key": r["month"].strftime("%Y-%m"),
            "label": r["month"].strftime("%Y-%m"),
            **{k: r[k] for k, _ in COLUMNS},
        }
        row["rate"] = round(row["done"] * 100 / row["total"], 1) if row["total"] else 0.0
        months.append(row)
    by_object = sorted(
        _rows(qs, "inspection_object__credit_code", "inspection_object__name"),
        key=lambda r: (-(r["rectify"] + r["file_case"]), -r["total"], r["key"]),
    )[:20]
    totals = qs.aggregate(**COUNTS)
    totals["rate"] = round(totals["done"] * 100 / totals["total"], 1) if totals["total"] else 0.0
    return {
        "totals": totals,
        "by_unit": _rows(qs, "unit__name", "unit__name"),
        "by_industry": _rows(qs, "inspection_object__industry__code", "inspection_object__industry__label"),
        "by_month": months,
        "by_object": by_object,
    }


SECTIONS = [("by_unit", "按单位"), ("by_industry", "按行业"), ("by_month", "按月份"), ("by_object", "按检查对象")]


def statistics_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for key, title in SECTIONS:
        ws = wb.create_sheet(title)
        ws.append([title.removeprefix("按"), *[label for _, label in COLUMNS], "完成率(%)"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in data[key]:
            ws.append([row["label"], *[row[k] for k, _ in COLUMNS], row["rate"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
