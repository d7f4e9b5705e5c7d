from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from . import context
from .validators import CONTROL_CHARACTERS  # NUL and other C0 controls (PostgreSQL cannot even store NUL)

logger = logging.getLogger("django.request")


class RequestContextMiddleware:
    """Makes the request's IP and user agent available to services (for audit) for its duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = context.set_current(context.from_request(request))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


CONTROL_MESSAGE = "提交的内容含有不允许的控制字符（如空字符 NUL），请删除后重试。"
QUERY_MESSAGE = "请求参数含有非法字符。"


def _bad_fields(pairs: Iterable[tuple[str, str]]) -> list[str]:
    return sorted({k for k, v in pairs if CONTROL_CHARACTERS.search(k) or CONTROL_CHARACTERS.search(v)})


def _json_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, string) for every key and string value of a parsed JSON document."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            yield (f"{path}.{key}" if path else key), key
            yield from _json_strings(v, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_strings(v, f"{path}.{i}" if path else str(i))


class NulByteGuardMiddleware:
    """Refuses text with NUL or other control characters in every input, in one place (issue 16, rule 9).

    - cookies with a NUL (e.g. a forged session id) are dropped;
    - a query parameter with a control character: 400 (JSON error body on /api/);
    - a JSON string or form field of an API request with one: 400, the error body naming each field;
    - a page's form field (url-encoded or multipart, files excepted) with one: the generic model pages (and
      views marked `validates_text_per_field`) let their forms refuse it next to the field
      (`teis.core.forms.guard_text_fields`); any other page answers 400 here, so no view or service
      ever receives such text.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        if _bad_fields((k, v) for k, vs in request.GET.lists() for v in vs):
            return _refuse(request, QUERY_MESSAGE, [])
        if request.method in ("POST", "PUT", "PATCH") and request.path.startswith("/api/"):
            # the API's error body names each field: {"fields": {"name": ["…控制字符…"]}}
            bad = self._bad_body_fields(request)
            if bad:
                return _refuse(request, CONTROL_MESSAGE, bad)
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        """A page: forms whose every text field refuses control characters itself (the generic model pages,
        views marked `validates_text_per_field`) show the message next to the field; any other page is
        refused here, before its view can pass such text on."""
        if request.method not in ("POST", "PUT", "PATCH") or request.path.startswith("/api/"):
            return None
        view = getattr(view_func, "view_class", None) or view_func
        if getattr(view, "validates_text_per_field", False):
            return None
        bad = self._bad_body_fields(request)
        return _refuse(request, CONTROL_MESSAGE, bad) if bad else None

    @staticmethod
    def _bad_body_fields(request: HttpRequest) -> list[str]:
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                return _bad_fields((k, v) for k, vs in request.POST.lists() for v in vs)
            except Exception:  # malformed or too large: Django's own handling answers later
                return []
        if content_type.endswith("json"):
            try:
                body = request.body
                if not body:
                    return []
                data = json.loads(body)
            except Exception:  # not JSON or too large: the parser answers 400 later
                return []
            return sorted({path for path, text in _json_strings(data) if CONTROL_CHARACTERS.search(text)})
        return []


def _refuse(request: HttpRequest, message: str, fields: list[str]) -> HttpResponse:
    from django.http import HttpResponseBadRequest, JsonResponse

    if request.path.startswith("/api/"):
        from .api.errors import body

        return JsonResponse(body("invalid", message, {f: [message] for f in fields}), status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


API_STATUS_CODES = {
    400: ("invalid", "请求有误。"),
    401: ("not_authenticated", "未登录或登录已过期。"),
    403: ("permission_denied", "没有执行此操作的权限。"),
    404: ("not_found", "对象不存在或不在您的数据权限范围内。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("too_large", "请求内容过大。"),
    429: ("throttled", "请求过于频繁，请稍后再试。"),
    503: ("unavailable", "服务暂时不可用，请稍后重试。"),
}
SERVER_ERROR = ("server_error", "服务器内部错误，请稍后重试；如持续出现请联系运维人员。")


class ApiErrorBodyMiddleware:
    """Every error on an /api/ route carries the one JSON error body {"code", "message", "fields"}.

    DRF answers its own errors so; this covers what happens outside DRF: an unknown API path (404), a CSRF
    failure (403), a request too large, and any unhandled exception (500, e.g. the database refusing a
    connection), which Django would otherwise answer with an HTML page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and "json" not in response.get("Content-Type", "")
        ):
            return self._json(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse | None:
        if not request.path.startswith("/api/"):
            return None
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if isinstance(exception, Http404):
            return self._json(404)
        if isinstance(exception, PermissionDenied):
            return self._json(403)
        logger.error("Unhandled exception on %s", request.path, exc_info=exception)
        return self._json(500)

    @staticmethod
    def _json(status: int) -> JsonResponse:
        from django.http import JsonResponse

        from .api.errors import body

        code, message = API_STATUS_CODES.get(status, SERVER_ERROR if status >= 500 else ("error", "请求失败。"))
        return JsonResponse(body(code, message), status=status)
