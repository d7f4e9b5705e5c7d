"""Choices of 票证与罚没款 (stock of numbered forms and receipts, fines, payments, reconciliation)."""

from django.db import models


class StockCategory(models.TextChoices):
    DOCUMENT = "document", "空白文书"
    RECEIPT = "receipt", "罚没款票据"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "不予批准"
    RECEIVED = "received", "已入库"


class RangeStatus(models.TextChoices):
    HELD = "held", "持有"
    SPLIT = "split", "已拆分派发"


class UseStatus(models.TextChoices):
    USED = "used", "已使用"
    VOIDED = "voided", "作废"
    LOST = "lost", "遗失"
    DAMAGED = "damaged", "损毁"
    RETURNED = "returned", "缴销"


class WriteOffReason(models.TextChoices):
    LOST = "lost", "遗失"
    DAMAGED = "damaged", "损毁"
    RETURNED = "returned", "缴销"


class ReceivableStatus(models.TextChoices):
    UNPAID = "unpaid", "未缴款"
    PARTIAL = "partial", "部分缴款"
    OVERDUE = "overdue", "逾期未缴"
    PAID = "paid", "已缴清"


class InstalmentStatus(models.TextChoices):
    PENDING = "pending", "未到期"
    OVERDUE = "overdue", "逾期"
    PAID = "paid", "已缴"


class PaymentChannel(models.TextChoices):
    OFFLINE = "offline", "现场缴款（纸质票据）"
    ONLINE = "online", "非税支付平台"


class OrderStatus(models.TextChoices):
    PUSHING = "pushing", "待推送平台"
    OPEN = "open", "待缴款"
    PAID = "paid", "已缴款"
    FAILED = "failed", "推送失败"
    CLOSED = "closed", "已关闭"


class NoticeOutcome(models.TextChoices):
    ACCEPTED = "accepted", "已入账"
    DUPLICATE = "duplicate", "重复通知（已入账）"
    BAD_SIGNATURE = "bad_signature", "签名无效"
    UNKNOWN_ORDER = "unknown_order", "未知订单"
    WRONG_AMOUNT = "wrong_amount", "金额不符"
    ALREADY_PAID = "already_paid", "订单已缴款"
    MALFORMED = "malformed", "报文格式错误"


class DiscrepancyKind(models.TextChoices):
    PAID_UNKNOWN = "paid_unknown", "平台已缴、本系统无记录"
    KNOWN_UNPAID = "known_unpaid", "本系统已记、平台无记录"
    AMOUNT_DIFFERS = "amount_differs", "金额不一致"


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", "待处理"
    RESOLVED = "resolved", "已处理"


class Resolution(models.TextChoices):
    RECORD_PAYMENT = "record_payment", "补记缴款"
    PLATFORM_ERROR = "platform_error", "平台数据有误，已函告平台"
    REFUND = "refund", "退款处理"
    CONFIRMED = "confirmed", "核实无误"


class RemittanceStatus(models.TextChoices):
    RECORDED = "recorded", "已登记"
    RECONCILED = "reconciled", "已对账"


class EReceiptStatus(models.TextChoices):
    REQUESTED = "requested", "申请中"
    ISSUED = "issued", "已开具"
    FAILED = "failed", "开具失败"
