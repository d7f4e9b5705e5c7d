"""Shared base models and the platform-wide records every app posts to.

- `ScopedModel`: the base of every business record; its default manager is a `ScopedQuerySet`, whose
  `for_user(user)` is the one data-scope mechanism (ARCHITECTURE.md rule 4).
- `DictionaryType` / `DictionaryItem`: typed code lists (字典).
- `HolidayNotice` / `CalendarDay`: the working-day calendar behind `core.workdays` (节假日安排).
- `TodoItem` / `Notification`: the unified todo centre (统一待办中心).
- `Sequence`: named counters behind `core.codes`.
- `JobRun` / `ExportJob`: what the operations page and progress bars show.
"""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class DataScope(models.TextChoices):
    OWN = "own", "本人"
    UNIT = "unit", "本单位"
    SUBTREE = "subtree", "本单位及下级"
    ALL = "all", "全部"


SCOPE_RANK = {DataScope.OWN: 0, DataScope.UNIT: 1, DataScope.SUBTREE: 2, DataScope.ALL: 3}


_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    """Restricts rows by the user's organisation and role.

    A model says how it relates to the organisation with two class attributes:
    `scope_unit_field` (path to its `org.Unit`, "" when the model *is* a unit, None when it has none)
    and `scope_owner_field` (path to the user who owns it, for the "own" scope).
    """

    def for_user(self, user: Any) -> Self:
        from teis.core.ports import scope_filter  # provided by teis.org, which sits above core

        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        condition = scope_filter(user, self.model)
        if condition is None:
            return self
        return self.filter(condition)


_ScopedManagerBase = models.Manager.from_queryset(ScopedQuerySet)


class ScopedManager(_ScopedManagerBase[_M]):
    pass


class ScopedModel(models.Model):
    """Base for business records: timestamps, creator and the scoped default manager."""

    scope_unit_field: str | None = "unit"
    scope_owner_field: str | None = "created_by"

    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedManager()

    class Meta:
        abstract = True


# --- dictionaries ---------------------------------------------------------------------------------


class StoredFile(models.Model):
    """A file kept in the project's storage with its SM3 digest (the shape shared by older attachment tables)."""

    file_name = models.CharField("存储文件名", max_length=300)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sm3 = models.CharField("SM3 摘要", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name


class DictionaryType(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    code = models.SlugField("类型编码", max_length=64, unique=True)
    name = models.CharField("类型名称", max_length=100)
    description = models.CharField("说明", max_length=300, blank=True)
    is_system = models.BooleanField("系统内置", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "字典类型"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DictionaryItem(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    dict_type = models.ForeignKey(
        DictionaryType, verbose_name="字典类型", on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField("编码", max_length=64)
    label = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "字典项"
        ordering = ["dict_type__code", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["dict_type", "code"], name="uniq_dict_item_code")]

    def __str__(self) -> str:
        return self.label


# --- working-day calendar -------------------------------------------------------------------------


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


class HolidayNotice(ScopedModel):
    """That the State Council's holiday arrangement of one year is entered (国务院办公厅关于某年部分节假日安排的
    通知). For a year with a notice the calendar days are the whole truth; for a year without one `core.workdays`
    computes the statutory holidays and has no 调休 swaps, and deadlines reaching into it are marked."""

    scope_unit_field = None
    scope_owner_field = None

    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("通知名称", max_length=200)
    document_number = models.CharField("文号", max_length=60, blank=True)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "放假通知"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年：{self.title}"


class CalendarDay(ScopedModel):
    """One day that differs from the Monday–Friday rule: a holiday (weekends inside a holiday period too) or a
    weekend day worked under the 调休 arrangement."""

    scope_unit_field = None
    scope_owner_field = None

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField("节日", max_length=60, blank=True, help_text="如：春节、国庆节")
    source = models.CharField("依据", max_length=200, blank=True, help_text="通知文号或数据来源")

    class Meta:
        verbose_name = verbose_name_plural = "节假日安排"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}{f'（{self.name}）' if self.name else ''}"


# --- unified todo and notifications ---------------------------------------------------------------


class TodoStatus(models.TextChoices):
    OPEN = "open", "待办"
    DONE = "done", "已办"
    CANCELLED = "cancelled", "已取消"


class TodoItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", on_delete=models.CASCADE, related_name="todos"
    )
    title = models.CharField("事项", max_length=200)
    category = models.CharField("来源", max_length=50, help_text="案件、勤务、投诉…")
    url = models.CharField("链接", max_length=500, blank=True)
    source_key = models.CharField("来源标识", max_length=100, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=TodoStatus.choices, default=TodoStatus.OPEN)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "待办事项"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    class Level(models.TextChoices):
        INFO = "info", "通知"
        WARNING = "warning", "提醒"
        ALARM = "alarm", "告警"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices, default=Level.INFO)
    url = models.CharField("链接", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


# --- codes ----------------------------------------------------------------------------------------


class Sequence(models.Model):
    """A named counter; `core.codes.next_value` increments it under a row lock."""

    name = models.CharField("序列名", max_length=120, unique=True)
    value = models.BigIntegerField("当前值", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号序列"

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


# --- jobs -----------------------------------------------------------------------------------------


class JobRun(models.Model):
    """One run of a periodic or queued job, for the operations page."""

    name = models.CharField("任务", max_length=150, db_index=True)
    started_at = models.DateTimeField("开始", default=timezone.now)
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    ok = models.BooleanField("成功", null=True)
    result = models.TextField("结果", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务运行记录"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "-started_at"])]


class ExportJob(models.Model):
    """A large Excel export running as a job; the page polls its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "导出中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    model_label = models.CharField(max_length=100)
    query = models.TextField(blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(self.done * 100 / self.total) if self.total else 0


# --- outbox to superior platforms ----------------------------------------------------------------------


class OutboxMessage(models.Model):
    """A change to be sent to a superior platform (city unified platform, Ministry system).

    Written in the same transaction as the change it reports; the exchange module sends and marks it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    target = models.CharField("目标平台", max_length=30, db_index=True, help_text="city_platform / ministry_system")
    topic = models.CharField("数据类型", max_length=60, db_index=True)
    operation = models.CharField("操作", max_length=10, help_text="create / update / cancel")
    object_key = models.CharField("对象标识", max_length=100)
    payload = models.JSONField("报文")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "上报队列"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.target}:{self.topic}:{self.operation}:{self.object_key}"
