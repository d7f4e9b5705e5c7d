from __future__ import annotations

from . import context


class RequestContextMiddleware:
    """Makes the request's IP and user agent available to services (for audit) for its duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.set_current(context.from_request(request))
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class NulByteGuardMiddleware:
    """PostgreSQL text cannot hold NUL (0x00): a NUL in a cookie (e.g. a forged session id) or in the
    query string would end in a database error (500). Such cookies are dropped; such queries get a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, value in list(request.COOKIES.items()):
            if "\x00" in name or "\x00" in value:
                del request.COOKIES[name]
        if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            from django.http import HttpResponseBadRequest, JsonResponse

            if request.path.startswith("/api/"):
                from .api.errors import body

                return JsonResponse(body("invalid", "请求参数含有非法字符。"), status=400)
            return HttpResponseBadRequest("请求参数含有非法字符。")
        return self.get_response(request)
