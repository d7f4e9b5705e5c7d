"""Live map push: a page joins group `maritime-live` and receives each ingest batch's vessels and the alerts
the user may see (the page polls the delta endpoint as well; without a shared channel layer only that works)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .services.live import LIVE_GROUP


class LiveMapConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not await self._may_view(user):
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(LIVE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(LIVE_GROUP, self.channel_name)

    async def live_delta(self, event):
        alerts = await self._visible_alerts(self.scope["user"], [a["id"] for a in event.get("alerts", [])])
        await self.send_json(
            {
                "type": "delta",
                "seq": event["seq"],
                "vessels": event["vessels"],
                "alerts": [a for a in event.get("alerts", []) if a["id"] in alerts],
            }
        )

    @database_sync_to_async
    def _may_view(self, user) -> bool:
        return user.has_perm("maritime.view_vessel")

    @database_sync_to_async
    def _visible_alerts(self, user, ids) -> set[int]:
        from .models import Alert

        if not ids:
            return set()
        return set(Alert.objects.for_user(user).filter(pk__in=ids).values_list("pk", flat=True))
