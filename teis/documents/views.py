"""Pages of the documents app: preview and issue from a step, download and 副本, template editing with preview,
the electronic case file with its progress, and 扫码查案 (一案一码). The public verification page is in
`verify_views`."""

from __future__ import annotations

import urllib.parse

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from teis.cases.services.case import access_case
from teis.core.services import ServiceError
from teis.core.views import require

from .choices import CaseFileStatus
from .codes import parse_verify_code
from .models import CaseFile, Document, DocumentTemplate, DocumentType
from .services import casefile as casefile_services
from .services import catalogue, issuing
from .templating import render_html


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{urllib.parse.quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
def preview(request, case_pk: int, type_code: str):
    require(request, "documents.view_document")
    case = access_case(request.user, case_pk)
    try:
        data = issuing.preview_pdf(request.user, case, type_code)
    except ServiceError as err:
        return HttpResponse(err.message, status=400, content_type="text/plain; charset=utf-8")
    return pdf_response(data, f"{type_code}-预览.pdf")


@login_required
@require_POST
def issue(request, case_pk: int, type_code: str):
    require(request, "documents.issue_document")
    case = access_case(request.user, case_pk)
    step = issuing.current_step_id(case)
    try:
        doc = issuing.issue_document(
            request.user, case, type_code, step=step, paper_number=request.POST.get("paper_number", "")
        )
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, f"已签发《{doc.doc_type.name}》，文号 {doc.number}")
    return redirect(_next(request, reverse("cases:case_detail", args=[case.pk])))


def _document(request, pk: int) -> Document:
    require(request, "documents.view_document")
    return get_object_or_404(
        Document.objects.for_user(request.user).select_related("doc_type", "template", "seal"), pk=pk
    )


@login_required
def download(request, pk: int):
    doc = _document(request, pk)
    return pdf_response(issuing.open_original(request.user, doc), f"{doc.doc_type.name}-{doc.number}.pdf", inline=False)


@login_required
def reprint(request, pk: int):
    doc = _document(request, pk)
    return pdf_response(issuing.reprint_pdf(request.user, doc), f"{doc.doc_type.name}-{doc.number}-副本.pdf")


# --- templates ---------------------------------------------------------------------------------------------


def _sample_pdf(doc_type: DocumentType, source: str) -> bytes:
    from teis.core.pdf import html_document

    from .sample import sample_facts

    ctx = issuing.document_context(
        doc_type, sample_facts(), number="〔文号〕", verify_code="", issued_at=timezone.now(), preview=True
    )
    return html_document(render_html(source, ctx)).write_pdf()


@login_required
def template_sample(request, pk: int):
    require(request, "documents.view_documenttemplate")
    tpl = get_object_or_404(DocumentTemplate.objects.for_user(request.user).select_related("doc_type"), pk=pk)
    return pdf_response(_sample_pdf(tpl.doc_type, tpl.source), f"{tpl.doc_type.name}-v{tpl.version}-样张.pdf")


@login_required
def template_edit(request, pk: int):
    require(request, "documents.add_documenttemplate")
    doc_type = get_object_or_404(DocumentType.objects.for_user(request.user), pk=pk)
    base = catalogue.current_template(doc_type)
    source_pk = request.GET.get("from", "")
    if source_pk.isdigit():
        base = get_object_or_404(DocumentTemplate.objects.filter(doc_type=doc_type), pk=int(source_pk))
    source, note, error = base.source, "", ""
    if request.method == "POST":
        source, note = request.POST.get("source", ""), request.POST.get("note", "")
        try:
            if request.POST.get("do") == "preview":
                catalogue.check_source(source)
                return pdf_response(_sample_pdf(doc_type, source), f"{doc_type.name}-预览.pdf")
            tpl = catalogue.do_save_template(request.user, doc_type, source, note)
        except ServiceError as err:
            error = err.message
        else:
            messages.success(request, f"已保存为第 {tpl.version} 版；已签发的文书仍使用原版本。")
            return redirect("documents:documenttype_detail", pk=doc_type.pk)
    from .facts import SCHEMA

    return render(
        request,
        "documents/template_edit.html",
        {
            "doc_type": doc_type,
            "base": base,
            "source": source,
            "note": note,
            "error": error,
            "schema": sorted(SCHEMA.items()),
        },
        status=400 if error else 200,
    )


# --- 电子卷宗 --------------------------------------------------------------------------------------------------


@login_required
@require_POST
def casefile_request(request, case_pk: int):
    require(request, "documents.add_casefile")
    case = access_case(request.user, case_pk)
    try:
        casefile = casefile_services.do_request_case_file(request.user, case)
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect("cases:case_detail", pk=case.pk)
    return redirect("documents:casefile_progress", pk=casefile.pk)


def _casefile(request, pk: int) -> CaseFile:
    require(request, "documents.view_casefile")
    return get_object_or_404(CaseFile.objects.for_user(request.user).select_related("case"), pk=pk)


@login_required
def casefile_progress(request, pk: int):
    casefile = _casefile(request, pk)
    template = "documents/_casefile_progress.html" if request.htmx else "documents/casefile_progress.html"
    return render(
        request,
        template,
        {"casefile": casefile, "running": casefile.status in (CaseFileStatus.PENDING, CaseFileStatus.RUNNING)},
    )


@login_required
def casefile_download(request, pk: int):
    casefile = _casefile(request, pk)
    if casefile.status != CaseFileStatus.DONE:
        raise Http404
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction
    from teis.core.storage import get_storage

    with get_storage().open(casefile.file_name, "rb") as fh:
        data = fh.read()
    audit.record(request.user, AuditAction.VIEW, casefile, detail={"operation": "documents.casefile_download"})
    return pdf_response(data, f"电子卷宗-{casefile.case.case_code}.pdf", inline=False)


# --- 一案一码 ------------------------------------------------------------------------------------------------


@login_required
def scan(request):
    """The box a USB scanner types into (or the phone camera fills): a case code opens the case, a 文号 the
    document, a verification code its verification page."""
    require(request, "cases.view_enforcementcase")
    query = (request.GET.get("q") or "").strip()
    if query:
        from teis.cases.models import EnforcementCase

        case = EnforcementCase.objects.for_user(request.user).filter(case_code=query).first()
        if case is not None:
            return redirect("cases:case_detail", pk=case.pk)
        if request.user.has_perm("documents.view_document"):
            doc = Document.objects.for_user(request.user).filter(number=query).first()
            if doc is not None:
                return redirect("documents:document_detail", pk=doc.pk)
        code = parse_verify_code(query)
        if code is not None and Document.objects.filter(verify_code=code).exists():
            return redirect("documents_verify:verify", code=code)
        messages.error(request, f"未找到编码为“{query[:40]}”的案件或文书（或不在您的数据权限范围内）。")
    return render(request, "documents/scan.html", {"q": query})


urlpatterns = [
    path("case/<int:case_pk>/preview/<slug:type_code>/", preview, name="preview"),
    path("case/<int:case_pk>/issue/<slug:type_code>/", issue, name="issue"),
    path("case/<int:case_pk>/casefile/", casefile_request, name="casefile_request"),
    path("file/<int:pk>/download/", download, name="download"),
    path("file/<int:pk>/copy/", reprint, name="reprint"),
    path("types/<int:pk>/template/", template_edit, name="template_edit"),
    path("templates/<int:pk>/sample/", template_sample, name="template_sample"),
    path("casefiles/<int:pk>/progress/", casefile_progress, name="casefile_progress"),
    path("casefiles/<int:pk>/download/", casefile_download, name="casefile_download"),
    path("scan/", scan, name="scan"),
]
