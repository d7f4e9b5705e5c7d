"""Positions: every fix (`FixRecord`, built for tens of millions of rows) and the latest fix per vehicle."""

from __future__ import annotations

from django.db import models

from teis.core.models import ScopedManager
from teis.core.timetext import SECOND, local_text

from ..choices import FixFlag, FixSource


class FixRecord(models.Model):
    """One stored GPS fix (定位). Telemetry: not audited row by row, purged after the retention period.

    The (vehicle, time) unique index serves track queries and drops resent duplicates (batch uploads
    after a reconnect). On PostgreSQL the table can be range-partitioned by `time` (docs/dispatch.md)."""

    scope_unit_field = "vehicle__unit"
    scope_owner_field = None

    id = models.BigAutoField(primary_key=True)
    vehicle = models.ForeignKey(
        "dispatch.PatrolVehicle", verbose_name="车辆", on_delete=models.CASCADE, related_name="fixes"
    )
    time = models.DateTimeField("定位时间")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    speed_kmh = models.FloatField("速度(km/h)", default=0)
    heading = models.SmallIntegerField("方向", default=0)
    altitude_m = models.IntegerField("高程(m)", default=0)
    alarm_bits = models.BigIntegerField("报警标志", default=0)
    status_bits = models.BigIntegerField("状态", default=0)
    mileage_km = models.FloatField("里程(km)", null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=FixSource.choices, default=FixSource.JT808)
    received_at = models.DateTimeField("接收时间")
    # why the fix does not count as a position (late 盲区补报 beyond the age limit, outside the service region,
    # no GNSS fix …): stored so that nothing acknowledged is lost, kept out of alarms, the live map and tracks
    flag = models.CharField("标记", max_length=16, choices=FixFlag.choices, blank=True, default="", db_default="")

    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = "定位记录"
        ordering = ["vehicle", "time"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "time"], name="dispatch_fix_vehicle_time")]
        indexes = [models.Index(fields=["time"], name="dispatch_fix_time")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{local_text(self.time, SECOND)}"


class LatestFix(models.Model):
    """The latest fix per vehicle (the live map's cache, shared by every process through the database).

    `seq` is the live cursor: every ingest batch takes one number and stamps the rows it changed, so the
    live page asks for `?since=<seq>` and gets only what moved."""

    scope_unit_field = "vehicle__unit"
    scope_owner_field = None

    vehicle = models.OneToOneField(
        "dispatch.PatrolVehicle", verbose_name="车辆", primary_key=True, on_delete=models.CASCADE, related_name="latest"
    )
    time = models.DateTimeField("定位时间")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    speed_kmh = models.FloatField("速度(km/h)", default=0)
    heading = models.SmallIntegerField("方向", default=0)
    status_bits = models.BigIntegerField("状态", default=0)
    alarm_bits = models.BigIntegerField("报警标志", default=0)
    mileage_km = models.FloatField("里程(km)", null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=FixSource.choices, default=FixSource.JT808)
    moving_since = models.DateTimeField("开始行驶", null=True, blank=True)
    seq = models.BigIntegerField("变更序号", default=0, db_index=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = "最新位置"

    def __str__(self) -> str:
        return f"{self.vehicle_id}@{local_text(self.time, SECOND)}"


class ZoneState(models.Model):
    """Debounce state of one vehicle against one zone ("area" = its unit's patrol area, "fence:<id>" =
    a restricted fence): the confirmed inside/outside, a pending change since a fix time, and the time
    of the last fix evaluated (older fixes are stored but never evaluated, so they raise nothing)."""

    vehicle = models.ForeignKey("dispatch.PatrolVehicle", on_delete=models.CASCADE, related_name="+")
    zone = models.CharField(max_length=40)
    inside = models.BooleanField(null=True)
    pending_inside = models.BooleanField(null=True)
    pending_since = models.DateTimeField(null=True)
    pending_lon = models.FloatField(null=True)
    pending_lat = models.FloatField(null=True)
    last_time = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vehicle", "zone"], name="dispatch_zone_state_uniq")]


class DailyMileage(models.Model):
    """里程时间统计 per vehicle and day, computed from the day's track with jitter filtered (stops add no
    distance) by the nightly job or on demand; statistics read this table, never the raw fixes."""

    scope_unit_field = "vehicle__unit"
    scope_owner_field = None

    vehicle = models.ForeignKey(
        "dispatch.PatrolVehicle", verbose_name="车辆", on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField("日期")
    distance_km = models.FloatField("里程(km)", default=0)
    moving_s = models.PositiveIntegerField("行驶时长(秒)", default=0)
    stopped_s = models.PositiveIntegerField("停留时长(秒)", default=0)
    max_speed = models.FloatField("最高速度", default=0)
    points = models.PositiveIntegerField("定位点数", default=0)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = "车辆日里程"
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["vehicle", "date"], name="dispatch_mileage_uniq")]
