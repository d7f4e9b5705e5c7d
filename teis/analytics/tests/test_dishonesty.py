"""失信 analysis: the configurable rules list candidates with their evidence cases; a reviewed candidate keeps its
decision when the rules run again; the confirmed list exports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.analytics.choices import CandidateStatus, RuleKind
from teis.analytics.models import DishonestyCandidate
from teis.analytics.services import dishonesty
from teis.analytics.tests import _objects as o
from teis.analytics.tests.factories import make_case
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client


def _org_case(unit, user, days_ago, fine, code="91310000MA1FL0XX1A", **kw):
    from teis.cases.models import Party

    day = timezone.localdate() - dt.timedelta(days=days_ago)
    case = make_case(unit, user, filed=day, decided=day, fine=fine, **kw)
    Party.objects.create(case=case, kind="organisation", name="上海某某客运有限公司", credit_code=code)
    return case


@pytest.mark.embedded
def test_rules_find_candidates_with_evidence(db, tree, make_user):
    legal = make_user("legal_reviewer", "corps")
    officer = make_user("field_officer", "squad1")
    cases = [_org_case(tree["squad1"], officer, d, 1000) for d in (10, 40, 90)]
    _org_case(tree["squad1"], officer, 20, 1000, code="91310000MA1FL0YY2B")  # once only
    _org_case(tree["squad1"], officer, 400, 1000, code="91310000MA1FL0YY2B")  # outside the period
    unpaid = _org_case(tree["squad3"], officer, 100, 20000, code="91310000MA1FL0ZZ3C", title="非法营运")
    unpaid.payment_status, unpaid.payment_due = "overdue", timezone.localdate() - dt.timedelta(days=60)
    unpaid.save()
    o.rule(1, RuleKind.REPEATED, period_days=365, threshold=3)
    o.rule(2, RuleKind.UNPAID, overdue_days=30)
    o.rule(3, RuleKind.SERIOUS_CAUSE, period_days=365, min_fine=10000, cause_keywords="非法,擅自")
    result = dishonesty.do_run_rules(legal)
    assert result["added"] == 3
    repeated = DishonestyCandidate.objects.get(rule__kind=RuleKind.REPEATED)
    assert repeated.case_count == 3 and set(repeated.cases.values_list("pk", flat=True)) == {c.pk for c in cases}
    assert DishonestyCandidate.objects.get(rule__kind=RuleKind.UNPAID).cases.get() == unpaid
    assert DishonestyCandidate.objects.get(rule__kind=RuleKind.SERIOUS_CAUSE).cases.get() == unpaid
    # reviewed: kept as decided when the rules run again
    dishonesty.do_confirm(legal, repeated, "认定")
    _org_case(tree["squad1"], officer, 5, 500)
    assert dishonesty.do_run_rules(legal)["added"] == 0
    repeated.refresh_from_db()
    assert repeated.status == CandidateStatus.CONFIRMED and repeated.case_count == 3
    with pytest.raises(ServiceError):
        dishonesty.do_reject(legal, o.candidate(tree["corps"], 77), "")  # a reason is required
    # the confirmed list, exported from the filtered list
    resp = logged_in_client(legal).get("/analytics/dishonestycandidate/export/?status=confirmed")
    assert resp.status_code in (200, 302)


def test_no_active_rule_is_refused(db, make_user):
    with pytest.raises(ServiceError, match="没有启用"):
        dishonesty.do_run_rules(make_user("legal_reviewer", "corps"))
