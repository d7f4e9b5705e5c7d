"""转入行政处罚 (teis.cases.services.derive): a 行政强制 measure ended in the penalty procedure, or a 行政检查 handled
by 立案查处, pre-registers a general-procedure case for the first case's handler with what it knows (parties,
vehicles, 案由, violation codes, facts), linked both ways, the measure's held property moved to it; the new case
waits in its handler's inbox; both case pages show the link; a refusal of the new case refuses the step."""

from __future__ import annotations

import pytest

from teis.cases.choices import CaseStatus, PropertyStatus
from teis.cases.models import CaseProperty, EnforcementCase
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.workflow.choices import Decision, TaskStatus

from . import test_coercive_inspection as coercive_tests
from ._record import measure_facts
from .test_coercive_inspection import do, measure, started, task, to_decision

people = coercive_tests.people  # the fixture, shared

pytestmark = pytest.mark.django_db


def _derived(case) -> EnforcementCase:
    return EnforcementCase.objects.get(origin_case=case)


def _vehicle_held(people, tree):
    """A vehicle held under a decided 暂扣, at 强制措施期间处理 with 转入行政处罚 chosen."""
    case = started(people, tree, "coercive")
    to_decision(case, people, measure_kind="vehicle", measure_plate="沪A12345", measure_objects="")
    do(case, people["officer"], "Task_CoerciveDecision")
    do(case, people["officer"], "Task_CoerciveDuring", {"to_penalty": True})
    return case


def test_vehicle_measure_to_penalty_makes_the_penalty_case_with_the_property(people, tree):
    case = _vehicle_held(people, tree)
    held = measure(case).properties.get()
    do(case, people["officer"], "Task_ToPenalty", {"measure_result": "to_penalty", "result_note": "非法营运事实清楚"})

    new = _derived(case)
    assert new.status == CaseStatus.PRE_REGISTERED and new.procedure == "general"
    assert new.handler == case.handler and new.unit == case.unit and new.created_by == case.handler
    assert new.facts == "非法营运事实清楚" and new.title.endswith("（转入行政处罚）")
    assert new.case_cause_id == case.case_cause_id
    assert set(new.violation_codes.all()) == set(case.violation_codes.all())
    assert [(p.name, p.id_number) for p in new.parties.all()] == [(p.name, p.id_number) for p in case.parties.all()]
    assert [v.plate for v in new.vehicles.all()] == [v.plate for v in case.vehicles.all()]
    held = CaseProperty.objects.get(pk=held.pk)
    assert held.case == new and held.status == PropertyStatus.SEIZED  # still held, now for the penalty decision
    # the new case runs the general procedure and waits for its handler
    open_rows = list(new.process.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]))
    assert open_rows and new.process.definition.key.startswith("case_general")

    api = logged_in_client(people["officer"])
    assert api.get(f"/api/v1/cases/{case.pk}/").json()["derived_cases"] == [new.pk]
    assert api.get(f"/api/v1/cases/{new.pk}/").json()["origin_case"] == case.pk
    page = logged_in_client(people["officer"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-derived"' in page and new.title in page
    page = logged_in_client(people["officer"]).get(f"/cases/{new.pk}/").content.decode()
    assert 'id="case-origin"' in page and case.title in page


def test_released_and_confiscated_measures_make_no_case(people, tree):
    case = _vehicle_held(people, tree)
    do(
        case,
        people["officer"],
        "Task_ToPenalty",
        {"measure_result": "confiscated", "result_note": "沪交执罚〔2026〕1号"},
    )
    assert not EnforcementCase.objects.filter(origin_case=case).exists()


def test_a_refused_penalty_case_refuses_the_step_and_writes_nothing(people, tree, monkeypatch):
    from teis.cases.services import intake

    case = _vehicle_held(people, tree)

    def refuse(*args, **kwargs):
        raise ServiceError("invalid", "预登记信息有误：案由“旧案由”已删除或未启用")

    monkeypatch.setattr(intake, "do_pre_register", refuse)
    with pytest.raises(ServiceError, match="旧案由"):
        do(case, people["officer"], "Task_ToPenalty", {"measure_result": "to_penalty", "result_note": "转入处罚"})
    task(case, "Task_ToPenalty")  # the process did not move
    assert measure(case).result == "" and not EnforcementCase.objects.filter(origin_case=case).exists()


def test_inspection_filed_as_a_case_makes_the_penalty_case_at_review(people, tree):
    case = started(people, tree, "inspection")
    facts = {
        **measure_facts(case, "Task_InspectionRegister"),
        "inspection_co_inspector": people["officer2"].pk,
        "inspection_result": "problems",
        "inspection_problems": "擅自改装营运车辆 1 辆",
        "inspection_handling": "file_case",
    }
    do(case, people["officer"], "Task_InspectionRegister", facts)
    assert not EnforcementCase.objects.filter(origin_case=case).exists()  # not before the review
    do(case, people["squad"], "Task_InspectionReview", {}, opinion="同意立案查处")
    new = _derived(case)
    assert new.handler == new.created_by == people["officer"]  # registered for the handler, who goes on with it
    assert new.facts == "擅自改装营运车辆 1 辆" and new.status == CaseStatus.PRE_REGISTERED


def test_an_inspection_returned_at_review_makes_no_case(people, tree):
    case = started(people, tree, "inspection")
    facts = {
        **measure_facts(case, "Task_InspectionRegister"),
        "inspection_co_inspector": people["officer2"].pk,
        "inspection_result": "problems",
        "inspection_problems": "擅自改装营运车辆 1 辆",
        "inspection_handling": "file_case",
    }
    do(case, people["officer"], "Task_InspectionRegister", facts)
    do(case, people["squad"], "Task_InspectionReview", {}, Decision.RETURN, "证据不足，补充检查")
    assert not EnforcementCase.objects.filter(origin_case=case).exists()
