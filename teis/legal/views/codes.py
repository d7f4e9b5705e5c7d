"""Pages of violation codes, case causes, benchmarks and discretion beyond the generic ones: linkage (关联管理),
benchmark editing with its levels, online benchmark query, selection (选取适用), Excel import / export. The legal
review of an application and the acknowledgement of a warning are declared actions (`legal/tables.py`)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from teis.core.forms import add_service_error
from teis.core.services import ServiceError
from teis.core.storage import get_storage
from teis.core.views import require, xlsx_response

from .. import imports
from ..choices import ApplicationStatus
from ..forms import (
    BenchmarkForm,
    DiscretionApplyForm,
    ImportForm,
    LevelFormSet,
    level_initial,
)
from ..models import DiscretionBenchmark, ViolationCode
from ..services import codes as code_services
from ..services import discretion as discretion_services

# --- violation code linkage -------------------------------------------------------------------------------


@login_required
def code_links(request, pk: int):
    require(request, "legal.view_violationcode")
    code = get_object_or_404(ViolationCode.objects.for_user(request.user), pk=pk)
    ctx = {"object": code, **code_services.code_links(code)}
    return render(request, "legal/code_links.html", ctx)


# --- benchmark editing --------------------------------------------------------------------------------------


@login_required
def benchmark_edit(request, pk: int | None = None):
    benchmark = None
    if pk is not None:
        benchmark = get_object_or_404(DiscretionBenchmark.objects.for_user(request.user), pk=pk)
    require(request, "legal.change_discretionbenchmark" if benchmark else "legal.add_discretionbenchmark")
    initial = {}
    if benchmark is None and request.GET.get("code"):
        initial["violation_code"] = ViolationCode.objects.filter(code=request.GET["code"], is_current=True).first()
    data = request.POST if request.method == "POST" else None  # an empty POST is still bound: errors shown
    form = BenchmarkForm(data, instance=benchmark, user=request.user, initial=initial)
    formset = LevelFormSet(data, initial=level_initial(benchmark), prefix="levels")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            levels = [f.level_data() for f in formset.forms if f.has_changed() or f.cleaned_data.get("id")]
            levels = [lv for lv in levels if lv.get("name") and not lv.get("DELETE")]
            data = dict(form.cleaned_data)
            try:
                obj = discretion_services.do_save_benchmark(request.user, benchmark, data, levels)
            except ServiceError as err:
                form.add_error(None, err.message)
                kept = [f for f in formset.forms if (f.has_changed() or f.cleaned_data.get("id"))]
                kept = [f for f in kept if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")]
                for key, msgs in err.fields.items():
                    if key.startswith("levels.") and key.split(".")[1].isdigit():
                        i = int(key.split(".")[1])
                        if i < len(kept):
                            for m in msgs:
                                kept[i].add_error(None, m)
                    elif key in form.fields:
                        for m in msgs:
                            form.add_error(key, m)
            else:
                messages.success(request, f"自由裁量基准“{obj}”已保存。")
                return redirect(reverse("legal:discretionbenchmark_detail", args=[obj.pk]))
    ctx = {
        "form": form,
        "formset": formset,
        "object": benchmark,
        "list_url": reverse("legal:discretionbenchmark_list"),
    }
    return render(request, "legal/benchmark_edit.html", ctx, status=status)


# --- discretion: query, selection, review ----------------------------------------------------------------


def _code_and_benchmark(text: str):
    code = ViolationCode.objects.filter(code=(text or "").strip(), is_current=True).first() if text else None
    benchmark = discretion_services.active_benchmark(code) if code else None
    return code, benchmark


@login_required
def discretion_query(request):
    """在线查询: pick a code, see its benchmark's circumstances."""
    require(request, "legal.view_discretionbenchmark")
    text = request.GET.get("code", "").strip()
    code, benchmark = _code_and_benchmark(text)
    levels = []
    if benchmark:
        for lv in benchmark.levels.all():
            sel = discretion_services.select_benchmark(code, lv)
            levels.append((lv, sel))
    ctx = {
        "query": text,
        "code": code,
        "benchmark": benchmark,
        "levels": levels,
        "not_found": bool(text) and code is None,
        "codes": ViolationCode.objects.filter(is_current=True, benchmarks__is_active=True)
        .distinct()
        .order_by("code")
        .values_list("code", "name")[:2000],
    }
    return render(request, "legal/discretion_query.html", ctx)


@login_required
def discretion_level(request):
    """HTMX fragment: the range, suggested amount and conditions of one circumstance."""
    require(request, "legal.view_discretionbenchmark")
    selection, error = None, ""
    try:
        selection = discretion_services.select_benchmark(request.GET.get("code", ""), request.GET.get("level", ""))
    except ServiceError as err:
        error = err.message
    return render(request, "legal/_discretion_level.html", {"selection": selection, "error": error})


@login_required
def discretion_apply(request):
    """选取适用: choose a circumstance and an amount; a deviation goes to legal review."""
    require(request, "legal.view_discretionbenchmark")
    text = (request.POST.get("code") or request.GET.get("code") or "").strip()
    code, benchmark = _code_and_benchmark(text)
    levels = list(benchmark.levels.all()) if benchmark else []
    level_id = request.POST.get("level") or request.GET.get("level") or ""
    chosen = next((lv for lv in levels if str(lv.pk) == level_id), None)
    form = DiscretionApplyForm(
        request.POST or None,
        initial={"code": text, "level": level_id},
        levels=levels,
        conditions=chosen.conditions if chosen else (),
    )
    selection = discretion_services.select_benchmark(code, chosen) if chosen else None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                application = discretion_services.do_apply_discretion(
                    request.user,
                    violation_code=d["code"],
                    level=chosen or d["level"],
                    amount=d.get("amount"),
                    conditions_met=d.get("conditions_met") or [],
                    reason=d.get("reason", ""),
                    case_reference=d.get("case_reference", ""),
                )
            except ServiceError as err:
                add_service_error(form, err)
            else:
                if application.status == ApplicationStatus.PENDING:
                    messages.warning(request, "已偏离裁量基准，已提交法制审核，审核结果将通知您。")
                else:
                    messages.success(request, "符合裁量基准，已记录。")
                return redirect(reverse("legal:discretionapplication_detail", args=[application.pk]))
    ctx = {"form": form, "code": code, "benchmark": benchmark, "selection": selection, "query": text}
    return render(request, "legal/discretion_apply.html", ctx, status=status)


# --- Excel import / export -------------------------------------------------------------------------------

SESSION_KEY = "legal_imports"


def _kind_or_404(kind: str) -> dict:
    from django.http import Http404

    if kind not in imports.KINDS:
        raise Http404
    return imports.KINDS[kind]


def _perm(spec: dict, action: str) -> str:
    return f"legal.{action}_{spec['model']._meta.model_name}"


@login_required
def import_view(request, kind: str):
    """Upload → validation report → confirm (all rows, or only the valid ones)."""
    spec = _kind_or_404(kind)
    require(request, _perm(spec, "add"))
    require(request, _perm(spec, "change"))
    storage = get_storage()
    pending = request.session.get(SESSION_KEY, {})
    form = (
        ImportForm(request.POST or None, request.FILES or None)
        if request.POST.get("step") != "confirm"
        else ImportForm()
    )
    report = None
    token = ""
    status = 200
    list_url = reverse(f"legal:{spec['model']._meta.model_name}_list")
    if request.method == "POST" and request.POST.get("step") == "confirm":
        token = request.POST.get("token", "")
        entry = pending.get(token)
        if not entry or entry.get("kind") != kind:
            messages.error(request, "导入文件已失效，请重新上传。")
            return redirect(reverse("legal:import", args=[kind]))
        with storage.open(entry["path"], "rb") as fh:
            content = fh.read()
        try:
            result = imports.do_import(
                request.user, kind, content, valid_only=request.POST.get("valid_only") == "1", file_name=entry["name"]
            )
        except ServiceError as err:
            messages.error(request, err.message)
            report = imports.validate_workbook(kind, content)
            status = 400
        else:
            storage.delete(entry["path"])
            pending.pop(token, None)
            request.session[SESSION_KEY] = pending
            messages.success(request, f"{spec['label']}导入完成：{result.summary()}")
            return redirect(list_url)
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            report = imports.validate_workbook(kind, content)
            if not report.header_error:
                token = uuid.uuid4().hex
                stored = storage.save(f"legal_imports/{token}.xlsx", ContentFile(content))
                pending = {k: v for k, v in pending.items() if k != token}
                pending[token] = {"kind": kind, "path": stored, "name": upload.name}
                request.session[SESSION_KEY] = dict(list(pending.items())[-5:])
                status = 200
            else:
                form.add_error("file", report.header_error)
    ctx = {
        "kind": kind,
        "spec": spec,
        "form": form,
        "report": report,
        "token": token,
        "list_url": list_url,
        "export_url": reverse("legal:export", args=[kind]),
        "kinds": [(k, v["label"]) for k, v in imports.KINDS.items()],
    }
    return render(request, "legal/import.html", ctx, status=status)


@login_required
def export_view(request, kind: str):
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    spec = _kind_or_404(kind)
    require(request, _perm(spec, "view"))
    content, n = imports.export_workbook(kind)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        detail={"model": spec["model"]._meta.label_lower, "rows": n, "kind": kind, "format": "import_template"},
    )
    return xlsx_response(content, f"{spec['label']}_{timezone.localtime():%Y%m%d%H%M}.xlsx")


urlpatterns = [
    path("violationcode/<int:pk>/links/", code_links, name="violationcode_links"),
    # The benchmark's add / edit pages replace the generic ones (same paths, listed first): levels inline.
    path("discretionbenchmark/add/", benchmark_edit, name="benchmark_add"),
    path("discretionbenchmark/<int:pk>/edit/", benchmark_edit, name="benchmark_edit"),
    path("discretion/", discretion_query, name="discretion_query"),
    path("discretion/level/", discretion_level, name="discretion_level"),
    path("discretion/apply/", discretion_apply, name="discretion_apply"),
    path("import/", lambda request: redirect("legal:import", kind="codes"), name="import_index"),
    path("import/<str:kind>/", import_view, name="import"),
    path("export/<str:kind>.xlsx", export_view, name="export"),
]
