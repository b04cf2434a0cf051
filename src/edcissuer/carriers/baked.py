"""Reading credentials baked into Open Badges images (PNG iTXt chunk, SVG element).

Why apart from export/baking.py: verification reads carriers and must not import the
exporters (the import rule in docs/ARCHITECTURE.md); baking writes with these same readers,
so a baked image is read exactly as it was written. See export/baking.py for the format.
"""
from __future__ import annotations

import re
import struct
import zlib
from typing import Any

from lxml import etree

from ..errors import ExportError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEYWORD = b"openbadgecredential"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
OB2_NS = "http://openbadges.org"
MAX_TEXT = 4_000_000          # a credential bigger than this is not a badge


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
