"""Permissions this app adds to the standard roles (merged by `teis.org.roles.ensure_roles`), and the cashier.

- field officers see their own stock, request stock for themselves, void a spoilt form, see the fines of their
  cases and generate the payment code; squad / brigade leaders also approve the requests of the level below
  (申领审批 → 派发) and the write-offs, and see their units' stock and statistics;
- 财务收款员 (finance_officer, new): records offline payments with paper receipts, prints and receives stock
  (印制 → 入库), imports statements, reconciles and handles discrepancies, records 集中汇缴;
- leadership approves print orders and sees the statistics.
"""

from teis.core.models import DataScope
from teis.org.roles import VIEW_BASE, RoleDef

_STOCK_VIEW = ["finance.view_stockkind", "finance.view_stockrange", "finance.view_stockuse"]
_REQUEST = [
    "finance.view_stockrequest",
    "finance.add_stockrequest",
    "finance.change_stockrequest",
    "finance.delete_stockrequest",
]
_WRITE_OFF = [
    "finance.view_stockwriteoff",
    "finance.add_stockwriteoff",
    "finance.change_stockwriteoff",
    "finance.delete_stockwriteoff",
]
_FINES_VIEW = ["finance.view_receivable", "finance.view_payment", "finance.view_paymentorder", "finance.view_ereceipt"]
_FINES = [*_FINES_VIEW, "finance.handle_receivable"]
_LEADER = [
    *_STOCK_VIEW,
    *_REQUEST,
    *_WRITE_OFF,
    *_FINES,
    "finance.approve_stockrequest",
    "finance.approve_stockwriteoff",
    "finance.view_printrequest",
]
_CASHIER = [
    *_LEADER,
    "finance.record_payment",
    *(
        f"finance.{a}_{m}"
        for m in ("printrequest", "stockkind", "remittance")
        for a in ("view", "add", "change", "delete")
    ),
    "finance.receive_printrequest",
    "finance.view_statement",
    "finance.add_statement",
    "finance.view_discrepancy",
    "finance.resolve_discrepancy",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "field_officer": [*_STOCK_VIEW, *_REQUEST, *_FINES],
    "squad_leader": _LEADER,
    "brigade_leader": _LEADER,
    "leadership": [
        *_LEADER,
        "finance.approve_printrequest",
        "finance.view_statement",
        "finance.view_discrepancy",
        "finance.view_remittance",
    ],
    "legal_reviewer": _FINES_VIEW,
}
EXTRA_ROLES: list = [
    RoleDef(
        "finance_officer",
        "财务收款员",
        DataScope.SUBTREE,
        (*VIEW_BASE, "org.view_officer", "cases.view_enforcementcase", *_CASHIER),
        description="罚没款收缴、票证印制入库、对账与集中汇缴",
    )
]
