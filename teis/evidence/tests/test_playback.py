"""Playback: Range requests (206 with exactly the requested bytes, 416), proxies for codecs browsers cannot
play, poster and duration, scope (404 outside), and the audit of views, plays and downloads."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.audit.models import AuditRecord
from teis.evidence.services.access import RangeNotSatisfiable, parse_range
from teis.evidence.services.ingest import ingest_bytes

from .conftest import mp4_bytes

pytestmark = pytest.mark.django_db


@given(size=st.integers(1, 10**12), a=st.integers(0, 10**12), b=st.integers(0, 10**12))
def test_parse_range_property(size, a, b):
    header = f"bytes={a}-{b}"
    try:
        start, end = parse_range(header, size)
    except RangeNotSatisfiable:
        assert a >= size or b < a
        return
    assert start == a and end == min(b, size - 1) and 0 <= start <= end < size


def test_parse_range_forms():
    assert parse_range(None, 100) is None
    assert parse_range("bytes=10-", 100) == (10, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=-1000", 100) == (0, 99)
    assert parse_range("bytes=0-1,5-6", 100) is None  # several ranges: whole file
    assert parse_range("items=0-1", 100) is None
    for bad in ("bytes=100-", "bytes=5-2", "bytes=-0", "bytes=a-b", "bytes=-"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(bad, 100)


@pytest.fixture
def video(officer):
    data = mp4_bytes() + os.urandom(100_000)
    return ingest_bytes(officer, io.BytesIO(data), filename="v.mp4", source="body_camera"), data


def test_range_request_returns_206_with_exact_bytes(officer, client_for, video):
    item, data = video
    client = client_for(officer)
    url = f"/evidence/items/{item.pk}/stream/original/"
    resp = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert resp.status_code == 206
    assert resp["Content-Range"] == f"bytes 1000-1999/{len(data)}" and resp["Content-Length"] == "1000"
    assert b"".join(resp.streaming_content) == data[1000:2000]
    tail = client.get(url, HTTP_RANGE="bytes=-500")
    assert b"".join(tail.streaming_content) == data[-500:]
    full = client.get(url)
    assert full.status_code == 200 and b"".join(full.streaming_content) == data and full["Accept-Ranges"] == "bytes"
    bad = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")
    assert bad.status_code == 416 and bad["Content-Range"] == f"bytes */{len(data)}"
    assert "no-store" in full["Cache-Control"]


def test_out_of_scope_playback_is_404(other_officer, officer, client_for, video, case):
    item, _ = video
    from teis.evidence.services.links import do_link

    do_link(officer, item, case, "现场视频")
    client = client_for(other_officer)
    for url in (
        f"/evidence/evidenceitem/{item.pk}/",
        f"/evidence/items/{item.pk}/stream/original/",
        f"/evidence/items/{item.pk}/download/",
        f"/api/v1/evidence/items/{item.pk}/download/",
        f"/api/v1/evidence/items/{item.pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_view_play_download_are_audited(officer, client_for, video):
    item, data = video
    client = client_for(officer)
    assert client.get(f"/evidence/items/{item.pk}/").url == f"/evidence/evidenceitem/{item.pk}/"  # the old address
    assert client.get(f"/evidence/evidenceitem/{item.pk}/").status_code == 200
    client.get(f"/evidence/items/{item.pk}/stream/original/", HTTP_RANGE="bytes=0-99")
    client.get(f"/evidence/items/{item.pk}/stream/original/", HTTP_RANGE="bytes=100-199")  # same viewing
    resp = client.get(f"/api/v1/evidence/items/{item.pk}/download/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == data
    ops = list(
        AuditRecord.objects.filter(object_type="evidence.evidenceitem", object_id=str(item.pk)).values_list(
            "detail__operation", flat=True
        )
    )
    assert ops.count("evidence.view") == 1 and ops.count("evidence.play") == 1 and ops.count("evidence.download") == 1


@pytest.mark.parametrize("vcodec,ext", [("mpeg4", ".avi"), ("libx265", ".mp4")])
def test_unplayable_codec_gets_h264_proxy_poster_and_duration(
    officer, clip, vcodec, ext, django_capture_on_commit_callbacks
):
    from teis.evidence.services import blobs, media

    data = clip(vcodec, ext)
    with django_capture_on_commit_callbacks(execute=True):  # huey immediate: processed after commit
        item = ingest_bytes(officer, io.BytesIO(data), filename=f"clip{ext}")
    item.refresh_from_db()
    assert item.proxy_status == "ready", item.proxy_status
    assert item.video_codec in ("mpeg4", "hevc") and 2.5 <= item.duration_seconds <= 3.5
    assert item.poster_name and blobs.exists(item.poster_name)
    local, temp = blobs.copy_to_local(item.proxy_name, ".mp4")
    info = media.probe(local)
    assert [s["codec_name"] for s in info["streams"] if s["codec_type"] == "video"] == ["h264"]
    assert item.sm3 == __import__("teis.core.crypto", fromlist=["sm3_hex"]).sm3_hex(data)  # original untouched


def test_playable_h264_needs_no_proxy(officer, clip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = ingest_bytes(officer, io.BytesIO(clip("libx264", ".mp4")), filename="ok.mp4")
    item.refresh_from_db()
    assert item.proxy_status == "none" and item.video_codec == "h264" and item.poster_name
