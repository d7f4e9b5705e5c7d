"""What the documents app tells the cases app: whether a case has a document the process requires
(`teis.cases.steps.DOCUMENT_HOOK`). The step requirements name documents as the processes do (e.g.
行政处罚事先告知书); the catalogue knows those names as aliases of its types (违法行为通知书)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalogue import SPECS

if TYPE_CHECKING:
    from teis.cases.models import EnforcementCase

NAME_TO_CODE: dict[str, str] = {}
for _spec in SPECS:
    NAME_TO_CODE[_spec.name] = _spec.code
    for _alias in _spec.aliases:
        NAME_TO_CODE[_alias] = _spec.code


def has_document(case: EnforcementCase, document_name: str) -> bool:
    """True when `case` has an issued (not cancelled) document of the type named `document_name`. A name the
    catalogue does not know cannot be checked and counts as present."""
    from ..models import Document
    from .issuing import LIVE

    code = NAME_TO_CODE.get(document_name)
    if code is None or not case.pk:
        return True
    return Document.objects.filter(case_id=case.pk, doc_type__code=code, status__in=LIVE).exists()


def register() -> None:
    from teis.cases.steps import DOCUMENT_HOOK

    DOCUMENT_HOOK["has_document"] = has_document
