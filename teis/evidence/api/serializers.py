"""Serializers of the evidence API (what the mobile app and the PDA see of an item)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from ..models import CaseEvidenceLink, EvidenceItem


class LinkOutSerializer(serializers.ModelSerializer):
    case_code = serializers.CharField(source="case.case_code", label="统一案件编码", allow_null=True)
    case_title = serializers.CharField(source="case.title", label="案件名称")

    class Meta:
        model = CaseEvidenceLink
        fields = ["case", "case_code", "case_title", "description", "linked_at"]


class EvidenceItemOutSerializer(serializers.ModelSerializer):
    links = LinkOutSerializer(many=True, read_only=True)
    officer_name = serializers.SerializerMethodField(label="执法人员")
    download_url = serializers.SerializerMethodField(label="下载地址（需登录，支持 Range）")
    play_url = serializers.SerializerMethodField(label="播放地址（需登录，支持 Range）")

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "title",
            "category",
            "source",
            "device_serial",
            "officer",
            "officer_name",
            "unit",
            "captured_at",
            "captured_end",
            "place",
            "lon",
            "lat",
            "gps_points",
            "description",
            "original_name",
            "content_type",
            "size",
            "sm3",
            "duration_seconds",
            "video_codec",
            "proxy_status",
            "status",
            "legal_hold",
            "created_at",
            "links",
            "download_url",
            "play_url",
        ]

    def get_officer_name(self, obj) -> str:
        officer = getattr(obj.officer, "officer", None)
        return officer.name if officer else obj.officer.username

    def get_download_url(self, obj) -> str:
        return reverse("evidence-api-download", args=[obj.pk])

    def get_play_url(self, obj) -> str:
        kind = "proxy" if obj.proxy_name else "original"
        return reverse("evidence:stream", args=[obj.pk, kind])
