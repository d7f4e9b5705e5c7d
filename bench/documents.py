"""Enforcement documents: PDFs rendered per second and signed per second, and a 60-page 电子卷宗 assembled,
against WeasyPrint rendering the same HTML bare.

`python -m bench documents [--quick]` (one process, one core; no database — the specimen case record of
`teis.documents.specimen`, the catalogue's templates):
- rendered/s: the issuing pipeline's rendering of the 行政处罚决定书 and 违法行为通知书 (2 联) alternately —
  context with the two QR codes and the seal, template rendering, layout, PDF bytes;
- baseline: `weasyprint.HTML(string=html).write_pdf()` of the very same HTML strings (rendered once beforehand);
  ratio = pipeline / baseline (the issue asks ≥ 0.8);
- signed/s: SM3 digest of the PDF bytes plus the SM2 signature of the digest (`teis.core.crypto`), with the
  private key decrypted from its SM4 token each time, as `services.seals.sign_digest` does;
- casefile_s: time to lay out a 60-page case file — cover, 卷内目录, documents of the catalogue with 案卷页码
  until 60 pages, the pages combined into one PDF, SM3 and signature (as `services.casefile.build`).
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teis.settings")
    import django

    django.setup()


def _contexts(codes):
    from django.utils import timezone

    from teis.documents.catalogue import BY_CODE
    from teis.documents.codes import new_verify_code
    from teis.documents.layouts import initial_source
    from teis.documents.models import DocumentTemplate, DocumentType, UnitSeal
    from teis.documents.services.issuing import document_context
    from teis.documents.services.seals import seal_svg
    from teis.documents.specimen import specimen_facts

    seal = UnitSeal(image_svg=seal_svg("上海市交通委员会执法总队"))
    facts = specimen_facts()
    out = []
    for code in codes:
        spec = BY_CODE[code]
        doc_type = DocumentType(code=code, name=spec.name, copy_labels=list(spec.copies))
        template = DocumentTemplate(source=initial_source(spec))

        def make(first_page=0, doc_type=doc_type, spec=spec):
            extra = {"casefile_first_page": first_page} if first_page else None
            return document_context(
                doc_type,
                facts,
                number=f"浦东一中交执{spec.abbr}〔2026〕00012号",
                verify_code=new_verify_code(),
                issued_at=timezone.now(),
                seal=seal,
                extra=extra,
            )

        out.append((template, make))
    return out


def run(quick: bool) -> dict[str, Any]:
    _setup()
    from weasyprint import HTML

    from teis.core import crypto
    from teis.core.pdf import html_document
    from teis.documents.catalogue import SPECS
    from teis.documents.services.issuing import render_pdf_bytes
    from teis.documents.templating import render_html

    n = 10 if quick else 40
    pairs = _contexts(["penalty_decision", "violation_notice"])
    render_pdf_bytes(pairs[0][0], pairs[0][1]())  # warm up fonts and caches

    timings = []
    pdfs = []
    started = time.perf_counter()
    for i in range(n):
        template, make = pairs[i % 2]
        t0 = time.perf_counter()
        pdf, _ = render_pdf_bytes(template, make())
        timings.append(time.perf_counter() - t0)
        pdfs.append(pdf)
    pipeline = n / (time.perf_counter() - started)

    htmls = [render_html(t.source, make()) for t, make in pairs]
    started = time.perf_counter()
    for i in range(n):
        HTML(string=htmls[i % 2]).write_pdf()
    bare = n / (time.perf_counter() - started)

    private, public = crypto.sm2_generate_keypair()
    token = crypto.sm4_encrypt(private.hex())
    m = 200 if quick else 1000
    started = time.perf_counter()
    for i in range(m):
        digest = crypto.sm3_digest(pdfs[i % len(pdfs)])
        crypto.sm2_sign(bytes.fromhex(crypto.sm4_decrypt(token)), digest)
    signed = m / (time.perf_counter() - started)

    # a 60-page 电子卷宗
    codes = ["file_cover", "file_contents"] + [s.code for s in SPECS if not s.code.startswith("file_")]
    parts = _contexts(codes)
    started = time.perf_counter()
    rendered, page = [], 1
    for template, make in parts:
        doc = html_document(render_html(template.source, make(page)))
        rendered.append(doc)
        page += len(doc.pages)
        if page > 60:
            break
    pages = [p for r in rendered for p in r.pages][:60]
    book = rendered[0].copy(pages).write_pdf()
    crypto.sm2_sign(private, crypto.sm3_digest(book))
    casefile_s = time.perf_counter() - started

    p95 = sorted(timings)[int(len(timings) * 0.95) - 1] * 1000
    print(
        f"rendered: {pipeline:.2f} documents/s (median {statistics.median(timings) * 1000:.0f} ms, "
        f"p95 {p95:.0f} ms, {statistics.mean(len(p) for p in pdfs) / 1024:.0f} KiB each)"
    )
    print(f"baseline WeasyPrint on the same HTML: {bare:.2f} documents/s; ratio {pipeline / bare:.2f}")
    print(f"signed (SM3 of the PDF + SM2 signature, key from its SM4 token): {signed:,.0f} documents/s")
    print(
        f"电子卷宗 of {len(pages)} pages laid out, combined and signed in {casefile_s:.1f} s "
        f"({len(book) / 1048576:.1f} MiB)"
    )
    return {
        "bench": "documents",
        "value": round(pipeline, 2),
        "unit": "documents/s",
        "baseline": round(bare, 2),
        "ratio": round(pipeline / bare, 3),
        "p95_ms": round(p95, 1),
        "signed_per_s": round(signed, 1),
        "casefile_60_pages_s": round(casefile_s, 2),
        "casefile_pages": len(pages),
    }
