"""Live counts for the top bar: a page joins its user's group and receives {todo, unread}."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class NotificationConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels ships no type hints
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.group = f"user-{user.pk}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send_counts()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def counts_refresh(self, event: dict[str, Any]) -> None:
        """The user's todos or notifications changed (`notify.push_refresh`, after commit): count them here, for
        the pages that are open, instead of in the transaction that changed them."""
        await self._send_counts()

    async def counts(self, event: dict[str, Any]) -> None:
        """Counts computed by the sender (kept for senders that already have them)."""
        await self.send_json({"type": "counts", "counts": event["counts"]})

    async def _send_counts(self) -> None:
        await self.send_json({"type": "counts", "counts": await self._counts(self.scope["user"])})

    @database_sync_to_async  # type: ignore[untyped-decorator]  # channels ships no type hints
    def _counts(self, user: Any) -> dict[str, int]:
        from .notify import counts

        return counts(user)
