"""WebSocket routes of every live app."""

from django.urls import path

from teis.core.consumers import NotificationConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
