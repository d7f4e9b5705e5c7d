"""Rule 13 for cases: the generic pages and API of the case list (案件查询), as four users.

Cases are read-only in the generic UI and API (created and moved only through the case services and the
workflow): the add / edit / delete pages do not exist and API writes are refused. Cases are scoped by their
承办单位: the permitted user (subtree of brigade1) sees squad1's cases and gets a 404 for squad3's.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from teis.cases.models import EnforcementCase
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import GenericModelTests

pytestmark = pytest.mark.django_db


class TestEnforcementCaseGeneric(GenericModelTests):
    model_label = "cases.enforcementcase"
    unique_column = "title"
    lookup_field = "title"

    def handler(self):
        ctx = self._ctx
        if not hasattr(ctx, "handler"):
            ctx.handler = ctx.make_user("field_officer", "squad1", username="generic_case_handler")
        return ctx.handler

    def make_object(self, unit, n):
        return EnforcementCase.objects.create(title=f"出租汽车拒载案{n}", unit=unit, handler=self.handler())

    filter_exclude = {"handler": "filtered by id (IdFilter on handler_id, from the my-cases links)"}

    def url(self, view, obj=None):
        """The generic detail URL (/cases/enforcementcase/<id>/) only redirects to the case page; the checks
        run against the case page itself (see test_generic_detail_url_redirects_to_the_case_page)."""
        if view == "detail":
            return reverse("cases:case_detail", args=[obj.pk])
        return super().url(view, obj)

    def test_generic_detail_url_redirects_to_the_case_page(self, ctx):
        generic = super().url("detail", ctx.obj)
        resp = logged_in_client(ctx.user).get(generic)
        assert resp.status_code == 302 and resp.url == reverse("cases:case_detail", args=[ctx.obj.pk])
        assert logged_in_client(ctx.denied).get(generic).status_code == 403
        assert logged_in_client(ctx.user).get(super().url("detail", ctx.outside)).status_code == 404
