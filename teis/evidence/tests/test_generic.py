"""Rule 13 for the evidence centre's registered models: pages and API as four users."""

from __future__ import annotations

import io

import pytest

from teis.core.testing_mixins import GenericModelTests
from teis.evidence.models import Device, RetentionPolicy

from .conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_for_generic(_media):
    yield


class TestEvidenceItemGeneric(GenericModelTests):
    model_label = "evidence.evidenceitem"
    unique_column = "title"
    lookup_field = "title"
    filter_exclude = {
        "size": "大小不作为查询条件",
        "officer": "按 officer_id 过滤（IdFilter，移动端按人员查询）",
        "captured_at": "按拍摄日期起止查询（captured_after / before）",
        "created_at": "按入库日期起止查询（created_after / before）",
    }

    def officer(self, unit):
        ctx = self._ctx
        cache = ctx.__dict__.setdefault("officers", {})
        if unit.pk not in cache:
            cache[unit.pk] = ctx.make_user("field_officer", next(k for k, u in ctx.tree.items() if u.pk == unit.pk))
        return cache[unit.pk]

    def make_object(self, unit, n):
        from teis.evidence.services.ingest import ingest_bytes

        return ingest_bytes(
            self.officer(unit),
            io.BytesIO(jpeg_bytes(n, size=(32 + n % 50, 24))),
            filename=f"证据{n}.jpg",
            metadata={"title": f"证据{n}"},
        )


class TestDeviceGeneric(GenericModelTests):
    model_label = "evidence.device"
    unique_column = "serial"
    lookup_field = "serial"
    filter_exclude = {
        "assigned_to": "按使用人不常用",
        "last_sync_at": "同步时间不作为查询条件",
        "last_heartbeat_at": "心跳时间不作为查询条件",
    }

    def make_object(self, unit, n):
        return Device.objects.create(kind="body_camera", serial=f"BC-{n}", unit=unit)

    def form_data(self, ctx, n):
        return {
            "kind": "body_camera",
            "serial": f"NEW-{n}",
            "unit": ctx.tree["squad1"].pk,
            "status": "in_service",
            "heartbeat_timeout_minutes": 10,
        }


class TestRetentionPolicyGeneric(GenericModelTests):
    model_label = "evidence.retentionpolicy"
    unique_column = "name"
    scoped = False

    def make_object(self, unit, n):
        return RetentionPolicy.objects.create(name=f"规则{n}", unlinked_days=30)

    def form_data(self, ctx, n):
        return {
            "name": f"新规则{n}",
            "category": "photo",
            "unlinked_days": 60,
            "linked_years_after_archive": 5,
            "enabled": "on",
        }

    def api_data(self, ctx, n):
        return {
            "name": f"新规则{n}",
            "category": "photo",
            "unlinked_days": 60,
            "linked_years_after_archive": 5,
            "enabled": True,
        }


class TestShareLinkGeneric(GenericModelTests):
    model_label = "evidence.sharelink"
    unique_column = "recipient"
    filter_exclude = {"access_count": "访问次数只作显示"}

    def make_object(self, unit, n):
        import datetime as dt
        import uuid

        from django.utils import timezone

        from teis.evidence.models import ShareLink

        return ShareLink.objects.create(
            recipient=f"区人民法院{n}",
            recipient_kind="court",
            expires_at=timezone.now() + dt.timedelta(days=7),
            token_hash=uuid.uuid4().hex,
            unit=unit,
        )


class TestIntegrityCheckGeneric(TestEvidenceItemGeneric):
    """A check is seen with the evidence item it re-hashed (the item's scope)."""

    model_label = "evidence.integritycheck"
    unique_column = "sm3"
    lookup_field = "sm3"
    filter_exclude = {"actor": "校验人只作显示"}

    def make_object(self, unit, n):
        from teis.evidence.models import IntegrityCheck

        item = super().make_object(unit, n)
        return IntegrityCheck.objects.create(item=item, result="ok", sm3=f"{n:064d}")
