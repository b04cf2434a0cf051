"""Learner-facing text in the learner's language: labels, vocabulary labels, names, dates.

Why one module: a certificate, a display page and a badge mix three kinds of text, and each
must come out in the same language. Labels ("awarded to") come from gettext catalogues
(`locale/<lang>/LC_MESSAGES/edcissuer.po`, read with Babel, shipped as .po so a translator
edits one text file); controlled values ("oral examination") come from our table of the EU
vocabularies' labels (`locale/vocab-labels.toml`, keyed by concept URI); country names and
dates come from CLDR through Babel; names of people and organisations come from the
credential's own language maps.

Every string falls back on its own, in one order (`fallback_chain`): the requested
language (`fr-BE`, then `fr`), then the record's language, then English, and for a
language map last its first entry. So a missing French translation of one label never turns
the whole page English. docs/i18n.md says how to add a language.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "edcissuer"
VOCAB_LABELS = LOCALE_DIR / "vocab-labels.toml"
SOURCE_LANGUAGE = "en"
# a BCP 47 shape (letters, digits, hyphens; at most 35 characters): the only tags looked up on disk
_LANG_TAG = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")
_LANG_MAX = 35


def N_(message: str) -> str:
    """Mark a label for the catalogue where it is defined; it is translated where it is shown."""
    return message


def is_language_tag(tag: str) -> bool:
    """Whether `tag` has a BCP 47 shape (letters, digits, hyphens; at most 35 characters)."""
    return len(tag) <= _LANG_MAX and bool(_LANG_TAG.match(tag.replace("_", "-")))


def _base(tag: str) -> str:
    return tag.replace("_", "-").split("-", 1)[0].lower()


def fallback_chain(lang: str | None, record_lang: str | None = None) -> tuple[str, ...]:
    """Languages to try, in order: requested (full tag, then its base), the record's, English."""
    chain: list[str] = []
    for tag in (lang, record_lang, SOURCE_LANGUAGE):
        if not tag or not is_language_tag(tag):
            continue  # not a BCP 47 shape: skipped, so the next language of the order applies
        for candidate in (tag.replace("_", "-"), _base(tag)):
            if candidate not in chain:
                chain.append(candidate)
    return tuple(chain)


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """Languages with a catalogue, found on disk (adding a folder adds a language)."""
    return tuple(sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


@lru_cache(maxsize=64)
def catalogue(lang: str) -> Mapping[str, str]:
    """msgid -> msgstr of one language's catalogue (empty when it has none); fuzzy entries are skipped."""
    from babel.messages.pofile import read_po

    if not is_language_tag(lang) or lang not in available_languages():
        return {}  # only shipped catalogues are looked up: never a path built from an odd --lang
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        cat = read_po(handle, locale=None)
    return {str(m.id): str(m.string) for m in cat if m.id and isinstance(m.id, str)
            and isinstance(m.string, str) and m.string and not m.fuzzy}


@lru_cache(maxsize=1)
def _vocab_labels() -> Mapping[str, Mapping[str, str]]:
    with VOCAB_LABELS.open("rb") as handle:
        data = tomllib.load(handle)
    return {uri: {k: v for k, v in labels.items() if isinstance(v, str)} for uri, labels in data.items()
            if isinstance(labels, dict)}


def vocab_labels() -> Mapping[str, Mapping[str, str]]:
    """Concept URI -> language -> label (our table of the EU vocabularies' labels)."""
    return _vocab_labels()


def pick_text(value: Mapping[str, str] | None, chain: Iterable[str]) -> str:
    """One string of a language map: the first language of `chain` it has, else its first entry.

    A map keyed `fr-FR` answers for `fr` too (and `fr` for `fr-FR`)."""
    if not value:
        return ""
    present = {k: v for k, v in value.items() if v}
    for lang in chain:
        if present.get(lang):
            return present[lang]
        for key, text in present.items():
            if _base(key) == _base(lang) and "-" not in lang:
                return text
    return next(iter(present.values()), "")


@lru_cache(maxsize=64)
def _cldr(tag: str) -> bool:
    """Whether CLDR (Babel) knows `tag`, so dates and numbers can be written in it."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Translator:
    """Labels, concept labels, countries and dates for one output language (with its fallbacks)."""

    chain: tuple[str, ...]

    @property
    def language(self) -> str:
        """The output language: the first of the chain that has a catalogue (for `lang` attributes)."""
        known = available_languages()
        return next((lang for lang in self.chain if _base(lang) in known and _cldr(lang)), SOURCE_LANGUAGE)

    def __call__(self, message: str, **values: object) -> str:
        """`message` (an English msgid) in the first language of the chain that translates it."""
        text = message
        for lang in self.chain:
            found = catalogue(lang).get(message)
            if found:
                text = found
                break
        return text.format(**values) if values else text

    def concept(self, uri: str | None, default: str | None = None) -> str:
        """A controlled value's label by concept URI; `default` (the credential's own label) when unknown."""
        labels = vocab_labels().get(uri or "")
        if labels:
            for lang in self.chain:
                if labels.get(lang):
                    return labels[lang]
        return default or uri or ""

    def text(self, value: Mapping[str, str] | None) -> str:
        return pick_text(value, self.chain)

    def country(self, code: str) -> str:
        """The country's name in the output language (CLDR, through Babel), else the code."""
        from babel import Locale, UnknownLocaleError

        for lang in self.chain:
            try:
                name = Locale.parse(lang.replace("-", "_")).territories.get(code.upper())
            except (UnknownLocaleError, ValueError, TypeError):
                continue
            if name:
                return str(name)
        return code

    def date(self, value: str | None) -> str:
        """An ISO date (or the date part of an instant) written the output language's way."""
        raw = (value or "")[:10]
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            return raw
        from babel.dates import format_date

        return str(format_date(day, format="long", locale=self.language.replace("-", "_")))

    def number(self, value: float) -> str:
        """A number with the output language's decimal sign (7.5 -> '7,5' in French)."""
        from babel.numbers import format_decimal

        return str(format_decimal(value, format="#,##0.##", locale=self.language.replace("-", "_")))


def translator(lang: str | None, record_lang: str | None = None) -> Translator:
    """The translator for output language `lang`, falling back to `record_lang`, then English."""
    return Translator(fallback_chain(lang, record_lang))
