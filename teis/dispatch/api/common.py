"""Helpers shared by the dispatch API views."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import PermissionDenied

from teis.core.services import ServiceError


def check_perm(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction

        audit.record(request.user, AuditAction.PERMISSION_DENIED, detail={"permission": perm, "path": request.path})
        raise PermissionDenied()


def int_param(value, name: str, label: str, *, default: int | None = None, lo: int = 0, hi: int = 2**62) -> int:
    if value in (None, ""):
        if default is None:
            raise ServiceError("invalid", f"缺少{label}。", {name: [f"缺少{label}"]})
        return default
    try:
        n = int(str(value))
    except ValueError:
        raise ServiceError("invalid", f"{label}应为整数。", {name: ["应为整数"]}) from None
    if not lo <= n <= hi:
        raise ServiceError("invalid", f"{label}超出范围。", {name: ["超出范围"]})
    return n


def float_param(value, name: str, label: str, *, lo: float, hi: float, default: float | None = None) -> float:
    if value in (None, ""):
        if default is None:
            raise ServiceError("invalid", f"缺少{label}。", {name: [f"缺少{label}"]})
        return default
    try:
        x = float(str(value))
    except ValueError:
        raise ServiceError("invalid", f"{label}应为数字。", {name: ["应为数字"]}) from None
    if not (lo <= x <= hi):  # also refuses nan
        raise ServiceError("invalid", f"{label}超出范围。", {name: ["超出范围"]})
    return x


def time_param(value, name: str, label: str, *, default: dt.datetime | None = None) -> dt.datetime:
    """An ISO date-time (local time when no offset) or Unix seconds / milliseconds."""
    if value in (None, ""):
        if default is None:
            raise ServiceError("invalid", f"缺少{label}。", {name: [f"缺少{label}"]})
        return default
    text = str(value).strip()
    when = None
    if text.replace(".", "", 1).isdigit():
        seconds = float(text)
        if seconds > 1e11:  # milliseconds (OsmAnd sends ms, Traccar clients either)
            seconds /= 1000
        if seconds < 1e12:
            try:
                when = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
            except (OverflowError, OSError, ValueError):
                when = None
    else:
        try:
            when = parse_datetime(text.replace(" ", "T", 1))
        except ValueError:
            when = None
        if when is not None and timezone.is_naive(when):
            when = timezone.make_aware(when)
    if when is None or not (2000 <= when.year <= 2100):
        raise ServiceError("invalid", f"{label}格式错误。", {name: ["应为 ISO 时间或 Unix 时间戳"]})
    return when
