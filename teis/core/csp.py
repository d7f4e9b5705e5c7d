"""Content-Security-Policy for every page (等保二级: no injected script runs, whatever slips into a page).

Scripts load only from the application itself (`script-src 'self'`): no page has an inline script — a page's
script is a file under `teis/static/teis/pages/`, its data a `json_script` block or `data-` attributes — so an
injected `<script>` or `onclick=` never runs, nonce or not.
Responses that already set their own policy (stored files: `sandbox`) keep it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def _tile_origin() -> str:
    """The intranet tile server, when one is configured, is the only other origin images come from."""
    url = getattr(settings, "TEIS_MAP_TILE_URL", "") or ""
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def policy() -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # htmx indicators and chart libraries set inline styles
            f"img-src 'self' data: blob:{_tile_origin()}",
            "media-src 'self' blob:",
            "font-src 'self' data:",
            "connect-src 'self' ws: wss:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy()
        return response
