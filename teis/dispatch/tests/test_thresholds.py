"""Dispatch's thresholds are an audited settings record (issue 15 §4): the environment's values seed it on first
creation, the command centre edits it on 指挥调度 → 调度阈值设置 (audited, validated), and the position pipeline
reads it from a process-local copy (no query per read) that a save drops. Maritime's thresholds use the same
record and page code."""

from __future__ import annotations

import datetime as dt

import pytest

from teis.audit.models import AuditRecord
from teis.core.settings_record import settings_service
from teis.core.testing import logged_in_client
from teis.dispatch import conf
from teis.dispatch.choices import AlarmKind
from teis.dispatch.models import Alarm, DispatchSettings
from teis.dispatch.services.positions import Rules, ingest_fixes
from teis.maritime.models import MaritimeSettings

from .conftest import INSIDE, OUTSIDE, fix, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def command(make_user):
    return make_user("command_center", "corps", username="zhihui")


def test_the_record_starts_from_the_environment(monkeypatch):
    monkeypatch.setenv("TEIS_DISPATCH_DWELL_S", "45")
    monkeypatch.setenv("TEIS_DISPATCH_MAX_SPEED_KMH", "180.5")
    monkeypatch.setenv("TEIS_DISPATCH_OFFLINE_MIN", "ten")  # not a number: the default
    record = DispatchSettings.current()
    assert record.dwell_s == 45 and record.max_speed_kmh == 180.5
    assert record.offline_min == 10  # no variable: the default
    monkeypatch.setenv("TEIS_DISPATCH_DWELL_S", "99")  # only the first creation reads the environment
    DispatchSettings.forget()
    assert DispatchSettings.current().dwell_s == 45
    assert DispatchSettings.objects.count() == 1


def test_reads_are_served_without_a_query(django_assert_num_queries):
    conf.get("TEIS_DISPATCH_DWELL_S")
    with django_assert_num_queries(0):
        for _ in range(100):
            Rules(dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
            conf.get("TEIS_DISPATCH_OFFLINE_MIN")


def test_a_change_is_audited_and_read_at_once(command):
    assert conf.get("TEIS_DISPATCH_DWELL_S") == 60
    settings_service.do_update(command, DispatchSettings.current(), {"dwell_s": 20})
    assert conf.get("TEIS_DISPATCH_DWELL_S") == 20
    rec = AuditRecord.objects.get(action="update", object_type="dispatch.dispatchsettings")
    assert rec.changes == {"越界确认时长(秒)": [60, 20]} and rec.actor_id == command.pk


def test_the_alarm_follows_the_record(fleet, t0, command):
    settings_service.do_update(command, DispatchSettings.current(), {"dwell_s": 20, "unregistered_s": 10**6})
    ingest_fixes(run(t0, [INSIDE] * 3))
    r = ingest_fixes(run(t0 + dt.timedelta(seconds=30), [OUTSIDE] * 3, every=10))  # 20 s outside
    assert r.alarms_raised == 1
    assert Alarm.objects.filter(kind=AlarmKind.OUT_OF_AREA).count() == 1
    assert ingest_fixes([fix(at=t0 + dt.timedelta(seconds=60), lonlat=OUTSIDE)]).alarms_raised == 0


def test_the_command_centre_edits_the_thresholds_on_the_page(command):
    client = logged_in_client(command)
    assert "调度阈值设置" in client.get("/").content.decode()
    page = client.get("/dispatch/thresholds/")
    assert page.status_code == 200 and "越界确认时长(秒)" in page.content.decode()
    form = {name: value for name, value in page.context["form"].initial.items() if name in page.context["form"].fields}
    resp = client.post("/dispatch/thresholds/", {**form, "dwell_s": 90, "min_lon": 130, "max_lon": 120})
    assert resp.status_code == 400 and "最大经度应大于最小经度" in resp.content.decode()
    assert conf.get("TEIS_DISPATCH_DWELL_S") == 60  # nothing written
    resp = client.post("/dispatch/thresholds/", {**form, "dwell_s": 90})
    assert resp.status_code == 302
    assert conf.get("TEIS_DISPATCH_DWELL_S") == 90
    assert AuditRecord.objects.filter(action="update", object_type="dispatch.dispatchsettings").count() == 1


def test_other_roles_cannot_change_the_thresholds(make_user):
    officer = logged_in_client(make_user("field_officer"))
    assert officer.get("/dispatch/thresholds/").status_code == 403
    assert officer.post("/dispatch/thresholds/", {"dwell_s": 1}).status_code == 403
    assert AuditRecord.objects.filter(action="permission_denied").count() == 2
    sysadmin = logged_in_client(make_user("system_admin", "corps", username="sys1"))
    assert sysadmin.get("/dispatch/thresholds/").status_code == 403


def test_the_record_is_never_created_or_deleted_generically(command):
    from teis.core.services import ServiceError

    with pytest.raises(ServiceError):
        settings_service.do_create(command, DispatchSettings, {})
    with pytest.raises(ServiceError):
        settings_service.do_delete(command, DispatchSettings.current())


def test_maritime_thresholds_use_the_same_record_and_page(command):
    assert MaritimeSettings.current().dark_factor == 6.0
    client = logged_in_client(command)
    page = client.get("/maritime/thresholds/")
    assert page.status_code == 200 and "AIS消失倍数k" in page.content.decode()
    form = {name: value for name, value in page.context["form"].initial.items() if name in page.context["form"].fields}
    assert client.post("/maritime/thresholds/", {**form, "dark_factor": 4}).status_code == 302
    assert MaritimeSettings.current().dark_factor == 4
    assert AuditRecord.objects.filter(action="update", object_type="maritime.maritimesettings").exists()
