"""The HTML pages: the evaluator's /verify and the learner's (and anyone's) public page /c/{id}.

Why server-rendered HTML with a little JavaScript on top: an admissions officer, an employer or
a learner must get the whole answer with any browser, a screen reader or the keyboard alone,
under the strict Content-Security-Policy of app.py (no inline script or style: CSS and JS are
the static files below). The script only adds drag-and-drop and a file list.

Nothing is decided here: uploads become documents (uploads.py), `Service.assess` verifies and
decides, `Service.public_view` answers the public page; this module only lays the answers
out, in the reader's language (`?lang=`, else Accept-Language, else the deployment's
language, else English). Element rows reuse the certificate's labels (export.certificate), so
a page and a printout name each of the eleven elements alike.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from ..checks import CheckId
from ..errors import EdcIssuerError
from ..export.certificate import element_rows
from ..export.qr import make_qr
from ..i18n import N_, Translator, available_languages, is_language_tag, translator
from ..models.elements import ELEMENT_KEYS, Elements
from ..recognition import RecognitionReport
from ..recognition.report import TRUSTED, UNCHECKED, CredentialAssessment
from .core import NotFound, PublicView, Service
from .oid4vci import open_offers
from .uploads import MAX_FILES, Document, Item, Link, Unreadable, read_text, read_upload

router = APIRouter(include_in_schema=False)

HERE = Path(__file__).parent
#: the only files /static/ serves, with their media types (nothing else is read from disk)
STATIC_FILES = {"style.css": "text/css; charset=utf-8", "verify.js": "text/javascript; charset=utf-8"}
STATIC_MAX_AGE = 3600
#: elements of the public page: programme facts only (a learner and the date of issuing are personal)
PUBLIC_ROWS = tuple(k for k in ELEMENT_KEYS if k not in ("learner", "issued"))

#: every label of the pages, by key (templates call t("key")); English is the msgid
TEXT: dict[str, str] = {
    "site": N_("Micro-credential verification"),
    "skip": N_("Skip to the main content"),
    "demo": N_("DEMO deployment - demo keys, not for real credentials"),
    "language": N_("Language"),
    "verify_title": N_("Verify a micro-credential"),
    "verify_intro": N_("Check that a micro-credential is authentic, issued by a trusted institution, complete, "
                       "and whether it is recognised under a policy. Files are checked in memory and not stored."),
    "files_legend": N_("Credentials"),
    "files_label": N_("Files"),
    "files_hint": N_("JSON-LD, JWT, JAdES JSON, a baked badge (PNG or SVG), the PDF certificate, or a picture "
                     "of its QR code. Up to {count} files."),
    "drop_hint": N_("or drop files here"),
    "chosen": N_("Chosen files"),
    "text_label": N_("Or paste a credential"),
    "text_hint": N_("A JSON credential, a compact JWT, or a verify link."),
    "policy_legend": N_("Recognition policy"),
    "policy_label": N_("Policy"),
    "policy_none": N_("Verification only (no policy)"),
    "stack_label": N_("Treat the credentials as one learner's (stack them)"),
    "submit": N_("Verify"),
    "download": N_("Download the JSON report"),
    "results": N_("Results"),
    "overall": N_("Overall: {outcome}"),
    "nothing": N_("Nothing to verify: choose a file or paste a credential."),
    "too_many": N_("Too many files: at most {count} per request."),
    "bad_form": N_("The form could not be read; send it again from this page."),
    "refused": N_("Refused: {reason}"),
    "unreadable": N_("Not read: {name}"),
    "credential": N_("Credential from {name}"),
    "format": N_("Format: {format}"),
    "q_authentic": N_("Authentic?"),
    "q_trusted": N_("Issuer trusted?"),
    "q_complete": N_("Complete micro-credential?"),
    "q_recognised": N_("Recognised?"),
    "yes": N_("yes"),
    "no": N_("no"),
    "unchecked": N_("not checked (no trust list)"),
    "no_policy": N_("not assessed (no policy chosen)"),
    "recognised": N_("recognised"),
    "recognised with conditions": N_("recognised with conditions"),
    "not recognised": N_("not recognised"),
    "verified": N_("verified"),
    "not verified": N_("not verified"),
    "failed_checks": N_("Failed checks"),
    "policy_reasons": N_("Policy reasons"),
    "conditions": N_("Condition: {condition}"),
    "all_checks": N_("All checks"),
    "passed": N_("passed"),
    "failed": N_("failed"),
    "elements": N_("The eleven elements"),
    "element": N_("Element"),
    "value": N_("Value"),
    "optional": N_("Further elements"),
    "stack": N_("Stacking"),
    "stack_target": N_("Target: {ects} ECTS"),
    "counted": N_("counted"),
    "skipped": N_("skipped"),
    "stack_total": N_("Total: {ects} ECTS counted"),
    "reached": N_("target reached"),
    "not_reached": N_("target not reached"),
    "source": N_("Source"),
    "ects": N_("ECTS"),
    "reason": N_("Reason"),
    "wallet_add": N_("Add to your wallet"),
    "wallet_qr_alt": N_("QR code to add this credential to a wallet"),
    "wallet_hint": N_("Scan it with your wallet app to receive this credential there. If a PIN is needed, it reaches "
                      "you separately."),
    "link_own": N_("{name} links to the public page of a credential issued here. The file itself "
                   "is needed for full verification."),
    "link_other": N_("{name} links elsewhere; the link is shown, not opened: {url}"),
    "link_unknown": N_("{name} links to this service, but no credential with this id was issued here."),
    "public_title": N_("Status of a micro-credential"),
    "public_intro": N_("This page shows the current status and the programme of a micro-credential issued "
                       "here. It shows no personal data."),
    "status": N_("Status"),
    "state_valid": N_("valid"),
    "state_suspended": N_("suspended"),
    "state_revoked": N_("revoked"),
    "state_expired": N_("expired"),
    "state_unknown": N_("unknown"),
    "valid_until": N_("Valid until {date}"),
    "programme": N_("The programme"),
    "formats": N_("Issued as: {formats}"),
    "learner_upload": N_("Verify your own file"),
    "learner_hint": N_("Holders of the credential file get the full verification, with the learner's details, "
                       "on this page. The file is not stored."),
    "not_found_title": N_("No such credential"),
    "not_found": N_("No credential with this id was issued by this service. Check the link or the QR code; "
                    "if it was copied by hand, a character may be missing."),
    "home": N_("Verify a credential"),
}


@dataclass
class Texts:
    """The page labels in one language: `t("key", **values)` in templates."""

    tr: Translator

    def __call__(self, key: str, **values: object) -> str:
        return self.tr(TEXT[key], **values)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=len(STATIC_FILES))
def _static(name: str) -> bytes:
    return (HERE / "static" / name).read_bytes()


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


# --- the reader's language ------------------------------------------------------------------

def _accepted(header: str) -> list[str]:
    """Accept-Language tags, best first (q=0 dropped, odd entries ignored)."""
    weighed: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and is_language_tag(tag) and q > 0:
            weighed.append((-q, index, tag))
    return [tag for _, _, tag in sorted(weighed)]


def choose_language(request: Request, service: Service) -> str:
    """?lang=, else the first Accept-Language with a catalogue, else the deployment's, else English."""
    known = available_languages()
    asked = request.query_params.get("lang")
    candidates = [asked] if asked else []
    candidates += _accepted(request.headers.get("accept-language", ""))
    candidates.append(service.settings.language or "en")
    for tag in candidates:
        if tag and is_language_tag(tag) and tag.replace("_", "-").split("-")[0].lower() in known:
            return tag.replace("_", "-").split("-")[0].lower()
    return "en"


def _language_names() -> list[tuple[str, str]]:
    from babel import Locale

    return [(code, str(Locale.parse(code).get_display_name(code) or code).capitalize())
            for code in available_languages()]


# --- view models ----------------------------------------------------------------------------

@dataclass
class Answer:
    question: str
    text: str
    good: bool | None      # None: neither (not checked, not assessed)


@dataclass
class CredentialView:
    name: str
    title: str
    format: str | None
    answers: list[Answer]
    failed_checks: list[tuple[str, str]]
    reasons: list[dict[str, Any]]
    checks: list[tuple[str, bool, str]]
    rows: list[tuple[str, list[str]]]
    optional: list[tuple[str, list[str]]]


@dataclass
class Notice:
    text: str
    kind: str = "info"     # info | problem
    public: PublicView | None = None
    public_rows: list[tuple[str, list[str]]] = field(default_factory=list)


def _credential_view(c: CredentialAssessment, t: Texts) -> CredentialView:
    tr = t.tr
    trust = c.issuer_trust
    recognition = c.recognition
    answers = [
        Answer(t("q_authentic"), t("yes") if c.authentic else t("no"), c.authentic),
        Answer(t("q_trusted"), t("unchecked") if trust == UNCHECKED else t("yes") if trust == TRUSTED else t("no"),
               None if trust == UNCHECKED else trust == TRUSTED),
        Answer(t("q_complete"), t("yes") if c.complete else t("no"), c.complete),
        Answer(t("q_recognised"), t(recognition) if recognition else t("no_policy"),
               None if recognition is None else recognition != "not recognised"),
    ]
    rows: list[tuple[str, list[str]]] = []
    optional: list[tuple[str, list[str]]] = []
    if c.elements is not None:
        rows, optional = element_rows(c.elements, tr)
    return CredentialView(
        name=c.source, title=tr.text(c.elements.title) if c.elements and c.elements.title else "",
        format=c.format, answers=answers,
        failed_checks=[(str(ch.name), ch.reason) for ch in c.checks if not ch.passed
                       and ch.details.get("state") != UNCHECKED],
        reasons=[r.to_dict() for r in c.decision.reasons],
        checks=[(str(ch.name), ch.passed, ch.reason) for ch in c.checks], rows=rows, optional=optional)


def public_rows(view: PublicView, tr: Translator) -> list[tuple[str, list[str]]]:
    """The programme facts of a public view as element rows (no learner, no date of issuing)."""
    if not view.facts:
        return []
    try:
        elements = Elements.model_validate({"format": view.formats[0] if view.formats else "ob3", **view.facts})
    except ValueError:
        return []
    rows, _ = element_rows(elements, tr)
    return [row for key, row in zip(ELEMENT_KEYS, rows) if key in PUBLIC_ROWS]


def _link_notice(link: Link, service: Service, t: Texts) -> Notice:
    if link.credential_id is None:
        return Notice(t("link_other", name=link.name, url=link.url))
    try:
        view = service.public_view(link.credential_id)
    except NotFound:
        return Notice(t("link_unknown", name=link.name), "problem")
    return Notice(t("link_own", name=link.name), public=view, public_rows=public_rows(view, t.tr))


# --- rendering ------------------------------------------------------------------------------

def _page(request: Request, service: Service, template: str, *, status: int = 200, lang: str | None = None,
          **context: Any) -> HTMLResponse:
    lang = lang or choose_language(request, service)
    t = Texts(translator(lang))
    path = request.url.path
    languages = [(code, name, f"{path}?{urlencode({'lang': code})}") for code, name in _language_names()]
    policies = list(service.settings.policies)
    html = _environment().get_template(template).render(
        t=t, lang=t.tr.language, demo=service.settings.demo, languages=languages, policies=policies,
        max_files=MAX_FILES, path=path, **context)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _form_defaults(policy: str | None = None, stack: bool = False, text: str = "") -> dict[str, Any]:
    return {"chosen_policy": policy, "stack": stack, "text": text, "results": None}


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' CSS and JS (a fixed list of names; the CSP allows scripts and styles from 'self' only)."""
    if name not in STATIC_FILES:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(_static(name), media_type=STATIC_FILES[name],
                    headers={"Cache-Control": f"public, max-age={STATIC_MAX_AGE}"})


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> HTMLResponse:
    service = service_of(request)
    return _page(request, service, "verify.html", **_form_defaults())


@dataclass
class Submission:
    items: list[Item]
    policy: str | None
    stack: bool
    text: str
    wants_json: bool
    refusal: str | None = None


async def _read_form(request: Request, public_url: str) -> Submission:
    """The form's files and fields; each file becomes documents, links or a named refusal."""
    try:
        form = await request.form(max_files=MAX_FILES * 5, max_fields=50)
    except (HTTPException, MultiPartException):   # malformed multipart, or far too many parts
        return Submission([], None, False, "", False, refusal="bad_form")
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    policy = form.get("policy")
    sub = Submission([], policy if isinstance(policy, str) and policy else None, form.get("stack") == "1", text,
                     form.get("format") == "json")
    if len(uploads) + bool(text.strip()) > MAX_FILES:
        sub.refusal = "too_many"
        return sub
    for upload in uploads:
        name = PurePosixPath((upload.filename or "upload").replace("\\", "/")).name[:120] or "upload"
        data = await upload.read()
        sub.items += read_upload(name, data, public_url)
    sub.items += read_text("pasted text", text, public_url)
    return sub


async def _submit(request: Request, template: str, **context: Any) -> Response:
    service = service_of(request)
    sub = await _read_form(request, service.settings.public_url)
    lang = choose_language(request, service)
    t = Texts(translator(lang))
    documents = [(d.name, d.content) for d in sub.items if isinstance(d, Document)]
    context.update(_form_defaults(sub.policy, sub.stack, sub.text if len(sub.text) < 20000 else ""))
    notices: list[Notice] = []
    report: RecognitionReport | None = None
    if sub.refusal:
        notices.append(Notice(t(sub.refusal, count=MAX_FILES), "problem"))
    else:
        for item in sub.items:
            if isinstance(item, Unreadable):
                notices.append(Notice(t("unreadable", name=item.name) + ": " + item.reason, "problem"))
            elif isinstance(item, Link):
                notices.append(await run_in_threadpool(_link_notice, item, service, t))
        try:
            if documents or sub.wants_json:
                report = await run_in_threadpool(service.assess, documents, policy=sub.policy, stack=sub.stack)
        except EdcIssuerError as exc:
            notices.append(Notice(t("refused", reason=str(exc)), "problem"))
        if not documents and not notices:
            notices.append(Notice(t("nothing"), "problem"))
    if sub.wants_json and report is not None:
        body = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
        return Response(body, media_type="application/json", headers={
            "Content-Disposition": 'attachment; filename="recognition-report.json"', "Cache-Control": "no-store"})
    results = None
    if report is not None or notices:
        shown = []
        for c in report.credentials if report else []:
            if c.format is None and [ch.name for ch in c.checks] == [CheckId.INPUT]:
                notices.append(Notice(t("unreadable", name=c.source) + ": " + c.checks[0].reason, "problem"))
            else:
                shown.append(_credential_view(c, t))
        results = {"notices": notices, "report": report, "credentials": shown,
                   "stack": report.stack if report else None}
    context["results"] = results
    status = 422 if sub.refusal else 200
    return _page(request, service, template, status=status, lang=lang, **context)


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(request: Request) -> Response:
    return await _submit(request, "verify.html")


def _public_context(request: Request, credential_id: str) -> tuple[Service, PublicView | None]:
    service = service_of(request)
    try:
        return service, service.public_view(credential_id)
    except NotFound:
        return service, None


def _not_found(request: Request, service: Service) -> HTMLResponse:
    return _page(request, service, "not_found.html", status=404)


def wallet_offers(service: Service, view: PublicView) -> list[tuple[str, str]]:
    """(offer URI, QR code as a data: URI) of the credential's open PIN-protected wallet offers."""
    if view.state != "valid":
        return []
    return [(uri, "data:image/png;base64," + base64.b64encode(make_qr(uri, fmt="png", box_size=6)).decode("ascii"))
            for uri in open_offers(service, view.credential_id, pin_only=True)]


@router.get("/c/{credential_id}", response_class=HTMLResponse)
def public_page(credential_id: str, request: Request) -> HTMLResponse:
    """The page a certificate's QR code opens: status and programme facts, never the learner."""
    service, view = _public_context(request, credential_id)
    if view is None:
        return _not_found(request, service)
    lang = choose_language(request, service)
    return _page(request, service, "public.html", lang=lang, view=view,
                 rows=public_rows(view, translator(lang)), action=f"/c/{quote(credential_id, safe='')}",
                 wallet_offers=wallet_offers(service, view), **_form_defaults())


@router.post("/c/{credential_id}", response_class=HTMLResponse)
async def public_submit(credential_id: str, request: Request) -> Response:
    """The learner's own file, verified on the public page (the same answers as /verify)."""
    service, view = await run_in_threadpool(_public_context, request, credential_id)
    if view is None:
        return _not_found(request, service)
    lang = choose_language(request, service)
    offers = await run_in_threadpool(wallet_offers, service, view)
    return await _submit(request, "public.html", view=view, rows=public_rows(view, translator(lang)),
                         action=f"/c/{quote(credential_id, safe='')}", wallet_offers=offers)
