"""案件抽查 pages: batches, drawing a batch, the reviewer's scoring page, batch statistics."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from teis.core.forms import style_widgets
from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import DecisionType
from ..services import sampling as sampling_services

PERMISSION = sampling_services.PERMISSION


class DrawForm(forms.Form):
    MODES = [("random", "随机抽取"), ("rule", "按规则全部抽取")]
    mode = forms.ChoiceField(label="抽取方式", choices=MODES, initial="random")
    size = forms.IntegerField(label="抽取数量", required=False, min_value=1, max_value=sampling_services.MAX_BATCH)
    seed = forms.IntegerField(label="随机种子（留空自动生成）", required=False, min_value=0)
    unit = forms.ModelChoiceField(label="单位（含下级）", required=False, queryset=None)
    business_line = forms.ModelChoiceField(label="业务条线", required=False, queryset=None)
    fine_min = forms.DecimalField(label="罚款金额≥", required=False, min_value=0)
    decision_type = forms.ChoiceField(label="决定类型", required=False, choices=[("", "全部"), *DecisionType.choices])
    reviewer = forms.ModelChoiceField(label="评查人", required=False, queryset=None)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from teis.core.models import DictionaryItem
        from teis.org.models import Unit

        self.fields["unit"].queryset = Unit.objects.for_user(user).filter(is_active=True)
        self.fields["business_line"].queryset = DictionaryItem.objects.filter(dict_type__code="business_line")
        self.fields["reviewer"].queryset = (
            get_user_model().objects.filter(officer__unit__in=Unit.objects.for_user(user)).select_related("officer")
        )
        self.fields["reviewer"].label_from_instance = lambda u: u.officer.name
        style_widgets(self)

    def clean(self):
        data = super().clean()
        if data.get("mode") == "random" and not data.get("size"):
            self.add_error("size", "随机抽取须填写抽取数量")
        return data


@login_required
def batch_list(request):
    require(request, "cases.view_casereview")
    can_draw = request.user.has_perm(PERMISSION)
    form = DrawForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        require(request, PERMISSION)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = sampling_services.do_draw_sample(
                    request.user,
                    size=d["size"] if d["mode"] == "random" else None,
                    seed=d.get("seed"),
                    unit=d.get("unit"),
                    business_line=d.get("business_line"),
                    fine_min=d.get("fine_min"),
                    decision_type=d.get("decision_type") or "",
                    reviewer=d.get("reviewer"),
                )
            except ServiceError as err:
                form.add_error(None, err.message)
            else:
                seed = f"，随机种子 {result.seed}" if result.seed is not None else ""
                messages.success(request, f"已抽取 {len(result.reviews)} 件（符合条件 {result.population} 件{seed}）。")
                return redirect("cases:sampling_batch", batch=result.batch)
    ctx = {"form": form, "batches": sampling_services.batches(request.user)[:200], "can_draw": can_draw}
    return render(request, "cases/sampling_list.html", ctx, status=status)


@login_required
def batch_detail(request, batch: str):
    require(request, "cases.view_casereview")
    reviews = sampling_services.batch_reviews(request.user, batch)
    if not reviews.exists():
        raise Http404
    ctx = {
        "batch": batch,
        "reviews": reviews,
        "stats": sampling_services.batch_statistics(reviews),
        "info": sampling_services.batch_info(batch),
        "can_review": request.user.has_perm(PERMISSION),
    }
    return render(request, "cases/sampling_batch.html", ctx)


@login_required
@require_POST
def review_score(request, pk: int):
    require(request, PERMISSION)
    review = sampling_services.access_review(request.user, pk)
    try:
        sampling_services.do_review(
            request.user, review, score=request.POST.get("score"), comments=request.POST.get("comments", "")
        )
    except ServiceError as err:
        messages.error(request, f"{review.case}：{err.message}")
    else:
        messages.success(request, f"{review.case}：评查结果已保存。")
    return redirect("cases:sampling_batch", batch=review.batch)


urlpatterns = [
    path("sampling/", batch_list, name="sampling"),
    path("sampling/review/<int:pk>/", review_score, name="sampling_review"),
    path("sampling/<str:batch>/", batch_detail, name="sampling_batch"),
]


def _menu() -> None:
    from teis.core.registry import MenuEntry, registry

    registry.add_menu(
        MenuEntry("案件抽查", "cases:sampling", "cases.view_casereview", "案件办理", "bi-clipboard-check", 45)
    )


_menu()
