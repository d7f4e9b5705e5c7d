"""The platform's daily statement file (对账单), CSV or Excel — format in docs/finance.md:

    流水号,订单号,金额,缴款时间
    T202612070000000001,P202612070000000001,200.00,2026-12-07 10:31:05

UTF-8 (a BOM is allowed), one header row, then one line per payment. `parse_rows` is pure: the first bad row
raises `StatementError` naming it (row numbers count the header as row 1) and nothing is imported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

HEADER = ("流水号", "订单号", "金额", "缴款时间")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S")
MAX_LINES = 500_000


class StatementError(ValueError):
    def __init__(self, row: int, message: str) -> None:
        super().__init__(f"第 {row} 行：{message}")
        self.row = row
        self.message = f"第 {row} 行：{message}"


@dataclass(frozen=True)
class StatementRow:
    row: int
    txn_id: str
    order_no: str
    amount: Decimal
    paid_at: dt.datetime  # naive, in the corps' time zone


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def _time(text: str) -> dt.datetime | None:
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)  # noqa: DTZ007 — the statement's local time, made aware on import
        except ValueError:
            continue
    return None


def parse_rows(rows: Iterable[Iterable[Any]]) -> list[StatementRow]:
    out: list[StatementRow] = []
    seen: set[str] = set()
    it = iter(rows)
    header = [_cell(c) for c in next(it, [])]
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if tuple(header[:4]) != HEADER:
        raise StatementError(1, "表头应为 " + "、".join(HEADER))
    for n, raw in enumerate(it, start=2):
        cells = [_cell(c) for c in raw]
        if not any(cells):
            continue
        if len(out) >= MAX_LINES:
            raise StatementError(n, f"明细超过 {MAX_LINES} 行")
        if len(cells) < 4 or any(cells[4:]):
            raise StatementError(n, "应为 4 列：流水号、订单号、金额、缴款时间")
        txn, order, amount_text, time_text = cells[:4]
        if not txn or len(txn) > 40 or not txn.isascii():
            raise StatementError(n, "流水号为空或格式不正确")
        if not order or len(order) > 32 or not order.isascii():
            raise StatementError(n, "订单号为空或格式不正确")
        if txn in seen:
            raise StatementError(n, f"流水号 {txn} 重复")
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            raise StatementError(n, f"金额“{amount_text}”不是数字") from None
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10**10:
            raise StatementError(n, f"金额“{amount_text}”应为大于零、至多两位小数的数")
        paid_at = _time(time_text)
        if paid_at is None:
            raise StatementError(n, f"缴款时间“{time_text}”格式应为 YYYY-MM-DD HH:MM:SS")
        seen.add(txn)
        out.append(StatementRow(n, txn, order, amount.quantize(Decimal("0.01")), paid_at))
    return out


def read_file(name: str, content: bytes) -> list[StatementRow]:
    """CSV (UTF-8) or Excel (.xlsx, first sheet) → rows; StatementError on the first bad row."""
    if name.lower().endswith(".xlsx"):
        from teis.core.xlsx import WorkbookRefused, open_workbook

        try:
            wb = open_workbook(content, read_only=True, data_only=True)
        except (WorkbookRefused, Exception) as exc:  # noqa: BLE001 — any unreadable workbook is one refusal
            raise StatementError(1, f"无法读取 Excel 文件：{exc}") from exc
        return parse_rows(wb.worksheets[0].iter_rows(values_only=True))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError(1, "文件应为 UTF-8 编码的 CSV 或 .xlsx") from exc
    return parse_rows(csv.reader(io.StringIO(text)))


def write_csv(rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    for r in rows:
        w.writerow([r["txn_id"], r["order_no"], r["amount"], r["paid_at"]])
    return buf.getvalue().encode("utf-8")
