"""`GET /api/v1/dictionaries/<type_code>/`: one dictionary's items for the mobile app (cached)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core import dictionaries
from teis.core.models import DictionaryType

if TYPE_CHECKING:
    from teis.core.registry import ModelConfig


class DictionaryItemOutSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(label="编码")
    # the stubs type a serializer's own `label` / `parent` attributes; these are declared fields of that name
    label = serializers.CharField(label="名称")  # type: ignore[assignment]
    parent = serializers.CharField(label="上级编码", allow_blank=True)  # type: ignore[assignment]
    order = serializers.IntegerField(label="排序")
    is_active = serializers.BooleanField(label="启用")


class DictionaryItemsView(APIView):
    """The items of one dictionary type in display order; disabled items only with `include_inactive=1`."""

    @property
    def config(self) -> type[ModelConfig]:
        # ModelPermission checks (and audits a refusal of) `core.view_dictionaryitem` through this config.
        from teis.core.registry import registry

        return registry.get("core.dictionaryitem")

    @extend_schema(
        operation_id="dictionary_items",
        summary="字典项列表",
        parameters=[
            OpenApiParameter("type_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="字典类型编码"),
            OpenApiParameter(
                "include_inactive", OpenApiTypes.BOOL, OpenApiParameter.QUERY, description="包含已停用的项"
            ),
        ],
        responses={
            200: inline_serializer(
                "DictionaryItems",
                {
                    "type": serializers.CharField(label="类型编码"),
                    "name": serializers.CharField(label="类型名称"),
                    "items": DictionaryItemOutSerializer(many=True),
                },
            )
        },
        tags=["数据字典"],
    )
    def get(self, request: Request, type_code: str) -> Response:
        dict_type = DictionaryType.objects.filter(code=type_code).values("code", "name").first()
        if dict_type is None:
            raise Http404
        include_inactive = request.query_params.get("include_inactive", "").lower() in ("1", "true", "yes")
        rows = dictionaries.items(type_code, active_only=not include_inactive)
        data = [
            {
                "code": i.code,
                "label": i.label,
                "parent": i.parent.code if i.parent is not None else "",
                "order": i.order,
                "is_active": i.is_active,
            }
            for i in rows
        ]
        return Response({"type": dict_type["code"], "name": dict_type["name"], "items": data})
