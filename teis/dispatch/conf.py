"""Settings of 指挥调度, each overridable in Django settings or by the environment variable of the same name."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS: dict[str, float | int] = {
    # fix filtering
    "TEIS_DISPATCH_MAX_SPEED_KMH": 220,  # a fix implying a faster move from the previous one is a jump
    "TEIS_DISPATCH_JUMP_MIN_M": 500,  # below this distance a fast-looking move is GPS noise, not a jump
    "TEIS_DISPATCH_FUTURE_TOLERANCE_S": 300,  # device clocks run ahead a little
    "TEIS_DISPATCH_MAX_AGE_DAYS": 30,  # fixes older than this (dead terminal buffers) are refused
    "TEIS_DISPATCH_MIN_LON": 73.0,  # the service area's bounding box (China)
    "TEIS_DISPATCH_MAX_LON": 136.0,
    "TEIS_DISPATCH_MIN_LAT": 3.0,
    "TEIS_DISPATCH_MAX_LAT": 54.0,
    # alarms
    "TEIS_DISPATCH_DWELL_S": 60,  # an enter / exit counts only after this long on the new side
    "TEIS_DISPATCH_MOVING_KMH": 5,  # at or above: moving
    "TEIS_DISPATCH_UNREGISTERED_S": 120,  # moving this long with no duty and no sign-in: 未登录行驶
    "TEIS_DISPATCH_NO_FIX_MIN": 15,  # on duty and no fix for this long: 定位异常
    "TEIS_DISPATCH_OFFLINE_MIN": 10,  # no fix for this long: shown offline on the live map
    "TEIS_DISPATCH_SIGNIN_GRACE_MIN": 30,  # a task's officer not signed in this long after its start: 人员未登录
    # tracks
    "TEIS_DISPATCH_STOP_MIN_S": 180,  # a stop lasts at least this long
    "TEIS_DISPATCH_STOP_RADIUS_M": 80,  # and stays within this radius
    "TEIS_DISPATCH_TRIP_MIN_M": 300,  # a trip covers at least this distance
    # storage
    "TEIS_DISPATCH_FIX_RETENTION_DAYS": 400,
}


def get(name: str):
    """The setting's value: Django settings first, then the environment, then the default."""
    default = DEFAULTS[name]
    if hasattr(settings, name):
        return getattr(settings, name)
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return type(default)(raw)
