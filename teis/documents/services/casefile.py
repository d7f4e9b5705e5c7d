"""电子卷宗 (§2.5.1.7): the whole case file as one PDF — cover, 卷内目录, the documents in the legal order, the
evidence list with SM3 digests — with the file's page numbers (案卷页码) on every page; signed with the unit's
seal like a document. Built by a job (`tasks.build_case_file`) that reports its progress on the CaseFile row.

The issued documents are laid out again from their own template version and the facts they were issued with,
so their content is the signed one; only the 案卷页码 is added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto
from teis.core.pdf import html_document
from teis.core.services import ServiceError
from teis.core.storage import get_storage

from .. import facts as facts_module
from ..catalogue import FILE_ORDER
from ..choices import CaseFileStatus
from ..models import CaseFile, Document
from ..templating import render_html
from .catalogue import current_template
from .issuing import LIVE, document_context, get_type
from .seals import ensure_unit_seal, sign_digest

if TYPE_CHECKING:
    from collections.abc import Callable

    from teis.cases.models import EnforcementCase


def do_request_case_file(actor: Any, case: EnforcementCase) -> CaseFile:
    """Queue the build of the case's electronic file (after commit). Refused before the case is filed."""
    if not case.case_code:
        raise ServiceError("not_filed", "案件尚未立案赋码，不能生成电子卷宗")
    with transaction.atomic():
        casefile = CaseFile.objects.create(case=case, unit=case.unit, created_by=actor)
        audit.record(actor, AuditAction.CREATE, casefile, detail={"operation": "documents.casefile_request"})

        def enqueue() -> None:
            from ..tasks import build_case_file

            build_case_file(casefile.pk)

        transaction.on_commit(enqueue)
    return casefile


def _ordered_documents(case: EnforcementCase) -> list[Document]:
    rank = {code: i for i, code in enumerate(FILE_ORDER)}
    docs = Document.objects.filter(case=case, status__in=LIVE).select_related("doc_type", "template", "seal")
    return sorted(docs, key=lambda d: (rank.get(d.doc_type.code, 999), d.issued_at, d.pk))


def _doc_html(doc: Document, first_page: int) -> str:
    case_facts = {k: v for k, v in (doc.facts or {}).items() if k != "doc_meta"}
    ctx = document_context(
        doc.doc_type,
        case_facts,
        number=doc.number,
        verify_code=doc.verify_code,
        issued_at=doc.issued_at,
        seal=doc.seal,
        extra={"documents": case_facts.get("documents", []), "casefile_first_page": first_page},
    )
    return render_html(doc.template.source, ctx)


def _fresh_html(case_facts: dict[str, Any], type_code: str, first_page: int, documents: list[dict[str, Any]]) -> str:
    doc_type = get_type(type_code)
    ctx = document_context(
        doc_type,
        case_facts,
        number="",
        verify_code="",
        issued_at=timezone.now(),
        extra={"documents": documents, "casefile_first_page": first_page},
    )
    return render_html(current_template(doc_type).source, ctx)


def build(casefile: CaseFile, progress: Callable[[int, int], None] | None = None) -> CaseFile:
    """Lay out and sign the file (the job's work); `progress(done, total)` after each section."""
    case = casefile.case
    case_facts = facts_module.case_facts(case)
    docs = [d for d in _ordered_documents(case) if d.doc_type.code not in ("file_cover", "file_contents")]
    total = len(docs) + 4
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if progress:
            progress(step, total)

    cover = html_document(_fresh_html(case_facts, "file_cover", 1, []))
    tick()
    # the contents: page numbers depend on its own length, so lay it out until its page count is stable
    toc_pages = 1
    toc: Any = None  # laid out at least once below
    for _ in range(3):
        page = 1 + len(cover.pages) + toc_pages
        rows = []
        for d in docs:
            rows.append(
                {
                    "name": d.doc_type.name,
                    "number": d.number,
                    "page": str(page),
                    "date": timezone.localtime(d.issued_at).strftime("%Y-%m-%d"),
                }
            )
            page += d.pages
        rows.append({"name": "证据清单（含 SM3 摘要）", "number": "", "date": "", "page": str(page)})
        toc = html_document(_fresh_html(case_facts, "file_contents", 1 + len(cover.pages), rows))
        if len(toc.pages) == toc_pages:
            break
        toc_pages = len(toc.pages)
    tick()
    rendered = [cover, toc]
    page = 1 + len(cover.pages) + len(toc.pages)
    for d in docs:
        part = html_document(_doc_html(d, page))
        rendered.append(part)
        page += len(part.pages)
        tick()
    evidence_html = render_to_string(
        "documents/casefile_evidence.html",
        {
            **document_context(
                get_type("file_contents"), case_facts, number="", verify_code="", issued_at=timezone.now()
            ),
            "casefile_first_page": page,
        },
    )
    rendered.append(html_document(evidence_html))
    tick()
    pages = [p for r in rendered for p in r.pages]
    pdf = rendered[0].copy(pages).write_pdf()
    digest = crypto.sm3_digest(pdf)
    with transaction.atomic():
        seal = ensure_unit_seal(casefile.created_by, case.unit)
        signature = sign_digest(casefile.created_by, seal, digest, purpose="电子卷宗", reference=case.case_code or "")
        name = get_storage().save(f"documents/{case.pk}/casefile-{casefile.pk}.pdf", ContentFile(pdf))
        CaseFile.objects.filter(pk=casefile.pk).update(
            status=CaseFileStatus.DONE,
            file_name=name,
            pages=len(pages),
            sm3=digest.hex(),
            signature=signature.hex(),
            seal=seal,
            built_at=timezone.now(),
            done=total,
            total=total,
        )
    tick()
    casefile.refresh_from_db()
    return casefile
