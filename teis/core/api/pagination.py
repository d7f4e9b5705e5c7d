from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from rest_framework.pagination import PageNumberPagination

if TYPE_CHECKING:
    from rest_framework import serializers


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = "页码无效。"


@functools.cache  # one component per serializer, however many views use it
def paginated(serializer_class: type[serializers.BaseSerializer[Any]]) -> Any:
    """The OpenAPI shape of a page of `serializer_class` objects as `Pagination` answers it, for hand-written
    views that paginate (`extend_schema(responses={200: paginated(X)})`)."""
    from drf_spectacular.utils import inline_serializer
    from rest_framework import serializers

    name = serializer_class.__name__.removesuffix("Serializer")
    return inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
