"""罚没款: the receivable a decided fine creates, its instalments, the payments against it (offline with a paper
receipt, online through the city's non-tax payment platform), the platform's orders and notifications, the daily
statements and their discrepancies, 集中汇缴 and 电子票据."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel

from ..choices import (
    DiscrepancyKind,
    DiscrepancyStatus,
    EReceiptStatus,
    InstalmentStatus,
    NoticeOutcome,
    OrderStatus,
    PaymentChannel,
    ReceivableStatus,
    RemittanceStatus,
    Resolution,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


class Receivable(ScopedModel):
    """应收罚没款 of one case: principal, due date, 加处罚款 (computed daily), what was paid."""

    scope_unit_field = "unit"
    scope_owner_field = "handler"

    case = models.OneToOneField(
        "cases.EnforcementCase", verbose_name="案件", on_delete=models.PROTECT, related_name="receivable"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主办人", on_delete=models.PROTECT, related_name="+"
    )
    payer = models.CharField("缴款人", max_length=200, blank=True)
    principal = models.DecimalField("罚没款金额（元）", **MONEY)
    due_date = models.DateField("缴款期限")
    late_fee = models.DecimalField("加处罚款（元）", default=0, **MONEY)
    late_fee_on = models.DateField("加处罚款计算日", null=True, blank=True)
    paid_amount = models.DecimalField("已缴金额（元）", default=0, **MONEY)
    status = models.CharField(
        "状态", max_length=8, choices=ReceivableStatus.choices, default=ReceivableStatus.UNPAID, db_index=True
    )
    payment_code = models.CharField("缴款码", max_length=20, unique=True)
    schedule_request = models.ForeignKey(
        "cases.CaseRequest",
        verbose_name="所依据的延期/分期申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField("缴清时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "应收罚没款"
        ordering = ["-created_at"]
        permissions = [
            ("record_payment", "登记现场缴款（收款员）"),
            ("handle_receivable", "办理罚没款（生成缴款码、执行延期分期、查询与推送订单）"),
        ]

    def __str__(self) -> str:
        return f"缴款码 {self.payment_code}（{self.principal} 元）"

    @property
    def total_due(self):
        return self.principal + self.late_fee

    @property
    def outstanding(self):
        return max(self.principal + self.late_fee - self.paid_amount, 0)


class Instalment(models.Model):
    """One 分期 (or the single payment, or the deferred one) of a receivable."""

    receivable = models.ForeignKey(
        Receivable, verbose_name="应收款", on_delete=models.CASCADE, related_name="instalments"
    )
    seq = models.PositiveSmallIntegerField("期次")
    amount = models.DecimalField("本期金额（元）", **MONEY)
    due_date = models.DateField("本期期限")
    paid_amount = models.DecimalField("本期已缴（元）", default=0, **MONEY)
    paid_on = models.DateField("缴清日期", null=True, blank=True)
    late_fee = models.DecimalField("本期加处罚款（元）", default=0, **MONEY)
    status = models.CharField("状态", max_length=8, choices=InstalmentStatus.choices, default=InstalmentStatus.PENDING)

    class Meta:
        verbose_name = verbose_name_plural = "缴款分期"
        ordering = ["receivable", "seq"]
        constraints = [models.UniqueConstraint(fields=["receivable", "seq"], name="instalment_seq_once")]

    def __str__(self) -> str:
        return f"第 {self.seq} 期 {self.amount} 元"


class PaymentOrder(ScopedModel):
    """A payment order on the non-tax payment platform (缴款码). Pushed by a job, retried with backoff while the
    platform is unreachable; the officer sees its state."""

    scope_unit_field = "unit"
    scope_owner_field = "receivable__handler"

    receivable = models.ForeignKey(Receivable, verbose_name="应收款", on_delete=models.PROTECT, related_name="orders")
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    order_no = models.CharField("订单号", max_length=32, unique=True)
    amount = models.DecimalField("金额（元）", **MONEY)
    status = models.CharField("状态", max_length=8, choices=OrderStatus.choices, default=OrderStatus.PUSHING)
    platform_code = models.CharField("平台缴款码", max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField("推送次数", default=0)
    next_attempt_at = models.DateTimeField("下次推送时间", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    paid_at = models.DateTimeField("缴款时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "缴款订单"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.order_no


class Payment(ScopedModel):
    """A payment against a receivable. `txn_id` (the platform's transaction) is unique: a notification processed
    twice records one payment; `receipt_number` is the paper receipt used (its number is written off)."""

    scope_unit_field = "unit"
    scope_owner_field = "receivable__handler"

    receivable = models.ForeignKey(Receivable, verbose_name="应收款", on_delete=models.PROTECT, related_name="payments")
    unit = models.ForeignKey("org.Unit", verbose_name="收款单位", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("缴款方式", max_length=8, choices=PaymentChannel.choices)
    amount = models.DecimalField("金额（元）", **MONEY)
    paid_at = models.DateTimeField("缴款时间", db_index=True)
    receipt_number = models.CharField("纸质票据号", max_length=40, blank=True)
    order = models.ForeignKey(
        PaymentOrder, verbose_name="缴款订单", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    txn_id = models.CharField("平台流水号", max_length=40, null=True, blank=True, unique=True)
    remittance = models.ForeignKey(
        "Remittance", verbose_name="集中汇缴", null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )

    class Meta:
        verbose_name = verbose_name_plural = "缴款记录"
        ordering = ["-paid_at"]

    def __str__(self) -> str:
        return f"{self.amount} 元 {self.receipt_number or self.txn_id or ''}".strip()


class PaymentNotice(models.Model):
    """Every notification received from the platform, accepted or refused, with its outcome (the refusals are
    the audit of bad signatures, unknown orders, wrong amounts and replays)."""

    received_at = models.DateTimeField("接收时间", auto_now_add=True, db_index=True)
    order_no = models.CharField("订单号", max_length=64, blank=True, db_index=True)
    txn_id = models.CharField("平台流水号", max_length=64, blank=True)
    amount = models.CharField("金额", max_length=20, blank=True)
    outcome = models.CharField("处理结果", max_length=14, choices=NoticeOutcome.choices)
    body = models.TextField("报文")
    payment = models.ForeignKey(Payment, verbose_name="缴款", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = verbose_name_plural = "缴款通知"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.order_no} {self.get_outcome_display()}"


class Statement(ScopedModel):
    """A daily statement file of the platform, imported whole or not at all (kept by the importing unit)."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    unit = models.ForeignKey("org.Unit", verbose_name="对账单位", on_delete=models.PROTECT, related_name="+")
    statement_date = models.DateField("对账日期", db_index=True)
    file_name = models.CharField("文件名", max_length=200)
    line_count = models.PositiveIntegerField("明细行数", default=0)
    total = models.DecimalField("合计金额（元）", default=0, **MONEY)
    matched = models.PositiveIntegerField("已匹配", default=0)
    discrepancies = models.PositiveIntegerField("差异笔数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "对账单"
        ordering = ["-statement_date", "-id"]

    def __str__(self) -> str:
        return f"{self.statement_date} 对账单（{self.line_count} 笔）"


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, verbose_name="对账单", on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveIntegerField("行号")
    txn_id = models.CharField("平台流水号", max_length=40, db_index=True)
    order_no = models.CharField("订单号", max_length=32)
    amount = models.DecimalField("金额（元）", **MONEY)
    paid_at = models.DateTimeField("缴款时间")

    class Meta:
        verbose_name = verbose_name_plural = "对账单明细"
        ordering = ["statement", "row"]


class Discrepancy(ScopedModel):
    """A difference between the platform's statement and TEIS's payments, for handling by the reconciling unit."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    unit = models.ForeignKey("org.Unit", verbose_name="对账单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("差异类型", max_length=16, choices=DiscrepancyKind.choices)
    day = models.DateField("缴款日期", db_index=True)
    txn_id = models.CharField("平台流水号", max_length=40, blank=True)
    order_no = models.CharField("订单号", max_length=32, blank=True)
    platform_amount = models.DecimalField("平台金额（元）", null=True, blank=True, **MONEY)
    teis_amount = models.DecimalField("本系统金额（元）", null=True, blank=True, **MONEY)
    payment = models.ForeignKey(Payment, verbose_name="缴款记录", null=True, blank=True, on_delete=models.SET_NULL)
    statement = models.ForeignKey(Statement, verbose_name="对账单", null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(
        "状态", max_length=8, choices=DiscrepancyStatus.choices, default=DiscrepancyStatus.OPEN, db_index=True
    )
    resolution = models.CharField("处理方式", max_length=16, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField("处理说明", max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "对账差异"
        ordering = ["status", "-day", "-id"]
        permissions = [("resolve_discrepancy", "处理对账差异")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "txn_id"],
                condition=models.Q(status="open"),
                name="discrepancy_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.txn_id or self.order_no}"


class Remittance(ScopedModel):
    """集中汇缴: cash collected offline by a unit over a period, remitted to the treasury account."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    unit = models.ForeignKey("org.Unit", verbose_name="汇缴单位", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    amount = models.DecimalField("汇缴金额（元）", **MONEY)
    bank_reference = models.CharField("银行回单号", max_length=60)
    remitted_on = models.DateField("汇缴日期")
    status = models.CharField(
        "状态", max_length=10, choices=RemittanceStatus.choices, default=RemittanceStatus.RECORDED
    )
    collected = models.DecimalField("期间现场收款（元）", null=True, blank=True, **MONEY)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="对账人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reconciled_at = models.DateTimeField("对账时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "集中汇缴"
        ordering = ["-remitted_on"]

    def __str__(self) -> str:
        return f"{self.unit} {self.period_start}–{self.period_end} {self.amount} 元"


class EReceipt(ScopedModel):
    """电子票据 of one payment, requested from the e-receipt platform after payment."""

    scope_unit_field = "payment__unit"
    scope_owner_field = "payment__receivable__handler"

    payment = models.OneToOneField(Payment, verbose_name="缴款记录", on_delete=models.PROTECT, related_name="ereceipt")
    status = models.CharField("状态", max_length=10, choices=EReceiptStatus.choices, default=EReceiptStatus.REQUESTED)
    number = models.CharField("票据号码", max_length=40, blank=True)
    check_code = models.CharField("校验码", max_length=20, blank=True)
    issued_at = models.DateTimeField("开具时间", null=True, blank=True)
    file_name = models.CharField("存储文件名", max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField("申请次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "电子票据"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number or f"缴款 {self.payment_id} 的电子票据"


class SimOrder(models.Model):
    """The local simulator's own book of orders (it stands for the city's platform; not TEIS data)."""

    order_no = models.CharField(max_length=32, unique=True)
    payment_code = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(**MONEY)
    payer = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    txn_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "模拟平台订单"
