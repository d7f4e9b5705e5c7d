"""Evidence test fixtures: private media / upload directories, users, a case, upload helpers and media clips."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from teis.core.crypto import sm3_hex
from teis.core.testing import logged_in_client

API = "/api/v1/evidence/uploads/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TEIS_EVIDENCE_UPLOAD_DIR = str(tmp_path / "uploads")
    settings.STORAGE_URL = ""
    from teis.core.storage import _storage_for

    _storage_for.cache_clear()
    yield
    _storage_for.cache_clear()
    # files made read-only by write-once storage must stay removable by pytest's tmp cleanup
    for root, _dirs, files in os.walk(tmp_path):
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


@pytest.fixture
def officer(make_user):
    return make_user("field_officer", "squad1", username="ev_officer")


@pytest.fixture
def other_officer(make_user):
    return make_user("field_officer", "squad3", username="ev_other")


@pytest.fixture
def admin(make_user):
    return make_user("evidence_admin", "corps", username="ev_admin")


@pytest.fixture
def client_for():
    return logged_in_client


@pytest.fixture
def case(officer, tree):
    from teis.cases.models import EnforcementCase

    return EnforcementCase.objects.create(
        title="出租汽车拒载案", unit=tree["squad1"], handler=officer, case_code="310000012501010001"
    )


def jpeg_bytes(seed: int = 0, size=(64, 48)) -> bytes:
    import io

    from PIL import Image

    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, 120))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


def mp4_bytes() -> bytes:
    """A real (tiny) MP4 container header: filetype recognises `ftyp`."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(4096)


def open_upload(client, filename, data: bytes, **extra):
    body = {"filename": filename, "size": len(data), **extra}
    return client.post(API, data=json.dumps(body), content_type="application/json")


def put_chunk(client, token, offset, chunk: bytes):
    return client.put(
        f"{API}{token}/chunk/", data=chunk, content_type="application/octet-stream", HTTP_UPLOAD_OFFSET=str(offset)
    )


def upload(client, filename, data: bytes, chunk=1 << 16, **extra):
    resp = open_upload(client, filename, data, **extra)
    assert resp.status_code == 201, resp.content
    token = resp.json()["token"]
    for off in range(0, len(data), chunk):
        r = put_chunk(client, token, off, data[off : off + chunk])
        assert r.status_code == 200, r.content
    return client.post(f"{API}{token}/complete/")


@pytest.fixture
def ingest_photo(officer):
    from teis.evidence.services.ingest import ingest_bytes

    def make(seed=0, actor=None, **kw):
        import io

        return ingest_bytes(actor or officer, io.BytesIO(jpeg_bytes(seed)), filename=f"p{seed}.jpg", **kw)

    return make


@pytest.fixture
def clip(tmp_path):
    """make_clip(codec, ext): a 3-second lavfi test clip made by ffmpeg."""

    def make(vcodec="mpeg4", ext=".avi", seconds=3):
        path = tmp_path / f"clip-{vcodec}{ext}"
        args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=10:duration={seconds}"]
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:v", vcodec]
        if vcodec == "libx264":
            args += ["-pix_fmt", "yuv420p"]
        args += ["-c:a", "aac" if ext in (".mp4", ".mov") else "mp3", "-shortest", str(path)]
        subprocess.run(args, check=True, capture_output=True)
        return path.read_bytes()

    return make


__all__ = ["sm3_hex", "jpeg_bytes", "mp4_bytes", "open_upload", "put_chunk", "upload", "API"]
