"""Case intake: 案件预录 with parties, vehicles and files; 立案 with 赋码; updates; the workflow listener."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core import crypto
from teis.core.models import DictionaryItem, DictionaryType
from teis.core.services import ServiceError
from teis.evidence.models import CaseEvidenceLink, EvidenceItem
from teis.legal.models import CaseCause, ViolationCode
from teis.workflow import services as wf
from teis.workflow.choices import Decision
from teis.workflow.models import ProcessInstance, WorkTask

from ..choices import CaseStatus, PartyKind, Procedure
from ..codes import validate_case_code
from ..models import CaseAttachment, CaseVehicle, EnforcementCase, Party
from ..services import case as case_services
from ..services import intake

SAMPLE = Path(wf.__file__).parents[1] / "processes" / "sample_approval.bpmn"
SAMPLE_KEY = "sample_approval"
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
CREDIT_CODE = "91310000MA1FL0001Q"


def _valid_credit_code() -> str:
    from stdnum.cn import uscc

    body = "91310000MA1FL0001"
    return body + uscc.calc_check_digit(body)


# --- fixtures shared by the case tests (imported by the other test modules) --------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGE_URL = ""
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def case_setup(roles, tree, media):
    """Region codes on the tree (corps 310000, district brigade 310115), business lines, a cause, a code, and
    the sample process with the case listener on it."""
    from teis.org.models import Unit

    Unit.objects.filter(pk=tree["corps"].pk).update(region_code="310000")
    Unit.objects.filter(pk=tree["district"].pk).update(region_code="310115", subject_code="12")
    for key in tree:
        tree[key].refresh_from_db()
    lines = DictionaryType.objects.create(code="business_line", name="业务条线")
    taxi = DictionaryItem.objects.create(dict_type=lines, code="taxi", label="出租汽车")
    road = DictionaryItem.objects.create(dict_type=lines, code="road_admin", label="路政")
    cause = CaseCause.objects.create(
        cause_code="01234567890101000001", name="未取得道路运输经营许可", item_type="penalty"
    )
    code = ViolationCode.objects.create(
        code="10001", name="未取得经营许可擅自从事出租汽车经营", fine_min=1, fine_max=10
    )
    wf.ensure_definitions(None, [SAMPLE])
    case_services.register_listeners((SAMPLE_KEY,))
    yield {"tree": tree, "taxi": taxi, "road": road, "cause": cause, "code": code}
    wf.LISTENERS[SAMPLE_KEY] = [f for f in wf.LISTENERS.get(SAMPLE_KEY, []) if f is not case_services.on_workflow_event]


@pytest.fixture
def officer(make_user, case_setup):
    return make_user("field_officer", "squad1", username="officer1")


@pytest.fixture
def squad_leader(make_user, case_setup):
    return make_user("squad_leader", "squad1", username="squadlead1")


def case_data(setup, **extra) -> dict:
    data = {
        "title": "出租车无证经营",
        "source": "on_site",
        "business_line": setup["taxi"].code,
        "place": "浦东国际机场 T2",
        "lon": 121.8,
        "lat": 31.15,
        "discovered_at": timezone.now() - dt.timedelta(hours=1),
        "facts": "当事人驾驶无营运证车辆揽客",
        "parties": [
            {
                "kind": "person",
                "name": "张三",
                "id_number": ID_NUMBER,
                "phone": PHONE,
                "address": "上海市浦东新区世纪大道1号",
            }
        ],
        "vehicles": [{"plate": "沪a·12345", "vehicle_type": "小型轿车"}],
        "violation_codes": [setup["code"].code],
    }
    data.update(extra)
    return data


def photo(name="scene.jpg", content=b"\xff\xd8\xff photo bytes", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"  # an MP4 container's first bytes


def video(name="clip.mp4", content=MP4_HEAD + b"video bytes"):
    return SimpleUploadedFile(name, content, content_type="video/mp4")


def pre_register(actor, setup, attachments=(), **extra):
    return intake.do_pre_register(actor, case_data(setup, **extra), attachments, process_key=SAMPLE_KEY)


def stored_files(media: Path) -> list[str]:
    return [str(p) for p in media.rglob("*") if p.is_file()] if media.exists() else []


def assert_nothing_written(media: Path) -> None:
    assert EnforcementCase.objects.count() == 0
    assert Party.objects.count() == 0
    assert CaseVehicle.objects.count() == 0
    assert CaseAttachment.objects.count() == 0
    assert EvidenceItem.objects.count() == 0 and CaseEvidenceLink.objects.count() == 0
    assert ProcessInstance.objects.count() == 0
    assert stored_files(media) == []


# --- pre-registration ---------------------------------------------------------------------------------------


def test_pre_register_creates_case_parties_vehicles_files_and_starts_the_process(officer, case_setup, media):
    content = b"\xff\xd8\xff" + os.urandom(2000)
    case = pre_register(officer, case_setup, [photo(content=content), video()])
    assert case.status == CaseStatus.PRE_REGISTERED
    assert case.handler == officer and case.unit == case_setup["tree"]["squad1"]
    assert case.case_code is None  # given at filing
    party = case.parties.get()
    assert party.id_number == ID_NUMBER and party.phone == PHONE
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {Party._meta.db_table} WHERE id = %s", [party.pk])
        raw = cursor.fetchone()[0]
    assert ID_NUMBER not in raw and raw.startswith("sm4:")
    assert party.id_number_index == crypto.blind_index(ID_NUMBER)
    assert case.vehicles.get().plate == "沪A12345"  # normalised
    assert list(case.violation_codes.all()) == [case_setup["code"]]
    # the files are evidence items (SM3, write-once storage, retention) linked to the case
    assert not case.attachments.exists()
    l1, l2 = case.evidence_links.select_related("item").order_by("pk")
    a1, a2 = l1.item, l2.item
    assert a1.sm3 == crypto.sm3_hex(content) and a1.size == len(content) and a1.original_name == "scene.jpg"
    assert (media / a1.storage_name).read_bytes() == content
    assert a1.category == "photo" and a1.source == "upload" and a1.officer == officer
    assert a2.content_type == "video/mp4" and a2.category == "video"
    assert l1.description == "案件预登记附件" and a1.delete_after is None  # kept while the case is open
    # the workflow started and its first step is mirrored onto the case
    assert case.process is not None and case.process_key == SAMPLE_KEY
    assert case.process.subject_id == str(case.pk)
    assert case.current_step == "中队审核"
    assert case.step_due_at is not None and case.step_due_at == case.process.due_at
    rec = AuditRecord.objects.filter(object_type="cases.enforcementcase", object_id=str(case.pk)).first()
    assert rec is not None and "张*" in str(rec.changes) and ID_NUMBER not in str(rec.changes)


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        (
            {"parties": [{"kind": "person", "name": "张三", "id_number": "110105194912310021"}]},
            "parties.0.id_number",
            "校验位",
        ),
        ({"parties": [{"kind": "person", "name": "", "phone": "12"}]}, "parties.0.name", "姓名"),
        (
            {"parties": [{"kind": "organisation", "name": "某公司", "credit_code": "91310000MA1FL0001A"}]},
            "parties.0.credit_code",
            "统一社会信用代码",
        ),
        ({"vehicles": [{"plate": "ABC123"}]}, "vehicles.0.plate", "车牌号"),
        ({"title": ""}, "title", "案件名称"),
        ({"violation_codes": ["99999"]}, "violation_codes", "不存在"),
        ({"lon": 500, "lat": 31}, "lon", "经度"),
        ({"discovered_at": timezone.now() + dt.timedelta(days=2)}, "discovered_at", "晚于"),
        ({"business_line": "dragon"}, "business_line", "业务条线"),
    ],
)
def test_pre_register_refuses_bad_input_with_nothing_written(officer, case_setup, media, extra, field, message):
    with pytest.raises(ServiceError) as exc:
        pre_register(officer, case_setup, [photo()], **extra)
    assert exc.value.code == "invalid"
    assert field in exc.value.fields, exc.value.fields
    assert message in " ".join(exc.value.fields[field])
    assert "有误" in exc.value.message
    assert_nothing_written(media)


def test_pre_register_refuses_non_media_files(officer, case_setup, media):
    with pytest.raises(ServiceError) as exc:
        pre_register(officer, case_setup, [photo("list.exe", b"MZ", "application/octet-stream")])
    assert "照片或视频" in exc.value.fields["files"][0]
    assert_nothing_written(media)


def test_file_whose_bytes_do_not_match_its_name_is_refused(officer, case_setup, media):
    """The evidence centre's magic-byte check: a ".mp4" that is not a video is refused, nothing kept."""
    with pytest.raises(ServiceError) as exc:
        pre_register(officer, case_setup, [photo(), photo("clip.mp4", b"not a video", "video/mp4")])
    assert exc.value.code == "invalid" and "clip.mp4" in exc.value.fields["files"][0]
    assert_nothing_written(media)


def test_same_photo_in_two_cases_is_one_evidence_item_linked_to_both(officer, case_setup, media):
    content = b"\xff\xd8\xff" + os.urandom(500)
    first = pre_register(officer, case_setup, [photo(content=content)])
    second = pre_register(officer, case_setup, [photo("again.jpg", content=content)])
    item = EvidenceItem.objects.get()
    assert set(item.links.values_list("case_id", flat=True)) == {first.pk, second.pk}
    # a later failing pre-registration must not delete the shared original
    with pytest.raises(ServiceError):
        intake.do_pre_register(officer, case_data(case_setup), [photo(content=content)], process_key="nope")
    assert (media / item.storage_name).read_bytes() == content


def test_failure_after_files_are_stored_removes_them(officer, case_setup, media):
    """The process cannot start (unknown key): the transaction rolls back and the stored files are removed."""
    with pytest.raises(ServiceError) as exc:
        intake.do_pre_register(officer, case_data(case_setup), [photo()], process_key="no_such_process")
    assert exc.value.code == "no_definition"
    assert_nothing_written(media)


def test_retired_violation_code_cannot_be_used(officer, case_setup, media):
    ViolationCode.objects.filter(pk=case_setup["code"].pk).update(status="retired")
    with pytest.raises(ServiceError) as exc:
        pre_register(officer, case_setup)
    assert "已停用" in exc.value.fields["violation_codes"][0]
    assert_nothing_written(media)


def test_organisation_party_with_valid_credit_code(officer, case_setup):
    code = _valid_credit_code()
    case = pre_register(
        officer,
        case_setup,
        parties=[{"kind": "organisation", "name": "某运输公司", "credit_code": code, "legal_representative": "李四"}],
    )
    party = case.parties.get()
    assert party.kind == PartyKind.ORGANISATION and party.credit_code == code


def test_only_officers_with_add_permission_pre_register(squad_leader, case_setup, media):
    with pytest.raises(ServiceError) as exc:
        pre_register(squad_leader, case_setup)
    assert exc.value.code == "forbidden"
    assert_nothing_written(media)


def test_case_process_key(officer, case_setup):
    case = EnforcementCase(procedure=Procedure.GENERAL, business_line=case_setup["road"])
    assert intake.case_process_key(case) == "case_general"  # no 路政 diagram loaded: the general one
    wf.do_save_definition(None, "case_general_road", SAMPLE.read_text().replace("sample_approval", "case_general_road"))
    assert intake.case_process_key(case) == "case_general_road"
    case.business_line = case_setup["taxi"]
    assert intake.case_process_key(case) == "case_general"
    for procedure, key in [
        (Procedure.SIMPLIFIED, "case_simplified"),
        (Procedure.COERCIVE, "case_coercive"),
        (Procedure.INSPECTION, "case_inspection"),
    ]:
        assert intake.case_process_key(EnforcementCase(procedure=procedure)) == key


# --- filing ------------------------------------------------------------------------------------------------


def test_filing_refused_without_a_catalogue_cause(officer, case_setup):
    case = pre_register(officer, case_setup)
    with pytest.raises(ServiceError) as exc:
        intake.do_file_case(officer, case, by_workflow=True)
    assert exc.value.message == "案件未选择执法案由目录中的案由，不能立案"
    case.refresh_from_db()
    assert case.case_code is None and case.status == CaseStatus.PRE_REGISTERED


def test_filing_refused_with_a_deleted_cause(officer, case_setup):
    case = pre_register(officer, case_setup, case_cause=case_setup["cause"].cause_code)
    CaseCause.objects.filter(pk=case_setup["cause"].pk).update(is_deleted=True)
    with pytest.raises(ServiceError) as exc:
        intake.do_file_case(officer, case, by_workflow=True)
    assert exc.value.code == "no_case_cause"


def test_filing_refused_when_a_code_was_retired_since(officer, case_setup):
    case = pre_register(officer, case_setup, case_cause=case_setup["cause"].cause_code)
    ViolationCode.objects.filter(pk=case_setup["code"].pk).update(status="retired")
    with pytest.raises(ServiceError) as exc:
        intake.do_file_case(officer, case, by_workflow=True)
    assert "已停用" in exc.value.message


def test_filing_gives_code_deadline_and_status(officer, case_setup):
    case = pre_register(officer, case_setup, case_cause=case_setup["cause"].cause_code)
    case = intake.do_file_case(officer, case, by_workflow=True)
    validate_case_code(case.case_code)
    today = timezone.localdate()
    assert case.case_code == f"310000011{today:%y%m%d}001"
    assert case.status == CaseStatus.INVESTIGATING and case.filed_at is not None
    assert case.deadline == wf.deadline_after(today, calendar_days=90)
    assert case.deadline >= today + dt.timedelta(days=90)
    with pytest.raises(ServiceError) as exc:
        intake.do_file_case(officer, case, by_workflow=True)
    assert exc.value.code == "not_fileable"


def test_filing_in_a_district_uses_its_region_and_subject(make_user, case_setup):
    officer = make_user("field_officer", "district")
    case = pre_register(officer, case_setup, case_cause=case_setup["cause"].cause_code)
    case = intake.do_file_case(officer, case, by_workflow=True)
    assert case.case_code.startswith("31011512")


def test_only_the_handler_files(officer, make_user, case_setup):
    case = pre_register(officer, case_setup, case_cause=case_setup["cause"].cause_code)
    other = make_user("squad_leader", "squad1")
    with pytest.raises(ServiceError) as exc:
        intake.do_file_case(other, case)
    assert exc.value.code == "not_handler"


# --- updates ------------------------------------------------------------------------------------------------


def test_update_case_is_audited(officer, case_setup):
    case = pre_register(officer, case_setup)
    case = intake.do_update_case(
        officer, case, {"title": "出租车无证经营（补充）", "facts": "补充事实", "violation_codes": []}
    )
    assert case.title.endswith("（补充）") and case.violation_codes.count() == 0
    rec = AuditRecord.objects.filter(object_id=str(case.pk), detail__operation="case.update").get()
    assert rec.changes["案件名称"] == ["出租车无证经营", "出租车无证经营（补充）"]
    assert rec.changes["违章代码"] == ["10001", ""]


def test_update_refuses_unknown_fields_and_bad_values(officer, case_setup):
    case = pre_register(officer, case_setup)
    with pytest.raises(ServiceError) as exc:
        intake.do_update_case(officer, case, {"case_code": "310000011250101001"})
    assert "case_code" in exc.value.fields
    with pytest.raises(ServiceError):
        intake.do_update_case(officer, case, {"title": ""})
    case.refresh_from_db()
    assert case.title == "出租车无证经营"


# --- the workflow listener ------------------------------------------------------------------------------------


def test_listener_mirrors_steps_and_status(officer, squad_leader, make_user, case_setup, monkeypatch):
    from .. import steps

    monkeypatch.setattr(steps, "STEP_STATUS", {"Task_BrigadeApprove": CaseStatus.FILING})
    brigade = make_user("brigade_leader", "brigade1")
    case = pre_register(officer, case_setup)
    assert case.current_step == "中队审核" and case.status == CaseStatus.PRE_REGISTERED
    task = WorkTask.objects.get(instance=case.process, spec_name="Task_SquadReview")
    wf.complete_task(squad_leader, task, Decision.APPROVE, "同意")
    case.refresh_from_db()
    assert case.current_step == "大队审批"
    assert case.status == CaseStatus.FILING
    assert case.step_due_at == ProcessInstance.objects.get(pk=case.process_id).due_at
    task = WorkTask.objects.get(instance=case.process, spec_name="Task_BrigadeApprove")
    wf.complete_task(brigade, task, Decision.APPROVE, "同意")
    case.refresh_from_db()
    assert case.current_step == "" and case.step_due_at is None
    assert case.status == CaseStatus.FILING  # End_Approved has no final status of its own


def test_listener_ignores_processes_not_about_cases(officer, squad_leader, case_setup):
    instance = wf.start_process(officer, SAMPLE_KEY, None, case_setup["tree"]["squad1"], subject_label="非案件")
    assert instance.current_step_name == "中队审核"
    assert EnforcementCase.objects.count() == 0
