"""Media processing with ffmpeg / ffprobe (Debian packages): duration and codec, an H.264/AAC MP4 proxy for
video browsers cannot play, a poster JPEG; EXIF GPS of photos. Runs as a Huey job after ingest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import Any

from django.utils import timezone

from ..choices import EvidenceCategory, ProxyStatus
from ..models import EvidenceItem
from . import blobs

# What <video> plays in Chromium / Firefox / Edge without plug-ins.
PLAYABLE_VIDEO = {"h264", "vp8", "vp9", "av1"}
PLAYABLE_CONTAINERS = ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")
PLAYABLE_AUDIO = {"aac", "mp3", "opus", "vorbis", "flac", "pcm_s16le", "pcm_u8"}
TIMEOUT = 6 * 3600
# Untrusted input: only plain local files and real media demuxers (no playlists, concat or network
# protocols that could make ffmpeg read other files).
SAFE_INPUT = [
    "-protocol_whitelist",
    "file",
    "-format_whitelist",
    "mov,mp4,m4a,3gp,3g2,mj2,avi,matroska,webm,mpeg,mpegts,flv,asf,wav,mp3,aac,ogg,flac,amr,aiff,image2,mjpeg,h264,hevc",
]


def probe(path: str) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        ["ffprobe", "-v", "error", *SAFE_INPUT, "-print_format", "json", "-show_format", "-show_streams", path],  # noqa: S607
        capture_output=True,
        timeout=300,
        check=False,
    )
    if out.returncode != 0:
        return {}
    probe: dict[str, Any] = json.loads(out.stdout or b"{}")
    return probe


def needs_proxy(info: dict[str, Any], category: str) -> bool:
    streams = info.get("streams") or []
    fmt = (info.get("format") or {}).get("format_name", "")
    video = [s for s in streams if s.get("codec_type") == "video" and s.get("disposition", {}).get("attached_pic") != 1]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if category == EvidenceCategory.VIDEO:
        if not video:
            return False
        if fmt not in PLAYABLE_CONTAINERS:
            return True
        return video[0].get("codec_name") not in PLAYABLE_VIDEO or any(
            a.get("codec_name") not in PLAYABLE_AUDIO for a in audio
        )
    if category == EvidenceCategory.AUDIO:
        return bool(audio) and audio[0].get("codec_name") not in PLAYABLE_AUDIO
    return False


def _run(args: list[str]) -> bool:
    return subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False).returncode == 0  # noqa: S603


def process(item: EvidenceItem) -> EvidenceItem:
    """Fill duration / codec, make the proxy and poster. Idempotent; a failure marks the proxy failed."""
    if item.category not in (EvidenceCategory.VIDEO, EvidenceCategory.AUDIO, EvidenceCategory.PHOTO):
        return item
    if shutil.which("ffprobe") is None:
        EvidenceItem.objects.filter(pk=item.pk).update(proxy_status=ProxyStatus.FAILED)
        return item
    ext = os.path.splitext(item.original_name)[1]
    local, temporary = blobs.copy_to_local(item.storage_name, ext)
    workdir = tempfile.mkdtemp(prefix="teis-media-")
    updates: dict[str, Any] = {}
    try:
        if item.category == EvidenceCategory.PHOTO:
            updates.update(_photo_gps(local, item))
            updates["proxy_status"] = ProxyStatus.NONE
        else:
            info = probe(local)
            duration = (info.get("format") or {}).get("duration")
            if duration:
                updates["duration_seconds"] = round(float(duration), 3)
            video = [s for s in info.get("streams") or [] if s.get("codec_type") == "video"]
            if video:
                updates["video_codec"] = video[0].get("codec_name", "")[:40]
                poster = os.path.join(workdir, "poster.jpg")
                seek = "1" if duration and float(duration) > 2 else "0"
                if _run(
                    [
                        "ffmpeg",
                        "-v",
                        "error",
                        "-y",
                        "-ss",
                        seek,
                        *SAFE_INPUT,
                        "-i",
                        local,
                        "-frames:v",
                        "1",
                        "-vf",
                        "scale=640:-2",
                        poster,
                    ]
                ):
                    updates["poster_name"] = blobs.store_derived(poster, blobs.storage_name("poster", ".jpg"))
            if info and needs_proxy(info, item.category):
                if item.category == EvidenceCategory.VIDEO:
                    proxy, ext_out = os.path.join(workdir, "proxy.mp4"), ".mp4"
                    args = [
                        "ffmpeg",
                        "-v",
                        "error",
                        "-y",
                        *SAFE_INPUT,
                        "-i",
                        local,
                        "-map",
                        "0:v:0",
                        "-map",
                        "0:a:0?",
                        "-c:v",
                        "libx264",
                    ]
                    args += ["-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k"]
                    args += ["-movflags", "+faststart", proxy]
                else:
                    proxy, ext_out = os.path.join(workdir, "proxy.m4a"), ".m4a"
                    args = [
                        "ffmpeg",
                        "-v",
                        "error",
                        "-y",
                        *SAFE_INPUT,
                        "-i",
                        local,
                        "-vn",
                        "-c:a",
                        "aac",
                        "-b:a",
                        "128k",
                        proxy,
                    ]
                if _run(args):
                    updates["proxy_name"] = blobs.store_derived(proxy, blobs.storage_name("proxy", ext_out))
                    updates["proxy_status"] = ProxyStatus.READY
                else:
                    updates["proxy_status"] = ProxyStatus.FAILED
            else:
                updates["proxy_status"] = ProxyStatus.NONE if info else ProxyStatus.FAILED
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if temporary and os.path.exists(local):
            os.unlink(local)
    updates["updated_at"] = timezone.now()
    EvidenceItem.objects.filter(pk=item.pk).update(**updates)
    item.refresh_from_db()
    return item


def _ratio(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return float(num / den)


def _photo_gps(path: str, item: EvidenceItem) -> dict[str, Any]:
    """Longitude / latitude from a photo's EXIF GPS block, when the item has none yet."""
    if item.lon is not None:
        return {}
    try:
        from PIL import Image

        with Image.open(path) as img:
            gps = img.getexif().get_ifd(0x8825)
        if not gps or 2 not in gps or 4 not in gps:
            return {}
        lat = sum(_ratio(v) / 60**i for i, v in enumerate(gps[2]))
        lon = sum(_ratio(v) / 60**i for i, v in enumerate(gps[4]))
        if gps.get(1) == "S":
            lat = -lat
        if gps.get(3) == "W":
            lon = -lon
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            return {"lon": round(lon, 7), "lat": round(lat, 7)}
    except Exception:  # noqa: BLE001 - a photo without readable EXIF simply has no position
        return {}
    return {}
