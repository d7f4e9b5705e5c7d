"""What a file is: its category from the extension, and a magic-byte check (filetype) that the bytes are
what the name and the declared type say."""

from __future__ import annotations

import os

import filetype

from teis.core.services import ServiceError

from ..choices import EvidenceCategory

C = EvidenceCategory
EXTENSIONS: dict[str, str] = {
    **dict.fromkeys(
        [".mp4", ".m4v", ".mov", ".avi", ".mkv", ".3gp", ".webm", ".wmv", ".mpg", ".mpeg", ".flv"], C.VIDEO
    ),
    **dict.fromkeys([".mp3", ".wav", ".aac", ".m4a", ".amr", ".ogg", ".flac"], C.AUDIO),
    **dict.fromkeys([".jpg", ".jpeg", ".png", ".heic", ".bmp", ".gif", ".tif", ".tiff", ".webp"], C.PHOTO),
    **dict.fromkeys([".pdf", ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".txt", ".csv"], C.DOCUMENT),
}
# Plain-text documents have no magic bytes; they are accepted when they decode as text.
TEXT_EXTENSIONS = {".txt", ".csv"}
DOCUMENT_MIMES = {
    "application/pdf",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",  # some office files are only recognisable as zip
}
LABELS = dict(EvidenceCategory.choices)


def category_for(filename: str) -> str:
    """The category the file's extension belongs to; a ServiceError for an extension not accepted."""
    ext = os.path.splitext(filename)[1].lower()
    if ext not in EXTENSIONS:
        raise ServiceError(
            "unsupported_type", f"不支持的文件类型“{ext or '（无扩展名）'}”", {"filename": ["文件类型不支持"]}
        )
    return EXTENSIONS[ext]


def _mime_category(mime: str) -> str | None:
    major = mime.split("/", 1)[0]
    if mime in ("video/mp4", "audio/mp4"):
        return None  # an MP4 container holds video or audio
    return {"video": C.VIDEO, "audio": C.AUDIO, "image": C.PHOTO}.get(major) or (
        C.DOCUMENT if mime in DOCUMENT_MIMES else C.OTHER
    )


def check_content(head: bytes, filename: str, declared_type: str = "") -> tuple[str, str]:
    """(category, content type) of a file from its first bytes, its name and the declared type.

    Raises ServiceError("content_mismatch") when the bytes are not what the extension or the declared type say.
    """
    category = category_for(filename)
    ext = os.path.splitext(filename)[1].lower()
    kind = filetype.guess(head[:8192]) if head else None
    if kind is None:
        if ext in TEXT_EXTENSIONS:
            try:
                head[:4096].decode("utf-8")
            except UnicodeDecodeError:
                try:
                    head[:4096].decode("gb18030")
                except UnicodeDecodeError:
                    raise ServiceError("content_mismatch", "文件内容不是文本，与扩展名不符") from None
            return category, "text/csv" if ext == ".csv" else "text/plain"
        raise ServiceError("content_mismatch", f"文件内容无法识别为{LABELS[category]}，与扩展名“{ext}”不符")
    mime = kind.mime
    found = _mime_category(mime)
    if found is None:  # MP4 container: video or audio by the name
        found = category if category in (C.VIDEO, C.AUDIO) else C.VIDEO
        if found == C.AUDIO:
            mime = "audio/mp4"
    if found != category:
        raise ServiceError(
            "content_mismatch", f"文件内容为{LABELS.get(found, '其他类型')}（{mime}），与扩展名“{ext}”不符"
        )
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        declared_category = {"video/mp4": C.VIDEO, "audio/mp4": C.AUDIO}.get(declared) or _mime_category(declared)
        if declared_category != found:
            raise ServiceError("content_mismatch", f"声明的文件类型“{declared}”与文件内容（{mime}）不符")
    return category, mime
