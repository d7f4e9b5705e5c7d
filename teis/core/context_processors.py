from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .registry import registry


def shell(request: HttpRequest) -> dict[str, Any]:
    """Menu and counts for the page shell (top bar, left menu)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .notify import counts

    officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
    return {
        "menu_groups": registry.menu_for(user),
        "shell_counts": counts(user),
        "current_officer": officer,
        "map_tile_url": settings.TEIS_MAP_TILE_URL,
    }
