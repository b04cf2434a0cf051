"""Reading credentials baked into Open Badges images (PNG iTXt chunk, SVG element).

Why apart from export/baking.py: verification reads carriers and must not import the
exporters (the import rule in docs/ARCHITECTURE.md); baking writes with these same readers,
so a baked image is read exactly as it was written. See export/baking.py for the format.

Why so strict: a carrier that two readers could read two ways lets a forger show one
credential to a person (or another tool) and have the verifier check another. So an image
is refused, never guessed at, when it holds the credential twice (two SVG elements, an
element whose `verify` attribute and body differ, the PNG keyword in more than one text
chunk of any kind), when the SVG element has markup inside it, or when a PNG has bytes
after IEND (docs/security.md, "Ambiguous carriers").
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


TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")


def _chunks(data: bytes, *, trailing_ok: bool = False) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, checking signature, lengths and CRCs.

    Bytes after IEND are refused (another reader could find a credential there); only
    baking, which rewrites the file without them, passes `trailing_ok`.
    """
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
    if pos < len(data) and not trailing_ok:
        raise ExportError(f"PNG has {len(data) - pos} bytes after its IEND chunk (at byte {pos}); an image "
                          "that hides data after its end is refused as ambiguous", field="image")
    return out


def _itxt_keyword(body: bytes) -> bytes:
    return body.split(b"\x00", 1)[0]


def is_credential_chunk(ctype: bytes, body: bytes) -> bool:
    """A text chunk (iTXt, tEXt or zTXt) whose keyword is `openbadgecredential`, in any case or spacing.

    Only an exact iTXt chunk is a baked credential; the loose match finds every chunk some
    other reader might take for one, so the PNG can be refused as ambiguous.
    """
    return ctype in TEXT_CHUNKS and _itxt_keyword(body).strip().lower() == PNG_KEYWORD


def _itxt_text(body: bytes) -> str:
    _, separator, rest = body.partition(b"\x00")
    if not separator or len(rest) < 2:
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
    """The text of the single iTXt `openbadgecredential` chunk of a PNG.

    Refused as ambiguous: the keyword in more than one text chunk (two iTXt, or iTXt and
    tEXt/zTXt, or a variant spelling), and bytes after IEND (see `_chunks`).
    """
    chunks = _chunks(data)
    candidates = [(ctype, body) for ctype, body in chunks if is_credential_chunk(ctype, body)]
    if len(candidates) > 1:
        kinds = ", ".join(f"{c.decode('latin-1')} {_itxt_keyword(b).decode('latin-1')!r}" for c, b in candidates)
        raise ExportError(f"this PNG has {len(candidates)} 'openbadgecredential' text chunks ({kinds}); the spec "
                          "allows one iTXt chunk, and an image that could be read two ways is refused",
                          field="openbadgecredential")
    found = [body for ctype, body in candidates if ctype == b"iTXt" and _itxt_keyword(body) == PNG_KEYWORD]
    if not found:
        if candidates:
            ctype, body = candidates[0]
            raise ExportError(f"this PNG has a {ctype.decode('latin-1')} chunk "
                              f"{_itxt_keyword(body).decode('latin-1')!r}, not the iTXt chunk "
                              "'openbadgecredential' Open Badges 3.0 bakes into; refused rather than guessed",
                              field="openbadgecredential")
        legacy = [c for c, b in chunks if c in (b"iTXt", b"tEXt") and _itxt_keyword(b) == b"openbadges"]
        hint = (" (it has an Open Badges 2.0 'openbadges' chunk: an OB 2.0 assertion, not an OB 3.0 credential)"
                if legacy else "")
        raise ExportError("this PNG carries no Open Badges 3.0 credential: no iTXt chunk with keyword "
                          f"'openbadgecredential'{hint}", field="openbadgecredential")
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
    """The credential of the single `<openbadges:credential>` element (its `verify` attribute or body).

    Refused as ambiguous: two such elements anywhere in the document, an element whose
    `verify` attribute and body both hold text and differ, and an element with anything
    but character data inside (child elements, comments, entity references), which
    readers join differently.
    """
    root = _parse_svg(data)
    elements = list(root.iter(f"{{{OB3_NS}}}credential"))
    if not elements:
        legacy = next(root.iter(f"{{{OB2_NS}}}assertion"), None) is not None
        hint = " (it has an Open Badges 2.0 <openbadges:assertion>, not an OB 3.0 credential)" if legacy else ""
        raise ExportError("this SVG carries no Open Badges 3.0 credential: no <openbadges:credential> element "
                          f"in namespace {OB3_NS}{hint}", field="openbadges:credential")
    if len(elements) > 1:
        lines = ", ".join(str(e.sourceline) for e in elements)
        raise ExportError(f"this SVG has {len(elements)} <openbadges:credential> elements (lines {lines}); the spec "
                          "allows one, and an image that could be read two ways is refused",
                          field="openbadges:credential")
    found = elements[0]
    if len(found):
        raise ExportError("<openbadges:credential> in this SVG has markup inside it (an element, comment or "
                          "entity reference); it must hold only the credential text", field="openbadges:credential")
    attribute = (found.get("verify") or "").strip()
    body = (found.text or "").strip()
    if attribute and body and attribute != body:
        raise ExportError("<openbadges:credential> in this SVG has both a verify attribute and a body, and they "
                          "differ; refusing to choose one", field="openbadges:credential.verify")
    text = attribute or body
    if not text:
        raise ExportError("<openbadges:credential> is empty", field="openbadges:credential")
    return text
