"""The streaming ASGI chunk endpoint (`teis/evidence/asgi.py`) mounted in `teis.asgi`: same authentication,
rules, JSON and Chinese errors as the Django view, body streamed into the temp file and SM3 without Django."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from rest_framework.authtoken.models import Token

from teis.core.crypto import sm3_hex
from teis.evidence.models import EvidenceItem, UploadSession
from teis.evidence.services import ingest

from .conftest import API, jpeg_bytes, mp4_bytes, open_upload, put_chunk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """As Django's test client does: requests must not close the test's connection (inside the test
    transaction, `close_old_connections` would really close it on PostgreSQL)."""
    import channels.db

    monkeypatch.setattr(channels.db, "close_old_connections", lambda: None)


@pytest.fixture
def no_django_chunk_view(monkeypatch):
    """Proves the chunk did not go through Django's body spooling and the DRF view."""
    from teis.evidence.api.uploads import ChunkView

    def boom(*args, **kwargs):
        raise AssertionError("the Django chunk view must not run for the ASGI path")

    monkeypatch.setattr(ChunkView, "put", boom)
    monkeypatch.setattr(ChunkView, "patch", boom)


def asgi(requests):
    """Run `requests(client)` (an async function) against `teis.asgi.application` through httpx."""
    from django.core import signals
    from django.db import close_old_connections

    from teis.asgi import application

    async def run():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await requests(client)

    # (Django's test client reconnects these after each of its requests, so disconnect them here, per run)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        return async_to_sync(run)()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def pieces(data: bytes, size: int = 7000):
    async def gen():
        for i in range(0, len(data), size):
            yield data[i : i + size]

    return gen()


def bearer(user) -> dict:
    return {"Authorization": f"Bearer {Token.objects.create(user=user).key}"}


def chunk_request(client, token, offset, data, headers, method="PUT", stream=True):
    h = {**headers, "Upload-Offset": str(offset), "Content-Type": "application/octet-stream"}
    if stream:
        h["Content-Length"] = str(len(data))
    return client.request(method, f"{API}{token}/chunk/", content=pieces(data) if stream else data, headers=h)


def test_upload_streams_through_asgi_endpoint(officer, no_django_chunk_view, settings):
    data = mp4_bytes() + os.urandom(250_000)
    auth = bearer(officer)

    async def go(c):
        opened = await c.post(API, json={"filename": "记录.mp4", "size": len(data), "sm3": sm3_hex(data)}, headers=auth)
        assert opened.status_code == 201, opened.text
        token = opened.json()["token"]
        r1 = await chunk_request(c, token, 0, data[:100_000], auth)
        r2 = await chunk_request(c, token, 100_000, data[100_000:], auth, method="PATCH")
        done = await c.post(f"{API}{token}/complete/", headers=auth)
        return r1, r2, done

    r1, r2, done = asgi(go)
    assert r1.status_code == 200 and r1.json()["offset"] == 100_000 and r1.headers["Upload-Offset"] == "100000"
    assert r1.headers["Content-Type"] == "application/json"
    assert r2.json()["offset"] == len(data) and r2.json()["status"] == "open"
    assert done.status_code == 201, done.text
    item = EvidenceItem.objects.get(pk=done.json()["id"])
    assert item.sm3 == sm3_hex(data) and item.size == len(data)
    assert os.listdir(settings.TEIS_EVIDENCE_UPLOAD_DIR) == []


def test_rules_and_errors_equal_to_django_view(officer, client_for, monkeypatch):
    """The same situations through the Django test client (Django view) and the ASGI endpoint give the same
    status and the same JSON body."""
    data = jpeg_bytes(4) + os.urandom(60_000)
    auth = bearer(officer)
    django_client = client_for(officer)

    def via_django():
        token = open_upload(django_client, "d.jpg", data).json()["token"]
        out = [put_chunk(django_client, token, 0, data[:20_000])]
        out.append(put_chunk(django_client, token, 30_000, data[30_000:40_000]))  # gap
        out.append(put_chunk(django_client, token, 0, data[:20_000]))  # repeat
        out.append(put_chunk(django_client, token, 10_000, data[10_000:30_000]))  # overlap
        out.append(put_chunk(django_client, token, 0, b"x" * 100))  # conflict
        out.append(put_chunk(django_client, token, 30_000, data[30_000:] + b"more"))  # beyond the size
        out.append(
            django_client.put(f"{API}{token}/chunk/", data=b"a", content_type="application/octet-stream")
        )  # no offset
        monkeypatch.setattr(ingest, "CHUNK_MAX", 1000)
        out.append(put_chunk(django_client, token, 30_000, data[30_000:32_000]))  # too large
        monkeypatch.setattr(ingest, "CHUNK_MAX", 32 * 1024 * 1024)
        out.append(put_chunk(django_client, "nosuchtoken", 0, data[:10]))
        return [(r.status_code, {k: v for k, v in r.json().items() if k != "token"}) for r in out]

    async def via_asgi(c):
        opened = await c.post(API, json={"filename": "d.jpg", "size": len(data)}, headers=auth)
        token = opened.json()["token"]
        out = [await chunk_request(c, token, 0, data[:20_000], auth)]
        out.append(await chunk_request(c, token, 30_000, data[30_000:40_000], auth))
        out.append(await chunk_request(c, token, 0, data[:20_000], auth))
        out.append(await chunk_request(c, token, 10_000, data[10_000:30_000], auth))
        out.append(await chunk_request(c, token, 0, b"x" * 100, auth))
        out.append(await chunk_request(c, token, 30_000, data[30_000:] + b"more", auth))
        out.append(await c.put(f"{API}{token}/chunk/", content=b"a", headers={**auth, "Content-Type": "text/plain"}))
        monkeypatch.setattr(ingest, "CHUNK_MAX", 1000)
        out.append(await chunk_request(c, token, 30_000, data[30_000:32_000], auth))
        monkeypatch.setattr(ingest, "CHUNK_MAX", 32 * 1024 * 1024)
        out.append(await chunk_request(c, "nosuchtoken", 0, data[:10], auth))
        return [(r.status_code, {k: v for k, v in r.json().items() if k != "token"}) for r in out]

    expected = via_django()
    got = asgi(via_asgi)
    assert got == expected
    codes = [body.get("code") for _status, body in got]
    assert codes == [
        None,
        "offset_mismatch",
        None,
        None,
        "chunk_conflict",
        "exceeds_size",
        "invalid",
        "chunk_too_large",
        "not_found",
    ]
    assert got[1][1]["fields"]["expected_offset"] == ["20000"] and "20000" in got[1][1]["message"]
    assert got[3][1]["offset"] == 30_000
    assert [s for s, _ in got] == [200, 400, 200, 200, 400, 400, 400, 400, 404]
    # after the refusals the session is intact: the rest completes with the right SM3
    session = UploadSession.objects.filter(uploader=officer).order_by("-pk").first()
    assert session.received == 30_000


def test_authentication_like_the_django_view(officer, make_user, admin, tree, client_for, no_django_chunk_view):
    from teis.evidence.models import Device
    from teis.evidence.services.devices import do_issue_credential

    data = jpeg_bytes(5) + os.urandom(20_000)
    # browser: session cookie, CSRF token required (as DRF's SessionAuthentication)
    browser = client_for(officer)
    session_cookie = browser.cookies["sessionid"].value
    token = open_upload(browser, "s.jpg", data).json()["token"]
    csrf = _get_new_csrf_string()
    cookie = {"Cookie": f"sessionid={session_cookie}; csrftoken={csrf}"}
    # a user without the right to add evidence
    viewer = make_user("leadership", "corps", username="ev_viewer")
    viewer_auth = bearer(viewer)
    # workstation credential
    station = Device.objects.create(kind="collection_station", serial="WS-9", unit=tree["squad1"])
    Device.objects.create(kind="body_camera", serial="BC-1", unit=tree["squad1"], assigned_to=officer)
    secret = do_issue_credential(admin, station)
    station_auth = {"Authorization": f"Station WS-9:{secret}"}

    async def go(c):
        out = {}
        out["anonymous"] = await chunk_request(c, token, 0, data[:100], {})
        out["no_csrf"] = await chunk_request(c, token, 0, data[:100], cookie)
        out["csrf"] = await chunk_request(c, token, 0, data[:100], {**cookie, "X-CSRFToken": csrf})
        out["bad_token"] = await chunk_request(c, token, 100, data[100:200], {"Authorization": "Bearer nope"})
        out["no_perm"] = await chunk_request(c, token, 100, data[100:200], viewer_auth)
        out["bad_station"] = await chunk_request(c, token, 100, data[100:200], {"Authorization": "Station WS-9:x"})
        out["station_other_session"] = await chunk_request(c, token, 100, data[100:200], station_auth)
        opened = await c.post(
            API, json={"filename": "bc.jpg", "size": len(data), "device_serial": "BC-1"}, headers=station_auth
        )
        st_token = opened.json()["token"]
        out["station"] = await chunk_request(c, st_token, 0, data, station_auth)
        out["station_done"] = await c.post(f"{API}{st_token}/complete/", headers=station_auth)
        return out

    out = asgi(go)
    assert out["anonymous"].status_code == 401 and out["anonymous"].json()["code"] == "not_authenticated"
    assert out["no_csrf"].status_code == 403 and out["no_csrf"].json()["code"] == "permission_denied"
    assert out["csrf"].status_code == 200 and out["csrf"].json()["offset"] == 100
    assert out["bad_token"].status_code == 401 and out["bad_token"].json()["code"] == "authentication_failed"
    assert out["no_perm"].status_code == 403
    assert out["bad_station"].status_code == 401
    assert out["station_other_session"].status_code == 404  # someone else's session
    assert out["station"].status_code == 200 and out["station"].json()["offset"] == len(data)
    assert out["station_done"].status_code == 201, out["station_done"].text
    assert EvidenceItem.objects.get(pk=out["station_done"].json()["id"]).officer == officer
    # the Django view answers the same to the same requests
    anon = put_chunk(Client(), token, 100, b"x")
    assert anon.status_code == 401 and anon.json() == out["anonymous"].json()


def test_client_stopping_mid_chunk_keeps_what_arrived(officer):
    """A body cut off by a disconnect: the bytes that arrived are kept, the offset says where to resume,
    and the resumed upload ends with the right SM3."""
    from teis.evidence.asgi import ChunkUploadEndpoint

    data = mp4_bytes() + os.urandom(3 * 1024 * 1024)
    auth = bearer(officer)
    django_client = Client(HTTP_AUTHORIZATION=auth["Authorization"])
    token = open_upload(django_client, "cut.mp4", data).json()["token"]
    endpoint = ChunkUploadEndpoint(app=None)
    sent: list[dict] = []
    half = 2 * 1024 * 1024 + 5

    async def go():
        messages = [
            {"type": "http.request", "body": data[:1_000_000], "more_body": True},
            {"type": "http.request", "body": data[1_000_000:half], "more_body": True},
            {"type": "http.disconnect"},
        ]

        async def receive():
            return messages.pop(0)

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http",
            "method": "PUT",
            "path": f"{API}{token}/chunk/",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"authorization", auth["Authorization"].encode()),
                (b"upload-offset", b"0"),
                (b"content-length", str(len(data)).encode()),
                (b"host", b"testserver"),
            ],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
            "scheme": "http",
            "http_version": "1.1",
        }
        await endpoint(scope, receive, send)

    async_to_sync(go)()
    assert sent == []  # nobody to answer
    assert UploadSession.objects.get(token=token).received == half
    status = django_client.get(f"{API}{token}/")
    assert status["Upload-Offset"] == str(half)
    rest = put_chunk(django_client, token, half, data[half:])
    assert rest.status_code == 200, rest.content
    done = django_client.post(f"{API}{token}/complete/")
    assert done.status_code == 201 and done.json()["sm3"] == sm3_hex(data)


def test_other_requests_pass_to_django():
    async def go(c):
        return await c.get("/api/v1/evidence/uploads/abc/chunk/"), await c.get("/healthz")

    chunk_get, health = asgi(go)
    assert chunk_get.status_code in (401, 405)
    assert health.status_code == 200
    assert json.loads(chunk_get.text)["code"]
