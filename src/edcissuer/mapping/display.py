"""A small PNG summary page of a record: ELM's display page and the default badge art.

Drawn with Pillow from the record alone, so the same record always gives the same bytes
(on one Pillow version) and re-issuing stays idempotent.
"""
from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

from ..models.records import MicroCredentialRecord
from .common import text

_W, _H = 800, 566
_BLUE = (0, 51, 153)
_GOLD = (255, 204, 0)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def render_summary_png(record: MicroCredentialRecord) -> bytes:
    """Title, learner, awarding bodies, ECTS and EQF on an A-format landscape page."""
    lang = record.language
    img = Image.new("RGB", (_W, _H), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, _W, 70], fill=_BLUE)
    d.text((24, 20), "European micro-credential", font=_font(28), fill=_GOLD)
    y = 95
    for line in textwrap.wrap(text(record.title, lang) or "", 40)[:3]:
        d.text((24, y), line, font=_font(34), fill=_BLUE)
        y += 44
    y += 10
    learner = text(record.learner.full_name, lang) or ""
    rows = [
        f"Awarded to {learner}",
        f"on {record.issued.date().isoformat()}",
        f"{record.workload.ects:g} ECTS  |  EQF level {record.level.eqf}  |  {record.participation}",
    ]
    bodies = ", ".join(text(o.legal_name, lang) or "" for o in record.awarding.awarding_bodies)
    rows += textwrap.wrap(f"Awarded by {bodies}", 60)[:3]
    if record.awarding.alliance:
        rows.append(f"within {text(record.awarding.alliance.name, lang)}")
    for row in rows:
        d.text((24, y), row, font=_font(22), fill="black")
        y += 32
    d.rectangle([0, _H - 12, _W, _H], fill=_GOLD)
    buf = io.BytesIO()
    # an 8-colour palette PNG: a quarter of the size, and 4x faster than optimize=True
    img.quantize(colors=8).save(buf, format="PNG")
    return buf.getvalue()
