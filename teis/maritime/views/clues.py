"""Clue images, the 《涉嫌违章船舶信息》 PDF, checkpoint traffic and forecast."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone

from teis.core.views import require

from ..choices import ClueStatus
from ..models import Checkpoint, Clue
from ..services import clues as clue_services
from ..services import stats


@login_required
def clue_image(request, pk: int, which: str):
    require(request, "maritime.view_clue")
    clue = get_object_or_404(Clue.objects.for_user(request.user).select_related("perception"), pk=pk)
    if which not in ("full_image", "closeup_image") or clue.perception is None:
        raise Http404
    key = getattr(clue.perception, which)
    from teis.core.storage import get_storage

    storage = get_storage()
    if not key or not storage.exists(key):
        raise Http404
    with storage.open(key) as fh:
        return HttpResponse(fh.read(), content_type="image/jpeg")


@login_required
def suspect_list(request):
    """《涉嫌违章船舶信息》 PDF of the clues in scope (filter: status, date range)."""
    require(request, "maritime.view_clue")
    qs = Clue.objects.for_user(request.user).order_by("time")
    status = request.GET.get("status")
    if status in ClueStatus.values:
        qs = qs.filter(status=status)
    for key, lookup in (("start", "time__date__gte"), ("end", "time__date__lte")):
        if request.GET.get(key):
            try:
                qs = qs.filter(**{lookup: dt.date.fromisoformat(request.GET[key])})
            except ValueError:
                return HttpResponse(
                    "日期格式错误，应为 YYYY-MM-DD", status=400, content_type="text/plain; charset=utf-8"
                )
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    audit.record(request.user, AuditAction.EXPORT, None, object_type="maritime.clue", object_repr="涉嫌违章船舶信息")
    resp = HttpResponse(clue_services.suspect_list_pdf(qs[:500]), content_type="application/pdf")
    resp["Content-Disposition"] = f"inline; filename=suspect-vessels-{timezone.localdate()}.pdf"
    return resp


@login_required
def checkpoint_stats(request, pk: int):
    require(request, "maritime.view_checkpoint")
    checkpoint = get_object_or_404(Checkpoint.objects.for_user(request.user), pk=pk)
    days = request.GET.get("days", "28")
    days = int(days) if days.isdigit() and 1 <= int(days) <= 366 else 28
    end = timezone.now()
    data = stats.checkpoint_traffic(checkpoint, end - dt.timedelta(days=days), end)
    return render(request, "maritime/checkpoint_stats.html", {"checkpoint": checkpoint, "data": data, "days": days})


urlpatterns = [
    path("clues/<int:pk>/image/<str:which>/", clue_image, name="clue_image"),
    path("clues/suspect-list.pdf", suspect_list, name="suspect_list"),
    path("checkpoints/<int:pk>/stats/", checkpoint_stats, name="checkpoint_stats"),
]
