"""案件移交 / 案件接收 and the property it carries: 案件审批 sends the case to another squad, whose squad leader
receives it and names the handler; the case, its process (later steps go to the new unit) and its held property
move; and 结案 waits until the case's seized property is disposed of."""

from __future__ import annotations

import pytest

from teis.cases.choices import PropertyStatus
from teis.cases.models import CaseDecision, CaseProperty
from teis.cases.services import property as properties
from teis.core.services import ServiceError
from teis.workflow import services as wf
from teis.workflow.choices import Decision

from .test_record import do, people, started, task, walk_to  # noqa: F401  (people is a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def receivers(make_user):
    return {
        "squad2_leader": make_user("squad_leader", "squad2", username="ho_squad2"),
        "squad2_officer": make_user("field_officer", "squad2", username="ho_officer2"),
    }


def _seize(case, officer):
    return properties.do_register_property(
        officer, case, {"description": "出租汽车一辆", "kind": "vehicle", "plate": "沪A·T0001"}
    )


def test_handover_moves_the_case_its_process_and_its_property(people, receivers, tree):  # noqa: F811
    case = started(people, tree)
    walk_to(case, people, "Task_CaseApproval")
    item = _seize(case, people["officer"])
    do(case, people["brigade"], "Task_CaseApproval", {"transfer_case": True})
    handover = task(case, "Task_Handover")
    with pytest.raises(ServiceError) as exc:  # its own unit, no reason
        wf.complete_task(people["officer"], handover, Decision.APPROVE, "", {"handover_unit": tree["squad1"].pk})
    assert set(exc.value.fields) == {"handover_unit", "handover_reason"}
    data = {"handover_unit": tree["squad2"].pk, "handover_reason": "违法行为发生地属第二中队管辖"}
    wf.complete_task(people["officer"], handover, Decision.APPROVE, "", data)
    receive = task(case, "Task_Receive")
    assert receive.candidate_unit == tree["squad2"]  # the receiving squad's leader, not the sending one
    with pytest.raises(ServiceError) as exc:  # a handler from the sending squad is refused
        wf.complete_task(
            receivers["squad2_leader"], receive, Decision.APPROVE, "", {"receive_handler": people["officer"].pk}
        )
    assert "第二中队" in exc.value.fields["receive_handler"][0]
    wf.complete_task(
        receivers["squad2_leader"],
        receive,
        Decision.APPROVE,
        "接收",
        {"receive_handler": receivers["squad2_officer"].pk},
    )
    case.refresh_from_db()
    item.refresh_from_db()
    rec = CaseDecision.objects.get(case=case)
    assert (case.unit, case.handler) == (tree["squad2"], receivers["squad2_officer"])
    assert case.process.unit == tree["squad2"]
    assert (rec.handover_from, rec.handover_unit) == (tree["squad1"], tree["squad2"]) and rec.handover_received_at
    assert item.keeper_unit == tree["squad2"] and item.status == PropertyStatus.TRANSFERRED
    finding = task(case, "Task_Finding")
    assert finding.candidate_unit == tree["squad2"]


def test_closing_waits_for_the_seized_property(people, tree):  # noqa: F811
    case = started(people, tree)
    walk_to(case, people, "Task_Execution")
    item = _seize(case, people["officer"])
    do(case, people["officer"], "Task_Execution")
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Archive")
    assert "尚有 1 件涉案财物未处置" in exc.value.message
    case.refresh_from_db()
    assert case.closed_at is None  # nothing half-written
    CaseProperty.objects.filter(pk=item.pk).update(status=PropertyStatus.RETURNED)
    do(case, people["officer"], "Task_Archive")
    assert case.closed_at is not None
