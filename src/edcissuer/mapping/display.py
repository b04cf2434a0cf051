"""A small PNG summary page of a record: ELM's display page and the default badge art.

Drawn with Pillow from the record alone, so the same record always gives the same bytes
(on one Pillow version) and re-issuing stays idempotent. The page is embedded in the ELM
credential and signed with it, so it states the same facts the certificate prints from the
signed credential: the awarding statement of the awarding model, the alliance (its logo
when embedded as a data: URI; an https logo is never fetched, the alliance's name stands
for it), every partner with its role, hours-only workloads as "No ECTS credits awarded".

The role labels and the embedded-logo reader live here because both this page (from the
record) and the certificate (export/certificate.py, from the signed credential) use them.

Speed (issue 17; 200 learners of one programme, one run, ms a page, PNG bytes): the adaptive
median-cut quantize of a full RGB render cost 34 ms (20.7 kB); the same render mapped to a fixed
palette 13 ms (23.3 kB); composed in that palette from cached pieces (header band, text lines: only
the learner's lines are drawn anew) 4.4 ms at zlib level 6 (24.2 kB), nearly all PNG encoding; with
the rows compressed in cached bands too (one band a line, concatenated deflate segments) 0.7 ms
(26.7 kB at level 6; level 1 34.4 kB, level 9 25.2 kB at the same speed but a cold page 46 ms, not 18).
"""
from __future__ import annotations

import base64
import binascii
import io
import re
import struct
import textwrap
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..i18n import N_, Translator, translator
from ..models import vocab
from ..models.records import MicroCredentialRecord

_W, _H = 800, 566
_BLUE = (0, 51, 153)
_GOLD = (255, 204, 0)
_GREY = (90, 90, 90)
#: text lines and compressed bands kept: a programme's pages share a few dozen; the rest are one
#: learner's each, so a larger cache only holds memory (about 27 KB a line) in a long batch
_PIECES = 256

#: the role each partner plays under each awarding model, as displays print it
ROLE_LABELS: dict[str, str] = {
    "awarding": N_("Awarding body"),
    "lead": N_("Lead Partner, awarding body"),
    "delivering": N_("Delivering Partner"),
    "joint-awarding": N_("Awarding body (issued on behalf of all)"),
    "joint-issuer": N_("Lead Partner, awarding body, issued on behalf of all"),
    "participating": N_("Participating partner"),
}
#: an embedded logo larger than this is not drawn (a display is no place for a megabyte image)
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4_000_000
_DATA_URI = re.compile(r"^data:(image/(?:png|jpeg|svg\+xml));base64,([A-Za-z0-9+/=\s]+)$")


def role_key(model: str | None, *, lead: bool) -> str:
    """The ROLE_LABELS key of the lead or of a partner under `model` (single, cooperative, joint-award,
    joint-lead): cooperative partners deliver, joint-award partners award, joint-lead partners participate."""
    if model == "joint-award":
        return "joint-issuer" if lead else "joint-awarding"
    if model in ("cooperative", "joint-lead"):
        return "lead" if lead else ("delivering" if model == "cooperative" else "participating")
    return "awarding" if lead else "delivering"   # a partner that does not award delivers


def role_text(tr: Translator, model: str | None, *, lead: bool, own: dict[str, str] | None = None) -> str:
    """The printed role: the model's label, then the partner's own words when the credential has them."""
    label = tr(ROLE_LABELS[role_key(model, lead=lead)])
    words = tr.text(own) if own else ""
    return f"{label}: {words}" if words else label


def embedded_image(uri: str | None) -> tuple[str, bytes] | None:
    """(media type, bytes) of a logo given as a data: URI, else None: https logos are never fetched,
    and an oversized or undecodable one is not drawn."""
    if not uri or not uri.startswith("data:"):
        return None
    match = _DATA_URI.match(uri.strip())
    if not match:
        return None
    try:
        data = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data or len(data) > MAX_LOGO_BYTES:
        return None
    mime = match.group(1)
    magic_ok = (data.startswith(b"\x89PNG") if mime == "image/png" else data.startswith(b"\xff\xd8")
                if mime == "image/jpeg" else b"<svg" in data[:2048])
    return (mime, data) if magic_ok else None


@lru_cache(maxsize=16)
def _logo_image(uri: str, box: tuple[int, int]) -> Image.Image | None:
    """The embedded raster logo scaled into `box` (cached: a batch draws the same logo on every page)."""
    found = embedded_image(uri)
    if found is None or found[0] == "image/svg+xml":   # Pillow draws no SVG: the name stands for it
        return None
    try:
        with Image.open(io.BytesIO(found[1])) as img:
            if img.width * img.height > MAX_LOGO_PIXELS:
                return None
            logo = img.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    logo.thumbnail(box)
    return logo


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Noto Sans (the `fontpkg-noto-sans` dependency, as export/fonts.py) so accents, Polish,
    Greek and Cyrillic letters print; Pillow's default font, which draws boxes for them, only
    without it. Cached: loading the font costs more than drawing the page."""
    try:
        import fontpkg_noto_sans  # type: ignore[import-untyped,import-not-found,unused-ignore]

        path = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    except (ImportError, OSError):
        pass
    return ImageFont.load_default(size=size)


def workload_text(tr: Translator, ects: float | None, hours: int | None) -> str:
    """ECTS when awarded; an hours-only workload says so, never "0 ECTS"."""
    if ects is not None:
        return tr("{ects} ECTS credits", ects=tr.number(ects))
    if hours:
        return tr("No ECTS credits awarded - {hours} hours", hours=hours)
    return tr("No ECTS credits awarded")


def awarding_statement(tr: Translator, model: str | None, lead: str, bodies: Sequence[str]) -> str:
    """Who awards, as the awarding model says: joint-award names every awarding body and that the lead
    issued on behalf of all; cooperative and joint-lead name the Lead Partner alone."""
    if model == "joint-award":
        return tr("Awarded jointly by {bodies}; issued by {issuer} on behalf of all",
                  bodies=", ".join(bodies), issuer=lead)
    if model in ("cooperative", "joint-lead"):
        return tr("Awarded by {lead}, Lead Partner", lead=lead)
    return tr("Awarded by {bodies}", bodies=", ".join(bodies))


@dataclass(frozen=True)
class _Line:
    text: str
    size: int
    colour: tuple[int, int, int] | str = "black"
    gap: int = 0


def _page_lines(record: MicroCredentialRecord, tr: Translator) -> list[_Line]:
    aw = record.awarding
    model = aw.model.value
    lines = [_Line(t, 34, _BLUE) for t in textwrap.wrap(tr.text(record.title), 40)[:3]]
    mode = vocab.PARTICIPATION.get(record.participation)
    facts = "  |  ".join((workload_text(tr, record.workload.ects, record.workload.hours),
                          tr("EQF level {level}", level=record.level.eqf),
                          tr.concept(mode.uri, mode.label) if mode else str(record.participation)))
    rows = [tr("Awarded to {learner}", learner=tr.text(record.learner.full_name)),
            tr("on {date}", date=tr.date(record.issued.date().isoformat())), facts]
    lines += [_Line(r, 22, gap=10 if i == 0 else 0) for i, r in enumerate(rows)]
    statement = awarding_statement(tr, model, tr.text(aw.lead.legal_name),
                                   [tr.text(o.legal_name) for o in aw.awarding_bodies])
    lines += [_Line(t, 22) for t in textwrap.wrap(statement, 62)]
    if aw.alliance:
        lines.append(_Line(tr("within {alliance}", alliance=tr.text(aw.alliance.name)), 22))
    if aw.partners:   # every partner, with its role (DIVERSE A6: "stating all other partners")
        lines.append(_Line(tr("Partners"), 18, _BLUE, gap=6))
        for org, lead in [(aw.lead, True), *((p, False) for p in aw.partners)]:
            entry = (f"{tr.text(org.legal_name)} ({org.country}) - "
                     f"{role_text(tr, model, lead=lead, own=org.role)}")
            wrapped = textwrap.wrap(entry, 84)
            lines += [_Line(t if i == 0 else "   " + t, 16) for i, t in enumerate(wrapped)]
    if record.modules:
        lines.append(_Line(tr("Modules"), 18, _BLUE, gap=6))
        for m in record.modules:
            parts = [tr.text(m.title)]
            if m.ects is not None or m.hours:
                parts.append(workload_text(tr, m.ects, m.hours) if m.ects is not None else
                             tr("{hours} hours", hours=m.hours))
            if m.grade:
                parts.append(tr("grade {grade}", grade=tr.text(m.grade.value)))
            lines += [_Line(t, 16) for t in textwrap.wrap(" - ".join(parts), 84)]
    return lines


def display_text(record: MicroCredentialRecord) -> list[str]:
    """The lines the display page draws, in order (what a reader of the image sees, for checks)."""
    return [ln.text for ln in _page_lines(record, translator(record.language))]


def _palette() -> Image.Image:
    """The one fixed palette every page uses: a 6x6x6 colour cube (white, black, our blue and gold are
    on it, and a logo keeps its hues) plus antialiasing ramps for the text/background pairs drawn."""
    steps = (0, 51, 102, 153, 204, 255)
    values = [v for r in steps for g in steps for b in steps for v in (r, g, b)]
    for fg, bg in (((0, 0, 0), (255, 255, 255)), (_BLUE, (255, 255, 255)), (_GOLD, _BLUE),
                   ((255, 255, 255), _BLUE)):
        values += [round(bg[c] + (fg[c] - bg[c]) * k / 11) for k in range(1, 11) for c in range(3)]
    pal = Image.new("P", (1, 1))
    pal.putpalette(values)
    return pal


_PALETTE = _palette()
_WHITE = 215   # (255, 255, 255): the last entry of the cube


def _fixed(img: Image.Image) -> Image.Image:
    """`img` mapped to the fixed palette, nearest colour, no dithering: the same pixels give the same
    indices whatever else was drawn, so cached pieces compose into the page a cold render gives."""
    return img.quantize(palette=_PALETTE, dither=Image.Dither.NONE)


@lru_cache(maxsize=64)
def _header(title: str, alliance: str | None, logo_uri: str | None) -> Image.Image:
    """The title band (the alliance's logo, or its name), in palette space: the same on every page of a batch."""
    img = Image.new("RGB", (_W, 71), _BLUE)
    d = ImageDraw.Draw(img)
    d.text((24, 20), title, font=_font(28), fill=_GOLD)
    logo = _logo_image(logo_uri, (220, 58)) if logo_uri else None
    if logo is not None:
        x, y = _W - 16 - logo.width, (70 - logo.height) // 2
        d.rectangle([x - 4, y - 4, x + logo.width + 4, y + logo.height + 4], fill="white")
        img.paste(logo, (x, y), logo)
    elif alliance is not None:   # no embedded logo: the alliance's name stands for it
        d.text((_W - 16, 35), textwrap.shorten(alliance, 34, placeholder="..."), font=_font(16),
               fill="white", anchor="rm")
    return _fixed(img)


@lru_cache(maxsize=_PIECES)
def _strip(text: str, size: int, colour: tuple[int, int, int] | str) -> tuple[Image.Image, Image.Image]:
    """One text line (as tall as its ink) in palette space and the mask of its ink: a batch redraws only
    the learner's lines; the mask lets a descender that reaches into the next line survive its paste."""
    font = _font(size)
    bottom = max(1, int(ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((24, 0), text, font=font)[3]))
    img = Image.new("RGB", (_W, bottom), "white")
    ImageDraw.Draw(img).text((24, 0), text, font=font, fill=colour)
    strip = _fixed(img)
    return strip, strip.point([0 if i == _WHITE else 255 for i in range(256)], "1")


def render_summary_png(record: MicroCredentialRecord) -> bytes:
    """Title, learner, the awarding statement, every partner with its role, workload and EQF on an
    A-format landscape page (taller when the partners need it), in the record's language.

    Composed in a fixed palette from cached pieces (the header band, each text line) and encoded from
    cached compressed bands: the bytes depend on the record alone, never on what was drawn before."""
    tr = translator(record.language)
    lines = _page_lines(record, tr)
    height = max(_H, 95 + sum(ln.size + ln.size // 3 + ln.gap for ln in lines) + 30)
    page = Image.new("P", (_W, height), _WHITE)
    alliance = record.awarding.alliance
    head = (tr("European micro-credential"), tr.text(alliance.name) if alliance else None,
            str(alliance.logo) if alliance and alliance.logo else None)
    page.paste(_header(*head), (0, 0))
    y, placed = 95, []
    for ln in lines:
        y += ln.gap
        key = (ln.text, ln.size, ln.colour)
        strip, ink = _strip(*key)
        page.paste(strip, (0, y), ink)
        placed.append((y, strip.height, key))
        y += ln.size + ln.size // 3
    foot = height - 12
    page.paste(_GOLD_INDEX, (0, foot, _W, height))
    # the bands: the header's rows, then from each line's top to the next (the last to the gold foot)
    cuts = [0, 95, *(top for top, _, _ in placed[1:]), foot, height]
    segments = []
    for top, bottom in zip(cuts, cuts[1:]):
        inside = tuple((t - top, key) for t, h, key in placed if t < bottom and t + h > top)
        band = (head if top == 0 else None, bottom - top, inside, bottom == height)
        segments.append(_segment(band, page, top, bottom))
    return _png(_W, height, segments)


_Band = tuple[object, ...]


_SEGMENTS: dict[_Band, tuple[bytes, int, int]] = {}   # a bounded cache, oldest out first
_SEGMENTS_LOCK = threading.Lock()


def _segment(band: _Band, page: Image.Image, top: int, bottom: int) -> tuple[bytes, int, int]:
    """The compressed rows top..bottom of `page`, cached by what the band holds (the pieces drawn into
    it at their offsets, its height): in a batch only the learner's bands are compressed anew."""
    found = _SEGMENTS.get(band)
    if found is None:
        data = page.crop((0, top, _W, bottom)).tobytes()
        raw = b"".join(b"\0" + data[i:i + _W] for i in range(0, len(data), _W))   # filter "none" per row
        found = _deflate(raw)
        with _SEGMENTS_LOCK:   # the service renders in threads
            while len(_SEGMENTS) >= _PIECES:
                _SEGMENTS.pop(next(iter(_SEGMENTS)))
            _SEGMENTS[band] = found
    return found


def _deflate(raw: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of `raw` on its own (a fresh compressor: no reference to other bands), byte-aligned
    by a sync flush so bands concatenate into one stream; with its Adler-32 and length."""
    c = zlib.compressobj(_COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush(zlib.Z_SYNC_FLUSH), zlib.adler32(raw), len(raw)


def _adler_combine(a: int, b: int, length_b: int) -> int:
    """Adler-32 of the concatenation from the two parts' checksums (zlib's adler32_combine)."""
    mod = 65521
    s1 = ((a & 0xFFFF) + (b & 0xFFFF) - 1) % mod
    s2 = ((a >> 16) + (b >> 16) + length_b * ((a & 0xFFFF) - 1)) % mod
    return (s2 << 16) | s1


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, segments: Sequence[tuple[bytes, int, int]]) -> bytes:
    """An 8-bit palette PNG whose one zlib stream is the bands' deflate segments and a final empty block."""
    adler = 1
    for _, check, length in segments:
        adler = _adler_combine(adler, check, length)
    stream = b"\x78\x9c" + b"".join(s for s, _, _ in segments) + _FINAL_BLOCK + struct.pack(">I", adler)
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
                     _PLTE, _chunk(b"IDAT", stream), _chunk(b"IEND", b"")))


_GOLD_INDEX = 5 * 36 + 4 * 6   # (255, 204, 0) on the cube
_COMPRESS_LEVEL = 6
_FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)   # an empty last block
_PLTE = _chunk(b"PLTE", bytes(_PALETTE.getpalette() or []))
