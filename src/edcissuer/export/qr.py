"""QR codes for a credential: its verification link, or the compact JWT itself when it fits.

Why a link first: a QR code holds at most 2,953 bytes (version 40, error correction L),
and phones struggle well before that; a signed micro-credential is 10-100 KB. So the QR
normally carries a link the institution serves (`--verify-url`, a pattern such as
https://verify.example.edu/c/{id}). Only a compact VC-JWT small enough goes in whole;
anything else gets an ExportError that names the size, the limit and what to use instead.
"""
from __future__ import annotations

import io
import re
from typing import Any, Literal
from urllib.parse import quote

import qrcode
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError

from ..errors import ExportError
from .artefact import SignedArtefact, load_artefact

Mode = Literal["auto", "link", "jwt"]
#: bytes a version-40 QR code holds in byte mode, per error-correction level (ISO/IEC 18004)
CAPACITY = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}
_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}
ALTERNATIVES = ("a verification link (--verify-url https://verify.example.edu/c/{id})",
                "a baked badge (--as png/svg)", "a presentation (--as vp)", "a wallet offer (--as offer)")


def verification_url(pattern: str, credential_id: str | None) -> str:
    """The link for one credential: `{id}` becomes the URL-encoded credential id.

    `{uuid}` becomes the bare UUID of a `urn:uuid:` id, for shorter links.
    """
    if not re.match(r"^(https://[^\s/]+|http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/)", pattern):
        raise ExportError("the verification link must be an https:// URL (http only for a loopback demo)",
                          field="verify-url", value=pattern)
    if "{id}" not in pattern and "{uuid}" not in pattern:
        raise ExportError("the verification link pattern needs a {id} or {uuid} placeholder, e.g. "
                          "https://verify.example.edu/c/{id}", field="verify-url", value=pattern)
    if not credential_id:
        raise ExportError("the credential has no id to put in the verification link", field="id")
    uuid = credential_id.removeprefix("urn:uuid:")
    return pattern.replace("{id}", quote(credential_id, safe="")).replace("{uuid}", quote(uuid, safe=""))


def too_large(size: int, limit: int, what: str = "credential") -> ExportError:
    """The error a learner sees when something does not fit a QR code."""
    return ExportError(f"the {what} is {size} bytes, too large for a QR code (at most {limit} bytes at this "
                       f"error-correction level); use instead: {'; '.join(ALTERNATIVES)}",
                       field="qr", value=size)


def qr_payload(source: Any, *, verify_url: str | None = None, mode: Mode = "auto",
               error_correction: str = "L") -> tuple[str, str]:
    """(kind, text) to encode: ("jwt", token) or ("link", url).

    auto: the compact JWT when it is one and fits, else the link (which needs `verify_url`).
    """
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    limit = CAPACITY[error_correction]
    size = len(art.text.encode("utf-8"))
    if mode == "jwt" or (mode == "auto" and art.is_compact and size <= limit):
        if not art.is_compact:
            raise ExportError(f"only a compact VC-JWT can go into a QR code whole; this credential is secured by "
                              f"{art.kind} ({size} bytes); use instead: {'; '.join(ALTERNATIVES)}",
                              field="qr", value=size)
        if size > limit:
            raise too_large(size, limit, "compact JWT")
        return "jwt", str(art.raw)
    if not verify_url:
        raise too_large(size, limit) if not art.is_compact or size > limit else \
            ExportError("give --verify-url for a link QR code", field="verify-url")
    return "link", verification_url(verify_url, art.credential_id)


def make_qr(text: str, *, fmt: str = "png", error_correction: str = "M", box_size: int = 10,
            border: int = 4) -> bytes:
    """A QR code for `text` as PNG or SVG bytes; ExportError when it cannot fit."""
    if error_correction not in _LEVELS:
        raise ExportError(f"error correction must be one of {', '.join(_LEVELS)}", field="error-correction",
                          value=error_correction)
    size = len(text.encode("utf-8"))
    if size > CAPACITY[error_correction]:
        raise too_large(size, CAPACITY[error_correction], "text")
    qr = qrcode.QRCode(error_correction=_LEVELS[error_correction], box_size=box_size, border=border)
    qr.add_data(text.encode("utf-8"))
    try:
        qr.make(fit=True)
    except (DataOverflowError, ValueError) as exc:  # mode overheads can tip a borderline text over
        raise too_large(size, CAPACITY[error_correction], "text") from exc
    buf = io.BytesIO()
    if fmt == "png":
        qr.make_image(fill_color="black", back_color="white").save(buf)
    elif fmt == "svg":
        from qrcode.image.svg import SvgPathImage

        qr.make_image(image_factory=SvgPathImage).save(buf)
    else:
        raise ExportError(f"QR format must be png or svg, not {fmt!r}", field="format", value=fmt)
    return buf.getvalue()


def credential_qr(source: Any, *, verify_url: str | None = None, fmt: str = "png", mode: Mode = "auto",
                  error_correction: str | None = None) -> tuple[bytes, str, str]:
    """(image bytes, kind, encoded text) of a credential's QR code.

    Links get error correction M (robust to smudges); a whole JWT gets L (most room).
    """
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    level = error_correction or "L"
    kind, text = qr_payload(art, verify_url=verify_url, mode=mode, error_correction=level)
    if error_correction is None and kind == "link":
        level = "M"
    return make_qr(text, fmt=fmt, error_correction=level), kind, text
