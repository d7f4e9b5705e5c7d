"""The pipeline's cross-batch caches: a vessel is reused only while its row is unchanged; "who is inside the areas"
only while the table's fingerprint is the cache's; both are dropped when a batch fails."""

from __future__ import annotations

import pytest
from django.utils import timezone

from teis.maritime.choices import AlertKind, EventKind
from teis.maritime.models import Alert, AreaPresence, Vessel, VesselEvent, VesselPosition
from teis.maritime.services import pipeline, waters
from teis.maritime.services.pipeline import process_records

from .factories import area, pos

pytestmark = pytest.mark.django_db

OUTSIDE, INSIDE = (121.47, 31.24), (121.485, 31.24)  # relative to the factories' BOX


def test_a_vessel_edited_between_batches_is_read_again(tree):
    area(tree["brigade1"], kind="key_area", name="外滩水域")
    process_records([pos(413000201, 0, *OUTSIDE)])
    assert 413000201 in pipeline._vessels["by_mmsi"]
    vessel = Vessel.objects.get(mmsi=413000201)
    vessel.high_risk = True  # e.g. the vessel form or a registry import
    vessel.save()
    process_records([pos(413000201, 10, *INSIDE)])
    assert Alert.objects.filter(kind=AlertKind.HIGH_RISK, vessel=vessel).count() == 1


def test_an_unchanged_vessel_is_reused_and_its_latest_fix_follows(tree):
    process_records([pos(413000202, 0, *OUTSIDE)])
    process_records([pos(413000202, 10, *INSIDE)])
    cached = pipeline._vessels["by_mmsi"][413000202]
    vessel = Vessel.objects.get(mmsi=413000202)
    assert (cached["last_time"], cached["last_lon"], cached["updated_at"]) == (
        vessel.last_time,
        vessel.last_lon,
        vessel.updated_at,
    )
    process_records([pos(413000202, 5, *OUTSIDE)])  # older than the latest fix: stored, does not move the vessel
    vessel.refresh_from_db()
    assert vessel.last_lon == INSIDE[0] and VesselPosition.objects.filter(vessel=vessel).count() == 3


def test_a_deleted_vessel_is_created_again_not_taken_from_the_cache(tree):
    process_records([pos(413000203, 0, *OUTSIDE)])
    Vessel.objects.filter(mmsi=413000203).delete()
    result = process_records([pos(413000203, 10, *INSIDE)])
    assert result.vessels_created == 1
    vessel = Vessel.objects.get(mmsi=413000203)
    assert vessel.last_lon == INSIDE[0]
    assert VesselPosition.objects.filter(vessel=vessel).count() == 1


def test_a_failed_batch_drops_the_cache(tree, monkeypatch):
    process_records([pos(413000204, 0, *OUTSIDE)])
    assert pipeline._vessels["by_mmsi"]

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline._Batch, "_dangerous_goods", boom)
    with pytest.raises(RuntimeError):
        process_records([pos(413000204, 10, *INSIDE)])
    assert pipeline._vessels["by_mmsi"] == {}
    monkeypatch.undo()
    vessel = Vessel.objects.get(mmsi=413000204)
    assert vessel.last_lon == OUTSIDE[0]  # rolled back
    process_records([pos(413000204, 10, *INSIDE)])
    vessel.refresh_from_db()
    assert vessel.last_lon == INSIDE[0] and VesselPosition.objects.filter(vessel=vessel).count() == 2


@pytest.fixture
def whole_presence(monkeypatch):
    """Every batch, however small, takes "who is inside now" from the whole table (the cache on PostgreSQL)."""
    monkeypatch.setattr(waters, "PRESENCE_SCAN_MIN", 0)
    monkeypatch.setattr(pipeline, "PRESENCE_SCAN_MIN", 0)


def _events(mmsi, kind):
    return VesselEvent.objects.filter(vessel__mmsi=mmsi, kind=kind).count()


def test_presence_removed_elsewhere_is_seen_by_the_next_batch(tree, whole_presence):
    area(tree["brigade1"], kind="key_area", name="外滩水域")
    process_records([pos(413000205, 0, *INSIDE)])
    process_records([pos(413000205, 10, *INSIDE)])  # still inside: no second entry
    assert _events(413000205, EventKind.AREA_ENTRY) == 1
    AreaPresence.objects.filter(vessel__mmsi=413000205).delete()  # e.g. the area edited and its presences reset
    process_records([pos(413000205, 20, *INSIDE)])
    assert _events(413000205, EventKind.AREA_ENTRY) == 2
    assert AreaPresence.objects.filter(vessel__mmsi=413000205).count() == 1


def test_an_arrival_set_elsewhere_gives_the_departure_event(tree, whole_presence):
    area(tree["brigade1"], kind="berth", name="十六铺码头")
    process_records([pos(413000206, 0, *INSIDE), pos(413000207, 0, *INSIDE)])
    process_records([pos(413000206, 10, *INSIDE)])  # the cache now holds both presences, not arrived
    AreaPresence.objects.filter(vessel__mmsi=413000206).update(arrived_at=timezone.now())  # the arrival check
    process_records([pos(413000206, 20, *OUTSIDE)])
    assert _events(413000206, EventKind.BERTH_DEPARTURE) == 1


def test_a_failed_batch_drops_the_presence_cache(tree, whole_presence, monkeypatch):
    area(tree["brigade1"], kind="key_area", name="外滩水域")
    process_records([pos(413000208, 0, *INSIDE)])

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline._Batch, "_dangerous_goods", boom)
    with pytest.raises(RuntimeError):
        process_records([pos(413000208, 10, *OUTSIDE)])  # its exit was discarded from the cache, then rolled back
    assert waters.presence_cache.rows == {}
    monkeypatch.setattr(pipeline._Batch, "_dangerous_goods", lambda *a, **k: None)
    process_records([pos(413000208, 20, *INSIDE)])  # still inside as far as the table knows: no new entry
    assert _events(413000208, EventKind.AREA_ENTRY) == 1
