"""Pages of 治超 (卸载转运, 一超四罚), the 黑名单 and 非法客运 actions, 执法对象预查询 and 当场处罚 (简易程序), and
what the case page shows of them (`side_context`). Thin: every write goes through the services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from teis.core.forms import scope_choices, style_widgets
from teis.core.services import ServiceError
from teis.core.views import require
from teis.legal.models import ViolationCode

from ..choices import FourPenaltyAction, FourPenaltyTarget, OnSpotPenaltyKind, OverloadDisposal, PartyKind
from ..forms import apply_service_errors
from ..models import BlacklistEntry, IllegalTransportRecord, OnSpotPenalty, ParkingRecord
from ..services import blacklist as blacklist_services
from ..services import case as case_services
from ..services import lookup as lookup_services
from ..services import overload as overload_services
from ..services import simplified as simplified_services
from ..services.property import HELD

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def side_context(user, case) -> dict:
    """What the case page shows of property (with parking), overload and the on-spot decision."""
    props = list(case.properties.select_related("keeper_unit", "custody_place"))
    open_stays = {
        r.property_id: r
        for r in ParkingRecord.objects.filter(property__case=case, released_at__isnull=True).select_related("car_park")
    }
    rows = [(p, open_stays.get(p.pk)) for p in props]
    can_register = user.has_perm("cases.add_caseproperty") and case.status in (
        "pre_registered",
        "filing",
        "investigating",
        "deciding",
        "decided",
        "enforcing",
    )
    return {
        "property_rows": rows,
        "property_held": sum(1 for p in props if p.status in HELD),
        "can_register_property": can_register,
        "unloadings": list(case.unloadings.all()),
        "four_penalty_links": list(case.four_penalty_links.select_related("related_case")),
        "is_overload": overload_services.is_overload_case(case),
        "can_handle_overload": user.pk in (case.handler_id, case.co_handler_id)
        or user.has_perm("cases.change_enforcementcase"),
        "on_spot": OnSpotPenalty.objects.filter(case=case).select_related("filed_by", "decided_by").first(),
    }


def _form(form_class, data, user):
    form = form_class(data)
    scope_choices(form, user)
    style_widgets(form)
    return form


def _render(request, form, *, title, back_url, back_label, status=200, extra=None, template="cases/action_form.html"):
    ctx = {"form": form, "title": title, "back_url": back_url, "back_label": back_label, **(extra or {})}
    return render(request, template, ctx, status=status)


# --- 治超 --------------------------------------------------------------------------------------------------------


class UnloadingForm(forms.Form):
    method = forms.ChoiceField(label="方式", choices=OverloadDisposal.choices)
    unloaded_kg = forms.IntegerField(label="卸载/转运重量（千克）", min_value=1)
    place = forms.CharField(label="地点", max_length=200)
    done_at = forms.DateTimeField(label="完成时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    receiver = forms.CharField(label="接收车辆或单位", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)


@login_required
def record_unloading(request, pk: int):
    require(request, "cases.add_overloadunloading")
    case = case_services.access_case(request.user, pk)
    form = _form(UnloadingForm, request.POST or None, request.user)
    back = reverse("cases:case_detail", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        try:
            overload_services.do_record_unloading(request.user, case, dict(form.cleaned_data))
        except ServiceError as err:
            apply_service_errors(err, form, {})
        else:
            messages.success(request, "已登记卸载/转运记录。")
            return redirect(back)
    excess = (case.gross_weight_kg or 0) - (case.weight_limit_kg or 0)
    return _render(
        request,
        form,
        title=f"卸载/转运：{case.title}",
        back_url=back,
        back_label="返回案件",
        status=400 if request.method == "POST" else 200,
        extra={
            "hint": f"车货总重 {case.gross_weight_kg or '—'} 千克，限值 {case.weight_limit_kg or '—'} 千克，"
            f"超出 {max(excess, 0)} 千克。"
        },
    )


def four_penalty_form_class(defaults: dict) -> type[forms.Form]:
    fields = {}
    for target, label in FourPenaltyTarget.choices:
        d = defaults[target]
        fields[f"{target}__action"] = forms.ChoiceField(
            label=f"{label}：处理方式", choices=FourPenaltyAction.choices, initial=d["action"]
        )
        fields[f"{target}__subject_name"] = forms.CharField(
            label=f"{label}：名称", max_length=200, initial=d["subject_name"], required=False
        )
        fields[f"{target}__identifier"] = forms.CharField(
            label=f"{label}：证照号/车牌号/信用代码", max_length=60, initial=d["identifier"], required=False
        )
        fields[f"{target}__copy_to"] = forms.CharField(
            label=f"{label}：抄告单位", max_length=100, initial=d["copy_to"], required=False
        )
    return type("FourPenaltyForm", (forms.Form,), fields)


def _nest(cleaned: dict) -> dict:
    out: dict[str, dict] = {}
    for key, value in cleaned.items():
        target, _, field = key.partition("__")
        out.setdefault(target, {})[field] = value
    return out


@login_required
def generate_four_penalties(request, pk: int):
    """一超四罚 from the case page: the four objects pre-filled from the case, each a case or a 抄告."""
    require(request, "cases.add_fourpenaltylink")
    case = case_services.access_case(request.user, pk)
    form_class = four_penalty_form_class(overload_services.four_penalty_defaults(case))
    form = _form(form_class, request.POST or None, request.user)
    back = reverse("cases:case_detail", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        try:
            links = overload_services.do_generate_four_penalties(request.user, case, _nest(form.cleaned_data))
        except ServiceError as err:
            fields = {k.replace(".", "__"): v for k, v in (err.fields or {}).items()}
            apply_service_errors(ServiceError(err.code, err.message, fields), form, {})
        else:
            made = sum(1 for x in links if x.related_case_id)
            messages.success(request, f"已生成一超四罚：预登记案件 {made} 件，抄告 {len(links) - made} 份。")
            return redirect(back)
    return _render(
        request,
        form,
        title=f"一超四罚：{case.title}",
        back_url=back,
        back_label="返回案件",
        status=400 if request.method == "POST" else 200,
        extra={
            "hint": f"超限率 {case.overload_ratio or '—'}%。"
            "对超限车辆、驾驶人、道路运输企业、货运源头单位分别立案或抄告有关部门。"
        },
    )


# --- 黑名单 and 非法客运 -------------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审核结论", choices=[("1", "列入黑名单"), ("0", "不予列入")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="审核意见", max_length=300, required=False)


class RemoveForm(forms.Form):
    reason = forms.CharField(label="移出理由", max_length=300)


class FromRecordForm(forms.Form):
    reason = forms.CharField(label="列入理由", max_length=300, required=False)


@login_required
def blacklist_action(request, pk: int, action: str):
    if action not in ("review", "remove"):
        raise Http404
    entry = get_object_or_404(BlacklistEntry.objects.for_user(request.user), pk=pk)
    require(request, blacklist_services.REVIEW_PERMISSION)
    form = _form(ReviewForm if action == "review" else RemoveForm, request.POST or None, request.user)
    back = reverse("cases:blacklistentry_detail", args=[entry.pk])
    if request.method == "POST" and form.is_valid():
        try:
            if action == "review":
                blacklist_services.do_review_entry(
                    request.user, entry, form.cleaned_data["approve"], form.cleaned_data["note"]
                )
            else:
                blacklist_services.do_remove_entry(request.user, entry, form.cleaned_data["reason"])
        except ServiceError as err:
            apply_service_errors(err, form, {})
        else:
            messages.success(request, "已办理。")
            return redirect(back)
    title = f"{'审核' if action == 'review' else '移出'}黑名单：{entry}"
    return _render(
        request,
        form,
        title=title,
        back_url=back,
        back_label="返回黑名单",
        status=400 if request.method == "POST" else 200,
    )


@login_required
def blacklist_from_record(request, pk: int):
    require(request, "cases.add_blacklistentry")
    record = get_object_or_404(IllegalTransportRecord.objects.for_user(request.user), pk=pk)
    form = _form(FromRecordForm, request.POST or None, request.user)
    back = reverse("cases:illegaltransportrecord_detail", args=[record.pk])
    if request.method == "POST" and form.is_valid():
        try:
            entry = blacklist_services.do_blacklist_from_record(request.user, record, form.cleaned_data["reason"])
        except ServiceError as err:
            apply_service_errors(err, form, {})
        else:
            messages.success(request, "已登记黑名单，待审核。")
            return redirect("cases:blacklistentry_detail", pk=entry.pk)
    return _render(
        request,
        form,
        title=f"列入黑名单：{record.plate}",
        back_url=back,
        back_label="返回非法客运记录",
        status=400 if request.method == "POST" else 200,
    )


# --- 执法对象预查询 -------------------------------------------------------------------------------------------------


@login_required
def party_lookup(request):
    """The look-up page; an HTMX request (from this page or the pre-registration form) gets the result only."""
    require(request, "cases.view_enforcementcase")
    # the page's own fields, or a formset row's (parties-0-id_number, vehicles-0-plate) on the pre-registration form
    id_number = next((v for k, v in request.GET.items() if k.endswith("id_number") and v.strip()), "")
    plate = next((v for k, v in request.GET.items() if k.endswith("plate") and v.strip()), "")
    result, error = None, ""
    if id_number.strip() or plate.strip():
        try:
            result = lookup_services.lookup_party(request.user, id_number, plate)
        except ServiceError as err:
            error = err.message
    ctx = {"result": result, "error": error, "id_number": id_number, "plate": plate}
    template = "cases/_lookup_result.html" if request.htmx else "cases/lookup.html"
    return render(request, template, ctx, status=400 if error and not request.htmx else 200)


# --- 当场处罚 (简易程序) ---------------------------------------------------------------------------------------------


class OnSpotForm(forms.Form):
    party_kind = forms.ChoiceField(label="当事人类型", choices=PartyKind.choices, initial=PartyKind.PERSON)
    party_name = forms.CharField(label="当事人姓名/名称", max_length=200)
    party_id_number = forms.CharField(label="身份证号", max_length=30, required=False)
    party_credit_code = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    party_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    plate = forms.CharField(label="车牌号", max_length=12, required=False)
    place = forms.CharField(label="地点", max_length=200, required=False)
    facts = forms.CharField(label="违法事实", widget=forms.Textarea(attrs={"rows": 3}))
    violation_codes = forms.ModelMultipleChoiceField(
        label="违章代码（法律依据）", queryset=ViolationCode.objects.filter(is_current=True).exclude(status="retired")
    )
    penalty_kind = forms.ChoiceField(label="处罚种类", choices=OnSpotPenaltyKind.choices)
    fine_amount = forms.DecimalField(label="罚款金额（元）", max_digits=8, decimal_places=2, required=False)
    collected_on_spot = forms.BooleanField(label="当场收缴罚款", required=False)
    collection_reason = forms.ChoiceField(
        label="当场收缴情形（罚款超过 100 元时）",
        choices=[("", "—"), *((r, r) for r in simplified_services.COLLECTION_REASONS)],
        required=False,
    )
    receipt_number = forms.CharField(label="罚没款收据号", max_length=40, required=False)


def on_spot_data(cleaned: dict) -> dict:
    party = {
        "kind": cleaned["party_kind"],
        "name": cleaned["party_name"],
        "id_number": cleaned.get("party_id_number", ""),
        "credit_code": cleaned.get("party_credit_code", ""),
        "phone": cleaned.get("party_phone", ""),
    }
    return {
        "parties": [party],
        "vehicles": [{"plate": cleaned["plate"]}] if cleaned.get("plate") else [],
        "place": cleaned.get("place", ""),
        "facts": cleaned["facts"],
        "violation_codes": [c.code for c in cleaned["violation_codes"]],
        **{
            k: cleaned.get(k)
            for k in ("penalty_kind", "fine_amount", "collected_on_spot", "collection_reason", "receipt_number")
        },
    }


@login_required
def on_spot_penalty(request):
    require(request, "cases.add_enforcementcase")
    form = _form(OnSpotForm, request.POST or None, request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = simplified_services.do_on_spot_penalty(request.user, on_spot_data(form.cleaned_data))
        except ServiceError as err:
            fields = {
                ("party_" + k.split(".")[-1] if k.startswith("parties.") else k): v
                for k, v in (err.fields or {}).items()
            }
            apply_service_errors(ServiceError(err.code, err.message, fields), form, {})
        else:
            messages.success(request, f"已作出当场处罚决定 {case.file_number}，已报备案。")
            return redirect("cases:case_detail", pk=case.pk)
    return _render(
        request,
        form,
        title="当场处罚（简易程序）",
        back_url=reverse("cases:my_cases"),
        back_label="我的案件",
        status=400 if request.method == "POST" else 200,
        extra={
            "hint": "违法事实确凿并有法定依据，对公民处 200 元以下、对法人或其他组织处 3000 元以下罚款或者警告的，"
            "可以当场作出行政处罚决定（行政处罚法第五十一条），并报所属行政机关备案。"
        },
    )


urlpatterns = [
    path("<int:pk>/unloading/new/", record_unloading, name="record_unloading"),
    path("<int:pk>/four-penalties/", generate_four_penalties, name="four_penalties"),
    path("blacklistentry/<int:pk>/do/<slug:action>/", blacklist_action, name="blacklist_action"),
    path("illegaltransportrecord/<int:pk>/blacklist/", blacklist_from_record, name="blacklist_from_record"),
    path("lookup/", party_lookup, name="party_lookup"),
    path("on-spot/new/", on_spot_penalty, name="on_spot_penalty"),
]
