"""非法客运 records and the 黑名单 (spec §2.1.1.5): registered, reviewed, removed with a reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.fields import EncryptedCharField
from teis.core.models import ScopedModel

from ..choices import BlacklistKind, BlacklistStatus
from .case import EnforcementCase


class IllegalTransportRecord(ScopedModel):
    """非法客运记录: a vehicle caught carrying passengers without a licence (黑车), with its driver."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    unit = models.ForeignKey("org.Unit", verbose_name="查处单位", on_delete=models.PROTECT, related_name="+")
    plate = models.CharField("车牌号", max_length=10, db_index=True)
    driver_name = models.CharField("驾驶人", max_length=50, blank=True)
    driver_id_number = EncryptedCharField("驾驶人身份证号", index_field="driver_id_number_index", max_plain_length=18)
    driver_id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    occurred_at = models.DateTimeField("查处时间", default=timezone.now)
    place = models.CharField("地点", max_length=200, blank=True)
    passengers = models.PositiveSmallIntegerField("载客人数", default=0)
    description = models.TextField("情况描述", blank=True)
    case = models.ForeignKey(
        EnforcementCase, verbose_name="案件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "非法客运记录"
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.plate} {timezone.localtime(self.occurred_at):%Y-%m-%d}"


class BlacklistEntry(ScopedModel):
    """黑名单: a person, vehicle or operator; registered (待审核), reviewed (已列入 / 不予列入), removed with a
    reason (已移出). Personal data encrypted (SM4) with a blind index for the 执法对象预查询."""

    scope_unit_field = "unit"
    scope_owner_field = None

    kind = models.CharField("类别", max_length=10, choices=BlacklistKind.choices)
    name = models.CharField("姓名/名称", max_length=200)
    id_number = EncryptedCharField("身份证号", index_field="id_number_index", max_plain_length=18)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    plate = models.CharField("车牌号", max_length=10, blank=True, db_index=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    reason = models.TextField("列入理由")
    unit = models.ForeignKey("org.Unit", verbose_name="登记单位", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=10, choices=BlacklistStatus.choices, default=BlacklistStatus.PENDING, db_index=True
    )
    source_case = models.ForeignKey(
        EnforcementCase, verbose_name="来源案件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_record = models.ForeignKey(
        IllegalTransportRecord,
        verbose_name="来源非法客运记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="blacklist_entries",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="移出人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    removed_at = models.DateTimeField("移出时间", null=True, blank=True)
    removal_reason = models.CharField("移出理由", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "黑名单"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.name}"
