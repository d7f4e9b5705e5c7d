"""Evidence in a real browser: chunked upload of an MPEG-4 part 2 AVI (a codec browsers cannot play), the H.264
proxy made by ffmpeg, playback in video.js and seeking (served by HTTP Range requests)."""

import os
import re
import subprocess

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    from teis.core.storage import _storage_for

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TEIS_EVIDENCE_UPLOAD_DIR = str(tmp_path / "uploads")
    settings.STORAGE_URL = ""
    _storage_for.cache_clear()
    yield tmp_path
    _storage_for.cache_clear()
    for root, _dirs, files in os.walk(tmp_path):
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def test_upload_avi_gets_proxy_and_player_seeks(page, make_user, shots, media):
    from teis.evidence.models import EvidenceItem

    clip = media / "执法记录仪.avi"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=15:duration=6",
            "-c:v",
            "mpeg4",
            "-q:v",
            "5",
            str(clip),
        ],
        check=True,
    )
    make_user("field_officer", "squad1", username="luxiang")
    page.goto("/login/")
    page.fill("#id_username", "luxiang")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.click("#side-menu >> text=上传证据")
    page.wait_for_url(re.compile(r"/evidence/upload/"))
    page.set_input_files("#files", str(clip))
    page.fill("#place", "浦东新区世纪大道")
    page.click("#start")
    done = page.locator(".upload-row .status a")
    done.wait_for(timeout=60_000)
    assert "已入库" in done.inner_text()
    page.screenshot(path=f"{shots}/evidence_upload.png", full_page=True)

    item = EvidenceItem.objects.get()
    assert item.proxy_status == "ready" and item.video_codec == "mpeg4"
    done.click()
    page.wait_for_url(re.compile(rf"/evidence/evidenceitem/{item.pk}/"))
    page.wait_for_function(
        "() => document.querySelector('video') && document.querySelector('video').readyState >= 1", timeout=20_000
    )
    duration = page.evaluate("() => document.querySelector('video').duration")
    assert 5.5 <= duration <= 6.5
    position = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const v = document.querySelector('video');
            v.muted = true;
            v.addEventListener('seeked', () => resolve(v.currentTime), {once: true});
            setTimeout(() => reject(new Error('seek timeout')), 15000);
            v.currentTime = 4.0;
        })"""
    )
    assert abs(position - 4.0) < 0.5
    page.wait_for_function("() => document.querySelector('video').readyState >= 2", timeout=15_000)
    page.screenshot(path=f"{shots}/evidence_player.png", full_page=True)
    assert "H.264 播放副本" in page.content()
    # the player speaks Chinese (vendored video.js lang/zh-CN.js)
    assert page.get_attribute(".vjs-play-control", "title") in ("播放", "暂停")
    assert page.get_attribute(".vjs-fullscreen-control", "title") == "全屏"
