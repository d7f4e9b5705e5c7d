"""评议考核 workspace (/analytics/evaluation/<batch>/): the batch's indicators and objects, online scoring by the
reviewers (one input per indicator, through the declared `score` action: the same checks as the API), the
evaluated unit's materials (upload and download), and the statistics by unit, officer and case file. The
batch's own steps (指标, 对象, 抽取案卷, 开始评分, 发布结果) are the declared actions of its generic page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from teis.core import actions
from teis.core.files import file_response
from teis.core.services import ServiceError
from teis.core.storage import get_storage
from teis.core.views import require

from ..choices import EvaluationStatus
from ..models import EvaluationMaterial
from ..services import evaluation as ev

VIEW_TARGET = "analytics.view_evaluationtarget"


@login_required
def workspace(request, pk: int):
    require(request, VIEW_TARGET)
    batch = get_object_or_404(ev.EvaluationBatch._base_manager.select_related("unit"), pk=pk)
    targets = ev.visible_targets(request.user, batch)
    can_manage = request.user.has_perm(ev.MANAGE)
    if not can_manage and not request.user.has_perm(ev.SCORE) and not targets.exists():
        raise Http404
    status = 200
    if request.method == "POST":
        status = _post(request, batch)
        if status == 302:
            return redirect(request.get_full_path())
    indicators = list(batch.indicators.all())
    show_scores = batch.status == EvaluationStatus.PUBLISHED or can_manage or request.user.has_perm(ev.SCORE)
    rows = []
    for t in targets:
        given = {s.indicator_id: s.score for s in t.scores.all()}
        rows.append({"t": t, "cells": [(i, given.get(i.pk)) for i in indicators]})
    ctx = {
        "batch": batch,
        "indicators": indicators,
        "weight": sum(i.weight for i in indicators),
        "rows": rows,
        "stats": ev.statistics(targets) if show_scores else None,
        "show_scores": show_scores,
        "can_score": request.user.has_perm(ev.SCORE) and batch.status == EvaluationStatus.SCORING,
        "can_material": request.user.has_perm(ev.MATERIAL)
        and batch.status in (EvaluationStatus.DRAFT, EvaluationStatus.SCORING),
        "can_manage": can_manage,
    }
    return render(request, "analytics/evaluation.html", ctx, status=status)


def _post(request, batch) -> int:
    op = request.POST.get("_op")
    try:
        target = ev.access_target(request.user, int(request.POST.get("target") or 0))
    except (TypeError, ValueError):
        raise Http404 from None
    if target.batch_id != batch.pk:
        raise Http404
    try:
        if op == "score":
            require(request, ev.SCORE)
            scores = {k[2:]: v for k, v in request.POST.items() if k.startswith("s-") and k[2:].isdigit()}
            actions.get("analytics.evaluationtarget", "score").perform(
                request.user,
                target,
                {"scores": json.dumps(scores), "comments": request.POST.get("comments", "")},
            )
            target.refresh_from_db(fields=["total"])
            messages.success(request, f"{target}：评分已保存（{target.total} 分）。")
        elif op == "material":
            require(request, ev.MATERIAL)
            stored = ev.do_submit_material(
                request.user, target, request.FILES.getlist("files"), request.POST.get("note", "")
            )
            messages.success(request, f"{target}：已提交 {len(stored)} 份材料。")
        else:
            raise Http404
    except ServiceError as err:
        messages.error(request, f"{target}：{err.message}")
        return 400
    return 302


@login_required
def material(request, pk: int):
    require(request, VIEW_TARGET)
    item = get_object_or_404(EvaluationMaterial, pk=pk)
    ev.access_target(request.user, item.target_id)  # 404 outside the user's scope
    try:
        handle = get_storage().open(item.file_name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    return file_response(handle, content_type=item.content_type, filename=item.original_name)


urlpatterns = [
    path("evaluation/<int:pk>/", workspace, name="evaluation"),
    path("evaluation/material/<int:pk>/", material, name="evaluation_material"),
]
