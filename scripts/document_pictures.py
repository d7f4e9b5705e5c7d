"""Render the specimen of every catalogue format to PDF and its first page to a low-resolution PNG in
docs/documents/ (`pdftoppm -r 50`), so a reader sees the 46 formats: `python scripts/document_pictures.py`."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teis.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from teis.documents.catalogue import SPECS  # noqa: E402
from teis.documents.codes import new_verify_code  # noqa: E402
from teis.documents.layouts import initial_source  # noqa: E402
from teis.documents.models import DocumentTemplate, DocumentType, UnitSeal  # noqa: E402
from teis.documents.services.issuing import document_context, render_pdf_bytes  # noqa: E402
from teis.documents.services.seals import seal_svg  # noqa: E402
from teis.documents.specimen import specimen_facts  # noqa: E402


def specimen_pdf(spec) -> bytes:
    doc_type = DocumentType(code=spec.code, name=spec.name, copy_labels=list(spec.copies))
    seal = UnitSeal(image_svg=seal_svg("上海市交通委员会执法总队"))
    ctx = document_context(
        doc_type,
        specimen_facts(),
        number=f"浦东一中交执{spec.abbr}〔2026〕00012号",
        verify_code=new_verify_code(),
        issued_at=timezone.now(),
        seal=seal,
    )
    pdf, _ = render_pdf_bytes(DocumentTemplate(source=initial_source(spec)), ctx)
    return pdf


def main(out: str = "docs/documents") -> None:
    Path(out).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for i, spec in enumerate(SPECS, start=1):
            pdf = Path(tmp) / f"{spec.code}.pdf"
            pdf.write_bytes(specimen_pdf(spec))
            target = Path(out) / f"{i:02d}-{spec.code}"
            command = ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)]
            subprocess.run(command, check=True)  # noqa: S603, S607 (poppler-utils, fixed arguments)
            print(f"{target}.png  {spec.name}")


if __name__ == "__main__":
    main(*sys.argv[1:])
