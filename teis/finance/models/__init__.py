from .fines import (
    Discrepancy,
    EReceipt,
    Instalment,
    Payment,
    PaymentNotice,
    PaymentOrder,
    Receivable,
    Remittance,
    SimOrder,
    Statement,
    StatementLine,
)
from .stock import PrintRequest, StockKind, StockRange, StockRequest, StockUse, StockWriteOff

__all__ = [
    "Discrepancy",
    "EReceipt",
    "Instalment",
    "Payment",
    "PaymentNotice",
    "PaymentOrder",
    "PrintRequest",
    "Receivable",
    "Remittance",
    "SimOrder",
    "Statement",
    "StatementLine",
    "StockKind",
    "StockRange",
    "StockRequest",
    "StockUse",
    "StockWriteOff",
]
