"""Issue 16: text is validated per field. NUL and other control characters are refused with a message next to
the field (generic model forms) or naming the field (API); text longer than a column holds is refused, never
cut (`teis.core.services.fit` replaced the services' `value[:n]`)."""

import json

import pytest

from teis.cases.services.coercive import lines_of
from teis.cases.services.record_input import Errors, optional_text
from teis.core.services import ServiceError, fit
from teis.core.testing import logged_in_client
from teis.core.validators import CONTROL_FIELD_MESSAGE
from teis.org.models import Role

pytestmark = pytest.mark.django_db

ROLE = {"code": "clerk", "name": "文书", "description": "", "data_scope": "unit", "admin_kind": ""}


@pytest.fixture
def sysadmin(make_user):
    return make_user("system_admin", "corps", username="sysadmin")


@pytest.mark.parametrize("value", ["文\x00书", "文\x01书", "a\x1bb", "\x7f"])
def test_generic_form_shows_the_message_next_to_the_field(sysadmin, value):
    resp = logged_in_client(sysadmin).post("/org/role/add/", {**ROLE, "name": value})
    assert resp.status_code == 400
    form = resp.context["form"]
    assert form.errors["name"] == [CONTROL_FIELD_MESSAGE]
    assert set(form.errors) == {"name"}  # the other fields were fine
    assert CONTROL_FIELD_MESSAGE in resp.content.decode()
    assert not Role.objects.filter(code="clerk").exists()


def test_generic_form_keeps_tabs_and_newlines(sysadmin):
    resp = logged_in_client(sysadmin).post("/org/role/add/", {**ROLE, "description": "第一行\r\n第二行\t缩进"})
    assert resp.status_code == 302
    assert Role.objects.get(code="clerk").description == "第一行\r\n第二行\t缩进"


def test_api_names_the_field(sysadmin):
    resp = logged_in_client(sysadmin).post(
        "/api/v1/org/roles/", json.dumps({**ROLE, "description": "说\x02明"}), content_type="application/json"
    )
    assert resp.status_code == 400
    assert list(resp.json()["fields"]) == ["description"]
    assert "控制字符" in resp.json()["fields"]["description"][0]


def test_api_serializers_refuse_control_characters_themselves(sysadmin):
    """Behind the middleware, the generic serializers refuse such text per field as well."""
    from rest_framework.test import APIRequestFactory

    from teis.core.api.serializers import serializer_for
    from teis.core.registry import registry

    request = APIRequestFactory().post("/api/v1/org/roles/")
    request.user = sysadmin
    serializer_class = serializer_for(registry.get("org.role"))
    serializer = serializer_class(data={**ROLE, "name": "文\x00书"}, context={"request": request})
    assert not serializer.is_valid()
    assert [str(e) for e in serializer.errors["name"]] == [CONTROL_FIELD_MESSAGE]


def test_over_long_text_is_refused_on_the_page_and_the_api(sysadmin):
    client = logged_in_client(sysadmin)
    long = "长" * 301  # Role.description holds 300
    page = client.post("/org/role/add/", {**ROLE, "description": long})
    assert page.status_code == 400 and "description" in page.context["form"].errors
    api = client.post("/api/v1/org/roles/", json.dumps({**ROLE, "description": long}), content_type="application/json")
    assert api.status_code == 400 and "description" in api.json()["fields"]
    assert not Role.objects.filter(code="clerk").exists()


def test_fit_refuses_instead_of_cutting():
    assert fit(Role, "description", "说明") == "说明"
    assert fit(Role, "description", "  说明 ", strip=True) == "说明"
    with pytest.raises(ServiceError) as err:
        fit(Role, "description", "长" * 301, field="note")
    assert err.value.code == "too_long"
    assert err.value.message == "说明不能超过 300 个字（现为 301 个字）。"
    assert err.value.fields == {"note": ["不能超过 300 个字"]}


def test_record_inputs_refuse_over_long_text():
    errors = Errors()
    assert optional_text({"record_place": "码头"}, errors, "record_place", "笔录地点", 200) == "码头"
    optional_text({"record_place": "长" * 201}, errors, "record_place", "笔录地点", 200)
    lines = lines_of("车辆\n" + "长" * 201, errors)
    assert lines[1] == "长" * 201  # kept whole, and refused
    assert set(errors.fields) == {"record_place", "measure_objects"}


@pytest.mark.parametrize(
    "service, model, column, value",
    [
        ("teis.evidence.services.links", "teis.evidence.models.CaseEvidenceLink", "description", "长" * 301),
        ("teis.cases.services.parking", "teis.cases.models.ParkingRecord", "released_to", "长" * 101),
    ],
)
def test_services_no_longer_cut(service, model, column, value):
    """The columns the services used to cut at fit() now refuse the same text."""
    import importlib

    module_name, _, class_name = model.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    with open(importlib.import_module(service).__file__, encoding="utf-8") as f:
        source = f.read()
    assert f'fit({cls.__name__}, "{column}"' in source
    with pytest.raises(ServiceError):
        fit(cls, column, value)


def test_api_times_are_rfc3339_even_before_1901():
    """Asia/Shanghai before 1901 is local mean time (+08:05:43), which RFC 3339 cannot write: such a time is
    given in UTC (schemathesis found a water accident of the year 664 answered with that offset)."""
    import datetime

    from jsonschema import FormatChecker

    from teis.core.api.serializers import DateTimeField

    field = DateTimeField()
    old = datetime.datetime(664, 3, 4, 12, 0, tzinfo=datetime.UTC)
    assert field.to_representation(old) == "0664-03-04T12:00:00Z"
    assert FormatChecker().conforms(field.to_representation(old), "date-time")
    now = datetime.datetime(2026, 3, 4, 4, 0, tzinfo=datetime.UTC)
    assert field.to_representation(now) == "2026-03-04T12:00:00+08:00"
