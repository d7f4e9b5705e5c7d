"""Vessel registry data (船舶登记信息): Excel import, and the external-registry adapter that fills in vessels
whose static data is missing (spec §2.6.2.5 自动调取交通海事局船舶的基础信息).

An adapter is any object with `name` and `lookup(mmsis) -> {mmsi: RegistryEntry}`; `TEIS_MARITIME_REGISTRY_ADAPTER`
names its class (dotted path). The demo adapter `ImportedFileRegistry` reads the last imported registry file
(kept in storage as JSON), standing in for the maritime bureau's interface.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.storage import get_storage

from ..choices import ship_category
from ..models import Vessel, VesselCertificate
from .imports import as_bool, as_date, as_int, as_text, read_rows, refuse

if TYPE_CHECKING:
    from django.contrib.auth.models import User

REGISTRY_FILE = "maritime/registry/registry.json"
COLUMNS = {
    "MMSI": "mmsi",
    "船名": "name",
    "呼号": "call_sign",
    "IMO": "imo",
    "登记船型": "registered_type",
    "船长": "length_m",
    "船宽": "width_m",
    "船舶所有人": "owner",
    "所有人地址": "owner_address",
    "法定代表人": "legal_representative",
    "联系电话": "phone",
    "船籍港": "registry_port",
    "危险品船舶": "dangerous_goods",
    "高风险船舶": "high_risk",
    "重点船舶": "is_key",
    "证书名称": "cert_name",
    "证书编号": "cert_number",
    "有效期起": "cert_from",
    "有效期至": "cert_until",
}


@dataclass
class RegistryEntry:
    mmsi: int
    name: str = ""
    call_sign: str = ""
    imo: int | None = None
    registered_type: int | None = None
    length_m: int | None = None
    width_m: int | None = None
    owner: str = ""
    owner_address: str = ""
    legal_representative: str = ""
    phone: str = ""
    registry_port: str = ""
    dangerous_goods: bool = False
    high_risk: bool = False
    is_key: bool = False
    certificates: list[dict[str, Any]] = field(
        default_factory=list
    )  # {name, number, valid_from, valid_until} ISO dates


def parse_registry(upload: Any) -> list[RegistryEntry]:
    """Entries by MMSI (one row per certificate). A file with any bad row is refused as a whole, naming every bad
    row."""
    rows = read_rows(upload, COLUMNS, required=("mmsi",), check_rows=False)
    entries: dict[int, RegistryEntry] = {}
    errors: list[str] = []
    for r in rows:
        try:
            _parse_row(r, entries)
        except ServiceError as exc:
            errors.append(exc.message)
    if errors:
        raise refuse(errors)
    if not entries:
        raise ServiceError("invalid", "文件中没有船舶数据", {"file": ["没有数据行"]})
    return list(entries.values())


def _bounded(value: Any, row: int, label: str, highest: int) -> int | None:
    number = as_int(value, row, label)
    if number is not None and not 0 <= number <= highest:
        raise ServiceError("invalid", f"第{row}行“{label}”应在 0～{highest} 之间", {"file": [f"第{row}行{label}错误"]})
    return number


def _parse_row(r: dict[str, Any], entries: dict[int, RegistryEntry]) -> None:
    n = r["_row"]
    mmsi = as_int(r.get("mmsi"), n, "MMSI")
    if mmsi is None or not 0 < mmsi <= 999_999_999:
        raise ServiceError("invalid", f"第{n}行MMSI无效", {"file": [f"第{n}行MMSI无效"]})
    fields: dict[str, Any] = {
        "imo": _bounded(r.get("imo"), n, "IMO", 9_999_999),
        "registered_type": _bounded(r.get("registered_type"), n, "登记船型", 255),
        "length_m": _bounded(r.get("length_m"), n, "船长", 32767),
        "width_m": _bounded(r.get("width_m"), n, "船宽", 32767),
    }
    certificate = None
    if as_text(r.get("cert_name")):
        valid_from = as_date(r.get("cert_from"), n, "有效期起")
        valid_until = as_date(r.get("cert_until"), n, "有效期至")
        certificate = {
            "name": as_text(r.get("cert_name"), 60),
            "number": as_text(r.get("cert_number"), 60),
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_until": valid_until.isoformat() if valid_until else None,
        }
    e = entries.get(mmsi)
    if e is None:
        e = entries[mmsi] = RegistryEntry(
            mmsi=mmsi,
            name=as_text(r.get("name"), 60),
            call_sign=as_text(r.get("call_sign"), 20),
            owner=as_text(r.get("owner"), 100),
            owner_address=as_text(r.get("owner_address"), 200),
            legal_representative=as_text(r.get("legal_representative"), 50),
            phone=as_text(r.get("phone"), 30),
            registry_port=as_text(r.get("registry_port"), 50),
            dangerous_goods=as_bool(r.get("dangerous_goods")),
            high_risk=as_bool(r.get("high_risk")),
            is_key=as_bool(r.get("is_key")),
            **fields,
        )
    if certificate:
        e.certificates.append(certificate)


def apply_entry(entry: RegistryEntry, source: str, now: dt.datetime | None = None) -> Vessel:
    """Create or update the vessel from a registry entry; its certificates are replaced. Caller's transaction."""
    now = now or timezone.now()
    vessel = Vessel.objects.select_for_update().filter(mmsi=entry.mmsi).first() or Vessel(mmsi=entry.mmsi)
    for attr in ("name", "call_sign", "imo", "length_m", "width_m"):
        value = getattr(entry, attr)
        if value not in (None, "") and not getattr(vessel, attr):
            setattr(vessel, attr, value)  # AIS static data wins where the ship reported it
    for attr in (
        "registered_type", "owner", "owner_address", "legal_representative", "phone", "registry_port",
        "dangerous_goods", "high_risk", "is_key",
    ):  # fmt: skip
        setattr(vessel, attr, getattr(entry, attr))
    if vessel.ship_type is None and entry.registered_type:
        vessel.ship_type = entry.registered_type
    vessel.category = ship_category(vessel.ship_type)
    vessel.registry_source, vessel.registry_checked_at = source, now
    vessel.save()
    if entry.certificates:
        vessel.certificates.all().delete()
        VesselCertificate.objects.bulk_create(
            [
                VesselCertificate(
                    vessel=vessel,
                    name=c["name"],
                    number=c.get("number") or "",
                    valid_from=dt.date.fromisoformat(c["valid_from"]) if c.get("valid_from") else None,
                    valid_until=dt.date.fromisoformat(c["valid_until"]) if c.get("valid_until") else None,
                )
                for c in entry.certificates
            ]
        )
    return vessel


def do_import_registry(actor: User, upload: Any) -> int:
    """船舶登记信息导入: apply every row to its vessel and keep the file as the demo adapter's source.
    One transaction; audited; a bad row refuses the whole file."""
    if not actor.has_perm("maritime.change_vessel"):
        raise ServiceError("forbidden", "没有导入船舶登记信息的权限")
    entries = parse_registry(upload)
    storage = get_storage()
    with transaction.atomic():
        now = timezone.now()
        for e in entries:
            apply_entry(e, "登记信息导入", now)
        if storage.exists(REGISTRY_FILE):
            storage.delete(REGISTRY_FILE)
        storage.save(REGISTRY_FILE, ContentFile(json.dumps([asdict(e) for e in entries], ensure_ascii=False).encode()))
        audit.record(
            actor, AuditAction.CREATE, None, object_type="maritime.vessel", object_repr="船舶登记信息导入",
            detail={"operation": "registry.import", "rows": len(entries)},
        )  # fmt: skip
    return len(entries)


class ImportedFileRegistry:
    """Demo adapter: the last imported registry file."""

    name = "登记信息文件"

    def lookup(self, mmsis: list[int]) -> dict[int, RegistryEntry]:
        storage = get_storage()
        if not storage.exists(REGISTRY_FILE):
            return {}
        with storage.open(REGISTRY_FILE) as fh:
            rows = json.loads(fh.read().decode())
        wanted = set(mmsis)
        return {r["mmsi"]: RegistryEntry(**r) for r in rows if r["mmsi"] in wanted}


def adapter() -> ImportedFileRegistry:
    path = getattr(settings, "TEIS_MARITIME_REGISTRY_ADAPTER", "teis.maritime.services.registry.ImportedFileRegistry")
    source: ImportedFileRegistry = import_string(path)()  # or any class with the same `name` and `lookup`
    return source


def lookup_missing(now: dt.datetime | None = None, *, limit: int = 50) -> int:
    """Ask the adapter about vessels never looked up whose static data is missing (no name or no type)."""
    now = now or timezone.now()
    from django.db.models import Q

    todo = list(
        Vessel.objects.filter(registry_checked_at__isnull=True)
        .filter(Q(name="") | Q(ship_type__isnull=True) | Q(owner=""))
        .values_list("mmsi", flat=True)[:limit]
    )
    if not todo:
        return 0
    source = adapter()
    found = source.lookup(todo)
    with transaction.atomic():
        for entry in found.values():
            apply_entry(entry, source.name, now)
        Vessel.objects.filter(mmsi__in=[m for m in todo if m not in found]).update(registry_checked_at=now)
    return len(found)
