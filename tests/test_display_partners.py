"""The ELM display page and the certificate show the alliance logo and every partner with its role
(DIVERSE A6: "containing the alliance logo and stating all other partners"), a header that follows
the awarding model, and an hours-only workload as "No ECTS credits awarded", never 0 ECTS.

The certificate is read back from the signed credential (HTML text, PDF text through pypdfium2,
the rendered PDF page's pixels); the display page is the PNG signed inside the ELM credential.
"""
from __future__ import annotations

import base64
import copy
import html
import io
import re
from typing import Any

import pytest
import yaml
from PIL import Image, ImageDraw

from pdf_render import html_text as text_of_html, pdf_text as text_of_pdf
from conftest import NOW, ROOT
from edcissuer.export.artefact import load_artefact
from edcissuer.export.certificate import certificate_content, certificate_html, certificate_pdf
from edcissuer.issue import issue
from edcissuer.mapping.display import display_text, embedded_image, render_summary_png
from edcissuer.models.elements import AssessmentInfo, CodedValue, ModuleInfo
from edcissuer.models.records import parse_record

PATTERN = "https://verify.example.edu/c/{id}"
RED = (220, 20, 40)


def _logo_png() -> bytes:
    img = Image.new("RGB", (120, 40), RED)
    ImageDraw.Draw(img).ellipse([4, 4, 36, 36], fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


LOGO = _logo_png()
LOGO_URI = "data:image/png;base64," + base64.b64encode(LOGO).decode("ascii")


def sample(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "samples" / "records" / f"{name}.yaml").read_text(encoding="utf-8"))


def record(name: str, *, model: str | None = None, logo: str | None = None, roles: dict[int, str] | None = None,
           workload: dict[str, Any] | None = None) -> Any:
    data = copy.deepcopy(sample(name))
    if model:
        data["awarding"]["model"] = model
    if logo:
        data["awarding"]["alliance"]["logo"] = logo
    for index, text in (roles or {}).items():
        data["awarding"]["partners"][index]["role"] = {"en": text}
    if workload:
        data["workload"] = workload
    return parse_record(data)




def red_pixels(png: bytes, box: tuple[int, int, int, int] | None = None) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if box:
        img = img.crop(box)
    return sum(n for n, (r, g, b) in img.getcolors(1 << 20) or [] if r > 180 and g < 80 and b < 90)


@pytest.fixture(scope="module")
def signed(demo_keys):
    """Each awarding model as a sealed ELM credential and an OB3 credential, with an embedded alliance logo."""
    out = {}
    for label, name, model in (("cooperative", "model2-cooperative", None), ("joint-award", "model3-joint", None),
                               ("joint-lead", "model3-joint", "joint-lead")):
        rec = record(name, model=model, logo=LOGO_URI)
        out[label] = {
            "record": rec,
            "elm": issue(rec, fmt="elm", signer=demo_keys.seal, now=NOW),
            "ob3": issue(rec, fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW),
        }
    return out


EXPECTED_ROLES = {   # (partner index or "lead") -> role label, per model
    "cooperative": {"lead": "Lead Partner, awarding body", 0: "Delivering Partner", 1: "Delivering Partner"},
    "joint-award": {"lead": "Lead Partner, awarding body, issued on behalf of all",
                    0: "Awarding body (issued on behalf of all)", 1: "Awarding body (issued on behalf of all)"},
    "joint-lead": {"lead": "Lead Partner, awarding body", 0: "Participating partner", 1: "Participating partner"},
}


def _entries(rec: Any, model: str) -> list[tuple[str, str]]:
    aw = rec.awarding
    orgs = {"lead": aw.lead, **dict(enumerate(aw.partners))}
    return [(orgs[k].legal_name["en"], role + (f": {orgs[k].role['en']}" if orgs[k].role else ""))
            for k, role in EXPECTED_ROLES[model].items()]


# --- the certificate, from the signed credential ---------------------------------------------

@pytest.mark.parametrize("fmt", ["elm", "ob3"])
@pytest.mark.parametrize("model", sorted(EXPECTED_ROLES))
def test_certificate_names_every_partner_with_its_role(signed, model, fmt):
    cred, rec = signed[model][fmt], signed[model]["record"]
    page = text_of_html(certificate_html(cred, verify_url=PATTERN))
    pdf = text_of_pdf(certificate_pdf(cred, verify_url=PATTERN))
    for text in (page, pdf):
        assert "Partners" in text
        for name, role in _entries(rec, model):
            # "Name (Country (CC), legal id) Role": the name, its parenthesis, then its role
            assert re.search(re.escape(name) + r" \((?:[^()]|\([^()]*\))*\) " + re.escape(role) + r"(?![\w,])",
                             text), (name, role)


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_joint_award_header_names_all_awarding_bodies_and_the_issuer_on_behalf_of_all(signed, fmt):
    text = text_of_pdf(certificate_pdf(signed["joint-award"][fmt], verify_url=PATTERN))
    assert ("Awarded jointly by University of the Adriatic, Rheinau University of Technology, University of "
            "Lusitania; issued by University of the Adriatic on behalf of all") in text


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
@pytest.mark.parametrize("model", ["cooperative", "joint-lead"])
def test_cooperative_and_joint_lead_headers_name_the_lead_as_awarding_body(signed, model, fmt):
    rec = signed[model]["record"]
    text = text_of_pdf(certificate_pdf(signed[model][fmt], verify_url=PATTERN))
    assert f"Awarded by {rec.awarding.lead.legal_name['en']}, Lead Partner" in text
    assert "Awarded jointly" not in text


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_the_embedded_alliance_logo_is_drawn_from_the_signed_credential(signed, fmt):
    cred = signed["cooperative"][fmt]
    content = certificate_content(cred, verify_url=PATTERN)
    assert content.logo == LOGO and content.alliance_logo_url is None
    page = certificate_html(content)
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    src = re.search(r'<img src="data:image/png;base64,([^"]+)"', header)
    assert src and base64.b64decode(src.group(1)) == LOGO
    from pdf_render import render_pdf_png

    png = render_pdf_png(certificate_pdf(cred, verify_url=PATTERN), scale=1)
    width = Image.open(io.BytesIO(png)).width
    assert red_pixels(png, (width // 2, 0, width, 70)) > 500   # the logo, in the header band
    assert "Alliance logo:" not in text_of_pdf(certificate_pdf(cred, verify_url=PATTERN))


def test_a_local_logo_does_not_replace_the_signed_one(signed):
    other = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 160, 0)).save(other, format="PNG")
    content = certificate_content(signed["cooperative"]["elm"], verify_url=PATTERN, logo=other.getvalue())
    assert content.logo == LOGO
    assert any("local logo file was not used" in n for n in content.notes)


def test_an_https_logo_is_never_fetched_and_the_alliance_name_stands_for_it(records, demo_keys):
    cred = issue(records["model2-cooperative"], fmt="elm", signer=demo_keys.seal, now=NOW)
    content = certificate_content(cred, verify_url=PATTERN)
    assert content.logo is None
    page = certificate_html(content)
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert "<img" not in header and "NEXUS European University Alliance" in header
    assert "Alliance logo: https://nexus-alliance.example/logo.png" in text_of_html(page)


def _with(cred: Any, **update: Any) -> Any:
    """The credential's artefact whose extracted Elements carry fields the mapping branches are adding."""
    art = load_artefact(cred)
    art.__dict__["elements"] = art.elements.model_copy(update=update)   # the cached_property's slot
    return art


def test_a_partners_own_role_text_follows_its_role_label(signed):
    art = load_artefact(signed["cooperative"]["elm"])
    partners = [p.model_copy(update={"role": {"en": "delivers module 2 (laboratory)"}}) if i == 0 else p
                for i, p in enumerate(art.elements.delivering_partners)]
    art = _with(signed["cooperative"]["elm"], delivering_partners=partners)
    text = text_of_html(certificate_html(art, verify_url=PATTERN))
    assert "Delivering Partner: delivers module 2 (laboratory)" in text


def test_role_text_signed_in_the_credential_is_shown(demo_keys):
    rec = record("model2-cooperative", roles={0: "delivers module 2 (laboratory)"})
    cred = issue(rec, fmt="elm", signer=demo_keys.seal, now=NOW)
    if not any(p.role for p in load_artefact(cred).elements.delivering_partners):
        pytest.skip("the ELM mapping does not carry Organisation.role yet (issue 13 item 10, another branch)")
    assert "Delivering Partner: delivers module 2 (laboratory)" in text_of_html(certificate_html(cred,
                                                                                                 verify_url=PATTERN))


@pytest.mark.parametrize("fmt", ["elm", "ob3"])
def test_hours_only_credential_says_no_ects_and_never_zero_ects(signed, fmt):
    for update in ({"ects": None, "hours": 40, "no_ects": True}, {"ects": 0.0, "hours": 40},
                   {"ects": None, "hours": None, "no_ects": True}):
        art = _with(signed["cooperative"][fmt], **update)
        for text in (text_of_html(certificate_html(art, verify_url=PATTERN)),
                     text_of_pdf(certificate_pdf(art, verify_url=PATTERN))):
            assert "No ECTS credits awarded" in text, update
            assert ("No ECTS credits awarded - 40 hours" in text) == bool(update["hours"])
            assert not re.search(r"\b0 ECTS", text)


def test_modules_and_weighted_assessments_are_on_the_certificate(signed):
    modules = [ModuleInfo(title={"en": "Water flows"}, ects=2, grade={"en": "1.3"}, start="2026-03-01",
                          end="2026-04-15"),
               ModuleInfo(title={"en": "Recovery technologies"}, ects=4, grade={"en": "2.0"})]
    parts = [AssessmentInfo(type=CodedValue(label="learning diary"), title={"en": "learning diary 1000 words"},
                            weight=50),
             AssessmentInfo(type=CodedValue(label="essay"), title={"en": "essay"}, weight=50)]
    art = _with(signed["cooperative"]["elm"], modules=modules, assessments=parts)
    text = text_of_pdf(certificate_pdf(art, verify_url=PATTERN))
    assert "Modules" in text
    assert "Water flows | 2 ECTS credits | grade 1.3 | March 1, 2026 - April 15, 2026" in text
    assert "Recovery technologies | 4 ECTS credits | grade 2.0" in text
    assert "learning diary - learning diary 1000 words (50 %)" in text and "essay - essay (50 %)" in text


# --- the display page signed inside the ELM credential ------------------------------------------

def _signed_display(cred: Any) -> bytes:
    detail = load_artefact(cred).credential["displayParameter"]["individualDisplay"]["displayDetail"]
    return base64.b64decode(detail["image"]["content"])


@pytest.mark.parametrize("model", sorted(EXPECTED_ROLES))
def test_display_page_states_every_partner_with_its_role_as_the_certificate_does(signed, model):
    rec, cred = signed[model]["record"], signed[model]["elm"]
    assert _signed_display(cred) == render_summary_png(rec)   # the page drawn is the one signed
    drawn = " ".join(line.strip() for line in display_text(rec))   # wrapped entries joined again
    for name, role in _entries(rec, model):
        assert re.search(re.escape(name) + r" \([A-Z]{2}\) - " + re.escape(role) + r"(?![\w,])", drawn), (name, role)
    shown = certificate_content(cred, verify_url=PATTERN).partners   # the same facts, from the signed data
    assert [role for _, role, _ in shown] == [role for _, role in _entries(rec, model)]
    assert [n for n, _ in _entries(rec, model)] == [n.split(" (")[0] for n, _, _ in shown]


def test_display_page_header_follows_the_awarding_model(signed):
    joint = " ".join(display_text(signed["joint-award"]["record"]))
    assert ("Awarded jointly by University of the Adriatic, Rheinau University of Technology, University of "
            "Lusitania; issued by University of the Adriatic on behalf of all") in joint
    lead = " ".join(display_text(signed["joint-lead"]["record"]))
    assert "Awarded by University of the Adriatic, Lead Partner" in lead and "jointly" not in lead


def test_display_page_draws_the_embedded_alliance_logo_and_not_an_https_one(signed, records):
    with_logo = render_summary_png(signed["cooperative"]["record"])
    assert red_pixels(with_logo, (500, 0, 800, 70)) > 500
    assert red_pixels(render_summary_png(records["model2-cooperative"]), (500, 0, 800, 70)) == 0


def test_display_page_of_an_hours_only_record_says_no_ects(signed):
    rec = record("model2-cooperative", workload={"hours": 40})
    lines = display_text(rec)
    assert any("No ECTS credits awarded - 40 hours" in line for line in lines)
    assert not any(re.search(r"\b0 ECTS", line) for line in lines)


def test_display_page_grows_to_state_a_long_partner_list_and_every_role_text():
    data = copy.deepcopy(sample("model3-joint"))
    base = data["awarding"]["partners"][0]
    data["awarding"]["partners"] = [{**base, "id": f"did:web:p{i}.example", "legal_name": {"en": f"Partner {i}"},
                                     "role": {"en": f"teaches module {i}"}} for i in range(10)]
    rec = parse_record(data)
    drawn = " ".join(line.strip() for line in display_text(rec))
    for i in range(10):
        assert f"Partner {i} (DE) - Awarding body (issued on behalf of all): teaches module {i}" in drawn
    assert Image.open(io.BytesIO(render_summary_png(rec))).height > 566


def test_oversized_or_undecodable_logos_are_not_drawn():
    assert embedded_image(LOGO_URI) == ("image/png", LOGO)
    assert embedded_image("https://nexus-alliance.example/logo.png") is None
    assert embedded_image("data:image/png;base64,bm90IGEgcG5n") is None   # "not a png"
    big = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + b"\0" * 600_000).decode("ascii")
    assert embedded_image(big) is None


def test_an_embedded_svg_logo_is_shown_in_html_and_never_breaks_the_pdf_or_the_display(demo_keys):
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
           b'<rect width="120" height="40" fill="#dc1428"/></svg>')
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    rec = record("model2-cooperative", logo=uri)
    cred = issue(rec, fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    page = certificate_html(cred, verify_url=PATTERN)
    header = page.split("<header>", 1)[1].split("</header>", 1)[0]
    assert f'src="{uri}"' in header
    assert certificate_pdf(cred, verify_url=PATTERN).startswith(b"%PDF-")
    png = render_summary_png(rec)   # Pillow draws no SVG: the alliance's name stands for it
    assert red_pixels(png, (500, 0, 800, 70)) == 0
