"""What the verify pages receive, turned into documents the library verifies, links, or named refusals.

Why a module of its own: a person drops whatever they hold (a JSON-LD file, a JWT, a JAdES
JSON, a baked badge, the PDF certificate, a photo of its QR code), and the page must answer
for each file by name. Credentials go to `Service.assess` untouched (verify_all reads baked
PNG/SVG itself); only carriers the library does not read (PDF pages, plain QR images) are
decoded here, with pypdfium2 and zxing-cpp. A QR code that holds a link is never fetched:
a link to this deployment's public page names the credential, any other link is shown as
text. Nothing is stored: every upload lives in memory for one request.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..carriers.baked import extract_credential, sniff_image
from ..errors import EdcIssuerError

#: at most this many files (and pasted texts) per request; the body size cap of app.py applies as well
MAX_FILES = 20
#: PDF pages searched for a QR code (a certificate has it on its first page)
MAX_PDF_PAGES = 4
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_JPEG = b"\xff\xd8\xff"


@dataclass(frozen=True)
class Document:
    """Content to verify, under the name the page shows."""

    name: str
    content: bytes | str


@dataclass(frozen=True)
class Link:
    """A QR code's link: to this deployment's public page (`credential_id` set) or elsewhere (never fetched)."""

    name: str
    url: str
    credential_id: str | None = None


@dataclass(frozen=True)
class Unreadable:
    """An upload that holds nothing to verify, and why (a sentence naming what was looked for)."""

    name: str
    reason: str


Item = Document | Link | Unreadable


def read_text(name: str, text: str, public_url: str) -> list[Item]:
    """Pasted text: a credential as it is, or a link (a verify URL copied from a certificate)."""
    text = text.strip()
    if not text:
        return []
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        return [_link(name, text, public_url)]
    return [Document(name, text)]


def read_upload(name: str, data: bytes, public_url: str) -> list[Item]:
    """One uploaded file as documents, links or a refusal; never raises for odd content."""
    if not data:
        return [Unreadable(name, "the file is empty")]
    if data.startswith(b"%PDF-"):
        return _pdf(name, data, public_url)
    image = sniff_image(data)
    if image is not None:
        try:
            extract_credential(data)
        except EdcIssuerError as exc:
            if image == "svg":
                return [Unreadable(name, f"an SVG image without a baked credential ({exc.message})")]
            return _qr_image(name, data, public_url, baked_error=exc.message)
        return [Document(name, data)]  # a baked badge: verify_all reads it (and refuses an ambiguous one)
    if data.startswith(_JPEG):
        return _qr_image(name, data, public_url)
    return [Document(name, data)]  # JSON-LD, JAdES JSON, a JWT: verification names what it is not


def _link(name: str, url: str, public_url: str) -> Link:
    """A link; to this deployment's /c/{id} it names the credential (the id URL-decoded)."""
    prefix = public_url.rstrip("/") + "/c/"
    if url.startswith(prefix):
        rest = urlsplit(url[len(prefix):]).path
        if rest and "/" not in rest:
            return Link(name, url, unquote(rest))
    return Link(name, url)


def _payload(name: str, text: str, public_url: str) -> Item:
    text = text.strip()
    if text.startswith(("http://", "https://")):
        return _link(name, text, public_url)
    if _JWT.match(text) or text.startswith("{"):
        return Document(name, text)
    return Unreadable(name, "the QR code holds text that is neither a credential nor a link")


def _decode(image: object) -> list[str]:
    import zxingcpp

    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    return [b.text for b in found if b.valid and b.text]


def _qr_image(name: str, data: bytes, public_url: str, *, baked_error: str | None = None) -> list[Item]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            texts = _decode(img.convert("L"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return [Unreadable(name, f"the image cannot be read ({type(exc).__name__})")]
    if not texts:
        why = f"no baked credential ({baked_error}) and no QR code" if baked_error else "no QR code"
        return [Unreadable(name, f"the image holds {why}")]
    return [_payload(f"{name} (QR code)" if len(texts) == 1 else f"{name} (QR code {i + 1})", t, public_url)
            for i, t in enumerate(texts)]


def _pdf(name: str, data: bytes, public_url: str) -> list[Item]:
    """Every QR code on the first pages of a PDF (a certificate's links to its public page)."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return [Unreadable(name, "the PDF cannot be opened (damaged or password-protected)")]
    texts: list[tuple[int, str]] = []
    try:
        for index in range(min(len(doc), MAX_PDF_PAGES)):
            page = doc[index]
            try:
                bitmap = page.render(scale=2.0, grayscale=True)
                texts += [(index + 1, t) for t in _decode(bitmap.to_pil())]
            finally:
                page.close()
    except pdfium.PdfiumError:
        return [Unreadable(name, "a page of the PDF cannot be rendered")]
    finally:
        doc.close()
    if not texts:
        return [Unreadable(name, f"no QR code on the first {MAX_PDF_PAGES} pages of the PDF")]
    return [_payload(f"{name} (QR code, page {page})", t, public_url) for page, t in texts]
