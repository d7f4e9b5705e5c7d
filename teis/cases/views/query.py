"""综合查询 and 自定义查询 pages: the form, the result list (capped count, indexed order), Excel export, and the
saved-query builder. The rules live in `services.query`."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from teis.core.display import column_label, display_value
from teis.core.forms import style_widgets
from teis.core.services import ServiceError
from teis.core.views import require, xlsx_response

from ..choices import CaseSource, CaseStatus, DecisionType, PaymentStatus, Procedure
from ..models import EnforcementCase
from ..services import query as query_services

PERMISSION = "cases.view_enforcementcase"
PER_PAGE = (20, 50, 100)


def _blank(choices) -> list:
    return [("", "全部"), *choices]


class CaseQueryForm(forms.Form):
    case_code = forms.CharField(label="统一案件编码", required=False)
    title = forms.CharField(label="案件名称", required=False)
    file_number = forms.CharField(label="文号", required=False)
    status = forms.ChoiceField(label="案件状态", required=False, choices=_blank(CaseStatus.choices))
    procedure = forms.ChoiceField(label="程序", required=False, choices=_blank(Procedure.choices))
    source = forms.ChoiceField(label="案件来源", required=False, choices=_blank(CaseSource.choices))
    unit = forms.ModelChoiceField(label="承办单位（含下级）", required=False, queryset=None)
    handler = forms.ModelChoiceField(label="主办人", required=False, queryset=None)
    business_line = forms.ModelChoiceField(label="业务条线", required=False, queryset=None)
    case_cause = forms.ModelChoiceField(label="案由", required=False, queryset=None)
    violation_code = forms.CharField(label="违章代码", required=False)
    party_name = forms.CharField(label="当事人", required=False)
    party_id_number = forms.CharField(label="当事人证件号码（精确）", required=False)
    plate = forms.CharField(label="车牌号", required=False)
    discovered_at_from = forms.DateField(label="发现时间起", required=False)
    discovered_at_to = forms.DateField(label="发现时间止", required=False)
    filed_at_from = forms.DateField(label="立案时间起", required=False)
    filed_at_to = forms.DateField(label="立案时间止", required=False)
    decided_at_from = forms.DateField(label="决定时间起", required=False)
    decided_at_to = forms.DateField(label="决定时间止", required=False)
    closed_at_from = forms.DateField(label="结案时间起", required=False)
    closed_at_to = forms.DateField(label="结案时间止", required=False)
    fine_amount_from = forms.DecimalField(label="罚款金额≥", required=False)
    fine_amount_to = forms.DecimalField(label="罚款金额≤", required=False)
    decision_type = forms.ChoiceField(label="决定类型", required=False, choices=_blank(DecisionType.choices))
    payment_status = forms.ChoiceField(label="缴款状态", required=False, choices=_blank(PaymentStatus.choices))
    current_step = forms.CharField(label="当前环节", required=False)
    overdue = forms.ChoiceField(label="环节超期", required=False, choices=[("", "全部"), ("1", "是"), ("0", "否")])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from teis.core.models import DictionaryItem
        from teis.legal.models import CaseCause
        from teis.org.models import Unit

        self.fields["unit"].queryset = Unit.objects.for_user(user).filter(is_active=True)
        self.fields["handler"].queryset = (
            get_user_model()
            .objects.filter(officer__unit__in=Unit.objects.for_user(user))
            .select_related("officer")
            .order_by("officer__name")
        )
        self.fields["handler"].label_from_instance = lambda u: u.officer.name
        self.fields["business_line"].queryset = DictionaryItem.objects.filter(
            dict_type__code="business_line", is_active=True
        )
        self.fields["case_cause"].queryset = CaseCause.objects.all()
        for name in self.fields:
            if name.endswith(("_from", "_to")) and isinstance(self.fields[name], forms.DateField):
                self.fields[name].widget = forms.DateInput()
        style_widgets(self)


def _rows(qs, user, columns):
    config = query_services.export_config(columns)
    return [(obj, [display_value(obj, c, config, user) for c in columns]) for obj in qs]


def run_page(request, raw_conditions, columns=None):
    """The result context of one query: rows of one page, capped count, has-next; or an error message."""
    columns = columns or query_services.COLUMNS
    try:
        per_page = int(request.GET.get("per_page", 20))
    except ValueError:
        per_page = 20
    per_page = per_page if per_page in PER_PAGE else 20
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    max_page = query_services.COUNT_CAP // per_page
    page = min(page, max_page)
    sort = request.GET.get("sort", "")
    ctx = {"columns": [(c, column_label(EnforcementCase, c)) for c in columns], "per_page": per_page, "sort": sort}
    try:
        conditions = query_services.check_conditions(raw_conditions)
        qs = query_services.search_cases(request.user, conditions, sort)
    except ServiceError as err:
        return {**ctx, "error": err.message, "rows": [], "page": 1}
    start = (page - 1) * per_page
    objs = query_services.page_rows(qs, start, per_page + 1)
    n, capped = query_services.capped_count(qs)
    params = request.GET.copy()
    params.pop("page", None)
    return {
        **ctx,
        "rows": _rows(objs[:per_page], request.user, columns),
        "page": page,
        "has_next": len(objs) > per_page and page < max_page,
        "has_previous": page > 1,
        "count": n,
        "count_label": query_services.count_label(n, capped),
        "capped": capped,
        "notes": query_services.search_notes(conditions),
        "params": params.urlencode(),
        "sorts": [
            ("created", "登记时间↓"),
            ("-created", "登记时间↑"),
            ("discovered", "发现时间↓"),
            ("filed", "立案时间↓"),
            ("fine", "罚款金额↓"),
        ],
    }


def _export(request, raw_conditions, columns=None):
    try:
        kind, result = query_services.do_export(
            request.user, raw_conditions, columns=columns, sort=request.GET.get("sort", "")
        )
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect(request.path)
    if kind == "job":
        return redirect("core:export_job", pk=result.pk)
    return xlsx_response(result, f"案件查询_{timezone.localtime():%Y%m%d%H%M}.xlsx")


@login_required
def case_query(request):
    """综合查询."""
    require(request, PERMISSION)
    form = CaseQueryForm(request.GET or None, user=request.user)
    try:
        raw = query_services.params_to_conditions(request.GET)
        error = ""
    except ServiceError as err:
        raw, error = [], err.message
    if form.is_bound and not form.is_valid():
        error = error or "查询条件有误：" + "；".join(
            f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items() if k in form.fields
        )
    if error:
        return render(request, "cases/query.html", {"form": form, "error": error, "rows": []}, status=400)
    if request.GET.get("export"):
        return _export(request, raw)
    ctx = run_page(request, raw)
    status = 400 if ctx.get("error") else 200
    template = "cases/query_results.html" if request.htmx else "cases/query.html"
    return render(request, template, {"form": form, **ctx}, status=status)


# --- 自定义查询 --------------------------------------------------------------------------------------


def _field_catalogue() -> list[dict]:
    return [
        {
            "name": name,
            "label": f.label,
            "kind": f.kind,
            "ops": [{"code": o, "label": query_services.OPS[o]} for o in f.ops],
            "choices": [{"value": v, "label": lbl} for v, lbl in f.choices],
        }
        for name, f in query_services.FIELDS.items()
    ]


@login_required
def custom_query(request, pk: int | None = None):
    """自定义查询: build conditions, run, save, share, export."""
    require(request, PERMISSION)
    saved = query_services.access_query(request.user, pk) if pk else None
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("conditions") or (json.dumps(saved.definition, ensure_ascii=False) if saved else "")
    columns = saved.columns if saved and saved.columns else None
    ctx = {
        "saved": saved,
        "conditions_json": raw or "[]",
        "catalogue": _field_catalogue(),
        "queries": query_services.visible_queries(request.user),
        "name": source.get("name") or (saved.name if saved else ""),
        "shared": (source.get("shared") == "on") if request.method == "POST" else bool(saved and saved.shared),
        "is_owner": saved is None or saved.created_by_id == request.user.pk,
    }
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "delete" and saved:
                query_services.do_delete_query(request.user, saved)
                messages.success(request, f"查询“{saved.name}”已删除。")
                return redirect("cases:custom_query")
            target = saved if (saved and ctx["is_owner"] and action == "save") else None
            obj = query_services.do_save_query(
                request.user,
                name=request.POST.get("name", ""),
                definition=raw,
                columns=columns,
                shared=request.POST.get("shared") == "on",
                query=target,
            )
        except ServiceError as err:
            return render(request, "cases/query_custom.html", {**ctx, "error": err.message}, status=400)
        messages.success(request, f"查询“{obj.name}”已保存。")
        return redirect("cases:custom_query_saved", pk=obj.pk)
    if raw and raw.strip() not in ("", "[]"):
        if request.GET.get("export"):
            return _export(request, raw, columns)
        result = run_page(request, raw, columns)
        ctx.update(result)
        ctx["ran"] = True
        if result.get("error"):
            return render(request, "cases/query_custom.html", ctx, status=400)
    return render(request, "cases/query_custom.html", ctx)


urlpatterns = [
    path("query/", case_query, name="case_query"),
    path("query/custom/", custom_query, name="custom_query"),
    path("query/custom/<int:pk>/", custom_query, name="custom_query_saved"),
]


def menu_entries() -> None:
    from teis.core.registry import MenuEntry, registry

    registry.add_menu(MenuEntry("综合查询", "cases:case_query", PERMISSION, "案件办理", "bi-search", 21))
    registry.add_menu(MenuEntry("自定义查询", "cases:custom_query", PERMISSION, "案件办理", "bi-funnel", 22))


menu_entries()
