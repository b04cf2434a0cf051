"""Printable certificates (HTML and PDF) of a signed micro-credential.

Everything shown is read from the *signed* credential (`extract_elements` on its
payload), never from the record, so the printout cannot say more than the credential
does. The page shows the eleven Annex I elements, the awarding model with its awarding
bodies and delivering partners (Models 2 and 3), every partner with its role (DIVERSE A6:
"containing the alliance logo and stating all other partners"), the header the awarding model
calls for, the alliance logo when the credential embeds it (a data: URI; an https logo is
named, never fetched, and a local logo file is drawn instead), modules and weighted
assessments where the credential has them, and a QR code that leads to verification.

PDF: fpdf2 (pure Python) with Noto Sans (fonts.py), so Greek, Cyrillic and every Latin
script name prints; only without any Unicode font does it fall back to Latin-1 core fonts
with characters transliterated. HTML: one self-contained file, every value escaped, the QR
and a local logo embedded as data: URIs.

A certificate of a credential whose proof did not verify is made only on request
(`export_credential(..., unverified=True)`, CLI `--unverified`); it is then stamped NOT
VERIFIED so no reader takes it for the issuer's word: a red banner with the failing
checks above the title, the same words across every PDF page, in the PDF title and
footer and in the HTML page title.
"""
from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ExportError, InputError
from ..files import read_input
from ..i18n import N_, Translator, translator
from ..mapping.display import awarding_statement, embedded_image, role_text, workload_text
from ..models import vocab
from ..models.elements import ELEMENT_KEYS, AssessmentInfo, Body, Elements, ModuleInfo
from .artefact import STAMP, SignedArtefact, load_artefact, pick
from .qr import credential_qr, make_qr

MODEL_LABELS = {
    "single": N_("Model 1 - single awarding body"),
    "cooperative": N_("Model 2 - cooperative: awarded by the Lead Partner, delivered with partners"),
    "joint-award": N_("Model 3 - joint: awarded jointly by all partners"),
    "joint-lead": N_("Model 3 - joint delivery: awarded by the Lead Partner"),
}
#: the Annex I element headings as printed (ELEMENT_KEYS holds the names checks report)
HEADINGS = {
    "learner": N_("a) Identification of the learner"),
    "title": N_("b) Title"),
    "countries": N_("c) Country(ies)/region(s) of the issuer"),
    "awarding_bodies": N_("d) Awarding body(ies)"),
    "issued": N_("e) Date of issuing"),
    "learning_outcomes": N_("f) Learning outcomes"),
    "ects": N_("g) Notional workload (ECTS)"),
    "eqf": N_("h) Level (EQF, QF-EHEA cycle)"),
    "assessment": N_("i) Type of assessment"),
    "participation": N_("j) Form of participation"),
    "quality_assurance": N_("k) Type of quality assurance"),
}
#: the securing mechanisms' descriptions, translated where the certificate prints them
SECURITY_DESCRIPTIONS = (
    N_("signed with a W3C Data Integrity proof"),
    N_("sealed with the issuer's electronic seal (JAdES)"),
    N_("signed as a VC-JWT"),
    N_("signed as an Open Badges 3.0 JWT"),
    N_("signed as an SD-JWT VC (selective disclosure)"),
)
_BLUE = (0, 51, 153)
_GOLD = (255, 204, 0)
_GREY = (90, 90, 90)
_RED = (176, 0, 32)


@dataclass
class CertificateContent:
    """What a certificate says, rendered alike in HTML and PDF."""

    title: str
    learner: str
    learner_id: str | None
    issuer: str
    issued: str
    alliance: str | None
    alliance_logo_url: str | None
    rows: list[tuple[str, list[str]]]
    optional_rows: list[tuple[str, list[str]]]
    verify_text: str
    qr_png: bytes
    credential_id: str | None
    security: str
    logo: bytes | None = None
    notes: list[str] = field(default_factory=list)
    byline: str = ""                 # who awards and when, as the awarding model says it
    partners: list[tuple[str, str, bytes | None]] = field(default_factory=list)  # name, role, embedded logo
    logo_signed: bool = False        # the logo is the credential's own (not a local --logo file)
    unverified: str | None = None   # why the proof failed; set only for an export forced with --unverified
    wallet_qr_png: bytes | None = None   # an OpenID4VCI offer ("add to wallet"), when one was made for the learner
    tr: Translator = field(default_factory=lambda: translator("en"))   # the output language and its fallbacks


def _country(code: str | None, tr: Translator) -> str:
    if not code:
        return ""
    # English: the EU country table's own label; other languages: CLDR's name (Babel)
    name = vocab.COUNTRY[code].label if tr.language == "en" and code in vocab.COUNTRY else tr.country(code)
    if name == code and code in vocab.COUNTRY:
        name = vocab.COUNTRY[code].label
    return f"{name} ({code})" if name != code else code


def _body(b: Body, tr: Translator) -> str:
    name = tr.text(b.name) or b.id or tr("(unnamed)")
    extra = ", ".join(x for x in (_country(b.country, tr), b.legal_identifier) if x)
    return f"{name} ({extra})" if extra else name


def record_language(credential: dict[str, Any]) -> str | None:
    """The language the credential was written in: OB3 `achievement.inLanguage`, ELM
    `displayParameter.primaryLanguage` (an EU language concept)."""
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    ach = subject.get("achievement") if isinstance(subject, dict) else None
    if isinstance(ach, dict) and isinstance(ach.get("inLanguage"), str):
        return str(ach["inLanguage"])
    display = credential.get("displayParameter")
    primary = display.get("primaryLanguage") if isinstance(display, dict) else None
    uri = primary.get("id") if isinstance(primary, dict) else None
    return next((code for code, c in vocab.LANGUAGE.items() if c.uri == uri), None)


def _media_object(node: Any) -> str | None:
    """A logo node as a string: an OB3 Image/ELM WebResource URL, or an ELM MediaObject's embedded
    bytes as a data: URI."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return None
    for key in ("contentURL", "id"):
        if isinstance(node.get(key), str) and (key == "contentURL" or str(node[key]).startswith("data:")):
            return str(node[key])
    content, mime = node.get("content"), node.get("contentType")
    mime = mime.get("id") if isinstance(mime, dict) else mime
    if isinstance(content, str) and isinstance(mime, str):
        kind = {"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "svg": "image/svg+xml"}.get(
            mime.rsplit("/", 1)[-1].lower().removeprefix("image/").split("+")[0], mime)
        return f"data:{kind};base64,{content}"
    return str(node["id"]) if isinstance(node.get("id"), str) else None


def _alliance_logo_url(credential: dict[str, Any]) -> str | None:
    """The alliance logo as the credential states it (OB3 issuer.parentOrg.image or the
    extension's alliance.image / ELM groupMemberOf.logo): a URL or an embedded data: URI."""
    issuer = credential.get("issuer")
    alliance = credential.get("alliance") or (issuer.get("parentOrg") if isinstance(issuer, dict) else None)
    if isinstance(alliance, dict):
        return _media_object(alliance.get("image"))
    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value] if value is not None else []

    subject = credential.get("credentialSubject")
    claims = [c for s in items(subject) if isinstance(s, dict) for c in items(s.get("hasClaim"))]
    bodies = [issuer, *(b for c in claims if isinstance(c, dict) and isinstance(c.get("awardedBy"), dict)
                        for b in items(c["awardedBy"].get("awardingBody")))]
    for body in bodies:   # ELM: the lead is the issuer; the others may be in awardingBody
        for group in items(body.get("groupMemberOf")) if isinstance(body, dict) else []:
            logo = _media_object(group.get("logo")) if isinstance(group, dict) else None
            if logo:
                return logo
    return None


def _lead(el: Elements) -> Body | None:
    """The Lead Partner: the awarding body that issued, else the first awarding body."""
    issuer_id = el.issuer.id if el.issuer else None
    return next((b for b in el.awarding_bodies if issuer_id and b.id == issuer_id), None) or \
        (el.awarding_bodies[0] if el.awarding_bodies else el.issuer)


def _partners(el: Elements, tr: Translator) -> list[tuple[str, str, bytes | None]]:
    """Every partner with its role (DIVERSE A6), lead first: cooperative partners deliver, joint-award
    partners award, joint-lead partners participate; the partner's own role text follows the label."""
    lead = _lead(el)
    if lead is None:
        return []
    model = el.awarding_model
    pool = [*el.awarding_bodies, *el.on_behalf_of] if model == "joint-award" else el.delivering_partners

    def same(a: Body, b: Body) -> bool:
        return a is b or (a.id is not None and a.id == b.id)

    others: list[Body] = []
    for b in pool:
        if not same(b, lead) and not any(same(b, o) for o in others):
            others.append(b)
    if not others:
        return []

    def logo(b: Body) -> bytes | None:
        found = embedded_image(b.logo)
        return found[1] if found else None

    return [(_body(b, tr), role_text(tr, model, lead=b is lead, own=b.role or None), logo(b))
            for b in [lead, *others]]


def _assessment_line(a: AssessmentInfo, tr: Translator) -> str:
    kind = tr.concept(a.type.uri, a.type.label or a.type.code) if a.type else ""
    text = " - ".join(x for x in (kind, tr.text(a.title) if a.title else "") if x) or tr("(not stated)")
    if a.weight is not None:
        text += f" ({tr.number(a.weight)} %)"
    if a.grade:
        text += " - " + tr("grade {grade}", grade=tr.text(a.grade))
    return text


def module_line(m: ModuleInfo, tr: Translator) -> str:
    """One module in one line: title, workload, grade and dates, as the credential states them."""
    parts = [tr.text(m.title) or m.id or tr("(unnamed)")]
    if m.ects is not None or m.hours:
        parts.append(workload_text(tr, m.ects, None) if m.ects is not None else tr("{hours} hours", hours=m.hours))
    grade = m.grade or (m.assessment.grade if m.assessment else None)
    if grade:
        parts.append(tr("grade {grade}", grade=tr.text(grade)))
    if m.start or m.end:
        parts.append(" - ".join(tr.date(d) for d in (m.start, m.end) if d))
    return " | ".join(parts)


def element_rows(el: Elements, tr: Translator) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """The eleven elements (a-k) and the optional ones present, as (heading, lines) in `tr`'s language:
    the one table the certificate, the supplement and the service's pages show."""
    learner = el.learner
    learner_lines = [tr.text(learner.name)] if learner and learner.name else []
    if learner and learner.id:
        learner_lines.append(learner.id)
    if learner:
        learner_lines += [tr("identifier: {value}", value=i) for i in learner.identifiers]
    bodies = [_body(b, tr) for b in el.awarding_bodies]
    model = MODEL_LABELS.get(el.awarding_model or "")
    awarding = [tr(model) if model else el.awarding_model or "", *bodies]
    if el.delivering_partners:
        awarding.append(tr("Delivered with: {partners}",
                           partners="; ".join(_body(b, tr) for b in el.delivering_partners)))
    if el.alliance:
        awarding.append(tr("Within the alliance: {alliance}", alliance=tr.text(el.alliance)))
    if el.assessors and {b.id for b in el.assessors} != {b.id for b in el.awarding_bodies}:
        awarding.append(tr("Assessed by: {bodies}", bodies="; ".join(_body(b, tr) for b in el.assessors)))
    level = []
    if el.eqf:
        level.append(tr("EQF level {level}", level=el.eqf))
    if el.qf_ehea:
        cycle = vocab.QF_EHEA.get(el.qf_ehea)
        level.append(tr("QF-EHEA: {cycle}", cycle=tr.concept(cycle.uri, cycle.label) if cycle else el.qf_ehea))
    qa = el.quality_assurance
    qa_lines: list[str] = []
    if qa:
        if qa.type:
            qa_lines.append(tr.concept(qa.type.uri, qa.type.label or qa.type.code))
        if qa.external is not None:
            qa_lines.append(tr("external quality assurance") if qa.external else tr("internal quality assurance"))
        if qa.agency:
            qa_lines.append(tr("by {agency}", agency=_body(qa.agency, tr)))
        if qa.report:
            qa_lines.append(tr("report: {report}", report=qa.report))
        if qa.basis:
            qa_lines.append(qa.basis)

    def coded(value: Any) -> list[str]:
        return [tr.concept(value.uri, value.label or value.code)] if value else []

    values: dict[str, list[str]] = {
        "learner": learner_lines,
        "title": [tr.text(el.title)],
        "countries": [", ".join(_country(c, tr) for c in el.countries)],
        "awarding_bodies": awarding,
        "issued": [tr.date(el.issued)],
        "learning_outcomes": [f"- {tr.text(o.title)}" for o in el.learning_outcomes],
        "ects": _workload_lines(el, tr),
        "eqf": level,
        "assessment": coded(el.assessment) + [_assessment_line(a, tr) for a in el.assessments],
        "participation": coded(el.participation),
        "quality_assurance": qa_lines,
    }
    rows = [(tr(HEADINGS[key]), [v for v in values[key] if v] or [tr("(not stated)")]) for key in ELEMENT_KEYS]
    optional: list[tuple[str, list[str]]] = []
    if el.prerequisites:
        optional.append((tr("Prerequisites"), [tr.text(el.prerequisites)]))
    if el.supervision:
        s = el.supervision
        parts = [x for x in (
            None if s.supervised is None else (tr("supervised") if s.supervised else tr("unsupervised")),
            None if s.identity_verified is None else
            (tr("identity verified") if s.identity_verified else tr("identity not verified"))) if x]
        optional.append((tr("Supervision and identity verification"), [", ".join(parts) or s.code or ""]))
    if el.grade:
        optional.append((tr("Grade"), [tr.text(el.grade)]))
    if el.modules:
        optional.append((tr("Modules"), [module_line(m, tr) for m in el.modules]))
    if el.stackability:
        optional.append((tr("Integration / stackability"), [tr.text(el.stackability)]))
    if el.further_information:
        optional.append((tr("Further information"), [tr.text(el.further_information)]))
    return rows, optional


def _workload_lines(el: Elements, tr: Translator) -> list[str]:
    """ECTS (with the hours when stated); hours alone, or a stated 0, say "No ECTS credits awarded",
    never "0 ECTS" (no micro-credential awards 0 ECTS: records refuse it)."""
    if el.ects is not None and el.ects > 0:
        lines = [workload_text(tr, el.ects, el.hours)]
        return lines + ([tr("({hours} hours)", hours=el.hours)] if el.hours else [])
    if el.hours or el.no_ects or el.ects is not None:
        return [workload_text(tr, None, el.hours)]
    return []


def byline(el: Elements, tr: Translator) -> str:
    """The header's "who awards, when": joint-award names every awarding body and that the lead issued
    on behalf of all; cooperative and joint-lead name the Lead Partner as the awarding body."""
    date = tr.date(el.issued)
    model = el.awarding_model
    if model not in ("cooperative", "joint-award", "joint-lead"):
        return tr("by {issuer} on {date}", issuer=_body(el.issuer, tr) if el.issuer else "", date=date)
    lead = _lead(el)
    lead_name = (tr.text(lead.name) or lead.id or "") if lead else ""
    bodies = [tr.text(b.name) or b.id or "" for b in el.awarding_bodies] or [lead_name]
    return f"{awarding_statement(tr, model, lead_name, bodies)}, {tr('on {date}', date=date)}"


def _read_logo(logo: bytes | str | Path | None) -> bytes | None:
    if logo is None or isinstance(logo, bytes):
        return logo
    try:
        return read_input(Path(logo), what="logo file")
    except InputError as exc:
        raise ExportError(exc.message, field="logo", value=str(logo)) from exc


WALLET_HINT = N_("Scan it with your wallet app to receive this credential there. If a PIN is needed, it reaches "
                 "you separately.")


def certificate_content(source: Any, *, verify_url: str | None = None, lang: str | None = None,
                        logo: bytes | str | Path | None = None, unverified: str | None = None,
                        wallet_offer: str | None = None) -> CertificateContent:
    """The certificate's text and QR, read from the signed credential.

    This does not verify the credential (`export_credential` does, first). `unverified`
    is the reason a forced export did not verify: the page is then stamped NOT VERIFIED.
    `wallet_offer` is an `openid-credential-offer://` URI made for this learner (the service's
    `POST /offers`): the page then has an "add to your wallet" QR code too.
    """
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    el = art.elements
    tr = translator(lang, record_language(art.credential))
    qr_png, kind, text = credential_qr(art, verify_url=verify_url, fmt="png")
    if wallet_offer is not None and not wallet_offer.startswith("openid-credential-offer://"):
        raise ExportError("a wallet offer is an openid-credential-offer:// URI", field="wallet_offer")
    wallet_qr = make_qr(wallet_offer, fmt="png") if wallet_offer else None
    rows, optional = element_rows(el, tr)
    issuer = _body(el.issuer, tr) if el.issuer else ""
    learner = tr.text(el.learner.name) if el.learner else ""
    verify_text = text if kind == "link" else tr("Scan the QR code: it holds the signed credential (VC-JWT) itself.")
    logo_ref = el.alliance_logo or _alliance_logo_url(art.credential)
    signed_logo = embedded_image(logo_ref)
    local_logo = _read_logo(logo)
    content = CertificateContent(
        title=tr.text(el.title) or tr("Micro-credential"),
        learner=learner or (el.learner.id if el.learner else "") or "",
        learner_id=el.learner.id if el.learner else None, issuer=issuer, issued=tr.date(el.issued),
        alliance=tr.text(el.alliance) if el.alliance else None,
        alliance_logo_url=None if signed_logo else logo_ref,
        wallet_qr_png=wallet_qr,
        rows=rows, optional_rows=optional, verify_text=verify_text, qr_png=qr_png, credential_id=art.credential_id,
        security=tr(art.mechanism.description), logo=signed_logo[1] if signed_logo else local_logo,
        unverified=unverified, tr=tr, byline=byline(el, tr), partners=_partners(el, tr),
        logo_signed=signed_logo is not None)
    if signed_logo and local_logo is not None:
        content.notes.append(tr("The alliance logo is the one the signed credential embeds; the local logo "
                                "file was not used."))
    if content.alliance_logo_url and content.logo is None:
        content.notes.append(tr("Alliance logo: {url} (not embedded: pass a local logo file)",
                                url=content.alliance_logo_url))
    return content


# --- HTML ---------------------------------------------------------------------------------

def _mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if b"<svg" in data[:2048]:
        return "image/svg+xml"
    raise ExportError("the logo must be a PNG, JPEG or SVG file", field="logo")


def _data_uri(data: bytes) -> str:
    return f"data:{_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"


_CSS = """
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:0;color:#222;background:#f4f4f4}
.page{max-width:800px;margin:24px auto;background:#fff;padding:0 0 24px;box-shadow:0 0 8px #bbb}
header{background:#003399;color:#fff;padding:16px 28px;display:flex;justify-content:space-between;align-items:center}
header .kind{color:#ffcc00;letter-spacing:.12em;font-weight:bold}
header img{max-height:56px;max-width:180px;background:#fff;padding:4px}
.top{display:flex;justify-content:space-between;gap:24px;padding:8px 28px}
h1{color:#003399;font-size:28px;margin:16px 0 8px}
.learner{font-size:22px;font-weight:bold;margin:4px 0}
.muted{color:#5a5a5a;font-size:13px;overflow-wrap:anywhere}
figure{margin:12px 0 0;text-align:center;font-size:12px}
figure img{width:150px;height:150px}
.wallet{display:flex;gap:16px;align-items:center;margin-top:14px}.wallet figure{margin:0}
table{border-collapse:collapse;margin:8px 28px;width:calc(100% - 56px);font-size:14px}
th{text-align:left;vertical-align:top;width:34%;color:#003399;padding:6px 8px 6px 0;border-top:1px solid #ddd}
td{vertical-align:top;padding:6px 0;border-top:1px solid #ddd;overflow-wrap:anywhere}
h2{font-size:16px;color:#003399;margin:18px 28px 0}
footer{margin:16px 28px 0;font-size:12px;color:#5a5a5a;overflow-wrap:anywhere}
.unverified{background:#b00020;color:#fff;padding:12px 28px;font-size:15px;overflow-wrap:anywhere}
.unverified strong{font-size:24px;letter-spacing:.1em;display:block}
table.partners th{width:auto;font-weight:normal;color:#222}
table.partners td.role{color:#003399}
table.partners img{max-height:28px;max-width:90px;vertical-align:middle;margin-right:8px}
@media print{body{background:#fff}.page{box-shadow:none;margin:0}}
"""


def _logo_img(logo: bytes | None) -> str:
    """A partner's embedded logo (decorative: its name follows), or nothing."""
    if logo is None:
        return ""
    try:
        return f'<img src="{_data_uri(logo)}" alt="">'
    except ExportError:
        return ""


def _cell(lines: list[str]) -> str:
    return "<br>".join(html.escape(line) for line in lines)


def page_start(tr: Translator, title: str, css: str, unverified: str | None) -> tuple[str, str]:
    """The head of a self-contained learner page (strict CSP, no external loads) and its NOT VERIFIED
    banner ('' for a verified credential): the certificate and the supplement share both."""
    e = html.escape
    title_stamp = f"{STAMP} - " if unverified is not None else ""
    warning = tr("This credential's signature did not verify: {reason}. Do not rely on this page.",
                 reason=unverified or "")
    stamp = (f'<div class="unverified" role="alert"><strong>{STAMP}</strong>{e(warning)}</div>\n'
             if unverified is not None else "")
    head = f"""<!DOCTYPE html>
<html lang="{e(tr.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{title_stamp}{title}</title>
<style>{css}</style>
</head>"""
    return head, stamp


def certificate_html(source: Any, *, verify_url: str | None = None, lang: str | None = None,
                     logo: bytes | str | Path | None = None, wallet_offer: str | None = None) -> str:
    """One self-contained HTML page (no external requests: QR and logo are data: URIs)."""
    c = source if isinstance(source, CertificateContent) else \
        certificate_content(source, verify_url=verify_url, lang=lang, logo=logo, wallet_offer=wallet_offer)
    e = html.escape
    logo_html = f'<img src="{_data_uri(c.logo)}" alt="{e(c.alliance or "logo")}">' if c.logo else ""
    alliance = f"<div>{e(c.alliance)}</div>" if c.alliance else ""
    rows = "\n".join(f"<tr><th>{e(label)}</th><td>{_cell(lines)}</td></tr>" for label, lines in c.rows)
    optional = "\n".join(f"<tr><th>{e(label)}</th><td>{_cell(lines)}</td></tr>" for label, lines in c.optional_rows)
    tr = c.tr
    optional_html = f"<h2>{e(tr('Further details'))}</h2>\n<table>\n{optional}\n</table>" if optional else ""
    partner_rows = "\n".join(
        f'<tr><th>{_logo_img(logo)}{e(name)}</th><td class="role">{e(role)}</td></tr>'
        for name, role, logo in c.partners)
    partners_html = (f'<h2>{e(tr("Partners"))}</h2>\n<table class="partners">\n{partner_rows}\n</table>'
                     if partner_rows else "")
    link = (f'<a href="{e(c.verify_text)}">{e(c.verify_text)}</a>' if c.verify_text.startswith("https://")
            else e(c.verify_text))
    notes = "".join(f"<div>{e(n)}</div>" for n in c.notes)
    verify_line = e(tr("Verify: {target}", target="\x00")).replace("\x00", link)
    qr = base64.b64encode(c.qr_png).decode("ascii")
    wallet_html = ""
    if c.wallet_qr_png:
        wallet_qr = base64.b64encode(c.wallet_qr_png).decode("ascii")
        wallet_html = (f'<section class="wallet"><figure><img src="data:image/png;base64,{wallet_qr}" '
                       f'alt="{e(tr("QR code to add this credential to a wallet"))}"><figcaption>'
                       f'{e(tr("Add to your wallet"))}</figcaption></figure><p>'
                       f'{e(tr(WALLET_HINT))}'
                       f"</p></section>")
    head, stamp = page_start(tr, f"{e(c.title)} - {e(c.learner)}", _CSS, c.unverified)
    footer_stamp = f"<div><strong>{STAMP}</strong>: {e(c.unverified)}</div>" if c.unverified is not None else ""
    return f"""{head}
<body>
<div class="page">
{stamp}<header><div><div class="kind">{e(tr("EUROPEAN MICRO-CREDENTIAL"))}</div>{alliance}</div>{logo_html}</header>
<div class="top">
<div>
<h1>{e(c.title)}</h1>
<div class="muted">{e(tr("awarded to"))}</div>
<div class="learner">{e(c.learner)}</div>
<div class="muted">{e(c.learner_id or "")}</div>
<p>{e(c.byline or tr("by {issuer} on {date}", issuer=c.issuer, date=c.issued))}</p>
</div>
<figure><img src="data:image/png;base64,{qr}" alt="{e(tr("QR code to verify this credential"))}">
<figcaption>{e(tr("Scan to verify"))}</figcaption></figure>
</div>
{partners_html}
<table>
{rows}
</table>
{optional_html}
{wallet_html}
<footer>
<div>{verify_line}</div>
<div>{e(tr("Credential: {id} - {security}", id=c.credential_id or "", security=c.security))}</div>
{notes}
{footer_stamp}
<div>{e(tr("This page summarises a digitally signed credential; the signed credential file is authoritative."))}</div>
</footer>
</div>
</body>
</html>
"""


# --- PDF ----------------------------------------------------------------------------------

def pdf_document(tr: Translator, *, footer_text: str, unverified: str | None, title: str, author: str,
                 subject: str, issued: str | None) -> tuple[Any, str, Callable[[str], str]]:
    """An A4 fpdf2 document with the certificate's font, footer and NOT VERIFIED watermark, so the
    certificate and the supplement (supplement.py) print alike: (pdf, font family, text filter)."""
    from fpdf import FPDF

    from .fonts import is_variable, latin1, static_font, unicode_font_path

    font_path = unicode_font_path()
    if unverified is not None:
        footer_text = f"{STAMP} - {footer_text}"

    class _Doc(FPDF):
        def footer(self) -> None:
            if unverified is not None:
                # across every page, drawn last and translucent: on top of the content, which stays readable
                with self.local_context(fill_opacity=0.22):
                    self.set_font(family, "B", 64)
                    self.set_text_color(*_RED)
                    with self.rotation(45, x=self.w / 2, y=self.h / 2):
                        self.set_xy(0, self.h / 2 - 15)
                        self.cell(self.w, 30, STAMP, align="C")
            self.set_y(-12)
            self.set_font(family, "", 7.5)
            self.set_text_color(*_GREY)
            self.cell(0, 5, t(f"{footer_text} - {tr('page {number}', number=self.page_no())}"), align="C")

    pdf = _Doc(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(15, 15, 15)
    t: Callable[[str], str]
    if font_path is not None:
        family = "CertSans"
        regular, bold_font = static_font(400), static_font(700)
        if regular is not None and bold_font is not None:
            pdf.add_font(family, "", str(regular))
            pdf.add_font(family, "B", str(bold_font))
        elif is_variable(font_path):
            pdf.add_font(family, "", str(font_path), variations={"wght": 400.0, "wdth": 100.0})
            pdf.add_font(family, "B", str(font_path), variations={"wght": 700.0, "wdth": 100.0})
        else:
            pdf.add_font(family, "", str(font_path))
            bold = font_path.with_name(font_path.stem + "-Bold" + font_path.suffix)
            pdf.add_font(family, "B", str(bold if bold.is_file() else font_path))

        def t(text: str) -> str:
            return text
    else:
        family = "helvetica"
        t = latin1
    pdf.set_title(t(f"{STAMP} - {title}" if unverified is not None else title))
    pdf.set_author(t(author))
    pdf.set_subject(t(subject))
    pdf.set_lang(tr.language)
    pdf.set_creator("edcissuer")
    try:  # the credential's date, not the clock: the same credential gives the same PDF
        pdf.set_creation_date(datetime.fromisoformat(issued or "").replace(tzinfo=timezone.utc))
    except ValueError:
        pass
    return pdf, family, t


def _pdf(c: CertificateContent) -> bytes:
    from fpdf.enums import XPos, YPos

    tr = c.tr
    pdf, family, t = pdf_document(tr, footer_text=f"{c.credential_id or ''} - {c.security}",
                                  unverified=c.unverified, title=f"{c.title} - {c.learner}", author=c.issuer,
                                  subject=tr("European micro-credential certificate"), issued=c.issued)
    pdf.add_page()
    w = pdf.w - pdf.l_margin - pdf.r_margin

    # header band
    pdf.set_fill_color(*_BLUE)
    pdf.rect(0, 0, pdf.w, 22, style="F")
    pdf.set_xy(15, 5)
    pdf.set_font(family, "B", 11)
    pdf.set_text_color(*_GOLD)
    pdf.cell(120, 6, t(tr("EUROPEAN MICRO-CREDENTIAL")), new_x=XPos.LEFT, new_y=YPos.NEXT)
    if c.alliance:
        pdf.set_font(family, "", 10)
        pdf.set_text_color(255, 255, 255)
        pdf.cell(120, 6, t(c.alliance))
    if c.logo:
        import io

        try:
            pdf.image(io.BytesIO(c.logo), x=pdf.w - 15 - 40, y=3, h=16, keep_aspect_ratio=True, w=40)
        except Exception as exc:  # noqa: BLE001 - fpdf2/Pillow raise many types for a bad image
            if not c.logo_signed:   # a signed logo fpdf2 cannot draw: the alliance's name stands for it
                raise ExportError(f"cannot draw the logo: {exc}", field="logo") from exc

    top = 28
    if c.unverified is not None:
        pdf.set_fill_color(*_RED)
        pdf.rect(0, 22, pdf.w, 16, style="F")
        pdf.set_xy(15, 23.5)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(family, "B", 14)
        pdf.cell(w, 6, STAMP, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(family, "", 7.5)
        reason = tr("The signature did not verify: {reason}", reason=c.unverified)
        pdf.cell(w, 5, t(reason if len(reason) <= 150 else reason[:147] + "..."))
        top = 44

    # title block (left) and QR (right)
    qr_size = 38
    text_w = w - qr_size - 6
    pdf.set_xy(15, top)
    pdf.set_text_color(*_BLUE)
    pdf.set_font(family, "B", 18)
    pdf.multi_cell(text_w, 8, t(c.title), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_text_color(*_GREY)
    pdf.set_font(family, "", 10)
    pdf.cell(text_w, 5, t(tr("awarded to")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(text_w, 8, t(c.learner), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if c.learner_id:
        pdf.set_font(family, "", 7.5)
        pdf.set_text_color(*_GREY)
        pdf.multi_cell(text_w, 4, t(c.learner_id), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(family, "", 10)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(text_w, 5, t(c.byline or tr("by {issuer} on {date}", issuer=c.issuer, date=c.issued)),
                   align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    title_bottom = pdf.get_y()
    import io

    qr_top = top - 2
    pdf.image(io.BytesIO(c.qr_png), x=pdf.w - 15 - qr_size, y=qr_top, w=qr_size, h=qr_size)
    pdf.set_xy(pdf.w - 15 - qr_size, qr_top + qr_size)
    pdf.set_font(family, "", 8)
    pdf.set_text_color(*_GREY)
    pdf.cell(qr_size, 4, t(tr("Scan to verify")), align="C")
    pdf.set_y(max(title_bottom + 3, qr_top + qr_size + 6))

    def table(rows: list[tuple[str, list[str]]]) -> None:
        from fpdf.fonts import FontFace

        label_face = FontFace(family=family, emphasis="BOLD", size_pt=8.5, color=_BLUE, fill_color=(255, 255, 255))
        value_face = FontFace(family=family, emphasis="", size_pt=8.5, color=(0, 0, 0), fill_color=(255, 255, 255))
        pdf.set_draw_color(210, 210, 210)
        pdf.set_fill_color(255, 255, 255)
        pdf.set_font(family, "", 9)
        with pdf.table(col_widths=(64, w - 64), first_row_as_headings=False, line_height=4.2,
                       borders_layout="HORIZONTAL_LINES", padding=(1.0, 1.2), text_align="LEFT",
                       v_align="TOP") as tbl:
            for label, lines in rows:
                row = tbl.row()
                row.cell(t(label), style=label_face)
                row.cell(t("\n".join(lines)), style=value_face)

    if c.partners:   # every partner with its role, before the elements (DIVERSE A6)
        pdf.set_font(family, "B", 11)
        pdf.set_text_color(*_BLUE)
        pdf.cell(0, 7, t(tr("Partners")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        table([(name, [role]) for name, role, _ in c.partners])
        pdf.ln(3)
    table(c.rows)
    if c.optional_rows:
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.set_text_color(*_BLUE)
        pdf.cell(0, 7, t(tr("Further details")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        table(c.optional_rows)
    pdf.ln(4)
    if c.wallet_qr_png:
        import io

        size = 30
        if pdf.get_y() + size + 8 > pdf.h - 20:
            pdf.add_page()
        y = pdf.get_y()
        pdf.image(io.BytesIO(c.wallet_qr_png), x=15, y=y, w=size, h=size)
        pdf.set_xy(15 + size + 4, y + 4)
        pdf.set_font(family, "B", 10)
        pdf.set_text_color(*_BLUE)
        pdf.cell(0, 6, t(tr("Add to your wallet")), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(family, "", 8.5)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(w - size - 4, 4.2, t(tr(WALLET_HINT)), align="L")
        pdf.set_y(y + size + 3)
    pdf.set_font(family, "", 8.5)
    pdf.set_text_color(*_GREY)
    stamp_lines = [f"{STAMP}: {c.unverified}"] if c.unverified is not None else []
    for line in [tr("Verify: {target}", target=c.verify_text),
                 tr("Credential: {id} - {security}", id=c.credential_id or "", security=c.security), *c.notes,
                 *stamp_lines,
                 tr("This certificate summarises a digitally signed credential; the signed credential file "
                    "is authoritative.")]:
        pdf.multi_cell(w, 4.2, t(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def certificate_pdf(source: Any, *, verify_url: str | None = None, lang: str | None = None,
                    logo: bytes | str | Path | None = None, wallet_offer: str | None = None) -> bytes:
    """The certificate as an A4 PDF (fpdf2, Unicode font embedded)."""
    c = source if isinstance(source, CertificateContent) else \
        certificate_content(source, verify_url=verify_url, lang=lang, logo=logo, wallet_offer=wallet_offer)
    return _pdf(c)

