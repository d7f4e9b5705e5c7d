"""Chunked ingest: SM3 while streaming, resume, bad chunks, content checks, duplicates, nothing half-stored."""

from __future__ import annotations

import io
import os

import pytest

from teis.audit.models import AuditRecord
from teis.core.crypto import sm3_hex
from teis.core.services import ServiceError
from teis.evidence.choices import UploadStatus
from teis.evidence.models import EvidenceItem, UploadSession
from teis.evidence.services import ingest

from .conftest import API, jpeg_bytes, mp4_bytes, open_upload, put_chunk, upload

pytestmark = pytest.mark.django_db


def _uploads_dir(settings):
    return os.listdir(settings.TEIS_EVIDENCE_UPLOAD_DIR) if os.path.isdir(settings.TEIS_EVIDENCE_UPLOAD_DIR) else []


def test_chunked_upload_stores_original_with_sm3(officer, client_for, settings):
    data = mp4_bytes() + os.urandom(300_000)
    client = client_for(officer)
    resp = upload(client, "执法记录.mp4", data, content_type="video/mp4", sm3=sm3_hex(data), title="现场执法")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["sm3"] == sm3_hex(data) and body["size"] == len(data)
    item = EvidenceItem.objects.get(pk=body["id"])
    assert item.officer == officer and item.unit == officer.officer.unit and item.category == "video"
    from teis.evidence.services import blobs

    assert b"".join(blobs.iter_range(item.storage_name, 0, item.size)) == data
    stored_path = os.path.join(settings.MEDIA_ROOT, item.storage_name)
    assert not os.access(stored_path, os.W_OK) or os.stat(stored_path).st_mode & 0o222 == 0  # write-once
    assert _uploads_dir(settings) == []
    assert AuditRecord.objects.filter(
        object_type="evidence.evidenceitem", object_id=str(item.pk), detail__operation="evidence.ingest"
    ).exists()


def test_resume_reports_offset_and_continues(officer, client_for):
    data = jpeg_bytes(1) + os.urandom(200_000)
    client = client_for(officer)
    token = open_upload(client, "a.jpg", data).json()["token"]
    assert put_chunk(client, token, 0, data[:70_000]).json()["offset"] == 70_000
    status = client.get(f"{API}{token}/")
    assert status.json()["offset"] == 70_000 and status["Upload-Offset"] == "70000"
    head = client.head(f"{API}{token}/")
    assert head["Upload-Offset"] == "70000"
    ingest._hashers.clear()  # as after a restart / another worker: the hasher is rebuilt from the temp file
    assert put_chunk(client, token, 70_000, data[70_000:]).json()["offset"] == len(data)
    done = client.post(f"{API}{token}/complete/")
    assert done.status_code == 201 and done.json()["sm3"] == sm3_hex(data)


def test_out_of_order_chunk_refused_with_expected_offset(officer, client_for):
    data = jpeg_bytes(2) + os.urandom(50_000)
    client = client_for(officer)
    token = open_upload(client, "b.jpg", data).json()["token"]
    put_chunk(client, token, 0, data[:10_000])
    resp = put_chunk(client, token, 20_000, data[20_000:30_000])
    assert resp.status_code == 400
    assert resp.json()["code"] == "offset_mismatch" and resp.json()["fields"]["expected_offset"] == ["10000"]
    assert "10000" in resp.json()["message"]


def test_repeated_chunk_is_idempotent_and_overlap_appends(officer, client_for):
    data = jpeg_bytes(3) + os.urandom(50_000)
    client = client_for(officer)
    token = open_upload(client, "c.jpg", data).json()["token"]
    put_chunk(client, token, 0, data[:20_000])
    assert put_chunk(client, token, 0, data[:20_000]).json()["offset"] == 20_000  # repeat
    assert put_chunk(client, token, 10_000, data[10_000:30_000]).json()["offset"] == 30_000  # overlap
    conflict = put_chunk(client, token, 0, b"x" * 100)
    assert conflict.status_code == 400 and conflict.json()["code"] == "chunk_conflict"
    put_chunk(client, token, 30_000, data[30_000:])
    assert client.post(f"{API}{token}/complete/").json()["sm3"] == sm3_hex(data)


def test_oversized_chunk_and_beyond_size_refused(officer, client_for, monkeypatch):
    monkeypatch.setattr(ingest, "CHUNK_MAX", 1000)
    data = jpeg_bytes(4) + os.urandom(5000)
    client = client_for(officer)
    token = open_upload(client, "d.jpg", data).json()["token"]
    assert put_chunk(client, token, 0, data[:1001]).json()["code"] == "chunk_too_large"
    monkeypatch.setattr(ingest, "CHUNK_MAX", 10**9)
    resp = put_chunk(client, token, 0, data + b"extra")
    assert resp.status_code == 400 and resp.json()["code"] == "exceeds_size"


def test_truncated_upload_refused_and_resumable(officer, client_for):
    data = jpeg_bytes(5) + os.urandom(10_000)
    client = client_for(officer)
    token = open_upload(client, "e.jpg", data).json()["token"]
    put_chunk(client, token, 0, data[:5000])
    resp = client.post(f"{API}{token}/complete/")
    assert resp.status_code == 400 and resp.json()["code"] == "incomplete"
    assert UploadSession.objects.get(token=token).status == UploadStatus.OPEN
    assert EvidenceItem.objects.count() == 0


@pytest.mark.parametrize(
    "filename,data,declared,code",
    [
        ("fake.mp4", b"just some text, not a video" * 100, "video/mp4", "content_mismatch"),
        ("photo.jpg", None, "video/mp4", "content_mismatch"),
        ("photo.mp4", None, "", "content_mismatch"),
    ],
)
def test_content_type_mismatch_refused_and_cleaned(officer, client_for, settings, filename, data, declared, code):
    data = data or jpeg_bytes(6)
    client = client_for(officer)
    resp = upload(client, filename, data, content_type=declared)
    assert resp.status_code == 400 and resp.json()["code"] == code, resp.content
    assert EvidenceItem.objects.count() == 0
    assert _uploads_dir(settings) == []
    media = os.path.join(settings.MEDIA_ROOT, "evidence")
    assert not os.path.isdir(media) or not any(files for _r, _d, files in os.walk(media))


def test_declared_hash_mismatch_refused(officer, client_for, settings):
    data = jpeg_bytes(7)
    resp = upload(client_for(officer), "f.jpg", data, sm3="0" * 64)
    assert resp.status_code == 400 and resp.json()["code"] == "hash_mismatch"
    assert EvidenceItem.objects.count() == 0 and _uploads_dir(settings) == []
    session = UploadSession.objects.get()
    assert session.status == UploadStatus.FAILED and "SM3" in session.error


def test_duplicate_detected_by_hash(officer, client_for):
    data = jpeg_bytes(8)
    client = client_for(officer)
    first = upload(client, "g.jpg", data)
    again = upload(client, "g-copy.jpg", data)
    assert again.status_code == 400 and again.json()["code"] == "duplicate"
    assert again.json()["fields"]["existing_id"] == [str(first.json()["id"])]


def test_bad_open_requests(officer, client_for):
    client = client_for(officer)
    assert open_upload(client, "x.exe", b"MZ").json()["code"] == "unsupported_type"
    assert open_upload(client, "x.jpg", b"a", sm3="zz").status_code == 400
    r = client.post(API, data='{"filename": "a.jpg", "size": -1}', content_type="application/json")
    assert r.status_code == 400


def test_other_users_session_is_not_found(officer, other_officer, client_for):
    data = jpeg_bytes(9)
    token = open_upload(client_for(officer), "h.jpg", data).json()["token"]
    resp = put_chunk(client_for(other_officer), token, 0, data)
    assert resp.status_code == 404


def test_cancel_and_reap_reclaim_temp_space(officer, client_for, settings):
    from datetime import timedelta

    from django.utils import timezone

    data = jpeg_bytes(10)
    client = client_for(officer)
    t1 = open_upload(client, "i.jpg", data).json()["token"]
    put_chunk(client, t1, 0, data[:100])
    assert client.delete(f"{API}{t1}/").status_code == 204
    t2 = open_upload(client, "j.jpg", data).json()["token"]
    put_chunk(client, t2, 0, data[:100])
    UploadSession.objects.filter(token=t2).update(updated_at=timezone.now() - timedelta(days=3))
    assert ingest.reap_sessions() == 1
    assert UploadSession.objects.get(token=t2).status == UploadStatus.EXPIRED
    assert _uploads_dir(settings) == []


def test_ingest_bytes_for_other_apps_links_case_and_dedups(officer, case):
    data = jpeg_bytes(11)
    item = ingest.ingest_bytes(
        officer,
        io.BytesIO(data),
        filename="现场.jpg",
        content_type="image/jpeg",
        category="photo",
        case=case,
        link_description="现场照片",
    )
    assert item.sm3 == sm3_hex(data) and item.links.get().case == case
    same = ingest.ingest_bytes(officer, io.BytesIO(data), filename="again.jpg", case=case)
    assert same.pk == item.pk and item.links.count() == 1
    with pytest.raises(ServiceError) as err:
        ingest.ingest_bytes(officer, io.BytesIO(b"not an image"), filename="x.jpg")
    assert err.value.code == "content_mismatch"


def test_station_uploads_with_device_credential(officer, admin, tree, client_for):
    from django.test import Client

    from teis.evidence.models import Device
    from teis.evidence.services.devices import do_issue_credential

    station = Device.objects.create(kind="collection_station", serial="WS-001", unit=tree["squad1"])
    Device.objects.create(kind="body_camera", serial="BC-9", unit=tree["squad1"], assigned_to=officer)
    secret = do_issue_credential(admin, station)
    assert Device.objects.get(pk=station.pk).credential_hash != secret
    c = Client(HTTP_AUTHORIZATION=f"Station WS-001:{secret}")
    data = jpeg_bytes(12)
    resp = upload(c, "bc.jpg", data, device_serial="BC-9")
    assert resp.status_code == 201, resp.content
    item = EvidenceItem.objects.get(pk=resp.json()["id"])
    assert item.officer == officer and item.source == "body_camera" and item.device.serial == "BC-9"
    bad = Client(HTTP_AUTHORIZATION="Station WS-001:wrong")
    assert open_upload(bad, "x.jpg", data).status_code in (401, 403)
    hb = c.post(
        "/api/v1/evidence/stations/heartbeat/",
        data='{"used_gb": 10, "capacity_gb": 100}',
        content_type="application/json",
    )
    assert hb.status_code == 200 and Device.objects.get(pk=station.pk).used_gb == 10
