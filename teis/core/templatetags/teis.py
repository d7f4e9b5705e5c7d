from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def sort_query(query: str, column: str, current: str) -> str:
    """Query string that sorts by `column`, toggling the direction when it is already the sort."""
    params = QueryDict(query, mutable=True)
    params["sort"] = f"-{column}" if current == column else column
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag
def set_param(query: str, name: str, value: Any) -> str:
    params = QueryDict(query, mutable=True)
    params[name] = str(value)
    params.pop("page", None)
    return params.urlencode()
