from django.db import models


class InstanceStatus(models.TextChoices):
    RUNNING = "running", "办理中"
    COMPLETED = "completed", "已办结"
    CANCELLED = "cancelled", "已终止"


class TaskStatus(models.TextChoices):
    OPEN = "open", "待认领"
    CLAIMED = "claimed", "办理中"
    SUSPENDED = "suspended", "等待加签或委派办理"
    COMPLETED = "completed", "已完成"
    CANCELLED = "cancelled", "已取消"
    WITHDRAWN = "withdrawn", "已撤回"


ACTIVE_TASK_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED, TaskStatus.SUSPENDED)


class Decision(models.TextChoices):
    APPROVE = "approve", "同意"
    RETURN = "return", "退回"
    REJECT = "reject", "不同意"


class TaskKind(models.TextChoices):
    NORMAL = "normal", "流程节点"
    BEFORE = "before", "前加签"
    AFTER = "after", "后加签"
    DELEGATE = "delegate", "委派"


class SignMode(models.TextChoices):
    NONE = "", "单人审批"
    ALL = "all", "会签"
    ANY = "any", "或签"


class UnitRelation(models.TextChoices):
    """Which unit approves, relative to the instance's unit (teis:unit)."""

    SELF = "self", "本单位"
    PARENT = "parent", "上级单位"
    BRIGADE = "brigade", "所属大队"
    DETACHMENT = "detachment", "所属支队"
    CORPS = "corps", "总队"
