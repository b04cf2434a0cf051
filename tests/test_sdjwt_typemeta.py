"""Type metadata and JSON Schema: what we publish agrees with what we issue and with the EUDI type."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from edcissuer.crypto.keys import KeyPair
from edcissuer.models.records import load_record
from edcissuer.sdjwt import (
    EDC_VCT,
    EUDI_VCT,
    claims_schema,
    edc_type_metadata,
    eudi_type_metadata,
    issue_sd_jwt_vc,
    issuer_metadata,
    jwks_resolver,
    type_metadata,
    verify_sd_jwt_vc,
)
from edcissuer.sdjwt.claims import EDC_CLAIMS, EUDI_CLAIMS
from edcissuer.sdjwt.typemeta import integrity, serialize

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "samples" / "records").glob("*.yaml"))
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)
ISSUER = "https://issuer.univ.example"


def by_path(doc: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(c["path"]): c for c in doc["claims"]}


def test_our_type_extends_the_eudi_learning_credential():
    doc = edc_type_metadata()
    assert doc["vct"] == EDC_VCT and doc["extends"] == EUDI_VCT
    assert {d["locale"] for d in doc["display"]} == {"en", "de", "fr", "es", "it", "nl", "pl", "pt"}
    assert "schema" not in doc and "schema_uri" not in doc       # dropped from SD-JWT VC in draft -12
    for entry in doc["claims"]:
        assert entry["sd"] in ("always", "never") and isinstance(entry["mandatory"], bool)
        assert entry["display"][0]["locale"] == "en" and entry["display"][0]["label"]


def test_our_type_changes_no_inherited_claim():
    """An extending type may not redefine an inherited claim's sd (sd-jwt-js refuses it)."""
    ours, eudi = by_path(edc_type_metadata()), by_path(eudi_type_metadata())
    assert not set(ours) & set(eudi)


def test_the_bundled_eudi_metadata_agrees_with_the_claim_table():
    doc = eudi_type_metadata()
    assert doc["vct"] == EUDI_VCT and type_metadata(EUDI_VCT) == doc
    claims = by_path(doc)
    for spec in EUDI_CLAIMS:
        assert (claims[(spec.name,)]["sd"], claims[(spec.name,)]["mandatory"]) == (spec.sd, spec.mandatory)
    # research A.3: arrays are SD as a whole, their elements plain
    for name in ("learning_outcomes", "language_of_classes", "types_of_quality_assurance", "prerequisites_to_enroll"):
        assert claims[(name, None)]["sd"] == "never"
    for name in ("jti", "iat", "exp", "vct", "iss", "cnf"):
        assert claims[(name,)] == {**claims[(name,)], "sd": "never", "mandatory": True}


def test_extends_integrity_is_the_sri_digest_of_the_served_eudi_document():
    doc = edc_type_metadata(extends_integrity=True)
    served = serialize(eudi_type_metadata())
    assert doc["extends#integrity"] == "sha256-" + base64.b64encode(hashlib.sha256(served).digest()).decode()
    assert integrity(served) == doc["extends#integrity"]


def test_personal_data_is_always_selectively_disclosable():
    sd = {c.name: c.sd for c in (*EUDI_CLAIMS, *EDC_CLAIMS)}
    for name in ("family_name", "given_name", "learner_identification", "assessment_grade", "birthdate"):
        assert sd[name] == "always"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_the_disclosed_claims_validate_against_our_schema(path: Path):
    key, holder = KeyPair.generate("P-256"), KeyPair.generate("Ed25519")
    vc = issue_sd_jwt_vc(load_record(path), signer=key, issuer=ISSUER, holder=holder, now=NOW,
                         status={"idx": 0, "uri": f"{ISSUER}/status/1"})
    kid = vc.header["kid"]
    result = verify_sd_jwt_vc(vc.serialize(), resolver=jwks_resolver(issuer_metadata(ISSUER, {kid: key})), now=NOW)
    assert result.claims is not None
    schema = claims_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(result.claims)


def test_the_schema_refuses_wrong_types_and_a_private_holder_key():
    key, holder = KeyPair.generate("P-256"), KeyPair.generate("P-256")
    vc = issue_sd_jwt_vc(load_record(SAMPLES[0]), signer=key, issuer=ISSUER, holder=holder, now=NOW)
    claims = {k: v for k, v in vc.payload.items() if not k.startswith("_")} | vc.disclosed
    validator = jsonschema.Draft202012Validator(claims_schema())
    assert validator.is_valid(claims)
    assert not validator.is_valid({**claims, "level_of_learning_experience": "6"})
    assert not validator.is_valid({**claims, "cnf": {"jwk": holder.to_jwk(private=True)}})
    assert not validator.is_valid({**claims, "vct": EUDI_VCT})
    withheld = {k: v for k, v in claims.items() if k != "family_name"}
    assert validator.is_valid(withheld)        # a withheld claim is no schema error


def test_a_plain_eudi_credential_validates_against_the_eudi_schema():
    key = KeyPair.generate("P-256")
    vc = issue_sd_jwt_vc(load_record(SAMPLES[0]), signer=key, issuer=ISSUER, holder=None, now=NOW, vct=EUDI_VCT)
    claims = {k: v for k, v in vc.payload.items() if not k.startswith("_")} | vc.disclosed
    jsonschema.Draft202012Validator(claims_schema(EUDI_VCT)).validate(claims)
    assert type_metadata("urn:unknown") is None


def _resigned(claims: dict[str, Any], key: KeyPair) -> str:
    from edcissuer.sdjwt.core import sign_compact

    return sign_compact({"alg": "ES256", "typ": "dc+sd-jwt", "kid": "k1"}, claims, key) + "~"


def test_the_verifier_runs_the_schema_as_the_conformance_check():
    from edcissuer.checks import CheckId
    from edcissuer.verify import VerifyOptions, verify_all

    key = KeyPair.generate("P-256")
    vc = issue_sd_jwt_vc(load_record(SAMPLES[0]), signer=key, issuer=ISSUER, holder=None, now=NOW)
    claims = {k: v for k, v in vc.payload.items() if not k.startswith("_")}
    options = VerifyOptions(now=NOW, resolver=jwks_resolver(issuer_metadata(ISSUER, {"k1": key})))
    [ok] = verify_all(_resigned(claims, key), options)
    assert next(c for c in ok.checks if c.name == CheckId.CONFORMANCE).passed
    [wrong] = verify_all(_resigned({**claims, "assessment_type": "exam"}, key), options)
    reason = next(c.reason for c in wrong.failures if c.name == CheckId.CONFORMANCE)
    assert "assessment_type" in reason
    [other] = verify_all(_resigned({**claims, "vct": "urn:example:other:1"}, key), options)
    assert "no JSON Schema is known for the type 'urn:example:other:1'" in next(
        c.reason for c in other.failures if c.name == CheckId.CONFORMANCE)
