"""Demo data of the evidence centre, run by `manage.py seed_demo`: retention rules, the device registry
(body cameras, a collection workstation, a storage server, the 19 vehicle evidence terminals) and a few
evidence items of the demo officer (a photo and, when ffmpeg is present, a short H.264 video), one linked to
a case. Idempotent (devices by serial, items by SM3)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path


def _video_bytes() -> bytes | None:
    if shutil.which("ffmpeg") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.mp4"
        args = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25:duration=8"]
        args += ["-f", "lavfi", "-i", "sine=frequency=660:duration=8", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
        args += ["-c:a", "aac", "-shortest", "-movflags", "+faststart", str(path)]
        if subprocess.run(args, capture_output=True, timeout=60, check=False).returncode != 0:  # noqa: S603
            return None
        return path.read_bytes()


def _photo_bytes() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (960, 640), (40, 90, 140))
    draw = ImageDraw.Draw(img)
    for i in range(0, 960, 80):
        draw.rectangle((i, 420, i + 60, 500), fill=(230, 230, 230))
    draw.text((40, 40), "TEIS DEMO 2025-05-01 10:21", fill=(255, 255, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def load_demo() -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from teis.core.crypto import sm3_hex
    from teis.core.services import ServiceError
    from teis.org.models import Unit

    from ..models import Device, EvidenceItem, RetentionPolicy
    from ..services.ingest import ingest_bytes

    counts: dict[str, int] = {}
    officer = get_user_model().objects.filter(username="officer").select_related("officer__unit").first()
    if officer is None or not hasattr(officer, "officer"):
        return counts
    unit = officer.officer.unit
    corps = Unit.objects.filter(parent__isnull=True).order_by("pk").first() or unit
    policies = [
        ("视频（默认）", "video", "", 180, 5),
        ("照片（默认）", "photo", "", 365, 5),
        ("执法记录仪视频", "video", "body_camera", 90, 5),
        ("文档（默认）", "document", "", 365, 10),
    ]
    with transaction.atomic():
        for name, category, source, days, years in policies:
            _, made = RetentionPolicy.objects.get_or_create(
                name=name,
                defaults={
                    "category": category,
                    "source": source,
                    "unlinked_days": days,
                    "linked_years_after_archive": years,
                },
            )
            counts["保存规则"] = counts.get("保存规则", 0) + int(made)
        devices = [
            ("body_camera", "BC-2025-0001", "DSJ-V7", unit, officer, ""),
            ("body_camera", "BC-2025-0002", "DSJ-V7", unit, None, ""),
            ("collection_station", "WS-PD-01", "采集站 X8", unit, None, "第一中队值班室"),
            ("storage_server", "SS-CORPS-01", "存储服务器 96TB", corps, None, "总队机房"),
        ] + [("vehicle_camera_set", f"VC-{n:02d}", "车载取证终端", unit, None, f"执法车 {n:02d}") for n in range(1, 20)]
        for kind, serial, model, dunit, assigned, place in devices:
            _, made = Device.objects.get_or_create(
                serial=serial,
                defaults={
                    "kind": kind,
                    "model_name": model,
                    "unit": dunit,
                    "assigned_to": assigned,
                    "place": place,
                    "capacity_gb": 98304
                    if kind == "storage_server"
                    else (2000 if kind == "collection_station" else None),
                },
            )
            counts["取证设备"] = counts.get("取证设备", 0) + int(made)
    case = None
    try:
        from teis.cases.models import EnforcementCase

        case = EnforcementCase.objects.filter(handler=officer).order_by("pk").first()
    except Exception:  # noqa: BLE001 - the cases app may have no demo cases yet
        case = None
    samples = [("现场照片.jpg", _photo_bytes(), "photo", "现场照片：车辆停放位置")]
    video = _video_bytes()
    if video:
        samples.append(("执法记录仪_20250501_1021.mp4", video, "video", "执法全过程记录"))
    for filename, data, category, title in samples:
        if EvidenceItem.objects.filter(sm3=sm3_hex(data)).exists():
            continue
        try:
            ingest_bytes(
                officer,
                io.BytesIO(data),
                filename=filename,
                category=category,
                case=case,
                source="body_camera" if category == "video" else "phone",
                description=title,
                metadata={
                    "title": title,
                    "device_serial": "BC-2025-0001" if category == "video" else "",
                    "place": "浦东新区世纪大道",
                    "lon": 121.5273,
                    "lat": 31.2297,
                },
            )
            counts["证据"] = counts.get("证据", 0) + 1
        except ServiceError:
            continue
    return {k: v for k, v in counts.items() if v}
