"""The one generic W3C Data Integrity engine (`DataIntegrityProof`, RDFC-1.0 suites).

Algorithm (VC Data Integrity 1.0; eddsa-rdfc-2022 / ecdsa-rdfc-2019 sections 3.x):
proof config = the proof options plus the document's `@context`; verify data =
hash(canonical proof config) || hash(canonical document without `proof`); the suite
signs those bytes; `proofValue` is multibase base58btc ('z...').

Suites only contribute their key check, hash and sign/verify (suites/base.py).

VC 1.1 documents (ELM uses https://www.w3.org/2018/credentials/v1 + edc-ap) have no
`DataIntegrityProof` term, so the proof could not be expressed (strict expansion would
refuse it). As digitalbazaar's data-integrity library does, `add_proof` appends the
data-integrity v2 context (https://w3id.org/security/data-integrity/v2) to the
document's `@context` when neither it nor VC 2.0's context is present. The returned
document therefore carries that extra context, and the signature covers it.

`verify_proof` never raises for a bad credential: every failure is a CheckResult with
passed=False and a reason naming what failed.
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ..crypto import multibase as mb
from ..crypto.did import resolve_verification_method
from ..crypto.keys import KeyPair
from ..errors import EdcIssuerError, SigningError, VerificationError
from ..ld.canonize import canonize
from ..ld.loader import DocumentLoader, default_loader
from ..results import CheckResult
from ..suites.base import Cryptosuite, get_suite

PROOF_TYPE = "DataIntegrityProof"
DI_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: contexts that already define DataIntegrityProof, cryptosuite and proofValue
_DI_CONTEXTS = frozenset({VC_V2_CONTEXT, DI_V2_CONTEXT, "https://w3id.org/security/data-integrity/v1"})
#: tolerated clock difference for `created` in the future (issuer and verifier clocks differ)
MAX_CLOCK_SKEW = timedelta(minutes=5)

Resolver = Callable[[str], KeyPair]


def format_datetime(value: datetime) -> str:
    """XML Schema dateTimeStamp in UTC with 'Z' (seconds, fraction only when present)."""
    if value.tzinfo is None:
        raise SigningError("proof time must be timezone-aware", field="created", value=str(value))
    text = value.astimezone(timezone.utc).isoformat()
    return text.replace("+00:00", "Z")


def parse_datetime(text: Any) -> datetime | None:
    """Parse an xsd:dateTimeStamp; None when it is not one (no timezone is an error too)."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def with_di_context(context: Any) -> Any:
    """`context` plus the data-integrity v2 context when nothing in it defines DataIntegrityProof."""
    items = context if isinstance(context, list) else [context]
    if any(isinstance(c, str) and c in _DI_CONTEXTS for c in items):
        return context
    return [*items, DI_V2_CONTEXT]


def _hash_pair(suite: Cryptosuite, algorithm: str, proof_config: dict[str, Any], document: dict[str, Any],
               loader: DocumentLoader) -> bytes:
    """hash(canonical proof config) || hash(canonical document): the bytes that get signed.

    The suite's hash is also RDFC-1.0's internal hash: ecdsa-rdfc-2019 with P-384 labels
    blank nodes with SHA-384 (the W3C P-384 "employ" vector only reproduces that way).
    """
    hash_name = suite.hash_name(algorithm)
    proof_hash = suite.hash(algorithm, canonize(proof_config, loader, hash_algorithm=hash_name).encode("utf-8"))
    doc_hash = suite.hash(algorithm, canonize(document, loader, hash_algorithm=hash_name).encode("utf-8"))
    return proof_hash + doc_hash


def add_proof(doc: dict[str, Any], key: KeyPair, *, cryptosuite: str,
              verification_method: str | None = None, proof_purpose: str = "assertionMethod",
              created: datetime | None = None, challenge: str | None = None, domain: str | None = None,
              loader: DocumentLoader = default_loader) -> dict[str, Any]:
    """Return a NEW document: `doc` (never modified) with a DataIntegrityProof added.

    `verification_method` defaults to the key's did:key method. `created` defaults to now
    (UTC, whole seconds); pass it explicitly for reproducible output. An existing proof
    is kept and the new one is added beside it (a proof set; both sign the document
    without proofs). Raises SigningError (bad suite/key/time) or ContextError (a term
    the contexts do not define).
    """
    if not isinstance(doc, dict) or "@context" not in doc:
        raise SigningError("a JSON-LD document with @context is required", field="@context")
    suite = get_suite(cryptosuite, error=SigningError)
    problem = suite.key_problem(key, need_private=True)
    if problem:
        raise SigningError(problem, field="key", value=key.algorithm)
    if created is None:
        created = datetime.now(timezone.utc).replace(microsecond=0)

    signed = copy.deepcopy(doc)
    signed["@context"] = with_di_context(signed["@context"])
    existing = signed.pop("proof", None)

    options: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": suite.name,
        "created": format_datetime(created),
        "verificationMethod": verification_method or key.verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    proof_config = {"@context": signed["@context"], **options}

    data = _hash_pair(suite, key.algorithm, proof_config, signed, loader)
    proof = {**options, "proofValue": mb.encode_base58btc(suite.sign(key, data))}

    if existing is None:
        signed["proof"] = proof
    else:
        signed["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return signed


# --- verification -----------------------------------------------------------------------------

class _Failed(Exception):
    """Internal: one proof failed; `reason` says why (never leaves this module)."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def verify_proof(doc: dict[str, Any], *, loader: DocumentLoader = default_loader,
                 resolver: Resolver | None = None, expected_purpose: str = "assertionMethod",
                 challenge: str | None = None, domain: str | None = None,
                 now: datetime | None = None) -> CheckResult:
    """Check every Data Integrity proof on `doc`; CheckResult "proof" (all must verify).

    `resolver` maps a verification method id to its public KeyPair (default: did:key
    and local did:web through `crypto.did`, also checking the method is authorised for
    the proof purpose). `now` defaults to the current time and is only used to refuse
    proofs `created` in the future (beyond MAX_CLOCK_SKEW) or past their `expires`.
    """
    if now is None:
        now = datetime.now(timezone.utc)
    if not isinstance(doc, dict):
        return CheckResult("proof", False, "credential is not a JSON object")
    raw = doc.get("proof")
    if raw is None:
        return CheckResult("proof", False, "no proof: the credential is not signed")
    proofs = raw if isinstance(raw, list) else [raw]
    if not proofs:
        return CheckResult("proof", False, "proof is an empty list")
    if "@context" not in doc:
        return CheckResult("proof", False, "credential has no @context, so its proof cannot be checked")

    results: list[dict[str, Any]] = []
    for index, proof in enumerate(proofs):
        label = f"proof[{index}]" if len(proofs) > 1 else "proof"
        try:
            details = _verify_one(doc, proof, proofs, loader=loader, resolver=resolver,
                                  expected_purpose=expected_purpose, challenge=challenge, domain=domain, now=now)
        except _Failed as failed:
            return CheckResult("proof", False, f"{label}: {failed.reason}",
                               {"index": index, **failed.details, "proofs": results})
        results.append(details)
    first = results[0]
    summary = (f"{first['cryptosuite']} signature valid, key {first['verificationMethod']}"
               if len(results) == 1 else f"all {len(results)} proofs valid")
    return CheckResult("proof", True, summary, {**first, "proofs": results} if len(results) > 1 else first)


def _verify_one(doc: dict[str, Any], proof: Any, all_proofs: list[Any], *, loader: DocumentLoader,
                resolver: Resolver | None, expected_purpose: str, challenge: str | None,
                domain: str | None, now: datetime) -> dict[str, Any]:
    if not isinstance(proof, dict):
        raise _Failed("proof is not a JSON object")
    if proof.get("type") != PROOF_TYPE:
        raise _Failed(f"unsupported proof type {proof.get('type')!r} (expected {PROOF_TYPE})",
                      type=proof.get("type"))
    name = proof.get("cryptosuite")
    try:
        suite = get_suite(name, error=VerificationError)
    except VerificationError as exc:
        raise _Failed(exc.message, cryptosuite=name) from exc
    vm = proof.get("verificationMethod")
    details: dict[str, Any] = {"cryptosuite": suite.name, "verificationMethod": vm,
                               "proofPurpose": proof.get("proofPurpose"), "created": proof.get("created")}
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
    if created is not None and created > now + MAX_CLOCK_SKEW:
        raise _Failed(f"proof created in the future ({proof['created']})", **details)
    if "expires" in proof:
        expires = parse_datetime(proof.get("expires"))
        if expires is None or expires < now:
            raise _Failed(f"proof expired or has an invalid expires ({proof.get('expires')!r})", **details)

    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise _Failed("proofValue is missing or not a multibase base58btc string", **details)
    try:
        signature = mb.decode_base58btc(value)
    except ValueError as exc:
        raise _Failed(f"proofValue is not multibase base58btc: {exc}", **details) from exc

    try:
        key = resolver(vm) if resolver is not None else \
            resolve_verification_method(vm, purpose=expected_purpose)
    except EdcIssuerError as exc:
        raise _Failed(f"cannot resolve verification method: {exc.message}", **details) from exc
    problem = suite.key_problem(key)
    if problem:
        raise _Failed(f"wrong key type for {suite.name}: {problem}", **details)
    size = 64 if key.algorithm in ("Ed25519", "P-256") else 96
    if len(signature) != size:
        raise _Failed(f"proofValue has {len(signature)} bytes, a {key.algorithm} signature has {size}",
                      **details)

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
    proof_config["@context"] = doc["@context"]

    try:
        data = _hash_pair(suite, key.algorithm, proof_config, unsecured, loader)
    except EdcIssuerError as exc:
        raise _Failed(f"cannot canonicalize: {exc}", **details) from exc
    if not suite.verify(key, signature, data):
        raise _Failed("signature does not match: the credential was altered after signing, "
                      "or it was signed with a different key", **details)
    return details
