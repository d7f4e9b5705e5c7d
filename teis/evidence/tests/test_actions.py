"""The declared actions of the evidence centre (`evidence/tables.py`): an item's 关联案件 / 解除关联, 立即校验,
诉讼保全 / 解除, 删除 / 恢复, and a share's 撤销, each run by core's generated action tests — anonymous / without
permission / permitted / out of scope / forbidden state, on the API and the item's page — and tests of the facts
each writes (who, when, what)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid

import pytest
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client, make_officer_user
from teis.core.testing_mixins import GenericActionTests, GenericModelTests
from teis.evidence.choices import EvidenceStatus
from teis.evidence.models import CaseEvidenceLink, EvidenceItem, ShareLink

from .conftest import jpeg_bytes

pytestmark = pytest.mark.django_db
_names = itertools.count(1)


@pytest.fixture(autouse=True)
def _media_for_actions(_media):
    yield


def _item(unit, n, status=EvidenceStatus.ACTIVE, officer=None, **fields):
    from teis.evidence.services.ingest import ingest_bytes

    officer = officer or make_officer_user(role_codes=["field_officer"], unit=unit, username=f"ev_act{next(_names)}")
    item = ingest_bytes(officer, io.BytesIO(jpeg_bytes(n)), filename=f"证据{n}.jpg", metadata={"title": f"证据{n}"})
    EvidenceItem.objects.filter(pk=item.pk).update(status=status, **fields)
    return EvidenceItem.objects.get(pk=item.pk)


def _case(unit, n, handler=None):
    from teis.cases.models import EnforcementCase

    handler = handler or make_officer_user(role_codes=["field_officer"], unit=unit, username=f"ev_h{next(_names)}")
    return EnforcementCase.objects.create(
        title=f"案件{n}", unit=unit, case_code=f"3100000125{next(_names):08d}", handler=handler
    )


class _ItemAction(GenericActionTests):
    model_label = "evidence.evidenceitem"
    audit_action = "update"  # what the service records for a done action

    def test_permitted_api_and_page(self, ctx):
        """Core's test, but the audit record the action writes is `audit_action` (a deletion is a DELETE, a
        verification a VIEW)."""
        client = logged_in_client(ctx.user)
        obj = self.make_object(ctx.unit, next(_names) + 5000)
        assert f'value="{self.action}"' in client.get(self.page_url(obj)).content.decode()
        before = GenericModelTests.audited(self.audit_action, actor=ctx.user, obj=obj)
        resp = client.post(self.api_url(obj), self.input_data(ctx, obj), content_type="application/json")
        assert resp.status_code == 200, resp.content.decode()
        assert resp.json()["id"] == obj.pk and self.done(self.fresh(obj))
        assert GenericModelTests.audited(self.audit_action, actor=ctx.user, obj=obj) > before
        other = self.make_object(ctx.unit, next(_names) + 5000)
        resp = client.post(self.page_url(other), self.page_data(ctx, other))
        assert resp.status_code == 302 and resp.url == self.page_url(other), resp.content.decode()[-2000:]
        assert self.done(self.fresh(other))


class TestItemLink(_ItemAction):
    action = "link"

    def make_object(self, unit, n, ready=True):
        return _item(unit, n, EvidenceStatus.ACTIVE if ready else EvidenceStatus.DELETED)

    def input_data(self, ctx, obj):
        return {"case": _case(ctx.unit, obj.pk).pk, "description": "现场照片"}

    def done(self, obj):
        return obj.links.filter(description="现场照片").exists()


class TestItemUnlink(_ItemAction):
    action = "unlink"

    def make_object(self, unit, n, ready=True):
        from teis.evidence.services.links import do_link

        item = _item(unit, n)
        do_link(None, item, _case(unit, n), "现场照片", check_scope=False)
        if not ready:
            EvidenceItem.objects.filter(pk=item.pk).update(status=EvidenceStatus.DELETED)
        return item

    def input_data(self, ctx, obj):
        return {"case": obj.links.get().case.case_code}

    def done(self, obj):
        return not obj.links.exists()


class TestItemVerify(_ItemAction):
    action = "verify"
    audit_action = "view"  # an intact original; a mismatch is an ALERT

    def make_object(self, unit, n, ready=True):
        return _item(unit, n, EvidenceStatus.ACTIVE if ready else EvidenceStatus.DELETED)

    def done(self, obj):
        return obj.last_verified_at is not None and obj.last_verify_ok and obj.checks.exists()


class TestItemHold(_ItemAction):
    action = "hold"

    def make_object(self, unit, n, ready=True):
        return _item(unit, n, legal_hold=not ready, legal_hold_reason="" if ready else "已保全")

    def input_data(self, ctx, obj):
        return {"reason": "行政诉讼"}

    def done(self, obj):
        return obj.legal_hold and obj.legal_hold_reason == "行政诉讼"


class TestItemRelease(_ItemAction):
    action = "release"

    def make_object(self, unit, n, ready=True):
        return _item(unit, n, legal_hold=ready, legal_hold_reason="行政诉讼" if ready else "")

    def done(self, obj):
        return not obj.legal_hold and obj.legal_hold_reason == ""


class TestItemDelete(_ItemAction):
    action = "delete"
    audit_action = "delete"

    def make_object(self, unit, n, ready=True):
        return _item(unit, n, EvidenceStatus.ACTIVE if ready else EvidenceStatus.DELETED)

    def input_data(self, ctx, obj):
        return {"reason": "重复上传"}

    def done(self, obj):
        return obj.status == EvidenceStatus.DELETED and obj.deletion_reason == "人工删除：重复上传"


class TestItemRestore(_ItemAction):
    action = "restore"

    def make_object(self, unit, n, ready=True):
        if ready:
            return _item(unit, n, EvidenceStatus.DELETED, deleted_at=timezone.now(), deletion_reason="人工删除：误删")
        return _item(unit, n)

    def done(self, obj):
        return obj.status == EvidenceStatus.ACTIVE and obj.deleted_at is None


def _share(unit, n, revoked=False):
    return ShareLink.objects.create(
        recipient=f"区人民法院{n}",
        recipient_kind="court",
        expires_at=timezone.now() + dt.timedelta(days=7),
        revoked_at=timezone.now() if revoked else None,
        token_hash=uuid.uuid4().hex,
        unit=unit,
    )


class TestShareRevoke(GenericActionTests):
    model_label, action = "evidence.sharelink", "revoke"

    def make_object(self, unit, n, ready=True):
        return _share(unit, n, revoked=not ready)

    def done(self, obj):
        return obj.revoked_at is not None


# --- the facts written -------------------------------------------------------------------------------------


def _records(obj, since):
    return AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), pk__gt=since).order_by(
        "pk"
    )


def _last_pk():
    last = AuditRecord.objects.order_by("-pk").first()
    return last.pk if last else 0


def test_item_actions_write_who_when_what(admin, officer, tree, case):
    item = _item(tree["squad1"], 1, officer=officer)  # a field officer's scope is their own evidence
    api = f"/api/v1/evidence/evidenceitems/{item.pk}/"
    manager, linker = logged_in_client(admin), logged_in_client(officer)
    since = _last_pk()
    assert (
        linker.post(
            api + "link/", {"case": case.case_code, "description": "拒载现场"}, content_type="application/json"
        ).status_code
        == 200
    )
    link = CaseEvidenceLink.objects.get(item=item, case=case)
    assert link.linked_by == officer and link.description == "拒载现场" and link.linked_at is not None
    (record,) = _records(item, since)
    assert record.actor == officer and record.detail["operation"] == "evidence.link"
    assert record.detail["case_id"] == case.pk and record.detail["description"] == "拒载现场"
    since = _last_pk()
    assert linker.post(api + "unlink/", {"case": case.pk}, content_type="application/json").status_code == 200
    (record,) = _records(item, since)
    assert record.actor == officer and record.detail["operation"] == "evidence.unlink"

    since = _last_pk()
    assert manager.post(api + "hold/", {"reason": "行政诉讼"}, content_type="application/json").status_code == 200
    (record,) = _records(item, since)
    assert record.actor == admin and record.changes["诉讼保全"] == [False, True]
    assert record.detail["reason"] == "行政诉讼"
    resp = manager.post(api + "delete/", {"reason": "误传"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "legal_hold"  # refused, and the attempt is audited
    assert AuditRecord.objects.filter(object_id=str(item.pk), detail__operation="evidence.delete_refused").count() == 1
    assert manager.post(api + "release/", {}, content_type="application/json").status_code == 200
    since = _last_pk()
    assert manager.post(api + "delete/", {"reason": "误传"}, content_type="application/json").status_code == 200
    item.refresh_from_db()
    assert item.status == EvidenceStatus.DELETED and item.deleted_at is not None
    (record,) = _records(item, since)
    assert record.actor == admin and record.action == "delete" and record.detail["sm3"] == item.sm3
    since = _last_pk()
    assert manager.post(api + "restore/", {}, content_type="application/json").status_code == 200
    (record,) = _records(item, since)
    assert record.actor == admin and record.detail["operation"] == "evidence.restore"
    since = _last_pk()
    assert manager.post(api + "verify/", {}, content_type="application/json").status_code == 200
    check = item.checks.get()
    assert check.actor == admin and check.result == "ok" and check.sm3 == item.sm3 and check.at is not None
    (record,) = _records(item, since)
    assert record.actor == admin and record.detail["operation"] == "evidence.verify"


def test_revoke_writes_who_and_when(admin, tree):
    share = _share(tree["squad1"], 1)
    resp = logged_in_client(admin).post(
        f"/api/v1/evidence/sharelinks/{share.pk}/revoke/", {}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["revoked_at"]
    share.refresh_from_db()
    (record,) = _records(share, 0)
    assert record.actor == admin and record.detail["operation"] == "evidence.share_revoke"
    assert record.changes["撤销时间"] == [None, share.revoked_at.isoformat()]
