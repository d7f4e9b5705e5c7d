"""卡口 perceptions: intake from front-end devices, OCR of the ship name, fusion with the nearest AIS track, and the
alerts and clues they raise (spec §2.6.2.6, §2.7.3)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import crypto
from teis.core.geo import haversine_m
from teis.core.services import ServiceError
from teis.core.storage import get_storage

from ..choices import AlertKind
from ..models import Alert, Checkpoint, MaritimeSettings, Perception, Vessel, VesselPosition
from .risk import flag_records

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile

logger = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 20 * 1024 * 1024
VIOLATION_FLAGS = {"cargo_uncovered": "货物未苫盖", "no_life_jacket": "船员未穿救生衣", "overload": "疑似超载"}
_ocr_lock = threading.Lock()


# --- OCR -------------------------------------------------------------------------------------------------------


@functools.cache
def _ocr_engine() -> Any:
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def read_ship_name(image_bytes: bytes) -> str:
    """The most confident text line of a close-up (ship names are painted large on the bow), or ""."""
    if not image_bytes:
        return ""
    try:
        with _ocr_lock:  # the engine is loaded once and is not documented as thread-safe
            result, _ = _ocr_engine()(image_bytes)
    except Exception:
        logger.warning("OCR of a close-up failed", exc_info=True)
        return ""
    best = ""
    best_score = 0.0
    for _box, text, score in result or []:
        text = "".join(ch for ch in str(text) if not ch.isspace())
        if len(text) >= 2 and float(score) * len(text) > best_score:
            best, best_score = text, float(score) * len(text)
    return best[:60]


# --- fusion ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FusionResult:
    vessel_id: int | None
    confidence: float
    distance_m: float | None
    dt_s: float | None


def fuse(checkpoint: Checkpoint, when: dt.datetime, *, name: str = "", mmsi: int | None = None) -> FusionResult:
    """The AIS track nearest in time and space to the sighting: fixes within the fusion window and radius of the
    checkpoint; confidence = exp(−d/R) · exp(−|Δt|/W), raised when the recognised name or MMSI matches."""
    cfg = MaritimeSettings.current()
    window = dt.timedelta(seconds=cfg.fusion_window_s)
    radius = float(cfg.fusion_radius_m)
    dlat = radius / 111_320.0
    dlon = radius / (111_320.0 * max(0.1, math.cos(math.radians(checkpoint.lat))))
    rows = VesselPosition.objects.filter(
        time__gte=when - window,
        time__lte=when + window,
        lon__gte=checkpoint.lon - dlon,
        lon__lte=checkpoint.lon + dlon,
        lat__gte=checkpoint.lat - dlat,
        lat__lte=checkpoint.lat + dlat,
    ).values_list("vessel_id", "time", "lon", "lat")[:20000]
    best: dict[int, tuple[float, float, float]] = {}
    for vessel_id, t, lon, lat in rows:
        d = haversine_m(checkpoint.lon, checkpoint.lat, lon, lat)
        if d > radius:
            continue
        ds = abs((t - when).total_seconds())
        score = math.exp(-d / radius) * math.exp(-ds / cfg.fusion_window_s)
        if vessel_id not in best or score > best[vessel_id][0]:
            best[vessel_id] = (score, d, ds)
    if not best:
        return FusionResult(None, 0.0, None, None)
    names = dict(Vessel.objects.filter(pk__in=best).values_list("pk", "name"))
    mmsis = dict(Vessel.objects.filter(pk__in=best).values_list("pk", "mmsi"))
    scored = []
    norm = _norm(name)
    for vessel_id, (score, d, ds) in best.items():
        if mmsi and mmsis.get(vessel_id) == mmsi:
            score = min(1.0, score + 0.5)
        if norm and _norm(names.get(vessel_id, "")) == norm:
            score = min(1.0, score + 0.4)
        scored.append((score, vessel_id, d, ds))
    score, vessel_id, d, ds = max(scored)
    return FusionResult(vessel_id, round(score, 3), round(d, 1), round(ds, 1))


def _norm(name: str) -> str:
    return "".join(ch for ch in (name or "").upper() if ch.isalnum())


# --- intake ----------------------------------------------------------------------------------------------------


def _image(upload: UploadedFile | None, field: str, errors: dict[str, Any]) -> bytes | None:
    if upload is None:
        return None
    data: bytes = upload.read()
    import filetype

    kind = filetype.guess(data)
    if not data or kind is None or not kind.mime.startswith("image/"):
        errors[field] = ["不是有效的图片（JPEG/PNG）"]
        return None
    if len(data) > MAX_IMAGE_BYTES:
        errors[field] = ["图片超过 20 MB"]
        return None
    return data


def do_receive_perception(
    actor: User,
    data: dict[str, Any],
    full_image: UploadedFile | None = None,
    closeup_image: UploadedFile | None = None,
) -> Perception:
    """One detection from a checkpoint device: stored with its images (SM3), the ship name read by OCR when the
    device sent none, fused with AIS, alerts raised (no AIS, key or high-risk vessel), and a clue made when the
    AI flags a violation or the ship sails without AIS. One transaction; audited; files removed on failure."""
    if not actor.has_perm("maritime.add_perception"):
        raise ServiceError("forbidden", "没有上报卡口感知数据的权限")
    if not isinstance(data, dict):
        raise ServiceError("invalid", "感知数据格式错误")
    errors: dict[str, list[str]] = {}
    checkpoint = Checkpoint.objects.for_user(actor).filter(code=str(data.get("checkpoint") or "").strip()).first()
    if checkpoint is None:
        errors["checkpoint"] = ["卡口编号不存在或不在数据权限范围内"]
    when = data.get("time")
    if isinstance(when, str):
        try:
            when = parse_datetime(when)
        except ValueError:
            when = None
    if not isinstance(when, dt.datetime):
        errors["time"] = ["抓拍时间格式应为 ISO 8601，如 2026-03-02T08:00:00+08:00"]
    elif timezone.is_naive(when):
        when = timezone.make_aware(when)
    mmsi: Any = data.get("mmsi")
    if mmsi not in (None, ""):
        try:
            mmsi = int(mmsi)
            if not 0 < mmsi <= 999_999_999:
                raise ValueError
        except (TypeError, ValueError):
            errors["mmsi"] = ["MMSI 应为 1–999999999 的整数"]
    else:
        mmsi = None
    flags = data.get("ai_flags") or {}
    if isinstance(flags, str):
        import json

        try:
            flags = json.loads(flags)
        except ValueError:
            flags = None
    if not isinstance(flags, dict):
        errors["ai_flags"] = ['AI识别标记应为对象，如 {"cargo_uncovered": true}']
    full = _image(full_image, "full_image", errors)
    close = _image(closeup_image, "closeup_image", errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError("invalid", f"感知数据有误：{first}", errors)
    assert checkpoint is not None and isinstance(when, dt.datetime)  # both checked above
    name = str(data.get("ship_name") or "").strip()[:60]
    ocr_name = "" if name or close is None else read_ship_name(close)
    storage = get_storage()
    saved: list[str] = []
    try:
        with transaction.atomic():
            p = Perception(
                checkpoint=checkpoint,
                time=when,
                recognised_name=name,
                ocr_name=ocr_name,
                ai_flags=flags,
                ship_type_text=str(data.get("ship_type") or "")[:30],
                reported_mmsi=mmsi,
                created_by=actor,
            )
            for attr, content in (("full_image", full), ("closeup_image", close)):
                if content is None:
                    continue
                from django.core.files.base import ContentFile

                key = storage.save(
                    f"maritime/perceptions/{when:%Y/%m/%d}/{checkpoint.code}-{attr}.jpg", ContentFile(content)
                )
                saved.append(key)
                setattr(p, attr, key)
                setattr(p, f"{attr}_sm3", crypto.sm3_hex(content))
            fusion = fuse(checkpoint, when, name=name or ocr_name, mmsi=mmsi)
            p.vessel_id, p.confidence = fusion.vessel_id, fusion.confidence
            p.fusion_distance_m, p.fusion_dt_s = fusion.distance_m, fusion.dt_s
            p.save()
            audit.record(
                actor, AuditAction.CREATE, p, detail={"operation": "perception.receive", "fusion": fusion.confidence}
            )
            _perception_alerts(p, checkpoint)
            from .clues import clue_from_perception

            clue_from_perception(p)
    except BaseException:
        for key in saved:
            try:
                storage.delete(key)
            except Exception:  # pragma: no cover - best effort
                logger.warning("could not remove %s", key)
        raise
    return p


def _perception_alerts(p: Perception, checkpoint: Checkpoint) -> None:
    label = p.recognised_name or p.ocr_name or "未识别船名"
    alerts: list[tuple[str, Vessel | None, str]] = []
    if p.vessel_id is None:
        alerts.append((AlertKind.NO_AIS_SIGHTING, None, f"卡口“{checkpoint.name}”发现船舶“{label}”，附近无匹配AIS信号"))
    else:
        v = Vessel.objects.get(pk=p.vessel_id)
        if v.is_key:
            alerts.append((AlertKind.KEY_VESSEL_CHECKPOINT, v, f"重点船舶 {v} 进入卡口“{checkpoint.name}”区域"))
        if v.high_risk:
            alerts.append((AlertKind.HIGH_RISK, v, f"高风险船舶 {v} 经过卡口“{checkpoint.name}”"))
    for kind, vessel, message in alerts:
        alert = Alert(
            kind=kind,
            vessel=vessel,
            unit_id=checkpoint.unit_id,
            checkpoint=checkpoint,
            time=p.time,
            lon=checkpoint.lon,
            lat=checkpoint.lat,
            message=message[:300],
            repeat_offender=bool(vessel and vessel.repeat_offender),
        )
        flag_records([alert])
        alert.save()
