"""WebSocket routes of every live app."""

from django.urls import path

from teis.core.consumers import NotificationConsumer
from teis.dispatch.consumers import LiveConsumer as DispatchLiveConsumer
from teis.maritime.consumers import LiveMapConsumer as MaritimeLiveConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/dispatch/live/", DispatchLiveConsumer.as_asgi()),
    path("ws/maritime/live/", MaritimeLiveConsumer.as_asgi()),
]
