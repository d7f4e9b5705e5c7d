"""非法客运统计 (spec §2.1.4.1) from the cases app's 非法客运 records and 黑名单, through the semantic layer."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from .. import semantic as sem
from .params import ReportParams

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _url(params: ReportParams, fact: str, key: str | None, group: str | None) -> str:
    return reverse("analytics:drill") + "?" + params.query(fact=fact, key=key, group=group or params.group)


def build(user: User, params: ReportParams) -> dict[str, Any]:
    root = sem.report_root(user, params.unit)
    sl = sem.Slice(params.start, params.end, root)
    by_unit = sem.totals(user, "illegal_transport", sl, sem.UNIT_LEVEL)
    by_month = sem.totals(user, "illegal_transport", sl, sem.MONTH)
    total = sem.totals(user, "illegal_transport", sl)[0]
    bl_kind = sem.totals(user, "blacklist", sl, "kind")
    bl_status = sem.totals(user, "blacklist", sl, "bl_status")
    prev = sem.totals(user, "illegal_transport", sl.previous())[0]
    ly = sem.totals(user, "illegal_transport", sl.shifted(years=-1))[0]
    return {
        "root": root,
        "slice": sl,
        "total": total,
        "previous": prev,
        "last_year": ly,
        "total_url": _url(params, "illegal_transport", None, None),
        "by_unit": [(r, _url(params, "illegal_transport", r.key, sem.UNIT_LEVEL)) for r in by_unit],
        "by_month": [(r, _url(params, "illegal_transport", r.key, sem.MONTH)) for r in by_month],
        "blacklist_kind": [(r, _url(params, "blacklist", r.key, "kind")) for r in bl_kind],
        "blacklist_status": [(r, _url(params, "blacklist", r.key, "bl_status")) for r in bl_status],
    }


def chart(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "units": [r.label for r, _ in data["by_unit"]],
        "unit_n": [r.n for r, _ in data["by_unit"]],
        "months": [r.label for r, _ in data["by_month"]],
        "month_n": [r.n for r, _ in data["by_month"]],
        "kinds": [{"name": r.label, "value": r.n} for r, _ in data["blacklist_kind"]],
    }


def to_xlsx(data: dict[str, Any]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "非法客运统计"
    ws.append(["单位", "查处起数", "载客人数"])
    for r, _ in data["by_unit"]:
        ws.append([r.label, r.n, int(r.amount)])
    ws.append(["合计", data["total"].n, int(data["total"].amount)])
    ws2 = wb.create_sheet("按月")
    ws2.append(["月份", "查处起数", "载客人数"])
    for r, _ in data["by_month"]:
        ws2.append([r.label, r.n, int(r.amount)])
    ws3 = wb.create_sheet("黑名单")
    ws3.append(["类别", "登记数"])
    for r, _ in data["blacklist_kind"]:
        ws3.append([r.label, r.n])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
