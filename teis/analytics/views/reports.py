"""案件统计 (/analytics/cases/), its drill-down (/analytics/drill/) and 非法客运统计 (/analytics/illegal/): a
chart beside each table, every figure a link to the rows it counts, Excel and printable PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.pdf import render_pdf
from teis.core.registry import registry
from teis.core.services import ServiceError
from teis.core.views import require, xlsx_response

from .. import semantic as sem
from ..services import case_report, illegal
from ..services.params import parse
from .common import STATS, as_json, error_page, unit_choices

PAGE = 20


def _base_ctx(request, params=None) -> dict:
    return {
        "groups": case_report.GROUPS,
        "units": unit_choices(request.user),
        "params": params,
        "line_choices": _line_choices(),
        "source_choices": _choices("source"),
        "procedure_choices": _choices("procedure"),
    }


def _choices(dim: str) -> list[tuple[str, str]]:
    return list(sem.dimension(dim).labels([]).items())


def _line_choices() -> list[tuple[str, str]]:
    from teis.core.models import DictionaryItem

    return [
        (str(pk), label)
        for pk, label in DictionaryItem.objects.filter(dict_type__code="business_line", is_active=True).values_list(
            "pk", "label"
        )
    ]


@login_required
def case_statistics(request):
    require(request, STATS)
    ctx = _base_ctx(request)
    try:
        params = parse(request.user, request.GET)
        ctx["params"] = params
        data = case_report.build(request.user, params)
    except ServiceError as err:
        return error_page(request, "analytics/case_report.html", ctx, err)
    title = f"案件统计（{data['root'].name}）"
    export = request.GET.get("export")
    if export in ("xlsx", "pdf"):
        audit.record(request.user, AuditAction.EXPORT, detail={"report": "case_statistics", "format": export})
        stamp = f"{timezone.localtime():%Y%m%d%H%M}"
        if export == "xlsx":
            return xlsx_response(case_report.to_xlsx(data, title), f"案件统计_{stamp}.xlsx")
        pdf = render_pdf("analytics/case_report_pdf.html", {"data": data, "title": title, "now": timezone.now()})
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f"inline; filename=case_statistics_{stamp}.pdf"
        return response
    ctx |= {"data": data, "title": title, "chart": as_json(case_report.chart(data)), "query": params.query()}
    return render(request, "analytics/case_report.html", ctx)


def _config_for(f: sem.Fact):
    try:
        return registry.get(f.model)
    except KeyError:
        return None


@login_required
def drill(request):
    """The rows of one figure: exactly those it counts, in the user's scope, masked like their list."""
    from teis.core.display import display_value

    require(request, STATS)
    try:
        params = parse(request.user, request.GET)
        f = sem.fact(request.GET.get("fact", ""))
        root = sem.report_root(request.user, params.unit)
        sl = params.slice(root)
        period = request.GET.get("period", "")
        if period == "prev":
            sl = sl.previous()
        elif period == "ly":
            sl = sl.shifted(years=-1)
        key = request.GET.get("key")
        group = params.group if key is not None else None
        qs = sem.drill(request.user, f.key, sl, group, key)
    except ServiceError as err:
        return error_page(request, "analytics/drill.html", {}, err)
    n, amount = sem.measure_of(f, qs)
    try:
        page_no = min(10**6, max(1, int(request.GET.get("page", "1"))))
    except ValueError:
        page_no = 1
    config = _config_for(f)
    related = [c.split("__")[0] for c in f.drill_columns if _is_fk(f, c)]
    rows = list(qs.select_related(*related)[(page_no - 1) * PAGE : page_no * PAGE])
    from teis.core.display import column_label

    model = f.base_model()
    columns = [column_label(model, c) for c in f.drill_columns]
    table = []
    for obj in rows:
        cells = [
            display_value(obj, c, config, request.user) if config else str(getattr(obj, c, "")) for c in f.drill_columns
        ]
        url = ""
        if config is not None:
            from django.urls import reverse

            url = reverse(config.url_name("detail"), args=[obj.pk])
        table.append({"cells": cells, "url": url})
    label = ""
    if key is not None and group:
        label = next((r.label for r in sem.totals(request.user, f.key, sl, group) if r.key == key), key)
    pages = (n + PAGE - 1) // PAGE
    ctx = {
        "fact": f,
        "slice": sl,
        "root": root,
        "group_label": case_report.GROUPS.get(group or "", sem.DERIVED_GROUPS.get(group or "", group or "")),
        "key_label": label,
        "n": n,
        "amount": amount,
        "columns": columns,
        "table": table,
        "page": page_no,
        "pages": pages,
        "query": request.GET.urlencode(),
        "base_query": _without_page(request.GET),
    }
    return render(request, "analytics/drill.html", ctx)


def _without_page(get) -> str:
    q = get.copy()
    q.pop("page", None)
    return q.urlencode()


def _is_fk(f: sem.Fact, column: str) -> bool:
    try:
        field = f.base_model()._meta.get_field(column.split("__")[0])
    except Exception:
        return False
    return field.is_relation and field.many_to_one


@login_required
def illegal_statistics(request):
    """非法客运统计 (§2.1.4.1): records by unit and month, passengers, blacklist by kind and status."""
    require(request, STATS)
    ctx = _base_ctx(request)
    try:
        params = parse(request.user, request.GET)
        ctx["params"] = params
        data = illegal.build(request.user, params)
    except ServiceError as err:
        return error_page(request, "analytics/illegal.html", ctx, err)
    if request.GET.get("export") == "xlsx":
        audit.record(request.user, AuditAction.EXPORT, detail={"report": "illegal_transport"})
        return xlsx_response(illegal.to_xlsx(data), f"非法客运统计_{timezone.localtime():%Y%m%d%H%M}.xlsx")
    ctx |= {"data": data, "chart": as_json(illegal.chart(data)), "query": params.query()}
    return render(request, "analytics/illegal.html", ctx)


urlpatterns = [
    path("cases/", case_statistics, name="case_statistics"),
    path("drill/", drill, name="drill"),
    path("illegal/", illegal_statistics, name="illegal_statistics"),
]
