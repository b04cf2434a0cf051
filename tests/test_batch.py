"""Batch issuance: CSV + programme, bad rows, idempotent re-runs, resume, revoke -> verify, kill -9."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import NOW, ROOT, SAMPLES

from edcissuer.batch import (
    CSV_COLUMNS,
    check_columns,
    load_programme,
    planned_credential_id,
    read_rows,
    record_data,
    run_batch,
)
from edcissuer.cli import main
from edcissuer.errors import InputError, RecordValidationError
from edcissuer.issue import issue
from edcissuer.ledger import Ledger
from edcissuer.models.records import parse_record
from edcissuer.status.bitstring import make_status_checker
from edcissuer.status.publish import StatusListSettings
from edcissuer.verify import VerifyOptions, verify

PROGRAMME = ROOT / "samples" / "batch" / "programme.yaml"
COHORT = ROOT / "samples" / "batch" / "cohort.csv"
KEY = ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"
BASE = "https://credentials.univ-lusitania.example/status"
GOOD_ROWS = 18


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs(folder: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted(folder.glob("*.jsonld"))}


class Runner:
    """run(**overrides) -> BatchReport: the sample cohort into tmp_path (out/, ledger.sqlite)."""

    def __init__(self, keys, tmp_path: Path) -> None:
        self.keys, self.out, self.ledger_path = keys, tmp_path / "out", tmp_path / "ledger.sqlite"

    def __call__(self, rows=None, programme=PROGRAMME, workers=1, signer=None, **kw):
        signer = signer or self.keys.issuer
        settings = StatusListSettings(BASE, self.out / "status", signer)
        with Ledger.open(self.ledger_path) as ledger:
            return run_batch(load_programme(programme) if programme else None, read_rows(rows or COHORT),
                             formats=kw.pop("formats", ["elm", "ob3"]), signer=signer, out_dir=self.out,
                             ledger=ledger, status_lists=settings, now=kw.pop("now", NOW), workers=workers, **kw)

    def ledger(self) -> Ledger:
        return Ledger.open(self.ledger_path)


@pytest.fixture
def run(demo_keys, tmp_path) -> Runner:
    return Runner(demo_keys, tmp_path)


def test_sample_cohort_issues_every_good_row_in_both_formats_and_reports_the_bad_ones(run):
    report, out = run(), run.out
    assert (report.rows, report.issued, report.skipped, report.refused_rows) == (20, 2 * GOOD_ROWS, 0, 2)
    assert len(outputs(out)) == 2 * GOOD_ROWS
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert [(e["row"], e["line"]) for e in errors] == [(8, 9), (14, 15)]
    assert "e-mail address" in errors[0]["reason"] and errors[0]["column"] == "email"
    assert errors[1]["column"] == "family_name" and errors[1]["reason"] == "is missing"
    with run.ledger() as ledger:
        assert ledger.counts()["issued"] == 2 * GOOD_ROWS and ledger.pending() == []
        entries = list(ledger.entries())
    assert len({(e.status_list, e.status_index) for e in entries}) == len(entries)
    assert sorted(p.name for p in (out / "status").iterdir())[-1] == "index.json"


def test_issued_credentials_verify_with_their_status_entries(run):
    run()
    out = run.out
    checker = make_status_checker(status_dir=out / "status")
    for path in sorted(out.glob("*.jsonld"))[:4]:
        cred = json.loads(path.read_text())
        if "EuropeanDigitalCredential" in cred["type"]:   # EDC-generic-full: one xsd:anyURI, the revocation entry
            assert cred["credentialStatus"]["type"] == "xsd:anyURI"
            assert cred["credentialStatus"]["@value"].split("#")[0].endswith("-revocation")
        else:
            assert [e["statusPurpose"] for e in cred["credentialStatus"]] == ["revocation", "suspension"]
        result = verify(path, VerifyOptions(now=NOW, status_checker=checker))
        assert result.verified, result.to_text()
        assert any(c.name == "status" and c.passed for c in result.checks)


def test_rows_become_records_with_the_programme_and_per_row_overrides():
    programme = load_programme(PROGRAMME)
    rows = list(read_rows(COHORT))
    ana = parse_record(record_data(programme, rows[0].data))
    assert ana.learner.given_name == {"en": "Ana"} and ana.learner.student_id == "UC-2026-00417"
    assert ana.grade and ana.grade.value == {"en": "17/20"} and ana.grade.scheme == programme["grade"]["scheme"]
    assert ana.participation == "blended"
    diogo = parse_record(record_data(programme, rows[3].data))
    assert diogo.participation == "online"
    rita = parse_record(record_data(programme, rows[16].data))
    assert rita.issued.isoformat() == "2026-07-03T09:30:00+00:00"
    with pytest.raises(RecordValidationError):
        parse_record(record_data(programme, rows[7].data))


def test_unknown_csv_columns_are_refused_before_anything_is_issued(tmp_path, run):
    bad = tmp_path / "typo.csv"
    bad.write_text("given_name,family_name,emial\nAna,Ferreira,a@example.org\n")
    with pytest.raises(InputError, match="unknown column 'emial'"):
        run(rows=bad)
    assert check_columns(list(CSV_COLUMNS)) == []
    assert check_columns(["given_name", "family_name", "workload.ects"]) == []


def test_a_programme_that_would_fail_every_row_is_refused_up_front(tmp_path, run):
    programme = yaml.safe_load(PROGRAMME.read_text())
    programme["workload"]["ects"] = 0
    bad = tmp_path / "programme.yaml"
    bad.write_text(yaml.safe_dump(programme))
    with pytest.raises(RecordValidationError, match="programme: g\\) notional workload"):
        run(programme=bad)


def test_rerunning_the_same_batch_issues_nothing_twice(run):
    run()
    before = outputs(run.out)
    again = run(now=NOW.replace(hour=18))
    assert (again.issued, again.skipped, again.refused_rows) == (0, 2 * GOOD_ROWS, 2)
    assert outputs(run.out) == before
    with run.ledger() as ledger:
        assert sum(ledger.counts().values()) == 2 * GOOD_ROWS


def test_a_lost_output_file_is_rewritten_byte_for_byte(run):
    run()
    before = outputs(run.out)
    sorted(run.out.glob("*.elm.jsonld"))[0].unlink()
    report = run(now=NOW.replace(hour=18))
    assert (report.issued, report.rewritten, report.skipped) == (0, 1, 2 * GOOD_ROWS - 1)
    assert outputs(run.out) == before


def test_an_interrupted_run_resumes_with_the_same_ids_indices_and_bytes(run):
    calls = {"n": 0}

    def crash(kind: str, n: int) -> None:
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt   # Ctrl-C after some files are written, before the ledger marks them

    with pytest.raises(KeyboardInterrupt):
        run(progress=crash)
    written = outputs(run.out)
    with run.ledger() as ledger:
        reserved = {(e.credential_id, e.format): (e.status_list, e.status_index) for e in ledger.entries()}
        pending = ledger.pending()
    assert written and len(pending) == 2 * GOOD_ROWS
    report = run(now=NOW.replace(hour=20))
    assert report.resumed == len(pending) and report.issued == len(pending)
    with run.ledger() as ledger:
        after = {(e.credential_id, e.format): (e.status_list, e.status_index) for e in ledger.entries()}
        assert ledger.pending() == [] and ledger.counts()["issued"] == 2 * GOOD_ROWS
    assert after == reserved
    final = outputs(run.out)
    assert {name: final[name] for name in written} == written     # same bytes: same id, index and proof time
    for path in run.out.glob("*.ob3.jsonld"):
        cred = json.loads(path.read_text())
        assert after[(cred["id"], "ob3")][1] == int(cred["credentialStatus"][0]["statusListIndex"])
        assert cred["proof"][0]["created"] == "2026-11-24T12:00:00Z"    # the reservation's time, not the resume's


def test_resuming_with_another_issuers_key_is_refused_not_signed(run):
    from edcissuer.crypto.keys import KeyPair

    def crash(kind: str, n: int) -> None:
        if kind == "issued":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(progress=crash)
    report = run(signer=KeyPair.generate())
    assert report.issued == 0 and report.resumed == 0 and report.refused_rows == 20
    assert any("reserved by issuer" in e.reason for e in report.errors)
    with run.ledger() as ledger:
        assert len(ledger.pending()) >= 2 * GOOD_ROWS - 1    # still waiting for the right key
    assert run().issued == 2 * GOOD_ROWS


def test_the_same_row_twice_refuses_both_copies_and_issues_the_rest(tmp_path, run):
    rows = COHORT.read_text().splitlines()
    doubled = tmp_path / "doubled.csv"
    doubled.write_text("\n".join([rows[0], rows[1], rows[1], rows[2]]) + "\n")
    report = run(rows=doubled)
    assert (report.issued, report.skipped, report.refused_rows) == (2, 0, 2) and len(outputs(run.out)) == 2
    assert {(e.row, e.reason) for e in report.errors} == {(1, "row 2 repeats row 1: remove one of them"),
                                                          (2, "row 2 repeats row 1: remove one of them")}


def test_full_records_from_a_yaml_list(tmp_path, run):
    records = tmp_path / "records.yaml"
    records.write_text(yaml.safe_dump({"records": [yaml.safe_load(p.read_text()) for p in SAMPLES]},
                                      allow_unicode=True))
    report = run(rows=records, programme=None)
    assert (report.rows, report.issued, report.refused_rows) == (len(SAMPLES), 2 * len(SAMPLES), 0)


def test_batch_and_issue_agree_on_credential_ids(records, demo_keys):
    record = records["model2-cooperative"]
    for fmt in ("elm", "ob3"):
        issued = issue(record, fmt=fmt, signer=demo_keys.issuer, now=NOW)
        assert planned_credential_id(record, demo_keys.issuer, issued.proof, None) == issued.credential_id


def test_two_workers_issue_the_same_cohort(run):
    report = run(workers=2)
    assert report.issued == 2 * GOOD_ROWS and len(outputs(run.out)) == 2 * GOOD_ROWS
    checker = make_status_checker(status_dir=run.out / "status")
    path = sorted(run.out.glob("*.ob3.jsonld"))[0]
    assert verify(path, VerifyOptions(now=NOW, status_checker=checker)).verified


# --- CLI: batch, revoke, suspend, reinstate -----------------------------------------------------------

def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_batch_then_revoke_then_verify_reports_revoked(tmp_path, capsys):
    out = tmp_path / "out"
    code, text, _ = cli(capsys, "batch", PROGRAMME, COHORT, "--format", "both", "--key", KEY, "--out", out,
                        "--status-url", BASE, "--now", "2026-11-24T12:00:00Z", "--workers", "1", "--no-progress")
    assert code == 6 and "issued:    36" in text and "refused:   2 row(s)" in text   # 6: partly issued
    ledger = out / "ledger.sqlite"
    target = sorted(out.glob("*.ob3.jsonld"))[0]
    cid = json.loads(target.read_text())["id"]
    common = ["--ledger", ledger, "--key", KEY, "--status-dir", out / "status"]

    def status_of(path: Path, when: str = "2026-11-25T09:00:00Z") -> tuple[bool, str]:
        checker = make_status_checker(status_dir=out / "status")
        from datetime import datetime

        result = verify(path, VerifyOptions(now=datetime.fromisoformat(when.replace("Z", "+00:00")),
                                            status_checker=checker))
        status = next(c for c in result.checks if c.name == "status")
        return result.verified, status.reason

    assert status_of(target) == (True, "not revoked or suspended (revocation, suspension checked)")
    code, text, err = cli(capsys, "suspend", cid, "--reason", "under review", *common, "--now", "2026-11-25T08:00:00Z")
    assert code == 0 and "(ob3): suspended - under review" in text
    assert "the ELM copy cannot show a suspension" in err     # said, not left for the registrar to find out
    verified, reason = status_of(target)
    assert not verified and reason.startswith("SUSPENDED")
    assert cli(capsys, "reinstate", cid, *common, "--now", "2026-11-25T08:30:00Z")[0] == 0
    assert status_of(target)[0]
    code, text, _ = cli(capsys, "revoke", cid, "--reason", "issued in error", *common,
                        "--now", "2026-11-25T08:45:00Z")
    assert code == 0 and "(elm): revoked - issued in error" in text
    for fmt in ("elm", "ob3"):
        verified, reason = status_of(target.with_name(target.name.replace(".ob3.", f".{fmt}.")))
        assert not verified and reason.startswith("REVOKED"), reason
    other = sorted(out.glob("*.ob3.jsonld"))[1]
    assert status_of(other)[0]                                  # the rest of the cohort is untouched
    code, _, err = cli(capsys, "reinstate", cid, *common)
    assert code == 1 and "revocation is final" in err
    code, text, _ = cli(capsys, "status", "show", cid, "--ledger", ledger)
    shown = json.loads(text)
    assert {e["state"] for e in shown["entries"]} == {"revoked"} and "Ferreira" not in text


def test_cli_batch_needs_a_status_url_or_no_status(tmp_path, capsys):
    code, _, err = cli(capsys, "batch", PROGRAMME, COHORT, "--format", "ob3", "--key", KEY, "--out", tmp_path)
    assert code == 2 and "--status-url" in err  # a usage error
    code, text, _ = cli(capsys, "batch", PROGRAMME, COHORT, "--format", "ob3", "--key", KEY, "--out", tmp_path,
                        "--no-status", "--json", "--workers", "1", "--now", "2026-11-24T12:00:00Z")
    summary = json.loads(text)
    assert summary["issued"] == GOOD_ROWS and summary["statusLists"] == []
    assert "credentialStatus" not in json.loads(next(tmp_path.glob("*.ob3.jsonld")).read_text())


# --- kill -9 and resume: a real subprocess ------------------------------------------------------------

def _big_cohort(path: Path, n: int) -> None:
    """n valid rows in the sample cohort's shape (distinct learners)."""
    with COHORT.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        good = [r for r in reader if r["family_name"] and "(at)" not in r["email"]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for i in range(n):
            row = dict(good[i % len(good)])
            row.update(student_id=f"UC-2026-{10000 + i}", learner_id="",
                       email=f"learner{i}@example.org", family_name=f"{row['family_name']} {i}")
            writer.writerow(row)


def _batch_cmd(rows: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "edcissuer", "batch", str(PROGRAMME), str(rows), "--format", "both",
            "--key", str(KEY), "--out", str(out), "--status-url", BASE, "--workers", "2",
            "--now", "2026-11-24T12:00:00Z", "--no-progress"]


@pytest.mark.slow
def test_kill_9_mid_batch_then_resume_issues_everything_exactly_once(tmp_path):
    rows, out, n = tmp_path / "cohort.csv", tmp_path / "out", 150
    _big_cohort(rows, n)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    seen_at_kill: dict[str, str] = {}
    for threshold in (40, 160):     # kill twice, at different depths, before letting it finish
        proc = subprocess.Popen(_batch_cmd(rows, out), cwd=ROOT, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(out.glob("*.jsonld"))) >= threshold:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"batch finished before the kill: {proc.stderr.read().decode()[-2000:]}"
        os.killpg(proc.pid, signal.SIGKILL)      # the whole job: main process and signing workers
        proc.wait(10)
        seen_at_kill.update({p.name: sha(p) for p in out.glob("*.jsonld")})
    with Ledger.open(out / "ledger.sqlite") as ledger:
        assert ledger.pending(), "the kill should leave reserved-but-unfinished entries"
        reserved = {(e.credential_id, e.format): (e.status_list, e.status_index) for e in ledger.entries()}

    done = subprocess.run(_batch_cmd(rows, out) + ["--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["refusedRows"] == 0 and summary["resumed"] > 0

    with Ledger.open(out / "ledger.sqlite") as ledger:
        entries = list(ledger.entries())
        assert ledger.pending() == []
    assert len(entries) == 2 * n and {e.state for e in entries} == {"issued"}
    assert len({(e.record_hash, e.format) for e in entries}) == 2 * n            # every record once per format
    assert len({(e.status_list, e.status_index) for e in entries}) == 2 * n      # no index reused
    for e in entries:                                          # reservations kept their id and index
        if (e.credential_id, e.format) in reserved:
            assert reserved[(e.credential_id, e.format)] == (e.status_list, e.status_index)
    files = outputs(out)
    assert len(files) == 2 * n
    assert {e.output_path: e.output_sha256 for e in entries} == files          # ledger and disk agree
    for name, digest in seen_at_kill.items():                # nothing written before a kill was re-issued differently
        assert files[name] == digest
    for e in entries[:: max(1, len(entries) // 10)]:
        cred = json.loads((out / e.output_path).read_text())
        assert cred["id"] == e.credential_id
        status = cred["credentialStatus"]
        if e.format == "elm":      # one URI reference, <list URL>#<index> (docs/status-lists.md)
            assert status["@value"].rsplit("#", 1)[1] == str(e.status_index)
        else:
            assert {s["statusListIndex"] for s in status} == {str(e.status_index)}
