"""涉案财物 and 扣押车辆停车管理 pages: register property from the case page, the property's actions (入库保管,
入场停放, 移交, 返还, 没收, 拍卖), release from a car park with its 放行单, and the vehicles held now. Thin: every
write goes through `services.property` / `services.parking`; refusals come back on the form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from teis.core.forms import scope_choices, style_widgets
from teis.core.services import ServiceError
from teis.core.views import paginate, require
from teis.org.models import Unit

from ..choices import PropertyKind
from ..forms import apply_service_errors
from ..models import CarPark, CaseProperty, CustodyPlace, ParkingRecord
from ..services import case as case_services
from ..services import parking
from ..services import property as property_services


def apply_errors(err: ServiceError, form) -> None:
    apply_service_errors(err, form, {})


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ActionForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            scope_choices(self, user)
        style_widgets(self)


class RegisterForm(ActionForm):
    kind = forms.ChoiceField(label="类别", choices=PropertyKind.choices, initial=PropertyKind.VEHICLE)
    description = forms.CharField(label="名称及特征", max_length=200)
    quantity = forms.IntegerField(label="数量", min_value=1, initial=1)
    plate = forms.CharField(label="车牌号（车辆必填）", max_length=12, required=False)
    custody_place = forms.ModelChoiceField(
        label="保管场所", queryset=CustodyPlace.objects.filter(is_active=True), required=False
    )
    storage_place = forms.CharField(label="存放位置", max_length=200, required=False)
    custody_until = forms.DateField(label="保管期限", required=False, widget=DATE)


class StoreForm(ActionForm):
    custody_place = forms.ModelChoiceField(label="保管场所", queryset=CustodyPlace.objects.filter(is_active=True))
    storage_place = forms.CharField(label="存放位置（库位）", max_length=200, required=False)
    custody_until = forms.DateField(label="保管期限", widget=DATE)


class ParkForm(ActionForm):
    car_park = forms.ModelChoiceField(label="停车场", queryset=CarPark.objects.filter(is_active=True))
    space = forms.CharField(label="车位", max_length=30, required=False)


class TransferForm(ActionForm):
    keeper_unit = forms.ModelChoiceField(label="接收单位", queryset=Unit.objects.filter(is_active=True))
    note = forms.CharField(label="说明", max_length=300, required=False)


class NoteForm(ActionForm):
    note = forms.CharField(label="说明", max_length=300, required=False)


class ConfiscateForm(ActionForm):
    note = forms.CharField(label="没收依据（处罚决定书文号）", max_length=300)


class AuctionForm(ActionForm):
    auction_date = forms.DateField(label="拍卖日期", widget=DATE)
    auction_price = forms.DecimalField(label="成交价（元）", max_digits=12, decimal_places=2, min_value=0)
    buyer = forms.CharField(label="买受人", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)


class ReleaseForm(ActionForm):
    released_to = forms.CharField(label="提车人（姓名及证件）", max_length=100)
    note = forms.CharField(label="放行说明", max_length=300, required=False)


def _held(prop) -> bool:
    return prop.status in property_services.HELD


def _parked(prop) -> bool:
    return prop.parking_records.filter(released_at__isnull=True).exists()


@dataclass(frozen=True)
class PropertyAction:
    label: str
    icon: str
    permission: str
    form: type[forms.Form]
    run: Callable
    when: Callable = _held

    def available(self, prop, user) -> bool:
        return user.has_perm(self.permission) and self.when(prop)


MANAGE = property_services.MANAGE_PERMISSION
ACTIONS: dict[str, PropertyAction] = {
    "store": PropertyAction(
        "入库保管",
        "bi-box-arrow-in-down",
        MANAGE,
        StoreForm,
        lambda u, p, d: property_services.do_store_property(
            u, p, d["storage_place"], d["custody_until"], custody_place=d["custody_place"]
        ),
    ),
    "park": PropertyAction(
        "入场停放",
        "bi-p-square",
        parking.PARK_PERMISSION,
        ParkForm,
        lambda u, p, d: parking.do_park_vehicle(u, p, d["car_park"], d["space"]),
        lambda p: _held(p) and p.kind == PropertyKind.VEHICLE and not _parked(p),
    ),
    "transfer": PropertyAction(
        "移交",
        "bi-arrow-left-right",
        MANAGE,
        TransferForm,
        lambda u, p, d: property_services.do_transfer_property(u, p, d["keeper_unit"], d["note"]),
    ),
    "return": PropertyAction(
        "返还",
        "bi-arrow-return-left",
        MANAGE,
        NoteForm,
        lambda u, p, d: property_services.do_return_property(u, p, d["note"]),
    ),
    "confiscate": PropertyAction(
        "没收",
        "bi-slash-circle",
        MANAGE,
        ConfiscateForm,
        lambda u, p, d: property_services.do_confiscate_property(u, p, d["note"]),
    ),
    "auction": PropertyAction(
        "拍卖",
        "bi-hammer",
        MANAGE,
        AuctionForm,
        lambda u, p, d: property_services.do_auction_property(
            u, p, d["auction_date"], d["auction_price"], d["note"], d["buyer"]
        ),
    ),
}


def _render_form(request, form, *, title, back_url, back_label, status=200, extra=None):
    ctx = {"form": form, "title": title, "back_url": back_url, "back_label": back_label, **(extra or {})}
    return render(request, "cases/action_form.html", ctx, status=status)


@login_required
def register_property(request, pk: int):
    """登记涉案财物 from the case page (at pre-registration or during the investigation)."""
    require(request, "cases.add_caseproperty")
    case = case_services.access_case(request.user, pk)
    form = RegisterForm(request.POST or None, user=request.user)
    form.fields["custody_place"].queryset = property_services.custody_places_for(case.unit)
    back = reverse("cases:case_detail", args=[case.pk])
    if request.method == "POST" and form.is_valid():
        try:
            prop = property_services.do_register_property(request.user, case, dict(form.cleaned_data))
        except ServiceError as err:
            apply_errors(err, form)
        else:
            messages.success(request, f"已登记涉案财物“{prop.description}”。")
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    return _render_form(
        request, form, title=f"登记涉案财物：{case.title}", back_url=back, back_label="返回案件", status=status
    )


@login_required
def property_action(request, pk: int, action: str):
    spec = ACTIONS.get(action)
    prop = get_object_or_404(CaseProperty.objects.for_user(request.user).select_related("case", "keeper_unit"), pk=pk)
    if spec is None:
        from django.http import Http404

        raise Http404
    require(request, spec.permission)
    form = spec.form(request.POST or None, user=request.user)
    if "custody_place" in form.fields:
        form.fields["custody_place"].queryset = property_services.custody_places_for(prop.keeper_unit)
    back = reverse("cases:caseproperty_detail", args=[prop.pk])
    if request.method == "POST" and form.is_valid():
        try:
            spec.run(request.user, prop, form.cleaned_data)
        except ServiceError as err:
            apply_errors(err, form)
        else:
            messages.success(request, f"{spec.label}：已办理“{prop.description}”。")
            return redirect(back)
    status = 400 if request.method == "POST" else 200
    title = f"{spec.label}：{prop.description}（{prop.case.title}）"
    return _render_form(request, form, title=title, back_url=back, back_label="返回涉案财物", status=status)


@login_required
def parking_release(request, pk: int):
    require(request, parking.RELEASE_PERMISSION)
    record = get_object_or_404(ParkingRecord.objects.for_user(request.user).select_related("car_park"), pk=pk)
    form = ReleaseForm(request.POST or None, user=request.user)
    back = reverse("cases:parkingrecord_detail", args=[record.pk])
    if request.method == "POST" and form.is_valid():
        try:
            record = parking.do_release_vehicle(
                request.user, record, form.cleaned_data["released_to"], form.cleaned_data["note"]
            )
        except ServiceError as err:
            apply_errors(err, form)
        else:
            messages.success(request, f"已放行，停车 {record.parking_days} 天，停车费 {record.parking_fee} 元。")
            return redirect("cases:parking_release_slip", pk=record.pk)
    days, fee = parking.current_fee(record)
    status = 400 if request.method == "POST" else 200
    return _render_form(
        request,
        form,
        title=f"出场放行：{record.plate}（{record.car_park.name}）",
        back_url=back,
        back_label="返回停放记录",
        status=status,
        extra={
            "hint": f"已停放 {days} 天，按 {record.car_park.daily_tariff} 元/日计，"
            f"停车费 {fee} 元（不足一日按一日计）。"
        },
    )


@login_required
def parking_release_slip(request, pk: int):
    """放行单: who released the vehicle, when, to whom, days and fee."""
    require(request, "cases.view_parkingrecord")
    record = get_object_or_404(
        ParkingRecord.objects.for_user(request.user).select_related(
            "car_park", "property", "property__case", "released_by", "released_by__officer"
        ),
        pk=pk,
        released_at__isnull=False,
    )
    return render(request, "cases/parking_release_slip.html", {"record": record})


@login_required
def vehicles_held(request):
    """在场车辆: every vehicle in a car park now, with its fee so far."""
    require(request, "cases.view_parkingrecord")
    qs = parking.vehicles_held_now(request.user)
    car_park = request.GET.get("car_park", "")
    if car_park.isdigit():
        qs = qs.filter(car_park_id=int(car_park))
    page = paginate(request, qs)
    now = timezone.now()
    rows = [(r, *parking.current_fee(r, now)) for r in page]
    ctx = {
        "page": page,
        "rows": rows,
        "car_parks": CarPark.objects.for_user(request.user).filter(is_active=True),
        "car_park": car_park,
    }
    return render(request, "cases/vehicles_held.html", ctx)


urlpatterns = [
    path("<int:pk>/property/new/", register_property, name="property_register"),
    path("caseproperty/<int:pk>/do/<slug:action>/", property_action, name="property_action"),
    path("parkingrecord/<int:pk>/release/", parking_release, name="parking_release"),
    path("parkingrecord/<int:pk>/slip/", parking_release_slip, name="parking_release_slip"),
    path("parking/held/", vehicles_held, name="vehicles_held"),
]
