"""Uploads are judged by their content, never their name; stored files render inline only as viewer media."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teis.core.files import check_upload, file_response
from teis.core.services import ServiceError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
HTML = b"<html><body><script>alert(1)</script></body></html>"


@pytest.mark.parametrize(
    ("purpose", "content", "mime"),
    [("inspection_photo", PNG, "image/png"), ("petition_attachment", PDF, "application/pdf")],
)
def test_allowed_content_passes_with_its_sniffed_type(purpose, content, mime):
    f = SimpleUploadedFile("任意名称.bin", content, content_type="text/html")
    assert check_upload(f, purpose) == mime
    assert f.tell() == 0  # left at its start for storing


@pytest.mark.parametrize("name", ["a.html", "a.png", "a.pdf", "a.svg"])
def test_script_content_refused_whatever_the_name(name):
    with pytest.raises(ServiceError) as err:
        check_upload(SimpleUploadedFile(name, HTML, content_type="image/png"), "petition_attachment")
    assert err.value.code == "file_type" and "不允许上传" in err.value.message and err.value.fields["files"]


def test_pdf_outside_the_purpose_refused():
    with pytest.raises(ServiceError):
        check_upload(SimpleUploadedFile("a.pdf", PDF), "inspection_photo")


@pytest.mark.parametrize(
    ("stored_type", "served_type", "disposition"),
    [
        ("image/png", "image/png", "inline"),
        ("application/pdf", "application/pdf", "inline"),
        ("video/mp4", "video/mp4", "inline"),
        ("text/html", "application/octet-stream", "attachment"),
        ("image/svg+xml", "application/octet-stream", "attachment"),
    ],
)
def test_file_response_serves_only_viewer_media_inline(stored_type, served_type, disposition):
    resp = file_response(io.BytesIO(b"x"), content_type=stored_type, filename="文件.bin")
    assert resp["Content-Type"] == served_type
    assert resp["Content-Disposition"].startswith(disposition + ";")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Security-Policy"].endswith("sandbox")
