"""Geofence shapes go through the shared polygon check of teis.core.telemetry.geometry: a self-intersecting polygon
is refused (HTTP 400, the same Chinese message as for the water areas), GeoJSON text and Features are accepted."""

from __future__ import annotations

import json

import pytest

from teis.core.telemetry.geometry import INVALID_POLYGON
from teis.core.testing import logged_in_client
from teis.dispatch.models import Geofence

pytestmark = pytest.mark.django_db
A, B, C, D = [121.4, 31.2], [121.5, 31.2], [121.5, 31.3], [121.4, 31.3]
BOWTIE = {"type": "Polygon", "coordinates": [[A, C, B, D, A]]}
SQUARE = {"type": "Polygon", "coordinates": [[A, B, C, D, A]]}


@pytest.fixture
def api(make_user):
    client = logged_in_client(make_user("command_center", "corps"))
    return client, "/api/v1/dispatch/geofences/"


def test_a_self_intersecting_geofence_is_refused_like_a_water_area(api, tree):
    client, url = api
    resp = client.post(
        url, {"name": "蝴蝶", "kind": "restricted", "unit": tree["brigade1"].pk, "geometry": BOWTIE},
        content_type="application/json",
    )  # fmt: skip
    assert resp.status_code == 400 and resp.json()["message"] == INVALID_POLYGON
    assert not Geofence.objects.exists()


def test_geojson_text_and_features_are_stored_as_a_polygon(api, tree):
    client, url = api
    feature = {"type": "Feature", "properties": {}, "geometry": SQUARE}
    for i, value in enumerate([json.dumps(SQUARE), feature]):
        resp = client.post(
            url, {"name": f"禁区{i}", "kind": "restricted", "unit": tree["brigade1"].pk, "geometry": value},
            content_type="application/json",
        )  # fmt: skip
        assert resp.status_code == 201, resp.content
    assert [g.geometry["type"] for g in Geofence.objects.all()] == ["Polygon", "Polygon"]
