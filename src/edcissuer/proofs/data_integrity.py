"""The one generic W3C Data Integrity engine (every registered suite: RDFC-1.0, JCS, legacy).

Algorithm (VC Data Integrity 1.0; eddsa-rdfc-2022 / ecdsa-rdfc-2019 / eddsa-jcs-2022 sections 3.x):
proof config = the proof options plus the document's `@context`; verify data =
hash(canonical proof config) || hash(canonical document without `proof`); the suite
signs those bytes; `proofValue` is multibase base58btc ('z...'). A suite whose proof
carries its own `@context` (eddsa-jcs-2022) gets it written into the proof, and on
verification its proof config keeps the proof's `@context` (the suite checks it).

Suites own everything suite-specific — transformation, hashing, signature encoding and
length (suites/base.py); this engine owns proof options, purposes, dates, chains and key
resolution, once for every suite.

VC 1.1 documents (ELM uses https://www.w3.org/2018/credentials/v1 + edc-ap) have no
`DataIntegrityProof` term, so the proof could not be expressed (strict expansion would
refuse it). As digitalbazaar's data-integrity library does, `add_proof` appends the
data-integrity v2 context (https://w3id.org/security/data-integrity/v2) to the
document's `@context` when neither it nor VC 2.0's context is present (generally: the
first of the suite's `proof_contexts` when none of them is present, so the
ed25519-2020 context for Ed25519Signature2020). The returned
document therefore carries that extra context, and the signature covers it.

`verify_proof` never raises for a bad credential: every failure is a CheckResult with
passed=False and a reason naming what failed.
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..checks import CheckId
from ..crypto.did import resolve_verification_method
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, SigningError, VerificationError
from ..identifiers import controller_of, issuer_id
from ..jsontext import json_copy
from ..ld.expand import check_json_limits, expand_strict
from ..ld.loader import DocumentLoader, default_loader
from ..results import CheckResult
from ..suites.base import DI_CONTEXTS, Cryptosuite, alias_of, get_suite, match_suite, verifiable_suites
from ..suites.base import DI_V2_CONTEXT as DI_V2_CONTEXT  # re-exported: callers import it from here
from ..suites.base import VC_V2_CONTEXT as VC_V2_CONTEXT
from ..time import CLOCK_SKEW, iso_z_precise, parse_xsd_datetime, require_aware

PROOF_TYPE = "DataIntegrityProof"
#: the warning a skipped proof carries in the proof check's details
UNSUPPORTED_PROOF_SKIPPED = "UNSUPPORTED_PROOF_SKIPPED"

Resolver = Callable[[str], KeyPair]


def format_datetime(value: datetime) -> str:
    """XML Schema dateTimeStamp in UTC with 'Z' (seconds, fraction only when present)."""
    require_aware(value, SigningError, field="created")
    return iso_z_precise(value)


def parse_datetime(text: Any) -> datetime | None:
    """Parse an xsd:dateTimeStamp; None when it is not one (no timezone is an error too)."""
    return parse_xsd_datetime(text)


def with_di_context(context: Any, defining: tuple[str, ...] = DI_CONTEXTS) -> Any:
    """`context` plus `defining[0]` when none of `defining` (contexts defining the proof terms) is in it.

    The default is DataIntegrityProof's: the data-integrity v2 context is added.
    """
    items = context if isinstance(context, list) else [context]
    if any(isinstance(c, str) and c in defining for c in items):
        return context
    return [*items, defining[0]]


def add_proof(doc: dict[str, Any], key: KeyPair, *, cryptosuite: str,
              verification_method: str | None = None, proof_purpose: str = "assertionMethod",
              created: datetime, challenge: str | None = None, domain: str | None = None,
              loader: DocumentLoader = default_loader) -> dict[str, Any]:
    """Return a NEW document: `doc` (never modified) with a Data Integrity proof added.

    `verification_method` defaults to the key's did:key method; `created` is required
    (library code never reads the clock). An existing proof is kept and the new one is
    added beside it (a proof set; both sign the document without proofs). Raises
    SigningError (bad suite/key/time) or ContextError (a term the contexts do not define).
    """
    if not isinstance(doc, dict) or "@context" not in doc:
        raise SigningError("a JSON-LD document with @context is required", field="@context")
    suite = get_suite(cryptosuite, error=SigningError)
    problem = suite.key_problem(key, need_private=True)
    if problem:
        raise SigningError(problem, field="key", value=key.algorithm)

    signed: dict[str, Any] = json_copy(doc)
    signed["@context"] = with_di_context(signed["@context"], suite.proof_contexts)
    existing = signed.pop("proof", None)

    options: dict[str, Any] = {
        **suite.proof_fields(),
        "created": format_datetime(created),
        "verificationMethod": verification_method or key.verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    if suite.proof_carries_context:
        options["@context"] = signed["@context"]
    proof_config = {"@context": signed["@context"], **options}

    data = suite.verify_data(signed, proof_config, key.algorithm, loader)
    proof = {**options, "proofValue": suite.sign(key, data)}

    if existing is None:
        signed["proof"] = proof
    else:
        signed["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    if not suite.expands_json_ld:
        # a JCS suite never expands: refuse here what RDFC canonicalization would have refused
        expand_strict(signed, loader)
    return signed


# --- verification -----------------------------------------------------------------------------

class _Failed(Exception):
    """Internal: one proof failed; `reason` says why (never leaves this module)."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class _Unsupported(_Failed):
    """Internal: a well-formed proof of a type or cryptosuite no registered suite verifies."""


@dataclass(frozen=True)
class VerifiedProof:
    """One proof that verified: its method id and the key the signature check used."""

    verification_method: str
    key: KeyPair
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProofSetResult:
    """The "proof" check, the keys that established it (empty unless it passed), and which
    proofs were skipped as unsupported (their positions in the proof set)."""

    check: CheckResult
    verified: tuple[VerifiedProof, ...] = ()
    skipped: tuple[int, ...] = ()


def verify_proof(doc: dict[str, Any], *, loader: DocumentLoader = default_loader,
                 resolver: Resolver | None = None, expected_purpose: str = "assertionMethod",
                 challenge: str | None = None, domain: str | None = None,
                 now: datetime, clock_skew: timedelta = CLOCK_SKEW) -> CheckResult:
    """Check every Data Integrity proof on `doc`; CheckResult "proof" (see verify_proof_set)."""
    return verify_proof_set(doc, loader=loader, resolver=resolver, expected_purpose=expected_purpose,
                            challenge=challenge, domain=domain, now=now, clock_skew=clock_skew).check


def verify_proof_set(doc: dict[str, Any], *, loader: DocumentLoader = default_loader,
                     resolver: Resolver | None = None, expected_purpose: str = "assertionMethod",
                     challenge: str | None = None, domain: str | None = None,
                     now: datetime, clock_skew: timedelta = CLOCK_SKEW) -> ProofSetResult:
    """Check every proof on `doc` and return the keys the signature checks used.

    A proof set may mix in proofs of a type or cryptosuite no registered suite verifies
    (issuers in the field add e.g. Ed25519Signature2018 or bbs-2023 beside a suite we know).
    Those are reported as skipped, with the warning UNSUPPORTED_PROOF_SKIPPED, and establish
    nothing. The check passes when at least one proof verified and no other proof failed:
    a proof of a supported suite that does not verify fails the whole set, so tampering is
    never hidden behind a second proof.

    `resolver` maps a verification method id to its public KeyPair (default: did:key
    and local did:web through `crypto.did`, also checking the method is authorised for
    the proof purpose). `now` is only used to refuse proofs `created` in the future
    (beyond `clock_skew`) or past their `expires`. Never raises for a bad credential.
    """
    require_aware(now, VerificationError)
    if not isinstance(doc, dict):
        return ProofSetResult(CheckResult(CheckId.PROOF, False, "credential is not a JSON object"))
    raw = doc.get("proof")
    if raw is None:
        return ProofSetResult(CheckResult(CheckId.PROOF, False, "no proof: the credential is not signed"))
    proofs = raw if isinstance(raw, list) else [raw]
    if not proofs:
        return ProofSetResult(CheckResult(CheckId.PROOF, False, "proof is an empty list"))
    if "@context" not in doc:
        return ProofSetResult(CheckResult(CheckId.PROOF, False,
                                          "credential has no @context, so its proof cannot be checked"))

    results: list[dict[str, Any]] = []
    verified: list[VerifiedProof] = []
    failed: list[tuple[str, dict[str, Any]]] = []
    skipped: list[tuple[str, dict[str, Any]]] = []
    for index, proof in enumerate(proofs):
        label = f"proof[{index}]" if len(proofs) > 1 else "proof"
        try:
            one = _verify_one(doc, proof, proofs, loader=loader, resolver=resolver,
                              expected_purpose=expected_purpose, challenge=challenge, domain=domain, now=now,
                              clock_skew=clock_skew)
        except _Unsupported as exc:
            entry = {"index": index, "status": "skipped", "warning": UNSUPPORTED_PROOF_SKIPPED,
                     "reason": exc.reason, **exc.details}
            skipped.append((f"{label}: {exc.reason}", entry))
        except _Failed as exc:
            entry = {"index": index, "status": "failed", "reason": exc.reason, **exc.details}
            failed.append((f"{label}: {exc.reason}", entry))
        else:
            entry = {"index": index, "status": "verified", **one.details}
            verified.append(one)
        results.append(entry)
    positions = tuple(e["index"] for _, e in skipped)
    if failed:
        reason, entry = failed[0]
        details = {k: v for k, v in entry.items() if k not in ("status", "reason")}
        return ProofSetResult(CheckResult(CheckId.PROOF, False, reason, {**details, "proofs": results}),
                              skipped=positions)
    if not verified:
        reason = skipped[0][0] if len(skipped) == 1 else \
            "no proof could be checked: " + "; ".join(r for r, _ in skipped)
        return ProofSetResult(CheckResult(CheckId.PROOF, False, reason, {"proofs": results}), skipped=positions)
    first = verified[0].details
    summary = (f"{_suite_label(first)} signature valid, key {first['verificationMethod']}"
               if len(verified) == 1 else f"all {len(verified)} supported proofs valid")
    if not skipped:
        if len(results) == 1:
            return ProofSetResult(CheckResult(CheckId.PROOF, True, summary, first), tuple(verified))
        summary = f"all {len(results)} proofs valid"
        return ProofSetResult(CheckResult(CheckId.PROOF, True, summary, {**first, "proofs": results}),
                              tuple(verified))
    summary += (f"; {len(skipped)} proof(s) of an unsupported type skipped, they establish nothing ("
                + "; ".join(r for r, _ in skipped) + ")")
    warnings = [{"warning": UNSUPPORTED_PROOF_SKIPPED, "index": e["index"], "reason": e["reason"]}
                for _, e in skipped]
    details = {**first, "proofs": results, "warnings": warnings}
    return ProofSetResult(CheckResult(CheckId.PROOF, True, summary, details), tuple(verified), positions)


def _suite_label(details: dict[str, Any]) -> str:
    standard = details.get("legacyNameOf")
    return f"{details['cryptosuite']} (pre-standard name of {standard})" if standard else str(details["cryptosuite"])


def _suite_of(proof: dict[str, Any]) -> Cryptosuite:
    """The suite verifying `proof`; _Unsupported for a type or cryptosuite none verifies,
    _Failed for a proof that names neither properly (a malformed proof is never skipped)."""
    suite = match_suite(proof)
    if suite is not None:
        return suite
    kind, name = proof.get("type"), proof.get("cryptosuite")
    if not isinstance(kind, str) or not kind:
        raise _Failed(f"proof type {kind!r} is not a string", type=kind)
    if kind != PROOF_TYPE:
        raise _Unsupported(f"unsupported proof type {kind!r} (expected {PROOF_TYPE})", type=kind)
    if not isinstance(name, str):
        raise _Failed(f"cryptosuite {name!r} is not a string", type=kind, cryptosuite=name)
    raise _Unsupported(f"unsupported cryptosuite {name!r}; supported: {', '.join(verifiable_suites())}",
                       type=kind, cryptosuite=name)


def _verify_one(doc: dict[str, Any], proof: Any, all_proofs: list[Any], *, loader: DocumentLoader,
                resolver: Resolver | None, expected_purpose: str, challenge: str | None,
                domain: str | None, now: datetime, clock_skew: timedelta) -> VerifiedProof:
    if not isinstance(proof, dict):
        raise _Failed("proof is not a JSON object")
    suite = _suite_of(proof)
    vm = proof.get("verificationMethod")
    details: dict[str, Any] = {"cryptosuite": suite.name, "verificationMethod": vm,
                               "proofPurpose": proof.get("proofPurpose"), "created": proof.get("created")}
    standard = alias_of(suite.name)
    if standard is not None:  # a pre-standard suite name: reported, never silently renamed
        details["legacyNameOf"] = standard
    if not isinstance(vm, str) or not vm:
        raise _Failed("proof has no verificationMethod", **details)

    purpose = proof.get("proofPurpose")
    if purpose != expected_purpose:
        raise _Failed(f"proofPurpose is {purpose!r}, expected {expected_purpose!r}", **details)
    if challenge is not None and proof.get("challenge") != challenge:
        raise _Failed(f"challenge mismatch: proof has {proof.get('challenge')!r}, expected {challenge!r}",
                      **details)
    if domain is not None:
        got = proof.get("domain")
        if not (got == domain or (isinstance(got, list) and domain in got)):
            raise _Failed(f"domain mismatch: proof has {got!r}, expected {domain!r}", **details)

    created = parse_datetime(proof.get("created")) if "created" in proof else None
    if "created" in proof and created is None:
        raise _Failed(f"created {proof.get('created')!r} is not a dateTime with timezone", **details)
    if created is not None and created > now + clock_skew:
        raise _Failed(f"proof created in the future ({proof['created']})", **details)
    if "expires" in proof:
        expires = parse_datetime(proof.get("expires"))
        if expires is None or expires < now:
            raise _Failed(f"proof expired or has an invalid expires ({proof.get('expires')!r})", **details)

    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise _Failed("proofValue is missing or not a multibase base58btc string", **details)
    try:
        key = resolver(vm) if resolver is not None else \
            resolve_verification_method(vm, purpose=expected_purpose)
    except EdcIssuerError as exc:
        raise _Failed(f"cannot resolve verification method: {exc.message}", **details) from exc
    problem = suite.key_problem(key)
    if problem:
        raise _Failed(f"wrong key type for {suite.name}: {problem}", **details)

    # the signed document: without proofs, except those this one chains to (previousProof)
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    previous = proof.get("previousProof")
    if previous is not None:
        wanted = previous if isinstance(previous, list) else [previous]
        chained = [p for p in all_proofs if isinstance(p, dict) and p.get("id") in wanted]
        if len(chained) != len(wanted):
            raise _Failed(f"previousProof {previous!r} not found in the proof set", **details)
        unsecured["proof"] = chained if len(chained) > 1 else chained[0]
    proof_config = {k: v for k, v in proof.items() if k != "proofValue"}
    if not suite.proof_carries_context:
        proof_config["@context"] = doc["@context"]

    try:
        # every suite, JCS ones too: deep nesting, lone surrogates, huge integers get a named refusal
        check_json_limits(unsecured)
        check_json_limits(proof_config)
        data = suite.verify_data(unsecured, proof_config, key.algorithm, loader)
    except EdcIssuerError as exc:
        raise _Failed(f"cannot canonicalize: {exc}", **details) from exc
    problem = suite.verify(key, value, data)
    if problem:
        raise _Failed(problem, **details)
    return VerifiedProof(vm, key, details)


def check_issuer_binding(credential: dict[str, Any], *, skipped: Collection[int] = (),
                         co_signers: Collection[str] = ()) -> CheckResult:
    """The proof's key must belong to the issuer (digitalbazaar's CredentialIssuancePurpose).

    Without this, anyone could sign a credential naming a university as issuer with their
    own did:key and the signature would still verify. `skipped` are the positions of proofs
    the proof check skipped as unsupported (ProofSetResult.skipped): they establish nothing,
    so they neither bind the issuer nor count against it. `co_signers` are the other ids
    whose proofs may stand beside the issuer's (a joint award's awarding bodies, each adding
    its own proof): the issuer's own proof is still required.
    """
    issuer = issuer_id(credential)
    proofs = credential.get("proof")
    listed = proofs if isinstance(proofs, list) else [proofs]
    methods = [p.get("verificationMethod") for i, p in enumerate(listed)
               if isinstance(p, dict) and i not in skipped]
    controllers = {controller_of(str(m)) for m in methods if m}
    if not issuer or not controllers:
        return CheckResult(CheckId.ISSUER_BINDING, False, "issuer id or proof verificationMethod is missing")
    others = controllers - {issuer}
    strangers = others - set(co_signers)
    if issuer in controllers and strangers:
        return CheckResult(CheckId.ISSUER_BINDING, False,
                           f"proof key {sorted(strangers)} is controlled neither by the issuer {issuer} nor by an "
                           f"awarding body the credential names", {"issuer": issuer, "verificationMethods": methods})
    if issuer not in controllers:
        return CheckResult(CheckId.ISSUER_BINDING, False,
                           f"proof key {sorted(controllers)} is not controlled by the issuer {issuer}",
                           {"issuer": issuer, "verificationMethods": methods})
    details: dict[str, Any] = {"issuer": issuer, "verificationMethods": methods}
    if others:
        details["coSigners"] = sorted(others)
        return CheckResult(CheckId.ISSUER_BINDING, True,
                           f"signed with a key of the issuer {issuer}, co-signed by the awarding bodies "
                           f"{', '.join(sorted(others))}", details)
    return CheckResult(CheckId.ISSUER_BINDING, True, f"signed with a key of the issuer {issuer}", details)
