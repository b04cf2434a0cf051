"""SD-JWT VC: issue from the sample records, verify through `edcissuer.verify`, and every tampering named.

The issuer key is resolved the way a wallet's verifier would: from the issuer's
jwt-vc-issuer metadata (`{issuer, jwks}`), given locally.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from edcissuer.checks import CheckId
from edcissuer.crypto.keys import KeyPair
from edcissuer.errors import SigningError
from edcissuer.mapping.extract import extract_elements
from edcissuer.mapping.ob3 import to_ob3
from edcissuer.models.records import MicroCredentialRecord, load_record, with_issuer_id
from edcissuer.sdjwt import (
    EDC_VCT,
    EUDI_VCT,
    SdJwtVc,
    issue_sd_jwt_vc,
    issuer_metadata,
    jwks_resolver,
    present,
)
from edcissuer.sdjwt.core import Disclosure, sign_compact
from edcissuer.verify import VerifyOptions, verify_all, verify_document

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples" / "records").glob("*.yaml"))
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
ISSUER = "https://issuer.univ.example"
VERIFIER = "https://admissions.example.org"
NONCE = "n-0S6_WzA2Mj"


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    return KeyPair.generate("P-256")


@pytest.fixture(scope="module")
def holder() -> KeyPair:
    return KeyPair.generate("P-256")


@pytest.fixture(scope="module")
def record() -> MicroCredentialRecord:
    return load_record(ROOT / "samples" / "records" / "model1-single.yaml")


@pytest.fixture(scope="module")
def vc(record: MicroCredentialRecord, issuer_key: KeyPair, holder: KeyPair) -> SdJwtVc:
    return issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=NOW)


def options(key: KeyPair, *, kid: str | None = None, **extra: Any) -> VerifyOptions:
    kid = kid or str(key.to_jwcrypto().thumbprint())
    return VerifyOptions(now=NOW, resolver=jwks_resolver(issuer_metadata(ISSUER, {kid: key}), issuer=ISSUER), **extra)


def checks_of(text: str, opts: VerifyOptions) -> dict[str, Any]:
    [result] = verify_all(text, opts)
    return {c.name: c for c in result.checks}


def failed(text: str, opts: VerifyOptions) -> dict[str, str]:
    [result] = verify_all(text, opts)
    assert not result.verified, result.to_text()
    return {c.name: c.reason for c in result.failures}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def resign(vc: SdJwtVc, key: KeyPair, *, header: dict[str, Any] | None = None,
           payload: dict[str, Any] | None = None, disclosures: list[str] | None = None) -> str:
    """The credential with a changed header/payload, signed again by `key` (an issuer gone wrong)."""
    jwt = sign_compact({**vc.header, **(header or {})}, payload if payload is not None else vc.payload, key)
    return "~".join([jwt, *(disclosures if disclosures is not None else [d.encoded for d in vc.disclosures])]) + "~"


# --- round trips ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_every_sample_record_round_trips_with_its_elements(path: Path, issuer_key: KeyPair, holder: KeyPair):
    record = load_record(path)
    vc = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=NOW)
    [result] = verify_all(vc.serialize(), options(issuer_key))
    assert result.verified, result.to_text()
    assert result.format == "sd-jwt-vc" and result.proof_type == "sd-jwt"
    got, want = result.elements, extract_elements(to_ob3(with_issuer_id(record, ISSUER)))   # one issuer: iss
    assert got is not None
    lang = record.language
    assert got["title"] == {lang: record.title[lang]}
    assert got["countries"] == want.countries
    assert [b["id"] for b in got["awarding_bodies"]] == [b.id for b in want.awarding_bodies]
    assert got["issued"] == record.issued.date().isoformat()
    assert [o["title"][lang] for o in got["learning_outcomes"]] == [o.title[lang] for o in record.learning_outcomes]
    assert got["ects"] == want.ects and got["eqf"] == want.eqf == record.level.eqf
    assert got["qf_ehea"] == record.level.qf_ehea
    assert got["assessment"]["uri"] == want.assessment.uri
    assert got["participation"]["uri"] == want.participation.uri
    assert got["quality_assurance"]["type"]["code"] == record.quality_assurance.type
    assert got["learner"]["name"] == {lang: f"{record.learner.given_name[lang]} {record.learner.family_name[lang]}"}
    assert checks_of(vc.serialize(), options(issuer_key))[CheckId.ELEMENTS].details["withheld"] == []


def test_the_header_and_payload_are_what_the_eudi_wallet_expects(vc: SdJwtVc, holder: KeyPair):
    assert vc.header["typ"] == "dc+sd-jwt" and vc.header["alg"] == "ES256" and vc.header["kid"]
    payload = vc.payload
    assert payload["vct"] == EDC_VCT and payload["iss"] == ISSUER and payload["_sd_alg"] == "sha-256"
    assert payload["cnf"] == {"jwk": holder.to_jwk()}
    assert payload["_sd"] == sorted(payload["_sd"])          # order says nothing about the claims
    for personal in ("family_name", "given_name", "learner_identification", "assessment_grade", "birthdate"):
        assert personal not in payload and personal in vc.disclosed
    for plain in ("issuing_authority", "achievement_title", "language_of_classes", "awarding_bodies"):
        assert plain in payload and plain not in vc.disclosed
    assert isinstance(vc.disclosed["level_of_learning_experience"], int)
    assert isinstance(vc.disclosed["integration_stackability_options"], bool)
    assert isinstance(vc.disclosed["learning_outcomes"], list)       # an array is disclosed as a whole


def test_an_ed25519_issuer_signs_eddsa(record: MicroCredentialRecord, holder: KeyPair):
    key = KeyPair.generate("Ed25519")
    vc = issue_sd_jwt_vc(record, signer=key, issuer=ISSUER, holder=holder, now=NOW)
    assert vc.header["alg"] == "EdDSA"
    assert verify_all(vc.serialize(), options(key))[0].verified


def test_a_did_key_issuer_needs_no_metadata(record: MicroCredentialRecord, holder: KeyPair):
    key = KeyPair.generate("Ed25519")
    vc = issue_sd_jwt_vc(record, signer=key, issuer=key.did_key, holder=holder, now=NOW)
    assert vc.header["kid"] == key.verification_method
    [result] = verify_all(vc.serialize(), VerifyOptions(now=NOW))
    assert result.verified, result.to_text()


def test_the_plain_eudi_type_carries_only_eudi_claims(record: MicroCredentialRecord, issuer_key: KeyPair,
                                                      holder: KeyPair):
    vc = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=NOW, vct=EUDI_VCT)
    claims = {**vc.payload, **vc.disclosed}
    assert claims["vct"] == EUDI_VCT and "ects_credits" not in claims and "awarding_bodies" not in claims
    [result] = verify_all(vc.serialize(), options(issuer_key))
    # authentic, but the EUDI type lacks three Annex I elements: why our type extends it
    assert [c.name for c in result.failures] == [CheckId.ELEMENTS]
    assert result.failures[0].details["missing"] == ["g) notional workload (ECTS)", "i) type of assessment",
                                                     "j) form of participation"]


def test_exp_is_the_records_valid_until_when_earlier(record: MicroCredentialRecord, issuer_key: KeyPair):
    until = NOW + timedelta(days=10)
    short = record.model_copy(update={"valid_until": until})
    vc = issue_sd_jwt_vc(short, signer=issuer_key, issuer=ISSUER, holder=None, now=NOW)
    assert vc.payload["exp"] == int(until.timestamp()) and "cnf" not in vc.payload
    assert vc.payload["date_of_expiry"] == until.date().isoformat()


def test_status_reference_is_in_the_clear(record: MicroCredentialRecord, issuer_key: KeyPair):
    vc = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=None, now=NOW,
                         status={"idx": 7, "uri": "https://issuer.univ.example/status/tsl/1"})
    assert vc.payload["status"] == {"status_list": {"idx": 7, "uri": "https://issuer.univ.example/status/tsl/1"}}
    reasons = failed(vc.serialize(), options(issuer_key))   # no fetcher: never passes silently
    assert "no status source was configured" in reasons[CheckId.STATUS]
    with pytest.raises(SigningError):
        issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=None, now=NOW, status={"idx": -1, "uri": "x"})


def test_decoys_add_digests_but_no_disclosures(record: MicroCredentialRecord, issuer_key: KeyPair):
    vc = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=None, now=NOW, decoys=5)
    assert len(vc.payload["_sd"]) == len(vc.disclosures) + 5
    assert verify_all(vc.serialize(), options(issuer_key))[0].verified


# --- presentations -----------------------------------------------------------------------------

def test_a_presentation_withholding_the_learner_name_says_so(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    shown = [n for n in vc.disclosed if n not in ("family_name", "given_name", "learner_identification")]
    text = present(vc, shown, holder_key=holder, audience=VERIFIER, nonce=NONCE, now=NOW)
    [result] = verify_all(text, options(issuer_key, challenge=NONCE, domain=VERIFIER))
    assert result.verified, result.to_text()
    checks = {c.name: c for c in result.checks}
    assert checks[CheckId.KEY_BINDING].passed
    assert checks[CheckId.ELEMENTS].details["withheld"] == ["a) identification of the learner"]
    assert {"family_name", "learner_identification"} <= set(checks[CheckId.ELEMENTS].details["withheldClaims"])
    assert "withheld by the holder: a) identification of the learner" in checks[CheckId.ELEMENTS].reason
    assert result.elements is not None and result.elements["learner"] is None
    assert result.elements["title"]   # the programme facts are still there


def test_a_presentation_of_nothing_selective_still_verifies(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    text = present(vc, [], holder_key=holder, audience=VERIFIER, nonce=NONCE, now=NOW)
    [result] = verify_all(text, options(issuer_key, challenge=NONCE, domain=VERIFIER))
    assert result.verified, result.to_text()
    assert len(result.checks[-1].details["withheld"]) >= 4


def test_presenting_an_unknown_claim_is_refused(vc: SdJwtVc, holder: KeyPair):
    with pytest.raises(SigningError, match="famly_name"):
        present(vc, ["famly_name"], holder_key=holder, audience=VERIFIER, nonce=NONCE, now=NOW)


# --- tampering: each refused, naming the check ----------------------------------------------------

def test_a_changed_disclosure_value_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    forged = Disclosure.make("family_name", "Somebody Else")
    parts = [forged.encoded if d.name == "family_name" else d.encoded for d in vc.disclosures]
    text = "~".join([vc.jwt, *parts]) + "~"
    assert "referenced by no digest" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


def test_a_disclosure_edited_in_place_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    original = next(d for d in vc.disclosures if d.name == "assessment_grade")
    salt, name, _ = json.loads(unb64(original.encoded))
    edited = b64(json.dumps([salt, name, "20/20"]).encode())
    text = vc.serialize().replace(original.encoded, edited)
    assert CheckId.DISCLOSURES in failed(text, options(issuer_key))


def test_a_duplicated_disclosure_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = vc.serialize() + vc.disclosures[0].encoded + "~"
    # the appended copy sits where a KB-JWT would; put it among the disclosures instead
    text = "~".join([vc.jwt, *(d.encoded for d in vc.disclosures), vc.disclosures[0].encoded]) + "~"
    assert "given twice" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


def test_an_unreferenced_disclosure_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = "~".join([vc.jwt, Disclosure.make("is_admin", True).encoded]) + "~"
    assert "referenced by no digest" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


def test_a_changed_payload_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    head, body, sig = vc.jwt.split(".")
    payload = {**vc.payload, "achievement_title": "Quantum Physics"}
    forged = ".".join([head, b64(json.dumps(payload).encode()), sig])
    text = vc.serialize().replace(vc.jwt, forged)
    assert "does not verify" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_alg_none_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    head = b64(json.dumps({"alg": "none", "typ": "dc+sd-jwt", "kid": vc.header["kid"]}).encode())
    body = vc.jwt.split(".")[1]
    text = vc.serialize().replace(vc.jwt, f"{head}.{body}.{b64(b'x')}")
    assert "alg 'none' refused" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_a_wrong_typ_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = resign(vc, issuer_key, header={"typ": "JWT"})
    assert "typ 'JWT'" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_another_key_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    other = KeyPair.generate("P-256")
    text = resign(vc, other)
    assert "does not verify" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_an_unknown_kid_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = resign(vc, issuer_key, header={"kid": "not-listed"})
    assert "not in the issuer's jwks" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_a_kid_of_another_issuer_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = resign(vc, issuer_key, header={"kid": "https://evil.example#k1"})
    assert "not a key of the issuer" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_an_expired_credential_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    later = replace(options(issuer_key), now=NOW + timedelta(days=400))
    assert "expired" in failed(vc.serialize(), later)[CheckId.VALIDITY]


def test_a_credential_from_the_future_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    earlier = replace(options(issuer_key), now=NOW - timedelta(hours=1))
    assert "issued in the future" in failed(vc.serialize(), earlier)[CheckId.VALIDITY]


def test_another_sd_alg_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = resign(vc, issuer_key, payload={**vc.payload, "_sd_alg": "sha-512"})
    assert "_sd_alg" in failed(text, options(issuer_key))[CheckId.PROOF]


def test_a_reserved_disclosure_name_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    bad = Disclosure.make("_sd", ["x"])
    text = resign(vc, issuer_key, payload={**vc.payload, "_sd": sorted([*vc.payload["_sd"], bad.digest])},
                  disclosures=[bad.encoded])
    assert "reserved name" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


def test_a_hidden_status_claim_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    bad = Disclosure.make("status", {"status_list": {"idx": 1, "uri": "https://x.example"}})
    text = resign(vc, issuer_key, payload={**vc.payload, "_sd": sorted([*vc.payload["_sd"], bad.digest])},
                  disclosures=[bad.encoded])
    assert "must not be disclosed selectively" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


def test_a_digest_referenced_twice_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    first = vc.disclosures[0]
    payload = {**vc.payload, "nested": {"_sd": [first.digest]}}
    text = resign(vc, issuer_key, payload=payload, disclosures=[first.encoded])
    assert "more than once" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


def test_a_disclosed_claim_shadowing_a_clear_one_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    bad = Disclosure.make("achievement_title", "Other")
    text = resign(vc, issuer_key, payload={**vc.payload, "_sd": sorted([*vc.payload["_sd"], bad.digest])},
                  disclosures=[bad.encoded])
    assert "also in the clear" in failed(text, options(issuer_key))[CheckId.DISCLOSURES]


# --- key binding ------------------------------------------------------------------------------------

def kb_presentation(vc: SdJwtVc, holder: KeyPair, **kw: Any) -> str:
    args = {"audience": VERIFIER, "nonce": NONCE, "now": NOW, **kw}
    return present(vc, ["family_name"], holder_key=holder, **args)


def test_kb_jwt_with_another_audience_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    text = kb_presentation(vc, holder, audience="https://other.example")
    reason = failed(text, options(issuer_key, challenge=NONCE, domain=VERIFIER))[CheckId.KEY_BINDING]
    assert "aud" in reason


def test_kb_jwt_with_another_nonce_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    text = kb_presentation(vc, holder, nonce="old-nonce")
    assert "replayed" in failed(text, options(issuer_key, challenge=NONCE, domain=VERIFIER))[CheckId.KEY_BINDING]


def test_kb_jwt_by_another_key_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    text = kb_presentation(vc, KeyPair.generate("P-256"))
    reason = failed(text, options(issuer_key, challenge=NONCE, domain=VERIFIER))[CheckId.KEY_BINDING]
    assert "does not verify" in reason


def test_kb_jwt_over_other_disclosures_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    text = kb_presentation(vc, holder)
    prefix, kb = text.rsplit("~", 1)
    extra = next(d.encoded for d in vc.disclosures if d.name == "given_name")
    tampered = f"{prefix}~{extra}~{kb}"                 # a disclosure added after the holder signed
    reason = failed(tampered, options(issuer_key, challenge=NONCE, domain=VERIFIER))[CheckId.KEY_BINDING]
    assert "sd_hash" in reason


def test_kb_jwt_with_a_dropped_disclosure_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    text = present(vc, ["family_name", "given_name"], holder_key=holder, audience=VERIFIER, nonce=NONCE, now=NOW)
    jwt, first, _second, kb = text.split("~")
    reason = failed(f"{jwt}~{first}~{kb}", options(issuer_key, challenge=NONCE, domain=VERIFIER))
    assert "sd_hash" in reason[CheckId.KEY_BINDING]


def test_a_stale_kb_jwt_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    text = kb_presentation(vc, holder, now=NOW - timedelta(hours=1))
    assert "iat" in failed(text, options(issuer_key, challenge=NONCE, domain=VERIFIER))[CheckId.KEY_BINDING]


def test_a_kb_jwt_with_a_wrong_typ_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    prefix = present(vc, ["family_name"], holder_key=None, audience=None, nonce=None, now=NOW)
    kb = sign_compact({"alg": "ES256", "typ": "JWT"}, {"iat": int(NOW.timestamp()), "aud": VERIFIER,
                                                        "nonce": NONCE, "sd_hash": "x"}, holder)
    reason = failed(prefix + kb, options(issuer_key, challenge=NONCE, domain=VERIFIER))[CheckId.KEY_BINDING]
    assert "typ" in reason


def test_a_verifier_expecting_key_binding_refuses_a_bare_credential(vc: SdJwtVc, issuer_key: KeyPair):
    assert "carries none" in failed(vc.serialize(), options(issuer_key, challenge=NONCE,
                                                           domain=VERIFIER))[CheckId.KEY_BINDING]


def test_a_kb_jwt_without_a_nonce_to_check_is_refused(vc: SdJwtVc, issuer_key: KeyPair, holder: KeyPair):
    assert "no audience and nonce" in failed(kb_presentation(vc, holder), options(issuer_key))[CheckId.KEY_BINDING]


def test_verify_document_and_a_file_accept_the_compact_form(vc: SdJwtVc, issuer_key: KeyPair, tmp_path: Path):
    path = tmp_path / "credential.sd-jwt"
    path.write_text(vc.serialize() + "\n")
    assert verify_all(path, options(issuer_key))[0].verified
    assert verify_document(vc.serialize().encode(), options(issuer_key)).verified


def test_garbage_after_the_tilde_is_a_named_refusal(vc: SdJwtVc, issuer_key: KeyPair):
    reasons = failed(vc.jwt + "~%%%~", options(issuer_key))
    assert CheckId.DISCLOSURES in reasons or CheckId.INPUT in reasons


def test_the_disclosure_digest_is_sha256_of_its_ascii_text(vc: SdJwtVc):
    d = vc.disclosures[0]
    assert d.digest == b64(hashlib.sha256(d.encoded.encode("ascii")).digest())
    assert d.digest in vc.payload["_sd"]


def test_deeply_nested_claims_are_a_named_refusal(vc: SdJwtVc, issuer_key: KeyPair):
    bad = Disclosure.make("nested", "x")
    text = "~".join([vc.jwt, b64(("[" * 100_000 + "]" * 100_000).encode()), bad.encoded]) + "~"
    reasons = failed(text, options(issuer_key))
    assert "not base64url JSON" in reasons[CheckId.DISCLOSURES]


def test_a_kb_jwt_with_alg_none_is_refused(vc: SdJwtVc, issuer_key: KeyPair):
    prefix = present(vc, ["family_name"], holder_key=None, audience=None, nonce=None, now=NOW)
    head = b64(json.dumps({"alg": "none", "typ": "kb+jwt"}).encode())
    body = b64(json.dumps({"iat": int(NOW.timestamp()), "aud": VERIFIER, "nonce": NONCE}).encode())
    reasons = failed(f"{prefix}{head}.{body}.{b64(b'x')}", options(issuer_key, challenge=NONCE, domain=VERIFIER))
    assert "alg 'none' refused" in reasons[CheckId.KEY_BINDING]


def test_the_issuer_metadata_must_be_the_issuers(issuer_key: KeyPair):
    from edcissuer.errors import VerificationError

    with pytest.raises(VerificationError, match="not 'https://other.example'"):
        jwks_resolver(issuer_metadata(ISSUER, {"k": issuer_key}), issuer="https://other.example")
