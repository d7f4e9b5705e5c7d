"""Violation codes: validation, versioning (a revision keeps the old row), retirement, linkage page, API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.legal.choices import CodeStatus
from teis.legal.models import CaseCause, DiscretionApplication, ViolationCode
from teis.legal.services.codes import do_create_code, do_retire_code, do_revise_code

from ._code_fixtures import make_benchmark, make_code, make_law

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    return make_user("legal_reviewer", "corps")


@pytest.fixture
def law():
    return make_law("上海市出租汽车管理条例")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"fine_min": Decimal("500"), "fine_max": Decimal("100")}, "fine_max"),
        ({"fine_min": Decimal("-1")}, "fine_min"),
        ({"penalty_types": ["fine", "flogging"]}, "penalty_types"),
        ({"code": "A-1"}, "code"),
        ({"code": "ABC"}, "code"),
        ({"code": "A" * 21}, "code"),
        ({"name": "  "}, "name"),
    ],
)
def test_invalid_code_is_refused_with_chinese_field_errors(reviewer, changes, field):
    data = {"code": "TX0001", "name": "违章", "penalty_types": ["fine"], "fine_min": None, "fine_max": None, **changes}
    with pytest.raises(ServiceError) as exc:
        do_create_code(reviewer, data)
    assert field in exc.value.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
    assert not ViolationCode.objects.exists()


def test_duplicate_code_is_refused(reviewer):
    make_code(reviewer, "TX0001")
    with pytest.raises(ServiceError) as exc:
        make_code(reviewer, "TX0001")
    assert "已存在" in exc.value.message


def test_revision_makes_a_new_row_and_keeps_the_old_one(reviewer, law, tree, make_user):
    _, _, p = law
    old = make_code(reviewer, "TX0002", violated=[p["a1"]], penalty=[p["a2"]])
    bench = make_benchmark(old, reviewer)
    cause = CaseCause.objects.create(cause_code="310000000001" + "01" + "000000", name="案由", item_type="penalty")
    cause.violation_codes.add(old)
    officer = make_user("field_officer", "squad1")
    # a "case" that used version 1
    used = DiscretionApplication.objects.create(
        violation_code=old, level=bench.levels.first(), unit=tree["squad1"], status="within", created_by=officer
    )
    effective = timezone.localdate() + dt.timedelta(days=10)
    new = do_revise_code(reviewer, old, {"name": "新的违章行为", "fine_max": Decimal("3000")}, effective)

    old.refresh_from_db()
    assert new.pk != old.pk
    assert (new.version, new.is_current, new.previous_id) == (2, True, old.pk)
    assert old.is_current is False and old.effective_to == effective - dt.timedelta(days=1)
    assert old.name == "未按规定携带道路运输证" and old.fine_max == Decimal("2000")
    assert new.name == "新的违章行为" and new.fine_max == Decimal("3000") and new.effective_from == effective
    # many-to-many copied
    assert list(new.violated_provisions.all()) == [p["a1"]] and list(new.penalty_provisions.all()) == [p["a2"]]
    assert list(old.violated_provisions.all()) == [p["a1"]]
    # the record that used version 1 keeps it; benchmark and cause follow the code
    used.refresh_from_db()
    assert used.violation_code_id == old.pk
    bench.refresh_from_db()
    assert bench.violation_code_id == new.pk
    assert list(cause.violation_codes.all()) == [new]
    assert AuditRecord.objects.filter(
        action="update", object_type="legal.violationcode", object_id=str(new.pk)
    ).exists()
    # only the current version can be revised; the code itself cannot change
    with pytest.raises(ServiceError):
        do_revise_code(reviewer, old, {"name": "x"})
    with pytest.raises(ServiceError):
        do_revise_code(reviewer, new, {"code": "OTHER01"})


def test_revision_replaces_m2m_and_unchanged_revision_is_a_no_op(reviewer, law):
    _, _, p = law
    code = make_code(reviewer, "TX0003", violated=[p["a1"]])
    same = do_revise_code(reviewer, code, {"name": code.name})
    assert same.pk == code.pk and ViolationCode.objects.filter(code="TX0003").count() == 1
    new = do_revise_code(reviewer, code, {"violated_provisions": [p["a3"]]})
    assert list(new.violated_provisions.all()) == [p["a3"]]


def test_revision_date_cannot_precede_the_current_version(reviewer):
    code = make_code(reviewer, "TX0004", effective_from=dt.date(2024, 1, 1))
    with pytest.raises(ServiceError) as exc:
        do_revise_code(reviewer, code, {"name": "改"}, dt.date(2023, 1, 1))
    assert "effective_from" in exc.value.fields
    assert ViolationCode.objects.filter(code="TX0004").count() == 1


def test_retire_keeps_the_row(reviewer):
    code = make_code(reviewer, "TX0005")
    do_retire_code(reviewer, code)
    code.refresh_from_db()
    assert code.status == CodeStatus.RETIRED and code.effective_to == timezone.localdate()
    with pytest.raises(ServiceError):
        do_retire_code(reviewer, code)


def test_generic_edit_page_revises_and_delete_retires(reviewer):
    code = make_code(reviewer, "TX0006")
    client = logged_in_client(reviewer)
    assert client.get(reverse("legal:violationcode_edit", args=[code.pk])).status_code == 200
    data = {
        "code": "IGNORED",
        "name": "页面修订",
        "penalty_types": ["fine", "warning"],
        "fine_min": "100",
        "fine_max": "900",
        "status": "active",
        "effective_from": timezone.localdate().isoformat(),
    }
    resp = client.post(reverse("legal:violationcode_edit", args=[code.pk]), data)
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    new = ViolationCode.objects.get(code="TX0006", is_current=True)
    assert new.version == 2 and new.penalty_types == ["fine", "warning"] and resp.url.endswith(f"/{new.pk}/")
    # invalid range: 400 and nothing written
    bad = {**data, "name": "再改", "fine_min": "900", "fine_max": "100"}
    resp = client.post(reverse("legal:violationcode_edit", args=[new.pk]), bad)
    assert resp.status_code == 400 and "罚款上限不能小于下限" in resp.content.decode()
    assert ViolationCode.objects.filter(code="TX0006").count() == 2
    resp = client.post(reverse("legal:violationcode_delete", args=[new.pk]))
    assert resp.status_code == 302
    new.refresh_from_db()
    assert new.status == CodeStatus.RETIRED


def test_api_patch_revises_delete_retires_bad_input_is_400(reviewer):
    code = make_code(reviewer, "TX0007")
    client = logged_in_client(reviewer)
    url = f"/api/v1/legal/violationcodes/{code.pk}/"
    resp = client.patch(url, {"name": "接口修订", "version": 99}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["version"] == 2 and body["is_current"] is True and body["id"] != code.pk
    resp = client.patch(
        f"/api/v1/legal/violationcodes/{body['id']}/",
        {"fine_min": "900", "fine_max": "100"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.json()["code"] == "invalid" and "fine_max" in resp.json()["fields"]
    resp = client.post(
        "/api/v1/legal/violationcodes/",
        {"code": "TX0008", "name": "新", "penalty_types": ["nope"]},
        content_type="application/json",
    )
    assert resp.status_code == 400 and any(k.startswith("penalty_types") for k in resp.json()["fields"])
    resp = client.delete(f"/api/v1/legal/violationcodes/{body['id']}/")
    assert resp.status_code == 204
    assert ViolationCode.objects.get(pk=body["id"]).status == CodeStatus.RETIRED


def test_links_page_lists_causes_benchmarks_and_provisions(reviewer, law, make_user):
    _, _, p = law
    code = make_code(reviewer, "TX0009", violated=[p["a1p1"]], penalty=[p["a2"]])
    make_benchmark(code, reviewer)
    cause = CaseCause.objects.create(cause_code="310000000001" + "02" + "000000", name="关联案由", item_type="penalty")
    cause.violation_codes.add(code)
    officer = make_user("field_officer", "squad1")
    client = logged_in_client(officer)
    detail = client.get(reverse("legal:violationcode_detail", args=[code.pk])).content.decode()
    assert reverse("legal:violationcode_links", args=[code.pk]) in detail
    page = client.get(reverse("legal:violationcode_links", args=[code.pk])).content.decode()
    assert "关联案由" in page and "TX0009裁量基准" in page
    assert p["a1p1"].citation in page and p["a2"].citation in page


def test_add_page_creates_version_one(reviewer, law):
    _, _, p = law
    client = logged_in_client(reviewer)
    assert client.get(reverse("legal:violationcode_add")).status_code == 200
    data = {
        "code": "TX0100",
        "name": "页面新增",
        "violated_provisions": [p["a1"].pk],
        "penalty_types": ["fine"],
        "fine_min": "100",
        "fine_max": "500",
        "status": "active",
        "effective_from": "2025-01-01",
    }
    resp = client.post(reverse("legal:violationcode_add"), data)
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    code = ViolationCode.objects.get(code="TX0100")
    assert code.version == 1 and code.is_current and list(code.violated_provisions.all()) == [p["a1"]]
    resp = client.post(reverse("legal:violationcode_add"), data)
    assert resp.status_code == 400 and "已存在" in resp.content.decode()
