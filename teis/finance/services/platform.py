"""The city's non-tax payment platform (非税支付平台) and e-receipt platform (电子票据公共服务平台), behind one
adapter interface each, and the local simulator that stands for both in the embedded mode and the tests.

Messages are JSON; a notification carries its HMAC-SM3 signature (hex) in the `X-Signature` header, computed
with the key shared with the platform (`FINANCE_PLATFORM_KEY`). Configuration (environment variables, django-environ):
`FINANCE_PLATFORM_URL` — empty: the in-process simulator; otherwise the platform's base URL (the simulator's HTTP
face is `/finance/sim/platform/`); `FINANCE_PLATFORM_KEY`; `FINANCE_PLATFORM_TIMEOUT` (seconds).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from teis.core.crypto import hmac_sm3

if TYPE_CHECKING:
    import datetime as dt

    from ..models import SimOrder


class PlatformUnavailable(Exception):
    """The platform did not answer (network, timeout, 5xx): retry later."""


class PlatformRefused(Exception):
    """The platform answered with a refusal (4xx): retrying will not help."""


def sign(body: bytes) -> str:
    return hmac_sm3(settings.FINANCE_PLATFORM_KEY.encode(), body)


def verify(body: bytes, signature: str) -> bool:
    import hmac

    return bool(signature) and hmac.compare_digest(sign(body), signature.strip().lower())


def dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass
class OrderState:
    order_no: str
    paid: bool
    amount: Decimal
    txn_id: str = ""
    paid_at: str = ""


class PaymentPlatform:
    """What TEIS needs of the payment platform."""

    def create_order(self, order_no: str, amount: Decimal, payer: str, title: str) -> str:
        """Register an order; returns the platform's 缴款码. Raises PlatformUnavailable / PlatformRefused."""
        raise NotImplementedError

    def query_order(self, order_no: str) -> OrderState:
        raise NotImplementedError


def _request(url: str, body: bytes | None) -> urllib.request.Request:
    """An HTTP(S) request to a configured platform address (no other scheme: no file:// from configuration)."""
    if not url.startswith(("http://", "https://")):
        raise PlatformUnavailable(f"平台地址应为 http(s)：{url[:60]}")
    return urllib.request.Request(url, data=body, method="POST" if body else "GET")  # noqa: S310 — checked above


class HttpPlatform(PaymentPlatform):
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url, self.timeout = base_url.rstrip("/") + "/", timeout

    def _call(self, path: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        body = dumps(data) if data is not None else None
        req = _request(self.base_url + path, body)
        if body is not None:
            req.add_header("Content-Type", "application/json")
            req.add_header("X-Signature", sign(body))
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 (configured https URL)
                answer: dict[str, Any] = json.loads(resp.read())
                return answer
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise PlatformUnavailable(f"平台返回 {exc.code}") from exc
            raise PlatformRefused(exc.read().decode(errors="replace")[:200]) from exc
        except (OSError, ValueError) as exc:
            raise PlatformUnavailable(f"平台无法连接：{exc}") from exc

    def create_order(self, order_no: str, amount: Decimal, payer: str, title: str) -> str:
        data = {"order_no": order_no, "amount": str(amount), "payer": payer, "title": title}
        code: str = self._call("orders", data)["payment_code"]
        return code

    def query_order(self, order_no: str) -> OrderState:
        d = self._call(f"orders/{order_no}")
        return OrderState(order_no, d["paid"], Decimal(d["amount"]), d.get("txn_id", ""), d.get("paid_at", ""))


class LocalPlatform(PaymentPlatform):
    """The simulator in-process (no network): the embedded default and the tests."""

    def create_order(self, order_no: str, amount: Decimal, payer: str, title: str) -> str:
        if getattr(settings, "FINANCE_PLATFORM_DOWN", False):
            raise PlatformUnavailable("模拟平台不可用（FINANCE_PLATFORM_DOWN）")
        return sim_create_order(order_no, Decimal(amount), payer, title).payment_code

    def query_order(self, order_no: str) -> OrderState:
        from ..models import SimOrder

        o = SimOrder.objects.filter(order_no=order_no).first()
        if o is None:
            raise PlatformRefused("订单不存在")
        paid_at = timezone.localtime(o.paid_at).isoformat() if o.paid_at else ""
        return OrderState(o.order_no, o.paid_at is not None, o.amount, o.txn_id, paid_at)


def payment_platform() -> PaymentPlatform:
    url = settings.FINANCE_PLATFORM_URL
    return HttpPlatform(url, settings.FINANCE_PLATFORM_TIMEOUT) if url else LocalPlatform()


# --- the simulator ------------------------------------------------------------------------------------------------


def sim_create_order(order_no: str, amount: Decimal, payer: str, title: str) -> SimOrder:
    from ..models import SimOrder

    order, _ = SimOrder.objects.get_or_create(
        order_no=order_no,
        defaults={"amount": amount, "payer": payer, "title": title, "payment_code": f"9{order_no[-17:]}"},
    )
    return order


def sim_pay(payment_code: str, *, deliver: bool = True) -> SimOrder | None:
    """The party pays an order at the simulator: it becomes paid and its notification is sent (by a job)."""
    from ..models import SimOrder

    with transaction.atomic():
        order = SimOrder.objects.select_for_update().filter(payment_code=payment_code).first()
        if order is None or order.paid_at is not None:
            return order
        order.paid_at = timezone.now()
        order.txn_id = f"T{timezone.localtime():%Y%m%d}{order.pk:010d}"
        order.save(update_fields=["paid_at", "txn_id"])
        if deliver:
            transaction.on_commit(lambda: deliver_notice_later(order.order_no))
    return order


def notice_body(order: SimOrder) -> bytes:
    return dumps(
        {
            "order_no": order.order_no,
            "txn_id": order.txn_id,
            "amount": str(order.amount),
            "paid_at": timezone.localtime(order.paid_at).isoformat(),
            "payment_code": order.payment_code,
        }
    )


def deliver_notice_later(order_no: str) -> None:
    from ..tasks import deliver_sim_notice

    deliver_sim_notice(order_no)


def deliver_notice(order_no: str) -> str:
    """Send the notification of a paid simulator order to TEIS (in-process, or by HTTP to FINANCE_NOTIFY_URL)."""
    from ..models import SimOrder
    from .payments import receive_notice

    order = SimOrder.objects.get(order_no=order_no)
    body = notice_body(order)
    url = getattr(settings, "FINANCE_NOTIFY_URL", "")
    if not url:
        return receive_notice(body, sign(body))[0]
    req = _request(url, body)
    req.add_header("Content-Type", "application/json")
    req.add_header("X-Signature", sign(body))
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        result: str = json.loads(resp.read()).get("result", "")
        return result


def statement_rows(day: dt.date) -> list[dict[str, Any]]:
    """The simulator's statement of `day`: every order paid that day (for the daily file)."""
    from ..models import SimOrder

    rows = SimOrder.objects.filter(paid_at__date=day).order_by("paid_at")
    return [
        {
            "txn_id": o.txn_id,
            "order_no": o.order_no,
            "amount": str(o.amount),
            "paid_at": timezone.localtime(o.paid_at).strftime("%Y-%m-%d %H:%M:%S"),
        }
        for o in rows
    ]
