"""Device registry services: workstation credentials, heartbeats and the offline alarm, device / workstation
log import into the audit (CSV or JSON)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teis.audit import services as audit
from teis.audit.choices import AuditAction, AuditCategory
from teis.core.models import Notification
from teis.core.notify import notify
from teis.core.services import GenericService, ServiceError

from ..choices import DeviceKind, DeviceStatus
from ..models import Device
from .principal import hash_secret, new_secret

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import User

LOG_MAX_ROWS = 100_000


def do_issue_credential(actor: User, station: Device) -> str:
    """A new secret for a workstation (shown once); only its SM3 is stored. Audited."""
    if station.kind != DeviceKind.COLLECTION_STATION:
        raise ServiceError("not_station", "只有采集工作站可以签发凭据")
    secret = new_secret()
    with transaction.atomic():
        Device.objects.filter(pk=station.pk).update(credential_hash=hash_secret(secret))
        audit.record(actor, AuditAction.UPDATE, station, detail={"operation": "evidence.station_credential"})
    return secret


class DeviceService(GenericService):
    """The keeper sets a device 在用 / 故障 / 停用; 离线 is only ever the heartbeat check's finding."""

    def _check_status(self, data: dict[str, Any], before: str | None = None) -> None:
        status = data.get("status")
        if status == DeviceStatus.OFFLINE and before != DeviceStatus.OFFLINE:
            raise ServiceError("invalid", "“离线”由心跳检测自动判定，不能手工设置。", {"status": ["不能手工设为离线"]})

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        self._check_status(data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        assert isinstance(obj, Device)
        self._check_status(data, obj.status)
        return super().do_update(actor, obj, data)


def do_heartbeat(station: Device, *, used_gb: Any = None, capacity_gb: Any = None) -> Device:
    """Record a workstation heartbeat (telemetry: counted, not audited row by row)."""
    fields: dict[str, Any] = {"last_heartbeat_at": timezone.now(), "offline_alarmed_at": None}
    for name, value in (("used_gb", used_gb), ("capacity_gb", capacity_gb)):
        if value not in (None, ""):
            try:
                fields[name] = max(int(value), 0)
            except (TypeError, ValueError):
                raise ServiceError("invalid", "容量须为整数（GB）", {name: ["须为整数"]}) from None
    Device.objects.filter(pk=station.pk).update(**fields)
    Device.objects.filter(pk=station.pk, status=DeviceStatus.OFFLINE).update(status=DeviceStatus.IN_SERVICE)
    station.refresh_from_db()
    return station


def check_heartbeats(now: dt.datetime | None = None) -> int:
    """Alarm once for each workstation silent longer than its timeout; mark it offline."""
    from .retention import evidence_admins

    now = now or timezone.now()
    alarmed = 0
    for station in Device.objects.filter(
        kind=DeviceKind.COLLECTION_STATION,
        status__in=[DeviceStatus.IN_SERVICE, DeviceStatus.OFFLINE],
        offline_alarmed_at__isnull=True,
    ).select_related("unit"):
        last = station.last_heartbeat_at or station.created_at
        if now - last <= timedelta(minutes=station.heartbeat_timeout_minutes):
            continue
        with transaction.atomic():
            Device.objects.filter(pk=station.pk).update(status=DeviceStatus.OFFLINE, offline_alarmed_at=now)
            audit.record(
                None,
                AuditAction.ALERT,
                station,
                category=AuditCategory.SYSTEM,
                detail={"operation": "evidence.station_offline", "last_heartbeat": last.isoformat()},
            )
            for user in evidence_admins():
                notify(
                    user,
                    f"采集工作站离线：{station.serial}",
                    f"{station.unit.name} {station.place}，最近心跳 {timezone.localtime(last):%Y-%m-%d %H:%M}",
                    level=Notification.Level.ALARM,
                    url=reverse("evidence:health"),
                )
        alarmed += 1
    return alarmed


def health_rows(user: User) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for d in Device.objects.for_user(user).select_related("unit", "assigned_to").order_by("kind", "serial"):
        stale = None
        if d.kind == DeviceKind.COLLECTION_STATION:
            last = d.last_heartbeat_at
            stale = last is None or now - last > timedelta(minutes=d.heartbeat_timeout_minutes)
        usage = round(100 * d.used_gb / d.capacity_gb) if d.capacity_gb and d.used_gb is not None else None
        rows.append({"device": d, "stale": stale, "usage": usage})
    return rows


def _parse_rows(raw: bytes, filename: str) -> list[dict[str, Any]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="strict")
    if filename.lower().endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ServiceError("invalid", f"JSON 格式错误：第 {exc.lineno} 行") from None
        if isinstance(data, dict):
            data = data.get("records") or data.get("logs") or []
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise ServiceError("invalid", "JSON 应为记录数组")
        return data
    return list(csv.DictReader(io.StringIO(text)))


def do_import_logs(actor: User, raw: bytes, filename: str) -> dict[str, Any]:
    """Import body-camera / workstation operation logs into the audit. Columns (CSV header or JSON keys):
    device (编号), time (ISO 8601), operator, action, detail. All rows or none; errors name the row."""
    try:
        rows = _parse_rows(raw, filename)
    except UnicodeDecodeError:
        raise ServiceError("invalid", "文件编码无法识别（应为 UTF-8 或 GB18030）") from None
    if not rows:
        raise ServiceError("invalid", "文件中没有日志记录")
    if len(rows) > LOG_MAX_ROWS:
        raise ServiceError("too_large", f"单次最多导入 {LOG_MAX_ROWS} 条")
    serials = set(Device.objects.values_list("serial", flat=True))
    errors: dict[str, list[str]] = {}
    parsed = []
    for n, row in enumerate(rows, start=2 if not filename.lower().endswith(".json") else 1):
        row = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in row.items() if k}
        device = row.get("device") or row.get("设备编号", "")
        at = parse_datetime(row.get("time") or row.get("时间", ""))
        action = row.get("action") or row.get("操作", "")
        problems = []
        if device not in serials:
            problems.append(f"设备“{device}”未登记")
        if at is None:
            problems.append("时间格式无效")
        if not action:
            problems.append("缺少操作")
        if problems:
            errors[f"第{n}行"] = problems
            continue
        assert at is not None  # a row without a valid time has a problem
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        parsed.append(
            (device, at, row.get("operator") or row.get("操作人", ""), action, row.get("detail") or row.get("说明", ""))
        )
    if errors:
        first = next(iter(errors.items()))
        raise ServiceError(
            "invalid",
            f"日志有 {len(errors)} 行错误，例如{first[0]}：{'；'.join(first[1])}",
            dict(list(errors.items())[:50]),
        )
    with transaction.atomic():
        for device, at, operator, action, detail in parsed:
            audit.record(
                None,
                AuditAction.VIEW if "查看" in action or "play" in action.lower() else AuditAction.UPDATE,
                None,
                category=AuditCategory.SYSTEM,
                object_type="evidence.device",
                object_id=device,
                object_repr=device,
                detail={
                    "operation": "evidence.device_log",
                    "device_time": at.isoformat(),
                    "operator": operator,
                    "action": action,
                    "detail": detail[:300],
                },
            )
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            object_type="evidence.device",
            detail={"operation": "evidence.device_log_import", "rows": len(parsed), "file": filename[:100]},
        )
    return {"imported": len(parsed)}
