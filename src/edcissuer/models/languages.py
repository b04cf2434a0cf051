"""Language tags to the EU language authority table, so no language is silently read as English.

Why pycountry: it carries ISO 639 (alpha-2 and alpha-3) from the iso-codes project, and the
EU authority table (publications.europa.eu/resource/authority/language) names languages by
their ISO 639-3 code in capitals (ENG, DEU, RON). A tag whose primary language ISO 639 does
not know is refused by the record, never mapped to a default.
"""
from __future__ import annotations

from functools import lru_cache

import pycountry

from . import vocab


@lru_cache(maxsize=512)
def _entry(primary: str) -> tuple[str, str] | None:
    """(ISO 639-3, English name) of a primary language subtag, or None when ISO 639 lacks it."""
    primary = primary.lower()
    found = (pycountry.languages.get(alpha_2=primary) if len(primary) == 2
             else pycountry.languages.get(alpha_3=primary))
    if found is None:
        return None
    return str(found.alpha_3), str(found.name)


def known_language(tag: str) -> bool:
    """The tag's primary language is in ISO 639 (`en`, `pt-BR`, `fil`); `xx` is not."""
    return _entry(tag.split("-")[0]) is not None


def language_concept(tag: str) -> vocab.Concept:
    """The EU authority concept of a BCP 47 tag's language (`pt-BR` -> .../language/POR).

    Raises KeyError for a language ISO 639 does not know: records refuse those first.
    """
    if tag in vocab.LANGUAGE:
        return vocab.LANGUAGE[tag]
    entry = _entry(tag.split("-")[0])
    if entry is None:
        raise KeyError(tag)
    a3, name = entry
    known = next((c for c in vocab.LANGUAGE.values() if c.uri.endswith("/" + a3.upper())), None)
    if known is not None:
        return known
    return vocab.Concept(f"{vocab.LANGUAGE_SCHEME}/{a3.upper()}", vocab.LANGUAGE_SCHEME, name, tag.split("-")[0])
