"""法定月报 pages beside the generic list / detail: generate a month by hand, download a version as Excel, the
version history; and 运行失信规则 (apply the rules now)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.views import require, xlsx_response

from ..choices import ReportKind
from ..models import ReportVersion, StatutoryReport
from ..services import dishonesty, statutory

VIEW = "analytics.view_statutoryreport"
CHANGE = "analytics.change_statutoryreport"


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label="报表类型", choices=ReportKind.choices)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.IntegerField(label="月份", min_value=1, max_value=12)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select" if isinstance(f, forms.ChoiceField) else "form-control"


@login_required
def generate(request):
    require(request, CHANGE)
    last = timezone.localdate().replace(day=1) - timezone.timedelta(days=1)
    form = GenerateForm(
        request.POST or None, initial={"kind": ReportKind.CREDIT, "year": last.year, "month": last.month}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            units = statutory.corps_units()
            try:
                if not units:
                    raise ServiceError("no_corps", "没有执法总队单位，无法生成月报")
                report = statutory.do_generate(
                    request.user,
                    kind=form.cleaned_data["kind"],
                    year=form.cleaned_data["year"],
                    month=form.cleaned_data["month"],
                    unit=units[0],
                    reason="人工生成",
                )
            except ServiceError as err:
                form.add_error(None, err.message)
                status = 400
            else:
                messages.success(request, f"已生成{report}（第{report.version}版，{report.row_count}条）")
                return redirect("analytics:statutoryreport_detail", report.pk)
        else:
            status = 400
    return render(request, "analytics/report_generate.html", {"form": form}, status=status)


def _version(request, pk, number=None) -> ReportVersion:
    require(request, VIEW)
    report = get_object_or_404(StatutoryReport.objects.for_user(request.user), pk=pk)
    return get_object_or_404(report.versions, number=number or report.version)


@login_required
def report_xlsx(request, pk):
    raw = request.GET.get("version")
    version = _version(request, pk, int(raw) if raw and raw.isdigit() else None)
    report = version.report
    audit.record(request.user, AuditAction.EXPORT, report, detail={"版本": version.number})
    return xlsx_response(
        statutory.version_xlsx(version),
        f"{report.unit.name}_{report.period}_{report.get_kind_display()}_v{version.number}.xlsx",
    )


@login_required
def report_versions(request, pk):
    require(request, VIEW)
    report = get_object_or_404(StatutoryReport.objects.for_user(request.user), pk=pk)
    versions = list(report.versions.select_related("generated_by"))
    current = next((v for v in versions if v.number == report.version), None)
    return render(
        request, "analytics/report_versions.html", {"report": report, "versions": versions, "current": current}
    )


@login_required
def run_rules(request):
    require(request, "analytics.change_dishonestycandidate")
    result = None
    status = 200
    if request.method == "POST":
        try:
            result = dishonesty.do_run_rules(request.user)
        except ServiceError as err:
            messages.error(request, err.message)
            status = 400
        else:
            messages.success(
                request,
                f"已运行 {result['rules']} 条规则：新增候选 {result['added']} 个，更新 {result['refreshed']} 个",
            )
            return redirect("analytics:dishonestycandidate_list")
    return render(request, "analytics/run_rules.html", {"result": result}, status=status)


urlpatterns = [
    path("reports/generate/", generate, name="report_generate"),
    path("reports/<int:pk>/xlsx/", report_xlsx, name="report_xlsx"),
    path("reports/<int:pk>/versions/", report_versions, name="report_versions"),
    path("dishonesty/run/", run_rules, name="run_rules"),
]
