"""The 路政, 水上 and 海事 variants of the general procedure differ where their rules differ: their own 案件登记
forms and requirements (路产勘验 and its loss; the vessel and a 现场笔录) and, for 路政 and 海事, 案件审批 and
科室审批 by the 支队 rather than the 大队."""

from __future__ import annotations

from decimal import Decimal

import pytest

from teis.cases import steps
from teis.cases.models import CaseDecision
from teis.cases.step_forms import RegisterStepForm, RoadRegisterStepForm, VesselRegisterStepForm
from teis.core.services import ServiceError
from teis.workflow import bpmn
from teis.workflow import services as wf
from teis.workflow.choices import Decision

from ._record import make_full_case, step_facts
from .test_processes import FILES
from .test_record import task

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, roles):
    wf.ensure_definitions(None, FILES)
    return {
        "officer": make_user("field_officer", "squad1", username="var_officer"),
        "squad": make_user("squad_leader", "squad1", username="var_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="var_brigade"),
        "detachment": make_user("brigade_leader", "det1", username="var_det"),
    }


def _registering(people, tree, key):
    case = make_full_case(tree["squad1"], people["officer"])
    wf.start_process(people["officer"], key, case, case.unit, steps.start_data(case))
    case.refresh_from_db()
    case.process_key = key
    case.save(update_fields=["process_key"])
    wf.complete_task(people["officer"], task(case, "Task_PreRegister"), Decision.APPROVE, "", {})
    wf.complete_task(people["squad"], task(case, "Task_FilingApproval"), Decision.APPROVE, "同意", {})
    case.refresh_from_db()
    return case


def _forms():
    out = {}
    for path in FILES:
        parsed, _, _ = bpmn.parse_definition(path.read_text(encoding="utf-8"), path.stem)
        if "Task_Register" in parsed.tasks:
            out[path.stem] = parsed.tasks
    return out


def test_each_variant_names_its_own_register_form_and_approving_unit():
    tasks = _forms()
    assert tasks["case_general"]["Task_Register"].form == "cases.register"
    assert tasks["case_general_road"]["Task_Register"].form == "cases.road_register"
    assert tasks["case_general_water"]["Task_Register"].form == "cases.vessel_register"
    assert tasks["case_general_maritime"]["Task_Register"].form == "cases.vessel_register"
    units = {key: (t["Task_CaseApproval"].unit, t["Task_DeptApproval"].unit) for key, t in tasks.items()}
    assert units["case_general"] == units["case_general_water"] == ("brigade", "brigade")
    assert units["case_general_road"] == units["case_general_maritime"] == ("detachment", "detachment")
    assert {RoadRegisterStepForm, VesselRegisterStepForm} <= set(RegisterStepForm.__subclasses__())


def test_road_case_needs_its_examination_record_and_the_road_property_loss(people, tree):
    case = _registering(people, tree, "case_general_road")
    facts = step_facts(case, "Task_Register")  # an 询问笔录 only, no loss recorded
    with pytest.raises(ServiceError) as exc:
        wf.complete_task(people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", facts)
    assert "road_damage_settlement" in exc.value.fields
    bad = {**facts, "road_damage_settlement": "paid", "road_damage": "护栏损坏 6 米"}
    with pytest.raises(ServiceError) as exc:
        wf.complete_task(people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", bad)
    assert exc.value.fields == {"road_damage_amount": ["请填写路产损失赔偿金额"]}
    with pytest.raises(ServiceError) as exc:  # the loss recorded, but no 勘验笔录
        wf.complete_task(
            people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", {**bad, "road_damage_amount": "3600"}
        )
    assert "勘验笔录" in exc.value.message
    assert not CaseDecision.objects.filter(case=case, road_damage_settlement="paid").exists()  # nothing written
    good = {**bad, "road_damage_amount": "3600", "record_kind": "examination", "record_content": "护栏勘验"}
    wf.complete_task(people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", good)
    rec = CaseDecision.objects.get(case=case)
    assert (rec.road_damage_settlement, rec.road_damage_amount) == ("paid", Decimal("3600.00"))
    approval = task(case, "Task_CaseApproval")
    assert approval.candidate_unit == tree["det1"]  # the 支队 approves a 路政 case, not the 大队


@pytest.mark.parametrize("key", ["case_general_water", "case_general_maritime"])
def test_water_cases_identify_the_vessel_and_record_the_scene(people, tree, key):
    case = _registering(people, tree, key)
    facts = step_facts(case, "Task_Register")
    bad = {**facts, "vessel_name": "沪航 18", "vessel_number": "CN123", "vessel_mmsi": "12345"}
    with pytest.raises(ServiceError) as exc:
        wf.complete_task(people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", bad)
    assert set(exc.value.fields) == {"vessel_number", "vessel_mmsi"}
    with pytest.raises(ServiceError) as exc:  # an 询问笔录 is not the 现场笔录 the water rules ask for
        wf.complete_task(
            people["officer"],
            task(case, "Task_Register"),
            Decision.APPROVE,
            "",
            {**facts, "vessel_name": "沪航 18", "vessel_mmsi": "413123456"},
        )
    assert "现场笔录" in exc.value.message
    good = {
        **facts,
        "record_kind": "scene",
        "record_content": "登轮检查",
        "vessel_name": "沪航 18",
        "vessel_number": "cn20181234567",
        "vessel_mmsi": "413123456",
    }
    wf.complete_task(people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", good)
    rec = CaseDecision.objects.get(case=case)
    assert (rec.vessel_name, rec.vessel_number, rec.vessel_mmsi) == ("沪航 18", "CN20181234567", "413123456")
    expected = tree["det1"] if key == "case_general_maritime" else tree["brigade1"]
    assert task(case, "Task_CaseApproval").candidate_unit == expected


def test_the_general_procedure_keeps_its_own_requirements(people, tree):
    case = _registering(people, tree, "case_general")
    wf.complete_task(
        people["officer"], task(case, "Task_Register"), Decision.APPROVE, "", step_facts(case, "Task_Register")
    )
    assert task(case, "Task_CaseApproval").candidate_unit == tree["brigade1"]
