"""信息导入 pages: template download, upload, every row's error, permission; and the search of the four
information lists (船员, 港口, 水上交通事故, 应急综合信息)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client
from teis.maritime.models import CrewMember, EmergencyInfo, Port, Vessel, VesselCertificate, WaterAccident
from teis.maritime.services import registry
from teis.maritime.services.import_templates import KINDS
from teis.maritime.services.info_imports import IMPORTS

pytestmark = pytest.mark.django_db

MODELS = {"crews": CrewMember, "ports": Port, "accidents": WaterAccident, "emergency": EmergencyInfo}


@pytest.fixture
def command(make_user):
    return logged_in_client(make_user("command_center", "brigade1"))


@pytest.fixture
def officer(make_user):
    user = make_user("field_officer")
    return user, logged_in_client(user)


def workbook(*rows) -> SimpleUploadedFile:
    wb = Workbook()
    for r in rows:
        wb.active.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("导入.xlsx", out.getvalue())


def filled_template(client, kind: str) -> SimpleUploadedFile:
    """The downloaded template with one row: the examples of its 填写说明 sheet."""
    resp = client.get(reverse("maritime:info_import_template", args=[kind]))
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    data, notes = wb.worksheets
    header = [c.value for c in data[1]]
    examples = {row[0]: row[3] for row in notes.iter_rows(values_only=True) if row[0] in header}
    data.append([examples[h] or None for h in header])
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(f"{kind}.xlsx", out.getvalue())


def test_menu_links_the_import_page_for_those_who_may_import(command, officer):
    home = command.get("/").content.decode()
    assert reverse("maritime:import_index") in home and "信息导入" in home
    assert reverse("maritime:import_index") not in officer[1].get("/").content.decode()
    first = command.get(reverse("maritime:import_index"))
    assert first.status_code == 302 and first["Location"] == reverse("maritime:info_import", args=["crews"])
    page = command.get(first["Location"]).content.decode()
    for spec in KINDS.values():  # a tab per kind, the template link, the column help
        assert spec.label in page
    assert reverse("maritime:info_import_template", args=["crews"]) in page
    assert "所在船舶MMSI" in page and "船员证书号" in page


@pytest.mark.parametrize("kind", [*IMPORTS, "registry"])
def test_template_headers_are_what_the_import_reads(command, kind):
    resp = command.get(reverse("maritime:info_import_template", args=[kind]))
    wb = load_workbook(io.BytesIO(resp.content))
    header = [c.value for c in wb.worksheets[0][1]]
    expected = [c.header for c in IMPORTS[kind].columns] if kind in IMPORTS else list(registry.COLUMNS)
    assert header == expected
    assert wb.worksheets[0].max_row == 1  # uploading it unchanged imports nothing
    assert wb.sheetnames[1] == "填写说明"


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_filled_template_imports_through_the_page_and_is_audited(command, kind):
    Vessel.objects.create(mmsi=413000001, name="沪货1")  # the examples name these vessels
    Vessel.objects.create(mmsi=413000002, name="沪货2")
    resp = command.post(reverse("maritime:info_import", args=[kind]), {"file": filled_template(command, kind)})
    spec = KINDS[kind]
    assert resp.status_code == 302, resp.content.decode()
    assert resp["Location"] == reverse(spec.list_url_name)
    listing = command.get(resp["Location"]).content.decode()
    assert f"{spec.label}导入成功：新增 1 条，更新 0 条" in listing
    assert MODELS[kind].objects.count() == 1
    assert AuditRecord.objects.filter(action="create", detail__operation=f"{kind}.import").count() == 1
    if kind == "accidents":
        assert WaterAccident.objects.get().vessels.count() == 2
    # the same file again updates the record it created
    again = command.post(reverse("maritime:info_import", args=[kind]), {"file": filled_template(command, kind)})
    assert "新增 0 条，更新 1 条" in command.get(again["Location"]).content.decode()
    assert MODELS[kind].objects.count() == 1


def test_registry_template_imports_vessel_and_certificate(command):
    resp = command.post(
        reverse("maritime:info_import", args=["registry"]), {"file": filled_template(command, "registry")}
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("maritime:vessel_list")
    vessel = Vessel.objects.get(mmsi=413000001)
    assert vessel.owner == "上海某航运有限公司" and not vessel.dangerous_goods
    assert VesselCertificate.objects.get(vessel=vessel).number == "GJ2024001"
    assert AuditRecord.objects.filter(action="create", detail__operation="registry.import").exists()


def test_bad_rows_are_all_listed_in_chinese_and_nothing_is_saved(command):
    header = [c.header for c in IMPORTS["crews"].columns]
    upload = workbook(
        header,
        ["王五", "", "CY003", "水手", "", ""],
        ["", "", "CY004", "", "", ""],
        ["赵六", "110105194912310029", "CY005", "", "", ""],
        ["钱七", "", "CY006", "", "2027-13-01", ""],
        ["孙八", "", "CY007", "", "", "413999999"],
    )
    resp = command.post(reverse("maritime:info_import", args=["crews"]), {"file": upload})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "导入文件有 4 处错误，未导入任何数据" in page
    assert "错误明细（共 4 条" in page
    for message in (
        "第3行“姓名”不能为空",
        "第4行身份证号",
        "第5行“证书有效期至”不是日期（YYYY-MM-DD）",
        "第6行MMSI 413999999 的船舶不存在，请先导入船舶信息",
    ):
        assert message in page
    assert not CrewMember.objects.exists()
    assert not AuditRecord.objects.filter(action="create", detail__operation="crews.import").exists()


def test_registry_lists_every_bad_row(command):
    upload = workbook(
        list(registry.COLUMNS)[:5],
        [413000001, "沪货1", "BP1", 9123456, 70],
        ["abc", "沪货2", "", "", ""],
        [413000003, "沪货3", "", "", 70000],
        [413000004, "沪货4", "", 123456789012, ""],
    )
    resp = command.post(reverse("maritime:info_import", args=["registry"]), {"file": upload})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "导入文件有 3 处错误" in page
    assert "第3行“MMSI”不是数字" in page
    assert "第4行“登记船型”应在 0～255 之间" in page
    assert "第5行“IMO”应在 0～9999999 之间" in page
    assert not Vessel.objects.exists()


def test_wrong_files_are_refused_with_a_message(command):
    url = reverse("maritime:info_import", args=["ports"])
    assert "请选择要导入的 Excel 文件" in command.post(url, {}).content.decode()
    text = command.post(url, {"file": SimpleUploadedFile("a.csv", b"a,b")})
    assert text.status_code == 400 and "请上传 .xlsx 格式的 Excel 文件" in text.content.decode()
    broken = command.post(url, {"file": SimpleUploadedFile("a.xlsx", b"not a workbook")})
    assert broken.status_code == 400 and "有效的 Excel" in broken.content.decode()  # one message for every import
    empty = command.post(url, {"file": workbook([c.header for c in IMPORTS["ports"].columns])})
    assert empty.status_code == 400 and "文件中没有数据行" in empty.content.decode()
    missing = command.post(url, {"file": workbook(["编码"], ["X1"])})
    assert "缺少必填列：港口/码头名称" in missing.content.decode()
    assert command.get(reverse("maritime:info_import", args=["nothing"])).status_code == 404


def test_permission_is_the_apis_and_refusals_are_audited(officer):
    user, client = officer
    for kind in KINDS:
        assert client.get(reverse("maritime:info_import", args=[kind])).status_code == 403
        assert client.get(reverse("maritime:info_import_template", args=[kind])).status_code == 403
    resp = client.post(reverse("maritime:info_import", args=["ports"]), {"file": workbook(["港口/码头名称"], ["x"])})
    assert resp.status_code == 403 and not Port.objects.exists()
    assert client.get(reverse("maritime:import_index")).status_code == 403
    assert AuditRecord.objects.filter(actor=user, action=AuditAction.PERMISSION_DENIED).count() >= 12


def test_information_lists_search_and_detail(command):
    today = timezone.localdate()
    ship = Vessel.objects.create(mmsi=413000501, name="沪渔501")
    other = Vessel.objects.create(mmsi=413000502, name="沪客502")
    zhang = CrewMember.objects.create(
        name="张三", id_number="11010519491231002X", certificate_number="CY1", vessel=ship,
        certificate_valid_until=today - dt.timedelta(days=1),
    )  # fmt: skip
    li = CrewMember.objects.create(
        name="李四", certificate_number="CY2", vessel=other, certificate_valid_until=today + dt.timedelta(days=10)
    )
    url = reverse("maritime:crewmember_list")

    def names(resp):
        assert resp.status_code == 200
        return {n for n in ("张三", "李四") if n in resp.content.decode()}

    assert names(command.get(url, {"ship": "沪渔"})) == {"张三"}
    assert names(command.get(url, {"ship": "413000502"})) == {"李四"}
    assert names(command.get(url, {"id_number": "110105 19491231 002x"})) == {"张三"}
    assert names(command.get(url, {"certificate_state": "expired"})) == {"张三"}
    assert names(command.get(url, {"certificate_state": "expiring"})) == {"李四"}
    api = command.get("/api/v1/maritime/crewmembers/", {"ship": "沪客"})
    assert [r["id"] for r in api.json()["results"]] == [li.pk]
    detail = command.get(reverse("maritime:crewmember_detail", args=[zhang.pk])).content.decode()
    assert "CY1" in detail and "11010519491231002X" not in detail  # masked

    crash = WaterAccident.objects.create(title="两船碰撞", occurred_at=timezone.now(), level="general")
    crash.vessels.set([ship])
    WaterAccident.objects.create(title="驳船搁浅", occurred_at=timezone.now() - dt.timedelta(days=40))
    url = reverse("maritime:wateraccident_list")
    found = command.get(url, {"ship": "沪渔501"}).content.decode()
    assert "两船碰撞" in found and "驳船搁浅" not in found
    since = (today - dt.timedelta(days=7)).isoformat()
    found = command.get(url, {"occurred_after": since, "level": "general"}).content.decode()
    assert "两船碰撞" in found and "驳船搁浅" not in found
    assert command.get(reverse("maritime:wateraccident_detail", args=[crash.pk])).status_code == 200

    EmergencyInfo.objects.create(
        kind="weather_warning", title="大风蓝色预警", valid_from=timezone.now() - dt.timedelta(hours=1),
        valid_until=timezone.now() + dt.timedelta(days=1), content="沿江风力6～7级",
    )  # fmt: skip
    old = EmergencyInfo.objects.create(
        kind="weather_warning", title="暴雨预警", valid_from=timezone.now() - dt.timedelta(days=30),
        valid_until=timezone.now() - dt.timedelta(days=29),
    )  # fmt: skip
    url = reverse("maritime:emergencyinfo_list")
    found = command.get(url, {"active_on": today.isoformat()}).content.decode()
    assert "大风蓝色预警" in found and "暴雨预警" not in found
    assert "大风蓝色预警" in command.get(url, {"q": "风力"}).content.decode()
    assert command.get(reverse("maritime:emergencyinfo_detail", args=[old.pk])).status_code == 200

    port = Port.objects.create(name="外高桥港区", berths=20, dangerous_goods_allowed=True)
    Port.objects.create(name="十六铺客运码头", berths=6)
    found = command.get(reverse("maritime:port_list"), {"berths": 10, "dangerous_goods_allowed": "true"})
    assert "外高桥港区" in found.content.decode() and "十六铺客运码头" not in found.content.decode()
    assert command.get(reverse("maritime:port_detail", args=[port.pk])).status_code == 200
