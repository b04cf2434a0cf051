"""The ELM display page is composed from cached pieces in a fixed palette, and that never changes
its bytes: a page equals a cold render of its record whatever was drawn before, and two learners
of one programme differ exactly where the learner is named and the date is printed."""
from __future__ import annotations

import copy
import io
from datetime import timedelta
from typing import Any

import yaml
from PIL import Image, ImageChops

from conftest import ROOT
from edcissuer.mapping import display
from edcissuer.mapping.display import render_summary_png
from edcissuer.models.records import MicroCredentialRecord, parse_record


def _learner(name: str, family: str, days: int = 0) -> MicroCredentialRecord:
    data: dict[str, Any] = yaml.safe_load((ROOT / "samples" / "records" / "modular-ingenium.yaml")
                                          .read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["learner"]["given_name"], data["learner"]["family_name"] = name, family
    rec = parse_record(data)
    return rec.model_copy(update={"issued": rec.issued + timedelta(days=days)}) if days else rec


def _cold(rec: MicroCredentialRecord) -> bytes:
    for cache in (display._header, display._strip, display._logo_image, display._font):
        cache.cache_clear()
    display._SEGMENTS.clear()
    return render_summary_png(rec)


def _rows_differing(a: bytes, b: bytes) -> set[int]:
    one, two = (Image.open(io.BytesIO(p)).convert("RGB") for p in (a, b))
    assert one.size == two.size
    diff = ImageChops.difference(one, two).convert("L")
    return {y for y in range(diff.height) if diff.crop((0, y, diff.width, y + 1)).getbbox()}


def _band(rec: MicroCredentialRecord, starts: str) -> range:
    """The rows of the first drawn line starting with `starts` (as render_summary_png lays them out)."""
    y = 95
    for ln in display._page_lines(rec, display.translator(rec.language)):
        y += ln.gap
        if ln.text.startswith(starts):
            return range(y, y + ln.size + ln.size // 3 + 8)   # a descender may reach a little lower
        y += ln.size + ln.size // 3
    raise AssertionError(starts)


def test_a_composed_page_equals_a_cold_render_of_its_record() -> None:
    rec = _learner("Ana", "Kovač")
    for other in (_learner("Zoë", "Øster", days=3), _learner("Björn", "Łukasz")):
        render_summary_png(other)   # warm the caches with other learners' pieces
    warm = render_summary_png(rec)
    assert warm == render_summary_png(rec) == _cold(rec)


def test_two_learners_of_one_programme_get_different_pages_each_equal_to_its_cold_render() -> None:
    first, second = _learner("Ana", "Kovač"), _learner("Zoë", "Øster", days=3)
    pages = render_summary_png(first), render_summary_png(second)
    assert pages[0] != pages[1]
    assert (_cold(first), _cold(second)) == pages


def test_the_learners_name_is_drawn_and_nothing_else_changes_but_the_date() -> None:
    first, second = _learner("Ana", "Kovač"), _learner("Zoë", "Øster", days=3)
    rows = _rows_differing(render_summary_png(first), render_summary_png(second))
    name, date = set(_band(first, "Awarded to")), set(_band(first, "on "))
    assert rows & name and rows & date
    assert rows <= name | date

    same_day = _learner("Zoë", "Øster")
    rows = _rows_differing(render_summary_png(first), render_summary_png(same_day))
    assert rows and rows <= name


def test_the_page_is_a_palette_png_in_the_fixed_palette() -> None:
    img = Image.open(io.BytesIO(render_summary_png(_learner("Ana", "Kovač"))))
    assert img.mode == "P" and img.size[0] == 800
    assert img.getpalette() == display._PALETTE.getpalette()


def test_the_banded_png_is_one_valid_zlib_stream_of_the_pages_rows() -> None:
    """zlib checks the combined Adler-32 of the concatenated band segments; the rows are the pixels drawn."""
    import struct
    import zlib

    png = render_summary_png(_learner("Ana", "Kovač"))
    img = Image.open(io.BytesIO(png))
    at = png.index(b"IDAT")
    (length,) = struct.unpack(">I", png[at - 4:at])
    raw = zlib.decompress(png[at + 4:at + 4 + length])
    rows = img.tobytes()
    assert raw == b"".join(b"\0" + rows[i:i + img.width] for i in range(0, len(rows), img.width))
    assert zlib.crc32(png[at:at + 4 + length]) == struct.unpack(">I", png[at + 4 + length:at + 8 + length])[0]
