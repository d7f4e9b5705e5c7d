"""The live cursor push shared by the telemetry pipelines (GPS in `dispatch`, AIS in `maritime`).

One design for both: every ingest batch takes the next number of a named cursor (`next_cursor`, a row of
`core.Sequence`, one UPDATE … RETURNING on PostgreSQL, which also serialises batches so cursors commit in order)
and stamps the rows it changed with it; after commit it pushes a message carrying the cursor to a Channels group
(`push`); an open page asks for what changed after the last cursor it saw, so a lost push only delays it until its
next poll. A push never fails an ingest, and from a thread running an event loop (a gateway) it is scheduled on
that loop instead of blocking it.
"""

from __future__ import annotations

import logging
from typing import Any

from .bulk_sql import next_sequence_value

logger = logging.getLogger(__name__)


def next_cursor(name: str) -> int:
    """The next number of the live cursor `name` (inside the batch's transaction)."""
    return next_sequence_value(name)


def has_listeners(group: str) -> bool:
    """False when nobody can receive a push to `group`: no channel layer, or an in-memory one (one process) with
    no page in the group (building the message can then be skipped). A shared layer (Redis) always may."""
    try:
        from channels.layers import InMemoryChannelLayer, get_channel_layer
    except ImportError:  # pragma: no cover - channels is a dependency
        return False
    layer = get_channel_layer()
    if layer is None:
        return False
    if isinstance(layer, InMemoryChannelLayer):
        return bool(layer.groups.get(group))
    return True


def push(group: str, message: dict[str, Any]) -> None:
    """Send `message` (with its Channels "type") to `group`, after commit. Errors are logged, never raised: the
    pages poll as well."""
    import asyncio

    try:
        from asgiref.sync import async_to_sync
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        if layer is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            loop.create_task(layer.group_send(group, message))
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("live push to %s failed", group)
