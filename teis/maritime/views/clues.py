"""线索办理 (筛选 / 审核 / 推送), the 《涉嫌违章船舶信息》 PDF, checkpoint traffic and forecast."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import ClueStatus
from ..models import Checkpoint, Clue
from ..services import clues as clue_services
from ..services import stats


@login_required
def clue_detail(request, pk: int):
    require(request, "maritime.view_clue")
    try:
        clue = clue_services.access_clue(request.user, pk)
    except ServiceError:
        raise Http404 from None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("screen", "dismiss"):
                updates = {
                    k: request.POST.get(k) for k in ("ship_name", "owner", "place", "summary") if k in request.POST
                }
                clue_services.do_screen_clue(
                    request.user, clue, action == "screen", request.POST.get("note", ""), updates
                )
                messages.success(request, "已提交审核" if action == "screen" else "线索不予处理")
            elif action in ("approve", "reject"):
                clue_services.do_review_clue(request.user, clue, action, request.POST.get("opinion", ""))
                messages.success(request, "审核通过，已推送案件办理" if action == "approve" else "已退回，不予处理")
            elif action == "push":
                clue_services.do_push_approved_clue(request.user, clue)
                messages.success(request, "已推送案件办理")
            else:
                raise ServiceError("invalid", "未知的操作")
            return redirect("maritime:clue_handle", pk=clue.pk)
        except ServiceError as exc:
            messages.error(request, exc.message)
            status = 400
        clue = clue_services.access_clue(request.user, pk)
    task = clue_services.review_task(clue) if clue.process_id else None
    from teis.workflow.services import can_act

    ctx = {
        "clue": clue,
        "perception": clue.perception,
        "can_screen": clue.status == ClueStatus.NEW and request.user.has_perm("maritime.change_clue"),
        "can_review": task is not None and can_act(request.user, task),
        # an approved clue whose push did not happen (an older record, or a push refused then) is pushed from here
        "can_push": clue.status == ClueStatus.APPROVED
        and clue.case_id is None
        and request.user.has_perm("maritime.change_clue"),
    }
    return render(request, "maritime/clue_detail.html", ctx, status=status)


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
    # not "clue_detail": that name is the generic detail page's, whose 线索办理 button links here
    path("clues/<int:pk>/handle/", clue_detail, name="clue_handle"),
    path("clues/<int:pk>/image/<str:which>/", clue_image, name="clue_image"),
    path("clues/suspect-list.pdf", suspect_list, name="suspect_list"),
    path("checkpoints/<int:pk>/stats/", checkpoint_stats, name="checkpoint_stats"),
]
