"""Co-sealing a joint award (issue 13 item 9): the lead seals, each partner adds its signature.

End to end with real keys, for JAdES (one JWS signature per awarding body) and Data
Integrity (one proof per body in the proof set): lead issues the joint-award sample, partner 1
and partner 2 cosign, the verifier reports all three; a changed payload, a signer that is no
awarding body and a second signature by the same body are refused, naming the check; a
partial set is reported, not failed. Keys and certificates are made per test run (tmp), the
did:web documents are served from a local mirror (`did_web_dir`), nothing is fetched.
"""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from edcissuer.checks import CheckId
from edcissuer.cli import main
from edcissuer.cosign import AWARDING_BODY, NOT_YET_SIGNED, PAYLOAD_UNCHANGED, CosignRefused, cosign
from edcissuer.crypto.demo_pki import DemoCA, generate_demo_ca, issue_seal_certificate
from edcissuer.crypto.did import did_web_document, did_web_path
from edcissuer.crypto.keys import KeyPair
from edcissuer.crypto.x509 import SealIdentity
from edcissuer.issue import issue
from edcissuer.models.records import load_record
from edcissuer.verify import VerifyOptions, verify_document

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "samples" / "records" / "model3-joint.yaml"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
LEAD, RHEINAU, LUSITANIA = ("did:web:credentials.univ-adriatica.example", "did:web:credentials.tu-rheinau.example",
                            "did:web:univ-lusitania.example")
BODIES = (LEAD, RHEINAU, LUSITANIA)
ORG_IDS = {LEAD: ("University of the Adriatic", "VATIT-80001234567", "IT"),
           RHEINAU: ("Rheinau University of Technology", "VATDE-811234567", "DE"),
           LUSITANIA: ("University of Lusitania", "VATPT-500123456", "PT")}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def keys() -> dict[str, KeyPair]:
    return {did: KeyPair.generate("Ed25519") for did in (*BODIES, "did:web:outsider.example")}


@pytest.fixture(scope="module")
def did_dir(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, KeyPair]) -> Path:
    root = tmp_path_factory.mktemp("did-web")
    for did, key in keys.items():
        path = did_web_path(did, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(did_web_document(did, [key.public_only()])))
    return root


@pytest.fixture(scope="module")
def ca() -> DemoCA:
    start = NOW - timedelta(days=1)
    return generate_demo_ca(not_before=start, not_after=start + timedelta(days=3650), key_type="p256")


@pytest.fixture(scope="module")
def seals(ca: DemoCA) -> dict[str, SealIdentity]:
    start = NOW - timedelta(days=1)
    made = {}
    for did, (name, org_id, country) in {**ORG_IDS, "outsider": ("Outsider College", "VATFR-12345678901", "FR")
                                         }.items():
        made[did] = issue_seal_certificate(ca, organization=name, organization_identifier=org_id, country=country,
                                           not_before=start, not_after=start + timedelta(days=730), key_type="p256")
    return made


def _di_issued(keys: dict[str, KeyPair]) -> dict[str, Any]:
    record = load_record(RECORD)
    return issue(record, fmt="elm", signer=keys[LEAD], issuer_did=LEAD, now=NOW).artefact  # type: ignore[return-value]


def _jades_issued(seals: dict[str, SealIdentity]) -> dict[str, Any]:
    record = load_record(RECORD)
    return issue(record, fmt="elm", signer=seals[LEAD], proof="jades", now=NOW).artefact  # type: ignore[return-value]


def _di_options(did_dir: Path) -> VerifyOptions:
    return VerifyOptions(now=NOW + timedelta(hours=1), did_web_dir=did_dir)


def _jades_options(ca: DemoCA) -> VerifyOptions:
    return VerifyOptions(now=NOW + timedelta(hours=1), trust_anchors=(ca.certificate,))


def _proof(result: Any) -> Any:
    return next(c for c in result.checks if c.name == CheckId.PROOF)


# --------------------------------------------------------------------------- Data Integrity


def test_data_integrity_lead_then_two_partners_all_three_reported(keys: dict[str, KeyPair], did_dir: Path) -> None:
    lead = _di_issued(keys)
    one = cosign(lead, keys[RHEINAU], did=RHEINAU, did_web_dir=did_dir, now=NOW + timedelta(minutes=5))
    assert one.cosealing.signed_by == (LEAD, RHEINAU) and one.cosealing.not_signed_by == (LUSITANIA,)
    two = cosign(one.artefact, keys[LUSITANIA], did=LUSITANIA, did_web_dir=did_dir, now=NOW + timedelta(minutes=9))
    assert two.kind == "data-integrity" and two.body.id == LUSITANIA
    assert len(two.artefact["proof"]) == 3
    assert {k: v for k, v in two.artefact.items() if k != "proof"} == {k: v for k, v in lead.items() if k != "proof"}

    result = verify_document(two.artefact, _di_options(did_dir))
    assert result.verified, result.to_text()
    assert result.signed_by == BODIES and result.not_signed_by == ()
    proof = _proof(result)
    assert proof.details["cosealing"]["complete"] is True
    assert "signed by 3 of 3 awarding bodies" in proof.reason
    binding = next(c for c in result.checks if c.name == CheckId.ISSUER_BINDING)
    assert binding.details["coSigners"] == sorted([RHEINAU, LUSITANIA])
    assert result.to_dict()["signedBy"] == list(BODIES)
    assert "awarding bodies signed: " + ", ".join(BODIES) in result.to_text()


def test_data_integrity_partial_set_is_reported_not_failed(keys: dict[str, KeyPair], did_dir: Path) -> None:
    lead = _di_issued(keys)
    only_lead = verify_document(lead, _di_options(did_dir))
    assert only_lead.verified, only_lead.to_text()
    assert only_lead.signed_by == (LEAD,) and only_lead.not_signed_by == (RHEINAU, LUSITANIA)
    assert "not signed by " + f"{RHEINAU}, {LUSITANIA}" in _proof(only_lead).reason
    assert _proof(only_lead).details["cosealing"]["complete"] is False


def test_data_integrity_changed_payload_is_refused(keys: dict[str, KeyPair], did_dir: Path) -> None:
    tampered = copy.deepcopy(_di_issued(keys))
    tampered["credentialSubject"]["hasClaim"]["title"] = {"en": "Something else"}
    with pytest.raises(CosignRefused) as refused:
        cosign(tampered, keys[RHEINAU], did=RHEINAU, did_web_dir=did_dir, now=NOW)
    assert refused.value.check == PAYLOAD_UNCHANGED and refused.value.field == "payload"
    assert "payload-unchanged" in str(refused.value)


def test_data_integrity_signer_who_is_no_awarding_body_is_refused(keys: dict[str, KeyPair], did_dir: Path) -> None:
    with pytest.raises(CosignRefused) as refused:
        cosign(_di_issued(keys), keys["did:web:outsider.example"], did="did:web:outsider.example",
               did_web_dir=did_dir, now=NOW)
    assert refused.value.check == AWARDING_BODY and "did:web:outsider.example" in str(refused.value)
    # a partner's key under its did:key is not the partner's did:web either
    with pytest.raises(CosignRefused) as refused:
        cosign(_di_issued(keys), keys[RHEINAU], did_web_dir=did_dir, now=NOW)
    assert refused.value.check == AWARDING_BODY


def test_data_integrity_second_signature_by_the_same_body_is_refused(keys: dict[str, KeyPair], did_dir: Path) -> None:
    lead = _di_issued(keys)
    with pytest.raises(CosignRefused) as refused:
        cosign(lead, keys[LEAD], did=LEAD, did_web_dir=did_dir, now=NOW)
    assert refused.value.check == NOT_YET_SIGNED
    one = cosign(lead, keys[RHEINAU], did=RHEINAU, did_web_dir=did_dir, now=NOW)
    with pytest.raises(CosignRefused) as refused:
        cosign(one.artefact, keys[RHEINAU], did=RHEINAU, did_web_dir=did_dir, now=NOW)
    assert refused.value.check == NOT_YET_SIGNED and RHEINAU in str(refused.value)


def test_data_integrity_broken_cosignature_fails_the_proof_check(keys: dict[str, KeyPair], did_dir: Path) -> None:
    one = cosign(_di_issued(keys), keys[RHEINAU], did=RHEINAU, did_web_dir=did_dir, now=NOW).artefact
    broken = copy.deepcopy(one)
    broken["proof"][1]["proofValue"] = broken["proof"][0]["proofValue"]
    result = verify_document(broken, _di_options(did_dir))
    assert not _proof(result).passed and _proof(result).reason.startswith("proof[1]:")
    assert result.signed_by == ()


def test_data_integrity_proof_by_a_stranger_fails_the_issuer_binding(keys: dict[str, KeyPair],
                                                                    did_dir: Path) -> None:
    from edcissuer.proofs.data_integrity import add_proof
    lead = _di_issued(keys)
    stranger = keys["did:web:outsider.example"]
    added = add_proof(lead, stranger, cryptosuite="eddsa-rdfc-2022", created=NOW,
                      verification_method=f"did:web:outsider.example#{stranger.public_multibase}")
    result = verify_document(added, _di_options(did_dir))
    binding = next(c for c in result.checks if c.name == CheckId.ISSUER_BINDING)
    assert not binding.passed and "nor by an awarding body" in binding.reason


def test_ob3_joint_award_is_cosigned_too(keys: dict[str, KeyPair], did_dir: Path) -> None:
    record = load_record(RECORD)
    lead = issue(record, fmt="ob3", signer=keys[LEAD], issuer_did=LEAD, now=NOW).artefact
    one = cosign(lead, keys[RHEINAU], did=RHEINAU, did_web_dir=did_dir, now=NOW)
    result = verify_document(one.artefact, _di_options(did_dir))
    assert result.verified, result.to_text()
    assert result.signed_by == (LEAD, RHEINAU) and result.not_signed_by == (LUSITANIA,)


# --------------------------------------------------------------------------- JAdES


def test_jades_lead_then_two_partners_all_three_reported(seals: dict[str, SealIdentity], ca: DemoCA) -> None:
    lead = _jades_issued(seals)
    one = cosign(lead, seals[RHEINAU], now=NOW + timedelta(minutes=5))
    two = cosign(one.artefact, seals[LUSITANIA], now=NOW + timedelta(minutes=9))
    assert two.kind == "jades" and len(two.artefact["signatures"]) == 3
    assert two.artefact["payload"] == lead["payload"]
    assert two.artefact["signatures"][0] == lead["signatures"][0]

    result = verify_document(two.artefact, _jades_options(ca))
    assert result.verified, result.to_text()
    assert result.signed_by == BODIES and result.not_signed_by == ()
    proof = _proof(result)
    assert len(proof.details["signatures"]) == 3 and all(s["passed"] for s in proof.details["signatures"])
    assert proof.details["cosealing"]["signedBy"] == list(BODIES)


def test_jades_partial_set_is_reported_not_failed(seals: dict[str, SealIdentity], ca: DemoCA) -> None:
    one = cosign(_jades_issued(seals), seals[LUSITANIA], now=NOW)
    result = verify_document(one.artefact, _jades_options(ca))
    assert result.verified, result.to_text()
    assert result.signed_by == (LEAD, LUSITANIA) and result.not_signed_by == (RHEINAU,)
    assert f"not signed by {RHEINAU}" in _proof(result).reason


def test_jades_changed_payload_is_refused(seals: dict[str, SealIdentity]) -> None:
    tampered = copy.deepcopy(_jades_issued(seals))
    tampered["payload"] = tampered["payload"].replace("Responsible", "Irresponsible")
    with pytest.raises(CosignRefused) as refused:
        cosign(tampered, seals[RHEINAU], now=NOW)
    assert refused.value.check == PAYLOAD_UNCHANGED and "does not verify" in str(refused.value)


def test_jades_signer_who_is_no_awarding_body_is_refused(seals: dict[str, SealIdentity]) -> None:
    with pytest.raises(CosignRefused) as refused:
        cosign(_jades_issued(seals), seals["outsider"], now=NOW)
    assert refused.value.check == AWARDING_BODY and "VATFR-12345678901" in str(refused.value)


def test_jades_second_seal_by_the_same_body_is_refused(seals: dict[str, SealIdentity]) -> None:
    one = cosign(_jades_issued(seals), seals[RHEINAU], now=NOW)
    with pytest.raises(CosignRefused) as refused:
        cosign(one.artefact, seals[RHEINAU], now=NOW)
    assert refused.value.check == NOT_YET_SIGNED


def test_jades_broken_cosignature_fails_the_proof_check(seals: dict[str, SealIdentity], ca: DemoCA) -> None:
    one = copy.deepcopy(cosign(_jades_issued(seals), seals[RHEINAU], now=NOW).artefact)
    one["signatures"][1]["signature"] = one["signatures"][0]["signature"]
    result = verify_document(one, _jades_options(ca))
    proof = _proof(result)
    assert not proof.passed and proof.reason.startswith("signature[1]:")
    assert result.signed_by == () and result.elements is None


def test_jades_cosignature_from_an_unanchored_ca_fails_the_chain(seals: dict[str, SealIdentity], ca: DemoCA) -> None:
    other = generate_demo_ca(not_before=NOW - timedelta(days=1), not_after=NOW + timedelta(days=30), key_type="p256")
    rogue = issue_seal_certificate(other, organization="Rheinau", organization_identifier="VATDE-811234567",
                                   country="DE", not_before=NOW - timedelta(days=1),
                                   not_after=NOW + timedelta(days=30), key_type="p256")
    one = cosign(_jades_issued(seals), rogue, now=NOW)
    chain = next(c for c in verify_document(one.artefact, _jades_options(ca)).checks if c.name == CheckId.TRUST_CHAIN)
    assert not chain.passed and chain.reason.startswith("signature[1]:")


def test_jades_mixing_mechanisms_is_refused(seals: dict[str, SealIdentity], keys: dict[str, KeyPair]) -> None:
    from edcissuer.errors import SigningError
    with pytest.raises(SigningError, match="co-sign it with a seal certificate"):
        cosign(_jades_issued(seals), keys[RHEINAU], did=RHEINAU, now=NOW)


# --------------------------------------------------------------------------- command line


def _write_seal(tmp: Path, seal: SealIdentity, name: str) -> tuple[Path, Path]:
    from edcissuer.crypto.x509 import save_seal
    cert, key = tmp / f"{name}-cert.pem", tmp / f"{name}-key.pem"
    save_seal(seal, cert_path=cert, key_path=key)
    return cert, key


def test_cli_cosign_adds_a_seal_and_refuses_a_duplicate(tmp_path: Path, seals: dict[str, SealIdentity], ca: DemoCA,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lead.jades.json"
    source.write_text(json.dumps(_jades_issued(seals)))
    cert, key = _write_seal(tmp_path, seals[RHEINAU], "rheinau")
    out = tmp_path / "cosealed.jades.json"
    assert main(["cosign", str(source), "--seal-cert", str(cert), "--seal-key", str(key), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"signed by {RHEINAU}" in err and f"not signed by {LUSITANIA}" in err
    assert len(json.loads(out.read_text())["signatures"]) == 2
    assert main(["cosign", str(out), "--seal-cert", str(cert), "--seal-key", str(key), "--out",
                 str(tmp_path / "again.json")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not-yet-signed" in err and "Traceback" not in err
    assert not (tmp_path / "again.json").exists()


def test_cli_cosign_with_a_key_and_did(tmp_path: Path, keys: dict[str, KeyPair], did_dir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "lead.jsonld"
    source.write_text(json.dumps(_di_issued(keys)))
    key = tmp_path / "lusitania.pem"
    key.write_bytes(keys[LUSITANIA].to_pem(private=True))
    out = tmp_path / "cosigned.jsonld"
    code = main(["cosign", str(source), "--key", str(key), "--did", LUSITANIA, "--did-web-dir", str(did_dir),
                 "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert len(json.loads(out.read_text())["proof"]) == 2
    main(["verify", str(out), "--did-web-dir", str(did_dir), "--json"])  # now: after the co-signature
    report = json.loads(capsys.readouterr().out)
    proof = next(c for c in report["credentials"][0]["checks"] if c["name"] == "proof")
    assert proof["details"]["cosealing"]["signedBy"] == [LEAD, LUSITANIA]


def test_cli_verify_text_names_who_signed(tmp_path: Path, seals: dict[str, SealIdentity], ca: DemoCA,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    one = cosign(_jades_issued(seals), seals[RHEINAU], now=NOW).artefact
    path = tmp_path / "joint.jades.json"
    path.write_text(json.dumps(one))
    anchor = tmp_path / "ca.pem"
    from edcissuer.crypto.x509 import certificates_pem
    anchor.write_bytes(certificates_pem([ca.certificate]))
    main(["verify", str(path), "--trust-anchor", str(anchor)])
    text = capsys.readouterr().out
    assert f"signed by: {LEAD}, {RHEINAU}; NOT signed by: {LUSITANIA}" in text


def test_a_seal_with_more_signatures_than_awarding_bodies_could_need_is_refused(seals: dict[str, SealIdentity],
                                                                               ca: DemoCA) -> None:
    from edcissuer.proofs.jades.envelope import MAX_SIGNATURES
    sealed = _jades_issued(seals)
    flood = {**sealed, "signatures": sealed["signatures"] * (MAX_SIGNATURES + 1)}
    structure = verify_document(flood, _jades_options(ca)).checks
    failed = next(c for c in structure if c.name == CheckId.PROOF_STRUCTURE)
    assert not failed.passed and f"at most {MAX_SIGNATURES}" in failed.reason
