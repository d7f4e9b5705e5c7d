"""Serializers of the petition API: personal data masked (reveal through the page, audited)."""

from __future__ import annotations

from rest_framework import serializers

from ..choices import Channel, PetitionKind
from ..models import Petition
from ..services.intake import masked_personal


class PetitionDetailSerializer(serializers.ModelSerializer):
    category_label = serializers.CharField(source="category.label", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    complainant = serializers.SerializerMethodField()
    cases = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tasks = serializers.SerializerMethodField()

    class Meta:
        model = Petition
        fields = [
            "id",
            "code",
            "kind",
            "channel",
            "external_ref",
            "category",
            "category_label",
            "title",
            "content",
            "is_anonymous",
            "complainant",
            "subject_plate",
            "subject_company",
            "subject_ship",
            "place",
            "lon",
            "lat",
            "occurred_at",
            "registered_at",
            "intake_unit",
            "unit",
            "unit_name",
            "status",
            "current_step",
            "step_due_at",
            "accept_due",
            "finish_due",
            "accepted_at",
            "instruction",
            "dispatched_at",
            "handling_result",
            "handled_at",
            "closed_at",
            "closed_in_time",
            "satisfaction",
            "visit_note",
            "visited_at",
            "redo_count",
            "reopened_at",
            "supervised",
            "cases",
            "process",
            "tasks",
        ]
        read_only_fields = fields

    def get_complainant(self, obj) -> dict:
        return masked_personal(obj)

    def get_tasks(self, obj) -> list[dict]:
        from ..services.flow import active_tasks

        return [
            {"id": t.pk, "step": t.spec_name, "name": t.name, "unit": t.candidate_unit_id, "role": t.role}
            for t in active_tasks(obj)
        ]


class PetitionRegisterSerializer(serializers.Serializer):
    """Shapes only; every rule (required fields, formats, anonymity) is checked by the service."""

    kind = serializers.ChoiceField(choices=PetitionKind.choices, required=False)
    channel = serializers.CharField(required=False, allow_blank=True, help_text="、".join(Channel.values))
    external_ref = serializers.CharField(required=False, allow_blank=True)
    category = serializers.CharField(required=False, allow_blank=True, help_text="字典项编号或编码")
    title = serializers.CharField(required=False, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True)
    is_anonymous = serializers.BooleanField(required=False, default=False)
    complainant_name = serializers.CharField(required=False, allow_blank=True)
    complainant_phone = serializers.CharField(required=False, allow_blank=True)
    complainant_id_number = serializers.CharField(required=False, allow_blank=True)
    complainant_address = serializers.CharField(required=False, allow_blank=True)
    subject_plate = serializers.CharField(required=False, allow_blank=True)
    subject_company = serializers.CharField(required=False, allow_blank=True)
    subject_ship = serializers.CharField(required=False, allow_blank=True)
    place = serializers.CharField(required=False, allow_blank=True)
    lon = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    lat = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    occurred_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class PetitionQuerySerializer(serializers.Serializer):
    conditions = serializers.JSONField(help_text='[{"field": "channel", "op": "eq", "value": "hotline"}, …]')
    sort = serializers.CharField(required=False, allow_blank=True)


class PetitionCaseLinkSerializer(serializers.Serializer):
    case = serializers.CharField(help_text="案件编号或统一案件编码")
