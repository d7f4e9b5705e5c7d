"""API of violation codes, case causes and discretion: serializers for the generic viewsets and the
selection (选取适用) endpoints under /api/v1/legal/discretion/… (the legal review of a deviation is the application's
declared actions `approve` / `reject`, `legal/tables.py`)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.api.serializers import ScopedModelSerializer

from ..choices import ExerciseLevel, PenaltyType
from ..models import CaseCause, DiscretionApplication, ViolationCode
from ..services import discretion as discretion_services
from ..validators import validate_cause_code, validate_violation_code

# --- serializers of the generic viewsets ----------------------------------------------------------------


class ViolationCodeSerializer(ScopedModelSerializer):
    """A PUT / PATCH makes a new version (the response is the new row); version fields are the system's."""

    penalty_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PenaltyType.choices), required=False, label="处罚种类"
    )
    code = serializers.CharField(max_length=20, validators=[validate_violation_code], label="违章代码")

    class Meta:
        model = ViolationCode
        fields = "__all__"
        read_only_fields = [
            "version",
            "is_current",
            "previous",
            "legal_change_flag",
            "flagged_at",
            "flag_reason",
            "created_by",
        ]
        validators: list = []  # uniqueness and versioning are the service's


class CaseCauseSerializer(ScopedModelSerializer):
    """Deleting cancels the entry (is_deleted, status); every write is queued for the city platform."""

    exercise_levels = serializers.ListField(
        child=serializers.ChoiceField(choices=ExerciseLevel.choices), required=False, label="行使层级"
    )
    cause_code = serializers.CharField(max_length=40, validators=[validate_cause_code], label="案由目录编码")

    class Meta:
        model = CaseCause
        fields = "__all__"
        read_only_fields = ["is_deleted", "modified_at", "legal_change_flag", "flagged_at", "flag_reason", "created_by"]
        validators: list = []


class DiscretionApplicationResultSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="violation_code.code", read_only=True)
    level_name = serializers.CharField(source="level.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = DiscretionApplication
        fields = [
            "id",
            "violation_code",
            "code",
            "level",
            "level_name",
            "unit",
            "case_reference",
            "amount",
            "conditions_met",
            "deviation",
            "reason",
            "status",
            "status_display",
            "decided_by",
            "decided_at",
            "decision_opinion",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


SelectionSerializer = inline_serializer(
    "DiscretionSelection",
    {
        "range_min": serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        "range_max": serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        "suggested_amount": serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        "conditions": serializers.ListField(child=serializers.CharField()),
        "other_penalties": serializers.CharField(),
        "level": serializers.DictField(),
        "benchmark": serializers.DictField(),
    },
)


class ApplySerializer(serializers.Serializer):
    code = serializers.CharField(label="违章代码", max_length=20)
    level = serializers.CharField(label="情节（名称或 ID）", max_length=30)
    amount = serializers.DecimalField(
        label="拟罚款金额（元）", max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    conditions_met = serializers.ListField(
        label="已满足的条件", child=serializers.CharField(max_length=300), required=False, default=list
    )
    reason = serializers.CharField(label="偏离理由", required=False, allow_blank=True, default="")
    case_reference = serializers.CharField(label="案件", max_length=60, required=False, allow_blank=True, default="")


# --- endpoints ----------------------------------------------------------------------------------------------


class _DiscretionView(APIView):
    """Selection and application need `legal.view_discretionbenchmark` (core's ModelPermission, audited denial)."""

    permission_action = "view"

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get("legal.discretionbenchmark")


def _selection_data(selection) -> dict:
    data = selection.as_dict()
    for key in ("range_min", "range_max", "suggested_amount"):
        data[key] = None if data[key] is None else f"{data[key]:.2f}"
    return data


class DiscretionSelectView(_DiscretionView):
    @extend_schema(
        parameters=[
            OpenApiParameter("code", str, description="违章代码", required=True),
            OpenApiParameter("level", str, description="情节名称或情节 ID", required=True),
        ],
        responses={200: SelectionSerializer},
        tags=["自由裁量"],
        summary="选取适用：情节的罚款幅度与建议金额",
    )
    def get(self, request):
        selection = discretion_services.select_benchmark(
            request.query_params.get("code", ""), request.query_params.get("level", "")
        )
        return Response(_selection_data(selection))


class DiscretionApplyView(_DiscretionView):
    @extend_schema(
        request=ApplySerializer,
        responses={201: DiscretionApplicationResultSerializer},
        tags=["自由裁量"],
        summary="提交裁量适用（偏离基准须填写理由，转法制审核）",
    )
    def post(self, request):
        s = ApplySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        application = discretion_services.do_apply_discretion(
            request.user,
            violation_code=d["code"],
            level=d["level"],
            amount=d.get("amount"),
            conditions_met=d.get("conditions_met") or [],
            reason=d.get("reason", ""),
            case_reference=d.get("case_reference", ""),
        )
        return Response(DiscretionApplicationResultSerializer(application).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("discretion/select/", DiscretionSelectView.as_view(), name="legal-discretion-select"),
    path("discretion/apply/", DiscretionApplyView.as_view(), name="legal-discretion-apply"),
]
