"""Excel import of the information queries: 船员, 港口, 水上交通事故, 应急综合信息 — all rows or none."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client
from teis.maritime.models import CrewMember, EmergencyInfo, Port, Vessel, WaterAccident

pytestmark = pytest.mark.django_db


def xlsx(header: list[str], *rows: list) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("info.xlsx", out.getvalue())


@pytest.fixture
def command(make_user):
    return logged_in_client(make_user("command_center", "brigade1"))


def post(client, kind, upload):
    return client.post(f"/api/v1/maritime/info/{kind}/import/", {"file": upload})


def test_crew_import_links_vessels_checks_id_numbers_and_updates_by_certificate(command):
    v = Vessel.objects.create(mmsi=413000801, name="沪渔1")
    header = ["姓名", "身份证号", "船员证书号", "职务", "证书有效期至", "所在船舶MMSI"]
    resp = post(
        command, "crews",
        xlsx(header, ["张三", "11010519491231002X", "CY001", "船长", "2027-06-30", 413000801],
             ["李四", "", "CY002", "轮机长", dt.datetime(2026, 12, 31), ""]),
    )  # fmt: skip
    assert resp.status_code == 200, resp.content
    assert resp.json() == {"created": 2, "updated": 0, "imported": 2}
    zhang = CrewMember.objects.get(certificate_number="CY001")
    assert zhang.vessel == v and zhang.position == "船长" and zhang.id_number == "11010519491231002X"
    assert zhang.certificate_valid_until == dt.date(2027, 6, 30)
    assert AuditRecord.objects.filter(action="create", detail__operation="crews.import").exists()

    again = post(command, "crews", xlsx(header, ["张三", "", "CY001", "大副", "", ""]))
    assert again.json() == {"created": 0, "updated": 1, "imported": 1}
    assert CrewMember.objects.get(certificate_number="CY001").position == "大副"

    bad = post(
        command, "crews",
        xlsx(header, ["王五", "", "CY003", "水手", "", ""], ["", "", "CY004", "", "", ""],
             ["赵六", "110105194912310029", "CY005", "", "", ""],
             ["钱七", "", "CY006", "", "2027-13-01", ""]),
    )  # fmt: skip
    assert bad.status_code == 400
    body = bad.json()
    assert "第3行“姓名”不能为空" in body["fields"]["file"]
    assert any(m.startswith("第4行身份证号") for m in body["fields"]["file"])
    assert "第5行“证书有效期至”不是日期（YYYY-MM-DD）" in body["fields"]["file"]
    assert "3 处错误" in body["message"] and "未导入任何数据" in body["message"]
    assert not CrewMember.objects.filter(certificate_number="CY003").exists()  # the good row was not kept either


def test_port_import_updates_by_name_and_refuses_bad_numbers(command):
    header = ["港口/码头名称", "编码", "经营人", "泊位数", "经度", "纬度", "可作业危险品", "备注"]
    resp = post(command, "ports", xlsx(header, ["外高桥港区", "WGQ", "上港集团", 12, 121.58, 31.36, "是", ""]))
    assert resp.json()["created"] == 1
    port = Port.objects.get(name="外高桥港区")
    assert port.berths == 12 and port.dangerous_goods_allowed and port.lon == 121.58
    assert post(command, "ports", xlsx(header, ["外高桥港区", "WGQ", "上港集团", 14, "", "", "否", ""])).json() == {
        "created": 0, "updated": 1, "imported": 1,
    }  # fmt: skip
    port.refresh_from_db()
    assert port.berths == 14 and not port.dangerous_goods_allowed

    bad = post(
        command, "ports",
        xlsx(header, ["洋山港", "", "", "很多", "", "", "", ""], ["吴淞口", "", "", 3, 121.5, 91, "", ""],
             ["军工路码头", "", "", 99999, "", "", "", ""]),
    )  # fmt: skip
    assert bad.status_code == 400
    msgs = bad.json()["fields"]["file"]
    assert msgs[0] == "第2行“泊位数”不是数字"
    assert msgs[1].startswith("第3行经纬度超出有效范围")
    assert msgs[2] == "第4行“泊位数”应在 0～32767 之间"
    assert Port.objects.count() == 1


def test_accident_import_sets_level_by_label_and_vessels_by_mmsi(command):
    a = Vessel.objects.create(mmsi=413000811, name="沪货1")
    b = Vessel.objects.create(mmsi=413000812, name="沪货2")
    header = ["事故名称", "发生时间", "地点", "经度", "纬度", "事故等级", "伤亡人数", "经过", "涉事船舶MMSI"]
    resp = post(
        command, "accidents",
        xlsx(header, ["黄浦江碰撞事故", "2026-03-01 10:30", "杨浦大桥下游", 121.53, 31.26, "一般事故", 0,
                      "两船会遇时碰撞", "413000811，413000812"]),
    )  # fmt: skip
    assert resp.status_code == 200, resp.content
    acc = WaterAccident.objects.get()
    assert acc.level == "general" and set(acc.vessels.all()) == {a, b}
    assert acc.occurred_at.year == 2026 and acc.place == "杨浦大桥下游"

    bad = post(
        command, "accidents",
        xlsx(header, ["搁浅", "昨天", "", "", "", "", "", "", ""],
             ["火灾", "2026-03-02 08:00", "", "", "", "特大", "", "", ""],
             ["沉没", "2026-03-03 08:00", "", "", "", "", "", "", "413009999"]),
    )  # fmt: skip
    assert bad.status_code == 400
    msgs = bad.json()["fields"]["file"]
    assert msgs[0] == "第2行“发生时间”不是时间"
    assert msgs[1].startswith("第3行“事故等级”应为：小事故、一般事故")
    assert msgs[2] == "第4行MMSI 413009999 的船舶不存在，请先导入船舶信息"
    assert WaterAccident.objects.count() == 1


def test_emergency_import_checks_kind_and_period(command, make_user):
    header = ["类别", "标题", "级别", "生效时间", "失效时间", "地点/区域", "联系方式", "内容"]
    resp = post(
        command, "emergency",
        xlsx(header,
             ["气象预警", "大风蓝色预警", "蓝色", "2026-03-01 06:00", "2026-03-02 06:00", "长江口", "", "阵风8级"],
             ["resource", "应急拖轮沪救1", "", "", "", "吴淞口", "021-12345678", "拖轮一艘"]),
    )  # fmt: skip
    assert resp.json() == {"created": 2, "updated": 0, "imported": 2}
    assert EmergencyInfo.objects.get(title="大风蓝色预警").kind == "weather_warning"

    bad = post(
        command, "emergency",
        xlsx(header, ["地震", "x", "", "", "", "", "", ""],
             ["气象预警", "大雾", "", "2026-03-02 06:00", "2026-03-01 06:00", "", "", ""]),
    )  # fmt: skip
    assert bad.status_code == 400
    msgs = bad.json()["fields"]["file"]
    assert msgs[0].startswith("第2行“类别”应为：气象预警、应急资源")
    assert msgs[1] == "第3行失效时间早于生效时间"
    assert EmergencyInfo.objects.count() == 2

    assert post(command, "weather", xlsx(header)).status_code == 400
    missing = post(command, "emergency", xlsx(["标题"], ["无类别"]))
    assert missing.status_code == 400 and "缺少必填列：类别" in missing.json()["message"]
    officer = logged_in_client(make_user("field_officer", "squad1"))
    assert post(officer, "emergency", xlsx(header, ["气象预警", "y", "", "", "", "", "", ""])).status_code == 403
    assert EmergencyInfo.objects.count() == 2
