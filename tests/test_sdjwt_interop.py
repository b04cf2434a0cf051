"""Interop with the `sd-jwt` reference implementation (PyPI, OpenWallet Foundation labs), both ways.

Not our code on both ends: its issuer, holder and verifier meet ours. It is a test-only
dependency (the `test` extra); without it these tests skip with one line.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from edcissuer.checks import CheckId
from edcissuer.crypto.keys import KeyPair
from edcissuer.models.records import load_record
from edcissuer.sdjwt import EDC_VCT, issue_sd_jwt_vc, issuer_metadata, jwks_resolver, present, record_claims
from edcissuer.sdjwt.claims import CLAIMS
from edcissuer.verify import VerifyOptions, verify_all

sd_jwt = pytest.importorskip("sd_jwt", reason="the sd-jwt package (test extra) is not installed")
from sd_jwt.common import SDObj  # noqa: E402
from sd_jwt.holder import SDJWTHolder  # noqa: E402
from sd_jwt.issuer import SDJWTIssuer  # noqa: E402
from sd_jwt.verifier import SDJWTVerifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
ISSUER = "https://issuer.univ.example"
VERIFIER = "https://admissions.example.org"
NONCE = "interop-nonce-1"
KID = "key-1"


@pytest.fixture(scope="module")
def keys() -> tuple[KeyPair, KeyPair]:
    return KeyPair.generate("P-256"), KeyPair.generate("P-256")


@pytest.fixture(scope="module")
def record() -> Any:
    return load_record(ROOT / "samples" / "records" / "model2-cooperative.yaml")


def ours_options(issuer_key: KeyPair, now: datetime, **extra: Any) -> VerifyOptions:
    return VerifyOptions(now=now, resolver=jwks_resolver(issuer_metadata(ISSUER, {KID: issuer_key})), **extra)


def test_the_reference_verifier_accepts_our_credential_and_presentation(keys: tuple[KeyPair, KeyPair], record: Any):
    issuer_key, holder = keys
    vc = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=NOW, kid=KID)
    text = present(vc, ["family_name", "learning_outcomes"], holder_key=holder, audience=VERIFIER, nonce=NONCE,
                   now=datetime.now(timezone.utc))   # the reference verifier checks no iat; any time will do
    seen: list[dict[str, Any]] = []

    def issuer_key_for(iss: str, header: dict[str, Any]) -> Any:
        seen.append({"iss": iss, **header})
        return issuer_key.to_jwcrypto()

    payload = SDJWTVerifier(text, issuer_key_for, expected_aud=VERIFIER, expected_nonce=NONCE).get_verified_payload()
    assert seen == [{"iss": ISSUER, "alg": "ES256", "typ": "dc+sd-jwt", "kid": KID}]
    assert payload["family_name"] == record.learner.family_name["en"]
    assert payload["learning_outcomes"] == [o.title["en"] for o in record.learning_outcomes]
    assert "given_name" not in payload and payload["vct"] == EDC_VCT
    with pytest.raises(Exception):   # and it too refuses our presentation for another nonce
        SDJWTVerifier(text, issuer_key_for, expected_aud=VERIFIER, expected_nonce="other")


def test_our_verifier_accepts_a_presentation_the_reference_holder_made(keys: tuple[KeyPair, KeyPair], record: Any):
    issuer_key, holder = keys
    vc = issue_sd_jwt_vc(record, signer=issuer_key, issuer=ISSUER, holder=holder, now=NOW, kid=KID)
    wallet = SDJWTHolder(vc.serialize())
    wallet.create_presentation({"given_name": True, "family_name": True}, nonce=NONCE, aud=VERIFIER,
                               holder_key=holder.to_jwcrypto(private=True), sign_alg="ES256")
    now = datetime.now(timezone.utc)     # its KB-JWT iat is the wall clock
    [result] = verify_all(wallet.sd_jwt_presentation, ours_options(issuer_key, now, challenge=NONCE, domain=VERIFIER))
    checks = {c.name: c for c in result.checks}
    assert checks[CheckId.KEY_BINDING].passed, checks[CheckId.KEY_BINDING].reason
    assert checks[CheckId.DISCLOSURES].details["disclosed"] == ["family_name", "given_name"]
    assert result.elements is not None and result.elements["learner"]["name"] == {"en": "Jonas Keller"}


def test_our_verifier_accepts_a_credential_the_reference_issuer_signed(keys: tuple[KeyPair, KeyPair], record: Any):
    issuer_key, holder = keys
    claims = record_claims(record)
    user_claims: dict[Any, Any] = {(SDObj(k) if CLAIMS[k].sd == "always" else k): v for k, v in claims.items()}
    user_claims.update({"iss": ISSUER, "iat": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 86400,
                        "vct": EDC_VCT})
    issued = SDJWTIssuer(user_claims, issuer_key.to_jwcrypto(private=True), holder_key=holder.to_jwcrypto(),
                         sign_alg="ES256", add_decoy_claims=True,
                         extra_header_parameters={"typ": "dc+sd-jwt", "kid": KID})
    [result] = verify_all(issued.sd_jwt_issuance, ours_options(issuer_key, NOW))
    assert result.verified, result.to_text()
    assert result.elements is not None and result.elements["ects"] == record.workload.ects


def test_our_verifier_refuses_what_the_reference_verifier_lets_through(keys: tuple[KeyPair, KeyPair], record: Any):
    """The reference verifier checks no exp and no typ; ours names both."""
    issuer_key, _ = keys
    claims = {"iss": ISSUER, "iat": 1_600_000_000, "exp": 1_600_000_100, "vct": EDC_VCT, SDObj("family_name"): "X"}
    issued = SDJWTIssuer(claims, issuer_key.to_jwcrypto(private=True), sign_alg="ES256",
                         extra_header_parameters={"kid": KID})     # typ stays example+sd-jwt
    SDJWTVerifier(issued.sd_jwt_issuance, lambda iss, header: issuer_key.to_jwcrypto()).get_verified_payload()
    [result] = verify_all(issued.sd_jwt_issuance, ours_options(issuer_key, NOW))
    assert {c.name for c in result.failures} == {CheckId.PROOF}
    assert "typ 'example+sd-jwt'" in result.failures[0].reason
    issued = SDJWTIssuer(claims, issuer_key.to_jwcrypto(private=True), sign_alg="ES256",
                         extra_header_parameters={"kid": KID, "typ": "dc+sd-jwt"})
    [result] = verify_all(issued.sd_jwt_issuance, ours_options(issuer_key, NOW))
    assert CheckId.VALIDITY in {c.name for c in result.failures}
