"""`{% case_documents case %}` (the case page's documents section) and `{% step_documents case step %}` (the
task page's 生成文书 panel). Used by teis/templates/documents/_case_documents.html and _step_documents.html."""

from django import template

from ..models import CaseFile, Document
from ..services import issuing

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("documents/_case_documents_section.html", takes_context=True)
def case_documents(context, case):
    user = _user(context)
    if user is None or not user.has_perm("documents.view_document"):
        return {"visible": False}
    docs = list(
        Document.objects.filter(case=case).select_related("doc_type", "issued_by__officer").order_by("issued_at", "pk")
    )
    casefile = CaseFile.objects.filter(case=case).order_by("-created_at").first()
    return {
        "visible": True,
        "case": case,
        "documents": docs,
        "casefile": casefile,
        "can_casefile": user.has_perm("documents.add_casefile") and bool(case.case_code),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.inclusion_tag("documents/_step_documents_section.html", takes_context=True)
def step_documents(context, case, step):
    user = _user(context)
    if user is None or not user.has_perm("documents.view_document") or not step:
        return {"visible": False}
    types = issuing.types_for_step(step)
    if not types:
        return {"visible": False}
    from .. import facts as facts_module

    case_facts = facts_module.case_facts(case)
    issued = {}
    for doc in Document.objects.filter(case=case, doc_type__in=types, status__in=issuing.LIVE).order_by("issued_at"):
        issued.setdefault(doc.doc_type_id, []).append(doc)
    rows = [
        {
            "type": t,
            "missing": issuing.missing_facts(case, t, case_facts),
            "issued": issued.get(t.pk, []),
            "paper": issuing.paper_stock_of(t),
        }
        for t in types
    ]
    request = context.get("request")
    return {
        "visible": True,
        "case": case,
        "rows": rows,
        "can_issue": user.has_perm("documents.issue_document"),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request else "",
    }
