"""Tests of teis.core.storage: URL parsing, the disk default, and S3 against a local moto server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from teis.core import storage
from teis.core.storage import get_storage, parse_storage_url

# --- parse_storage_url -----------------------------------------------------------------------------


def test_parse_full_url():
    options = parse_storage_url("s3://AKIA123:s3cr3t@minio.local:9000/teis-media?secure=0&region=cn-east-1")
    assert options["access_key"] == "AKIA123"
    assert options["secret_key"] == "s3cr3t"
    assert options["bucket_name"] == "teis-media"
    assert options["location"] == ""
    assert options["endpoint_url"] == "http://minio.local:9000"
    assert options["region_name"] == "cn-east-1"
    assert options["use_ssl"] is False
    assert options["addressing_style"] == "path"
    assert options["signature_version"] == "s3v4"


def test_parse_never_public():
    options = parse_storage_url("s3://k:s@host/bucket")
    assert options["querystring_auth"] is True
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert 0 < options["querystring_expire"] <= 3600


def test_parse_defaults_to_https_and_default_region():
    options = parse_storage_url("s3://k:s@oss.example.gov.cn/bucket")
    assert options["endpoint_url"] == "https://oss.example.gov.cn"
    assert options["use_ssl"] is True
    assert options["region_name"] == "us-east-1"
    assert options["verify"] is None


def test_parse_decodes_credentials_and_prefix():
    options = parse_storage_url("s3://AK%2B1:se%2Fc%40ret%3A@10.0.0.5:9000/bucket/evidence/2025?secure=1")
    assert options["access_key"] == "AK+1"
    assert options["secret_key"] == "se/c@ret:"
    assert options["location"] == "evidence/2025"
    assert options["endpoint_url"] == "https://10.0.0.5:9000"


def test_parse_without_host_uses_aws_endpoint():
    options = parse_storage_url("s3://k:s@/bucket?region=cn-north-1&addressing=virtual")
    assert options["endpoint_url"] is None
    assert options["addressing_style"] == "virtual"


def test_parse_without_credentials_leaves_them_to_the_environment():
    options = parse_storage_url("s3://minio:9000/bucket?secure=0")
    assert options["access_key"] is None and options["secret_key"] is None
    assert options["endpoint_url"] == "http://minio:9000"


def test_parse_ipv6_and_verify_off():
    options = parse_storage_url("s3://k:s@[fd00::5]:9000/bucket?verify=0")
    assert options["endpoint_url"] == "https://[fd00::5]:9000"
    assert options["verify"] is False


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("http://k:s@host/bucket", "s3://"),
        ("minio:9000/bucket", "s3://"),
        ("s3://k:s@host:9000", "存储桶"),
        ("s3://k:s@host:9000/", "存储桶"),
        ("s3://k:s@host/bucket?secure=maybe", "secure"),
        ("s3://k:s@host/bucket?verfy=0", "verfy"),
        ("s3://k:s@host/bucket?addressing=dns", "addressing"),
        ("s3://k:s@host:99999/bucket", "端口"),
    ],
)
def test_parse_rejects_bad_urls(url, fragment):
    with pytest.raises(ImproperlyConfigured) as info:
        parse_storage_url(url)
    assert fragment in str(info.value)


def test_parse_errors_do_not_leak_the_secret():
    with pytest.raises(ImproperlyConfigured) as info:
        parse_storage_url("s3://key:TOPSECRET@host/bucket?bogus=1")
    assert "TOPSECRET" not in str(info.value)


# --- the disk default -----------------------------------------------------------------------------


def test_default_is_file_system_under_media_root(settings, tmp_path):
    settings.STORAGE_URL = ""
    settings.MEDIA_ROOT = tmp_path
    files = get_storage()
    assert isinstance(files, FileSystemStorage)
    name = files.save("evidence/a.txt", ContentFile(b"hello"))
    assert (tmp_path / name).read_bytes() == b"hello"
    assert get_storage() is files  # shared per configuration


def test_disk_storage_never_overwrites(settings, tmp_path):
    settings.STORAGE_URL = ""
    settings.MEDIA_ROOT = tmp_path
    files = get_storage()
    first = files.save("same.txt", ContentFile(b"1"))
    second = files.save("same.txt", ContentFile(b"2"))
    assert first != second
    assert files.open(first).read() == b"1"


def test_configuration_change_gives_another_storage(settings, tmp_path):
    settings.STORAGE_URL = ""
    settings.MEDIA_ROOT = tmp_path / "a"
    first = get_storage()
    settings.MEDIA_ROOT = tmp_path / "b"
    assert get_storage() is not first
    assert get_storage().location == str(tmp_path / "b")


# --- S3 against a local moto server ---------------------------------------------------------------

ACCESS, SECRET, BUCKET = "testing-key", "testing/secret+1", "teis-test"


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield host, port, client
    server.stop()


@pytest.fixture
def s3_storage(settings, moto_endpoint):
    host, port, client = moto_endpoint
    settings.STORAGE_URL = f"s3://{ACCESS}:testing%2Fsecret%2B1@{host}:{port}/{BUCKET}/media?secure=0"
    storage._storage_for.cache_clear()
    yield get_storage(), client
    storage._storage_for.cache_clear()


def test_s3_save_and_read_back(s3_storage):
    from storages.backends.s3 import S3Storage

    files, client = s3_storage
    assert isinstance(files, S3Storage)
    payload = "现场照片".encode() + bytes(range(256)) * 40
    name = files.save("cases/2025/photo.jpg", ContentFile(payload))
    assert files.exists(name)
    with files.open(name, "rb") as handle:
        assert handle.read() == payload
    assert files.size(name) == len(payload)
    stored = client.get_object(Bucket=BUCKET, Key=f"media/{name}")["Body"].read()
    assert stored == payload


def test_s3_urls_are_presigned_and_objects_private(s3_storage):
    files, client = s3_storage
    name = files.save("private/doc.pdf", ContentFile(b"%PDF-1.7"))
    url = files.url(name)
    query = parse_qs(urlsplit(url).query)
    assert "X-Amz-Signature" in query and "X-Amz-Expires" in query
    grants = client.get_object_acl(Bucket=BUCKET, Key=f"media/{name}")["Grants"]
    assert all(grant["Grantee"].get("Type") == "CanonicalUser" for grant in grants)
    assert not any("AllUsers" in grant["Grantee"].get("URI", "") for grant in grants)


def test_s3_never_overwrites(s3_storage):
    files, _ = s3_storage
    first = files.save("dup.txt", ContentFile(b"first"))
    second = files.save("dup.txt", ContentFile(b"second"))
    assert first != second
    assert files.open(first).read() == b"first"
    files.delete(second)
    assert not files.exists(second)
