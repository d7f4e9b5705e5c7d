"""Mobile and platform API of 涉案财物 / 停车, 治超, 黑名单, 执法对象预查询 and 简易程序 (当场处罚),
under /api/v1/cases/.
Every endpoint calls the same service as the page; refusals are the one JSON error body (HTTP 400), a missing
permission 403, an object outside the user's scope 404. Bodies are read field by field: a `status` (or any
field that is not an input of the action) is ignored."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.api.pagination import Pagination

from ..choices import FourPenaltyTarget, OnSpotPenaltyKind, OverloadDisposal, PropertyKind
from ..models import BlacklistEntry, CarPark, CaseProperty, ParkingRecord
from ..services import blacklist as blacklist_services
from ..services import case as case_services
from ..services import lookup as lookup_services
from ..services import overload as overload_services
from ..services import parking
from ..services import property as property_services
from ..services import simplified as simplified_services
from .serializers import CaseDetailSerializer, CodesField, PartiesField, VehiclesField

TAGS = ["案件办理"]


class ConfiguredAPIView(APIView):
    """ModelPermission checks `<app>.<permission_action>_<model>` of `model_label` (refusals audited: 403)."""

    model_label = "cases.enforcementcase"
    permission_action: str | None = None

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get(self.model_label)


def _out(model_label: str, obj, request) -> dict:
    from teis.core.api.serializers import serializer_for
    from teis.core.registry import registry

    return serializer_for(registry.get(model_label))(obj, context={"request": request}).data


def _scoped(model, request, pk):
    return get_object_or_404(model.objects.for_user(request.user), pk=pk)


# --- 当场处罚 (简易程序) -------------------------------------------------------------------------------------------


class OnSpotInSerializer(serializers.Serializer):
    title = serializers.CharField(label="案件名称（缺省为“当场处罚：当事人”）", required=False, max_length=200)
    business_line = serializers.CharField(label="业务条线（字典编码）", required=False, allow_blank=True)
    discovered_at = serializers.DateTimeField(label="发现时间", required=False, allow_null=True)
    place = serializers.CharField(label="地点", required=False, allow_blank=True, max_length=200)
    lon = serializers.FloatField(label="经度", required=False, allow_null=True)
    lat = serializers.FloatField(label="纬度", required=False, allow_null=True)
    case_cause = serializers.CharField(label="案由目录编码", required=False, allow_blank=True)
    violation_codes = CodesField(label="违章代码（法律依据）")
    facts = serializers.CharField(label="违法事实")
    parties = PartiesField(label="当事人（一名）")
    vehicles = VehiclesField(label="涉案车辆", required=False)
    penalty_kind = serializers.ChoiceField(label="处罚种类", choices=OnSpotPenaltyKind.choices)
    fine_amount = serializers.DecimalField(
        label="罚款金额（元）", max_digits=8, decimal_places=2, required=False, allow_null=True
    )
    legal_basis = serializers.CharField(label="法律依据（缺省取违章代码）", required=False, allow_blank=True)
    collected_on_spot = serializers.BooleanField(label="当场收缴", required=False, default=False)
    collection_reason = serializers.CharField(label="当场收缴情形", required=False, allow_blank=True)
    receipt_number = serializers.CharField(label="罚没款收据号", required=False, allow_blank=True)


class OnSpotDecisionInSerializer(serializers.Serializer):
    penalty_kind = serializers.ChoiceField(label="处罚种类", choices=OnSpotPenaltyKind.choices)
    fine_amount = serializers.DecimalField(
        label="罚款金额（元）", max_digits=8, decimal_places=2, required=False, allow_null=True
    )
    legal_basis = serializers.CharField(label="法律依据", required=False, allow_blank=True)
    collected_on_spot = serializers.BooleanField(label="当场收缴", required=False, default=False)
    collection_reason = serializers.CharField(label="当场收缴情形", required=False, allow_blank=True)
    receipt_number = serializers.CharField(label="罚没款收据号", required=False, allow_blank=True)


class FilingInSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label="同意备案（false 为退回补正）", default=True)
    opinion = serializers.CharField(label="意见（退回时必填）", required=False, allow_blank=True)


def on_spot_out(case, request) -> dict:
    data = dict(CaseDetailSerializer(case, context={"request": request}).data)
    record = getattr(case, "on_spot", None) if hasattr(case, "on_spot") else None
    data.update(
        decided_at=case.decided_at,
        served_at=case.served_at,
        paid_amount=str(case.paid_amount),
        paid_at=case.paid_at,
        payment_due=case.payment_due,
        closed_at=case.closed_at,
        archived_at=case.archived_at,
        on_spot=None
        if record is None
        else {
            "penalty_kind": record.penalty_kind,
            "penalty_kind_display": record.get_penalty_kind_display(),
            "fine_amount": None if record.fine_amount is None else str(record.fine_amount),
            "legal_basis": record.legal_basis,
            "collected_on_spot": record.collected_on_spot,
            "receipt_number": record.receipt_number,
            "decided_at": record.decided_at,
            "filed_at": record.filed_at,
        },
    )
    return data


class OnSpotPenaltyView(ConfiguredAPIView):
    permission_action = "add"

    @extend_schema(
        operation_id="cases_on_spot_penalty",
        summary="当场处罚（简易程序）：登记、决定、收缴一次完成，报备案",
        description="对公民罚款不超过 200 元、对法人或其他组织不超过 3000 元或警告（行政处罚法第五十一条）；"
        "成功后案件已赋码、编文号、决定并送达，进入“备案”环节（中队长 POST /api/v1/cases/{id}/on-spot/filing/）。",
        request=OnSpotInSerializer,
        responses={201: CaseDetailSerializer},
        tags=TAGS,
    )
    def post(self, request):
        s = OnSpotInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        case = simplified_services.do_on_spot_penalty(request.user, dict(s.validated_data))
        case = case_services.access_case(request.user, case.pk)
        return Response(on_spot_out(case, request), status=status.HTTP_201_CREATED)


class OnSpotDecisionView(ConfiguredAPIView):
    permission_action = "view"  # who may decide is the service's rule (handler / co-handler)

    @extend_schema(
        operation_id="cases_on_spot_decision",
        summary="重新作出当场处罚决定（备案退回补正后）",
        request=OnSpotDecisionInSerializer,
        responses={200: CaseDetailSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        s = OnSpotDecisionInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        simplified_services.do_on_spot_decision(request.user, case, dict(s.validated_data))
        return Response(on_spot_out(case_services.access_case(request.user, pk), request))


class OnSpotFilingView(ConfiguredAPIView):
    permission_action = "view"  # the workflow checks that the user holds the 备案 task

    @extend_schema(
        operation_id="cases_on_spot_filing",
        summary="简易程序备案（同意：结案归档；退回：补正）",
        request=FilingInSerializer,
        responses={200: CaseDetailSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        s = FilingInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        simplified_services.do_simplified_filing(
            request.user, case, s.validated_data["approve"], s.validated_data.get("opinion", "")
        )
        return Response(on_spot_out(case_services.access_case(request.user, pk), request))


# --- 执法对象预查询 --------------------------------------------------------------------------------------------------


class LookupView(ConfiguredAPIView):
    @extend_schema(
        operation_id="cases_party_lookup",
        summary="执法对象预查询（身份证号或车牌号）",
        description="既往案件、违法记录、非法客运记录、黑名单命中、车辆经营者；在数据权限范围内，脱敏，每次查询记入审计。",
        parameters=[OpenApiParameter("id_number", str), OpenApiParameter("plate", str)],
        responses={200: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def get(self, request):
        result = lookup_services.lookup_party(
            request.user, request.query_params.get("id_number", ""), request.query_params.get("plate", "")
        )
        return Response(result)


# --- 涉案财物 and parking --------------------------------------------------------------------------------------------


class PropertyInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="类别", choices=PropertyKind.choices)
    description = serializers.CharField(label="名称及特征", max_length=200)
    quantity = serializers.IntegerField(label="数量", min_value=1, default=1)
    plate = serializers.CharField(label="车牌号", required=False, allow_blank=True, max_length=12)
    custody_place = serializers.IntegerField(label="保管场所 id", required=False, allow_null=True)
    storage_place = serializers.CharField(label="存放位置", required=False, allow_blank=True, max_length=200)
    custody_until = serializers.DateField(label="保管期限", required=False, allow_null=True)


class RegisterPropertyView(ConfiguredAPIView):
    model_label = "cases.caseproperty"
    permission_action = "add"

    @extend_schema(
        operation_id="cases_property_register",
        summary="登记涉案财物",
        request=PropertyInSerializer,
        responses={201: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        s = PropertyInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        prop = property_services.do_register_property(request.user, case, dict(s.validated_data))
        return Response(_out("cases.caseproperty", prop, request), status=status.HTTP_201_CREATED)


class PropertyActionInSerializer(serializers.Serializer):
    custody_place = serializers.IntegerField(label="保管场所 id（入库保管）", required=False, allow_null=True)
    storage_place = serializers.CharField(label="存放位置（入库保管）", required=False, allow_blank=True)
    custody_until = serializers.DateField(label="保管期限（入库保管）", required=False, allow_null=True)
    car_park = serializers.IntegerField(label="停车场 id（入场停放）", required=False, allow_null=True)
    space = serializers.CharField(label="车位（入场停放）", required=False, allow_blank=True)
    keeper_unit = serializers.IntegerField(label="接收单位 id（移交）", required=False, allow_null=True)
    auction_date = serializers.DateField(label="拍卖日期（拍卖）", required=False, allow_null=True)
    auction_price = serializers.DecimalField(
        label="成交价（拍卖）", max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    buyer = serializers.CharField(label="买受人（拍卖）", required=False, allow_blank=True)
    note = serializers.CharField(label="说明", required=False, allow_blank=True)


def _run_property_action(request, prop, action: str, d: dict):
    from teis.org.models import Unit

    if action == "store":
        place = property_services.custody_places_for(prop.keeper_unit).filter(pk=d.get("custody_place")).first()
        return property_services.do_store_property(
            request.user, prop, d.get("storage_place", ""), d.get("custody_until"), custody_place=place
        )
    if action == "park":
        car_park = CarPark.objects.for_user(request.user).filter(pk=d.get("car_park")).first()
        return parking.do_park_vehicle(request.user, prop, car_park, d.get("space", ""))
    if action == "transfer":
        unit = Unit.objects.filter(pk=d.get("keeper_unit"), is_active=True).first()
        return property_services.do_transfer_property(request.user, prop, unit, d.get("note", ""))
    if action == "return":
        return property_services.do_return_property(request.user, prop, d.get("note", ""))
    if action == "confiscate":
        return property_services.do_confiscate_property(request.user, prop, d.get("note", ""))
    return property_services.do_auction_property(
        request.user, prop, d.get("auction_date"), d.get("auction_price"), d.get("note", ""), d.get("buyer", "")
    )


PROPERTY_ACTIONS = ("store", "park", "transfer", "return", "confiscate", "auction")


class PropertyActionView(ConfiguredAPIView):
    """入场停放 needs `cases.add_parkingrecord`; every other action `cases.change_caseproperty`."""

    @property
    def model_label(self):
        return "cases.parkingrecord" if self.kwargs.get("action") == "park" else "cases.caseproperty"

    @property
    def permission_action(self):
        return "add" if self.kwargs.get("action") == "park" else "change"

    @extend_schema(
        operation_id="cases_property_action",
        summary="涉案财物处置：store 入库保管 / park 入场停放 / transfer 移交 / "
        "return 返还 / confiscate 没收 / auction 拍卖",
        request=PropertyActionInSerializer,
        responses={200: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def post(self, request, pk: int, action: str):
        from django.http import Http404

        if action not in PROPERTY_ACTIONS:
            raise Http404
        prop = _scoped(CaseProperty, request, pk)
        s = PropertyActionInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        result = _run_property_action(request, prop, action, dict(s.validated_data))
        if isinstance(result, ParkingRecord):
            return Response(_out("cases.parkingrecord", result, request), status=status.HTTP_201_CREATED)
        return Response(_out("cases.caseproperty", result, request))


class ReleaseInSerializer(serializers.Serializer):
    released_to = serializers.CharField(label="提车人", max_length=100)
    note = serializers.CharField(label="放行说明", required=False, allow_blank=True, max_length=300)


class ReleaseView(ConfiguredAPIView):
    model_label = "cases.parkingrecord"
    permission_action = "change"

    @extend_schema(
        operation_id="cases_parking_release",
        summary="扣押车辆出场放行（放行单；停车费 = 天数 × 收费标准，不足一日按一日计）",
        request=ReleaseInSerializer,
        responses={200: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        record = _scoped(ParkingRecord, request, pk)
        s = ReleaseInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        record = parking.do_release_vehicle(
            request.user, record, s.validated_data["released_to"], s.validated_data.get("note", "")
        )
        return Response(_out("cases.parkingrecord", record, request))


class HeldVehiclesView(ConfiguredAPIView):
    model_label = "cases.parkingrecord"

    @extend_schema(
        operation_id="cases_parking_held",
        summary="在场车辆（含截至当前的停车天数与停车费）",
        responses={200: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(parking.vehicles_held_now(request.user), request, view=self)
        rows = []
        for r in page:
            days, fee = parking.current_fee(r)
            rows.append(
                {
                    "id": r.pk,
                    "plate": r.plate,
                    "car_park": r.car_park_id,
                    "car_park_name": r.car_park.name,
                    "space": r.space,
                    "entered_at": r.entered_at,
                    "case": r.property.case_id,
                    "property": r.property_id,
                    "days": days,
                    "fee": str(fee),
                }
            )
        return paginator.get_paginated_response(rows)


# --- 治超 ----------------------------------------------------------------------------------------------------------


class UnloadingInSerializer(serializers.Serializer):
    method = serializers.ChoiceField(label="方式", choices=OverloadDisposal.choices)
    unloaded_kg = serializers.IntegerField(label="卸载/转运重量（千克）")
    place = serializers.CharField(label="地点", max_length=200)
    done_at = serializers.DateTimeField(label="完成时间", required=False, allow_null=True)
    receiver = serializers.CharField(label="接收车辆或单位", required=False, allow_blank=True)
    note = serializers.CharField(label="说明", required=False, allow_blank=True)


class UnloadingView(ConfiguredAPIView):
    model_label = "cases.overloadunloading"
    permission_action = "add"

    @extend_schema(
        operation_id="cases_overload_unloading",
        summary="治超卸载/转运记录",
        request=UnloadingInSerializer,
        responses={201: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        s = UnloadingInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        record = overload_services.do_record_unloading(request.user, case, dict(s.validated_data))
        return Response(_out("cases.overloadunloading", record, request), status=status.HTTP_201_CREATED)


class FourPenaltyTargetSerializer(serializers.Serializer):
    action = serializers.ChoiceField(label="处理方式", choices=["case", "copy_report"], required=False)
    subject_name = serializers.CharField(label="名称", required=False, allow_blank=True)
    identifier = serializers.CharField(label="证照号/车牌号/信用代码", required=False, allow_blank=True)
    copy_to = serializers.CharField(label="抄告单位", required=False, allow_blank=True)


FourPenaltyInSerializer = type(
    "FourPenaltyInSerializer",
    (serializers.Serializer,),
    {t: FourPenaltyTargetSerializer(label=label, required=False) for t, label in FourPenaltyTarget.choices},
)


class FourPenaltiesView(ConfiguredAPIView):
    model_label = "cases.fourpenaltylink"
    permission_action = "add"

    @extend_schema(
        operation_id="cases_four_penalties",
        summary="一超四罚：对车辆、驾驶人、运输企业、货运源头单位生成预登记案件或抄告（缺省取自案件）",
        request=FourPenaltyInSerializer,
        responses={201: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        s = FourPenaltyInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        links = overload_services.do_generate_four_penalties(request.user, case, dict(s.validated_data))
        return Response(
            {"results": [_out("cases.fourpenaltylink", x, request) for x in links]}, status=status.HTTP_201_CREATED
        )


# --- 黑名单 ---------------------------------------------------------------------------------------------------------


class BlacklistActionInSerializer(serializers.Serializer):
    approve = serializers.BooleanField(label="列入（审核）", required=False, default=True)
    note = serializers.CharField(label="审核意见", required=False, allow_blank=True)
    reason = serializers.CharField(label="移出理由（移出）", required=False, allow_blank=True)


class BlacklistActionView(ConfiguredAPIView):
    model_label = "cases.blacklistentry"
    permission_action = "change"

    @extend_schema(
        operation_id="cases_blacklist_action",
        summary="黑名单审核（review）或移出（remove）",
        request=BlacklistActionInSerializer,
        responses={200: OpenApiTypes.OBJECT},
        tags=TAGS,
    )
    def post(self, request, pk: int, action: str):
        from django.http import Http404

        if action not in ("review", "remove"):
            raise Http404
        entry = _scoped(BlacklistEntry, request, pk)
        s = BlacklistActionInSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        if action == "review":
            entry = blacklist_services.do_review_entry(request.user, entry, d["approve"], d.get("note", ""))
        else:
            entry = blacklist_services.do_remove_entry(request.user, entry, d.get("reason", ""))
        return Response(_out("cases.blacklistentry", entry, request))


urlpatterns = [
    path("on-spot/", OnSpotPenaltyView.as_view(), name="api_case_on_spot"),
    path("<int:pk>/on-spot/", OnSpotDecisionView.as_view(), name="api_case_on_spot_decision"),
    path("<int:pk>/on-spot/filing/", OnSpotFilingView.as_view(), name="api_case_on_spot_filing"),
    path("lookup/", LookupView.as_view(), name="api_case_lookup"),
    path("<int:pk>/property/", RegisterPropertyView.as_view(), name="api_case_property_register"),
    path("property/<int:pk>/<slug:action>/", PropertyActionView.as_view(), name="api_case_property_action"),
    path("parking/<int:pk>/release/", ReleaseView.as_view(), name="api_case_parking_release"),
    path("parking/held/", HeldVehiclesView.as_view(), name="api_case_parking_held"),
    path("<int:pk>/unloading/", UnloadingView.as_view(), name="api_case_unloading"),
    path("<int:pk>/four-penalties/", FourPenaltiesView.as_view(), name="api_case_four_penalties"),
    path("blacklist/<int:pk>/<slug:action>/", BlacklistActionView.as_view(), name="api_case_blacklist_action"),
]
