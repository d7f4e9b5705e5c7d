"""Rule 13 for the audit administrator's registered models: the trail, its alerts and archives are read-only (view
permission only for the trail and archives); the anomaly rules are edited on the page but never added or deleted,
and read-only in the API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.audit.models import AnomalyRule, AuditAlert, AuditArchive
from teis.core.testing import logged_in_client, make_officer_user
from teis.core.testing_mixins import GenericModelTests, _seq

pytestmark = pytest.mark.django_db


class TestAuditRecordGeneric(GenericModelTests):
    """Scoped by the acting officer's unit; exporting needs `audit.export_auditrecord` besides viewing."""

    model_label = "audit.auditrecord"
    unique_column = "object_repr"
    extra_permissions = ["org.view_unit", "audit.export_auditrecord"]
    filter_exclude = {"at": "按开始 / 结束日期（at_after / at_before）查询"}

    def make_object(self, unit, n):
        actors = self.__dict__.setdefault("_actors", {})
        if unit.pk not in actors:
            actors[unit.pk] = make_officer_user(unit=unit)
        return audit.record(actors[unit.pk], AuditAction.UPDATE, object_type="org.unit", object_repr=f"审计对象{n}")

    def test_view_permission_alone_does_not_export(self, ctx):
        from teis.core.testing_mixins import make_role

        make_role("gen_audit_view_only", scope="all", permissions=["audit.view_auditrecord", "org.view_unit"])
        viewer = ctx.make_user("gen_audit_view_only", self.permitted_unit)
        client = logged_in_client(viewer)
        assert client.get(self.url("list")).status_code == 200
        assert client.get(self.url("export")).status_code == 403


class TestAuditAlertGeneric(GenericModelTests):
    model_label = "audit.auditalert"
    unique_column = "subject"
    scoped = False
    filter_exclude = {"at": "告警按时间排序，不单独查询", "message": "说明只作显示"}

    def make_object(self, unit, n):
        rule, _ = AnomalyRule.objects.get_or_create(kind=AnomalyRule.Kind.FAILED_LOGINS)
        return AuditAlert.objects.create(rule=rule, subject=f"account{n}", message=f"登录失败{n}次")


class TestAuditArchiveGeneric(GenericModelTests):
    model_label = "audit.auditarchive"
    unique_column = "file_name"
    scoped = False
    filter_exclude = {
        "created_at": "归档按时间排序，不单独查询",
        "first_id": "记录号只作显示",
        "last_id": "记录号只作显示",
        "count": "记录数只作显示",
        "sm3": "摘要只作显示",
    }

    def make_object(self, unit, n):
        return AuditArchive.objects.create(
            file_name=f"audit/archive-{n}.jsonl.gz",
            first_id=n,
            last_id=n + 9,
            count=10,
            sm3="a" * 64,
            last_hash="b" * 64,
        )


class TestAnomalyRuleGeneric(GenericModelTests):
    """Four fixed rules, one per kind: the page edits a rule's parameters; adding and deleting are refused (the
    rule's service says so, nothing written); the API only reads."""

    model_label = "audit.anomalyrule"
    unique_column = "kind"
    lookup_field = "threshold"
    scoped = False
    filter_exclude = {
        "threshold": "参数只作显示",
        "window_minutes": "参数只作显示",
        "start_hour": "参数只作显示",
        "end_hour": "参数只作显示",
    }

    def make_object(self, unit, n):
        kinds = list(AnomalyRule.Kind)
        rule, _ = AnomalyRule.objects.get_or_create(kind=kinds[n % len(kinds)])
        return rule

    def form_data(self, ctx, n):
        return {"enabled": "on", "threshold": 100 + n, "window_minutes": 15, "start_hour": 8, "end_hour": 20}

    def test_permitted_add_edit_delete_pages(self, ctx):
        client = logged_in_client(ctx.user)
        count = AnomalyRule.objects.count()
        resp = client.post(self.url("add"), self.form_data(ctx, next(_seq)))
        assert resp.status_code == 400 and "不能新增" in resp.content.decode()
        assert AnomalyRule.objects.count() == count

        rule = ctx.obj
        assert client.get(self.url("edit", rule)).status_code == 200
        data = self.form_data(ctx, next(_seq))
        resp = client.post(self.url("edit", rule), data)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        rule.refresh_from_db()
        assert (rule.threshold, rule.window_minutes, rule.start_hour, rule.end_hour) == (data["threshold"], 15, 8, 20)
        assert self.audited("update", actor=ctx.user, obj=rule) >= 1

        bad = {**self.form_data(ctx, next(_seq)), "start_hour": 24}
        resp = client.post(self.url("edit", rule), bad)
        assert resp.status_code == 400
        rule.refresh_from_db()
        assert rule.start_hour == 8

        resp = client.post(self.url("delete", rule), follow=True)  # back to the detail page, with the refusal
        assert resp.redirect_chain == [(self.url("detail", rule), 302)] and "不能删除" in resp.content.decode()
        assert AnomalyRule.objects.filter(pk=rule.pk).exists()

    def test_list_query_count_is_independent_of_page_size(self, ctx):
        """Only four rules exist (one per kind): the page sizes compared are 2 and 4."""
        for n in range(4):
            self.make_object(None, n)
        client = logged_in_client(ctx.user)
        for url, size_param in ((self.url("list"), "per_page"), (self.api_url(), "page_size")):
            client.get(url, {size_param: 2})
            counts = []
            for size in (2, 4):
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(url, {size_param: size}).status_code == 200
                counts.append(len(queries))
            assert counts[0] == counts[1], (url, counts)
