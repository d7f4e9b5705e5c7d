"""The modeler's endpoints (XML, save as a new version) and the instance diagram data for the bpmn-js viewer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client
from teis.workflow import services
from teis.workflow.choices import Decision, TaskStatus
from teis.workflow.models import ProcessDefinition, ProcessInstance

pytestmark = pytest.mark.django_db

SAMPLE = Path(services.__file__).parents[1] / "processes" / "sample_approval.bpmn"
KEY = "sample_approval"
DESIGN = f"/workflow/definitions/{KEY}/design/"
XML_URL = f"/workflow/definitions/{KEY}/xml/"
SAVE = f"/workflow/definitions/{KEY}/save/"


def sample_xml(**replace) -> str:
    xml = SAMPLE.read_text(encoding="utf-8")
    for old, new in replace.items():
        xml = xml.replace(old, new)
    return xml


@pytest.fixture
def defs(roles):
    return services.ensure_definitions(None, [SAMPLE])


@pytest.fixture
def people(make_user, sysadmin, defs):
    return {
        "admin": sysadmin,
        "officer": make_user("field_officer", "squad1", username="officer1"),
        "squad": make_user("squad_leader", "squad1", username="squad1lead"),
        "other_squad": make_user("squad_leader", "squad2", username="squad2lead"),
        "other_officer": make_user("field_officer", "squad1", username="officer2"),
        "brigade": make_user("brigade_leader", "brigade1", username="brigade1lead"),
        "brigade2": make_user("brigade_leader", "brigade2", username="brigade2lead"),
    }


def start(people, tree):
    return services.start_process(people["officer"], KEY, None, tree["squad1"], {}, subject_label="测试案件")


def save(client, xml, **kw):
    return client.post(SAVE, data=json.dumps({"xml": xml}), content_type="application/json", **kw)


# --- XML and the modeler page ------------------------------------------------------------------------------------


def test_xml_endpoint_returns_current_and_older_versions(people):
    client = logged_in_client(people["officer"])  # every officer may read definitions
    resp = client.get(XML_URL)
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/xml")
    assert resp["X-Process-Version"] == "1"
    assert resp.content.decode() == SAMPLE.read_text(encoding="utf-8")
    services.do_save_definition(people["admin"], KEY, sample_xml(**{'name="大队审批"': 'name="大队长审批"'}))
    assert "大队长审批" in client.get(XML_URL).content.decode()
    old = client.get(XML_URL, {"version": 1})
    assert old["X-Process-Version"] == "1" and "大队长审批" not in old.content.decode()
    assert client.get(XML_URL, {"version": 9}).status_code == 404
    assert client.get(XML_URL, {"version": "x"}).status_code == 404
    assert client.get("/workflow/definitions/no_such/xml/").status_code == 404


def test_xml_endpoint_requires_login_and_view_permission(people, make_user):
    from django.test import Client

    assert Client().get(XML_URL).status_code == 302  # to the login page
    secadmin = make_user("security_admin", "corps", username="secadmin")
    assert logged_in_client(secadmin).get(XML_URL).status_code == 403


def test_design_page_for_admin_only(people):
    resp = logged_in_client(people["admin"]).get(DESIGN)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "保存为新版本" in html and 'id="bpmn-modeler"' in html
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    config = resp.context["modeler_config"]
    assert config["readOnly"] is False and config["version"] == 1
    assert {"code": "brigade_leader", "name": "大队长"} in config["roles"]
    assert logged_in_client(people["officer"]).get(DESIGN).status_code == 403
    assert logged_in_client(people["admin"]).get("/workflow/definitions/no_such/design/").status_code == 404


def test_design_page_shows_older_version_read_only(people):
    services.do_save_definition(people["admin"], KEY, sample_xml(**{'name="大队审批"': 'name="大队长审批"'}))
    client = logged_in_client(people["admin"])
    resp = client.get(DESIGN, {"version": 1})
    assert resp.status_code == 200
    assert resp.context["modeler_config"]["readOnly"] is True
    html = resp.content.decode()
    assert "只读查看第 1 版" in html and 'id="save-btn"' not in html
    assert "bpmn-navigated-viewer.production.min.js" in html
    assert [v.version for v in resp.context["versions"]] == [2, 1]
    assert client.get(DESIGN, {"version": 7}).status_code == 404


# --- saving --------------------------------------------------------------------------------------------------------


def test_save_valid_diagram_makes_new_version_and_running_instances_keep_theirs(people, tree):
    running = start(people, tree)
    client = logged_in_client(people["admin"])
    resp = save(client, sample_xml(**{'name="大队审批"': 'name="大队长审批"'}))
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["version"] == 2 and body["unchanged"] is False and "第 2 版" in body["message"]
    v2 = ProcessDefinition.objects.get(key=KEY, version=2)
    assert v2.is_current and v2.source == "流程设计器" and v2.created_by == people["admin"]
    assert not ProcessDefinition.objects.get(key=KEY, version=1).is_current
    assert AuditRecord.objects.filter(detail__operation="workflow.save_definition", object_id=str(v2.pk)).exists()
    # the running instance stays on version 1; a new one starts on version 2
    assert ProcessInstance.objects.get(pk=running.pk).definition.version == 1
    services.complete_task(people["squad"], running.tasks.get(status=TaskStatus.OPEN), Decision.APPROVE, "")
    assert running.tasks.get(status=TaskStatus.OPEN).name == "大队审批"
    assert start(people, tree).definition_id == v2.pk
    # saving the same XML again changes nothing
    same = save(client, v2.bpmn_xml).json()
    assert same["unchanged"] is True and same["version"] == 2
    assert ProcessDefinition.objects.filter(key=KEY).count() == 2


def test_save_accepts_form_field(people):
    resp = logged_in_client(people["admin"]).post(SAVE, {"bpmn_xml": sample_xml(**{"示例审批": "示例审批流程"})})
    assert resp.status_code == 200 and resp.json()["version"] == 2


@pytest.mark.parametrize(
    ("replace", "element", "reason"),
    [
        ({'name="brigade_leader"': 'name="dragon_keeper"'}, "Lane_brigade", "泳道 dragon_keeper 不是已知角色"),
        (
            {'teis:deadlineDays="3"': 'teis:deadlineDays="3" teis:form="no.such.form"'},
            "Task_SquadReview",
            "表单 no.such.form 未注册",
        ),
        ({'decision == "return"': '__import__("os").system("x")'}, "Flow_Return", "条件表达式不合规"),
        (
            {
                'id="sample_approval"': 'id="other_process"',
                'processRef="sample_approval"': 'processRef="other_process"',
            },
            "other_process",
            "流程标识应为 sample_approval",
        ),
    ],
)
def test_save_invalid_diagram_is_400_naming_the_element(people, replace, element, reason):
    resp = save(logged_in_client(people["admin"]), sample_xml(**replace))
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "invalid_bpmn"
    assert body["element"] == element
    assert body["message"].startswith(f"元素 {element}：") and reason in body["message"]
    assert body["fields"]
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1  # nothing written


@pytest.mark.parametrize(
    ("payload", "content_type", "code"),
    [
        ("{not json", "application/json", "invalid_json"),
        (json.dumps({"xml": ""}), "application/json", "invalid_bpmn"),
        (json.dumps(["x"]), "application/json", "invalid_bpmn"),
        (json.dumps({"xml": "<not xml"}), "application/json", "invalid_bpmn"),
    ],
)
def test_save_bad_input_is_400_json(people, payload, content_type, code):
    resp = logged_in_client(people["admin"]).post(SAVE, data=payload, content_type=content_type)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == code and body["message"]
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1


def test_save_requires_change_permission(people):
    resp = save(logged_in_client(people["brigade"]), sample_xml(**{"示例审批": "改名"}))
    assert resp.status_code == 403
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1
    assert AuditRecord.objects.filter(detail__permission="workflow.change_processdefinition").exists()
    assert logged_in_client(people["admin"]).get(SAVE).status_code == 405


def test_save_unknown_key_is_404(people):
    resp = logged_in_client(people["admin"]).post(
        "/workflow/definitions/no_such/save/", data=json.dumps({"xml": sample_xml()}), content_type="application/json"
    )
    assert resp.status_code == 404


# --- registry: list, detail action, menu -------------------------------------------------------------------------


def test_definition_list_detail_action_and_menu(people):
    admin = logged_in_client(people["admin"])
    resp = admin.get("/workflow/processdefinition/")
    assert resp.status_code == 200 and "示例审批" in resp.content.decode()
    assert "流程定义" in resp.content.decode()  # menu entry in 系统管理
    definition = ProcessDefinition.objects.get(key=KEY)
    detail = admin.get(f"/workflow/processdefinition/{definition.pk}/").content.decode()
    assert "流程设计" in detail and DESIGN in detail
    officer = logged_in_client(people["officer"])
    officer_detail = officer.get(f"/workflow/processdefinition/{definition.pk}/")
    assert officer_detail.status_code == 200 and DESIGN not in officer_detail.content.decode()
    assert 'href="/workflow/processdefinition/"' not in officer.get("/").content.decode()
    assert admin.get(f"/workflow/processdefinition/{definition.pk}/edit/").status_code == 404  # modeler only


# --- the instance diagram ----------------------------------------------------------------------------------------


def diagram(user, instance):
    return logged_in_client(user).get(f"/workflow/instances/{instance.pk}/diagram/")


def test_diagram_json_marks_current_and_done(people, tree):
    instance = start(people, tree)
    body = diagram(people["squad"], instance).json()
    assert body["xml"] == SAMPLE.read_text(encoding="utf-8")  # lanes get role names in the viewer (data-role-names)
    assert body["current"] == ["Task_SquadReview"] and body["done"] == []
    assert body["version"] == 1 and body["name"] == "示例审批"
    services.complete_task(people["squad"], instance.tasks.get(status=TaskStatus.OPEN), Decision.APPROVE, "好")
    body = diagram(people["brigade"], instance).json()
    assert body["current"] == ["Task_BrigadeApprove"] and body["done"] == ["Task_SquadReview"]
    # 退回: the squad task is current again; the brigade step is done
    services.complete_task(people["brigade"], instance.tasks.get(status=TaskStatus.OPEN), Decision.RETURN, "补充")
    body = diagram(people["squad"], instance).json()
    assert body["current"] == ["Task_SquadReview"] and body["done"] == ["Task_BrigadeApprove"]


def test_diagram_json_uses_the_instance_version(people, tree):
    instance = start(people, tree)
    services.do_save_definition(people["admin"], KEY, sample_xml(**{'name="大队审批"': 'name="大队长审批"'}))
    body = diagram(people["squad"], instance).json()
    assert body["version"] == 1 and "大队长审批" not in body["xml"]


def test_diagram_json_is_scoped(people, tree, client):
    instance = start(people, tree)
    assert diagram(people["other_squad"], instance).status_code == 404  # another squad
    assert diagram(people["brigade2"], instance).status_code == 404  # another brigade
    assert diagram(people["other_officer"], instance).status_code == 404  # OWN scope, not the starter
    assert diagram(people["officer"], instance).status_code == 200  # the starter
    assert diagram(people["squad"], instance).status_code == 200  # unit scope and candidate
    assert diagram(people["brigade"], instance).status_code == 200  # subtree
    assert diagram(people["admin"], ProcessInstance(pk=999999)).status_code == 404
    assert client.get(f"/workflow/instances/{instance.pk}/diagram/").status_code == 302


def test_diagram_json_for_a_named_assignee_outside_scope(people, tree):
    """A person given a task by name sees the diagram of that instance even outside their data scope."""
    instance = start(people, tree)
    wt = instance.tasks.get(status=TaskStatus.OPEN)
    assert diagram(people["other_officer"], instance).status_code == 404
    wt.assignee = people["other_officer"]
    wt.save(update_fields=["assignee"])
    assert diagram(people["other_officer"], instance).status_code == 200


def test_diagram_include_renders_viewer_and_history(people, tree):
    instance = start(people, tree)
    request = RequestFactory().get("/")
    request.user = people["squad"]
    html = render_to_string("workflow/_diagram.html", {"instance": instance}, request=request)
    assert f'data-bpmn-diagram="/workflow/instances/{instance.pk}/diagram/"' in html
    assert "bpmn-navigated-viewer.production.min.js" in html and "teis/bpmn-viewer.js" in html
    assert ".teis-current" in html and ".teis-done" in html
    assert "办理记录" in html and "中队审核" in html  # the history beside it
    assert "col-xl-7" in html
    stacked = render_to_string("workflow/_diagram.html", {"instance": instance, "stacked": True}, request=request)
    assert "col-xl-7" not in stacked
    assert "尚未启动办理流程" in render_to_string("workflow/_diagram.html", {"instance": None}, request=request)


def test_task_page_includes_the_diagram(people, tree):
    instance = start(people, tree)
    wt = instance.tasks.get(status=TaskStatus.OPEN)
    html = logged_in_client(people["squad"]).get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert f'data-bpmn-diagram="/workflow/instances/{instance.pk}/diagram/"' in html


def test_vendored_bpmn_js_is_complete_and_local():
    from django.conf import settings

    root = Path(settings.BASE_DIR) / "teis" / "static" / "vendor" / "bpmn-js"
    for name in (
        "bpmn-modeler.production.min.js",
        "bpmn-navigated-viewer.production.min.js",
        "assets/diagram-js.css",
        "assets/bpmn-js.css",
        "assets/bpmn-font/css/bpmn.css",
        "assets/bpmn-font/font/bpmn.woff2",
    ):
        text = (root / name).read_bytes()
        assert len(text) > 1000, name
        assert b"sourceMappingURL" not in text
    package = json.loads((Path(settings.BASE_DIR) / "package.json").read_text())
    assert package["dependencies"]["bpmn-js"].startswith("18.")
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert total < 4 * 1024 * 1024
