"""Links between evidence and cases from both sides, the case page section and the API."""

from __future__ import annotations

import pytest

from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.evidence.models import CaseEvidenceLink
from teis.evidence.services.links import do_link, do_unlink

pytestmark = pytest.mark.django_db


def test_link_unlink_from_item_page(officer, client_for, ingest_photo, case):
    item = ingest_photo(1)
    client = client_for(officer)
    page = f"/evidence/evidenceitem/{item.pk}/"
    resp = client.post(page, {"_action": "link", "link-case": case.case_code, "link-description": "拒载现场"})
    assert resp.status_code == 302 and resp.url == page
    link = CaseEvidenceLink.objects.get(item=item, case=case)
    assert link.description == "拒载现场" and link.linked_by == officer
    page = client.get(f"/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="evidence"' in html and item.title in html and "拒载现场" in html
    resp = client.post(f"/evidence/cases/{case.pk}/link/", {"_action": "unlink", "item": item.pk})
    assert resp.status_code == 302 and resp.url == f"/cases/{case.pk}/#evidence"
    assert not CaseEvidenceLink.objects.exists()
    ops = set(
        AuditRecord.objects.filter(object_id=str(item.pk), object_type="evidence.evidenceitem").values_list(
            "detail__operation", flat=True
        )
    )
    assert {"evidence.link", "evidence.unlink"} <= ops


def test_link_from_case_page(officer, client_for, ingest_photo, case):
    item = ingest_photo(2)
    client = client_for(officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'value="{item.pk}"' in page  # offered in the case page's select
    client.post(f"/evidence/cases/{case.pk}/link/", {"_action": "link", "item": item.pk, "description": "证明车辆"})
    assert CaseEvidenceLink.objects.filter(item=item, case=case, description="证明车辆").exists()


def test_many_to_many_and_refusals(officer, other_officer, ingest_photo, case, tree):
    from teis.cases.models import EnforcementCase

    item = ingest_photo(3)
    case2 = EnforcementCase.objects.create(title="第二案", unit=tree["squad1"], handler=officer)
    do_link(officer, item, case, "a")
    do_link(officer, item, case2, "b")
    assert set(item.links.values_list("case_id", flat=True)) == {case.pk, case2.pk}
    with pytest.raises(ServiceError) as err:
        do_link(officer, item, case, "again")
    assert err.value.code == "already_linked"
    with pytest.raises(ServiceError):
        do_link(other_officer, item, case, "")  # item outside the other officer's scope
    do_unlink(officer, item, case)
    with pytest.raises(ServiceError) as err:
        do_unlink(officer, item, case)
    assert err.value.code == "not_linked"


def test_api_link_query_unlink(officer, client_for, ingest_photo, case):
    """The item's declared actions `link` / `unlink` on the API (POST /api/v1/evidence/evidenceitems/<id>/link/)."""
    item = ingest_photo(4)
    other = ingest_photo(5)
    client = client_for(officer)
    url = f"/api/v1/evidence/evidenceitems/{item.pk}/"
    resp = client.post(url + "link/", {"case": case.pk, "description": "现场"}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    assert CaseEvidenceLink.objects.filter(item=item, case=case, description="现场").exists()
    q = client.get(f"/api/v1/evidence/items/?case={case.pk}").json()
    assert [r["id"] for r in q["results"]] == [item.pk]
    q = client.get("/api/v1/evidence/items/?category=photo").json()
    assert {r["id"] for r in q["results"]} == {item.pk, other.pk}
    resp = client.post(url + "link/", {"case": case.pk}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "already_linked"
    resp = client.post(url + "unlink/", {"case": case.case_code}, content_type="application/json")
    assert resp.status_code == 200 and not CaseEvidenceLink.objects.filter(item=item).exists()
    resp = client.post(url + "link/", data="{}", content_type="application/json")
    assert resp.status_code == 400 and "case" in resp.json()["fields"]
    resp = client.post(url + "link/", {"case": "不存在的案件"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "case_not_found"


def test_api_query_by_officer_device_time_place(officer, client_for, ingest_photo):
    a = ingest_photo(
        6, metadata={"device_serial": "BC-1", "lon": 121.47, "lat": 31.23, "captured_at": "2025-05-01T10:00:00+08:00"}
    )
    ingest_photo(
        7, metadata={"device_serial": "BC-2", "lon": 120.0, "lat": 30.0, "captured_at": "2025-06-01T10:00:00+08:00"}
    )
    client = client_for(officer)

    def ids(qs):
        return [r["id"] for r in client.get("/api/v1/evidence/items/?" + qs).json()["results"]]

    assert ids("device_serial=BC-1") == [a.pk]
    assert ids("bbox=121,31,122,32") == [a.pk]
    assert ids("captured_before=2025-05-15") == [a.pk]
    assert len(ids(f"officer={officer.pk}")) == 2
