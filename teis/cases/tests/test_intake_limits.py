"""Text over a field's length and non-text values are refused with a message, never cut or stored as a repr
(issue 16)."""

import pytest

from teis.core.services import ServiceError

from .test_intake import assert_nothing_written, case_setup, media, officer, photo, pre_register  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"parties": [{"kind": "person", "name": "张" * 201}]}, "parties.0.name", "不能超过 200 个字符"),
        ({"parties": [{"kind": "person", "name": ["张三", "李四"]}]}, "parties.0.name", "应填写文本"),
        ({"parties": [{"kind": "person", "name": "张三", "address": "路" * 201}]}, "parties.0.address", "200"),
        ({"vehicles": [{"plate": "沪A12345", "driver_name": "王" * 51}]}, "vehicles.0.driver_name", "50"),
        ({"vehicles": [{"plate": "沪A12345", "vehicle_type": "x" * 31}]}, "vehicles.0.vehicle_type", "30"),
        ({"parties": [{"kind": "person", "name": f"人{i}"} for i in range(21)]}, "parties", "最多 20 个"),
        ({"vehicles": [{"plate": "沪A12345"}] * 100}, "vehicles", "最多 20 个"),
    ],
)
def test_too_long_or_non_text_values_are_refused_not_cut(officer, case_setup, media, extra, field, message):  # noqa: F811
    with pytest.raises(ServiceError) as exc:
        pre_register(officer, case_setup, [photo()], **extra)
    assert field in exc.value.fields, exc.value.fields
    assert message in " ".join(exc.value.fields[field])
    assert_nothing_written(media)
