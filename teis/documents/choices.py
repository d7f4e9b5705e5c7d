"""Choices of the documents app (Chinese labels)."""

from django.db import models


class DocumentStatus(models.TextChoices):
    ISSUED = "issued", "已签发"
    CANCEL_PENDING = "cancel_pending", "作废待审批"
    CANCELLED = "cancelled", "已作废"


class DocumentCategory(models.TextChoices):
    FILING = "filing", "立案与调查"
    RECORD = "record", "笔录"
    EVIDENCE = "evidence", "证据"
    COERCIVE = "coercive", "行政强制"
    DECISION = "decision", "告知与决定"
    SERVICE = "service", "送达"
    EXECUTION = "execution", "执行"
    CLOSING = "closing", "结案与归档"
    INTERNAL = "internal", "内部审批"


class CaseFileStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
