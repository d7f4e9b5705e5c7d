"""Times rendered into text are in Asia/Shanghai: 2026-12-07 03:05 UTC is 11:05 for the corps."""

import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from openpyxl import load_workbook

from teis.core.timetext import local_naive, local_text

INSTANT = dt.datetime(2026, 12, 7, 3, 5, 9, tzinfo=dt.UTC)
LOCAL = "2026-12-07 11:05"


def test_local_text_and_naive():
    assert local_text(INSTANT) == LOCAL
    assert local_text(INSTANT, "%Y-%m-%d %H:%M:%S") == LOCAL + ":09"
    assert local_text(dt.datetime(2026, 12, 7, 20, 0, tzinfo=dt.UTC), "%Y-%m-%d") == "2026-12-08"
    assert local_text(dt.date(2026, 12, 7)) == "2026-12-07"
    assert local_text(None) == ""
    assert local_naive(INSTANT) == dt.datetime(2026, 12, 7, 11, 5, 9)


@pytest.mark.django_db
def test_clue_summary_title_and_suspect_list_are_local(tree):
    from teis.maritime.models import Checkpoint, Perception
    from teis.maritime.services.clues import clue_from_perception

    cp = Checkpoint.objects.create(code="TZ1", name="吴淞口卡口", unit=tree["squad1"], lon=121.5, lat=31.3)
    p = Perception.objects.create(checkpoint=cp, time=INSTANT, recognised_name="沪船001")
    clue = clue_from_perception(p)
    assert clue.summary.startswith(f"{LOCAL} 于吴淞口卡口发现")
    assert LOCAL in str(clue) and "03:05" not in str(clue)
    assert LOCAL in str(p)
    html = render_to_string("maritime/suspect_list_pdf.html", {"clues": [clue], "now": INSTANT})
    assert LOCAL in html and "03:05" not in html


@pytest.mark.django_db
def test_audit_heading_and_excel_export_are_local(tree):
    from teis.audit.models import AuditRecord
    from teis.core.exports import write_workbook
    from teis.core.registry import registry

    record = AuditRecord(at=INSTANT, action="update", actor_name="张三", object_repr="案件")
    assert str(record).startswith(LOCAL + ":09")
    config = registry.get("audit.auditrecord")

    class Root:
        def has_perm(self, perm):
            return True

    stream = io.BytesIO()
    write_workbook(config, [record], Root(), stream)
    cell = load_workbook(io.BytesIO(stream.getvalue())).active.cell(row=2, column=1).value
    assert str(cell).startswith(LOCAL)


def test_record_titles_are_local():
    from teis.cases.models import ViolationRecord
    from teis.dispatch.models import FixRecord

    assert str(ViolationRecord(station="S1", plate="沪A12345", detected_at=INSTANT)) == f"S1 沪A12345 {LOCAL}"
    assert str(FixRecord(vehicle_id=7, time=INSTANT)) == f"7@{LOCAL}:09"


@pytest.mark.django_db
def test_a_pdf_through_the_renderer_shows_local_times(tree, tmp_path):
    """Not only the template: the PDF WeasyPrint writes carries 11:05, read back with poppler's pdftotext."""
    import subprocess

    from teis.core.pdf import render_pdf
    from teis.maritime.models import Checkpoint, Perception
    from teis.maritime.services.clues import clue_from_perception

    cp = Checkpoint.objects.create(code="TZ2", name="外高桥卡口", unit=tree["squad1"], lon=121.6, lat=31.35)
    clue = clue_from_perception(Perception.objects.create(checkpoint=cp, time=INSTANT, recognised_name="沪船002"))
    pdf = tmp_path / "suspects.pdf"
    pdf.write_bytes(render_pdf("maritime/suspect_list_pdf.html", {"clues": [clue], "now": INSTANT}))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert LOCAL in text and "03:05" not in text
