"""The unified todo centre and notifications (统一待办中心): every app posts here; counts go live."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Notification, TodoItem, TodoStatus


def counts(user) -> dict[str, int]:
    return {
        "todo": TodoItem.objects.filter(user=user, status=TodoStatus.OPEN).count(),
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }


def push_counts(user_id: int) -> None:
    """Send the user's current counts to their open pages (after commit)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.contrib.auth import get_user_model

    layer = get_channel_layer()
    if layer is None:
        return
    # counts() only filters by user id: an unsaved stand-in saves a query per push (perf, issue 4).
    user = get_user_model()(pk=user_id)
    async_to_sync(layer.group_send)(f"user-{user_id}", {"type": "counts", "counts": counts(user)})


def _after_commit(user_id: int) -> None:
    """Push the user's counts once the transaction commits; one push per user and transaction (a workflow
    step completes, cancels and posts several todos for the same people)."""
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        for _sids, func, _robust in getattr(conn, "run_on_commit", []):
            if getattr(func, "push_user_id", None) == user_id:
                return

    def push():
        push_counts(user_id)

    push.push_user_id = user_id
    transaction.on_commit(push)


def post_todo(user, title: str, *, category: str, url: str = "", source_key: str = "", due_at=None) -> TodoItem:
    item = TodoItem.objects.create(
        user=user, title=title, category=category, url=url, source_key=source_key, due_at=due_at
    )
    _after_commit(user.pk)
    return item


def complete_todos(source_key: str, *, user=None) -> int:
    """Mark the open todo items of one source (e.g. "case:42:approve") done, for everyone or one user."""
    if not source_key:
        return 0
    qs = TodoItem.objects.filter(source_key=source_key, status=TodoStatus.OPEN)
    if user is not None:
        qs = qs.filter(user=user)
    users = set(qs.values_list("user_id", flat=True))
    n = qs.update(status=TodoStatus.DONE, done_at=timezone.now())
    for uid in users:
        _after_commit(uid)
    return n


def notify(user, title: str, body: str = "", *, level: str = Notification.Level.INFO, url: str = "") -> Notification:
    note = Notification.objects.create(user=user, title=title, body=body, level=level, url=url)
    _after_commit(user.pk)
    return note


def mark_read(user, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    n = qs.update(read_at=timezone.now())
    _after_commit(user.pk)
    return n
