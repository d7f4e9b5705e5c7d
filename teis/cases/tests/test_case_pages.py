"""Case pages: pre-registration form, the case page (masking, reveal, history, task link), lists, scope."""

# ruff: noqa: F811 - the shared case fixtures are imported from test_intake

from __future__ import annotations

import pytest
from django.utils import timezone

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client

from ..choices import CaseStatus
from ..models import EnforcementCase
from .test_intake import (  # noqa: F401
    ID_NUMBER,
    PHONE,
    assert_nothing_written,
    case_setup,
    media,
    officer,
    photo,
    pre_register,
    squad_leader,
)


@pytest.fixture(autouse=True)
def general_process(case_setup):
    """The page starts the case's own process (`case_general`); here the sample diagram stands in for it, so
    these tests do not depend on the case diagrams."""
    from teis.workflow import services as wf

    from ..services.case import register_listeners
    from .test_intake import SAMPLE

    wf.do_save_definition(None, "case_general", SAMPLE.read_text().replace("sample_approval", "case_general"))
    register_listeners()


def form_post(setup, **extra) -> dict:
    data = {
        "title": "网约车非法营运",
        "procedure": "general",
        "source": "on_site",
        "business_line": setup["taxi"].pk,
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "place": "虹桥枢纽",
        "lon": "121.32",
        "lat": "31.19",
        "violation_codes": [setup["code"].pk],
        "facts": "现场查获",
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "20",
        "parties-0-kind": "person",
        "parties-0-name": "王五",
        "parties-0-id_number": ID_NUMBER,
        "parties-0-phone": PHONE,
        "parties-0-address": "上海市闵行区申长路1号",
        "vehicles-TOTAL_FORMS": "1",
        "vehicles-INITIAL_FORMS": "0",
        "vehicles-MIN_NUM_FORMS": "0",
        "vehicles-MAX_NUM_FORMS": "20",
        "vehicles-0-plate": "沪B54321",
    }
    data.update(extra)
    return data


def test_pre_register_page(officer, case_setup):
    client = logged_in_client(officer)
    resp = client.get("/cases/new/")
    assert resp.status_code == 200
    assert "案件预登记" in resp.content.decode() and 'name="parties-TOTAL_FORMS"' in resp.content.decode()
    resp = client.post("/cases/new/", {**form_post(case_setup), "files": [photo()]})
    case = EnforcementCase.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/cases/{case.pk}/"
    assert case.parties.get().id_number == ID_NUMBER
    assert case.vehicles.get().plate == "沪B54321"
    assert case.evidence_links.get().item.original_name == "scene.jpg"  # an evidence item linked to the case
    assert case.process_key == "case_general" and case.current_step == "中队审核"


def test_pre_register_page_major_case_flag_reaches_the_process(officer, case_setup):
    client = logged_in_client(officer)
    assert 'name="is_major"' in client.get("/cases/new/").content.decode()
    resp = client.post("/cases/new/", {**form_post(case_setup), "is_major": "on"})
    case = EnforcementCase.objects.get()
    assert resp.status_code == 302 and case.is_major
    # the flag the general diagram's 是否重大案件 gateway reads
    from teis.workflow.services import load_workflow

    wf = load_workflow(case.process)
    assert any(t.data.get("is_major") is True for t in wf.get_tasks() if t.task_spec.name == "Task_SquadReview")


def test_pre_register_page_htmx_redirect(officer, case_setup):
    resp = logged_in_client(officer).post("/cases/new/", form_post(case_setup), HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and resp["HX-Redirect"].startswith("/cases/")


def test_pre_register_page_shows_service_errors_on_the_row(officer, case_setup, media):
    resp = logged_in_client(officer).post("/cases/new/", form_post(case_setup, **{"parties-0-id_number": "123"}))
    assert resp.status_code == 400
    assert "身份证号码应为 18 位" in resp.content.decode()
    assert_nothing_written(media)


def test_pre_register_page_needs_the_add_permission(squad_leader):
    assert logged_in_client(squad_leader).get("/cases/new/").status_code == 403


@pytest.fixture
def registered(officer, case_setup):
    return pre_register(officer, case_setup, [photo()])


def test_case_page_masks_personal_data(officer, registered):
    resp = logged_in_client(officer).get(f"/cases/{registered.pk}/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert ID_NUMBER not in html and PHONE not in html
    assert "110105********002X" in html and "138****5678" in html
    assert "data-reveal-url" not in html  # a field officer may not reveal
    assert "10001" in html and "办理记录" in html and "中队审核" in html
    assert "scene.jpg" in html


def test_reveal_is_for_permitted_users_and_audited(officer, make_user, registered):
    brigade = make_user("brigade_leader", "brigade1")
    party = registered.parties.get()
    client = logged_in_client(brigade)
    html = client.get(f"/cases/{registered.pk}/").content.decode()
    url = f"/cases/{registered.pk}/parties/{party.pk}/reveal/id_number/"
    assert url in html and ID_NUMBER not in html
    resp = client.post(url)
    assert resp.status_code == 200 and resp.json() == {"value": ID_NUMBER}
    assert AuditRecord.objects.filter(action=AuditAction.REVEAL, actor=brigade).exists()
    assert logged_in_client(officer).post(url).status_code == 403
    assert client.post(f"/cases/{registered.pk}/parties/{party.pk}/reveal/name/").status_code == 404


def test_case_page_links_the_current_task(squad_leader, registered):
    html = logged_in_client(squad_leader).get(f"/cases/{registered.pk}/").content.decode()
    task = registered.process.tasks.get()
    assert f"/workflow/tasks/{task.pk}/" in html and "办理：中队审核" in html


@pytest.fixture
def legacy_attachment(registered, officer):
    """A photo stored before the evidence centre took pre-registration files over (a CaseAttachment row)."""
    from django.core.files.base import ContentFile

    from teis.core.storage import get_storage

    from ..models import CaseAttachment

    name = get_storage().save(f"cases/{registered.pk}/old.jpg", ContentFile(b"\xff\xd8\xff old photo"))
    return CaseAttachment.objects.create(
        case=registered,
        file_name=name,
        original_name="old.jpg",
        content_type="image/jpeg",
        size=14,
        sm3="0" * 64,
        uploaded_by=officer,
    )


def test_out_of_scope_is_404(make_user, registered, legacy_attachment):
    for role, unit in [("field_officer", "squad1"), ("squad_leader", "squad2"), ("brigade_leader", "brigade2")]:
        client = logged_in_client(make_user(role, unit))
        assert client.get(f"/cases/{registered.pk}/").status_code == 404
        assert client.get(f"/cases/{registered.pk}/attachments/{legacy_attachment.pk}/").status_code == 404
        assert client.post(f"/cases/{registered.pk}/file/").status_code == 404


def test_legacy_attachment_listed_and_downloadable(officer, registered, legacy_attachment):
    client = logged_in_client(officer)
    html = client.get(f"/cases/{registered.pk}/").content.decode()
    assert "历史现场照片" in html and "old.jpg" in html
    resp = client.get(f"/cases/{registered.pk}/attachments/{legacy_attachment.pk}/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"\xff\xd8\xff")


def test_case_page_lists_the_pre_registration_photo_as_evidence(officer, registered):
    link = registered.evidence_links.select_related("item").get()
    html = logged_in_client(officer).get(f"/cases/{registered.pk}/").content.decode()
    assert f"/evidence/evidenceitem/{link.item.pk}/" in html and "案件预登记附件" in html
    assert "历史现场照片" not in html  # no legacy attachments on this case


def test_filing_from_the_page_submits_for_approval(officer, case_setup):
    from teis.workflow import services as wf

    from ..services import intake
    from .test_intake import case_data

    wf.ensure_definitions(None)
    case = intake.do_pre_register(officer, case_data(case_setup), process_key="case_general")
    client = logged_in_client(officer)
    assert "报请立案审批" in client.get(f"/cases/{case.pk}/").content.decode()
    resp = client.post(f"/cases/{case.pk}/file/", follow=True)
    assert "已报请立案审批" in resp.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.FILING and case.case_code is None  # no code before 立案审批
    assert "报请立案审批</button>" not in client.get(f"/cases/{case.pk}/").content.decode()


def test_list_filters_and_my_cases(officer, make_user, case_setup, registered):
    other_officer = make_user("field_officer", "squad3")
    other = pre_register(other_officer, case_setup, title="第三中队案件")
    leader = make_user("leadership", "corps")
    client = logged_in_client(leader)
    html = client.get("/cases/enforcementcase/").content.decode()
    assert registered.title in html and other.title in html
    brigade1 = case_setup["tree"]["brigade1"].pk
    html = client.get(f"/cases/enforcementcase/?unit={brigade1}").content.decode()
    assert registered.title in html and other.title not in html
    html = client.get("/cases/enforcementcase/?title=第三中队").content.decode()
    assert registered.title not in html and other.title in html
    html = client.get("/cases/enforcementcase/?status=investigating").content.decode()
    assert registered.title not in html
    day = timezone.localtime(registered.discovered_at).date().isoformat()  # an hour ago may be yesterday
    html = client.get(f"/cases/enforcementcase/?discovered_after={day}&procedure=general").content.decode()
    assert registered.title in html
    # a field officer's list and 我的案件 hold only their own
    html = logged_in_client(officer).get("/cases/enforcementcase/").content.decode()
    assert registered.title in html and other.title not in html
    html = logged_in_client(officer).get("/cases/mine/").content.decode()
    assert registered.title in html and other.title not in html
    # the generic detail URL leads to the case page
    resp = client.get(f"/cases/enforcementcase/{registered.pk}/")
    assert resp.status_code == 302 and resp["Location"] == f"/cases/{registered.pk}/"


def test_menu_entries(officer, squad_leader):
    html = logged_in_client(officer).get("/cases/mine/").content.decode()
    assert "案件预登记" in html and "我的案件" in html
    html = logged_in_client(squad_leader).get("/cases/mine/").content.decode()
    assert "/cases/new/" not in html
