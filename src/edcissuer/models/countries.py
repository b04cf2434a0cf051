"""Country names to ISO 3166-1 alpha-2 codes, so a registrar may write `Germany` or `Deutschland`.

Why pycountry: it carries the ISO 3166-1 names and their translations (the iso-codes
project), so English and native names of every supported country are read from kept data
rather than a hand-typed table. Only the countries of `vocab.COUNTRY` are accepted; a name
of another country says which code it is and that it is not supported.
"""
from __future__ import annotations

import difflib
import gettext
import unicodedata
from functools import lru_cache

import pycountry

from . import vocab

#: languages whose country names are accepted: the record languages we know (vocab.LANGUAGE)
#: plus the other languages of the supported countries
NAME_LANGUAGES: tuple[str, ...] = tuple(dict.fromkeys((*vocab.LANGUAGE, "is", "nb", "nn", "tr", "uk", "sr", "bs",
                                                        "mk", "sq", "ka", "hy", "az", "kk", "be", "ca", "lb", "rm")))


#: codes people use that are not ISO 3166-1 (the EU writes EL for Greece): suggested, never taken
_NOT_ISO = {"UK": "GB", "EL": "GR"}


def _key(name: str) -> str:
    """Case, accents and punctuation do not tell names apart: 'Österreich' = 'osterreich'."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in plain if c.isalnum())


@lru_cache(maxsize=1)
def names() -> dict[str, str]:
    """Normalised country name (English and native) -> alpha-2, for every supported country."""
    english: dict[str, list[str]] = {}
    for code in vocab.COUNTRY:
        entry = pycountry.countries.get(alpha_2=code)
        if entry is None:
            continue
        given = [getattr(entry, attr, None) for attr in ("name", "official_name", "common_name")]
        english[code] = [n for n in given if n]
    out: dict[str, str] = {}
    for code, variants in english.items():
        for name in variants:
            out.setdefault(_key(name), code)
        out.setdefault(_key(vocab.COUNTRY[code].label), code)
    for lang in NAME_LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for code, variants in english.items():
            for name in variants:
                out.setdefault(_key(tr.gettext(name)), code)
    return out


def _other_country(value: str) -> str | None:
    """The alpha-2 code of a country pycountry knows but we do not support, or None."""
    try:
        found = pycountry.countries.lookup(value)
    except LookupError:
        return None
    code = getattr(found, "alpha_2", None)
    return code if isinstance(code, str) else None


def country_code(value: str) -> str:
    """The supported alpha-2 code `value` is or names; else ValueError saying what was meant."""
    text = value.strip()
    if text.upper() in vocab.COUNTRY:
        return text.upper()
    if text.upper() in _NOT_ISO:
        code = _NOT_ISO[text.upper()]
        raise ValueError(f"{text!r} is not an ISO 3166-1 alpha-2 code; did you mean {code} "
                         f"({vocab.COUNTRY[code].label})?")
    table = names()
    named = table.get(_key(text))
    if named is not None:
        return named
    other = _other_country(text)
    if other is not None:
        raise ValueError(f"{text!r} is {other}, which is not a supported country "
                         f"(supported: the EHEA countries, {', '.join(sorted(vocab.COUNTRY))})")
    close = difflib.get_close_matches(_key(text), list(table), n=1, cutoff=0.75)
    if close:
        near = table[close[0]]
        raise ValueError(f"{text!r} is not a country code; did you mean {near} ({vocab.COUNTRY[near].label})?")
    raise ValueError(f"{text!r} is not a supported ISO 3166-1 alpha-2 country code or country name "
                     f"(e.g. DE or Germany; supported: {', '.join(sorted(vocab.COUNTRY))})")
