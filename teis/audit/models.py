"""Append-only audit trail with an SM3 hash chain (tamper evidence)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedManager, ScopedQuerySet
from teis.core.timetext import SECOND, local_text

from .choices import AuditAction, AuditCategory


class AuditRecordQuerySet(ScopedQuerySet):
    """Bulk update and delete are refused; only the retention job removes rows, after archiving them,
    through `_raw_delete` (see `services.archive_old_records`)."""

    def update(self, **kwargs):
        raise PermissionError("审计记录不可修改")

    def delete(self):
        raise PermissionError("审计记录不可删除")

    delete.alters_data = True
    delete.queryset_only = True


class AuditRecord(models.Model):
    """One audited event. Never updated; deleted only by the retention job after archiving."""

    scope_unit_field = "unit"
    scope_owner_field = "actor"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    category = models.CharField("类别", max_length=10, choices=AuditCategory.choices, default=AuditCategory.DATA)
    action = models.CharField("操作", max_length=30, choices=AuditAction.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True, db_index=True)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    unit_name = models.CharField("单位", max_length=100, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField("前一记录摘要", max_length=64, blank=True)
    hash = models.CharField("摘要(SM3)", max_length=64, blank=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计记录"
        ordering = ["-id"]
        indexes = [models.Index(fields=["actor", "-at"]), models.Index(fields=["action", "-at"])]
        default_permissions = ("view",)
        permissions = [("export_auditrecord", "导出审计记录")]

    def __str__(self) -> str:
        return f"{local_text(self.at, SECOND)} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def object_type_label(self) -> str:
        """The Chinese name of the audited model ("执法人员" rather than "org.officer")."""
        from django.apps import apps

        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type

    object_type_label.short_description = "对象类型"

    def actor_label(self) -> str:
        return self.actor_name or "系统"

    actor_label.short_description = "操作人"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Integrity guard, not a business rule: an audit record is written once.
        if self.pk and not kwargs.get("force_insert"):
            raise PermissionError("审计记录不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除")


class AuditChainHead(models.Model):
    """A single row locked while a record is appended, so that the chain never forks under concurrency."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)


class AuditArchive(models.Model):
    """A file the retention job wrote before removing records from the database."""

    scope_unit_field = None
    scope_owner_field = None
    objects = ScopedManager()

    created_at = models.DateTimeField("归档时间", default=timezone.now)
    file_name = models.CharField("归档文件", max_length=300)
    first_id = models.BigIntegerField("起始记录")
    last_id = models.BigIntegerField("截止记录")
    count = models.PositiveIntegerField("记录数")
    sm3 = models.CharField("文件摘要(SM3)", max_length=64)
    last_hash = models.CharField("末条记录摘要", max_length=64)
    # "hmac-sm3" (keyed chain) or "sm3" (archives written before the chain was keyed)
    hash_scheme = models.CharField("摘要算法", max_length=10, default="hmac-sm3")

    class Meta:
        verbose_name = verbose_name_plural = "审计归档"
        ordering = ["-created_at"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"审计归档 {self.first_id}–{self.last_id}（{self.count} 条）"


class AnomalyRule(models.Model):
    """A configurable rule that raises alerts to audit administrators (智能化分析工具发现违规操作)."""

    scope_unit_field = None
    scope_owner_field = None
    objects = ScopedManager()

    class Kind(models.TextChoices):
        FAILED_LOGINS = "failed_logins", "频繁登录失败"
        OFF_HOURS = "off_hours", "非工作时间访问"
        EXPORT_VOLUME = "export_volume", "导出量超阈值"
        VIEW_BURST = "view_burst", "短时大量查看"

    kind = models.CharField("规则类型", max_length=20, choices=Kind.choices, unique=True)
    enabled = models.BooleanField("启用", default=True)
    threshold = models.PositiveIntegerField("阈值", default=10)
    window_minutes = models.PositiveIntegerField("统计窗口（分钟）", default=10)
    start_hour = models.PositiveSmallIntegerField("工作时间开始（时）", default=7)
    end_hour = models.PositiveSmallIntegerField("工作时间结束（时）", default=21)

    class Meta:
        verbose_name = verbose_name_plural = "异常规则"
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.get_kind_display()


class AuditAlert(models.Model):
    scope_unit_field = None
    scope_owner_field = None
    objects = ScopedManager()
    rule = models.ForeignKey(AnomalyRule, verbose_name="规则", on_delete=models.CASCADE, related_name="alerts")
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    subject = models.CharField("对象", max_length=150, help_text="账号或 IP")
    message = models.CharField("说明", max_length=300)
    acknowledged = models.BooleanField("已处理", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "异常告警"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"
