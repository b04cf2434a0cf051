"""Verifying verifiable presentations: the holder shows their own credentials to one verifier.

Why at the verifier's layer: `verify_all` unwraps presentations, and verification must not
import the exporters (export/presentation.py creates presentations; this module checks
them). Checks: presentation.structure, .proof (holder's key, purpose authentication),
.replay (challenge/domain the verifier sent), .holder (`holder` = signer) and one
.binding per credential (the signer is its `credentialSubject.id`).
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes

from .checks import CheckId
from .crypto.did import did_resolver
from .crypto.keys import KeyPair
from .errors import EdcIssuerError, ExportError
from .fetch import Fetcher
from .identifiers import controller_of
from .ld.loader import DocumentLoader
from .proofs.data_integrity import verify_proof_set
from .results import CheckResult
from .securing.artefact import load_artefact


class PresentationOptions(Protocol):
    """What presentation checks read of the verifier's options (VerifyOptions fits)."""

    @property
    def loader(self) -> DocumentLoader: ...
    @property
    def resolver(self) -> Callable[[str], KeyPair] | None: ...
    @property
    def did_web_dir(self) -> Path | None: ...
    @property
    def fetcher(self) -> Fetcher | None: ...
    @property
    def clock_skew(self) -> timedelta: ...
    def at(self) -> datetime: ...

ENVELOPED = "EnvelopedVerifiableCredential"
PURPOSE = "authentication"
#: data: URL media types we unwrap, and how (text for JWT, JSON for JAdES)
ENVELOPE_TYPES = ("application/vc+jwt", "application/jwt", "application/jose+json")


def is_presentation(obj: Any) -> bool:
    """True for a JSON object typed VerifiablePresentation."""
    if not isinstance(obj, dict):
        return False
    types = obj.get("type")
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])


def unwrap(entry: Any) -> Any:
    """A `verifiableCredential` entry as an artefact verify can take: dict, JWT or JWS JSON object."""
    if not isinstance(entry, dict):
        raise ExportError("entry is not a JSON object", field="verifiableCredential")
    types = entry.get("type")
    if ENVELOPED not in (types if isinstance(types, list) else [types]):
        return entry
    url = entry.get("id")
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        raise ExportError("EnvelopedVerifiableCredential id is not a data: URL", field="id")
    header, data = url[5:].split(",", 1)
    media, *params = header.split(";")
    if media not in ENVELOPE_TYPES:
        raise ExportError(f"enveloped credential of media type {media!r} is not supported "
                          f"(supported: {', '.join(ENVELOPE_TYPES)})", field="id", value=media)
    try:
        raw = base64.b64decode(data, validate=True) if "base64" in params else unquote_to_bytes(data)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ExportError(f"enveloped credential data is not valid: {exc}", field="id") from exc
    if media == "application/jose+json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ExportError(f"enveloped JWS JSON does not parse: {exc}", field="id") from exc
    return text.strip()


def _signed_proofs(vp: dict[str, Any], skipped: Sequence[int]) -> list[Any]:
    """The presentation's proofs minus those skipped as unsupported: a skipped proof is
    unsigned, so its challenge, domain and verification method say nothing."""
    proofs = vp.get("proof")
    items = proofs if isinstance(proofs, list) else [proofs]
    return [p for i, p in enumerate(items) if i not in skipped]


def _signer(proofs: list[Any]) -> str | None:
    methods = {p.get("verificationMethod") for p in proofs if isinstance(p, dict)}
    controllers = {controller_of(str(m)) for m in methods if m}
    return next(iter(controllers)) if len(controllers) == 1 else None


def _replay(proofs: list[Any], challenge: str | None, domain: str | None) -> CheckResult:
    """Every signed proof must carry the verifier's challenge and domain (the first one's are reported)."""
    stated = [(p.get("challenge"), p.get("domain")) if isinstance(p, dict) else (None, None) for p in proofs] \
        or [(None, None)]

    def fits(pair: tuple[Any, Any]) -> bool:
        got_challenge, got_domain = pair
        return got_challenge == challenge and (got_domain == domain or
                                               (isinstance(got_domain, list) and domain in got_domain))

    got_c, got_d = next((pair for pair in stated if not fits(pair)), stated[0])
    details = {"challenge": got_c, "domain": got_d, "expectedChallenge": challenge, "expectedDomain": domain}
    problems = []
    if not challenge or not domain:
        problems.append("the verifier gave no expected " + " and ".join(
            n for n, v in (("challenge", challenge), ("domain", domain)) if not v) +
            ": a presentation only proves the holder is present for a challenge the verifier chose "
            "(pass --challenge and --domain)")
    if challenge and got_c != challenge:
        problems.append(f"challenge mismatch: the presentation was made for {got_c!r}, not {challenge!r} "
                        "(a replayed or foreign presentation)")
    if domain and not (got_d == domain or (isinstance(got_d, list) and domain in got_d)):
        problems.append(f"domain mismatch: the presentation was made for {got_d!r}, not {domain!r}")
    if problems:
        return CheckResult(CheckId.PRESENTATION_REPLAY, False, "; ".join(problems), details)
    return CheckResult(CheckId.PRESENTATION_REPLAY, True, f"made for this verifier ({domain}) and this challenge", details)


def _binding(index: int, entry: Any, signer: str | None) -> CheckResult:
    details: dict[str, Any] = {"credential": index, "holder": signer}
    try:
        art = load_artefact(entry)
    except EdcIssuerError as exc:
        return CheckResult(CheckId.PRESENTATION_BINDING, False, f"credential {index + 1}: cannot read its subject: {exc}",
                           details)
    subjects = art.subject_ids
    details["subjects"] = subjects
    if signer is None:
        return CheckResult(CheckId.PRESENTATION_BINDING, False, "the presentation's signer is unknown", details)
    if not subjects or any(s is None for s in subjects):
        return CheckResult(CheckId.PRESENTATION_BINDING, False, f"credential {index + 1} names no credentialSubject.id, "
                           "so it cannot be bound to the holder", details)
    if any(s != signer for s in subjects):
        return CheckResult(CheckId.PRESENTATION_BINDING, False,
                           f"credential {index + 1} is about {', '.join(map(str, subjects))} but the presentation "
                           f"was signed by {signer}: the presenter is not the learner", details)
    return CheckResult(CheckId.PRESENTATION_BINDING, True, f"the presenter {signer} is the credential's subject", details)


def verify_presentation(vp: dict[str, Any], *, challenge: str | None, domain: str | None,
                        options: PresentationOptions) -> tuple[list[CheckResult], list[Any]]:
    """Check a presentation; returns its checks and the credentials it carries.

    Checks: presentation.structure, presentation.proof (holder's key, purpose
    authentication), presentation.replay (challenge/domain), presentation.holder (`holder`
    = signer) and one presentation.binding per credential (details["credential"] = its
    index). The credentials are returned as artefacts for per-credential verification
    (verify.verify_parsed); nothing is trusted yet. Never raises for a bad presentation.
    """
    checks: list[CheckResult] = []
    if not is_presentation(vp):
        return [CheckResult(CheckId.PRESENTATION_STRUCTURE, False, "not a VerifiablePresentation")], []
    entries = vp.get("verifiableCredential")
    entries = entries if isinstance(entries, list) else [] if entries is None else [entries]
    credentials: list[Any] = []
    problems: list[str] = []
    for index, entry in enumerate(entries):
        try:
            credentials.append(unwrap(entry))
        except ExportError as exc:
            problems.append(f"verifiableCredential[{index}]: {exc.message}")
    if not entries:
        problems.append("it carries no verifiableCredential")
    checks.append(CheckResult(CheckId.PRESENTATION_STRUCTURE, not problems,
                              "; ".join(problems) or f"presentation of {len(entries)} credential(s)",
                              {"id": vp.get("id"), "credentials": len(entries)}))

    resolver = options.resolver
    if resolver is None:
        resolver = did_resolver(did_web_dir=options.did_web_dir, purpose=PURPOSE, fetcher=options.fetcher)
    # replay and signer are read from signed proofs only (a skipped proof proves nothing)
    result = verify_proof_set(vp, loader=options.loader, resolver=resolver, expected_purpose=PURPOSE,
                              now=options.at(), clock_skew=options.clock_skew)
    proof = result.check
    signed = _signed_proofs(vp, result.skipped)
    checks.append(CheckResult(CheckId.PRESENTATION_PROOF, proof.passed, proof.reason, proof.details))
    checks.append(_replay(signed, challenge, domain))
    signer = _signer(signed)
    holder = vp.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder_id is None or holder_id == signer:
        checks.append(CheckResult(CheckId.PRESENTATION_HOLDER, signer is not None,
                                  f"signed by the holder {signer}" if signer else "no single signer in the proof",
                                  {"holder": holder_id, "signer": signer}))
    else:
        checks.append(CheckResult(CheckId.PRESENTATION_HOLDER, False,
                                  f"holder is {holder_id} but the presentation was signed by {signer}",
                                  {"holder": holder_id, "signer": signer}))
    if not problems:
        checks += [_binding(i, c, signer) for i, c in enumerate(credentials)]
    return checks, credentials if not problems else []


def checks_for_credential(checks: Sequence[CheckResult], index: int) -> list[CheckResult]:
    """The presentation checks that concern credential `index` (shared ones plus its binding)."""
    return [c for c in checks if c.details.get("credential", index) == index]
