"""One error body for every API error: {"code": …, "message": "<中文>", "fields": {…}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from teis.core.services import ServiceError

MESSAGES = {
    "not_authenticated": "未登录或登录已过期。",
    "authentication_failed": "身份认证失败。",
    "permission_denied": "没有执行此操作的权限。",
    "not_found": "对象不存在或不在您的数据权限范围内。",
    "method_not_allowed": "不支持该请求方法。",
    "throttled": "请求过于频繁，请稍后再试。",
    "parse_error": "请求格式错误。",
    "unsupported_media_type": "不支持的请求内容类型。",
    "not_acceptable": "无法提供所请求的格式。",
    "invalid": "提交的数据有误。",
}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[str(key)] = [str(v) if not isinstance(v, dict) else str(v) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(d) for d in detail]}
    return {"non_field_errors": [str(detail)]}


def body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(body(exc.code, exc.message, exc.fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(body("invalid", MESSAGES["invalid"], fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), [MESSAGES["invalid"]])
        message = MESSAGES["invalid"] if len(fields) != 1 or "non_field_errors" not in fields else first[0]
        response.data = body("invalid", message, dict(fields))
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.NotAuthenticated):
        code = "not_authenticated"
    message = MESSAGES.get(code) or str(getattr(exc, "detail", "")) or "请求失败。"
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None  # seconds, set by DRF
    if wait:
        message = f"请求过于频繁，请 {int(wait) + 1} 秒后再试。"
    response.data = body(code, message)
    return response
