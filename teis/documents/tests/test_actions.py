"""The declared actions of documents: 申请作废 (the issuing side), 批准作废 / 驳回作废 (a leader), as four users on
the page and the API; the original is kept either way."""

from __future__ import annotations

import pytest

from teis.core.testing_mixins import GenericActionTests
from teis.documents.choices import DocumentStatus
from teis.documents.models import Document

from .factories import make_document

pytestmark = pytest.mark.django_db


class TestRequestCancel(GenericActionTests):
    model_label, action = "documents.document", "request_cancel"

    def make_object(self, unit, n, ready=True):
        return make_document(unit, n, status=DocumentStatus.ISSUED if ready else DocumentStatus.CANCELLED)

    def input_data(self, ctx, obj):
        return {"reason": "当事人名称书写错误"}

    def done(self, obj: Document):
        return obj.status == DocumentStatus.CANCEL_PENDING and obj.cancel_reason == "当事人名称书写错误"


class TestApproveCancel(GenericActionTests):
    model_label, action = "documents.document", "approve_cancel"

    def make_object(self, unit, n, ready=True):
        status = DocumentStatus.CANCEL_PENDING if ready else DocumentStatus.ISSUED
        return make_document(unit, n, status=status, cancel_reason="书写错误")

    def input_data(self, ctx, obj):
        return {"opinion": "同意作废"}

    def done(self, obj: Document):
        return obj.status == DocumentStatus.CANCELLED and obj.decided_by_id is not None


class TestRejectCancel(GenericActionTests):
    model_label, action = "documents.document", "reject_cancel"

    def make_object(self, unit, n, ready=True):
        status = DocumentStatus.CANCEL_PENDING if ready else DocumentStatus.CANCELLED
        return make_document(unit, n, status=status, cancel_reason="书写错误")

    def input_data(self, ctx, obj):
        return {"opinion": "理由不成立"}

    def done(self, obj: Document):
        return obj.status == DocumentStatus.ISSUED and obj.decided_by_id is not None
