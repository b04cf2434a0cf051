"""Theirs -> ours: OB3 credentials signed by each peer, verified by `edcissuer.verify`.

The payload is our own unsigned OB3 credential of the single-institution sample (or its
VC 1.1 form) with the issuer set to the peer's own identifier: its did:key, or a did:web /
https issuer whose DID or controller document the peer returns and we lay in a local
mirror (did_web_dir / controller_dir), as a verifier would have fetched it. The proof and
the issuer binding must hold, with what the row says we must report (the binding kind, the
skipped proofs, the legacy suite name); a copy with creditsAvailable changed after signing
must be refused by the proof check. A row with status also has the list the peer signed (StatusList2021 or Bitstring Status List)
(bit clear, and bit set) in a status_dir: clear, and REVOKED. Peers sign with the wall
clock, so these verifications use it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from openbadgeslib.ob3 import OB3LdpSigner, OB3Signer, OpenBadgeCredential, add_data_integrity_proof

from edcissuer.checks import CheckId
from edcissuer.crypto.controller import controller_document_path
from edcissuer.crypto.did import did_web_path
from edcissuer.crypto.keys import KeyPair
from edcissuer.issue import map_record, with_issuer_id
from edcissuer.models.records import load_record
from edcissuer.proofs.data_integrity import UNSUPPORTED_PROOF_SKIPPED
from edcissuer.verify import VerifyOptions, verify_document

from .cases import PEER_SIGNING, RECORDS, STATUS_INDEX, STATUS_LIST, PeerSigning
from .runners import inflate_credits, run_all, tamper

PAYLOAD_RECORD = "single"
VC11_CONTEXT = "https://www.w3.org/2018/credentials/v1"
#: job "status" -> (list URL path, entry type, contexts the entry needs beyond the credential's)
STATUS_ENTRIES = {
    "StatusList2021": ("sl2021", "StatusList2021Entry", ["https://w3id.org/vc/status-list/2021/v1"]),
    "BitstringStatusList": ("bsl", "BitstringStatusListEntry", []),   # in the VC 2.0 context
}


@dataclass(frozen=True)
class Signed:
    artefact: dict[str, Any] | str
    did: str
    documents: tuple[dict[str, Any], ...] = ()   # [{kind: "did:web" | "controller", id, document}]
    lists: dict[str, Any] | None = None          # the signed status list: {"clear": ..., "revoked": ...}


def payload_for(case: PeerSigning, ob3: dict[str, Any]) -> dict[str, Any]:
    """What the peer signs: our OB3 credential, or its VC 1.1 form (+ a StatusList2021Entry or
    BitstringStatusListEntry at STATUS_INDEX of the peer's own list)."""
    credential = json.loads(json.dumps(ob3))
    if case.payload == "vc11":
        credential["@context"][0] = VC11_CONTEXT
        credential["issuanceDate"] = credential.pop("validFrom")
        if "validUntil" in credential:
            credential["expirationDate"] = credential.pop("validUntil")
    kind = case.options().get("status")
    if kind is not None:
        path, entry, context = STATUS_ENTRIES[kind]
        url = STATUS_LIST.format(kind=path, peer=case.peer)
        credential["@context"] += context
        credential["credentialStatus"] = {
            "id": f"{url}#{STATUS_INDEX}", "type": entry, "statusPurpose": "revocation",
            "statusListIndex": str(STATUS_INDEX), "statusListCredential": url}
    return credential


def mirrors(got: Signed, root: Path, state: str = "clear") -> VerifyOptions:
    """VerifyOptions reading the peer's published documents (and its list in `state`) from `root`."""
    for published in got.documents:
        if published["kind"] == "did:web":
            path = did_web_path(published["id"], root / "did-web")
        else:
            path = controller_document_path(published["id"], root / "controllers")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(published["document"]), encoding="utf-8")
    status_dir = None
    if got.lists is not None:
        status_dir = root / f"status-{state}"
        status_dir.mkdir(exist_ok=True)
        listed = got.lists[state]
        (status_dir / "list.json").write_text(json.dumps(listed), encoding="utf-8")
        (status_dir / "index.json").write_text(json.dumps({listed["id"]: "list.json"}), encoding="utf-8")
    return VerifyOptions(now=datetime.now(timezone.utc), did_web_dir=root / "did-web",
                         controller_dir=root / "controllers", status_dir=status_dir)


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
            batches.setdefault(case.peer, []).append({"id": case.name, "op": "sign",
                                                      "credential": payload_for(case, payload), **case.options()})
    verdicts = run_all(batches, {})
    out: dict[str, Signed] = {}
    for case in PEER_SIGNING:
        if case.peer == "openbadgeslib":
            continue
        got = verdicts[case.peer][case.name]
        assert got.ok, f"{case.peer} could not sign {case.name}: {got.error}"
        detail = got.detail or {}
        out[case.name] = Signed(got.signed, got.did, tuple(detail.get("documents") or ()), detail.get("lists"))
    keys = {"Ed25519": KeyPair.generate("Ed25519"), "P-256": KeyPair.generate("P-256"),
            "RSA": KeyPair.from_key(rsa.generate_private_key(public_exponent=65537, key_size=2048))}
    for case in PEER_SIGNING:
        if case.peer == "openbadgeslib":
            out[case.name] = _openbadgeslib_sign(case, record, keys)
    return out


def _checks(artefact: dict[str, Any] | str, options: VerifyOptions) -> tuple[Any, dict[str, Any]]:
    result = verify_document(artefact, options)
    return result, {c.name: c for c in result.checks}


def _case(name: str) -> PeerSigning:
    return next(c for c in PEER_SIGNING if c.name == name)


@pytest.mark.parametrize("signing", [c.name for c in PEER_SIGNING])
def test_peer_signed_verifies_in_ours(signed, signing, tmp_path):
    case, got = _case(signing), signed[signing]
    result, checks = _checks(got.artefact, mirrors(got, tmp_path))
    for check in (CheckId.PROOF, CheckId.ISSUER_BINDING):
        assert check in checks and checks[check].passed, result.to_text()
    binding = checks[CheckId.ISSUER_BINDING].details
    assert binding["issuer"] == got.did and got.did.split(":")[0] in ("did", "https")
    assert binding.get("binding", "") == case.binding, result.to_text()
    assert bool(binding.get("weaker")) == (case.binding == "key-in-fragment")
    proof = checks[CheckId.PROOF].details
    assert len(proof.get("warnings", [])) == case.skipped, result.to_text()
    assert all(w["warning"] == UNSUPPORTED_PROOF_SKIPPED for w in proof.get("warnings", []))
    if case.legacy:
        assert (proof["cryptosuite"], proof.get("legacyNameOf")) == (case.legacy, "eddsa-rdfc-2022")
        assert f"{case.legacy} (pre-standard name of eddsa-rdfc-2022)" in checks[CheckId.PROOF].reason
    if case.status:
        assert checks[CheckId.STATUS].passed, result.to_text()
    failed = {c.name for c in result.checks if not c.passed}
    assert failed <= case.may_fail, result.to_text()
    assert result.verified == (not failed)


@pytest.mark.parametrize("signing", [c.name for c in PEER_SIGNING if c.status])
def test_peer_signed_status_list_revoked_in_ours(signed, signing, tmp_path):
    got = signed[signing]
    result, checks = _checks(got.artefact, mirrors(got, tmp_path, "revoked"))
    assert not result.verified
    assert not checks[CheckId.STATUS].passed and "REVOKED" in checks[CheckId.STATUS].reason, result.to_text()
    assert checks[CheckId.PROOF].passed


@pytest.mark.parametrize("signing", [c.name for c in PEER_SIGNING if c.status])
def test_peer_signed_status_list_forged_refused_by_ours(signed, signing, tmp_path):
    """The peer's revoked list with the clear list's bitstring pasted in: its proof no longer
    holds, so the status check must refuse the list rather than report the credential clear."""
    got = signed[signing]
    revoked = json.loads(json.dumps(got.lists["revoked"]))
    revoked["credentialSubject"]["encodedList"] = got.lists["clear"]["credentialSubject"]["encodedList"]
    forged = Signed(got.artefact, got.did, got.documents, {"revoked": revoked})
    result, checks = _checks(got.artefact, mirrors(forged, tmp_path, "revoked"))
    assert not result.verified
    status = checks[CheckId.STATUS]
    assert not status.passed and "REVOKED" not in status.reason, result.to_text()
    assert "STATUS_VERIFICATION_ERROR" in status.reason and "proof" in status.reason, status.reason
    assert checks[CheckId.PROOF].passed


@pytest.mark.parametrize("signing", [c.name for c in PEER_SIGNING])
def test_peer_signed_tampered_refused_by_ours(signed, signing, tmp_path):
    got = signed[signing]
    forged = tamper(got.artefact, inflate_credits)
    result, checks = _checks(forged, mirrors(got, tmp_path))
    assert not result.verified
    assert not checks[CheckId.PROOF].passed, result.to_text()
    assert result.elements is None
