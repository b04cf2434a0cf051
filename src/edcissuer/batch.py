"""Batch issuance at registrar scale: a cohort in, one signed credential per learner and format out.

Why this shape. A registrar issues a whole cohort at once and must never lose or
duplicate a credential, even when the run is killed half-way. So every credential
goes through three steps, each durable before the next:

1. reserve: the ledger records (record hash, format) -> credential id + a random
   status-list index, in a transaction, *before* anything is signed;
2. sign and write: the credential is signed (in worker processes) and written to
   the output folder atomically (temporary file + rename);
3. complete: the ledger marks the entry issued, with the output's SHA-256.

A re-run finds every record by its content hash: issued ones are skipped (their file
is checked, and rewritten byte-for-byte if it went missing), reserved-but-unfinished
ones are re-signed with the SAME credential id, index and proof time. Bad rows are
reported (row, field, reason) and skipped; the rest are issued. Two rows naming the same
learner (student id, e-mail or learner id), or repeating each other, are both refused:
issuing twice, or picking one, would be a guess about which row the registrar meant.

Every run writes OUT/manifest.csv (row, student id, credential id, format, file,
status, reason), the one place that links a row to its credential without the
learner's name or e-mail. `preview_batch` validates and maps without signing or
touching the ledger (`batch --dry-run`); `issue_recorded` gives a single credential
the same ledger entry and status-list index as a batch row (`issue --ledger`).

Rows come from a table (CSV in any common dialect, or .xlsx: `tabular`; one learner a
row, `CSV_COLUMNS`) merged over a programme file holding the shared micro-programme
elements, or from a JSON/YAML list of full records. This module never prints; progress
goes to an optional callback.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any

from .crypto.keys import KeyPair, derive_secret
from .crypto.x509 import SealIdentity
from .errors import EdcIssuerError, InputError, LedgerError, RecordValidationError
from .issue import FORMATS, IssuedCredential, default_proof, issue, map_record
from .profiles import Profile, as_profile, conform
from .ld.loader import DocumentLoader, default_loader
from .ledger import (
    Completion,
    Ledger,
    LedgerEntry,
    Reservation,
    StatusListInfo,
    learner_reference,
    student_reference,
)
from .ledger.outputs import file_sha256, private_dir, write_atomic
from .models.records import (
    ELEMENTS,
    MicroCredentialRecord,
    parse_record,
    read_structured,
    with_issuer_id,
)
from .securing.registry import for_proof
from .status.publish import StatusListSettings, entries_for, publish_status_lists
from .tabular import csv_safe_cell, is_table, read_table

Signer = KeyPair | SealIdentity

#: CSV column -> learner field (element a) and the per-row record fields
LEARNER_COLUMNS: dict[str, str] = {
    "learner_id": "id", "given_name": "given_name", "family_name": "family_name", "email": "email",
    "student_id": "student_id", "date_of_birth": "date_of_birth",
}
ROW_COLUMNS: dict[str, str] = {"issued": "issued", "valid_until": "valid_until", "credential_id": "id"}
GRADE_COLUMNS = ("grade", "grade_scheme")
CSV_COLUMNS: tuple[str, ...] = (*LEARNER_COLUMNS, *ROW_COLUMNS, *GRADE_COLUMNS)
#: programme keys that belong to a learner row, never to the shared programme
ROW_ONLY = ("learner", "id")
MAX_ROWS_FILE_BYTES = 200_000_000
COMPLETE_EVERY = 64          # ledger completions per transaction
RESERVE_CHUNK = 32           # rows planned (and reserved) per transaction
ERRORS_FILE = "errors.jsonl"
MANIFEST_FILE = "manifest.csv"
MANIFEST_COLUMNS = ("row", "student_id", "credential_id", "format", "file", "status", "reason")
#: learner keys that must be unique within one file: CSV column -> learner field
UNIQUE_LEARNER_KEYS: dict[str, str] = {"student_id": "student_id", "email": "email", "learner_id": "id"}
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


# --- input -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceRow:
    """One input row: its 1-based number among the data rows, its data, and the CSV line."""

    number: int
    data: Mapping[str, Any]
    line: int | None = None


@dataclass(frozen=True)
class RowError:
    """Why one row (or one format of it) was not issued: written as a line of errors.jsonl."""

    row: int
    field: str
    reason: str
    line: int | None = None
    column: str | None = None
    format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def load_programme(path: str | Path) -> dict[str, Any]:
    """The shared micro-programme elements (YAML/JSON object without a learner)."""
    data = read_structured(Path(path))
    if not isinstance(data, dict):
        raise InputError("a programme file must hold one object of shared record elements", field=str(path))
    misplaced = [k for k in ROW_ONLY if k in data]
    if misplaced:
        raise InputError(f"{', '.join(misplaced)} belong(s) to a learner row, not to the programme",
                         field=str(path))
    return data


def check_programme(programme: Mapping[str, Any]) -> None:
    """Refuse a programme that would make every row fail: validate it with a placeholder learner."""
    probe = {**copy.deepcopy(dict(programme)), "learner": {"given_name": "X", "family_name": "Y"}}
    probe.setdefault("issued", "2000-01-01T00:00:00Z")
    if isinstance(probe.get("grade"), dict):
        probe["grade"] = {"value": "x", **probe["grade"]}
    try:
        parse_record(probe)
    except RecordValidationError as exc:
        raise RecordValidationError([(f"programme: {f}", m) for f, m in exc.problems]) from exc


def read_rows(path: str | Path, *, delimiter: str | None = None) -> Iterator[SourceRow]:
    """Rows of a table (.csv/.tsv/.txt in a sniffed or given dialect, .xlsx), or the records
    of a JSON/YAML list (or {"records": [...]}); bounded reads."""
    p = Path(path)
    if is_table(p):
        yield from _table_rows(p, delimiter)
        return
    data = read_structured(p, max_bytes=MAX_ROWS_FILE_BYTES)
    items = data.get("records") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError("expected a list of records (or an object with a 'records' list)", field=str(p))
    for number, item in enumerate(items, start=1):
        yield SourceRow(number, item if isinstance(item, dict) else {"__not_an_object__": item})


def count_rows(path: str | Path, *, delimiter: str | None = None) -> int | None:
    """Number of data rows (for a progress total); None when it cannot be told cheaply."""
    p = Path(path)
    if not is_table(p):
        return None
    try:
        return len(read_table(p, delimiter=delimiter, max_bytes=MAX_ROWS_FILE_BYTES).rows)
    except InputError:
        return None


def _table_rows(path: Path, delimiter: str | None) -> Iterator[SourceRow]:
    table = read_table(path, delimiter=delimiter, max_bytes=MAX_ROWS_FILE_BYTES)
    problems = check_columns(table.header)
    if problems:
        if len(table.header) == 1 and any(d in table.header[0] for d in ",;\t|"):
            problems.append(f"the header was read as one column with the {table.dialect} delimiter; "
                            "give --delimiter (e.g. --delimiter ';')")
        raise InputError("; ".join(problems), field=f"{path} (header)")
    width = len(table.header)
    for number, (cells, line) in enumerate(zip(table.rows, table.lines), start=1):
        data: dict[Any, Any] = dict(zip(table.header, cells))
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            data[None] = extra       # as csv.DictReader does: record_data refuses the row
        yield SourceRow(number, data, line)


def check_columns(header: list[str]) -> list[str]:
    """Problems with a CSV header: unknown columns (a typo would silently drop data in every row)."""
    problems = []
    if len(set(header)) != len(header):
        problems.append("duplicate column names")
    fields = set(MicroCredentialRecord.model_fields)
    for name in header:
        if name in CSV_COLUMNS or not name:
            continue
        head = name.split(".", 1)[0]
        if head not in fields or head in {"learner", "id", "issued", "valid_until"}:
            problems.append(f"unknown column {name!r} (learner columns: {', '.join(CSV_COLUMNS)}; overrides are "
                            f"record paths such as workload.ects or assessment.type)")
    for required in ("given_name", "family_name"):
        if required not in header:
            problems.append(f"missing column {required!r}")
    return problems


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted path, copying each dict on the way (the programme's dicts are shared by every row)."""
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        child = dict(child) if isinstance(child, dict) else {}
        node[key] = child
        node = child
    node[keys[-1]] = value


def record_data(programme: Mapping[str, Any] | None, row: Mapping[str, Any]) -> dict[str, Any]:
    """The record dict of one row: a full record (merged over the programme), or CSV cells.

    The programme's values are shared, not copied, between the rows' dicts: nothing here
    changes them in place (`_set_path` copies what it descends into) and validation only
    reads them; a copy per row was most of reading a 10,000-row file.
    """
    base = dict(programme or {})
    if "learner" in row or "__not_an_object__" in row:
        if "__not_an_object__" in row:
            raise RecordValidationError([("record", "must be a JSON/YAML object")])
        return {**copy.deepcopy(base), **copy.deepcopy(dict(row))}
    if None in row:
        raise RecordValidationError([("row", "has more cells than the header has columns")])
    cells = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
    cells = {k: v for k, v in cells.items() if v not in (None, "")}
    base["learner"] = {LEARNER_COLUMNS[c]: v for c, v in cells.items() if c in LEARNER_COLUMNS}
    for column, key in ROW_COLUMNS.items():
        if column in cells:
            base[key] = cells[column]
    grade = dict(base.get("grade") or {})
    if "grade" in cells:
        grade["value"] = cells["grade"]
    if "grade_scheme" in cells:
        grade["scheme"] = cells["grade_scheme"]
    if grade.get("value"):
        base["grade"] = grade
    else:
        base.pop("grade", None)
    for column, value in cells.items():
        if column not in CSV_COLUMNS:
            _set_path(base, column, value)
    return base


def row_record(programme: Mapping[str, Any] | None, row: Mapping[str, Any],
               profile: Profile | None = None) -> MicroCredentialRecord:
    """The validated record of a row; with an alliance profile, checked against it and stating it.

    A rule the row breaks is a RecordValidationError like any other (naming the rule), so
    the row is refused and the good rows are kept.
    """
    record = parse_record(record_data(programme, row))
    return conform(record, profile) if profile is not None else record


def _column_of(field_name: str, message: str = "") -> str | None:
    """CSV column behind a record error field ('a) identification of the learner.email' -> 'email')."""
    learner = ELEMENTS["learner"] + "."
    if field_name == ELEMENTS["learner"]:    # learner-level checks name the field first ("email '...' is ...")
        return next((c for c, k in LEARNER_COLUMNS.items() if message.startswith(k)), None)
    if field_name.startswith(learner):
        key = field_name[len(learner):].split(".", 1)[0]
        return next((c for c, k in LEARNER_COLUMNS.items() if k == key), None)
    for column, key in ROW_COLUMNS.items():
        if field_name.startswith(ELEMENTS.get(key, key)):
            return column
    if field_name.startswith("optional: grade") or field_name == "grade":
        return "grade"
    return None


_QUOTED = re.compile(r"(?:[;,]?\s*\bgot\s+)?(?:'[^']*'|\"[^\"]*\")")


def value_free(reason: str, cells: Mapping[str, Any] | None = None) -> str:
    """A refusal reason for the manifest: quoted values and the row's own cells taken out.

    Validation messages quote what they refuse (an e-mail, a date of birth); errors.jsonl
    (0600) keeps them for the registrar, the manifest that travels further keeps none.
    """
    text = _QUOTED.sub("", reason)
    for value in (cells or {}).values():
        if isinstance(value, str) and len(value.strip()) >= 3:
            text = text.replace(value.strip(), "…")
    return " ".join(text.split()).strip(" ;,") or "invalid value"


def _student_of(programme: Mapping[str, Any] | None, row: Mapping[str, Any]) -> str:
    """The row's student id as typed (for the manifest), or "" when it has none or cannot be read."""
    value = row.get("student_id")
    if value is None and isinstance(row.get("learner"), dict):
        value = row["learner"].get("student_id")
    return value.strip() if isinstance(value, str) else ""


def _fingerprint(programme: Mapping[str, Any] | None, data: Mapping[str, Any]) -> str:
    """A text equal for two rows exactly when their record dicts are equal.

    Members equal to the programme's are written as a mark, not in full: the programme is the
    same for every row, and it may carry an embedded logo of several hundred KB.
    """
    base = programme or {}
    view = [[key, 0] if key in base and (value is base[key] or value == base[key]) else [key, 2, value]
            for key, value in data.items()]
    view += [[key, 1] for key in base if key not in data]
    return json.dumps(sorted(view, key=lambda entry: entry[0]), sort_keys=True, ensure_ascii=False, default=str)


def find_duplicates(programme: Mapping[str, Any] | None, rows: Iterable[SourceRow],
                    issued: Collection[int] = frozenset()) -> dict[int, list[RowError]]:
    """Rows that repeat another row, or share a student id, e-mail or learner id with one.

    `issued` names rows whose record the ledger already holds (a re-run): such a row keeps
    its credential and is not refused; only the rows added next to it are, naming it.

    Every row of such a group is refused (row number -> errors), each naming the other
    rows and the key but never its value (the messages go to errors.jsonl and terminals).
    Why both rows: two rows for one learner with different grades are a mistake in the
    file, and issuing either would be a guess; an exact repeat is a copy-paste slip.
    """
    seen: dict[str, SourceRow] = {}
    by_key: dict[tuple[str, str], list[SourceRow]] = {}
    out: dict[int, list[RowError]] = {}
    for source in rows:
        try:
            data = record_data(programme, source.data)
        except RecordValidationError:
            continue          # refused for its own reasons
        fingerprint = _fingerprint(programme, data)
        first = seen.get(fingerprint)
        if first is not None and first.number in issued:
            out.setdefault(source.number, []).append(RowError(
                source.number, "row", f"row {source.number} repeats row {first.number}, which is already issued: "
                f"remove row {source.number}", source.line))
            continue
        if first is not None:
            out.setdefault(source.number, []).append(RowError(
                source.number, "row", f"row {source.number} repeats row {first.number}: remove one of them",
                source.line))
            out.setdefault(first.number, []).append(RowError(
                first.number, "row", f"row {source.number} repeats row {first.number}: remove one of them",
                first.line))
            continue
        seen[fingerprint] = source
        learner = data.get("learner")
        if not isinstance(learner, dict):
            continue
        for column, key in UNIQUE_LEARNER_KEYS.items():
            value = learner.get(key)
            if isinstance(value, str) and value.strip():
                norm = value.strip().lower() if key == "email" else value.strip()
                by_key.setdefault((column, norm), []).append(source)
    for (column, _value), group in by_key.items():
        if len(group) < 2:
            continue
        numbers = [g.number for g in group]
        held = [n for n in numbers if n in issued]
        if held:
            earlier = ", ".join(map(str, held))
            for member in group:
                if member.number not in issued:
                    out.setdefault(member.number, []).append(RowError(
                        member.number, column, f"row {member.number} has the same {column} as row {earlier}, "
                        f"which is already issued: one learner, one row (remove row {member.number})",
                        member.line, column))
            continue
        listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
        for member in group:
            out.setdefault(member.number, []).append(RowError(
                member.number, column, f"rows {listed} have the same {column}: one learner, one row "
                f"(none of them is issued until the file is fixed)", member.line, column))
    return out


# --- signing (runs in worker processes) ---------------------------------------------------------

@dataclass(frozen=True)
class SignerBlob:
    """A signer as bytes, so worker processes can rebuild it (key objects do not pickle)."""

    kind: str
    parts: tuple[bytes, ...]

    @classmethod
    def of(cls, signer: Signer) -> SignerBlob:
        from cryptography.hazmat.primitives import serialization

        if isinstance(signer, KeyPair):
            return cls("key", (signer.to_pem(private=True),))
        pem = serialization.Encoding.PEM
        key = signer.private_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption())
        return cls("seal", (key, signer.certificate.public_bytes(pem),
                            *(c.public_bytes(pem) for c in signer.chain)))

    def load(self) -> Signer:
        if self.kind == "key":
            return KeyPair.from_pem(self.parts[0])
        from .crypto.x509 import load_seal

        return load_seal(b"".join(self.parts[1:]), self.parts[0])


@dataclass(frozen=True)
class SignJob:
    """Everything one signing needs; picklable, so it can cross to a worker process."""

    record: MicroCredentialRecord
    format: str
    proof: str
    credential_id: str
    status: tuple[dict[str, Any], ...] | None
    created: datetime
    target: Path
    issuer_did: str | None
    row: int
    rewrite: bool = False
    note: str = ""           # the manifest's reason column for an issued line (resumed, rewritten)


def sign_record(record: MicroCredentialRecord, *, fmt: str, proof: str, signer: Signer, credential_id: str,
                status: list[dict[str, Any]] | None, now: datetime, issuer_did: str | None = None,
                loader: DocumentLoader = default_loader, ob3_form: str = "standard") -> IssuedCredential:
    """`issue()` with a fixed credential id and credentialStatus entries.

    The id comes from the ledger (so a resumed signing reuses it); for a VC 1.1 (ELM)
    credential the status context is added so the entry terms are defined.
    """
    return issue(record.model_copy(update={"id": credential_id}), fmt=fmt, signer=signer, proof=proof, now=now,
                 loader=loader, issuer_did=issuer_did, status=list(status) if status else None, ob3_form=ob3_form)


_worker_signer: Signer | None = None   # per worker process: rebuilt once from a SignerBlob


def _init_worker(blob: SignerBlob) -> None:
    global _worker_signer
    _worker_signer = blob.load()


@dataclass(frozen=True)
class JobResult:
    """What a worker sends back: the job's key only (the job, record included, stays in the main process)."""

    key: tuple[str, str]                   # (credential id, format)
    sha256: str | None = None
    error: tuple[str, str] | None = None   # (field, reason): exceptions do not always pickle


def run_job(job: SignJob, signer: Signer | None = None) -> JobResult:
    """Sign one job and write its file atomically; failures come back as data, not exceptions."""
    signer = signer or _worker_signer
    if signer is None:
        return JobResult((job.credential_id, job.format), error=("signer", "worker has no signer"))
    try:
        issued = sign_record(job.record, fmt=job.format, proof=job.proof, signer=signer,
                             credential_id=job.credential_id, status=list(job.status) if job.status else None,
                             now=job.created, issuer_did=job.issuer_did)
        digest = write_atomic(job.target, issued.serialize().encode("utf-8"))
    except EdcIssuerError as exc:
        return JobResult((job.credential_id, job.format), error=(exc.field or "signing", exc.message))
    return JobResult((job.credential_id, job.format), sha256=digest)


# --- the run -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ManifestRow:
    """One line of manifest.csv: which credential a row became (or why it became none)."""

    row: int
    student_id: str
    credential_id: str
    format: str
    file: str
    status: str          # issued | skipped | refused
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "studentId": self.student_id, "credentialId": self.credential_id,
                "format": self.format, "file": self.file, "status": self.status, "reason": self.reason}

    def cells(self) -> list[str]:
        return [str(self.row), self.student_id, self.credential_id, self.format, self.file, self.status, self.reason]


def write_manifest(path: Path, rows: Iterable[ManifestRow]) -> Path:
    """manifest.csv (0600): row -> credential, with the student id only (no names, no e-mails)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for line in rows:
        writer.writerow([csv_safe_cell(cell) for cell in line.cells()])
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    return path


@dataclass
class BatchReport:
    """What a run did. Counts are credentials (record x format) unless named rows."""

    rows: int = 0
    issued: int = 0            # signed and written in this run (new or resumed)
    resumed: int = 0           # of those: reservations an interrupted run left unfinished
    skipped: int = 0           # already issued before (or a duplicate row in this run)
    rewritten: int = 0         # already issued, but the file was missing or changed: written again
    refused_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    status_lists: list[Path] = field(default_factory=list)
    error_report: Path | None = None
    manifest: list[ManifestRow] = field(default_factory=list)
    manifest_file: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def outcome(self) -> str:
        """complete (nothing refused), partial (some rows refused, others issued or already issued), refused."""
        if not self.refused_rows:
            return "complete"
        return "partial" if self.issued + self.skipped + self.rewritten else "refused"

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "rows": self.rows, "issued": self.issued, "resumed": self.resumed,
                "skipped": self.skipped, "rewritten": self.rewritten, "refusedRows": self.refused_rows,
                "errors": [e.to_dict() for e in self.errors], "statusLists": [str(p) for p in self.status_lists],
                "errorReport": str(self.error_report) if self.error_report else None,
                "manifestFile": str(self.manifest_file) if self.manifest_file else None,
                "manifest": [m.to_dict() for m in self.manifest], "seconds": self.seconds}

    def to_text(self) -> str:
        lines = [f"rows read: {self.rows}",
                 f"issued:    {self.issued}" + (f" ({self.resumed} finished from an interrupted run)"
                                                if self.resumed else ""),
                 f"skipped:   {self.skipped} (already issued)",
                 f"refused:   {self.refused_rows} row(s)"]
        if self.rewritten:
            lines.append(f"rewritten: {self.rewritten} (issued before; output file was missing or changed)")
        for e in self.errors[:20]:
            where = f"row {e.row}" + (f" (line {e.line})" if e.line else "")
            lines.append(f"  - {where}: {e.field}" + (f" [column {e.column}]" if e.column else "")
                         + (f" [{e.format}]" if e.format else "") + f": {e.reason}")
        if len(self.errors) > 20:
            lines.append(f"  ... {len(self.errors) - 20} more")
        if self.error_report:
            lines.append(f"error report: {self.error_report}")
        if self.manifest_file:
            lines.append(f"manifest:     {self.manifest_file} (row -> credential id and file)")
        if self.status_lists:
            lines.append(f"status lists: {len(self.status_lists)} signed list credential(s) in "
                         f"{self.status_lists[0].parent}")
        lines.append(f"time: {self.seconds:.1f} s")
        return "\n".join(lines)


def derive_pseudonym_key(signer: Signer) -> bytes:
    """The learner-reference key, derived from the issuer's private key (HKDF-SHA-256).

    Why: the key must live apart from the ledger, and the issuer already keeps its
    signing key apart; deriving (with a fixed label) needs no new secret to manage.
    Pass an explicit key to run_batch when keys rotate (see docs/ledger.md).
    """
    private = signer.private_key
    if private is None:
        raise InputError("deriving the learner-reference key needs a private key", field="signer")
    return derive_secret(private, b"edcissuer/ledger/learner-reference/v1")


def output_name(credential_id: str, fmt: str, suffix: str) -> str:
    """File name of a credential: the uuid of a urn:uuid id, else a safe form of the id + hash."""
    if credential_id.startswith("urn:uuid:"):
        stem = credential_id[len("urn:uuid:"):]
    else:
        stem = _SAFE.sub("_", credential_id)[-60:].strip("._") + "-" + sha256(credential_id.encode()).hexdigest()[:10]
    return f"{stem}.{fmt}{suffix}"


def planned_credential_id(record: MicroCredentialRecord, signer: Signer, proof: str,
                          issuer_did: str | None) -> str:
    """The id `issue()` would give this record (so `issue` and `batch` agree on it)."""
    if record.id:
        return record.id
    if isinstance(signer, KeyPair):  # key proofs bind the issuer to the key's DID (see issue())
        return with_issuer_id(record, issuer_did or signer.did_key).credential_id()
    return record.credential_id()


class _Run:
    """State of one run_batch call (kept out of the public function to keep it readable)."""

    def __init__(self, *, ledger: Ledger, out_dir: Path, status: StatusListSettings | None, now: datetime,
                 report: BatchReport, progress: Callable[[str, int], None] | None) -> None:
        self.ledger, self.out_dir, self.status, self.now = ledger, out_dir, status, now
        self.report, self.progress = report, progress
        self.completions: list[Completion] = []
        self.inflight: dict[tuple[str, str], SignJob] = {}   # (credential id, format) -> job being signed
        self.failed_rows: set[int] = set()
        self.errors_handle: Any = None
        self.lists: dict[str, StatusListInfo] = {}
        self.policy = status.policy if status is not None else None   # raises early without a base URL
        self.students: dict[int, str] = {}
        self.manifest: list[ManifestRow] = []

    def note(self, row: int, credential_id: str, fmt: str, file: str, status: str, reason: str = "") -> None:
        self.manifest.append(ManifestRow(row, self.students.get(row, ""), credential_id, fmt, file, status, reason))

    def manifest_rows(self) -> list[ManifestRow]:
        """The manifest in row order; a row's several refusals for one format become one line."""
        merged: dict[tuple[int, str, str, str], ManifestRow] = {}
        for line in self.manifest:
            key = (line.row, line.format, line.credential_id, line.status)
            before = merged.get(key)
            merged[key] = line if before is None else replace(before, reason=f"{before.reason}; {line.reason}")
        return sorted(merged.values(), key=lambda m: (m.row, m.format))

    def tick(self, what: str, n: int = 1) -> None:
        if self.progress is not None:
            self.progress(what, n)

    def refuse(self, error: RowError, credential_id: str = "", cells: Mapping[str, Any] | None = None) -> None:
        self.report.errors.append(error)
        column = f" [column {error.column}]" if error.column else ""
        self.note(error.row, credential_id, error.format or "", "", "refused",
                  f"{error.field}{column}: {value_free(error.reason, cells)}")
        if error.row not in self.failed_rows:
            self.failed_rows.add(error.row)
            self.report.refused_rows += 1
        if self.errors_handle is None:
            self.report.error_report = self.out_dir / ERRORS_FILE
            fd = os.open(self.report.error_report, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)     # the reasons quote cells: personal data, owner only
            self.errors_handle = os.fdopen(fd, "w", encoding="utf-8")
        self.errors_handle.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
        self.errors_handle.flush()

    def finish(self, result: JobResult) -> None:
        job = self.inflight.pop(result.key)
        if result.error is not None:
            self.refuse(RowError(job.row, result.error[0], f"signing failed: {result.error[1]}", format=job.format),
                        job.credential_id)
            self.tick("refused")
            return
        assert result.sha256 is not None
        self.completions.append(Completion(job.credential_id, job.format, result.sha256, job.target.name))
        self.note(job.row, job.credential_id, job.format, job.target.name, "issued", job.note)
        if job.rewrite:
            self.report.rewritten += 1
        else:
            self.report.issued += 1
        self.tick("issued")
        if len(self.completions) >= COMPLETE_EVERY:
            self.flush()

    def flush(self) -> None:
        self.ledger.complete(self.completions, at=self.now)
        self.completions = []

    def job_for(self, entry: LedgerEntry, record: MicroCredentialRecord, row: int, issuer_did: str | None,
                rewrite: bool = False, note: str = "") -> SignJob | None:
        """The signing of a ledger entry, or None (row refused) when this run cannot sign it faithfully."""
        status = None
        if entry.status_list is not None:
            info = self.lists.get(entry.status_list)
            if info is None:
                info = self.lists[entry.status_list] = self.ledger.list_info(entry.status_list)
            if self.policy is not None and info.issuer != self.policy.issuer:
                self.refuse(RowError(row, "signer", f"{entry.credential_id} was reserved by issuer {info.issuer}, "
                                     f"whose status list it is in; finish it with that issuer's key",
                                     format=entry.format), entry.credential_id)
                self.tick("refused")
                return None
            status = tuple(entries_for(info, int(entry.status_index or 0), entry.format))
        target = self.out_dir / output_name(entry.credential_id, entry.format, for_proof(entry.proof).suffix)
        return SignJob(record, entry.format, entry.proof, entry.credential_id, status, entry.reserved_at, target,
                       issuer_did, row, rewrite, note)


def _formats(formats: Iterable[str]) -> list[str]:
    """The requested formats, each once, in order; an empty or unknown one is refused."""
    fmts = list(dict.fromkeys(formats))
    if not fmts or any(f not in FORMATS for f in fmts):
        raise InputError(f"formats must be among {', '.join(FORMATS)}", field="format", value=fmts)
    return fmts


def run_batch(programme: Mapping[str, Any] | None, rows: Iterable[SourceRow | Mapping[str, Any]], *,
              formats: Iterable[str], signer: Signer, out_dir: Path, ledger: Ledger,
              status_lists: StatusListSettings | None, now: datetime, workers: int = 1,
              proof: str | None = None, issuer_did: str | None = None, pseudonym_key: bytes | None = None,
              progress: Callable[[str, int], None] | None = None,
              profile: Profile | str | Path | None = None) -> BatchReport:
    """Issue every valid row in every format, exactly once across re-runs; see the module docstring.

    `progress(kind, n)` is called as credentials finish ("issued", "skipped",
    "refused"). `workers` > 1 signs in that many processes (the ledger stays in this
    one). Raises only for misuse or an unusable programme/ledger; row problems are
    reported in the returned `BatchReport` and in OUT/errors.jsonl, and every row's
    outcome in OUT/manifest.csv. The rows are read in full first: duplicates within the
    file are found before anything is reserved. OUT is created 0700, every file 0600.
    `profile`: an alliance profile every row must meet (a row breaking a rule is refused,
    naming it); the credentials state it (see `issue`).
    """
    started = time.perf_counter()
    fmts = _formats(formats)
    chosen = as_profile(profile)
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware", field="now")
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    if programme is not None:
        check_programme(programme)
    sources = list(_numbered(rows))
    duplicates = find_duplicates(programme, sources)
    held = _already_issued(programme, sources, duplicates, ledger, fmts, chosen)
    if held:        # a re-run: a row issued before keeps its credential, only the newcomers next to it are refused
        duplicates = find_duplicates(programme, sources, held)
    private_dir(out_dir)
    (out_dir / ERRORS_FILE).unlink(missing_ok=True)
    key = pseudonym_key or derive_pseudonym_key(signer)
    report = BatchReport()
    run = _Run(ledger=ledger, out_dir=out_dir, status=status_lists, now=now, report=report, progress=progress)
    batch_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    executor = (ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                    initargs=(SignerBlob.of(signer),)) if workers > 1 else None)
    pending: set[Future[JobResult]] = set()
    max_inflight = max(8, workers * 16)

    def submit(job: SignJob) -> None:
        run.inflight[(job.credential_id, job.format)] = job
        if executor is None:
            run.finish(run_job(job, signer))
            return
        while len(pending) >= max_inflight:
            drain(FIRST_COMPLETED)
        pending.add(executor.submit(run_job, job))

    def drain(mode: str) -> None:
        done, _ = wait(pending, return_when=mode)
        for future in done:
            pending.discard(future)
            run.finish(future.result())

    try:
        for chunk in _chunks(sources, RESERVE_CHUNK):
            for job in _plan(chunk, run, programme=programme, fmts=fmts, signer=signer, proof=proof,
                             issuer_did=issuer_did, key=key, batch_id=batch_id, duplicates=duplicates,
                             profile=chosen):
                submit(job)
        if pending:
            drain("ALL_COMPLETED")
        run.flush()
        if status_lists is not None:
            report.status_lists = publish_status_lists(ledger, status_lists, now=now)
        report.manifest = run.manifest_rows()
        report.manifest_file = write_manifest(out_dir / MANIFEST_FILE, report.manifest)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        if run.errors_handle is not None:
            run.errors_handle.close()
    report.seconds = time.perf_counter() - started
    return report


def _already_issued(programme: Mapping[str, Any] | None, sources: list[SourceRow],
                    duplicates: Mapping[int, list[RowError]], ledger: Ledger, fmts: list[str],
                    profile: Profile | None = None) -> set[int]:
    """The rows of duplicate groups whose record the ledger already holds (in any state, any format)."""
    held: set[int] = set()
    for source in sources:
        if source.number not in duplicates:
            continue
        try:
            record_hash = row_record(programme, source.data, profile).content_hash()
        except RecordValidationError:
            continue
        if any(ledger.get(record_hash, fmt) is not None for fmt in fmts):
            held.add(source.number)
    return held


def _numbered(rows: Iterable[SourceRow | Mapping[str, Any]]) -> Iterator[SourceRow]:
    for number, row in enumerate(rows, start=1):
        yield row if isinstance(row, SourceRow) else SourceRow(number, row)


def _chunks(rows: Iterable[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    chunk: list[SourceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plan(chunk: list[SourceRow], run: _Run, *, programme: Mapping[str, Any] | None, fmts: list[str],
          signer: Signer, proof: str | None, issuer_did: str | None, key: bytes, batch_id: str,
          duplicates: Mapping[int, list[RowError]], profile: Profile | None = None) -> list[SignJob]:
    """Validate a chunk of rows, reserve them in one ledger transaction, and return what to sign."""
    planned: list[tuple[SourceRow, MicroCredentialRecord, Reservation]] = []
    for source in chunk:
        run.report.rows += 1
        run.students[source.number] = _student_of(programme, source.data)
        if source.number in duplicates:
            for error in duplicates[source.number]:
                run.refuse(error)
            run.tick("refused", len(fmts))
            continue
        try:
            record = row_record(programme, source.data, profile)
        except RecordValidationError as exc:
            for name, message in exc.problems:
                run.refuse(RowError(source.number, name, message, source.line, _column_of(name, message)),
                           cells=source.data)
            run.tick("refused", len(fmts))
            continue
        record_hash, ref = record.content_hash(), learner_reference(record.learner, key)
        student_ref = student_reference(record.learner.student_id, key) if record.learner.student_id else None
        cid = ""
        for fmt in fmts:
            chosen = proof or default_proof(fmt, signer)
            cid = cid or planned_credential_id(record, signer, chosen, issuer_did)   # one id for every format
            planned.append((source, record, Reservation(cid, fmt, chosen, record_hash, ref, student_ref)))
    policy = run.policy
    answers = run.ledger.reserve([p[2] for p in planned], at=run.now, status=policy, batch_id=batch_id)
    jobs: list[SignJob] = []
    for (source, record, request), answer in zip(planned, answers):
        entry = answer.entry
        if entry is None:
            run.refuse(RowError(source.number, "credential_id", answer.problem or "refused by the ledger",
                                source.line, "credential_id", request.format), request.credential_id)
            run.tick("refused")
            continue
        job: SignJob | None = None
        if answer.created:
            job = run.job_for(entry, record, source.number, issuer_did)
        elif (entry.credential_id, entry.format) in run.inflight or any(
                j.credential_id == entry.credential_id and j.format == entry.format for j in jobs):
            run.report.skipped += 1      # the same record twice in this run (rows that differ only in an id)
            run.note(source.number, entry.credential_id, entry.format, "", "skipped",
                     "the same record as an earlier row of this run")
            run.tick("skipped")
        elif not entry.done:
            job = run.job_for(entry, record, source.number, issuer_did, note="finished from an interrupted run")
            run.report.resumed += job is not None
        else:
            target = run.out_dir / (entry.output_path or "")
            if entry.output_path and file_sha256(target) == entry.output_sha256:
                run.report.skipped += 1
                run.note(source.number, entry.credential_id, entry.format, entry.output_path, "skipped",
                         f"already issued ({entry.state})")
                run.tick("skipped")
            else:
                job = run.job_for(entry, record, source.number, issuer_did, rewrite=True,
                                  note="issued before; the output file was missing or changed: written again")
        if job is not None:
            jobs.append(job)
    return jobs


# --- dry run ------------------------------------------------------------------------------------

@dataclass
class BatchPreview:
    """What `run_batch` would do with these rows, found without signing or opening the ledger."""

    rows: int = 0
    valid_rows: int = 0
    refused_rows: int = 0
    credentials: int = 0           # valid rows x formats (a real run skips those the ledger already holds)
    errors: list[RowError] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if not self.refused_rows:
            return "complete"
        return "partial" if self.valid_rows else "refused"

    def to_dict(self) -> dict[str, Any]:
        return {"dryRun": True, "outcome": self.outcome, "rows": self.rows, "validRows": self.valid_rows,
                "refusedRows": self.refused_rows, "credentials": self.credentials,
                "errors": [e.to_dict() for e in self.errors], "samples": self.samples}

    def to_text(self) -> str:
        lines = ["dry run: nothing signed, nothing written, the ledger not opened",
                 f"rows read:   {self.rows}",
                 f"valid:       {self.valid_rows} row(s) -> {self.credentials} credential(s) "
                 "(rows already in the ledger will be skipped)",
                 f"refused:     {self.refused_rows} row(s)"]
        for sample in self.samples:
            lines.append(f"  row {sample['row']}: student {sample['studentId'] or '-'}: {sample['title']} "
                         f"[{', '.join(sample['formats'])}] -> {sample['credentialId']}")
        for e in self.errors:
            where = f"row {e.row}" + (f" (line {e.line})" if e.line else "")
            lines.append(f"  - {where}: {e.field}" + (f" [column {e.column}]" if e.column else "")
                         + (f" [{e.format}]" if e.format else "") + f": {e.reason}")
        return "\n".join(lines)


def preview_batch(programme: Mapping[str, Any] | None, rows: Iterable[SourceRow | Mapping[str, Any]], *,
                  formats: Iterable[str], signer: Signer, proof: str | None = None, issuer_did: str | None = None,
                  samples: int = 3, profile: Profile | str | Path | None = None) -> BatchPreview:
    """Validate, de-duplicate and map every row as `run_batch` would, and sign nothing.

    Why: a registrar checks a cohort file before the first credential exists, since a
    signed credential cannot be taken back, only revoked. Every error is listed (not
    the first twenty); the first `samples` valid rows are shown by student id and title.
    """
    fmts = _formats(formats)
    wanted = as_profile(profile)
    if programme is not None:
        check_programme(programme)
    sources = list(_numbered(rows))
    duplicates = find_duplicates(programme, sources)
    preview = BatchPreview(rows=len(sources))
    for source in sources:
        problems = list(duplicates.get(source.number, []))
        record: MicroCredentialRecord | None = None
        if not problems:
            try:
                record = row_record(programme, source.data, wanted)
            except RecordValidationError as exc:
                problems = [RowError(source.number, name, message, source.line, _column_of(name, message))
                            for name, message in exc.problems]
        ids: list[str] = []
        if record is not None:
            for fmt in fmts:
                chosen = proof or default_proof(fmt, signer)
                try:
                    for_proof(chosen)
                    map_record(record if not isinstance(signer, KeyPair) else
                               with_issuer_id(record, issuer_did or signer.did_key), fmt)
                except EdcIssuerError as exc:
                    problems.append(RowError(source.number, exc.field or "mapping", exc.message, source.line,
                                             format=fmt))
                    continue
                ids.append(planned_credential_id(record, signer, chosen, issuer_did))
        if problems or record is None:
            preview.refused_rows += 1
            preview.errors.extend(problems)
            continue
        preview.valid_rows += 1
        preview.credentials += len(fmts)
        if len(preview.samples) < samples:
            title = record.title.get(record.language) or next(iter(record.title.values()), "")
            preview.samples.append({"row": source.number, "studentId": record.learner.student_id or "",
                                    "title": title, "formats": fmts, "credentialId": ids[0]})
    return preview


# --- one credential through the ledger ----------------------------------------------------------------

@dataclass(frozen=True)
class RecordedCredential:
    """A single credential issued through the ledger: the artefact, its entry, the lists re-signed."""

    issued: IssuedCredential
    entry: LedgerEntry
    created: bool                  # False: the ledger already held this record; the same credential again
    status_lists: tuple[Path, ...]


def issue_recorded(record: MicroCredentialRecord, *, fmt: str, signer: Signer, ledger: Ledger,
                   status_lists: StatusListSettings | None, target: Path, now: datetime,
                   proof: str | None = None, issuer_did: str | None = None, ob3_form: str = "standard",
                   pseudonym_key: bytes | None = None,
                   profile: Profile | str | Path | None = None, publish: bool = True) -> RecordedCredential:
    """`issue` with the ledger and status lists a batch row gets, so a one-off credential is revocable.

    The same three steps as `run_batch` (reserve, sign and write atomically to `target`
    with mode 0600, complete). The credential id and status index come from the ledger:
    issuing a record the ledger already holds (by `issue` or `batch`) gives back the same
    credential, byte for byte, instead of a second one; a revoked or suspended one is refused.
    `profile`: an alliance profile the record must meet, as in `issue`. `publish=False` leaves
    the status list files alone (a service that signs its lists from the ledger on request).
    """
    chosen_profile = as_profile(profile)
    if chosen_profile is not None:
        record = conform(record, chosen_profile)
    if fmt not in FORMATS:
        raise InputError(f"formats must be among {', '.join(FORMATS)}", field="format", value=fmt)
    if now.tzinfo is None:
        raise InputError("now must be timezone-aware", field="now")
    now = now.astimezone(timezone.utc).replace(microsecond=0)
    key = pseudonym_key or derive_pseudonym_key(signer)
    chosen = proof or default_proof(fmt, signer)
    for_proof(chosen)
    student_ref = student_reference(record.learner.student_id, key) if record.learner.student_id else None
    request = Reservation(planned_credential_id(record, signer, chosen, issuer_did), fmt, chosen,
                          record.content_hash(), learner_reference(record.learner, key), student_ref)
    policy = status_lists.policy if status_lists is not None else None
    batch_id = f"issue-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    answer = ledger.reserve([request], at=now, status=policy, batch_id=batch_id)[0]
    entry = answer.entry
    if entry is None:
        raise LedgerError(answer.problem or "refused by the ledger", field="credential_id",
                          value=request.credential_id)
    if entry.state in {"revoked", "suspended"}:
        raise LedgerError(f"the ledger holds this record as {entry.credential_id}, which is {entry.state}; "
                          "it is not issued again", field="credential_id", value=entry.credential_id)
    if proof is not None and entry.proof != proof:
        raise LedgerError(f"the ledger holds this record as {entry.credential_id} with proof {entry.proof}, "
                          f"not {proof}", field="proof", value=proof)
    status = None
    if entry.status_list is not None:
        info = ledger.list_info(entry.status_list)
        if policy is not None and info.issuer != policy.issuer:
            raise LedgerError(f"{entry.credential_id} is in a status list of issuer {info.issuer}; issue it with "
                              "that issuer's key", field="signer", value=info.issuer)
        status = entries_for(info, int(entry.status_index or 0), entry.format)
    issued = sign_record(record, fmt=entry.format, proof=entry.proof, signer=signer,
                         credential_id=entry.credential_id, status=status, now=entry.reserved_at,
                         issuer_did=issuer_did, ob3_form=ob3_form)
    digest = write_atomic(target, issued.serialize().encode("utf-8"))
    ledger.complete([Completion(entry.credential_id, entry.format, digest, str(target.resolve()))], at=now)
    written: list[Path] = []
    if publish and status_lists is not None and entry.status_list is not None:
        written = publish_status_lists(ledger, status_lists, now=now, list_ids=[entry.status_list])
    final = next(e for e in ledger.find(entry.credential_id) if e.format == entry.format)
    return RecordedCredential(issued, final, answer.created, tuple(written))
