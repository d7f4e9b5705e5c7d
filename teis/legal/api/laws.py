"""`GET /api/v1/legal/search/` (provision search) and `GET /api/v1/legal/suggest/` (搜索提示)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..choices import EffectLevel, Validity
from ..search import MAX_QUERY_LENGTH, provision_url, search_provisions, suggest
from .serializers import SearchResultSerializer, search_result

MAX_LIMIT = 200


def _query(request, name: str = "q") -> str:
    q = (request.query_params.get(name) or "").strip()
    if not q:
        raise ServiceError("query_required", "请输入检索关键词。", {name: ["请输入检索关键词"]})
    if len(q) > MAX_QUERY_LENGTH:
        raise ServiceError(
            "query_too_long", f"检索关键词不能超过 {MAX_QUERY_LENGTH} 字。", {name: [f"不能超过 {MAX_QUERY_LENGTH} 字"]}
        )
    return q


def _date(request, name: str, label: str):
    import datetime as dt

    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        message = f"{label}格式应为 YYYY-MM-DD。"
        raise ServiceError("invalid_date", message, {name: ["日期格式应为 YYYY-MM-DD"]}) from None


def _choice(request, name: str, choices, label: str):
    raw = (request.query_params.get(name) or "").strip()
    if raw and raw not in choices.values:
        raise ServiceError("invalid_choice", f"{label}无效。", {name: ["可选值：" + "、".join(choices.values)]})
    return raw or None


class LawConfigMixin:
    @property
    def config(self):
        # ModelPermission checks (and audits a refusal of) `legal.view_law` through this config.
        from teis.core.registry import registry

        return registry.get("legal.law")


class ProvisionSearchView(LawConfigMixin, APIView):
    """Provisions holding every word of `q` (jieba), best first, in the current versions by default."""

    @extend_schema(
        operation_id="legal_search",
        summary="法规条款检索",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="关键词，多个词以空格分隔，需同时包含", required=True),
            OpenApiParameter("effect_level", OpenApiTypes.STR, enum=EffectLevel.values, description="效力级别"),
            OpenApiParameter("validity", OpenApiTypes.STR, enum=Validity.values, description="时效性"),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="颁布日期起"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="颁布日期止"),
            OpenApiParameter("law_name", OpenApiTypes.STR, description="法规名称包含"),
            OpenApiParameter("all_versions", OpenApiTypes.BOOL, description="包含历史版本"),
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"最多返回条数（≤{MAX_LIMIT}）"),
        ],
        responses={
            200: inline_serializer(
                "ProvisionSearch",
                {"count": serializers.IntegerField(), "results": SearchResultSerializer(many=True)},
            )
        },
        tags=["法律法规"],
    )
    def get(self, request):
        q = _query(request)
        effect_level = _choice(request, "effect_level", EffectLevel, "效力级别")
        validity = _choice(request, "validity", Validity, "时效性")
        date_from = _date(request, "date_from", "开始日期")
        date_to = _date(request, "date_to", "结束日期")
        if date_from and date_to and date_from > date_to:
            raise ServiceError("invalid_range", "开始日期不能晚于结束日期。", {"date_from": ["不能晚于结束日期"]})
        try:
            limit = int(request.query_params.get("limit") or 50)
        except ValueError:
            raise ServiceError("invalid_limit", "limit 应为整数。", {"limit": ["应为整数"]}) from None
        limit = max(1, min(limit, MAX_LIMIT))
        found = search_provisions(
            q,
            effect_level=effect_level,
            validity=validity,
            date_from=date_from,
            date_to=date_to,
            law_name=(request.query_params.get("law_name") or "").strip() or None,
            current_only=request.query_params.get("all_versions", "").lower() not in ("1", "true", "yes"),
            limit=limit,
        )
        results = [search_result(p, score, provision_url(p)) for p, score in found]
        return Response({"count": len(results), "results": results})


class SuggestView(LawConfigMixin, APIView):
    """搜索提示: law names containing `q` and frequent indexed words starting with it. An HTMX request gets an
    HTML list for the search page's drop-down."""

    @extend_schema(
        operation_id="legal_suggest",
        summary="法规搜索提示",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="已输入的文字", required=True),
            OpenApiParameter("limit", OpenApiTypes.INT, description="最多返回条数（≤20）"),
        ],
        responses={
            200: inline_serializer(
                "LegalSuggestions",
                {
                    "suggestions": inline_serializer(
                        "LegalSuggestion",
                        {
                            "text": serializers.CharField(label="提示文字"),
                            "kind": serializers.ChoiceField(choices=["law", "word"], label="类型"),
                        },
                        many=True,
                    )
                },
            )
        },
        tags=["法律法规"],
    )
    def get(self, request):
        htmx = request.headers.get("HX-Request") == "true"
        if htmx and not (request.query_params.get("q") or "").strip():
            return render(request._request, "legal/search_suggest.html", {"suggestions": []})
        q = _query(request)
        try:
            limit = max(1, min(int(request.query_params.get("limit") or 10), 20))
        except ValueError:
            raise ServiceError("invalid_limit", "limit 应为整数。", {"limit": ["应为整数"]}) from None
        suggestions = suggest(q, limit=limit)
        if htmx:
            return render(request._request, "legal/search_suggest.html", {"suggestions": suggestions})
        return Response({"suggestions": suggestions})


urlpatterns = [
    path("search/", ProvisionSearchView.as_view(), name="api_legal_search"),
    path("suggest/", SuggestView.as_view(), name="api_legal_suggest"),
]
