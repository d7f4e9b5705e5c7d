"""One streaming response for evidence bytes: honours a single HTTP Range (206 + Content-Range with exactly
the requested bytes; 416 for an unsatisfiable range), private and never cached by shared caches."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse

from teis.core.files import INLINE_TYPES, secure

from ..services import blobs
from ..services.access import RangeNotSatisfiable, parse_range


def stream_response(request, name: str, size: int, content_type: str, *, filename: str = "", attachment: bool = False):
    try:
        byte_range = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        resp = HttpResponse(status=416)
        resp["Content-Range"] = f"bytes */{size}"
        return resp
    if byte_range is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = byte_range, 206
    length = end - start + 1 if size else 0
    body = blobs.iter_range(name, start, length) if request.method != "HEAD" else iter(())
    inline = content_type in INLINE_TYPES
    if not inline:
        attachment = True
    resp = StreamingHttpResponse(
        body, status=status, content_type=content_type if inline else "application/octet-stream"
    )
    resp["Content-Length"] = str(length)
    resp["Accept-Ranges"] = "bytes"
    if status == 206:
        resp["Content-Range"] = f"bytes {start}-{end}/{size}"
    secure(resp)
    if filename or attachment:
        kind = "attachment" if attachment else "inline"
        resp["Content-Disposition"] = f"{kind}; filename*=UTF-8''{quote(filename or 'file')}"
    return resp
