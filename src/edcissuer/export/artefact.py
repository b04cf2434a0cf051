"""The signed artefact every exporter starts from, read once and never changed.

Why one reader: exporters must carry the credential exactly as it was signed (STYLE:
"exporters that re-sign or re-map" are forbidden). The reader itself is
`securing.artefact` (shared with the verifier); this module adds what only exporters need.
"""
from __future__ import annotations

from ..securing.artefact import SignedArtefact, load_artefact

__all__ = ["STAMP", "SignedArtefact", "load_artefact", "pick"]

#: what a carrier made from a credential that did not verify says on its face (--unverified)
STAMP = "NOT VERIFIED"


def pick(value: dict[str, str] | None, lang: str | None = None) -> str:
    """One string out of a language map: the wanted language, else English, else the first."""
    if not value:
        return ""
    if lang and value.get(lang):
        return value[lang]
    return value.get("en") or next(iter(value.values()), "")
