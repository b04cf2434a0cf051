"""Hostile-input corpus: every case derived at test time from really signed samples.

Why generated, not checked-in blobs: each case is a precise alteration of a credential
this very build signed (every sample record x ELM/OB3 x eddsa-rdfc-2022, ecdsa-rdfc-2019,
VC-JOSE, legacy VC-JWT, JAdES), so a case keeps testing what it names when the mapping or
the proof formats change. Each `Case` states the check that must fail and a piece of the
reason it must give; `tests/test_hostile.py` runs them, `tests/test_fuzz.py` mutates the
same samples at random.

`EDCISSUER_HOSTILE_FULL=1` flips every leaf of every signed sample (about 12 000 cases, a
few minutes); by default every leaf of the first record's credentials is flipped, in one of
the five secured forms by turns, and every 25th leaf of the others.
"""
from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import hmac
import json
import os
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from edcissuer.crypto.multibase import b64url_decode, b64url_encode
from edcissuer.issue import IssuedCredential, issue

PROOFS: tuple[tuple[str, str], ...] = (("eddsa-rdfc-2022", "issuer"), ("ecdsa-rdfc-2019", "issuer_p256"),
                                       ("jwt", "issuer"), ("jwt-legacy", "issuer"), ("jades", "seal"))
FORMATS = ("elm", "ob3")
DI = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
JWTS = ("jwt", "jwt-legacy")
FULL = os.environ.get("EDCISSUER_HOSTILE_FULL", "") not in ("", "0")
STATUS_BASE = "https://credentials.univ-lusitania.example/status"

# the reasons a verifier may give for a signature that no longer covers what it reads
SIGNATURE = ("signature", "canonicaliz", "context", "not defined", "undefined", "proof", "verification method",
             "alg", "kid", "cryptosuite", "created", "issuer", "claim", "typ", "cty", "crit", "sigT", "x5c",
             "certificate", "header", "b64", "payload", "UTF-8", "base64", "JSON", "expired", "nbf", "iat", "vc")


@dataclass(frozen=True)
class Sample:
    """One signed credential as handed out: which record, format and proof made it."""

    record: str
    fmt: str
    proof: str
    issued: IssuedCredential

    @property
    def name(self) -> str:
        return f"{self.record}/{self.fmt}/{self.proof}"

    @property
    def artefact(self) -> dict[str, Any] | str:
        return copy.deepcopy(self.issued.artefact)

    @property
    def text(self) -> str:
        return self.issued.serialize()

    @property
    def credential(self) -> dict[str, Any]:
        """The credential the proof covers (without the DI proof)."""
        return {k: v for k, v in self.issued.credential.items() if k != "proof"}


@dataclass(frozen=True)
class Case:
    """One hostile input and what the verifier must say about it.

    `expect` is the CheckId (its string value, "input" included) that must be present and
    failed; `reasons` are alternatives, one of which its reason must contain. `via` says
    which entry point reads it ("document", "file": `data` is a Path, "all"). `options`
    are `VerifyOptions` overrides (say a status checker).
    """

    category: str
    name: str
    data: Any
    expect: str
    reasons: tuple[str, ...]
    via: str = "document"
    options: dict[str, Any] = field(default_factory=dict)
    resigned: bool = False   # signed afresh by the issuer: authentic, so only "no crash, no hang" holds
    known: str = ""          # a known open problem (reported, owner named): does not fail the run
    same_as: Sample | None = None   # an equivalent of this sample may verify if its elements are the same


# --- the samples ----------------------------------------------------------------------------

def signed_samples(records: dict[str, Any], keys: Any, now: datetime) -> list[Sample]:
    """Every sample record x format x proof, signed with the demo keys."""
    key = (id(records), id(keys), now)
    if key not in _SIGNED:
        _SIGNED[key] = tuple(_signed(records, keys, now))
    return list(_SIGNED[key])


_SIGNED: dict[tuple[int, int, datetime], tuple[Sample, ...]] = {}   # one signing per test session


def _signed(records: dict[str, Any], keys: Any, now: datetime) -> Iterator[Sample]:
    for name, record in sorted(records.items(), key=lambda kv: kv[0]):
        for fmt in FORMATS:
            for proof, signer in PROOFS:
                yield Sample(name, fmt, proof, issue(record, fmt=fmt, signer=getattr(keys, signer), proof=proof,
                                                     now=now))


# --- small tools ---------------------------------------------------------------------------

def b64url_json(obj: Any) -> str:
    return b64url_encode(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    head, body, sig = token.split(".")
    return json.loads(b64url_decode(head)), json.loads(b64url_decode(body)), sig


def jwt_join(header: dict[str, Any], payload: dict[str, Any], sig: str) -> str:
    return f"{b64url_json(header)}.{b64url_json(payload)}.{sig}"


def sign_jwt_raw(header: dict[str, Any], payload: dict[str, Any], key: Any) -> str:
    """A compact JWS signed with `key` (a KeyPair) whatever the header claims."""
    signing_input = f"{b64url_json(header)}.{b64url_json(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def sign_jwt_bytes(header: dict[str, Any], payload: bytes, key: Any) -> str:
    """A compact JWS over exactly these payload bytes (malformed JSON included), validly signed."""
    signing_input = f"{b64url_json(header)}.{b64url_encode(payload)}"
    return f"{signing_input}.{b64url_encode(key.sign(signing_input.encode('ascii')))}"


def jades_header(obj: dict[str, Any]) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(obj["signatures"][0]["protected"]))
    return header


def reseal(obj: dict[str, Any], seal: Any, *, header: dict[str, Any] | None = None,
           payload: str | None = None) -> dict[str, Any]:
    """A JAdES object with the given protected header/payload, signed again with the seal key (RS256)."""
    head = header if header is not None else jades_header(obj)
    text = payload if payload is not None else obj["payload"]
    protected = b64url_json(head)
    signature = seal.private_key.sign(protected.encode("ascii") + b"." + text.encode("utf-8"),
                                      padding.PKCS1v15(), hashes.SHA256())
    return {"payload": text, "signatures": [{"protected": protected, "signature": b64url_encode(signature)}]}


def leaf_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaf_paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaf_paths(v, (*path, i))
    else:
        yield path


def flipped(value: Any) -> Any:
    """A different value of the same JSON type (a URL stays a URL-looking string)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if value is None:
        return "x"
    text = str(value)
    return f"{text}/x" if text.startswith("http") else f"{text}x"


def set_path(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A deep copy of `doc` with the value at `path` replaced (`...` deletes it)."""
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


def get_path(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _dump_like_jades(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


# --- leaf flips ----------------------------------------------------------------------------

def _flip_in(sample: Sample, path: tuple[Any, ...]) -> Any:
    """The sample's artefact with the leaf at `path` of what it signs flipped, re-encoded as its form."""
    art = sample.artefact
    if sample.proof in DI:
        return set_path(art, path, flipped(get_path(art, path)))
    if sample.proof in JWTS:
        assert isinstance(art, str)
        header, payload, sig = jwt_parts(art)
        if path[0] == "header":
            header = set_path(header, path[1:], flipped(get_path(header, path[1:])))
        else:
            payload = set_path(payload, path[1:], flipped(get_path(payload, path[1:])))
        return jwt_join(header, payload, sig)
    assert isinstance(art, dict)
    if path[0] == "header":
        header = jades_header(art)
        header = set_path(header, path[1:], flipped(get_path(header, path[1:])))
        art["signatures"][0]["protected"] = b64url_json(header)
        return art
    payload = json.loads(art["payload"])
    art["payload"] = _dump_like_jades(set_path(payload, path[1:], flipped(get_path(payload, path[1:]))))
    return art


def _signed_leaves(sample: Sample) -> list[tuple[Any, ...]]:
    """Every leaf the sample's proof covers, JOSE headers included (prefixed 'header'/'payload')."""
    art = sample.artefact
    if sample.proof in DI:
        return list(leaf_paths(art))
    if sample.proof in JWTS:
        assert isinstance(art, str)
        header, payload, _ = jwt_parts(art)
    else:
        assert isinstance(art, dict)
        header, payload = jades_header(art), json.loads(art["payload"])
    return [("header", *p) for p in leaf_paths(header)] + [("payload", *p) for p in leaf_paths(payload)]


def leaf_flips(samples: list[Sample]) -> Iterator[Case]:
    """Every leaf of what each credential signs, changed (strings, numbers, booleans).

    Default: the first record's credentials leaf by leaf, each flip in one of the five
    secured forms by turns (headers and proofs of every form in full), every 25th leaf of
    the other records; FULL: every leaf of every form.
    """
    first = samples[0].record
    by_content: dict[tuple[str, str], list[Sample]] = {}
    for s in samples:
        by_content.setdefault((s.record, s.fmt), []).append(s)
    for (record, _fmt), group in by_content.items():
        stride = 1 if FULL or record == first else 25
        for turn, sample in enumerate(group):
            for n, path in enumerate(_signed_leaves(sample)):
                in_envelope = path[0] == "header" or (sample.proof in DI and path[0] == "proof")
                if not FULL and not in_envelope and (n % stride or (n // stride) % len(group) != turn):
                    continue
                expect = "proof.structure" if sample.proof == "jades" and path[0] == "header" \
                    and path[1] in ("x5c", "sigT", "crit", "b64") else "proof"
                yield Case("leaf flips", f"{sample.name}:{'/'.join(map(str, path))}", _flip_in(sample, path),
                           expect, SIGNATURE)


# --- proof attacks (Data Integrity) ---------------------------------------------------------

def proof_attacks(samples: list[Sample], keys: Any, now: datetime) -> Iterator[Case]:
    """Stripped, swapped, duplicated, truncated, re-keyed and re-labelled Data Integrity proofs."""
    di = [s for s in samples if s.proof in DI]
    for sample in di:
        art = sample.artefact
        assert isinstance(art, dict)
        proof = art["proof"][0] if isinstance(art["proof"], list) else art["proof"]
        other = next(s for s in di if s.record != sample.record and s.fmt == sample.fmt and s.proof == sample.proof)
        other_art = other.artefact
        assert isinstance(other_art, dict)
        other_proof = other_art["proof"]
        name = sample.name

        def with_proof(value: Any) -> dict[str, Any]:
            return {**art, "proof": value}

        def changed(**fields: Any) -> dict[str, Any]:
            return with_proof({**proof, **fields})

        yield Case("proof attacks", f"{name}:stripped", {k: v for k, v in art.items() if k != "proof"},
                   "proof", ("not secured",))
        yield Case("proof attacks", f"{name}:empty-list", with_proof([]), "proof", ("not secured", "empty"))
        yield Case("proof attacks", f"{name}:swapped", with_proof(other_proof), "proof", ("signature",))
        yield Case("proof attacks", f"{name}:duplicated-with-other", with_proof([proof, *_as_list(other_proof)]),
                   "proof", ("proof[1]",))
        value = proof["proofValue"]
        for label, garbled in (("truncated", value[: len(value) // 2]), ("empty", ""), ("one-char", value[:1]),
                               ("not-multibase", "u" + value[1:]), ("garbled", value[:-4] + "1111"),
                               ("bad-base58", value[:-1] + "0"), ("number", 7), ("list", [value])):
            yield Case("proof attacks", f"{name}:proofValue-{label}", changed(proofValue=garbled), "proof",
                       ("proofValue", "signature", "base58", "multibase", "length", "bytes"))
        wrong = keys.issuer_p256 if sample.proof == "eddsa-rdfc-2022" else keys.issuer
        yield Case("proof attacks", f"{name}:wrong-key", changed(verificationMethod=wrong.verification_method),
                   "proof", ("wrong key type", "signature", "key"))
        learner = _other_ed25519(keys)
        yield Case("proof attacks", f"{name}:vm-of-another-did",
                   changed(verificationMethod=learner.verification_method), "proof", ("signature", "key"))
        yield Case("proof attacks", f"{name}:vm-fragment-of-another-did",
                   changed(verificationMethod=learner.did_key + "#" + proof["verificationMethod"].split("#")[1]),
                   "proof", ("resolve", "signature", "key"))
        yield Case("proof attacks", f"{name}:vm-not-a-string", changed(verificationMethod={"id": "x"}),
                   "proof", ("verificationMethod",))
        yield Case("proof attacks", f"{name}:vm-unresolvable", changed(verificationMethod="did:web:evil.example#k"),
                   "proof", ("resolve",))
        for suite in ("eddsa-rdfc-2019", "ecdsa-rdfc-2022", "", "EDDSA-RDFC-2022",
                      "ecdsa-rdfc-2019" if sample.proof == "eddsa-rdfc-2022" else "eddsa-rdfc-2022",
                      "eddsa-jcs-2022"):
            yield Case("proof attacks", f"{name}:cryptosuite-{suite or 'empty'}", changed(cryptosuite=suite),
                       "proof", ("cryptosuite", "unsupported", "wrong key type", "signature", "suite"))
        yield Case("proof attacks", f"{name}:cryptosuite-list", changed(cryptosuite=[proof["cryptosuite"]]),
                   "proof", ("cryptosuite", "unsupported", "suite"))
        yield Case("proof attacks", f"{name}:type-renamed", changed(type="Ed25519Signature2020"), "proof",
                   ("proofValue", "signature", "key", "unsupported", "context", "type"))
        for purpose in ("authentication", "capabilityInvocation", "", None, ["assertionMethod"]):
            yield Case("proof attacks", f"{name}:purpose-{purpose!r}", changed(proofPurpose=purpose), "proof",
                       ("proofPurpose",))
        future = (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield Case("proof attacks", f"{name}:created-future", changed(created=future), "proof",
                   ("in the future",))
        yield Case("proof attacks", f"{name}:created-malformed", changed(created="yesterday"), "proof",
                   ("not a dateTime",))
        yield Case("proof attacks", f"{name}:expires-past", changed(expires="2001-01-01T00:00:00Z"), "proof",
                   ("expired",))
        yield Case("proof attacks", f"{name}:proof-not-object", with_proof("proof"), "proof",
                   ("not a JSON object",))
        yield Case("proof attacks", f"{name}:proof-list-of-junk", with_proof([1, None]), "proof",
                   ("not a JSON object",))
        yield Case("proof attacks", f"{name}:previousProof-missing", changed(previousProof="urn:nope"), "proof",
                   ("previousProof",))
        yield Case("proof attacks", f"{name}:challenge-added", changed(challenge="abc"), "proof", ("signature",))
        unsigned_issuer = set_path(art, ("issuer",), {"id": "did:web:impostor.example"}) \
            if isinstance(art.get("issuer"), dict) else {**art, "issuer": "did:web:impostor.example"}
        yield Case("proof attacks", f"{name}:issuer-replaced", unsigned_issuer, "proof", ("signature",))
        # re-signed by someone else's key: the signature holds, the binding to the issuer does not
        resigned = issue_as(sample, _other_p256() if sample.proof == "ecdsa-rdfc-2019" else learner, now)
        yield Case("proof attacks", f"{name}:signed-by-another-key", resigned, "issuer.binding", ("not controlled",))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _other_ed25519(keys: Any) -> Any:
    """A learner's Ed25519 key: a real key, but not the issuer's."""
    return next(iter(keys.learners.values()))


@lru_cache(maxsize=1)
def _other_p256() -> Any:
    from edcissuer.crypto.keys import KeyPair

    return KeyPair.generate("P-256")


def issue_as(sample: Sample, key: Any, now: datetime) -> dict[str, Any]:
    """The sample's credential (issuer unchanged) with its proof replaced by one from `key`."""
    from edcissuer.proofs.data_integrity import add_proof

    unsigned = sample.credential
    return add_proof(unsigned, key, cryptosuite=sample.proof, created=now)


# --- re-signing: the proof holds, so the later checks must catch it ----------------------------

def resign(sample: Sample, credential: dict[str, Any], keys: Any, now: datetime) -> Any:
    """`credential` secured as `sample` was (same proof, same signer); the unsigned one if it cannot be."""
    return resign_checked(sample, credential, keys, now)[0]


def resign_checked(sample: Sample, credential: dict[str, Any], keys: Any, now: datetime) -> tuple[Any, bool]:
    """(artefact, whether it was signed afresh); a DI credential that cannot be signed keeps the old proof."""
    from edcissuer.errors import EdcIssuerError
    from edcissuer.issue import secure

    signer = keys.seal if sample.proof == "jades" else keys.issuer_p256 if sample.proof == "ecdsa-rdfc-2019" \
        else keys.issuer
    try:
        artefact = secure(credential, signer, fmt=sample.fmt, proof=sample.proof, now=now).artefact
        # the same proof as the original (same RDF graph, deterministic signature): anyone could make it
        fresh = not (sample.proof in DI and isinstance(artefact, dict)
                     and artefact.get("proof") == sample.issued.credential["proof"])
        return artefact, fresh
    except (EdcIssuerError, ValueError, TypeError, RecursionError):
        if sample.proof in DI:
            return {**credential, "proof": sample.issued.credential["proof"]}, False
        return credential, False


def _resignable(samples: list[Sample], proofs: tuple[str, ...] = ("eddsa-rdfc-2022", "jwt", "jades")) -> list[Sample]:
    """One record, both formats, the given proofs: enough forms to reach every later check."""
    first = samples[0].record
    return [s for s in samples if s.record == first and s.proof in proofs]


# --- JWT / JOSE ------------------------------------------------------------------------------

def jwt_attacks(samples: list[Sample], keys: Any) -> Iterator[Case]:
    """alg confusion, foreign kids, re-encoded payloads, foreign signatures, JOSE extensions, segments."""
    jwts = [s for s in samples if s.proof in JWTS]
    for sample in jwts:
        token = sample.issued.artefact
        assert isinstance(token, str)
        header, payload, sig = jwt_parts(token)
        name = sample.name
        head_b64, body_b64, _ = token.split(".")
        other = next(s for s in jwts if s.record != sample.record and s.proof == sample.proof)
        assert isinstance(other.issued.artefact, str)
        public = keys.issuer.public_bytes

        def case(label: str, data: Any, expect: str, *reasons: str) -> Case:
            return Case("JWT/JOSE", f"{name}:{label}", data, expect, reasons)

        yield case("alg-none", f"{b64url_json({**header, 'alg': 'none'})}.{body_b64}.", "proof", "alg 'none'",
                   "empty signature")
        yield case("alg-none-signed", f"{b64url_json({**header, 'alg': 'none'})}.{body_b64}.{sig}", "proof",
                   "alg 'none'")
        yield case("alg-None-case", f"{b64url_json({**header, 'alg': 'None'})}.{body_b64}.{sig}", "proof",
                   "not accepted", "refused")
        for secret_label, secret in (("raw-key", public), ("multibase", keys.issuer.public_multibase.encode())):
            hs_input = f"{b64url_json({**header, 'alg': 'HS256'})}.{body_b64}"
            mac = hmac.new(secret, hs_input.encode("ascii"), hashlib.sha256).digest()
            yield case(f"HS256-with-public-key-{secret_label}", f"{hs_input}.{b64url_encode(mac)}", "proof", "HMAC")
        yield case("ES256-on-ed25519-key", sign_jwt_raw({**header, "alg": "ES256"}, payload, keys.issuer_p256),
                   "proof", "does not match")
        yield case("ES256-header-ed25519-signature", sign_jwt_raw({**header, "alg": "ES256"}, payload, keys.issuer),
                   "proof", "does not match")
        yield case("alg-missing", f"{b64url_json({k: v for k, v in header.items() if k != 'alg'})}.{body_b64}.{sig}",
                   "input", "neither a JSON object nor a compact JWT")
        yield case("alg-number", f"{b64url_json({**header, 'alg': 7})}.{body_b64}.{sig}", "input",
                   "neither a JSON object nor a compact JWT")
        yield case("kid-of-another-issuer", sign_jwt_raw({**header, "kid": keys.issuer_p256.verification_method,
                                                          "alg": "ES256"}, payload, keys.issuer_p256),
                   "proof", "mismatch between the header key and the issuer")
        learner = _other_ed25519(keys)
        yield case("kid-of-a-learner", sign_jwt_raw({**header, "kid": learner.verification_method}, payload, learner),
                   "proof", "mismatch between the header key and the issuer")
        yield case("kid-missing", jwt_join({k: v for k, v in header.items() if k != "kid"}, payload, sig), "proof",
                   "no kid")
        yield case("kid-object", jwt_join({**header, "kid": {"id": header["kid"]}}, payload, sig), "proof",
                   "kid must be a non-empty string")
        yield case("kid-unresolvable", jwt_join({**header, "kid": "did:web:evil.example#k"}, payload, sig), "proof",
                   "kid", "mismatch")
        keyless = {k: v for k, v in header.items() if k != "kid"}   # OB 3.0: a jwk instead of the kid
        yield case("jwk-of-a-learner", sign_jwt_raw({**keyless, "jwk": learner.to_jwk()}, payload, learner),
                   "proof", "the header jwk is not the key of the issuer")
        yield case("jwk-with-private-key", sign_jwt_raw({**keyless, "jwk": keys.issuer.to_jwk(private=True)}, payload,
                                                        keys.issuer), "proof", "private key member")
        yield case("jwk-symmetric", sign_jwt_raw({**keyless, "jwk": {"kty": "oct", "k": "c2VjcmV0"}}, payload,
                                                 keys.issuer), "proof", "private key member")
        yield case("jwk-beside-kid-of-another-key", sign_jwt_raw({**header, "jwk": learner.to_jwk()}, payload,
                                                                 keys.issuer), "proof", "not the key the kid")
        yield case("jwk-not-an-object", sign_jwt_raw({**keyless, "jwk": "x"}, payload, keys.issuer), "proof",
                   "must be a JSON object")
        for rsa_alg in ("RS256", "PS256"):
            yield case(f"{rsa_alg}-on-ed25519-key", sign_jwt_raw({**header, "alg": rsa_alg}, payload, keys.issuer),
                       "proof", "does not match")
        spaced = b64url_encode(json.dumps(payload, indent=1).encode("utf-8"))
        yield case("payload-re-encoded", f"{head_b64}.{spaced}.{sig}", "proof", "signature does not verify")
        padded = body_b64 + "=" * (-len(body_b64) % 4) if len(body_b64) % 4 else body_b64 + "===="
        yield case("payload-padded", f"{head_b64}.{padded}.{sig}", "input", "neither a JSON object")
        standard = base64.b64encode(b64url_decode(body_b64)).decode()
        if standard != body_b64:
            yield case("payload-std-base64", f"{head_b64}.{standard}.{sig}", "input", "neither a JSON object")
        yield case("signature-of-another-token", f"{head_b64}.{body_b64}.{other.issued.artefact.split('.')[2]}",
                   "proof", "signature does not verify")
        yield case("signature-truncated", f"{head_b64}.{body_b64}.{sig[:20]}", "proof", "signature")
        yield case("signature-empty", f"{head_b64}.{body_b64}.", "proof", "empty signature")
        yield case("b64-false", sign_jwt_raw({**header, "b64": False, "crit": ["b64"]}, payload, keys.issuer),
                   "proof", "b64")
        yield case("b64-false-uncritical", sign_jwt_raw({**header, "b64": False}, payload, keys.issuer), "proof",
                   "b64")
        yield case("crit-unknown", sign_jwt_raw({**header, "crit": ["urn:x-evil"], "urn:x-evil": 1}, payload,
                                                keys.issuer), "proof", "crit")
        yield case("crit-empty", sign_jwt_raw({**header, "crit": []}, payload, keys.issuer), "proof", "crit")
        yield case("crit-not-list", sign_jwt_raw({**header, "crit": "exp"}, payload, keys.issuer), "proof", "crit")
        yield case("typ-vp", sign_jwt_raw({**header, "typ": "vp+jwt"}, payload, keys.issuer), "proof", "typ")
        yield case("cty-json", sign_jwt_raw({**header, "cty": "json"}, payload, keys.issuer), "proof", "cty", "typ")
        yield case("two-segments", f"{head_b64}.{body_b64}", "input", "neither a JSON object nor a compact JWT")
        yield case("four-segments", f"{token}.{sig}", "input", "neither a JSON object nor a compact JWT")
        yield case("one-segment", head_b64, "input", "neither a JSON object nor a compact JWT")
        yield case("header-not-object", f"{b64url_encode(b'[1]')}.{body_b64}.{sig}", "input",
                   "neither a JSON object nor a compact JWT")
        yield case("payload-not-object", f"{head_b64}.{b64url_encode(b'[1]')}.{sig}", "proof", "not an object")
        yield case("payload-not-json", f"{head_b64}.{b64url_encode(b'{nope')}.{sig}", "proof", "JSON")
        body = b64url_decode(body_b64)
        yield case("payload-not-utf8", sign_jwt_bytes(header, b'{"a":"\xff"}', keys.issuer), "proof", "UTF-8")
        first = next(iter(payload)).encode("utf-8")
        yield case("payload-duplicate-member", sign_jwt_bytes(header, body[:-1] + b',"' + first + b'":"x"}',
                                                              keys.issuer), "proof", "duplicate member")
        yield case("whitespace-inside", f"{head_b64}. {body_b64}.{sig}", "input", "neither a JSON object")
        exp_past = sign_jwt_raw(header, {**payload, "exp": 1_000_000_000}, keys.issuer)
        yield case("exp-past", exp_past, "proof", "expired")
        yield case("nbf-future", sign_jwt_raw(header, {**payload, "nbf": 4_000_000_000}, keys.issuer), "proof",
                   "not valid before", "nbf")
        yield case("iat-huge", sign_jwt_raw(header, {**payload, "iat": 10 ** 30}, keys.issuer), "proof",
                   "out of range", "iat")
        yield case("iat-string", sign_jwt_raw(header, {**payload, "iat": "yesterday"}, keys.issuer), "proof",
                   "NumericDate")
        yield case("exp-nan-literal", sign_jwt_bytes(header, body[:-1] + b',"nanClaim":NaN}', keys.issuer), "proof",
                   "NaN")
        yield case("payload-huge-int", sign_jwt_bytes(header, body[:-1] + b',"exp":' + b"9" * 5000 + b"}",
                                                      keys.issuer), "proof", "payload")
        if sample.proof == "jwt-legacy":
            yield case("vc-claim-string", sign_jwt_raw(header, {**payload, "vc": "x"}, keys.issuer), "proof",
                       "vc claim")
            yield case("iss-other", sign_jwt_raw(header, {**payload, "iss": "did:web:other.example"}, keys.issuer),
                       "proof", "iss claim")
            yield case("jti-other", sign_jwt_raw(header, {**payload, "jti": "urn:uuid:other"}, keys.issuer), "proof",
                       "jti claim")
            yield case("vp-claim", sign_jwt_raw(header, {"vp": payload["vc"]}, keys.issuer), "proof",
                       "presentation")
        else:
            yield case("jwt-claim-in-jose", sign_jwt_raw(header, {**payload, "iss": "did:web:x"}, keys.issuer),
                       "proof", "claim", "iss")
            yield case("vc-claim-in-jose", sign_jwt_raw(header, {**payload, "vc": payload}, keys.issuer), "proof",
                       "vc claim", "typ")


# --- JAdES ------------------------------------------------------------------------------------

def jades_attacks(samples: list[Sample], keys: Any, now: datetime) -> Iterator[Case]:
    """x5c removed/swapped, sigT in the future, payload altered, unknown crit, broken envelopes."""
    seals = [s for s in samples if s.proof == "jades"]
    ca_der = base64.b64encode(keys.seal.chain[0].public_bytes(_der())).decode("ascii")
    for sample in seals:
        art = sample.artefact
        assert isinstance(art, dict)
        header = jades_header(art)
        other = next(s for s in seals if s.record != sample.record and s.fmt == sample.fmt)
        assert isinstance(other.issued.artefact, dict)
        name = sample.name
        seal = keys.seal

        def case(label: str, data: Any, expect: str, *reasons: str) -> Case:
            return Case("JAdES", f"{name}:{label}", data, expect, reasons)

        def head(**changes: Any) -> dict[str, Any]:
            out = {**header, **changes}
            return {k: v for k, v in out.items() if v is not ...}

        yield case("x5c-removed", reseal(art, seal, header=head(x5c=...)), "proof.structure", "x5c")
        yield case("x5c-empty", reseal(art, seal, header=head(x5c=[])), "proof.structure", "x5c")
        yield case("x5c-swapped-to-ca", reseal(art, seal, header=head(x5c=[ca_der])), "proof.certificate",
                   "x5t#S256", "kid", "certificate", "does not match")
        yield case("x5c-reversed", reseal(art, seal, header=head(x5c=list(reversed(header["x5c"])))),
                   "proof.certificate", "x5t#S256", "kid", "certificate", "does not match")
        yield case("x5c-garbage", reseal(art, seal, header=head(x5c=["bm90IGEgY2VydA=="])), "proof.structure",
                   "x5c", "certificate")
        yield case("x5c-not-base64", reseal(art, seal, header=head(x5c=["%%%"])), "proof.structure", "x5c",
                   "certificate", "base64")
        yield case("x5c-in-unprotected", {**art, "signatures": [{**art["signatures"][0],
                                                                  "header": {"x5c": [ca_der]}}]},
                   "proof.structure", "both protected and unprotected", "unprotected")
        future = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield case("sigT-future", reseal(art, seal, header=head(sigT=future)), "proof.structure", "in the future")
        yield case("sigT-malformed", reseal(art, seal, header=head(sigT="2026-02-30T00:00:00Z")), "proof.structure",
                   "sigT")
        yield case("sigT-offset", reseal(art, seal, header=head(sigT="2026-01-01T00:00:00+01:00")),
                   "proof.structure", "sigT")
        yield case("sigT-missing", reseal(art, seal, header=head(sigT=..., crit=["b64"])), "proof.structure", "sigT")
        yield case("sigT-year-9999", reseal(art, seal, header=head(sigT="9999-12-31T23:59:59Z")), "proof.structure",
                   "in the future")
        yield case("sigT-year-0", reseal(art, seal, header=head(sigT="0000-01-01T00:00:00Z")), "proof.structure",
                   "sigT")
        payload = json.loads(art["payload"])
        payload["id"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
        yield case("payload-altered", {**art, "payload": _dump_like_jades(payload)}, "proof", "signature")
        yield case("payload-whitespace", {**art, "payload": art["payload"] + " "}, "proof", "signature")
        yield case("payload-of-another-seal", {**art, "payload": other.issued.artefact["payload"]}, "proof",
                   "signature")
        yield case("signature-of-another-seal", {**art, "signatures": other.issued.artefact["signatures"]}, "proof",
                   "signature")
        yield case("signature-truncated", {**art, "signatures": [{**art["signatures"][0],
                                                                   "signature": art["signatures"][0]["signature"][:40]}]},
                   "proof", "signature")
        yield case("crit-unknown", reseal(art, seal, header=head(crit=["b64", "sigT", "urn:evil"], **{"urn:evil": 1})),
                   "proof.structure", "unsupported critical")
        yield case("crit-alg", reseal(art, seal, header=head(crit=["b64", "sigT", "alg"])), "proof.structure",
                   "must not be critical")
        yield case("crit-missing-b64", reseal(art, seal, header=head(crit=["sigT"])), "proof.structure", "b64")
        yield case("crit-not-list", reseal(art, seal, header=head(crit="b64")), "proof.structure", "crit")
        yield case("b64-string", reseal(art, seal, header=head(b64="false")), "proof.structure", "b64")
        yield case("alg-none", reseal(art, seal, header=head(alg="none")), "proof", "alg")
        yield case("alg-HS256", reseal(art, seal, header=head(alg="HS256")), "proof", "alg")
        yield case("alg-ES256-on-rsa", reseal(art, seal, header=head(alg="ES256")), "proof", "alg", "key")
        yield case("two-signatures", {**art, "signatures": art["signatures"] * 2}, "proof.structure", "signature")
        yield case("no-signatures", {**art, "signatures": []}, "proof", "not secured")
        yield case("signatures-not-list", {**art, "signatures": "x"}, "proof", "not secured")
        yield case("protected-not-base64", {**art, "signatures": [{**art["signatures"][0], "protected": "%%"}]},
                   "proof", "not secured")
        yield case("protected-not-object", {**art, "signatures": [{**art["signatures"][0],
                                                                    "protected": b64url_encode(b"[1]")}]},
                   "proof", "not secured")
        yield case("payload-not-string", {**art, "payload": json.loads(art["payload"])}, "proof", "not secured")
        yield case("payload-not-json", reseal(art, seal, payload="{nope"), "proof.structure", "payload", "JSON")
        yield case("payload-array", reseal(art, seal, payload="[1]"), "proof.structure", "payload", "object")
        yield case("flattened-and-general", {**art, "protected": art["signatures"][0]["protected"],
                                             "signature": art["signatures"][0]["signature"]},
                   "proof.structure", "both general")
        yield case("with-a-proof-too", {**art, "proof": {"type": "DataIntegrityProof"}}, "proof", "ambiguous")


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


# --- dates -------------------------------------------------------------------------------------

def date_attacks(samples: list[Sample], keys: Any, now: datetime) -> Iterator[Case]:
    """Re-signed credentials whose dates are future, past, malformed or out of any calendar."""
    future = (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    bad = {"future": ("validFrom", future, "lies in the future"),
           "past-until": ("validUntil", "2020-01-01T00:00:00Z", "expired"),
           "expiration-past": ("expirationDate", "2020-01-01T00:00:00Z", "expired"),
           "malformed": ("validFrom", "30/06/2026", "is not an xsd:dateTime"),
           "month-13": ("validFrom", "2026-13-01T00:00:00Z", "is not an xsd:dateTime"),
           "feb-30": ("validFrom", "2026-02-30T00:00:00Z", "is not an xsd:dateTime"),
           "year-0": ("validFrom", "0000-01-01T00:00:00Z", "is not an xsd:dateTime"),
           "year-9999": ("validFrom", "9999-12-31T23:59:59Z", "lies in the future"),
           "year-9999-minus-14h": ("validFrom", "9999-12-31T23:59:59-14:00", "lies in the future"),
           "year-1-plus-14h": ("validUntil", "0001-01-01T00:00:00+14:00", "expired"),
           "year-10000": ("validFrom", "10000-01-01T00:00:00Z", "is not an xsd:dateTime"),
           "leap-second": ("validUntil", "2016-12-31T23:59:60Z", "is not an xsd:dateTime"),
           "hour-24": ("validFrom", "2026-06-30T24:00:00Z", ""),
           "number": ("validFrom", 1_782_813_600, "is not an xsd:dateTime"),
           "object": ("validFrom", {"@value": "2026-06-30T10:00:00Z"}, "is not an xsd:dateTime"),
           "list": ("validFrom", ["2026-06-30T10:00:00Z"], "is not an xsd:dateTime"),
           "null": ("validFrom", None, ""),
           "empty": ("validFrom", "", "is not an xsd:dateTime"),
           "fraction-huge": ("validFrom", "2026-06-30T10:00:00." + "9" * 5000 + "Z", ""),
           "offset-99": ("validFrom", "2026-06-30T10:00:00+99:00", "is not an xsd:dateTime")}
    for sample in _resignable(samples, ("eddsa-rdfc-2022", "jwt", "jwt-legacy", "jades")):
        for label, (name, value, reason) in bad.items():
            credential = {**sample.credential, name: value}
            if value is None:
                credential = {k: v for k, v in credential.items() if k not in ("validFrom", "issuanceDate")}
            data, signed = resign_checked(sample, credential, keys, now)
            expect = "validity"
            reasons: tuple[str, ...] = (reason or "validFrom",)
            if _dates_are_claims(sample) and label in _LEGACY_CLAIM_DATES:
                expect, reasons = "proof", ("(nbf)", "(exp)")   # the dates are JWT claims there, checked first
            if label == "list":   # ["x"] is the same RDF as "x": the proof may hold, validity refuses it
                reasons = ("is not an xsd:dateTime",)
            if label == "null":
                reasons = ("validFrom is missing",)
            if not signed and label != "list":
                expect, reasons = "proof", SIGNATURE   # could not be re-signed: the proof must refuse it
            yield Case("dates", f"{sample.name}:{label}", data, expect, reasons)


_LEGACY_CLAIM_DATES = ("future", "past-until", "year-9999", "year-9999-minus-14h", "year-1-plus-14h")


def _dates_are_claims(sample: Sample) -> bool:
    """Legacy VC-JWT and the OB 3.0 JWT (proof "jwt" for OB3) mirror validFrom/validUntil in nbf/exp."""
    return sample.proof == "jwt-legacy" or (sample.proof == "jwt" and sample.fmt == "ob3")


# --- status ------------------------------------------------------------------------------------

def status_attacks(samples: list[Sample], keys: Any, now: datetime, workdir: Path) -> Iterator[Case]:
    """Credentials signed with hostile statusListIndex values, missing lists, a gzip bomb for a list."""
    from edcissuer.crypto import multibase as mb
    from edcissuer.ledger import StatusListInfo
    from edcissuer.proofs.data_integrity import add_proof
    from edcissuer.status.bitstring import MIN_ENTRIES, make_status_checker, status_list_credential
    from edcissuer.status.publish import StatusListSettings, sign_status_list

    folder = workdir / "status"
    folder.mkdir(parents=True, exist_ok=True)
    settings = StatusListSettings(STATUS_BASE, folder, keys.issuer)
    info = StatusListInfo("ab12", STATUS_BASE, settings.issuer_id, MIN_ENTRIES, 1)
    for purpose in ("revocation", "suspension"):
        doc = sign_status_list(settings, info, purpose=purpose, indices=[42], now=now)
        (folder / f"ab12-{purpose}.json").write_text(json.dumps(doc))
    (folder / "bomb-revocation.json").write_bytes(gzip.compress(bytes(50 * 1024 * 1024)))   # ~50 KB on disk
    bomb_list = status_list_credential(url=f"{STATUS_BASE}/inflating-revocation", issuer=keys.issuer.did_key,
                                       purpose="revocation",
                                       encoded_list=mb.encode_base64url(gzip.compress(bytes(64 * 1024 * 1024))),
                                       valid_from=now)
    (folder / "inflating-revocation.json").write_text(
        json.dumps(add_proof(bomb_list, keys.issuer, cryptosuite="eddsa-rdfc-2022", created=now)))
    checker = make_status_checker(status_dir=folder)
    indices: dict[str, tuple[Any, str, tuple[str, ...]]] = {
        "superscript-two": ("²", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "arabic-indic-digits": ("٤٢", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "fullwidth-digits": ("４２", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "negative": ("-1", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "huge-12-digits": ("999999999999", "ab12", ("RANGE_ERROR",)),
        "huge-40-digits": ("9" * 40, "ab12", ("MALFORMED_VALUE_ERROR",)),
        "hex": ("0x2a", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "exponent": ("4e1", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "spaces": (" 42", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "underscore": ("4_2", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "empty": ("", "ab12", ("MALFORMED_VALUE_ERROR",)),
        "number": (42, "ab12", ("MALFORMED_VALUE_ERROR",)),
        "list": (["42"], "ab12", ("MALFORMED_VALUE_ERROR",)),
        "revoked-bit": ("42", "ab12", ("REVOKED",)),
        "missing-list": ("42", "nolist", ("could not be resolved",)),
        "gzip-bomb-list-file": ("42", "bomb", ("is not JSON",)),
        "gzip-bomb-encoded-list": ("42", "inflating", ("inflates past",)),
    }
    for sample in _resignable(samples, ("eddsa-rdfc-2022", "jwt")):
        for label, (index, list_id, reasons) in indices.items():
            entry = {"id": f"{STATUS_BASE}/{list_id}-revocation#{index}", "type": "BitstringStatusListEntry",
                     "statusPurpose": "revocation", "statusListIndex": index,
                     "statusListCredential": f"{STATUS_BASE}/{list_id}-revocation"}
            data = _with_status(sample, [entry], keys, now)
            yield Case("status", f"{sample.name}:{label}", data, "status", reasons,
                       options={"status_checker": checker})
        for label, status, reasons in (("entry-string", "x", ("not a JSON object",)),
                                       ("entry-number", 5, ("not a JSON object",)),
                                       ("type-missing", [{"statusListIndex": "1"}], ("not supported",))):
            yield Case("status", f"{sample.name}:{label}", _with_status(sample, status, keys, now), "status",
                       reasons, options={"status_checker": checker})
        # a null entry never reaches the signed graph: the JSON-LD guard refuses it first
        yield Case("status", f"{sample.name}:entry-list-of-null", _with_status(sample, [None], keys, now), "contexts",
                   ("null values are refused",), options={"status_checker": checker})
        yield Case("status", f"{sample.name}:no-status-source", _with_status(sample, [{
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "1",
            "statusListCredential": f"{STATUS_BASE}/ab12-revocation"}], keys, now), "status",
            ("no status list source",))


def _with_status(sample: Sample, status: Any, keys: Any, now: datetime) -> Any:
    from edcissuer.errors import EdcIssuerError
    from edcissuer.issue import secure

    signer = keys.issuer_p256 if sample.proof == "ecdsa-rdfc-2019" else keys.issuer
    try:
        return secure(sample.credential, signer, fmt=sample.fmt, proof=sample.proof, now=now, status=status).artefact
    except (EdcIssuerError, ValueError, TypeError):
        return resign(sample, {**sample.credential, "credentialStatus": status}, keys, now)


# --- type confusion ----------------------------------------------------------------------------

_WRONG_TYPES: dict[str, Any] = {"string": "x", "list": ["x", 1], "number": 5, "null": None, "true": True,
                                "empty-object": {}, "empty-list": []}


def _confusion_paths(fmt: str) -> list[tuple[Any, ...]]:
    common: list[tuple[Any, ...]] = [("credentialSubject",), ("issuer",), ("issuer", "id"), ("type",), ("id",),
                                     ("credentialSubject", "id"), ("credentialSchema",)]
    if fmt == "ob3":
        return [*common, ("credentialSubject", "achievement"), ("issuer", "address"), ("issuer", "name"),
                ("credentialSubject", "achievement", "creator"), ("credentialSubject", "achievement", "alignment"),
                ("credentialSubject", "achievement", "criteria"), ("credentialSubject", "result"),
                ("credentialSubject", "identifier"), ("credentialSubject", "achievement", "creditsAvailable"),
                ("awardingBody",), ("credentialSubject", "achievement", "name")]
    return [*common, ("credentialSubject", "hasClaim"), ("issuer", "location"), ("issuer", "legalName"),
            ("credentialSubject", "hasClaim", "specifiedBy"), ("credentialSubject", "hasClaim", "awardedBy"),
            ("credentialSubject", "identifier"), ("credentialSubject", "fullName"), ("displayParameter",),
            ("credentialProfiles",), ("credentialSubject", "dateOfBirth")]


NODE_MERGING = ("JSON-LD drops null/[]/{} and merges nodes of one id, so the Data Integrity proof (over the "
                "RDF graph) still holds while the JSON that extract_elements reads differs")


def type_confusion(samples: list[Sample], keys: Any, now: datetime) -> Iterator[Case]:
    """Objects where strings belong and the reverse, re-signed where the proof allows it.

    Where the signature holds, the shape checks must say what is wrong; where it cannot be
    re-signed the proof check refuses it. Neither may crash on the odd value.
    """
    for sample in _resignable(samples):
        for path in _confusion_paths(sample.fmt):
            try:
                get_path(sample.credential, path)
            except (KeyError, IndexError, TypeError):
                continue
            for label, value in _WRONG_TYPES.items():
                if path[-1] == "type" and label in ("list",):
                    continue
                credential = set_path(sample.credential, path, value)
                case = _shape_case("type confusion", f"{sample.name}:{'.'.join(map(str, path))}={label}", sample,
                                   credential, keys, now)
                if sample.proof in DI and value in (None, [], {}) and not case.resigned:
                    case = replace(case, known=NODE_MERGING)
                yield case
        yield _shape_case("type confusion", f"{sample.name}:type=object", sample,
                          {**sample.credential, "type": {"id": "VerifiableCredential"}}, keys, now)
        yield _shape_case("type confusion", f"{sample.name}:issuer.id=object", sample,
                          set_path(sample.credential, ("issuer", "id"), {"id": keys.issuer.did_key}), keys, now)
        yield _shape_case("type confusion", f"{sample.name}:issuer.id=list", sample,
                          set_path(sample.credential, ("issuer", "id"), [keys.issuer.did_key]), keys, now)
        for label, ctx in (("x", "x"), ("5", 5), ("null", None), ("[]", []), ("[5]", [5]), ("{}", {}),
                           ("unknown-url", "https://evil.example/ctx"), ("missing", ...)):
            credential = {**sample.credential, "@context": ctx} if ctx is not ... else \
                {k: v for k, v in sample.credential.items() if k != "@context"}
            yield _shape_case("type confusion", f"{sample.name}:@context={label}", sample, credential, keys, now)


def _shape_case(category: str, name: str, sample: Sample, credential: dict[str, Any], keys: Any,
                now: datetime) -> Case:
    """A case that some named check must refuse: which one depends on whether it could be re-signed."""
    data, signed = resign_checked(sample, credential, keys, now)
    return Case(category, name, data, "*", (), resigned=signed, same_as=sample)


# --- numbers and strings ------------------------------------------------------------------------

def numbers_and_strings(samples: list[Sample], keys: Any, now: datetime) -> Iterator[Case]:
    """Huge integers, NaN/Infinity literals, lone surrogates, NUL bytes and a 1 MB string."""
    for sample in _resignable(samples, ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "jwt", "jades")):
        cred = sample.credential
        text = sample.text
        name = sample.name
        if sample.proof in DI:
            art_text = json.dumps(sample.issued.artefact, ensure_ascii=True)
            yield Case("numbers/strings", f"{name}:5000-digit-integer-text",
                       art_text[:-1] + ', "n": ' + "9" * 5000 + "}", "input", ("JSON cannot be read", "digits"))
            for literal in ("NaN", "Infinity", "-Infinity"):
                yield Case("numbers/strings", f"{name}:{literal}-literal", art_text[:-1] + f', "n": {literal}}}',
                           "input", (literal, "NaN"))
            yield Case("numbers/strings", f"{name}:lone-surrogate-text",
                       art_text.replace('"id": "urn:uuid:', '"id": "urn:uuid:\\ud800', 1), "*", ())
            yield Case("numbers/strings", f"{name}:escaped-nul-text",
                       art_text.replace('"id": "urn:uuid:', '"id": "urn:uuid:\\u0000', 1), "proof", SIGNATURE)
            yield Case("numbers/strings", f"{name}:raw-nul-bytes", art_text.encode()[:-1] + b"\x00}", "input",
                       ("malformed JSON",))
        else:
            yield Case("numbers/strings", f"{name}:nul-in-token", text[:50] + "\x00" + text[50:], "input",
                       ("neither a JSON object nor a compact JWT", "malformed JSON"))
        yield _shape_case("numbers/strings", f"{name}:5000-digit-integer-dict", sample,
                          {**cred, "validFrom": 10 ** 5000}, keys, now)
        yield _shape_case("numbers/strings", f"{name}:nan-dict", sample, {**cred, "validFrom": float("nan")}, keys,
                          now)
        yield _shape_case("numbers/strings", f"{name}:inf-dict", sample,
                          set_path(cred, ("credentialSubject", "id"), float("inf")), keys, now)
        yield _shape_case("numbers/strings", f"{name}:lone-surrogate-dict", sample, {**cred, "id": "urn:x:\ud800"},
                          keys, now)
        yield _shape_case("numbers/strings", f"{name}:lone-surrogate-key", sample, {**cred, "\udfff": "x"}, keys, now)
        yield _shape_case("numbers/strings", f"{name}:nul-in-value", sample, {**cred, "id": "urn:x:\x00y"}, keys, now)
        yield _shape_case("numbers/strings", f"{name}:1MB-string", sample, {**cred, "id": "urn:x:" + "a" * 1_000_000},
                          keys, now)
        yield _shape_case("numbers/strings", f"{name}:non-string-key", sample, {**cred, 5: "x"}, keys, now)
        yield _shape_case("numbers/strings", f"{name}:tuple-value", sample, {**cred, "type": ("VerifiableCredential",)},
                          keys, now)
        yield _shape_case("numbers/strings", f"{name}:bytes-value", sample, {**cred, "id": b"urn:x"}, keys, now)
    for label, data in (("int", 5), ("list", [1]), ("none", None), ("bytes-not-utf8", b"\xff\xfe{"),
                        ("empty", ""), ("only-bom", "\ufeff"), ("json-array", "[1, 2]"), ("json-string", '"x"'),
                        ("surrogate-text", "\ud800")):
        yield Case("numbers/strings", f"not-a-credential:{label}", data, "input", ("not a credential", "not UTF-8",
                                                                                    "neither", "JSON", "surrogate"))


# --- resource bombs -----------------------------------------------------------------------------

def _deep(depth: int, leaf: Any = "x") -> Any:
    node: Any = leaf
    for _ in range(depth):
        node = {"a": node}
    return node


def resource_bombs(samples: list[Sample], keys: Any, now: datetime, workdir: Path) -> Iterator[Case]:
    """Deep nesting, wide arrays, big and special files, a gzip bomb given as a credential."""
    workdir.mkdir(parents=True, exist_ok=True)
    yield Case("resource bombs", "deep-array-text", "[" * 100_000, "input", ("neither", "deeply"))
    yield Case("resource bombs", "deep-object-text", '{"a":' * 100_000 + "1" + "}" * 100_000, "input", ("deeply",))
    yield Case("resource bombs", "deep-object-dict", _deep(100_000), "*", ())
    for sample in _resignable(samples, ("eddsa-rdfc-2022", "jwt", "jades")):
        cred = sample.credential
        yield _shape_case("resource bombs", f"{sample.name}:deep-dict-in-subject", sample,
                          set_path(cred, ("credentialSubject", "id"), _deep(100_000)), keys, now)
        yield _shape_case("resource bombs", f"{sample.name}:deep-list-in-type", sample,
                          {**cred, "type": [[[[["x"]]]]] if False else _deep_list(100_000)}, keys, now)
        yield _shape_case("resource bombs", f"{sample.name}:deep-1000", sample,
                          set_path(cred, ("credentialSubject", "id"), _deep(1000)), keys, now)
        subject = cred["credentialSubject"]
        identifiers = [{"type": "IdentityObject" if sample.fmt == "ob3" else "Identifier",
                        **({"identityType": "name", "hashed": False, "identityHash": "x"} if sample.fmt == "ob3"
                           else {"notation": "x"})} for _ in range(10_000)]
        wide = set_path(cred, ("credentialSubject",), {**subject, "identifier": identifiers})
        yield _shape_case("resource bombs", f"{sample.name}:10k-identical-blank-nodes", sample, wide, keys, now)
        many = [{"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": str(i)}
                for i in range(10_000)] if sample.fmt == "ob3" else [{"type": "Identifier", "notation": str(i)}
                                                                      for i in range(10_000)]
        yield _shape_case("resource bombs", f"{sample.name}:10k-objects", sample,
                          set_path(cred, ("credentialSubject",), {**subject, "identifier": many}), keys, now)
    big = workdir / "six-mb.json"
    big.write_bytes(b'{"a": "' + b"x" * (6 * 1024 * 1024) + b'"}')
    yield Case("resource bombs", "6MB-file", big, "input", ("limit",), via="file")
    yield Case("resource bombs", "6MB-file-all", big, "input", ("limit",), via="all")
    yield Case("resource bombs", "6MB-bytes", big.read_bytes(), "*", ())
    bomb = workdir / "bomb.json.gz"
    bomb.write_bytes(gzip.compress(bytes(100 * 1024 * 1024)))
    yield Case("resource bombs", "gzip-bomb-as-credential", bomb, "input", ("not UTF-8", "not a credential"),
               via="file")
    fifo = workdir / "cred.fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    yield Case("resource bombs", "fifo", fifo, "input", ("not a regular file",), via="file")
    yield Case("resource bombs", "fifo-all", fifo, "input", ("not a regular file",), via="all")
    if Path("/dev/zero").exists():
        yield Case("resource bombs", "dev-zero", Path("/dev/zero"), "input", ("not a regular file",), via="file")
        link = workdir / "zero-link.json"
        if not link.is_symlink():
            link.symlink_to("/dev/zero")
        yield Case("resource bombs", "symlink-to-dev-zero", link, "input", ("not a regular file",), via="file")
    yield Case("resource bombs", "directory", workdir, "input", ("not a regular file", "directory"), via="file")
    yield Case("resource bombs", "missing-file", workdir / "nope.json", "input", ("No such file",), via="file")
    empty = workdir / "empty.json"
    empty.write_bytes(b"")
    yield Case("resource bombs", "empty-file", empty, "input", ("not a credential",), via="file")


def _deep_list(depth: int) -> Any:
    node: Any = "x"
    for _ in range(depth):
        node = [node]
    return node


# --- baked images -----------------------------------------------------------------------------

def _png_chunk(ctype: bytes, body: bytes, crc: int | None = None) -> bytes:
    value = zlib.crc32(ctype + body) & 0xFFFFFFFF if crc is None else crc
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", value)


def _split_png(png: bytes) -> list[tuple[bytes, bytes]]:
    pos, out = 8, []
    while pos < len(png):
        length, ctype = struct.unpack(">I4s", png[pos:pos + 8])
        out.append((ctype, png[pos + 8:pos + 8 + length]))
        pos += 12 + length
    return out


def _join_png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(_png_chunk(c, b) for c, b in chunks)


BAKED_OWNER = "carriers/baked.py, another engineer's file"


def baked_images(samples: list[Sample]) -> Iterator[Case]:
    """PNG/SVG badges with no credential, two, a truncated chunk, a wrong CRC, entity bombs."""
    from edcissuer.export.baking import bake_png, bake_svg, default_badge_png

    for sample in (s for s in samples if s.fmt == "ob3" and s.record == samples[0].record
                   and s.proof in ("eddsa-rdfc-2022", "jwt")):
        name = sample.name
        png = bake_png(sample.issued.artefact)
        chunks = _split_png(png)
        itxt = next(i for i, (c, b) in enumerate(chunks) if c == b"iTXt" and b.startswith(b"openbadgecredential\0"))
        plain = default_badge_png(sample.issued.artefact)

        def case(label: str, data: Any, expect: str, *reasons: str) -> Case:
            return Case("baked images", f"{name}:{label}", data, expect, reasons, via="all")

        yield case("png-no-credential", plain, "input", "carries no Open Badges 3.0 credential")
        yield case("png-two-credentials", _join_png([*chunks[:itxt], chunks[itxt], *chunks[itxt:]]), "input",
                   "chunks; the spec allows one", "could be read two ways")
        yield case("png-truncated", png[: len(png) // 2], "input", "truncated", "runs past the end")
        yield case("png-truncated-in-header", png[:12], "input", "truncated", "runs past")
        ctype, body = chunks[itxt]
        wrong_crc = b"".join([png[:8], *(_png_chunk(c, b, crc=0 if i == itxt else None)
                                         for i, (c, b) in enumerate(chunks))])
        yield case("png-wrong-crc", wrong_crc, "input", "wrong CRC")
        huge_len = png[:8] + struct.pack(">I4s", 0x7FFFFFFF, b"IHDR") + png[16:]
        yield case("png-huge-chunk-length", huge_len, "input", "runs past the end")
        compressed = body.replace(b"openbadgecredential\0\0\0", b"openbadgecredential\0\1\0", 1)
        yield case("png-compressed-flag-plain-text", _join_png([*chunks[:itxt], (ctype, compressed),
                                                                 *chunks[itxt + 1:]]), "input", "decompress")
        zbomb = b"openbadgecredential\0\1\0\0\0" + zlib.compress(b"{" + b" " * (60 * 1024 * 1024), 9)
        yield case("png-zlib-bomb", _join_png([*chunks[:itxt], (ctype, zbomb), *chunks[itxt + 1:]]), "input",
                   "over", "decompress")
        yield case("png-not-utf8", _join_png([*chunks[:itxt], (ctype, b"openbadgecredential\0\0\0\0\0\xff\xfe"),
                                              *chunks[itxt + 1:]]), "input", "not UTF-8")
        yield replace(case("png-keyword-only", _join_png([*chunks[:itxt], (ctype, b"openbadgecredential"),
                                                          *chunks[itxt + 1:]]), "input", "truncated", "malformed"),
                      known=BAKED_OWNER + " (ValueError from _itxt_text on an iTXt body that is only the keyword)")
        yield case("png-no-iend", png[: png.rfind(b"IEND") - 4], "input", "IEND")
        tampered = body.replace(b"urn:uuid:", b"urn:uuid:0", 1) if b"urn:uuid:" in body else body[:-3] + b"AAA"
        yield case("png-tampered-credential", _join_png([*chunks[:itxt], (ctype, tampered), *chunks[itxt + 1:]]),
                   "proof", *SIGNATURE)
        yield case("png-signature-only", b"\x89PNG\r\n\x1a\n", "input", "IHDR", "IEND", "truncated")
        svg = bake_svg(sample.issued.artefact)
        yield case("svg-no-credential", b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "input",
                   "carries no Open Badges 3.0 credential")
        start = svg.index(b"<openbadges:credential")
        end = svg.index(b"</openbadges:credential>") + len(b"</openbadges:credential>") \
            if b"</openbadges:credential>" in svg else svg.index(b"/>", start) + 2
        element = svg[start:end]
        yield replace(case("svg-two-credentials", svg[:start] + element + element + svg[start:], "input", "two",
                           "2", "one"), known=BAKED_OWNER + " (extract_svg takes the first of several credentials)")
        yield case("svg-truncated", svg[: len(svg) // 2], "input", "not well-formed")
        yield case("svg-entity-bomb", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                   + b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8))
                   + b']><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/'
                   b'v3p0"><openbadges:credential>&i;</openbadges:credential></svg>', "input",
                   "entit", "not well-formed", "DOCTYPE", "DTD", "carries no")
        yield case("svg-external-entity", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM '
                   b'"file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.'
                   b'imsglobal.org/ob/v3p0"><openbadges:credential>&x;</openbadges:credential></svg>', "input",
                   "entit", "not well-formed", "DOCTYPE", "DTD", "empty", "carries no")
        yield case("svg-wrong-root", b"<svgx/>" + svg, "input", "not well-formed", "root element", "not a")
        yield case("svg-empty-credential", svg[:start] + b'<openbadges:credential/>' + svg[end:], "input", "empty")


# --- JSON-LD tricks ---------------------------------------------------------------------------

#: tricks the JSON-LD guard (ld/guard.py) refuses by name, whatever the proof says
INLINE_CONTEXT_CASES = ("inline-context-object", "nested-context", "index-key", "json-literal", "graph-key",
                        "included-key")


def jsonld_tricks(samples: list[Sample], keys: Any, now: datetime) -> Iterator[Case]:
    """Inline and nested contexts, @index, @graph, aliasing: re-signed, so the JSON-LD rules must refuse them.

    The ones in INLINE_CONTEXT_CASES fail the guard's `contexts` check; the others fail the
    proof (RDFC canonicalization expands strictly) or the `contexts` check (JWT).
    """
    for sample in _resignable(samples, ("eddsa-rdfc-2022", "jwt")):
        cred = sample.credential
        ctx = cred["@context"]
        tricks: dict[str, dict[str, Any]] = {
            "inline-context-object": {**cred, "@context": [*ctx, {"extra": "https://evil.example/extra"}],
                                      "extra": "x"},
            "nested-context": set_path(cred, ("credentialSubject", "@context"), {"name": "https://evil.example/n"}),
            "index-key": set_path(cred, ("credentialSubject", "@index"), "x"),
            "protected-redefinition": {**cred, "@context": [*ctx, {"id": "https://evil.example/id"}]},
            "json-literal": {**cred, "@context": [*ctx, {"blob": {"@id": "https://evil.example/b", "@type": "@json"}}],
                             "blob": {"any": "thing"}},
            "graph-key": {**cred, "@graph": [{"id": "urn:x"}]},
            "undefined-term": {**cred, "notInAnyContext": "x"},
            "reverse-key": set_path(cred, ("credentialSubject", "@reverse"), {"knows": {"id": "urn:x"}}),
            "included-key": {**cred, "@included": [{"id": "urn:x"}]},
        }
        for label, credential in tricks.items():
            yield Case("JSON-LD tricks", f"{sample.name}:{label}", resign(sample, credential, keys, now),
                       "contexts" if label in INLINE_CONTEXT_CASES or sample.proof not in DI else "proof",
                       ("context", "not defined", "undefined", "@index", "@graph", "@reverse", "@included",
                        "canonicaliz", "@context", "protected", "@json", "keyword"))


# --- the corpus --------------------------------------------------------------------------------

CATEGORIES = ("leaf flips", "proof attacks", "JWT/JOSE", "JAdES", "dates", "status", "type confusion",
              "numbers/strings", "resource bombs", "baked images", "JSON-LD tricks")


def corpus(category: str, samples: list[Sample], keys: Any, now: datetime, workdir: Path) -> Iterator[Case]:
    """The cases of one category (each generated when asked for: some are megabytes)."""
    makers: dict[str, Callable[[], Iterator[Case]]] = {
        "leaf flips": lambda: leaf_flips(samples),
        "proof attacks": lambda: proof_attacks(samples, keys, now),
        "JWT/JOSE": lambda: jwt_attacks(samples, keys),
        "JAdES": lambda: jades_attacks(samples, keys, now),
        "dates": lambda: date_attacks(samples, keys, now),
        "status": lambda: status_attacks(samples, keys, now, workdir),
        "type confusion": lambda: type_confusion(samples, keys, now),
        "numbers/strings": lambda: numbers_and_strings(samples, keys, now),
        "resource bombs": lambda: resource_bombs(samples, keys, now, workdir),
        "baked images": lambda: baked_images(samples),
        "JSON-LD tricks": lambda: jsonld_tricks(samples, keys, now),
    }
    return makers[category]()
