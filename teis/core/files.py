"""Uploaded files, safely: what each purpose accepts (by content, never by name) and how stored files are served.

An upload is sniffed from its first bytes (`filetype`); its declared name and Content-Type are not trusted. A
stored file is served inline only when it is a media type the viewer renders (images, PDF, audio, video);
anything else is a download (`application/octet-stream`). Every file response carries `nosniff` and a CSP
`sandbox`, so even a file that slipped through can never run script in the application's origin.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpResponseBase

from .services import ServiceError

SNIFF_BYTES = 262  # what `filetype` reads

IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/heic", "image/tiff"})
VIDEOS = frozenset({"video/mp4", "video/quicktime", "video/x-msvideo", "video/webm", "video/x-matroska", "video/mpeg"})
AUDIO = frozenset({"audio/mpeg", "audio/x-wav", "audio/wav", "audio/amr", "audio/mp4", "audio/x-m4a", "audio/ogg"})
PDF = frozenset({"application/pdf"})
OFFICE = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword",
        "application/vnd.ms-excel",
        "application/x-ole-storage",  # how `filetype` names the old binary .doc / .xls
    }
)
# Rendered by the browser's own viewers without running page script.
INLINE_TYPES = IMAGES | VIDEOS | AUDIO | PDF
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class UploadPurpose:
    label: str  # what the user is told is allowed, in Chinese
    types: frozenset[str]


PURPOSES: dict[str, UploadPurpose] = {
    "case_media": UploadPurpose("照片或视频", IMAGES | VIDEOS),
    "inspection_photo": UploadPurpose("照片", IMAGES),
    "petition_attachment": UploadPurpose(
        "照片、视频、录音、PDF 或 Word/Excel 文档", IMAGES | VIDEOS | AUDIO | PDF | OFFICE
    ),
    "evaluation_material": UploadPurpose("PDF、Word/Excel 文档或图片", PDF | OFFICE | IMAGES),
}


def sniff(f: UploadedFile) -> str:
    """The content type read from the file's first bytes ("" when unknown); the file is left at its start."""
    import filetype

    f.seek(0)
    head = f.read(SNIFF_BYTES)
    f.seek(0)
    kind = filetype.guess(head) if head else None
    return kind.mime if kind else ""


def check_upload(f: UploadedFile, purpose: str) -> str:
    """The sniffed content type of `f` if `purpose` accepts it; else ServiceError("file_type") naming the file."""
    allowed = PURPOSES[purpose]
    name = os.path.basename(getattr(f, "name", "") or "") or "未命名文件"
    mime = sniff(f)
    if mime not in allowed.types:
        shown = mime or "无法识别"
        message = f"文件“{name}”的类型（{shown}）不允许上传，只能上传{allowed.label}"
        raise ServiceError("file_type", message, {"files": [message]})
    return mime


def upload_errors(files: Sequence[UploadedFile], purpose: str, *, max_files: int, max_mb: int) -> list[str]:
    """The Chinese problems of a batch of uploads (count, name, empty, size, then `check_upload`'s content check),
    one per file at most; empty when all are acceptable. Callers raise them with their own wording."""
    errors = []
    if len(files) > max_files:
        errors.append(f"一次最多上传 {max_files} 个文件")
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "")
        if not name:
            errors.append("文件缺少文件名")
        elif not getattr(f, "size", 0):
            errors.append(f"文件“{name}”是空文件")
        elif (f.size or 0) > max_mb * 1024 * 1024:
            errors.append(f"文件“{name}”超过 {max_mb} MB")
        else:
            try:
                check_upload(f, purpose)
            except ServiceError as err:
                errors.append(err.message)
    return errors


def file_response(handle: Any, *, content_type: str, filename: str) -> FileResponse:
    """A stored file for the browser: inline only for media the viewer renders, otherwise a download."""
    inline = content_type in INLINE_TYPES
    response = FileResponse(handle, content_type=content_type if inline else "application/octet-stream")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename or 'file')}"
    secure(response)
    return response


def secure(response: HttpResponseBase) -> HttpResponseBase:
    """Headers every response carrying user-supplied file content gets."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, no-store"
    return response
