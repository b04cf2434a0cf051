"""PDF -> PNG for tests that look at a printed certificate (pypdfium2, a test extra).

It lives with the tests, not in `edcissuer.export`, because the library never rasterises a
PDF and pypdfium2 is not a runtime dependency.
"""
from __future__ import annotations

import html
import io
import re

import pytest

pdfium = pytest.importorskip("pypdfium2")  # a test module importing this helper is skipped without it


def render_pdf_png(pdf: bytes, *, page: int = 0, scale: float = 2.0) -> bytes:
    """Page `page` (0-based) of `pdf` as PNG bytes, so a test can decode its QR or sample its pixels."""
    doc = pdfium.PdfDocument(pdf)
    try:
        if not 0 <= page < len(doc):
            raise IndexError(f"the PDF has {len(doc)} page(s), no page {page + 1}")
        buf = io.BytesIO()
        doc[page].render(scale=scale).to_pil().save(buf, format="PNG", optimize=True)
        return buf.getvalue()
    finally:
        doc.close()


def html_text(page: str) -> str:
    """The visible text of an HTML page (styles and tags gone, entities and spaces normalised)."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)))


def pdf_text(pdf: bytes) -> str:
    """Every page's text of a PDF, spaces normalised."""
    doc = pdfium.PdfDocument(pdf)
    try:
        return re.sub(r"\s+", " ", " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))
    finally:
        doc.close()
