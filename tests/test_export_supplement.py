"""`export --as supplement`: the diploma-supplement-like annex of a verified signed credential.

Read back as text (the HTML's visible text, the PDF's text through pypdfium2): the eight
sections, every entry marked with its Annex I element, the partners with their roles, the
transcript of records (modules) and the weighted assessments, hours-only workloads, the
output language; a credential that does not verify is refused unless the export says it is of
an unverified file, and then the page says so. Last, why our ELM does not claim the EDC
diploma-supplement profile: its shapes cannot be met by a micro-credential (docs/exports.md).
"""
from __future__ import annotations

import copy
import html
import re
from typing import Any

import pytest

from pdf_render import html_text as visible, pdf_text
from conftest import NOW, need_reference
from edcissuer.cli import main
from edcissuer.errors import ExportError
from edcissuer.export.artefact import STAMP, load_artefact
from edcissuer.export.run import export_credential
from edcissuer.export.supplement import SECTION_TITLES, supplement_content, supplement_html, supplement_pdf
from edcissuer.issue import issue
from edcissuer.models.elements import AssessmentInfo, CodedValue, ModuleInfo

LETTERS = "abcdefghijk"




@pytest.fixture(scope="module")
def issued(records, demo_keys):
    return {
        "model1-elm": issue(records["model1-single"], fmt="elm", signer=demo_keys.seal, now=NOW),
        "model2-elm": issue(records["model2-cooperative"], fmt="elm", signer=demo_keys.seal, now=NOW),
        "model2-ob3": issue(records["model2-cooperative"], fmt="ob3", signer=demo_keys.issuer,
                            proof="eddsa-rdfc-2022", now=NOW),
        "model3-elm": issue(records["model3-joint"], fmt="elm", signer=demo_keys.seal, now=NOW),
    }


def export(source: Any, **kw: Any) -> Any:
    return export_credential([source], "supplement", now=NOW, **kw)


@pytest.mark.parametrize("name", ["model1-elm", "model2-elm", "model2-ob3", "model3-elm"])
def test_html_annex_has_the_eight_sections_and_marks_every_annex_i_element(issued, records, name):
    record = records[{"model1": "model1-single", "model2": "model2-cooperative", "model3": "model3-joint"}[name[:6]]]
    text = visible(export(issued[name]).content.decode("utf-8"))
    positions = [text.find(f"{i}. {title}") for i, title in enumerate(SECTION_TITLES, 1)]
    assert -1 not in positions and positions == sorted(positions), "the eight sections, in order"
    for letter in LETTERS:
        assert f"Annex I {letter})" in text, letter
    assert record.title["en"] in text and record.learner.given_name["en"] in text
    assert f"{record.workload.ects:g} ECTS credits" in text and f"EQF level {record.level.eqf}" in text
    for outcome in record.learning_outcomes:
        assert outcome.title["en"] in text
    for body in record.awarding.awarding_bodies:
        assert body.legal_name["en"] in text
    assert "This supplement was made from the signed credential after its signature verified" in text
    assert STAMP not in text


def test_html_annex_is_self_contained_and_printable(issued):
    page = export(issued["model2-elm"]).content.decode("utf-8")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "@media print" in page
    assert not re.search(r'(?:src|href)="(?!data:)', page), "no external load"


def test_annex_states_every_partner_with_its_role(issued):
    text = visible(supplement_html(issued["model3-elm"]))
    section = text.split("2.5 Partners and their roles", 1)[1].split("2.6 ", 1)[0]
    for name, role in (("University of the Adriatic", "Lead Partner, awarding body, issued on behalf of all"),
                       ("Rheinau University of Technology", "Awarding body (issued on behalf of all)"),
                       ("University of Lusitania", "Awarding body (issued on behalf of all)")):
        assert re.search(re.escape(name) + r" \(.*?\): " + re.escape(role), section), name


def _with(cred: Any, **update: Any) -> Any:
    """The artefact with extracted Elements carrying fields the mapping branches are adding."""
    art = load_artefact(cred)
    art.__dict__["elements"] = art.elements.model_copy(update=update)   # the cached_property's slot
    return art


MODULES = [ModuleInfo(title={"en": "Water flows"}, ects=2, grade={"en": "1.3"}, start="2026-03-01", end="2026-04-15",
                      assessment=AssessmentInfo(type=CodedValue(label="written examination"))),
           ModuleInfo(title={"en": "Recovery technologies"}, ects=4, grade={"en": "2.0"})]
ASSESSMENTS = [AssessmentInfo(type=CodedValue(label="learning diary"), title={"en": "learning diary 1000 words"},
                              weight=50),
               AssessmentInfo(type=CodedValue(label="essay"), weight=50, grade={"en": "B"})]


def test_transcript_of_records_lists_each_module_with_ects_grade_and_dates(issued):
    art = _with(issued["model2-elm"], modules=MODULES, assessments=ASSESSMENTS)
    page = supplement_html(art)
    rows = [visible(r) for r in re.findall(r"<tr><td>.*?</tr>", page)]
    assert "Water flows 2 ECTS credits written examination 1.3 March 1, 2026 - April 15, 2026" in \
        [r.strip() for r in rows]
    assert "Recovery technologies 4 ECTS credits 2.0" in [r.strip() for r in rows]
    assert "learning diary - learning diary 1000 words 50 %" in [r.strip() for r in rows]
    assert "essay 50 % B" in [r.strip() for r in rows]
    text = pdf_text(supplement_pdf(art))
    for cell in ("Water flows", "Recovery technologies", "1.3", "April 15, 2026", "learning diary 1000 words", "50 %"):
        assert cell in text, cell
    assert "4.3 Modules (transcript of records)" in text


def test_without_modules_the_transcript_says_so(issued):
    assert "The micro-credential states no modules." in visible(supplement_html(issued["model2-elm"]))


def test_hours_only_annex_says_no_ects_awarded(issued):
    art = _with(issued["model2-elm"], ects=None, hours=40, no_ects=True)
    for text in (visible(supplement_html(art)), pdf_text(supplement_pdf(art))):
        assert "No ECTS credits awarded - 40 hours" in text
        assert not re.search(r"\b0 ECTS", text)


def test_pdf_annex_has_the_sections_letters_and_the_credential(issued):
    out = export(issued["model3-elm"], supplement_format="pdf")
    assert out.content.startswith(b"%PDF-") and out.name.endswith("-supplement.pdf")
    text = pdf_text(out.content)
    for i, title in enumerate(SECTION_TITLES, 1):
        assert f"{i}. {title}" in text
    for letter in LETTERS:
        assert f"Annex I {letter})" in text
    assert load_artefact(issued["model3-elm"]).credential_id in text
    from pdf_render import render_pdf_png

    assert len(render_pdf_png(out.content, scale=1)) > 20_000   # the page has content


def test_the_annex_is_localised(issued):
    page = supplement_html(supplement_content(issued["model2-elm"], lang="fr"))
    assert '<html lang="fr">' in page
    text = visible(page)
    assert "1. Informations sur le titulaire de la micro-certification" in text
    assert "Annexe I d)" in text and "Partenaire de mise en œuvre" in text and "6 crédits ECTS" in text
    assert "Information identifying" not in text


@pytest.fixture(scope="module")
def tampered(issued):
    forged = copy.deepcopy(issued["model2-ob3"].artefact)
    forged["name"] = "Doctorate in Everything"
    return forged


def test_an_unverified_credential_is_refused_naming_the_proof_check(tampered):
    with pytest.raises(ExportError) as err:
        export(tampered)
    assert err.value.field == "proof" and "does not verify" in err.value.message


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_with_unverified_the_annex_says_it_is_of_an_unverified_file(tampered, fmt):
    out = export(tampered, unverified=True, supplement_format=fmt)
    if fmt == "html":
        page = out.content.decode("utf-8")
        assert re.search(rf"<title>{STAMP} - ", page) and 'role="alert"' in page
        text = visible(page)
    else:
        text = pdf_text(out.content)
    assert f"{STAMP}: proof" in text
    assert "This supplement was made from the signed credential after its signature verified" not in text
    assert any("NOT VERIFIED" in n for n in out.notes)


def test_cli_writes_html_or_pdf_by_the_output_suffix_and_refuses_a_tampered_file(issued, tampered, tmp_path,
                                                                                  capsys):
    import json

    cred = tmp_path / "elm.jades.json"
    cred.write_text(issued["model2-elm"].serialize(), encoding="utf-8")
    for suffix, magic in ((".html", b"<!DOCTYPE html>"), (".pdf", b"%PDF-")):
        out = tmp_path / f"annex{suffix}"
        assert main(["export", str(cred), "--as", "supplement", "-o", str(out), "--now", "2026-11-24T12:00:00Z"]) == 0
        assert out.read_bytes().startswith(magic)
        assert out.stat().st_mode & 0o077 == 0   # owner-only: it names the learner
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    capsys.readouterr()
    assert main(["export", str(bad), "--as", "supplement", "-o", str(tmp_path / "x.html")]) == 1
    err = capsys.readouterr().err
    assert "error: proof:" in err and "Traceback" not in err
    assert main(["export", str(bad), "--as", "supplement", "--unverified", "-o", str(tmp_path / "y.html")]) == 0
    assert STAMP in (tmp_path / "y.html").read_text(encoding="utf-8")


# --- why not the ELM diploma-supplement profile -----------------------------------------------

def _ds_violations(doc: dict[str, Any]) -> set[str]:
    pyshacl = pytest.importorskip("pyshacl")
    rdflib = pytest.importorskip("rdflib")
    from pyld import jsonld

    from edcissuer.ld.loader import default_loader

    shapes_dir = need_reference("elm", "shacl", "ttl")
    shapes = rdflib.Graph()
    for f in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl", "EDC-accredited.ttl", "EDC-diplomaSupplement.ttl"):
        shapes.parse(shapes_dir / f)
    data = rdflib.Graph()
    data.parse(data=jsonld.to_rdf(doc, {"documentLoader": default_loader, "format": "application/n-quads"}),
               format="nquads")
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    return {str(report.value(r, sh.resultPath)).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)}


def test_the_diploma_supplement_shapes_ask_what_a_micro_credential_cannot_give(records):
    """Every elm:Qualification must have a part that is itself an elm:Qualification (hasPart,
    minCount 1, class Qualification), so the part needs a part too: no finite credential without a
    cycle conforms. The accredited profile it imports needs evidence of an accreditation (a
    single-institution credential has none; a joint-award one carries its mandate as evidence)."""
    from edcissuer.mapping.elm import to_elm

    violations = _ds_violations(to_elm(records["model1-single"]))
    assert {"hasPart", "evidence"} <= violations, violations
    doc = to_elm(records["model3-joint"])
    assert "hasPart" in _ds_violations(doc)
    claim = doc["credentialSubject"]["hasClaim"]
    spec = claim["specifiedBy"]
    assert spec["type"] == "Qualification"
    spec["hasPart"] = {"id": "urn:uuid:5d4f1c1e-0000-4000-8000-000000000001", "type": "Qualification",
                       "title": {"en": "Module 1"}}
    assert "hasPart" in _ds_violations(doc), "adding a part moves the violation to the part"
