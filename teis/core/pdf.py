"""PDF documents from HTML templates (WeasyPrint), with the CJK font embedded and no network access.

    pdf_bytes = render_pdf("evidence/custody_report.html", {"item": item})

Templates extend `core/pdf_base.html` (A4, 宋体-style serif body, page numbers). WeasyPrint embeds the subset
of the Noto CJK font (Debian `fonts-noto-cjk`) it uses, so the PDF prints the same anywhere. Only `data:` URLs
and files under the static directories may be loaded: a template can never make the server fetch a URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

__all__ = ["render_pdf", "html_document", "PdfError"]


class PdfError(Exception):
    pass


def _local_only_fetcher() -> Any:
    """A WeasyPrint fetcher for `data:` URLs and files under the static roots only."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(settings.STATIC_URL):
                found = finders.find(url[len(settings.STATIC_URL) :])
                if found:
                    url = Path(found).as_uri()
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                path = Path(url[len("file://") :]).resolve()
                if any(path.is_relative_to(Path(root).resolve()) for root in _static_roots()):
                    return super().fetch(url, headers)
            raise PdfError(f"PDF 模板不允许加载外部资源：{url[:80]}")

    return LocalOnlyFetcher(allowed_protocols={"file", "data"})


def _static_roots() -> list[str]:
    roots = [str(d) for d in getattr(settings, "STATICFILES_DIRS", [])]
    roots.append(str(Path(settings.BASE_DIR) / "teis"))
    return roots


def render_pdf(template_name: str, context: dict[str, Any] | None = None) -> bytes:
    """Render a Django template to PDF bytes. Raises PdfError if the template refers to a remote resource."""
    from weasyprint import HTML

    html = render_to_string(template_name, context or {})
    pdf: bytes = HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_local_only_fetcher()).write_pdf()
    return pdf


def html_document(html: str) -> Any:
    """A rendered WeasyPrint document (pages laid out) of `html`, with the local-only fetcher: for callers that
    count pages, combine documents (`document.copy(pages).write_pdf()`) or render template text of their own."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=_local_only_fetcher()).render()
