"""Rule 13 for the documents app: the generic pages and API of every registered model, as four users.

Documents, templates, seals and case files are written only by their services (issuing, template versions,
seal creation, the case-file job): their generic pages and API are read-only. Document types are kept by the
legal section through the generic form."""

from __future__ import annotations

import pytest

from teis.core.testing_mixins import GenericModelTests
from teis.documents.models import CaseFile, DocumentTemplate, DocumentType
from teis.documents.services.catalogue import ensure_catalogue
from teis.documents.services.seals import _create_seal

from .factories import handler_for, make_document

pytestmark = pytest.mark.django_db


class TestDocumentGeneric(GenericModelTests):
    model_label = "documents.document"
    unique_column = "number"
    lookup_field = "number"

    def make_object(self, unit, n):
        return make_document(unit, n)

    def form_data(self, ctx, n):
        return {"number": f"x{n}"}


class TestDocumentTypeGeneric(GenericModelTests):
    model_label = "documents.documenttype"
    unique_column = "name"
    lookup_field = "name"
    scoped = False

    def make_object(self, unit, n):
        return DocumentType.objects.create(code=f"t{n}", name=f"测试文书{n}", category="decision", abbr="测", order=0)

    def form_data(self, ctx, n):
        return {
            "code": f"new{n}",
            "name": f"新文书{n}",
            "category": "decision",
            "abbr": "新",
            "copies": 1,
            "order": 100,
            "official": "on",
            "is_active": "on",
        }

    def edit_form_data(self, ctx, obj, n):
        data = self.form_data(ctx, n)
        data.pop("code")
        return data

    def api_update_data(self, ctx, obj, n):
        return {"name": f"改名文书{n}"}


class TestDocumentTemplateGeneric(GenericModelTests):
    model_label = "documents.documenttemplate"
    unique_column = "note"
    lookup_field = "note"
    scoped = False

    def make_object(self, unit, n):
        ensure_catalogue()
        doc_type = DocumentType.objects.get(code="violation_notice")
        return DocumentTemplate.objects.create(doc_type=doc_type, version=100 + n, source="x", note=f"版本说明{n}")

    def form_data(self, ctx, n):
        return {"note": f"x{n}"}


class TestUnitSealGeneric(GenericModelTests):
    model_label = "documents.unitseal"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        from teis.org.models import Unit
        from teis.org.services import UnitService

        # a unit of its own under `unit` (one seal per unit), with a 执法主体编码 so it is its own subject
        child = UnitService().do_create(
            None, Unit, {"name": f"执法主体{n}", "unit_type": "squad", "parent": unit, "subject_code": f"S{n}"}
        )
        return _create_seal(None, child)

    def form_data(self, ctx, n):
        return {"name": f"x{n}"}


class TestCaseFileGeneric(GenericModelTests):
    model_label = "documents.casefile"
    unique_column = "case"

    def make_object(self, unit, n):
        from teis.cases.models import EnforcementCase

        case = EnforcementCase.objects.create(unit=unit, handler=handler_for(unit), title=f"卷宗测试案{n}")
        return CaseFile.objects.create(case=case, unit=unit)

    def form_data(self, ctx, n):
        return {"case": 1}
