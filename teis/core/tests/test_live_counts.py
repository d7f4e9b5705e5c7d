"""Live top-bar counts (issue 4 perf): a transaction refreshes the pages of the users it touched once, after
commit; the page's consumer counts (one query) and sends the counts."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing.websocket import WebsocketCommunicator
from django.db import transaction

from teis.core import notify


@pytest.mark.django_db(transaction=True)
def test_one_refresh_per_transaction_for_all_users_and_none_on_rollback(make_user, monkeypatch):
    a, b = make_user("field_officer", "squad1"), make_user("field_officer", "squad1")
    sent = []
    monkeypatch.setattr(notify, "push_refresh", lambda user_ids: sent.append(sorted(user_ids)))
    with transaction.atomic():
        notify.post_todo(a, "待办一", category="案件", source_key="k:1")
        notify.post_todo(b, "待办二", category="案件", source_key="k:1")
        notify.notify(a, "通知")
        assert sent == []  # nothing before commit
    assert sent == [sorted([a.pk, b.pk])]
    sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify.complete_todos("k:1")
        raise RuntimeError("回滚")
    assert sent == []
    notify.complete_todos("k:1")  # autocommit: pushed at once
    assert sent == [sorted([a.pk, b.pk])]


@pytest.mark.django_db
def test_counts_in_one_query(make_user, django_assert_num_queries):
    user = make_user("field_officer", "squad1")
    notify.post_todo(user, "待办", category="案件")
    notify.post_todo(user, "已办", category="案件", source_key="done:1")
    notify.complete_todos("done:1")
    notify.notify(user, "未读")
    with django_assert_num_queries(1):
        assert notify.counts(user) == {"todo": 1, "unread": 1}


@pytest.mark.django_db(transaction=True)
def test_refresh_reaches_only_open_pages_which_count_for_themselves(make_user):
    from teis.asgi import application

    user, other = make_user("field_officer", "squad1"), make_user("field_officer", "squad1")
    layer = get_channel_layer()

    async def scenario():
        comm = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1")])
        comm.scope["user"] = user
        connected, _ = await comm.connect()
        assert connected
        assert (await comm.receive_json_from(timeout=5))["counts"] == {"todo": 0, "unread": 0}
        from channels.db import database_sync_to_async

        # the in-memory layer only reaches pages of this process: the other user has none, the user has one
        assert notify._listening(layer, [f"user-{other.pk}", f"user-{user.pk}"]) == [f"user-{user.pk}"]
        await database_sync_to_async(notify.post_todo)(user, "新待办", category="案件")
        assert await comm.receive_json_from(timeout=5) == {"type": "counts", "counts": {"todo": 1, "unread": 0}}
        await comm.disconnect()

    async_to_sync(scenario)()
