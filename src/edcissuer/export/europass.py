"""The Europass-ready file: an ELM credential sealed with JAdES, exactly as issued.

Europass (the EU's learner wallet) takes European Digital Credentials sealed by the
issuer's e-seal: a JAdES JWS JSON object `{"payload": "<the EDC JSON-LD>", "signatures":
[...]}`, the form EDCI itself produces (see the EU's Sample-MC-Annex1-signed.jsonld). The
seal covers the payload bytes, so the file goes out byte for byte as it was sealed; this
module only checks it is one and gives it a readable file name. Open Badges and ELM
credentials secured otherwise are refused with what to do instead.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from ..errors import ExportError
from .artefact import SignedArtefact, load_artefact, pick

SUFFIX = ".jsonld"
MAX_STEM = 80


@dataclass(frozen=True)
class EuropassFile:
    """The file a learner uploads to Europass: name and exact bytes."""

    name: str
    content: bytes


def ascii_slug(text: str, max_length: int = MAX_STEM) -> str:
    """`text` as an ASCII file-name stem: accents dropped, other characters as '-'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")
    return slug[:max_length].rstrip("-")


def europass_file_name(art: SignedArtefact, lang: str | None = None) -> str:
    """`<title>-<YYYY-MM-DD>.jsonld`, ASCII-safe (e.g. Data-Literacy-for-Public-Policy-2026-09-01.jsonld)."""
    el = art.elements
    stem = ascii_slug(pick(el.title, lang)) or "European-Digital-Credential"
    date = (el.issued or "")[:10]
    return f"{stem}-{date}{SUFFIX}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else f"{stem}{SUFFIX}"


def check_sealed_elm(art: SignedArtefact) -> None:
    """Raise ExportError unless `art` is an ELM credential sealed with JAdES."""
    if art.format != "elm":
        raise ExportError("Europass stores European Digital Credentials (ELM); this is an Open Badges 3.0 "
                          "credential: share it as a baked badge (--as png), a presentation (--as vp) or a "
                          "wallet offer (--as offer)", field="format", value=art.format)
    if art.kind != "jades":
        raise ExportError(f"Europass accepts EDCs sealed with the institution's e-seal (JAdES); this one is "
                          f"secured by {art.kind}: issue it with a seal (edcissuer issue --proof jades --seal-cert "
                          "... --seal-key ...)", field="proof", value=art.kind)
    assert isinstance(art.raw, dict)
    signatures = art.raw.get("signatures")
    if not isinstance(signatures, list) or len(signatures) != 1:
        raise ExportError("a sealed EDC has exactly one signature", field="signatures")


def europass_export(source: Any, *, lang: str | None = None) -> EuropassFile:
    """The sealed EDC as Europass takes it, unchanged, with a Europass-style file name."""
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    check_sealed_elm(art)
    return EuropassFile(europass_file_name(art, lang), art.text.encode("utf-8"))
