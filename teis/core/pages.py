"""Core pages outside the generic family: home, todo, notifications, jobs, export progress, health."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import notify
from .http import AuthenticatedHttpRequest
from .jobs import PERIODIC
from .models import ExportJob, JobRun, Notification, TodoItem, TodoStatus
from .views import paginate


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """工作台: the panels of the user's roles (`core.home`): key figures on top, then what to do next."""
    from .home import panels_for

    panels = panels_for(request.user)
    figure_panels = [(p, c) for p, c in panels if p.strip]
    list_panels = [(p, c) for p, c in panels if not p.strip]
    return render(
        request,
        "core/home.html",
        {
            "figure_panels": figure_panels,
            "list_panels": list_panels,
            "charts": any(c.chart for _, c in figure_panels),
        },
    )


@login_required
def todo_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", TodoStatus.OPEN)
    qs = TodoItem.objects.filter(user=request.user, status=status).order_by("-created_at")
    page = paginate(request, qs)
    return render(request, "core/todo_list.html", {"page": page, "status": status, "statuses": TodoStatus.choices})


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = Notification.objects.filter(user=request.user).order_by("-created_at")
    page = paginate(request, qs)
    return render(request, "core/notification_list.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    notify.mark_read(request.user)
    return redirect("core:notification_list")


@login_required
@permission_required("core.view_jobrun", raise_exception=True)
def jobs(request: AuthenticatedHttpRequest) -> HttpResponse:
    last_runs: dict[str, JobRun | None] = {}
    for name in PERIODIC:
        last_runs[name] = JobRun.objects.filter(name=name).order_by("-started_at").first()
    rows = [(job, last_runs[name], job.next_run()) for name, job in sorted(PERIODIC.items())]
    recent = JobRun.objects.order_by("-started_at")[:30]
    return render(request, "core/jobs.html", {"rows": rows, "recent": recent, "processes": supervised_processes()})


PROCESS_LABELS = {"web": "Web 服务", "worker": "任务进程", "ais": "AIS 接收", "jt808": "JT/T 808 网关"}


def supervised_processes() -> list[dict[str, Any]]:
    """The embedded supervisor's children (scripts/supervise.py writes their state); [] when not supervised."""
    import datetime as dt
    import json

    from django.conf import settings
    from django.utils import timezone

    path = getattr(settings, "TEIS_SUPERVISOR_STATE", None)
    try:
        data = json.loads(path.read_text()) if path else {}
    except (OSError, ValueError):
        return []

    def at(ts: float | None) -> dt.datetime | None:
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC).astimezone(timezone.get_current_timezone()) if ts else None

    rows: list[dict[str, Any]] = []
    for child in data.get("children", []):
        rows.append(
            {
                "name": child.get("name", ""),
                "label": PROCESS_LABELS.get(child.get("name", ""), child.get("name", "")),
                "state": child.get("state", ""),
                "pid": child.get("pid"),
                "restarts": child.get("restarts", 0),
                "started_at": at(child.get("started_at")),
                "last_exit_code": child.get("last_exit_code"),
                "last_exit_at": at(child.get("last_exit_at")),
            }
        )
    return rows


@login_required
def export_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ExportJob, pk=pk, user=request.user)
    template = "core/_export_progress.html" if request.htmx else "core/export_job.html"
    return render(request, template, {"job": job})


@login_required
def export_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    from .storage import get_storage

    job = get_object_or_404(ExportJob, pk=pk, user=request.user, status=ExportJob.Status.DONE)
    storage = get_storage()
    if not job.file_name or not storage.exists(job.file_name):
        raise Http404
    return FileResponse(storage.open(job.file_name, "rb"), as_attachment=True, filename=f"导出_{job.pk}.xlsx")


def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive (no dependencies checked)."""
    return HttpResponse("ok", content_type="text/plain")


def readyz(request: HttpRequest) -> JsonResponse:
    """Database, cache and job queue reachable: 200 with details, 503 if any fails."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"失败: {exc}"
    try:
        from django.core.cache import cache

        cache.set("readyz", "1", 5)
        checks["cache"] = "ok" if cache.get("readyz") == "1" else "失败"
    except Exception as exc:
        checks["cache"] = f"失败: {exc}"
    try:
        from huey.contrib.djhuey import HUEY

        HUEY.pending_count()
        checks["queue"] = "ok"
    except Exception as exc:
        checks["queue"] = f"失败: {exc}"
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
