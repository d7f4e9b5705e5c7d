"""What the live map shows: vessels changed since a sequence number, new alerts, and the Channels push.

The pipeline stamps every vessel it touches with the batch's `live_seq` (from `core.codes`), so a page that
remembers the last sequence it saw asks only for what changed (`delta(since)`), whatever process did the ingest.
With a shared channel layer (REDIS_URL) the same delta is pushed to group `maritime-live` after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Max

from teis.core.telemetry import live as live_push

from ..choices import ShipCategory, ship_category, ship_type_text
from ..models import AidToNavigation, Alert, BaseStation, Vessel

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LIVE_GROUP = "maritime-live"
VESSEL_FIELDS = (
    "id", "mmsi", "name", "call_sign", "category", "ship_type", "last_time", "last_lon", "last_lat", "last_sog",
    "last_cog", "last_heading", "destination", "eta", "dangerous_goods", "high_risk", "is_key", "motion_state",
    "live_seq",
)  # fmt: skip
CATEGORY_LABELS = dict(ShipCategory.choices)


def vessel_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "mmsi": row["mmsi"],
        "name": row["name"] or "",
        "call_sign": row["call_sign"] or "",
        "category": row["category"],
        "category_label": CATEGORY_LABELS.get(row["category"], "其他"),
        "ship_type": row["ship_type"],
        "ship_type_label": ship_type_text(row["ship_type"]),
        "time": row["last_time"].isoformat() if row["last_time"] else None,
        "lon": row["last_lon"],
        "lat": row["last_lat"],
        "sog": row["last_sog"],
        "cog": row["last_cog"],
        "heading": row["last_heading"],
        "destination": row["destination"] or "",
        "eta": row["eta"].isoformat() if row["eta"] else None,
        "dangerous_goods": row["dangerous_goods"],
        "high_risk": row["high_risk"],
        "is_key": row["is_key"],
        "motion_state": row["motion_state"],
    }


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "kind_label": alert.get_kind_display(),
        "message": alert.message,
        "time": alert.time.isoformat(),
        "lon": alert.lon,
        "lat": alert.lat,
        "vessel_id": alert.vessel_id,
        "repeat_offender": alert.repeat_offender,
        "attention": alert.attention,
        "status": alert.status,
    }


def current_seq() -> int:
    return Vessel.objects.aggregate(m=Max("live_seq"))["m"] or 0


def delta(user: User, since: int = 0, since_alert: int = 0, limit: int = 5000) -> dict[str, Any]:
    """Vessels with a position changed after `since` and the user's alerts with id > `since_alert`."""
    qs = Vessel.objects.for_user(user).filter(live_seq__gt=since, last_time__isnull=False).order_by("live_seq")
    rows = list(qs.values(*VESSEL_FIELDS)[:limit])
    seq = rows[-1]["live_seq"] if rows else since
    alerts = (
        list(Alert.objects.for_user(user).filter(pk__gt=since_alert).order_by("pk")[:200]) if since_alert >= 0 else []
    )
    return {
        "seq": seq,
        "vessels": [vessel_payload(r) for r in rows],
        "alerts": [alert_payload(a) for a in alerts],
        "alert_seq": alerts[-1].pk if alerts else since_alert,
    }


def aid_payload(aid: AidToNavigation) -> dict[str, Any]:
    return {
        "id": aid.pk,
        "mmsi": aid.mmsi,
        "name": aid.name,
        "aid_type": aid.aid_type,
        "category": aid.category,
        "type_label": aid.type_label,
        "lon": aid.lon,
        "lat": aid.lat,
        "virtual": aid.virtual,
        "off_position": aid.off_position,
        "time": aid.last_time.isoformat() if aid.last_time else None,
    }


def station_payload(station: BaseStation) -> dict[str, Any]:
    return {
        "id": station.pk,
        "mmsi": station.mmsi,
        "name": station.name,
        "lon": station.lon,
        "lat": station.lat,
        "coverage_km": station.coverage_km,
        "time": station.last_time.isoformat() if station.last_time else None,
    }


def beacons(user: User) -> dict[str, Any]:
    """The map's fixed layers: aids to navigation (航标) and base stations (基站) that have a position."""
    aids = AidToNavigation.objects.for_user(user).filter(lon__isnull=False, lat__isnull=False).order_by("mmsi")
    stations = BaseStation.objects.for_user(user).filter(lon__isnull=False, lat__isnull=False).order_by("mmsi")
    return {
        "aids": [aid_payload(a) for a in aids[:5000]],
        "base_stations": [station_payload(s) for s in stations[:500]],
    }


def has_listeners() -> bool:
    """False when nobody can receive a push (`teis.core.telemetry.live.has_listeners`)."""
    return live_push.has_listeners(LIVE_GROUP)


def push_delta(seq: int, live_rows: list[tuple[Any, ...]], alert_ids: list[int]) -> None:
    """Push the vessels of one ingest batch (state dicts and latest records held by the pipeline) and its alerts,
    with the batch's cursor `seq` (the core telemetry push)."""

    vessels = [
        {
            "id": v["id"],
            "mmsi": v["mmsi"],
            "name": v.get("name") or "",
            "call_sign": v.get("call_sign") or "",
            "category": ship_category(v.get("ship_type")),
            "category_label": CATEGORY_LABELS.get(ship_category(v.get("ship_type")), "其他"),
            "ship_type": v.get("ship_type"),
            "ship_type_label": ship_type_text(v.get("ship_type")),
            "time": r.time.isoformat(),
            "lon": r.lon,
            "lat": r.lat,
            "sog": r.sog_kn,
            "cog": r.cog_deg,
            "heading": r.heading_deg,
            "destination": v.get("destination") or "",
            "eta": v["eta"].isoformat() if v.get("eta") else None,
            "dangerous_goods": v["dangerous_goods"],
            "high_risk": v["high_risk"],
            "is_key": v["is_key"],
        }
        for v, r in live_rows
    ]
    alerts = [alert_payload(a) for a in Alert.objects.filter(pk__in=alert_ids)] if alert_ids else []
    live_push.push(LIVE_GROUP, {"type": "live.delta", "seq": seq, "vessels": vessels, "alerts": alerts})
