"""Issuing documents (签发): check the facts, number, render, sign, store. Reprints (副本) and cancellation (作废).

`issue_document(actor, case, type_code)` is the one path of the step page, the case page and the API:
- refuses (ServiceError "missing_facts") with the list of the facts the type needs and the case lacks;
- gives the 文号 from `core.codes` (per unit, type and year: unique under concurrency, never reused);
- renders the type's current template version to PDF (seal image, verification QR, 一案一码 on the page);
- signs the SM3 digest of the PDF bytes with the unit's SM2 seal key and stores PDF, digest and signature.
One transaction; audited.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto
from teis.core.codes import next_code
from teis.core.pdf import html_document
from teis.core.services import ServiceError, fit
from teis.core.storage import get_storage

from .. import facts as facts_module
from ..choices import DocumentStatus
from ..codes import display, new_verify_code
from ..models import Document, DocumentTemplate, DocumentType, UnitSeal
from ..templating import render_html
from .catalogue import current_template, ensure_catalogue
from .seals import ensure_unit_seal, sign_digest

if TYPE_CHECKING:
    from teis.cases.models import EnforcementCase
    from teis.finance.models import StockKind

LIVE = (DocumentStatus.ISSUED, DocumentStatus.CANCEL_PENDING)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def qr_data_uri(text: str) -> str:
    import segno

    return segno.make(text, error="m").svg_data_uri(border=1, dark="#000")


def verify_url(code: str) -> str:
    return f"{settings.TEIS_PUBLIC_URL}/verify/{code}/"


def current_step_id(case: EnforcementCase) -> str:
    """The BPMN id of the case's current step (the first one while parallel), "" without a process."""
    process = case.process if case.process_id else None
    return ((process.current_step if process else "") or "").split("、")[0]


def get_type(type_code: str) -> DocumentType:
    doc_type = DocumentType.objects.filter(code=type_code, is_active=True).first()
    if doc_type is None and not DocumentType.objects.exists():
        ensure_catalogue()
        doc_type = DocumentType.objects.filter(code=type_code, is_active=True).first()
    if doc_type is None:
        raise ServiceError("unknown_type", f"未知或已停用的文书种类：{type_code}")
    return doc_type


def types_for_step(step_id: str) -> list[DocumentType]:
    if not DocumentType.objects.exists():
        ensure_catalogue()
    return [t for t in DocumentType.objects.filter(is_active=True) if step_id in (t.steps or [])]


def missing_facts(case: EnforcementCase, doc_type: DocumentType, case_facts: dict[str, Any] | None = None) -> list[str]:
    case_facts = case_facts if case_facts is not None else facts_module.case_facts(case)
    return facts_module.missing_facts(case_facts, list(doc_type.required_facts or []))


def check_issuable(case: EnforcementCase, doc_type: DocumentType, case_facts: dict[str, Any]) -> None:
    missing = missing_facts(case, doc_type, case_facts)
    if missing:
        message = f"尚不能签发《{doc_type.name}》，案件缺少：" + "、".join(missing)
        raise ServiceError("missing_facts", message, {"__all__": missing})


def document_context(
    doc_type: DocumentType,
    case_facts: dict[str, Any],
    *,
    number: str,
    verify_code: str,
    issued_at: dt.datetime,
    issued_by: str = "",
    seal: UnitSeal | None = None,
    preview: bool = False,
    copy: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a template renders: the case facts plus `doc` (number, date, seal, QR codes, 联)."""
    code = case_facts.get("case", {}).get("code", "")
    ctx = dict(case_facts)
    ctx["doc"] = {
        "name": doc_type.name,
        "number": number,
        "date": timezone.localtime(issued_at).strftime("%Y年%m月%d日"),
        "issued_by": issued_by,
        "verify_url": verify_url(verify_code) if verify_code else "",
        "verify_code": display(verify_code) if verify_code else "",
        "qr": qr_data_uri(verify_url(verify_code)) if verify_code else "",
        "case_qr": qr_data_uri(code) if code else "",
        "seal": svg_data_uri(seal.image_svg) if seal is not None else "",
        "copy": "副本" if copy else "",
        "preview": "预览" if preview else "",
        "parts": list(doc_type.copy_labels or []) or [""],
    }
    ctx.setdefault("documents", [])
    ctx.update(extra or {})
    return ctx


def render_pdf_bytes(template: DocumentTemplate, context: dict[str, Any]) -> tuple[bytes, int]:
    """The PDF bytes and page count of `template` rendered with `context`."""
    document = html_document(render_html(template.source, context))
    return document.write_pdf(), len(document.pages)


def file_order_documents(case: EnforcementCase) -> list[dict[str, Any]]:
    """The issued documents of the case in the file's legal order, for the 卷内目录 (pages filled by 电子卷宗)."""
    from ..catalogue import FILE_ORDER

    rank = {code: i for i, code in enumerate(FILE_ORDER)}
    docs = sorted(
        Document.objects.filter(case=case, status__in=LIVE).select_related("doc_type"),
        key=lambda d: (rank.get(d.doc_type.code, 999), d.issued_at, d.pk),
    )
    return [
        {
            "name": d.doc_type.name,
            "number": d.number,
            "date": timezone.localtime(d.issued_at).strftime("%Y-%m-%d"),
            "page": "",
        }
        for d in docs
    ]


def preview_pdf(actor: Any, case: EnforcementCase, type_code: str) -> bytes:
    """The document as it would be issued now, marked 预览, without number, seal or signature. Refuses like
    issuing when a fact is missing."""
    doc_type = get_type(type_code)
    case_facts = facts_module.case_facts(case)
    check_issuable(case, doc_type, case_facts)
    ctx = document_context(
        doc_type,
        case_facts,
        number="（签发时编号）",
        verify_code="",
        issued_at=timezone.now(),
        preview=True,
        extra={"documents": file_order_documents(case)},
    )
    pdf, _ = render_pdf_bytes(current_template(doc_type), ctx)
    return pdf


def _number(case: EnforcementCase, doc_type: DocumentType, year: int) -> str:
    """文号 such as 沪交执违通〔2026〕00001号: the prefix of the case's enforcement subject, configured as for the
    case's own 文号 (`teis.cases.codes.file_number_prefix`), then the form's abbreviation. The sequence is kept per
    prefix, not per unit: subjects that share a prefix share it, so a number can never be issued twice."""
    from teis.cases.codes import file_number_prefix, nearest_unit_with

    prefix = file_number_prefix(nearest_unit_with(case.unit, "subject_code"))
    template = f"{prefix}{doc_type.abbr}〔{year}〕" + "{n:05d}号"
    while True:  # numbers issued under an earlier keying of the sequence are skipped, never reused
        number = next_code(f"documents:{prefix}:{doc_type.abbr}:{year}", template)
        if not Document.objects.filter(number=number).exists():
            return number


def issue_document(
    actor: Any,
    case: EnforcementCase,
    type_code: str,
    *,
    step: str = "",
    issued_at: dt.datetime | None = None,
    paper_number: str = "",
) -> Document:
    """Issue a document of `type_code` for `case` (see the module docstring). `issued_at` only for the demo data,
    which issues the documents of cases archived in the past at the times their steps were done. `paper_number`:
    printed on the corps' numbered blank paper (套打), whose number the issuing officer holds and which is written
    off with the issue (`finance.stock.consume_number`; refused, with nothing issued, when it is not theirs)."""
    doc_type = get_type(type_code)
    paper_number = (paper_number or "").strip()
    case_facts = facts_module.case_facts(case)
    check_issuable(case, doc_type, case_facts)
    template = current_template(doc_type)
    now = issued_at or timezone.now()
    with transaction.atomic():
        seal = ensure_unit_seal(actor, case.unit)
        number = _number(case, doc_type, timezone.localtime(now).year)
        code = new_verify_code()
        issued_by = facts_module._person(actor)
        ctx = document_context(
            doc_type,
            case_facts,
            number=number,
            verify_code=code,
            issued_at=now,
            issued_by=issued_by,
            seal=seal,
            extra={"documents": file_order_documents(case)},
        )
        pdf, pages = render_pdf_bytes(template, ctx)
        digest = crypto.sm3_digest(pdf)
        if paper_number:
            _consume_paper(actor, doc_type, paper_number, number)
        signature = sign_digest(actor, seal, digest, purpose=doc_type.name, reference=number)
        name = get_storage().save(f"documents/{case.pk}/{doc_type.code}-{code}.pdf", ContentFile(pdf))
        snapshot = {k: v for k, v in ctx.items() if k != "doc"}
        snapshot["doc_meta"] = {"issued_by": issued_by}
        doc = Document.objects.create(
            case=case,
            unit=case.unit,
            doc_type=doc_type,
            template=template,
            number=number,
            paper_number=fit(Document, "paper_number", paper_number),
            step=step[:60],
            facts=snapshot,
            file_name=name,
            size=len(pdf),
            pages=pages,
            sm3=digest.hex(),
            signature=signature.hex(),
            seal=seal,
            verify_code=code,
            issued_by=actor,
            issued_at=now,
            created_by=actor,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            doc,
            detail={"operation": "documents.issue", "number": number, "case": case.pk, "sm3": doc.sm3},
        )
    return doc


def paper_stock_of(doc_type: DocumentType) -> StockKind | None:
    """The numbered blank paper kind the document type is printed on, or None (printed on plain paper)."""
    from teis.finance.services.stock import paper_kind_for

    return paper_kind_for(doc_type.code)


def _consume_paper(actor: Any, doc_type: DocumentType, paper_number: str, number: str) -> None:
    from teis.finance.services.stock import consume_number

    kind = paper_stock_of(doc_type)
    if kind is None:
        message = f"《{doc_type.name}》不使用编号空白文书，无需填写纸质文书编号"
        raise ServiceError("no_paper_stock", message, {"paper_number": [message]})
    try:
        consume_number(kind.code, paper_number, actor, f"{doc_type.name} {number}")
    except ServiceError as err:
        raise ServiceError(err.code, f"纸质文书编号：{err.message}", {"paper_number": [err.message]}) from err


def read_pdf(doc: Document) -> bytes:
    with get_storage().open(doc.file_name, "rb") as fh:
        data: bytes = fh.read()
        return data


def open_original(actor: Any, doc: Document) -> bytes:
    """The issued PDF as signed (download); audited."""
    data = read_pdf(doc)
    audit.record(actor, AuditAction.VIEW, doc, detail={"operation": "documents.download", "number": doc.number})
    return data


def reprint_pdf(actor: Any, doc: Document) -> bytes:
    """A copy (副本): the same template version and facts, marked 副本 on every page; counted and audited."""
    case_facts = {k: v for k, v in (doc.facts or {}).items() if k != "doc_meta"}
    ctx = document_context(
        doc.doc_type,
        case_facts,
        number=doc.number,
        verify_code=doc.verify_code,
        issued_at=doc.issued_at,
        issued_by=(doc.facts or {}).get("doc_meta", {}).get("issued_by", ""),
        seal=doc.seal,
        copy=True,
        extra={"documents": case_facts.get("documents", [])},
    )
    pdf, _ = render_pdf_bytes(doc.template, ctx)
    with transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(reprints=doc.reprints + 1)
        audit.record(actor, AuditAction.VIEW, doc, detail={"operation": "documents.reprint", "number": doc.number})
    return pdf


# --- 作废: requested by the issuing side, approved by a leader; the original stays -------------------------


def _locked(doc: Document) -> Document:
    return Document.objects.select_for_update().get(pk=doc.pk)


def do_request_cancel(actor: Any, doc: Document, reason: str) -> Document:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("invalid", "请填写作废理由", {"reason": ["请填写作废理由"]})
    with transaction.atomic():
        doc = _locked(doc)
        if doc.status != DocumentStatus.ISSUED:
            raise ServiceError("bad_state", f"文书“{doc}”当前状态为“{doc.get_status_display()}”，不能申请作废。")
        doc.status, doc.cancel_reason, doc.cancel_requested_by = (
            DocumentStatus.CANCEL_PENDING,
            fit(Document, "cancel_reason", reason, field="reason"),
            actor,
        )
        doc.save(update_fields=["status", "cancel_reason", "cancel_requested_by", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            doc,
            changes={"状态": ["已签发", "作废待审批"]},
            detail={"operation": "documents.cancel_request", "reason": reason[:300]},
        )
    return doc


def do_decide_cancel(actor: Any, doc: Document, *, approve: bool, opinion: str = "") -> Document:
    with transaction.atomic():
        doc = _locked(doc)
        if doc.status != DocumentStatus.CANCEL_PENDING:
            raise ServiceError("bad_state", f"文书“{doc}”当前状态为“{doc.get_status_display()}”，不能审批作废。")
        if doc.cancel_requested_by_id == getattr(actor, "pk", None):
            raise ServiceError("self_approval", "作废申请须由申请人以外的负责人审批")
        doc.status = DocumentStatus.CANCELLED if approve else DocumentStatus.ISSUED
        doc.decided_by, doc.decided_at = actor, timezone.now()
        doc.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        after = "已作废" if approve else "已签发"
        audit.record(
            actor,
            AuditAction.UPDATE,
            doc,
            changes={"状态": ["作废待审批", after]},
            detail={
                "operation": "documents.cancel_approve" if approve else "documents.cancel_reject",
                "opinion": opinion[:300],
            },
        )
    return doc
