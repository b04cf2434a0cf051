"""Theirs -> ours: OB3 credentials signed by each peer, verified by `edcissuer.verify`.

The payload is our own unsigned OB3 credential of the single-institution sample with the
issuer set to the peer's did:key (each peer makes its own key). The proof and the issuer
binding must hold; a copy with creditsAvailable changed after signing must be refused by
the proof check. Peers sign with the wall clock, so these verifications use it too.

New peer-signed cases (StatusList2021 / RevocationList2020 status, eddsa-2022, mixed proof
sets, https verification methods) are new rows of cases.PEER_SIGNING and, for a node peer,
a new `suite` in its driver's sign().
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openbadgeslib.ob3 import OB3LdpSigner, OB3Signer, OpenBadgeCredential, add_data_integrity_proof

from edcissuer.checks import CheckId
from edcissuer.crypto.keys import KeyPair
from edcissuer.issue import map_record, with_issuer_id
from edcissuer.models.records import load_record
from edcissuer.verify import VerifyOptions, verify_document

from .cases import PEER_SIGNING, RECORDS, PeerSigning
from .runners import inflate_credits, run_all, tamper

PAYLOAD_RECORD = "single"
#: what a peer keeps of our credential when it re-models it: OB3LdpSigner signs
#: OpenBadgeCredential.to_vc(), whose model has no Alignment targets of its own
PARTIAL = {"openbadgeslib-ldp-signer"}


@dataclass(frozen=True)
class Signed:
    artefact: dict[str, Any] | str
    did: str


def _numeric(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _openbadgeslib_sign(case: PeerSigning, record: Any, keys: dict[str, KeyPair]) -> Signed:
    opts = case.options()
    key = keys[{"EdDSA": "Ed25519", "ES256": "P-256", "RS256": "RSA"}.get(opts.get("alg", "EdDSA"), "Ed25519")]
    credential = map_record(with_issuer_id(record, key.did_key), "ob3")
    pem = key.to_pem(private=True)
    if opts["signer"] == "OB3LdpSigner":
        return Signed(OB3LdpSigner(pem).sign(OpenBadgeCredential.from_vc_document(credential)), key.did_key)
    if opts["signer"] == "add_data_integrity_proof":
        return Signed(add_data_integrity_proof(credential, pem, key.verification_method), key.did_key)
    claims = {"iss": key.did_key, "jti": credential["id"], "sub": credential["credentialSubject"]["id"],
              "nbf": _numeric(credential["validFrom"])}
    return Signed(OB3Signer(pem, algorithm=opts["alg"]).sign_payload({**credential, **claims}), key.did_key)


@pytest.fixture(scope="module")
def signed() -> dict[str, Signed]:
    record = load_record(RECORDS[PAYLOAD_RECORD])
    payload = map_record(record, "ob3")
    batches: dict[str, list[dict[str, Any]]] = {}
    for case in PEER_SIGNING:
        if case.peer != "openbadgeslib":
            batches.setdefault(case.peer, []).append({"id": case.name, "op": "sign", "credential": payload,
                                                      **case.options()})
    verdicts = run_all(batches, {})
    out: dict[str, Signed] = {}
    for case in PEER_SIGNING:
        if case.peer == "openbadgeslib":
            continue
        got = verdicts[case.peer][case.name]
        assert got.ok, f"{case.peer} could not sign {case.name}: {got.error}"
        out[case.name] = Signed(got.signed, got.did)
    keys = {"Ed25519": KeyPair.generate("Ed25519"), "P-256": KeyPair.generate("P-256"),
            "RSA": KeyPair.from_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))}
    for case in PEER_SIGNING:
        if case.peer == "openbadgeslib":
            out[case.name] = _openbadgeslib_sign(case, record, keys)
    return out


def _checks(artefact: dict[str, Any] | str) -> tuple[Any, dict[str, Any]]:
    result = verify_document(artefact, VerifyOptions(now=datetime.now(timezone.utc)))
    return result, {c.name: c for c in result.checks}


@pytest.mark.parametrize("signing", [c.name for c in PEER_SIGNING])
def test_peer_signed_verifies_in_ours(signed, signing):
    got = signed[signing]
    result, checks = _checks(got.artefact)
    for check in (CheckId.PROOF, CheckId.ISSUER_BINDING):
        assert check in checks and checks[check].passed, result.to_text()
    assert got.did.startswith("did:key:") and checks[CheckId.ISSUER_BINDING].details["issuer"] == got.did
    if signing in PARTIAL:
        failed = {c.name for c in result.checks if not c.passed}
        assert failed <= {CheckId.ELEMENTS}, result.to_text()
    else:
        assert result.verified, result.to_text()


@pytest.mark.parametrize("signing", [c.name for c in PEER_SIGNING])
def test_peer_signed_tampered_refused_by_ours(signed, signing):
    forged = tamper(signed[signing].artefact, inflate_credits)
    result, checks = _checks(forged)
    assert not result.verified
    assert not checks[CheckId.PROOF].passed, result.to_text()
    assert result.elements is None
