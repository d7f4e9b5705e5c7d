"""Template filters of the display layer: people by name, values as Chinese text, deadlines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone

from teis.core.display import format_value, person_display

register = template.Library()


@register.filter
def person(user: Any) -> str:
    """`{{ case.handler|person }}`: the officer's name, never the login."""
    return person_display(user)


@register.filter
def display(value: Any) -> str:
    """`{{ value|display }}`: choices, booleans, lists, dictionaries and times as Chinese text."""
    return format_value(value)


def _as_datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, dt.date):
        # a day's deadline runs to the end of that day
        return timezone.make_aware(dt.datetime.combine(value, dt.time.max))
    return None


@register.filter
def is_past(value: Any) -> bool:
    moment = _as_datetime(value)
    return bool(moment and moment < timezone.now())


@register.filter
def due_text(value: Any) -> str:
    """A deadline as local text: "12-09 17:00" for an instant, "12-09" for a day."""
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%m-%d %H:%M")
        )
    if isinstance(value, dt.date):
        return value.strftime("%m-%d")
    return ""


@register.filter
def with_unit_paths(units: Iterable[Any]) -> list[Any]:
    """`{% for u, path in units|with_unit_paths %}`: each unit with its path in the tree (one query), for a
    hand-written `<select data-picker="unit">` whose options carry `data-path`."""
    from teis.core.widgets import unit_paths

    units = list(units)
    if not units:
        return []
    paths = unit_paths(type(units[0]))
    return [(u, paths.get(u.pk, u.name)) for u in units]
