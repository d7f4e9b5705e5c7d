"""Rule 13 for the legal knowledge base: the generic pages and API of every legal model, as four users.

Legal data is reference data without organisation scope (`scoped = False`); the permitted user holds the
narrowest data scope ("own") and still sees rows created by others. Where a model's writes are not plain
CRUD, the inherited test is replaced by one asserting the real behaviour through the same URLs:

- violation code: an edit makes a new version (the old row stays, is_current=False), a delete retires it;
- case cause: a delete cancels it (is_deleted, status retired, a "cancel" in the outbox), never a hard delete;
- discretion benchmark: the add / edit pages carry the inline levels formset.

Provisions and legal-change warnings are read-only: their edit URLs do not exist and API writes are 405.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.models import OutboxMessage
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import GenericModelTests, _seq, assert_error_body, make_role
from teis.legal.choices import CodeStatus, EffectLevel, ItemType, ProvisionStatus, Validity, WarningStatus
from teis.legal.models import CaseCause, DiscretionBenchmark, DiscretionLevel, Law, LegalChangeWarning, ViolationCode
from teis.legal.services.codes import do_create_cause

from ._code_fixtures import make_benchmark, make_code, make_law

pytestmark = pytest.mark.django_db


def today() -> str:
    return timezone.localdate().isoformat()


class LegalGenericTests(GenericModelTests):
    scoped = False
    permitted_scope = "own"  # reference data ignores the data scope: even "own" sees everything
    extra_permissions: list[str] = []


# --- laws ---------------------------------------------------------------------------------------------------


class TestLawGeneric(LegalGenericTests):
    model_label = "legal.law"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return Law.objects.create(
            name=f"测试条例{n}",
            file_number=f"沪府令第{n}号",
            effect_level=EffectLevel.LOCAL_REGULATION,
            issuing_authority="上海市人民代表大会常务委员会",
            promulgated_on=dt.date(2020, 1, 1),
            effective_on=dt.date(2020, 3, 1),
        )

    def form_data(self, ctx, n):
        return {
            "name": f"新法规{n}",
            "file_number": f"交通运输部令{n}号",
            "effect_level": EffectLevel.DEPARTMENTAL_RULE,
            "validity": Validity.IN_FORCE,
            "issuing_authority": "交通运输部",
            "promulgated_on": "2021-06-01",
            "effective_on": "2021-08-01",
            "inclusion_reason": "执法常用",
            "remark": "测试",
        }


# --- provisions (read-only) ------------------------------------------------------------------------------


class TestProvisionGeneric(LegalGenericTests):
    model_label = "legal.provision"
    unique_column = "citation"

    def make_object(self, unit, n):
        _, _, rows = make_law(f"条款测试条例{n}", articles=1)
        return rows["a1"]


# --- violation codes: edit = new version, delete = retire ---------------------------------------------------


class TestViolationCodeGeneric(LegalGenericTests):
    model_label = "legal.violationcode"
    unique_column = "code"
    lookup_field = "name"

    def make_object(self, unit, n):
        return make_code(None, f"G{n:05d}", name=f"违章行为{n}", enforcement_subject="市交通执法总队")

    def form_data(self, ctx, n):
        return {
            "name": f"新违章行为{n}",
            "code": f"N{n:05d}",
            "enforcement_subject": "市交通执法总队",
            "penalty_types": ["warning", "fine"],
            "fine_min": "100",
            "fine_max": "1000",
            "status": CodeStatus.ACTIVE,
            "effective_from": today(),
        }

    def api_data(self, ctx, n):
        data = self.form_data(ctx, n)
        data["simplified_procedure"] = False
        return data

    def test_permitted_add_edit_delete_pages(self, ctx):
        """Replaces the plain-CRUD test: an edit makes version 2 and keeps version 1; a delete retires."""
        client = logged_in_client(ctx.user)
        data = self.form_data(ctx, next(_seq))
        resp = client.post(self.url("add"), data)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        v1 = ViolationCode.objects.get(code=data["code"])
        assert (v1.version, v1.is_current, v1.penalty_types) == (1, True, ["warning", "fine"])
        assert resp.url == self.url("detail", v1)
        assert self.audited("create", actor=ctx.user, obj=v1) == 1

        # the edit page of a code: the code itself cannot change, the edit is a new version
        assert client.get(self.url("edit", v1)).status_code == 200
        edit = {**self.form_data(ctx, next(_seq)), "code": "CHANGED1", "fine_max": "1500"}
        resp = client.post(self.url("edit", v1), edit)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        v2 = ViolationCode.objects.get(code=data["code"], version=2)
        assert resp.url == self.url("detail", v2)
        v1.refresh_from_db()
        assert v1.is_current is False and v1.name == data["name"] and v1.effective_to is not None
        assert v2.is_current and v2.previous_id == v1.pk and v2.name == edit["name"] and str(v2.fine_max) == "1500.00"
        assert not ViolationCode.objects.filter(code="CHANGED1").exists()
        assert self.audited("update", actor=ctx.user, obj=v2) == 1
        assert self.audited("update", actor=ctx.user, obj=v1) == 0

        # the old version is kept for old cases but can no longer be revised
        resp = client.post(self.url("edit", v1), self.form_data(ctx, next(_seq)))
        assert resp.status_code == 400
        assert "已不是现行版本" in resp.content.decode()
        assert ViolationCode.objects.filter(code=data["code"]).count() == 2

        # delete = retire: the row stays, status retired, audited as an update
        assert client.get(self.url("delete", v2)).status_code == 200
        resp = client.post(self.url("delete", v2))
        assert resp.status_code == 302 and resp.url == self.url("list")
        v2.refresh_from_db()
        assert v2.status == CodeStatus.RETIRED and v2.effective_to is not None and v2.is_current
        assert ViolationCode.objects.filter(code=data["code"]).count() == 2
        assert self.audited("delete", actor=ctx.user, obj=v2) == 0
        assert self.audited("update", actor=ctx.user, obj=v2) == 2
        # retiring twice is refused with a message, not a 500
        resp = client.post(self.url("delete", v2))
        assert resp.status_code == 302 and resp.url == self.url("detail", v2)

    def test_permitted_api(self, ctx):
        """Replaces the plain-CRUD test: PATCH answers the new version; DELETE retires (204, row kept)."""
        client = logged_in_client(ctx.user)
        obj = ctx.obj
        resp = client.get(self.api_url(), {"page_size": 200})
        assert resp.status_code == 200 and obj.pk in [r["id"] for r in resp.json()["results"]]
        assert client.get(self.api_url(obj)).json()["code"] == obj.code

        data = self.api_data(ctx, next(_seq))
        resp = client.post(self.api_url(), data, content_type="application/json")
        assert resp.status_code == 201, resp.content.decode()
        v1 = ViolationCode.objects.get(pk=resp.json()["id"])
        assert (v1.code, v1.version, v1.is_current) == (data["code"], 1, True)
        assert self.audited("create", actor=ctx.user, obj=v1) == 1
        # the same code again is refused with the one error body
        resp = client.post(self.api_url(), data, content_type="application/json")
        assert assert_error_body(resp, 400)["fields"]["code"]

        resp = client.patch(self.api_url(v1), {"name": "修订后的违章行为"}, content_type="application/json")
        assert resp.status_code == 200, resp.content.decode()
        body = resp.json()
        assert body["id"] != v1.pk and body["version"] == 2 and body["previous"] == v1.pk and body["is_current"]
        v1.refresh_from_db()
        assert v1.is_current is False and v1.name == data["name"]
        v2 = ViolationCode.objects.get(pk=body["id"])
        assert v2.name == "修订后的违章行为"
        assert self.audited("update", actor=ctx.user, obj=v2) == 1
        # PATCHing the closed version is refused
        resp = client.patch(self.api_url(v1), {"name": "再改"}, content_type="application/json")
        assert_error_body(resp, 400, "not_current")

        resp = client.delete(self.api_url(v2))
        assert resp.status_code == 204, resp.content.decode()
        v2.refresh_from_db()
        assert v2.status == CodeStatus.RETIRED
        assert ViolationCode.objects.filter(code=data["code"]).count() == 2
        assert self.audited("delete", actor=ctx.user, obj=v2) == 0
        assert_error_body(client.delete(self.api_url(v2)), 400, "already_retired")


# --- case causes: delete = cancel ---------------------------------------------------------------------------


def cause_code(n: int) -> str:
    return f"310115000123{(n % 99) + 1:02d}{n:06d}"


class TestCaseCauseGeneric(LegalGenericTests):
    model_label = "legal.casecause"
    unique_column = "cause_code"
    lookup_field = "name"

    def make_object(self, unit, n):
        return do_create_cause(
            None, {"cause_code": cause_code(n), "name": f"案由{n}", "item_type": ItemType.PENALTY, "status": "active"}
        )

    def form_data(self, ctx, n):
        return {
            "name": f"新案由{n}",
            "cause_code": cause_code(n),
            "item_type": ItemType.PENALTY,
            "item_code": f"ITEM{n}",
            "exercise_levels": ["city", "district"],
            "status": CodeStatus.ACTIVE,
        }

    def test_permitted_add_edit_delete_pages(self, ctx):
        """Replaces the plain-CRUD test: a delete cancels the entry (row kept) and queues a "cancel"."""
        client = logged_in_client(ctx.user)
        data = self.form_data(ctx, next(_seq))
        resp = client.post(self.url("add"), data)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        cause = CaseCause.objects.get(cause_code=data["cause_code"])
        assert resp.url == self.url("detail", cause)
        assert cause.exercise_levels == ["city", "district"]
        assert self.audited("create", actor=ctx.user, obj=cause) == 1

        assert client.get(self.url("edit", cause)).status_code == 200
        edit = {**data, "name": "改名后的案由"}
        resp = client.post(self.url("edit", cause), edit)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        cause.refresh_from_db()
        assert cause.name == "改名后的案由"
        assert self.audited("update", actor=ctx.user, obj=cause) == 1

        assert client.get(self.url("delete", cause)).status_code == 200
        resp = client.post(self.url("delete", cause))
        assert resp.status_code == 302 and resp.url == self.url("list")
        cause.refresh_from_db()
        assert cause.is_deleted and cause.status == CodeStatus.RETIRED
        assert self.audited("delete", actor=ctx.user, obj=cause) == 0
        ops = list(
            OutboxMessage.objects.filter(topic="case_cause", object_key=cause.cause_code).values_list(
                "operation", flat=True
            )
        )
        assert ops == ["create", "update", "cancel"]
        # a cancelled entry can be neither edited nor cancelled again
        resp = client.post(self.url("edit", cause), {**edit, "name": "再改"})
        assert resp.status_code == 400 and "已取消" in resp.content.decode()
        resp = client.post(self.url("delete", cause))
        assert resp.status_code == 302 and resp.url == self.url("detail", cause)
        cause.refresh_from_db()
        assert cause.name == "改名后的案由"

    def test_permitted_api(self, ctx):
        """Replaces the plain-CRUD test: DELETE answers 204 and cancels; the row stays."""
        client = logged_in_client(ctx.user)
        obj = ctx.obj
        resp = client.get(self.api_url(), {"page_size": 200})
        assert resp.status_code == 200 and obj.pk in [r["id"] for r in resp.json()["results"]]
        assert client.get(self.api_url(obj)).json()["cause_code"] == obj.cause_code

        data = self.api_data(ctx, next(_seq))
        resp = client.post(self.api_url(), data, content_type="application/json")
        assert resp.status_code == 201, resp.content.decode()
        cause = CaseCause.objects.get(pk=resp.json()["id"])
        assert self.audited("create", actor=ctx.user, obj=cause) == 1
        # a reused code is refused
        resp = client.post(self.api_url(), {**data, "name": "重复"}, content_type="application/json")
        assert "cause_code" in assert_error_body(resp, 400)["fields"]

        resp = client.patch(self.api_url(cause), {"name": "接口改名"}, content_type="application/json")
        assert resp.status_code == 200 and resp.json()["name"] == "接口改名"
        assert self.audited("update", actor=ctx.user, obj=cause) == 1

        resp = client.delete(self.api_url(cause))
        assert resp.status_code == 204, resp.content.decode()
        cause.refresh_from_db()
        assert cause.is_deleted and cause.status == CodeStatus.RETIRED
        assert client.get(self.api_url(cause)).json()["is_deleted"] is True
        assert OutboxMessage.objects.filter(object_key=cause.cause_code, operation="cancel").count() == 1
        assert_error_body(client.delete(self.api_url(cause)), 400, "cancelled")
        assert_error_body(
            client.patch(self.api_url(cause), {"name": "x"}, content_type="application/json"), 400, "cancelled"
        )


# --- discretion benchmarks: levels inline ---------------------------------------------------------------


def levels_management(total: int, initial: int) -> dict:
    return {
        "levels-TOTAL_FORMS": str(total),
        "levels-INITIAL_FORMS": str(initial),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }


class TestDiscretionBenchmarkGeneric(LegalGenericTests):
    model_label = "legal.discretionbenchmark"
    unique_column = "name"
    lookup_field = "name"
    filter_exclude = {
        "violation_code": "按违章代码文字查询（violation_code__code），见 test_benchmark_and_warning_text_filters",
    }

    def make_object(self, unit, n):
        code = make_code(None, f"B{n:05d}", name=f"基准违章{n}")
        bench = make_benchmark(code)
        bench.name = f"裁量基准{n}"
        bench.save(update_fields=["name"])
        return bench

    def form_data(self, ctx, n):
        code = make_code(None, f"BF{n:05d}")
        return {
            "name": f"新裁量基准{n}",
            "violation_code": code.pk,
            "effective_from": today(),
            "is_active": "on",
            **levels_management(2, 0),
            "levels-0-order": "1",
            "levels-0-name": "轻微",
            "levels-0-conditions": "初次违法\n及时改正",
            "levels-0-fine_min": "200",
            "levels-0-fine_max": "500",
            "levels-1-order": "2",
            "levels-1-name": "严重",
            "levels-1-fixed_amount": "2000",
        }

    def api_data(self, ctx, n):
        code = make_code(None, f"BA{n:05d}")
        return {"name": f"接口裁量基准{n}", "violation_code": code.pk, "effective_from": today(), "is_active": True}

    def test_permitted_add_edit_delete_pages(self, ctx):
        """Replaces the plain-CRUD test: add and edit carry the levels formset; delete is a plain delete."""
        client = logged_in_client(ctx.user)
        assert client.get(self.url("add")).status_code == 200
        data = self.form_data(ctx, next(_seq))
        resp = client.post(self.url("add"), data)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        bench = DiscretionBenchmark.objects.get(name=data["name"])
        assert resp.url == self.url("detail", bench)
        levels = list(bench.levels.order_by("order"))
        assert [(lv.name, lv.conditions) for lv in levels] == [("轻微", ["初次违法", "及时改正"]), ("严重", [])]
        assert str(levels[1].fixed_amount) == "2000.00"
        assert self.audited("create", actor=ctx.user, obj=bench) == 1

        # edit: change the first level, remove the second, add a third
        page = client.get(self.url("edit", bench))
        assert page.status_code == 200 and "初次违法" in page.content.decode()
        light, severe = levels
        edit = {
            "name": "改名后的基准",
            "violation_code": bench.violation_code_id,
            "effective_from": today(),
            "is_active": "on",
            **levels_management(3, 2),
            "levels-0-id": str(light.pk),
            "levels-0-order": "1",
            "levels-0-name": "轻微",
            "levels-0-conditions": "初次违法",
            "levels-0-fine_min": "200",
            "levels-0-fine_max": "300",
            "levels-1-id": str(severe.pk),
            "levels-1-order": "2",
            "levels-1-name": "严重",
            "levels-1-fixed_amount": "2000",
            "levels-1-DELETE": "on",
            "levels-2-order": "3",
            "levels-2-name": "较重",
            "levels-2-fine_min": "1000",
            "levels-2-fine_max": "2000",
        }
        resp = client.post(self.url("edit", bench), edit)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        bench.refresh_from_db()
        assert bench.name == "改名后的基准"
        after = {lv.name: lv for lv in bench.levels.all()}
        assert set(after) == {"轻微", "较重"}
        assert after["轻微"].pk == light.pk and str(after["轻微"].fine_max) == "300.00"
        assert not DiscretionLevel.objects.filter(pk=severe.pk).exists()
        assert self.audited("update", actor=ctx.user, obj=bench) == 1

        # a level outside the code's fine range is refused on its row, nothing written
        bad = {**edit, **levels_management(1, 1), "levels-0-fine_max": "99999"}
        resp = client.post(self.url("edit", bench), bad)
        assert resp.status_code == 400 and "超出违章代码的罚款幅度" in resp.content.decode()
        assert str(bench.levels.get(pk=light.pk).fine_max) == "300.00"

        assert client.get(self.url("delete", bench)).status_code == 200
        resp = client.post(self.url("delete", bench))
        assert resp.status_code == 302 and resp.url == self.url("list")
        assert not DiscretionBenchmark.objects.filter(pk=bench.pk).exists()
        assert not DiscretionLevel.objects.filter(benchmark_id=bench.pk).exists()
        assert self.audited("delete", actor=ctx.user, obj=bench) == 1

    def test_api_update_keeps_levels(self, ctx):
        """The API edits the benchmark's own fields; its levels are left as they are."""
        client = logged_in_client(ctx.user)
        bench = ctx.obj
        before = sorted(bench.levels.values_list("pk", "name"))
        resp = client.patch(self.api_url(bench), {"is_active": False}, content_type="application/json")
        assert resp.status_code == 200, resp.content.decode()
        bench.refresh_from_db()
        assert bench.is_active is False
        assert sorted(bench.levels.values_list("pk", "name")) == before


# --- legal-change warnings (read-only) -------------------------------------------------------------------


class TestLegalChangeWarningGeneric(LegalGenericTests):
    model_label = "legal.legalchangewarning"
    unique_column = "provision"
    filter_exclude = {
        "provision": "按条款引用名文字查询（provision__citation），见 test_benchmark_and_warning_text_filters",
        "violation_code": "按违章代码文字查询（violation_code__code），见 test_benchmark_and_warning_text_filters",
        "case_cause": "按案由目录编码前缀查询（case_cause__cause_code），见 test_benchmark_and_warning_text_filters",
        "benchmark": "按基准名称文字查询（benchmark__name），见 test_benchmark_and_warning_text_filters",
        "handled_by": "处理人只作显示",
    }

    def make_object(self, unit, n):
        _, _, rows = make_law(f"预警测试条例{n}", articles=1)
        code = make_code(None, f"W{n:05d}", violated=[rows["a1"]])
        return LegalChangeWarning.objects.create(
            provision=rows["a1"], change=ProvisionStatus.AMENDED, violation_code=code
        )


# --- read-only models: no edit URLs, no API writes -------------------------------------------------------


@pytest.mark.parametrize("model_name", ["provision", "legalchangewarning"])
def test_read_only_models_have_no_edit_urls_and_refuse_api_writes(model_name, make_user):
    from teis.core.registry import registry

    perms = [f"legal.{a}_{model_name}" for a in ("view", "add", "change", "delete")]
    make_role(f"ro_{model_name}", scope="all", permissions=perms)
    user = make_user(f"ro_{model_name}", "brigade1")  # holds every permission: the refusal is the model's
    _, _, rows = make_law("只读测试条例", articles=1)
    if model_name == "provision":
        obj = rows["a1"]
    else:
        obj = LegalChangeWarning.objects.create(provision=rows["a1"], change=ProvisionStatus.ABOLISHED)
    config = registry.get(f"legal.{model_name}")
    assert config.ui_read_only and config.api_read_only
    client = logged_in_client(user)
    assert client.get(f"/legal/{model_name}/{obj.pk}/").status_code == 200
    for suffix in ("add/", f"{obj.pk}/edit/", f"{obj.pk}/delete/"):
        assert client.get(f"/legal/{model_name}/{suffix}").status_code == 404, suffix
        assert client.post(f"/legal/{model_name}/{suffix}", {}).status_code == 404, suffix
    base = f"/api/v1/legal/{model_name}s/"
    assert client.get(base).status_code == 200
    for method, url in (("post", base), ("put", f"{base}{obj.pk}/"), ("patch", f"{base}{obj.pk}/")):
        resp = getattr(client, method)(url, {}, content_type="application/json")
        assert_error_body(resp, 405)
    assert_error_body(client.delete(f"{base}{obj.pk}/"), 405)
    assert type(obj)._base_manager.filter(pk=obj.pk).exists()


def test_benchmark_and_warning_text_filters(make_user):
    """The related-object columns excluded above are filtered by text on the related row."""
    user = make_user("legal_reviewer", "brigade1")
    client = logged_in_client(user)
    _, _, rows = make_law("过滤测试条例", articles=2)
    code = make_code(None, "FLT001", violated=[rows["a1"]])
    other = make_code(None, "OTH001")
    bench = make_benchmark(code)
    make_benchmark(other)
    cause = do_create_cause(None, {"cause_code": cause_code(4242), "name": "过滤案由", "item_type": "penalty"})
    w_code = LegalChangeWarning.objects.create(provision=rows["a1"], change="amended", violation_code=code)
    w_cause = LegalChangeWarning.objects.create(provision=rows["a2"], change="abolished", case_cause=cause)
    w_bench = LegalChangeWarning.objects.create(provision=rows["a2"], change="abolished", benchmark=bench)

    def ids(url, **params):
        resp = client.get(url, {**params, "page_size": 200})
        assert resp.status_code == 200, resp.content
        return {r["id"] for r in resp.json()["results"]}

    assert ids("/api/v1/legal/discretionbenchmarks/", violation_code="FLT") == {bench.pk}
    page = client.get("/legal/discretionbenchmark/", {"violation_code": "FLT"}).content.decode()
    assert bench.name in page and f"{other.code}裁量基准" not in page
    url = "/api/v1/legal/legalchangewarnings/"
    assert ids(url, provision="第1条") == {w_code.pk}
    assert ids(url, violation_code="FLT") == {w_code.pk}
    assert ids(url, case_cause=cause.cause_code[:14]) == {w_cause.pk}
    assert ids(url, benchmark=bench.name) == {w_bench.pk}
    assert ids(url, status=WarningStatus.OPEN) == {w_code.pk, w_cause.pk, w_bench.pk}


# --- discretion applications: organisation-bound (the applicant's unit) --------------------------------------


class TestDiscretionApplicationGeneric(GenericModelTests):
    model_label = "legal.discretionapplication"
    unique_column = "case_reference"
    filter_exclude = {
        "violation_code": "按违章代码文字查询（violation_code__code，名为 violation_code 的过滤器）",
        "level": "按情节名称查询（level__name，名为 level 的过滤器）",
    }

    def make_object(self, unit, n):
        from decimal import Decimal

        from teis.legal.models import DiscretionApplication

        code = make_code(None, f"G{n:05d}")
        level = make_benchmark(code).levels.get(name="轻微")
        return DiscretionApplication.objects.create(
            violation_code=code, level=level, unit=unit, amount=Decimal("300"), case_reference=f"案件{n}"
        )
