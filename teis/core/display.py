"""Turning model values into what a person sees: labels, choice names, related names, masking."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from .registry import ModelConfig


def column_label(model: type[models.Model], column: str) -> str:
    target: Any = model
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
            return field_label(f)
        target = f.related_model
    return column


def field_label(f: Any) -> str:
    """A field's Chinese label. A relation declared without a verbose name would show Django's English default
    ("violation code"): it is named after the model it points to (违章代码) instead."""
    label = str(getattr(f, "verbose_name", f.name))
    related = getattr(f, "related_model", None)
    if related is not None and label == f.name.replace("_", " "):
        return str(related._meta.verbose_name)
    return label


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


def person_display(user: Any, *, with_unit: bool = False) -> str:
    """A person as people know them: the officer's name (and unit, where the name alone is ambiguous), never
    the login. Accounts without an officer profile show their full name, else the login as a last resort."""
    if user is None:
        return ""
    officer = _officer_of(user)
    if officer is not None:
        if with_unit and officer.unit_id:
            return f"{officer.name}（{officer.unit.name}）"
        return str(officer.name)
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or getattr(user, "username", "") or user)


def _officer_of(user: Any) -> Any:
    """The user's officer profile; free when the query selected it (`handler__officer`), one query otherwise."""
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return user.officer
    except (ObjectDoesNotExist, AttributeError):
        return None


def _is_user(value: Any) -> bool:
    from django.contrib.auth import get_user_model

    return isinstance(value, get_user_model())


# Words that reach the screen from JSON fields and status strings: shown in Chinese.
WORDS = {
    "ok": "正常",
    "fail": "失败",
    "failed": "失败",
    "error": "错误",
    "user": "用户",
    "true": "是",
    "false": "否",
    "none": "无",
    "null": "无",
}


def format_value(value: Any) -> str:
    """The text of a value for a page or an export: Chinese, never a Python repr."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if _is_user(value):
        return person_display(value)
    if isinstance(value, dict) and value and all(isinstance(v, bool) for v in value.values()):
        # flags ({"cargo_uncovered": true, ...}): the names of those that are set
        return "、".join(_key_label(k) for k, v in value.items() if v) or "无"
    if isinstance(value, dict):
        return "；".join(f"{_key_label(k)}：{format_value(v) or '无'}" for k, v in value.items()) if value else ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(t for t in (format_value(v) for v in value) if t)
    if isinstance(value, str) and value.strip().lower() in WORDS:
        return WORDS[value.strip().lower()]
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
            if timezone.is_aware(value)
            else value.strftime("%Y-%m-%d %H:%M")
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _key_label(key: Any) -> str:
    """A JSON key as a label: a known word in Chinese, else the key itself with underscores as spaces."""
    text = str(key)
    return KEY_LABELS.get(text, WORDS.get(text.lower(), text.replace("_", " ")))


# Keys of JSON details stored by features (checks, flags): their Chinese names.
KEY_LABELS = {
    "cargo_uncovered": "货物未苫盖",
    "no_life_jacket": "船员未穿救生衣",
    "overload": "疑似超载",
    "speed": "速度",
    "reason": "原因",
    "note": "说明",
    "count": "数量",
    "status": "状态",
    "result": "结果",
    "message": "说明",
    "database": "数据库",
    "cache": "缓存",
    "queue": "作业队列",
}


def can_reveal(user: Any, config: type[ModelConfig]) -> bool:
    return bool(config.masked_fields) and user.has_perm(config.reveal_permission)


def display_value(obj: models.Model, column: str, config: type[ModelConfig], user: Any, *, reveal: bool = False) -> str:
    """The text of one cell: masked personal data unless `reveal` (which the caller audits)."""
    text = format_value(raw_value(obj, column))
    mask = config.masked_fields.get(column)
    if mask and text and not reveal:
        return mask(text)
    return text
