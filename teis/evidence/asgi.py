"""Streaming ASGI endpoint for evidence upload chunks, mounted in `teis/asgi.py` in front of Django.

Django's ASGI handler reads a whole request body into a `SpooledTemporaryFile` (spilled to disk above
2.5 MB) before the view runs, and the view then reads it again: every chunk byte was copied through the
spool file first. This endpoint takes `PUT`/`PATCH /api/v1/evidence/uploads/<token>/chunk/` itself and
streams the body from `receive()` straight into the session's temporary file and the SM3 hasher
(`services.ingest.ChunkWriter`, the same rules as the Django view).

Authentication and everything before the body is read is Django's own: the request (headers only) goes
through the full `settings.MIDDLEWARE` chain (sessions, the login policy's idle timeout, NUL guard, security
headers…) to the DRF `ChunkView`'s `initial()` — the same authentication classes (workstation
`Station serial:secret`, Bearer token, session + CSRF), the same permission and the same error bodies. Only
if that passes is the body read. Responses (success and errors) are rendered by the same DRF view, so the
JSON, Chinese messages and status codes are those of the Django path.

Database work runs through `database_sync_to_async`; the file writes run in a worker thread while the
next piece is received, and SM3 in the writer's own hashing thread. A client that stops in the middle keeps
what arrived (the session offset says where to resume), like the Django view.
"""

from __future__ import annotations

import asyncio
import io
import re

from channels.db import database_sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.base import BaseHandler
from django.http import HttpResponse

CHUNK_PATH = re.compile(r"^/api/v1/evidence/uploads/(?P<token>[^/]+)/chunk/$")
METHODS = ("PUT", "PATCH")
FEED_PIECE = 1 << 20  # bytes handed to the writer thread at a time


class _Proceed(HttpResponse):
    """What the middleware chain returns when the request may go on to the body."""

    def __init__(self, drf_request, view):
        super().__init__(status=200)
        self.drf_request = drf_request
        self.view = view


class _Handler(BaseHandler):
    """Django's middleware chain with, at its centre, the DRF chunk view's checks instead of the view."""

    def _get_response(self, request):
        from .api.uploads import ChunkView

        token = request.chunk_token
        view = ChunkView()
        view.args, view.kwargs = (), {"token": token}
        view.format_kwarg = None
        drf_request = view.initialize_request(request, token=token)
        view.request = drf_request
        view.headers = view.default_response_headers
        try:
            view.initial(drf_request, token=token)
            response = _Proceed(drf_request, view)
        except Exception as exc:  # rendered exactly as the view would render it
            response = view.handle_exception(exc)
            response = view.finalize_response(drf_request, response, token=token)
            response.render()
        return response


def _render(view, drf_request, token, data=None, exc=None):
    from rest_framework.response import Response

    from .api.uploads import SessionOutSerializer

    if exc is not None:
        response = view.handle_exception(exc)
    else:
        response = Response(SessionOutSerializer(data).data)
        response["Upload-Offset"] = str(data.received)
    response = view.finalize_response(drf_request, response, token=token)
    response.render()
    return response


class ChunkUploadEndpoint:
    """ASGI app: chunk uploads streamed here, everything else to `app` (Django)."""

    def __init__(self, app):
        self.app = app
        self._handler = None

    def handler(self) -> _Handler:
        if self._handler is None:
            handler = _Handler()
            handler.load_middleware(is_async=False)
            self._handler = handler
        return self._handler

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in METHODS:
            match = CHUNK_PATH.match(scope["path"])
            if match:
                await self.chunk(scope, receive, send, match["token"])
                return
        await self.app(scope, receive, send)

    # --- the chunk -----------------------------------------------------------------------------------

    async def chunk(self, scope, receive, send, token: str) -> None:
        before, writer = await database_sync_to_async(self._before_body)(scope, token)
        if writer is None:  # refused before the body: authentication, permission, rules
            await _send(send, before)
            return
        if isinstance(writer, HttpResponse):
            await _send(send, _merge(writer, before))
            return
        disconnected = False
        try:
            disconnected = await _stream(receive, writer)
        except Exception as exc:
            await asyncio.to_thread(writer.abort)
            response = await database_sync_to_async(_render)(before.view, before.drf_request, token, exc=exc)
            await _send(send, _merge(response, before))
            return
        except BaseException:  # cancelled: nothing of this chunk is kept half-written
            await asyncio.to_thread(writer.abort)
            raise
        response = await database_sync_to_async(self._finish)(before, writer, token)
        if not disconnected:
            await _send(send, _merge(response, before))

    def _before_body(self, scope, token: str):
        """(answer of the middleware chain, ChunkWriter or error answer or None) — one thread hop."""
        request = ASGIRequest(scope, io.BytesIO())
        request.chunk_token = token
        before = self.handler().get_response(request)
        if not isinstance(before, _Proceed):
            return before, None
        return before, self._open(before, token)

    @staticmethod
    def _open(before: _Proceed, token: str):
        from .services import ingest

        drf_request = before.drf_request
        try:
            offset, length = ingest.parse_chunk_headers(
                drf_request.headers.get("Upload-Offset") or drf_request.query_params.get("offset"),
                drf_request.headers.get("Content-Length"),
            )
            return ingest.ChunkWriter(drf_request.user, token, offset, length).open()
        except Exception as exc:
            return _render(before.view, drf_request, token, exc=exc)

    @staticmethod
    def _finish(before: _Proceed, writer, token: str):
        try:
            session = writer.finish()
        except Exception as exc:
            return _render(before.view, before.drf_request, token, exc=exc)
        return _render(before.view, before.drf_request, token, data=session)


async def _stream(receive, writer) -> bool:
    """Feed the request body to the writer (in a worker thread, one piece at a time, while the next piece
    is received). Returns True if the client went away before the end of the body."""
    loop = asyncio.get_running_loop()
    pending = None
    parts: list[bytes] = []
    size = 0
    disconnected = False
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
                break
            body = message.get("body", b"")
            if body:
                parts.append(body)
                size += len(body)
            more = message.get("more_body", False)
            if size >= FEED_PIECE or (not more and size):
                piece = parts[0] if len(parts) == 1 else b"".join(parts)
                parts, size = [], 0
                if pending is not None:
                    await pending
                pending = loop.run_in_executor(None, writer.feed, piece)
            if not more:
                break
        if parts:
            if pending is not None:
                await pending
            pending = loop.run_in_executor(None, writer.feed, b"".join(parts))
    finally:
        if pending is not None:
            await pending
    return disconnected


def _merge(response: HttpResponse, before: HttpResponse) -> HttpResponse:
    """Headers and cookies the middleware chain put on the pre-body answer (session cookie, security
    headers) go on the final answer too."""
    if response is before:
        return response
    for key, value in before.items():
        if key.lower() not in ("content-type", "content-length") and key not in response:
            response[key] = value
    for key, morsel in before.cookies.items():
        response.cookies[key] = morsel
    return response


async def _send(send, response: HttpResponse) -> None:
    content = response.content
    if not response.has_header("Content-Length"):
        response["Content-Length"] = str(len(content))
    headers = [(key.encode("ascii"), value.encode("latin1")) for key, value in response.items()]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": content})
