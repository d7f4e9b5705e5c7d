"""Thresholds of 指挥调度, read by name: `get("TEIS_DISPATCH_DWELL_S")`.

They live in the audited settings record `DispatchSettings` (指挥调度 → 调度阈值设置), whose first row takes the
environment variables of the same names; a Django setting of that name still wins (tests set one). Reading is
served from the record's process-local copy: no query per call.
"""

from __future__ import annotations

from django.conf import settings

from .models.settings import FIELD_OF_SETTING, THRESHOLDS, DispatchSettings

DEFAULTS: dict[str, float | int] = dict(THRESHOLDS.values())


def get(name: str):
    """The threshold's value: a Django setting of that name first, then the settings record."""
    field = FIELD_OF_SETTING[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    return getattr(DispatchSettings.current(), field)
