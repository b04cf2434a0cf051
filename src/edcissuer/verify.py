"""Verification recipe: detect the artefact, run the ordered checks, return one result.

An invalid credential never raises (P2): every problem is a failed `CheckResult` that
names the check and, where it can, the field. Only misuse (bad options) raises. The
pipeline is a list of small check functions (P3); later checks (status, trust, policy)
plug in through `VerifyOptions` without touching the core ones.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509

from .conformance import check_conformance
from .errors import EdcIssuerError, InputError
from .ld.loader import DocumentLoader, default_loader
from .mapping.common import parse_datetime
from .mapping.extract import detect_format, extract_elements
from .models.elements import Elements
from .results import CheckResult, VerificationResult

MAX_ARTEFACT_BYTES = 5_000_000
KeyResolver = Callable[[str], Any]
StatusChecker = Callable[[dict[str, Any], datetime], CheckResult]


@dataclass(frozen=True)
class VerifyOptions:
    """What the verifier trusts and how strict it is. Safe defaults: offline, no trust assumed."""

    now: datetime | None = None
    clock_skew: timedelta = timedelta(minutes=5)
    loader: DocumentLoader = default_loader
    resolver: KeyResolver | None = None            # vm id -> public KeyPair (default: did:key / local did:web)
    did_web_dir: Path | None = None
    trust_anchors: tuple[x509.Certificate, ...] = ()  # for JAdES seals
    status_checker: StatusChecker | None = None     # Bitstring Status List resolution
    challenge: str | None = None                    # for presentations
    domain: str | None = None
    extra_checks: tuple[Callable[["Parsed", "VerifyOptions"], CheckResult], ...] = ()

    def at(self) -> datetime:
        return (self.now or datetime.now(timezone.utc)).astimezone(timezone.utc)


@dataclass
class Parsed:
    """An artefact after format detection: the credential and how it was secured."""

    kind: str                         # "data-integrity" | "jwt" | "jades" | "unsecured"
    credential: dict[str, Any] | None
    raw: Any
    checks: list[CheckResult] = field(default_factory=list)


def _resolver(options: VerifyOptions) -> KeyResolver:
    if options.resolver is not None:
        return options.resolver
    from .crypto.did import did_resolver

    return did_resolver(did_web_dir=options.did_web_dir, purpose="assertionMethod")


def read_artefact(path: str | Path, *, max_bytes: int = MAX_ARTEFACT_BYTES) -> bytes:
    """Read a credential file, refusing oversized input before parsing it."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"file is {size} bytes, over the {max_bytes}-byte limit", field=str(p))
        return p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", field=str(p)) from exc


def parse_artefact(data: bytes | str | dict[str, Any]) -> Any:
    """JSON object, compact JWT string, or the credential baked into an Open Badges PNG/SVG.

    Raises InputError for anything else, including an image that carries no credential.
    """
    if isinstance(data, dict):
        return data
    data = _unbake(data)
    text = data.decode("utf-8", errors="strict") if isinstance(data, bytes) else data
    text = text.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                             field="json") from exc
    from .proofs.jwt import is_jwt

    if is_jwt(text):
        return text
    raise InputError("not a credential: neither a JSON object nor a compact JWT", field="input")


def _secure_kind(obj: Any) -> str:
    if isinstance(obj, str):
        return "jwt"
    from .proofs.jades import is_jades

    if is_jades(obj):
        return "jades"
    if isinstance(obj, dict) and obj.get("proof"):
        return "data-integrity"
    return "unsecured"


def _check_proof(parsed: Parsed, options: VerifyOptions) -> list[CheckResult]:
    now = options.at()
    if parsed.kind == "jwt":
        from .proofs.jwt import verify_jwt

        result, cred = verify_jwt(parsed.raw, resolver=_resolver(options), now=now,
                                  clock_skew=options.clock_skew)
        parsed.credential = cred
        return [result]
    if parsed.kind == "jades":
        from .proofs.jades import verify_seal

        checks, cred = verify_seal(parsed.raw, trust_anchors=list(options.trust_anchors) or None, now=now)
        parsed.credential = cred
        return checks
    if parsed.kind == "data-integrity":
        from .proofs.data_integrity import verify_proof

        return [verify_proof(parsed.raw, loader=options.loader, resolver=_resolver(options),
                             now=now)]
    return [CheckResult("proof", False, "credential carries no proof, JWT or seal: it is not secured")]


def issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer if isinstance(issuer, str) else None


def check_issuer_binding(credential: dict[str, Any]) -> CheckResult:
    """The proof's key must belong to the issuer (digitalbazaar's CredentialIssuancePurpose).

    Without this, anyone could sign a credential naming a university as issuer with their
    own did:key and the signature would still verify.
    """
    issuer = issuer_id(credential)
    proofs = credential.get("proof")
    methods = [p.get("verificationMethod") for p in (proofs if isinstance(proofs, list) else [proofs])
               if isinstance(p, dict)]
    controllers = {str(m).split("#", 1)[0] for m in methods if m}
    if not issuer or not controllers:
        return CheckResult("issuer.binding", False, "issuer id or proof verificationMethod is missing")
    if controllers != {issuer}:
        return CheckResult("issuer.binding", False,
                           f"proof key {sorted(controllers)} is not controlled by the issuer {issuer}",
                           {"issuer": issuer, "verificationMethods": methods})
    return CheckResult("issuer.binding", True, f"signed with a key of the issuer {issuer}",
                       {"issuer": issuer, "verificationMethods": methods})


def check_validity(credential: dict[str, Any], options: VerifyOptions) -> CheckResult:
    """validFrom / validUntil / issuance dates against `now`, allowing the configured clock skew."""
    now, skew = options.at(), options.clock_skew
    problems: list[str] = []
    details: dict[str, Any] = {"now": now.isoformat()}
    bounds = [(n, "not-after-now") for n in ("validFrom", "issuanceDate", "issued", "awardedDate")]
    bounds += [(n, "not-before-now") for n in ("validUntil", "expirationDate")]
    for name, rule in bounds:
        value = credential.get(name)
        if value is None:
            continue
        moment = parse_datetime(value)
        details[name] = value
        if moment is None:
            problems.append(f"{name} {value!r} is not an xsd:dateTime")
        elif rule == "not-after-now" and moment > now + skew:
            problems.append(f"{name} {value} lies in the future")
        elif rule == "not-before-now" and moment < now - skew:
            problems.append(f"{name}: credential expired on {value}")
    if "validFrom" not in credential and "issuanceDate" not in credential:
        problems.append("validFrom is missing")
    if problems:
        return CheckResult("validity", False, "; ".join(problems), details)
    return CheckResult("validity", True, "within its validity period", details)


def check_status(credential: dict[str, Any], options: VerifyOptions) -> CheckResult | None:
    """Revocation/suspension: never passes silently when a status entry is present (P4)."""
    if not credential.get("credentialStatus"):
        return None
    if options.status_checker is None:
        return CheckResult("status", False, "credential has a credentialStatus entry but no status list "
                           "source was configured (pass --status-dir or allow a status URL)",
                           {"credentialStatus": credential["credentialStatus"]})
    return options.status_checker(credential, options.at())


def check_contexts(credential: dict[str, Any], options: VerifyOptions) -> CheckResult:
    """Well-formed JSON-LD with known contexts only, and no undefined term."""
    from .ld.expand import expand_strict

    try:
        expand_strict(credential, options.loader)
    except EdcIssuerError as exc:
        return CheckResult("contexts", False, str(exc), {"field": exc.field})
    return CheckResult("contexts", True, "every context is known and every term is defined",
                       {"@context": credential.get("@context")})


def check_elements(elements: Elements) -> CheckResult:
    missing = elements.missing()
    details = {"inferred": elements.inferred, "sources": elements.sources}
    if missing:
        return CheckResult("elements", False, "missing mandatory element(s): " + "; ".join(missing),
                           {**details, "missing": missing})
    reason = "all eleven mandatory elements present"
    if elements.inferred:
        reason += f" (inferred, not stated: {', '.join(elements.inferred)})"
    return CheckResult("elements", True, reason, details)


def verify_parsed(obj: Any, options: VerifyOptions | None = None) -> VerificationResult:
    """Verify an already-parsed artefact (dict or JWT string)."""
    options = options or VerifyOptions()
    kind = _secure_kind(obj)
    parsed = Parsed(kind=kind, credential=obj if kind in {"data-integrity", "unsecured"} else None, raw=obj)
    checks: list[CheckResult] = []
    checks += _check_proof(parsed, options)
    cred = parsed.credential
    if cred is None:
        return VerificationResult(tuple(checks), None, kind)
    try:
        fmt = detect_format(cred)
    except InputError as exc:
        return VerificationResult(tuple([*checks, CheckResult("format", False, str(exc))]), None, kind)
    checks.insert(0, CheckResult("format", True, f"{'European Digital Credential (ELM v3)' if fmt == 'elm' else 'Open Badges 3.0 credential'}"
                                 f" secured by {kind}"))
    if kind == "data-integrity":  # DI already expands strictly inside the proof check
        checks.append(check_issuer_binding(cred))
    else:
        checks.append(check_contexts(cred, options))
    checks.append(check_validity(cred, options))
    status = check_status(cred, options)
    if status is not None:
        checks.append(status)
    checks.append(check_conformance(cred, fmt))
    elements = extract_elements(cred)
    checks.append(check_elements(elements))
    for extra in options.extra_checks:
        checks.append(extra(replace(parsed), options))
    return VerificationResult(tuple(checks), fmt, kind, elements.model_dump(mode="json"))


def verify(source: str | Path | bytes | dict[str, Any], options: VerifyOptions | None = None) -> VerificationResult:
    """Verify a credential given as a path, bytes, JSON text, JWT or dict."""
    try:
        if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith(("{", "ey"))
                                        and Path(source).exists()):
            source = read_artefact(source)
        obj = parse_artefact(source)
    except InputError as exc:
        return VerificationResult((CheckResult("input", False, str(exc), {"field": exc.field}),))
    except UnicodeDecodeError:
        return VerificationResult((CheckResult("input", False, "not UTF-8 text: not a credential file"),))
    return verify_parsed(obj, options)


def _unbake(data: bytes | str) -> bytes | str:
    """The credential text inside a baked badge image; other input unchanged.

    The baking format lives in export/baking.py (written and read in one place); it
    imports this module only inside functions, so the lazy import cannot cycle.
    """
    from .export.baking import extract_credential, sniff_image

    if sniff_image(data) is None:
        return data
    from .errors import ExportError

    try:
        return extract_credential(data)
    except ExportError as exc:
        raise InputError(exc.message, field=exc.field, value=exc.value) from exc


def _carrier_check(data: Any) -> CheckResult | None:
    """A passed 'carrier' check naming the baked image a credential came out of."""
    from .export.baking import sniff_image

    kind = sniff_image(data) if isinstance(data, (bytes, str)) else None
    if kind == "png":
        return CheckResult("carrier", True, "read from a baked Open Badges PNG (iTXt chunk 'openbadgecredential')")
    if kind == "svg":
        return CheckResult("carrier", True, "read from a baked Open Badges SVG (<openbadges:credential>)")
    return None


def _source_bytes(source: str | Path | bytes | dict[str, Any]) -> bytes | str | dict[str, Any]:
    """Like verify(): a Path, or a str naming an existing file, is read; anything else is content."""
    if isinstance(source, Path):
        return read_artefact(source)
    if isinstance(source, str) and not source.lstrip().startswith(("{", "ey", "<")):
        try:
            if Path(source).exists():
                return read_artefact(source)
        except OSError:  # e.g. a long JWT is not a file name
            pass
    return source


def verify_all(source: str | Path | bytes | dict[str, Any],
               options: VerifyOptions | None = None) -> list[VerificationResult]:
    """Every credential in one input: a single credential gives one result.

    Carriers holding several credentials (presentations, baked images) expand here, so
    callers such as the recognition pipeline never care how a credential arrived:

    * a baked PNG/SVG badge gives the result of its credential, with a passed `carrier`
      check first saying where it was read from;
    * a VerifiablePresentation gives one result per credential it carries. Each result
      starts with the presentation's checks (presentation.structure / .proof / .replay /
      .holder, and that credential's own presentation.binding), then the credential's
      own checks; so a replayed presentation, or one presented by someone other than the
      learner, makes every credential in it fail. The challenge and domain the verifier
      sent come from `options.challenge` / `options.domain`; without them the replay check
      fails. A presentation that carries no readable credential gives one result holding
      only the presentation checks.
    """
    options = options or VerifyOptions()
    try:
        data = _source_bytes(source)
        obj = parse_artefact(data)
    except InputError as exc:
        return [VerificationResult((CheckResult("input", False, str(exc), {"field": exc.field}),))]
    except UnicodeDecodeError:
        return [VerificationResult((CheckResult("input", False, "not UTF-8 text: not a credential file"),))]
    from .export.presentation import checks_for_credential, is_presentation, verify_presentation

    # challenge/domain belong to the presentation's proof; an issuer's proof carries neither
    credential_options = replace(options, challenge=None, domain=None)
    if is_presentation(obj):
        vp_checks, credentials = verify_presentation(obj, challenge=options.challenge, domain=options.domain,
                                                     options=options)
        if not credentials:
            return [VerificationResult(tuple(vp_checks), None, "presentation")]
        results = []
        for index, credential in enumerate(credentials):
            result = verify_parsed(credential, credential_options)
            results.append(replace(result, checks=(*checks_for_credential(vp_checks, index), *result.checks)))
        return results
    result = verify_parsed(obj, credential_options)
    carrier = _carrier_check(data)
    if carrier is not None:
        result = replace(result, checks=(carrier, *result.checks))
    return [result]
