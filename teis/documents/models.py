"""执法文书: the catalogue of document types, their versioned templates, the issued documents, the issuing units'
electronic seals and the electronic case files (电子卷宗).

A document is immutable once issued: its PDF bytes, SM3 digest and SM2 signature are kept; a reprint is a
copy marked 副本, a cancellation (作废) keeps the original and only changes the status (with approval).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from .choices import CaseFileStatus, DocumentCategory, DocumentStatus


class DocumentType(ScopedModel):
    """One format of the catalogue (交通运输行政执法文书式样 and the corps' own forms)."""

    scope_unit_field = None
    scope_owner_field = None

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("文书名称", max_length=60, unique=True)
    category = models.CharField("类别", max_length=12, choices=DocumentCategory.choices)
    abbr = models.CharField("文号简称", max_length=8, help_text="文号中的文书简称，如“罚决”")
    steps = models.JSONField("签发环节", default=list, blank=True, help_text="流程环节标识（BPMN 任务 id）")
    aliases = models.JSONField("环节要求中的别名", default=list, blank=True)
    required_facts = models.JSONField("必备案件信息", default=list, blank=True)
    copies = models.PositiveSmallIntegerField("联数", default=1)
    copy_labels = models.JSONField("各联名称", default=list, blank=True)
    order = models.PositiveSmallIntegerField("卷内顺序", default=100)
    official = models.BooleanField("部颁式样", default=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书种类"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class DocumentTemplate(ScopedModel):
    """A version of a type's HTML template. Editing saves a new version; issued documents keep theirs."""

    scope_unit_field = None
    scope_owner_field = None

    doc_type = models.ForeignKey(
        DocumentType, verbose_name="文书种类", on_delete=models.PROTECT, related_name="templates"
    )
    version = models.PositiveIntegerField("版本")
    source = models.TextField("模板（HTML）")
    note = models.CharField("修改说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "文书模板"
        ordering = ["doc_type__order", "-version"]
        constraints = [models.UniqueConstraint(fields=["doc_type", "version"], name="uniq_document_template_version")]

    def __str__(self) -> str:
        return f"{self.doc_type.name} v{self.version}"


class UnitSeal(ScopedModel):
    """电子印章 of an issuing unit: the seal image and an SM2 key pair. The private key is stored SM4-encrypted
    (`core.crypto.sm4_encrypt`) and used only by `services.seals`."""

    scope_unit_field = "unit"
    scope_owner_field = None

    unit = models.OneToOneField("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("印章名称", max_length=100)
    public_key = models.CharField("SM2 公钥（十六进制）", max_length=130)
    private_key = models.TextField("SM2 私钥（SM4 加密）", editable=False)
    image_svg = models.TextField("印章图像（SVG）", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "电子印章"
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return self.name


class Document(ScopedModel):
    """An issued document: the PDF as signed, its SM3 digest and the SM2 signature of that digest."""

    scope_unit_field = "unit"
    scope_owner_field = "issued_by"

    case = models.ForeignKey("cases.EnforcementCase", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="签发单位", on_delete=models.PROTECT, related_name="+")
    doc_type = models.ForeignKey(DocumentType, verbose_name="文书种类", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(DocumentTemplate, verbose_name="模板版本", on_delete=models.PROTECT, related_name="+")
    number = models.CharField("文号", max_length=60, unique=True)
    paper_number = models.CharField(
        "纸质文书编号", max_length=40, blank=True, help_text="套打在编号空白文书上时，所用的纸张编号（随签发核销）"
    )
    step = models.CharField("签发环节", max_length=60, blank=True)
    status = models.CharField("状态", max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.ISSUED)
    facts = models.JSONField("文书内容（签发时的案件信息）", default=dict, editable=False)
    file_name = models.CharField("存储文件", max_length=300, editable=False)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    pages = models.PositiveSmallIntegerField("页数", default=1)
    sm3 = models.CharField("SM3 摘要", max_length=64, editable=False)
    signature = models.TextField("SM2 签名（DER，十六进制）", editable=False)
    seal = models.ForeignKey(UnitSeal, verbose_name="电子印章", on_delete=models.PROTECT, related_name="+")
    verify_code = models.CharField("验证码", max_length=20, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签发人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("签发时间", default=timezone.now)
    cancel_reason = models.CharField("作废理由", max_length=300, blank=True)
    cancel_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请作废人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作废审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("作废审批时间", null=True, blank=True)
    reprints = models.PositiveIntegerField("副本打印次数", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "执法文书"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["case", "doc_type"])]
        permissions = [
            ("issue_document", "签发执法文书"),
            ("approve_cancel_document", "审批文书作废"),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type.name} {self.number}"


class CaseFile(ScopedModel):
    """电子卷宗: the whole case file in one PDF (cover, 卷内目录, documents, evidence list, 案卷页码), signed."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    case = models.ForeignKey("cases.EnforcementCase", verbose_name="案件", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=CaseFileStatus.choices, default=CaseFileStatus.PENDING)
    total = models.PositiveIntegerField("总步骤", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    file_name = models.CharField("存储文件", max_length=300, blank=True, editable=False)
    pages = models.PositiveIntegerField("页数", default=0)
    sm3 = models.CharField("SM3 摘要", max_length=64, blank=True, editable=False)
    signature = models.TextField("SM2 签名", blank=True, editable=False)
    seal = models.ForeignKey(
        UnitSeal, verbose_name="电子印章", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField("错误", blank=True)
    built_at = models.DateTimeField("生成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "电子卷宗"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case} 电子卷宗"

    @property
    def percent(self) -> int:
        if self.status == CaseFileStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
