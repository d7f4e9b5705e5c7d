"""The bpmn-js modeler and viewer in a real browser: an administrator edits the sample process (a refused save
marks the element, a valid one makes version 2); the task page shows the diagram with the current node."""

import re
from pathlib import Path

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = "sample_approval"


def login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))


@pytest.fixture
def sample(roles):
    from teis.workflow import services

    sample = Path(services.__file__).parents[1] / "processes" / "sample_approval.bpmn"
    return services.ensure_definitions(None, [sample])[0]


def element(page, bpmn_id):
    return page.locator(f'#bpmn-modeler g.djs-element.djs-shape[data-element-id="{bpmn_id}"]')


def test_modeler_edits_and_saves_a_new_version(page, sysadmin, sample, shots):
    from teis.workflow.bpmn import parse_definition
    from teis.workflow.models import ProcessDefinition

    login(page, "sysadmin")
    page.click("#side-menu >> text=流程定义")
    page.wait_for_url(re.compile(r"/workflow/processdefinition/$"))
    page.click("#object-table a >> text=sample_approval")
    page.click("text=流程设计")
    page.wait_for_url(re.compile(rf"/workflow/definitions/{KEY}/design/$"))
    page.wait_for_selector('#bpmn-modeler[data-loaded="1"]')
    svg = page.locator("#bpmn-modeler .djs-container > svg").text_content()
    for name in ("中队审核", "大队审批", "squad_leader", "brigade_leader"):
        assert name in svg, svg
    page.screenshot(path=f"{shots}/workflow_modeler.png", full_page=True)

    # rename the squad task to an id the engine reserves: the server refuses and the element is marked
    element(page, "Task_SquadReview").click()
    page.fill('#modeler-props input[name="id"]', "End")
    page.press('#modeler-props input[name="id"]', "Tab")
    page.click("#save-btn")
    status = page.locator("#modeler-status.alert-danger")
    status.wait_for()
    assert "元素 End：元素标识与引擎保留名称冲突" in status.inner_text()
    assert "teis-error" in (element(page, "End").get_attribute("class") or "")
    page.screenshot(path=f"{shots}/workflow_modeler_error.png", full_page=True)
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1

    # the refused element is selected: fix its id in the properties and rename the task: saved as version 2
    assert page.input_value('#modeler-props input[name="id"]') == "End"
    page.fill('#modeler-props input[name="id"]', "Task_SquadReview")
    page.press('#modeler-props input[name="id"]', "Tab")
    page.fill('#modeler-props input[name="name"]', "中队初审")
    page.press('#modeler-props input[name="name"]', "Tab")
    page.click("#save-btn")
    ok = page.locator("#modeler-status.alert-success")
    ok.wait_for()
    assert "已保存为第 2 版" in ok.inner_text()
    assert page.locator("#bpmn-modeler .teis-error").count() == 0
    assert page.locator('#version-list li[data-version="2"]').count() == 1
    v2 = ProcessDefinition.objects.get(key=KEY, is_current=True)
    assert v2.version == 2 and 'name="中队初审"' in v2.bpmn_xml and 'id="Task_SquadReview"' in v2.bpmn_xml
    assert 'teis:deadlineDays="3"' in v2.bpmn_xml  # the TEIS attributes survive the modeler

    # a unit chosen at run time: the variable must be declared, here on the process through the pool
    element(page, "Task_BrigadeApprove").click()
    page.fill('#modeler-props input[name="teis:unitVar"]', "approve_unit")
    page.press('#modeler-props input[name="teis:unitVar"]', "Tab")
    page.click("#save-btn")
    refused = page.locator("#modeler-status.alert-danger")
    refused.wait_for()
    assert "单位变量 approve_unit 不是本流程的流程变量" in refused.inner_text()
    element(page, "Participant_1").click(position={"x": 12, "y": 40})
    page.fill('#modeler-props input[name="teis:variables"]', "approve_unit， approve_role")
    page.press('#modeler-props input[name="teis:variables"]', "Tab")
    page.click("#save-btn")
    page.wait_for_selector("#modeler-status.alert-success >> text=已保存为第 3 版")
    v3 = ProcessDefinition.objects.get(key=KEY, is_current=True)
    assert 'teis:unitVar="approve_unit"' in v3.bpmn_xml
    assert 'teis:variables="approve_unit approve_role"' in v3.bpmn_xml
    assert parse_definition(v3.bpmn_xml, KEY)[0].tasks["Task_BrigadeApprove"].unit_var == "approve_unit"

    # version 1 is shown read-only
    page.goto(f"/workflow/definitions/{KEY}/design/?version=1")
    page.wait_for_selector('#bpmn-modeler[data-loaded="1"]')
    assert "中队审核" in page.locator("#bpmn-modeler .djs-container > svg").text_content()
    assert page.locator("#save-btn").count() == 0


def test_task_page_diagram_highlights_current_node(page, make_user, tree, sample, shots, monkeypatch):
    from teis.workflow import services
    from teis.workflow.choices import Decision, TaskStatus

    # Playwright's loop runs in this thread: the live count push (async_to_sync) cannot run here; not under test.
    monkeypatch.setattr("teis.core.notify.push_counts", lambda user_id: None)

    officer = make_user("field_officer", "squad1", username="officer1")
    squad = make_user("squad_leader", "squad1", username="squad1lead")
    make_user("brigade_leader", "brigade1", username="brigade1lead")
    instance = services.start_process(officer, KEY, None, tree["squad1"], {}, subject_label="浙A12345 超限运输")
    services.complete_task(squad, instance.tasks.get(status=TaskStatus.OPEN), Decision.APPROVE, "情况属实")
    wt = instance.tasks.get(status=TaskStatus.OPEN)

    login(page, "brigade1lead")
    page.goto(f"/workflow/tasks/{wt.pk}/")
    page.wait_for_selector('[data-bpmn-diagram][data-loaded="1"]')
    current = page.locator("g.djs-element.teis-current")
    assert current.count() == 1
    assert current.first.get_attribute("data-element-id") == "Task_BrigadeApprove"
    done = page.locator('g.djs-element.teis-done[data-element-id="Task_SquadReview"]')
    assert done.count() == 1
    # the marker colours the node (CSS from the include)
    fill = page.evaluate(
        """() => getComputedStyle(document.querySelector(
             'g.teis-current .djs-visual > :first-child')).fill"""
    )
    assert fill.replace(" ", "") == "rgb(207,226,255)", fill
    assert "情况属实" in page.inner_text(".workflow-history")
    page.screenshot(path=f"{shots}/workflow_task_diagram.png", full_page=True)
