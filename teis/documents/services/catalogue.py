"""The catalogue in the database: `ensure_catalogue` creates the 46 types with their first template; saving an
edited template validates it and stores a new version (the old one stays for documents already issued)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, fit

from .. import templating
from ..catalogue import SPECS, initial_source
from ..models import DocumentTemplate, DocumentType

if TYPE_CHECKING:
    from typing import Any


def ensure_catalogue() -> int:
    """Create the missing types (and their version 1); keep the code-owned fields of the existing ones (issuing
    steps, aliases, required facts) in step with this release. Idempotent; returns how many types were created."""
    existing = {t.code: t for t in DocumentType.objects.all()}
    created = 0
    with transaction.atomic():
        for order, spec in enumerate(SPECS, start=1):
            current = existing.get(spec.code)
            if current is not None:
                owned = {
                    "steps": list(spec.steps),
                    "aliases": list(spec.aliases),
                    "required_facts": list(spec.required),
                }
                if any(getattr(current, k) != v for k, v in owned.items()):
                    DocumentType.objects.filter(pk=current.pk).update(**owned)
                continue
            doc_type = DocumentType.objects.create(
                code=spec.code,
                name=spec.name,
                category=spec.category,
                abbr=spec.abbr,
                steps=list(spec.steps),
                aliases=list(spec.aliases),
                required_facts=list(spec.required),
                copies=max(1, len(spec.copies)),
                copy_labels=list(spec.copies),
                order=order,
                official=spec.official,
            )
            DocumentTemplate.objects.create(doc_type=doc_type, version=1, source=initial_source(spec), note="初始式样")
            created += 1
    return created


def current_template(doc_type: DocumentType) -> DocumentTemplate:
    tpl = DocumentTemplate.objects.filter(doc_type=doc_type).order_by("-version").first()
    if tpl is None:
        raise ServiceError("no_template", f"文书“{doc_type.name}”尚无模板")
    return tpl


def check_source(source: str) -> None:
    try:
        templating.validate(source)
    except templating.TemplateProblem as exc:
        raise ServiceError("bad_template", exc.message, {"source": [exc.message]}) from exc


def do_save_template(actor: Any, doc_type: DocumentType, source: str, note: str = "") -> DocumentTemplate:
    """Validate `source` and store it as the type's next version. One transaction; audited."""
    check_source(source)
    with transaction.atomic():
        DocumentType.objects.select_for_update().filter(pk=doc_type.pk).first()
        last = DocumentTemplate.objects.filter(doc_type=doc_type).aggregate(v=Max("version"))["v"] or 0
        tpl = DocumentTemplate.objects.create(
            doc_type=doc_type,
            version=last + 1,
            source=source,
            note=fit(DocumentTemplate, "note", note),
            created_by=actor,
        )
        audit.record(
            actor, AuditAction.CREATE, tpl, detail={"operation": "documents.template_version", "version": tpl.version}
        )
    return tpl
