"""The CLI: exit codes 0/1/2, elements named on refusal, never a traceback for a user error."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys

import yaml

from conftest import ROOT, SAMPLES

KEY = ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"


def run(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, "-m", "edcissuer", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_keys_new_writes_a_0600_key_and_prints_only_public_data(tmp_path):
    out = tmp_path / "k.pem"
    proc = run("keys", "new", "-o", out)
    assert proc.returncode == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    info = json.loads(proc.stdout)
    assert info["did"].startswith("did:key:z6Mk")
    assert "PRIVATE" not in proc.stdout and "d" not in info


def test_an_rsa_key_issues_an_rs256_open_badge_jwt_that_verifies(tmp_path):
    key, out = tmp_path / "rsa.pem", tmp_path / "c.jwt"
    proc = run("keys", "new", "--alg", "RSA", "-o", key)
    assert proc.returncode == 0 and json.loads(proc.stdout)["algorithm"] == "RSA"
    assert run("issue", SAMPLES[0], "--format", "ob3", "--key", key, "-o", out).returncode == 0  # default: jwt
    header = json.loads(base64.urlsafe_b64decode(out.read_text().split(".")[0] + "=="))
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    report = json.loads(run("verify", out, "--json").stdout)
    assert report["credentials"][0]["outcome"]["authentic"] is True


def test_keys_new_refuses_to_overwrite(tmp_path):
    out = tmp_path / "k.pem"
    assert run("keys", "new", "-o", out).returncode == 0
    proc = run("keys", "new", "-o", out)
    assert proc.returncode == 2 and "give --force" in proc.stderr


def test_issue_then_verify_round_trip_is_authentic_with_the_issuer_unchecked(tmp_path):
    out = tmp_path / "c.jsonld"
    assert run("issue", SAMPLES[0], "--format", "ob3", "--key", KEY, "-o", out).returncode == 0
    proc = run("verify", out, "--json")
    # report schema 3: authentic, but without --trust nobody said whose key it is: exit 3, not 0
    assert proc.returncode == 3, proc.stdout
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["credentials"][0]["outcome"]["authentic"] is True
    assert report["credentials"][0]["outcome"]["issuerTrusted"] == "unchecked"


def test_verify_of_a_tampered_credential_exits_one_naming_the_proof(tmp_path):
    out = tmp_path / "c.jsonld"
    run("issue", SAMPLES[0], "--format", "ob3", "--key", KEY, "-o", out)
    doc = json.loads(out.read_text())
    doc["credentialSubject"]["achievement"]["creditsAvailable"] = 30
    out.write_text(json.dumps(doc))
    proc = run("verify", out)
    assert proc.returncode == 1
    assert "FAIL] proof" in proc.stdout


def test_issue_refuses_a_record_missing_an_element_and_names_it(tmp_path):
    data = yaml.safe_load(SAMPLES[0].read_text())
    del data["quality_assurance"]
    rec = tmp_path / "r.yaml"
    rec.write_text(yaml.safe_dump(data))
    proc = run("issue", rec, "--format", "elm", "--key", KEY)
    assert proc.returncode == 1
    assert "k) type of quality assurance: is missing" in proc.stderr


def test_usage_error_exits_two():
    proc = run("issue", SAMPLES[0], "--format", "pdf", "--key", KEY)
    assert proc.returncode == 2


def test_missing_record_file_is_a_usage_error_not_a_traceback(tmp_path):
    proc = run("issue", tmp_path / "nope.yaml", "--format", "ob3", "--key", KEY)
    assert proc.returncode == 2 and "cannot read file" in proc.stderr


def test_elm_with_seal_defaults_to_jades(tmp_path):
    out = tmp_path / "e.json"
    proc = run("issue", SAMPLES[1], "--format", "elm", "--seal-cert", ROOT / "keys/demo-seal-cert.DEMO-ONLY.pem",
               "--seal-key", ROOT / "keys/demo-seal-key.DEMO-ONLY.pem", "-o", out)
    assert proc.returncode == 0, proc.stderr
    sealed = json.loads(out.read_text())
    assert "signatures" in sealed and "payload" in sealed
    ok = run("verify", out, "--trust-anchor", ROOT / "keys/demo-ca.DEMO-ONLY.pem")
    assert ok.returncode == 3 and "authentic: yes; issuer: unchecked" in ok.stdout, ok.stdout  # no --trust: 3


def test_demo_issues_and_verifies_every_sample_in_both_formats(tmp_path):
    proc = run("demo", "--out", tmp_path / "demo")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "10/10 credentials verified" in proc.stdout     # 5 sample records × ELM and OB3
    # one decision of each kind, exports that verify, a revocation the verifier sees
    for text in ("  recognised", "recognised with conditions", "not recognised", "baked badge (PNG)",
                 "same VP, other challenge             refused",
                 "18 valid rows × 2 formats = 36 credentials: 0 issued, 36 skipped as already issued",
                 "status: REVOKED"):
        assert text in proc.stdout, text


def test_did_web_issuer_publishes_its_document_and_verifies_offline(tmp_path):
    did = "did:web:credentials.univ-lusitania.example"
    mirror = tmp_path / "did-web"
    doc_path = mirror / "credentials.univ-lusitania.example" / ".well-known" / "did.json"
    assert run("keys", "did-web", did, KEY, "-o", doc_path).returncode == 0
    out = tmp_path / "c.jsonld"
    assert run("issue", SAMPLES[0], "--format", "ob3", "--key", KEY, "--issuer-did", did, "-o", out).returncode == 0
    cred = json.loads(out.read_text())
    assert cred["issuer"]["id"] == did and cred["proof"][0]["verificationMethod"].startswith(did + "#")
    assert run("verify", out, "--did-web-dir", mirror).returncode == 3  # authentic; no --trust, so issuer unchecked
    # without the published document, the key cannot be resolved and nothing is fetched
    proc = run("verify", out)
    assert proc.returncode == 1 and "FAIL] proof" in proc.stdout


def test_version_is_printed_and_exits_zero():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("edcissuer ") and result.stdout.split()[1][0].isdigit()
