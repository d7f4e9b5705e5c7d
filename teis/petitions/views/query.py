"""综合查询 (/petitions/query/), 自定义查询 (/petitions/query/custom/) with saved queries, and their Excel export.
The rules live in `services.query`."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.forms import style_widgets
from teis.core.services import ServiceError
from teis.core.views import paginate, require, xlsx_response

from ..choices import Channel, PetitionKind, PetitionStatus, Satisfaction
from ..services import query as q
from ..services.intake import categories

VIEW = "petitions.view_petition"
DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


def _blank(choices) -> list:
    return [("", "全部"), *choices]


class QueryForm(forms.Form):
    code = forms.CharField(label="信访编号", required=False)
    title = forms.CharField(label="事项摘要", required=False)
    content = forms.CharField(label="反映内容", required=False)
    kind = forms.ChoiceField(label="类型", required=False, choices=_blank(PetitionKind.choices))
    channel = forms.ChoiceField(label="来源渠道", required=False, choices=_blank(Channel.choices))
    status = forms.ChoiceField(label="状态", required=False, choices=_blank(PetitionStatus.choices))
    category = forms.ChoiceField(label="反映类别", required=False)
    unit = forms.ChoiceField(label="承办单位（含下级）", required=False)
    subject_plate = forms.CharField(label="涉及车牌", required=False)
    subject_company = forms.CharField(label="涉及企业", required=False)
    subject_ship = forms.CharField(label="涉及船舶", required=False)
    satisfaction = forms.ChoiceField(label="回访满意度", required=False, choices=_blank(Satisfaction.choices))
    complainant_phone = forms.CharField(label="反映人电话（精确）", required=False)
    complainant_id_number = forms.CharField(label="反映人身份证号（精确）", required=False)
    supervised = forms.ChoiceField(
        label="已督察", required=False, choices=[("", "全部"), ("true", "是"), ("false", "否")]
    )
    overdue = forms.ChoiceField(label="超期", required=False, choices=[("", "全部"), ("true", "是"), ("false", "否")])
    registered_at_from = forms.DateField(label="登记日期起", required=False, **DATE)
    registered_at_to = forms.DateField(label="登记日期止", required=False, **DATE)
    closed_at_from = forms.DateField(label="结案日期起", required=False, **DATE)
    closed_at_to = forms.DateField(label="结案日期止", required=False, **DATE)

    def __init__(self, *args, user=None, **kwargs):
        from teis.org.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank([(str(c.pk), c.label) for c in categories()])
        self.fields["unit"].choices = _blank(
            [(str(u.pk), u.name) for u in Unit.objects.for_user(user).order_by("path")]
        )
        style_widgets(self)


def _results(request, conditions, sort: str):
    checked = q.check_conditions(conditions)
    if request.GET.get("export") == "1":
        content = q.export_rows(request.user, checked, sort)
        audit.record(request.user, AuditAction.EXPORT, detail={"model": "petitions.petition", "conditions": conditions})
        return xlsx_response(content, f"信访件查询_{timezone.localtime():%Y%m%d%H%M}.xlsx")
    page = paginate(request, q.search(request.user, checked, sort))
    return page


@login_required
def query(request):
    """综合查询: every field of the form is one condition; results paged, sortable and exportable."""
    require(request, VIEW)
    form = QueryForm(request.GET or None, user=request.user)
    sort = request.GET.get("sort", "")
    ctx = {"form": form, "sorts": q.SORTS, "sort": sort}
    status = 200
    try:
        result = _results(request, q.params_to_conditions(request.GET), sort)
    except ServiceError as err:
        ctx["error"] = err.message
        status = 400
    else:
        if hasattr(result, "status_code"):  # the Excel download
            return result
        ctx["page"] = result
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    ctx["querystring"] = params.urlencode()
    return render(request, "petitions/query.html", ctx, status=status)


def _fields_json() -> str:
    fields = {}
    for name, f in q.FIELDS.items():
        choices = list(f.choices)
        if name == "category":
            choices = [(c.pk, c.label) for c in categories()]
        fields[name] = {"label": f.label, "kind": f.kind, "ops": list(q.KIND_OPS[f.kind]), "choices": choices}
    return json.dumps({"fields": fields, "ops": q.OPS}, ensure_ascii=False)


@login_required
def query_custom(request):
    """自定义查询: conditions built on the page (JSON), run, saved and shared; a saved query runs by its id."""
    require(request, VIEW)
    ctx: dict = {"saved": list(q.visible_queries(request.user)), "fields_json": _fields_json(), "sort": ""}
    raw = request.GET.get("conditions", "")
    saved_id = request.GET.get("saved")
    status = 200
    try:
        if saved_id:
            saved = q.access_query(request.user, saved_id)
            conditions = saved.definition
            ctx["current"] = saved
        elif raw:
            try:
                conditions = json.loads(raw)
            except ValueError:
                raise ServiceError("invalid_query", "查询条件格式无效") from None
        else:
            conditions = None
        if conditions is not None:
            result = _results(request, conditions, request.GET.get("sort", ""))
            if hasattr(result, "status_code"):
                return result
            ctx["page"] = result
            ctx["conditions_json"] = json.dumps(conditions, ensure_ascii=False)
    except ServiceError as err:
        ctx["error"] = err.message
        status = 400
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("export", None)
    ctx["querystring"] = params.urlencode()
    return render(request, "petitions/query_custom.html", ctx, status=status)


@login_required
@require_POST
def query_save(request):
    require(request, "petitions.add_petitionquery")
    try:
        definition = json.loads(request.POST.get("conditions") or "[]")
    except ValueError:
        definition = None
    try:
        saved = q.do_save_query(
            request.user,
            name=request.POST.get("name", ""),
            definition=definition,
            shared=request.POST.get("shared") == "on",
        )
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect("petitions:query_custom")
    messages.success(request, f"查询“{saved.name}”已保存。")
    return redirect(f"/petitions/query/custom/?saved={saved.pk}")


@login_required
@require_POST
def query_delete(request, pk: int):
    require(request, "petitions.delete_petitionquery")
    saved = q.access_query(request.user, pk)
    try:
        q.do_delete_query(request.user, saved)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, "查询已删除。")
    return redirect("petitions:query_custom")


urlpatterns = [
    path("query/", query, name="query"),
    path("query/custom/", query_custom, name="query_custom"),
    path("query/save/", query_save, name="query_save"),
    path("query/<int:pk>/delete/", query_delete, name="query_delete"),
]
