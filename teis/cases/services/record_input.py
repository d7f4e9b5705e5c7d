"""Reading a step's facts from form or API data (`services.record_writers`): text, dates, amounts and 笔录 questions,
each problem gathered under its field name in Chinese (`Errors`) so that one refusal lists them all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, overload

from django.utils import timezone

from teis.core.services import ServiceError

CENT = Decimal("0.01")
MAX_FINE = Decimal("100000000")


class Errors:
    """Field errors gathered before anything is written; raised together."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            parts = [m for msgs in self.fields.values() for m in msgs]
            raise ServiceError("invalid_record", "；".join(parts), self.fields)


def text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return "" if value is None else str(value).strip()


def required_text(data: dict[str, Any], errors: Errors, name: str, label: str, limit: int = 5000) -> str:
    value = text(data, name)
    if not value:
        errors.add(name, f"请填写{label}")
    elif len(value) > limit:
        errors.add(name, f"{label}不能超过 {limit} 字")
    return value


def optional_text(data: dict[str, Any], errors: Errors, name: str, label: str, limit: int) -> str:
    """Like `required_text` for a field that may stay empty: over-long text is refused, never cut."""
    value = text(data, name)
    if len(value) > limit:
        errors.add(name, f"{label}不能超过 {limit} 字")
    return value


def as_datetime(value: Any, errors: Errors, name: str, label: str, *, required: bool = True) -> dt.datetime | None:
    if value in (None, ""):
        if required:
            errors.add(name, f"请填写{label}")
        return None
    if isinstance(value, dt.datetime):
        out = value
    elif isinstance(value, dt.date):
        out = dt.datetime.combine(value, dt.time(9, 0))
    else:
        try:
            out = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(name, f"{label}格式不正确（YYYY-MM-DD HH:MM）")
            return None
    if timezone.is_naive(out):
        out = timezone.make_aware(out)
    if out > timezone.now() + dt.timedelta(minutes=5):
        errors.add(name, f"{label}不能晚于当前时间")
    return out


def as_date(value: Any, errors: Errors, name: str, label: str, *, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            errors.add(name, f"请填写{label}")
        return None
    if isinstance(value, dt.datetime):
        out = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    elif isinstance(value, dt.date):
        out = value
    else:
        try:
            out = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(name, f"{label}格式不正确（YYYY-MM-DD）")
            return None
    if out > timezone.localdate():
        errors.add(name, f"{label}不能晚于今天")
    return out


def as_amount(value: Any, errors: Errors, name: str, label: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            errors.add(name, f"请填写{label}")
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        errors.add(name, f"{label}应为数字")
        return None
    if amount <= 0:
        errors.add(name, f"{label}必须大于零")
    elif amount >= MAX_FINE:
        errors.add(name, f"{label}超出允许范围")
    return amount


@overload
def local_day(value: None) -> None: ...
@overload
def local_day(value: dt.datetime | dt.date) -> dt.date: ...
def local_day(value: dt.datetime | dt.date | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value


def minute(value: dt.datetime) -> dt.datetime:
    """Times typed on a form have minute precision: compare them with a recorded time to the minute."""
    return value.replace(second=0, microsecond=0)


def fmt(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def parse_qa(text: str) -> list[dict[str, str]]:
    """笔录 questions and answers from lines starting 问： / 答： (a line without a prefix continues the last)."""
    out: list[dict[str, str]] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        head, body = line[:2], line[2:].strip()
        if head in ("问：", "问:"):
            out.append({"q": body, "a": ""})
        elif head in ("答：", "答:"):
            if out and not out[-1]["a"]:
                out[-1]["a"] = body
            else:
                out.append({"q": "", "a": body})
        elif out:
            key = "a" if out[-1]["a"] else "q"
            out[-1][key] = (out[-1][key] + "\n" + line).strip()
        else:
            out.append({"q": line, "a": ""})
    return out
