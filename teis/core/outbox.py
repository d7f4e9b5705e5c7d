"""Queueing messages for superior platforms inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from .models import OutboxMessage


def enqueue(target: str, topic: str, operation: str, object_key: str, payload: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage.objects.create(
        target=target, topic=topic, operation=operation, object_key=str(object_key), payload=payload
    )
