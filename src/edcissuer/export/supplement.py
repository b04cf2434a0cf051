"""A diploma-supplement-like annex of a signed micro-credential (HTML, and PDF as the certificate).

EADTU asks for "a qualification supplement as the ECTS Users' Guide and Europass describe".
The Diploma Supplement has eight sections; this annex keeps them, adapted to a
micro-credential, and marks every entry with the Annex I element of the Council
Recommendation it states (a) to k), or "optional"). Section 4 is the transcript of records:
the modules with their ECTS, grades and dates, and the assessments with their weights.

Why not the ELM diploma-supplement profile: docs/exports.md ("Diploma supplement annex")
says what EDC-diplomaSupplement.ttl requires that a micro-credential does not carry.

Like the certificate, everything is read from the signed credential (`extract_elements`),
never from a record, and `export_credential` verifies the proof first. An annex of a
credential that did not verify is made only with `unverified` (CLI `--unverified`) and then
says NOT VERIFIED in its title, in a banner above the first section, and in the
certification section.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_, Translator, translator
from ..models import vocab
from ..models.elements import Elements
from .artefact import STAMP, SignedArtefact, load_artefact
from .certificate import (
    MODEL_LABELS,
    _assessment_line,
    _body,
    _country,
    _partners,
    _workload_lines,
    byline,
    page_start,
    pdf_document,
    record_language,
)

#: where the awarding bodies' national higher-education systems are described (section 8)
ENIC_NARIC = "https://www.enic-naric.net/"
EURYDICE = "https://eurydice.eacea.ec.europa.eu/national-education-systems"
EQF_LEVELS = "https://europass.europa.eu/en/description-eight-eqf-levels"

SECTION_TITLES = (
    N_("Information identifying the holder of the micro-credential"),
    N_("Information identifying the micro-credential"),
    N_("Information on the level and the workload of the micro-credential"),
    N_("Information on the contents and the results gained"),
    N_("Information on the function of the micro-credential"),
    N_("Additional information"),
    N_("Certification of the supplement"),
    N_("Information on the national higher education system"),
)
NOT_STATED = N_("(not stated in the credential)")


@dataclass
class Item:
    """One numbered entry (e.g. 4.3) of a section; `letter` is its Annex I element, if any."""

    number: str
    label: str
    letter: str | None
    lines: list[str] = field(default_factory=list)
    head: list[str] = field(default_factory=list)          # a table's column headings
    table: list[list[str]] = field(default_factory=list)   # its rows


@dataclass
class Section:
    number: int
    title: str
    items: list[Item]


@dataclass
class SupplementContent:
    """What the annex says, rendered alike in HTML and PDF."""

    title: str
    learner: str
    issuer: str
    issued: str | None
    sections: list[Section]
    credential_id: str | None
    security: str
    unverified: str | None = None
    tr: Translator = field(default_factory=lambda: translator("en"))


def _language_name(code: str, tr: Translator) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(tr.language.replace("-", "_")).languages.get(code.split("-")[0])
    except (UnknownLocaleError, ValueError, TypeError):
        name = None
    return f"{name} ({code})" if name else code


def _letter(tr: Translator, letter: str | None) -> str:
    if letter is None:
        return ""
    return tr("Annex I, optional") if letter == "optional" else tr("Annex I {letter})", letter=letter)


def _sections(el: Elements, tr: Translator, credential_id: str | None, security: str,
              unverified: str | None) -> list[Section]:
    ns = tr(NOT_STATED)

    def or_not(lines: list[str]) -> list[str]:
        return [x for x in lines if x] or [ns]

    learner = el.learner
    s1 = [Item("1.1", tr("Name of the learner"), "a", or_not([tr.text(learner.name) if learner else ""])),
          Item("1.2", tr("Identifier of the learner"), "a",
               or_not([learner.id or "" if learner else "",
                       *(tr("identifier: {value}", value=i) for i in (learner.identifiers if learner else []))]))]

    model = MODEL_LABELS.get(el.awarding_model or "")
    awarding = [tr(model) if model else el.awarding_model or "", byline(el, tr),
                *(_body(b, tr) for b in el.awarding_bodies)]
    if el.alliance:
        awarding.append(tr("Within the alliance: {alliance}", alliance=tr.text(el.alliance)))
    partners = [f"{name}: {role}" for name, role, _ in _partners(el, tr)]
    countries = [", ".join(_country(c, tr) for c in el.countries)]
    if el.regions:
        countries.append(tr("Regions: {regions}", regions=", ".join(el.regions)))
    delivering = [tr("Delivered with: {partners}", partners="; ".join(_body(b, tr) for b in el.delivering_partners))
                  if el.delivering_partners else "",
                  tr("Assessed by: {bodies}", bodies="; ".join(_body(b, tr) for b in el.assessors))
                  if el.assessors else ""]
    qa = el.quality_assurance
    qa_lines: list[str] = []
    if qa:
        qa_lines += [tr.concept(qa.type.uri, qa.type.label or qa.type.code) if qa.type else "",
                     "" if qa.external is None else
                     tr("external quality assurance") if qa.external else tr("internal quality assurance"),
                     tr("by {agency}", agency=_body(qa.agency, tr)) if qa.agency else "",
                     tr("report: {report}", report=qa.report) if qa.report else "", qa.basis or ""]
    langs = [tr("Instruction: {languages}", languages=", ".join(_language_name(c, tr) for c in el.instruction_languages))
             if el.instruction_languages else "",
             tr("Assessment: {languages}", languages=", ".join(_language_name(c, tr) for c in el.assessment_languages))
             if el.assessment_languages else ""]
    s2 = [Item("2.1", tr("Title of the micro-credential"), "b", or_not([tr.text(el.title)])),
          Item("2.2", tr("Main field of study (ISCED-F 2013)"), None, or_not([el.thematic_area or ""])),
          Item("2.3", tr("Awarding body(ies)"), "d", or_not(awarding)),
          Item("2.4", tr("Country(ies)/region(s) of the issuer"), "c", or_not(countries)),
          Item("2.5", tr("Partners and their roles"), None, or_not(partners)),
          Item("2.6", tr("Bodies delivering and assessing the learning"), None, or_not(delivering)),
          Item("2.7", tr("Type of quality assurance"), "k", or_not(qa_lines)),
          Item("2.8", tr("Languages of instruction and assessment"), None, or_not(langs))]

    level = [tr("EQF level {level}", level=el.eqf) if el.eqf else ""]
    if el.qf_ehea:
        cycle = vocab.QF_EHEA.get(el.qf_ehea)
        level.append(tr("QF-EHEA: {cycle}", cycle=tr.concept(cycle.uri, cycle.label) if cycle else el.qf_ehea))
    if el.nqf:
        level.append(tr("National qualifications framework: {level}", level=el.nqf))
    duration = [tr("Delivered from {start} to {end}", start=tr.date(el.delivery_start), end=tr.date(el.delivery_end))
                if el.delivery_start and el.delivery_end else "",
                tr("Maximum duration: {duration}", duration=el.maximum_duration) if el.maximum_duration else ""]
    s3 = [Item("3.1", tr("Level"), "h", or_not(level)),
          Item("3.2", tr("Notional workload"), "g", or_not(_workload_lines(el, tr))),
          Item("3.3", tr("Duration"), None, or_not(duration)),
          Item("3.4", tr("Prerequisites"), "optional", or_not([tr.text(el.prerequisites)]))]

    mode = [tr.concept(el.participation.uri, el.participation.label or el.participation.code)
            if el.participation else ""]
    if el.learning_setting:
        mode.append(tr("Learning setting: {setting}", setting=tr.concept(
            el.learning_setting.uri, el.learning_setting.label or el.learning_setting.code)))
    outcomes = [f"- {tr.text(o.title)}" + (f" ({', '.join(o.esco)})" if o.esco else "") for o in el.learning_outcomes]
    modules = Item("4.3", tr("Modules (transcript of records)"), None)
    if el.modules:
        modules.head = [tr("Module"), tr("Workload"), tr("Assessment"), tr("Grade"), tr("Dates")]
        for m in el.modules:
            work = (_workload_lines(Elements(format=el.format, ects=m.ects, hours=m.hours), tr) or [""])[0]
            dates = " - ".join(tr.date(d) for d in (m.start, m.end) if d)
            grade = m.grade or (m.assessment.grade if m.assessment else None)
            modules.table.append([tr.text(m.title) or m.id or "", work,
                                  _assessment_line(m.assessment, tr) if m.assessment else "",
                                  tr.text(grade) if grade else "", dates])
    else:
        modules.lines = [tr("The micro-credential states no modules.")]
    assessment = Item("4.4", tr("Type of assessment"), "i")
    if el.assessment:
        assessment.lines.append(tr.concept(el.assessment.uri, el.assessment.label or el.assessment.code))
    if el.assessment_mode:
        assessment.lines.append(tr("Taken: {mode}", mode=tr.concept(el.assessment_mode.uri,
                                                                   el.assessment_mode.label or el.assessment_mode.code)))
    if el.assessments:
        assessment.head = [tr("Assessment"), tr("Weight"), tr("Grade")]
        for a in el.assessments:
            kind = tr.concept(a.type.uri, a.type.label or a.type.code) if a.type else ""
            name = " - ".join(x for x in (kind, tr.text(a.title) if a.title else "",
                                          tr.text(a.description) if a.description else "") if x)
            assessment.table.append([name, f"{tr.number(a.weight)} %" if a.weight is not None else "",
                                     tr.text(a.grade) if a.grade else ""])
    if not assessment.lines and not assessment.table:
        assessment.lines = [ns]
    supervision: list[str] = []
    if el.supervision:
        sv = el.supervision
        supervision = [", ".join(x for x in (
            None if sv.supervised is None else (tr("supervised") if sv.supervised else tr("unsupervised")),
            None if sv.identity_verified is None else
            (tr("identity verified") if sv.identity_verified else tr("identity not verified"))) if x)
            or sv.code or ""]
    s4 = [Item("4.1", tr("Form of participation"), "j", or_not(mode)),
          Item("4.2", tr("Learning outcomes"), "f", or_not(outcomes)),
          modules, assessment,
          Item("4.5", tr("Supervision and identity verification"), "optional", or_not(supervision)),
          Item("4.6", tr("Grade"), "optional", or_not([tr.text(el.grade)]))]

    function = [tr.text(el.stackability)]
    if el.part_of:
        title = el.part_of.get("title") or el.part_of.get("en") or ""
        function.append(tr("Part of: {qualification}", qualification=" ".join(
            x for x in (title, f"({el.part_of['id']})" if el.part_of.get("id") else "") if x)))
    if el.partial_qualification is not None:
        function.append(tr("a partial qualification") if el.partial_qualification
                        else tr("not a partial qualification"))
    s5 = [Item("5.1", tr("Integration / stackability"), "optional", or_not(function))]

    additional = [tr.text(el.further_information),
                  tr("Certificate number: {identifier}", identifier=el.identifier) if el.identifier else "",
                  tr("Meets the alliance profile(s): {profiles}", profiles=", ".join(el.profiles))
                  if el.profiles else ""]
    s6 = [Item("6.1", tr("Further information"), "optional", or_not(additional)),
          Item("6.2", tr("Credential"), None, or_not([credential_id or ""]))]

    status = [tr("This supplement was made from the signed credential after its signature verified; the signed "
                 "credential file is authoritative.")] if unverified is None else \
        [f"{STAMP}: {unverified}",
         tr("This credential's signature did not verify: {reason}. Do not rely on this page.", reason=unverified)]
    s7 = [Item("7.1", tr("Date of issuing"), "e", or_not([tr.date(el.issued)])),
          Item("7.2", tr("Issued by"), None, or_not([_body(el.issuer, tr) if el.issuer else ""])),
          Item("7.3", tr("Secured by"), None, [security]),
          Item("7.4", tr("Status"), None, status)]

    systems = [tr("{country}: the national ENIC-NARIC centre describes its higher education system ({url})",
                  country=_country(c, tr), url=ENIC_NARIC) for c in el.countries]
    s8 = [Item("8.1", tr("National higher education system(s) of the awarding bodies"), None,
               or_not([*systems, tr("Descriptions of the national education systems: {url}", url=EURYDICE)])),
          Item("8.2", tr("European Qualifications Framework"), None,
               [tr("The eight EQF levels are described at {url}", url=EQF_LEVELS)])]
    items = (s1, s2, s3, s4, s5, s6, s7, s8)
    return [Section(i + 1, tr(SECTION_TITLES[i]), group) for i, group in enumerate(items)]


def supplement_content(source: Any, *, lang: str | None = None, unverified: str | None = None) -> SupplementContent:
    """The annex's sections, read from the signed credential (not verified here: export_credential does)."""
    art = source if isinstance(source, SignedArtefact) else load_artefact(source)
    el = art.elements
    tr = translator(lang, record_language(art.credential))
    security = tr(art.mechanism.description)
    return SupplementContent(
        title=tr.text(el.title) or tr("Micro-credential"),
        learner=(tr.text(el.learner.name) or el.learner.id or "") if el.learner else "",
        issuer=_body(el.issuer, tr) if el.issuer else "", issued=el.issued,
        sections=_sections(el, tr, art.credential_id, security, unverified),
        credential_id=art.credential_id, security=security, unverified=unverified, tr=tr)


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:0;color:#222;background:#f4f4f4;font-size:14px}
.page{max-width:860px;margin:24px auto;background:#fff;padding:0 0 24px;box-shadow:0 0 8px #bbb}
header{background:#003399;color:#fff;padding:16px 28px}
header .kind{color:#ffcc00;letter-spacing:.12em;font-weight:bold}
h1{font-size:24px;margin:6px 0 0}
.sub{padding:8px 28px;color:#5a5a5a}
section{padding:0 28px;break-inside:auto}
h2{font-size:17px;color:#003399;border-bottom:2px solid #ffcc00;padding-bottom:2px;margin:20px 0 6px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:5px 6px;border-top:1px solid #ddd;overflow-wrap:anywhere}
th.item{width:30%;color:#003399}
.letter{display:inline-block;font-size:11px;color:#fff;background:#003399;border-radius:3px;padding:0 4px;margin-left:4px;font-weight:normal}
table.grid th{background:#eef1f8;color:#003399}
.unverified{background:#b00020;color:#fff;padding:12px 28px;font-size:15px;overflow-wrap:anywhere}
.unverified strong{font-size:24px;letter-spacing:.1em;display:block}
footer{margin:16px 28px 0;font-size:12px;color:#5a5a5a}
@media print{body{background:#fff}.page{box-shadow:none;margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
"""


def _item_html(item: Item, tr: Translator) -> str:
    e = html.escape
    letter = _letter(tr, item.letter)
    badge = f' <span class="letter">{e(letter)}</span>' if letter else ""
    body = "<br>".join(e(x) for x in item.lines)
    if item.table:
        head = "".join(f"<th>{e(h)}</th>" for h in item.head)
        rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in item.table)
        body += f'<table class="grid"><tr>{head}</tr>{rows}</table>'
    return f'<tr><th class="item">{e(item.number)} {e(item.label)}{badge}</th><td>{body}</td></tr>'


def supplement_html(source: Any, *, lang: str | None = None) -> str:
    """One self-contained, printable HTML page (no external loads; a CSP forbids them)."""
    c = source if isinstance(source, SupplementContent) else supplement_content(source, lang=lang)
    e, tr = html.escape, c.tr
    sections = "\n".join(
        f'<section><h2>{s.number}. {e(s.title)}</h2><table>{"".join(_item_html(i, tr) for i in s.items)}'
        f"</table></section>" for s in c.sections)
    head, stamp = page_start(tr, f'{e(tr("Supplement"))}: {e(c.title)} - {e(c.learner)}', _CSS, c.unverified)
    return f"""{head}
<body>
<div class="page">
{stamp}<header><div class="kind">{e(tr("MICRO-CREDENTIAL SUPPLEMENT"))}</div><h1>{e(c.title)}</h1></header>
<div class="sub">{e(tr("A diploma-supplement-like annex: the eight sections of the Diploma Supplement, each entry marked with the Annex I element of the Council Recommendation on micro-credentials it states."))}</div>
{sections}
<footer>
<div>{e(tr("Credential: {id} - {security}", id=c.credential_id or "", security=c.security))}</div>
{f"<div><strong>{STAMP}</strong>: {e(c.unverified)}</div>" if c.unverified is not None else ""}
<div>{e(tr("This page summarises a digitally signed credential; the signed credential file is authoritative."))}</div>
</footer>
</div>
</body>
</html>
"""


# --- PDF ----------------------------------------------------------------------------------

def supplement_pdf(source: Any, *, lang: str | None = None) -> bytes:
    """The annex as an A4 PDF, with the certificate's font, footer and NOT VERIFIED watermark."""
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    c = source if isinstance(source, SupplementContent) else supplement_content(source, lang=lang)
    tr = c.tr
    pdf, family, t = pdf_document(tr, footer_text=f"{c.credential_id or ''} - {c.security}",
                                  unverified=c.unverified, title=f"{tr('Supplement')}: {c.title} - {c.learner}",
                                  author=c.issuer, subject=tr("MICRO-CREDENTIAL SUPPLEMENT"), issued=c.issued)
    pdf.add_page()
    w = pdf.w - pdf.l_margin - pdf.r_margin
    blue, grey, red = (0, 51, 153), (90, 90, 90), (176, 0, 32)
    pdf.set_fill_color(*blue)
    pdf.rect(0, 0, pdf.w, 22, style="F")
    pdf.set_xy(15, 5)
    pdf.set_font(family, "B", 11)
    pdf.set_text_color(255, 204, 0)
    pdf.cell(w, 6, t(tr("MICRO-CREDENTIAL SUPPLEMENT")), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(family, "B", 12)
    pdf.set_text_color(255, 255, 255)
    pdf.cell(w, 7, t(c.title if len(c.title) <= 90 else c.title[:87] + "..."))
    pdf.set_y(26)
    if c.unverified is not None:
        pdf.set_fill_color(*red)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(family, "B", 14)
        pdf.multi_cell(w, 7, t(f"{STAMP}: {c.unverified}"), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    pdf.set_text_color(*grey)
    pdf.set_font(family, "", 8.5)
    pdf.multi_cell(w, 4.2, t(tr("A diploma-supplement-like annex: the eight sections of the Diploma Supplement, "
                                "each entry marked with the Annex I element of the Council Recommendation on "
                                "micro-credentials it states.")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    label_face = FontFace(family=family, emphasis="BOLD", size_pt=8.5, color=blue, fill_color=(255, 255, 255))
    value_face = FontFace(family=family, emphasis="", size_pt=8.5, color=(0, 0, 0), fill_color=(255, 255, 255))
    head_face = FontFace(family=family, emphasis="BOLD", size_pt=8, color=blue, fill_color=(238, 241, 248))
    pdf.set_draw_color(210, 210, 210)
    for s in c.sections:
        pdf.ln(2)
        pdf.set_font(family, "B", 11)
        pdf.set_text_color(*blue)
        pdf.cell(0, 7, t(f"{s.number}. {s.title}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(family, "", 8.5)
        with pdf.table(col_widths=(58, w - 58), first_row_as_headings=False, line_height=4.2,
                       borders_layout="HORIZONTAL_LINES", padding=(1.0, 1.2), text_align="LEFT",
                       v_align="TOP") as tbl:
            for item in s.items:
                letter = _letter(tr, item.letter)
                row = tbl.row()
                row.cell(t(f"{item.number} {item.label}" + (f"\n{letter}" if letter else "")), style=label_face)
                below = [tr("(table below)")] if item.table else []
                row.cell(t("\n".join([*item.lines, *below]) or " "), style=value_face)
        for item in s.items:
            if not item.table:
                continue
            pdf.set_font(family, "", 8)
            ncol = len(item.head)
            widths = (w * 0.34, *([w * 0.66 / (ncol - 1)] * (ncol - 1))) if ncol > 1 else (w,)
            pdf.set_text_color(*blue)
            pdf.set_font(family, "B", 8.5)
            pdf.cell(0, 6, t(f"{item.number} {item.label}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            with pdf.table(col_widths=widths, first_row_as_headings=True, line_height=4,
                           borders_layout="HORIZONTAL_LINES", padding=(0.8, 1.0), text_align="LEFT",
                           v_align="TOP", headings_style=head_face) as grid:
                head = grid.row()
                for h in item.head:
                    head.cell(t(h))
                for cells in item.table:
                    r = grid.row()
                    for cell in cells:
                        r.cell(t(cell or " "), style=value_face)
    pdf.ln(4)
    pdf.set_font(family, "", 8.5)
    pdf.set_text_color(*grey)
    pdf.multi_cell(w, 4.2, t(tr("This page summarises a digitally signed credential; the signed credential file "
                                "is authoritative.")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
