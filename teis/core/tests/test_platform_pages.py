import pytest
from asgiref.sync import async_to_sync
from channels.testing.websocket import WebsocketCommunicator

from teis.core import notify
from teis.core.models import JobRun, TodoItem
from teis.core.testing import logged_in_client


@pytest.mark.django_db
def test_healthz_and_readyz(client):
    assert client.get("/healthz").content == b"ok"
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json()["checks"] == {"database": "ok", "cache": "ok", "queue": "ok"}


@pytest.mark.django_db
def test_home_shows_todos_and_counts(make_user):
    user = make_user("field_officer", "squad1")
    notify.post_todo(user, "审批案件 沪交执罚〔2025〕第000001号", category="案件", url="/")
    notify.notify(user, "系统升级通知", "今晚 22:00 维护")
    page = logged_in_client(user).get("/").content.decode()
    assert "审批案件" in page and 'id="todo-count">1<' in page and 'id="unread-count">1<' in page
    assert notify.complete_todos("", user=user) == 0
    item = TodoItem.objects.get(user=user)
    item.source_key = "case:1"
    item.save()
    assert notify.complete_todos("case:1") == 1
    assert notify.counts(user) == {"todo": 0, "unread": 1}


@pytest.mark.django_db
def test_todo_and_notification_api(make_user):
    user = make_user("field_officer", "squad1")
    notify.post_todo(user, "待办一", category="勤务")
    note = notify.notify(user, "通知一")
    client = logged_in_client(user)
    data = client.get("/api/v1/todos/").json()
    assert data["count"] == 1 and data["results"][0]["title"] == "待办一"
    assert client.get("/api/v1/todos/?status=bogus").status_code == 400
    assert client.get("/api/v1/notifications/").json()["results"][0]["id"] == note.pk
    resp = client.post("/api/v1/notifications/read/", {"ids": [note.pk]}, content_type="application/json")
    assert resp.json() == {"marked": 1}
    bad = client.post("/api/v1/notifications/read/", {"ids": "x"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    for ids in ([2**63], [0], [True], list(range(1, 1002))):  # beyond a bigint, not an id, too many
        refused = client.post("/api/v1/notifications/read/", {"ids": ids}, content_type="application/json")
        assert refused.status_code == 400 and "正整数" in refused.json()["message"], ids
    assert client.get("/api/v1/me/").json()["counts"] == {"todo": 1, "unread": 0}


@pytest.mark.django_db(transaction=True)
def test_counts_pushed_live_over_websocket(make_user):
    from teis.asgi import application

    user = make_user("field_officer", "squad1")

    async def scenario():
        comm = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1")])
        comm.scope["user"] = user
        connected, _ = await comm.connect()
        assert connected
        first = await comm.receive_json_from(timeout=5)
        assert first["counts"] == {"todo": 0, "unread": 0}
        from channels.db import database_sync_to_async

        await database_sync_to_async(notify.notify)(user, "新告警", level="alarm")
        pushed = await comm.receive_json_from(timeout=5)
        assert pushed == {"type": "counts", "counts": {"todo": 0, "unread": 1}}
        await comm.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_anonymous_websocket_refused():
    from teis.asgi import application

    async def scenario():
        comm = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1")])
        connected, code = await comm.connect()
        assert not connected

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_jobs_page_lists_periodic_jobs_with_last_run(make_user):
    from teis.core.jobs import PERIODIC, run_recorded

    ops = make_user("operations", "corps")
    assert "teis.core.tasks.cleanup_exports" in PERIODIC
    run_recorded("teis.core.tasks.cleanup_exports", lambda: "清理导出任务 0 个")
    page = logged_in_client(ops).get("/core/jobs/").content.decode()
    assert "清理过期导出文件与运行记录" in page and "清理导出任务 0 个" in page and "成功" in page
    assert JobRun.objects.get().ok is True
    officer = make_user("field_officer", "squad1")
    assert logged_in_client(officer).get("/core/jobs/").status_code == 403


@pytest.mark.django_db
def test_large_export_runs_as_job_with_progress(make_user, settings):
    settings.TEIS_EXPORT_SYNC_LIMIT = 2
    admin = make_user("system_admin", "corps")
    client = logged_in_client(admin)
    resp = client.get("/org/unit/export/")
    assert resp.status_code == 302 and "/core/exports/" in resp["Location"]
    page = client.get(resp["Location"]).content.decode()
    assert "已完成" in page and "100%" in page
    download = client.get(resp["Location"] + "download/")
    assert download.status_code == 200
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(wb.active.values)
    assert rows[0][0] == "单位名称" and len(rows) == 1 + 8


@pytest.mark.django_db
def test_chinese_error_pages(make_user, client):
    user = make_user("field_officer", "squad1")
    c = logged_in_client(user)
    resp = c.get("/no/such/page/")
    assert resp.status_code == 404 and "页面不存在" in resp.content.decode()
    resp = c.get("/org/role/add/")
    assert resp.status_code == 403 and "无权访问" in resp.content.decode()

    from teis.core.pages import error_500

    assert "系统内部错误" in error_500(None).content.decode()
    login = client.get("/login/")
    assert "统一身份认证" in login.content.decode() and 'lang="zh-CN"' in login.content.decode()
