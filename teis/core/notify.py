"""The unified todo centre and notifications (统一待办中心): every app posts here; counts go live."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from .models import Notification, TodoItem, TodoStatus


def counts(user: User) -> dict[str, int]:
    """Open todos and unread notifications of one user, in one query (every page's top bar)."""
    todo, note = TodoItem._meta.db_table, Notification._meta.db_table
    q = connection.ops.quote_name
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {q(todo)} WHERE user_id = %s AND status = %s),"  # noqa: S608 (table names from model meta)
        f" (SELECT COUNT(*) FROM {q(note)} WHERE user_id = %s AND read_at IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, TodoStatus.OPEN, user.pk])
        todo_count, unread = cursor.fetchone()
    return {"todo": todo_count, "unread": unread}


REFRESH = {"type": "counts.refresh"}
_SENDING: set[Any] = set()


def push_refresh(user_ids: Iterable[int]) -> None:
    """Tell the open pages of these users that their counts changed: each page's consumer counts and sends them
    (`consumers.NotificationConsumer.counts_refresh`), so a user with no page open costs no query (perf, issue 4).
    One trip into the channel layer for all the users."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    groups = _listening(layer, [f"user-{uid}" for uid in sorted(set(user_ids))])
    if not groups:
        return

    async def send() -> None:
        for group in groups:
            await layer.group_send(group, dict(REFRESH))

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:  # called from a thread that runs an event loop (a consumer, a browser test's driver)
        task = loop.create_task(send())
        _SENDING.add(task)  # keep a reference until it is done
        task.add_done_callback(_SENDING.discard)
    else:
        async_to_sync(send)()


def _listening(layer: Any, groups: list[str]) -> list[str]:
    """The groups worth a message. The in-memory layer (embedded mode) only reaches the pages connected to this
    process: a group nobody joined here is skipped without entering the event loop (a job or a script)."""
    from channels.layers import InMemoryChannelLayer

    if layer is None:
        return []
    if isinstance(layer, InMemoryChannelLayer):
        return [g for g in groups if layer.groups.get(g)]
    return groups


def push_counts(user_id: int) -> None:
    """Refresh one user's counts on their open pages now."""
    push_refresh([user_id])


class _Pushes:
    """The users whose counts changed in the current transaction; one on-commit callback pushes them all."""

    def __init__(self) -> None:
        self.user_ids: set[int] = set()

    def __call__(self) -> None:
        push_refresh(self.user_ids)


def refresh_on_commit(user_ids: Iterable[int]) -> None:
    """Refresh these users' counts once the transaction commits (at once outside a transaction): one callback per
    transaction for all the users it touched (a workflow step completes, cancels and posts todos for several
    people), no query before or after commit."""
    pending = set(user_ids)
    if not pending:
        return
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        for _sids, func, _robust in reversed(conn.run_on_commit):
            if isinstance(func, _Pushes):
                func.user_ids |= pending
                return
    pushes = _Pushes()
    pushes.user_ids |= pending
    # robust: the rows are committed; a channel layer that is down must not turn the request into an error
    transaction.on_commit(pushes, robust=True)


def _after_commit(user_id: int) -> None:
    refresh_on_commit([user_id])


def post_todo(
    user: User, title: str, *, category: str, url: str = "", source_key: str = "", due_at: dt.datetime | None = None
) -> TodoItem:
    item = TodoItem.objects.create(
        user=user, title=title, category=category, url=url, source_key=source_key, due_at=due_at
    )
    _after_commit(user.pk)
    return item


def complete_todos(source_key: str, *, user: User | None = None) -> int:
    """Mark the open todo items of one source (e.g. "case:42:approve") done, for everyone or one user."""
    if not source_key:
        return 0
    qs = TodoItem.objects.filter(source_key=source_key, status=TodoStatus.OPEN)
    if user is not None:
        qs = qs.filter(user=user)
    users = set(qs.values_list("user_id", flat=True))
    n = qs.update(status=TodoStatus.DONE, done_at=timezone.now())
    refresh_on_commit(users)
    return n


def notify(
    user: User, title: str, body: str = "", *, level: str = Notification.Level.INFO, url: str = ""
) -> Notification:
    note = Notification.objects.create(user=user, title=title, body=body, level=level, url=url)
    _after_commit(user.pk)
    return note


def mark_read(user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    _after_commit(user.pk)
    return n
