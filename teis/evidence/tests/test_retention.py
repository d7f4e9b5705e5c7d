"""Retention: the job deletes exactly what the policy says, linked material survives, longest rule wins,
legal hold stops deletion, 7-day recovery then purge, preview, weekly notice, audited with hashes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.models import Notification, TodoItem
from teis.core.services import ServiceError
from teis.evidence.models import EvidenceItem, RetentionPolicy
from teis.evidence.services import blobs, retention
from teis.evidence.services.links import do_link

pytestmark = pytest.mark.django_db


def _age(item, days):
    EvidenceItem.objects.filter(pk=item.pk).update(created_at=timezone.now() - timedelta(days=days))
    item.refresh_from_db()
    return item


def test_job_deletes_exactly_what_policy_says_and_linked_survives(officer, ingest_photo, case):
    RetentionPolicy.objects.create(name="照片", category="photo", unlinked_days=30, linked_years_after_archive=2)
    old = _age(ingest_photo(1), 31)
    young = _age(ingest_photo(2), 29)
    linked = _age(ingest_photo(3), 400)
    do_link(officer, linked, case, "现场")
    held = _age(ingest_photo(4), 400)
    held.legal_hold = True
    held.save()
    assert [d.item.pk for d in retention.preview()] == [old.pk]
    assert retention.run_retention() == {"deleted": 1, "purged": 0}
    statuses = dict(EvidenceItem.objects.values_list("pk", "status"))
    assert statuses == {old.pk: "deleted", young.pk: "active", linked.pk: "active", held.pk: "active"}
    rec = AuditRecord.objects.get(object_id=str(old.pk), detail__operation="evidence.delete")
    assert rec.detail["sm3"] == old.sm3
    assert blobs.exists(old.storage_name)  # recoverable: bytes kept


def test_linked_item_deleted_only_after_all_cases_archived_plus_years(officer, ingest_photo, case, tree):
    from teis.cases.models import EnforcementCase

    RetentionPolicy.objects.create(name="默认", unlinked_days=10, linked_years_after_archive=1)
    case2 = EnforcementCase.objects.create(title="另案", unit=tree["squad1"], handler=officer)
    item = _age(ingest_photo(5), 2000)
    do_link(officer, item, case, "")
    do_link(officer, item, case2, "")
    long_ago = timezone.now() - timedelta(days=800)
    EnforcementCase.objects.filter(pk=case.pk).update(archived_at=long_ago)
    assert retention.preview() == []  # case2 not archived
    EnforcementCase.objects.filter(pk=case2.pk).update(archived_at=timezone.now() - timedelta(days=100))
    assert retention.preview() == []  # archived < 1 year ago
    EnforcementCase.objects.filter(pk=case2.pk).update(archived_at=long_ago)
    assert [d.item.pk for d in retention.preview()] == [item.pk]


def test_longest_rule_wins(ingest_photo):
    RetentionPolicy.objects.create(name="照片", category="photo", unlinked_days=30)
    RetentionPolicy.objects.create(name="网页上传", source="system", unlinked_days=90)
    RetentionPolicy.objects.create(name="停用", category="photo", unlinked_days=1, enabled=False)
    item = _age(ingest_photo(6), 60)
    when, _ = retention.compute_delete_after(item)
    assert when == item.created_at + timedelta(days=90)
    assert retention.preview() == []


def test_recover_within_7_days_then_purge(officer, admin, ingest_photo):
    RetentionPolicy.objects.create(name="照片", category="photo", unlinked_days=1)
    item = _age(ingest_photo(7), 5)
    retention.run_retention()
    retention.do_restore(admin, EvidenceItem.objects.get(pk=item.pk))
    assert EvidenceItem.objects.get(pk=item.pk).status == "active"
    _age(item, 5)
    retention.run_retention()
    assert retention.run_retention(timezone.now() + timedelta(days=6))["purged"] == 0
    assert retention.run_retention(timezone.now() + timedelta(days=8))["purged"] == 1
    item.refresh_from_db()
    assert item.status == "purged" and not blobs.exists(item.storage_name)
    assert AuditRecord.objects.filter(
        object_id=str(item.pk), detail__operation="evidence.purge", detail__sm3=item.sm3
    ).exists()
    with pytest.raises(ServiceError):
        retention.do_restore(admin, item)


def test_manual_delete_rules_and_legal_hold(officer, admin, ingest_photo, case, client_for):
    item = ingest_photo(8)
    with pytest.raises(ServiceError):
        retention.do_delete(officer, item, "误传")  # no permission
    retention.do_set_legal_hold(admin, item, True, "行政诉讼")
    with pytest.raises(ServiceError) as err:
        retention.do_delete(admin, item, "误传")
    assert err.value.code == "legal_hold"
    retention.do_set_legal_hold(admin, item, False)
    client = client_for(admin)
    page = f"/evidence/evidenceitem/{item.pk}/"
    assert client.post(page, {"_action": "delete", "delete-reason": "重复上传"}).status_code == 302
    assert EvidenceItem.objects.get(pk=item.pk).status == "deleted"
    assert client.post(page, {"_action": "restore"}).status_code == 302
    assert EvidenceItem.objects.get(pk=item.pk).status == "active"
    refused = AuditRecord.objects.filter(object_id=str(item.pk), detail__operation="evidence.delete_refused").count()
    assert refused == 2


def test_preview_page_and_weekly_notice(admin, client_for, ingest_photo):
    RetentionPolicy.objects.create(name="照片", category="photo", unlinked_days=10)
    item = _age(ingest_photo(9), 5)
    page = client_for(admin).get("/evidence/retention/?days=7")
    assert page.status_code == 200 and item.title in page.content.decode()
    assert retention.weekly_upcoming_notice() == 1
    assert Notification.objects.filter(user=admin, title__contains="自动删除").exists()
    assert TodoItem.objects.filter(user=admin, category="证据中心").exists()
