"""One font for badges and certificates that can write every EU learner's name.

Why a packaged font: fpdf2's core fonts and Pillow's default font cover Latin-1 only, so
"Łukasiewicz", "Παπαδοπούλου" or "Иванова" would crash a PDF or print as boxes. Noto Sans
(Latin, Greek and Cyrillic, OFL-1.1) comes from the `fontpkg-noto-sans` wheel, a pip
dependency, so no system package is needed. Without it we fall back to DejaVu Sans where
the system has it, and last to Latin-1 core fonts with characters replaced (never a crash).
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

_SYSTEM_FALLBACKS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


@lru_cache(maxsize=1)
def unicode_font_path() -> Path | None:
    """Path of a TrueType font covering Latin, Greek and Cyrillic, or None."""
    try:
        import fontpkg_noto_sans  # type: ignore[import-untyped,import-not-found,unused-ignore]

        path = Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"
        if path.is_file():
            return path
    except ImportError:
        pass
    return next((p for p in _SYSTEM_FALLBACKS if p.is_file()), None)


def is_variable(path: Path) -> bool:
    return "[" in path.name


def pil_font(size: int, *, bold: bool = False) -> Any:
    """A Pillow font of `size` px (bold through the variable font's weight axis)."""
    from PIL import ImageFont

    path = unicode_font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    font = ImageFont.truetype(str(path), size)
    if is_variable(path):
        try:
            wanted = {b"Weight": 700 if bold else 400, b"Width": 100}
            font.set_variation_by_axes([wanted.get(a["name"], a["default"]) for a in font.get_variation_axes()])
        except (OSError, ValueError, KeyError):  # FreeType without variation support: default instance
            pass
    return font


def latin1(text: str) -> str:
    """`text` made safe for Latin-1 core fonts: accents kept where Latin-1 has them, else stripped, else '?'."""
    out = []
    for ch in text:
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 128)
        out.append(base or "?")
    return "".join(out)
