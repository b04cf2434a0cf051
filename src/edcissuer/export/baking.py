"""Baked Open Badges: the signed OB 3.0 credential carried inside its badge image.

Open Badges 3.0 "Baking": a PNG carries the credential in one iTXt chunk with keyword
`openbadgecredential` (compression MUST NOT be used; the text is the compact JWS for a
VC-JWT credential, else the credential's JSON); an SVG carries it in an
`<openbadges:credential>` element right after `<svg>`, with
xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" (JSON in a CDATA body, or a JWT in
the `verify` attribute). The PNG chunks are written and read here with zlib/struct, so
extraction reads the real chunk (and its CRC), not a library's view of it.

Only OB 3.0 credentials are baked: the spec defines baking for them, and an ELM credential
travels as its sealed file (europass.py) or on a certificate.

The bake functions do not verify (`export_credential` does, first). With `unverified` (the
reason a forced `--unverified` export did not verify) the image says NOT VERIFIED on its
face: a red band across the drawn or given badge, and for PNG also a `Warning` tEXt chunk.
Baking drops every chunk or element another reader could take for a second credential, so
the result is never ambiguous (carriers/baked.py refuses such images).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import math
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..carriers.baked import (
    OB3_NS,
    PNG_KEYWORD,
    PNG_SIGNATURE,
    _chunks,
    _parse_svg,
    extract_credential,
    extract_png,
    extract_svg,
    is_credential_chunk,
    sniff_image,
)
from ..errors import ExportError
from ..i18n import translator
from .artefact import STAMP, SignedArtefact, load_artefact
from .certificate import record_language

# the readers live in carriers/baked.py (verification reads badges without the exporters)
__all__ = ["OB3_NS", "BadgeLine", "badge_layout", "bake_png", "bake_svg", "baked_text", "default_badge_png",
           "default_badge_svg", "extract_credential", "extract_png", "extract_svg", "sniff_image"]

SVG_NS = "http://www.w3.org/2000/svg"
_OB_BLUE = (0, 51, 153)
_OB_GOLD = (255, 204, 0)
_RED = (176, 0, 32)


# --- PNG ----------------------------------------------------------------------------------

def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def _itxt(text: str) -> bytes:
    """iTXt body: keyword NUL, compression flag 0, method 0, empty language NUL, empty translation NUL, text."""
    return PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")


def bake_png(source: Any, image: bytes | None = None, *, unverified: str | None = None,
             lang: str | None = None) -> bytes:
    """The badge PNG with the signed OB3 credential in an iTXt `openbadgecredential` chunk.

    `image` is the programme's badge PNG; without one a badge is drawn from the credential.
    Any chunk that names the credential (iTXt, tEXt or zTXt, re-baking included) and any
    bytes after IEND are dropped; all other chunks are kept byte for byte, except that
    with `unverified` the picture is redrawn with the NOT VERIFIED band.
    """
    art = _ob3(source)
    png = image if image is not None else (programme_image(art) or default_badge_png(art, lang=lang))
    if unverified is not None:
        png = _stamp_png(png)
    chunks = _chunks(png, trailing_ok=True)
    kept = [(c, b) for c, b in chunks if not is_credential_chunk(c, b)]
    out = bytearray(PNG_SIGNATURE)
    for ctype, body in kept[:-1]:
        out += _chunk(ctype, body)
    if unverified is not None:
        warning = f"{STAMP}: {unverified}".encode("latin-1", errors="replace")
        out += _chunk(b"tEXt", b"Warning\x00" + warning)
    out += _chunk(b"iTXt", _itxt(baked_text(art)))
    out += _chunk(b"IEND", b"")
    return bytes(out)


def _stamp_png(png: bytes) -> bytes:
    """`png` with a red NOT VERIFIED band across its middle (Pillow; its pixel limit applies)."""
    from PIL import Image, ImageDraw

    from .fonts import pil_font

    try:
        with Image.open(io.BytesIO(png)) as opened:
            img = opened.convert("RGBA")
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for a bad or oversized image
        raise ExportError(f"cannot read the badge image to stamp it: {exc}", field="image") from exc
    width, height = img.size
    band = max(12, height // 6)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, (height - band) // 2, width, (height + band) // 2], fill=(*_RED, 255))
    size = max(8, min(band * 2 // 3, width // 8))
    draw.text((width / 2, height / 2), STAMP, font=pil_font(size, bold=True), fill="white", anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def baked_text(art: SignedArtefact) -> str:
    """What goes into the image: the compact JWS for VC-JWT, else the credential's JSON as signed."""
    if art.is_compact:
        return str(art.raw)
    return json.dumps(art.raw, ensure_ascii=False, separators=(",", ":"))


def _ob3(source: Any) -> SignedArtefact:
    art = load_artefact(source)
    if art.format != "ob3":
        raise ExportError("only Open Badges 3.0 credentials are baked into badge images; an ELM credential "
                          "travels as its sealed file (--as europass), a presentation (--as vp) or a "
                          "certificate (--as pdf)", field="format", value=art.format)
    if not (art.is_compact or art.is_embedded):
        raise ExportError(f"a credential {art.mechanism.description} cannot be baked: Open Badges baking "
                          "carries a Data Integrity credential or a VC-JWT", field="proof", value=art.kind)
    return art


# --- SVG ----------------------------------------------------------------------------------

def bake_svg(source: Any, image: bytes | str | None = None, *, unverified: str | None = None,
             lang: str | None = None) -> bytes:
    """The badge SVG with an `<openbadges:credential>` element first inside `<svg>`.

    Every earlier credential element is removed; with `unverified` a red NOT VERIFIED band
    (and a `<desc>` with the reason) is drawn over the picture.
    """
    art = _ob3(source)
    root = _parse_svg(image if image is not None else default_badge_svg(art, lang=lang))
    for old in list(root.iter(f"{{{OB3_NS}}}credential")):
        old.getparent().remove(old)
    if unverified is not None:
        _stamp_svg(root, unverified)
    element = etree.Element(f"{{{OB3_NS}}}credential", nsmap={"openbadges": OB3_NS})
    if art.is_compact:
        element.set("verify", str(art.raw))
    else:
        text = baked_text(art)
        try:
            element.text = etree.CDATA(text)
        except ValueError:  # "]]>" inside the JSON: store it as escaped character data instead
            element.text = text
    element.tail = "\n"
    root.insert(0, element)
    etree.cleanup_namespaces(root, top_nsmap={"openbadges": OB3_NS})
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _svg_size(root: Any) -> tuple[float, float, float, float]:
    """(x, y, width, height) of the picture's coordinate system: its viewBox, else width/height, else 400."""
    box = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(box) == 4:
            x, y, w, h = (float(v) for v in box)
            return x, y, w, h
        return 0.0, 0.0, float(root.get("width", "400").rstrip("px")), float(root.get("height", "400").rstrip("px"))
    except ValueError:
        return 0.0, 0.0, 400.0, 400.0


def _stamp_svg(root: Any, reason: str) -> None:
    """Draw the NOT VERIFIED band last (on top of everything) and say why in a <desc>."""
    x, y, w, h = _svg_size(root)
    band = h / 6
    group = etree.SubElement(root, f"{{{SVG_NS}}}g", attrib={"id": "edcissuer-not-verified"})
    desc = etree.SubElement(group, f"{{{SVG_NS}}}desc")
    desc.text = f"{STAMP}: {reason}"
    etree.SubElement(group, f"{{{SVG_NS}}}rect", attrib={
        "x": f"{x:g}", "y": f"{y + (h - band) / 2:g}", "width": f"{w:g}", "height": f"{band:g}", "fill": "#b00020"})
    text = etree.SubElement(group, f"{{{SVG_NS}}}text", attrib={
        "x": f"{x + w / 2:g}", "y": f"{y + h / 2:g}", "text-anchor": "middle", "dominant-baseline": "middle",
        "font-family": "Noto Sans, DejaVu Sans, Arial, sans-serif", "font-weight": "bold",
        "font-size": f"{min(band * 2 / 3, w / 8):g}", "fill": "#ffffff"})
    text.text = STAMP


# --- default badge art --------------------------------------------------------------------

ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class BadgeLine:
    """One line of badge text: centred at (size/2, y), `width` px wide at font `size_px`."""

    text: str
    y: float
    size_px: int
    bold: bool
    width: float
    fill: str


def chord_width(y_top: float, y_bottom: float, size: int) -> float:
    """The width free of the inner ring for a line box from `y_top` to `y_bottom`.

    The inner ring is a circle of radius 0.4*size; the safe circle keeps a margin of 0.035*size
    (the ring's stroke and air). A box fits when both its corners are inside the safe circle,
    so the width is the chord at the box edge farther from the centre."""
    radius = size * 0.4 - size * 0.035
    dy = max(abs(y_top - size / 2), abs(y_bottom - size / 2))
    return 0.0 if dy >= radius else 2 * math.sqrt(radius * radius - dy * dy)


def _box(y: float, size_px: int) -> tuple[float, float]:
    """The line box of text centred at `y` (anchor "mm"): generous, so accents and descenders fit."""
    return y - 0.62 * size_px, y + 0.62 * size_px


def _wrap(words: list[str], widths: list[float], measure: Any) -> list[str] | None:
    """Greedy word wrap into len(widths) lines of the given widths; None when the words do not fit."""
    lines: list[str] = []
    i = 0
    for width in widths:
        if i == len(words):
            break
        line = words[i]
        if measure(line) > width:
            return None
        i += 1
        while i < len(words) and measure(f"{line} {words[i]}") <= width:
            line = f"{line} {words[i]}"
            i += 1
        lines.append(line)
    return lines if i == len(words) else None


def _ellipsize(words: list[str], widths: list[float], measure: Any) -> list[str]:
    """Fill the lines word by word and end the last with '…' after the last whole word that fits."""
    lines: list[str] = []
    i = 0
    for n, width in enumerate(widths):
        last = n == len(widths) - 1
        line = ""
        while i < len(words):
            candidate = f"{line} {words[i]}".strip()
            rest_after = i + 1 < len(words)
            shown = f"{candidate} {ELLIPSIS}" if last and rest_after else candidate
            if measure(shown) > width:
                break
            line = candidate
            i += 1
        if last and i < len(words):
            line = f"{line} {ELLIPSIS}".strip()
        lines.append(line)
        if i == len(words):
            break
    return lines


def fit_text(text: str, *, top: float, bottom: float, size: int, max_px: int, min_px: int, max_lines: int,
             bold: bool, fill: str, measure_font: Any) -> list[BadgeLine]:
    """Lay `text` out inside the band [top, bottom] of the badge and inside the inner ring.

    The font shrinks from `max_px` to `min_px` until the words fit on at most `max_lines`
    lines (wrapped at spaces only); at `min_px` whatever does not fit is cut after a whole
    word and marked with '…'. A line is never split inside a word and never wider than the
    ring's chord at its height (`chord_width`)."""
    words = text.split()
    if not words:
        return []

    def positions(n: int, px: int) -> list[float]:
        step = px * 1.22
        middle = (top + bottom) / 2
        return [middle - step * (n - 1) / 2 + k * step for k in range(n)]

    def layout(px: int, lines: list[str], ys: list[float]) -> list[BadgeLine]:
        font = measure_font(px, bold)
        return [BadgeLine(t, y, px, bold, float(font.getlength(t)), fill) for t, y in zip(lines, ys) if t]

    for px in range(max_px, min_px - 1, -1):
        font = measure_font(px, bold)
        step = px * 1.22
        most = min(max_lines, max(1, int((bottom - top) // step)))
        for n in range(1, most + 1):
            ys = positions(n, px)
            widths = [chord_width(*_box(y, px), size) for y in ys]
            wrapped = _wrap(words, widths, font.getlength)
            if wrapped is not None:
                return layout(px, wrapped, positions(len(wrapped), px))
    font = measure_font(min_px, bold)
    n = min(max_lines, max(1, int((bottom - top) // (min_px * 1.22))))
    ys = positions(n, min_px)
    lines = _ellipsize(words, [chord_width(*_box(y, min_px), size) for y in ys], font.getlength)
    return layout(min_px, lines, positions(len(lines), min_px))


def badge_layout(art: SignedArtefact, size: int = 400, *, lang: str | None = None) -> list[BadgeLine]:
    """Every text line of the default badge, measured with the badge font (PNG and SVG alike)."""
    from .fonts import pil_font

    el = art.elements
    tr = translator(lang, record_language(art.credential))
    title = tr.text(el.title) or tr("Micro-credential")
    issuer = tr.text(el.issuer.name) if el.issuer and el.issuer.name else ""
    facts = " · ".join(x for x in (tr("{ects} ECTS", ects=tr.number(el.ects)) if el.ects else "",
                                   tr("EQF {level}", level=el.eqf) if el.eqf else "") if x)
    gold, white = "#ffcc00", "#ffffff"

    def measure(px: int, bold: bool) -> Any:
        return pil_font(px, bold=bold)

    return [
        *fit_text(tr("MICRO-CREDENTIAL"), top=size * 0.17, bottom=size * 0.23, max_px=size // 26,
                  min_px=max(6, size // 40), max_lines=1, bold=False, fill=gold, size=size, measure_font=measure),
        *fit_text(title, top=size * 0.27, bottom=size * 0.66, max_px=size // 16, min_px=max(7, size // 30),
                  max_lines=5, bold=True, fill=white, size=size, measure_font=measure),
        *fit_text(facts, top=size * 0.69, bottom=size * 0.75, max_px=size // 26, min_px=max(6, size // 40),
                  max_lines=1, bold=False, fill=gold, size=size, measure_font=measure),
        *fit_text(issuer, top=size * 0.76, bottom=size * 0.86, max_px=size // 26, min_px=max(6, size // 36),
                  max_lines=2, bold=False, fill=white, size=size, measure_font=measure),
    ]


def default_badge_png(source: Any, size: int = 400, *, lang: str | None = None) -> bytes:
    """A round badge drawn from the signed credential's elements (title, issuer, ECTS, EQF)."""
    from PIL import Image, ImageDraw

    from .fonts import pil_font

    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.ellipse([4, 4, size - 4, size - 4], fill=_OB_BLUE, outline=_OB_GOLD, width=max(4, size // 40))
    d.ellipse([size * 0.1, size * 0.1, size * 0.9, size * 0.9], outline=_OB_GOLD, width=2)
    for line in badge_layout(art, size, lang=lang):
        d.text((size / 2, line.y), line.text, font=pil_font(line.size_px, bold=line.bold), fill=line.fill,
               anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def default_badge_svg(source: Any, size: int = 400, *, lang: str | None = None) -> bytes:
    """The same badge as SVG (text stays text, so screen readers and search can read it)."""
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    lines = badge_layout(art, size, lang=lang)
    title = " ".join(line.text for line in lines if line.bold)
    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS},
                        attrib={"width": str(size), "height": str(size), "viewBox": f"0 0 {size} {size}",
                                "role": "img", "aria-label": title})
    half = size / 2

    def add(tag: str, text: str | None = None, **attrs: str) -> None:
        el = etree.SubElement(svg, f"{{{SVG_NS}}}{tag}", attrib={k.replace("_", "-"): v for k, v in attrs.items()})
        el.text = text

    add("title", title)
    add("circle", cx=str(half), cy=str(half), r=str(half - 6), fill="#003399", stroke="#ffcc00",
        stroke_width=str(max(4, size // 40)))
    add("circle", cx=str(half), cy=str(half), r=str(size * 0.4), fill="none", stroke="#ffcc00", stroke_width="2")
    font = "Noto Sans, DejaVu Sans, Arial, sans-serif"
    for line in lines:
        extra = {"font_weight": "bold"} if line.bold else {}
        add("text", line.text, x=str(half), y=f"{line.y:.1f}", text_anchor="middle", dominant_baseline="middle",
            font_family=font, font_size=str(line.size_px), fill=line.fill, **extra)
    return bytes(etree.tostring(svg, xml_declaration=True, encoding="UTF-8"))


def programme_image(art: SignedArtefact) -> bytes | None:
    """The achievement's own image when the credential embeds it as a data: URL (never fetched)."""
    subject = art.credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    ach = subject.get("achievement") if isinstance(subject, dict) else None
    image = ach.get("image") if isinstance(ach, dict) else None
    url = image.get("id") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url.startswith("data:image/png;base64,"):
        return None
    try:
        return base64.b64decode(url.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None
