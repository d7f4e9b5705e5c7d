"""The water live panel shows what is open now on first load (issue 21 §4): the alerts waiting for a hand, newest
on top, not only those arriving after the page opened; then only what comes next."""

from __future__ import annotations

import pytest

from teis.core.testing import logged_in_client
from teis.maritime.choices import AlertStatus
from teis.maritime.models import Alert

pytestmark = pytest.mark.django_db


def test_first_load_lists_the_open_alerts(make_user, tree):
    client = logged_in_client(make_user("brigade_leader", "brigade1"))
    unit = tree["squad1"]
    waiting = [Alert.objects.create(kind="zone_entry", unit=unit, message=f"驶入水源保护区{n}") for n in range(3)]
    Alert.objects.create(kind="zone_entry", unit=unit, message="已办结", status=AlertStatus.CLOSED)
    Alert.objects.create(kind="zone_entry", unit=tree["squad3"], message="别的单位")  # outside the scope
    data = client.get("/maritime/live/delta/", {"since": 0, "alert": -1}).json()
    assert [a["id"] for a in data["alerts"]] == [a.pk for a in waiting]  # oldest first: the page prepends
    assert data["open_alerts"] == 3
    # then only what comes next
    after = {"since": data["seq"], "alert": data["alert_seq"]}
    assert client.get("/maritime/live/delta/", after).json()["alerts"] == []
    new = Alert.objects.create(kind="zone_entry", unit=unit, message="新告警")
    later = client.get("/maritime/live/delta/", after).json()
    assert [a["id"] for a in later["alerts"]] == [new.pk] and "open_alerts" not in later
    assert "暂无待处置告警" in client.get("/maritime/live/").content.decode()
