"""Waters the corps watches: key areas, water-source protection zones, berths and anchorages (one `WaterArea`
model with a `kind`), cross-sections (断面) and their crossings, and which vessels are inside an area now."""

from __future__ import annotations

from django.db import models

from teis.core.models import ScopedModel

from ..choices import AreaKind, CrossingDirection, ShipCategory


class WaterArea(ScopedModel):
    scope_unit_field = "unit"
    scope_owner_field = None

    name = models.CharField("名称", max_length=60)
    kind = models.CharField("区域类型", max_length=20, choices=AreaKind.choices, default=AreaKind.KEY_AREA)
    unit = models.ForeignKey("org.Unit", verbose_name="管辖单位", on_delete=models.PROTECT, related_name="+")
    geometry = models.JSONField("范围(GeoJSON面)", help_text='{"type": "Polygon", "coordinates": [[[经度, 纬度], …]]}')
    priority = models.PositiveSmallIntegerField("优先级", default=3, help_text="1 最高")
    visible = models.BooleanField("地图显示", default=True)
    monitored = models.BooleanField("监控水域(AIS消失告警)", default=True)
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "水域区域"
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class AreaPresence(models.Model):
    """A vessel inside an area now (kept by the pipeline: created on entry, deleted on exit)."""

    area = models.ForeignKey(WaterArea, on_delete=models.CASCADE, related_name="presences")
    vessel = models.ForeignKey("maritime.Vessel", on_delete=models.CASCADE, related_name="presences")
    entered_at = models.DateTimeField("进入时间")
    arrived_at = models.DateTimeField("靠泊/抵锚时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "区域内船舶"
        constraints = [models.UniqueConstraint(fields=["area", "vessel"], name="maritime_presence_uniq")]


class SectionLine(ScopedModel):
    """断面: a polyline; a vessel crossing it from its right to its left (seen walking from the first point to the
    last) crosses 正向 (`forward_label`, e.g. 上行), the other way 反向."""

    scope_unit_field = "unit"
    scope_owner_field = None

    name = models.CharField("断面名称", max_length=60)
    unit = models.ForeignKey("org.Unit", verbose_name="管辖单位", on_delete=models.PROTECT, related_name="+")
    coordinates = models.JSONField("折线坐标", help_text="[[经度, 纬度], [经度, 纬度], …]，至少两个点")
    forward_label = models.CharField("正向名称", max_length=20, default="上行")
    reverse_label = models.CharField("反向名称", max_length=20, default="下行")
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "监测断面"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SectionCrossing(models.Model):
    section = models.ForeignKey(SectionLine, verbose_name="断面", on_delete=models.CASCADE, related_name="crossings")
    vessel = models.ForeignKey("maritime.Vessel", verbose_name="船舶", on_delete=models.CASCADE, related_name="+")
    time = models.DateTimeField("穿越时间")
    direction = models.CharField("方向", max_length=10, choices=CrossingDirection.choices)
    category = models.CharField("船舶类别", max_length=20, choices=ShipCategory.choices, default=ShipCategory.OTHER)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    sog = models.FloatField("航速(节)", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "断面穿越记录"
        ordering = ["-time"]
        indexes = [models.Index(fields=["section", "time"], name="maritime_crossing_sec_time")]
