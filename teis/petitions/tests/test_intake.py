"""登记: required fields, anonymity, encryption and blind indexes, deadlines per channel (working days,
configurable, non-positive refused), duplicates, attachments; a refused registration writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from teis.core.services import ServiceError
from teis.core.workdays import add_workdays
from teis.petitions.models import DeadlineRule, Petition, PetitionAttachment
from teis.petitions.services import intake
from teis.workflow.models import ProcessInstance

from .conftest import petition_data

pytestmark = pytest.mark.django_db


def test_register_sets_code_deadlines_and_starts_the_process(people):
    now = timezone.make_aware(dt.datetime(2025, 9, 29, 10, 0))  # before the National Day holiday
    p = intake.do_register(people.registrar, petition_data(people.categories), now=now)
    assert p.code.startswith("XF2025") and len(p.code) == 12
    assert p.accept_due == add_workdays(dt.date(2025, 9, 29), 15)
    assert p.finish_due == add_workdays(dt.date(2025, 9, 29), 60)
    assert p.accept_due > dt.date(2025, 10, 20)  # the holiday week does not count
    assert p.process is not None and p.current_step == "登记受理"
    assert p.intake_unit == people.tree["corps"] and p.unit == people.tree["corps"]


def test_deadline_rule_per_channel(people):
    DeadlineRule.objects.create(channel="hotline", accept_days=3, finish_days=15)
    now = timezone.make_aware(dt.datetime(2025, 6, 2, 9))
    p = intake.do_register(people.registrar, petition_data(people.categories), now=now)
    assert p.accept_due == add_workdays(dt.date(2025, 6, 2), 3)
    assert p.finish_due == add_workdays(dt.date(2025, 6, 2), 15)
    q = intake.do_register(people.registrar, petition_data(people.categories, channel="letter"), now=now)
    assert q.finish_due == add_workdays(dt.date(2025, 6, 2), 60)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"accept_days": 0, "finish_days": 60}, "accept_days"),
        ({"accept_days": 15, "finish_days": -1}, "finish_days"),
        ({"accept_days": "abc", "finish_days": 60}, "accept_days"),
        ({"accept_days": 30, "finish_days": 20}, "accept_days"),
        ({"accept_days": 15, "finish_days": 60, "remind_days": -2}, "remind_days"),
    ],
)
def test_bad_deadline_rule_is_refused(people, data, field):
    svc = intake.deadline_rule_service
    with pytest.raises(ServiceError) as err:
        svc.do_create(people.registrar, DeadlineRule, {"channel": "web", **data})
    assert err.value.code == "invalid_deadline" and field in err.value.fields
    assert not DeadlineRule.objects.exists()


def test_bad_deadline_update_keeps_the_rule(people):
    rule = intake.deadline_rule_service.do_create(
        people.registrar, DeadlineRule, {"channel": "web", "accept_days": 5, "finish_days": 30}
    )
    with pytest.raises(ServiceError):
        intake.deadline_rule_service.do_update(people.registrar, rule, {"finish_days": 0})
    rule.refresh_from_db()
    assert rule.finish_days == 30


def test_missing_fields_listed_and_nothing_written(people):
    before = (Petition.objects.count(), ProcessInstance.objects.count())
    with pytest.raises(ServiceError) as err:
        intake.do_register(people.registrar, {"channel": "", "title": " ", "complainant_name": ""})
    fields = err.value.fields
    assert {"channel", "category", "title", "content", "complainant_name"} <= set(fields)
    assert fields["title"] == ["请填写事项摘要"]
    assert (Petition.objects.count(), ProcessInstance.objects.count()) == before


@pytest.mark.parametrize(
    "over, field",
    [
        ({"channel": "fax"}, "channel"),
        ({"category": 999999}, "category"),
        ({"complainant_phone": "abc"}, "complainant_phone"),
        ({"complainant_id_number": "12345"}, "complainant_id_number"),
        ({"subject_plate": "ABC"}, "subject_plate"),
        ({"lon": "200", "lat": "31"}, "lon"),
        ({"occurred_at": "昨天"}, "occurred_at"),
        ({"complainant_phone": "", "complainant_address": ""}, "complainant_phone"),
    ],
)
def test_invalid_values(people, over, field):
    with pytest.raises(ServiceError) as err:
        intake.do_register(people.registrar, petition_data(people.categories, **over))
    assert field in err.value.fields
    assert not Petition.objects.exists()


def test_without_permission_is_refused(people):
    with pytest.raises(ServiceError) as err:
        intake.do_register(people.squad1, petition_data(people.categories))
    assert err.value.code == "forbidden"


def test_anonymous_keeps_no_personal_data(people):
    p = intake.do_register(
        people.registrar, petition_data(people.categories, is_anonymous=True, complainant_phone="13900000000")
    )
    assert p.is_anonymous and p.complainant_name == "" and p.complainant_phone == ""


def test_audit_masks_personal_data(people):
    from teis.audit.models import AuditRecord

    p = intake.do_register(people.registrar, petition_data(people.categories))
    rec = AuditRecord.objects.get(object_type="petitions.petition", object_id=str(p.pk), action="create")
    text = str(rec.changes)
    assert "13812345678" not in text and "310101199001011234" not in text and "138****5678" in text


def test_duplicates_by_phone_id_number_and_plate(people, register):
    first = register()
    other = register(complainant_phone="13900001111", complainant_id_number="", subject_plate="沪B99999")
    u = people.registrar
    assert [p.pk for p in intake.find_duplicates(u, phone="13812345678")] == [first.pk]
    assert [p.pk for p in intake.find_duplicates(u, id_number="310101199001011234")] == [first.pk]
    assert [p.pk for p in intake.find_duplicates(u, plate="沪b99999")] == [other.pk]
    assert intake.find_duplicates(u) == []
    later = timezone.now() + dt.timedelta(days=31)
    assert intake.find_duplicates(u, phone="13812345678", now=later) == []


def test_attachments_stored_with_sm3(people, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    f = SimpleUploadedFile("来信.png", png, content_type="image/png")
    p = intake.do_register(people.registrar, petition_data(people.categories), [f])
    att = PetitionAttachment.objects.get(petition=p)
    from teis.core.crypto import sm3_hex

    assert att.sm3 == sm3_hex(png) and att.content_type == "image/png" and att.original_name == "来信.png"


def test_empty_attachment_refused_nothing_saved(people):
    f = SimpleUploadedFile("空.txt", b"", content_type="text/plain")
    with pytest.raises(ServiceError) as err:
        intake.do_register(people.registrar, petition_data(people.categories), [f])
    assert "files" in err.value.fields and not Petition.objects.exists()


@given(
    value=st.one_of(
        st.integers(-1000, 0),
        st.integers(366, 10**9),
        st.text(alphabet="abc.,- ", max_size=5),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=True),
    )
)
def test_check_rule_never_accepts_non_positive(value):
    try:
        out = intake.check_rule({"accept_days": value, "finish_days": 400})
    except ServiceError:
        return
    raise AssertionError(f"accepted {value!r} → {out}")


@given(days=st.integers(1, 365))
def test_check_rule_accepts_positive(days):
    out = intake.check_rule({"accept_days": str(days), "finish_days": 365})
    assert out["accept_days"] == days


def test_html_attachment_refused_whatever_its_name(people):
    """Stored XSS probe: an .html with <script>, even named .png and declared image/png, is not stored."""
    html = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    for name, ctype in (("page.html", "text/html"), ("disguised.png", "image/png")):
        f = SimpleUploadedFile(name, html, content_type=ctype)
        with pytest.raises(ServiceError) as err:
            intake.do_register(people.registrar, petition_data(people.categories), [f])
        assert "不允许上传" in err.value.message and "files" in err.value.fields
    assert not Petition.objects.exists() and not PetitionAttachment.objects.exists()


def test_stored_html_is_served_as_a_sandboxed_download(people, settings, tmp_path):
    """A file stored before the type check (or by another path) never renders in the application's origin."""
    from teis.core.storage import get_storage
    from teis.core.testing import logged_in_client

    settings.MEDIA_ROOT = str(tmp_path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    p = intake.do_register(people.registrar, petition_data(people.categories), [SimpleUploadedFile("a.png", png)])
    att = PetitionAttachment.objects.get(petition=p)
    get_storage().delete(att.file_name)
    get_storage().save(att.file_name, io.BytesIO(b"<script>alert(1)</script>"))
    PetitionAttachment.objects.filter(pk=att.pk).update(content_type="text/html", original_name="x.html")
    resp = logged_in_client(people.registrar).get(f"/petitions/{p.pk}/attachments/{att.pk}/")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/octet-stream"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in resp["Content-Security-Policy"]
