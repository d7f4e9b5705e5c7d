"""/ws/dispatch/live/: tells open live-map pages that something changed (they then fetch the delta in their
own scope, so the push carries no data a user might not be allowed to see)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .services.positions import LIVE_GROUP


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await self._allowed(user):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(LIVE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(LIVE_GROUP, self.channel_name)

    async def live_changed(self, event):
        await self.send_json({"type": "changed", "cursor": event["cursor"]})

    @database_sync_to_async
    def _allowed(self, user) -> bool:
        return user.has_perm("dispatch.view_patrolvehicle")
