"""电子票据: after a payment, an electronic receipt is requested from the e-receipt platform (simulated locally:
it answers with the receipt number and check code); the receipt's PDF is rendered from those data and kept.
Requested by a job after the payment commits; a failure is retried by the periodic job and shown on the page."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from teis.core.codes import next_value

from ..choices import EReceiptStatus
from ..models import EReceipt, Payment
from .platform import sign

MAX_ATTEMPTS = 10


def request_later(payment: Payment) -> None:
    from ..tasks import request_ereceipt_task

    pk = payment.pk
    transaction.on_commit(lambda: request_ereceipt_task(pk))


class LocalEReceiptPlatform:
    """The simulated e-receipt platform: a receipt number and a check code per payment."""

    def issue(self, payment: Payment) -> tuple[str, str]:
        number = f"31{timezone.localtime():%y}{next_value('finance.ereceipt'):010d}"
        return number, sign(f"{number}|{payment.amount}".encode())[:10].upper()


def request_ereceipt(payment_id: int) -> EReceipt:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        receipt, _ = EReceipt.objects.get_or_create(payment=payment)
        if receipt.status == EReceiptStatus.ISSUED:
            return receipt
        receipt.attempts += 1
        try:
            receipt.number, receipt.check_code = LocalEReceiptPlatform().issue(payment)
        except Exception as exc:  # noqa: BLE001 — any platform failure is retried
            receipt.status, receipt.last_error = EReceiptStatus.FAILED, str(exc)[:300]
        else:
            receipt.status, receipt.issued_at, receipt.last_error = EReceiptStatus.ISSUED, timezone.now(), ""
        receipt.save()
    return receipt


def retry_failed() -> int:
    ids = list(
        EReceipt.objects.filter(status=EReceiptStatus.FAILED, attempts__lt=MAX_ATTEMPTS).values_list(
            "payment_id", flat=True
        )
    )
    for pk in ids:
        request_ereceipt(pk)
    return len(ids)


def pdf_bytes(receipt: EReceipt) -> bytes:
    """The receipt's PDF: rendered once from the platform's data, then served from storage."""
    from teis.core.pdf import render_pdf
    from teis.core.storage import get_storage

    storage = get_storage()
    if receipt.file_name and storage.exists(receipt.file_name):
        with storage.open(receipt.file_name, "rb") as fh:
            stored: bytes = fh.read()
            return stored
    payment = receipt.payment
    content = render_pdf(
        "finance/ereceipt_pdf.html", {"receipt": receipt, "payment": payment, "rec": payment.receivable}
    )
    from django.core.files.base import ContentFile

    name = storage.save(f"finance/ereceipts/{receipt.number}.pdf", ContentFile(content))
    EReceipt.objects.filter(pk=receipt.pk).update(file_name=name)
    return content
