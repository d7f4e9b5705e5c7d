"""Stock of numbered blank documents and receipts (文书 and 票据): kinds, print requests (印制审批 → 入库),
holdings (who holds which numbers, every move kept), requests down the organisation (申领 / 派发), uses
(核销 on use, 作废, manual write-off with approval). A number is used once: `StockUse` is unique per kind and
number (database constraint)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel

from ..choices import ApprovalStatus, RangeStatus, StockCategory, UseStatus, WriteOffReason


class StockKind(ScopedModel):
    """A kind of numbered stock: a blank document type or a receipt type, with its number format."""

    scope_unit_field = None
    scope_owner_field = None

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    category = models.CharField("类别", max_length=10, choices=StockCategory.choices)
    prefix = models.CharField("号码前缀", max_length=20, blank=True, help_text="如 沪罚票 或 2026-")
    digits = models.PositiveSmallIntegerField("号码位数", default=8)
    low_threshold = models.PositiveIntegerField("库存预警下限（每单位）", default=50)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "票证种类"
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    def parse(self, text: str) -> int | None:
        """The number of a printed number text (with or without the prefix); None when it is not one."""
        text = (text or "").strip()
        if self.prefix and text.startswith(self.prefix):
            text = text[len(self.prefix) :]
        if not text.isdigit() or len(text) > self.digits:
            return None
        return int(text)


class _Decided(ScopedModel):
    status = models.CharField(
        "状态", max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        abstract = True


class PrintRequest(_Decided):
    """印制审批: a print order of `quantity` numbers from `start_number`, approved, then received (入库)."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    kind = models.ForeignKey(StockKind, verbose_name="票证种类", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="入库单位", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField("印制数量")
    start_number = models.PositiveBigIntegerField("起始号码（数字部分）")
    reason = models.CharField("印制理由", max_length=300)
    received_at = models.DateTimeField("入库时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "印制审批"
        ordering = ["-created_at"]
        permissions = [("approve_printrequest", "审批票证印制"), ("receive_printrequest", "票证入库")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number_range}"

    @property
    def end_number(self) -> int:
        return self.start_number + self.quantity - 1

    @property
    def number_range(self) -> str:
        return f"{self.kind.format(self.start_number)}–{self.kind.format(self.end_number)}"


class StockRange(ScopedModel):
    """Numbers `start`..`end` of one kind held by a unit's store (`holder` empty) or by one officer. A move splits
    a range: the old row becomes SPLIT and the parts are new rows pointing to it, so every holding is kept."""

    scope_unit_field = "unit"
    scope_owner_field = "holder"

    kind = models.ForeignKey(StockKind, verbose_name="票证种类", on_delete=models.PROTECT, related_name="ranges")
    start = models.PositiveBigIntegerField("起号")
    end = models.PositiveBigIntegerField("止号")
    unit = models.ForeignKey("org.Unit", verbose_name="持有单位", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="持有人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空：单位库存",
    )
    status = models.CharField("状态", max_length=8, choices=RangeStatus.choices, default=RangeStatus.HELD)
    parent = models.ForeignKey(
        "self", verbose_name="来源号段", null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    print_request = models.ForeignKey(
        PrintRequest, verbose_name="印制批次", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "票证号段"
        ordering = ["kind", "start"]
        indexes = [models.Index(fields=["kind", "status", "start"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="stockrange_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.kind.format(self.start)}–{self.kind.format(self.end)}"

    @property
    def size(self) -> int:
        return self.end - self.start + 1


class StockRequest(_Decided):
    """申领: a unit (or one of its officers) asks the level above for `quantity` numbers; approval issues a
    sub-range (派发) from the store of the unit that approves."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    kind = models.ForeignKey(StockKind, verbose_name="票证种类", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="申领单位", on_delete=models.PROTECT, related_name="+")
    for_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="领用人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空：领入单位库存；填写：本单位发给该人员",
    )
    quantity = models.PositiveIntegerField("申领数量")
    reason = models.CharField("申领理由", max_length=300)
    issued = models.ForeignKey(
        StockRange, verbose_name="派发号段", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "票证申领"
        ordering = ["-created_at"]
        permissions = [("approve_stockrequest", "审批票证申领并派发")]

    def __str__(self) -> str:
        who = self.for_officer.officer.name if self.for_officer_id and hasattr(self.for_officer, "officer") else ""
        return f"{self.unit} {who} 申领{self.kind} {self.quantity} 份"


class StockWriteOff(_Decided):
    """Manual 核销 of held, unused numbers (lost, damaged, returned), approved by a leader of the unit above."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    kind = models.ForeignKey(StockKind, verbose_name="票证种类", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    start = models.PositiveBigIntegerField("起号")
    end = models.PositiveBigIntegerField("止号")
    reason_kind = models.CharField("核销原因", max_length=10, choices=WriteOffReason.choices)
    reason = models.CharField("情况说明", max_length=300)

    class Meta:
        verbose_name = verbose_name_plural = "票证核销申请"
        ordering = ["-created_at"]
        permissions = [("approve_stockwriteoff", "审批票证核销")]

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.kind.format(self.start)}–{self.kind.format(self.end)} {self.get_reason_kind_display()}"
        )


class StockUse(ScopedModel):
    """One number consumed: used (a document issued, a receipt given), voided, lost, damaged or returned."""

    scope_unit_field = "unit"
    scope_owner_field = "holder"

    kind = models.ForeignKey(StockKind, verbose_name="票证种类", on_delete=models.PROTECT, related_name="uses")
    number = models.PositiveBigIntegerField("号码")
    number_text = models.CharField("票证号", max_length=40)
    status = models.CharField("状态", max_length=10, choices=UseStatus.choices, default=UseStatus.USED)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="使用人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    used_for = models.CharField("用途", max_length=200, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    write_off = models.ForeignKey(
        StockWriteOff, verbose_name="核销申请", null=True, blank=True, on_delete=models.PROTECT, related_name="uses"
    )

    class Meta:
        verbose_name = verbose_name_plural = "票证使用核销"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="stockuse_once")]

    def __str__(self) -> str:
        return f"{self.number_text} {self.get_status_display()}"
