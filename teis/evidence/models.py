"""Data of 执法证据中心: evidence items and their links to cases, upload sessions, retention policies,
integrity checks, share links and the device registry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel
from teis.core.timetext import local_text

from .choices import (
    DeviceKind,
    DeviceStatus,
    EvidenceCategory,
    EvidenceSource,
    EvidenceStatus,
    IntegrityResult,
    ProxyStatus,
    ShareAccess,
    ShareRecipientKind,
    UploadStatus,
)


class Device(ScopedModel):
    """A registered device: body camera, collection workstation (with a hashed credential and heartbeat),
    storage server or vehicle camera set."""

    scope_unit_field = "unit"
    scope_owner_field = None

    kind = models.CharField("设备类型", max_length=20, choices=DeviceKind.choices, db_index=True)
    serial = models.CharField("设备编号", max_length=64, unique=True)
    model_name = models.CharField("型号", max_length=100, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="使用人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField("安装地点", max_length=200, blank=True)
    capacity_gb = models.PositiveIntegerField("容量（GB）", null=True, blank=True)
    used_gb = models.PositiveIntegerField("已用（GB）", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=DeviceStatus.choices, default=DeviceStatus.IN_SERVICE)
    last_sync_at = models.DateTimeField("最近同步", null=True, blank=True)
    last_heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    heartbeat_timeout_minutes = models.PositiveIntegerField("心跳超时（分钟）", default=10)
    credential_hash = models.CharField("凭据摘要", max_length=64, blank=True, editable=False)
    offline_alarmed_at = models.DateTimeField("离线告警时间", null=True, blank=True, editable=False)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "取证设备"
        ordering = ["kind", "serial"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"


class EvidenceItem(ScopedModel):
    """证据: one original file, stored write-once, with its SM3 hash taken while it streamed in."""

    scope_unit_field = "unit"
    scope_owner_field = "officer"

    title = models.CharField("证据名称", max_length=200)
    category = models.CharField("类别", max_length=10, choices=EvidenceCategory.choices, db_index=True)
    source = models.CharField("来源", max_length=20, choices=EvidenceSource.choices, default=EvidenceSource.UPLOAD)
    device = models.ForeignKey(
        Device, verbose_name="采集设备", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    device_serial = models.CharField("设备编号", max_length=64, blank=True, db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="执法人员", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField("拍摄开始", null=True, blank=True, db_index=True)
    captured_end = models.DateTimeField("拍摄结束", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    gps_points = models.JSONField("轨迹点", default=list, blank=True, help_text="[[经度, 纬度, 时间], ...]")
    description = models.TextField("说明", blank=True)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sm3 = models.CharField("SM3 摘要", max_length=64, db_index=True)
    storage_name = models.CharField("存储名", max_length=400, editable=False)
    duration_seconds = models.FloatField("时长（秒）", null=True, blank=True)
    video_codec = models.CharField("视频编码", max_length=40, blank=True)
    proxy_status = models.CharField(
        "播放副本", max_length=10, choices=ProxyStatus.choices, default=ProxyStatus.NONE, editable=False
    )
    proxy_name = models.CharField("播放副本存储名", max_length=400, blank=True, editable=False)
    poster_name = models.CharField("封面存储名", max_length=400, blank=True, editable=False)
    status = models.CharField(
        "状态", max_length=10, choices=EvidenceStatus.choices, default=EvidenceStatus.ACTIVE, db_index=True
    )
    legal_hold = models.BooleanField("诉讼保全（冻结删除）", default=False)
    legal_hold_reason = models.CharField("保全原因", max_length=300, blank=True)
    delete_after = models.DateTimeField("计划删除时间", null=True, blank=True, db_index=True, editable=False)
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True, editable=False)
    deletion_reason = models.CharField("删除原因", max_length=300, blank=True, editable=False)
    purged_at = models.DateTimeField("清除时间", null=True, blank=True, editable=False)
    last_verified_at = models.DateTimeField("最近校验", null=True, blank=True, editable=False)
    last_verify_ok = models.BooleanField("最近校验结果", null=True, editable=False)
    cases = models.ManyToManyField(
        "cases.EnforcementCase", through="CaseEvidenceLink", verbose_name="关联案件", blank=True, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "证据"
        ordering = ["-created_at", "-id"]
        permissions = [
            ("download_evidenceitem", "下载证据原件"),
            ("manage_retention", "管理证据保存期限与删除"),
            ("share_evidenceitem", "对外共享证据"),
            ("link_evidenceitem", "关联证据与案件"),
        ]
        indexes = [models.Index(fields=["unit", "-created_at"]), models.Index(fields=["officer", "-created_at"])]
        constraints = [
            # one live copy per content: duplicates are detected by hash (a purged item frees its hash)
            models.UniqueConstraint(fields=["sm3"], condition=~models.Q(status="purged"), name="uniq_evidence_sm3_live")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_playable_video(self) -> bool:
        return self.category == EvidenceCategory.VIDEO


class CaseEvidenceLink(models.Model):
    """证据与案件的关联, with a description of what the evidence shows for that case."""

    item = models.ForeignKey(EvidenceItem, verbose_name="证据", on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey(
        "cases.EnforcementCase", verbose_name="案件", on_delete=models.CASCADE, related_name="evidence_links"
    )
    description = models.CharField("证明内容", max_length=300, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="关联人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField("关联时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "证据关联"
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "case"], name="uniq_evidence_case_link")]

    def __str__(self) -> str:
        return f"{self.item} → {self.case}"


class UploadSession(models.Model):
    """A resumable chunked upload in progress; the bytes so far are in a temporary file on local disk."""

    token = models.CharField("会话标识", max_length=40, unique=True)
    filename = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField("声明大小")
    declared_sm3 = models.CharField("声明 SM3", max_length=64, blank=True)
    content_type = models.CharField("声明类型", max_length=100, blank=True)
    received = models.PositiveBigIntegerField("已接收字节", default=0)
    temp_path = models.CharField("临时文件", max_length=500)
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    station = models.ForeignKey(
        Device, verbose_name="采集工作站", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    metadata = models.JSONField("元数据", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=UploadStatus.choices, default=UploadStatus.OPEN)
    error = models.CharField("错误", max_length=300, blank=True)
    item = models.ForeignKey(EvidenceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("开始时间", default=timezone.now)
    updated_at = models.DateTimeField("最近活动", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "上传会话"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class RetentionPolicy(ScopedModel):
    """文件自动删除规则 for a category and/or a source (blank = any). Where several match, the longest wins."""

    scope_unit_field = None
    scope_owner_field = None

    name = models.CharField("规则名称", max_length=100)
    category = models.CharField("证据类别", max_length=10, choices=EvidenceCategory.choices, blank=True)
    source = models.CharField("来源", max_length=20, choices=EvidenceSource.choices, blank=True)
    unlinked_days = models.PositiveIntegerField("未关联案件保存天数", default=90)
    linked_years_after_archive = models.PositiveIntegerField("案件归档后保存年数", default=5)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "证据保存规则"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IntegrityCheck(models.Model):
    """One re-hash of a stored original against its ingest hash."""

    item = models.ForeignKey(EvidenceItem, verbose_name="证据", on_delete=models.CASCADE, related_name="checks")
    at = models.DateTimeField("校验时间", default=timezone.now, db_index=True)
    result = models.CharField("结果", max_length=10, choices=IntegrityResult.choices)
    sm3 = models.CharField("重算 SM3", max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "完整性校验"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.item} {self.get_result_display()}"


class ShareLink(ScopedModel):
    """对外共享: a time-limited link for a court, prosecutor or party; the token is stored hashed."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    recipient = models.CharField("接收方", max_length=100)
    recipient_kind = models.CharField("接收方类型", max_length=12, choices=ShareRecipientKind.choices)
    purpose = models.CharField("用途", max_length=200, blank=True)
    access = models.CharField("访问权限", max_length=10, choices=ShareAccess.choices, default=ShareAccess.VIEW)
    expires_at = models.DateTimeField("有效期至")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    unit = models.ForeignKey("org.Unit", verbose_name="共享单位", on_delete=models.PROTECT, related_name="+")
    items = models.ManyToManyField(EvidenceItem, verbose_name="共享证据", related_name="shares")
    access_count = models.PositiveIntegerField("访问次数", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "证据共享"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.recipient}（{local_text(self.expires_at, '%Y-%m-%d')}）"

    def is_valid(self, now=None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at
