"""`edcissuer verify`: files and folders, policy and trust list, JSON/text, stack, exit codes 0-5."""
from __future__ import annotations

import json
import subprocess
import sys

import jsonschema
import pytest
from conftest import NOW as NOW_DT, ROOT
from recognition_helpers import LENIENT, SCHEMA, STRICT, TRUST, issue_demo_set

from edcissuer.cli import main

NOW = "2026-11-24T12:00:00Z"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, records, demo_keys):
    folder = tmp_path_factory.mktemp("cli")
    return folder, issue_demo_set(folder, records, demo_keys)


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def validate(report):
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(report)
    return report


def test_folder_with_policy_and_trust_shows_each_decision_and_exits_five(demo, capsys):
    folder, _ = demo
    code, out, _ = run(capsys, "verify", folder, "--policy", STRICT, "--trust", TRUST, "--now", NOW)
    assert code == 5  # all authentic, trusted and complete; the cooperative credential is not recognised
    assert out.count("NOT RECOGNISED") == 2 and out.count("recognised with conditions") == 2
    assert "[FAIL] trusted_partners: delivering partner Vistula" in out
    assert "[COND] learning_outcomes:" in out and "-> condition: learning outcomes not aligned" in out
    assert "University of Lusitania (trusted)" in out


def test_recognised_credential_exits_zero_with_a_schema_valid_json_report(demo, capsys):
    _, files = demo
    code, out, _ = run(capsys, "verify", files["model1-single.ob3"], "--policy", STRICT, "--trust", TRUST,
                       "--now", NOW, "--json")
    assert code == 0
    report = validate(json.loads(out))
    assert report["outcome"] == "recognised" and report["ok"] is True
    entry = report["credentials"][0]
    assert entry["decision"] == "recognised" and len(entry["reasons"]) == 11
    assert entry["elements"]["ects"] == 5 and entry["elements"]["eqf"] == 6
    assert entry["trust"]["issuer"]["institution"] == "University of Lusitania"


def test_with_conditions_is_still_exit_zero(demo, capsys):
    _, files = demo
    code, out, _ = run(capsys, "verify", files["model3-joint.elm"], "--policy", STRICT, "--trust", TRUST, "--now", NOW)
    assert code == 0 and "recognised with conditions" in out


def test_without_policy_verification_only_and_existing_flags_still_work(demo, capsys):
    _, files = demo
    anchor = ROOT / "keys" / "demo-ca.DEMO-ONLY.pem"
    # schema 3: an anchored seal without a trust list is authentic, but nobody said whose it is: exit 3
    code, out, _ = run(capsys, "verify", files["model1-single.elm"], "--trust-anchor", anchor, "--now", NOW, "--json",
                       "--did-web-dir", ROOT)
    assert code == 3
    report = validate(json.loads(out))
    entry = report["credentials"][0]
    assert report["policy"] is None and entry["decision"] == "not verified"
    assert entry["outcome"] == {"authentic": True, "issuerTrusted": "unchecked", "complete": True,
                                "recognition": None, "accepted": False, "exitCode": 3}
    code, out, _ = run(capsys, "verify", files["model1-single.elm"], "--now", NOW)  # no anchor: chain unchecked
    assert code == 3 and "[--] check trust.chain: no trust anchor configured" not in out
    assert "authentic: yes; issuer: unchecked; complete: yes" in out
    code, out, _ = run(capsys, "verify", files["model1-single.elm"], "--trust", TRUST, "--now", NOW, "--json")
    assert code == 0 and validate(json.loads(out))["credentials"][0]["decision"] == "verified"


def test_stack_reports_total_towards_the_target(demo, capsys):
    folder, _ = demo
    code, out, _ = run(capsys, "verify", folder, "--policy", LENIENT, "--trust", TRUST, "--now", NOW, "--stack",
                       "--json")
    report = validate(json.loads(out))
    assert code == 5 and report["stack"]["totalEcts"] == 5 and report["stack"]["reached"] is False
    assert report["summary"]["result"] == "stack target not reached"
    assert report["stack"]["target"] == {"ects": 10, "eqf": 4,
                                         "name": "Upskilling track: data and sustainability"}


def test_verbose_text_lists_every_check_and_rule(demo, capsys):
    _, files = demo
    _, out, _ = run(capsys, "verify", files["model1-single.ob3"], "--policy", STRICT, "--trust", TRUST, "--now", NOW,
                    "-v")
    assert "[ok] check proof:" in out and "[ok] check trust.issuer:" in out and "[ok] max_age:" in out


# --------------------------------------------------------------------------- bad input


@pytest.fixture
def messy(demo, tmp_path, demo_keys, records):
    """One folder with a good credential and one of each kind of bad input."""
    _, files = demo
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a-good.jsonld").write_text(files["model1-single.ob3"].read_text())
    (folder / "b-malformed.json").write_text('{"@context": [')
    (folder / "c-not-a-credential.json").write_text('{"hello": "world"}')
    tampered = json.loads(files["model1-single.ob3"].read_text())
    tampered["credentialSubject"]["achievement"]["creditsAvailable"] = 60
    (folder / "d-tampered.jsonld").write_text(json.dumps(tampered))
    (folder / "e-oversized.json").write_text('{"x": "' + "a" * 5_000_001 + '"}')
    from edcissuer.issue import map_record, secure

    credential = map_record(records["model1-single"], "elm")
    credential["@context"] = [*credential["@context"], "https://example.org/unknown-context.jsonld"]
    sealed = secure(credential, demo_keys.seal, fmt="elm", proof="jades", now=NOW_DT)
    (folder / "f-unknown-context.json").write_text(sealed.serialize())
    (folder / "g-binary.jwt").write_bytes(b"\xff\xfe\x00junk")
    (folder / "h-deep.json").write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    (folder / "notes.txt").write_text("not looked at")
    return folder


def test_each_bad_file_gets_an_entry_with_a_clear_reason_and_the_good_one_is_still_judged(messy, capsys):
    code, out, _ = run(capsys, "verify", messy, "--policy", STRICT, "--trust", TRUST, "--now", NOW, "--json")
    assert code == 1
    report = validate(json.loads(out))
    by_name = {e["source"].rsplit("/", 1)[-1]: e for e in report["credentials"]}
    assert sorted(by_name) == ["a-good.jsonld", "b-malformed.json", "c-not-a-credential.json", "d-tampered.jsonld",
                               "e-oversized.json", "f-unknown-context.json", "g-binary.jwt", "h-deep.json"]
    assert by_name["a-good.jsonld"]["decision"] == "recognised"

    def reason(name):
        entry = by_name[name]
        assert entry["decision"] == "not recognised" and entry["outcome"]["authentic"] is False
        assert entry["outcome"]["exitCode"] == 1
        return " ".join(f"{r['rule']}: {r['reason']}" for r in entry["reasons"])

    assert "malformed JSON" in reason("b-malformed.json")
    assert "not a micro-credential" in reason("c-not-a-credential.json")
    assert "input is nested too deeply" in reason("h-deep.json")
    assert "proof: signature does not match" in reason("d-tampered.jsonld")
    assert "over the 5000000-byte limit" in reason("e-oversized.json")
    assert "https://example.org/unknown-context.jsonld" in reason("f-unknown-context.json")
    assert "not UTF-8" in reason("g-binary.jwt")


def test_a_missing_path_is_reported_not_raised(tmp_path, capsys):
    code, out, _ = run(capsys, "verify", tmp_path / "nope.json", "--now", NOW)
    assert code == 1 and "cannot read file" in out


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize("extra, message", [
    (["--policy", "missing.toml"], "cannot read policy"),
    (["--trust", "missing.toml"], "cannot read trust list"),
    (["--trust-anchor", "missing.pem"], "--trust-anchor: cannot read"),
    (["--status-dir", "missing-dir"], "--status-dir missing-dir: not a folder"),
])
def test_unusable_configuration_is_a_usage_error(demo, capsys, extra, message):
    _, files = demo
    code, _, err = run(capsys, "verify", files["model1-single.ob3"], *extra)
    assert code == 2 and message in err


def test_bad_policy_content_is_a_usage_error_naming_the_key(demo, capsys, tmp_path):
    _, files = demo
    bad = tmp_path / "p.toml"
    bad.write_text('[policy]\nname = "x"\n[rules.ects]\nminimum = 3\n')
    code, _, err = run(capsys, "verify", files["model1-single.ob3"], "--policy", bad)
    assert code == 2 and "rules.ects.minimum: is not a known key" in err


def test_status_dir_builds_the_status_checker_when_available(demo, capsys, tmp_path):
    _, files = demo
    code, _, err = run(capsys, "verify", files["model1-single.ob3"], "--status-dir", tmp_path, "--now", NOW)
    try:
        import edcissuer.status.bitstring  # noqa: F401
    except ImportError:
        assert code == 2 and "edcissuer.status.bitstring" in err
    else:
        assert code == 3, err  # no status entry, so the checker is never asked; no trust list: 3


def test_argparse_errors_exit_two_without_traceback(demo):
    _, files = demo
    for args in (["verify"], ["verify", files["model1-single.ob3"], "--now", "yesterday"]):
        proc = subprocess.run([sys.executable, "-m", "edcissuer", *map(str, args)], capture_output=True, text=True,
                              timeout=120, cwd=ROOT)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
