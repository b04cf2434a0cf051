"""One font for badges and certificates that can write every EU learner's name.

Why a packaged font: fpdf2's core fonts and Pillow's default font cover Latin-1 only, so
"Łukasiewicz", "Παπαδοπούλου" or "Иванова" would crash a PDF or print as boxes. Noto Sans
(Latin, Greek and Cyrillic, OFL-1.1) comes from the `fontpkg-noto-sans` wheel, a pip
dependency, so no system package is needed. Without it we fall back to DejaVu Sans where
the system has it, and last to Latin-1 core fonts with characters replaced (never a crash).
"""
from __future__ import annotations

import os
import tempfile
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


def _cache_dir() -> Path:
    env = os.environ.get("EDCISSUER_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edcissuer" / "fonts"


@lru_cache(maxsize=4)
def static_font(weight: int = 400) -> Path | None:
    """A static TrueType instance of the Unicode font at `weight`, cached on disk.

    Why: fpdf2 instantiates a variable font on every add_font (about 2 s per weight); a
    static instance loads in milliseconds. Made once with fontTools (an fpdf2 dependency)
    into the user's cache folder (EDCISSUER_CACHE_DIR overrides). None when the font is
    not variable or the cache cannot be written; callers then use the font as it is.
    """
    source = unicode_font_path()
    if source is None or not is_variable(source):
        return None
    stat = source.stat()
    target = _cache_dir() / f"{source.stem.split('[')[0]}-w{weight}-{stat.st_size}-{stat.st_mtime_ns}.ttf"
    if target.is_file():
        return target
    try:
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped,unused-ignore]
        from fontTools.varLib import instancer  # type: ignore[import-untyped,unused-ignore]

        target.parent.mkdir(parents=True, exist_ok=True)
        font = instancer.instantiateVariableFont(TTFont(str(source)), {"wght": weight, "wdth": 100},
                                                 updateFontNames=False)
        fd, tmp = tempfile.mkstemp(suffix=".ttf", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            font.save(handle)
        os.replace(tmp, target)
    except (ImportError, OSError, ValueError, KeyError):
        return None
    return target


def pil_font(size: int, *, bold: bool = False) -> Any:
    """A Pillow font of `size` px (bold through the variable font's weight axis)."""
    from PIL import ImageFont

    path = unicode_font_path()
    if path is None:
        return ImageFont.load_default(size=size)
    font = ImageFont.truetype(str(path), size)
    if is_variable(path):
        try:
            wanted: dict[bytes, float] = {b"Weight": 700.0 if bold else 400.0, b"Width": 100.0}
            axes = font.get_variation_axes()
            font.set_variation_by_axes([wanted.get(bytes(a["name"]), float(a.get("default") or 0)) for a in axes])
        except (OSError, ValueError, KeyError):  # FreeType without variation support: default instance
            pass
    return font


#: Latin letters NFKD does not decompose to ASCII
_LATIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE",
                        "œ": "oe", "Ŋ": "N", "ŋ": "n", "ſ": "s", "–": "-", "—": "-", "‘": "'", "’": "'",
                        "“": '"', "”": '"', "…": "..."})


def latin1(text: str) -> str:
    """`text` made safe for Latin-1 core fonts: accents kept where Latin-1 has them, else stripped, else '?'."""
    out = []
    for ch in text.translate(_LATIN):
        if ord(ch) < 256:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 128)
        out.append(base or "?")
    return "".join(out)
