"""What the analytics pages share: the permissions, error rendering and the unit choices of the filters."""

from __future__ import annotations

import json

from django.shortcuts import render

STATS = "analytics.view_statistics"
SCREEN = "analytics.view_screen"


def error_page(request, template: str, ctx: dict, err) -> object:
    ctx["error"] = err.message
    return render(request, template, ctx, status=400)


def unit_choices(user) -> list:
    """Units the user may report on, in tree order, with depth for indentation (report roots)."""
    from teis.org.models import Unit

    return list(Unit.objects.for_user(user).exclude(unit_type="department").order_by("path")[:400])


def as_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)
