"""Printable certificates (HTML and PDF) of a signed micro-credential.

Everything shown is read from the *signed* credential (`extract_elements` on its
payload), never from the record, so the printout cannot say more than the credential
does. The page shows the eleven Annex I elements, the awarding model with its awarding
bodies and delivering partners (Models 2 and 3), the alliance (a logo URL is named, never
fetched; a local logo file is drawn), and a QR code that leads to verification.

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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ExportError, InputError
from ..files import read_input
from ..i18n import N_, Translator, translator
from ..models import vocab
from ..models.elements import ELEMENT_KEYS, Body, Elements
from .artefact import STAMP, SignedArtefact, load_artefact, pick
from .qr import credential_qr

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
    unverified: str | None = None   # why the proof failed; set only for an export forced with --unverified
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


def _alliance_logo_url(credential: dict[str, Any]) -> str | None:
    """The alliance logo URL as the credential states it (OB3 issuer.parentOrg.image or the
    extension's alliance.image / ELM groupMemberOf.logo)."""
    issuer = credential.get("issuer")
    alliance = credential.get("alliance") or (issuer.get("parentOrg") if isinstance(issuer, dict) else None)
    if isinstance(alliance, dict):
        image = alliance.get("image")
        url = image.get("id") if isinstance(image, dict) else image
        return url if isinstance(url, str) else None
    subject = credential.get("credentialSubject") or {}
    for claim in subject.get("hasClaim", []) if isinstance(subject, dict) else []:
        awarded = claim.get("awardedBy") if isinstance(claim, dict) else None
        bodies = awarded.get("awardingBody", []) if isinstance(awarded, dict) else []
        for body in bodies if isinstance(bodies, list) else [bodies]:
            groups = body.get("groupMemberOf", []) if isinstance(body, dict) else []
            for group in groups if isinstance(groups, list) else [groups]:
                logo = group.get("logo") if isinstance(group, dict) else None
                if isinstance(logo, dict) and isinstance(logo.get("contentURL"), str):
                    return str(logo["contentURL"])
    return None


def _rows(el: Elements, tr: Translator) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
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
        "ects": [tr("{ects} ECTS credits", ects=tr.number(el.ects)) if el.ects is not None else ""],
        "eqf": level,
        "assessment": coded(el.assessment),
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
    if el.stackability:
        optional.append((tr("Integration / stackability"), [tr.text(el.stackability)]))
    if el.further_information:
        optional.append((tr("Further information"), [tr.text(el.further_information)]))
    return rows, optional


def _read_logo(logo: bytes | str | Path | None) -> bytes | None:
    if logo is None or isinstance(logo, bytes):
        return logo
    try:
        return read_input(Path(logo), what="logo file")
    except InputError as exc:
        raise ExportError(exc.message, field="logo", value=str(logo)) from exc


def certificate_content(source: Any, *, verify_url: str | None = None, lang: str | None = None,
                        logo: bytes | str | Path | None = None, unverified: str | None = None) -> CertificateContent:
    """The certificate's text and QR, read from the signed credential.

    This does not verify the credential (`export_credential` does, first). `unverified`
    is the reason a forced export did not verify: the page is then stamped NOT VERIFIED.
    """
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    el = art.elements
    tr = translator(lang, record_language(art.credential))
    qr_png, kind, text = credential_qr(art, verify_url=verify_url, fmt="png")
    rows, optional = _rows(el, tr)
    issuer = _body(el.issuer, tr) if el.issuer else ""
    learner = tr.text(el.learner.name) if el.learner else ""
    verify_text = text if kind == "link" else tr("Scan the QR code: it holds the signed credential (VC-JWT) itself.")
    content = CertificateContent(
        title=tr.text(el.title) or tr("Micro-credential"),
        learner=learner or (el.learner.id if el.learner else "") or "",
        learner_id=el.learner.id if el.learner else None, issuer=issuer, issued=tr.date(el.issued),
        alliance=tr.text(el.alliance) if el.alliance else None, alliance_logo_url=_alliance_logo_url(art.credential),
        rows=rows, optional_rows=optional, verify_text=verify_text, qr_png=qr_png, credential_id=art.credential_id,
        security=tr(art.mechanism.description), logo=_read_logo(logo), unverified=unverified, tr=tr)
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
    if b"<svg" in data[:1024]:
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
table{border-collapse:collapse;margin:8px 28px;width:calc(100% - 56px);font-size:14px}
th{text-align:left;vertical-align:top;width:34%;color:#003399;padding:6px 8px 6px 0;border-top:1px solid #ddd}
td{vertical-align:top;padding:6px 0;border-top:1px solid #ddd;overflow-wrap:anywhere}
h2{font-size:16px;color:#003399;margin:18px 28px 0}
footer{margin:16px 28px 0;font-size:12px;color:#5a5a5a;overflow-wrap:anywhere}
.unverified{background:#b00020;color:#fff;padding:12px 28px;font-size:15px;overflow-wrap:anywhere}
.unverified strong{font-size:24px;letter-spacing:.1em;display:block}
@media print{body{background:#fff}.page{box-shadow:none;margin:0}}
"""


def _cell(lines: list[str]) -> str:
    return "<br>".join(html.escape(line) for line in lines)


def certificate_html(source: Any, *, verify_url: str | None = None, lang: str | None = None,
                     logo: bytes | str | Path | None = None) -> str:
    """One self-contained HTML page (no external requests: QR and logo are data: URIs)."""
    c = source if isinstance(source, CertificateContent) else \
        certificate_content(source, verify_url=verify_url, lang=lang, logo=logo)
    e = html.escape
    logo_html = f'<img src="{_data_uri(c.logo)}" alt="{e(c.alliance or "logo")}">' if c.logo else ""
    alliance = f"<div>{e(c.alliance)}</div>" if c.alliance else ""
    rows = "\n".join(f"<tr><th>{e(label)}</th><td>{_cell(lines)}</td></tr>" for label, lines in c.rows)
    optional = "\n".join(f"<tr><th>{e(label)}</th><td>{_cell(lines)}</td></tr>" for label, lines in c.optional_rows)
    tr = c.tr
    optional_html = f"<h2>{e(tr('Further details'))}</h2>\n<table>\n{optional}\n</table>" if optional else ""
    link = (f'<a href="{e(c.verify_text)}">{e(c.verify_text)}</a>' if c.verify_text.startswith("https://")
            else e(c.verify_text))
    notes = "".join(f"<div>{e(n)}</div>" for n in c.notes)
    verify_line = e(tr("Verify: {target}", target="\x00")).replace("\x00", link)
    qr = base64.b64encode(c.qr_png).decode("ascii")
    html_lang = e(tr.language)
    warning = tr("This credential's signature did not verify: {reason}. Do not rely on this page.",
                 reason=c.unverified or "")
    stamp = (f'<div class="unverified" role="alert"><strong>{STAMP}</strong>{e(warning)}</div>\n'
             if c.unverified is not None else "")
    title_stamp = f"{STAMP} - " if c.unverified is not None else ""
    footer_stamp = f"<div><strong>{STAMP}</strong>: {e(c.unverified)}</div>" if c.unverified is not None else ""
    return f"""<!DOCTYPE html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{title_stamp}{e(c.title)} - {e(c.learner)}</title>
<style>{_CSS}</style>
</head>
<body>
<div class="page">
{stamp}<header><div><div class="kind">{e(tr("EUROPEAN MICRO-CREDENTIAL"))}</div>{alliance}</div>{logo_html}</header>
<div class="top">
<div>
<h1>{e(c.title)}</h1>
<div class="muted">{e(tr("awarded to"))}</div>
<div class="learner">{e(c.learner)}</div>
<div class="muted">{e(c.learner_id or "")}</div>
<p>{e(tr("by {issuer} on {date}", issuer=c.issuer, date=c.issued))}</p>
</div>
<figure><img src="data:image/png;base64,{qr}" alt="{e(tr("QR code to verify this credential"))}">
<figcaption>{e(tr("Scan to verify"))}</figcaption></figure>
</div>
<table>
{rows}
</table>
{optional_html}
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

def _pdf(c: CertificateContent) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from .fonts import is_variable, latin1, static_font, unicode_font_path

    font_path = unicode_font_path()
    tr = c.tr
    footer_text = f"{c.credential_id or ''} - {c.security}"
    if c.unverified is not None:
        footer_text = f"{STAMP} - {footer_text}"

    class _Doc(FPDF):
        def footer(self) -> None:
            if c.unverified is not None:
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
    pdf.set_title(t(f"{STAMP} - {c.title} - {c.learner}" if c.unverified is not None else f"{c.title} - {c.learner}"))
    pdf.set_author(t(c.issuer))
    pdf.set_subject(t(tr("European micro-credential certificate")))
    pdf.set_lang(tr.language)
    pdf.set_creator("edcissuer")
    try:  # the credential's date, not the clock: the same credential gives the same PDF
        pdf.set_creation_date(datetime.fromisoformat(c.issued).replace(tzinfo=timezone.utc))
    except ValueError:
        pass
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
    pdf.multi_cell(text_w, 5, t(tr("by {issuer} on {date}", issuer=c.issuer, date=c.issued)), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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

    table(c.rows)
    if c.optional_rows:
        pdf.ln(3)
        pdf.set_font(family, "B", 11)
        pdf.set_text_color(*_BLUE)
        pdf.cell(0, 7, t(tr("Further details")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        table(c.optional_rows)
    pdf.ln(4)
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
                    logo: bytes | str | Path | None = None) -> bytes:
    """The certificate as an A4 PDF (fpdf2, Unicode font embedded)."""
    c = source if isinstance(source, CertificateContent) else \
        certificate_content(source, verify_url=verify_url, lang=lang, logo=logo)
    return _pdf(c)

