"""ASGI entry point: HTTP through Django, WebSockets through Channels (served by uvicorn)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teis.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from teis.evidence.asgi import ChunkUploadEndpoint  # noqa: E402
from teis.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # evidence upload chunks are streamed straight to disk and SM3 (see teis/evidence/asgi.py)
        "http": ChunkUploadEndpoint(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
