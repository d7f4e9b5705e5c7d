"""Turning model values into what a person sees: labels, choice names, related names, masking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone


def column_label(model: type[models.Model], column: str) -> str:
    target = model
    parts = column.split("__")
    for i, part in enumerate(parts):
        try:
            f = target._meta.get_field(part)
        except FieldDoesNotExist:
            attr = getattr(target, part, None)
            return str(
                getattr(attr, "short_description", getattr(getattr(attr, "fget", None), "short_description", part))
            )
        if i == len(parts) - 1 or not f.is_relation:
            return str(getattr(f, "verbose_name", part))
        target = f.related_model
    return column


def raw_value(obj: models.Model, column: str) -> Any:
    value: Any = obj
    for part in column.split("__"):
        if value is None:
            return None
        try:
            f = value._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            f = None
        if f is not None and getattr(f, "choices", None) and not f.is_relation:
            value = getattr(value, f"get_{part}_display")()
        elif f is not None and (f.many_to_many or f.one_to_many):
            value = "、".join(str(x) for x in getattr(value, part).all())
        else:
            value = getattr(value, part)
            if callable(value):
                value = value()
    return value


def format_value(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def can_reveal(user, config) -> bool:
    return bool(config.masked_fields) and user.has_perm(config.reveal_permission)


def display_value(obj: models.Model, column: str, config, user, *, reveal: bool = False) -> str:
    """The text of one cell: masked personal data unless `reveal` (which the caller audits)."""
    text = format_value(raw_value(obj, column))
    mask = config.masked_fields.get(column)
    if mask and text and not reveal:
        return mask(text)
    return text
