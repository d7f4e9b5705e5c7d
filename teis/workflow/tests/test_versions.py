"""Running instances on an older diagram version keep their step forms after a newer version is deployed."""

from __future__ import annotations

from pathlib import Path

import pytest

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.workflow import services
from teis.workflow.choices import Decision, TaskStatus

CASES = Path(services.__file__).parents[2] / "cases" / "processes"


@pytest.fixture
def general(roles):
    return services.ensure_definitions(None, [CASES / "case_general.bpmn"])[0]


def test_old_version_instance_shows_its_step_form(general, make_user, tree):
    officer = make_user("field_officer", "squad1", username="v_officer")
    squad = make_user("squad_leader", "squad1", username="v_squad")
    brigade = make_user("brigade_leader", "brigade1", username="v_brigade")
    v1_instance = services.start_process(officer, "case_general", None, tree["squad1"], {"is_major": False})
    # v2: the same form keys, another label; deployed while v1 runs
    xml = general.bpmn_xml.replace('name="案件审批"', 'name="案件审批（大队）"')
    v2 = services.do_save_definition(None, "case_general", xml)
    assert v2.version == general.version + 1
    for user in (officer, squad, officer):
        wt = v1_instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
        services.complete_task(user, wt, Decision.APPROVE, "同意")
    wt = v1_instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
    assert wt.spec_name == "Task_CaseApproval" and wt.name == "案件审批"  # still v1
    form = services.make_step_form(wt)
    assert form is not None and {"transfer_case", "criminal"} <= set(form.fields)
    html = logged_in_client(brigade).get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert 'id="step-form"' in html and 'name="criminal"' in html
    # and the form's data reaches the v1 engine
    services.complete_task(brigade, wt, Decision.APPROVE, "", services.step_form_data(wt, {"criminal": True}))
    nxt = v1_instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
    assert nxt.spec_name == "Task_CriminalReview"


def test_instance_on_a_version_without_forms_gets_the_newer_step_form(roles, make_user, tree):
    import re

    officer = make_user("field_officer", "squad1", username="w_officer")
    squad = make_user("squad_leader", "squad1", username="w_squad")
    brigade = make_user("brigade_leader", "brigade1", username="w_brigade")
    legal = make_user("legal_reviewer", "corps", username="w_legal")
    shipped = (CASES / "case_general.bpmn").read_text(encoding="utf-8")
    # v1: the diagram as first shipped, before its steps declared forms (and before 集体讨论 was a 会签)
    old = re.sub(r' teis:form="[^"]+"', "", shipped)
    old = old.replace(' teis:sign="all"', "")
    old = re.sub(
        r"\s*<bpmn:multiInstanceLoopCharacteristics>.*?</bpmn:multiInstanceLoopCharacteristics>", "", old, flags=re.S
    )
    v1 = services.do_save_definition(None, "case_general", old)
    running = services.start_process(officer, "case_general", None, tree["squad1"], {"is_major": False})
    v2 = services.do_save_definition(None, "case_general", shipped)
    assert running.definition_id == v1.pk and v2.version == v1.version + 1 and v2.is_current
    for user in (officer, squad, officer):
        services.complete_task(
            user, running.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]), Decision.APPROVE
        )
    wt = running.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
    assert wt.spec_name == "Task_CaseApproval" and wt.instance.definition_id == v1.pk
    form = services.make_step_form(wt)
    assert form is not None and {"transfer_case", "criminal"} <= set(form.fields)
    html = logged_in_client(brigade).get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert 'id="step-form"' in html and 'name="criminal"' in html
    r = logged_in_client(brigade).post(
        f"/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "opinion": "", "criminal": "on"}
    )
    assert r.status_code == 302
    assert running.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).spec_name == "Task_CriminalReview"
    # the v1 处罚复核 form has no 集体讨论 leaders to choose (v1's 集体讨论 is not a 会签)
    other = services.start_process(officer, "case_general", None, tree["squad1"], {"is_major": True})
    assert other.definition_id == v2.pk
    from teis.workflow.models import WorkTask

    fake = WorkTask(instance=running, spec_name="Task_LegalReview", kind="normal")
    assert "discussion_leaders" not in services.make_step_form(fake).fields
    new_task = WorkTask(instance=other, spec_name="Task_LegalReview", kind="normal")
    assert "discussion_leaders" in services.make_step_form(new_task).fields
    assert legal.pk  # the legal reviewer exists for the corps


# --- queries per step (perf, issue 4) -------------------------------------------------------------------------


def test_one_step_query_count(roles, make_user, tree):
    """Completing a step costs a fixed number of queries (perf, issue 4):
    - lock the instance (with its unit and parent), then the task with the instance's other active rows;
    - the actor's officer and roles (once per request);
    - finish the row and close its todos (one UPDATE … RETURNING);
    - the next role's holders, with whether each has an active substitute (their substitutes are read only then);
    - insert the next task; all the candidates' todos in one INSERT; store the instance;
    - the audit record, no savepoint of its own inside the step's transaction: on PostgreSQL one statement (a
      compare-and-set on the chain head, after the record this connection appended last), elsewhere chain head,
      insert, head update;
    - and the test's own savepoint pair around the service's transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.ensure_definitions(None, [Path(services.__file__).parents[1] / "processes" / "sample_approval.bpmn"])
    officer = make_user("field_officer", "squad1")
    squad = make_user("squad_leader", "squad1")
    make_user("brigade_leader", "brigade1")
    make_user("brigade_leader", "brigade1")  # two candidates for the next step: still one INSERT of todos
    instance = services.start_process(officer, "sample_approval", None, tree["squad1"], subject_label="计数")
    wt = instance.tasks.get(status=TaskStatus.OPEN)
    with CaptureQueriesContext(connection) as ctx:
        services.complete_task(squad, wt, Decision.APPROVE, "同意")
    statements = [q["sql"].split()[0].upper() for q in ctx.captured_queries]
    expected = 13 if connection.vendor == "postgresql" else 15
    assert len(ctx.captured_queries) == expected, "\n".join(q["sql"][:400] for q in ctx.captured_queries)
    # next task, its todos (both candidates), the audit record (PostgreSQL: WITH … INSERT)
    assert statements.count("INSERT") + statements.count("WITH") == 3


@pytest.mark.django_db(transaction=True)
def test_step_refreshes_live_counts_once_after_commit_without_counting(roles, make_user, tree, monkeypatch):
    """The live todo counts of everyone a step touches (the completer's todo closed, the next candidates' todos
    posted) go out as ONE refresh after commit; nothing is counted in or after the step's transaction: the open
    pages count for themselves (perf, issue 4)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teis.core import notify

    services.ensure_definitions(None, [Path(services.__file__).parents[1] / "processes" / "sample_approval.bpmn"])
    officer = make_user("field_officer", "squad1")
    squad = make_user("squad_leader", "squad1")
    brigade = [make_user("brigade_leader", "brigade1"), make_user("brigade_leader", "brigade1")]
    instance = services.start_process(officer, "sample_approval", None, tree["squad1"], subject_label="推送")
    wt = instance.tasks.get(status=TaskStatus.OPEN)
    sent: list[list[int]] = []
    monkeypatch.setattr(notify, "push_refresh", lambda user_ids: sent.append(sorted(user_ids)))
    with CaptureQueriesContext(connection) as ctx:
        services.complete_task(squad, wt, Decision.APPROVE, "同意")
    assert sent == [sorted([squad.pk, *(u.pk for u in brigade)])]
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    # a refused step commits nothing and pushes nothing
    sent.clear()
    with pytest.raises(ServiceError):
        services.complete_task(squad, wt, Decision.APPROVE, "再次")
    assert sent == []


def test_state_is_stored_without_the_spec_and_old_states_still_load(roles, make_user, tree):
    """The stored state leaves out the process spec (it is the definition's, cached): a fraction of the size. A
    state stored with its spec (before) still loads and moves on (perf, issue 4)."""
    import json

    from teis.workflow import bpmn
    from teis.workflow.models import ProcessInstance

    general = services.ensure_definitions(None, [CASES / "case_general.bpmn"])[0]
    officer = make_user("field_officer", "squad1", username="s_officer")
    squad = make_user("squad_leader", "squad1", username="s_squad")
    instance = services.start_process(officer, "case_general", None, tree["squad1"], {"is_major": False})
    stored = json.loads(instance.state)
    assert stored["spec"] is None and stored["tasks"]
    full = bpmn.SERIALIZER.serialize_json(services.load_workflow(instance))
    assert json.loads(full)["spec"]["name"] == "case_general"
    assert len(instance.state) * 3 < len(full)
    # an instance saved the old way (spec inside) goes on, and is stored the new way after its next step
    ProcessInstance.objects.filter(pk=instance.pk).update(state=full)
    instance.refresh_from_db()
    assert general.pk == instance.definition_id
    wt = instance.tasks.get(status=TaskStatus.OPEN)
    services.complete_task(officer, wt, Decision.APPROVE, "预登记完成")
    instance.refresh_from_db()
    assert json.loads(instance.state)["spec"] is None
    assert instance.current_step == "Task_FilingApproval"
    services.complete_task(squad, instance.tasks.get(status=TaskStatus.OPEN), Decision.APPROVE, "同意立案")
    instance.refresh_from_db()
    assert instance.current_step == "Task_Register"
