"""Printable certificates: the PDF is rendered to PNG (pypdfium2) and read back: its text holds
the eleven elements, the page is not blank, and its QR code leads to the credential."""
from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from conftest import NOW
from pdf_render import render_pdf_png
from edcissuer.errors import ExportError
from edcissuer.export import fonts
from edcissuer.export.certificate import certificate_html, certificate_pdf
from edcissuer.issue import issue
from edcissuer.models.elements import ELEMENT_KEYS
from edcissuer.verify import VerifyOptions, verify_all

pdfium = pytest.importorskip("pypdfium2")
PATTERN = "https://verify.example.edu/c/{id}"


def pdf_text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def issued(records, demo_keys):
    return {
        "model1-elm": issue(records["model1-single"], fmt="elm", signer=demo_keys.seal, now=NOW),
        "model2-ob3": issue(records["model2-cooperative"], fmt="ob3", signer=demo_keys.issuer,
                            proof="eddsa-rdfc-2022", now=NOW),
        "model3-elm": issue(records["model3-joint"], fmt="elm", signer=demo_keys.seal, now=NOW),
    }


@pytest.mark.parametrize("name", ["model1-elm", "model2-ob3", "model3-elm"])
def test_pdf_shows_the_eleven_elements_and_reads_back(issued, records, name):
    cred = issued[name]
    record = records[{"model1": "model1-single", "model2": "model2-cooperative", "model3": "model3-joint"}[name[:6]]]
    pdf = certificate_pdf(cred, verify_url=PATTERN)
    assert pdf.startswith(b"%PDF-")
    text = flat(pdf_text(pdf))
    assert record.title["en"] in text
    assert f"{record.learner.given_name['en']} {record.learner.family_name['en']}" in text
    assert f"{record.workload.ects:g} ECTS" in text
    for label in ELEMENT_KEYS.values():
        letter, _, rest = label.partition(") ")
        assert f"{letter}) {rest[:1].upper()}{rest[1:]}" in text, label
    for body in [record.awarding.lead, *record.awarding.partners]:
        assert body.legal_name["en"] in text
    assert "(not stated)" not in text


def test_models_2_and_3_name_partners_and_alliance(issued):
    coop = flat(pdf_text(certificate_pdf(issued["model2-ob3"], verify_url=PATTERN)))
    assert "Model 2 - cooperative" in coop and "Delivered with:" in coop
    assert "NEXUS European University Alliance" in coop
    assert "Alliance logo: https://nexus-alliance.example/logo.png" in coop   # named, not fetched
    joint = flat(pdf_text(certificate_pdf(issued["model3-elm"], verify_url=PATTERN)))
    assert "Model 3 - joint" in joint


def test_rendered_page_is_readable_and_its_qr_leads_to_the_credential(issued, demo_keys):
    zxingcpp = pytest.importorskip("zxingcpp")
    cred = issued["model3-elm"]
    png = render_pdf_png(certificate_pdf(cred, verify_url=PATTERN), scale=2)
    page = Image.open(io.BytesIO(png)).convert("L")
    assert page.size[0] > 1000 and page.size[1] > page.size[0]          # A4 portrait at 144 dpi
    dark = sum(page.histogram()[:128])
    assert 0.02 < dark / (page.size[0] * page.size[1]) < 0.5          # content, not blank, not a smear
    [qr] = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert unquote(qr.text.rsplit("/", 1)[1]) == cred.credential_id
    [result] = verify_all(cred.serialize(), VerifyOptions(now=NOW, trust_anchors=demo_keys.trust_anchors))
    assert result.verified


def test_multilingual_names_print(records, demo_keys):
    learner = records["model1-single"].learner.model_copy(
        update={"given_name": {"en": "Zoë Łucja"}, "family_name": {"en": "Παπαδοπούλου-Иванова"}})
    record = records["model1-single"].model_copy(update={"learner": learner})
    cred = issue(record, fmt="elm", signer=demo_keys.seal, now=NOW)
    text = flat(pdf_text(certificate_pdf(cred, verify_url=PATTERN)))
    assert "Zoë Łucja Παπαδοπούλου-Иванова" in text


def test_latin1_fallback_never_crashes(records, demo_keys, monkeypatch):
    learner = records["model1-single"].learner.model_copy(update={"given_name": {"en": "Łucja"}, "family_name": {"en": "Иванова"}})
    cred = issue(records["model1-single"].model_copy(update={"learner": learner}), fmt="elm", signer=demo_keys.seal,
                 now=NOW)
    monkeypatch.setattr(fonts, "unicode_font_path", lambda: None)
    text = flat(pdf_text(certificate_pdf(cred, verify_url=PATTERN)))
    assert "Lucja" in text


def test_local_logo_is_drawn(issued):
    buf = io.BytesIO()
    Image.new("RGB", (120, 40), (200, 30, 30)).save(buf, format="PNG")
    with_logo = certificate_pdf(issued["model3-elm"], verify_url=PATTERN, logo=buf.getvalue())
    page = Image.open(io.BytesIO(render_pdf_png(with_logo, scale=1))).convert("RGB")
    colours = page.getcolors(maxcolors=1 << 20) or []
    assert any(r > 180 and g < 60 and b < 60 for _, (r, g, b) in colours)   # the red logo is on the page
    assert "Alliance logo:" not in pdf_text(with_logo)


def test_html_is_self_contained_and_escaped(records, demo_keys):
    record = records["model1-single"].model_copy(update={"title": {"en": "<script>alert(1)</script> & Co"}})
    cred = issue(record, fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    page = certificate_html(cred, verify_url=PATTERN)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert 'src="data:image/png;base64,' in page
    assert not re.search(r'src="(?!data:)', page)                       # nothing loaded from outside
    for label in ("a) Identification of the learner", "k) Type of quality assurance"):
        assert label in page
    assert f'href="https://verify.example.edu/c/{cred.credential_id.replace(":", "%3A")}"' in page


def test_certificate_needs_a_way_to_verify(issued):
    with pytest.raises(ExportError) as err:
        certificate_pdf(issued["model1-elm"])
    assert err.value.field == "qr" and "--verify-url" in err.value.message


def test_docs_examples_are_present_and_readable(demo_keys):
    examples = Path(__file__).resolve().parents[1] / "docs" / "examples"
    pdf = (examples / "certificate-model3-joint.pdf").read_bytes()
    assert "Responsible Artificial Intelligence in Healthcare" in flat(pdf_text(pdf))
    assert Image.open(examples / "certificate-model3-joint-page1.png").size[0] > 800
    zxingcpp = pytest.importorskip("zxingcpp")
    [qr] = zxingcpp.read_barcodes(Image.open(examples / "qr-model3-joint.png"),
                                   formats=zxingcpp.BarcodeFormat.QRCode)
    assert qr.text.startswith("https://verify.example.edu/c/urn%3Auuid%3A")
    [badge] = verify_all(examples / "badge-model3-joint.png", VerifyOptions(now=NOW))
    assert badge.verified, badge.to_text()
