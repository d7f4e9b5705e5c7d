"""Share links: expiry, access level, watermark, audit of every access, disclosure receipt."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.evidence.services import sharing

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal(make_user):
    return make_user("legal_reviewer", "corps", username="ev_legal")


def test_share_flow_watermark_audit_and_receipt(legal, ingest_photo, client_for, tmp_path):
    item = ingest_photo(1, actor=legal)
    share, token = sharing.do_create_share(
        legal,
        item_ids=[item.pk],
        recipient="某区人民法院",
        recipient_kind="court",
        expires_at=timezone.now() + timedelta(days=7),
        purpose="行政诉讼",
    )
    anon = Client()
    page = anon.get(f"/evidence/s/{token}/")
    assert page.status_code == 200 and "某区人民法院" in page.content.decode() and "wm-overlay" in page.content.decode()
    img = anon.get(f"/evidence/s/{token}/{item.pk}/image/")
    assert img.status_code == 200 and img["Content-Type"] == "image/jpeg"
    from PIL import Image

    watermarked = Image.open(io.BytesIO(img.content)).convert("RGB")
    from teis.evidence.services import blobs

    original = Image.open(io.BytesIO(b"".join(blobs.iter_range(item.storage_name, 0, item.size)))).convert("RGB")
    assert watermarked.size == original.size and list(watermarked.getdata()) != list(original.getdata())
    assert anon.get(f"/evidence/s/{token}/{item.pk}/download/").status_code == 404  # view-only share
    ops = set(AuditRecord.objects.filter(detail__share_id=share.pk).values_list("detail__operation", flat=True))
    assert "evidence.share_view" in ops
    resp = client_for(legal).get(f"/evidence/shares/{share.pk}/receipt.pdf")
    assert resp.status_code == 200
    path = tmp_path / "r.pdf"
    path.write_bytes(resp.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "证据披露回执" in text and "某区人民法院" in text and item.sm3[:16] in "".join(text.split())


def test_expired_revoked_and_refusals(legal, officer, ingest_photo):
    item = ingest_photo(2, actor=legal)
    with pytest.raises(ServiceError):
        sharing.do_create_share(
            officer,
            item_ids=[item.pk],
            recipient="x",
            recipient_kind="court",
            expires_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(ServiceError) as err:
        sharing.do_create_share(
            legal,
            item_ids=[item.pk],
            recipient="x",
            recipient_kind="court",
            expires_at=timezone.now() - timedelta(days=1),
        )
    assert "expires_at" in err.value.fields
    share, token = sharing.do_create_share(
        legal,
        item_ids=[item.pk],
        recipient="检察院",
        recipient_kind="prosecutor",
        expires_at=timezone.now() + timedelta(days=1),
        access="download",
    )
    anon = Client()
    dl = anon.get(f"/evidence/s/{token}/{item.pk}/download/")
    assert dl.status_code == 200
    sharing.do_revoke_share(legal, share)
    assert anon.get(f"/evidence/s/{token}/").status_code == 404
    assert anon.get("/evidence/s/not-a-token/").status_code == 404
