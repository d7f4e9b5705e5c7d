# ruff: noqa: F811  (pytest fixtures imported from test_processes)
"""The gateway variables of the case diagrams are set where the step is done: the step form registered for
the user task (teis:form) shows above the decision on the task page, is validated there and in the API's
`data`, and its values decide the branch (涉嫌犯罪 → 涉刑衔接审核 → 移送司法机关; 听证; 处置方式 ...)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from teis.cases import step_forms
from teis.cases.models import EnforcementCase
from teis.cases.services import record
from teis.core.testing import logged_in_client
from teis.workflow import bpmn
from teis.workflow.choices import Decision, InstanceStatus

from ._record import as_form, step_facts
from .test_processes import FILES, act, active, defs, make_case, people, start  # noqa: F401

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
TEIS = bpmn.TEIS_NS

pytestmark = pytest.mark.django_db

TO_CASE_APPROVAL = [
    ("officer", "Task_PreRegister"),
    ("squad", "Task_FilingApproval"),
    ("officer", "Task_Register"),
]


def at_case_approval(people, tree, **kw):
    instance = start(people, make_case(people, tree, **kw))
    for user, step in TO_CASE_APPROVAL:
        act(instance, people[user], step)
    return instance


def at_finding(people, tree):
    instance = at_case_approval(people, tree)
    act(instance, people["brigade"], "Task_CaseApproval")
    return instance


def the_task(instance, spec_name):
    rows = list(active(instance))
    assert [r.spec_name for r in rows] == [spec_name]
    return rows[0]


def post_page(user, task, **fields):
    data = {"decision": Decision.APPROVE, "opinion": "同意", "lock_version": task.instance.lock_version, **fields}
    return logged_in_client(user).post(reverse("workflow:task_action", args=[task.pk, "complete"]), data)


def post_api(user, task, data, decision=Decision.APPROVE):
    return logged_in_client(user).post(
        f"/api/v1/workflow/tasks/{task.pk}/complete/",
        {"decision": decision, "opinion": "同意", "data": data},
        content_type="application/json",
    )


# --- diagrams ------------------------------------------------------------------------------------------------


def test_every_gateway_variable_has_a_step_form(defs):
    """Each diagram's decided variables are fields of the form of the step that decides them, in every variant."""
    expected = {
        "Task_CaseApproval": ("cases.case_approval", {"criminal", "transfer_case"}),
        "Task_Finding": ("cases.finding", {"hearing"}),
        "Task_Decision": ("cases.decision", {"remedy"}),
        "Task_LegalReview": ("cases.legal_review", {"discussion_leaders"}),  # the 集体讨论 会签 signers
        "Task_UrgeWait": ("cases.urge_wait", {"paid"}),
        "Task_CoerciveDuring": ("cases.coercive_during", {"extend", "to_penalty"}),
        "Task_DisposalApply": ("cases.disposal", {"disposal"}),
    }
    seen = set()
    for path in FILES:
        root = etree.parse(str(path)).getroot()
        for task in root.iter(f"{{{BPMN}}}userTask"):
            form = task.get(f"{{{TEIS}}}form")
            if task.get("id") in expected:
                key, fields = expected[task.get("id")]
                assert form == key, (path.name, task.get("id"))
                # the gateway variables, besides the facts the step records (teis.cases.services.record)
                assert fields <= set(bpmn.FORM_CLASSES[key].base_fields)
                assert not (set(bpmn.FORM_CLASSES[key].base_fields) - fields) & record.PROCESS_VARIABLES
                seen.add(task.get("id"))
            elif form is not None:
                # a fact-recording step: its fields are record facts, none a gateway variable
                assert set(bpmn.FORM_CLASSES[form].base_fields) <= record.FACT_FIELDS | {"is_major"}, form
    assert seen == set(expected)
    assert set(step_forms.FORMS) <= set(bpmn.FORMS)


# --- task page -----------------------------------------------------------------------------------------------


def test_page_shows_the_step_form_and_criminal_goes_to_judicial_transfer(people, tree):
    instance = at_case_approval(people, tree, title="非法营运涉嫌犯罪案")
    task = the_task(instance, "Task_CaseApproval")
    client = logged_in_client(people["brigade"])
    page = client.get(reverse("workflow:task", args=[task.pk])).content.decode()
    assert 'id="step-form"' in page and "涉嫌犯罪，移送司法机关" in page and "移送其他机关" in page
    assert page.index("涉嫌犯罪，移送司法机关") < page.index("审批结论")

    resp = post_page(people["brigade"], task, criminal="on")
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    instance.refresh_from_db()
    review = the_task(instance, "Task_CriminalReview")
    resp = post_page(people["legal"], review)
    assert resp.status_code == 302
    instance.refresh_from_db()
    act(instance, people["officer"], "Task_JudicialTransfer")
    assert instance.status == InstanceStatus.COMPLETED


def test_page_without_ticks_stays_with_the_unit(people, tree):
    instance = at_case_approval(people, tree)
    assert post_page(people["brigade"], the_task(instance, "Task_CaseApproval")).status_code == 302
    instance.refresh_from_db()
    the_task(instance, "Task_Finding")


def test_page_transfer_case_goes_to_handover(people, tree):
    instance = at_case_approval(people, tree)
    assert post_page(people["brigade"], the_task(instance, "Task_CaseApproval"), transfer_case="on").status_code == 302
    instance.refresh_from_db()
    the_task(instance, "Task_Handover")


def test_page_hearing_reaches_the_hearing_step(people, tree):
    instance = at_finding(people, tree)
    task = the_task(instance, "Task_Finding")
    page = logged_in_client(people["officer"]).get(reverse("workflow:task", args=[task.pk])).content.decode()
    assert "当事人申请听证" in page
    case = EnforcementCase.objects.get(pk=instance.subject_id)
    facts = as_form(step_facts(case, "Task_Finding"))
    resp = post_page(people["officer"], task, **facts, hearing="on", hearing_requested_at=str(timezone.localdate()))
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    instance.refresh_from_db()
    the_task(instance, "Task_Hearing")


def test_page_step_without_form_shows_none(people, tree):
    instance = start(people, make_case(people, tree))
    act(instance, people["officer"], "Task_PreRegister")
    task = the_task(instance, "Task_FilingApproval")  # an approval: it records nothing
    page = logged_in_client(people["squad"]).get(reverse("workflow:task", args=[task.pk])).content.decode()
    assert 'id="step-form"' not in page
    assert 'id="task-case-link"' in page  # but the approver sees the case


def test_page_bad_value_is_400_in_chinese_and_nothing_moves(people, tree, make_user):
    keeper = make_user("evidence_admin", "squad1", username="case_keeper")
    instance = start(people, make_case(people, tree), "case_property")
    act(instance, people["officer"], "Task_PropertyRegister")
    act(instance, keeper, "Task_PropertyCustody")
    task = the_task(instance, "Task_DisposalApply")
    resp = post_page(people["officer"], task, disposal="burn")
    assert resp.status_code == 400
    assert "处置方式无效，可选：移交、返还、拍卖" in resp.content.decode()
    instance.refresh_from_db()
    the_task(instance, "Task_DisposalApply")

    assert post_page(people["officer"], task, disposal="auction").status_code == 302
    instance.refresh_from_db()
    act(instance, people["brigade"], "Task_DisposalApproval")
    the_task(instance, "Task_PropertyAuction")


def test_page_overdue_paid_ends_the_process(people, tree):
    instance = start(people, make_case(people, tree), "case_overdue")
    act(instance, people["officer"], "Task_Urge")
    assert post_page(people["officer"], the_task(instance, "Task_UrgeWait"), paid="on").status_code == 302
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED


# --- API -----------------------------------------------------------------------------------------------------


def test_api_criminal_and_hearing(people, tree):
    instance = at_case_approval(people, tree)
    resp = post_api(people["brigade"], the_task(instance, "Task_CaseApproval"), {"criminal": True})
    assert resp.status_code == 200, resp.json()
    instance.refresh_from_db()
    the_task(instance, "Task_CriminalReview")

    instance = at_finding(people, tree)
    case = EnforcementCase.objects.get(pk=instance.subject_id)
    facts = {**as_form(step_facts(case, "Task_Finding")), "hearing_requested_at": str(timezone.localdate())}
    resp = post_api(people["officer"], the_task(instance, "Task_Finding"), {**facts, "hearing": "true"})
    assert resp.status_code == 200, resp.json()
    instance.refresh_from_db()
    the_task(instance, "Task_Hearing")


def test_api_keeps_other_data_keys(people, tree, make_user):
    receiver = make_user("field_officer", "squad2", username="case_receiver_api")
    instance = at_case_approval(people, tree)
    data = {"transfer_case": True, "assignee_Task_Receive": receiver.pk}
    assert post_api(people["brigade"], the_task(instance, "Task_CaseApproval"), data).status_code == 200
    instance.refresh_from_db()
    act(instance, people["officer"], "Task_Handover")
    assert the_task(instance, "Task_Receive").assignee_id == receiver.pk


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"criminal": "abc"}, "criminal", "取值无效"),
        ({"criminal": 7}, "criminal", "取值无效"),
        ({"transfer_case": [True]}, "transfer_case", "取值无效"),
    ],
)
def test_api_bad_boolean_is_400_in_chinese(people, tree, data, field, message):
    instance = at_case_approval(people, tree)
    task = the_task(instance, "Task_CaseApproval")
    resp = post_api(people["brigade"], task, data)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "invalid_data" and message in body["message"] and field in body["fields"]
    instance.refresh_from_db()
    the_task(instance, "Task_CaseApproval")


def test_api_bad_choice_and_conflict_are_400(people, tree, make_user):
    keeper = make_user("evidence_admin", "squad1", username="case_keeper")
    instance = start(people, make_case(people, tree), "case_property")
    act(instance, people["officer"], "Task_PropertyRegister")
    act(instance, keeper, "Task_PropertyCustody")
    task = the_task(instance, "Task_DisposalApply")
    for data in ({"disposal": "burn"}, {}):
        resp = post_api(people["officer"], task, data)
        assert resp.status_code == 400
        assert resp.json()["fields"]["disposal"] and "处置方式" in resp.json()["message"]
    assert post_api(people["officer"], task, {"disposal": "transfer"}).status_code == 200
    instance.refresh_from_db()
    act(instance, people["brigade"], "Task_DisposalApproval")
    the_task(instance, "Task_PropertyTransfer")

    coercive = start(people, make_case(people, tree, procedure="coercive"), "case_coercive")
    act(coercive, people["officer"], "Task_CoerciveApply")
    act(coercive, people["brigade"], "Task_CoerciveApproval")
    act(coercive, people["officer"], "Task_CoerciveDecision")
    during = the_task(coercive, "Task_CoerciveDuring")
    resp = post_api(people["officer"], during, {"extend": True, "to_penalty": True})
    assert resp.status_code == 400 and "只能选择一项" in resp.json()["message"]
    assert post_api(people["officer"], during, {"to_penalty": True}).status_code == 200
    coercive.refresh_from_db()
    the_task(coercive, "Task_ToPenalty")
