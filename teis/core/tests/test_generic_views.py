"""Rule 13 for core's own registered models, and the generated FilterSet of a config without one."""

import pytest

from teis.core.filters import filterset_for
from teis.core.models import DictionaryItem, DictionaryType
from teis.core.registry import registry
from teis.core.testing_mixins import GenericModelTests

pytestmark = pytest.mark.django_db


def dict_type():
    return DictionaryType.objects.get_or_create(code="gen_test", defaults={"name": "测试字典"})[0]


class TestDictionaryItemGeneric(GenericModelTests):
    model_label = "core.dictionaryitem"
    unique_column = "code"
    lookup_field = "code"
    scoped = False
    extra_permissions = ["core.view_dictionarytype"]
    filter_exclude = {
        "parent": "上级字典项按字典类型查询",
        "order": "排序号只作显示",
    }

    def make_object(self, unit, n):
        return DictionaryItem.objects.create(dict_type=dict_type(), code=f"C{n}", label=f"字典项{n}", order=n)

    def form_data(self, ctx, n):
        return {"dict_type": dict_type().pk, "code": f"NEW{n}", "label": f"新字典项{n}", "order": 1, "is_active": "on"}

    def api_data(self, ctx, n):
        return {"dict_type": dict_type().pk, "code": f"NEW{n}", "label": f"新字典项{n}", "order": 1, "is_active": True}


class TestDictionaryTypeGeneric(GenericModelTests):
    """DictionaryType has no FilterSet of its own: it exercises the generated one."""

    model_label = "core.dictionarytype"
    unique_column = "code"
    lookup_field = "code"
    scoped = False

    def make_object(self, unit, n):
        return DictionaryType.objects.create(code=f"type{n}", name=f"类型{n}", description="说明", is_system=True)

    def form_data(self, ctx, n):
        return {"code": f"newtype{n}", "name": f"新类型{n}", "description": "测试"}


def test_generated_filterset_covers_every_model_field_column():
    """Every config without its own FilterSet: each plain model-field list column gets a filter."""
    from django.core.exceptions import FieldDoesNotExist

    from teis.core.fields import EncryptedCharField

    checked = 0
    for config in registry.configs.values():
        if config.filterset is not None:
            continue
        filters = filterset_for(config).base_filters
        names = {f.field_name for f in filters.values()}
        for column in config.list_columns:
            if "__" in column:
                continue
            try:
                field = config.model._meta.get_field(column)
            except FieldDoesNotExist:
                continue
            if isinstance(field, EncryptedCharField) or field.many_to_many:
                continue
            assert column in names, f"{config.model._meta.label}.{column} has no generated filter"
            checked += 1
    assert checked >= 4


def test_generated_filterset_filters(sysadmin):
    from teis.core.testing import logged_in_client

    DictionaryType.objects.create(code="alpha", name="甲类型", is_system=True)
    DictionaryType.objects.create(code="beta", name="乙类型", is_system=False)
    client = logged_in_client(sysadmin)
    codes = lambda resp: {r["code"] for r in resp.json()["results"]}  # noqa: E731
    assert codes(client.get("/api/v1/core/dictionarytypes/", {"name": "甲"})) == {"alpha"}
    assert codes(client.get("/api/v1/core/dictionarytypes/", {"is_system": "false", "code": "bet"})) == {"beta"}
    resp = client.get("/core/dictionarytype/", {"name": "乙"})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "beta" in body and "alpha" not in body
