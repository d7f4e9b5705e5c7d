"""Workflow engine records: versioned BPMN definitions, running instances (the engine's serialised state plus
denormalised columns for lists), one `WorkTask` row per human task offered (the history), and substitutes."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from .choices import Decision, InstanceStatus, SignMode, TaskKind, TaskStatus


class ProcessDefinition(ScopedModel):
    """One version of a BPMN process. Reference data: visible to every officer."""

    scope_unit_field = None
    scope_owner_field = None

    key = models.SlugField("流程标识", max_length=100, help_text="BPMN process id")
    name = models.CharField("流程名称", max_length=200)
    version = models.PositiveIntegerField("版本")
    bpmn_xml = models.TextField("BPMN 定义")
    checksum = models.CharField("摘要", max_length=64, editable=False)
    is_current = models.BooleanField("当前版本", default=True, db_index=True)
    auto_skip = models.BooleanField("同一审批人连续审批时自动跳过", default=True)
    source = models.CharField("来源", max_length=300, blank=True, help_text="文件路径或“流程设计器”")

    class Meta:
        verbose_name = verbose_name_plural = "流程定义"
        ordering = ["key", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="uniq_process_definition_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ProcessInstance(ScopedModel):
    """A running (or finished) process. `state` is the engine's own JSON serialisation; the columns after it
    are kept in step by the services so that lists never deserialise workflows."""

    scope_unit_field = "unit"
    scope_owner_field = "started_by"

    definition = models.ForeignKey(
        ProcessDefinition, verbose_name="流程定义", on_delete=models.PROTECT, related_name="instances"
    )
    subject_type = models.ForeignKey(
        ContentType, verbose_name="业务对象类型", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.CharField("业务对象标识", max_length=64, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_label = models.CharField("办理事项", max_length=200)
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    state = models.TextField("流程状态", editable=False)
    current_step = models.CharField("当前节点", max_length=200, blank=True)
    current_step_name = models.CharField("当前节点名称", max_length=200, blank=True)
    assignee_role = models.CharField("处理角色", max_length=50, blank=True, db_index=True)
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee_unit = models.ForeignKey(
        "org.Unit", verbose_name="处理单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField("办理期限", null=True, blank=True, db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING, db_index=True
    )
    outcome = models.CharField("办理结果", max_length=10, choices=Decision.choices, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField("发起时间", default=timezone.now, db_index=True)
    ended_at = models.DateTimeField("办结时间", null=True, blank=True)
    lock_version = models.PositiveIntegerField("版本号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "流程实例"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.definition.name if self.definition_id else ''}：{self.subject_label}"


class WorkTask(ScopedModel):
    """One human task offered to a role / user; completed rows are the step history."""

    scope_unit_field = "instance__unit"
    scope_owner_field = "assignee"

    instance = models.ForeignKey(
        ProcessInstance, verbose_name="流程实例", on_delete=models.CASCADE, related_name="tasks"
    )
    spiff_task_id = models.CharField("引擎任务标识", max_length=36, db_index=True)
    spec_name = models.CharField("节点标识", max_length=200)
    name = models.CharField("节点名称", max_length=200)
    role = models.CharField("处理角色", max_length=50, blank=True, db_index=True)
    candidate_unit = models.ForeignKey(
        "org.Unit", verbose_name="处理单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="实际办理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="代理人代为办理时与处理人不同",
    )
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN, db_index=True)
    kind = models.CharField("类型", max_length=10, choices=TaskKind.choices, default=TaskKind.NORMAL)
    decision = models.CharField("审批结论", max_length=10, choices=Decision.choices, blank=True)
    opinion = models.TextField("审批意见", blank=True)
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True, db_index=True)
    duration_seconds = models.PositiveIntegerField("办理用时（秒）", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    group_id = models.CharField("会签组", max_length=36, blank=True, db_index=True)
    sign_mode = models.CharField("多人审批方式", max_length=5, choices=SignMode.choices, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="加签人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    parent_task = models.ForeignKey(
        "self", verbose_name="原任务", null=True, blank=True, on_delete=models.CASCADE, related_name="added_tasks"
    )
    delegated_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="转办自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    auto_skipped = models.BooleanField("自动跳过", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "流程任务"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "role", "candidate_unit"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["completed_by", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.instance.subject_label}）"

    @property
    def is_active(self) -> bool:
        return self.status in (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.SUSPENDED)

    @property
    def overdue(self) -> bool:
        return bool(self.due_at and self.is_active and self.due_at < timezone.now())


class Substitute(ScopedModel):
    """代理人: during [start, end] `substitute` sees and may act on `user`'s tasks."""

    scope_unit_field = None
    scope_owner_field = "user"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="被代理人", on_delete=models.CASCADE, related_name="+"
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="代理人", on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    active = models.BooleanField("启用", default=True)
    reason = models.CharField("事由", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "代理人设置"
        ordering = ["-start"]
        indexes = [models.Index(fields=["substitute", "active", "start", "end"])]

    def __str__(self) -> str:
        return f"{self.substitute} 代理 {self.user}"
