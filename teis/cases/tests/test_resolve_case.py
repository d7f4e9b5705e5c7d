"""Every box that links a case accepts its 统一案件编码, its 文号 or its id — one resolver, one refusal."""

import pytest

from teis.cases.models import EnforcementCase
from teis.cases.services.case import find_case, resolve_case
from teis.core.services import ServiceError

pytestmark = pytest.mark.django_db

CODE = "310115202612070001"


@pytest.fixture
def case(make_user):
    officer = make_user("field_officer", "squad1")
    return EnforcementCase.objects.create(
        handler=officer, unit=officer.officer.unit, title="拒载", case_code=CODE, file_number="沪交执罚〔2026〕12号"
    )


def test_code_file_number_and_id_resolve_to_the_case(case):
    user = case.handler
    for ref in (CODE, f" {CODE} ", "沪交执罚〔2026〕12号", str(case.pk), "３１０１１５２０２６１２０７０００１"):
        assert find_case(user, ref) == case, ref
    assert resolve_case(EnforcementCase.objects.all(), "") is None


def test_outside_scope_or_unknown_is_one_refusal(case, make_user):
    stranger = make_user("field_officer", "squad2")
    for user, ref in ((stranger, CODE), (case.handler, "310115209912310099"), (case.handler, "")):
        with pytest.raises(ServiceError) as exc:
            find_case(user, ref)
        assert "case" in exc.value.fields


def test_evidence_and_petition_links_accept_the_unified_code(case):
    from teis.evidence.services import links
    from teis.evidence.services.ingest import _resolve_case, clean_metadata

    assert links.find_case(case.handler, CODE) == case
    meta = clean_metadata(case.handler, {"case": CODE})
    assert _resolve_case(case.handler, meta["case"]) == case
