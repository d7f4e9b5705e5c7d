"""Dictionaries: cached look-ups, the service rules, Excel export/import (all or nothing), pages and API."""

import io

import pytest
from django.core.cache import cache
from openpyxl import Workbook, load_workbook

from teis.audit.models import AuditRecord
from teis.core import dictionaries
from teis.core.dictionaries import dictionary_service
from teis.core.models import DictionaryItem, DictionaryType
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def vehicle(db):
    t = dictionary_service.do_create(
        None, DictionaryType, {"code": "vehicle_type", "name": "车辆类型", "is_system": True}
    )

    def item(code, label, parent=None, order=0, active=True):
        return dictionary_service.do_create(
            None,
            DictionaryItem,
            {"dict_type": t, "code": code, "label": label, "parent": parent, "order": order, "is_active": active},
        )

    k = item("K", "客车", order=10)
    item("K1", "大型客车", k, order=20)
    item("K2", "中型客车", k, order=30)
    item("X", "旧车型", order=40, active=False)
    return t


def xlsx(rows, header=("编码", "名称", "上级编码", "排序", "启用")) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    if header:
        ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "dict.xlsx"
    return buf


# --- look-ups and cache -----------------------------------------------------------------------------------


def test_items_choices_label(vehicle, django_assert_num_queries):
    assert [i.code for i in dictionaries.items("vehicle_type")] == ["K", "K1", "K2"]
    assert [i.code for i in dictionaries.items("vehicle_type", active_only=False)] == ["K", "K1", "K2", "X"]
    assert dictionaries.choices("vehicle_type") == [("K", "客车"), ("K1", "大型客车"), ("K2", "中型客车")]
    assert dictionaries.choices("vehicle_type", blank="请选择")[0] == ("", "请选择")
    assert dictionaries.label("vehicle_type", "X") == "旧车型"  # disabled items still read
    assert dictionaries.label("vehicle_type", "nope") == "nope"
    assert dictionaries.label("vehicle_type", "") == ""
    assert dictionaries.items("unknown_type") == []
    with django_assert_num_queries(0):  # served from the cache
        dictionaries.items("vehicle_type")
        dictionaries.label("vehicle_type", "K1")
        assert dictionaries.items("vehicle_type")[1].parent.code == "K"


def test_writes_through_the_service_invalidate_the_cache(vehicle):
    assert dictionaries.label("vehicle_type", "K1") == "大型客车"
    k1 = DictionaryItem.objects.get(code="K1")
    dictionary_service.do_update(None, k1, {"label": "大型载客汽车"})
    assert dictionaries.label("vehicle_type", "K1") == "大型载客汽车"
    dictionary_service.do_create(None, DictionaryItem, {"dict_type": vehicle, "code": "K3", "label": "小型客车"})
    assert "K3" in dict(dictionaries.choices("vehicle_type"))
    dictionary_service.do_delete(None, DictionaryItem.objects.get(code="K3"))
    assert "K3" not in dict(dictionaries.choices("vehicle_type"))
    dictionary_service.do_update(None, vehicle, {"name": "机动车类型"})
    assert dictionaries.items("vehicle_type")[0].dict_type.name == "机动车类型"


def test_service_rules(vehicle):
    other = dictionary_service.do_create(None, DictionaryType, {"code": "ship_type", "name": "船舶类型"})
    with pytest.raises(ServiceError) as err:
        dictionary_service.do_create(
            None,
            DictionaryItem,
            {"dict_type": other, "code": "S1", "label": "客船", "parent": DictionaryItem.objects.get(code="K")},
        )
    assert err.value.code == "dict_parent_type"
    k = DictionaryItem.objects.get(code="K")
    with pytest.raises(ServiceError) as err:
        dictionary_service.do_update(None, k, {"parent": DictionaryItem.objects.get(code="K1")})
    assert err.value.code == "dict_parent_cycle"
    with pytest.raises(ServiceError) as err:
        dictionary_service.do_delete(None, vehicle)
    assert "系统内置" in err.value.message
    with pytest.raises(ServiceError):
        dictionary_service.do_update(None, vehicle, {"code": "vt"})
    dictionary_service.do_delete(None, other)  # not a system type: may go
    assert AuditRecord.objects.filter(object_type="core.dictionaryitem", action="create").count() == 4


# --- Excel --------------------------------------------------------------------------------------------------


def test_export_then_import_round_trip(vehicle):
    content = dictionaries.export_xlsx("vehicle_type")
    ws = load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["编码", "名称", "上级编码", "排序", "启用"]
    assert rows[1:] == [
        ["K", "客车", None, 10, "是"],
        ["K1", "大型客车", "K", 20, "是"],
        ["K2", "中型客车", "K", 30, "是"],
        ["X", "旧车型", None, 40, "否"],
    ]
    buf = io.BytesIO(content)
    result = dictionaries.do_import_xlsx(None, "vehicle_type", buf)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)


def test_import_creates_updates_and_audits(vehicle):
    dictionaries.items("vehicle_type")  # warm the cache: the import must invalidate it
    before = AuditRecord.objects.count()
    file = xlsx(
        [
            ("K1", "大型载客汽车", "K", 20, "是"),  # changed label
            ("H", "货车", "", 50, "是"),  # new
            ("H1", "重型货车", "H", 60, ""),  # new, parent from the same file, 启用 defaults to yes
            ("K2", "中型客车", "K", 30, "是"),  # unchanged
            ("X", "旧车型", "", 40, "是"),  # re-enabled
            (None, None, None, None, None),  # blank rows are skipped
        ]
    )
    result = dictionaries.do_import_xlsx(None, "vehicle_type", file)
    assert (result.created, result.updated, result.unchanged) == (2, 2, 1)
    assert "新增 2 项" in result.summary()
    assert DictionaryItem.objects.get(code="H1").parent.code == "H"
    assert dictionaries.label("vehicle_type", "K1") == "大型载客汽车"
    assert "X" in dict(dictionaries.choices("vehicle_type"))
    assert AuditRecord.objects.count() == before + 4


@pytest.mark.parametrize(
    ("rows", "header", "expected"),
    [
        ([("K9", "新车型")], ("编码", "上级编码"), "缺少列“名称”"),
        ([("K5", "甲", "", 1, "是"), ("K5", "乙", "", 2, "是")], None, "第 3 行：编码“K5”与第 2 行重复"),
        ([("K6", "甲", "ZZ", 1, "是")], None, "第 2 行：上级编码“ZZ”不存在"),
        ([("K7", "甲", "", "abc", "是")], None, "第 2 行：排序“abc”应为非负整数"),
        ([("K8", "", "", 1, "也许")], None, "第 2 行：名称不能为空；启用“也许”应为“是”或“否”"),
        ([("A", "甲", "B", 1, "是"), ("B", "乙", "A", 2, "是")], None, "形成循环引用"),
        ([("K", "客车", "K2", 1, "是")], None, "第 2 行：上级编码“K2”形成循环引用"),
    ],
)
def test_bad_import_saves_nothing(vehicle, rows, header, expected):
    # a good row too: it must not be saved either
    good = ("NEW", "新车型", "", 99, "是")
    file = xlsx([*rows, good], header=header or ("编码", "名称", "上级编码", "排序", "启用"))
    items_before = list(DictionaryItem.objects.order_by("pk").values())
    audits_before = AuditRecord.objects.count()
    with pytest.raises(ServiceError) as err:
        dictionaries.do_import_xlsx(None, "vehicle_type", file)
    assert err.value.code == "import_invalid"
    assert "未保存任何数据" in err.value.message
    assert any(expected in m for m in err.value.fields["file"]), err.value.fields
    assert list(DictionaryItem.objects.order_by("pk").values()) == items_before
    assert AuditRecord.objects.count() == audits_before


def test_unreadable_and_empty_files(vehicle):
    with pytest.raises(ServiceError) as err:
        dictionaries.do_import_xlsx(None, "vehicle_type", io.BytesIO(b"not an excel file"))
    assert err.value.code == "import_unreadable"
    with pytest.raises(ServiceError) as err:
        dictionaries.do_import_xlsx(None, "vehicle_type", xlsx([]))
    assert err.value.code == "import_empty"
    with pytest.raises(ServiceError) as err:
        dictionaries.do_import_xlsx(None, "no_such_type", xlsx([("A", "甲")]))
    assert err.value.code == "dict_type_unknown"


# --- pages ----------------------------------------------------------------------------------------------------


def test_export_page(vehicle, make_user, secadmin):
    officer = make_user("field_officer")
    response = logged_in_client(officer).get("/core/dictionaries/vehicle_type/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).active["A2"].value == "K"
    assert AuditRecord.objects.filter(action="export", actor=officer, detail__dict_type="vehicle_type").exists()
    assert logged_in_client(officer).get("/core/dictionaries/nope/export/").status_code == 404
    assert logged_in_client(secadmin).get("/core/dictionaries/vehicle_type/export/").status_code == 403


def test_import_page(vehicle, sysadmin, make_user):
    client = logged_in_client(sysadmin)
    page = client.get("/core/dictionaries/vehicle_type/import/")
    assert page.status_code == 200 and "导入“车辆类型”" in page.content.decode()

    bad = xlsx([("H", "货车", "", 1, "是"), ("H", "货车2", "", 2, "是"), ("Q1", "牵引车", "Q", 3, "是")])
    response = client.post("/core/dictionaries/vehicle_type/import/", {"file": bad})
    assert response.status_code == 400
    text = response.content.decode()
    assert "未保存任何数据" in text and "第 3 行：编码“H”与第 2 行重复" in text
    assert not DictionaryItem.objects.filter(code__in=["H", "Q1"]).exists()

    missing = xlsx([("H", "货车")], header=("编码", "名字"))
    response = client.post("/core/dictionaries/vehicle_type/import/", {"file": missing})
    assert response.status_code == 400 and "缺少列“名称”" in response.content.decode()

    nothing = client.post("/core/dictionaries/vehicle_type/import/", {})
    assert nothing.status_code == 400 and "请选择要导入的 Excel 文件" in nothing.content.decode()

    not_xlsx = io.BytesIO(b"a,b")
    not_xlsx.name = "dict.csv"
    response = client.post("/core/dictionaries/vehicle_type/import/", {"file": not_xlsx})
    assert response.status_code == 400 and ".xlsx" in response.content.decode()

    good = xlsx([("H", "货车", "", 1, "是"), ("H1", "重型货车", "H", 2, "否")])
    response = client.post("/core/dictionaries/vehicle_type/import/", {"file": good})
    assert response.status_code == 302
    assert DictionaryItem.objects.get(code="H1").is_active is False

    officer = make_user("field_officer")  # may view, may not change
    assert logged_in_client(officer).get("/core/dictionaries/vehicle_type/import/").status_code == 403
    assert AuditRecord.objects.filter(action="permission_denied", actor=officer).exists()
    assert client.get("/core/dictionaries/nope/import/").status_code == 404


# --- API ------------------------------------------------------------------------------------------------------


def test_api_items(vehicle, make_user, secadmin, client):
    officer = make_user("field_officer")
    api = logged_in_client(officer)
    response = api.get("/api/v1/dictionaries/vehicle_type/")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "vehicle_type" and body["name"] == "车辆类型"
    assert body["items"][1] == {"code": "K1", "label": "大型客车", "parent": "K", "order": 20, "is_active": True}
    assert [i["code"] for i in body["items"]] == ["K", "K1", "K2"]
    all_items = api.get("/api/v1/dictionaries/vehicle_type/?include_inactive=1").json()["items"]
    assert [i["code"] for i in all_items] == ["K", "K1", "K2", "X"]

    missing = api.get("/api/v1/dictionaries/nope/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client.get("/api/v1/dictionaries/vehicle_type/").status_code in (401, 403)
    denied = logged_in_client(secadmin).get("/api/v1/dictionaries/vehicle_type/")
    assert denied.status_code == 403 and denied.json()["message"]


def test_api_schema_documents_the_endpoint(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    op = schema["paths"]["/api/v1/dictionaries/{type_code}/"]["get"]
    assert op["operationId"] == "dictionary_items"


def test_generic_pages_use_the_dictionary_service(vehicle, sysadmin):
    client = logged_in_client(sysadmin)
    dictionaries.items("vehicle_type")
    other = dictionary_service.do_create(None, DictionaryType, {"code": "ship_type", "name": "船舶类型"})
    k = DictionaryItem.objects.get(code="K")
    data = {"dict_type": other.pk, "code": "S1", "label": "客船", "parent": k.pk, "order": 1, "is_active": "on"}
    response = client.post("/core/dictionaryitem/add/", data)
    assert response.status_code == 400 and "同一字典类型" in response.content.decode()
    k1 = DictionaryItem.objects.get(code="K1")
    data = {"dict_type": vehicle.pk, "code": "K1", "label": "大客车", "parent": k.pk, "order": 20, "is_active": "on"}
    assert client.post(f"/core/dictionaryitem/{k1.pk}/edit/", data).status_code == 302
    assert dictionaries.label("vehicle_type", "K1") == "大客车"
    response = client.post(f"/core/dictionarytype/{vehicle.pk}/delete/")
    assert response.status_code == 302 and DictionaryType.objects.filter(pk=vehicle.pk).exists()


@pytest.mark.django_db
def test_dictionary_type_page_links_import_and_export(sysadmin):
    from teis.core.models import DictionaryType

    dt = DictionaryType.objects.create(code="vehicle_type", name="车辆类型")
    page = logged_in_client(sysadmin).get(f"/core/dictionarytype/{dt.pk}/").content.decode()
    assert "/core/dictionaries/vehicle_type/export/" in page and "/core/dictionaries/vehicle_type/import/" in page
