import io
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org.models import Officer, Role, Unit

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def sample(record_at, make_user, tree):
    """Records by two officers of different units, on different days and of different kinds."""
    alice = make_user(name="艾丽丝", unit="squad1")
    bob = make_user(name="鲍勃", unit="squad3")
    now = timezone.now()
    record_at(
        now - timedelta(days=10),
        alice,
        AuditAction.CREATE,
        object_type="cases.case",
        object_id="42",
        object_repr="甲案件",
    )
    record_at(now - timedelta(days=2), alice, AuditAction.EXPORT, object_type="", object_repr="乙导出")
    record_at(now, bob, AuditAction.UPDATE, object_type="org.unit", object_repr="丙单位")
    return alice, bob


def test_auditor_lists_records_with_filters(auditor, sample):
    client = logged_in_client(auditor)
    url = "/audit/auditrecord/"
    all_rows = page(client, url)
    assert all(name in all_rows for name in ("甲案件", "乙导出", "丙单位"))

    by_user = page(client, url, actor_name="艾丽丝")
    assert "甲案件" in by_user and "乙导出" in by_user and "丙单位" not in by_user

    by_unit = page(client, url, unit_name="第三中队")
    assert "丙单位" in by_unit and "甲案件" not in by_unit

    by_action = page(client, url, action=AuditAction.EXPORT)
    assert "乙导出" in by_action and "甲案件" not in by_action and "丙单位" not in by_action

    by_object = page(client, url, object_type="cases.case")
    assert "甲案件" in by_object and "丙单位" not in by_object
    assert "丙单位" in page(client, url, object_repr="丙单")
    first = AuditRecord.objects.get(object_repr="甲案件")
    by_id = page(client, url, object_type="cases.case", object_id=first.object_id)
    assert first.object_id == "42"
    assert "甲案件" not in page(client, url, object_id="43")
    assert "甲案件" in by_id and "乙导出" not in by_id

    today = timezone.localdate()
    since = page(client, url, at_after=(today - timedelta(days=3)).isoformat())
    assert "乙导出" in since and "丙单位" in since and "甲案件" not in since
    window = page(
        client,
        url,
        at_after=(today - timedelta(days=11)).isoformat(),
        at_before=(today - timedelta(days=5)).isoformat(),
    )
    assert "甲案件" in window and "乙导出" not in window and "丙单位" not in window


def test_auditor_api_lists_with_the_same_filters(auditor, sample):
    client = logged_in_client(auditor)
    response = client.get("/api/v1/audit/auditrecords/", {"actor_name": "鲍勃", "action": "update"})
    assert response.status_code == 200
    reprs = [r["object_repr"] for r in response.json()["results"]]
    assert reprs == ["丙单位"]


def test_auditor_exports_records_and_the_export_is_audited(auditor, sample):
    client = logged_in_client(auditor)
    response = client.get("/audit/auditrecord/export/", {"actor_name": "艾丽丝"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row]
    assert "甲案件" in values and "乙导出" in values and "丙单位" not in values
    export = AuditRecord.objects.filter(action=AuditAction.EXPORT, actor=auditor).get()
    assert export.detail["model"] == "audit.auditrecord" and export.detail["rows"] == 2


def test_export_needs_the_export_permission(make_user, sample):
    role = Role.objects.create(code="audit_reader", name="审计查阅", data_scope="all")
    from django.contrib.auth.models import Permission

    role.permissions.set(Permission.objects.filter(content_type__app_label="audit", codename="view_auditrecord"))
    reader = make_user(None, "corps", username="reader")
    reader.officer.roles.set([role])
    client = logged_in_client(reader)
    assert client.get("/audit/auditrecord/").status_code == 200
    assert client.get("/audit/auditrecord/export/").status_code == 403
    denied = AuditRecord.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=reader).get()
    assert denied.detail["permission"] == "audit.export_auditrecord"
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT, actor=reader).exists()


def test_users_without_audit_permissions_see_nothing(make_user, sysadmin, sample):
    for user in (make_user("leadership", "corps"), sysadmin):
        client = logged_in_client(user)
        assert client.get("/audit/auditrecord/").status_code == 403
        assert client.get("/audit/auditrecord/export/").status_code == 403
        assert client.get("/api/v1/audit/auditrecords/").status_code == 403


def test_nobody_edits_or_deletes_records_through_ui_or_api(auditor, sample):
    rec = AuditRecord.objects.order_by("id").first()
    before = (rec.object_repr, rec.hash, AuditRecord.objects.count())
    client = logged_in_client(auditor)
    api = f"/api/v1/audit/auditrecords/{rec.pk}/"
    assert client.get(api).status_code == 200
    assert client.post("/api/v1/audit/auditrecords/", {"action": "view"}).status_code in (403, 405)
    assert client.post(api, {"object_repr": "x"}).status_code in (403, 405)
    assert client.put(api, {"object_repr": "x"}, content_type="application/json").status_code in (403, 405)
    assert client.patch(api, {"object_repr": "x"}, content_type="application/json").status_code in (403, 405)
    assert client.delete(api).status_code in (403, 405)
    assert client.get(f"/audit/auditrecord/{rec.pk}/").status_code == 200
    for suffix in ("edit/", "delete/"):
        assert client.get(f"/audit/auditrecord/{rec.pk}/{suffix}").status_code == 404
        assert client.post(f"/audit/auditrecord/{rec.pk}/{suffix}", {"object_repr": "x"}).status_code == 404
    assert client.get("/audit/auditrecord/add/").status_code == 404
    rec = AuditRecord.objects.get(pk=rec.pk)
    assert (rec.object_repr, rec.hash) == before[:2]
    from teis.audit.services import verify_chain

    assert verify_chain().ok


def test_even_a_superuser_cannot_change_records_through_the_api(make_user, sample):
    root = make_user(None, "corps", username="root")
    root.is_superuser = True
    root.save()
    rec = AuditRecord.objects.order_by("id").first()
    client = logged_in_client(root)
    api = f"/api/v1/audit/auditrecords/{rec.pk}/"
    assert client.patch(api, {"object_repr": "x"}, content_type="application/json").status_code == 405
    assert client.delete(api).status_code == 405
    assert AuditRecord.objects.filter(pk=rec.pk).exists()


def test_audit_admin_cannot_change_anything_else(auditor, tree):
    client = logged_in_client(auditor)
    assert client.get("/org/unit/add/").status_code == 403
    assert client.post("/org/unit/add/", {"name": "审计员建的单位", "unit_type": "squad"}).status_code == 403
    assert client.post(f"/org/unit/{tree['squad1'].pk}/delete/").status_code == 403
    assert client.get("/org/officer/add/").status_code == 403
    assert client.post("/api/v1/org/units/", {"name": "x", "unit_type": "squad"}).status_code == 403
    assert client.get("/org/role/add/").status_code == 403
    assert not Unit.objects.filter(name="审计员建的单位").exists()
    assert Unit.objects.filter(pk=tree["squad1"].pk).exists()
    assert AuditRecord.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=auditor).count() >= 4


def test_auditor_sees_what_the_sysadmin_just_did(auditor, sysadmin, tree):
    admin = logged_in_client(sysadmin)
    response = admin.post(
        "/org/unit/add/",
        {"name": "新设第九中队", "unit_type": "squad", "parent": tree["brigade1"].pk, "order": 0, "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(name="新设第九中队")
    client = logged_in_client(auditor)
    listing = page(client, "/audit/auditrecord/", object_type="org.unit", action="create")
    assert "新设第九中队" in listing
    assert f"{sysadmin.officer.name}(sysadmin)" in listing
    rec = AuditRecord.objects.get(action=AuditAction.CREATE, object_type="org.unit", object_id=str(unit.pk))
    assert rec.actor == sysadmin and rec.unit == tree["corps"]
    detail = page(client, f"/audit/auditrecord/{rec.pk}/")
    assert "新设第九中队" in detail and rec.hash in detail


def test_officer_id_number_never_appears_in_clear(auditor, sysadmin, tree, roles):
    admin = logged_in_client(sysadmin)
    response = admin.post(
        "/org/officer/add/",
        {
            "username": "newofficer",
            "password": TEST_PASSWORD,
            "name": "新队员",
            "id_number": ID_NUMBER,
            "phone": "13912345678",
            "unit": tree["squad1"].pk,
            "roles": [roles["field_officer"].pk],
            "status": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    officer = Officer.objects.get(user__username="newofficer")
    assert officer.id_number == ID_NUMBER
    rec = AuditRecord.objects.get(action=AuditAction.CREATE, object_type="org.officer", object_id=str(officer.pk))
    assert rec.actor == sysadmin
    masked = rec.changes["身份证号"][1]
    assert masked != ID_NUMBER and "*" in masked
    # nowhere in the stored audit rows, not even inside the JSON
    with connection.cursor() as cur:
        cur.execute("SELECT changes, detail, object_repr FROM audit_auditrecord")
        stored = " ".join(str(col) for row in cur.fetchall() for col in row)
    assert ID_NUMBER not in stored and "13912345678" not in stored
    client = logged_in_client(auditor)
    listing = page(client, "/audit/auditrecord/", object_type="org.officer")
    assert "新队员" in listing and f"{sysadmin.officer.name}(sysadmin)" in listing
    detail = page(client, f"/audit/auditrecord/{rec.pk}/")
    assert masked in detail and "新队员" in detail
    assert ID_NUMBER not in detail and "13912345678" not in detail
    export = client.get("/audit/auditrecord/export/", {"object_type": "org.officer"})
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.content)).active
    cells = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row)
    assert "新队员" in cells and ID_NUMBER not in cells


def test_audit_menu_shows_for_the_auditor(auditor):
    client = logged_in_client(auditor)
    home = page(client, "/")
    for label in ("审计日志", "异常告警", "审计归档"):
        assert label in home


def test_audit_admin_tunes_anomaly_rules_but_sysadmin_cannot(auditor, sysadmin):
    from teis.audit.models import AnomalyRule

    rule = AnomalyRule.objects.first()
    assert logged_in_client(auditor).get(f"/audit/anomalyrule/{rule.pk}/edit/").status_code == 200
    assert logged_in_client(sysadmin).get(f"/audit/anomalyrule/{rule.pk}/edit/").status_code == 403
