"""The demo: issue, sign, verify and export the sample records end to end.

It uses only the DEMO-ONLY keys in `keys/` and the sample records in `samples/records/`,
writes everything to an output folder, and returns a report the CLI prints as a table.
Each step calls the same public library functions a registrar's script would.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..issue import IssuedCredential, IssuerIdReplaced, issue
from ..models.records import load_record
from ..results import VerificationResult
from ..verify import VerifyOptions, verify
from .exports import export_demo_section
from .keys import DemoKeys, load_demo_keys
from .recognition import recognition_demo_section

if TYPE_CHECKING:
    from ..batch import BatchReport


def project_root() -> Path:
    """Folder holding keys/ and samples/ (the source checkout)."""
    here = Path(__file__).resolve()
    for candidate in (Path.cwd(), *here.parents):
        if (candidate / "keys").is_dir() and (candidate / "samples" / "records").is_dir():
            return candidate
    raise FileNotFoundError("keys/ and samples/records/ not found: run the demo from the project folder")


@dataclass
class DemoRow:
    record: str
    model: str
    format: str
    proof: str
    path: Path
    result: VerificationResult


@dataclass
class DemoReport:
    out: Path
    rows: list[DemoRow] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.result.verified for r in self.rows)

    @property
    def records(self) -> int:
        return len({r.record for r in self.rows})

    def counts(self) -> str:
        """'3 sample records × 2 formats = 6 credentials': where the number of credentials comes from."""
        return f"{self.records} sample records × {len(DEMO_PROOFS)} formats = {len(self.rows)} credentials"

    def to_dict(self) -> dict[str, Any]:
        """The report for `edcissuer demo --json`: the credentials and each section's text."""
        return {"ok": self.ok, "out": str(self.out), "counts": self.counts(),
                "verified": sum(r.result.verified for r in self.rows), "credentials": [
                    {"record": r.record, "model": r.model, "format": r.format, "proof": r.proof, "file": str(r.path),
                     "verified": r.result.verified, "failures": [f"{c.name}: {c.reason}" for c in r.result.failures]}
                    for r in self.rows],
                "sections": [{"title": title, "text": body} for title, body in self.sections]}

    def to_text(self) -> str:
        lines = [f"{self.counts()} (ELM sealed with JAdES, Open Badges 3.0 signed with Data Integrity), "
                 "signed with the DEMO-ONLY keys in keys/ and verified. One demo key signs for every "
                 "university, so each Open Badge names that key's did:key as its issuer in place of the "
                 "record's did:web (a real issuer publishes its key in its did:web document: docs/records.md):", "",
                 f"{'NN':<3}{'record':<22} {'model':<12} {'format':<6} {'proof':<16} {'verified':<8} file",
                 "-" * 99]
        for n, r in enumerate(self.rows, 1):
            lines.append(f"{n:02d} {r.record:<22} {r.model:<12} {r.format:<6} {r.proof:<16} "
                         f"{'yes' if r.result.verified else 'NO':<8} {r.path.name}")
            if not r.result.verified:
                lines += [f"    FAIL {c.name}: {c.reason}" for c in r.result.failures]
        for title, body in self.sections:
            lines += ["", f"== {title} ==", body]
        lines += ["", f"{sum(r.result.verified for r in self.rows)}/{len(self.rows)} credentials verified "
                  f"({self.counts()}); everything is in {self.out}/"]
        return "\n".join(lines)


DEMO_PROOFS = {"elm": "jades", "ob3": "eddsa-rdfc-2022"}


def run_demo(out: Path, *, root: Path | None = None, now: datetime | None = None) -> DemoReport:
    """Issue every sample record in both formats, verify each, and write the files to `out`."""
    with warnings.catch_warnings():  # said once in the report: one demo key signs for every university
        warnings.simplefilter("ignore", IssuerIdReplaced)
        return _run_demo(out, root=root, now=now)


def _run_demo(out: Path, *, root: Path | None, now: datetime | None) -> DemoReport:
    root = root or project_root()
    keys = load_demo_keys(root)
    now = now or datetime.now(timezone.utc)
    out.mkdir(parents=True, exist_ok=True)
    report = DemoReport(out=out)
    options = VerifyOptions(now=now, trust_anchors=keys.trust_anchors)
    issued_all: list[IssuedCredential] = []
    for path in sorted((root / "samples" / "records").glob("*.yaml")):
        record = load_record(path)
        for fmt, proof in DEMO_PROOFS.items():
            signer = keys.seal if proof == "jades" else keys.issuer
            issued = issue(record, fmt=fmt, signer=signer, proof=proof, now=now)
            target = out / f"{path.stem}.{fmt}{issued.suffix}"
            target.write_text(issued.serialize(), encoding="utf-8")
            issued_all.append(issued)
            report.rows.append(DemoRow(path.stem, record.awarding.model.value, fmt, proof, target,
                                       verify(target, options)))
    report.sections.append(recognition_demo_section([r.path for r in report.rows], root, now))
    report.sections.append(export_demo_section(issued_all, root, out, now))  # writes OUT/exports/
    report.sections.append(batch_demo_section(root, out / "batch", keys, now))
    return report


def batch_demo_section(root: Path, out: Path, keys: DemoKeys, now: datetime) -> tuple[str, str]:
    """A cohort from CSV into a ledger with status lists, re-run, then one revocation."""
    import shutil

    from ..batch import load_programme, read_rows, run_batch
    from ..ledger import Ledger
    from ..status.bitstring import make_status_checker
    from ..status.publish import StatusListSettings, publish_status_lists

    shutil.rmtree(out, ignore_errors=True)
    batch_dir = root / "samples" / "batch"
    settings = StatusListSettings(base_url="https://credentials.univ-lusitania.example/status",
                                  directory=out / "status", signer=keys.issuer)
    lines = ["a cohort (CSV rows merged over samples/batch/programme.yaml) issued into a ledger with status lists, "
             "run twice (each credential is issued exactly once), then one credential revoked:", ""]
    with Ledger.open(out / "ledger.sqlite") as ledger:
        for label in ("first run", "same batch again"):
            result = run_batch(load_programme(batch_dir / "programme.yaml"), read_rows(batch_dir / "cohort.csv"),
                               formats=["elm", "ob3"], signer=keys.issuer, out_dir=out / "credentials",
                               ledger=ledger, status_lists=settings, now=now)
            lines.append(_batch_counts(label, result, formats=2))
            if label == "first run":
                lines += [f"  refused row {e.to_dict().get('row')}: {e.to_dict().get('field')}: "
                          f"{e.to_dict().get('reason')}" for e in result.errors]
        entry = next(e for e in ledger.entries(state="issued") if e.format == "ob3" and e.output_path)
        ledger.revoke(entry.credential_id, reason="assessment irregularity (demo)", at=now)
        publish_status_lists(ledger, settings, now=now, list_ids=[entry.status_list] if entry.status_list else None)
    checker = make_status_checker(status_dir=settings.directory)
    path = out / "credentials" / str(entry.output_path)
    checked = verify(path, VerifyOptions(now=now, status_checker=checker))
    status = next(c for c in checked.checks if c.name == "status")
    lines += [f"revoked {entry.credential_id} (ob3); verify now says: "
              f"{'VALID' if checked.verified else 'INVALID'} - status: {status.reason}",
              f"credentials in {out / 'credentials'}/, ledger {out / 'ledger.sqlite'}, "
              f"signed status lists in {settings.directory}/"]
    return "Batch, ledger and revocation (samples/batch/cohort.csv)", "\n".join(lines)


def _batch_counts(label: str, result: BatchReport, *, formats: int) -> str:
    """One run's counts with where they come from: '18 valid rows × 2 formats = 36 credentials: ...'."""
    valid = result.rows - result.refused_rows
    return (f"{label}: {result.rows} rows, {result.refused_rows} refused; {valid} valid rows × {formats} formats = "
            f"{valid * formats} credentials: {result.issued} issued, {result.skipped} skipped as already issued")
