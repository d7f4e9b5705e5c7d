"""Serializers of the inspections API beyond the generic ones: draw records, tasks for the mobile app,
execution input and statistics."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import FindingResult, TaskResult
from ..models import DrawRecord, InspectionTask, TaskFinding


class DrawRecordSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    plan_status = serializers.CharField(source="plan.status")
    objects = serializers.SerializerMethodField()
    inspectors = serializers.SerializerMethodField()

    class Meta:
        model = DrawRecord
        fields = [
            "plan",
            "plan_status",
            "seed_commitment",
            "seed_hex",
            "candidates_sm3",
            "rules",
            "rules_sm3",
            "result_sm3",
            "frozen_at",
            "drawn_at",
            "published_at",
            "objects",
            "inspectors",
        ]

    def get_objects(self, obj) -> int:
        return len(obj.candidates["objects"])

    def get_inspectors(self, obj) -> int:
        return len(obj.candidates["inspectors"])


class FindingSerializer(serializers.ModelSerializer):
    check_item_code = serializers.CharField(source="check_item.code")
    check_item_name = serializers.CharField(source="check_item.name")
    requirement = serializers.CharField(source="check_item.requirement")
    indicator = serializers.CharField(source="check_item.indicator")

    class Meta:
        model = TaskFinding
        fields = ["check_item", "check_item_code", "check_item_name", "requirement", "indicator", "result", "note"]


class TaskIndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    direction = serializers.CharField()
    target = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_name = serializers.CharField(source="unit.name", default=None)
    actual = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    is_met = serializers.BooleanField(allow_null=True)


class TaskSerializer(serializers.ModelSerializer):
    plan_code = serializers.CharField(source="plan.code")
    plan_name = serializers.CharField(source="plan.name")
    object_name = serializers.CharField(source="inspection_object.name")
    credit_code = serializers.CharField(source="inspection_object.credit_code")
    address = serializers.CharField(source="inspection_object.address")
    unit_name = serializers.CharField(source="unit.name")
    inspector_names = serializers.SerializerMethodField()
    findings = FindingSerializer(many=True, read_only=True)
    indicators = serializers.SerializerMethodField()

    class Meta:
        model = InspectionTask
        fields = [
            "id",
            "code",
            "plan_code",
            "plan_name",
            "inspection_object",
            "object_name",
            "credit_code",
            "address",
            "unit_name",
            "inspector_names",
            "deadline",
            "status",
            "result",
            "summary",
            "rectify_deadline",
            "inspected_on",
            "case",
            "findings",
            "indicators",
        ]

    @extend_schema_field(TaskIndicatorSerializer(many=True))
    def get_indicators(self, obj) -> list:
        from ..services.indicators import indicators_for_task

        return TaskIndicatorSerializer(indicators_for_task(obj), many=True).data

    def get_inspector_names(self, obj) -> list[str]:
        return [i.officer.name for i in obj.inspectors.all()]


class FindingInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=FindingResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ExecuteSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=TaskResult.choices)
    summary = serializers.CharField()
    inspected_on = serializers.DateField(required=False)
    rectify_deadline = serializers.DateField(required=False, allow_null=True)
    findings = serializers.JSONField(
        required=False, help_text='{"<检查事项 id>": {"result": "conform|nonconform|na", "note": "…"}}'
    )
    photos = serializers.ListField(child=serializers.FileField(), required=False)

    def validate_findings(self, value):
        if isinstance(value, str):
            import json

            try:
                value = json.loads(value)
            except ValueError:
                raise serializers.ValidationError("检查事项结论应为 JSON 对象") from None
        if not isinstance(value, dict):
            raise serializers.ValidationError("检查事项结论应为 JSON 对象")
        for key, item in value.items():
            s = FindingInputSerializer(data=item)
            if not s.is_valid():
                raise serializers.ValidationError(f"检查事项 {key} 的结论无效")
        return value


class StatRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    no_problem = serializers.IntegerField()
    rectify = serializers.IntegerField()
    file_case = serializers.IntegerField()
    rate = serializers.FloatField()


class StatisticsSerializer(serializers.Serializer):
    totals = serializers.DictField()
    by_unit = StatRowSerializer(many=True)
    by_industry = StatRowSerializer(many=True)
    by_month = StatRowSerializer(many=True)
    by_object = StatRowSerializer(many=True)
