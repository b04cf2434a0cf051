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
from ..models import vocab
from ..models.elements import ELEMENT_KEYS, Body, Elements
from .artefact import STAMP, SignedArtefact, load_artefact, pick
from .qr import credential_qr

MODEL_LABELS = {
    "single": "Model 1 - single awarding body",
    "cooperative": "Model 2 - cooperative: awarded by the Lead Partner, delivered with partners",
    "joint": "Model 3 - joint: awarded jointly by all partners",
}
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


def _date(value: str | None) -> str:
    return (value or "")[:10]


def _country(code: str | None) -> str:
    if not code:
        return ""
    concept = vocab.COUNTRY.get(code)
    return f"{concept.label} ({code})" if concept else code


def _body(b: Body, lang: str | None) -> str:
    name = pick(b.name, lang) or b.id or "(unnamed)"
    extra = ", ".join(x for x in (_country(b.country), b.legal_identifier) if x)
    return f"{name} ({extra})" if extra else name


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


def _label(key_label: str) -> str:
    """'g) notional workload (ECTS)' -> 'g) Notional workload (ECTS)'."""
    letter, _, text = key_label.partition(") ")
    return f"{letter}) {text[:1].upper()}{text[1:]}" if text else key_label


def _rows(el: Elements, lang: str | None) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    learner = el.learner
    learner_lines = [pick(learner.name, lang)] if learner and learner.name else []
    if learner and learner.id:
        learner_lines.append(learner.id)
    if learner:
        learner_lines += [f"identifier: {i}" for i in learner.identifiers]
    bodies = [_body(b, lang) for b in el.awarding_bodies]
    awarding = [MODEL_LABELS.get(el.awarding_model or "", el.awarding_model or ""), *bodies]
    if el.delivering_partners:
        awarding.append("Delivered with: " + "; ".join(_body(b, lang) for b in el.delivering_partners))
    if el.alliance:
        awarding.append(f"Within the alliance: {pick(el.alliance, lang)}")
    level = []
    if el.eqf:
        level.append(f"EQF level {el.eqf}")
    if el.qf_ehea:
        level.append(f"QF-EHEA: {vocab.QF_EHEA[el.qf_ehea].label if el.qf_ehea in vocab.QF_EHEA else el.qf_ehea}")
    qa = el.quality_assurance
    qa_lines: list[str] = []
    if qa:
        if qa.type:
            qa_lines.append(qa.type.label or qa.type.code or qa.type.uri or "")
        if qa.external is not None:
            qa_lines.append("external quality assurance" if qa.external else "internal quality assurance")
        if qa.agency:
            qa_lines.append(f"by {_body(qa.agency, lang)}")
        if qa.report:
            qa_lines.append(f"report: {qa.report}")
        if qa.basis:
            qa_lines.append(qa.basis)

    def coded(value: Any) -> list[str]:
        return [value.label or value.code or value.uri] if value else []

    values: dict[str, list[str]] = {
        "learner": learner_lines,
        "title": [pick(el.title, lang)],
        "countries": [", ".join(_country(c) for c in el.countries)],
        "awarding_bodies": awarding,
        "issued": [_date(el.issued)],
        "learning_outcomes": [f"- {pick(o.title, lang)}" for o in el.learning_outcomes],
        "ects": [f"{el.ects:g} ECTS credits" if el.ects is not None else ""],
        "eqf": level,
        "assessment": coded(el.assessment),
        "participation": coded(el.participation),
        "quality_assurance": qa_lines,
    }
    rows = [(_label(label), [v for v in values[key] if v] or ["(not stated)"]) for key, label in ELEMENT_KEYS.items()]
    optional: list[tuple[str, list[str]]] = []
    if el.prerequisites:
        optional.append(("Prerequisites", [pick(el.prerequisites, lang)]))
    if el.supervision:
        s = el.supervision
        parts = [x for x in (
            None if s.supervised is None else ("supervised" if s.supervised else "unsupervised"),
            None if s.identity_verified is None else
            ("identity verified" if s.identity_verified else "identity not verified")) if x]
        optional.append(("Supervision and identity verification", [", ".join(parts) or s.code or ""]))
    if el.grade:
        optional.append(("Grade", [pick(el.grade, lang)]))
    if el.stackability:
        optional.append(("Integration / stackability", [pick(el.stackability, lang)]))
    if el.further_information:
        optional.append(("Further information", [pick(el.further_information, lang)]))
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
    qr_png, kind, text = credential_qr(art, verify_url=verify_url, fmt="png")
    rows, optional = _rows(el, lang)
    issuer = _body(el.issuer, lang) if el.issuer else ""
    learner = pick(el.learner.name, lang) if el.learner else ""
    verify_text = text if kind == "link" else "Scan the QR code: it holds the signed credential (VC-JWT) itself."
    content = CertificateContent(
        title=pick(el.title, lang) or "Micro-credential", learner=learner or (el.learner.id if el.learner else "") or "",
        learner_id=el.learner.id if el.learner else None, issuer=issuer, issued=_date(el.issued),
        alliance=pick(el.alliance, lang) if el.alliance else None, alliance_logo_url=_alliance_logo_url(art.credential),
        rows=rows, optional_rows=optional, verify_text=verify_text, qr_png=qr_png, credential_id=art.credential_id,
        security=art.mechanism.description, logo=_read_logo(logo), unverified=unverified)
    if content.alliance_logo_url and content.logo is None:
        content.notes.append(f"Alliance logo: {content.alliance_logo_url} (not embedded: pass a local logo file)")
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
    optional_html = f"<h2>Further details</h2>\n<table>\n{optional}\n</table>" if optional else ""
    link = (f'<a href="{e(c.verify_text)}">{e(c.verify_text)}</a>' if c.verify_text.startswith("https://")
            else e(c.verify_text))
    notes = "".join(f"<div>{e(n)}</div>" for n in c.notes)
    qr = base64.b64encode(c.qr_png).decode("ascii")
    html_lang = e(lang or "en")
    stamp = (f'<div class="unverified" role="alert"><strong>{STAMP}</strong>This credential\'s signature did not '
             f'verify: {e(c.unverified)}. Do not rely on this page.</div>\n' if c.unverified is not None else "")
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
{stamp}<header><div><div class="kind">EUROPEAN MICRO-CREDENTIAL</div>{alliance}</div>{logo_html}</header>
<div class="top">
<div>
<h1>{e(c.title)}</h1>
<div class="muted">awarded to</div>
<div class="learner">{e(c.learner)}</div>
<div class="muted">{e(c.learner_id or "")}</div>
<p>by {e(c.issuer)} on {e(c.issued)}</p>
</div>
<figure><img src="data:image/png;base64,{qr}" alt="QR code to verify this credential">
<figcaption>Scan to verify</figcaption></figure>
</div>
<table>
{rows}
</table>
{optional_html}
<footer>
<div>Verify: {link}</div>
<div>Credential: {e(c.credential_id or "")} - {e(c.security)}</div>
{notes}
{footer_stamp}
<div>This page summarises a digitally signed credential; the signed credential file is authoritative.</div>
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
            self.cell(0, 5, t(f"{footer_text} - page {self.page_no()}"), align="C")

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
    pdf.set_subject("European micro-credential certificate")
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
    pdf.cell(120, 6, "EUROPEAN MICRO-CREDENTIAL", new_x=XPos.LEFT, new_y=YPos.NEXT)
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
        reason = f"The signature did not verify: {c.unverified}"
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
    pdf.cell(text_w, 5, "awarded to", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
    pdf.multi_cell(text_w, 5, t(f"by {c.issuer} on {c.issued}"), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    title_bottom = pdf.get_y()
    import io

    qr_top = top - 2
    pdf.image(io.BytesIO(c.qr_png), x=pdf.w - 15 - qr_size, y=qr_top, w=qr_size, h=qr_size)
    pdf.set_xy(pdf.w - 15 - qr_size, qr_top + qr_size)
    pdf.set_font(family, "", 8)
    pdf.set_text_color(*_GREY)
    pdf.cell(qr_size, 4, "Scan to verify", align="C")
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
        pdf.cell(0, 7, "Further details", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        table(c.optional_rows)
    pdf.ln(4)
    pdf.set_font(family, "", 8.5)
    pdf.set_text_color(*_GREY)
    stamp_lines = [f"{STAMP}: {c.unverified}"] if c.unverified is not None else []
    for line in [f"Verify: {c.verify_text}", f"Credential: {c.credential_id or ''} - {c.security}", *c.notes,
                 *stamp_lines,
                 "This certificate summarises a digitally signed credential; the signed credential file "
                 "is authoritative."]:
        pdf.multi_cell(w, 4.2, t(line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def certificate_pdf(source: Any, *, verify_url: str | None = None, lang: str | None = None,
                    logo: bytes | str | Path | None = None) -> bytes:
    """The certificate as an A4 PDF (fpdf2, Unicode font embedded)."""
    c = source if isinstance(source, CertificateContent) else \
        certificate_content(source, verify_url=verify_url, lang=lang, logo=logo)
    return _pdf(c)

