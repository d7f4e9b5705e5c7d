"""Pages and endpoints of 水上执法 beyond the generic ones: live delta, search, track, areas, sections, registry."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from teis.core.testing import logged_in_client
from teis.maritime.models import Checkpoint, Vessel, WaterArea
from teis.maritime.services import registry as registry_services
from teis.maritime.services.pipeline import process_records

from .factories import T0, area, pos, section, static

pytestmark = pytest.mark.django_db


@pytest.fixture
def command(make_user):
    return logged_in_client(make_user("command_center", "brigade1"))


def test_live_delta_returns_only_changes_and_alerts(command, tree):
    area(tree["squad1"], kind="water_source_zone")
    process_records([static(413000401, name="沪杭1"), pos(413000401, 0, 121.47, 31.24)])
    data = command.get("/api/v1/maritime/live/delta/", {"since": 0, "alert": 0}).json()
    assert [v["mmsi"] for v in data["vessels"]] == [413000401] and data["vessels"][0]["name"] == "沪杭1"
    seq = data["seq"]
    assert (
        command.get("/api/v1/maritime/live/delta/", {"since": seq, "alert": data["alert_seq"]}).json()["vessels"] == []
    )
    process_records([pos(413000401, 10, 121.485, 31.24)])
    data = command.get("/maritime/live/delta/", {"since": seq, "alert": 0}).json()
    assert data["vessels"][0]["lon"] == pytest.approx(121.485)
    assert [a["kind"] for a in data["alerts"]] == ["zone_entry"]
    assert command.get("/api/v1/maritime/live/delta/", {"since": "x"}).status_code == 400
    assert command.get("/maritime/live/").status_code == 200


def test_search_card_and_track(command):
    process_records(
        [
            static(413000402, name="长江油运8", call_sign="BQRS"),
            *[pos(413000402, 10 * k, 121.47 + 0.001 * k, 31.24) for k in range(6)],
        ]
    )
    v = Vessel.objects.get(mmsi=413000402)
    for q in ("长江油运", "413000402", "BQRS", "41300040"):
        assert [r["mmsi"] for r in command.get("/maritime/live/search/", {"q": q}).json()["results"]] == [413000402]
    assert "长江油运8" in command.get(f"/maritime/vessels/{v.pk}/card/").content.decode()
    start, end = (T0 - dt.timedelta(minutes=1)).isoformat(), (T0 + dt.timedelta(minutes=5)).isoformat()
    data = command.get(f"/maritime/vessels/{v.pk}/track/data/", {"start": start, "end": end}).json()
    assert data["total"] == 6 and data["points"][0][1] == pytest.approx(121.47)
    assert command.get(f"/maritime/vessels/{v.pk}/track/data/", {"start": end, "end": start}).status_code == 400
    resp = command.get(f"/api/v1/maritime/vessels/{v.pk}/track/", {"start": start, "end": end})
    assert len(resp.json()["points"]) == 6
    assert command.get(f"/maritime/vessels/{v.pk}/track/").status_code == 200


def test_section_stats_page_json_and_excel(command, tree):
    s = section(tree["squad1"])
    for k, m in enumerate((413000403, 413000404)):
        process_records([static(m, ship_type=70 + k * 10), pos(m, 0, 121.49, 31.239), pos(m, 20, 121.49, 31.241)])
    process_records([pos(413000403, 40, 121.49, 31.239)])
    day = T0.date().isoformat()
    flow = command.get(f"/maritime/sections/{s.pk}/stats/", {"start": day, "end": day, "format": "json"}).json()
    assert flow["total"] == 3 and flow["forward_total"] == 2 and flow["reverse_total"] == 1
    assert {r["key"] for r in flow["by_category"]} == {"货船", "油船/液货船"}
    api = command.get(f"/api/v1/maritime/sections/{s.pk}/flow/", {"start": day, "end": day}).json()
    assert api["total"] == 3
    xlsx = command.get(f"/maritime/sections/{s.pk}/stats/", {"start": day, "end": day, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["按小时", "按日", "按船舶类别", "明细"] and wb["明细"].max_row == 4
    assert command.get(f"/maritime/sections/{s.pk}/stats/", {"start": "bad", "format": "json"}).status_code == 400
    assert "外白渡桥断面" in command.get(f"/maritime/sections/{s.pk}/stats/").content.decode()


def test_area_drawing_page_creates_toggles_and_lists_vessels(command, tree):
    resp = command.post(
        "/maritime/areas/map/",
        {
            "name": "绘制区域",
            "kind": "key_area",
            "unit": tree["squad1"].pk,
            "geometry": "121.48,31.23;121.50,31.23;121.50,31.25",
            "priority": 2,
        },
    )
    assert resp.status_code == 302
    a = WaterArea.objects.get(name="绘制区域")
    assert a.geometry["coordinates"][0][0] == a.geometry["coordinates"][0][-1]
    command.post("/maritime/areas/map/", {"name": "坏区域", "unit": tree["squad1"].pk, "geometry": "1,1;2,2"})
    assert not WaterArea.objects.filter(name="坏区域").exists()
    command.post(f"/maritime/areas/{a.pk}/set/", {"visible": "0", "priority": "1"})
    a.refresh_from_db()
    assert (a.visible, a.priority) == (False, 1)
    process_records([static(413000405, name="区域内船", destination="WUHAN"), pos(413000405, 0, 121.49, 31.235)])
    data = command.get(f"/maritime/areas/{a.pk}/vessels/", {"format": "json"}).json()
    assert [v["name"] for v in data["vessels"]] == ["区域内船"] and data["vessels"][0]["destination"] == "WUHAN"
    assert command.get("/maritime/areas/map/").status_code == 200
    assert command.get(f"/maritime/areas/{a.pk}/vessels/").status_code == 200


def test_api_refuses_bad_shapes(command, tree):
    resp = command.post(
        "/api/v1/maritime/waterareas/",
        {
            "name": "x",
            "unit": tree["squad1"].pk,
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 1], [1, 0], [0, 0]]]},
        },
        content_type="application/json",
    )
    assert resp.status_code == 400 and "自相交" in resp.json()["message"]
    resp = command.post(
        "/api/v1/maritime/sectionlines/",
        {"name": "x", "unit": tree["squad1"].pk, "coordinates": [[121, 91]]},
        content_type="application/json",
    )
    assert resp.status_code == 400


def registry_xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["MMSI", "船名", "船舶所有人", "船籍港", "登记船型", "危险品船舶", "证书名称", "有效期至"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_registry_import_and_the_file_adapter(command, tree):
    from teis.maritime.services.alerts import check_vessel_states

    process_records([pos(413000406, 0, 121.49, 31.24), pos(413000407, 0, 121.49, 31.24)])
    content = registry_xlsx(
        [
            [413000406, "沪危1", "上海危运公司", "上海", 80, "是", "船舶国籍证书", "2020-01-01"],
            [413000408, "沪货9", "上海货运公司", "上海", 70, "否", None, None],
        ]
    )
    resp = command.post("/api/v1/maritime/registry/import/", {"file": SimpleUploadedFile("r.xlsx", content)})
    assert resp.status_code == 200 and resp.json()["imported"] == 2
    v = Vessel.objects.get(mmsi=413000406)
    assert (v.owner, v.dangerous_goods, v.name, v.category) == ("上海危运公司", True, "沪危1", "tanker")
    bad = command.post("/api/v1/maritime/registry/import/", {"file": SimpleUploadedFile("r.xlsx", b"nonsense")})
    assert bad.status_code == 400
    # the adapter answers for a vessel that appears later without static data
    Vessel.objects.filter(mmsi=413000408).delete()  # as if first heard after the import
    process_records([pos(413000408, 0, 121.49, 31.24)])
    assert registry_services.lookup_missing(limit=10) == 1
    assert Vessel.objects.get(mmsi=413000408).owner == "上海货运公司"
    # 413000406 has only an expired certificate, 413000408 none: certificate alerts when seen (once)
    assert check_vessel_states(T0 + dt.timedelta(seconds=5)).certificates == 2
    from teis.maritime.models import Alert

    messages = sorted(Alert.objects.filter(kind="certificate").values_list("message", flat=True))
    assert "证书已过期或无效" in messages[0] + messages[1] and "无登记证书" in messages[0] + messages[1]
    assert check_vessel_states(T0 + dt.timedelta(seconds=6)).certificates == 0


def test_dangerous_goods_and_checkpoint_pages(command, tree):
    Vessel.objects.create(mmsi=413000409, name="危运船", dangerous_goods=True)
    process_records([pos(413000409, 0, 121.49, 31.24)])
    page = command.get("/maritime/dangerous-goods/")
    assert page.status_code == 200 and "危运船" in page.content.decode()
    cp = Checkpoint.objects.create(code="KK9", name="卡口9", unit=tree["squad1"], lon=121.49, lat=31.24)
    page = command.get(f"/maritime/checkpoints/{cp.pk}/stats/")
    assert page.status_code == 200
    data = json.loads(page.content.decode().split('id="cp-data"')[1].split(">", 1)[1].split("</script>")[0])
    assert len(data["forecast"]) == 7 * 24
