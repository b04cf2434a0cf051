"""Hostile shapes never raise in recognition: an issuer that is a list, an id that is an object, a
subject that is a string... Each becomes a report entry with a reason; the other files are still judged.

The credentials start as real signed ones and are then mutated, so the proof fails; what is
pinned here is that trust matching, partners, stacking and the policy still run over what
was parsed (or are skipped with a reason), in the library and in the CLI.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import NOW, ROOT
from recognition_helpers import SCHEMA, STRICT, TRUST, options

from edcissuer.cli import main
from edcissuer.issue import issue
from edcissuer.models.elements import Elements
from edcissuer.recognition import TrustProbe, assess, load_trust_list
from edcissuer.recognition.stacking import learner_identity
from edcissuer.verify import Parsed


def _issuer(c: dict[str, Any]) -> dict[str, Any]:
    return c["issuer"] if isinstance(c.get("issuer"), dict) else {}


def _subject(c: dict[str, Any]) -> dict[str, Any]:
    s = c.get("credentialSubject")
    return s if isinstance(s, dict) else {}


MUTATIONS = {
    "issuer-is-a-list": lambda c: c.__setitem__("issuer", [c["issuer"], "did:web:other.example"]),
    "issuer-is-a-number": lambda c: c.__setitem__("issuer", 42),
    "issuer-id-is-a-list": lambda c: _issuer(c).__setitem__("id", ["did:web:a.example", "did:web:b.example"]),
    "issuer-id-is-an-object": lambda c: _issuer(c).__setitem__("id", {"id": "did:web:a.example"}),
    "issuer-id-is-a-number": lambda c: _issuer(c).__setitem__("id", 7),
    "issuer-address-is-a-string": lambda c: _issuer(c).__setitem__("address", "1 Main Street"),
    "issuer-address-is-a-list-of-numbers": lambda c: _issuer(c).__setitem__("address", [1, 2]),
    "issuer-location-is-a-string": lambda c: _issuer(c).__setitem__("location", "Lisbon"),
    "subject-is-a-string": lambda c: c.__setitem__("credentialSubject", "Ana"),
    "subject-is-a-list-of-numbers": lambda c: c.__setitem__("credentialSubject", [1, 2]),
    "subject-id-is-a-number": lambda c: _subject(c).__setitem__("id", 12),
    "subject-identifier-is-a-number": lambda c: _subject(c).__setitem__("identifier", 5),
    "credential-id-is-a-number": lambda c: c.__setitem__("id", 5),
}

SIGNED = [("ob3", "eddsa-rdfc-2022"), ("elm", "eddsa-rdfc-2022"), ("elm", "jades")]


def _mutate(text: str, proof: str, mutation: str) -> str:
    """Apply `mutation` to the credential: in the JAdES payload for seals, else to the document."""
    doc = json.loads(text)
    if proof == "jades":
        credential = json.loads(doc["payload"])
        MUTATIONS[mutation](credential)
        doc["payload"] = json.dumps(credential)
    else:
        MUTATIONS[mutation](doc)
    return json.dumps(doc)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, records, demo_keys) -> tuple[Path, dict[str, Path]]:
    """A folder with one good credential and every mutation of the joint credential, in each format."""
    folder = tmp_path_factory.mktemp("hostile")
    good = issue(records["model1-single"], fmt="ob3", signer=demo_keys.issuer, proof="eddsa-rdfc-2022", now=NOW)
    (folder / "a-good.jsonld").write_text(good.serialize())
    files = {}
    for fmt, proof in SIGNED:
        signer = demo_keys.seal if proof == "jades" else demo_keys.issuer
        text = issue(records["model3-joint"], fmt=fmt, signer=signer, proof=proof, now=NOW).serialize()
        for mutation in MUTATIONS:
            path = folder / f"{fmt}-{proof}-{mutation}.json"
            path.write_text(_mutate(text, proof, mutation))
            files[f"{fmt}-{proof}-{mutation}"] = path
    return folder, files


@pytest.fixture(scope="module")
def validator():
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
@pytest.mark.parametrize("fmt, proof", SIGNED)
def test_a_mutated_credential_becomes_an_entry_with_a_reason_never_an_exception(hostile, validator, fmt, proof,
                                                                                mutation):
    _, files = hostile
    report = assess(files[f"{fmt}-{proof}-{mutation}"], policy=STRICT, trust=TRUST, options=options(), stack=True)
    (entry,) = report.credentials
    assert not entry.authentic and entry.exit_code == 1 and report.exit_code == 5  # stack: nothing counts
    assert entry.decision.outcome == "not recognised"
    assert entry.decision.reasons and all(r.reason.strip() for r in entry.decision.reasons)
    assert report.stack is not None and report.stack.entries[0].reason.startswith("failed verification:")
    data = report.to_dict()
    assert not list(validator.iter_errors(data))
    assert data["credentials"][0]["outcome"]["issuerTrusted"] in ("untrusted", "unchecked")
    assert report.to_text(verbose=True)
    trust = next((c for c in entry.checks if c.name == "trust.issuer"), None)
    if trust is not None:  # the credential was parsed: trust ran over it and said why it is not trusted
        assert not trust.passed and trust.reason


@pytest.mark.parametrize("mutation", ["issuer-is-a-number", "issuer-location-is-a-string",
                                      "subject-identifier-is-a-number"])
def test_trust_and_policy_still_run_over_a_parsed_hostile_credential(hostile, mutation):
    _, files = hostile
    report = assess(files[f"ob3-eddsa-rdfc-2022-{mutation}"], policy=STRICT, trust=TRUST, options=options())
    (entry,) = report.credentials
    names = [c.name for c in entry.checks]
    assert "trust.issuer" in names and "trust.partners" in names
    assert entry.trust is not None and entry.trust.checked and not entry.trust.issuer_trusted


def test_the_cli_reports_every_hostile_file_and_still_judges_the_good_one(hostile, capsys, validator):
    folder, files = hostile
    code = main(["verify", str(folder), "--trust", str(TRUST), "--policy", str(STRICT), "--now",
                 "2026-11-24T12:00:00Z", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and not list(validator.iter_errors(report))
    by_name = {Path(e["source"]).name: e for e in report["credentials"]}
    assert len(by_name) == len(files) + 1
    assert by_name["a-good.jsonld"]["decision"] == "recognised"
    for name, entry in by_name.items():
        if name != "a-good.jsonld":
            assert entry["outcome"]["authentic"] is False and entry["reasons"], name


def test_the_cli_never_shows_a_traceback_for_hostile_files(hostile):
    folder, _ = hostile
    proc = subprocess.run([sys.executable, "-m", "edcissuer", "verify", str(folder), "--trust", str(TRUST),
                           "--policy", str(STRICT), "--stack", "--now", "2026-11-24T12:00:00Z"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert proc.returncode == 5 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "result: stack target not reached (exit 5)" in proc.stdout


HOSTILE_CREDENTIALS = [
    {"type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": ["did:web:a.example", 3]},
    {"type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": {"id": {"x": 1}, "address": "here"}},
    {"type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": 42, "credentialSubject": "Ana"},
    {"type": ["VerifiableCredential", "EuropeanDigitalCredential"], "issuer": {"id": ["a", "b"]},
     "credentialSubject": [1, 2]},
    {"type": 7, "issuer": None},
    {},
]


@pytest.mark.parametrize("credential", HOSTILE_CREDENTIALS, ids=range(len(HOSTILE_CREDENTIALS)))
def test_the_trust_checks_answer_a_failed_check_for_any_shape(credential):
    probe = TrustProbe(load_trust_list(TRUST))
    parsed = Parsed("data-integrity", copy.deepcopy(credential), credential)
    issuer = probe.issuer_check(parsed, options())
    partners = probe.partners_check(parsed, options())
    assert not issuer.passed and issuer.reason and issuer.details["state"] == "untrusted"
    assert partners.reason
    assert probe.seen[-1].findings.checked and not probe.seen[-1].findings.issuer_trusted


@pytest.mark.parametrize("credential", HOSTILE_CREDENTIALS + [
    {"credentialSubject": {"identifier": 5}},
    {"credentialSubject": {"identifier": {"identityType": "emailAddress", "hashed": True, "identityHash": 1}}},
    {"credentialSubject": [{"identifier": [{"identityType": "emailAddress", "hashed": True,
                                            "identityHash": "sha256$00", "salt": 3}]}]},
], ids=range(len(HOSTILE_CREDENTIALS) + 3))
def test_the_learner_identity_reads_any_shape(credential):
    identity = learner_identity(credential, Elements(format="ob3"))
    assert identity.display == "(unnamed learner)"
    assert all(isinstance(h, str) and isinstance(s, str) for h, s in identity.email_hashes)
