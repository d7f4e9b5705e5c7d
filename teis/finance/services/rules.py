"""Pure rules of fines (no database): 加处罚款, instalment schedules and the payment code's check digits.

行政处罚法 art. 72: a party who does not pay a fine when due is charged 3 % of the amount for every natural day
after the due date, and the charge never exceeds the amount itself. A schedule (分期) charges each instalment on
its own from its own due date until it is paid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

DAILY_RATE = Decimal("0.03")
CENT = Decimal("0.01")


def late_fee(amount: Decimal, due: dt.date, on: dt.date, paid_on: dt.date | None = None) -> Decimal:
    """加处罚款 of one amount due on `due`, as of `on` (or up to `paid_on` when it was paid before `on`):
    3 % a natural day after `due`, to the cent, never above `amount`; zero on or before `due`."""
    amount = Decimal(amount or 0)
    if amount <= 0:
        return Decimal("0.00")
    end = min(on, paid_on) if paid_on else on
    days = (end - due).days
    if days <= 0:
        return Decimal("0.00")
    return min(amount * DAILY_RATE * days, amount).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    amount: Decimal
    due: dt.date
    paid_on: dt.date | None = None


def schedule_late_fee(lines: Iterable[Line], on: dt.date) -> Decimal:
    """The 加处罚款 of a whole schedule as of `on`: each instalment's own fee, summed."""
    return sum((late_fee(x.amount, x.due, on, x.paid_on) for x in lines), Decimal("0.00"))


def split(principal: Decimal | int | str, n: int, first_due: dt.date, interval_days: int = 30) -> list[Line]:
    """`n` instalments of `principal` (cents rounded down, the remainder on the last), due every
    `interval_days` from `first_due`."""
    principal = Decimal(principal).quantize(CENT)
    if n < 1:
        raise ValueError("n must be at least 1")
    share = (principal / n).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [share] * (n - 1) + [principal - share * (n - 1)]
    return [Line(a, first_due + dt.timedelta(days=interval_days * i)) for i, a in enumerate(amounts)]


def check_digits(body: str) -> str:
    """ISO 7064 MOD 97-10 check digits of a digit string (as IBAN): `body + check` is ≡ 1 (mod 97)."""
    return f"{98 - int(body + '00') % 97:02d}"


def payment_code(prefix: str, n: int) -> str:
    """缴款码: `prefix` (region digits) + 12-digit sequence + 2 check digits."""
    body = f"{prefix}{n:012d}"
    return body + check_digits(body)


def valid_payment_code(code: str) -> bool:
    return code.isdigit() and len(code) >= 4 and int(code) % 97 == 1
