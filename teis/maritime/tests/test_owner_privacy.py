"""Ship owners' contact data is personal data: SM4 at rest, masked in pages and the API unless revealed."""

from __future__ import annotations

import pytest
from django.db import connection

from teis.core.testing import logged_in_client
from teis.maritime.models import Vessel

pytestmark = pytest.mark.django_db


def _raw(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, owner_address FROM maritime_vessel WHERE id = %s", [pk])
        return cursor.fetchone()


def test_owner_phone_and_address_encrypted_at_rest():
    vessel = Vessel.objects.create(
        mmsi=413000001, name="沪港001", phone="13812345678", owner_address="上海市黄浦区中山东二路88号"
    )
    phone, address = _raw(vessel.pk)
    assert phone.startswith("sm4:") and "13812345678" not in phone
    assert address.startswith("sm4:") and "中山东二路" not in address
    vessel.refresh_from_db()
    assert vessel.phone == "13812345678" and vessel.owner_address.endswith("88号")


def test_owner_contact_masked_in_the_api(make_user):
    from teis.maritime.tables import VesselConfig

    user = make_user("leadership", "corps")
    Vessel.objects.create(
        mmsi=413000002, name="沪港002", phone="13812345678", owner_address="上海市黄浦区中山东二路88号"
    )
    client = logged_in_client(user)
    rows = client.get("/api/v1/maritime/vessels/").json()["results"]
    row = next(r for r in rows if r["mmsi"] == 413000002)
    assert row["phone"] == "138****5678"
    assert row["owner_address"].startswith("上海市黄浦") and "88号" not in row["owner_address"]
    assert VesselConfig.masked_fields.keys() >= {"phone", "owner_address"}
