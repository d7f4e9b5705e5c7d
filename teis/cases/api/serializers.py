"""Serializers of the case API for the mobile app. Input serializers only shape the request; the intake service
checks every rule. Output never carries personal data in clear (masked; revealing is a separate audited act)."""

from __future__ import annotations

import json

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teis.core.masking import mask_generic, mask_id_number, mask_phone

from ..choices import CaseSource, PartyKind, Procedure
from ..models import CaseAttachment, CaseVehicle, EnforcementCase, Party


def _display(obj) -> str:
    """A related row as the record shows it: people by name, units by name."""
    from teis.core.display import person_display

    if obj is None:
        return ""
    if hasattr(obj, "get_username"):
        return person_display(obj)
    return getattr(obj, "name", "") or str(obj)


class PartyInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="类型", choices=PartyKind.choices, default=PartyKind.PERSON)
    name = serializers.CharField(label="姓名/名称", max_length=200)
    id_number = serializers.CharField(label="身份证号", required=False, allow_blank=True)
    phone = serializers.CharField(label="联系电话", required=False, allow_blank=True)
    address = serializers.CharField(label="住址", required=False, allow_blank=True)
    credit_code = serializers.CharField(label="统一社会信用代码", required=False, allow_blank=True)
    legal_representative = serializers.CharField(label="法定代表人", required=False, allow_blank=True)


class VehicleInSerializer(serializers.Serializer):
    plate = serializers.CharField(label="车牌号", max_length=12)
    vehicle_type = serializers.CharField(label="车辆类型", required=False, allow_blank=True)
    operating_licence = serializers.CharField(label="道路运输证号", required=False, allow_blank=True)
    driver_name = serializers.CharField(label="驾驶员", required=False, allow_blank=True)
    driver_licence = serializers.CharField(label="从业资格证号", required=False, allow_blank=True)


class JSONListField(serializers.Field):
    """A list, given as JSON in a JSON body or as a JSON string in a multipart form field."""

    default_error_messages = {"invalid": "应为列表（multipart 请求中为 JSON 数组字符串）"}

    def __init__(self, *, item_type=dict, **kwargs):
        self.item_type = item_type
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            text = data.strip()
            if not text:
                return []
            try:
                data = json.loads(text)
            except ValueError:
                if self.item_type is str:
                    return [s.strip() for s in text.split(",") if s.strip()]
                self.fail("invalid")
        if not isinstance(data, list):
            self.fail("invalid")
        if self.item_type is str:
            if not all(isinstance(x, (str, int)) for x in data):
                self.fail("invalid")
            return [str(x) for x in data]
        if not all(isinstance(x, dict) for x in data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(PartyInSerializer(many=True))
class PartiesField(JSONListField):
    pass


@extend_schema_field(VehicleInSerializer(many=True))
class VehiclesField(JSONListField):
    pass


@extend_schema_field(serializers.ListField(child=serializers.CharField()))
class CodesField(JSONListField):
    def __init__(self, **kwargs):
        super().__init__(item_type=str, **kwargs)


class PreRegisterSerializer(serializers.Serializer):
    title = serializers.CharField(label="案件名称", max_length=200)
    procedure = serializers.ChoiceField(label="程序", choices=Procedure.choices, default=Procedure.GENERAL)
    source = serializers.ChoiceField(label="案件来源", choices=CaseSource.choices, default=CaseSource.ON_SITE)
    business_line = serializers.CharField(label="业务条线（字典编码）", required=False, allow_blank=True)
    discovered_at = serializers.DateTimeField(label="发现时间", required=False, allow_null=True)
    place = serializers.CharField(label="发现地点", required=False, allow_blank=True, max_length=200)
    lon = serializers.FloatField(label="经度", required=False, allow_null=True)
    lat = serializers.FloatField(label="纬度", required=False, allow_null=True)
    case_cause = serializers.CharField(label="案由目录编码", required=False, allow_blank=True)
    violation_codes = CodesField(label="违章代码", required=False)
    facts = serializers.CharField(label="违法事实", required=False, allow_blank=True)
    parties = PartiesField(label="当事人", required=False)
    vehicles = VehiclesField(label="涉案车辆", required=False)
    axles = serializers.IntegerField(label="轴数（治超）", required=False, allow_null=True)
    gross_weight_kg = serializers.IntegerField(label="车货总重（千克）", required=False, allow_null=True)
    weight_limit_kg = serializers.IntegerField(
        label="限重（千克，不填则按 GB 1589-2016 依轴数确定）", required=False, allow_null=True
    )
    files = serializers.ListField(
        label="现场照片 / 视频", child=serializers.FileField(), required=False, allow_empty=True
    )


class PartyOutSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    id_number = serializers.SerializerMethodField(label="身份证号（脱敏）")
    phone = serializers.SerializerMethodField(label="联系电话（脱敏）")
    address = serializers.SerializerMethodField(label="住址（脱敏）")

    class Meta:
        model = Party
        fields = [
            "id",
            "kind",
            "kind_display",
            "name",
            "id_number",
            "phone",
            "address",
            "credit_code",
            "legal_representative",
        ]

    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else ""

    def get_phone(self, obj) -> str:
        return mask_phone(obj.phone) if obj.phone else ""

    def get_address(self, obj) -> str:
        return mask_generic(obj.address, 6, 0) if obj.address else ""


class VehicleOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseVehicle
        fields = ["id", "plate", "vehicle_type", "operating_licence", "driver_name", "driver_licence"]


class AttachmentOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseAttachment
        fields = ["id", "original_name", "content_type", "size", "sm3", "uploaded_at"]


class CaseListSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    procedure_display = serializers.CharField(source="get_procedure_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = EnforcementCase
        fields = [
            "id",
            "case_code",
            "file_number",
            "title",
            "procedure",
            "procedure_display",
            "status",
            "status_display",
            "current_step",
            "step_due_at",
            "unit",
            "unit_name",
            "filed_at",
            "deadline",
            "created_at",
        ]


class CaseDetailSerializer(CaseListSerializer):
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    business_line = serializers.CharField(source="business_line.code", default="", read_only=True)
    case_cause = serializers.CharField(source="case_cause.cause_code", default="", read_only=True)
    case_cause_name = serializers.CharField(source="case_cause.name", default="", read_only=True)
    handler_name = serializers.SerializerMethodField()
    parties = PartyOutSerializer(many=True, read_only=True)
    vehicles = VehicleOutSerializer(many=True, read_only=True)
    attachments = AttachmentOutSerializer(
        many=True, read_only=True, label="历史附件（证据中心启用前上传；新附件见 evidence）"
    )
    evidence = serializers.SerializerMethodField(label="案件证据（执法证据中心，含预登记附件）")
    violation_codes = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField(label="当前待办环节（办理见 /api/v1/workflow/tasks/<id>/）")
    record = serializers.SerializerMethodField(label="办案记录（处理意见、审核、告知、决定、送达、执行、结案、归档）")
    records = serializers.SerializerMethodField(label="笔录（询问、勘验、现场、听证）")
    payments = serializers.SerializerMethodField(label="缴款记录")
    on_spot = serializers.SerializerMethodField(label="当场处罚决定及备案（简易程序）")
    properties = serializers.SerializerMethodField(label="涉案财物")
    discretion = serializers.SerializerMethodField(label="裁量适用")
    coercive = serializers.SerializerMethodField(label="行政强制措施（basic 基本信息、process 过程、result 结果）")
    inspection = serializers.SerializerMethodField(label="行政检查（basic 基本信息、process 过程、result 结果）")
    origin_case = serializers.PrimaryKeyRelatedField(read_only=True, label="来源案件（转入行政处罚时的原案件）")
    derived_cases = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, label="转入行政处罚的案件（行政强制、行政检查）"
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "source",
            "source_display",
            "business_line",
            "handler",
            "handler_name",
            "co_handler",
            "discovered_at",
            "place",
            "lon",
            "lat",
            "case_cause",
            "case_cause_name",
            "facts",
            "investigation",
            "is_major",
            "decision_type",
            "fine_amount",
            "payment_status",
            "process",
            "parties",
            "vehicles",
            "attachments",
            "evidence",
            "violation_codes",
            "tasks",
            "confiscated_amount",
            "decided_at",
            "served_at",
            "payment_due",
            "paid_amount",
            "paid_at",
            "late_penalty",
            "filed_at",
            "deadline",
            "closed_at",
            "archived_at",
            "archive_location",
            "discretion",
            "record",
            "records",
            "payments",
            "on_spot",
            "properties",
            "coercive",
            "inspection",
            "origin_case",
            "derived_cases",
        ]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_discretion(self, obj) -> dict | None:
        app = obj.discretion
        if app is None:
            return None
        return {
            "id": app.pk,
            "violation_code": app.violation_code.code,
            "level": app.level.name,
            "amount": str(app.amount) if app.amount is not None else None,
            "status": app.status,
            "status_display": app.get_status_display(),
            "deviation": app.deviation,
        }

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_record(self, obj) -> dict | None:
        from ..models import CaseDecision

        rec = CaseDecision.objects.filter(case=obj).first()
        if rec is None:
            return None
        out = {}
        for field in CaseDecision._meta.concrete_fields:
            if field.name in ("id", "case"):
                continue
            value = getattr(rec, field.attname)
            out[field.attname] = value.isoformat() if hasattr(value, "isoformat") else value
            if field.choices and value:
                out[f"{field.name}_display"] = getattr(rec, f"get_{field.name}_display")()
            elif field.is_relation and value:
                out[f"{field.name}_display"] = _display(getattr(rec, field.name))
        out["penalty_kinds_display"] = rec.penalty_kind_labels()
        return out

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_coercive(self, obj) -> dict | None:
        from ..services.coercive import measure_payload

        return measure_payload(obj)

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_inspection(self, obj) -> dict | None:
        from ..services.inspection import inspection_payload

        return inspection_payload(obj)

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_on_spot(self, obj) -> dict | None:
        """简易程序: the on-the-spot decision and its 备案."""
        from ..models import OnSpotPenalty

        row = OnSpotPenalty.objects.filter(case=obj).first()
        if row is None:
            return None
        return {
            "penalty_kind": row.penalty_kind,
            "penalty_kind_display": row.get_penalty_kind_display(),
            "fine_amount": str(row.fine_amount) if row.fine_amount is not None else None,
            "legal_basis": row.legal_basis,
            "decided_at": row.decided_at.isoformat(),
            "decided_by": _display(row.decided_by),
            "collected_on_spot": row.collected_on_spot,
            "collection_reason": row.collection_reason,
            "receipt_number": row.receipt_number,
            "filed_at": row.filed_at.isoformat() if row.filed_at else None,
            "filed_by": _display(row.filed_by) if row.filed_by_id else None,
        }

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_properties(self, obj) -> list[dict]:
        """涉案财物 with where they are kept and what became of them."""
        return [
            {
                "id": p.pk,
                "kind_display": p.get_kind_display(),
                "description": p.description,
                "plate": p.plate,
                "status": p.status,
                "status_display": p.get_status_display(),
                "keeper_unit": p.keeper_unit.name,
                "custody_place": p.custody_place.name if p.custody_place_id else "",
                "custody_until": p.custody_until.isoformat() if p.custody_until else None,
                "auction_date": p.auction_date.isoformat() if p.auction_date else None,
                "auction_price": str(p.auction_price) if p.auction_price is not None else None,
            }
            for p in obj.properties.select_related("keeper_unit", "custody_place")
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_records(self, obj) -> list[dict]:
        return [
            {
                "id": r.pk,
                "kind": r.kind,
                "kind_display": r.get_kind_display(),
                "started_at": r.started_at.isoformat(),
                "place": r.place,
                "recorder": r.recorder_id,
                "interviewee": r.interviewee,
                "content": r.content,
                "qa": r.qa,
            }
            for r in obj.records.all()
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_payments(self, obj) -> list[dict]:
        return [
            {"amount": str(p.amount), "paid_at": p.paid_at.isoformat(), "receipt_number": p.receipt_number}
            for p in obj.payments.all()
        ]

    def get_handler_name(self, obj) -> str:
        officer = getattr(obj.handler, "officer", None)
        return officer.name if officer else obj.handler.username

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_evidence(self, obj) -> list[dict]:
        """Evidence items linked to the case that the user may see (download: /api/v1/evidence/items/<id>/)."""
        from teis.cases.ports import case_evidence_links

        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.has_perm("evidence.view_evidenceitem"):
            return []
        return [
            {
                "id": link.item.pk,
                "title": link.item.title,
                "original_name": link.item.original_name,
                "category": link.item.category,
                "content_type": link.item.content_type,
                "size": link.item.size,
                "sm3": link.item.sm3,
                "created_at": link.item.created_at.isoformat(),
                "description": link.description,
            }
            for link in case_evidence_links(user, obj)
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_violation_codes(self, obj) -> list[dict]:
        from ..services.case import legal_basis

        return [
            {
                "id": row["code"].pk,
                "code": row["code"].code,
                "version": row["code"].version,
                "name": row["code"].name,
                "violated_provisions": row["violated"],
                "penalty_provisions": row["penalty"],
            }
            for row in legal_basis(obj)
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_tasks(self, obj) -> list[dict]:
        from ..services.case import current_tasks_for

        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return []
        return [
            {
                "id": t.pk,
                "name": t.name,
                "due_at": t.due_at,
                "can_act": can_act,
                "url": f"/api/v1/workflow/tasks/{t.pk}/",
            }
            for t, can_act in current_tasks_for(user, obj)
        ]
