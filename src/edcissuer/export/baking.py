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
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
import struct
import textwrap
import zlib
from typing import Any

from lxml import etree

from ..errors import ExportError
from .artefact import SignedArtefact, load_artefact, pick

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
OB2_NS = "http://openbadges.org"
SVG_NS = "http://www.w3.org/2000/svg"
MAX_TEXT = 4_000_000          # a credential bigger than this is not a badge
_OB_BLUE = (0, 51, 153)
_OB_GOLD = (255, 204, 0)


# --- sniffing -----------------------------------------------------------------------------

def sniff_image(data: bytes | str) -> str | None:
    """'png' or 'svg' when `data` is a PNG or SVG image (a possible baked badge), else None."""
    if isinstance(data, bytes):
        if data.startswith(PNG_SIGNATURE):
            return "png"
        head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    else:
        head = data[:2048].lstrip("\ufeff \t\r\n").encode("utf-8", errors="replace")
    if head.startswith(b"<") and re.search(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]", head[:2048]):
        return "svg"
    return None


def extract_credential(data: bytes | str) -> str:
    """The credential text (JSON or compact JWT) baked into a PNG or SVG badge.

    Raises ExportError (field `openbadgecredential`) for an image that carries none.
    """
    kind = sniff_image(data)
    if kind == "png" and isinstance(data, bytes):
        return extract_png(data)
    if kind == "svg":
        return extract_svg(data)
    raise ExportError("not a PNG or SVG image, so it cannot carry a baked badge", field="image")


# --- PNG ----------------------------------------------------------------------------------

def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking signature, lengths and CRCs."""
    if not data.startswith(PNG_SIGNATURE):
        raise ExportError("not a PNG image (bad signature)", field="image")
    pos, out = len(PNG_SIGNATURE), []
    while pos < len(data):
        if pos + 8 > len(data):
            raise ExportError(f"PNG is truncated at byte {pos}", field="image")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise ExportError(f"PNG chunk {ctype!r} at byte {pos} runs past the end of the file", field="image")
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:end])
        if zlib.crc32(ctype + body) & 0xFFFFFFFF != crc:
            raise ExportError(f"PNG chunk {ctype.decode('latin-1')} at byte {pos} has a wrong CRC: "
                              "the image is damaged", field="image")
        out.append((ctype, body))
        pos = end
        if ctype == b"IEND":
            break
    if not out or out[0][0] != b"IHDR" or out[-1][0] != b"IEND":
        raise ExportError("PNG lacks its IHDR or IEND chunk", field="image")
    return out


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def _itxt(text: str) -> bytes:
    """iTXt body: keyword NUL, compression flag 0, method 0, empty language NUL, empty translation NUL, text."""
    return PNG_KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")


def _itxt_keyword(body: bytes) -> bytes:
    return body.split(b"\x00", 1)[0]


def _itxt_text(body: bytes) -> str:
    keyword, rest = body.split(b"\x00", 1)
    if len(rest) < 2:
        raise ExportError("iTXt chunk 'openbadgecredential' is truncated", field="openbadgecredential")
    flag, method, rest = rest[0], rest[1], rest[2:]
    parts = rest.split(b"\x00", 2)
    if len(parts) != 3:
        raise ExportError("iTXt chunk 'openbadgecredential' is malformed (missing separators)",
                          field="openbadgecredential")
    payload = parts[2]
    if flag == 1:  # the spec forbids compression; read it anyway, bounded, to say what it holds
        if method != 0:
            raise ExportError(f"iTXt compression method {method} is unknown", field="openbadgecredential")
        inflater = zlib.decompressobj()
        try:
            payload = inflater.decompress(payload, MAX_TEXT)
        except zlib.error as exc:
            raise ExportError(f"iTXt text does not decompress: {exc}", field="openbadgecredential") from exc
        if inflater.unconsumed_tail:
            raise ExportError(f"baked credential is over {MAX_TEXT} bytes", field="openbadgecredential")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExportError("baked credential text is not UTF-8", field="openbadgecredential") from exc


def extract_png(data: bytes) -> str:
    """The text of the (single) iTXt `openbadgecredential` chunk of a PNG."""
    found = [body for ctype, body in _chunks(data) if ctype == b"iTXt" and _itxt_keyword(body) == PNG_KEYWORD]
    if not found:
        legacy = [c for c, b in _chunks(data) if c in (b"iTXt", b"tEXt") and _itxt_keyword(b) == b"openbadges"]
        hint = (" (it has an Open Badges 2.0 'openbadges' chunk: an OB 2.0 assertion, not an OB 3.0 credential)"
                if legacy else "")
        raise ExportError("this PNG carries no Open Badges 3.0 credential: no iTXt chunk with keyword "
                          f"'openbadgecredential'{hint}", field="openbadgecredential")
    if len(found) > 1:
        raise ExportError(f"this PNG has {len(found)} 'openbadgecredential' chunks; the spec allows one",
                          field="openbadgecredential")
    return _itxt_text(found[0]).strip()


def bake_png(source: Any, image: bytes | None = None) -> bytes:
    """The badge PNG with the signed OB3 credential in an iTXt `openbadgecredential` chunk.

    `image` is the programme's badge PNG; without one a badge is drawn from the credential.
    An existing `openbadgecredential` chunk is replaced (re-baking); all other chunks are
    kept byte for byte.
    """
    art = _ob3(source)
    png = image if image is not None else (programme_image(art) or default_badge_png(art))
    chunks = _chunks(png)
    kept = [(c, b) for c, b in chunks if not (c == b"iTXt" and _itxt_keyword(b) == PNG_KEYWORD)]
    out = bytearray(PNG_SIGNATURE)
    for ctype, body in kept[:-1]:
        out += _chunk(ctype, body)
    out += _chunk(b"iTXt", _itxt(baked_text(art)))
    out += _chunk(b"IEND", b"")
    return bytes(out)


def baked_text(art: SignedArtefact) -> str:
    """What goes into the image: the compact JWS for VC-JWT, else the credential's JSON as signed."""
    if art.kind == "jwt":
        return str(art.raw)
    return json.dumps(art.raw, ensure_ascii=False, separators=(",", ":"))


def _ob3(source: Any) -> SignedArtefact:
    art = load_artefact(source)
    if art.format != "ob3":
        raise ExportError("only Open Badges 3.0 credentials are baked into badge images; an ELM credential "
                          "travels as its sealed file (--as europass), a presentation (--as vp) or a "
                          "certificate (--as pdf)", field="format", value=art.format)
    if art.kind == "jades":
        raise ExportError("a JAdES-sealed credential cannot be baked: Open Badges baking carries a "
                          "Data Integrity credential or a VC-JWT", field="proof", value=art.kind)
    return art


# --- SVG ----------------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    # no entities, no network, no DTD loading: a badge SVG is untrusted input
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_blank_text=False)


def _parse_svg(data: bytes | str) -> Any:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise ExportError(f"SVG is not well-formed XML: {exc}", field="image") from exc
    if etree.QName(root).localname != "svg":
        raise ExportError(f"not an SVG image: the root element is <{etree.QName(root).localname}>", field="image")
    return root


def extract_svg(data: bytes | str) -> str:
    """The credential of the first `<openbadges:credential>` element (its `verify` attribute or body)."""
    root = _parse_svg(data)
    found = next(root.iter(f"{{{OB3_NS}}}credential"), None)
    if found is None:
        legacy = next(root.iter(f"{{{OB2_NS}}}assertion"), None) is not None
        hint = " (it has an Open Badges 2.0 <openbadges:assertion>, not an OB 3.0 credential)" if legacy else ""
        raise ExportError("this SVG carries no Open Badges 3.0 credential: no <openbadges:credential> element "
                          f"in namespace {OB3_NS}{hint}", field="openbadges:credential")
    text = (found.get("verify") or found.text or "").strip()
    if not text:
        raise ExportError("<openbadges:credential> is empty", field="openbadges:credential")
    return text


def bake_svg(source: Any, image: bytes | str | None = None) -> bytes:
    """The badge SVG with an `<openbadges:credential>` element first inside `<svg>`."""
    art = _ob3(source)
    root = _parse_svg(image if image is not None else default_badge_svg(art))
    for old in list(root.iter(f"{{{OB3_NS}}}credential")):
        old.getparent().remove(old)
    element = etree.Element(f"{{{OB3_NS}}}credential", nsmap={"openbadges": OB3_NS})
    if art.kind == "jwt":
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
