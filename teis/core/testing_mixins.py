"""Generic tests for every registered model (ARCHITECTURE.md rule 13).

An app's test subclasses `GenericModelTests`, declares its model, a factory and valid form / API data, and
inherits tests that run every generic page (list, detail, add, edit, delete, export) and every API endpoint
(list, retrieve, create, update, delete) as four users:

- anonymous: pages redirect to /login/, the API answers 401/403 with the one JSON error body;
- without permission: 403, audited as `permission_denied`;
- permitted: 200 / 201 / 204, the object written and an audit record written;
- permitted but out of scope: 404 on detail / edit / delete / API retrieve, absent from list and export.

It also checks rule 12 (the list page and list API make the same number of queries at page size 10 and 50)
and that every model-field list column can be filtered or is deliberately excluded.

Example::

    class TestUnit(GenericModelTests):
        model_label = "org.unit"
        unique_column = "name"

        def make_object(self, unit, n):
            return UnitService().do_create(None, Unit, {"name": f"单位{n}", "unit_type": "squad", "parent": unit})

        def form_data(self, ctx, n):
            return {"name": f"新单位{n}", "unit_type": "squad", "parent": ctx.tree["squad1"].pk, "order": 0}

The permitted user is an officer of `permitted_unit` holding a role with the model's view / add / change /
delete permissions (plus `extra_permissions`) and `permitted_scope`; objects the factory makes in
`in_scope_unit` are inside that scope, objects made in `out_of_scope_unit` are outside it. Models that
are not organisation-bound (dictionaries, roles) set `scoped = False`: the out-of-scope tests are skipped.
The config's own limits are followed: `ui_read_only` / `api_read_only` skip the writes of the pages / API,
`api = False` skips the API, and a view-only model (`Meta.default_permissions = ("view",)`) gets only the view
permission.
"""

from __future__ import annotations

import datetime
import io
import itertools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from teis.core.testing import logged_in_client

_seq = itertools.count(1000)

ERROR_KEYS = {"code", "message", "fields"}


def assert_error_body(resp: Any, status: int | tuple[int, ...], code: str | None = None) -> dict[str, Any]:
    """The API's one error body: {"code", "message" (Chinese), "fields"}."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert resp.status_code in statuses, (resp.status_code, resp.content[:500])
    assert resp["Content-Type"].startswith("application/json"), resp["Content-Type"]
    data: dict[str, Any] = resp.json()
    assert set(data) == ERROR_KEYS, data
    assert isinstance(data["fields"], dict)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in data["message"]), data["message"]
    if code is not None:
        assert data["code"] == code, data
    return data


def make_role(code: str, *, scope: str, permissions: list[str]) -> Any:
    """A role holding exactly `permissions` (labels like "org.view_unit") with the given data scope."""
    from teis.org.models import Role
    from teis.org.roles import permissions_for

    role, _ = Role.objects.update_or_create(code=code, defaults={"name": f"测试角色-{code}", "data_scope": scope})
    role.permissions.set(permissions_for(permissions))
    return role


def xlsx_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    ws = wb.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


class GenericModelTests:
    """Base class for an app's generic model test. Subclasses set the attributes and methods below."""

    model_label: str = ""  # "app.model"
    unique_column: str = ""  # a list column whose displayed value identifies the factory's object
    lookup_field: str = ""  # model field checked after create/update; default: the first form field
    scoped: bool = True  # False for reference data that is not organisation-bound
    permitted_scope = "subtree"
    permitted_unit = "brigade1"  # the permitted user's unit
    in_scope_unit = "squad1"  # inside brigade1's subtree
    out_of_scope_unit = "squad3"  # under brigade2
    extra_permissions: list[str] = ["org.view_unit"]
    filter_exclude: dict[str, str] = {}  # list column → why it is deliberately not filterable
    query_count_objects = 60

    # --- what a subclass provides ---------------------------------------------------------------

    def make_object(self, unit: Any, n: int) -> Any:
        """Create one object belonging to `unit` (ignored by unscoped models); names unique by `n`."""
        raise NotImplementedError

    def form_data(self, ctx: SimpleNamespace, n: int) -> dict[str, Any]:
        """Valid POST data for the add form."""
        raise NotImplementedError

    def edit_form_data(self, ctx: SimpleNamespace, obj: Any, n: int) -> dict[str, Any]:
        """Valid POST data for the edit form of `obj`; by default the add data."""
        return self.form_data(ctx, n)

    def api_data(self, ctx: SimpleNamespace, n: int) -> dict[str, Any]:
        """Valid JSON for API create; by default the form data."""
        return self.form_data(ctx, n)

    def api_update_data(self, ctx: SimpleNamespace, obj: Any, n: int) -> dict[str, Any]:
        """Valid JSON for an API PATCH of `obj`; by default the lookup field of the API data."""
        data = self.api_data(ctx, n)
        field = self.check_field()
        return {field: data[field]}

    # --- derived ---------------------------------------------------------------------------------

    @property
    def config(self) -> Any:
        from teis.core.registry import registry

        return registry.get(self.model_label)

    @property
    def model(self) -> Any:
        return self.config.model

    def check_field(self) -> str:
        return self.lookup_field or next(iter(self.form_data(self._ctx, 0)))

    def url(self, view: str, obj: Any = None) -> str:
        args = [obj.pk] if obj is not None else []
        return reverse(self.config.url_name(view), args=args)

    def api_url(self, obj: Any = None) -> str:
        from teis.core.api.viewsets import api_slug

        base = f"/api/v1/{api_slug(self.config)}/"
        return f"{base}{obj.pk}/" if obj is not None else base

    def shown(self, obj: Any) -> str:
        from teis.core.display import display_value

        return display_value(obj, self.unique_column, self.config, self._ctx.user)

    def written(self, value_data: dict[str, Any]) -> bool:
        field = self.check_field()
        return bool(self.model._base_manager.filter(**{field: value_data[field]}).exists())

    @staticmethod
    def audited(action: str, *, actor: Any = None, obj: Any = None, model_label: str = "") -> int:
        from teis.audit.models import AuditRecord

        qs = AuditRecord.objects.filter(action=action)
        if actor is not None:
            qs = qs.filter(actor=actor)
        if obj is not None:
            qs = qs.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        elif model_label:
            qs = qs.filter(object_type=model_label)
        return qs.count()

    # --- fixtures ----------------------------------------------------------------------------------

    @pytest.fixture
    def ctx(self, db: Any, roles: Any, tree: dict[str, Any], make_user: Callable[..., Any]) -> SimpleNamespace:
        config = self.config
        # a view-only model (its Meta.default_permissions, e.g. the audit trail) has no add / change / delete
        actions = [a for a in ("view", "add", "change", "delete") if a in self.model._meta.default_permissions]
        crud = [config.perm(a) for a in actions]
        code = f"gen_{config.app_label}_{config.model_name}"
        make_role(code, scope=self.permitted_scope, permissions=[*crud, *self.extra_permissions])
        make_role(f"{code}_none", scope="all", permissions=[])
        ctx = SimpleNamespace(tree=tree, make_user=make_user)
        self._ctx = ctx
        ctx.user = make_user(code, self.permitted_unit)
        ctx.denied = make_user(f"{code}_none", self.permitted_unit)
        ctx.obj = self.make_object(tree[self.in_scope_unit], next(_seq))
        ctx.outside = self.make_object(tree[self.out_of_scope_unit], next(_seq)) if self.scoped else None
        return ctx

    # --- anonymous ---------------------------------------------------------------------------------

    def test_anonymous_pages_redirect_to_login(self, ctx: SimpleNamespace, client: Client) -> None:
        obj = ctx.obj
        urls = [self.url("list"), self.url("export"), self.url("detail", obj)]
        if not self.config.ui_read_only:
            urls += [self.url("add"), self.url("edit", obj), self.url("delete", obj)]
        for url in urls:
            resp = client.get(url)
            assert resp.status_code == 302, url
            assert resp["Location"].startswith("/login/"), resp["Location"]
        if not self.config.ui_read_only:
            resp = client.post(self.url("delete", obj))
            assert resp.status_code == 302 and resp["Location"].startswith("/login/")
            assert self.model._base_manager.filter(pk=obj.pk).exists()

    def test_anonymous_api_is_refused(self, ctx: SimpleNamespace, client: Client) -> None:
        if not self.config.api:
            pytest.skip("no API (config.api = False)")
        obj = ctx.obj
        calls = [("get", self.api_url()), ("get", self.api_url(obj))]
        if not self.config.api_read_only:
            calls += [("post", self.api_url()), ("patch", self.api_url(obj)), ("delete", self.api_url(obj))]
        for method, url in calls:
            resp = getattr(client, method)(url, data={}, content_type="application/json")
            assert_error_body(resp, (401, 403), "not_authenticated")
        assert self.model._base_manager.filter(pk=obj.pk).exists()

    # --- without permission ------------------------------------------------------------------------

    def test_without_permission_pages_are_403_and_audited(self, ctx: SimpleNamespace) -> None:
        client = logged_in_client(ctx.denied)
        obj = ctx.obj
        urls = [self.url("list"), self.url("export"), self.url("detail", obj)]
        if not self.config.ui_read_only:
            urls += [self.url("add"), self.url("edit", obj), self.url("delete", obj)]
        before = self.audited("permission_denied", actor=ctx.denied)
        for url in urls:
            assert client.get(url).status_code == 403, url
        posts = []
        if not self.config.ui_read_only:
            posts = [(self.url("add"), self.form_data(ctx, next(_seq))), (self.url("delete", obj), {})]
            for url, data in posts:
                assert client.post(url, data).status_code == 403, url
            assert self.model._base_manager.filter(pk=obj.pk).exists()
        assert self.audited("permission_denied", actor=ctx.denied) - before == len(urls) + len(posts)

    def test_without_permission_api_is_403_and_audited(self, ctx: SimpleNamespace) -> None:
        if not self.config.api:
            pytest.skip("no API (config.api = False)")
        client = logged_in_client(ctx.denied)
        obj = ctx.obj
        calls: list[tuple[str, str, dict[str, Any] | None]] = [
            ("get", self.api_url(), None),
            ("get", self.api_url(obj), None),
        ]
        if not self.config.api_read_only:
            calls += [
                ("post", self.api_url(), self.api_data(ctx, next(_seq))),
                ("patch", self.api_url(obj), self.api_update_data(ctx, obj, next(_seq))),
                ("delete", self.api_url(obj), None),
            ]
        before = self.audited("permission_denied", actor=ctx.denied)
        for method, url, data in calls:
            resp = getattr(client, method)(url, data=data, content_type="application/json")
            assert_error_body(resp, 403, "permission_denied")
        assert self.model._base_manager.filter(pk=obj.pk).exists()
        assert self.audited("permission_denied", actor=ctx.denied) - before == len(calls)

    # --- permitted -----------------------------------------------------------------------------------

    def test_permitted_list_detail_export(self, ctx: SimpleNamespace) -> None:
        client = logged_in_client(ctx.user)
        obj = ctx.obj
        resp = client.get(self.url("list"))
        assert resp.status_code == 200
        assert self.shown(obj) in resp.content.decode()
        resp = client.get(self.url("list"), HTTP_HX_REQUEST="true")  # HTMX: the table fragment only
        assert resp.status_code == 200 and b"<html" not in resp.content and self.shown(obj) in resp.content.decode()
        resp = client.get(self.url("detail", obj))
        assert resp.status_code == 200
        before = self.audited("export", actor=ctx.user)
        resp = client.get(self.url("export"))
        assert resp.status_code == 200
        assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = xlsx_rows(resp.content)
        from teis.core.display import column_label

        assert rows[0] == [column_label(self.model, c) for c in self.config.list_columns]
        col = self.config.list_columns.index(self.unique_column)
        assert self.shown(obj) in [r[col] for r in rows[1:]]
        assert self.audited("export", actor=ctx.user) == before + 1

    def test_permitted_add_edit_delete_pages(self, ctx: SimpleNamespace) -> None:
        if self.config.ui_read_only:
            pytest.skip("read-only model")
        client = logged_in_client(ctx.user)
        assert client.get(self.url("add")).status_code == 200
        data = self.form_data(ctx, next(_seq))
        resp = client.post(self.url("add"), data)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        assert self.written(data)
        created = self.model._base_manager.get(**{self.check_field(): data[self.check_field()]})
        assert resp["Location"] == self.url("detail", created)
        assert self.audited("create", actor=ctx.user, obj=created) == 1

        assert client.get(self.url("edit", created)).status_code == 200
        data = self.edit_form_data(ctx, created, next(_seq))
        resp = client.post(self.url("edit", created), data)
        assert resp.status_code == 302, resp.content.decode()[-3000:]
        assert self.written(data)
        assert self.audited("update", actor=ctx.user, obj=created) >= 1

        assert client.get(self.url("delete", created)).status_code == 200
        resp = client.post(self.url("delete", created))
        assert resp.status_code == 302 and resp["Location"] == self.url("list")
        assert not self.model._base_manager.filter(pk=created.pk).exists()
        assert self.audited("delete", actor=ctx.user, obj=created) == 1

    def test_permitted_invalid_form_is_400_not_written(self, ctx: SimpleNamespace) -> None:
        if self.config.ui_read_only:
            pytest.skip("read-only model")
        client = logged_in_client(ctx.user)
        count = self.model._base_manager.count()
        resp = client.post(self.url("add"), {})
        assert resp.status_code == 400
        assert "invalid-feedback" in resp.content.decode() or "errorlist" in resp.content.decode()
        assert self.model._base_manager.count() == count

    def test_permitted_api(self, ctx: SimpleNamespace) -> None:
        if not self.config.api:
            pytest.skip("no API (config.api = False)")
        client = logged_in_client(ctx.user)
        obj = ctx.obj
        resp = client.get(self.api_url(), {"page_size": 200})
        assert resp.status_code == 200
        body = resp.json()
        assert {"count", "results"} <= set(body)
        assert obj.pk in [r["id"] for r in body["results"]]
        resp = client.get(self.api_url(obj))
        assert resp.status_code == 200 and resp.json()["id"] == obj.pk
        for name in self.config.masked_fields:
            value = getattr(obj, name)
            if value:
                assert resp.json()[name] != value, f"{name} must be masked in the API"
        if self.config.api_read_only:
            return
        data = self.api_data(ctx, next(_seq))
        resp = client.post(self.api_url(), data, content_type="application/json")
        assert resp.status_code == 201, resp.content.decode()
        assert self.written(data)
        created = self.model._base_manager.get(pk=resp.json()["id"])
        assert self.audited("create", actor=ctx.user, obj=created) == 1

        data = self.api_update_data(ctx, created, next(_seq))
        resp = client.patch(self.api_url(created), data, content_type="application/json")
        assert resp.status_code == 200, resp.content.decode()
        assert self.written(data)
        assert self.audited("update", actor=ctx.user, obj=created) >= 1

        resp = client.delete(self.api_url(created))
        assert resp.status_code == 204, resp.content.decode()
        assert not self.model._base_manager.filter(pk=created.pk).exists()
        assert self.audited("delete", actor=ctx.user, obj=created) == 1

    def test_permitted_api_bad_data_is_400(self, ctx: SimpleNamespace) -> None:
        if not self.config.api:
            pytest.skip("no API (config.api = False)")
        if self.config.api_read_only:
            pytest.skip("read-only model")
        client = logged_in_client(ctx.user)
        count = self.model._base_manager.count()
        resp = client.post(self.api_url(), {}, content_type="application/json")
        data = assert_error_body(resp, 400)
        assert data["fields"], data
        resp = client.post(self.api_url(), "{not json", content_type="application/json")
        assert_error_body(resp, 400, "parse_error")
        assert self.model._base_manager.count() == count

    # --- permitted, out of scope ---------------------------------------------------------------------

    def test_out_of_scope_pages(self, ctx: SimpleNamespace) -> None:
        if not self.scoped:
            pytest.skip("reference data is not organisation-bound")
        client = logged_in_client(ctx.user)
        outside = ctx.outside
        content = client.get(self.url("list"), {"per_page": 100}).content.decode()
        assert self.shown(ctx.obj) in content
        assert self.shown(outside) not in content
        urls = [self.url("detail", outside)]
        if not self.config.ui_read_only:
            urls += [self.url("edit", outside), self.url("delete", outside)]
        for url in urls:
            assert client.get(url).status_code == 404, url
        if not self.config.ui_read_only:
            assert client.post(self.url("edit", outside), self.edit_form_data(ctx, outside, 1)).status_code == 404
            assert client.post(self.url("delete", outside)).status_code == 404
            assert self.model._base_manager.filter(pk=outside.pk).exists()
        rows = xlsx_rows(client.get(self.url("export")).content)
        col = self.config.list_columns.index(self.unique_column)
        values = [r[col] for r in rows[1:]]
        assert self.shown(ctx.obj) in values and self.shown(outside) not in values

    def test_out_of_scope_api(self, ctx: SimpleNamespace) -> None:
        if not self.config.api:
            pytest.skip("no API (config.api = False)")
        if not self.scoped:
            pytest.skip("reference data is not organisation-bound")
        client = logged_in_client(ctx.user)
        outside = ctx.outside
        ids = [r["id"] for r in client.get(self.api_url(), {"page_size": 200}).json()["results"]]
        assert ctx.obj.pk in ids and outside.pk not in ids
        assert_error_body(client.get(self.api_url(outside)), 404, "not_found")
        if not self.config.api_read_only:
            data = self.api_update_data(ctx, outside, next(_seq))
            assert_error_body(client.patch(self.api_url(outside), data, content_type="application/json"), 404)
            assert_error_body(client.delete(self.api_url(outside)), 404)
            assert self.model._base_manager.filter(pk=outside.pk).exists()

    # --- rule 12: fixed query count ------------------------------------------------------------------

    def test_list_query_count_is_independent_of_page_size(self, ctx: SimpleNamespace) -> None:
        for _ in range(self.query_count_objects):
            self.make_object(ctx.tree[self.in_scope_unit], next(_seq))
        client = logged_in_client(ctx.user)
        counts = {}
        lists = [("page", self.url("list"), "per_page")] + (
            [("api", self.api_url(), "page_size")] if self.config.api else []
        )
        for kind, url, size_param in lists:
            client.get(url, {size_param: 10})  # warm caches (content types, session)
            for size in (10, 50):
                with CaptureQueriesContext(connection) as queries:
                    resp = client.get(url, {size_param: size})
                assert resp.status_code == 200
                counts[kind, size] = len(queries)
            if kind == "api":
                assert len(resp.json()["results"]) == 50
        assert counts["page", 10] == counts["page", 50], counts
        assert counts.get(("api", 10)) == counts.get(("api", 50)), counts

    # --- filters -------------------------------------------------------------------------------------

    def test_every_list_column_is_filterable(self, ctx: SimpleNamespace) -> None:
        """Like NetBox's filterset test: a model-field list column without a filter fails unless excluded."""
        from django.core.exceptions import FieldDoesNotExist

        from teis.core.filters import filterset_for

        fs_class = filterset_for(self.config)
        by_field: dict[str, list[str]] = {}
        for name, f in fs_class.base_filters.items():
            by_field.setdefault(f.field_name, []).append(name)
        client = logged_in_client(ctx.user)
        obj = ctx.obj
        for column in self.config.list_columns:
            try:
                field = self.model._meta.get_field(column.split("__")[0])
            except FieldDoesNotExist:
                continue  # a property column
            if column in self.filter_exclude:
                assert self.filter_exclude[column], f"{column}: say why it is not filterable"
                continue
            assert column in by_field, f"list column {column!r} has no filter; add one or list it in filter_exclude"
            value = self.filter_value(obj, field)
            if value is None:
                continue
            name = by_field[column][0]
            if self.config.api:
                resp = client.get(self.api_url(), {name: value, "page_size": 200})
                assert resp.status_code == 200, (column, resp.content)
                ids = [r["id"] for r in resp.json()["results"]]
                assert obj.pk in ids, f"filter {name}={value!r} misses the object"
            resp = client.get(self.url("list"), {name: value, "per_page": 100})
            assert resp.status_code == 200 and self.shown(obj) in resp.content.decode(), column

    @staticmethod
    def filter_value(obj: Any, field: Any) -> Any:
        if field.many_to_many:
            first = getattr(obj, field.name).first()
            return first.pk if first else None
        value = getattr(obj, field.attname)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime.datetime):  # core filters date-time columns by day (`__date`)
            from django.utils import timezone

            return timezone.localtime(value).date().isoformat()
        return value


class GenericActionTests:
    """Generated tests of one registered action (`teis.core.actions`), run on the API action and on the button of
    the generic detail page, as: anonymous (401 / login redirect), without the action's permission (403,
    audited), permitted (done, audited), permitted but out of scope (404), and on an object in a state the action
    does not apply to (400, nothing written).

    A subclass sets `model_label` and `action`, and provides `make_object(unit, n, ready)` — an object of `unit`
    the action applies to (`ready=True`) or one in a forbidden state (`ready=False`) —, `input_data(ctx, obj)`
    and `done(obj)` (True once the action has been carried out on the refreshed object).
    """

    model_label: str = ""
    action: str = ""
    permitted_scope = "subtree"
    permitted_unit = "brigade1"
    in_scope_unit = "squad1"
    out_of_scope_unit = "squad3"
    extra_permissions: list[str] = []
    # standard roles the permitted user holds too: the role a workflow offers the action's task to
    permitted_also: tuple[str, ...] = ()

    def make_object(self, unit: Any, n: int, ready: bool = True) -> Any:
        raise NotImplementedError

    def input_data(self, ctx: SimpleNamespace, obj: Any) -> dict[str, Any]:
        return {}

    def done(self, obj: Any) -> bool:
        raise NotImplementedError

    # --- derived -------------------------------------------------------------------------------------

    @property
    def config(self) -> Any:
        from teis.core.registry import registry

        return registry.get(self.model_label)

    @property
    def declared(self) -> Any:
        from teis.core import actions

        act = actions.get(self.model_label, self.action)
        assert act is not None, f"{self.model_label}: no registered action {self.action!r}"
        return act

    def api_url(self, obj: Any) -> str:
        from teis.core.api.viewsets import api_slug

        return f"/api/v1/{api_slug(self.config)}/{obj.pk}/{self.action.replace('_', '-')}/"

    def page_url(self, obj: Any) -> str:
        return reverse(self.config.url_name("detail"), args=[obj.pk])

    def page_data(self, ctx: SimpleNamespace, obj: Any) -> dict[str, Any]:
        return {"_action": self.action, **{f"{self.action}-{k}": v for k, v in self.input_data(ctx, obj).items()}}

    def fresh(self, obj: Any) -> Any:
        return type(obj)._base_manager.get(pk=obj.pk)

    @pytest.fixture
    def ctx(self, db: Any, roles: Any, tree: dict[str, Any], make_user: Callable[..., Any]) -> SimpleNamespace:
        config = self.config
        code = f"act_{config.model_name}_{self.action}"[:44]  # Role.code holds 50 characters, "_none" included
        view = [config.perm("view"), "org.view_unit"]
        make_role(
            code, scope=self.permitted_scope, permissions=[*view, self.declared.permission, *self.extra_permissions]
        )
        make_role(f"{code}_none", scope="all", permissions=[*view, *self.extra_permissions])
        ctx = SimpleNamespace(tree=tree, make_user=make_user)
        ctx.user = make_user(code, self.permitted_unit)
        if self.permitted_also:
            from teis.org.models import Role

            ctx.user.officer.roles.add(*Role.objects.filter(code__in=self.permitted_also))
        ctx.denied = make_user(f"{code}_none", self.permitted_unit)
        ctx.unit = tree[self.in_scope_unit]
        return ctx

    def test_anonymous_is_refused(self, ctx: SimpleNamespace, client: Client) -> None:
        obj = self.make_object(ctx.unit, next(_seq))
        resp = client.post(self.api_url(obj), self.input_data(ctx, obj), content_type="application/json")
        assert_error_body(resp, (401, 403), "not_authenticated")
        resp = client.post(self.page_url(obj), self.page_data(ctx, obj))
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")
        assert not self.done(self.fresh(obj))

    def test_without_permission_is_403_and_audited(self, ctx: SimpleNamespace) -> None:
        client = logged_in_client(ctx.denied)
        obj = self.make_object(ctx.unit, next(_seq))
        before = GenericModelTests.audited("permission_denied", actor=ctx.denied)
        resp = client.post(self.api_url(obj), self.input_data(ctx, obj), content_type="application/json")
        assert_error_body(resp, 403, "permission_denied")
        assert client.post(self.page_url(obj), self.page_data(ctx, obj)).status_code == 403
        assert GenericModelTests.audited("permission_denied", actor=ctx.denied) - before == 2
        assert not self.done(self.fresh(obj))
        assert f'value="{self.action}"' not in client.get(self.page_url(obj)).content.decode()  # no button

    def test_permitted_api_and_page(self, ctx: SimpleNamespace) -> None:
        client = logged_in_client(ctx.user)
        obj = self.make_object(ctx.unit, next(_seq))
        page = client.get(self.page_url(obj)).content.decode()
        assert f'value="{self.action}"' in page  # the button is there
        question = self.declared.question(self.fresh(obj))  # as the page names it (values as stored)
        if question:  # a rejecting / ending action asks before acting, saying what will happen
            assert f'data-confirm="{escape(question)}"' in page, question
        before = GenericModelTests.audited("update", actor=ctx.user, obj=obj)
        resp = client.post(self.api_url(obj), self.input_data(ctx, obj), content_type="application/json")
        assert resp.status_code == 200, resp.content.decode()
        assert resp.json()["id"] == obj.pk and self.done(self.fresh(obj))
        assert GenericModelTests.audited("update", actor=ctx.user, obj=obj) > before
        other = self.make_object(ctx.unit, next(_seq))
        resp = client.post(self.page_url(other), self.page_data(ctx, other))
        assert resp.status_code == 302 and resp["Location"] == self.page_url(other), resp.content.decode()[-2000:]
        assert self.done(self.fresh(other))

    def test_out_of_scope_is_404(self, ctx: SimpleNamespace) -> None:
        client = logged_in_client(ctx.user)
        outside = self.make_object(ctx.tree[self.out_of_scope_unit], next(_seq))
        resp = client.post(self.api_url(outside), self.input_data(ctx, outside), content_type="application/json")
        assert_error_body(resp, 404, "not_found")
        assert client.post(self.page_url(outside), self.page_data(ctx, outside)).status_code == 404
        assert not self.done(self.fresh(outside))

    def test_forbidden_state_is_400(self, ctx: SimpleNamespace) -> None:
        client = logged_in_client(ctx.user)
        obj = self.make_object(ctx.unit, next(_seq), ready=False)
        before = self.fresh(obj)
        resp = client.post(self.api_url(obj), self.input_data(ctx, obj), content_type="application/json")
        body = assert_error_body(resp, 400, "bad_state")
        resp = client.post(self.page_url(obj), self.page_data(ctx, obj))
        assert resp.status_code == 400 and body["message"] in resp.content.decode()
        after = self.fresh(obj)
        assert [getattr(after, f.attname) for f in after._meta.concrete_fields] == [
            getattr(before, f.attname) for f in before._meta.concrete_fields
        ]
