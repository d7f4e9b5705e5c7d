"""Officers' 身份证号 and 手机号: SM4 at rest, blind index for look-up, masked in pages, API and Excel,
revealed only with the permission and always audited."""

import io

import pytest
from django.db import connection
from openpyxl import load_workbook

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.crypto import blind_index
from teis.core.testing import logged_in_client
from teis.org.models import Officer

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
ID_MASKED = "110105********002X"
PHONE = "13812345678"
PHONE_MASKED = "138****5678"


@pytest.fixture
def subject(make_user):
    return make_user("field_officer", "squad1", name="李敏感", id_number=ID, phone=PHONE).officer


def raw_columns(officer):
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone, id_number_index FROM org_officer WHERE id = %s", [officer.pk])
        return cur.fetchone()


class TestAtRest:
    def test_encrypted_in_the_database(self, subject):
        id_raw, phone_raw, index = raw_columns(subject)
        assert id_raw.startswith("sm4:") and ID not in id_raw
        assert phone_raw.startswith("sm4:") and PHONE not in phone_raw
        assert index == blind_index(ID)
        assert Officer.objects.get(pk=subject.pk).id_number == ID  # Python sees the clear value

    def test_lookup_by_blind_index(self, subject, make_user):
        make_user(id_number="310101199001011237")
        assert list(Officer.objects.filter(id_number_index=blind_index(ID))) == [subject]
        assert list(Officer.objects.filter(phone_index=blind_index(PHONE))) == [subject]
        assert not Officer.objects.filter(id_number_index=blind_index("110105194912310037")).exists()


class TestMaskedEverywhere:
    @pytest.fixture
    def leader(self, make_user):
        return make_user("squad_leader", "squad1")  # sees the squad, may not reveal

    def test_list_and_detail_pages(self, subject, leader):
        client = logged_in_client(leader)
        for url in ("/org/officer/", f"/org/officer/{subject.pk}/"):
            page = client.get(url).content.decode()
            assert "李敏感" in page, url
            assert ID_MASKED in page and PHONE_MASKED in page, url
            assert ID not in page and PHONE not in page, url

    def test_edit_form_of_a_user_without_reveal_shows_masked_values_and_keeps_them(self, subject, sysadmin):
        client = logged_in_client(sysadmin)
        page = client.get(f"/org/officer/{subject.pk}/edit/").content.decode()
        assert ID_MASKED in page and ID not in page
        assert PHONE_MASKED in page and PHONE not in page
        form = {
            "name": "李敏感",
            "unit": subject.unit_id,
            "status": "active",
            "roles": [r.pk for r in subject.roles.all()],
            "id_number": ID_MASKED,
            "phone": "13900001111",
        }
        resp = client.post(f"/org/officer/{subject.pk}/edit/", form)
        assert resp.status_code == 302, resp.content.decode()
        subject.refresh_from_db()
        assert subject.id_number == ID  # the masked value meant "unchanged"
        assert subject.phone == "13900001111"
        rec = AuditRecord.objects.filter(action=AuditAction.UPDATE, object_id=str(subject.pk)).latest("id")
        assert PHONE not in str(rec.changes) and "13900001111" not in str(rec.changes)  # masked in audit too

    def test_api(self, subject, leader):
        resp = logged_in_client(leader).get("/api/v1/org/officers/")
        assert resp.status_code == 200
        row = next(r for r in resp.json()["results"] if r["id"] == subject.pk)
        assert row["id_number"] == ID_MASKED and row["phone"] == PHONE_MASKED
        assert "totp_secret" not in row and "id_number_index" not in row
        assert ID not in resp.content.decode()

    def test_excel_export(self, subject, leader):
        resp = logged_in_client(leader).get("/org/officer/export/")
        assert resp.status_code == 200
        sheet = load_workbook(io.BytesIO(resp.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        row = next(r for r in rows[1:] if r[header.index("姓名")] == "李敏感")
        assert row[header.index("身份证号")] == ID_MASKED
        assert row[header.index("手机号")] == PHONE_MASKED
        assert all(ID not in str(c) and PHONE not in str(c) for r in rows for c in r)
        assert AuditRecord.objects.filter(action=AuditAction.EXPORT, actor=leader).exists()

    def test_api_never_stores_a_masked_value(self, subject, sysadmin):
        """A client echoing back what it was shown is refused (the serializer validates the 身份证号) rather
        than overwriting the real value with asterisks."""
        resp = logged_in_client(sysadmin).patch(
            f"/api/v1/org/officers/{subject.pk}/", {"id_number": ID_MASKED}, content_type="application/json"
        )
        assert resp.status_code == 400
        assert resp.json()["fields"]["id_number"]
        subject.refresh_from_db()
        assert subject.id_number == ID

    def test_service_treats_the_masked_value_as_unchanged(self, subject, sysadmin):
        from teis.org.services import OfficerService

        OfficerService().do_update(sysadmin, subject, {"id_number": ID_MASKED, "phone": "139 0000 1111"})
        subject.refresh_from_db()
        assert subject.id_number == ID
        assert subject.phone == "13900001111"  # normalised before it is stored and indexed
        assert Officer.objects.filter(phone_index=blind_index("13900001111")).get() == subject

    def test_api_refuses_a_malformed_id_number(self, subject, sysadmin):
        resp = logged_in_client(sysadmin).patch(
            f"/api/v1/org/officers/{subject.pk}/", {"id_number": "110105194912310021"}, content_type="application/json"
        )
        assert resp.status_code == 400
        assert "校验位" in resp.json()["fields"]["id_number"][0]
        subject.refresh_from_db()
        assert subject.id_number == ID

    def test_service_refuses_a_malformed_id_number(self, subject, sysadmin):
        from teis.core.services import ServiceError
        from teis.org.services import OfficerService

        with pytest.raises(ServiceError) as err:
            OfficerService().do_update(sysadmin, subject, {"id_number": "110105194912310021"})
        assert err.value.code == "invalid_personal_data"
        assert "校验位" in err.value.fields["id_number"][0]


class TestReveal:
    def test_brigade_leader_reveals_and_it_is_audited(self, subject, make_user):
        leader = make_user("brigade_leader", "brigade1")
        client = logged_in_client(leader)
        resp = client.post(f"/org/officer/{subject.pk}/reveal/id_number/")
        assert resp.status_code == 200
        assert resp.json() == {"value": ID}
        assert client.post(f"/org/officer/{subject.pk}/reveal/phone/").json() == {"value": PHONE}
        rec = AuditRecord.objects.filter(action=AuditAction.REVEAL, actor=leader).order_by("id").first()
        assert rec.object_id == str(subject.pk) and rec.detail == {"field": "id_number"}
        assert rec.category == "security"
        # the list still shows masked values to the leader: revealing is one field at a time
        assert ID not in client.get("/org/officer/").content.decode()

    def test_without_permission_403_and_audited(self, subject, make_user):
        squad_leader = make_user("squad_leader", "squad1")
        resp = logged_in_client(squad_leader).post(f"/org/officer/{subject.pk}/reveal/id_number/")
        assert resp.status_code == 403
        assert ID not in resp.content.decode()
        assert not AuditRecord.objects.filter(action=AuditAction.REVEAL).exists()
        assert AuditRecord.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=squad_leader).exists()

    def test_reveal_outside_scope_is_404(self, make_user):
        other = make_user("field_officer", "squad3", id_number=ID).officer
        leader = make_user("brigade_leader", "brigade1")
        assert logged_in_client(leader).post(f"/org/officer/{other.pk}/reveal/id_number/").status_code == 404

    def test_only_masked_fields_can_be_revealed(self, subject, make_user):
        leader = make_user("brigade_leader", "brigade1")
        assert logged_in_client(leader).post(f"/org/officer/{subject.pk}/reveal/totp_secret/").status_code == 404

    def test_reveal_needs_post(self, subject, make_user):
        leader = make_user("brigade_leader", "brigade1")
        assert logged_in_client(leader).get(f"/org/officer/{subject.pk}/reveal/id_number/").status_code == 405
