"""指挥调度 thresholds (fix filtering, alarms, tracks, retention) as one audited settings record."""

from __future__ import annotations

import logging
import os

from django.core.exceptions import ValidationError
from django.db import models

from teis.core.settings_record import SettingsRecord

logger = logging.getLogger(__name__)

# field name -> the environment variable whose value the record starts from (and the Django setting that a test
# may still set to override it), and the built-in default
THRESHOLDS: dict[str, tuple[str, float | int]] = {
    "max_speed_kmh": ("TEIS_DISPATCH_MAX_SPEED_KMH", 220),
    "jump_min_m": ("TEIS_DISPATCH_JUMP_MIN_M", 500),
    "future_tolerance_s": ("TEIS_DISPATCH_FUTURE_TOLERANCE_S", 300),
    "max_age_days": ("TEIS_DISPATCH_MAX_AGE_DAYS", 30),
    "min_lon": ("TEIS_DISPATCH_MIN_LON", 73.0),
    "max_lon": ("TEIS_DISPATCH_MAX_LON", 136.0),
    "min_lat": ("TEIS_DISPATCH_MIN_LAT", 3.0),
    "max_lat": ("TEIS_DISPATCH_MAX_LAT", 54.0),
    "dwell_s": ("TEIS_DISPATCH_DWELL_S", 60),
    "moving_kmh": ("TEIS_DISPATCH_MOVING_KMH", 5),
    "unregistered_s": ("TEIS_DISPATCH_UNREGISTERED_S", 120),
    "no_fix_min": ("TEIS_DISPATCH_NO_FIX_MIN", 15),
    "offline_min": ("TEIS_DISPATCH_OFFLINE_MIN", 10),
    "signin_grace_min": ("TEIS_DISPATCH_SIGNIN_GRACE_MIN", 30),
    "stop_min_s": ("TEIS_DISPATCH_STOP_MIN_S", 180),
    "stop_radius_m": ("TEIS_DISPATCH_STOP_RADIUS_M", 80),
    "trip_min_m": ("TEIS_DISPATCH_TRIP_MIN_M", 300),
    "fix_retention_days": ("TEIS_DISPATCH_FIX_RETENTION_DAYS", 400),
}
FIELD_OF_SETTING = {env: name for name, (env, _) in THRESHOLDS.items()}


def _positive(value) -> None:
    if value is not None and value <= 0:
        raise ValidationError("应大于 0")


class DispatchSettings(SettingsRecord):
    """The thresholds of 指挥调度 (one row, `DispatchSettings.current()`); the command centre edits them on the
    page 指挥调度 → 调度阈值设置, every change audited. The first row takes the environment's values."""

    max_speed_kmh = models.FloatField("跳点速度阈值(km/h)", default=220, validators=[_positive],
                                      help_text="与上一定位点相比隐含速度超过此值视为跳点")  # fmt: skip
    jump_min_m = models.PositiveIntegerField(
        "跳点最小距离(米)", default=500, help_text="小于此距离的快速位移视为定位漂移"
    )
    future_tolerance_s = models.PositiveIntegerField("终端时钟超前容差(秒)", default=300)
    max_age_days = models.PositiveIntegerField("补传定位最长天数", default=30, validators=[_positive])
    min_lon = models.FloatField("服务区最小经度", default=73.0)
    max_lon = models.FloatField("服务区最大经度", default=136.0)
    min_lat = models.FloatField("服务区最小纬度", default=3.0)
    max_lat = models.FloatField("服务区最大纬度", default=54.0)
    dwell_s = models.PositiveIntegerField("越界确认时长(秒)", default=60, help_text="进入/驶出区域持续此时长才告警")
    moving_kmh = models.FloatField("行驶速度阈值(km/h)", default=5, validators=[_positive])
    unregistered_s = models.PositiveIntegerField("未登录行驶时长(秒)", default=120)
    no_fix_min = models.PositiveIntegerField("在岗无定位时长(分钟)", default=15, validators=[_positive])
    offline_min = models.PositiveIntegerField("离线判定时长(分钟)", default=10, validators=[_positive])
    signin_grace_min = models.PositiveIntegerField("人员未登录宽限(分钟)", default=30)
    stop_min_s = models.PositiveIntegerField("停留最短时长(秒)", default=180, validators=[_positive])
    stop_radius_m = models.PositiveIntegerField("停留半径(米)", default=80, validators=[_positive])
    trip_min_m = models.PositiveIntegerField("行程最短距离(米)", default=300)
    fix_retention_days = models.PositiveIntegerField("定位数据保留天数", default=400, validators=[_positive])
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "调度阈值设置"

    def __str__(self) -> str:
        return "调度阈值设置"

    def clean(self) -> None:
        errors = {}
        if self.min_lon is not None and self.max_lon is not None and self.min_lon >= self.max_lon:
            errors["max_lon"] = "最大经度应大于最小经度"
        if self.min_lat is not None and self.max_lat is not None and self.min_lat >= self.max_lat:
            errors["max_lat"] = "最大纬度应大于最小纬度"
        for name in ("min_lon", "max_lon"):
            value = getattr(self, name)
            if value is not None and not -180 <= value <= 180:
                errors[name] = "经度应在 -180 至 180 之间"
        for name in ("min_lat", "max_lat"):
            value = getattr(self, name)
            if value is not None and not -90 <= value <= 90:
                errors[name] = "纬度应在 -90 至 90 之间"
        if errors:
            raise ValidationError(errors)

    @classmethod
    def initial_values(cls) -> dict:
        """The environment's values (as the deployment had them before the record existed), else the defaults."""
        values = {}
        for name, (env, _default) in THRESHOLDS.items():
            raw = os.environ.get(env)
            if raw in (None, ""):
                continue
            try:
                values[name] = cls._meta.get_field(name).to_python(raw)
            except ValidationError:  # a bad variable must not stop the alarms: the default, and say so
                logger.warning("ignoring %s=%r: not a valid value for %s", env, raw, name)
        return values
