"""Evidence administration pages: the uploader, upcoming deletions (preview), device health, workstation
credentials, device / workstation log import, verification of everything."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import EvidenceCategory, EvidenceSource
from ..models import Device
from ..services import devices, ingest, retention


@login_required
def upload(request):
    require(request, "evidence.add_evidenceitem")
    return render(
        request,
        "evidence/upload.html",
        {
            "categories": EvidenceCategory.choices,
            "sources": [c for c in EvidenceSource.choices if c[0] != EvidenceSource.SYSTEM],
            "chunk_size": ingest.CHUNK_MAX,  # large chunks: fewer requests (streamed, never held in memory)
            "case_id": request.GET.get("case", ""),
        },
    )


@login_required
def retention_page(request):
    require(request, "evidence.manage_retention")
    try:
        days = max(0, min(int(request.GET.get("days", "7")), 365))
    except ValueError:
        days = 7
    due = retention.preview(within_days=days)
    return render(
        request, "evidence/retention.html", {"due": due, "days": days, "recovery_days": retention.RECOVERY_DAYS}
    )


@login_required
@require_POST
def verify_all(request):
    require(request, "evidence.manage_retention")
    from ..tasks import verify_all as job

    job(request.user.pk)
    messages.success(request, "已提交全部证据完整性校验任务，结果见“完整性校验”")
    return redirect(reverse("evidence:integritycheck_list"))


@login_required
def health(request):
    require(request, "evidence.view_device")
    return render(request, "evidence/health.html", {"rows": devices.health_rows(request.user)})


@login_required
def station_credential(request, pk: int):
    require(request, "evidence.change_device")
    station = get_object_or_404(Device.objects.for_user(request.user), pk=pk)
    secret = None
    if request.method == "POST":
        try:
            secret = devices.do_issue_credential(request.user, station)
        except ServiceError as err:
            messages.error(request, err.message)
    return render(request, "evidence/station_credential.html", {"station": station, "secret": secret})


class LogImportForm(forms.Form):
    file = forms.FileField(label="日志文件（CSV 或 JSON）")


@login_required
def log_import(request):
    require(request, "evidence.change_device")
    form = LogImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 20 * 1024 * 1024:
                form.add_error("file", "文件不能超过 20 MB")
            else:
                try:
                    result = devices.do_import_logs(request.user, upload.read(), upload.name)
                except ServiceError as err:
                    form.add_error("file", err.message)
                else:
                    messages.success(request, f"已导入 {result['imported']} 条设备日志到审计记录")
                    return redirect(reverse("evidence:log_import"))
    return render(request, "evidence/log_import.html", {"form": form}, status=status)


urlpatterns = [
    path("upload/", upload, name="upload"),
    path("retention/", retention_page, name="retention"),
    path("verify-all/", verify_all, name="verify_all"),
    path("health/", health, name="health"),
    path("devices/<int:pk>/credential/", station_credential, name="station_credential"),
    path("logs/import/", log_import, name="log_import"),
]
