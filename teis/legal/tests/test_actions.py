"""The declared actions of the legal knowledge base (`legal/tables.py`): the legal review of a discretion
deviation (批准 / 驳回) and the acknowledgement of a legal-basis warning, each run by core's generated action tests
— anonymous / without permission / permitted / out of scope / forbidden state, on the API and the detail page —
and tests of the facts each writes (who, when, what)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from teis.audit.models import AuditRecord
from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import GenericActionTests
from teis.legal.choices import ApplicationStatus, ProvisionStatus, WarningStatus
from teis.legal.models import DiscretionApplication, LegalChangeWarning
from teis.legal.services.discretion import do_apply_discretion

from ._code_fixtures import make_benchmark, make_code, make_law

pytestmark = pytest.mark.django_db


def make_application(unit, n, status=ApplicationStatus.PENDING, created_by=None):
    code = make_code(None, f"DA{n:04d}"[-6:])
    benchmark = make_benchmark(code)
    return DiscretionApplication.objects.create(
        violation_code=code,
        level=benchmark.levels.get(name="轻微"),
        unit=unit,
        amount=Decimal("800"),
        conditions_met=["初次违法"],
        deviation="金额 800 元超出基准 200–500 元",
        reason="情节特殊",
        status=status,
        created_by=created_by,
    )


class _Review(GenericActionTests):
    """The reviewer is a legal reviewer (法制审核员) besides holding the action's permission."""

    model_label = "legal.discretionapplication"

    @pytest.fixture(autouse=True)
    def _reviewer(self, ctx):
        from teis.org.models import Role

        ctx.user.officer.roles.add(Role.objects.get(code="legal_reviewer"))

    def make_object(self, unit, n, ready=True):
        return make_application(unit, n, ApplicationStatus.PENDING if ready else ApplicationStatus.WITHIN)


class TestApplicationApprove(_Review):
    action = "approve"

    def input_data(self, ctx, obj):
        return {"opinion": "同意"}

    def done(self, obj):
        return obj.status == ApplicationStatus.APPROVED and obj.decided_by_id is not None


class TestApplicationReject(_Review):
    action = "reject"

    def input_data(self, ctx, obj):
        return {"opinion": "金额过高"}

    def done(self, obj):
        return obj.status == ApplicationStatus.REJECTED and obj.decision_opinion == "金额过高"


def make_warning(n, status=WarningStatus.OPEN):
    _, _, rows = make_law(f"预警动作条例{n}", articles=1)
    code = make_code(None, f"WA{n:04d}"[-6:], violated=[rows["a1"]])
    return LegalChangeWarning.objects.create(
        provision=rows["a1"], change=ProvisionStatus.AMENDED, violation_code=code, status=status
    )


class TestWarningAcknowledge(GenericActionTests):
    model_label, action = "legal.legalchangewarning", "acknowledge"
    permitted_scope = "own"  # warnings are reference data: the data scope does not apply

    def make_object(self, unit, n, ready=True):
        return make_warning(n, WarningStatus.OPEN if ready else WarningStatus.ACKNOWLEDGED)

    def input_data(self, ctx, obj):
        return {"note": "经核对，修改后的条款不影响本代码"}

    def done(self, obj):
        return obj.status == WarningStatus.ACKNOWLEDGED and obj.handled_by_id is not None

    def test_out_of_scope_is_404(self, ctx):
        pytest.skip("a legal-basis warning is not organisation-bound (no unit): every maintainer sees every warning")


# --- the facts written ----------------------------------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "reviewer": make_user("legal_reviewer", "brigade1"),
        "officer": make_user("field_officer", "squad1"),
    }


def _records(obj):
    return AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("pk")


def test_review_writes_who_when_what_and_tells_the_applicant(people):
    reviewer, officer = people["reviewer"], people["officer"]
    code = make_code(reviewer, "DF0001")
    make_benchmark(code, reviewer)
    app = do_apply_discretion(
        officer, violation_code=code, level="轻微", amount="900", conditions_met=["初次违法"], reason="情节特殊"
    )
    todo = TodoItem.objects.get(user=reviewer, source_key=f"discretion:{app.pk}")
    page = reverse("legal:discretionapplication_detail", args=[app.pk])
    assert todo.url == page
    rc = logged_in_client(reviewer)
    html = rc.get(page).content.decode()
    assert 'value="approve"' in html and 'value="reject"' in html and "200.00–500.00" in html
    # the applicant sees the page, not the buttons; an applicant may not decide their own application
    oc = logged_in_client(officer)
    assert 'value="reject"' not in oc.get(page).content.decode()
    resp = rc.post(page, {"_action": "reject", "reject-opinion": ""})
    assert resp.status_code == 400 and DiscretionApplication.objects.get(pk=app.pk).status == ApplicationStatus.PENDING
    resp = rc.post(page, {"_action": "reject", "reject-opinion": "金额过高"})
    assert resp.status_code == 302 and resp.url == page
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED and app.decided_by == reviewer and app.decided_at is not None
    assert app.decision_opinion == "金额过高"
    record = _records(app).last()
    assert record.actor == reviewer and record.detail["op"] == "decide"
    assert record.changes["审核意见"][1] == "金额过高" and "状态" in record.changes and record.at is not None
    assert TodoItem.objects.get(pk=todo.pk).status != TodoStatus.OPEN
    note = Notification.objects.get(user=officer)
    assert "已驳回" in note.title and "金额过高" in note.body and note.url == page
    assert "已驳回" in oc.get(page).content.decode()


def test_acknowledge_writes_who_when_what(people):
    reviewer = people["reviewer"]
    warning = make_warning(1)
    resp = logged_in_client(reviewer).post(
        f"/api/v1/legal/legalchangewarnings/{warning.pk}/acknowledge/",
        {"note": "已核对"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED and warning.handled_by == reviewer
    assert warning.handled_at is not None and warning.note == "已核对"
    record = _records(warning).last()
    assert record.actor == reviewer and record.changes == {"状态": ["待处理", "已确认"]}
    assert record.detail["note"] == "已核对"
    assert not warning.violation_code.__class__.objects.get(pk=warning.violation_code_id).legal_change_flag
