"""Excel import / export: a validation report listing every bad row; nothing imported while errors remain
unless "仅导入有效行"; export and re-import round trip."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from teis.audit.models import AuditRecord
from teis.core.models import OutboxMessage
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.legal.imports import KINDS, do_import, export_workbook, validate_workbook
from teis.legal.models import CaseCause, DiscretionBenchmark, ViolationCode

from ._code_fixtures import make_code, make_law

pytestmark = pytest.mark.django_db


def xlsx(kind, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = KINDS[kind]["label"]
    ws.append(KINDS[kind]["columns"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def reviewer(make_user):
    return make_user("legal_reviewer", "corps")


@pytest.fixture
def law():
    return make_law("上海市出租汽车管理条例")


def code_row(code, name="违章", violated="", lo=200, hi=2000, types="罚款"):
    return [code, name, "", violated, "", "市交通执法总队", types, lo, hi, "否", "启用", "2025-01-01", ""]


def test_one_bad_row_imports_nothing_unless_valid_only(reviewer, law):
    _, _, p = law
    content = xlsx(
        "codes",
        [
            code_row("IM0001", violated=p["a1"].citation),
            code_row("IM-02"),  # bad format
            code_row("IM0003", violated=p["a2"].stable_id, lo=900, hi=100),  # min > max
            code_row("IM0004", violated="《不存在的条例》第1条"),
            code_row("IM0005", types="罚款、鞭刑"),
        ],
    )
    report = validate_workbook("codes", content)
    assert [r.row for r in report.bad_rows] == [3, 4, 5, 6]
    msgs = report.messages()
    assert msgs[0].startswith("第 3 行：") and "违章代码" in msgs[0]
    assert "罚款上限不能小于下限" in msgs[1] and "未找到" in msgs[2] and "鞭刑" in msgs[3]
    with pytest.raises(ServiceError) as exc:
        do_import(reviewer, "codes", content)
    assert exc.value.code == "import_invalid" and len(exc.value.fields["rows"]) == 4
    assert not ViolationCode.objects.exists()

    result = do_import(reviewer, "codes", content, valid_only=True)
    assert (result.created, result.skipped) == (1, 4)
    code = ViolationCode.objects.get()
    assert code.code == "IM0001" and list(code.violated_provisions.all()) == [p["a1"]]
    assert code.penalty_types == ["fine"]
    assert AuditRecord.objects.filter(object_type="legal.violationcode", detail__op="import").exists()


def test_existing_code_row_revises_and_export_roundtrip(reviewer, law):
    _, _, p = law
    make_code(reviewer, "IM0010", violated=[p["a1"]])
    content, n = export_workbook("codes")
    assert n == 1
    ws = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in ws[1]] == KINDS["codes"]["columns"]
    # re-importing the export unchanged changes nothing
    result = do_import(reviewer, "codes", content)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    ws["B2"] = "改过的名称"
    buf = io.BytesIO()
    ws.parent.save(buf)
    result = do_import(reviewer, "codes", buf.getvalue())
    assert result.updated == 1
    assert ViolationCode.objects.get(code="IM0010", is_current=True).version == 2


def test_causes_import_writes_outbox(reviewer, law):
    _, _, p = law
    make_code(reviewer, "IM0020")
    good = "310115000123" + "07" + "000001"
    content = xlsx(
        "causes",
        [
            [
                good,
                "案由一",
                "行政处罚",
                "330217001000",
                "市级、区县级",
                p["a1"].citation,
                p["a2"].citation,
                "IM0020",
                "启用",
            ],
            ["310115000123" + "00" + "000001", "案由二", "行政处罚", "", "", "", "", "", ""],
            [good, "重复", "行政处罚", "", "", "", "", "", ""],
        ],
    )
    report = validate_workbook("causes", content)
    assert [r.row for r in report.bad_rows] == [3, 4]
    assert "第 13–14 位（案由代码）" in report.messages()[0] and "重复" in report.messages()[1]
    do_import(reviewer, "causes", content, valid_only=True)
    cause = CaseCause.objects.get()
    assert cause.exercise_levels == ["city", "district"] and [c.code for c in cause.violation_codes.all()] == ["IM0020"]
    assert OutboxMessage.objects.filter(topic="case_cause", operation="create").count() == 1


def test_benchmarks_import_group_and_levels(reviewer):
    make_code(reviewer, "IM0030", fine_min="200", fine_max="2000")
    make_code(reviewer, "IM0031", fine_min="200", fine_max="2000")
    content = xlsx(
        "benchmarks",
        [
            ["IM0030", "基准A", "2025-01-01", "是", "", 1, "轻微", "初次违法\n及时改正", 200, 500, None, ""],
            ["IM0030", "基准A", "2025-01-01", "是", "", 2, "严重", "", None, None, 2000, "暂扣证件"],
            ["IM0031", "基准B", "", "是", "", 1, "轻微", "", 200, 500, None, ""],
            ["IM0031", "基准B", "", "是", "", 2, "严重", "", 1000, 9000, None, ""],  # above the code's range
            ["NOPE99", "基准C", "", "是", "", 1, "轻微", "", 200, 500, None, ""],
        ],
    )
    report = validate_workbook("benchmarks", content)
    assert [r.row for r in report.bad_rows] == [4, 5, 6]
    assert "整组不导入" in " ".join(report.bad_rows[0].errors)
    with pytest.raises(ServiceError):
        do_import(reviewer, "benchmarks", content)
    assert not DiscretionBenchmark.objects.exists()
    do_import(reviewer, "benchmarks", content, valid_only=True)
    bench = DiscretionBenchmark.objects.get()
    assert bench.name == "基准A" and [lv.name for lv in bench.levels.order_by("order")] == ["轻微", "严重"]
    assert bench.levels.get(name="轻微").conditions == ["初次违法", "及时改正"]
    exported, n = export_workbook("benchmarks")
    assert n == 2
    assert do_import(reviewer, "benchmarks", exported).updated == 1


def test_bad_file_and_header(reviewer):
    assert "有效的 Excel" in validate_workbook("codes", b"not an excel").header_error  # one message for every import
    wb = Workbook()
    wb.active.append(["违章行为"])
    buf = io.BytesIO()
    wb.save(buf)
    assert "违章代码" in validate_workbook("codes", buf.getvalue()).header_error


def test_import_pages_upload_report_confirm(reviewer, law, make_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = xlsx("codes", [code_row("IM0040"), code_row("BAD-1")])
    client = logged_in_client(reviewer)
    url = reverse("legal:import", args=["codes"])
    assert client.get(url).status_code == 200
    resp = client.post(url, {"step": "validate", "file": SimpleUploadedFile("codes.xlsx", content)})
    page = resp.content.decode()
    assert resp.status_code == 200 and "第 3 行" in page and "仅导入有效行" in page
    token = resp.context["token"]
    resp = client.post(url, {"step": "confirm", "token": token})
    assert resp.status_code == 400 and not ViolationCode.objects.exists()
    resp = client.post(url, {"step": "confirm", "token": token, "valid_only": "1"})
    assert resp.status_code == 302
    assert list(ViolationCode.objects.values_list("code", flat=True)) == ["IM0040"]
    resp = client.get(reverse("legal:export", args=["codes"]))
    assert resp.status_code == 200 and resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditRecord.objects.filter(action="export", actor=reviewer).exists()
    officer = make_user("field_officer", "squad1")
    assert logged_in_client(officer).get(url).status_code == 403
    assert client.get(reverse("legal:import", args=["nothing"])).status_code == 404


def test_an_over_long_cell_is_refused_not_cut(reviewer, law):
    row = code_row("IM0020")
    row[5] = "执" * 121  # 执法主体 holds 120
    report = validate_workbook("codes", xlsx("codes", [row]))
    assert [r.row for r in report.bad_rows] == [2]
    assert "执法主体不能超过 120 个字（现为 121 个字）" in report.messages()[0]
