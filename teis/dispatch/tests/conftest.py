"""Fixtures of the dispatch tests: a unit with a square 辖区, vehicles with terminals, a fix factory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.dispatch.fixes import Fix

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[121.40, 31.20], [121.50, 31.20], [121.50, 31.30], [121.40, 31.30], [121.40, 31.20]]],
}
INSIDE = (121.498, 31.25)  # 190 m inside the east edge
OUTSIDE = (121.502, 31.25)  # 190 m outside it (380 m apart: not a jump)


@pytest.fixture(autouse=True)
def approval_processes(db):
    """The approvals of plans and requests are workflow definitions (dispatch/processes/)."""
    from teis.workflow.services import ensure_definitions, process_files

    ensure_definitions(None, [p for p in process_files() if p.name.startswith("dispatch_")])


@pytest.fixture
def fleet(tree):
    from teis.dispatch.models import PatrolVehicle
    from teis.dispatch.services import directory

    unit = tree["brigade1"]
    unit.jurisdiction = SQUARE
    unit.save(update_fields=["jurisdiction", "updated_at"])
    cars = {
        "car1": PatrolVehicle.objects.create(plate="沪A12345", unit=tree["squad1"], terminal_phone="013800000001"),
        "car2": PatrolVehicle.objects.create(plate="沪A22222", unit=tree["squad1"], terminal_phone="013800000002"),
        "car3": PatrolVehicle.objects.create(plate="沪B33333", unit=tree["squad3"], device_id="osmand-33"),
        "boat": PatrolVehicle.objects.create(
            plate="沪执法01", kind="boat", unit=tree["brigade2"], terminal_phone="13900000009"
        ),
    }
    directory.invalidate()
    yield cars
    directory.invalidate()


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)


def fix(device="013800000001", at=None, lonlat=INSIDE, speed=30.0, **kw) -> Fix:
    kw.setdefault("status_bits", 0b10)
    return Fix(device_id=device, time=at, lon=lonlat[0], lat=lonlat[1], speed_kmh=speed, **kw)


def run(at0, steps, device="013800000001", every=10, **kw) -> list[Fix]:
    """Fixes every `every` seconds from `at0` at the given positions."""
    return [fix(device, at0 + dt.timedelta(seconds=i * every), p, **kw) for i, p in enumerate(steps)]
