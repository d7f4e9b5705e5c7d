"""Devices: heartbeat alarm, health page, log import into the audit, anomaly rules."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from teis.audit.anomaly import evaluate_rules
from teis.audit.models import AuditAlert, AuditRecord
from teis.core.models import Notification
from teis.core.services import ServiceError
from teis.evidence.models import Device
from teis.evidence.services import devices, retention

pytestmark = pytest.mark.django_db


def test_station_silent_raises_one_alarm(admin, tree, client_for):
    station = Device.objects.create(
        kind="collection_station", serial="WS-9", unit=tree["squad1"], heartbeat_timeout_minutes=10
    )
    Device.objects.filter(pk=station.pk).update(last_heartbeat_at=timezone.now() - timedelta(minutes=30))
    assert devices.check_heartbeats() == 1
    assert devices.check_heartbeats() == 0  # once
    assert Notification.objects.filter(user=admin, level="alarm", title__contains="WS-9").exists()
    assert Device.objects.get(pk=station.pk).status == "offline"
    page = client_for(admin).get("/evidence/health/")
    assert page.status_code == 200 and "WS-9" in page.content.decode() and "未上报心跳" in page.content.decode()
    devices.do_heartbeat(station)
    assert Device.objects.get(pk=station.pk).status == "in_service"


def test_log_import_csv_and_json(admin, tree, client_for):
    Device.objects.create(kind="body_camera", serial="BC-7", unit=tree["squad1"])
    csv = (
        "device,time,operator,action,detail\n"
        "BC-7,2025-05-01T10:00:00+08:00,张三,开始录像,\n"
        "BC-7,2025-05-01T10:05:00,张三,停止录像,\n"
    )
    assert devices.do_import_logs(admin, csv.encode(), "log.csv") == {"imported": 2}
    js = json.dumps(
        [{"device": "BC-7", "time": "2025-05-02T08:00:00", "operator": "李四", "action": "导出", "detail": "x"}]
    )
    assert devices.do_import_logs(admin, js.encode(), "log.json") == {"imported": 1}
    assert (
        AuditRecord.objects.filter(
            object_type="evidence.device", object_id="BC-7", detail__operation="evidence.device_log"
        ).count()
        == 3
    )
    with pytest.raises(ServiceError) as err:
        devices.do_import_logs(admin, b"device,time,action\nNOPE,bad,\n", "bad.csv")
    assert "第2行" in err.value.message
    resp = client_for(admin).post("/evidence/logs/import/", {"file": __import__("io").BytesIO(b"not json")})
    assert resp.status_code == 400


def test_anomaly_rules_bulk_download_and_delete_attempts(officer, admin, ingest_photo, client_for):
    from teis.audit.models import AnomalyRule

    item = ingest_photo(1)
    evaluate_rules()  # creates default rules including the evidence ones
    AnomalyRule.objects.filter(kind="evidence_bulk_dl").update(threshold=3)
    client = client_for(officer)
    for _ in range(4):
        client.get(f"/evidence/items/{item.pk}/download/")
    for _ in range(3):
        with pytest.raises(ServiceError):
            retention.do_delete(officer, item, "x")
    alerts = evaluate_rules()
    kinds = {a.rule.kind for a in alerts}
    assert {"evidence_bulk_dl", "evidence_del_tries"} <= kinds
    assert AuditAlert.objects.filter(subject__contains=officer.username).count() >= 2
