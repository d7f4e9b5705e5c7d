"""Bad input never reaches a view as a 500 (issue 16): control characters refused everywhere in one place,
every API error is the JSON error body (500s included), Excel zip bombs refused before parsing."""

import io
import json
import zipfile

import pytest
from django.http import HttpResponse, HttpResponseServerError
from django.test import RequestFactory

from teis.core.middleware import ApiErrorBodyMiddleware, NulByteGuardMiddleware
from teis.core.xlsx import WorkbookRefused, check_workbook, open_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, make_user):
    client.force_login(make_user("field_officer", "squad1", username="nul1"))
    return client


@pytest.mark.parametrize("value", ["张\x00三", "a\x07b", "x\x1by", "\x7f"])
def test_control_characters_in_a_form_post_are_refused_with_a_chinese_message(officer_client, value):
    response = officer_client.post("/cases/new/", {"title": value, "parties-0-name": "张三"})
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


def test_control_characters_in_api_json_are_refused_with_the_error_body(officer_client):
    payload = {"title": "案件", "parties": [{"name": "张\x00三", "address": "ok"}], "note": "a\tb\nc"}
    response = officer_client.post("/api/v1/cases/cases/", json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "控制字符" in body["message"]
    assert list(body["fields"]) == ["parties.0.name"]


def test_tab_and_newlines_are_allowed():
    mw = NulByteGuardMiddleware(lambda r: HttpResponse("ok"))
    request = RequestFactory().post("/x/", {"text": "第一行\r\n第二行\t缩进"})
    assert mw(request).status_code == 200


def test_nul_in_a_query_value_is_refused(officer_client):
    page = officer_client.get("/petitions/petition/", {"q": "a\x00b"})
    assert page.status_code == 400 and "非法字符" in page.content.decode()
    api = officer_client.get("/api/v1/petitions/petitions/", {"search": "a\x00b"})
    assert api.status_code == 400 and api.json()["code"] == "invalid"


def test_unknown_api_route_answers_the_json_error_body(officer_client):
    response = officer_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "对象不存在或不在您的数据权限范围内。", "fields": {}}


def test_unhandled_exception_on_an_api_route_is_a_json_500():
    rf = RequestFactory()
    mw = ApiErrorBodyMiddleware(lambda r: HttpResponseServerError("<h1>Server Error</h1>"))
    response = mw(rf.get("/api/v1/cases/cases/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "server_error"
    # the database refusing a connection inside a view
    from django.db import OperationalError

    raised = mw.process_exception(rf.get("/api/v1/x/"), OperationalError("too many clients already"))
    assert raised.status_code == 500 and json.loads(raised.content)["code"] == "server_error"
    assert "too many" not in raised.content.decode()
    # pages keep Django's HTML error pages
    assert mw.process_exception(rf.get("/cases/"), OperationalError("x")) is None
    assert mw(rf.get("/cases/")).status_code == 500 and b"<h1>" in mw(rf.get("/cases/")).content


# --- Excel imports ----------------------------------------------------------------------------------


def _xlsx(rows=2, cols=2) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in range(rows):
        ws.append([f"r{r}c{c}" for c in range(cols)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bomb(dimension="A1:XFD1048576", filler_mb=60) -> bytes:
    """A valid-looking .xlsx whose sheet declares a huge range and inflates to `filler_mb` MB."""
    src = zipfile.ZipFile(io.BytesIO(_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:B2"/>', f'<dimension ref="{dimension}"/>'.encode())
                data = data.replace(b"</worksheet>", b"<!--" + b" " * (filler_mb * 1024 * 1024) + b"--></worksheet>")
            dst.writestr(item, data)
    return out.getvalue()


def test_an_ordinary_workbook_opens():
    wb = open_workbook(_xlsx(5, 3))
    assert [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)][4] == ["r4c0", "r4c1", "r4c2"]


def test_zip_bomb_is_refused_before_parsing():
    bomb = _bomb()
    assert len(bomb) < 300 * 1024
    with pytest.raises(WorkbookRefused) as exc:
        check_workbook(bomb)
    assert "过大" in str(exc.value) or "压缩比" in str(exc.value)


def test_declared_cell_count_over_the_limit_is_refused():
    with pytest.raises(WorkbookRefused) as exc:
        check_workbook(_bomb(dimension="A1:Z100000", filler_mb=0))
    assert "单元格过多" in str(exc.value)


def test_not_a_workbook_is_refused():
    with pytest.raises(WorkbookRefused):
        check_workbook(b"PK\x03\x04 not really a zip")


def test_dictionary_import_refuses_the_bomb_with_a_message():
    from teis.core.dictionaries import read_rows
    from teis.core.services import ServiceError

    with pytest.raises(ServiceError) as exc:
        read_rows(io.BytesIO(_bomb()))
    assert "过大" in exc.value.message or "压缩比" in exc.value.message
