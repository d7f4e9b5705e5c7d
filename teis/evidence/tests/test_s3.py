"""The S3 path, against moto's S3-compatible server started here: ingest, ranged playback, verification,
purge — through `core.storage` with a STORAGE_URL, exactly like MinIO in production."""

from __future__ import annotations

import io
import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from teis.core.crypto import sm3_hex
from teis.evidence.models import EvidenceItem, RetentionPolicy
from teis.evidence.services import blobs, integrity, retention
from teis.evidence.services.ingest import ingest_bytes

from .conftest import jpeg_bytes, mp4_bytes, upload

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_url():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    import boto3

    boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="k",
        aws_secret_access_key="s",
        region_name="us-east-1",
    ).create_bucket(Bucket="evidence")
    yield f"s3://k:s@127.0.0.1:{port}/evidence/teis?secure=0"
    server.stop()


@pytest.fixture
def s3(settings, moto_url):
    from storages.backends.s3 import S3Storage

    from teis.core.storage import _storage_for, get_storage

    settings.STORAGE_URL = moto_url
    _storage_for.cache_clear()
    assert isinstance(get_storage(), S3Storage)
    yield get_storage()
    _storage_for.cache_clear()


def test_s3_upload_range_verify_purge(s3, officer, client_for):
    data = mp4_bytes() + os.urandom(500_000)
    resp = upload(client_for(officer), "s3.mp4", data, chunk=200_000, sm3=sm3_hex(data))
    assert resp.status_code == 201, resp.content
    item = EvidenceItem.objects.get(pk=resp.json()["id"])
    assert s3.exists(item.storage_name) and s3.size(item.storage_name) == len(data)
    r = client_for(officer).get(f"/evidence/items/{item.pk}/stream/original/", HTTP_RANGE="bytes=123456-234566")
    assert r.status_code == 206 and b"".join(r.streaming_content) == data[123456:234567]
    assert integrity.verify_item(item).result == "ok"
    url = s3.url(item.storage_name)
    assert "X-Amz-Signature" in url and "Expires" in url or "X-Amz-Expires" in url  # never a public URL
    RetentionPolicy.objects.create(name="视频", category="video", unlinked_days=1)
    EvidenceItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(days=3))
    retention.run_retention()
    retention.run_retention(timezone.now() + timedelta(days=8))
    assert not s3.exists(item.storage_name)


def test_s3_write_once_and_refusal_leaves_nothing(s3, officer, client_for):
    data = jpeg_bytes(3)
    first = ingest_bytes(officer, io.BytesIO(data), filename="a.jpg")
    other = ingest_bytes(officer, io.BytesIO(jpeg_bytes(4)), filename="b.jpg")
    assert first.storage_name != other.storage_name
    before = set(s3.listdir("evidence/original")[0])
    resp = upload(client_for(officer), "x.jpg", jpeg_bytes(5), sm3="0" * 64)
    assert resp.json()["code"] == "hash_mismatch"
    assert set(s3.listdir("evidence/original")[0]) == before
    assert blobs.sm3_of(first.storage_name) == sm3_hex(data)
