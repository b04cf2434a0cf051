"""An SD-JWT VC goes through recognition like ELM and OB3: its issuer is checked against the
trust list and its disclosed claims are the elements the policy weighs."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from edcissuer.models.records import load_record
from edcissuer.recognition import assess_documents, load_policy, load_trust_list
from edcissuer.sdjwt import issue_sd_jwt_vc, present
from edcissuer.verify import VerifyOptions

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=timezone.utc)


def _issued(demo_keys):  # type: ignore[no-untyped-def]
    record = load_record(ROOT / "samples" / "records" / "model1-single.yaml")
    return issue_sd_jwt_vc(record, signer=demo_keys.issuer, issuer=demo_keys.issuer.did_key,
                           holder=demo_keys.learners["ana"], now=NOW)


def test_an_sd_jwt_vc_of_a_listed_issuer_is_trusted_and_its_elements_are_weighed(demo_keys) -> None:
    report = assess_documents([("ana.sd-jwt", _issued(demo_keys).serialize())],
                              trust=load_trust_list(ROOT / "samples" / "trust-list.toml"),
                              policy=load_policy(ROOT / "samples" / "policies" / "employer-lenient.toml"),
                              options=VerifyOptions(now=NOW))
    [entry] = report.credentials
    out = entry.to_dict()["outcome"]
    assert out["authentic"] and out["issuerTrusted"] == "trusted", entry.to_dict()["checks"]
    assert entry.elements is not None and entry.elements.ects == 5 and entry.elements.eqf == 6


def test_a_presentation_that_withholds_the_learner_is_still_weighed_on_what_it_discloses(demo_keys) -> None:
    issued = _issued(demo_keys)
    shown = present(issued.serialize(), disclose=[], holder_key=demo_keys.learners["ana"],
                    audience="https://admissions.example.org", nonce="n-1", now=NOW)
    report = assess_documents([("ana.presented", shown)],
                              trust=load_trust_list(ROOT / "samples" / "trust-list.toml"),
                              options=VerifyOptions(now=NOW, challenge="n-1", domain="https://admissions.example.org"))
    [entry] = report.credentials
    checks = {c.name: c for c in entry.checks}
    assert entry.to_dict()["outcome"]["authentic"], [c for c in entry.checks if not c.passed]
    assert "a)" in str(checks["elements"].details.get("withheld"))
    assert entry.elements is not None and entry.elements.learner is None


def test_a_policy_can_require_what_the_holder_withheld(demo_keys) -> None:
    from edcissuer.recognition.policy import parse_policy

    policy = parse_policy({"policy": {"name": "needs the learner"}, "rules": {"disclosure": {"require": ["learner"]}}},
                          source="inline")
    issued = _issued(demo_keys)
    ana, aud = demo_keys.learners["ana"], "https://admissions.example.org"
    withheld = present(issued.serialize(), disclose=[], holder_key=ana, audience=aud, nonce="n-2", now=NOW)
    shown = present(issued.serialize(), disclose=["given_name", "family_name", "learner_identification"],
                    holder_key=ana, audience=aud, nonce="n-2", now=NOW)
    report = assess_documents([("withheld", withheld), ("shown", shown)], policy=policy,
                              options=VerifyOptions(now=NOW, challenge="n-2", domain=aud))
    decisions = {c.source: c.decision for c in report.credentials}
    reasons = {r.rule: r for r in decisions["withheld"].reasons}
    assert not reasons["disclosure"].passed and "a) identification of the learner" in reasons["disclosure"].reason
    assert {r.rule: r for r in decisions["shown"].reasons}["disclosure"].passed
