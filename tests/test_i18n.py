"""Learner output in one language: the catalogues are complete and consistent, labels and
vocabulary values fall back per string, a French certificate says nothing in English, and
badge text fits inside the ring."""
from __future__ import annotations

import ast
import io
import json
import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PIL import Image

from conftest import NOW, ROOT, need_reference
from edcissuer import i18n
from edcissuer.export.artefact import load_artefact
from edcissuer.export.baking import ELLIPSIS, badge_layout, chord_width, default_badge_png, fit_text
from edcissuer.export.certificate import certificate_html, certificate_pdf
from edcissuer.export.fonts import pil_font
from edcissuer.issue import issue
from edcissuer.models import vocab
from edcissuer.securing.registry import mechanisms

LANGS = ("en", "de", "fr", "it", "pt", "es", "pl", "nl")
POT = i18n.LOCALE_DIR / "edcissuer.pot"
LONG_TITLE = ("Sustainable Interdisciplinary Approaches to Circular Economy, Resource Recovery and Climate "
              "Adaptation in European Urban Water and Wastewater Systems")
#: English labels a French certificate must not contain
ENGLISH_LABELS = ("awarded to", "Scan to verify", "EUROPEAN MICRO-CREDENTIAL", "Further details", "Delivered with",
                  "Within the alliance", "Identification of the learner", "Learning outcomes", "ECTS credits",
                  "EQF level", "written examination", "Online", "Program Quality Assurance",
                  "external quality assurance", "Verify:", "This page summarises", "This certificate summarises",
                  "Germany", "Poland", "signed with", "Supervision", "Grade", "Further information")


def _pot_ids() -> list[str]:
    with POT.open("rb") as handle:
        return [str(m.id) for m in read_po(handle) if m.id]


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_eight_partner_languages_have_catalogues():
    assert set(LANGS) <= set(i18n.available_languages())


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalogue_translates_every_msgid_with_the_same_placeholders(lang):
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "edcissuer.po"
    with path.open("rb") as handle:
        cat = read_po(handle)
    translated = {str(m.id): str(m.string) for m in cat if m.id}
    assert set(translated) == set(_pot_ids()), "catalogue and template differ"
    for msgid, msgstr in translated.items():
        assert msgstr.strip(), f"{lang}: no translation of {msgid!r}"
        assert _fields(msgstr) == _fields(msgid), f"{lang}: placeholders of {msgid!r} differ"
    assert not [m.id for m in cat if m.id and m.fuzzy], f"{lang}: fuzzy entries"


def _msgids_in_source() -> set[str]:
    """Every constant passed to tr(...) or N_(...) in the package (f-string expressions included)."""
    found: set[str] = set()
    for path in (ROOT / "src" / "edcissuer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"tr", "N_"}
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.add(node.args[0].value)
    return found


def test_the_template_holds_exactly_the_labels_the_code_uses():
    used, pot = _msgids_in_source(), set(_pot_ids())
    assert used - pot == set(), "labels missing from locale/edcissuer.pot"
    assert pot - used == set(), "template entries no code uses"


def test_every_securing_description_is_a_catalogue_entry():
    assert {m.description for m in mechanisms()} <= set(_pot_ids())


def test_fallback_order_is_requested_then_record_then_english():
    assert i18n.fallback_chain("fr-BE", "de") == ("fr-BE", "fr", "de", "en")
    assert i18n.fallback_chain(None, "pl") == ("pl", "en")
    tr = i18n.translator("sv", "de")          # no Swedish catalogue: the record's language answers
    assert tr("awarded to") == "verliehen an" and tr.language == "de"
    assert i18n.translator("fr")("no such label") == "no such label"
    assert i18n.translator("fr")("EQF level {level}", level=7) == "Niveau CEC 7"


def test_language_maps_fall_back_per_string():
    tr = i18n.translator("fr", "de")
    assert tr.text({"en": "University of Garonne", "fr": "Université de la Garonne"}) == "Université de la Garonne"
    assert tr.text({"en": "Rheinau University", "de": "Technische Universität Rheinau"}) == \
        "Technische Universität Rheinau"
    assert tr.text({"pl": "Politechnika Wiślana"}) == "Politechnika Wiślana"
    assert tr.text({"fr-FR": "Titre"}) == "Titre"


SHOWN_VOCABULARIES = {"eqf": vocab.EQF, "participation": vocab.PARTICIPATION, "assessment": vocab.ASSESSMENT,
                      "qa": vocab.QA_TYPE, "setting": vocab.LEARNING_SETTING, "qf-ehea": vocab.QF_EHEA}


@pytest.mark.parametrize("name", SHOWN_VOCABULARIES)
def test_every_shown_concept_has_a_label_in_every_language(name):
    labels = i18n.vocab_labels()
    for concept in SHOWN_VOCABULARIES[name].values():
        assert concept.uri in labels, concept.uri
        assert labels[concept.uri]["en"] == concept.label
        for lang in LANGS:
            assert labels[concept.uri].get(lang), f"{concept.uri} has no {lang} label"


def test_our_labels_equal_the_reference_vocabularies_labels():
    """Where the official data states a label of a concept in a language, ours is the same."""
    data = json.loads(need_reference("elm", "vocab.json").read_text(encoding="utf-8"))
    stated: dict[tuple[str, str], str] = {}
    for key, table in data.items():
        if not key.startswith("_") and isinstance(table, dict):
            stated.update({(uri, "en"): label for label, uri in table.items() if isinstance(uri, str)})
    for xsd in need_reference("elm", "cv-xsd").glob("*.xsd"):
        for uri, label in re.findall(r'<xs:enumeration value="([^"]+)">\s*<xs:annotation>\s*'
                                     r'<xs:documentation>([^<]+)</xs:documentation>', xsd.read_text("utf-8")):
            stated.setdefault((uri, "en"), label.strip())
    for sample in need_reference("elm", "samples").glob("*.json*"):
        def walk(node: object) -> None:
            if isinstance(node, dict):
                labels = node.get("prefLabel")
                if isinstance(node.get("id"), str) and isinstance(labels, dict):
                    for lang, text in labels.items():
                        if isinstance(text, str):
                            stated.setdefault((node["id"], lang), text)
                for v in node.values():
                    walk(v)
            elif isinstance(node, list):
                for v in node:
                    walk(v)
        walk(json.loads(sample.read_text(encoding="utf-8")))
    compared = 0
    for uri, labels in i18n.vocab_labels().items():
        for lang, label in labels.items():
            if (uri, lang) in stated:
                assert label == stated[(uri, lang)], (uri, lang)
                compared += 1
    assert compared >= 20, "the reference states too few of our concepts to compare"


# --- the certificate in French ---------------------------------------------------------------

@pytest.fixture(scope="module")
def model2_elm(records, demo_keys):
    return issue(records["model2-cooperative"], fmt="elm", signer=demo_keys.seal, now=NOW)


def test_french_html_certificate_has_french_labels_and_no_english_ones(model2_elm):
    page = certificate_html(model2_elm, lang="fr", verify_url="https://verify.example.edu/c/{id}")
    assert '<html lang="fr">' in page
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page, flags=re.S)
    for french in ("décernée à", "Scanner pour vérifier", "Acquis d&#x27;apprentissage", "6 crédits ECTS",
                   "Niveau CEC 7", "examen écrit", "En ligne", "Université de la Garonne", "Allemagne (DE)",
                   "15 juillet 2026", "Dispensée avec"):
        assert french in visible, french
    for english in ENGLISH_LABELS:
        assert english not in visible, english


def test_french_pdf_certificate_says_fr_and_has_no_english_labels(model2_elm):
    pdfium = pytest.importorskip("pypdfium2")
    pdf = certificate_pdf(model2_elm, lang="fr", verify_url="https://verify.example.edu/c/{id}")
    assert b"/Lang (fr)" in pdf or b"/Lang(fr)" in pdf
    doc = pdfium.PdfDocument(pdf)
    try:
        text = re.sub(r"\s+", " ", " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))
    finally:
        doc.close()
    assert "décernée à" in text and "Université de la Garonne" in text and "examen écrit" in text
    for english in ENGLISH_LABELS:
        assert english not in text, english


def test_german_certificate_names_the_lead_partner_in_german(model2_elm):
    page = certificate_html(model2_elm, lang="de", verify_url="https://verify.example.edu/c/{id}")
    assert "Technische Universität Rheinau" in page and '<html lang="de">' in page
    assert "verliehen an" in page and "schriftliche Prüfung" in page


def test_english_remains_the_default(model2_elm):
    page = certificate_html(model2_elm, verify_url="https://verify.example.edu/c/{id}")
    assert '<html lang="en">' in page and "awarded to" in page and "Rheinau University of Technology" in page


# --- badge text fit ---------------------------------------------------------------------------

def _measure(px: int, bold: bool):
    return pil_font(px, bold=bold)


def _assert_fits(lines, size: int, text: str) -> None:
    words = text.split()
    shown: list[str] = []
    for line in lines:
        top, bottom = line.y - 0.62 * line.size_px, line.y + 0.62 * line.size_px
        assert line.width <= chord_width(top, bottom, size) + 1e-6, f"{line.text!r} crosses the ring"
        assert line.width == pytest.approx(float(_measure(line.size_px, line.bold).getlength(line.text)))
        shown += [w for w in line.text.split() if w != ELLIPSIS]
    assert shown == words[:len(shown)], "a word was split or changed"
    if len(shown) < len(words):
        assert lines[-1].text.endswith(ELLIPSIS)


@pytest.mark.parametrize("size", [400, 256])
def test_a_long_title_shrinks_and_wraps_inside_the_ring(size):
    lines = fit_text(LONG_TITLE, top=size * 0.27, bottom=size * 0.66, size=size, max_px=size // 16,
                     min_px=max(7, size // 30), max_lines=5, bold=True, fill="#fff", measure_font=_measure)
    _assert_fits(lines, size, LONG_TITLE)
    assert " ".join(line.text for line in lines) == LONG_TITLE, "the title shrank enough to show in full"


def test_text_that_cannot_fit_is_cut_after_a_whole_word_with_an_ellipsis():
    text = " ".join([LONG_TITLE] * 3)
    lines = fit_text(text, top=108, bottom=264, size=400, max_px=25, min_px=13, max_lines=5, bold=True,
                     fill="#fff", measure_font=_measure)
    assert len(lines) == 5 and lines[-1].text.endswith(ELLIPSIS)
    _assert_fits(lines, 400, text)


def test_the_issuer_name_keeps_clear_of_the_ring():
    name = "Rheinau University of Technology"
    lines = fit_text(name, top=304, bottom=344, size=400, max_px=15, min_px=11, max_lines=2, bold=False,
                     fill="#fff", measure_font=_measure)
    _assert_fits(lines, 400, name)
    assert " ".join(line.text for line in lines) == name


def test_the_badge_of_a_long_french_title_fits_and_renders(records, demo_keys):
    record = records["model2-cooperative"]
    record = record.model_copy(update={"title": {"en": LONG_TITLE, "fr": (
        "Approches interdisciplinaires durables de l'économie circulaire, de la valorisation des ressources "
        "et de l'adaptation au climat dans les systèmes urbains européens d'eau et d'assainissement")}})
    cred = issue(record, fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    art = load_artefact(cred.artefact)
    lines = badge_layout(art, lang="fr")
    assert lines[0].text == "MICRO-CERTIFICATION" and any("CEC 7" in line.text for line in lines)
    title_lines = [line for line in lines if line.bold]
    _assert_fits(title_lines, 400, record.title["fr"])
    issuer_lines = [line for line in lines if line.text.startswith("Rheinau") or line.text == "Technology"]
    _assert_fits(issuer_lines, 400, "Rheinau University of Technology")
    for line in lines:
        top, bottom = line.y - 0.62 * line.size_px, line.y + 0.62 * line.size_px
        assert line.width <= chord_width(top, bottom, 400)
    with Image.open(io.BytesIO(default_badge_png(art, lang="fr"))) as img:
        assert img.size == (400, 400)


def test_the_example_french_certificate_image_is_in_the_docs():
    example = ROOT / "docs" / "examples" / "certificate-fr.png"
    with Image.open(example) as img:
        assert img.size[0] > 800


def test_mapping_display_page_is_drawn_in_the_record_language(records):
    from edcissuer.mapping.display import render_summary_png

    record = records["model2-cooperative"].model_copy(update={"language": "de"})
    assert render_summary_png(record) != render_summary_png(records["model2-cooperative"])


def test_locale_files_are_package_data():
    assert Path(i18n.VOCAB_LABELS).is_file() and POT.is_file()


@pytest.mark.parametrize("tag", ["fr-XX", "fr_BE", "<b>", "", "zz"])
def test_any_language_tag_gives_a_page_never_an_error(model2_elm, tag):
    page = certificate_html(model2_elm, lang=tag, verify_url="https://verify.example.edu/c/{id}")
    assert re.search(r'<html lang="(fr|fr-BE|en)">', page)
