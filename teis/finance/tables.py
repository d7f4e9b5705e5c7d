"""What core shows of 票证与罚没款: lists, forms, API, menu (group "票证罚没款") and the declared actions."""

from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import (
    ApprovalStatus,
    DiscrepancyStatus,
    OrderStatus,
    ReceivableStatus,
    RemittanceStatus,
)
from .forms import OfflinePaymentForm, OpinionForm, RequiredOpinionForm, ResolveForm
from .models import (
    Discrepancy,
    EReceipt,
    Payment,
    PaymentOrder,
    PrintRequest,
    Receivable,
    Remittance,
    Statement,
    StockKind,
    StockRange,
    StockRequest,
    StockUse,
    StockWriteOff,
)
from .services import fines, payments, reconcile, stock

GROUP = "票证罚没款"


class FinanceConfig(ModelConfig):
    menu_group = GROUP
    links: tuple[tuple[str, str, str], ...] = ()  # (label, URL name taking the pk, icon)

    @classmethod
    def detail_actions(cls, obj, user):
        return [(label, reverse(name, args=[obj.pk]), icon) for label, name, icon in cls.links]


def _config(model, label, icon, order, columns, form=None, **attrs):
    attrs |= {"model": model, "list_columns": columns, "form_fields": form if form is not None else columns}
    attrs |= {"menu_label": label, "menu_icon": icon, "menu_order": order}
    return registry.register(type(f"{model.__name__}Config", (FinanceConfig,), attrs))


def _read_only(model, label, icon, order, columns, **attrs):
    return _config(model, label, icon, order, columns, "__all__", ui_read_only=True, api_read_only=True, **attrs)


for entry in (
    MenuEntry("我的票证", "finance:my_stock", "finance.view_stockrange", GROUP, "bi-wallet2", 1),
    MenuEntry("票证库存", "finance:stock_overview", "finance.view_stockrange", GROUP, "bi-boxes", 2),
    MenuEntry("票证统计", "finance:stock_stats", "finance.view_stockuse", GROUP, "bi-bar-chart", 3),
    MenuEntry("今日收缴", "finance:collections", "finance.view_payment", GROUP, "bi-cash-coin", 20),
    MenuEntry("对账", "finance:reconciliation", "finance.view_statement", GROUP, "bi-clipboard-check", 30),
):
    registry.add_menu(entry)


_config(
    StockKind, "票证种类", "bi-tags", 10, ["code", "name", "category", "prefix", "digits", "low_threshold", "is_active"]
)
_config(
    PrintRequest,
    "印制审批",
    "bi-printer",
    11,
    ["kind", "unit", "start_number", "quantity", "reason", "status", "decided_by", "received_at"],
    ["kind", "unit", "start_number", "quantity", "reason"],
    service=stock.PrintRequestService(),
)
_read_only(
    StockRange, "号段持有", "bi-list-ol", 12, ["kind", "start", "end", "unit", "holder", "status", "note", "created_at"]
)
_config(
    StockRequest,
    "票证申领",
    "bi-box-arrow-in-down",
    13,
    ["kind", "unit", "for_officer", "quantity", "reason", "status", "decided_by", "issued"],
    ["kind", "unit", "for_officer", "quantity", "reason"],
    service=stock.StockRequestService(),
)
_config(
    StockWriteOff,
    "票证核销申请",
    "bi-journal-x",
    14,
    ["kind", "unit", "start", "end", "reason_kind", "reason", "status", "decided_by"],
    ["kind", "unit", "start", "end", "reason_kind", "reason"],
    service=stock.WriteOffService(),
)
_read_only(
    StockUse,
    "票证使用记录",
    "bi-check2-square",
    15,
    ["number_text", "kind", "status", "unit", "holder", "used_for", "created_at"],
)
_read_only(
    Receivable,
    "应收罚没款",
    "bi-cash-stack",
    21,
    ["case", "payer", "principal", "late_fee", "paid_amount", "due_date", "status", "payment_code", "unit"],
    links=(("缴款详情", "finance:receivable_page", "bi-receipt"),),
)
_read_only(
    PaymentOrder,
    "缴款订单",
    "bi-qr-code",
    22,
    ["order_no", "receivable", "amount", "status", "platform_code", "attempts", "next_attempt_at", "last_error"],
)
_read_only(
    Payment,
    "缴款记录",
    "bi-cash",
    23,
    ["receivable", "channel", "amount", "paid_at", "receipt_number", "txn_id", "unit"],
)
_read_only(
    EReceipt,
    "电子票据",
    "bi-file-earmark-pdf",
    24,
    ["number", "payment", "status", "issued_at", "attempts"],
    links=(("下载电子票据", "finance:ereceipt_download", "bi-download"),),
)
_read_only(
    Statement,
    "对账单",
    "bi-file-earmark-spreadsheet",
    31,
    ["statement_date", "file_name", "line_count", "total", "matched", "discrepancies"],
)
_read_only(
    Discrepancy,
    "对账差异",
    "bi-exclamation-diamond",
    32,
    ["kind", "day", "txn_id", "order_no", "platform_amount", "teis_amount", "status", "resolution"],
)
_config(
    Remittance,
    "集中汇缴",
    "bi-bank",
    33,
    ["unit", "period_start", "period_end", "amount", "bank_reference", "remitted_on", "status", "collected"],
    ["unit", "period_start", "period_end", "amount", "bank_reference", "remitted_on"],
    service=reconcile.RemittanceService(),
)


def _decide_actions(label: str, permission: str, run):
    actions.register(
        Action(
            label,
            "approve",
            "批准",
            permission,
            run=lambda actor, obj, opinion: run(actor, obj, approve=True, opinion=opinion),
            form=OpinionForm,
            states=(ApprovalStatus.PENDING,),
            icon="bi-check-circle",
            style="success",
        )
    )
    actions.register(
        Action(
            label,
            "reject",
            "不予批准",
            permission,
            run=lambda actor, obj, opinion: run(actor, obj, approve=False, opinion=opinion),
            form=RequiredOpinionForm,
            states=(ApprovalStatus.PENDING,),
            icon="bi-x-circle",
            style="danger",
        )
    )


_decide_actions("finance.printrequest", "finance.approve_printrequest", stock.do_decide_print)
_decide_actions("finance.stockrequest", "finance.approve_stockrequest", stock.do_decide_stock_request)
_decide_actions("finance.stockwriteoff", "finance.approve_stockwriteoff", stock.do_decide_write_off)
actions.register(
    Action(
        "finance.printrequest",
        "receive",
        "入库",
        "finance.receive_printrequest",
        run=lambda actor, obj: stock.do_receive_print(actor, obj),
        states=(ApprovalStatus.APPROVED,),
        icon="bi-box-seam",
    )
)
_UNPAID = (ReceivableStatus.UNPAID, ReceivableStatus.PARTIAL, ReceivableStatus.OVERDUE)
actions.register(
    Action(
        "finance.receivable",
        "record_payment",
        "登记现场缴款",
        "finance.record_payment",
        run=lambda actor, obj, kind, receipt_number, amount: payments.do_record_offline_payment(
            actor, obj, kind=kind, receipt_number=receipt_number, amount=amount
        ),
        form=OfflinePaymentForm,
        states=_UNPAID,
        icon="bi-cash",
    )
)
actions.register(
    Action(
        "finance.receivable",
        "create_order",
        "生成缴款码",
        "finance.handle_receivable",
        run=lambda actor, obj: payments.do_create_order(actor, obj),
        states=_UNPAID,
        icon="bi-qr-code",
    )
)
actions.register(
    Action(
        "finance.receivable",
        "apply_schedule",
        "执行已批准的延期/分期",
        "finance.handle_receivable",
        run=lambda actor, obj: fines.do_apply_schedule(actor, obj),
        states=_UNPAID,
        icon="bi-calendar2-week",
        applies=lambda obj: (r := fines.approved_schedule_request(obj)) is not None and r.pk != obj.schedule_request_id,
        not_applicable="本案没有尚未执行的已批准延期或分期缴纳申请。",
    )
)
actions.register(
    Action(
        "finance.paymentorder",
        "query",
        "查询缴款状态",
        "finance.handle_receivable",
        run=lambda actor, obj: payments.do_query_order(actor, obj),
        states=(OrderStatus.OPEN, OrderStatus.PUSHING),
        icon="bi-arrow-repeat",
    )
)
actions.register(
    Action(
        "finance.paymentorder",
        "push",
        "重新推送",
        "finance.handle_receivable",
        run=lambda actor, obj: payments.do_push_again(actor, obj),
        states=(OrderStatus.PUSHING, OrderStatus.FAILED),
        icon="bi-send",
    )
)
actions.register(
    Action(
        "finance.discrepancy",
        "resolve",
        "处理差异",
        "finance.resolve_discrepancy",
        run=lambda actor, obj, resolution, note: reconcile.do_resolve(actor, obj, resolution=resolution, note=note),
        form=ResolveForm,
        states=(DiscrepancyStatus.OPEN,),
        icon="bi-check2-all",
    )
)
actions.register(
    Action(
        "finance.remittance",
        "reconcile",
        "汇缴对账",
        "finance.change_remittance",
        run=lambda actor, obj: reconcile.do_reconcile_remittance(actor, obj),
        states=(RemittanceStatus.RECORDED,),
        icon="bi-check2-all",
    )
)
