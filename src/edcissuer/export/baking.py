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
import struct
import textwrap
import zlib
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
from .artefact import STAMP, SignedArtefact, load_artefact, pick

# the readers live in carriers/baked.py (verification reads badges without the exporters)
__all__ = ["OB3_NS", "bake_png", "bake_svg", "baked_text", "default_badge_png", "default_badge_svg",
           "extract_credential", "extract_png", "extract_svg", "sniff_image"]

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


def bake_png(source: Any, image: bytes | None = None, *, unverified: str | None = None) -> bytes:
    """The badge PNG with the signed OB3 credential in an iTXt `openbadgecredential` chunk.

    `image` is the programme's badge PNG; without one a badge is drawn from the credential.
    Any chunk that names the credential (iTXt, tEXt or zTXt, re-baking included) and any
    bytes after IEND are dropped; all other chunks are kept byte for byte, except that
    with `unverified` the picture is redrawn with the NOT VERIFIED band.
    """
    art = _ob3(source)
    png = image if image is not None else (programme_image(art) or default_badge_png(art))
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

def bake_svg(source: Any, image: bytes | str | None = None, *, unverified: str | None = None) -> bytes:
    """The badge SVG with an `<openbadges:credential>` element first inside `<svg>`.

    Every earlier credential element is removed; with `unverified` a red NOT VERIFIED band
    (and a `<desc>` with the reason) is drawn over the picture.
    """
    art = _ob3(source)
    root = _parse_svg(image if image is not None else default_badge_svg(art))
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

def _badge_lines(art: SignedArtefact) -> tuple[list[str], str, str]:
    el = art.elements
    title = textwrap.wrap(pick(el.title) or "Micro-credential", 22)[:4]
    issuer = pick(el.issuer.name) if el.issuer and el.issuer.name else ""
    facts = " · ".join(x for x in (f"{el.ects:g} ECTS" if el.ects else "", f"EQF {el.eqf}" if el.eqf else "") if x)
    return title, issuer, facts


def default_badge_png(source: Any, size: int = 400) -> bytes:
    """A round badge drawn from the signed credential's elements (title, issuer, ECTS, EQF)."""
    from PIL import Image, ImageDraw

    from .fonts import pil_font

    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    title, issuer, facts = _badge_lines(art)
    img = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    d = ImageDraw.Draw(img)
    d.ellipse([4, 4, size - 4, size - 4], fill=_OB_BLUE, outline=_OB_GOLD, width=max(4, size // 40))
    d.ellipse([size * 0.1, size * 0.1, size * 0.9, size * 0.9], outline=_OB_GOLD, width=2)
    small = pil_font(size // 26)
    d.text((size / 2, size * 0.2), "MICRO-CREDENTIAL", font=small, fill=_OB_GOLD, anchor="mm")
    step = size / 14
    y = size * 0.45 - step * (len(title) - 1) / 2
    for line in title:
        d.text((size / 2, y), line, font=pil_font(size // 16, bold=True), fill="white", anchor="mm")
        y += step
    d.text((size / 2, size * 0.72), facts, font=small, fill=_OB_GOLD, anchor="mm")
    for i, line in enumerate(textwrap.wrap(issuer, 34)[:2]):
        d.text((size / 2, size * 0.79 + i * size / 22), line, font=small, fill="white", anchor="mm")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def default_badge_svg(source: Any, size: int = 400) -> bytes:
    """The same badge as SVG (text stays text, so screen readers and search can read it)."""
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    title, issuer, facts = _badge_lines(art)
    svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS},
                        attrib={"width": str(size), "height": str(size), "viewBox": f"0 0 {size} {size}",
                                "role": "img", "aria-label": " ".join(title)})
    half = size / 2

    def add(tag: str, text: str | None = None, **attrs: str) -> None:
        el = etree.SubElement(svg, f"{{{SVG_NS}}}{tag}", attrib={k.replace("_", "-"): v for k, v in attrs.items()})
        el.text = text

    add("title", " ".join(title))
    add("circle", cx=str(half), cy=str(half), r=str(half - 6), fill="#003399", stroke="#ffcc00",
        stroke_width=str(max(4, size // 40)))
    add("circle", cx=str(half), cy=str(half), r=str(size * 0.4), fill="none", stroke="#ffcc00", stroke_width="2")
    font = "Noto Sans, DejaVu Sans, Arial, sans-serif"
    add("text", "MICRO-CREDENTIAL", x=str(half), y=f"{size * 0.21:.0f}", text_anchor="middle", font_family=font,
        font_size=str(size // 26), fill="#ffcc00")
    top = size * 0.465 - size / 14 * (len(title) - 1) / 2
    for i, line in enumerate(title):
        add("text", line, x=str(half), y=f"{top + i * size / 14:.0f}", text_anchor="middle",
            font_family=font, font_size=str(size // 16), font_weight="bold", fill="#ffffff")
    add("text", facts, x=str(half), y=f"{size * 0.73:.0f}", text_anchor="middle", font_family=font,
        font_size=str(size // 26), fill="#ffcc00")
    for i, line in enumerate(textwrap.wrap(issuer, 34)[:2]):
        add("text", line, x=str(half), y=f"{size * 0.80 + i * size / 22:.0f}", text_anchor="middle",
            font_family=font, font_size=str(size // 26), fill="#ffffff")
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
