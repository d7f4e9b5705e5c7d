"""Public verification (/verify/<code>, no login): what the page shows of a document, whether its stored
signature verifies, and whether an uploaded file is byte-identical to the issued PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from teis.core import crypto

from ..choices import DocumentStatus
from ..codes import parse_verify_code
from ..models import Document
from .issuing import read_pdf
from .seals import verify_digest

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD = 20 * 1024 * 1024  # the largest document the system issues is far smaller


@dataclass
class Verification:
    document: Document
    stored_intact: bool  # the stored PDF still has the recorded SM3 digest
    signature_valid: bool  # the SM2 signature of that digest verifies with the unit's seal key

    @property
    def valid(self) -> bool:
        return self.stored_intact and self.signature_valid and self.document.status != DocumentStatus.CANCELLED


def find(code_text: str) -> Document | None:
    code = parse_verify_code(code_text)
    if code is None:
        return None
    return Document.objects.select_related("doc_type", "unit", "seal__unit").filter(verify_code=code).first()


def verify(doc: Document) -> Verification:
    try:
        stored = crypto.sm3_hex(read_pdf(doc)) == doc.sm3
    except OSError:
        stored = False
    signature = verify_digest(doc.seal, bytes.fromhex(doc.sm3), doc.signature)
    return Verification(doc, stored, signature)


def summary(doc: Document) -> dict[str, Any]:
    return {
        "type": doc.doc_type.name,
        "number": doc.number,
        "unit": doc.seal.unit.name,  # the enforcement subject whose seal it carries
        "handling_unit": doc.unit.name,
        "issued_on": timezone.localtime(doc.issued_at).strftime("%Y-%m-%d"),
        "status": doc.get_status_display(),
        "sm3": doc.sm3,
    }


def compare_upload(doc: Document, upload: UploadedFile) -> tuple[bool | None, str]:
    """(identical?, message) for an uploaded file; None with a message when the file cannot be compared."""
    size = getattr(upload, "size", 0) or 0
    if size == 0:
        return None, "上传的文件为空，请选择要核验的 PDF 文件。"
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        return None, "上传的文件不是 PDF 文件，无法核验。请上传本系统签发的 PDF 文书。"
    if size > MAX_UPLOAD:
        return False, f"上传的文件大小为 {size / 1048576:.1f} MB，超过 20 MB，不可能是本系统签发的这份文书：不一致。"
    digest = crypto.sm3_file_hex(upload)
    if digest == doc.sm3 and size == doc.size:
        return True, "上传的文件与签发的原件逐字节一致。"
    return False, f"上传的文件与签发的原件不一致（上传文件 SM3：{digest}），文件可能已被修改。"
