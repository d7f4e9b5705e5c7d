"""Chain of custody PDF and integrity verification."""

from __future__ import annotations

import os
import subprocess

import pytest

from teis.core.models import Notification
from teis.evidence.models import IntegrityCheck
from teis.evidence.services import integrity

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_custody_pdf_lists_accesses_and_fresh_verification(
    officer, make_user, client_for, ingest_photo, case, tmp_path
):
    item = ingest_photo(1)
    leader = make_user("brigade_leader", "brigade1", username="ev_leader", name="王队长")
    client_for(officer).get(f"/evidence/evidenceitem/{item.pk}/")
    client_for(leader).get(f"/evidence/items/{item.pk}/stream/original/")
    client_for(officer).get(f"/evidence/items/{item.pk}/download/")
    client_for(officer).post(
        f"/evidence/evidenceitem/{item.pk}/",
        {"_action": "link", "link-case": case.pk, "link-description": "现场照片"},
    )
    resp = client_for(officer).get(f"/evidence/items/{item.pk}/custody.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    text = _text(resp.content, tmp_path)
    squashed = "".join(text.split())
    assert "证据保管链报告" in text and item.sm3[:16] in squashed
    for label in ("入库", "查看", "预览", "下载原件", "关联案件", "完整性校验"):
        assert label in squashed, label
    assert "王队长" in squashed and "一致" in squashed
    assert IntegrityCheck.objects.filter(item=item, result="ok").exists()


def test_integrity_mismatch_raises_alarm(officer, admin, ingest_photo, settings):
    item = ingest_photo(2)
    path = os.path.join(settings.MEDIA_ROOT, item.storage_name)
    os.chmod(path, 0o644)
    with open(path, "ab") as fh:
        fh.write(b"tampered")
    check = integrity.verify_item(item)
    assert check.result == "mismatch"
    assert Notification.objects.filter(user=admin, level="alarm", title__contains="完整性").exists()
    os.unlink(path)
    assert integrity.verify_sample(10)["missing"] == 1
    result = integrity.verify_sample(all_items=True)
    assert result["checked"] == 1
