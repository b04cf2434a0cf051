"""Verification recipe: detect the artefact, run the ordered checks, return one result.

An invalid credential never raises (P2): every problem is a failed `CheckResult` that
names the check (a `CheckId`) and, where it can, the field. Only misuse (bad options)
raises. The proof is checked by the `SecuringMechanism` the registry detects; what it
established (credential and signer) feeds every later check, including trust
(`VerifyOptions.extra_checks`), so nothing re-reads the artefact.

Entry points: `verify_document` (content: bytes, text or a parsed object — never a file
name), `verify_file` (a path, read bounded), and `verify_all` for carriers holding several
credentials (presentations). `verify` keeps the old single entry: a `Path` is a file,
anything else is content.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509

from .carriers.baked import sniff_image
from .checks import CheckId
from .conformance import check_conformance
from .cosign import CoSealing, cosealing
from .crypto.controller import MethodResolver
from .crypto.issuer_keys import issuer_key_lister
from .crypto.keys import KeyPair
from .errors import EdcIssuerError, InputError, VerificationError
from .fetch import Fetcher
from .identifiers import controller_of, issuer_id
from .ld.expand import expand_strict
from .ld.guard import guard_problem
from .ld.loader import DocumentLoader, default_loader, make_loader
from .mapping.extract import detect_format, extract_elements
from .models.elements import Elements
from .presentations import checks_for_credential, is_presentation, verify_presentation
from .proofs.data_integrity import check_issuer_binding
from .results import CheckResult, VerificationResult
from .sdjwt.core import is_sd_jwt
from .sdjwt.token_status import MEDIA_TYPE as STATUS_LIST_MEDIA_TYPE
from .sdjwt.token_status import check_referenced_status
from .sdjwt.verify import SD_JWT_KIND, check_key_binding, conformance_check, disclosed_elements_check
from .securing import ProofOutcome, SecuringMechanism, VerifyContext, detect
from .securing.artefact import MAX_ARTEFACT_BYTES, parse_artefact, read_artefact
from .status.bitstring import StatusChecker, make_status_checker
from .status.lists import VerifiedLists
from .time import CLOCK_SKEW, parse_xsd_datetime, require_aware

__all__ = ["MAX_ARTEFACT_BYTES", "Parsed", "VerifyOptions", "check_issuer_binding", "issuer_id",
           "StatusChecker", "parse_artefact", "read_artefact", "verify", "verify_all", "verify_document", "verify_file",
           "verify_parsed"]

KeyResolver = Callable[[str], Any]

_FORMAT_NAMES = {"elm": "European Digital Credential (ELM v3)", "ob3": "Open Badges 3.0 credential"}


@dataclass(frozen=True)
class VerifyOptions:
    """What the verifier trusts and how strict it is. Safe defaults: offline, no trust assumed.

    `now` is required: the library never reads the clock (the CLI and the service do).

    Remote lookups happen only through `fetcher` (edcissuer.fetch.Fetcher; None: nothing
    leaves the machine). Given one, it serves every remote read of this verification:
    JSON-LD contexts that are not bundled (bundled ones always win; a custom `loader` is
    kept as given), did:web and controller documents, and status lists (a `status_checker`
    is built with it, and with `status_dir`, when none is given). `controller_dir` is a
    local mirror of controller documents for https verification methods (laid out like
    `did_web_dir`). `allow_key_in_fragment` admits 1EdTech's key-in-fragment rule as a
    fallback when no controller document is available; the issuer binding is then
    reported as weaker (see crypto/controller.py).
    """

    now: datetime
    clock_skew: timedelta = CLOCK_SKEW
    loader: DocumentLoader = default_loader
    resolver: KeyResolver | None = None            # vm id -> public KeyPair (default: MethodResolver below)
    did_web_dir: Path | None = None
    trust_anchors: tuple[x509.Certificate, ...] = ()  # for JAdES seals
    status_checker: StatusChecker | None = None     # Bitstring Status List resolution
    challenge: str | None = None                    # for presentations
    domain: str | None = None
    extra_checks: tuple[Callable[["Parsed", "VerifyOptions"], CheckResult], ...] = ()
    max_bytes: int = MAX_ARTEFACT_BYTES
    fetcher: Fetcher | None = None                  # the one door to the network (None: offline)
    controller_dir: Path | None = None              # local mirror of controller documents (https methods)
    status_dir: Path | None = None                  # local status lists, for the status checker built here
    verified_lists: VerifiedLists | None = None     # lists verified in earlier runs (a long-running verifier)
    allow_key_in_fragment: bool = True

    def __post_init__(self) -> None:
        require_aware(self.now, VerificationError)
        if self.fetcher is not None and self.loader is default_loader:
            object.__setattr__(self, "loader", make_loader(fetcher=self.fetcher))
        if self.status_checker is None and (self.fetcher is not None or self.status_dir is not None):
            # a status list needs a key its issuer's document confirms: no key-in-fragment for lists
            lists = self.method_resolver(allow_key_in_fragment=False)
            object.__setattr__(self, "status_checker", make_status_checker(
                status_dir=self.status_dir, fetcher=self.fetcher, loader=self.loader, resolver=lists,
                verified=self.verified_lists))

    def at(self) -> datetime:
        """`now` in UTC: the one instant every check of this verification uses."""
        return self.now.astimezone(timezone.utc)

    def method_resolver(self, *, purpose: str = "assertionMethod",
                        allow_key_in_fragment: bool | None = None) -> MethodResolver:
        """The default resolver: did:key, did:web (mirror, then fetcher), https methods (mirror, then fetcher)."""
        fragment = self.allow_key_in_fragment if allow_key_in_fragment is None else allow_key_in_fragment
        return MethodResolver(did_web_dir=self.did_web_dir, controller_dir=self.controller_dir, fetcher=self.fetcher,
                              purpose=purpose, allow_key_in_fragment=fragment)

    def context(self, resolver: KeyResolver | None = None) -> VerifyContext:
        """What a securing mechanism needs, with the default resolver filled in.

        Without `resolver`, the default one never uses the key-in-fragment fallback: only a
        caller that reports how each key was bound (`verify`, through `_check_proof`) may
        accept a weaker binding, because only it can say so.
        """
        resolver = resolver or self.resolver or self.method_resolver(allow_key_in_fragment=False)
        return VerifyContext(now=self.at(), clock_skew=self.clock_skew, loader=self.loader, resolver=resolver,
                             trust_anchors=self.trust_anchors,
                             issuer_keys=issuer_key_lister(did_web_dir=self.did_web_dir, fetcher=self.fetcher))


@dataclass
class Parsed:
    """An artefact after its proof check: the credential, how it was secured, who signed."""

    kind: str                         # "data-integrity" | "jwt" | "jades" | "unsecured"
    credential: dict[str, Any] | None
    raw: Any
    checks: list[CheckResult] = field(default_factory=list)
    mechanism: SecuringMechanism | None = None
    outcome: ProofOutcome | None = None


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
        moment = parse_xsd_datetime(value, assume_utc=True)
        details[name] = value
        if moment is None:
            shown = repr(value) if isinstance(value, str) else f"(a JSON {type(value).__name__})"  # no 5000-digit repr
            problems.append(f"{name} {shown} is not an xsd:dateTime")
        elif rule == "not-after-now" and moment > now + skew:
            problems.append(f"{name} {value} lies in the future")
        elif rule == "not-before-now" and moment < now - skew:
            problems.append(f"{name}: credential expired on {value}")
    if "validFrom" not in credential and "issuanceDate" not in credential:
        problems.append("validFrom is missing")
    if problems:
        return CheckResult(CheckId.VALIDITY, False, "; ".join(problems), details)
    return CheckResult(CheckId.VALIDITY, True, "within its validity period", details)


def check_status(credential: dict[str, Any], options: VerifyOptions) -> CheckResult | None:
    """Revocation/suspension: never passes silently when a status entry is present (P4)."""
    if not credential.get("credentialStatus"):
        return None
    if options.status_checker is None:
        return CheckResult(CheckId.STATUS, False, "credential has a credentialStatus entry but no status list "
                           "source was configured (pass --status-dir, or allow the list's host with --allow-host)",
                           {"credentialStatus": credential["credentialStatus"]})
    return options.status_checker(credential, options.at(), clock_skew=options.clock_skew)


def check_contexts(credential: dict[str, Any], options: VerifyOptions) -> CheckResult:
    """Well-formed JSON-LD with known contexts only, and no undefined term."""
    try:
        expand_strict(credential, options.loader)
    except EdcIssuerError as exc:
        return CheckResult(CheckId.CONTEXTS, False, str(exc), {"field": exc.field})
    return CheckResult(CheckId.CONTEXTS, True, "every context is known and every term is defined",
                       {"@context": credential.get("@context")})


def check_elements(elements: Elements) -> CheckResult:
    missing = elements.missing()
    details = {"inferred": elements.inferred, "sources": elements.sources}
    if missing:
        return CheckResult(CheckId.ELEMENTS, False, "missing mandatory element(s): " + "; ".join(missing),
                           {**details, "missing": missing})
    reason = "all eleven mandatory elements present"
    if elements.inferred:
        reason += f" (inferred, not stated: {', '.join(elements.inferred)})"
    return CheckResult(CheckId.ELEMENTS, True, reason, details)


def _check_proof(obj: Any, options: VerifyOptions) -> Parsed:
    try:
        mechanism = detect(obj)
    except InputError as exc:
        return Parsed("unsecured", None, obj, [CheckResult(CheckId.PROOF, False, exc.message)])
    if mechanism is None:
        check = CheckResult(CheckId.PROOF, False, "credential carries no proof, JWT or seal: it is not secured")
        return Parsed("unsecured", obj if isinstance(obj, dict) else None, obj, [check])
    resolver = options.method_resolver() if options.resolver is None else None
    outcome = mechanism.verify(obj, options.context(resolver))
    if resolver is not None:
        outcome = _with_bindings(outcome, resolver)
    return Parsed(mechanism.kind, outcome.credential, obj, list(outcome.checks), mechanism, outcome)


def _with_bindings(outcome: ProofOutcome, resolver: MethodResolver) -> ProofOutcome:
    """Say how the signing keys were tied to their ids, and never credit an issuer with a weak one.

    A key read from a controller document is named in the issuer.binding details with the
    document it came from. A key read only from a fragment (`https://u.example#z6Mk...`)
    proves nothing about who controls `https://u.example`: the binding check stays passed
    but says it is weaker, and the signer loses that URL, so trust can rest only on the
    trust list holding that very key.
    """
    signer = outcome.signer
    if signer is None:
        return outcome
    used = {vm: resolver.bindings[vm] for vm in signer.verification_methods if vm in resolver.bindings}
    weak = [vm for vm, r in used.items() if r.weaker]
    documents = {vm: r.source for vm, r in used.items() if r.binding == "controller-document"}
    if not weak and not documents:
        return outcome
    strong_controllers = {controller_of(vm) for vm in signer.verification_methods if vm not in weak}
    unconfirmed = {controller_of(vm) for vm in weak} - strong_controllers
    checks = tuple(_binding_check(c, weak, documents) if c.name == CheckId.ISSUER_BINDING and c.passed else c
                   for c in outcome.checks)
    signer = replace(signer, dids=tuple(d for d in signer.dids if d not in unconfirmed))
    signers = tuple(replace(s, dids=tuple(d for d in s.dids if d not in unconfirmed)) for s in outcome.signers)
    return replace(outcome, checks=checks, signer=signer, signers=signers)


def _binding_check(check: CheckResult, weak: list[str], documents: dict[str, str]) -> CheckResult:
    if not weak:
        sources = sorted(set(documents.values()))
        return replace(check, details={**check.details, "binding": "controller-document",
                                       "controllerDocuments": sources},
                       reason=f"{check.reason} (key confirmed by the controller document {', '.join(sources)})")
    owners = ", ".join(sorted({controller_of(vm) for vm in weak}))
    return CheckResult(CheckId.ISSUER_BINDING, True,
                       f"WEAKER binding (key-in-fragment): the key is only named in the fragment of {', '.join(weak)}; "
                       f"no controller document of {owners} confirmed it belongs to the issuer (the issuer is "
                       f"trusted only if the trust list holds this very key)",
                       {**check.details, "binding": "key-in-fragment", "weaker": True, "unconfirmed": weak})


def verify_parsed(obj: Any, options: VerifyOptions) -> VerificationResult:
    """Verify an already-parsed artefact (dict or JWT string)."""
    parsed = _check_proof(obj, options)
    kind, checks, cred = parsed.kind, list(parsed.checks), parsed.credential
    if cred is None:
        return VerificationResult(tuple(checks), None, kind)
    if kind == SD_JWT_KIND:
        return _sd_jwt_result(parsed, cred, options)
    try:
        fmt = detect_format(cred)
    except InputError as exc:
        return VerificationResult(tuple([*checks, CheckResult(CheckId.FORMAT, False, str(exc))]), None, kind)
    checks.insert(0, CheckResult(CheckId.FORMAT, True, f"{_FORMAT_NAMES[fmt]} secured by {kind}"))
    problem = guard_problem(cred)
    if problem is not None:  # its JSON may show what its graph does not: show nothing of it
        checks.append(CheckResult(CheckId.CONTEXTS, False, str(problem), {"field": problem.path}))
        return VerificationResult(tuple(checks), fmt, kind)
    if parsed.outcome is None or not parsed.outcome.expanded_strictly:
        checks.append(check_contexts(cred, options))
    checks.append(check_validity(cred, options))
    status = check_status(cred, options)
    if status is not None:
        checks.append(status)
    # guard_problem above ran check_json_limits on this same cred, and it passed
    checks.append(check_conformance(cred, fmt, limits_checked=True))
    elements = extract_elements(cred)
    checks.append(check_elements(elements))
    for extra in options.extra_checks:
        checks.append(extra(replace(parsed), options))
    # elements are shown only when the signature holds: otherwise nothing vouches for them
    authentic = all(c.passed for c in checks if c.name in (CheckId.PROOF, CheckId.ISSUER_BINDING))
    if not authentic:
        return VerificationResult(tuple(checks), fmt, kind)
    sealing = cosealing(parsed.outcome.signers if parsed.outcome else (), elements.awarding_bodies)
    return VerificationResult(tuple(with_cosealing(checks, sealing)), fmt, kind, elements.model_dump(mode="json"),
                              signed_by=sealing.signed_by, not_signed_by=sealing.not_signed_by)


def _sd_jwt_result(parsed: Parsed, claims: dict[str, Any], options: VerifyOptions) -> VerificationResult:
    """An SD-JWT VC after its issuer JWT and disclosures: key binding, Token Status List, elements.

    The KB-JWT's `aud` and `nonce` are the verifier's `domain` and `challenge`.
    """
    checks = [CheckResult(CheckId.FORMAT, True, f"SD-JWT VC of type {claims.get('vct')}"), *parsed.checks]
    at, skew = options.at(), options.clock_skew
    binding = check_key_binding(parsed.raw, claims, audience=options.domain, nonce=options.challenge, now=at,
                                clock_skew=skew)
    if binding is not None:
        checks.append(binding)
    signer = parsed.outcome.signer if parsed.outcome else None
    fetcher = options.fetcher

    def fetch(uri: str) -> bytes:
        assert fetcher is not None
        return fetcher.fetch_bytes(uri, accept=STATUS_LIST_MEDIA_TYPE)

    def issuer_key(header: dict[str, Any]) -> KeyPair:   # the list is signed by the credential's issuer key
        if signer is None or not signer.keys:
            raise VerificationError("the credential's issuer key is unknown", field="status")
        return KeyPair.from_multikey(public_multibase=signer.keys[0])

    status = check_referenced_status(claims, fetch=fetch if fetcher is not None else None, key_for=issuer_key,
                                     now=at, clock_skew=skew)
    if status is not None:
        checks.append(status)
    checks.append(conformance_check(claims))
    undisclosed = next((c.details.get("undisclosed", 0) for c in checks if c.name == CheckId.DISCLOSURES), 0)
    elements_check, elements = disclosed_elements_check(claims, undisclosed)
    checks.append(elements_check)
    for extra in options.extra_checks:
        checks.append(extra(replace(parsed), options))
    authentic = all(c.passed for c in checks if c.name in (CheckId.PROOF, CheckId.ISSUER_BINDING,
                                                           CheckId.DISCLOSURES))
    return VerificationResult(tuple(checks), "sd-jwt-vc", parsed.kind,
                              elements.model_dump(mode="json") if authentic else None)


def with_cosealing(checks: list[CheckResult], sealing: CoSealing) -> list[CheckResult]:
    """The proof check says which awarding bodies of a joint award signed (edcissuer.cosign).

    Informational: a partial set of co-signatures is reported, never failed here; a
    recognition policy may require `VerificationResult.not_signed_by` to be empty.
    """
    if not sealing.joint and len(sealing.signatures) < 2:
        return checks
    return [replace(c, reason=f"{c.reason}; {sealing.summary()}", details={**c.details, "cosealing": sealing.to_dict()})
            if c.name == CheckId.PROOF else c for c in checks]


def _input_failure(exc: InputError) -> VerificationResult:
    return VerificationResult((CheckResult(CheckId.INPUT, False, str(exc), {"field": exc.field}),))


def verify_document(data: bytes | str | dict[str, Any], options: VerifyOptions) -> VerificationResult:
    """Verify a credential given as content: bytes, JSON/JWT text, a baked image, or a dict.

    A string is never taken for a file name (a file-existence oracle behind HTTP).
    """
    try:
        obj = parse_artefact(data)
    except InputError as exc:
        return _input_failure(exc)
    return verify_parsed(obj, options)


def verify_file(path: str | Path, options: VerifyOptions) -> VerificationResult:
    """Verify the credential in a file (regular files only, at most `options.max_bytes`)."""
    try:
        data = read_artefact(path, max_bytes=options.max_bytes)
    except InputError as exc:
        return _input_failure(exc)
    return verify_document(data, options)


def verify(source: Path | bytes | str | dict[str, Any], options: VerifyOptions) -> VerificationResult:
    """A `Path` is read as a file; anything else is content (see verify_document)."""
    if isinstance(source, Path):
        return verify_file(source, options)
    return verify_document(source, options)


def _carrier_check(data: Any) -> CheckResult | None:
    """A passed 'carrier' check naming the baked image a credential came out of."""
    kind = sniff_image(data) if isinstance(data, (bytes, str)) else None
    if kind == "png":
        return CheckResult(CheckId.CARRIER, True,
                           "read from a baked Open Badges PNG (iTXt chunk 'openbadgecredential')")
    if kind == "svg":
        return CheckResult(CheckId.CARRIER, True, "read from a baked Open Badges SVG (<openbadges:credential>)")
    return None


def verify_all(source: Path | bytes | str | dict[str, Any], options: VerifyOptions) -> list[VerificationResult]:
    """Every credential in one input (a `Path` is a file; anything else is content).

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
    try:
        data = read_artefact(source, max_bytes=options.max_bytes) if isinstance(source, Path) else source
        obj = parse_artefact(data)
    except InputError as exc:
        return [_input_failure(exc)]
    # challenge/domain belong to the presentation's proof; an issuer's proof carries neither
    # (an SD-JWT's key binding JWT is its presentation proof: it keeps them)
    credential_options = options if is_sd_jwt(obj) else replace(options, challenge=None, domain=None)
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
