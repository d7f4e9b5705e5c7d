"""行业查询: crews, ports, water traffic accidents and emergency information (vessels are `Vessel`)."""

from __future__ import annotations

from django.db import models

from teis.core.fields import EncryptedCharField
from teis.core.models import ScopedModel

from ..choices import AccidentLevel, EmergencyInfoKind


class CrewMember(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    name = models.CharField("姓名", max_length=50, db_index=True)
    id_number = EncryptedCharField("身份证号", index_field="id_number_index", max_plain_length=18)
    id_number_index = models.CharField("身份证号索引", max_length=64, blank=True, editable=False, db_index=True)
    certificate_number = models.CharField("船员证书号", max_length=40, blank=True, db_index=True)
    position = models.CharField("职务", max_length=30, blank=True)
    certificate_valid_until = models.DateField("证书有效期至", null=True, blank=True)
    vessel = models.ForeignKey(
        "maritime.Vessel",
        verbose_name="所在船舶",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="crew",
    )

    class Meta:
        verbose_name = verbose_name_plural = "船员信息"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Port(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    name = models.CharField("港口/码头名称", max_length=60, db_index=True)
    code = models.CharField("编码", max_length=20, blank=True)
    operator = models.CharField("经营人", max_length=100, blank=True)
    berths = models.PositiveSmallIntegerField("泊位数", default=0)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    dangerous_goods_allowed = models.BooleanField("可作业危险品", default=False)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "港口信息"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WaterAccident(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    title = models.CharField("事故名称", max_length=100)
    occurred_at = models.DateTimeField("发生时间", db_index=True)
    place = models.CharField("地点", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    level = models.CharField("事故等级", max_length=20, choices=AccidentLevel.choices, default=AccidentLevel.MINOR)
    vessels = models.ManyToManyField("maritime.Vessel", verbose_name="涉事船舶", blank=True, related_name="accidents")
    casualties = models.PositiveSmallIntegerField("伤亡人数", default=0)
    description = models.TextField("经过", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "水上交通事故"
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return self.title


class EmergencyInfo(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    kind = models.CharField("类别", max_length=20, choices=EmergencyInfoKind.choices)
    title = models.CharField("标题", max_length=100)
    level = models.CharField("级别", max_length=20, blank=True, help_text="如 蓝色/黄色/橙色/红色")
    valid_from = models.DateTimeField("生效时间", null=True, blank=True)
    valid_until = models.DateTimeField("失效时间", null=True, blank=True)
    place = models.CharField("地点/区域", max_length=200, blank=True)
    contact = models.CharField("联系方式", max_length=50, blank=True)
    content = models.TextField("内容", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "应急综合信息"
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.title
